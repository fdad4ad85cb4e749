using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    static class CancelTests
    {
        [Test]
        static async Task CancelMidStreamFromAnotherThread()
        {
            using (var client = Server.Client())
            using (var cancel = new CancellationTokenSource())
            using (var firstChunk = new ManualResetEventSlim())
            {
                int chunks = 0;
                // stall-body sends the role chunk and then nothing: only cancelling ends it.
                Task<ChatResult> streaming = client.StreamAsync(Server.Body("stall-body"), chunk =>
                {
                    Interlocked.Increment(ref chunks);
                    firstChunk.Set();
                }, cancel.Token);
                Assert.True(firstChunk.Wait(TimeSpan.FromSeconds(30)), "first chunk arrived");
                var clock = Stopwatch.StartNew();
                cancel.Cancel();
                var error = await Assert.ThrowsAsync<OperationCanceledException>(() => streaming, "cancelled stream");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "cancelled promptly, took " + clock.ElapsedMilliseconds + " ms");
                Assert.Equal(cancel.Token, error.CancellationToken, "the caller's token");
                Assert.True(streaming.IsCanceled, "task state Canceled");
                Assert.Equal(1, Volatile.Read(ref chunks), "only the role chunk");
            }
        }

        [Test]
        static async Task CancelFromInsideOnChunk()
        {
            using (var client = Server.Client())
            using (var cancel = new CancellationTokenSource())
            {
                var texts = new List<string>();
                Task<ChatResult> streaming = client.StreamAsync(Server.Body("slow"), chunk =>
                {
                    texts.Add(chunk.Text);
                    if (texts.Count == 2)
                        cancel.Cancel();
                }, cancel.Token);
                await Assert.ThrowsAsync<OperationCanceledException>(() => streaming, "cancelled in the handler");
                Assert.Equal("|Hello! ", string.Join("|", texts), "chunks up to the cancel");
            }
        }

        [Test]
        static async Task CancelPlainChatWaitingForHeaders()
        {
            using (var client = Server.Client())
            using (var cancel = new CancellationTokenSource())
            {
                Task<ChatResult> chat = client.ChatAsync(Server.Body("stall-headers"), cancel.Token);
                cancel.CancelAfter(100);
                await Assert.ThrowsAsync<OperationCanceledException>(() => chat, "cancelled chat");
                Assert.Equal(Server.ReplyToHi, (await client.ChatAsync(Server.Body())).Text, "client still usable");
            }
        }

        [Test]
        static async Task AlreadyCancelledTokenStartsNothing()
        {
            using (var client = Server.Client())
            {
                var token = new CancellationToken(true);
                Task<ChatResult> chat = client.ChatAsync(Server.Body(), token);
                Assert.True(chat.IsCanceled, "chat canceled at once");
                Assert.True(client.StreamAsync(Server.Body(), chunk => { }, token).IsCanceled, "stream canceled at once");
                Assert.True(client.SendAsync("GET", "/models", null, token).IsCanceled, "send canceled at once");
                await Assert.ThrowsAsync<OperationCanceledException>(() => chat, "awaiting throws");
            }
        }

        [Test]
        static async Task CancelAfterCompletionIsHarmless()
        {
            using (var client = Server.Client())
            using (var cancel = new CancellationTokenSource())
            {
                ChatResult result = await client.ChatAsync(Server.Body(), cancel.Token);
                cancel.Cancel();
                Assert.Equal(Server.ReplyToHi, result.Text, "result kept");
            }
        }

        [Test]
        static async Task DisposeDuringStream()
        {
            var client = Server.Client();
            using (var firstChunk = new ManualResetEventSlim())
            {
                long freedBefore = Interlocked.Read(ref NativeStats.ClientsFreed);
                Task<ChatResult> streaming = client.StreamAsync(Server.Body("stall-body"), chunk => firstChunk.Set());
                Assert.True(firstChunk.Wait(TimeSpan.FromSeconds(30)), "first chunk arrived");
                client.Dispose();
                Assert.True(Interlocked.Read(ref NativeStats.ClientsFreed) > freedBefore, "native client freed by Dispose");
                var error = await Assert.ThrowsAsync<WebraftException>(() => streaming, "stream of a disposed client");
                Assert.Equal(WebraftStatus.Cancelled, error.Status, "status");
                client.Dispose();
            }
        }

        [Test]
        static async Task DisposeInsideOnChunk()
        {
            var client = Server.Client();
            int chunks = 0;
            var error = await Assert.ThrowsAsync<WebraftException>(() => client.StreamAsync(Server.Body("slow"), chunk =>
            {
                if (++chunks == 2)
                    client.Dispose();
            }), "dispose in the handler");
            Assert.Equal(WebraftStatus.Cancelled, error.Status, "status");
            Assert.Equal("Hello! ", error.PartialText, "text so far");
        }

        [Test]
        static void DisposedClientThrowsObjectDisposed()
        {
            var client = Server.Client();
            client.Dispose();
            Assert.Throws<ObjectDisposedException>(() => client.ChatAsync(Server.Body()), "ChatAsync");
            Assert.Throws<ObjectDisposedException>(() => client.ChatAsync(new ChatPrompt("hi")), "ChatAsync(prompt)");
            Assert.Throws<ObjectDisposedException>(() => client.StreamAsync(Server.Body(), chunk => { }), "StreamAsync");
            Assert.Throws<ObjectDisposedException>(() => client.SendAsync("GET", "/models"), "SendAsync");
            Assert.Throws<ObjectDisposedException>(() => client.StartChat(Server.Body()), "StartChat");
        }

        [Test]
        static async Task DisposeRacingWithCallsFromManyThreads()
        {
            // Every call must succeed, throw ObjectDisposedException, or fail as cancelled.
            for (int round = 0; round < 5; round++)
            {
                var client = Server.Client();
                var outcomes = new List<string>();
                using (var go = new ManualResetEventSlim())
                {
                    var callers = Enumerable.Range(0, 4).Select(caller => Task.Run(async () =>
                    {
                        go.Wait();
                        for (int i = 0; i < 10; i++)
                        {
                            string outcome;
                            try
                            {
                                ChatResult result = await (i % 2 == 0
                                    ? client.ChatAsync(Server.Body())
                                    : client.StreamAsync(Server.Body(), chunk => { }));
                                outcome = result.Text == Server.ReplyToHi ? "ok" : "wrong text " + result.Text;
                            }
                            catch (ObjectDisposedException)
                            {
                                outcome = "disposed";
                            }
                            catch (WebraftException error) when (error.Status == WebraftStatus.Cancelled)
                            {
                                outcome = "cancelled";
                            }
                            lock (outcomes)
                                outcomes.Add(outcome);
                        }
                    })).ToArray();
                    go.Set();
                    Thread.Sleep(round * 5);
                    client.Dispose();
                    await Assert.Within(Task.WhenAll(callers), 60, "callers");
                }
                string unexpected = outcomes.FirstOrDefault(o => o != "ok" && o != "disposed" && o != "cancelled");
                Assert.Equal(null, unexpected, "unexpected outcome");
                Assert.Equal(40, outcomes.Count, "every call accounted for");
            }
        }
    }
}
