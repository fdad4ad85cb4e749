using System;

namespace Webraft
{
    /// <summary>
    /// A request started without callbacks, for game loops: each frame, on your own thread,
    /// drain <see cref="TryGetNext"/> (chat chunks) or <see cref="TryGetNextEvent"/> (the headers,
    /// then named events: Responses API and any-endpoint streams) and check <see cref="IsCompleted"/>.
    /// Nothing ever runs on another thread and no call blocks. Thread-safe. Dispose cancels a
    /// running request.
    /// </summary>
    public sealed class PolledRequest : IDisposable
    {
        readonly object gate = new object();
        readonly RequestHandle handle;
        // Holding the client handle keeps a forgotten client from being finalized (which
        // would cancel this request) while it is polled; it is never read.
#pragma warning disable 414
        readonly ClientHandle client;
#pragma warning restore 414
        // An event that IsCompleted had to take off the queue to find out.
        StreamEvent peeked;
        bool drained;
        bool resultTaken;
        ChatResult result;
        WebraftException failure;

        internal PolledRequest(ClientHandle client, RequestHandle handle)
        {
            this.client = client;
            this.handle = handle;
        }

        RequestHandle Handle
        {
            get
            {
                if (handle.IsClosed)
                    throw new ObjectDisposedException(GetType().Name);
                return handle;
            }
        }

        /// <summary>
        /// Takes the next stream chunk if one has arrived; never waits. Chunks only arrive when the
        /// request was started to stream (<see cref="WebraftClient.StartChat(Conversation, bool)"/> or
        /// <see cref="WebraftClient.StartChat(string, bool)"/> with <c>stream: true</c>, or a
        /// <see cref="ChatPrompt"/> with <see cref="ChatPrompt.Stream"/> set).
        /// Call it until it returns false, every frame: a stream pauses while 256 chunks wait unread.
        /// It passes over the headers event, as <c>webraft_request_next</c> does.
        /// </summary>
        public bool TryGetNext(out ChatChunk chunk)
        {
            lock (gate)
            {
                StreamEvent next;
                do
                    next = Take();
                while (next != null && next.IsHeaders);
                chunk = next == null ? null : new ChatChunk(next.Utf8Json);
                return chunk != null;
            }
        }

        /// <summary>
        /// Takes the next event if one has arrived; never waits. A streamed request yields the
        /// headers event first (<see cref="StreamEvent.IsHeaders"/>, once the reply's headers
        /// arrive), then its events with their SSE names (for chat, its chunks). Use it for
        /// <see cref="WebraftClient.StartResponses(string, bool)"/> and
        /// <see cref="WebraftClient.StartSendStream(string, string, string, RequestOptions)"/>.
        /// Call it until it returns false, every frame: a stream pauses while 256 events wait unread.
        /// </summary>
        public bool TryGetNextEvent(out StreamEvent streamEvent)
        {
            lock (gate)
            {
                streamEvent = Take();
                return streamEvent != null;
            }
        }

        /// <summary>
        /// Whether the reply is streamed, as the library decided when the request started (from
        /// how it was started and the request body as it parses it). A request started to stream
        /// always is, and its chunks reach <see cref="TryGetNext"/>; a plain
        /// <see cref="WebraftClient.StartChat(string)"/> whose body asks for a stream is too, but its
        /// chunks only go into the result. False for a request that failed to start.
        /// </summary>
        public bool IsStream
        {
            get { return Native.webraft_request_is_stream(Handle); }
        }

        /// <summary>True once the request has finished and every chunk or event has been taken.</summary>
        public bool IsCompleted
        {
            get
            {
                lock (gate)
                {
                    if (peeked == null)
                        peeked = Poll();
                    return drained && peeked == null;
                }
            }
        }

        /// <summary>
        /// The outcome once <see cref="IsCompleted"/>: the result, or a thrown
        /// <see cref="WebraftException"/> (status Cancelled after <see cref="Cancel"/>). For a stream
        /// from any endpoint, the result has no text or JSON: its <see cref="WebraftResult"/>
        /// members (status, headers, <see cref="WebraftResult.ChunkCount"/>) say how it went.
        /// </summary>
        public ChatResult GetResult()
        {
            lock (gate)
            {
                if (!IsCompleted)
                    throw new InvalidOperationException("the request has not completed; poll until IsCompleted is true");
                if (!resultTaken)
                {
                    ResultHandle native = Native.webraft_request_take_result(Handle);
                    try
                    {
                        if (native.IsInvalid)
                            throw new InvalidOperationException("webraft: a finished request had no result");
                        // Either keeps the native result.
                        if (Native.webraft_result_status(native) == WebraftStatus.Ok)
                            result = ChatResult.FromNative(native);
                        else
                            failure = WebraftException.FromResult(native);
                    }
                    finally
                    {
                        if (result == null && failure == null)
                            native.Dispose();
                    }
                    resultTaken = true;
                }
                if (failure != null)
                    throw failure;
                return result;
            }
        }

        /// <summary>
        /// The reply so far as valid JSON, for a chat started to stream: its content and each tool
        /// call's arguments (see the README's "Live structured output"). It reflects the chunks the
        /// library has decoded, which may be ahead of those taken with <see cref="TryGetNext"/>; after
        /// the end it holds the final snapshots. Each snapshot extends the one before. Never waits.
        /// </summary>
        public ReplySnapshot GetSnapshot()
        {
            return ReplySnapshot.Of(Handle);
        }

        /// <summary>Asks the request to stop; it completes with status Cancelled shortly after.</summary>
        public void Cancel()
        {
            Native.webraft_request_cancel(Handle);
        }

        /// <summary>Frees the request, cancelling it if it still runs. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        StreamEvent Take()
        {
            StreamEvent next = peeked ?? Poll();
            peeked = null;
            return next;
        }

        /// <summary>The next queued event, or null; always through webraft_request_next_event, so a peek never loses the headers.</summary>
        StreamEvent Poll()
        {
            if (drained)
                return null;
            uint found;
            IntPtr name, data;
            UIntPtr length;
            WebraftStatus status = Native.webraft_request_next_event(Handle, 0, out found, out name, out data, out length);
            if (status != WebraftStatus.Ok)
                throw new WebraftException(status, "webraft_request_next_event failed");
            try
            {
                if (found == Native.EventChunk || found == Native.EventHeaders)
                    return StreamEvent.FromNative(found, name, data, length);
                if (found == Native.EventDone)
                    drained = true;
                return null;
            }
            finally
            {
                Native.webraft_string_free(name);
                Native.webraft_string_free(data);
            }
        }
    }
}
