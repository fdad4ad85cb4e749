using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    /// <summary>Tests that start their own webraft-mock through MockServer, as a user's tests would.</summary>
    static class MockServerTests
    {
        static WebraftClient Client(MockServer mock, int retries = 0)
        {
            return new WebraftClient("{\"base_url\":" + WebraftJson.Quote(mock.BaseUrl("/v1")) + ",\"api_key\":"
                + WebraftJson.Quote(MockServer.ApiKey) + ",\"max_retries\":" + retries + "}");
        }

        [Test]
        static async Task DisconnectAfterChunksCutsTheStream()
        {
            using (var mock = new MockServer("--disconnect-after", "3"))
            using (var client = Client(mock))
            {
                var text = new StringBuilder();
                var error = await Assert.ThrowsAsync<WebraftException>(
                    () => client.StreamAsync(Server.Body(), chunk => text.Append(chunk.Text)), "a cut stream");
                Assert.Equal(WebraftStatus.Transport, error.Status, "status");
                Assert.Equal("Hello! You ", text.ToString(), "text before the cut");
            }
        }

        [Test]
        static async Task ErrorSequenceIsRetried()
        {
            using (var mock = new MockServer("--errors", "503:20ms,429:20ms"))
            using (var client = Client(mock, retries: 3))
            {
                ChatResult result = await Assert.Within(client.ChatAsync(Server.Body()), 30, "chat");
                Assert.Equal(Server.ReplyToHi, result.Text, "text");
                Assert.Equal(2, result.Retries, "retries");
            }
        }

        [Test]
        static async Task ReplaysACassette()
        {
            string cassette = Path.Combine(Path.GetTempPath(), "webraft-cs-" + Guid.NewGuid() + ".jsonl");
            File.WriteAllText(cassette,
                "{\"cassette\":\"webraft-mock\",\"version\":1}\n"
                + "{\"request\":{\"method\":\"POST\",\"path\":\"/v1/chat/completions\",\"body\":" + Server.Body() + "},"
                + "\"response\":{\"status\":200,\"headers\":[[\"content-type\",\"application/json\"]],\"ms\":1.0,\"chunked\":false,"
                + "\"pieces\":[{\"ms\":2.0,\"text\":\"{\\\"choices\\\":[{\\\"index\\\":0,\\\"message\\\":{\\\"role\\\":\\\"assistant\\\",\\\"content\\\":\\\"from the cassette\\\"},\\\"finish_reason\\\":\\\"stop\\\"}]}\"}],"
                + "\"complete\":true}}\n");
            try
            {
                using (var mock = new MockServer("--replay", cassette))
                using (var client = Client(mock))
                {
                    ChatResult result = await Assert.Within(client.ChatAsync(Server.Body()), 30, "replayed chat");
                    Assert.Equal("from the cassette", result.Text, "text");
                    var miss = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body(text: "other")), "unmatched");
                    Assert.Equal(404, miss.HttpStatus, "unmatched request status");
                }
            }
            finally
            {
                File.Delete(cassette);
            }
        }

        [Test]
        static void BadFlagsAreReportedAndRunWritesCertificates()
        {
            var error = Assert.Throws<InvalidOperationException>(() => new MockServer("--no-such-flag"), "bad flag");
            Assert.Contains(error.Message, "did not start", "message");
            string dir = Path.Combine(Path.GetTempPath(), "webraft-cs-certs-" + Guid.NewGuid());
            try
            {
                MockServer.Run("--write-certs", dir);
                Assert.Contains(File.ReadAllText(Path.Combine(dir, "ca.pem")), "BEGIN CERTIFICATE", "ca.pem");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
