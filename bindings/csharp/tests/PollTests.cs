using System;
using System.Diagnostics;
using System.Text;
using System.Threading;

namespace Webraft.Tests
{
    /// <summary>The poll API driven the way a game loop drives it: a few calls per frame, one thread.</summary>
    static class PollTests
    {
        const int FrameMs = 16;

        sealed class FrameLoop
        {
            public readonly StringBuilder Text = new StringBuilder();
            public int Chunks;
            public int Frames;
            public int FramesWithoutChunk;
            public long SlowestFrameTicks;
        }

        /// <summary>Runs frames until the request completes: drain the chunks, check IsCompleted, "render".</summary>
        static FrameLoop RunFrames(PolledRequest request, int sleepMs = FrameMs, Action<FrameLoop> everyFrame = null)
        {
            var loop = new FrameLoop();
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "completed within 60 s");
                var frame = Stopwatch.StartNew();
                int before = loop.Chunks;
                ChatChunk chunk;
                while (request.TryGetNext(out chunk))
                {
                    loop.Chunks++;
                    loop.Text.Append(chunk.Text);
                }
                bool completed = request.IsCompleted;
                loop.SlowestFrameTicks = Math.Max(loop.SlowestFrameTicks, frame.ElapsedTicks);
                loop.Frames++;
                if (loop.Chunks == before)
                    loop.FramesWithoutChunk++;
                if (everyFrame != null)
                    everyFrame(loop);
                if (completed)
                    return loop;
                if (sleepMs > 0)
                    Thread.Sleep(sleepMs);
            }
        }

        [Test]
        static void StreamPolledFromAFrameLoop()
        {
            using (var client = Server.Client())
            {
                int callbackRequests = InFlight.Count;
                // slow: 100 ms between events, so most 16 ms frames find nothing and must not wait.
                using (PolledRequest request = client.StartChat(Server.Body("slow", stream: true)))
                {
                    Assert.True(InFlight.Count <= callbackRequests, "no callback is registered for a polled request");
                    FrameLoop loop = RunFrames(request);
                    Assert.Equal(Server.ReplyToHi, loop.Text.ToString(), "text from the chunks");
                    Assert.Equal(6, loop.Chunks, "chunks");
                    Assert.True(loop.FramesWithoutChunk >= 10, "frames went on while the stream paused: " + loop.FramesWithoutChunk);
                    ChatResult result = request.GetResult();
                    Assert.Equal(Server.ReplyToHi, result.Text, "result text");
                    Assert.Equal(6L, result.ChunkCount, "result chunk count");
                    Assert.True(ReferenceEquals(result, request.GetResult()), "the result is kept");
                    ChatChunk none;
                    Assert.True(!request.TryGetNext(out none) && none == null, "nothing after completion");
                }
            }
        }

        [Test]
        static void PollingNeverWaits()
        {
            using (var client = Server.Client())
            using (PolledRequest request = client.StartChat(Server.Body("stall-body", stream: true)))
            {
                // The role chunk comes, then nothing: each poll must return at once.
                var clock = Stopwatch.StartNew();
                int polls = 0;
                ChatChunk chunk;
                while (clock.ElapsedMilliseconds < 300)
                {
                    request.TryGetNext(out chunk);
                    Assert.True(!request.IsCompleted, "a stalled stream is not completed");
                    polls++;
                }
                Assert.True(polls > 1000, "thousands of polls in 300 ms, got " + polls);
                request.Cancel();
                RunFrames(request, 1);
                var error = Assert.Throws<WebraftException>(() => request.GetResult(), "result of a cancelled request");
                Assert.Equal(WebraftStatus.Cancelled, error.Status, "status");
            }
        }

        [Test]
        static void PolledStreamLongerThanTheQueue()
        {
            using (var client = Server.Client())
            using (PolledRequest request = client.StartChat(new ChatPrompt("hi") { Model = "big-chunks-2000", Stream = true }))
            {
                FrameLoop loop = RunFrames(request, 1);
                Assert.Equal(2002, loop.Chunks, "every chunk (the queue holds 256)");
                Assert.Equal(loop.Text.ToString(), request.GetResult().Text, "chunk text adds up");
            }
        }

        [Test]
        static void PlainRequestPolledWithIsCompleted()
        {
            using (var client = Server.Client())
            using (PolledRequest request = client.StartChat(Server.Body("slow")))
            {
                Assert.Throws<InvalidOperationException>(() => request.GetResult(), "result before completion");
                FrameLoop loop = RunFrames(request);
                Assert.Equal(0, loop.Chunks, "a plain request yields no chunks");
                Assert.True(loop.Frames > 1, "it took frames");
                Assert.Equal(Server.ReplyToHi, request.GetResult().Text, "result");
            }
        }

        [Test]
        static void PolledErrors()
        {
            using (var client = Server.Client("/v1", "wrong-key"))
            using (PolledRequest request = client.StartChat(Server.Body(stream: true)))
            {
                RunFrames(request);
                var error = Assert.Throws<WebraftException>(() => request.GetResult(), "wrong key");
                Assert.Equal(401, error.HttpStatus, "HTTP status");
                Assert.Contains(error.Message, "Wrong Api key", "message");
                Assert.True(ReferenceEquals(error, Assert.Throws<WebraftException>(() => request.GetResult(), "again")), "the same failure again");
            }
            using (var client = Server.Client())
            using (PolledRequest request = client.StartChat("{bad json"))
            {
                Assert.True(request.IsCompleted, "a request with bad arguments is completed at once");
                var error = Assert.Throws<WebraftException>(() => request.GetResult(), "bad JSON");
                Assert.Equal(WebraftStatus.InvalidJson, error.Status, "status");
            }
        }

        [Test]
        static void CancelAndDisposeWhilePolling()
        {
            using (var client = Server.Client())
            {
                PolledRequest request = client.StartChat(Server.Body("slow", stream: true));
                FrameLoop loop = RunFrames(request, FrameMs, frame =>
                {
                    if (frame.Chunks == 2)
                        request.Cancel();
                });
                var error = Assert.Throws<WebraftException>(() => request.GetResult(), "cancelled");
                Assert.Equal(WebraftStatus.Cancelled, error.Status, "status");
                Assert.True(loop.Chunks < 6, "stopped early: " + loop.Chunks + " chunks");
                request.Dispose();

                long freed = Interlocked.Read(ref NativeStats.RequestsFreed);
                request = client.StartChat(Server.Body("stall-body", stream: true));
                request.Dispose();
                Assert.True(Interlocked.Read(ref NativeStats.RequestsFreed) > freed, "Dispose freed the running request");
                ChatChunk chunk;
                Assert.Throws<ObjectDisposedException>(() => request.TryGetNext(out chunk), "TryGetNext after Dispose");
                Assert.Throws<ObjectDisposedException>(() => { bool unused = request.IsCompleted; }, "IsCompleted after Dispose");
                Assert.Throws<ObjectDisposedException>(() => request.Cancel(), "Cancel after Dispose");
                request.Dispose();
                Assert.Equal(Server.ReplyToHi, client.ChatAsync(Server.Body()).Result.Text, "client still usable");
            }
        }
    }
}
