// What a failed call tells you, with the Webraft C# binding: the HTTP status, the server's own
// message, and whether the account is out of credits (then retrying will not help).
//
//   WEBRAFT_BASE_URL=... mono ErrorReport.exe KEY...     (tries one chat with each API key)
using System;
using Webraft;

static class ErrorReport
{
    static int Main(string[] keys)
    {
        string baseUrl = Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL") ?? "https://api.webraft.in/v2";
        int failures = 0;
        foreach (string key in keys)
        {
            string config = "{\"base_url\":" + WebraftJson.Quote(baseUrl) + ",\"api_key\":" + WebraftJson.Quote(key) + "}";
            using (var client = new WebraftClient(config))
            using (var chat = new Conversation { Model = "gpt-4o" })
            {
                try
                {
                    chat.AddUser("hi");
                    Console.WriteLine("OK: " + client.ChatAsync(chat).GetAwaiter().GetResult().Text);
                }
                catch (WebraftException error)
                {
                    failures++;
                    // ServerMessage is the server's text exactly; Message is the library's full description.
                    Console.WriteLine("HTTP {0}: {1}{2}", error.HttpStatus, error.ServerMessage ?? error.Message,
                        error.IsQuotaExhausted ? " (out of credits: top up, retrying will not help)" : "");
                }
            }
        }
        return failures == 0 ? 0 : 1;
    }
}
