using System;
using System.IO;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    static class ConversationTests
    {
        [Test]
        static async Task MessagesAreSentInOrder()
        {
            using (var client = Server.Client())
            using (var chat = new Conversation { Model = "echo-request" })
            {
                chat.AddSystem("sys").AddDeveloper("dev").AddUser("hello").AddAssistant("hi!").AddUser("again");
                Assert.Equal(5, chat.Count, "count");
                JsonSource body = Server.EchoedBody(await client.ChatAsync(chat));
                string[] roles = { "system", "developer", "user", "assistant", "user" };
                string[] texts = { "sys", "dev", "hello", "hi!", "again" };
                for (int i = 0; i < roles.Length; i++)
                {
                    Assert.Equal(roles[i], body.GetString("/messages/" + i + "/role"), "role " + i);
                    Assert.Equal(texts[i], body.GetString("/messages/" + i + "/content"), "content " + i);
                }
                string extra;
                Assert.True(!body.TryGetJson("/messages/5", out extra), "nothing more");
            }
        }

        [Test]
        static async Task ReplyToTheLastUserMessage()
        {
            using (var client = Server.Client())
            using (var chat = new Conversation { Model = "gpt-4o" })
            {
                chat.AddUser("first");
                ChatResult reply = await client.ChatAsync(chat);
                Assert.Equal("Hello! You said: first", reply.Text, "first reply");
                chat.AddAssistantTurn(reply).AddUser("second");
                Assert.Equal(3, chat.Count, "user, assistant, user");
                Assert.Equal("Hello! You said: second", (await client.ChatAsync(chat)).Text, "second reply");
                Assert.Equal("Hello! You said: first", Server.Json(chat.ToJson()).GetString("/1/content"), "assistant turn's text");
            }
        }

        [Test]
        static async Task JsonRoundTrip()
        {
            const string saved =
                "[{\"role\":\"system\",\"content\":\"You are Bob, a blacksmith.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_9\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_9\",\"content\":\"done\"},"
                + "{\"role\":\"user\",\"content\":\"héllo 🎮 \\\"quoted\\\"\"}]";
            using (var client = Server.Client())
            using (Conversation loaded = Conversation.FromJson(saved))
            {
                Assert.Equal(5, loaded.Count, "count");
                string json = loaded.ToJson();
                Assert.Equal(saved, json, "ToJson gives back what FromJson loaded");
                using (Conversation again = Conversation.FromJson(json))
                    Assert.Equal(json, again.ToJson(), "and again");
                Assert.Equal(null, loaded.Model, "no parameters are loaded");

                loaded.AddSystemIfMissing("ignored");
                Assert.Equal(5, loaded.Count, "a loaded dialogue keeps its own system message");
                loaded.Model = "gpt-4o";
                Assert.Equal("Hello! You said: héllo 🎮 \"quoted\"", (await client.ChatAsync(loaded)).Text, "a loaded conversation is sent");
            }
            using (var fresh = new Conversation())
            {
                fresh.AddUser("hi").AddSystemIfMissing("be brief");
                Assert.Equal("system", Server.Json(fresh.ToJson()).GetString("/0/role"), "system message put first");
                Assert.Equal("[]", new Conversation().ToJson(), "empty conversation");
            }
        }

        [Test]
        static void FromJsonRejectsWhatIsNotAMessagesArray()
        {
            var error = Assert.Throws<WebraftException>(() => Conversation.FromJson("[{"), "bad JSON");
            Assert.Equal(WebraftStatus.InvalidJson, error.Status, "bad JSON status");
            error = Assert.Throws<WebraftException>(() => Conversation.FromJson("{\"role\":\"user\"}"), "an object");
            Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "not an array");
            error = Assert.Throws<WebraftException>(() => Conversation.FromJson("[{\"content\":\"x\"}]"), "no role");
            Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "no role");
            Assert.Contains(error.Message, "role", "the library says why");
        }

        [Test]
        static async Task ImagesFromAFileBytesAndAUrl()
        {
            byte[] png = ChatTests.OnePixelPng;
            string path = Path.Combine(Path.GetTempPath(), "webraft-cs-" + Guid.NewGuid().ToString("N") + ".png");
            File.WriteAllBytes(path, png);
            try
            {
                using (var client = Server.Client())
                using (var chat = new Conversation { Model = "gpt-4o" })
                {
                    chat.AddUser("what is this?").AddImageFile(path, "low");
                    string described = "Hello! You said: what is this? [image 1: image/png " + png.Length + " bytes]";
                    Assert.Equal(described, (await client.ChatAsync(chat)).Text, "image file");

                    chat.AddUser("and this?").AddImageBytes(png).AddImageUrl("https://example.com/cat.jpg").AddText("thanks");
                    ChatResult reply = await client.StreamAsync(chat, chunk => { });
                    Assert.Equal("Hello! You said: and this? thanks [image 1: image/png " + png.Length + " bytes] [image 2: url https://example.com/cat.jpg]",
                        reply.Text, "image bytes and URL, streamed");

                    JsonSource saved = Server.Json(chat.ToJson());
                    Assert.Equal("low", saved.GetString("/0/content/1/image_url/detail"), "detail");
                    Assert.Equal("data:image/png;base64," + Convert.ToBase64String(png), saved.GetString("/1/content/1/image_url/url"), "bytes as a data URL");
                }
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Test]
        static void ImageErrors()
        {
            using (var chat = new Conversation())
            {
                var error = Assert.Throws<WebraftException>(() => chat.AddImageUrl("https://example.com/a.png"), "no message yet");
                Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "no message status");
                error = Assert.Throws<WebraftException>(() => chat.AddText("x"), "text part without a message");
                Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "text part status");
                chat.AddUser("look");
                error = Assert.Throws<WebraftException>(() => chat.AddImageFile("/nonexistent/webraft.png"), "missing file");
                Assert.Equal(WebraftStatus.Io, error.Status, "missing file status");
                error = Assert.Throws<WebraftException>(() => chat.AddImageUrl("https://example.com/a.png", "huge"), "bad detail");
                Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "bad detail status");
                Assert.Contains(error.Message, "detail", "the library says why");
                error = Assert.Throws<WebraftException>(() => chat.AddImageBytes(new byte[] { 1, 2, 3 }), "not an image");
                Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "bytes that are no image");
                Assert.Equal("[{\"role\":\"user\",\"content\":\"look\"}]", chat.ToJson(), "failed parts add nothing");
            }
        }

        [Test]
        static async Task FailuresOfAConversationChat()
        {
            using (var chat = new Conversation { Model = "gpt-4o" })
            {
                chat.AddUser("hi");
                using (var client = Server.Client(key: "wrong-key"))
                {
                    var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(chat), "wrong key");
                    Assert.Equal(401, error.HttpStatus, "HTTP status");
                    Assert.Equal("Wrong Api key", error.ServerMessage, "server message");
                }
                using (var client = Server.Client(key: "no-credits-key"))
                {
                    var error = await Assert.ThrowsAsync<WebraftException>(() => client.StreamAsync(chat, chunk => { }), "no credits");
                    Assert.Equal(402, error.HttpStatus, "HTTP status");
                    Assert.True(error.IsQuotaExhausted, "quota exhausted");
                }
                using (var client = Server.Client())
                using (var empty = new Conversation { Model = "gpt-4o" })
                {
                    var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(empty), "no messages");
                    Assert.Equal(400, error.HttpStatus, "the server refuses an empty messages array");
                }
            }
        }

        [Test]
        static async Task DisposedConversation()
        {
            using (var client = Server.Client())
            {
                var chat = new Conversation { Model = "slow" };
                chat.AddUser("hi");
                Task<ChatResult> running = client.ChatAsync(chat);
                chat.Dispose();
                chat.Dispose();
                Assert.Equal(Server.ReplyToHi, (await Assert.Within(running, 30, "started request")).Text, "a started request keeps its copy");
                Assert.Throws<ObjectDisposedException>(() => chat.AddUser("x"), "add after Dispose");
                Assert.Throws<ObjectDisposedException>(() => chat.ToJson(), "ToJson after Dispose");
                Assert.Throws<ObjectDisposedException>(() => client.ChatAsync(chat), "send after Dispose");
                Assert.Throws<ObjectDisposedException>(() => client.StartChat(chat, true), "poll after Dispose");
            }
        }
    }
}
