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
        readonly PollQueue<StreamEvent, ChatResult> queue;

        internal PolledRequest(ClientHandle client, RequestHandle handle)
        {
            queue = new PollQueue<StreamEvent, ChatResult>(client, handle, "PolledRequest", NextEvent, ChatResult.FromNative);
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
            lock (queue.Gate)
            {
                StreamEvent next;
                do
                    next = queue.Take();
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
            streamEvent = queue.Take();
            return streamEvent != null;
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
            get { return Native.webraft_request_is_stream(queue.Handle); }
        }

        /// <summary>True once the request has finished and every chunk or event has been taken.</summary>
        public bool IsCompleted
        {
            get { return queue.IsCompleted; }
        }

        /// <summary>
        /// The outcome once <see cref="IsCompleted"/>: the result, or a thrown
        /// <see cref="WebraftException"/> (status Cancelled after <see cref="Cancel"/>). For a stream
        /// from any endpoint, the result has no text or JSON: its <see cref="WebraftResult"/>
        /// members (status, headers, <see cref="WebraftResult.ChunkCount"/>) say how it went.
        /// </summary>
        public ChatResult GetResult()
        {
            return queue.GetResult();
        }

        /// <summary>
        /// The reply so far as valid JSON, for a chat started to stream: its content and each tool
        /// call's arguments (see the README's "Live structured output"). It reflects the chunks the
        /// library has decoded, which may be ahead of those taken with <see cref="TryGetNext"/>; after
        /// the end it holds the final snapshots. Each snapshot extends the one before. Never waits.
        /// </summary>
        public ReplySnapshot GetSnapshot()
        {
            return ReplySnapshot.Of(queue.Handle);
        }

        /// <summary>Asks the request to stop; it completes with status Cancelled shortly after.</summary>
        public void Cancel()
        {
            queue.Cancel();
        }

        /// <summary>Frees the request, cancelling it if it still runs. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
        public void Dispose()
        {
            queue.Dispose();
        }

        /// <summary>The next queued event, or null; always through webraft_request_next_event, so a peek never loses the headers.</summary>
        static StreamEvent NextEvent(RequestHandle request, out bool done)
        {
            uint found;
            IntPtr name, data;
            UIntPtr length;
            WebraftStatus status = Native.webraft_request_next_event(request, 0, out found, out name, out data, out length);
            if (status != WebraftStatus.Ok)
                throw new WebraftException(status, "webraft_request_next_event failed");
            try
            {
                done = found == Native.EventDone;
                if (found == Native.EventChunk || found == Native.EventHeaders)
                    return StreamEvent.FromNative(found, name, data, length);
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
