using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace Webraft
{
    /// <summary>
    /// A streamed chat reply so far, each part valid JSON with the library's snapshot rules:
    /// unfinished strings, arrays and objects are closed, a key whose value has not begun is
    /// dropped, and numbers, true, false and null appear only once complete.
    /// </summary>
    public sealed class ReplySnapshot
    {
        ReplySnapshot(string content, IReadOnlyList<string> toolArguments)
        {
            Content = content;
            ToolArguments = toolArguments;
        }

        /// <summary>The first choice's content so far; null until a JSON value has begun (or when it is not JSON).</summary>
        public string Content { get; private set; }

        /// <summary>The arguments so far of each tool call started, in order; an entry is null until its JSON has begun.</summary>
        public IReadOnlyList<string> ToolArguments { get; private set; }

        internal static ReplySnapshot Of(RequestHandle request)
        {
            IntPtr json;
            UIntPtr length;
            string content = Owned(Native.webraft_request_snapshot_content(request, out json, out length), json, length);
            int count = Utf8.Length(Native.webraft_request_snapshot_tool_call_count(request));
            var arguments = new string[count];
            for (int i = 0; i < count; i++)
                arguments[i] = Owned(Native.webraft_request_snapshot_tool_arguments(request, new UIntPtr((uint)i), out json, out length),
                    json, length);
            return new ReplySnapshot(content, new ReadOnlyCollection<string>(arguments));
        }

        /// <summary>JSON the library handed over, or null when it had none (Missing).</summary>
        internal static string Owned(WebraftStatus status, IntPtr json, UIntPtr length)
        {
            string text = Utf8.Take(json, length);
            return status == WebraftStatus.Ok ? text : null;
        }
    }

    /// <summary>
    /// Snapshots of a growing JSON document given piece by piece, with the same rules as
    /// <see cref="ReplySnapshot"/>: for the text a <c>StreamAsync</c> handler receives
    /// (<see cref="ChatChunk.Text"/>), or a Responses stream's deltas. Thread-safe. Dispose frees
    /// the native parser (a finalizer does otherwise).
    /// </summary>
    public sealed class PartialJson : IDisposable
    {
        readonly object gate = new object();
        readonly PartialJsonHandle handle = Native.webraft_partial_json_new();

        PartialJsonHandle Handle
        {
            get
            {
                if (handle.IsClosed)
                    throw new ObjectDisposedException(GetType().Name);
                return handle;
            }
        }

        /// <summary>
        /// Adds the next piece of the document (it may end mid-string or mid-number); true when the
        /// snapshot changed.
        /// </summary>
        public bool Push(string piece)
        {
            if (piece == null)
                throw new ArgumentNullException("piece");
            byte[] utf8 = Utf8.ToNative(piece);
            bool changed;
            lock (gate)
                Check(Native.webraft_partial_json_push(Handle, utf8, new UIntPtr((uint)(utf8.Length - 1)), out changed));
            return changed;
        }

        /// <summary>Ends the document (a number still open is complete); true when the snapshot changed.</summary>
        public bool Finish()
        {
            bool changed;
            lock (gate)
                Check(Native.webraft_partial_json_finish(Handle, out changed));
            return changed;
        }

        /// <summary>The document so far as valid JSON; null until a value has begun.</summary>
        public string Snapshot
        {
            get
            {
                IntPtr json;
                UIntPtr length;
                lock (gate)
                    return ReplySnapshot.Owned(Native.webraft_partial_json_snapshot(Handle, out json, out length), json, length);
            }
        }

        /// <summary>Frees the parser; later calls throw <see cref="ObjectDisposedException"/>.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        static void Check(WebraftStatus status)
        {
            if (status != WebraftStatus.Ok)
                throw new WebraftException(status, "the snapshot parser refused the text: " + WebraftException.StatusNameOf(status));
        }
    }
}
