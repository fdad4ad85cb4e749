using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    /// <summary>JSON Pointer reads on results, send results, chunks and tool call arguments.</summary>
    static class PointerTests
    {
        [Test]
        static async Task ReadsOnAChatResult()
        {
            using (var client = Server.Client())
            {
                ChatResult reply = await client.ChatAsync(Server.Body());
                Assert.Equal(Server.ReplyToHi, reply.GetString("/choices/0/message/content"), "string");
                Assert.Equal(1700000000.0, reply.GetNumber("/created"), "number");
                Assert.Equal(5.0, reply.GetNumber("/usage/total_tokens"), "nested number");
                Assert.Contains(reply.GetJson("/usage"), "\"total_tokens\":5", "object as JSON");
                Assert.Equal("null", reply.GetJson("/choices/0/logprobs"), "null as JSON");
                Assert.Equal(reply.Json.Length, reply.GetJson("").Length, "\"\" is the whole document");
                Assert.Equal("stop", reply.FinishReason, "finish reason");

                var missing = Assert.Throws<WebraftException>(() => reply.GetString("/choices/1/message/content"), "missing");
                Assert.Equal(WebraftStatus.Missing, missing.Status, "missing status");
                Assert.Equal("MISSING", missing.StatusName, "missing status name");
                Assert.Contains(missing.Message, "/choices/1/message/content", "message names the pointer");
                var wrong = Assert.Throws<WebraftException>(() => reply.GetString("/created"), "wrong type");
                Assert.Equal(WebraftStatus.WrongType, wrong.Status, "wrong type status");
                Assert.Equal("WRONG_TYPE", wrong.StatusName, "wrong type status name");
                Assert.Equal(WebraftStatus.WrongType, Assert.Throws<WebraftException>(() => reply.GetNumber("/id"), "number").Status, "number of a string");
                Assert.Equal(WebraftStatus.WrongType, Assert.Throws<WebraftException>(() => reply.GetBool("/id"), "bool").Status, "bool of a string");
                Assert.Equal(WebraftStatus.Missing, Assert.Throws<WebraftException>(() => reply.GetJson("/nope"), "json").Status, "JSON of nothing");

                string text;
                double number;
                bool flag;
                Assert.True(reply.TryGetString("/model", out text) && text == "gpt-4o", "TryGetString found");
                Assert.True(!reply.TryGetString("/created", out text) && text == null, "TryGetString of a number");
                Assert.True(!reply.TryGetNumber("/nope", out number) && number == 0, "TryGetNumber of nothing");
                Assert.True(!reply.TryGetBool("/model", out flag) && !flag, "TryGetBool of a string");
                var bad = Assert.Throws<WebraftException>(() => reply.TryGetString("model", out text), "not a pointer");
                Assert.Equal(WebraftStatus.InvalidArgument, bad.Status, "a pointer must start with '/'");
                Assert.Throws<ArgumentNullException>(() => reply.GetString(null), "null pointer");
            }
        }

        [Test]
        static async Task ReadsOnASendResult()
        {
            using (var client = Server.Client())
            {
                SendResult models = await client.SendAsync("GET", "/models");
                var ids = new List<string>();
                string id;
                for (int i = 0; models.TryGetString("/data/" + i + "/id", out id); i++)
                    ids.Add(id);
                Assert.Equal("gpt-4o,gpt-4o-mini,gpt-3.5-turbo,text-embedding-3-small", string.Join(",", ids), "model ids");

                SendResult echo = await client.SendAsync("POST", "/debug/echo", "{\"on\":true,\"a~b/c\":1}");
                Assert.True(!echo.GetBool("/absolute_form"), "bool false");
                Assert.True(echo.GetBool("/body/on"), "bool true");
                Assert.Equal(1.0, echo.GetNumber("/body/a~0b~1c"), "escaped key");
            }
        }

        [Test]
        static async Task ReadsOnChunks()
        {
            using (var client = Server.Client())
            {
                var roles = new List<string>();
                var finishes = new List<string>();
                int wrongTypes = 0;
                await client.StreamAsync(Server.Body(), chunk =>
                {
                    Assert.Equal("chat.completion.chunk", chunk.GetString("/object"), "object");
                    string value;
                    if (chunk.TryGetString("/choices/0/delta/role", out value))
                        roles.Add(value);
                    if (chunk.TryGetString("/choices/0/finish_reason", out value))
                        finishes.Add(value);
                    var error = Assert.Throws<WebraftException>(() => chunk.GetNumber("/id"), "number of a string");
                    if (error.Status == WebraftStatus.WrongType)
                        wrongTypes++;
                });
                Assert.Equal("assistant", string.Join(",", roles), "one role chunk");
                Assert.Equal("stop", string.Join(",", finishes), "one finish chunk (null elsewhere is not a string)");
                Assert.Equal(6, wrongTypes, "every chunk reports WRONG_TYPE");
            }
        }

        [Test]
        static void ReadsOnJsonText()
        {
            JsonSource json = Server.Json("{\"a\":[true,{\"b\":\"x\"}],\"n\":-2.5}");
            Assert.True(json.GetBool("/a/0"), "bool in an array");
            Assert.Equal("x", json.GetString("/a/1/b"), "string in an object in an array");
            Assert.Equal(-2.5, json.GetNumber("/n"), "negative number");
            Assert.Equal("{\"b\":\"x\"}", json.GetJson("/a/1"), "object text");
            Assert.Equal(WebraftStatus.Missing, Assert.Throws<WebraftException>(() => json.GetBool("/a/2"), "past the end").Status, "past the end");
            var error = Assert.Throws<WebraftException>(() => Server.Json("{oops").GetString("/a"), "bad JSON text");
            Assert.Equal(WebraftStatus.InvalidJson, error.Status, "bad JSON text status");
            string ignored;
            Assert.Throws<WebraftException>(() => Server.Json("{oops").TryGetString("/a", out ignored), "TryGet still throws for bad JSON");
        }
    }
}
