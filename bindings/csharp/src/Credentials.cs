using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
#if UNITY_5_3_OR_NEWER
using AOT;
#endif

namespace Webraft
{
    /// <summary>Which endpoint an attempt is about to go to; what a credential provider is asked.</summary>
    public sealed class CredentialRequest
    {
        internal CredentialRequest(int endpointIndex, string baseUrl)
        {
            EndpointIndex = endpointIndex;
            BaseUrl = baseUrl;
        }

        /// <summary>0 for the client's own <c>base_url</c>; i for the config's <c>fallback[i - 1]</c>.</summary>
        public int EndpointIndex { get; private set; }

        /// <summary>That endpoint's base URL, as the library has it.</summary>
        public string BaseUrl { get; private set; }

        /// <summary>E.g. <c>endpoint 1 (http://localhost:11434/v1)</c>.</summary>
        public override string ToString()
        {
            return "endpoint " + EndpointIndex + " (" + BaseUrl + ")";
        }
    }

    /// <summary>
    /// What one attempt sends instead of the endpoint's configured key: an API key (sent as
    /// <c>Authorization: Bearer …</c>), or any headers (e.g. <c>api-key</c> for Azure, or
    /// <c>Authorization</c> with an Entra ID token), or both. A provider returning null sends the
    /// configured key.
    /// </summary>
    public sealed class Credential
    {
        readonly Dictionary<string, string> headers = new Dictionary<string, string>();

        /// <summary>Sent as <c>Authorization: Bearer ApiKey</c>; null or "" for none.</summary>
        public string ApiKey { get; set; }

        /// <summary>Headers sent as they are; with any of them, the configured key is not sent.</summary>
        public IDictionary<string, string> Headers { get { return headers; } }

        /// <summary>A credential of one API key.</summary>
        public static Credential Key(string apiKey)
        {
            return new Credential { ApiKey = apiKey };
        }

        /// <summary>A credential of one header, e.g. <c>Credential.Header("api-key", key)</c>.</summary>
        public static Credential Header(string name, string value)
        {
            var credential = new Credential();
            credential.headers[name] = value;
            return credential;
        }

        /// <summary>Hands the key and headers to the library; a value it refuses throws, naming the header but never the value.</summary>
        internal void Apply(IntPtr native)
        {
            if (!string.IsNullOrEmpty(ApiKey) && Native.webraft_credential_set_key(native, Utf8.ToNative(ApiKey)) != WebraftStatus.Ok)
                throw new ArgumentException("the credential provider gave an API key that cannot be sent");
            foreach (KeyValuePair<string, string> header in headers)
            {
                if (header.Value == null
                    || Native.webraft_credential_set_header(native, Utf8.ToNative(header.Key), Utf8.ToNative(header.Value)) != WebraftStatus.Ok)
                    throw new ArgumentException("the credential provider gave a header " + header.Key + " that cannot be sent");
            }
        }
    }

    /// <summary>
    /// The native credential callback: a static method, kept alive by a static field, that finds
    /// its provider through the GCHandle in user_data, as IL2CPP requires.
    /// </summary>
    internal static class CredentialCallbacks
    {
        internal static readonly NativeCredentialCallback Callback = OnCredential;

        [MonoPInvokeCallback(typeof(NativeCredentialCallback))]
        static int OnCredential(IntPtr userData, uint endpointIndex, IntPtr baseUrl, IntPtr credential)
        {
            try
            {
                MonoThreads.EnterFromLibraryThread();
                var provider = (Func<CredentialRequest, Credential>)GCHandle.FromIntPtr(userData).Target;
                Credential given = provider(new CredentialRequest((int)endpointIndex, Utf8.FromNative(baseUrl)));
                if (given != null)
                    given.Apply(credential);
                return 0;
            }
            catch (Exception error)
            {
                // The attempt ends with status Credentials and this message; nothing unwinds into native code.
                try
                {
                    Native.webraft_credential_fail(credential, Utf8.ToNative(error.Message ?? error.GetType().Name));
                }
                catch
                {
                    // The library's own message stands.
                }
                return 1;
            }
        }
    }
}
