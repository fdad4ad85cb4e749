using System;

namespace Webraft
{
    /// <summary>Who speaks a message: webraft.h's <c>webraft_role</c>, values fixed by the ABI.</summary>
    public enum ChatRole : uint
    {
        /// <summary>Instructions for the model.</summary>
        System = 0,
        /// <summary>Instructions for the model (OpenAI's newer name for system).</summary>
        Developer = 1,
        /// <summary>The player or user.</summary>
        User = 2,
        /// <summary>The model.</summary>
        Assistant = 3,
        /// <summary>A tool's answer to a tool call (see <see cref="Conversation.AddToolResult(string, string)"/>).</summary>
        Tool = 4,
    }

    /// <summary>
    /// A chat: its messages and request parameters, kept by the native library, so no request
    /// JSON is written by hand. Send it with <see cref="WebraftClient.ChatAsync(Conversation, System.Threading.CancellationToken)"/>,
    /// <see cref="WebraftClient.StreamAsync(Conversation, Action{ChatChunk}, System.Threading.CancellationToken)"/> or
    /// <see cref="WebraftClient.StartChat(Conversation, bool)"/>, or to the Responses API with
    /// <see cref="WebraftClient.ResponsesAsync(Conversation, System.Threading.CancellationToken)"/> and its
    /// siblings; sending does not change it, so append the reply with <see cref="AddAssistantTurn"/>. The Add methods return the conversation,
    /// so they chain: <c>chat.AddUser("What is this?").AddImageFile("shot.png")</c>.
    /// Save and load the messages with <see cref="ToJson"/> and <see cref="FromJson"/>.
    /// Thread-safe (the library serialises calls on one conversation). Dispose frees it; requests
    /// already started keep their own copy. One never disposed is freed by its finalizer.
    /// </summary>
    public sealed class Conversation : IDisposable
    {
        readonly ConversationHandle handle;
        // What was set through the properties, for their getters: the ABI only writes parameters.
        string model;
        double? temperature;
        int? maxTokens;
        bool streamUsage;
        bool keepNullContent;
        string toolChoice;
        string responseFormat;

        /// <summary>An empty conversation.</summary>
        public Conversation()
        {
            WebraftClient.RequireAbi();
            handle = Native.webraft_conversation_new();
        }

