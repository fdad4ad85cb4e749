using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    /// <summary>The Responses API (POST /responses): plain, streamed, polled, from a conversation.</summary>
    static class ResponsesTests
    {
        public static string Body(string model = "gpt-4o", string input = "hi", bool stream = false)
        {
            return "{\"model\":" + WebraftJson.Quote(model) + ",\"input\":" + WebraftJson.Quote(input)
                + (stream ? ",\"stream\":true" : "") + "}";
        }

        /// <summary>What a handler saw: each event as "headers", its name, or "-" when it has none.</summary>
        sealed class Seen
        {
            public readonly List<StreamEvent> Events = new List<StreamEvent>();
            public readonly HashSet<int> Threads = new HashSet<int>();

            public void Add(StreamEvent e)
            {
                lock (Events)
                {
                    Events.Add(e);
                    Threads.Add(Thread.CurrentThread.ManagedThreadId);
                }
            }

            public string Names
            {
                get { return string.Join(" ", Events.Select(e => e.IsHeaders ? "headers" : e.Name ?? "-")); }
            }

            public string Types
            {
                get { return string.Join(" ", Events.Select(e => e.Type ?? "-")); }
            }

            /// <summary>The output text the deltas add up to, read by type, so it works with and without SSE names.</summary>
            public string DeltaText
            {
                get
                {
                    return string.Concat(Events.Where(e => e.Type == "response.output_text.delta").Select(e => e.GetString("/delta")));
                }
            }

            public int Chunks
            {
                get { return Events.Count(e => !e.IsHeaders); }
            }
        }

        [Test]
        static async Task PlainAndStreamedOnV1AndV2()
        {
            foreach (string basePath in new[] { "/v1", "/v2" })
            {
                using (var client = Server.Client(basePath))
                {
                    ChatResult plain = await client.ResponsesAsync(Body());
                    Assert.Equal(Server.ReplyToHi, plain.Text, basePath + " text");
                    Assert.Contains(plain.Json, "\"object\":\"response\"", basePath + " the response object");
                    Assert.Equal("completed", plain.FinishReason, basePath + " status");
                    Assert.Equal(null, plain.IncompleteReason, basePath + " not incomplete");
                    Assert.Equal(0, plain.ToolCalls.Count, basePath + " no tool calls");
                    Assert.Equal(0L, plain.ChunkCount, basePath + " not streamed");
                    Assert.True(plain.Usage != null, basePath + " usage");
                    Assert.Equal("1 4 5", plain.Usage.PromptTokens + " " + plain.Usage.CompletionTokens + " " + plain.Usage.TotalTokens,
                        basePath + " input, output and total tokens");
                    Assert.Equal("completed", plain.GetString("/status"), basePath + " pointer read on the response");

                    var seen = new Seen();
                    int caller = Thread.CurrentThread.ManagedThreadId;
                    ChatResult streamed = await Assert.Within(client.StreamResponsesAsync(Body(), seen.Add), 30, basePath + " stream");
                    Assert.Equal(Server.ReplyToHi, streamed.Text, basePath + " streamed text");
                    Assert.True(seen.Events[0].IsHeaders, basePath + " headers first: " + seen.Names);
                    Assert.Contains(seen.Events[0].Data, "\"content-type\"", basePath + " headers event data");
                    Assert.Equal(1, seen.Events.Count(e => e.IsHeaders), basePath + " one headers event");
                    Assert.Equal(Server.ReplyToHi, seen.DeltaText, basePath + " deltas add up");
                    Assert.True(seen.Types.StartsWith("- response.created response.in_progress "), basePath + " types " + seen.Types);
                    Assert.True(seen.Types.EndsWith(" response.completed"), basePath + " ends completed: " + seen.Types);
                    if (basePath == "/v1")
                        Assert.Equal(seen.Types.Substring(2), seen.Names.Substring("headers ".Length), "SSE names are the types");
                    else
                        Assert.True(seen.Events.All(e => e.Name == null), "JSON lines have no names: " + seen.Names);
                    Assert.Equal((long)seen.Chunks, streamed.ChunkCount, basePath + " result counts the events");
                    Assert.Contains(streamed.Json, "\"status\":\"completed\"", basePath + " streamed response object");
                    Assert.Equal(5L, streamed.Usage.TotalTokens, basePath + " streamed usage");
                    Assert.True(!seen.Threads.Contains(caller), basePath + " events arrive on a library worker thread");

                    // A body that asks for a stream itself: streamed and accumulated, no handler needed.
                    ChatResult accumulated = await client.ResponsesAsync(Body(stream: true));
                    Assert.Equal(Server.ReplyToHi, accumulated.Text, basePath + " accumulated text");
                    Assert.Equal(streamed.ChunkCount, accumulated.ChunkCount, basePath + " the body's stream was read");
                }
            }
        }

        [Test]
        static async Task TerminalStates()
        {
            using (var client = Server.Client())
            {
                var seen = new Seen();
                var failed = await Assert.ThrowsAsync<WebraftException>(
                    () => client.StreamResponsesAsync(Body("responses-failed"), seen.Add), "response.failed");
                Assert.Equal(WebraftStatus.StreamError, failed.Status, "failed: status");
                Assert.Equal("The model failed mid-response", failed.ServerMessage, "failed: server message");
                Assert.Equal("server_error", failed.Code, "failed: code");
                Assert.Equal("Hello! You ", failed.PartialText, "failed: the output that arrived is kept");
                Assert.Equal("Hello! You ", seen.DeltaText, "failed: the handler saw the deltas before the failure");

                var error = await Assert.ThrowsAsync<WebraftException>(
                    () => client.StreamResponsesAsync(Body("responses-error"), e => { }), "error event");
                Assert.Equal(WebraftStatus.StreamError, error.Status, "error: status");
                Assert.Equal("Too many tokens mid-stream", error.ServerMessage, "error: server message");
                Assert.Equal("rate_limit_exceeded", error.Code, "error: code");
                Assert.Equal("Hello! You ", error.PartialText, "error: partial output");

                ChatResult incomplete = await client.StreamResponsesAsync(Body("responses-incomplete"), e => { });
                Assert.Equal("incomplete", incomplete.FinishReason, "incomplete: status");
                Assert.Equal("max_output_tokens", incomplete.IncompleteReason, "incomplete: reason");
                Assert.Equal("Hello! You ", incomplete.Text, "incomplete: the output so far");
                incomplete = await client.ResponsesAsync(Body("responses-incomplete"));
                Assert.Equal("max_output_tokens", incomplete.IncompleteReason, "plain incomplete: reason");

                // Plain, a failed response arrives with HTTP 200 and still fails.
                failed = await Assert.ThrowsAsync<WebraftException>(() => client.ResponsesAsync(Body("responses-failed")), "plain failed");
                Assert.Equal("The model failed mid-response", failed.ServerMessage, "plain failed: server message");
                Assert.Equal("server_error", failed.Code, "plain failed: code");
                Assert.Equal(200, failed.HttpStatus, "plain failed: HTTP status");
            }
        }

        [Test]
        static async Task KeepaliveUnknownAndSplitEventsPassThrough()
        {
            using (var client = Server.Client())
            {
                var expected = new Dictionary<string, string>
                {
                    { "responses-keepalive", "keepalive" },
                    { "responses-unknown", "response.future_feature" },
                    { "responses-split", "response.completed" },
                };
                foreach (var model in expected)
                {
                    var seen = new Seen();
                    ChatResult result = await Assert.Within(client.StreamResponsesAsync(Body(model.Key), seen.Add), 30, model.Key);
                    Assert.Equal(Server.ReplyToHi, result.Text, model.Key + " text");
                    Assert.True(seen.Events.Any(e => e.Name == model.Value && e.Type == model.Value), model.Key + " passes " + model.Value + ": " + seen.Names);
                    Assert.Equal(Server.ReplyToHi, seen.DeltaText, model.Key + " deltas");
                }
                var unknown = new Seen();
                await client.StreamResponsesAsync(Body("responses-unknown"), unknown.Add);
                Assert.Equal(1.0, unknown.Events.Single(e => e.Type == "response.future_feature").GetNumber("/x"), "the unknown event's data, as sent");
            }
        }

        [Test]
        static async Task ToolRoundTripThroughAConversation()
        {
            using (var client = Server.Client())
            using (var chat = new Conversation { Model = "tools" })
            {
                chat.AddUser("weather in Paris?");
                var seen = new Seen();
                ChatResult reply = await client.StreamResponsesAsync(chat, seen.Add);
                Assert.Contains(seen.Types, "response.function_call_arguments.delta", "argument deltas streamed");
                Assert.Equal(1, reply.ToolCalls.Count, "one function call");
                ToolCall call = reply.ToolCalls[0];
                Assert.Equal("call_1", call.Id, "call id");
                Assert.Equal("get_weather", call.Name, "function name");
                Assert.Equal("{\"city\":\"Paris\"}", call.Arguments, "arguments as sent");
                Assert.Equal("Paris", call.GetString("/city"), "arguments by pointer");
                Assert.Equal(1, chat.Count, "sending did not change the conversation");

                chat.AddAssistantTurn(reply).AddToolResult(call, "22 C");
                ChatResult answer = await client.ResponsesAsync(chat);
                Assert.Equal("The tool call_1 said: 22 C", answer.Text, "the answer uses the tool output");
                Assert.Equal("completed", answer.FinishReason, "status");
            }
        }

        [Test]
        static async Task ConversationParametersReachTheRequest()
        {
            using (var client = Server.Client())
            using (var chat = new Conversation { Model = "echo-request", MaxTokens = 7 })
            {
                chat.SetParam("instructions", WebraftJson.Quote("be brief")).AddSystem("sys").AddUser("hi");
                ChatResult echo = await client.ResponsesAsync(chat);
                JsonSource body = Server.EchoedBody(echo);
                Assert.Equal("be brief", body.GetString("/instructions"), "instructions");
                Assert.Equal(7.0, body.GetNumber("/max_output_tokens"), "MaxTokens as max_output_tokens");
                Assert.Equal("hi", body.GetString("/input/1/content"), "messages as input items");
                Assert.Equal("/v1/responses", Server.Json(echo.Text).GetString("/path"), "sent to /responses");
            }
        }

        [Test]
        static void PolledStreamYieldsHeadersFirstThenNamedEvents()
        {
            using (var client = Server.Client())
            {
                var events = new List<StreamEvent>();
                using (PolledRequest request = client.StartResponses(Body("slow"), stream: true))
                {
                    Assert.True(request.IsStream, "streams");
                    int frames = DrainEvents(request, events);
                    Assert.True(frames > 5, "frames went on while the stream paused: " + frames);
                    Assert.True(events[0].IsHeaders, "headers first");
                    Assert.Contains(events[0].GetString("/content-type"), "text/event-stream", "the headers by pointer");
                    Assert.True(events.Skip(1).All(e => !e.IsHeaders && e.Name != null), "then named events");
                    Assert.Equal(Server.ReplyToHi, string.Concat(events.Where(e => e.Name == "response.output_text.delta").Select(e => e.GetString("/delta"))),
                        "deltas");
                    ChatResult result = request.GetResult();
                    Assert.Equal(Server.ReplyToHi, result.Text, "result text");
                    Assert.Equal((long)(events.Count - 1), result.ChunkCount, "result counts the events");
                }

                // The chunk-only poll passes over the headers: its first chunk is the first event.
                using (PolledRequest request = client.StartResponses(Body(), stream: true))
                {
                    ChatChunk first;
                    Assert.Eventually(() => request.TryGetNext(out first) && first.GetString("/type") == "response.created", 30,
                        "the first chunk is response.created");
                }

                // Plain: no events, the reply whole; the conversation form too.
                using (var chat = new Conversation { Model = "gpt-4o" })
                using (PolledRequest request = client.StartResponses(chat.AddUser("hi"), stream: false))
                {
                    events.Clear();
                    DrainEvents(request, events);
                    Assert.Equal(0, events.Count, "a plain poll yields no events");
                    Assert.Equal(Server.ReplyToHi, request.GetResult().Text, "plain result");
                }
            }
        }

        /// <summary>A frame loop: take every event that has arrived, check IsCompleted, sleep a frame. Returns the frames run.</summary>
        public static int DrainEvents(PolledRequest request, List<StreamEvent> events)
        {
            var clock = Stopwatch.StartNew();
            for (int frames = 1; ; frames++)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "completed within 30 s");
                StreamEvent e;
                while (request.TryGetNextEvent(out e))
                    events.Add(e);
                if (request.IsCompleted)
                    return frames;
                Thread.Sleep(16);
            }
        }

        [Test]
        static async Task CancelAStreamAndThrowFromTheHandler()
        {
            using (var client = Server.Client())
            using (var cancel = new CancellationTokenSource())
            using (var created = new ManualResetEventSlim())
            {
                // stall-body streams response.created, then holds: only cancelling ends it.
                Task<ChatResult> streaming = client.StreamResponsesAsync(Body("stall-body"), e =>
                {
                    if (e.Type == "response.created")
                        created.Set();
                }, cancel.Token);
                Assert.True(created.Wait(TimeSpan.FromSeconds(30)), "response.created arrived");
                var clock = Stopwatch.StartNew();
                cancel.Cancel();
                var error = await Assert.ThrowsAsync<OperationCanceledException>(() => streaming, "cancelled stream");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "cancelled promptly, took " + clock.ElapsedMilliseconds + " ms");
                Assert.Equal(cancel.Token, error.CancellationToken, "the caller's token");

                var boom = new InvalidOperationException("boom");
                int calls = 0;
                var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => client.StreamResponsesAsync(Body("slow"), e =>
                {
                    if (Interlocked.Increment(ref calls) == 3)
                        throw boom;
                }), "handler exception");
                Assert.True(ReferenceEquals(boom, thrown), "the very exception the handler threw");
                Assert.Equal(3, Volatile.Read(ref calls), "no event after the throwing one");
                Assert.Equal(Server.ReplyToHi, (await client.ResponsesAsync(Body())).Text, "client still usable");
            }
        }

        [Test]
        static void NullArgumentsAreRefused()
        {
            using (var client = Server.Client())
            {
                Assert.Throws<ArgumentNullException>(() => client.ResponsesAsync((string)null), "null body");
                Assert.Throws<ArgumentNullException>(() => client.StreamResponsesAsync(Body(), null), "null handler");
                Assert.Throws<ArgumentNullException>(() => client.StartResponses((Conversation)null, true), "null conversation");
                Assert.Throws<ArgumentNullException>(() => client.SendStreamAsync("GET", "/events", null, null), "null event handler");
            }
        }
    }

    /// <summary>Streams from any endpoint: SSE with and without event names, JSON lines.</summary>
    static class EventStreamTests
    {
        static string Describe(IEnumerable<StreamEvent> events)
        {
            return string.Join(" ", events.Select(e => e.IsHeaders ? "headers" : (e.Name ?? "-") + "=" + e.Data));
        }

        [Test]
        static async Task NamesAndDataOnV1AndV2()
        {
            var expected = new Dictionary<string, string>
            {
                { "/v1", "headers greeting=hello -={\"n\":1} tick={\"n\":2}" },
                { "/v2", "headers -={\"n\":1} -={\"n\":2}" },
            };
            foreach (var stream in expected)
            {
                using (var client = Server.Client(stream.Key))
                {
                    foreach (string method in new[] { "POST", "GET" })
                    {
                        var events = new List<StreamEvent>();
                        SendResult result = await Assert.Within(client.SendStreamAsync(method, "/events", method == "POST" ? "{}" : null,
                            e => events.Add(e)), 30, stream.Key + " " + method);
                        Assert.Equal(stream.Value, Describe(events), stream.Key + " " + method + " events");
                        Assert.Equal((long)(events.Count - 1), result.ChunkCount, stream.Key + " result counts the events");
                        Assert.Equal(200, result.HttpStatus, stream.Key + " HTTP status");
                        Assert.Equal(0, result.Body.Length, stream.Key + " nothing accumulated");
                        Assert.Equal(2.0, events.Last().GetNumber("/n"), stream.Key + " JSON data by pointer");
                    }
                }
            }
            using (var client = Server.Client())
            {
                var events = new List<StreamEvent>();
                await client.SendStreamAsync("GET", "/events", null, e => events.Add(e));
                Assert.Equal(null, events[1].Type, "data that is not JSON has no type");
                Assert.Equal("hello", events[1].ToString().Substring("greeting: ".Length), "ToString shows the name and data");
            }
        }

        [Test]
        static void Polled()
        {
            using (var client = Server.Client())
            using (PolledRequest request = client.StartSendStream("GET", "/events"))
            {
                var events = new List<StreamEvent>();
                ResponsesTests.DrainEvents(request, events);
                Assert.Equal("headers greeting=hello -={\"n\":1} tick={\"n\":2}", Describe(events), "events");
                ChatResult result = request.GetResult();
                Assert.Equal(3L, result.ChunkCount, "event count");
                Assert.Equal(null, result.Text, "no text");
                Assert.True(result.GetHeader("x-request-id").StartsWith("req_"), "headers");
            }
        }

        [Test]
        static async Task FailureAndCancellation()
        {
            using (var client = Server.Client("/v1", "wrong-key"))
            {
                var events = new List<StreamEvent>();
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.SendStreamAsync("GET", "/events", null, e => events.Add(e)), "wrong key");
                Assert.Equal(401, error.HttpStatus, "HTTP status");
                Assert.Equal("Wrong Api key", error.ServerMessage, "server message");
                Assert.Equal("headers", Describe(events), "a failed reply still has its headers event");
            }
            using (var client = Server.Client())
            using (var cancel = new CancellationTokenSource())
            {
                // events-stall sends up to {"n":1}, then holds.
                Task<SendResult> streaming = client.SendStreamAsync("POST", "/events", "{\"model\":\"events-stall\"}", e =>
                {
                    if (e.Data == "{\"n\":1}")
                        cancel.Cancel();
                }, cancel.Token);
                await Assert.ThrowsAsync<OperationCanceledException>(() => streaming, "cancelled");
            }
        }
    }

    /// <summary>Response headers and rate limits on results and on failures.</summary>
    static class HeaderTests
    {
        [Test]
        static async Task RateLimitValuesAndRepeatedHeaders()
        {
            using (var client = Server.Client())
            {
                var results = new WebraftResult[]
                {
                    await client.ChatAsync(Server.Body("rate-limit-headers")),
                    await client.ResponsesAsync(ResponsesTests.Body("rate-limit-headers")),
                    await client.StreamResponsesAsync(ResponsesTests.Body("rate-limit-headers"), e => { }),
                };
                foreach (WebraftResult result in results)
                {
                    string what = result.GetType().Name + " " + result.ChunkCount + " chunks: ";
                    RateLimit limit = result.RateLimit;
                    Assert.Equal(60L, limit.LimitRequests, what + "limit requests");
                    Assert.Equal(59L, limit.RemainingRequests, what + "remaining requests");
                    Assert.Equal(TimeSpan.FromSeconds(1), limit.ResetRequests, what + "reset requests (1s)");
                    Assert.Equal(150000L, limit.LimitTokens, what + "limit tokens");
                    Assert.Equal(149990L, limit.RemainingTokens, what + "remaining tokens");
                    Assert.Equal(TimeSpan.FromMinutes(6), limit.ResetTokens, what + "reset tokens (6m0s)");
                    Assert.Equal("60", result.GetHeader("X-RateLimit-Limit-Requests"), what + "a header in any case");
                    Assert.Equal("a, b", result.GetHeader("x-webraft-repeat"), what + "a repeated header, joined");
                    Assert.Equal(null, result.GetHeader("x-not-there"), what + "an absent header");
                    Assert.Contains(result.HeadersJson, "\"x-webraft-repeat\":\"a, b\"", what + "all headers as JSON");
                    Assert.Equal("a, b", Server.Json(result.HeadersJson).GetString("/x-webraft-repeat"), what + "the JSON reads back");
                }
            }
        }

        [Test]
        static async Task AbsentRateLimitsAreNullNotZero()
        {
            using (var client = Server.Client())
            {
                var results = new WebraftResult[]
                {
                    await client.ChatAsync(Server.Body()),
                    await client.ResponsesAsync(ResponsesTests.Body()),
                    await client.SendAsync("GET", "/models"),
                };
                foreach (WebraftResult result in results)
                {
                    RateLimit limit = result.RateLimit;
                    string what = result.GetType().Name + ": ";
                    Assert.True(limit.LimitRequests == null && limit.RemainingRequests == null && limit.ResetRequests == null, what + "no request limits");
                    Assert.True(limit.LimitTokens == null && limit.RemainingTokens == null && limit.ResetTokens == null, what + "no token limits");
                    Assert.Equal(result.RequestId, result.GetHeader("x-request-id"), what + "the request id is a header");
                    Assert.Contains(result.GetHeader("Content-Type"), "application/json", what + "content type");
                }
            }
        }

        [Test]
        static async Task FailuresCarryTheirHeaders()
        {
            using (var client = Server.Client("/v1", "wrong-key"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body()), "wrong key");
                Assert.Contains(error.GetHeader("content-type"), "application/json", "content type of the failed reply");
                Assert.Equal(error.RequestId, error.GetHeader("X-Request-Id"), "request id header");
                Assert.Contains(error.HeadersJson, "\"x-request-id\":", "all headers as JSON");
                Assert.True(error.RateLimit.RemainingRequests == null, "no rate-limit headers on a 401");
            }
            using (var client = Server.Client(extra: "\"max_retries\":0"))
            {
                // A 429 states the exhausted quota: a remaining count of 0 is present, not absent.
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ResponsesAsync(ResponsesTests.Body("responses-error")), "429");
                Assert.Equal(429, error.HttpStatus, "HTTP status");
                Assert.Equal(0L, error.RateLimit.RemainingRequests, "remaining requests: zero, present");
                Assert.Equal(0L, error.RateLimit.RemainingTokens, "remaining tokens: zero, present");
                Assert.Equal(60L, error.RateLimit.LimitRequests, "limit requests");
                Assert.Equal(TimeSpan.FromSeconds(1), error.RateLimit.ResetRequests, "reset requests");
                Assert.Equal("0", error.GetHeader("x-ratelimit-remaining-requests"), "the header itself");

                // A failure that is not a reply has no headers.
                var local = Assert.Throws<WebraftException>(() => Server.Json("{}").GetString("/missing"), "pointer miss");
                Assert.Equal("{}", local.HeadersJson, "no headers");
                Assert.Equal(null, local.GetHeader("content-type"), "no header");
                Assert.True(local.RateLimit.LimitRequests == null, "no rate limits");
            }
            using (var client = Server.Client())
            using (PolledRequest request = client.StartResponses(ResponsesTests.Body("no-credits"), true))
            {
                var events = new List<StreamEvent>();
                ResponsesTests.DrainEvents(request, events);
                Assert.True(events.Count == 1 && events[0].IsHeaders, "a polled failure yields its headers event");
                var error = Assert.Throws<WebraftException>(() => request.GetResult(), "polled failure");
                Assert.Equal(error.RequestId, error.GetHeader("x-request-id"), "polled failure headers");
            }
        }
    }
}
