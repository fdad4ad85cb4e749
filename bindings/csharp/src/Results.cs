using System;

namespace Webraft
{
    /// <summary>When a call reached its milestones, in milliseconds from its start; -1 if never.</summary>
    public struct WebraftTimings
    {
        internal WebraftTimings(NativeTimings timings)
        {
            HeadersMs = timings.HeadersMs;
            FirstChunkMs = timings.FirstChunkMs;
            TotalMs = timings.TotalMs;
        }

        /// <summary>Response status line and headers received.</summary>
        public double HeadersMs { get; private set; }

        /// <summary>First stream chunk decoded.</summary>
        public double FirstChunkMs { get; private set; }

        /// <summary>The call finished.</summary>
        public double TotalMs { get; private set; }
    }

    /// <summary>Token counts from a reply's <c>usage</c> object; a count the server left out is 0.</summary>
    public sealed class Usage
    {
        internal Usage(long promptTokens, long completionTokens, long totalTokens)
        {
            PromptTokens = promptTokens;
            CompletionTokens = completionTokens;
            TotalTokens = totalTokens;
        }

        /// <summary><c>usage.prompt_tokens</c>.</summary>
        public long PromptTokens { get; private set; }

        /// <summary><c>usage.completion_tokens</c>.</summary>
        public long CompletionTokens { get; private set; }

        /// <summary><c>usage.total_tokens</c>.</summary>
        public long TotalTokens { get; private set; }

        /// <summary>The result's token counts from <c>webraft_result_usage</c>; null when the reply had none.</summary>
        internal static Usage FromNative(ResultHandle result)
        {
            ulong prompt, completion, total;
            if (!Native.webraft_result_usage(result, out prompt, out completion, out total))
                return null;
            return new Usage((long)prompt, (long)completion, (long)total);
        }
    }

    /// <summary>A successful chat call. Everything is copied out of the native result, which is already freed.</summary>
    public sealed class ChatResult
    {
        ChatResult() { }

        /// <summary>The assistant text of the first choice; null when the reply has none (e.g. only tool calls).</summary>
        public string Text { get; private set; }

        /// <summary>The <c>chat.completion</c> JSON; for streams, the completion built from the chunks.</summary>
        public string Json { get; private set; }

        /// <summary>The HTTP status of the response (200 on success).</summary>
        public int HttpStatus { get; private set; }

        /// <summary>The <c>x-request-id</c> response header, or null.</summary>
        public string RequestId { get; private set; }

        /// <summary>When the call reached its milestones.</summary>
        public WebraftTimings Timings { get; private set; }

        /// <summary>How many retries the call took.</summary>
        public int Retries { get; private set; }

        /// <summary>How many stream chunks arrived (0 for a plain call).</summary>
        public long ChunkCount { get; private set; }

        /// <summary>Token counts, or null when the reply carried none (a stream only has them when asked with <c>stream_options.include_usage</c>).</summary>
        public Usage Usage { get; private set; }

        /// <summary>The assistant text, or "" when there is none.</summary>
        public override string ToString()
        {
            return Text ?? "";
        }

        internal static ChatResult FromNative(ResultHandle result)
        {
            UIntPtr length;
            var chat = new ChatResult();
            chat.Json = Utf8.FromNative(Native.webraft_result_json(result, out length), length);
            chat.Text = Utf8.FromNative(Native.webraft_result_text(result, out length), length);
            chat.HttpStatus = Native.webraft_result_http_status(result);
            chat.RequestId = Utf8.FromNative(Native.webraft_result_request_id(result));
            chat.Timings = ReadTimings(result);
            chat.Retries = (int)Native.webraft_result_retries(result);
            chat.ChunkCount = (long)Native.webraft_result_chunk_count(result).ToUInt64();
            chat.Usage = Usage.FromNative(result);
            return chat;
        }

        internal static WebraftTimings ReadTimings(ResultHandle result)
        {
            NativeTimings timings;
            Native.webraft_result_timings(result, out timings);
            return new WebraftTimings(timings);
        }
    }

    /// <summary>A successful generic call (<see cref="WebraftClient.SendAsync"/>).</summary>
    public sealed class SendResult
    {
        SendResult() { }

        /// <summary>The response body when it is JSON, else null.</summary>
        public string Json { get; private set; }

        /// <summary>The raw response body (JSON or not, e.g. audio); empty when there was none.</summary>
        public byte[] Body { get; private set; }

        /// <summary>The HTTP status of the response (2xx on success).</summary>
        public int HttpStatus { get; private set; }

        /// <summary>The <c>x-request-id</c> response header, or null.</summary>
        public string RequestId { get; private set; }

        /// <summary>When the call reached its milestones.</summary>
        public WebraftTimings Timings { get; private set; }

        /// <summary>How many retries the call took.</summary>
        public int Retries { get; private set; }

        internal static SendResult FromNative(ResultHandle result)
        {
            UIntPtr length;
            var sent = new SendResult();
            sent.Json = Utf8.FromNative(Native.webraft_result_json(result, out length), length);
            IntPtr body = Native.webraft_result_body(result, out length);
            sent.Body = Utf8.CopyBytes(body, Utf8.Length(length)) ?? new byte[0];
            sent.HttpStatus = Native.webraft_result_http_status(result);
            sent.RequestId = Utf8.FromNative(Native.webraft_result_request_id(result));
            sent.Timings = ChatResult.ReadTimings(result);
            sent.Retries = (int)Native.webraft_result_retries(result);
            return sent;
        }
    }
}
