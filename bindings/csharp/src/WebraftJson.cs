using System;
using System.Globalization;
using System.Text;

namespace Webraft
{
    /// <summary>
    /// The little JSON the binding itself needs, so that it depends on no JSON library
    /// (Mono and Unity profiles differ in what they ship). Parse full replies with your own.
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

        // A forgiving scanner over JSON text: it finds one member of an object without
        // building a tree. Malformed input makes it report "not found"; it never throws.
        // Keys are compared as written, so a key spelled with \u escapes is not matched.

        /// <summary>True when the top-level object has <paramref name="key"/> set to the literal true.</summary>
        internal static bool IsTrue(string json, string key)
        {
            int start, end;
            return TryFindMember(json, 0, key, out start, out end)
                && end - start == 4 && string.CompareOrdinal(json, start, "true", 0, 4) == 0;
        }

        /// <summary>
        /// Finds member <paramref name="key"/> of the object that starts (after whitespace) at
        /// <paramref name="objectStart"/>, giving the span of its value.
        /// </summary>
        internal static bool TryFindMember(string json, int objectStart, string key, out int valueStart, out int valueEnd)
        {
            valueStart = valueEnd = -1;
            int i = SkipWhitespace(json, objectStart);
            if (i >= json.Length || json[i] != '{')
                return false;
            i = SkipWhitespace(json, i + 1);
            while (i < json.Length && json[i] == '"')
            {
                int keyEnd = SkipString(json, i);
                if (keyEnd < 0)
                    return false;
                bool match = keyEnd - i - 2 == key.Length && string.CompareOrdinal(json, i + 1, key, 0, key.Length) == 0;
                i = SkipWhitespace(json, keyEnd);
                if (i >= json.Length || json[i] != ':')
                    return false;
                i = SkipWhitespace(json, i + 1);
                int end = SkipValue(json, i);
                if (end < 0)
                    return false;
                if (match)
                {
                    valueStart = i;
                    valueEnd = end;
                    return true;
                }
                i = SkipWhitespace(json, end);
                if (i >= json.Length || json[i] != ',')
                    return false;
                i = SkipWhitespace(json, i + 1);
            }
            return false;
        }

        static bool IsWhitespace(char c)
        {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r';
        }

        static int SkipWhitespace(string json, int i)
        {
            while (i < json.Length && IsWhitespace(json[i]))
                i++;
            return i;
        }

        /// <summary>The index just past the string that opens at <paramref name="i"/>, or -1.</summary>
        static int SkipString(string json, int i)
        {
            for (i++; i < json.Length; i++)
            {
                if (json[i] == '\\')
                    i++;
                else if (json[i] == '"')
                    return i + 1;
            }
            return -1;
        }

        /// <summary>The index just past the value that starts at <paramref name="i"/>, or -1.</summary>
        static int SkipValue(string json, int i)
        {
            if (i >= json.Length)
                return -1;
            char first = json[i];
            if (first == '"')
                return SkipString(json, i);
            if (first == '{' || first == '[')
            {
                int depth = 0;
                while (i < json.Length)
                {
                    char c = json[i];
                    if (c == '"')
                    {
                        i = SkipString(json, i);
                        if (i < 0)
                            return -1;
                        continue;
                    }
                    if (c == '{' || c == '[')
                        depth++;
                    else if ((c == '}' || c == ']') && --depth == 0)
                        return i + 1;
                    i++;
                }
                return -1;
            }
            int start = i;
            while (i < json.Length && json[i] != ',' && json[i] != '}' && json[i] != ']' && !IsWhitespace(json[i]))
                i++;
            return i > start ? i : -1;
        }
    }
}
