using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    /// <summary>
    /// Issue #18: endpoint fallback, hedged first tokens, credential providers, live snapshots and
    /// the provider quirks, against the test server's /role/&lt;role&gt; endpoints.
    /// </summary>
    static class StuckTests
    {
        const string JsonContent = "{\"name\":\"Ada\",\"tags\":[\"x\",\"y\"],\"age\":36,\"ok\":true}";

        static string Role(string role)
        {
            return Server.Url("/role/" + role + "/v1");
        }

        static string ClosedPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return "http://127.0.0.1:" + port + "/v1";
        }

        /// <summary>A client of <paramref name="first"/> with <paramref name="fallback"/> after it; no retries.</summary>
        static WebraftClient Client(string first, string fallback, string extra = null, string key = Server.Key)
        {
            return new WebraftClient("{\"base_url\":" + WebraftJson.Quote(first) + ",\"api_key\":" + WebraftJson.Quote(key)
                + ",\"max_retries\":0,\"loading_retry_ms\":0,\"fallback\":" + fallback + (extra == null ? "" : "," + extra) + "}");
        }

        static string Endpoint(string url, string more = null)
        {
            return "{\"base_url\":" + WebraftJson.Quote(url) + (more == null ? "" : "," + more) + "}";
        }

        static void CheckEndpoint(WebraftResult result, int index, string url, int tried, string what)
        {
            Assert.Equal(index, result.EndpointIndex, what + ": endpoint index");
            Assert.Equal(url, result.EndpointUrl, what + ": endpoint URL");
            Assert.Equal(tried, result.EndpointsTried, what + ": endpoints tried");
        }

        [Test]
        static async Task FallbackMovesOnFromEachFailure()
        {
            string good = Server.Url("/v1");
            foreach (string first in new[] { ClosedPort(), Role("down"), Role("failing"), Role("no-credits"), Role("loading") })
            {
                using (var client = Client(first, "[" + Endpoint(good) + "]"))
                {
                    ChatResult plain = await Assert.Within(client.ChatAsync(Server.Body()), 30, first);
                    Assert.Equal(Server.ReplyToHi, plain.Text, first + ": text");
                    CheckEndpoint(plain, 1, good, 2, first);
                    var text = new StringBuilder();
                    ChatResult streamed = await Assert.Within(client.StreamAsync(Server.Body(), c => text.Append(c.Text)), 30, first);
                    Assert.Equal(Server.ReplyToHi, text.ToString(), first + ": streamed text");
                    CheckEndpoint(streamed, 1, good, 2, first + " streamed");
                }
            }
        }

        [Test]
        static async Task FallbackStopsWhereItShould()
        {
            // Every endpoint failing: the last one's error.
            using (var client = Client(Role("failing"), "[" + Endpoint(Role("no-credits")) + "]"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body()), "all failing");
                Assert.True(error.IsQuotaExhausted, "the last endpoint's error");
                Assert.Equal(1, error.EndpointIndex, "its index");
                Assert.Equal(Role("no-credits"), error.EndpointUrl, "its URL");
                Assert.Equal(2, error.EndpointsTried, "tried");
            }
            // A refused key is not the endpoint's fault: no fallback.
            using (var client = Client(Server.Url("/v1"), "[" + Endpoint(Server.Url("/v1"), "\"api_key\":\"test-key\"") + "]", key: "wrong-key"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body()), "401");
                Assert.Equal(401, error.HttpStatus, "status");
                Assert.Equal(1, error.EndpointsTried, "tried");
            }
            // A stream cut after its first chunk stays on its endpoint.
            using (var client = Client(Server.Url("/v1"), "[" + Endpoint(Server.Url("/v1"), "\"model\":\"gpt-4o\"") + "]"))
            {
                var text = new StringBuilder();
                var error = await Assert.ThrowsAsync<WebraftException>(
                    () => client.StreamAsync(Server.Body("disconnect"), c => text.Append(c.Text)), "cut stream");
                Assert.Equal(WebraftStatus.Transport, error.Status, "status");
                Assert.Equal("Hello there", text.ToString(), "text before the cut");
                Assert.Equal(1, error.EndpointsTried, "tried");
            }
        }

        [Test]
        static async Task FallbackEndpointSendsItsModelAndHeaders()
        {
            string backup = Endpoint(Server.Url("/v1"), "\"model\":\"echo-request\",\"headers\":{\"X-Endpoint\":\"backup\"}");
            using (var client = Client(Role("failing"), "[" + backup + "]"))
            {
                ChatResult echo = await Assert.Within(client.ChatAsync(Server.Body()), 30, "echo");
                JsonSource request = Server.Json(echo.Text);
                Assert.Equal("echo-request", request.GetString("/body/model"), "the endpoint's model");
                Assert.Equal("backup", request.GetString("/headers/x-endpoint"), "the endpoint's header");
            }
        }

        static async Task<double> Abandoned(MockServer mock)
        {
            using (var stats = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(mock.Url) + ",\"api_key\":\"test-key\"}"))
                return (await stats.SendAsync("GET", "/debug/stats")).GetNumber("/abandoned");
        }

        static async Task WaitAbandoned(MockServer mock, double expected)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(5);
            double seen;
            while ((seen = await Abandoned(mock)) < expected && DateTime.UtcNow < deadline)
                await Task.Delay(10);
            Assert.Equal(expected, seen, "replies the mock saw abandoned");
        }

        [Test]
        static async Task HedgeDeliversOnlyTheWinner()
        {
            using (var mock = new MockServer())
            using (var client = Client(mock.BaseUrl("/role/first-chunk-3000/v1"), "[" + Endpoint(mock.BaseUrl("/v1")) + "]", "\"hedge_ms\":100"))
            {
                var chunks = new List<string>();
                DateTime start = DateTime.UtcNow;
                ChatResult streamed = await Assert.Within(client.StreamAsync(Server.Body(), c => chunks.Add(c.Text)), 30, "hedged stream");
                Assert.True(DateTime.UtcNow - start < TimeSpan.FromSeconds(2), "the hedge answered before the slow endpoint");
                Assert.Equal(Server.ReplyToHi, string.Concat(chunks), "the winner's chunks, once");
                Assert.Equal((long)chunks.Count, streamed.ChunkCount, "chunks counted");
                CheckEndpoint(streamed, 1, mock.BaseUrl("/v1"), 2, "stream");
                await WaitAbandoned(mock, 1);

                ChatResult plain = await Assert.Within(client.ChatAsync(Server.Body()), 30, "hedged plain call");
                CheckEndpoint(plain, 1, mock.BaseUrl("/v1"), 2, "plain");
                await WaitAbandoned(mock, 2);
            }
        }

        [Test]
        static async Task CredentialsAreAskedForEveryAttempt()
        {
            string good = Server.Url("/v1");
            var asked = new List<string>();
            using (var client = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(Role("failing")) + ",\"api_key\":\"wrong-key\","
                + "\"max_retries\":1,\"fallback\":[" + Endpoint(good, "\"api_key\":\"also-wrong\"") + "]}"))
            {
                client.SetCredentials(request =>
                {
                    lock (asked)
                        asked.Add(request.ToString());
                    return Credential.Key(Server.Key);
                });
                ChatResult result = await Assert.Within(client.ChatAsync(Server.Body()), 30, "chat");
                Assert.Equal(Server.ReplyToHi, result.Text, "text");
                lock (asked)
                    Assert.Equal("endpoint 0 (" + Role("failing") + ")|endpoint 0 (" + Role("failing") + ")|endpoint 1 (" + good + ")",
                        string.Join("|", asked), "one ask per attempt");

                // A header instead of the key; null sends the configured key; removing the provider too.
                client.SetCredentials(request => Credential.Header("Authorization", "Bearer test-key"));
                Assert.Equal(Server.ReplyToHi, (await client.ChatAsync(Server.Body())).Text, "a header");
            }
            using (var client = Server.Client())
            {
                client.SetCredentials(request => null);
                Assert.Equal(Server.ReplyToHi, (await client.ChatAsync(Server.Body())).Text, "null: the configured key");
                client.SetCredentials(request => { throw new InvalidOperationException("never asked"); });
                client.SetCredentials(null);
                Assert.Equal(Server.ReplyToHi, (await client.ChatAsync(Server.Body())).Text, "removed");
            }
        }

        [Test]
        static async Task CredentialFailureEndsTheCall()
        {
            var providers = new Dictionary<string, Func<CredentialRequest, Credential>>
            {
                { "the token service is down", request => { throw new InvalidOperationException("the token service is down"); } },
                { "an API key that cannot be sent", request => Credential.Key("secret\r\nX-Injected: 1") },
                { "a header api-key that cannot be sent", request => Credential.Header("api-key", "secret\n") },
            };
            foreach (KeyValuePair<string, Func<CredentialRequest, Credential>> provider in providers)
            {
                int asked = 0;
                using (var client = Client(Server.Url("/v1"), "[" + Endpoint(Server.Url("/v1")) + "]"))
                {
                    client.SetCredentials(request =>
                    {
                        Interlocked.Increment(ref asked);
                        return provider.Value(request);
                    });
                    var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body()), provider.Key);
                    Assert.Equal(WebraftStatus.Credentials, error.Status, provider.Key + ": status");
                    Assert.Equal("CREDENTIALS", error.StatusName, provider.Key + ": status name");
                    Assert.Contains(error.Message, provider.Key, "the message");
                    Assert.True(!error.Message.Contains("secret"), "the message never shows the credential: " + error.Message);
                    Assert.Equal(1, asked, provider.Key + ": asked once, no retry, no fallback");
                }
            }
        }

        /// <summary>
        /// Checks one snapshot of <see cref="JsonContent"/>: valid JSON (the library parses it), and
        /// without its closing quotes and brackets a prefix of the whole content at least as long as
        /// the one before. Returns that prefix.
        /// </summary>
        static string CheckSnapshot(string snapshot, string before, string full)
        {
            if (snapshot == null)
                return before;
            Server.Json(snapshot).GetJson("");
            string open = snapshot.TrimEnd('"', ']', '}');
            Assert.True(full.StartsWith(open, StringComparison.Ordinal), "snapshot " + snapshot + " is how the content begins");
            Assert.True(open.Length >= before.Length, "snapshot " + snapshot + " extends the one before");
            return open;
        }

        [Test]
        static async Task PolledSnapshotsGrowToTheContent()
        {
            using (var mock = new MockServer("--chunk-delay", "20"))
            using (var client = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(mock.BaseUrl("/v1")) + ",\"api_key\":\"test-key\"}"))
            using (PolledRequest request = client.StartChat(Server.Body("json-content"), true))
            {
                var seen = new HashSet<string>();
                string open = "";
                DateTime deadline = DateTime.UtcNow.AddSeconds(30);
                while (!request.IsCompleted && DateTime.UtcNow < deadline)
                {
                    ChatChunk chunk;
                    while (request.TryGetNext(out chunk)) { }
                    string content = request.GetSnapshot().Content;
                    open = CheckSnapshot(content, open, JsonContent);
                    if (content != null)
                        seen.Add(content);
                    await Task.Delay(5);
                }
                Assert.Equal(JsonContent, request.GetResult().Text, "the reply");
                Assert.Equal(JsonContent, request.GetSnapshot().Content, "the final snapshot");
                Assert.True(seen.Count >= 3, "distinct snapshots seen: " + seen.Count);
            }
            using (var client = Server.Client())
            using (PolledRequest request = client.StartChat(Server.Body("tools-same-index"), true))
            {
                ChatChunk chunk;
                while (!request.IsCompleted)
                {
                    while (request.TryGetNext(out chunk)) { }
                    await Task.Delay(5);
                }
                ReplySnapshot snapshot = request.GetSnapshot();
                Assert.Equal(null, snapshot.Content, "no content");
                Assert.Equal("{\"city\":\"Paris\"}|{\"zone\":\"CET\"}", string.Join("|", snapshot.ToolArguments), "each call's arguments");
            }
        }

        [Test]
        static async Task PartialJsonFollowsAStreamHandler()
        {
            using (var parser = new PartialJson())
            using (var client = Server.Client("/v2"))
            {
                string open = "";
                int changes = 0;
                ChatResult result = await client.StreamAsync(Server.Body("json-content"), chunk =>
                {
                    if (parser.Push(chunk.Text))
                    {
                        changes++;
                        open = CheckSnapshot(parser.Snapshot, open, JsonContent);
                    }
                });
                Assert.Equal(JsonContent, result.Text, "the reply");
                Assert.Equal(JsonContent, parser.Snapshot, "the final snapshot");
                Assert.True(changes >= 3, "changes: " + changes);
            }
            using (var parser = new PartialJson())
            {
                Assert.Equal(null, parser.Snapshot, "nothing yet");
                parser.Push("{\"a\":[1,\"b");
                Assert.Equal("{\"a\":[1,\"b\"]}", parser.Snapshot, "an open string and array");
                parser.Push("c\"],\"n\":4");
                Assert.Equal("{\"a\":[1,\"bc\"]}", parser.Snapshot, "a number not yet complete");
                parser.Push("2,\"k");
                Assert.Equal("{\"a\":[1,\"bc\"],\"n\":42}", parser.Snapshot, "a dangling key dropped");
            }
            var top = new PartialJson();
            top.Push("12");
            Assert.Equal(null, top.Snapshot, "an open top-level number");
            Assert.True(top.Finish(), "finishing changes it");
            Assert.Equal("12", top.Snapshot, "finished");
            top.Dispose();
            Assert.Throws<ObjectDisposedException>(() => top.Push("1"), "disposed");
        }

        [Test]
        static async Task ToolCallsAtTheSameIndexStayApart()
        {
            using (var client = Server.Client())
            {
                foreach (bool stream in new[] { false, true })
                {
                    ChatResult result = stream
                        ? await client.StreamAsync(Server.Body("tools-same-index"), chunk => { })
                        : await client.ChatAsync(Server.Body("tools-same-index"));
                    Assert.Equal("call_a get_weather({\"city\":\"Paris\"})|call_b get_time({\"zone\":\"CET\"})",
                        string.Join("|", result.ToolCalls.Select(call => call.Id + " " + call)), stream ? "streamed" : "plain");
                }
            }
        }

        [Test]
        static async Task CompressedRepliesAreDecoded()
        {
            foreach (string encoding in new[] { "gzip", "deflate" })
            {
                using (var client = Server.Client("/role/" + encoding + "/v1"))
                {
                    Assert.Equal(Server.ReplyToHi, (await client.ChatAsync(Server.Body())).Text, encoding);
                    var text = new StringBuilder();
                    await client.StreamAsync(Server.Body(), chunk => text.Append(chunk.Text));
                    Assert.Equal(Server.ReplyToHi, text.ToString(), encoding + " streamed");
                }
            }
        }
    }
}
