// The C# side of the per-chunk benchmark (see run-bench.sh).
//
// "Bench.exe loop CALLS": callback_loop.c calls a chunk callback CALLS times on a native thread
// with a real 256-byte chunk, and reports ns per call for:
//   c-count, c-text        C callbacks: count; count + webraft_chunk_text (the baselines);
//   pinvoke-count          a static [MonoPInvokeCallback] that only counts: Mono's transition;
//   binding-count          the binding's own chunk callback (PendingCall.OnChunk) for a
//                          StreamAsync handler that counts: GCHandle lookup, copying the chunk,
//                          a ChatChunk, the delegate;
//   binding-text           the same, with a handler that reads chunk.Text.
//
// "Bench.exe stream BASE_URL CHUNKS": streams big-chunks-CHUNKS end to end after a 1000-chunk
// warm-up, one line per mode in the format of bench_raw.c (<mode> chunks= wall_ms= cpu_ms=):
//   pinvoke-count          webraft_chat_stream with a static callback that only counts;
//   stream-count           WebraftClient.StreamAsync with a handler that only counts;
//   stream-text            StreamAsync whose handler reads chunk.Text;
//   poll-text              StartChat(request, stream: true) + TryGetNext in a tight loop reading chunk.Text.
using System;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using Webraft;

