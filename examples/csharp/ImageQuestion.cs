// Asks about a local image with the Webraft C# binding: the file is read by the native library
// and sent as a data URL.
//
//   WEBRAFT_BASE_URL=... WEBRAFT_API_KEY=... mono ImageQuestion.exe PICTURE.png [QUESTION]
using System;
using Webraft;

static class ImageQuestion
{
    static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: ImageQuestion.exe PICTURE [QUESTION]");
            return 2;
        }
        string baseUrl = Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL") ?? "https://api.webraft.in/v2";
        string question = args.Length > 1 ? string.Join(" ", args, 1, args.Length - 1) : "What is in this picture?";
        try
        {
            using (var client = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(baseUrl) + "}"))
            using (var chat = new Conversation { Model = Environment.GetEnvironmentVariable("WEBRAFT_MODEL") ?? "gpt-4o" })
            {
                // Parts go on the last message: the question, then the picture (AddImageBytes takes a
                // screenshot in memory, AddImageUrl a link).
                chat.AddUser(question).AddImageFile(args[0], "low");
                Console.WriteLine(client.ChatAsync(chat).GetAwaiter().GetResult().Text);
            }
            return 0;
        }
        catch (WebraftException error)
        {
            // Io: the file cannot be read; InvalidArgument: it is not a PNG, JPEG, GIF or WebP.
            Console.Error.WriteLine("image-question: {0}: {1}", error.StatusName, error.Message);
            return 1;
        }
    }
}
