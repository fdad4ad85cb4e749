using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    static class StreamTests
    {
        [Test]
        static async Task StreamDeliversChunksInOrderOnEveryBase()
        {
            foreach (string basePath in Server.Bases)
            {
                using (var client = Server.Client(basePath))
                {
                    var chunks = new List<ChatChunk>();
                    var threads = new HashSet<int>();
                    int caller = Thread.CurrentThread.ManagedThreadId;
                    ChatResult result = await Assert.Within(client.StreamAsync(Server.Body(), chunk =>
                    {
                        lock (chunks)
                        {
                            chunks.Add(chunk);
                            threads.Add(Thread.CurrentThread.ManagedThreadId);
                        }
                    }), 30, basePath);
                    // The role chunk, one chunk per token, the finish chunk.
                    Assert.Equal(6, chunks.Count, basePath + " chunk count");
                    Assert.Equal("", chunks[0].Text, basePath + " role chunk adds no text");
                    Assert.Equal("Hello! |You |said: |hi", string.Join("|", chunks.Skip(1).Take(4).Select(c => c.Text)), basePath + " token chunks");
                    Assert.Contains(chunks[5].Json, "\"finish_reason\":\"stop\"", basePath + " finish chunk");
                    Assert.True(chunks.All(c => c.Json.Contains("\"object\":\"chat.completion.chunk\"")), basePath + " chunk JSON");
                    Assert.Equal(Server.ReplyToHi, result.Text, basePath + " accumulated text");
                    Assert.Contains(result.Json, "\"object\":\"chat.completion\"", basePath + " accumulated JSON");
                    Assert.Equal(6L, result.ChunkCount, basePath + " result chunk count");
                    Assert.True(result.Timings.FirstChunkMs >= 0, basePath + " first chunk timing");
                    Assert.True(!threads.Contains(caller), basePath + " chunks arrive on a library worker thread");
                }
            }
        }

        [Test]
        static async Task StreamOddFramings()
        {
            using (var client = Server.Client())
            {
                foreach (string model in new[] { "llama-style", "crlf" })
                {
                    var text = new StringBuilder();
                    ChatResult result = await client.StreamAsync(Server.Body(model), chunk => text.Append(chunk.Text));
                    Assert.Equal(Server.ReplyToHi, text.ToString(), model + " chunk text");
                    Assert.Equal(Server.ReplyToHi, result.Text, model + " result text");
                }
            }
        }

        [Test]
        static async Task StreamUsageWhenAsked()
        {
            using (var client = Server.Client())
            {
                ChatResult result = await client.StreamAsync(
                    Server.Body(extra: "\"stream_options\":{\"include_usage\":true}"), chunk => { });
                Assert.Equal(7L, result.ChunkCount, "chunks with the usage chunk");
                Assert.True(result.Usage != null, "usage present");
                Assert.Equal(1L, result.Usage.PromptTokens, "prompt tokens");
                Assert.Equal(4L, result.Usage.CompletionTokens, "completion tokens");
                Assert.Equal(5L, result.Usage.TotalTokens, "total tokens");
            }
        }

        [Test]
        static async Task ManyChunks()
        {
            using (var client = Server.Client())
            {
                long count = 0, textLength = 0;
                ChatResult result = await Assert.Within(client.StreamAsync(Server.Body("big-chunks-5000"), chunk =>
                {
                    count++;
                    textLength += chunk.Text.Length;
                }), 60, "5000 chunks");
                Assert.Equal(5002L, count, "role + 5000 content + finish chunks");
                Assert.Equal((long)result.Text.Length, textLength, "chunk text adds up to the result text");
            }
        }

        [Test]
        static async Task ExceptionInOnChunkIsRethrownAndCancelsTheStream()
        {
            using (var client = Server.Client())
            {
                var boom = new InvalidOperationException("boom");
                int calls = 0;
                var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => client.StreamAsync(Server.Body("slow"), chunk =>
                {
                    if (Interlocked.Increment(ref calls) == 2)
                        throw boom;
                }), "handler exception");
                Assert.True(ReferenceEquals(boom, thrown), "the very exception the handler threw");
                Assert.Equal(2, Volatile.Read(ref calls), "no chunk after the throwing one");
                ChatResult after = await client.ChatAsync(Server.Body());
                Assert.Equal(Server.ReplyToHi, after.Text, "client still usable");
            }
        }

        [Test]
        static async Task StreamErrorInsideTheStream()
        {
            using (var client = Server.Client())
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.StreamAsync(Server.Body("error-chunk"), chunk => { }), "error chunk");
                Assert.Equal(WebraftStatus.StreamError, error.Status, "status");
                Assert.Contains(error.Message, "upstream overloaded", "message");
                Assert.Equal("overloaded", error.Code, "code");
                Assert.Equal("partial", error.PartialText, "text that arrived before the error");
                Assert.Equal(200, error.HttpStatus, "HTTP status");
            }
        }

        [Test]
        static void ChunkTextFromJson()
        {
            var chunk = new ChatChunk(Encoding.UTF8.GetBytes("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"h\\u00e9 \u65e5\"}}]}"));
            Assert.Equal("hé 日", chunk.Text, "escaped and raw non-ASCII text");
            Assert.Equal("", new ChatChunk(Encoding.UTF8.GetBytes("{\"choices\":[]}")).Text, "no choices");
            var error = Assert.Throws<WebraftException>(() => { var unused = new ChatChunk(Encoding.UTF8.GetBytes("{nope")).Text; }, "bad JSON");
            Assert.Equal(WebraftStatus.InvalidJson, error.Status, "status");
        }
    }
}
