// Streams a chat reply to the console with the Webraft C# binding, then prints its token usage.
//
//   mono StreamChat.exe [--base-url URL] [--api-key KEY] [--model M] [--system TEXT]
//                       [--image PATH_OR_URL]... PROMPT
//
// The key defaults to WEBRAFT_API_KEY (then OPENAI_API_KEY), the base URL to
// WEBRAFT_BASE_URL (then WebraftAI's paid plan). The reply goes to stdout, the usage line to
// stderr. Ctrl+C cancels the stream.
using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using Webraft;

static class StreamChat
{
    static int Main(string[] args)
    {
        string baseUrl = Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL") ?? "https://api.webraft.in/v2";
        string apiKey = null, model = "gpt-4o", system = null;
        var images = new List<string>();
        var prompt = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--"))
            {
                prompt.Add(arg);
                continue;
            }
            if (i + 1 == args.Length)
                return Fail(arg + " needs a value");
            string value = args[++i];
            if (arg == "--base-url") baseUrl = value;
            else if (arg == "--api-key") apiKey = value;
            else if (arg == "--model") model = value;
            else if (arg == "--system") system = value;
            else if (arg == "--image") images.Add(value);
            else return Fail("unknown option " + arg);
        }
        if (prompt.Count == 0)
            return Fail("no prompt");

        var config = new StringBuilder("{\"base_url\":").Append(WebraftJson.Quote(baseUrl));
        if (apiKey != null)
            config.Append(",\"api_key\":").Append(WebraftJson.Quote(apiKey));
        config.Append('}');

        try
        {
            using (var client = new WebraftClient(config.ToString()))
            using (var chat = new Conversation { Model = model, StreamUsage = true }) // usage at the end of the stream
            using (var cancel = new CancellationTokenSource())
            {
                if (system != null)
                    chat.AddSystem(system);
                chat.AddUser(string.Join(" ", prompt));
                foreach (string image in images)
                {
                    if (image.StartsWith("http://") || image.StartsWith("https://"))
                        chat.AddImageUrl(image);
                    else
                        chat.AddImageFile(image);
                }
                Console.CancelKeyPress += (sender, e) => { e.Cancel = true; cancel.Cancel(); };
                // The handler runs on a library worker thread, one chunk at a time, in order.
                ChatResult result = client.StreamAsync(chat, chunk => Console.Write(chunk.Text), cancel.Token)
                    .GetAwaiter().GetResult();
                Console.WriteLine();
                if (result.Usage != null)
                    Console.Error.WriteLine("[{0} tokens: {1} prompt + {2} completion]",
                        result.Usage.TotalTokens, result.Usage.PromptTokens, result.Usage.CompletionTokens);
                else
                    Console.Error.WriteLine("[the server sent no usage]");
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

    static int Fail(string problem)
    {
        Console.Error.WriteLine("stream-chat: " + problem);
        Console.Error.WriteLine("usage: StreamChat.exe [--base-url URL] [--api-key KEY] [--model M] [--system TEXT] [--image PATH_OR_URL]... PROMPT");
        return 2;
    }
}
