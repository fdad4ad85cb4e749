// Streams a reply from the Responses API (POST /responses) with the Webraft C# binding, then
// tells how much of the rate limit is left. No JSON library: each event's text is read by JSON
// Pointer, and the rate limits come from the library, which reads the x-ratelimit-* headers.
//
//   WEBRAFT_BASE_URL=https://api.openai.com/v1 WEBRAFT_API_KEY=... WEBRAFT_MODEL=gpt-4o mono Responses.exe [INPUT...]
using System;
using System.Threading.Tasks;
using Webraft;

static class Responses
{
    static int Main(string[] args)
    {
        string baseUrl = Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL") ?? "https://api.webraft.in/v2";
        string model = Environment.GetEnvironmentVariable("WEBRAFT_MODEL") ?? "gpt-4o";
        string input = args.Length > 0 ? string.Join(" ", args) : "Say hello.";
        try
        {
            // The key comes from WEBRAFT_API_KEY.
            using (var client = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(baseUrl) + "}"))
            {
                // mcs has no async Main: wait here, await inside.
                ChatResult reply = AskAsync(client, model, input).GetAwaiter().GetResult();
                Console.Error.WriteLine("[{0}{1}, {2} tokens]", reply.FinishReason,
                    reply.IncompleteReason == null ? "" : ": " + reply.IncompleteReason, reply.Usage?.TotalTokens);
                Console.Error.WriteLine(Describe(reply.RateLimit));
            }
            return 0;
        }
        catch (WebraftException error)
        {
            Console.WriteLine();
            // ServerMessage is the server's own words; a 429 also says when the limit resets.
            Console.Error.WriteLine("responses: {0}: {1}", error.StatusName, error.ServerMessage ?? error.Message);
            Console.Error.WriteLine(Describe(error.RateLimit));
            return 1;
        }
    }

    static async Task<ChatResult> AskAsync(WebraftClient client, string model, string input)
    {
        string request = "{\"model\":" + WebraftJson.Quote(model) + ",\"input\":" + WebraftJson.Quote(input) + "}";
        // On a library worker thread, in order. Type is the event's "type", with or without an SSE name.
        ChatResult reply = await client.StreamResponsesAsync(request, e =>
        {
            if (e.Type == "response.output_text.delta")
                Console.Write(e.GetString("/delta"));
        });
        Console.WriteLine();
        return reply;
    }

    // Absent values are null, never 0: a server that sends no rate-limit headers is not out of quota.
    static string Describe(RateLimit limit)
    {
        if (limit.RemainingRequests == null)
            return "[no rate-limit headers]";
        return string.Format("[{0} of {1} requests left, resets in {2} s]",
            limit.RemainingRequests, limit.LimitRequests?.ToString() ?? "?", limit.ResetRequests?.TotalSeconds.ToString() ?? "?");
    }
}
