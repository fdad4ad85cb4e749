using System;

namespace Webraft
{
    /// <summary>
    /// JSON whose values you read by JSON Pointer (RFC 6901), e.g. <c>GetString("/choices/0/message/content")</c>
    /// or <c>GetNumber("/usage/total_tokens")</c>: a <see cref="ChatResult"/>, a <see cref="SendResult"/>,
    /// a <see cref="ChatChunk"/> or a <see cref="ToolCall"/>'s arguments. The native library reads the
    /// JSON, so no JSON library is needed (Mono and Unity profiles ship none that all agree on).
    /// Array elements are numbered from 0 (<c>"/data/2/id"</c>); a key holding '/' or '~' is written
    /// with <c>~1</c> and <c>~0</c>; "" names the whole document.
    /// The Get methods throw <see cref="WebraftException"/> with status <see cref="WebraftStatus.Missing"/>
    /// when nothing is there and <see cref="WebraftStatus.WrongType"/> when the value has another type;
    /// the TryGet methods return false for those two instead.
    /// </summary>
    public abstract class JsonSource
    {
        // Exactly one is set: a native result (read with webraft_result_get_*) or JSON text (webraft_json_get_*).
        readonly ResultHandle result;
        readonly byte[] json;

        internal JsonSource(ResultHandle result)
        {
            this.result = result;
        }

        internal JsonSource(byte[] json)
        {
            this.json = json;
        }

        /// <summary>The native result behind a reply; null for JSON text.</summary>
        internal ResultHandle NativeResult { get { return result; } }

        /// <summary>The UTF-8 JSON text (no NUL) behind a chunk or tool call; null for a reply.</summary>
        internal byte[] Utf8Json { get { return json; } }

        /// <summary>The string at <paramref name="pointer"/>.</summary>
        public string GetString(string pointer) { return Get<string>(ReadString, pointer, "a string"); }

        /// <summary>The number at <paramref name="pointer"/>, as a double.</summary>
        public double GetNumber(string pointer) { return Get<double>(ReadNumber, pointer, "a number"); }

        /// <summary>The boolean at <paramref name="pointer"/>.</summary>
        public bool GetBool(string pointer) { return Get<bool>(ReadBool, pointer, "a boolean"); }

        /// <summary>The value at <paramref name="pointer"/>, whatever its type, as its own JSON text (e.g. an object to save or pass on).</summary>
        public string GetJson(string pointer) { return Get<string>(ReadJson, pointer, "JSON"); }

        /// <summary>The string at <paramref name="pointer"/>; false (and null) when nothing is there or it is not a string.</summary>
        public bool TryGetString(string pointer, out string value) { return TryGet(ReadString, pointer, out value); }

        /// <summary>The number at <paramref name="pointer"/>; false (and 0) when nothing is there or it is not a number.</summary>
        public bool TryGetNumber(string pointer, out double value) { return TryGet(ReadNumber, pointer, out value); }

        /// <summary>The boolean at <paramref name="pointer"/>; false (and false) when nothing is there or it is not a boolean.</summary>
        public bool TryGetBool(string pointer, out bool value) { return TryGet(ReadBool, pointer, out value); }

        /// <summary>The JSON text of the value at <paramref name="pointer"/>; false (and null) when nothing is there.</summary>
        public bool TryGetJson(string pointer, out string value) { return TryGet(ReadJson, pointer, out value); }

        delegate WebraftStatus Reader<T>(string pointer, out T value);

        static T Get<T>(Reader<T> read, string pointer, string type)
        {
            T value;
            Require(read(pointer, out value), pointer, type);
            return value;
        }

        /// <summary>Ok: found; Missing or WrongType: not found; anything else (a bad pointer, bad JSON text) throws.</summary>
        static bool TryGet<T>(Reader<T> read, string pointer, out T value)
        {
            WebraftStatus status = read(pointer, out value);
            if (status == WebraftStatus.Missing || status == WebraftStatus.WrongType)
                return false;
            Require(status, pointer, null);
            return true;
        }

        UIntPtr JsonLength { get { return new UIntPtr((uint)json.Length); } }

        WebraftStatus ReadString(string pointer, out string value)
        {
            return ReadText(pointer, false, out value);
        }

        WebraftStatus ReadJson(string pointer, out string value)
        {
            return ReadText(pointer, true, out value);
        }

        /// <summary>The string at the pointer, or with <paramref name="asJson"/> the JSON text of any value there.</summary>
        WebraftStatus ReadText(string pointer, bool asJson, out string value)
        {
            IntPtr text;
            UIntPtr length;
            WebraftStatus status;
            byte[] path = NativePointer(pointer);
            if (result != null)
                status = asJson
                    ? Native.webraft_result_get_json(result, path, out text, out length)
                    : Native.webraft_result_get_string(result, path, out text, out length);
            else
                status = asJson
                    ? Native.webraft_json_get_json(json, JsonLength, path, out text, out length)
                    : Native.webraft_json_get_string(json, JsonLength, path, out text, out length);
            value = Utf8.Take(text, length);
            return status;
        }

        WebraftStatus ReadNumber(string pointer, out double value)
        {
            byte[] path = NativePointer(pointer);
            return result != null
                ? Native.webraft_result_get_number(result, path, out value)
                : Native.webraft_json_get_number(json, JsonLength, path, out value);
        }

        WebraftStatus ReadBool(string pointer, out bool value)
        {
            byte[] path = NativePointer(pointer);
            return result != null
                ? Native.webraft_result_get_bool(result, path, out value)
                : Native.webraft_json_get_bool(json, JsonLength, path, out value);
        }

        static byte[] NativePointer(string pointer)
        {
            if (pointer == null)
                throw new ArgumentNullException("pointer");
            return Utf8.ToNative(pointer);
        }

        static void Require(WebraftStatus status, string pointer, string type)
        {
            if (status == WebraftStatus.Ok)
                return;
            string message;
            if (status == WebraftStatus.Missing)
                message = string.Format("nothing at JSON Pointer \"{0}\"", pointer);
            else if (status == WebraftStatus.WrongType)
                message = string.Format("the value at JSON Pointer \"{0}\" is not {1}", pointer, type);
            else
                message = string.Format("cannot read JSON Pointer \"{0}\": {1}", pointer, WebraftException.StatusNameOf(status));
            throw new WebraftException(status, message);
        }
    }
}
