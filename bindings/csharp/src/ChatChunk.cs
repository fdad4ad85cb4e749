using System;

namespace Webraft
{
    /// <summary>
    /// One stream chunk. It keeps the chunk's UTF-8 bytes; <see cref="Json"/> and
    /// <see cref="Text"/> are decoded on first use, so a handler that needs neither pays for neither.
    /// Read any other member by JSON Pointer (see <see cref="JsonSource"/>), e.g.
    /// <c>chunk.TryGetString("/choices/0/finish_reason", out reason)</c>.
    /// Safe to keep and to read from any thread.
    /// </summary>
    public sealed class ChatChunk : JsonSource
    {
        string json;
        string text;

        internal ChatChunk(byte[] utf8) : base(utf8)
        {
        }

        /// <summary>The chunk's JSON (a <c>chat.completion.chunk</c>).</summary>
        public string Json
        {
            get { return json ?? (json = Utf8.Decode(Utf8Json, Utf8Json.Length)); }
        }

        /// <summary>The text this chunk adds (its first choice's <c>delta.content</c>); "" when it adds none.</summary>
        public string Text
        {
            get { return text ?? (text = DeltaText()); }
        }

        /// <summary>The chunk's JSON.</summary>
        public override string ToString()
        {
            return Json;
        }

        string DeltaText()
        {
            IntPtr native;
            UIntPtr length;
            byte[] utf8 = Utf8Json;
            WebraftStatus status = Native.webraft_chunk_text(utf8, new UIntPtr((uint)utf8.Length), out native, out length);
            string delta = Utf8.Take(native, length);
            if (status != WebraftStatus.Ok)
                throw new WebraftException(status, "cannot read the text of a stream chunk");
            return delta;
        }
    }
}
