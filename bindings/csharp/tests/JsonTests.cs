using System;
using System.Text;

namespace Webraft.Tests
{
    /// <summary>The binding's own small JSON helpers: quoting, and the member scanner behind usage and stream detection.</summary>
    static class JsonTests
    {
        [Test]
        static void QuoteEscapes()
        {
            Assert.Equal("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001é🎮\"", WebraftJson.Quote("a\"b\\c\n\r\t\b\f\u0001é🎮"), "escapes");
            Assert.Equal("\"\"", WebraftJson.Quote(""), "empty");
        }

        [Test]
        static void StreamFlagOnlyAtTopLevel()
        {
            Assert.True(WebraftJson.IsTrue("{\"model\":\"m\", \"stream\" :\n true}", "stream"), "top level, whitespace");
            Assert.True(!WebraftJson.IsTrue("{\"stream\":false}", "stream"), "false");
            Assert.True(!WebraftJson.IsTrue("{\"stream\":\"true\"}", "stream"), "a string");
            Assert.True(!WebraftJson.IsTrue("{\"x\":{\"stream\":true}}", "stream"), "nested object");
            Assert.True(!WebraftJson.IsTrue("{\"messages\":[{\"content\":\"\\\"stream\\\":true\"}]}", "stream"), "inside a string");
            Assert.True(WebraftJson.IsTrue("{\"messages\":[{\"content\":\"a]}\\\\\"},{}],\"stream\":true}", "stream"), "after brackets and escapes in strings");
            Assert.True(!WebraftJson.IsTrue("{\"streamer\":true}", "stream"), "longer key");
        }

        [Test]
        static void UsageFromCompletion()
        {
            Usage usage = Usage.FromCompletion("{\"choices\":[{\"message\":{\"content\":\"\\\"usage\\\":{\\\"total_tokens\\\":9}\"}}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":-0,\"total_tokens\":12345678901,\"completion_tokens_details\":{\"reasoning_tokens\":5}}}");
            Assert.Equal(12L, usage.PromptTokens, "prompt");
            Assert.Equal(0L, usage.CompletionTokens, "completion");
            Assert.Equal(12345678901L, usage.TotalTokens, "total beyond 32 bits");
            Assert.Equal(null, Usage.FromCompletion("{\"usage\":null}"), "null usage");
            Assert.Equal(null, Usage.FromCompletion("{\"id\":\"x\"}"), "no usage");
            Assert.Equal(0L, Usage.FromCompletion("{\"usage\":{\"prompt_tokens\":1.5}}").PromptTokens, "a non-integer counts as missing");
        }

        [Test]
        static void ScannerNeverThrowsOnMalformedInput()
        {
            const string alphabet = "{}[]\":,\\ usagetru0-1.\n";
            var random = new Random(6);
            var text = new StringBuilder();
            for (int i = 0; i < 20000; i++)
            {
                text.Clear();
                int length = random.Next(40);
                for (int j = 0; j < length; j++)
                    text.Append(alphabet[random.Next(alphabet.Length)]);
                string json = text.ToString();
                try
                {
                    WebraftJson.IsTrue(json, "stream");
                    Usage.FromCompletion(json);
                }
                catch (Exception error)
                {
                    throw new AssertionException("input <" + json + ">: " + error.GetType().Name);
                }
            }
        }
    }
}
