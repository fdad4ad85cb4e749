using System;

namespace Webraft
{
    /// <summary>
    /// One event of a Responses API stream or of a stream from any endpoint, or the reply's
    /// headers, which come first (<see cref="IsHeaders"/>). It keeps the event's UTF-8 bytes;
    /// <see cref="Data"/> and <see cref="Type"/> are decoded on first use. Read JSON data by
    /// JSON Pointer (see <see cref="JsonSource"/>), e.g. <c>e.GetString("/delta")</c>, or a
    /// header from the headers event, e.g. <c>e.GetString("/x-ratelimit-remaining-requests")</c>.
    /// Safe to keep and to read from any thread.
    /// </summary>
    public sealed class StreamEvent : JsonSource
    {
        static readonly byte[] TypePointer = Utf8.ToNative("/type");
        string data;
        string type;
        bool typeRead;

        StreamEvent(bool isHeaders, string name, byte[] utf8) : base(utf8)
        {
            IsHeaders = isHeaders;
            Name = name;
        }

        /// <summary>
        /// True for the headers event: the reply's headers as one JSON object in <see cref="Data"/>
        /// (lower-case names, repeated headers joined with ", "). It comes once, before any other
        /// event, also for a reply that fails.
        /// </summary>
        public bool IsHeaders { get; private set; }

        /// <summary>
        /// The SSE event name (<c>event:</c> line), e.g. "response.output_text.delta"; null when the
        /// event has none (JSON lines, unnamed SSE events, the headers event).
        /// </summary>
        public string Name { get; private set; }

        /// <summary>The event's data exactly as it arrived: JSON for Responses events, any text for other endpoints.</summary>
        public string Data
        {
            get { return data ?? (data = Utf8.Decode(Utf8Json, Utf8Json.Length)); }
        }

        /// <summary>
        /// The <c>type</c> member of the data, e.g. "response.output_text.delta", which every
        /// Responses API event carries, with or without an SSE name (JSON lines have none); null
        /// when the data has no string <c>type</c>, is not JSON, or for the headers event.
        /// </summary>
        public string Type
        {
            get
            {
                if (!typeRead && !IsHeaders)
                {
                    IntPtr text;
                    UIntPtr length;
                    byte[] utf8 = Utf8Json;
                    WebraftStatus status = Native.webraft_json_get_string(utf8, new UIntPtr((uint)utf8.Length), TypePointer, out text, out length);
                    string value = Utf8.Take(text, length);
                    // Any failure (not JSON, no such member, not a string) leaves the type null.
                    if (status == WebraftStatus.Ok)
                        type = value;
                    typeRead = true;
                }
                return type;
            }
        }

        /// <summary>The name (or "headers") and the data, for logs.</summary>
        public override string ToString()
        {
            return (IsHeaders ? "headers" : Name ?? "(unnamed)") + ": " + Data;
        }

        /// <summary>Copies an event the library lends (a callback's arguments, or a polled event before it is freed).</summary>
        internal static StreamEvent FromNative(uint kind, IntPtr name, IntPtr data, UIntPtr length)
        {
            return new StreamEvent(kind == Native.EventHeaders, Utf8.FromNative(name),
                Utf8.CopyBytes(data, Utf8.Length(length)) ?? new byte[0]);
        }
    }
}
