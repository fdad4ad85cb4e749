using System.Collections.Generic;
using System.Globalization;

namespace Webraft
{
    /// <summary>
    /// Per-request options (the library's <c>options_json</c>; see "Per-request options" in the README).
    /// Each one left null keeps the client's setting.
    /// </summary>
    public sealed class RequestOptions
    {
        /// <summary>
        /// Overrides the client's <c>stream_usage</c> for this request: true asks a streamed reply to end
        /// with token usage (the library adds <c>stream_options.include_usage</c>), so
        /// <see cref="ChatResult.Usage"/> is set. A body with its own <c>stream_options</c> is left as it is.
        /// </summary>
        public bool? StreamUsage { get; set; }

        /// <summary>Total time for this request in milliseconds; for a stream, its stream total (0: no limit).</summary>
        public int? TimeoutMs { get; set; }

        /// <summary>How many times this request may be retried.</summary>
        public int? MaxRetries { get; set; }

        /// <summary>The options JSON for the C ABI; null (C's NULL) for no options.</summary>
        internal static byte[] ToNative(RequestOptions options)
        {
            if (options == null)
                return null;
            var members = new List<string>();
            if (options.StreamUsage.HasValue)
                members.Add("\"stream_usage\":" + (options.StreamUsage.Value ? "true" : "false"));
            if (options.TimeoutMs.HasValue)
                members.Add("\"timeout_ms\":" + options.TimeoutMs.Value.ToString(CultureInfo.InvariantCulture));
            if (options.MaxRetries.HasValue)
                members.Add("\"max_retries\":" + options.MaxRetries.Value.ToString(CultureInfo.InvariantCulture));
            return Utf8.ToNative("{" + string.Join(",", members) + "}");
        }
    }
}
