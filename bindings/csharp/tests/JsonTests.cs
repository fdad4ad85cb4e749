using System;
using System.Text;

namespace Webraft.Tests
{
    /// <summary>The binding's own small JSON helpers: quoting, and the member scanner behind stream detection.</summary>
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
                }
                catch (Exception error)
                {
                    throw new AssertionException("input <" + json + ">: " + error.GetType().Name);
                }
            }
        }
    }
}