        Conversation(ConversationHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>
        /// A conversation with the messages of an OpenAI <c>messages</c> array, as <see cref="ToJson"/>
        /// wrote it (a saved game, say); no parameters are set. Throws <see cref="WebraftException"/>:
        /// InvalidJson for bad JSON, InvalidArgument when it is not an array of objects with a string "role".
        /// </summary>
        public static Conversation FromJson(string messagesJson)
        {
            if (messagesJson == null)
                throw new ArgumentNullException("messagesJson");
            WebraftClient.RequireAbi();
            ConversationHandle loaded;
            ResultHandle error;
            WebraftStatus status = Native.webraft_conversation_from_json(Utf8.ToNative(messagesJson), out loaded, out error);
            if (status != WebraftStatus.Ok)
                loaded.Dispose();
            WebraftException.ThrowIfFailed(status, error);
            return new Conversation(loaded);
        }

        /// <summary>The messages as an OpenAI <c>messages</c> array (the JSON that <see cref="FromJson"/> loads).</summary>
        public string ToJson()
        {
            IntPtr json;
            UIntPtr length;
            WebraftStatus status = Native.webraft_conversation_to_json(Handle, out json, out length);
            string messages = Utf8.Take(json, length);
            Check(status, "webraft_conversation_to_json");
            return messages;
        }

        /// <summary>How many messages the conversation holds.</summary>
        public int Count
        {
            get { return Utf8.Length(Native.webraft_conversation_len(Handle)); }
        }

        internal ConversationHandle Handle
        {
            get { return NativeHandle.Open(handle, GetType().Name); }
        }

        /// <summary>Appends a message of <paramref name="role"/> with text content.</summary>
        public Conversation Add(ChatRole role, string text)
        {
            Check(Native.webraft_conversation_add_message(Handle, role, Required(text, "text")), "webraft_conversation_add_message");
            return this;
        }

        /// <summary>Appends a system message.</summary>
        public Conversation AddSystem(string text) { return Add(ChatRole.System, text); }

        /// <summary>Appends a developer message.</summary>
        public Conversation AddDeveloper(string text) { return Add(ChatRole.Developer, text); }

        /// <summary>Appends a user message; add images to it with the AddImage methods.</summary>
        public Conversation AddUser(string text) { return Add(ChatRole.User, text); }

        /// <summary>Appends an assistant message with text (e.g. a scripted line); for a reply, use <see cref="AddAssistantTurn"/>.</summary>
        public Conversation AddAssistant(string text) { return Add(ChatRole.Assistant, text); }

        /// <summary>Puts a system message first, unless the conversation already has one (a loaded dialogue keeps its own).</summary>
        public Conversation AddSystemIfMissing(string text)
        {
            Check(Native.webraft_conversation_add_system_if_missing(Handle, Required(text, "text")),
                "webraft_conversation_add_system_if_missing");
            return this;
        }

        /// <summary>
        /// Appends the assistant turn of <paramref name="reply"/> as it was received: text, tool calls,
        /// reasoning and refusal. A tool-call-only turn's null content is stored as "" (some servers
        /// refuse null) unless <see cref="KeepNullContent"/> is set. Throws <see cref="WebraftException"/>
        /// (InvalidArgument) when the reply holds no assistant message.
        /// </summary>
        public Conversation AddAssistantTurn(ChatResult reply)
        {
            if (reply == null)
                throw new ArgumentNullException("reply");
            Check(Native.webraft_conversation_add_assistant_turn(Handle, reply.NativeResult), "webraft_conversation_add_assistant_turn");
            return this;
        }

        /// <summary>Appends the answer to a tool call: <c>{"role":"tool","tool_call_id":…,"content":…}</c>.</summary>
        public Conversation AddToolResult(string toolCallId, string content)
        {
            Check(Native.webraft_conversation_add_tool_result(Handle, Required(toolCallId, "toolCallId"), Required(content, "content")),
                "webraft_conversation_add_tool_result");
            return this;
        }

        /// <summary>Appends the answer to <paramref name="call"/>.</summary>
        public Conversation AddToolResult(ToolCall call, string content)
        {
            if (call == null)
                throw new ArgumentNullException("call");
            return AddToolResult(call.Id, content);
        }

        /// <summary>Adds a text part to the last message. Throws <see cref="WebraftException"/> (InvalidArgument) when there is none.</summary>
        public Conversation AddText(string text)
        {
            Check(Native.webraft_conversation_add_text_part(Handle, Required(text, "text")), "webraft_conversation_add_text_part");
            return this;
        }

        /// <summary>
        /// Adds an image by URL (<c>https://…</c> or <c>data:…</c>) to the last message;
        /// <paramref name="detail"/> is "auto", "low", "high" or null.
        /// </summary>
        public Conversation AddImageUrl(string url, string detail = null)
        {
            ResultHandle error;
            WebraftStatus status = Native.webraft_conversation_add_image_url(Handle, Required(url, "url"), Utf8.ToNative(detail), out error);
            WebraftException.ThrowIfFailed(status, error);
            return this;
        }

        /// <summary>
        /// Adds a local image file (PNG, JPEG, GIF, WebP), sent as a data URL, to the last message.
        /// Throws <see cref="WebraftException"/> (Io) when the file cannot be read.
        /// </summary>
        public Conversation AddImageFile(string path, string detail = null)
        {
            ResultHandle error;
            WebraftStatus status = Native.webraft_conversation_add_image_file(Handle, Required(path, "path"), Utf8.ToNative(detail), out error);
            WebraftException.ThrowIfFailed(status, error);
            return this;
        }

        /// <summary>Adds an image held in memory (e.g. a screenshot's PNG bytes), sent as a data URL, to the last message.</summary>
        public Conversation AddImageBytes(byte[] image, string detail = null)
        {
            if (image == null)
                throw new ArgumentNullException("image");
            ResultHandle error;
            WebraftStatus status = Native.webraft_conversation_add_image_bytes(Handle, image, new UIntPtr((uint)image.Length),
                Utf8.ToNative(detail), out error);
            WebraftException.ThrowIfFailed(status, error);
            return this;
        }

        /// <summary>The <c>model</c>; null until set.</summary>
        public string Model
        {
            get { return model; }
            set
            {
                Check(Native.webraft_conversation_set_model(Handle, Required(value, "value")), "webraft_conversation_set_model");
                model = value;
            }
        }

        /// <summary>The <c>temperature</c>; null until set. Once set it can be changed, not removed.</summary>
        public double? Temperature
        {
            get { return temperature; }
            set
            {
                Check(Native.webraft_conversation_set_temperature(Handle, Present(value)), "webraft_conversation_set_temperature");
                temperature = value;
            }
        }

        /// <summary>The <c>max_tokens</c> limit; null until set. Once set it can be changed, not removed.</summary>
        public int? MaxTokens
        {
            get { return maxTokens; }
            set
            {
                if (Present(value) < 0)
                    throw new ArgumentOutOfRangeException("value", "max_tokens cannot be negative");
                Check(Native.webraft_conversation_set_max_tokens(Handle, (ulong)value.Value), "webraft_conversation_set_max_tokens");
                maxTokens = value;
            }
        }

        /// <summary>
        /// Asks streamed replies for their token usage (the library adds <c>stream_options.include_usage</c>),
        /// so <see cref="ChatResult.Usage"/> is set after a stream. Off by default: some servers refuse it.
        /// </summary>
        public bool StreamUsage
        {
            get { return streamUsage; }
            set
            {
                Check(Native.webraft_conversation_set_stream_usage(Handle, value), "webraft_conversation_set_stream_usage");
                streamUsage = value;
            }
        }

        /// <summary>
        /// Keeps <c>"content": null</c> on tool-call-only assistant turns added by <see cref="AddAssistantTurn"/>
        /// instead of storing "". Off by default.
        /// </summary>
        public bool KeepNullContent
        {
            get { return keepNullContent; }
            set
            {
                Check(Native.webraft_conversation_set_keep_null_content(Handle, value), "webraft_conversation_set_keep_null_content");
                keepNullContent = value;
            }
        }

        /// <summary>
        /// The <c>tool_choice</c> mode: "auto", "none" or "required"; null until set. To force one
        /// function, use <c>SetParam("tool_choice", "{\"type\":\"function\",\"function\":{\"name\":\"…\"}}")</c>.
        /// </summary>
        public string ToolChoice
        {
            get { return toolChoice; }
            set
            {
                SetParam("tool_choice", WebraftJson.Quote(value));
                toolChoice = value;
            }
        }

        /// <summary>The <c>response_format</c> as JSON text, e.g. <c>{"type":"json_object"}</c>; null until set.</summary>
        public string ResponseFormat
        {
            get { return responseFormat; }
            set
            {
                SetParam("response_format", value);
                responseFormat = value;
            }
        }

        /// <summary>Sets <c>tools</c> from the JSON text of an array of OpenAI tool objects.</summary>
        public Conversation SetTools(string toolsJson)
        {
            return SetParam("tools", toolsJson);
        }

        /// <summary>Sets <c>tools</c> to these functions (see <see cref="ChatTool.Function"/>).</summary>
        public Conversation SetTools(params ChatTool[] tools)
        {
            if (tools == null)
                throw new ArgumentNullException("tools");
            var json = new string[tools.Length];
            for (int i = 0; i < tools.Length; i++)
                json[i] = tools[i].ToJson();
            return SetTools("[" + string.Join(",", json) + "]");
        }

        /// <summary>
        /// Sets any request member from its JSON text, e.g. <c>SetParam("seed", "7")</c> or a provider's
        /// own field. "messages", "stream" and "stream_options" are refused (InvalidArgument): the
        /// conversation and the send method set those. Throws <see cref="WebraftException"/>
        /// (InvalidJson) for bad JSON.
        /// </summary>
        public Conversation SetParam(string name, string valueJson)
        {
            ResultHandle error;
            WebraftStatus status = Native.webraft_conversation_set_param(Handle, Required(name, "name"), Required(valueJson, "valueJson"), out error);
            WebraftException.ThrowIfFailed(status, error);
            return this;
        }

        /// <summary>The messages as JSON (see <see cref="ToJson"/>).</summary>
        public override string ToString()
        {
            return ToJson();
        }

        /// <summary>Frees the conversation. Safe to call more than once, from any thread.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        /// <summary>The NUL-terminated UTF-8 of a required argument.</summary>
        static byte[] Required(string value, string name)
        {
            if (value == null)
                throw new ArgumentNullException(name);
            return Utf8.ToNative(value);
        }

        /// <summary>The value set on a nullable parameter: the ABI can change a request member, not remove it.</summary>
        static T Present<T>(T? value) where T : struct
        {
            if (!value.HasValue)
                throw new ArgumentNullException("value", "a request parameter can be changed, not removed");
            return value.Value;
        }

        /// <summary>For the calls that report only a status (no error result to describe it).</summary>
        static void Check(WebraftStatus status, string function)
        {
            WebraftException.ThrowIfNotOk(status, function);
        }
    }
}
