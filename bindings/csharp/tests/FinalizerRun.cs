using System;
using System.Threading;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    /// <summary>
    /// The finalizer-only run (its own process): clients and polled requests are used and
    /// abandoned without Dispose. Finalizers must free every native handle, nothing may crash,
    /// and the process must exit cleanly while a callback request and a polled request still run.
    /// </summary>
    static class FinalizerRun
    {
        const int Rounds = 40;
        // The credential provider of each round's client: freed with it, not kept by its GCHandle.
        static readonly System.Collections.Generic.List<WeakReference> Providers = new System.Collections.Generic.List<WeakReference>();

        public static int Run()
        {
            int passed = 0, failed = 0;
            Check("abandoned clients and requests are freed by finalizers", AbandonedHandlesAreFreed, ref passed, ref failed);
            Check("a forgotten client still completes its requests", ForgottenClientCompletesItsRequests, ref passed, ref failed);
            StartWorkThatOutlivesMain();
            Console.WriteLine($"finalizer-only: {passed} passed, {failed} failed");
            // Returning from Main with work in flight exercises the exit path: InFlight cancels and
            // drains the callback request, finalizers (where the runtime runs them) free the rest.
            return failed == 0 ? 0 : 1;
        }

        static void Check(string name, Action check, ref int passed, ref int failed)
        {
            try
            {
                check();
                Console.WriteLine("PASS " + name);
                passed++;
            }
            catch (Exception error)
            {
                Console.WriteLine("FAIL " + name + ": " + error);
                failed++;
            }
        }

        static void AbandonedHandlesAreFreed()
        {
            long clients = Interlocked.Read(ref NativeStats.ClientsFreed);
            long requests = Interlocked.Read(ref NativeStats.RequestsFreed);
            long results = Interlocked.Read(ref NativeStats.ResultsFreed);
            long conversations = Interlocked.Read(ref NativeStats.ConversationsFreed);
            long forms = Interlocked.Read(ref NativeStats.FormsFreed);
            // On a thread of its own: Mono scans stacks conservatively, and a stale slot on a
            // live stack could keep the last client reachable.
            Exception failure = null;
            var user = new Thread(() =>
            {
                try
                {
                    for (int round = 0; round < Rounds; round++)
                        UseWithoutDispose(round);
                }
                catch (Exception error)
                {
                    failure = error;
                }
            });
            user.Start();
            user.Join();
            if (failure != null)
                throw failure;
            CollectEverything();
            Assert.Equal(clients + Rounds, Interlocked.Read(ref NativeStats.ClientsFreed), "clients freed");
            // Per round: the chat, the stream, the drained poll, the conversation's chat, the Responses
            // stream, the failed Responses call, the transcription, the speech and the abandoned running poll.
            Assert.Equal(requests + 9 * Rounds, Interlocked.Read(ref NativeStats.RequestsFreed), "requests freed");
            // Per round: the chat, the stream, the drained poll's, the conversation's and the Responses
            // stream's results, kept by ChatResults until collected, the transcription's and the speech's,
            // and the failed call's, kept by its WebraftException (the abandoned poll's result dies with
            // its request).
            Assert.Equal(results + 8 * Rounds, Interlocked.Read(ref NativeStats.ResultsFreed), "results freed");
            Assert.Equal(conversations + Rounds, Interlocked.Read(ref NativeStats.ConversationsFreed), "conversations freed");
            lock (Providers)
                Assert.True(Providers.Count == Rounds && Providers.TrueForAll(provider => !provider.IsAlive),
                    "the credential providers were released with their clients");
            Assert.Equal(forms + Rounds, Interlocked.Read(ref NativeStats.FormsFreed), "forms freed");
            Assert.Eventually(() => InFlight.Count == 0, 10, "callback state released");
        }

        static void UseWithoutDispose(int round)
        {
            var client = Server.Client(key: "wrong-key");
            string text = "round " + round;
            // A closure of its own (it captures text), asked for every attempt; it gives the right key.
            Func<CredentialRequest, Credential> provider = request => Credential.Key(text.Length > 0 ? Server.Key : null);
            lock (Providers)
                Providers.Add(new WeakReference(provider));
            client.SetCredentials(provider);
            Assert.Equal("Hello! You said: " + text, client.ChatAsync(Server.Body(text: text)).Result.Text, "chat");
            Assert.Equal("Hello! You said: " + text, client.StreamAsync(Server.Body(text: text), ignored => { }).Result.Text, "stream");
            PolledRequest drained = client.StartChat(Server.Body(text: text), stream: true);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            ChatChunk chunk;
            while (!drained.IsCompleted && DateTime.UtcNow < deadline)
            {
                while (drained.TryGetNext(out chunk)) { }
                Thread.Sleep(1);
            }
            Assert.Equal("Hello! You said: " + text, drained.GetResult().Text, "poll");
            var chat = new Conversation { Model = "gpt-4o" }.AddUser(text);
            chat.AddAssistantTurn(client.ChatAsync(chat).Result);
            Assert.Equal(2, chat.Count, "conversation");
            Assert.Equal("Hello! You said: " + text, client.StreamResponsesAsync(ResponsesTests.Body(input: text), ignored => { }).Result.Text,
                "responses stream");
            try
            {
                client.ResponsesAsync(ResponsesTests.Body("responses-failed")).Wait();
                throw new AssertionException("a failed response failed");
            }
            catch (AggregateException error)
            {
                Assert.True(((WebraftException)error.InnerException).GetHeader("x-request-id") != null, "the failure reads its headers");
            }
            var form = new MultipartForm().AddText("model", "whisper-1").AddFile("file", new byte[] { 1, 2, 3 }, "a.wav");
            Assert.Contains(client.TranscribeAsync(form).Result.Text, "heard 3 bytes of a.wav (audio/wav)", "transcription");
            string speech = "{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":" + WebraftJson.Quote(text) + "}";
            Assert.Equal(1024L * text.Length, client.SpeechAsync(speech).Result.Body.LongLength, "speech");
            client.StartChat(Server.Body("stall-body"), stream: true);
        }

        static void CollectEverything()
        {
            for (int pass = 0; pass < 3; pass++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }

        static void ForgottenClientCompletesItsRequests()
        {
            // Started on a thread that then ends, so no stack keeps the clients reachable:
            // the only references to their handles are the ones the requests hold.
            Task<ChatResult> chat = null;
            PolledRequest polled = null;
            WeakReference chatClient = null, pollClient = null;
            var starter = new Thread(() =>
            {
                var client = Server.Client();
                chatClient = new WeakReference(client);
                chat = client.ChatAsync(Server.Body("slow"));
                client = Server.Client();
                pollClient = new WeakReference(client);
                polled = client.StartChat(Server.Body("slow"), stream: true);
            });
            starter.Start();
            starter.Join();
            CollectEverything();
            Assert.True(!chatClient.IsAlive && !pollClient.IsAlive, "the WebraftClient objects were collected");
            Assert.Equal(Server.ReplyToHi, chat.Result.Text, "callback request of a collected client");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!polled.IsCompleted && DateTime.UtcNow < deadline)
            {
                ChatChunk chunk;
                while (polled.TryGetNext(out chunk)) { }
                CollectEverything();
            }
            Assert.Equal(Server.ReplyToHi, polled.GetResult().Text, "polled request of a collected client");
        }

        static void StartWorkThatOutlivesMain()
        {
            var client = Server.Client();
            client.StreamAsync(Server.Body("stall-body"), chunk => { });
            client.StartChat(Server.Body("slow"), stream: true);
        }
    }
}
