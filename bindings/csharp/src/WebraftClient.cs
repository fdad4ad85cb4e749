using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

[assembly: InternalsVisibleTo("Webraft.Tests")]

namespace Webraft
{
    /// <summary>
    /// Starts one request natively (a <c>_start</c> export with the request already bound) with the
    /// given delivery; the chunk or event callback, if any, follows from the delivery.
    /// </summary>
    internal delegate WebraftStatus Starter(Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request);

    /// <summary>
    /// A client for the WebraftAI API or any OpenAI-compatible endpoint: one connection pool,
    /// defaults and credentials. Thread-safe: share one instance. Dispose cancels the requests
    /// still running on it (they fail with status Cancelled); afterwards every method throws
    /// <see cref="ObjectDisposedException"/>. A client that is never disposed is freed by its finalizer.
    /// </summary>
    public sealed partial class WebraftClient : IDisposable
    {
        readonly ClientHandle handle;

        /// <summary>A client with all defaults; the API key comes from WEBRAFT_API_KEY or OPENAI_API_KEY.</summary>
        public WebraftClient() : this(null) { }

        /// <summary>
        /// A client from a JSON config such as <c>{"base_url":"http://localhost:11434/v1","api_key":"..."}</c>
        /// (keys in the README, e.g. <c>"stream_usage":true</c> to have every stream end with token
        /// usage; null or "" means all defaults). Throws <see cref="WebraftException"/>
        /// (InvalidJson, InvalidConfig) for a bad config.
        /// </summary>
        public WebraftClient(string configJson)
        {
            RequireAbi();
            ResultHandle error;
            WebraftStatus status = Native.webraft_client_new(Utf8.ToNative(configJson), out handle, out error);
            if (status != WebraftStatus.Ok)
                handle.Dispose();
            WebraftException.ThrowIfFailed(status, error);
        }

        /// <summary>The native library's version, e.g. "0.2.0".</summary>
        public static string NativeVersion
        {
            get { return Utf8.FromNative(Native.webraft_version()); }
        }

        /// <summary>Fails clearly, before any other native call, when the library's ABI is not the binding's.</summary>
        internal static void RequireAbi()
        {
            uint abi = Native.webraft_abi_version();
            if (abi != Native.AbiVersion)
                throw new InvalidOperationException(string.Format(
                    "the native webraft library has ABI version {0}; this binding needs {1}", abi, Native.AbiVersion));
        }

        ClientHandle Handle
        {
            get { return NativeHandle.Open(handle, GetType().Name); }
        }

        /// <summary>
        /// Sends a chat request (an OpenAI request body, passed through unchanged). If the body
        /// asks for a stream (its <c>"stream"</c> member, as the library parses it), the reply is
        /// streamed and accumulated; either way the task completes with the whole reply. Fails with
        /// <see cref="WebraftException"/>; cancelling <paramref name="cancellationToken"/> cancels the request.
        /// </summary>
        public Task<ChatResult> ChatAsync(string requestJson, CancellationToken cancellationToken = default(CancellationToken))
        {
            return ChatAsync(requestJson, null, cancellationToken);
        }

