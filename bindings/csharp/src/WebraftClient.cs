using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

[assembly: InternalsVisibleTo("Webraft.Tests")]

namespace Webraft
{
    /// <summary>
    /// A client for the WebraftAI API or any OpenAI-compatible endpoint: one connection pool,
    /// defaults and credentials. Thread-safe: share one instance. Dispose cancels the requests
    /// still running on it (they fail with status Cancelled); afterwards every method throws
    /// <see cref="ObjectDisposedException"/>. A client that is never disposed is freed by its finalizer.
    /// </summary>
    public sealed class WebraftClient : IDisposable
    {
        readonly ClientHandle handle;

        /// <summary>A client with all defaults; the API key comes from WEBRAFT_API_KEY or OPENAI_API_KEY.</summary>
        public WebraftClient() : this(null) { }

        /// <summary>
        /// A client from a JSON config such as <c>{"base_url":"http://localhost:11434/v1","api_key":"..."}</c>
        /// (keys in the README; null or "" means all defaults). Throws <see cref="WebraftException"/>
        /// (InvalidJson, InvalidConfig) for a bad config.
        /// </summary>
        public WebraftClient(string configJson)
        {
            uint abi = Native.webraft_abi_version();
            if (abi != Native.AbiVersion)
                throw new InvalidOperationException(string.Format(
                    "the native webraft library has ABI version {0}; this binding needs {1}", abi, Native.AbiVersion));
            ResultHandle error;
            WebraftStatus status = Native.webraft_client_new(Utf8.ToNative(configJson), out handle, out error);
            using (error)
            {
                if (status != WebraftStatus.Ok)
                {
                    handle.Dispose();
                    throw WebraftException.FromResult(error);
                }
            }
        }

        /// <summary>The native library's version, e.g. "0.2.0".</summary>
        public static string NativeVersion
        {
            get { return Utf8.FromNative(Native.webraft_version()); }
        }

        ClientHandle Handle
        {
            get
            {
                if (handle.IsClosed)
                    throw new ObjectDisposedException(GetType().Name);
                return handle;
            }
        }

        /// <summary>
        /// Sends a chat request (an OpenAI request body, passed through unchanged). If the body
        /// asks for a stream (its <c>"stream"</c> member, as the library parses it), the reply is
        /// streamed and accumulated; either way the task completes with the whole reply. Fails with
        /// <see cref="WebraftException"/>; cancelling <paramref name="cancellationToken"/> cancels the request.
        /// </summary>
        public Task<ChatResult> ChatAsync(string requestJson, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (requestJson == null)
                throw new ArgumentNullException("requestJson");
            // DELIVERY_NONE: chunks of a streamed reply only go into the result; nothing to drain.
            return StartChatCall(requestJson, null, Delivery.None, cancellationToken);
        }

        /// <summary>Sends a one-message chat request built from <paramref name="prompt"/>.</summary>
        public Task<ChatResult> ChatAsync(ChatPrompt prompt, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (prompt == null)
                throw new ArgumentNullException("prompt");
            string requestJson;
            try
            {
                requestJson = prompt.ToRequestJson();
            }
            catch (WebraftException error)
            {
                return Task.FromException<ChatResult>(error);
            }
            return ChatAsync(requestJson, cancellationToken);
        }

        /// <summary>
        /// Streams a chat reply (the library sets <c>"stream": true</c>). <paramref name="onChunk"/> gets
        /// each chunk in order, one call at a time, on a library worker thread; if it throws, the
        /// stream is cancelled and the task fails with that exception. The result is the completion
        /// accumulated from the chunks. In Unity, use <see cref="StartChat(string, bool)"/> to stay on the main thread.
        /// </summary>
        public Task<ChatResult> StreamAsync(string requestJson, Action<ChatChunk> onChunk,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            if (requestJson == null)
                throw new ArgumentNullException("requestJson");
            if (onChunk == null)
                throw new ArgumentNullException("onChunk");
            return StartChatCall(requestJson, onChunk, Delivery.Callback, cancellationToken);
        }

        /// <summary>Streams the reply to a one-message chat request built from <paramref name="prompt"/>.</summary>
        public Task<ChatResult> StreamAsync(ChatPrompt prompt, Action<ChatChunk> onChunk,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            if (prompt == null)
                throw new ArgumentNullException("prompt");
            string requestJson;
            try
            {
                requestJson = prompt.ToRequestJson();
            }
            catch (WebraftException error)
            {
                return Task.FromException<ChatResult>(error);
            }
            return StreamAsync(requestJson, onChunk, cancellationToken);
        }

