using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Webraft
{
    /// <summary>
    /// A one-message chat request: a user prompt with optional system text, model, images and
    /// token limit. For anything else, write the request JSON yourself.
    /// </summary>
    public sealed class ChatPrompt
    {
        /// <summary>The model used when <see cref="Model"/> is not set.</summary>
        public const string DefaultModel = "gpt-4o";

        /// <summary>A prompt with the user message <paramref name="text"/> and the default model.</summary>
        public ChatPrompt(string text)
        {
            if (text == null)
                throw new ArgumentNullException("text");
            Text = text;
            Model = DefaultModel;
            Images = new List<string>();
        }

        /// <summary>The user message.</summary>
        public string Text { get; private set; }

        /// <summary>The model; <see cref="DefaultModel"/> unless set.</summary>
        public string Model { get; set; }

        /// <summary>A system message sent before the prompt; none when null.</summary>
        public string System { get; set; }

        /// <summary>
        /// Images for the user message: <c>http(s)://</c> and <c>data:</c> URLs are sent as they are;
        /// anything else is a local file, read and sent as a base64 data URL.
        /// </summary>
        public IList<string> Images { get; private set; }

        /// <summary>The <c>max_tokens</c> limit; none when null.</summary>
        public int? MaxTokens { get; set; }

        /// <summary>
        /// Asks for a stream: sets <c>"stream": true</c> in the body. ChatAsync then streams and
        /// accumulates the reply, and StreamAsync streams anyway. Set it for
        /// <see cref="WebraftClient.StartChat(ChatPrompt)"/> to receive chunks: the binding then
        /// starts the request to stream, as <see cref="WebraftClient.StartChat(string, bool)"/> does.
        /// </summary>
        public bool Stream { get; set; }

        /// <summary>The request JSON. Reads local image files, so it may throw <see cref="WebraftException"/> (IO).</summary>
        public string ToRequestJson()
        {
            var json = new StringBuilder();
            json.Append("{\"model\":").Append(WebraftJson.Quote(Model ?? DefaultModel)).Append(",\"messages\":[");
            if (System != null)
                json.Append("{\"role\":\"system\",\"content\":").Append(WebraftJson.Quote(System)).Append("},");
            json.Append("{\"role\":\"user\",\"content\":");
            if (Images.Count == 0)
            {
                json.Append(WebraftJson.Quote(Text));
            }
            else
            {
                json.Append("[{\"type\":\"text\",\"text\":").Append(WebraftJson.Quote(Text)).Append('}');
                foreach (string image in Images)
                    json.Append(',').Append(ImagePartFor(image));
                json.Append(']');
            }
            json.Append("}]");
            if (Stream)
                json.Append(",\"stream\":true");
            if (MaxTokens.HasValue)
                json.Append(",\"max_tokens\":").Append(MaxTokens.Value.ToString(CultureInfo.InvariantCulture));
            return json.Append('}').ToString();
        }

        static string ImagePartFor(string image)
        {
            if (IsUrl(image))
                return "{\"type\":\"image_url\",\"image_url\":{\"url\":" + WebraftJson.Quote(image) + "}}";
            return WebraftClient.ImagePart(image);
        }

        static bool IsUrl(string image)
        {
            return image.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                || image.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                || image.StartsWith("data:", StringComparison.OrdinalIgnoreCase);
        }
    }
}
