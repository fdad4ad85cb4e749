// A tool-calling round trip with the Webraft C# binding: the model asks for get_weather, this
// program answers, the model replies. Once plain, once streamed. No JSON library: the
// conversation keeps the messages, and the tool call's arguments are read by JSON Pointer.
//
//   WEBRAFT_BASE_URL=https://api.webraft.in/v2 WEBRAFT_API_KEY=... WEBRAFT_MODEL=gpt-4o mono ToolRoundTrip.exe
using System;
using System.Threading.Tasks;
using Webraft;

static class ToolRoundTrip
{
    static int Main()
    {
        string baseUrl = Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL") ?? "https://api.webraft.in/v2";
        string model = Environment.GetEnvironmentVariable("WEBRAFT_MODEL") ?? "gpt-4o";
        try
        {
            // The key comes from WEBRAFT_API_KEY.
            using (var client = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(baseUrl) + "}"))
            {
                // mcs has no async Main: wait here, await inside.
                Console.WriteLine(AskAsync(client, model, false).GetAwaiter().GetResult().Text);
                AskAsync(client, model, true).GetAwaiter().GetResult(); // its text was printed as it streamed
                Console.WriteLine();
            }
            return 0;
        }
        catch (WebraftException error)
        {
            Console.Error.WriteLine("tool-round-trip: {0}: {1}", error.StatusName, error.Message);
            return 1;
        }
    }

    // The whole tool loop: ask, run the tools the model calls, send their results, repeat.
    static async Task<ChatResult> AskAsync(WebraftClient client, string model, bool stream)
    {
        using (var chat = new Conversation { Model = model })
        {
            chat.SetTools(ChatTool.Function("get_weather", "The current weather in a city",
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"));
            chat.AddUser("Is it raining in Paris?");
            while (true)
            {
                ChatResult reply = stream
                    ? await client.StreamAsync(chat, chunk => Console.Write(chunk.Text)) // on a worker thread
                    : await client.ChatAsync(chat);
                if (reply.ToolCalls.Count == 0)
                    return reply;
                chat.AddAssistantTurn(reply); // the model's tool calls, as received
                foreach (ToolCall call in reply.ToolCalls)
                {
                    string weather = Weather(call.GetString("/city"));
                    Console.WriteLine("{0} -> {1}", call, weather);
                    chat.AddToolResult(call, weather);
                }
            }
        }
    }

    // Stands in for the game's own function.
    static string Weather(string city)
    {
        return city == "Paris" ? "22 C, dry" : "no idea";
    }
}
