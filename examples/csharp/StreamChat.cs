// Streams a chat reply to the console with the Webraft C# binding.
//
//   mono StreamChat.exe [--base-url URL] [--api-key KEY] [--model M] [--system TEXT]
//                       [--image PATH_OR_URL]... [--poll] PROMPT
//
// The key defaults to WEBRAFT_API_KEY (then OPENAI_API_KEY), the base URL to
// WEBRAFT_BASE_URL (then WebraftAI's paid plan). --poll drives the request from a
// simulated 60 fps game loop instead of a callback. Ctrl+C cancels the stream.
using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using Webraft;

static class StreamChat
{
    static int Main(string[] args)
    {
        string baseUrl = Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL");
        string apiKey = null, model = null, system = null;
        var images = new List<string>();
        bool poll = false;
        var prompt = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--poll")
            {
                poll = true;
            }
            else if (arg.StartsWith("--"))
            {
                if (i + 1 == args.Length)
                    return Usage(arg + " needs a value");
                string value = args[++i];
                if (arg == "--base-url") baseUrl = value;
                else if (arg == "--api-key") apiKey = value;
                else if (arg == "--model") model = value;
                else if (arg == "--system") system = value;
                else if (arg == "--image") images.Add(value);
                else return Usage("unknown option " + arg);
            }
            else
            {
                prompt.Add(arg);
            }
        }
        if (prompt.Count == 0)
            return Usage("no prompt");

        var config = new StringBuilder("{");
        if (baseUrl != null)
            config.Append("\"base_url\":").Append(WebraftJson.Quote(baseUrl));
        if (apiKey != null)
            config.Append(config.Length > 1 ? "," : "").Append("\"api_key\":").Append(WebraftJson.Quote(apiKey));
        config.Append('}');

        var chat = new ChatPrompt(string.Join(" ", prompt)) { System = system };
        if (model != null)
            chat.Model = model;
        foreach (string image in images)
            chat.Images.Add(image);

        try
        {
            using (var client = new WebraftClient(config.ToString()))
            {
                ChatResult result = poll ? StreamByPolling(client, chat) : StreamWithCallback(client, chat);
                Console.WriteLine();
                Console.Error.WriteLine("[{0} chunks, {1:F0} ms, request {2}]", result.ChunkCount, result.Timings.TotalMs, result.RequestId ?? "-");
                return 0;
            }
        }
        catch (WebraftException error)
        {
            Console.WriteLine();
            Console.Error.WriteLine("stream-chat: {0}: {1}", error.StatusName, error.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine();
            Console.Error.WriteLine("stream-chat: cancelled");
            return 1;
        }
    }

    static ChatResult StreamWithCallback(WebraftClient client, ChatPrompt chat)
    {
        using (var cancel = new CancellationTokenSource())
        {
            Console.CancelKeyPress += (sender, e) => { e.Cancel = true; cancel.Cancel(); };
            // The handler runs on a library worker thread, one chunk at a time, in order.
            return client.StreamAsync(chat, chunk => Console.Write(chunk.Text), cancel.Token)
                .GetAwaiter().GetResult();
        }
    }

    static ChatResult StreamByPolling(WebraftClient client, ChatPrompt chat)
    {
        // A polled request streams when its JSON says so; everything below runs on this thread.
        chat.Stream = true;
        using (PolledRequest request = client.StartChat(chat))
        {
            Console.CancelKeyPress += (sender, e) => { e.Cancel = true; request.Cancel(); };
            while (true)
            {
                ChatChunk chunk;
                while (request.TryGetNext(out chunk))
                    Console.Write(chunk.Text);
                if (request.IsCompleted)
                    return request.GetResult();
                Thread.Sleep(16); // the rest of the frame
            }
        }
    }

    static int Usage(string problem)
    {
        Console.Error.WriteLine("stream-chat: " + problem);
        Console.Error.WriteLine("usage: StreamChat.exe [--base-url URL] [--api-key KEY] [--model M] [--system TEXT] [--image PATH_OR_URL]... [--poll] PROMPT");
        return 2;
    }
}
