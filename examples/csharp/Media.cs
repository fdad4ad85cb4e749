// Voice and pictures with the Webraft C# binding: transcribe a recording, speak a line into an
// audio file, or draw an image into a file.
//
//   WEBRAFT_BASE_URL=... WEBRAFT_API_KEY=... mono Media.exe transcribe voice.wav [--stream]
//   WEBRAFT_BASE_URL=... WEBRAFT_API_KEY=... mono Media.exe speak line.mp3 TEXT...
//   WEBRAFT_BASE_URL=... WEBRAFT_API_KEY=... mono Media.exe image picture.png PROMPT...
//
// WEBRAFT_MODEL overrides the model (whisper-1, tts-1, gpt-image-1). Files are written
// atomically: a failed call leaves an existing file as it was.
using System;
using System.Threading.Tasks;
using Webraft;

static class Media
{
    static int Main(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: Media.exe transcribe FILE [--stream] | speak FILE TEXT... | image FILE PROMPT...");
            return 2;
        }
        string baseUrl = Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL") ?? "https://api.webraft.in/v2";
        string text = string.Join(" ", args, 2, args.Length - 2);
        try
        {
            using (var client = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(baseUrl) + "}"))
            {
                switch (args[0])
                {
                    case "transcribe":
                        Transcribe(client, args[1], text == "--stream").GetAwaiter().GetResult();
                        return 0;
                    case "speak":
                        Speak(client, args[1], text).GetAwaiter().GetResult();
                        return 0;
                    case "image":
                        Draw(client, args[1], text).GetAwaiter().GetResult();
                        return 0;
                }
            }
            Console.Error.WriteLine("media: unknown command " + args[0]);
            return 2;
        }
        catch (WebraftException error)
        {
            // InvalidArgument names a missing file; HttpStatus carries the server's message.
            Console.Error.WriteLine("media: {0}: {1}", error.StatusName, error.Message);
            return 1;
        }
    }

    static string Model(string otherwise)
    {
        return Environment.GetEnvironmentVariable("WEBRAFT_MODEL") ?? otherwise;
    }

    // The library streams the file from disk into the upload; a Stream or byte[] works too.
    static async Task Transcribe(WebraftClient client, string path, bool stream)
    {
        using (var form = new MultipartForm().AddText("model", Model("whisper-1")).AddFile("file", path))
        {
            if (!stream)
            {
                Console.WriteLine((await client.TranscribeAsync(form)).Text);
                return;
            }
            // Each delta on a library worker thread, in order; Type names the event with or without an SSE name.
            await client.StreamTranscriptionAsync(form, e =>
            {
                if (e.Type == "transcript.text.delta")
                    Console.Write(e.GetString("/delta"));
            });
            Console.WriteLine();
        }
    }

    static async Task Speak(WebraftClient client, string file, string line)
    {
        string request = "{\"model\":" + WebraftJson.Quote(Model("tts-1")) + ",\"input\":" + WebraftJson.Quote(line) + ",\"voice\":\"alloy\"}";
        SendResult spoken = await client.SpeechToFileAsync(request, file);
        Console.WriteLine("wrote {0} bytes to {1}", spoken.BytesReceived, file);
    }

    static async Task Draw(WebraftClient client, string file, string prompt)
    {
        string request = "{\"model\":" + WebraftJson.Quote(Model("gpt-image-1")) + ",\"prompt\":" + WebraftJson.Quote(prompt)
            + ",\"response_format\":\"b64_json\"}";
        ImagesResult images = await client.GenerateImagesAsync(request);
        GeneratedImage first = images.Images[0];
        if (first.Url != null)
        {
            Console.WriteLine(first.Url);   // a server that links instead of sending the bytes
            return;
        }
        images.Save(0, file);
        Console.WriteLine("wrote {0} bytes to {1}", first.Bytes.Length, file);
    }
}
