using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

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

    /// <summary>
    /// What the reply's <c>x-ratelimit-*</c> headers said (<c>webraft_result_rate_limit</c>). A value
    /// is null when its header was absent or unreadable: an absent limit never reads 0.
    /// </summary>
    public sealed class RateLimit
    {
        internal static readonly RateLimit None = new RateLimit(new NativeRateLimit
        {
            LimitRequests = -1, RemainingRequests = -1, ResetRequestsMs = -1, LimitTokens = -1, RemainingTokens = -1, ResetTokensMs = -1,
        });

        RateLimit(NativeRateLimit limit)
        {
            LimitRequests = Count(limit.LimitRequests);
            RemainingRequests = Count(limit.RemainingRequests);
            ResetRequests = Time(limit.ResetRequestsMs);
            LimitTokens = Count(limit.LimitTokens);
            RemainingTokens = Count(limit.RemainingTokens);
            ResetTokens = Time(limit.ResetTokensMs);
        }

        /// <summary><c>x-ratelimit-limit-requests</c>: requests allowed per window.</summary>
        public long? LimitRequests { get; private set; }

        /// <summary><c>x-ratelimit-remaining-requests</c>: requests left in this window.</summary>
        public long? RemainingRequests { get; private set; }

        /// <summary><c>x-ratelimit-reset-requests</c>: until the request budget resets ("1s" reads 1 second).</summary>
        public TimeSpan? ResetRequests { get; private set; }

        /// <summary><c>x-ratelimit-limit-tokens</c>: tokens allowed per window.</summary>
        public long? LimitTokens { get; private set; }

        /// <summary><c>x-ratelimit-remaining-tokens</c>: tokens left in this window.</summary>
        public long? RemainingTokens { get; private set; }

        /// <summary><c>x-ratelimit-reset-tokens</c>: until the token budget resets ("6m0s" reads 6 minutes).</summary>
        public TimeSpan? ResetTokens { get; private set; }

        internal static RateLimit FromNative(ResultHandle result)
        {
            NativeRateLimit limit;
            return Native.webraft_result_rate_limit(result, out limit) == WebraftStatus.Ok ? new RateLimit(limit) : None;
        }

        // The library writes -1 for an absent value.
        static long? Count(long value)
        {
            return value < 0 ? (long?)null : value;
        }

        static TimeSpan? Time(double milliseconds)
        {
            // From ticks: TimeSpan.FromMilliseconds rounds to whole milliseconds on older runtimes.
            return milliseconds < 0 ? (TimeSpan?)null : TimeSpan.FromTicks((long)(milliseconds * TimeSpan.TicksPerMillisecond));
        }
    }

    /// <summary>The reply's headers, read by the library (names in any case; repeated headers joined with ", ").</summary>
    internal static class ResponseHeaders
    {
        internal const string None = "{}";

        internal static string Json(ResultHandle result)
        {
            UIntPtr length;
            return Utf8.FromNative(Native.webraft_result_headers_json(result, out length), length) ?? None;
        }

        internal static string Get(ResultHandle result, string name)
        {
            if (name == null)
                throw new ArgumentNullException("name");
            return result == null ? null : Utf8.FromNative(Native.webraft_result_header(result, Utf8.ToNative(name)));
        }
    }

    /// <summary>
    /// What every successful call reports besides its content: the HTTP status, the response
    /// headers (and the rate limits they state), timings and retries. It keeps the native result,
    /// which the pointer reads and <see cref="GetHeader"/> read; the garbage collector frees it
    /// with the object. Safe to read from any thread.
    /// </summary>
    public abstract class WebraftResult : JsonSource
    {
        internal WebraftResult(ResultHandle result) : base(result)
        {
            HttpStatus = Native.webraft_result_http_status(result);
            RequestId = Utf8.FromNative(Native.webraft_result_request_id(result));
            NativeTimings timings;
            Native.webraft_result_timings(result, out timings);
            Timings = new WebraftTimings(timings);
            Retries = (int)Native.webraft_result_retries(result);
            ChunkCount = (long)Native.webraft_result_chunk_count(result).ToUInt64();
            BytesReceived = (long)Native.webraft_result_bytes_received(result);
            HeadersJson = ResponseHeaders.Json(result);
            RateLimit = RateLimit.FromNative(result);
            EndpointIndex = (int)Native.webraft_result_endpoint_index(result);
            EndpointUrl = Utf8.FromNative(Native.webraft_result_endpoint_url(result));
            EndpointsTried = (int)Native.webraft_result_endpoints_tried(result);
        }

        /// <summary>
        /// Which endpoint answered: 0 for the client's own <c>base_url</c>, i for the config's
        /// <c>fallback[i - 1]</c> (see the README's "Endpoint fallback").
        /// </summary>
        public int EndpointIndex { get; private set; }

        /// <summary>The base URL of the endpoint that answered.</summary>
        public string EndpointUrl { get; private set; }

        /// <summary>How many endpoints the call started (1 without fallback; a hedge's loser counts).</summary>
        public int EndpointsTried { get; private set; }

        /// <summary>The HTTP status of the response (2xx on success).</summary>
        public int HttpStatus { get; private set; }

        /// <summary>The <c>x-request-id</c> response header, or null.</summary>
        public string RequestId { get; private set; }

        /// <summary>When the call reached its milestones.</summary>
        public WebraftTimings Timings { get; private set; }

        /// <summary>How many retries the call took.</summary>
        public int Retries { get; private set; }

        /// <summary>How many stream chunks or events arrived (0 for a plain call).</summary>
        public long ChunkCount { get; private set; }

        /// <summary>How many body bytes of the reply arrived: kept, written to a file or handed on alike.</summary>
        public long BytesReceived { get; private set; }

        /// <summary>
        /// Every response header as one JSON object (lower-case names, repeated headers joined with
        /// ", "), e.g. to log or to parse with your own JSON library; read one with <see cref="GetHeader"/>.
        /// </summary>
        public string HeadersJson { get; private set; }

        /// <summary>What the <c>x-ratelimit-*</c> headers said; never null, its values null when absent.</summary>
        public RateLimit RateLimit { get; private set; }

        /// <summary>The response header <paramref name="name"/> (any case; repeated headers joined with ", "), or null when absent.</summary>
        public string GetHeader(string name)
        {
            return ResponseHeaders.Get(NativeResult, name);
        }
    }

    /// <summary>
    /// A successful chat or Responses API call. Its properties are copies; read anything else in
    /// the reply by JSON Pointer (see <see cref="JsonSource"/>). It keeps the native result, which
    /// <see cref="Conversation.AddAssistantTurn"/> appends as received and the pointer reads read;
    /// the garbage collector frees it with the ChatResult (a native result weighs about what the
    /// copies here weigh, so the collector's pace suits it). Safe to read from any thread.
    /// </summary>
    public sealed class ChatResult : WebraftResult
    {
        static readonly IReadOnlyList<ToolCall> NoToolCalls = new ReadOnlyCollection<ToolCall>(new ToolCall[0]);

        ChatResult(ResultHandle result) : base(result) { }

        /// <summary>
        /// The assistant text of the first choice, or a Responses API reply's output text; null when
        /// the reply has none (e.g. only tool calls).
        /// </summary>
        public string Text { get; private set; }

        /// <summary>
        /// The tool calls the first choice asks for, or a Responses API reply's <c>function_call</c>
        /// items, in order (for a stream, assembled from its chunks); empty when there are none.
        /// Answer each with <see cref="Conversation.AddToolResult(ToolCall, string)"/> after
        /// <see cref="Conversation.AddAssistantTurn"/>.
        /// </summary>
        public IReadOnlyList<ToolCall> ToolCalls { get; private set; }

        /// <summary>
        /// The first choice's <c>finish_reason</c> ("stop", "length", "tool_calls", …), or for the
        /// Responses API the response's <c>status</c> ("completed", "incomplete"); null when absent.
        /// </summary>
        public string FinishReason { get; private set; }

        /// <summary>
        /// Why a Responses API reply stopped short (e.g. "max_output_tokens") when it ended
        /// <c>incomplete</c>; null otherwise, and for chat.
        /// </summary>
        public string IncompleteReason { get; private set; }

        /// <summary>The assistant's refusal text when the model refused, else null.</summary>
        public string Refusal { get; private set; }

        /// <summary>
        /// The <c>chat.completion</c> JSON (for streams, the completion built from the chunks), or for
        /// the Responses API the <c>response</c> object (for streams, the one its last event carried).
        /// </summary>
        public string Json { get; private set; }

        /// <summary>
        /// Token counts, or null when the reply carried none (for the Responses API, input tokens are
        /// the prompt's and output tokens the completion's). A chat stream has them only when asked:
        /// <see cref="Conversation.StreamUsage"/>, <see cref="RequestOptions.StreamUsage"/>, the
        /// client config's <c>"stream_usage":true</c>, or <c>stream_options.include_usage</c> in the body.
        /// </summary>
        public Usage Usage { get; private set; }

        /// <summary>The assistant text, or "" when there is none.</summary>
        public override string ToString()
        {
            return Text ?? "";
        }

        /// <summary>Takes ownership of <paramref name="result"/>.</summary>
        internal static ChatResult FromNative(ResultHandle result)
        {
            UIntPtr length;
            var chat = new ChatResult(result);
            chat.Json = Utf8.FromNative(Native.webraft_result_json(result, out length), length);
            chat.Text = Utf8.FromNative(Native.webraft_result_text(result, out length), length);
            chat.ToolCalls = ReadToolCalls(result);
            chat.FinishReason = Utf8.FromNative(Native.webraft_result_finish_reason(result));
            chat.IncompleteReason = Utf8.FromNative(Native.webraft_result_incomplete_reason(result));
            chat.Refusal = Utf8.FromNative(Native.webraft_result_refusal(result));
            chat.Usage = Usage.FromNative(result);
            return chat;
        }

        static IReadOnlyList<ToolCall> ReadToolCalls(ResultHandle result)
        {
            int count = Utf8.Length(Native.webraft_result_tool_call_count(result));
            if (count == 0)
                return NoToolCalls;
            var calls = new ToolCall[count];
            for (int i = 0; i < count; i++)
            {
                var index = new UIntPtr((uint)i);
                UIntPtr length;
                IntPtr arguments = Native.webraft_result_tool_call_arguments(result, index, out length);
                calls[i] = new ToolCall(
                    Utf8.FromNative(Native.webraft_result_tool_call_id(result, index)),
                    Utf8.FromNative(Native.webraft_result_tool_call_name(result, index)),
                    Utf8.CopyBytes(arguments, Utf8.Length(length)) ?? new byte[0]);
            }
            return new ReadOnlyCollection<ToolCall>(calls);
        }
    }

    /// <summary>
    /// A function call the model asks for. Read its arguments by JSON Pointer (see
    /// <see cref="JsonSource"/>), e.g. <c>call.GetString("/city")</c>, or parse <see cref="Arguments"/>
    /// yourself. Answer it with <see cref="Conversation.AddToolResult(ToolCall, string)"/>.
    /// </summary>
    public sealed class ToolCall : JsonSource
    {
        internal ToolCall(string id, string name, byte[] arguments) : base(arguments)
        {
            Id = id;
            Name = name;
            Arguments = Utf8.Decode(arguments, arguments.Length);
        }

        /// <summary>The call's id (e.g. "call_1"); a tool result names it.</summary>
        public string Id { get; private set; }

        /// <summary>The function's name.</summary>
        public string Name { get; private set; }

        /// <summary>The arguments exactly as the model sent them: usually a JSON object's text; "" when none.</summary>
        public string Arguments { get; private set; }

        /// <summary>E.g. <c>get_weather({"city":"Paris"})</c>.</summary>
        public override string ToString()
        {
            return Name + "(" + Arguments + ")";
        }
    }

    /// <summary>
    /// A successful generic call (<see cref="WebraftClient.SendAsync(string, string, string, System.Threading.CancellationToken)"/>),
    /// or a finished stream from any endpoint (<see cref="WebraftClient.SendStreamAsync(string, string, string, Action{StreamEvent}, System.Threading.CancellationToken)"/>:
    /// no body, its events counted in <see cref="WebraftResult.ChunkCount"/>).
    /// Read its JSON body by pointer (see <see cref="JsonSource"/>), e.g. <c>GetString("/data/0/id")</c>;
    /// it keeps the native result for that, as <see cref="ChatResult"/> does.
    /// </summary>
    public sealed class SendResult : WebraftResult
    {
        SendResult(ResultHandle result) : base(result) { }

        /// <summary>The response body when it is JSON, else null.</summary>
        public string Json { get; private set; }

        /// <summary>The raw response body (JSON or not, e.g. audio); empty when there was none.</summary>
        public byte[] Body { get; private set; }

        /// <summary>Takes ownership of <paramref name="result"/>.</summary>
        internal static SendResult FromNative(ResultHandle result)
        {
            UIntPtr length;
            var sent = new SendResult(result);
            sent.Json = Utf8.FromNative(Native.webraft_result_json(result, out length), length);
            IntPtr body = Native.webraft_result_body(result, out length);
            sent.Body = Utf8.CopyBytes(body, Utf8.Length(length)) ?? new byte[0];
            return sent;
        }
    }
}
