using System;
using System.Globalization;
using System.Text;

namespace Webraft
{
    /// <summary>
    /// JSON string quoting, for the bodies <see cref="ChatPrompt"/> writes and for callers building
    /// config or request JSON, so that the binding depends on no JSON library (Mono and Unity
    /// profiles differ in what they ship). The binding never reads request JSON: what the library
    /// makes of a request, it says through the C ABI. Parse full replies with your own library.
    /// </summary>
    public static class WebraftJson
    {
        /// <summary>A JSON string literal for <paramref name="value"/>, quotes included.</summary>
        public static string Quote(string value)
        {
            if (value == null)
                throw new ArgumentNullException("value");
            var json = new StringBuilder(value.Length + 2);
            json.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': json.Append("\\\""); break;
                    case '\\': json.Append("\\\\"); break;
                    case '\n': json.Append("\\n"); break;
                    case '\r': json.Append("\\r"); break;
                    case '\t': json.Append("\\t"); break;
                    case '\b': json.Append("\\b"); break;
                    case '\f': json.Append("\\f"); break;
                    default:
                        if (c < ' ')
                            json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            json.Append(c);
                        break;
                }
            }
            return json.Append('"').ToString();
        }
    }
}
