using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    /// <summary>
    /// Tool round trips against the test server's "tools" model: it asks for get_weather(Paris)
    /// until the last message is a tool result, then answers "The tool ID said: CONTENT".
    /// </summary>
    static class ToolTests
    {
        const string Schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}";
        const string Weather = "22 C, dry";
        const string Answer = "The tool call_1 said: " + Weather;

        static Conversation WeatherChat(string model = "tools")
        {
            var chat = new Conversation { Model = model };
            chat.SetTools(ChatTool.Function("get_weather", "Current weather in a city", Schema));
            chat.AddSystem("You report the weather.").AddUser("Is it raining in Paris?");
            return chat;
        }

        static void AssertAsksForParisWeather(ChatResult reply, string how)
        {
            Assert.Equal(1, reply.ToolCalls.Count, how + ": one tool call");
            ToolCall call = reply.ToolCalls[0];
            Assert.Equal("call_1", call.Id, how + ": id");
            Assert.Equal("get_weather", call.Name, how + ": name");
            Assert.Equal("{\"city\":\"Paris\"}", call.Arguments, how + ": arguments as sent");
            Assert.Equal("Paris", call.GetString("/city"), how + ": argument read by pointer");
            Assert.Equal("tool_calls", reply.FinishReason, how + ": finish reason");
            Assert.Equal(null, reply.Text, how + ": no text beside the tool call");
            Assert.Equal(null, reply.Refusal, how + ": no refusal");
        }

        /// <summary>Appends the assistant turn and one answer per tool call, as a game would.</summary>
        static void AnswerToolCalls(Conversation chat, ChatResult reply)
        {
            chat.AddAssistantTurn(reply);
            foreach (ToolCall call in reply.ToolCalls)
                chat.AddToolResult(call, Weather);
        }

        [Test]
        static async Task ToolRoundTripPlain()
        {
            using (var client = Server.Client())
            using (Conversation chat = WeatherChat())
            {
                ChatResult reply = await client.ChatAsync(chat);
                AssertAsksForParisWeather(reply, "plain");
                Assert.Equal(2, chat.Count, "sending does not change the conversation");
                AnswerToolCalls(chat, reply);
                Assert.Equal(4, chat.Count, "system, user, assistant turn, tool result");

                ChatResult final = await client.ChatAsync(chat);
                Assert.Equal(Answer, final.Text, "answer after the tool result");
                Assert.Equal("stop", final.FinishReason, "finish reason");
                Assert.Equal(0, final.ToolCalls.Count, "no more tool calls");

                JsonSource saved = Server.Json(chat.ToJson());
                Assert.Equal("call_1", saved.GetString("/2/tool_calls/0/id"), "assistant turn keeps its tool call");
                Assert.Equal("{\"city\":\"Paris\"}", saved.GetString("/2/tool_calls/0/function/arguments"), "arguments kept as received");
                Assert.Equal("tool", saved.GetString("/3/role"), "tool message");
                Assert.Equal("call_1", saved.GetString("/3/tool_call_id"), "tool message names the call");
                Assert.Equal(Weather, saved.GetString("/3/content"), "tool message content");
            }
        }

        [Test]
        static async Task ToolRoundTripStreamed()
        {
            using (var client = Server.Client("/v2"))
            using (Conversation chat = WeatherChat())
            {
                var pieces = new StringBuilder();
                ChatResult reply = await client.StreamAsync(chat, chunk =>
                {
                    string piece;
                    if (chunk.TryGetString("/choices/0/delta/tool_calls/0/function/arguments", out piece))
                        pieces.Append(piece);
                });
                Assert.Equal("{\"city\":\"Paris\"}", pieces.ToString(), "arguments arrive in pieces");
                Assert.True(reply.ChunkCount >= 4, "streamed: " + reply.ChunkCount + " chunks");
                AssertAsksForParisWeather(reply, "streamed");
                AnswerToolCalls(chat, reply);

                var text = new StringBuilder();
                ChatResult final = await client.StreamAsync(chat, chunk => text.Append(chunk.Text));
                Assert.Equal(Answer, final.Text, "streamed answer");
                Assert.Equal(Answer, text.ToString(), "chunks add up to the answer");
                Assert.Equal("stop", final.FinishReason, "finish reason");
            }
        }

        [Test]
        static void ToolRoundTripPolled()
        {
            using (var client = Server.Client())
            using (Conversation chat = WeatherChat())
            {
                ChatResult reply = PollToEnd(client.StartChat(chat, true));
                AssertAsksForParisWeather(reply, "polled stream");
                AnswerToolCalls(chat, reply);
                Assert.Equal(Answer, PollToEnd(client.StartChat(chat, false)).Text, "polled plain answer");
            }
        }

        static ChatResult PollToEnd(PolledRequest request)
        {
            using (request)
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                ChatChunk chunk;
                while (!request.IsCompleted)
                {
                    Assert.True(DateTime.UtcNow < deadline, "polled request completes");
                    while (request.TryGetNext(out chunk)) { }
                    Thread.Sleep(5);
                }
                return request.GetResult();
            }
        }

        [Test]
        static async Task ToolCallOnlyTurnIsStoredWithEmptyContent()
        {
            using (var client = Server.Client())
            using (Conversation chat = WeatherChat())
            {
                ChatResult reply = await client.ChatAsync(chat);
                Assert.Equal("null", reply.GetJson("/choices/0/message/content"), "the server sent null content");
                chat.AddAssistantTurn(reply);
                JsonSource saved = Server.Json(chat.ToJson());
                Assert.Equal("", saved.GetString("/2/content"), "null content stored as \"\"");

                Assert.True(!chat.KeepNullContent, "off by default");
                chat.KeepNullContent = true;
                Assert.True(chat.KeepNullContent, "getter");
                chat.AddAssistantTurn(reply);
                saved = Server.Json(chat.ToJson());
                Assert.Equal("null", saved.GetJson("/3/content"), "content kept null");
                var error = Assert.Throws<WebraftException>(() => saved.GetString("/3/content"), "null is not a string");
                Assert.Equal(WebraftStatus.WrongType, error.Status, "status");
                Assert.Equal("call_1", saved.GetString("/3/tool_calls/0/id"), "tool call kept");
            }
        }

        [Test]
        static async Task ToolsAndParametersAreSent()
        {
            using (var client = Server.Client())
            using (Conversation chat = WeatherChat("echo-request"))
            {
                chat.Temperature = 0.5;
                chat.MaxTokens = 500;
                chat.ToolChoice = "required";
                chat.ResponseFormat = "{\"type\":\"json_object\"}";
                chat.SetParam("seed", "7");
                Assert.Equal("echo-request", chat.Model, "model getter");
                Assert.Equal(0.5, chat.Temperature.Value, "temperature getter");
                Assert.Equal(500, chat.MaxTokens.Value, "max tokens getter");
                Assert.Equal("required", chat.ToolChoice, "tool choice getter");

                JsonSource body = Server.EchoedBody(await client.ChatAsync(chat));
                Assert.Equal("echo-request", body.GetString("/model"), "model");
                Assert.Equal(0.5, body.GetNumber("/temperature"), "temperature");
                Assert.Equal(500.0, body.GetNumber("/max_tokens"), "max_tokens");
                Assert.Equal("required", body.GetString("/tool_choice"), "tool_choice");
                Assert.Equal("json_object", body.GetString("/response_format/type"), "response_format");
                Assert.Equal(7.0, body.GetNumber("/seed"), "raw parameter");
                Assert.Equal("function", body.GetString("/tools/0/type"), "tool type");
                Assert.Equal("get_weather", body.GetString("/tools/0/function/name"), "tool name");
                Assert.Equal("Current weather in a city", body.GetString("/tools/0/function/description"), "tool description");
                Assert.Equal("city", body.GetString("/tools/0/function/parameters/required/0"), "tool schema");
                Assert.Equal("system", body.GetString("/messages/0/role"), "messages");
                bool ignored;
                Assert.True(!body.TryGetBool("/stream", out ignored), "a plain chat sends no stream member");

                chat.SetTools("[{\"type\":\"function\",\"function\":{\"name\":\"roll_dice\"}}]");
                body = Server.EchoedBody(await client.ChatAsync(chat));
                Assert.Equal("roll_dice", body.GetString("/tools/0/function/name"), "tools replaced from JSON");
                string missing;
                Assert.True(!body.TryGetString("/tools/1/function/name", out missing), "only the new tool");
            }
        }

        [Test]
        static void BadParametersThrow()
        {
            using (var chat = new Conversation())
            {
                var error = Assert.Throws<WebraftException>(() => chat.SetParam("seed", "{bad"), "bad JSON");
                Assert.Equal(WebraftStatus.InvalidJson, error.Status, "bad JSON status");
                error = Assert.Throws<WebraftException>(() => chat.SetParam("messages", "[]"), "messages");
                Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "messages are the conversation's");
                Assert.Contains(error.Message, "messages", "the library says why");
                error = Assert.Throws<WebraftException>(() => chat.SetTools("{}"), "tools not an array");
                Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "tools status");
                error = Assert.Throws<WebraftException>(() => chat.SetTools(ChatTool.Function("f", null, "{oops")), "bad schema");
                Assert.Equal(WebraftStatus.InvalidJson, error.Status, "schema status");
                error = Assert.Throws<WebraftException>(() => chat.Temperature = double.NaN, "NaN");
                Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "NaN status");
                Assert.Equal(null, chat.Temperature, "a refused value is not kept");
                Assert.Throws<ArgumentNullException>(() => chat.Temperature = null, "cannot remove");
                Assert.Throws<ArgumentOutOfRangeException>(() => chat.MaxTokens = -1, "negative max tokens");
            }
        }
    }
}
