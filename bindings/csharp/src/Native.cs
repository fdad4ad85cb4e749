using System;
using System.Runtime.InteropServices;

namespace Webraft
{
    /// <summary>Receives one stream chunk (see webraft_chunk_callback in webraft.h).</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int NativeChunkCallback(IntPtr userData, IntPtr chunkJson, UIntPtr length);

    /// <summary>
    /// Receives one event of a request (see webraft_event_callback in webraft.h): the headers
    /// (kind EventHeaders, no name) or a stream event with its SSE name, if any.
    /// </summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int NativeEventCallback(IntPtr userData, uint kind, IntPtr name, IntPtr data, UIntPtr length);

    /// <summary>Receives one piece of a binary reply, lent for the call (see webraft_bytes_callback).</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int NativeBytesCallback(IntPtr userData, IntPtr data, UIntPtr length);

    /// <summary>Told once that a started request finished (see webraft_done_callback).</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void NativeDoneCallback(IntPtr userData, uint status);

    /// <summary>
    /// Where a started request's stream chunks or events go: webraft.h's <c>webraft_delivery</c>,
    /// passed to the <c>_start</c> exports as a uint32_t. The values are fixed by the ABI.
    /// </summary>
    internal enum Delivery : uint
    {
        /// <summary>Only accumulated into the result; the body's "stream" member, as the library parses it, decides whether the reply streams.</summary>
        None = 0,
        /// <summary>Each chunk goes to on_chunk (or on_event, which must not be NULL); the reply streams.</summary>
        Callback = 1,
        /// <summary>Queued for webraft_request_next and webraft_request_next_event; the reply streams.</summary>
        Poll = 2,
    }

    /// <summary>
    /// Asked for the credential of one attempt (see webraft_credential_callback): runs on a library
    /// thread that may block; returns 0, or non-zero to end the call with status Credentials.
    /// </summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int NativeCredentialCallback(IntPtr userData, uint endpointIndex, IntPtr baseUrl, IntPtr credential);

    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeTimings
    {
        public double HeadersMs;
        public double FirstChunkMs;
        public double TotalMs;
    }

    /// <summary>webraft.h's <c>webraft_rate_limit</c>: -1 where a header was absent or unreadable.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeRateLimit
    {
        public long LimitRequests;
        public long RemainingRequests;
        public double ResetRequestsMs;
        public long LimitTokens;
        public long RemainingTokens;
        public double ResetTokensMs;
    }

    /// <summary>
    /// The C ABI of include/webraft.h. Strings go in as NUL-terminated UTF-8 byte arrays
    /// (netstandard2.0 has no UTF-8 string marshalling) and come out as pointers read by
    /// <see cref="Utf8"/>.
    /// </summary>
    internal static class Native
    {
#if UNITY_IOS && !UNITY_EDITOR
        // iOS links native code statically into the app.
        internal const string Library = "__Internal";
#else
        internal const string Library = "webraft";
#endif
        internal const uint AbiVersion = 2;