static class Bench
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate int ChunkCallback(IntPtr userData, IntPtr chunkJson, UIntPtr length);

    [DllImport("webraft", CallingConvention = CallingConvention.Cdecl)]
    static extern IntPtr webraft_client_new(byte[] config, out IntPtr client, IntPtr error);

    [DllImport("webraft", CallingConvention = CallingConvention.Cdecl)]
    static extern IntPtr webraft_chat_stream(IntPtr client, byte[] request, byte[] options, ChunkCallback onChunk, IntPtr userData);

    [DllImport("webraft", CallingConvention = CallingConvention.Cdecl)]
    static extern uint webraft_result_status(IntPtr result);

    [DllImport("webraft", CallingConvention = CallingConvention.Cdecl)]
    static extern void webraft_result_free(IntPtr result);

    [DllImport("webraft", CallingConvention = CallingConvention.Cdecl)]
    static extern void webraft_client_free(IntPtr client);

    [DllImport("callbackloop", CallingConvention = CallingConvention.Cdecl)]
    static extern int callback_loop(IntPtr callback, IntPtr userData, byte[] chunk, UIntPtr length, long calls,
        out double wallNs, out double cpuNs);

    [DllImport("callbackloop", CallingConvention = CallingConvention.Cdecl)]
    static extern IntPtr callback_loop_c_count();

    [DllImport("callbackloop", CallingConvention = CallingConvention.Cdecl)]
    static extern IntPtr callback_loop_c_text();

    static readonly ChunkCallback CountCallback = CountChunk;
    static long rawChunks;

    [MonoPInvokeCallback(typeof(ChunkCallback))]
    static int CountChunk(IntPtr userData, IntPtr chunkJson, UIntPtr length)
    {
        rawChunks++;
        return 0;
    }

    static byte[] Utf8Z(string text)
    {
        return System.Text.Encoding.UTF8.GetBytes(text + "\0");
    }

    static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "loop")
            return Loop(long.Parse(args[1]));
        if (args.Length == 3 && args[0] == "stream")
            return Stream(args[1], args[2]);
        Console.Error.WriteLine("usage: Bench.exe loop CALLS | Bench.exe stream BASE_URL CHUNKS");
        return 2;
    }

    // A content chunk of big-chunks-<n> as the test server sends it: 256 bytes.
    const string Chunk = "{\"id\":\"chatcmpl-test-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\"big-chunks-200000\",\"system_fingerprint\":\"fp_test\",\"choices\":[{\"index\":0,\"delta\":"
        + "{\"content\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},\"logprobs\":null,\"finish_reason\":null}]}";

    static int Loop(long calls)
    {
        byte[] chunk = Utf8Z(Chunk);
        var length = new UIntPtr((uint)(chunk.Length - 1));
        long counter = 0;
        GCHandle counterPin = GCHandle.Alloc(counter, GCHandleType.Pinned);
        // The binding's callback and per-request state are internal: reach them once by reflection.
        Assembly binding = typeof(WebraftClient).Assembly;
        Type pendingCall = binding.GetType("Webraft.PendingCall", true);
        var bindingCallback = (Delegate)pendingCall.GetField("ChunkCallback", BindingFlags.Static | BindingFlags.NonPublic).GetValue(null);
        Type taskCall = binding.GetType("Webraft.TaskCall`1", true).MakeGenericType(typeof(ChatResult));
        Func<Action<ChatChunk>, GCHandle> state = onChunk => GCHandle.Alloc(Activator.CreateInstance(taskCall,
            BindingFlags.Instance | BindingFlags.NonPublic, null,
            new object[] { null, CancellationToken.None, onChunk, null, null }, null));
        long count = 0, textLength = 0;
        GCHandle countingState = state(c => count++);
        GCHandle textState = state(c => textLength += c.Text.Length);
        var modes = new[]
        {
            Tuple.Create("c-count", callback_loop_c_count(), counterPin.AddrOfPinnedObject()),
            Tuple.Create("c-text", callback_loop_c_text(), counterPin.AddrOfPinnedObject()),
            Tuple.Create("pinvoke-count", Marshal.GetFunctionPointerForDelegate(CountCallback), IntPtr.Zero),
            Tuple.Create("binding-count", Marshal.GetFunctionPointerForDelegate(bindingCallback), GCHandle.ToIntPtr(countingState)),
            Tuple.Create("binding-text", Marshal.GetFunctionPointerForDelegate(bindingCallback), GCHandle.ToIntPtr(textState)),
        };
        foreach (var mode in modes)
        {
            double wallNs, cpuNs;
            if (callback_loop(mode.Item2, mode.Item3, chunk, length, calls, out wallNs, out cpuNs) != 0)
                throw new Exception("callback_loop failed");
            Console.WriteLine("{0} calls={1} wall_ns={2:F1} cpu_ns={3:F1}", mode.Item1, calls, wallNs, cpuNs);
        }
        if (textLength == 0 || count == 0)
            throw new Exception("the binding's handlers never ran");
        return 0;
    }

    static int Stream(string baseUrl, string chunkTotal)
    {
        string config = "{\"base_url\":\"" + baseUrl + "\",\"api_key\":\"test-key\",\"max_body_bytes\":1073741824}";
        IntPtr raw;
        webraft_client_new(Utf8Z(config), out raw, IntPtr.Zero);
        using (var client = new WebraftClient(config))
        {
            foreach (string chunkCount in new[] { "1000", chunkTotal })
            {
                string request = "{\"model\":\"big-chunks-" + chunkCount + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                bool report = chunkCount == chunkTotal;
                Measure("pinvoke-count", report, () =>
                {
                    rawChunks = 0;
                    IntPtr result = webraft_chat_stream(raw, Utf8Z(request), null, CountCallback, IntPtr.Zero);
                    if (webraft_result_status(result) != 0)
                        throw new Exception("raw stream failed");
                    webraft_result_free(result);
                    return rawChunks;
                });
                Measure("stream-count", report, () =>
                {
                    long chunks = 0;
                    client.StreamAsync(request, chunk => chunks++).Wait();
                    return chunks;
                });
                Measure("stream-text", report, () =>
                {
                    long chunks = 0, textLength = 0;
                    client.StreamAsync(request, chunk =>
                    {
                        chunks++;
                        textLength += chunk.Text.Length;
                    }).Wait();
                    return chunks;
                });
                Measure("poll-text", report, () =>
                {
                    long chunks = 0, textLength = 0;
                    using (PolledRequest polled = client.StartChat(request, stream: true))
                    {
                        while (true)
                        {
                            ChatChunk chunk;
                            while (polled.TryGetNext(out chunk))
                            {
                                chunks++;
                                textLength += chunk.Text.Length;
                            }
                            if (polled.IsCompleted)
                                break;
                            Thread.Yield();
                        }
                        polled.GetResult();
                    }
                    return chunks;
                });
            }
        }
        webraft_client_free(raw);
        return 0;
    }

    static void Measure(string mode, bool report, Func<long> stream)
    {
        Process self = Process.GetCurrentProcess();
        TimeSpan cpu = self.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        long chunks = stream();
        double wallMs = wall.Elapsed.TotalMilliseconds;
        self.Refresh();
        double cpuMs = (self.TotalProcessorTime - cpu).TotalMilliseconds;
        if (report)
            Console.WriteLine("{0} chunks={1} wall_ms={2:F1} cpu_ms={3:F1}", mode, chunks, wallMs, cpuMs);
    }
}

[AttributeUsage(AttributeTargets.Method)]
sealed class MonoPInvokeCallbackAttribute : Attribute
{
    public MonoPInvokeCallbackAttribute(Type delegateType) { }
}
