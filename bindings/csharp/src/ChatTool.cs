using System;
using System.Text;

namespace Webraft
{
    /// <summary>
    /// A function the model may call, for <see cref="Conversation.SetTools(ChatTool[])"/>. The binding
    /// writes the tool's JSON around your parameters schema, which the library checks when the
    /// tools are set.
    /// </summary>
    public sealed class ChatTool
    {
        ChatTool(string name, string description, string parametersJson)
        {
            Name = name;
            Description = description;
            ParametersJson = parametersJson;
        }

        /// <summary>
        /// A function tool: <paramref name="name"/>, what it does (null: no description) and its
        /// parameters as a JSON Schema object's text, e.g.
        /// <c>{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}</c> (null: none).
        /// </summary>
        public static ChatTool Function(string name, string description, string parametersJson)
        {
            if (name == null)
                throw new ArgumentNullException("name");
            return new ChatTool(name, description, parametersJson);
        }

        /// <summary>The function's name, as tool calls will name it.</summary>
        public string Name { get; private set; }

        /// <summary>What the function does, for the model; null when not given.</summary>
        public string Description { get; private set; }

        /// <summary>The parameters' JSON Schema text; null when not given.</summary>
        public string ParametersJson { get; private set; }

        /// <summary>The OpenAI tool object: <c>{"type":"function","function":{…}}</c>.</summary>
        public string ToJson()
        {
            var json = new StringBuilder("{\"type\":\"function\",\"function\":{\"name\":").Append(WebraftJson.Quote(Name));
            if (Description != null)
                json.Append(",\"description\":").Append(WebraftJson.Quote(Description));
            if (ParametersJson != null)
                json.Append(",\"parameters\":").Append(ParametersJson);
            return json.Append("}}").ToString();
        }
    }
}