        /// <summary>
        /// Sends a request to any endpoint under the base URL, e.g. <c>SendAsync("GET", "/models")</c>.
        /// A non-2xx reply fails with <see cref="WebraftException"/> (status HttpStatus).
        /// </summary>
        public Task<SendResult> SendAsync(string method, string path, string bodyJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            if (method == null)
                throw new ArgumentNullException("method");
            if (path == null)
                throw new ArgumentNullException("path");
            ClientHandle client = Handle;
            if (cancellationToken.IsCancellationRequested)
                return Task.FromCanceled<SendResult>(cancellationToken);
            var call = new TaskCall<SendResult>(client, cancellationToken, null, SendResult.FromNative);
            byte[] nativeMethod = Utf8.ToNative(method), nativePath = Utf8.ToNative(path), body = Utf8.ToNative(bodyJson);
            call.Start((IntPtr userData, out RequestHandle request) => Native.webraft_send_start(
                client, nativeMethod, nativePath, body, null, PendingCall.DoneCallback, userData, out request));
            return call.Task;
        }

        /// <summary>
        /// Starts a plain chat request for polling (see <see cref="PolledRequest"/>); nothing is ever
        /// called back. <see cref="PolledRequest.TryGetNext"/> yields no chunks: the reply arrives
        /// whole in <see cref="PolledRequest.GetResult"/> (a body that asks for a stream is streamed
        /// and accumulated, see <see cref="PolledRequest.IsStream"/>). To receive chunks, use
        /// <see cref="StartChat(string, bool)"/> with <c>stream: true</c>. A bad request gives a
        /// request that is already completed and whose GetResult throws.
        /// </summary>
        public PolledRequest StartChat(string requestJson)
        {
            return StartChat(requestJson, false);
        }

        /// <summary>
        /// Starts a chat request for polling (see <see cref="PolledRequest"/>); nothing is ever
        /// called back. With <paramref name="stream"/> true the reply is streamed (the library
        /// sets <c>"stream": true</c> itself) and its chunks are queued for
        /// <see cref="PolledRequest.TryGetNext"/>; with false it is <see cref="StartChat(string)"/>.
        /// A bad request gives a request that is already completed and whose GetResult throws.
        /// </summary>
        public PolledRequest StartChat(string requestJson, bool stream)
        {
            if (requestJson == null)
                throw new ArgumentNullException("requestJson");
            ClientHandle client = Handle;
            RequestHandle request;
            Native.webraft_chat_start(client, Utf8.ToNative(requestJson), null, stream ? Delivery.Poll : Delivery.None,
                null, null, IntPtr.Zero, out request);
            return new PolledRequest(client, request);
        }

        /// <summary>
        /// Starts a one-message chat request for polling; with <see cref="ChatPrompt.Stream"/> set
        /// its chunks are queued for <see cref="PolledRequest.TryGetNext"/>, as with
        /// <see cref="StartChat(string, bool)"/> and <c>stream: true</c>.
        /// </summary>
        public PolledRequest StartChat(ChatPrompt prompt)
        {
            if (prompt == null)
                throw new ArgumentNullException("prompt");
            return StartChat(prompt.ToRequestJson(), prompt.Stream);
        }

        /// <summary>
        /// An image content part, <c>{"type":"image_url","image_url":{"url":"data:image/png;base64,..."}}</c>,
        /// from a local file; <paramref name="detail"/> is "auto", "low", "high" or null.
        /// Throws <see cref="WebraftException"/> (Io) when the file cannot be read.
        /// </summary>
        public static string ImagePart(string path, string detail = null)
        {
            if (path == null)
                throw new ArgumentNullException("path");
            IntPtr json;
            ResultHandle error;
            WebraftStatus status = Native.webraft_image_content_part(Utf8.ToNative(path), Utf8.ToNative(detail), out json, out error);
            using (error)
            {
                if (status != WebraftStatus.Ok)
                    throw WebraftException.FromResult(error);
            }
            try
            {
                return Utf8.FromNative(json);
            }
            finally
            {
                Native.webraft_string_free(json);
            }
        }

        /// <summary>Frees the client and cancels its running requests. Safe to call more than once, from any thread.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        Task<ChatResult> StartChatCall(string requestJson, Action<ChatChunk> onChunk, Delivery delivery,
            CancellationToken cancellationToken)
        {
            ClientHandle client = Handle;
            if (cancellationToken.IsCancellationRequested)
                return Task.FromCanceled<ChatResult>(cancellationToken);
            var call = new TaskCall<ChatResult>(client, cancellationToken, onChunk, ChatResult.FromNative);
            byte[] request = Utf8.ToNative(requestJson);
            // on_chunk must be NULL unless the delivery is CALLBACK.
            NativeChunkCallback chunkCallback = delivery == Delivery.Callback ? PendingCall.ChunkCallback : null;
            call.Start((IntPtr userData, out RequestHandle started) => Native.webraft_chat_start(
                client, request, null, delivery, chunkCallback, PendingCall.DoneCallback, userData, out started));
            return call.Task;
        }
    }
}
