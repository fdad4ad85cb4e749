using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    /// <summary>Marks a test: a static method taking nothing and returning void or Task.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    sealed class TestAttribute : Attribute { }

    sealed class AssertionException : Exception
    {
        public AssertionException(string message) : base(message) { }
    }

    static class Assert
    {
        public static void True(bool condition, string what)
        {
            if (!condition)
                throw new AssertionException(what);
        }

        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
                throw new AssertionException($"{what}: expected <{expected}>, got <{actual}>");
        }

        public static void Contains(string haystack, string needle, string what)
        {
            if (haystack == null || !haystack.Contains(needle))
                throw new AssertionException($"{what}: <{haystack ?? "null"}> does not contain <{needle}>");
        }

        public static T Throws<T>(Action action, string what) where T : Exception
        {
            try
            {
                action();
            }
            catch (T expected)
            {
                return expected;
            }
            catch (Exception other)
            {
                throw new AssertionException($"{what}: expected {typeof(T).Name}, got {other.GetType().Name}: {other.Message}");
            }
            throw new AssertionException($"{what}: expected {typeof(T).Name}, nothing was thrown");
        }

        /// <summary>Awaits the task the action returns (within a generous limit) and expects it to fail with T.</summary>
        public static async Task<T> ThrowsAsync<T>(Func<Task> action, string what) where T : Exception
        {
            try
            {
                await Within(action(), 30, what);
            }
            catch (T expected)
            {
                return expected;
            }
            catch (AssertionException)
            {
                throw;
            }
            catch (Exception other)
            {
                throw new AssertionException($"{what}: expected {typeof(T).Name}, got {other.GetType().Name}: {other.Message}");
            }
            throw new AssertionException($"{what}: expected {typeof(T).Name}, nothing was thrown");
        }

        /// <summary>Waits (polling) until the condition holds; fails after a generous limit.</summary>
        public static void Eventually(Func<bool> condition, double seconds, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
                    throw new AssertionException($"{what}: still not true after {seconds} s");
                Thread.Sleep(10);
            }
        }

        public static async Task Within(Task task, double seconds, string what)
        {
            if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds))) != task)
                throw new AssertionException($"{what}: not finished within {seconds} s");
            await task;
        }

        public static async Task<T> Within<T>(Task<T> task, double seconds, string what)
        {
            await Within((Task)task, seconds, what);
            return task.Result;
        }
    }

    static class Program
    {
        const int TestTimeoutSeconds = 120;

        static int Main(string[] args)
        {
            if (Environment.GetEnvironmentVariable("WEBRAFT_TEST_URL") == null)
            {
                Console.Error.WriteLine("WEBRAFT_TEST_URL is not set: start target/release/webraft-test-server first (run-tests.sh does)");
                return 2;
            }
            if (args.Length > 0 && args[0] == "--finalizer-only")
                return FinalizerRun.Run();

            var tests = typeof(Program).Assembly.GetTypes()
                .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
                .Where(method => method.GetCustomAttributes(typeof(TestAttribute), false).Length > 0)
                .OrderBy(method => method.DeclaringType.Name, StringComparer.Ordinal)
                .ThenBy(method => method.MetadataToken)
                .Where(method => args.Length == 0 || args.Any(filter => Name(method).Contains(filter)))
                .ToList();
            int passed = 0, failed = 0;
            foreach (MethodInfo test in tests)
            {
                if (Run(Name(test), () => Invoke(test)))
                    passed++;
                else
                    failed++;
            }
            // Every callback-driven request must release its GCHandle once its done callback returns
            // (which may be just after its task completed).
            if (Run("AllCallbackStateReleased", () => Task.Run(() =>
                Assert.Eventually(() => InFlight.Count == 0, 10, "every request released its callback state"))))
                passed++;
            else
                failed++;
            Console.WriteLine($"{passed} passed, {failed} failed");
            // A timed-out test may have left a thread behind; do not wait for it.
            Environment.Exit(failed == 0 ? 0 : 1);
            return 0;
        }

        static string Name(MethodInfo test)
        {
            return test.DeclaringType.Name + "." + test.Name;
        }

        static Task Invoke(MethodInfo test)
        {
            return Task.Run(() => test.Invoke(null, null) as Task ?? Task.FromResult(0));
        }

        static bool Run(string name, Func<Task> test)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                Task running = test();
                if (!running.Wait(TimeSpan.FromSeconds(TestTimeoutSeconds)))
                    throw new AssertionException($"timed out after {TestTimeoutSeconds} s");
                Console.WriteLine($"PASS {name} ({clock.ElapsedMilliseconds} ms)");
                return true;
            }
            catch (Exception error)
            {
                Console.WriteLine($"FAIL {name} ({clock.ElapsedMilliseconds} ms): {Describe(error)}");
                return false;
            }
        }

        static string Describe(Exception error)
        {
            while ((error is AggregateException || error is TargetInvocationException) && error.InnerException != null)
                error = error.InnerException;
            return error is AssertionException ? error.Message : error.ToString();
        }
    }

    /// <summary>The loopback test server that run-tests.sh started.</summary>
    static class Server
    {
        public const string Key = "test-key";
        public const string ReplyToHi = "Hello! You said: hi";

        public static string Url(string basePath)
        {
            return Environment.GetEnvironmentVariable("WEBRAFT_TEST_URL") + basePath;
        }

        public static string Config(string basePath = "/v1", string key = Key, string extra = null)
        {
            return "{\"base_url\":" + WebraftJson.Quote(Url(basePath)) + ",\"api_key\":" + WebraftJson.Quote(key)
                + (extra == null ? "" : "," + extra) + "}";
        }

        public static WebraftClient Client(string basePath = "/v1", string key = Key, string extra = null)
        {
            return new WebraftClient(Config(basePath, key, extra));
        }

        /// <summary>A one-message chat request body.</summary>
        public static string Body(string model = "gpt-4o", string text = "hi", bool stream = false, string extra = null)
        {
            return "{\"model\":" + WebraftJson.Quote(model) + (stream ? ",\"stream\":true" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + WebraftJson.Quote(text) + "}]"
                + (extra == null ? "" : "," + extra) + "}";
        }

        public static readonly string[] Bases = { "/v1", "/v2", "/freeapi" };

        /// <summary>JSON text to read by pointer, through the library (the tests have no JSON library either).</summary>
        public static JsonSource Json(string json)
        {
            return new ChatChunk(System.Text.Encoding.UTF8.GetBytes(json));
        }

        /// <summary>What the echo-request model received: the request body sent, to read by pointer.</summary>
        public static JsonSource EchoedBody(ChatResult echo)
        {
            return Json(Json(echo.Text).GetJson("/body"));
        }

        /// <summary>
        /// A streamed request whose "stream" key is spelled with a \u escape in the JSON text:
        /// valid JSON and the same key, which only a real JSON parser (the library's) sees.
        /// </summary>
        public const string EscapedStreamBody =
            "{\"model\":\"gpt-4o\",\"stre\\u0061m\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }
}
