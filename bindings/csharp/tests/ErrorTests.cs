using System;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    static class ErrorTests
    {
        [Test]
        static async Task WrongApiKey()
        {
            using (var client = Server.Client("/v1", "wrong-key"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body()), "chat");
                Assert.Equal(WebraftStatus.HttpStatus, error.Status, "status");
                Assert.Equal("HTTP_STATUS", error.StatusName, "status name");
                Assert.Equal(401, error.HttpStatus, "HTTP status");
                Assert.Contains(error.Message, "Wrong Api key", "message");
                Assert.Equal("Wrong Api key", error.ServerMessage, "the server's message, exactly");
                Assert.True(error.Message != error.ServerMessage, "Message is the library's description: " + error.Message);
                Assert.True(!error.IsQuotaExhausted, "a wrong key is not exhausted quota");
                Assert.Equal("invalid_request_error", error.Type, "type");
                Assert.Equal("invalid_api_key", error.Code, "code");
                Assert.True(error.RequestId != null && error.RequestId.StartsWith("req_"), "request id " + error.RequestId);
                Assert.Equal(null, error.PartialText, "no text");

                int chunks = 0;
                error = await Assert.ThrowsAsync<WebraftException>(() => client.StreamAsync(Server.Body(), chunk => chunks++), "stream");
                Assert.Equal(401, error.HttpStatus, "stream HTTP status");
                Assert.Equal("Wrong Api key", error.ServerMessage, "stream server message");
                Assert.True(!error.IsQuotaExhausted, "stream: not exhausted quota");
                Assert.Equal(0, chunks, "no chunk before the error");

                error = await Assert.ThrowsAsync<WebraftException>(() => client.SendAsync("GET", "/models"), "send");
                Assert.Equal(401, error.HttpStatus, "send HTTP status");
                Assert.Contains(error.Message, "Wrong Api key", "send message");
                Assert.Equal("Wrong Api key", error.ServerMessage, "send server message");
                Assert.True(!error.IsQuotaExhausted, "send: not exhausted quota");
            }
            using (var client = Server.Client("/v2", "wrong-key"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body()), "/v2 chat");
                Assert.Equal(401, error.HttpStatus, "/v2 HTTP status");
                Assert.Contains(error.Message, "Wrong Api key", "/v2 message");
                Assert.Equal("Wrong Api key", error.ServerMessage, "/v2 server message");
                Assert.True(!error.IsQuotaExhausted, "/v2: not exhausted quota");
                Assert.Equal("401", error.Code, "/v2 numeric code as text");
            }
        }

        [Test]
        static async Task InsufficientCredits()
        {
            using (var client = Server.Client("/v1", "no-credits-key"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body()), "402");
                Assert.Equal(WebraftStatus.HttpStatus, error.Status, "status");
                Assert.Equal(402, error.HttpStatus, "HTTP status");
                Assert.Contains(error.Message, "Insufficient Credits", "message");
                Assert.Equal("Insufficient Credits", error.ServerMessage, "server message");
                Assert.True(error.IsQuotaExhausted, "402 means exhausted quota");
                Assert.Equal("insufficient_quota", error.Code, "code");

                error = await Assert.ThrowsAsync<WebraftException>(() => client.StreamAsync(Server.Body(), chunk => { }), "402 stream");
                Assert.True(error.IsQuotaExhausted, "402 stream means exhausted quota");
            }
            using (var client = Server.Client())
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.StreamAsync(Server.Body("no-credits"), chunk => { }), "429");
                Assert.Equal(429, error.HttpStatus, "HTTP status");
                Assert.Contains(error.Message, "Insufficient Credits", "message");
                Assert.Equal("Insufficient Credits", error.ServerMessage, "server message");
                Assert.True(error.IsQuotaExhausted, "429 insufficient_quota means exhausted quota");
                Assert.Equal("insufficient_quota", error.Type, "type");

                error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body("no-credits")), "429 chat");
                Assert.True(error.IsQuotaExhausted, "429 chat: exhausted quota");
            }
            using (var client = Server.Client(extra: "\"max_retries\":0"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body("rate-limit")), "rate limit");
                Assert.Equal(429, error.HttpStatus, "rate limit HTTP status");
                Assert.True(!error.IsQuotaExhausted, "a plain rate limit is not exhausted quota");
            }
        }

        [Test]
        static async Task ServerMessageOfOtherFailures()
        {
            using (var client = Server.Client(extra: "\"max_retries\":0"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.StreamAsync(Server.Body("error-chunk"), chunk => { }), "error chunk");
                Assert.Equal(WebraftStatus.StreamError, error.Status, "status");
                Assert.Equal("upstream overloaded", error.ServerMessage, "message of an error inside a stream");
                Assert.True(!error.IsQuotaExhausted, "not exhausted quota");

                error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body("plain-500")), "plain-text 500");
                Assert.Equal(500, error.HttpStatus, "HTTP status");
                Assert.Equal("Internal Server Error", error.ServerMessage, "a non-JSON error body is its text");
            }
            using (var client = Server.Client(extra: "\"headers_timeout_ms\":300,\"max_retries\":0"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body("stall-headers")), "timeout");
                Assert.Equal(WebraftStatus.Timeout, error.Status, "status");
                Assert.Equal(null, error.ServerMessage, "no server message when the server said nothing");
                Assert.True(!error.IsQuotaExhausted, "a timeout is not exhausted quota");
            }
        }

        [Test]
        static async Task ValidationErrorNamesTheParam()
        {
            using (var client = Server.Client())
            {
                var error = await Assert.ThrowsAsync<WebraftException>(
                    () => client.ChatAsync("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"nobody\",\"content\":\"hi\"}]}"), "bad role");
                Assert.Equal(400, error.HttpStatus, "HTTP status");
                Assert.Equal("messages[0].role", error.Param, "param");
            }
        }

        [Test]
        static async Task TimeoutAndConnectFailures()
        {
            using (var client = Server.Client(extra: "\"headers_timeout_ms\":300,\"max_retries\":0"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body("stall-headers")), "headers timeout");
                Assert.Equal(WebraftStatus.Timeout, error.Status, "status");
                Assert.Contains(error.Message, "headers", "message names the clock");
                Assert.Equal(0, error.HttpStatus, "no response");
            }
            using (var client = new WebraftClient("{\"base_url\":\"http://127.0.0.1:1/v1\",\"api_key\":\"k\",\"max_retries\":0}"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.ChatAsync(Server.Body()), "refused");
                Assert.Equal(WebraftStatus.Connect, error.Status, "status");
            }
        }
    }
}
