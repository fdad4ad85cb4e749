using System;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace Webraft
{
    /// <summary>
    /// webraft-mock, the OpenAI-compatible mock server installed with webraft, running for the
    /// length of a test: its scenarios (chosen by model name), fault flags such as
    /// <c>--stall-after 3</c>, and recorded cassettes (<c>--replay FILE</c>); see its README.
    /// Dispose stops it. It starts a process, so it is for desktop test runs (NUnit, Unity's
    /// editor tests), not for players on consoles or phones.
    /// <code>
    /// using (var mock = new MockServer("--disconnect-after", "3"))
    /// using (var client = new WebraftClient("{\"base_url\":\"" + mock.BaseUrl("/v1") + "\",\"api_key\":\"test-key\"}"))
    /// { ... }
    /// </code>
    /// The program run is <see cref="Program"/>: $WEBRAFT_MOCK_BIN, else webraft-mock on PATH.
    /// </summary>
    public sealed class MockServer : IDisposable
    {
        /// <summary>The key the mock's scenarios accept (record and replay accept any key).</summary>
        public const string ApiKey = "test-key";

        const int StartTimeoutMs = 15000;
        const int StopTimeoutMs = 5000;

        readonly Process process;

        /// <summary>Starts webraft-mock with these flags (e.g. "--errors", "429:1,500").</summary>
        /// <exception cref="InvalidOperationException">It could not be run, or did not start
        /// (its own message, such as an invalid cassette's line, is on stderr).</exception>
        public MockServer(params string[] flags)
        {
            flags = flags ?? new string[0];
            // --exit-on-stdin-eof: the mock also ends when this process dies and the pipe closes.
            var args = flags.Concat(new[] { "--port", "0", "--exit-on-stdin-eof" });
            process = Launch(args, true);
            Task<string> line = process.StandardOutput.ReadLineAsync();
            if (!line.Wait(StartTimeoutMs) || line.Result == null || !line.Result.StartsWith("LISTENING "))
            {
                Dispose();
                throw new InvalidOperationException(string.Format(
                    "webraft-mock {0} did not start (its stderr says why)", string.Join(" ", flags)));
            }
            Port = int.Parse(line.Result.Substring("LISTENING ".Length).Trim());
            bool tls = flags.Contains("--tls") || flags.Contains("--require-client-cert");
            Url = tls ? "https://localhost:" + Port : "http://127.0.0.1:" + Port;
        }

        /// <summary>The port it listens on, on 127.0.0.1.</summary>
        public int Port { get; private set; }

        /// <summary>"http://127.0.0.1:PORT", or "https://localhost:PORT" with --tls.</summary>
        public string Url { get; private set; }

        /// <summary><see cref="Url"/> followed by a base path such as "/v1".</summary>
        public string BaseUrl(string basePath)
        {
            return Url + basePath;
        }

        /// <summary>The webraft-mock that runs: $WEBRAFT_MOCK_BIN, else "webraft-mock" (found on PATH).</summary>
        public static string Program
        {
            get
            {
                string bin = Environment.GetEnvironmentVariable("WEBRAFT_MOCK_BIN");
                return string.IsNullOrEmpty(bin) ? "webraft-mock" : bin;
            }
        }

        /// <summary>
        /// Runs webraft-mock to completion and returns its standard output, e.g.
        /// <c>Run("--write-certs", dir)</c> for the CA a client of a --tls mock must trust.
        /// </summary>
        /// <exception cref="InvalidOperationException">It could not be run, or failed.</exception>
        public static string Run(params string[] args)
        {
            using (Process run = Launch(args, false))
            {
                string output = run.StandardOutput.ReadToEnd();
                run.WaitForExit();
                if (run.ExitCode != 0)
                    throw new InvalidOperationException(string.Format(
                        "webraft-mock {0} failed with exit code {1}", string.Join(" ", args), run.ExitCode));
                return output;
            }
        }

        /// <summary>Stops the mock: closes its stdin and waits for it to exit (kills it after 5 s).</summary>
        public void Dispose()
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(StopTimeoutMs))
                    process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
            process.Dispose();
        }

        static Process Launch(System.Collections.Generic.IEnumerable<string> args, bool stdin)
        {
            var info = new ProcessStartInfo(Program, string.Join(" ", args.Select(Quote)))
            {
                UseShellExecute = false,
                RedirectStandardInput = stdin,
                RedirectStandardOutput = true,
            };
            try
            {
                return Process.Start(info);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException(string.Format(
                    "cannot run {0} ({1}): set WEBRAFT_MOCK_BIN or put webraft-mock on PATH", Program, e.Message), e);
            }
        }

        /// <summary>
        /// One argument for ProcessStartInfo.Arguments, quoted as .NET splits it (backslashes
        /// double only before a quote), which Mono's splitter reads the same way.
        /// </summary>
        static string Quote(string arg)
        {
            if (arg.Length > 0 && !arg.Any(c => char.IsWhiteSpace(c) || c == '"' || c == '\\' || c == '\''))
                return arg;
            var quoted = new StringBuilder("\"");
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                quoted.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes);
                backslashes = 0;
                quoted.Append(c);
            }
            return quoted.Append('\\', backslashes * 2).Append('"').ToString();
        }
    }
}
