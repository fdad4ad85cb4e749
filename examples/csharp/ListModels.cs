// Lists the models an endpoint offers with the Webraft C# binding: GET /models, its ids read
// by JSON Pointer, so no JSON library is needed.
//
//   WEBRAFT_BASE_URL=... WEBRAFT_API_KEY=... mono ListModels.exe
using System;
using Webraft;

static class ListModels
{
    static int Main()
    {
        string baseUrl = Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL") ?? "https://api.webraft.in/v2";
        try
        {
            using (var client = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(baseUrl) + "}"))
            {
                SendResult models = client.SendAsync("GET", "/models").GetAwaiter().GetResult();
                string id;
                // "/data/0/id", "/data/1/id", … until nothing is there.
                for (int i = 0; models.TryGetString("/data/" + i + "/id", out id); i++)
                    Console.WriteLine(id);
            }
            return 0;
        }
        catch (WebraftException error)
        {
            Console.Error.WriteLine("list-models: {0}: {1}", error.StatusName, error.Message);
            return 1;
        }
    }
}
