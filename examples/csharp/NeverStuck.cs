// A reply from the first endpoint that answers, with the Webraft C# binding: the base URL, then
// each --fallback URL in order. With --hedge-ms, a slow first token also starts the request on
// the next endpoint and the faster one wins. The key of every attempt comes from a credential
// provider (here the environment, read again for each attempt, as a rotating token would be).
// The request is polled as a game's frame loop would poll it; with --partial-json each change
// of the reply so far is printed as valid JSON (for a model asked for JSON output).
//
//   WEBRAFT_API_KEY=... mono NeverStuck.exe --fallback http://localhost:11434/v1 [--hedge-ms 800] [--partial-json] PROMPT
//
// WEBRAFT_BASE_URL picks the first endpoint, WEBRAFT_MODEL the model. Which endpoint answered
// goes to stderr.
using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using Webraft;

static class NeverStuck
{
    static int Main(string[] args)
    {
        var fallback = new List<string>();
        string hedgeMs = "0";
        bool partialJson = false;
        var prompt = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--partial-json")
                partialJson = true;
            else if ((args[i] == "--fallback" || args[i] == "--hedge-ms") && i + 1 < args.Length)
            {
                if (args[i] == "--fallback") fallback.Add(args[++i]);
                else hedgeMs = args[++i];
            }
            else
                prompt.Add(args[i]);
        }

        // The config's "fallback" lists the endpoints after the base URL; "hedge_ms" is the first-token budget.
        var config = new StringBuilder("{\"base_url\":")
            .Append(WebraftJson.Quote(Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL") ?? "https://api.webraft.in/v2"))
            .Append(",\"hedge_ms\":").Append(int.Parse(hedgeMs)).Append(",\"fallback\":[");
        for (int i = 0; i < fallback.Count; i++)
            config.Append(i == 0 ? "" : ",").Append("{\"base_url\":").Append(WebraftJson.Quote(fallback[i])).Append('}');
        config.Append("]}");

        string model = Environment.GetEnvironmentVariable("WEBRAFT_MODEL") ?? "gpt-4o";
        try
        {
            using (var client = new WebraftClient(config.ToString()))
            using (var chat = new Conversation { Model = model })
            {
                // Asked on a library thread for every attempt: retries, fallback endpoints and hedges.
                client.SetCredentials(request =>
                {
                    string key = Environment.GetEnvironmentVariable("WEBRAFT_API_KEY");
                    if (string.IsNullOrEmpty(key))
                        throw new InvalidOperationException("the environment has no WEBRAFT_API_KEY");
                    return Credential.Key(key);
                });
                chat.AddUser(string.Join(" ", prompt));
                ChatResult reply = Poll(client.StartChat(chat, true), partialJson);
                Console.Error.WriteLine("answered by {0} (endpoint {1}; {2} tried)", reply.EndpointUrl, reply.EndpointIndex, reply.EndpointsTried);
                return 0;
            }
        }
        catch (WebraftException error)
        {
            // Every endpoint failed (the last one's error), or the provider threw (status Credentials).
            Console.Error.WriteLine("never-stuck: {0}: {1}", error.StatusName, error.Message);
            return 1;
        }
    }

    /// <summary>A frame loop: each frame takes the chunks that arrived, and never waits on the library.</summary>
    static ChatResult Poll(PolledRequest request, bool partialJson)
    {
        using (request)
        {
            string shown = null;
            while (true)
            {
                bool completed = request.IsCompleted;
                ChatChunk chunk;
                while (request.TryGetNext(out chunk))
                    if (!partialJson)
                        Console.Write(chunk.Text);
                string snapshot = request.GetSnapshot().Content;
                if (partialJson && snapshot != null && snapshot != shown)
                    Console.WriteLine(shown = snapshot);
                if (completed)
                    break;
                Thread.Sleep(16);
            }
            if (!partialJson)
                Console.WriteLine();
            return request.GetResult();
        }
    }
}
