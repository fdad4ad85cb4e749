using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    static class ConcurrencyTests
    {
        [Test]
        static async Task FiftyConcurrentRequestsOnOneClient()
        {
            using (var client = Server.Client())
            {
                var calls = Enumerable.Range(0, 50).Select(async i =>
                {
                    string prompt = "request " + i;
                    string model = i % 5 == 0 ? "slow" : "gpt-4o";
                    if (i % 2 == 0)
                        return Tuple.Create(i, await client.ChatAsync(Server.Body(model, prompt)), (string)null);
                    var streamed = new StringBuilder();
                    ChatResult result = await client.StreamAsync(Server.Body(model, prompt), chunk => streamed.Append(chunk.Text));
                    return Tuple.Create(i, result, streamed.ToString());
                }).ToArray();
                var results = await Assert.Within(Task.WhenAll(calls), 60, "50 requests");
                foreach (var r in results)
                {
                    string expected = "Hello! You said: request " + r.Item1;
                    Assert.Equal(expected, r.Item2.Text, "reply " + r.Item1);
                    if (r.Item3 != null)
                        Assert.Equal(expected, r.Item3, "streamed text " + r.Item1);
                }
                Assert.Equal(50, results.Select(r => r.Item2.RequestId).Distinct().Count(), "distinct request ids");
            }
        }

        [Test]
        static async Task FiftyClientsAtOnce()
        {
            var clients = Enumerable.Range(0, 50).Select(i => Server.Client(Server.Bases[i % 3])).ToArray();
            try
            {
                var results = await Assert.Within(Task.WhenAll(clients.Select((client, i) =>
                    client.StreamAsync(Server.Body(text: "client " + i), chunk => { }))), 60, "50 clients");
                for (int i = 0; i < results.Length; i++)
                    Assert.Equal("Hello! You said: client " + i, results[i].Text, "client " + i);
            }
            finally
            {
                foreach (var client in clients)
                    client.Dispose();
            }
        }
    }
}
