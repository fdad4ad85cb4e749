using System.Threading.Tasks;

namespace Webraft.Tests
{
    /// <summary>
    /// stream_usage asks a stream for its token usage; the test server sends a usage chunk only when
    /// the request carries stream_options.include_usage.
    /// </summary>
    static class StreamUsageTests
    {
        static async Task<ChatResult> StreamHi(WebraftClient client, RequestOptions options = null)
        {
            int usageChunks = 0;
            ChatResult result = await client.StreamAsync(Server.Body(), chunk =>
            {
                string usage;
                if (chunk.TryGetJson("/usage", out usage) && usage != "null")
                    usageChunks++;
            }, options);
            Assert.Equal(result.Usage == null ? 0 : 1, usageChunks, "a usage chunk exactly when the result has usage");
            return result;
        }

        [Test]
        static async Task OffByDefault()
        {
            using (var client = Server.Client())
                Assert.True((await StreamHi(client)).Usage == null, "no usage unless asked");
        }

        [Test]
        static async Task PerRequestOption()
        {
            using (var client = Server.Client())
            {
                ChatResult result = await StreamHi(client, new RequestOptions { StreamUsage = true });
                Assert.True(result.Usage != null, "usage asked per request");
                Assert.Equal(4L, result.Usage.CompletionTokens, "completion tokens");
                Assert.Equal(5L, result.Usage.TotalTokens, "total tokens");
                Assert.Equal(7L, result.ChunkCount, "six chunks and the usage chunk");
            }
        }

        [Test]
        static async Task ClientConfigAndItsOverride()
        {
            using (var client = Server.Client(extra: "\"stream_usage\":true"))
            {
                Assert.True((await StreamHi(client)).Usage != null, "usage from the client config");
                Assert.True((await StreamHi(client, new RequestOptions { StreamUsage = false })).Usage == null, "the request overrides the client");
            }
        }

        [Test]
        static async Task ConversationStreamUsage()
        {
            using (var client = Server.Client("/v2"))
            using (var chat = new Conversation { Model = "gpt-4o" })
            {
                chat.AddUser("hi");
                Assert.True((await client.StreamAsync(chat, chunk => { })).Usage == null, "off by default");
                chat.StreamUsage = true;
                Assert.True(chat.StreamUsage, "getter");
                ChatResult streamed = await client.StreamAsync(chat, chunk => { });
                Assert.True(streamed.Usage != null && streamed.Usage.TotalTokens == 5, "usage of a conversation stream");
                JsonSource sent = Server.EchoedBody(await client.StreamAsync(new Conversation { Model = "echo-request", StreamUsage = true }.AddUser("hi"), chunk => { }));
                Assert.True(sent.GetBool("/stream_options/include_usage"), "stream_options sent");
                Assert.True(sent.GetBool("/stream"), "stream sent");
            }
        }

        [Test]
        static async Task PolledStreamWithUsageOption()
        {
            using (var client = Server.Client())
            using (PolledRequest request = client.StartChat(Server.Body(), true, new RequestOptions { StreamUsage = true, TimeoutMs = 30000 }))
            {
                ChatChunk chunk;
                int chunks = 0;
                await Task.Run(() =>
                {
                    while (!request.IsCompleted)
                    {
                        while (request.TryGetNext(out chunk))
                            chunks++;
                        System.Threading.Thread.Sleep(2);
                    }
                });
                ChatResult result = request.GetResult();
                Assert.Equal(7, chunks, "chunks polled, usage chunk included");
                Assert.True(result.Usage != null && result.Usage.PromptTokens == 1, "usage of a polled stream");
            }
        }
    }
}
