using System;
using System.Text;

namespace Webraft
{
    /// <summary>
    /// Outcome class of a call; the values are webraft.h's <c>webraft_status</c>, fixed by the ABI.
    /// A value this enum does not name may still come from a newer library.
    /// </summary>
    public enum WebraftStatus : uint
    {
        /// <summary>Success.</summary>
        Ok = 0,
        /// <summary>A required pointer was NULL.</summary>
        NullArgument = 1,
        /// <summary>A string argument is not UTF-8.</summary>
        InvalidUtf8 = 2,
        /// <summary>Config, request, options or body is not valid JSON.</summary>
        InvalidJson = 3,
        /// <summary>Unknown key, wrong type or bad value in the client config.</summary>
        InvalidConfig = 4,
        /// <summary>The request is not an object, an option is unknown, a bad method, path, header or image.</summary>
        InvalidArgument = 5,
        /// <summary>The server answered with a non-2xx status; see HttpStatus, Type and Code.</summary>
        HttpStatus = 6,
        /// <summary>A clock ran out; the message names which (connect, headers, idle or total).</summary>
        Timeout = 7,
        /// <summary>Could not connect (refused, DNS, unreachable).</summary>
        Connect = 8,
        /// <summary>TLS handshake or certificate failure.</summary>
        Tls = 9,
        /// <summary>Cancelled: by a token, a disposed client or request, or a throwing chunk handler.</summary>
        Cancelled = 10,
        /// <summary>The stream broke its format: invalid UTF-8 or a chunk that is not JSON.</summary>
        StreamProtocol = 11,
        /// <summary>An internal bug was caught at the ABI boundary; the process is unharmed.</summary>
        Panic = 12,
        /// <summary>A local file (an image) could not be read.</summary>
        Io = 13,
        /// <summary>The connection failed after it was established (reset, truncated body).</summary>
        Transport = 14,
        /// <summary>The server sent an error object inside a 2xx stream.</summary>
        StreamError = 15,
        /// <summary>The body or one stream event exceeded its configured size limit.</summary>
        ResponseTooLarge = 16,
        /// <summary>A 2xx reply that is not what the endpoint promises (e.g. a chat body that is not JSON).</summary>
        InvalidResponse = 17,
        /// <summary>The call cannot be served in this process: a child forked after webraft started.</summary>
        InvalidState = 18,
        /// <summary>A JSON Pointer names no value in the document (see <see cref="JsonSource"/>).</summary>
        Missing = 19,
        /// <summary>A JSON Pointer names a value of another type than the one asked for.</summary>
        WrongType = 20,
        /// <summary>The credential provider (<see cref="WebraftClient.SetCredentials"/>) failed for an attempt; the call ended there.</summary>
        Credentials = 21,
    }

    /// <summary>The binding's own names for <see cref="WebraftStatus"/> values, checked against the library's by the tests.</summary>
    internal static class WebraftStatusNames
    {
        /// <summary>
        /// The upper-case name of a status value as this binding defines it, e.g. "HTTP_STATUS" for
        /// <see cref="WebraftStatus.HttpStatus"/>; "UNKNOWN" for a value the enum does not define,
        /// as <c>webraft_status_name</c> says for values the library does not define.
        /// </summary>
        internal static string Of(uint value)
        {
            if (!Enum.IsDefined(typeof(WebraftStatus), value))
                return "UNKNOWN";
            string member = ((WebraftStatus)value).ToString();
            var name = new StringBuilder(member.Length + 4);
            for (int i = 0; i < member.Length; i++)
            {
                char c = member[i];
                if (i > 0 && char.IsUpper(c))
                    name.Append('_');
                name.Append(char.ToUpperInvariant(c));
            }
            return name.ToString();
        }
    }
}
