using System;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    static class ChatTests
    {
        [Test]
        static void NativeVersionIsReported()
        {
            Assert.True(Regex.IsMatch(WebraftClient.NativeVersion, @"^\d+\.\d+\.\d+"), "version " + WebraftClient.NativeVersion);
        }

        [Test]
        static void BadConfigThrowsWithStatusAndKey()
        {
            var error = Assert.Throws<WebraftException>(() => new WebraftClient("{\"no_such_key\":1}"), "unknown key");
            Assert.Equal(WebraftStatus.InvalidConfig, error.Status, "status");
            Assert.Equal("INVALID_CONFIG", error.StatusName, "status name");
            Assert.Contains(error.Message, "no_such_key", "message");
            error = Assert.Throws<WebraftException>(() => new WebraftClient("{not json"), "not JSON");
            Assert.Equal(WebraftStatus.InvalidJson, error.Status, "status");
        }

        [Test]
        static async Task PlainChatOnEveryBase()
        {
            foreach (string basePath in Server.Bases)
            {
                using (var client = Server.Client(basePath))
                {
                    ChatResult result = await Assert.Within(client.ChatAsync(Server.Body()), 30, basePath);
                    Assert.Equal(Server.ReplyToHi, result.Text, basePath + " text");
                    Assert.Equal(200, result.HttpStatus, basePath + " HTTP status");
                    Assert.True(result.RequestId != null && result.RequestId.StartsWith("req_"), basePath + " request id " + result.RequestId);
                    Assert.Contains(result.Json, "\"object\":\"chat.completion\"", basePath + " JSON");
                    Assert.Equal(0L, result.ChunkCount, basePath + " chunk count");
                    Assert.Equal(0, result.Retries, basePath + " retries");
                    Assert.True(result.Timings.TotalMs >= 0 && result.Timings.HeadersMs >= 0, basePath + " timings");
                    Assert.Equal(-1.0, result.Timings.FirstChunkMs, basePath + " first chunk of a plain call");
                    Assert.True(result.Usage != null, basePath + " usage present");
                    Assert.Equal(1L, result.Usage.PromptTokens, basePath + " prompt tokens");
                    Assert.Equal(4L, result.Usage.CompletionTokens, basePath + " completion tokens");
                    Assert.Equal(5L, result.Usage.TotalTokens, basePath + " total tokens");
                }
            }
        }

        [Test]
        static async Task NonAsciiTextRoundTrips()
        {
            using (var client = Server.Client())
            {
                const string text = "héllo wörld 日本 🎮 \"quoted\" \\ tab\t";
                ChatResult plain = await client.ChatAsync(Server.Body(text: text));
                Assert.Equal("Hello! You said: " + text, plain.Text, "plain");
                var streamed = new System.Text.StringBuilder();
                ChatResult result = await client.StreamAsync(Server.Body(text: text), chunk => streamed.Append(chunk.Text));
                Assert.Equal("Hello! You said: " + text, result.Text, "stream result");
                Assert.Equal(result.Text, streamed.ToString(), "stream chunks");
            }
        }

        [Test]
        static async Task ChatWithStreamTrueInTheBodyIsAccumulated()
        {
            // More chunks than the library's poll queue holds (256): nothing may stall.
            using (var client = Server.Client())
            {
                ChatResult result = await Assert.Within(client.ChatAsync(Server.Body("big-chunks-600", stream: true)), 60, "600-chunk stream");
                Assert.True(result.ChunkCount >= 600, "chunk count " + result.ChunkCount);
                Assert.True(result.Text.Length > 0 && result.Text.Length % 600 == 0 && result.Text.Trim('x').Length == 0,
                    "text is 600 equal runs of x, length " + result.Text.Length);
            }
        }

        [Test]
        static async Task ChatWithAnEscapedStreamKeyCompletes()
        {
            Assert.Contains(Server.EscapedStreamBody, "\"stre\\u0061m\":true", "the key is escaped in the JSON text");
            using (var client = Server.Client())
            {
                // The library parses the body, sees "stream": true, streams and accumulates.
                ChatResult result = await Assert.Within(client.ChatAsync(Server.EscapedStreamBody), 30, "escaped stream key");
                Assert.Equal(Server.ReplyToHi, result.Text, "the full text");
                Assert.Contains(result.Json, "\"object\":\"chat.completion\"", "accumulated JSON");
                Assert.Equal(6L, result.ChunkCount, "streamed: role, 4 tokens, finish");

                // Longer than the library's poll queue (256 chunks): nothing may wait for a reader.
                string longer = Server.EscapedStreamBody.Replace("gpt-4o", "big-chunks-600");
                result = await Assert.Within(client.ChatAsync(longer), 60, "600-chunk stream, escaped key");
                Assert.True(result.ChunkCount >= 600, "chunk count " + result.ChunkCount);
                Assert.True(result.Text.Length > 0 && result.Text.Trim('x').Length == 0, "text is runs of x, length " + result.Text.Length);
            }
        }

        [Test]
        static async Task PromptWithSystemAndModel()
        {
            using (var client = Server.Client())
            {
                var prompt = new ChatPrompt("what is up") { System = "be brief", Model = "echo-request" };
                ChatResult result = await client.ChatAsync(prompt);
                // echo-request replies with the request it received (key order is the server's).
                string echoed = result.Text;
                Assert.Contains(echoed, "\"model\":\"echo-request\"", "model");
                Assert.Contains(echoed, "\"role\":\"system\"", "system role");
                Assert.Contains(echoed, "\"role\":\"user\"", "user role");
                int system = echoed.IndexOf("\"content\":\"be brief\"", StringComparison.Ordinal);
                int user = echoed.IndexOf("\"content\":\"what is up\"", StringComparison.Ordinal);
                Assert.True(system >= 0 && user > system, "system message, then the prompt: " + echoed);
                Assert.True(!echoed.Contains("\"stream\"") && !echoed.Contains("\"max_tokens\""), "nothing else set");

                result = await client.ChatAsync(new ChatPrompt("hi") { System = "be brief" });
                Assert.Equal(Server.ReplyToHi, result.Text, "default model reply");
                Assert.Equal(3L, result.Usage.PromptTokens, "prompt tokens count the system words");

                result = await client.ChatAsync(new ChatPrompt("hi") { MaxTokens = 2 });
                Assert.Equal("Hello! You ", result.Text, "max tokens");
                Assert.Contains(result.Json, "\"finish_reason\":\"length\"", "finish reason");
            }
        }

        internal static readonly byte[] OnePixelPng = Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

        [Test]
        static async Task PromptWithImages()
        {
            string path = Path.Combine(Path.GetTempPath(), "webraft-cs-" + Guid.NewGuid().ToString("N") + ".png");
            File.WriteAllBytes(path, OnePixelPng);
            try
            {
                using (var client = Server.Client())
                {
                    var prompt = new ChatPrompt("look");
                    prompt.Images.Add(path);
                    prompt.Images.Add("https://example.com/cat.jpg");
                    ChatResult result = await client.ChatAsync(prompt);
                    Assert.Equal($"Hello! You said: look [image 1: image/png {OnePixelPng.Length} bytes] [image 2: url https://example.com/cat.jpg]",
                        result.Text, "reply describing both images");

                    var streamed = await client.StreamAsync(prompt, chunk => { });
                    Assert.Equal(result.Text, streamed.Text, "streamed reply");
                }
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Test]
        static void ImagePartFromFile()
        {
            string path = Path.Combine(Path.GetTempPath(), "webraft-cs-" + Guid.NewGuid().ToString("N") + ".png");
            File.WriteAllBytes(path, OnePixelPng);
            try
            {
                string part = WebraftClient.ImagePart(path, "low");
                Assert.Contains(part, "\"type\":\"image_url\"", "type");
                Assert.Contains(part, "\"url\":\"data:image/png;base64," + Convert.ToBase64String(OnePixelPng), "data URL");
                Assert.Contains(part, "\"detail\":\"low\"", "detail");
            }
            finally
            {
                File.Delete(path);
            }
            var error = Assert.Throws<WebraftException>(() => WebraftClient.ImagePart(path), "missing file");
            Assert.Equal(WebraftStatus.Io, error.Status, "status");
        }

        [Test]
        static async Task MissingImageFailsTheTask()
        {
            using (var client = Server.Client())
            {
                var prompt = new ChatPrompt("look");
                prompt.Images.Add("/nonexistent/webraft.png");
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(prompt), "missing image");
                Assert.Equal(WebraftStatus.Io, error.Status, "status");
            }
        }

        [Test]
        static async Task InvalidRequestJsonFailsTheTask()
        {
            using (var client = Server.Client())
            {
                int callbackRequests = InFlight.Count;
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync("{oops"), "bad JSON");
                Assert.Equal(WebraftStatus.InvalidJson, error.Status, "status");
                error = await Assert.ThrowsAsync<WebraftException>(() => client.StreamAsync("[1]", chunk => { }), "not an object");
                Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "status");
                Assert.True(InFlight.Count <= callbackRequests, "no callback state kept for a request that never started");
            }
        }

        [Test]
        static async Task ToolCallReplyHasNoText()
        {
            using (var client = Server.Client())
            {
                ChatResult result = await client.ChatAsync(Server.Body("tools"));
                Assert.Equal(null, result.Text, "text");
                Assert.Contains(result.Json, "\"name\":\"get_weather\"", "tool call in JSON");
            }
        }
    }
}
