using System.Text;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    static class SendTests
    {
        [Test]
        static async Task GetModels()
        {
            using (var client = Server.Client())
            {
                SendResult result = await client.SendAsync("GET", "/models");
                Assert.Equal(200, result.HttpStatus, "HTTP status");
                Assert.Contains(result.Json, "\"id\":\"gpt-4o\"", "model list");
                Assert.Equal(result.Json, Encoding.UTF8.GetString(result.Body), "body bytes are the JSON");
                Assert.True(result.RequestId.StartsWith("req_"), "request id");
            }
        }

        [Test]
        static async Task PostWithBody()
        {
            using (var client = Server.Client())
            {
                SendResult result = await client.SendAsync("POST", "/debug/echo", "{\"a\":[1,2]}");
                Assert.Contains(result.Json, "\"method\":\"POST\"", "method");
                Assert.Contains(result.Json, "\"path\":\"/v1/debug/echo\"", "path");
                Assert.Contains(result.Json, "\"body\":{\"a\":[1,2]}", "body");
            }
        }

        [Test]
        static async Task UnknownRouteFails()
        {
            using (var client = Server.Client())
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.SendAsync("GET", "/nowhere"), "404");
                Assert.Equal(404, error.HttpStatus, "HTTP status");
                Assert.Equal("unknown_url", error.Code, "code");
            }
        }
    }
}