        /// <summary>As <see cref="ChatAsync(string, CancellationToken)"/>, with per-request options.</summary>
        public Task<ChatResult> ChatAsync(string requestJson, RequestOptions options,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            // DELIVERY_NONE: chunks of a streamed reply only go into the result; nothing to drain.
            return StartCall(JsonChat(requestJson, options), Delivery.None, null, null, ChatResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Sends the conversation's messages and parameters (not streamed). The conversation is not
        /// changed: append the reply with <see cref="Conversation.AddAssistantTurn"/>.
        /// </summary>
        public Task<ChatResult> ChatAsync(Conversation conversation, CancellationToken cancellationToken = default(CancellationToken))
        {
            return ChatAsync(conversation, null, cancellationToken);
        }

        /// <summary>As <see cref="ChatAsync(Conversation, CancellationToken)"/>, with per-request options.</summary>
        public Task<ChatResult> ChatAsync(Conversation conversation, RequestOptions options,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(ConversationChat(conversation, options), Delivery.None, null, null, ChatResult.FromNative, cancellationToken);
        }

        /// <summary>Sends a one-message chat request built from <paramref name="prompt"/>.</summary>
        public Task<ChatResult> ChatAsync(ChatPrompt prompt, CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendPrompt(prompt, requestJson => ChatAsync(requestJson, cancellationToken));
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
            return StreamAsync(requestJson, onChunk, null, cancellationToken);
        }

        /// <summary>As <see cref="StreamAsync(string, Action{ChatChunk}, CancellationToken)"/>, with per-request options.</summary>
        public Task<ChatResult> StreamAsync(string requestJson, Action<ChatChunk> onChunk, RequestOptions options,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(JsonChat(requestJson, options), Delivery.Callback, Required(onChunk, "onChunk"), null,
                ChatResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Streams the reply to the conversation, as <see cref="StreamAsync(string, Action{ChatChunk}, CancellationToken)"/>
        /// does. Tool calls arrive in pieces; <see cref="ChatResult.ToolCalls"/> holds them whole.
        /// </summary>
        public Task<ChatResult> StreamAsync(Conversation conversation, Action<ChatChunk> onChunk,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StreamAsync(conversation, onChunk, null, cancellationToken);
        }

        /// <summary>As <see cref="StreamAsync(Conversation, Action{ChatChunk}, CancellationToken)"/>, with per-request options.</summary>
        public Task<ChatResult> StreamAsync(Conversation conversation, Action<ChatChunk> onChunk, RequestOptions options,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(ConversationChat(conversation, options), Delivery.Callback, Required(onChunk, "onChunk"), null,
                ChatResult.FromNative, cancellationToken);
        }

        /// <summary>Streams the reply to a one-message chat request built from <paramref name="prompt"/>.</summary>
        public Task<ChatResult> StreamAsync(ChatPrompt prompt, Action<ChatChunk> onChunk,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendPrompt(prompt, requestJson => StreamAsync(requestJson, onChunk, cancellationToken));
        }

        /// <summary>
        /// Sends a request to any endpoint under the base URL, e.g. <c>SendAsync("GET", "/models")</c>.
        /// A non-2xx reply fails with <see cref="WebraftException"/> (status HttpStatus).
        /// </summary>
        public Task<SendResult> SendAsync(string method, string path, string bodyJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendAsync(method, path, bodyJson, null, cancellationToken);
        }

        /// <summary>As <see cref="SendAsync(string, string, string, CancellationToken)"/>, with per-request options.</summary>
        public Task<SendResult> SendAsync(string method, string path, string bodyJson, RequestOptions options,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Send(method, path, bodyJson, options, false), Delivery.None, null, null, SendResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Streams a request to any endpoint under the base URL: the reply is read as SSE (named
        /// events too) or JSON lines, and <paramref name="onEvent"/> gets the headers event, then
        /// each event (<see cref="StreamEvent.Name"/>, <see cref="StreamEvent.Data"/>) in order, one
        /// call at a time, on a library worker thread; <c>[DONE]</c> ends the stream. If it throws,
        /// the stream is cancelled and the task fails with that exception. Nothing is accumulated:
        /// the result holds the status, headers and event count. A non-2xx reply fails with
        /// <see cref="WebraftException"/>. In Unity, use <see cref="StartSendStream"/>.
        /// </summary>
        public Task<SendResult> SendStreamAsync(string method, string path, string bodyJson, Action<StreamEvent> onEvent,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return SendStreamAsync(method, path, bodyJson, onEvent, null, cancellationToken);
        }

        /// <summary>As <see cref="SendStreamAsync(string, string, string, Action{StreamEvent}, CancellationToken)"/>, with per-request options.</summary>
        public Task<SendResult> SendStreamAsync(string method, string path, string bodyJson, Action<StreamEvent> onEvent,
            RequestOptions options, CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Send(method, path, bodyJson, options, true), Delivery.Callback, null, Required(onEvent, "onEvent"),
                SendResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Starts a stream from any endpoint for polling (see <see cref="PolledRequest"/>): read the
        /// headers event, then each event, with <see cref="PolledRequest.TryGetNextEvent"/>. Its
        /// <see cref="PolledRequest.GetResult"/> has no text or JSON; its status, headers and
        /// <see cref="WebraftResult.ChunkCount"/> say how it went.
        /// </summary>
        public PolledRequest StartSendStream(string method, string path, string bodyJson = null, RequestOptions options = null)
        {
            return StartPolled(Send(method, path, bodyJson, options, true), true);
        }

        /// <summary>
        /// Sends a Responses API request (<c>POST /responses</c>; an OpenAI Responses request body,
        /// passed through unchanged). If the body sets <c>"stream": true</c>, the events are read and
        /// the response built from them; either way the task completes with the whole reply:
        /// <see cref="ChatResult.Text"/> is the output text, <see cref="ChatResult.Json"/> the
        /// <c>response</c> object, <see cref="ChatResult.ToolCalls"/> its <c>function_call</c> items,
        /// <see cref="ChatResult.FinishReason"/> its status. An <c>incomplete</c> response succeeds
        /// (see <see cref="ChatResult.IncompleteReason"/>); a <c>failed</c> one or an <c>error</c>
        /// event fails with <see cref="WebraftException"/> (<see cref="WebraftException.ServerMessage"/>,
        /// <see cref="WebraftException.Code"/>, the output so far in <see cref="WebraftException.PartialText"/>).
        /// </summary>
        public Task<ChatResult> ResponsesAsync(string requestJson, CancellationToken cancellationToken = default(CancellationToken))
        {
            return ResponsesAsync(requestJson, null, cancellationToken);
        }

        /// <summary>As <see cref="ResponsesAsync(string, CancellationToken)"/>, with per-request options.</summary>
        public Task<ChatResult> ResponsesAsync(string requestJson, RequestOptions options,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(JsonResponses(requestJson, options), Delivery.None, null, null, ChatResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Sends the conversation to the Responses API (not streamed): its messages become
        /// <c>input</c> items and its parameters the request's (<see cref="Conversation.MaxTokens"/> as
        /// <c>max_output_tokens</c>); set <c>instructions</c> or <c>previous_response_id</c> with
        /// <see cref="Conversation.SetParam"/>. The conversation is not changed: append the reply with
        /// <see cref="Conversation.AddAssistantTurn"/>. Outcomes as for <see cref="ResponsesAsync(string, CancellationToken)"/>.
        /// </summary>
        public Task<ChatResult> ResponsesAsync(Conversation conversation, CancellationToken cancellationToken = default(CancellationToken))
        {
            return ResponsesAsync(conversation, null, cancellationToken);
        }

        /// <summary>As <see cref="ResponsesAsync(Conversation, CancellationToken)"/>, with per-request options.</summary>
        public Task<ChatResult> ResponsesAsync(Conversation conversation, RequestOptions options,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(ConversationResponses(conversation, options), Delivery.None, null, null, ChatResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Streams a Responses API reply (the library sets <c>"stream": true</c>). <paramref name="onEvent"/>
        /// gets the headers event, then every event in order (<c>response.output_text.delta</c>,
        /// <c>keepalive</c>, and ones the library does not know too; see <see cref="StreamEvent.Type"/>),
        /// one call at a time, on a library worker thread; if it throws, the stream is cancelled and the
        /// task fails with that exception. The result is the response built from the events; outcomes as
        /// for <see cref="ResponsesAsync(string, CancellationToken)"/>. In Unity, use
        /// <see cref="StartResponses(string, bool)"/> to stay on the main thread.
        /// </summary>
        public Task<ChatResult> StreamResponsesAsync(string requestJson, Action<StreamEvent> onEvent,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StreamResponsesAsync(requestJson, onEvent, null, cancellationToken);
        }

        /// <summary>As <see cref="StreamResponsesAsync(string, Action{StreamEvent}, CancellationToken)"/>, with per-request options.</summary>
        public Task<ChatResult> StreamResponsesAsync(string requestJson, Action<StreamEvent> onEvent, RequestOptions options,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(JsonResponses(requestJson, options), Delivery.Callback, null, Required(onEvent, "onEvent"),
                ChatResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Streams the Responses API reply to the conversation, as
        /// <see cref="StreamResponsesAsync(string, Action{StreamEvent}, CancellationToken)"/> does.
        /// </summary>
        public Task<ChatResult> StreamResponsesAsync(Conversation conversation, Action<StreamEvent> onEvent,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StreamResponsesAsync(conversation, onEvent, null, cancellationToken);
        }

        /// <summary>As <see cref="StreamResponsesAsync(Conversation, Action{StreamEvent}, CancellationToken)"/>, with per-request options.</summary>
        public Task<ChatResult> StreamResponsesAsync(Conversation conversation, Action<StreamEvent> onEvent, RequestOptions options,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(ConversationResponses(conversation, options), Delivery.Callback, null, Required(onEvent, "onEvent"),
                ChatResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Starts a Responses API request for polling (see <see cref="PolledRequest"/>); nothing is
        /// ever called back. With <paramref name="stream"/> true the reply is streamed (the library
        /// sets <c>"stream": true</c>) and <see cref="PolledRequest.TryGetNextEvent"/> yields the
        /// headers event, then every event; with false the reply arrives whole in
        /// <see cref="PolledRequest.GetResult"/> (a body with <c>"stream": true</c> is streamed and
        /// accumulated). A bad request gives a request that is already completed and whose GetResult throws.
        /// </summary>
        public PolledRequest StartResponses(string requestJson, bool stream)
        {
            return StartResponses(requestJson, stream, null);
        }

        /// <summary>As <see cref="StartResponses(string, bool)"/>, with per-request options.</summary>
        public PolledRequest StartResponses(string requestJson, bool stream, RequestOptions options)
        {
            return StartPolled(JsonResponses(requestJson, options), stream);
        }

        /// <summary>Starts a Responses API request with the conversation for polling, as <see cref="StartResponses(string, bool)"/> does.</summary>
        public PolledRequest StartResponses(Conversation conversation, bool stream)
        {
            return StartResponses(conversation, stream, null);
        }

        /// <summary>As <see cref="StartResponses(Conversation, bool)"/>, with per-request options.</summary>
        public PolledRequest StartResponses(Conversation conversation, bool stream, RequestOptions options)
        {
            return StartPolled(ConversationResponses(conversation, options), stream);
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
            return StartChat(requestJson, stream, null);
        }

        /// <summary>As <see cref="StartChat(string, bool)"/>, with per-request options.</summary>
        public PolledRequest StartChat(string requestJson, bool stream, RequestOptions options)
        {
            return StartPolled(JsonChat(requestJson, options), stream);
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
        /// Starts a chat with the conversation for polling, e.g. from a game's frame loop (see
        /// <see cref="PolledRequest"/>); nothing is ever called back. With <paramref name="stream"/>
        /// true its chunks are queued for <see cref="PolledRequest.TryGetNext"/>; with false the
        /// reply is not streamed and arrives whole. The conversation is not changed.
        /// </summary>
        public PolledRequest StartChat(Conversation conversation, bool stream)
        {
            return StartChat(conversation, stream, null);
        }

        /// <summary>As <see cref="StartChat(Conversation, bool)"/>, with per-request options.</summary>
        public PolledRequest StartChat(Conversation conversation, bool stream, RequestOptions options)
        {
            return StartPolled(ConversationChat(conversation, options), stream);
        }

        /// <summary>
        /// An image content part, <c>{"type":"image_url","image_url":{"url":"data:image/png;base64,..."}}</c>,
        /// from a local file; <paramref name="detail"/> is "auto", "low", "high" or null.
        /// Throws <see cref="WebraftException"/> (Io) when the file cannot be read.
        /// (<see cref="Conversation.AddImageFile"/> adds one to a conversation.)
        /// </summary>
        public static string ImagePart(string path, string detail = null)
        {
            if (path == null)
                throw new ArgumentNullException("path");
            IntPtr json;
            ResultHandle error;
            WebraftStatus status = Native.webraft_image_content_part(Utf8.ToNative(path), Utf8.ToNative(detail), out json, out error);
            WebraftException.ThrowIfFailed(status, error);
            try
            {
                return Utf8.FromNative(json);
            }
            finally
            {
                Native.webraft_string_free(json);
            }
        }

        /// <summary>
        /// Asks <paramref name="provider"/> for the credential of every attempt of every request made
        /// after this returns: each retry, fallback endpoint and hedge asks again, so rotating or
        /// short-lived tokens (a player's session token, Azure Entra ID) stay fresh. It runs on a
        /// library thread, which it may block to fetch a token; calls for different attempts may run
        /// at once. Returning null sends the endpoint's configured key. An exception ends the call:
        /// its task fails with <see cref="WebraftException"/> (status <see cref="WebraftStatus.Credentials"/>,
        /// the exception's message in <see cref="Exception.Message"/>), with no retry and no fallback.
        /// Null removes the provider. Replaces an earlier one, which is never called once this returns;
        /// not to be called from inside a provider.
        /// </summary>
        public void SetCredentials(Func<CredentialRequest, Credential> provider)
        {
            ClientHandle client = Handle;
            lock (client)
            {
                GCHandle next = provider == null ? default(GCHandle) : GCHandle.Alloc(provider);
                Native.webraft_client_set_credential_callback(client, provider == null ? null : CredentialCallbacks.Callback,
                    next.IsAllocated ? GCHandle.ToIntPtr(next) : IntPtr.Zero);
                GCHandle earlier = client.Credentials;
                client.Credentials = next;
                if (earlier.IsAllocated)
                    earlier.Free();
                // Disposed meanwhile: the client was freed after the call above, before the provider was recorded.
                if (client.IsClosed && next.IsAllocated)
                {
                    next.Free();
                    client.Credentials = default(GCHandle);
                }
            }
        }

        /// <summary>Frees the client and cancels its running requests. Safe to call more than once, from any thread.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        /// <summary>Sends the prompt's JSON; reading its image files can fail, and that fails the task as a send would.</summary>
        static Task<ChatResult> SendPrompt(ChatPrompt prompt, Func<string, Task<ChatResult>> send)
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
            return send(requestJson);
        }

        internal static T Required<T>(T handler, string name) where T : class
        {
            if (handler == null)
                throw new ArgumentNullException(name);
            return handler;
        }

        // on_chunk and on_event must be NULL unless the delivery is CALLBACK.
        static NativeChunkCallback ChunkCallbackFor(Delivery delivery)
        {
            return delivery == Delivery.Callback ? PendingCall.ChunkCallback : null;
        }

        static NativeEventCallback EventCallbackFor(Delivery delivery)
        {
            return delivery == Delivery.Callback ? PendingCall.EventCallback : null;
        }

        /// <summary>A start of webraft_chat_start with <paramref name="requestJson"/> sent as it is.</summary>
        Starter JsonChat(string requestJson, RequestOptions options)
        {
            ClientHandle client = Handle;
            byte[] body = Utf8.ToNative(Required(requestJson, "requestJson")), nativeOptions = RequestOptions.ToNative(options);
            return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_chat_start(
                client, body, nativeOptions, delivery, ChunkCallbackFor(delivery), onDone, userData, out request);
        }

        /// <summary>A start of webraft_conversation_chat_start, which copies the conversation as it is then.</summary>
        Starter ConversationChat(Conversation conversation, RequestOptions options)
        {
            ClientHandle client = Handle;
            ConversationHandle messages = Required(conversation, "conversation").Handle;
            byte[] nativeOptions = RequestOptions.ToNative(options);
            return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_conversation_chat_start(
                client, messages, nativeOptions, delivery, ChunkCallbackFor(delivery), onDone, userData, out request);
        }

        /// <summary>A start of webraft_responses_start with <paramref name="requestJson"/> sent as it is.</summary>
        Starter JsonResponses(string requestJson, RequestOptions options)
        {
            ClientHandle client = Handle;
            byte[] body = Utf8.ToNative(Required(requestJson, "requestJson")), nativeOptions = RequestOptions.ToNative(options);
            return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_responses_start(
                client, body, nativeOptions, delivery, EventCallbackFor(delivery), onDone, userData, out request);
        }

        /// <summary>A start of webraft_conversation_responses_start, which copies the conversation as it is then.</summary>
        Starter ConversationResponses(Conversation conversation, RequestOptions options)
        {
            ClientHandle client = Handle;
            ConversationHandle messages = Required(conversation, "conversation").Handle;
            byte[] nativeOptions = RequestOptions.ToNative(options);
            return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_conversation_responses_start(
                client, messages, nativeOptions, delivery, EventCallbackFor(delivery), onDone, userData, out request);
        }

        /// <summary>A start of webraft_send_start (plain: it takes no delivery) or, with <paramref name="stream"/>, webraft_send_stream_start.</summary>
        Starter Send(string method, string path, string bodyJson, RequestOptions options, bool stream)
        {
            ClientHandle client = Handle;
            byte[] nativeMethod = Utf8.ToNative(Required(method, "method")), nativePath = Utf8.ToNative(Required(path, "path"));
            byte[] body = Utf8.ToNative(bodyJson), nativeOptions = RequestOptions.ToNative(options);
            if (!stream)
                return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_send_start(
                    client, nativeMethod, nativePath, body, nativeOptions, onDone, userData, out request);
            return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_send_stream_start(
                client, nativeMethod, nativePath, body, nativeOptions, delivery, EventCallbackFor(delivery), onDone, userData, out request);
        }

        /// <summary>Starts a request whose outcome completes a task; the handler is the one its delivery needs, if any.</summary>
        Task<T> StartCall<T>(Starter start, Delivery delivery, Action<ChatChunk> onChunk, Action<StreamEvent> onEvent,
            Func<ResultHandle, T> read, CancellationToken cancellationToken)
        {
            return StartCall(start, delivery, onChunk, onEvent, null, read, cancellationToken);
        }

        /// <summary>As above, with a handler for a binary reply's pieces.</summary>
        internal Task<T> StartCall<T>(Starter start, Delivery delivery, Action<ChatChunk> onChunk, Action<StreamEvent> onEvent,
            Action<byte[]> onBytes, Func<ResultHandle, T> read, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
                return Task.FromCanceled<T>(cancellationToken);
            var call = new TaskCall<T>(Handle, cancellationToken, onChunk, onEvent, onBytes, read);
            call.Start((IntPtr userData, out RequestHandle started) => start(delivery, PendingCall.DoneCallback, userData, out started));
            return call.Task;
        }

        PolledRequest StartPolled(Starter start, bool stream)
        {
            RequestHandle request;
            // No callbacks and no user_data: a polled request never calls back.
            start(stream ? Delivery.Poll : Delivery.None, null, IntPtr.Zero, out request);
            return new PolledRequest(Handle, request);
        }
    }
}
