using System;

namespace Webraft
{
    /// <summary>A failed call, with what the library and the server said about it, and the reply's headers.</summary>
    public sealed class WebraftException : Exception
    {
        // The failed result, for GetHeader; null when the failure has none (a bad pointer, say).
        // The garbage collector frees it with the exception, as a ChatResult's.
        readonly ResultHandle result;

        internal WebraftException(WebraftStatus status, string message) : base(message)
        {
            Status = status;
            HeadersJson = ResponseHeaders.None;
            RateLimit = RateLimit.None;
        }

        WebraftException(WebraftStatus status, string message, ResultHandle result) : base(message)
        {
            UIntPtr length;
            this.result = result;
            Status = status;
            HttpStatus = Native.webraft_result_http_status(result);
            Type = Utf8.FromNative(Native.webraft_result_error_type(result));
            Code = Utf8.FromNative(Native.webraft_result_error_code(result));
            Param = Utf8.FromNative(Native.webraft_result_error_param(result));
            ServerMessage = Utf8.FromNative(Native.webraft_result_server_message(result));
            IsQuotaExhausted = Native.webraft_result_is_quota_exhausted(result);
            RequestId = Utf8.FromNative(Native.webraft_result_request_id(result));
            PartialText = Utf8.FromNative(Native.webraft_result_text(result, out length), length);
            BytesReceived = (long)Native.webraft_result_bytes_received(result);
            HeadersJson = ResponseHeaders.Json(result);
            RateLimit = RateLimit.FromNative(result);
            EndpointIndex = (int)Native.webraft_result_endpoint_index(result);
            EndpointUrl = Utf8.FromNative(Native.webraft_result_endpoint_url(result));
            EndpointsTried = (int)Native.webraft_result_endpoints_tried(result);
        }

        /// <summary>
        /// For calls that describe a failure in an error result: unless <paramref name="status"/> is
        /// Ok, throws what <paramref name="error"/> says (the exception takes it over); else frees it.
        /// </summary>
        internal static void ThrowIfFailed(WebraftStatus status, ResultHandle error)
        {
            if (status == WebraftStatus.Ok || error.IsInvalid)
            {
                error.Dispose();
                if (status == WebraftStatus.Ok)
                    return;
                throw new WebraftException(status, StatusNameOf(status));
            }
            throw FromResult(error);
        }

        /// <summary>Builds the exception for a failed native result, which it takes over.</summary>
        internal static WebraftException FromResult(ResultHandle result)
        {
            WebraftStatus status = Native.webraft_result_status(result);
            string message = Utf8.FromNative(Native.webraft_result_error_message(result)) ?? StatusNameOf(status);
            return new WebraftException(status, message, result);
        }

        /// <summary>The outcome class, e.g. <see cref="WebraftStatus.HttpStatus"/> for a non-2xx reply.</summary>
        public WebraftStatus Status { get; private set; }

        /// <summary>The library's name for <see cref="Status"/>, e.g. "HTTP_STATUS".</summary>
        public string StatusName { get { return StatusNameOf(Status); } }

        /// <summary>HTTP status of the last response, or 0 if none arrived.</summary>
        public int HttpStatus { get; private set; }

        /// <summary>The provider's error <c>type</c>, e.g. "invalid_request_error", or null.</summary>
        public string Type { get; private set; }

        /// <summary>The provider's error <c>code</c> as text (numbers are formatted), or null.</summary>
        public string Code { get; private set; }

        /// <summary>The provider's error <c>param</c>, or null.</summary>
        public string Param { get; private set; }

        /// <summary>
        /// The server's own error message exactly as it sent it (no "HTTP 401: " prefix), for
        /// <see cref="WebraftStatus.HttpStatus"/> and <see cref="WebraftStatus.StreamError"/>
        /// failures; null when the failure did not come from the server or it sent no message.
        /// <see cref="Exception.Message"/> is the library's full description.
        /// </summary>
        public string ServerMessage { get; private set; }

        /// <summary>
        /// True when the failure means the account is out of credits or quota (HTTP 402, an
        /// <c>insufficient_quota</c> type or code, or an "Insufficient Credits" message), as the
        /// library judges it: retrying will not help.
        /// </summary>
        public bool IsQuotaExhausted { get; private set; }

        /// <summary>The <c>x-request-id</c> response header, or null.</summary>
        public string RequestId { get; private set; }

        /// <summary>For a failed stream, the text that arrived before the failure; else null.</summary>
        public string PartialText { get; private set; }

        /// <summary>
        /// How many body bytes of the failed reply arrived, e.g. before a server cut a download short
        /// (status Transport); 0 when none did.
        /// </summary>
        public long BytesReceived { get; private set; }

        /// <summary>
        /// Every header of the failed reply as one JSON object (lower-case names, repeated headers
        /// joined with ", "); "{}" when no reply arrived.
        /// </summary>
        public string HeadersJson { get; private set; }

        /// <summary>
        /// What the failed reply's <c>x-ratelimit-*</c> headers said (a 429 states when to come back);
        /// never null, its values null when absent.
        /// </summary>
        public RateLimit RateLimit { get; private set; }

        /// <summary>
        /// The endpoint the call failed on last: 0 for the client's own <c>base_url</c>, i for the
        /// config's <c>fallback[i - 1]</c>; 0 when it reached none.
        /// </summary>
        public int EndpointIndex { get; private set; }

        /// <summary>That endpoint's base URL, or null when the call reached none.</summary>
        public string EndpointUrl { get; private set; }

        /// <summary>How many endpoints the call started before it failed (0 when it started none).</summary>
        public int EndpointsTried { get; private set; }

        /// <summary>The failed reply's header <paramref name="name"/> (any case; repeated headers joined with ", "), or null when absent.</summary>
        public string GetHeader(string name)
        {
            return ResponseHeaders.Get(result, name);
        }

        /// <summary>For calls that report a failure only as a status: throws unless it is Ok.</summary>
        internal static void ThrowIfNotOk(WebraftStatus status, string function)
        {
            if (status != WebraftStatus.Ok)
                throw new WebraftException(status, function + " failed: " + StatusNameOf(status));
        }

        internal static string StatusNameOf(WebraftStatus status)
        {
            return Utf8.FromNative(Native.webraft_status_name((uint)status));
        }
    }
}
