using System;
using System.Collections.Generic;

namespace Webraft.Tests
{
    /// <summary>WebraftStatus is a hand copy of webraft.h's status enum; these tests catch it drifting from the library.</summary>
    static class StatusTests
    {
        const uint Highest = 63;

        [Test]
        static void BindingStatusNamesMatchTheLibrary()
        {
            // A status added to (or renamed in) the core without the binding shows up here: the
            // library names it, the binding says UNKNOWN (or another name).
            var mismatches = new List<string>();
            for (uint value = 0; value <= Highest; value++)
            {
                string library = Utf8.FromNative(Native.webraft_status_name(value));
                string binding = WebraftStatusNames.Of(value);
                if (library != binding)
                    mismatches.Add(string.Format("{0}: library {1}, binding {2}", value, library, binding));
            }
            Assert.True(mismatches.Count == 0, "status names differ: " + string.Join("; ", mismatches));
        }

        [Test]
        static void EveryBindingStatusIsChecked()
        {
            foreach (WebraftStatus status in Enum.GetValues(typeof(WebraftStatus)))
                Assert.True((uint)status <= Highest, status + " is beyond the values the drift test compares");
            Assert.Equal("HTTP_STATUS", WebraftStatusNames.Of((uint)WebraftStatus.HttpStatus), "a two-word name");
            Assert.Equal("INVALID_UTF8", WebraftStatusNames.Of((uint)WebraftStatus.InvalidUtf8), "a name with a digit");
            Assert.Equal("UNKNOWN", WebraftStatusNames.Of(uint.MaxValue), "a value the binding does not define");
        }
    }
}
