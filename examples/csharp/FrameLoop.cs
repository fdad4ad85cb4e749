// A 60 FPS game loop that talks to an NPC without ever blocking a frame, with the Webraft C#
// binding's poll API: nothing is called back on another thread and no call waits. Two turns of
// one conversation are streamed, and the time spent inside the library is measured in every
// frame; the longest per turn is reported. The first turn also pays for the runtime compiling
// the code it runs for the first time (Mono's JIT; IL2CPP compiles ahead of time), so the
// budget applies to the second.
//
//   WEBRAFT_BASE_URL=... WEBRAFT_API_KEY=... mono FrameLoop.exe [LINE1 [LINE2]]
//
// Exit status: 0 when both replies arrived and no frame of the second turn spent more than the
// budget (2 ms, an eighth of a frame; the calls usually take about 0.1 ms, but a busy machine
// may preempt the thread inside one) in the library; 1 when a request failed; 3 when a frame
// went over the budget.
using System;
using System.Diagnostics;
using System.Text;
using System.Threading;
using Webraft;

static class FrameLoop
{
    const double FrameMs = 1000.0 / 60;
    const double BudgetMs = 2.0;

    static int Main(string[] args)
    {
        string baseUrl = Environment.GetEnvironmentVariable("WEBRAFT_BASE_URL") ?? "https://api.webraft.in/v2";
        string[] lines = { args.Length > 0 ? args[0] : "Hello there!", args.Length > 1 ? args[1] : "What is on the menu?" };
        using (var client = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(baseUrl) + "}"))
        using (var chat = new Conversation { Model = Environment.GetEnvironmentVariable("WEBRAFT_MODEL") ?? "gpt-4o" })
        {
            chat.AddSystem("You are a friendly innkeeper. Answer in one line.");
            var library = new Stopwatch();  // time inside the library, this frame
            double worstMs = 0;             // the longest of this turn's frames
            int turn = 0, frames = 0;
            PolledRequest reply = null;
            while (turn < lines.Length)
            {
                var frame = Stopwatch.StartNew();
                var text = new StringBuilder();
                library.Restart();
                if (reply == null)
                    reply = client.StartChat(chat.AddUser(lines[turn]), true); // returns at once
                ChatChunk chunk;
                while (reply.TryGetNext(out chunk))   // never waits
                    text.Append(chunk.Text);
                bool done = reply.IsCompleted;
                ChatResult result = null;
                if (done)
                {
                    try
                    {
                        result = reply.GetResult();
                        chat.AddAssistantTurn(result);
                    }
                    catch (WebraftException error)
                    {
                        Console.Error.WriteLine("frame-loop: {0}: {1}", error.StatusName, error.Message);
                        return 1;
                    }
                    finally
                    {
                        reply.Dispose();
                        reply = null;
                    }
                }
                library.Stop();
                worstMs = Math.Max(worstMs, library.Elapsed.TotalMilliseconds);
                frames++;
                // The game's own update and rendering would run here; it shows the text.
                Console.Write(text);
                if (done)
                {
                    Console.WriteLine();
                    Console.Error.WriteLine("[turn {0}: {1} frames; longest time in library calls in one frame: {2:F3} ms{3}]",
                        turn + 1, frames, worstMs, turn == 0 ? " (with first-time compiling)" : "");
                    if (turn > 0 && worstMs > BudgetMs)
                    {
                        Console.Error.WriteLine("frame-loop: over the budget of {0} ms", BudgetMs);
                        return 3;
                    }
                    turn++;
                    frames = 0;
                    worstMs = 0;
                }
                double left = FrameMs - frame.Elapsed.TotalMilliseconds;
                if (left > 0)
                    Thread.Sleep(TimeSpan.FromMilliseconds(left)); // the rest of the frame
            }
            return 0;
        }
    }
}
