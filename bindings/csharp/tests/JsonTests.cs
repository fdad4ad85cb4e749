namespace Webraft.Tests
{
    /// <summary>The binding's one JSON helper: quoting.</summary>
    static class JsonTests
    {
        [Test]
        static void QuoteEscapes()
        {
            Assert.Equal("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001é🎮\"", WebraftJson.Quote("a\"b\\c\n\r\t\b\f\u0001é🎮"), "escapes");
            Assert.Equal("\"\"", WebraftJson.Quote(""), "empty");
        }
    }
}
