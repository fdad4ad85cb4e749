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
                // The body does not ask for a stream: starting it to stream is enough.
                using (PolledRequest request = client.StartChat(Server.Body("slow"), stream: true))
                {
                    Assert.True(InFlight.Count <= callbackRequests, "no callback is registered for a polled request");
                    Assert.True(request.IsStream, "the library says it streams");
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
            using (PolledRequest request = client.StartChat(Server.Body("stall-body"), stream: true))
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
        static void EscapedStreamKeyPolled()
        {
            using (var client = Server.Client())
            {
                // A plain poll: the library parses the escaped key and streams, and the chunks go only
                // into the result, so checking IsCompleted alone (never TryGetNext) finishes.
                using (PolledRequest request = client.StartChat(Server.EscapedStreamBody))
                {
                    Assert.True(request.IsStream, "the library reads the escaped key as \"stream\"");
                    var deadline = Stopwatch.StartNew();
                    while (!request.IsCompleted)
                    {
                        Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "completed within 30 s");
                        Thread.Sleep(1);
                    }
                    ChatChunk none;
                    Assert.True(!request.TryGetNext(out none), "a plain poll yields no chunks");
                    ChatResult result = request.GetResult();
                    Assert.Equal(Server.ReplyToHi, result.Text, "the full text, accumulated");
                    Assert.Equal(6L, result.ChunkCount, "streamed");
                }
                // More chunks than the poll queue holds: a plain poll never stalls on them.
                using (PolledRequest request = client.StartChat(Server.EscapedStreamBody.Replace("gpt-4o", "big-chunks-600")))
                {
                    FrameLoop loop = RunFrames(request, 1);
                    Assert.Equal(0, loop.Chunks, "no chunks polled");
                    Assert.True(request.GetResult().ChunkCount >= 600, "all chunks accumulated");
                }
                // Started to stream: the chunks are polled.
                using (PolledRequest request = client.StartChat(Server.EscapedStreamBody, stream: true))
                {
                    Assert.True(request.IsStream, "started to stream");
                    FrameLoop loop = RunFrames(request, 1);
                    Assert.Equal(6, loop.Chunks, "chunks");
                    Assert.Equal(Server.ReplyToHi, loop.Text.ToString(), "text from the chunks");
                    Assert.Equal(Server.ReplyToHi, request.GetResult().Text, "result text");
                }
            }
        }

        [Test]
        static void PlainRequestPolledWithIsCompleted()
        {
            using (var client = Server.Client())
            using (PolledRequest request = client.StartChat(Server.Body("slow")))
            {
                Assert.True(!request.IsStream, "a plain request does not stream");
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
            using (PolledRequest request = client.StartChat(Server.Body(), stream: true))
            {
                RunFrames(request);
                var error = Assert.Throws<WebraftException>(() => request.GetResult(), "wrong key");
                Assert.Equal(401, error.HttpStatus, "HTTP status");
                Assert.Contains(error.Message, "Wrong Api key", "message");
                Assert.Equal("Wrong Api key", error.ServerMessage, "server message");
                Assert.True(!error.IsQuotaExhausted, "a wrong key is not exhausted quota");
                Assert.True(ReferenceEquals(error, Assert.Throws<WebraftException>(() => request.GetResult(), "again")), "the same failure again");
            }
            using (var client = Server.Client("/v1", "no-credits-key"))
            using (PolledRequest request = client.StartChat(Server.Body()))
            {
                RunFrames(request);
                var error = Assert.Throws<WebraftException>(() => request.GetResult(), "no credits");
                Assert.Equal(402, error.HttpStatus, "HTTP status");
                Assert.True(error.IsQuotaExhausted, "402 is exhausted quota");
            }
            using (var client = Server.Client())
            {
                foreach (bool stream in new[] { false, true })
                {
                    using (PolledRequest request = client.StartChat("{bad json", stream))
                    {
                        Assert.True(request.IsCompleted, "a request with bad arguments is completed at once");
                        Assert.True(!request.IsStream, "a request that failed to start does not stream");
                        var error = Assert.Throws<WebraftException>(() => request.GetResult(), "bad JSON");
                        Assert.Equal(WebraftStatus.InvalidJson, error.Status, "status");
                        Assert.Equal(null, error.ServerMessage, "no server message for a local failure");
                    }
                }
            }
        }

        [Test]
        static void CancelAndDisposeWhilePolling()
        {
            using (var client = Server.Client())
            {
                PolledRequest request = client.StartChat(Server.Body("slow"), stream: true);
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
                request = client.StartChat(Server.Body("stall-body"), stream: true);
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