        // webraft_event values.
        internal const uint EventChunk = 1;
        internal const uint EventDone = 2;
        internal const uint EventHeaders = 3;
        internal const uint EventBytes = 4;

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_client_new(byte[] configJson, out ClientHandle client, out ResultHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void webraft_client_free(IntPtr client);

        // Fresh credentials: the callback, and what it may call on the credential it is lent.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_client_set_credential_callback(ClientHandle client, NativeCredentialCallback callback,
            IntPtr userData);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_credential_set_key(IntPtr credential, byte[] apiKey);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_credential_set_header(IntPtr credential, byte[] name, byte[] value);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_credential_fail(IntPtr credential, byte[] message);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint webraft_abi_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_status_name(uint status);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_image_content_part(byte[] path, byte[] detail, out IntPtr json, out ResultHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_chunk_text(byte[] chunkJson, UIntPtr length, out IntPtr text, out UIntPtr textLength);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void webraft_string_free(IntPtr text);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_chat_start(ClientHandle client, byte[] requestJson, byte[] optionsJson,
            Delivery delivery, NativeChunkCallback onChunk, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_send_start(ClientHandle client, byte[] method, byte[] path, byte[] bodyJson,
            byte[] optionsJson, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request);

        // The Responses API and streams from any endpoint: event callbacks, which also get the headers.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_responses_start(ClientHandle client, byte[] requestJson, byte[] optionsJson,
            Delivery delivery, NativeEventCallback onEvent, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_responses_start(ClientHandle client, ConversationHandle conversation,
            byte[] optionsJson, Delivery delivery, NativeEventCallback onEvent, NativeDoneCallback onDone, IntPtr userData,
            out RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_send_stream_start(ClientHandle client, byte[] method, byte[] path, byte[] bodyJson,
            byte[] optionsJson, Delivery delivery, NativeEventCallback onEvent, NativeDoneCallback onDone, IntPtr userData,
            out RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_request_next_event(RequestHandle request, uint timeoutMs, out uint nativeEvent,
            out IntPtr name, out IntPtr data, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.U1)]
        internal static extern bool webraft_request_is_stream(RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void webraft_request_cancel(RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern ResultHandle webraft_request_take_result(RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void webraft_request_free(IntPtr request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_status(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern ushort webraft_result_http_status(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_json(ResultHandle result, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_body(ResultHandle result, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_text(ResultHandle result, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_error_message(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_server_message(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.U1)]
        internal static extern bool webraft_result_is_quota_exhausted(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_error_type(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_error_code(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_error_param(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_request_id(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_timings(ResultHandle result, out NativeTimings timings);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint webraft_result_retries(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr webraft_result_chunk_count(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.U1)]
        internal static extern bool webraft_result_usage(ResultHandle result, out ulong promptTokens, out ulong completionTokens, out ulong totalTokens);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_incomplete_reason(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_header(ResultHandle result, byte[] name);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_headers_json(ResultHandle result, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_rate_limit(ResultHandle result, out NativeRateLimit rateLimit);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void webraft_result_free(IntPtr result);

        // Which endpoint gave the result (fallback and hedging).

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint webraft_result_endpoint_index(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_endpoint_url(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint webraft_result_endpoints_tried(ResultHandle result);

        // Live snapshots of a chat stream, and the standalone snapshot parser; JSON comes back caller-owned.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_request_snapshot_content(RequestHandle request, out IntPtr json, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr webraft_request_snapshot_tool_call_count(RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_request_snapshot_tool_arguments(RequestHandle request, UIntPtr index,
            out IntPtr json, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern PartialJsonHandle webraft_partial_json_new();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_partial_json_push(PartialJsonHandle parser, byte[] text, UIntPtr length,
            [MarshalAs(UnmanagedType.U1)] out bool changed);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_partial_json_finish(PartialJsonHandle parser, [MarshalAs(UnmanagedType.U1)] out bool changed);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_partial_json_snapshot(PartialJsonHandle parser, out IntPtr json, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void webraft_partial_json_free(IntPtr parser);

        // Tool calls and the first choice's ending (strings borrowed from the result).

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr webraft_result_tool_call_count(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_tool_call_id(ResultHandle result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_tool_call_name(ResultHandle result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_tool_call_arguments(ResultHandle result, UIntPtr index, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_finish_reason(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_refusal(ResultHandle result);

        // JSON Pointer reads; strings come back caller-owned (webraft_string_free).

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_get_string(ResultHandle result, byte[] pointer, out IntPtr text, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_get_number(ResultHandle result, byte[] pointer, out double value);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_get_bool(ResultHandle result, byte[] pointer,
            [MarshalAs(UnmanagedType.U1)] out bool value);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_get_json(ResultHandle result, byte[] pointer, out IntPtr json, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_json_get_string(byte[] json, UIntPtr length, byte[] pointer, out IntPtr text, out UIntPtr textLength);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_json_get_number(byte[] json, UIntPtr length, byte[] pointer, out double value);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_json_get_bool(byte[] json, UIntPtr length, byte[] pointer,
            [MarshalAs(UnmanagedType.U1)] out bool value);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_json_get_json(byte[] json, UIntPtr length, byte[] pointer, out IntPtr value, out UIntPtr valueLength);

        // Conversations.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern ConversationHandle webraft_conversation_new();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_from_json(byte[] messagesJson, out ConversationHandle conversation, out ResultHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void webraft_conversation_free(IntPtr conversation);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_to_json(ConversationHandle conversation, out IntPtr json, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr webraft_conversation_len(ConversationHandle conversation);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_add_message(ConversationHandle conversation, ChatRole role, byte[] text);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_add_system_if_missing(ConversationHandle conversation, byte[] text);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_add_tool_result(ConversationHandle conversation, byte[] toolCallId, byte[] content);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_add_assistant_turn(ConversationHandle conversation, ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_add_text_part(ConversationHandle conversation, byte[] text);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_add_image_url(ConversationHandle conversation, byte[] url, byte[] detail, out ResultHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_add_image_file(ConversationHandle conversation, byte[] path, byte[] detail, out ResultHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_add_image_bytes(ConversationHandle conversation, byte[] bytes, UIntPtr length,
            byte[] detail, out ResultHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_set_param(ConversationHandle conversation, byte[] name, byte[] valueJson, out ResultHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_set_model(ConversationHandle conversation, byte[] model);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_set_temperature(ConversationHandle conversation, double temperature);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_set_max_tokens(ConversationHandle conversation, ulong maxTokens);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_set_stream_usage(ConversationHandle conversation, [MarshalAs(UnmanagedType.U1)] bool on);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_set_keep_null_content(ConversationHandle conversation, [MarshalAs(UnmanagedType.U1)] bool on);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_conversation_chat_start(ClientHandle client, ConversationHandle conversation, byte[] optionsJson,
            Delivery delivery, NativeChunkCallback onChunk, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request);

        // Multipart forms.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern FormHandle webraft_form_new();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void webraft_form_free(IntPtr form);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_form_add_text(FormHandle form, byte[] name, byte[] value);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_form_add_file_path(FormHandle form, byte[] name, byte[] path, byte[] filename,
            byte[] contentType, out ResultHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_form_add_file_bytes(FormHandle form, byte[] name, byte[] data, UIntPtr length,
            byte[] filename, byte[] contentType);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_send_form_start(ClientHandle client, byte[] path, FormHandle form, byte[] optionsJson,
            NativeDoneCallback onDone, IntPtr userData, out RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_send_form_stream_start(ClientHandle client, byte[] path, FormHandle form,
            byte[] optionsJson, Delivery delivery, NativeEventCallback onEvent, NativeDoneCallback onDone, IntPtr userData,
            out RequestHandle request);

        // Binary replies.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_download_start(ClientHandle client, byte[] method, byte[] path, byte[] bodyJson,
            byte[] optionsJson, Delivery delivery, NativeBytesCallback onBytes, NativeDoneCallback onDone, IntPtr userData,
            out RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_download_to_file_start(ClientHandle client, byte[] method, byte[] path,
            byte[] bodyJson, byte[] optionsJson, byte[] filePath, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_request_next_bytes(RequestHandle request, uint timeoutMs, out uint nativeEvent,
            out IntPtr data, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void webraft_bytes_free(IntPtr data, UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_body_bytes(ResultHandle result, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern ulong webraft_result_bytes_received(ResultHandle result);

        // Images and embeddings (data borrowed from the result).

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr webraft_result_image_count(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_image_bytes(ResultHandle result, UIntPtr index, out IntPtr data, out UIntPtr length);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr webraft_result_image_url(ResultHandle result, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_image_save(ResultHandle result, UIntPtr index, byte[] filePath, out ResultHandle error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr webraft_result_embedding_count(ResultHandle result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern WebraftStatus webraft_result_embedding(ResultHandle result, UIntPtr index, out IntPtr values, out UIntPtr length);
    }
}
