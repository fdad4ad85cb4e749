using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace Webraft.Tests
{
    /// <summary>
    /// The event kinds and deliveries in Native.cs are hand copies of webraft.h's enums; these
    /// tests read the header and catch a copy drifting from it (a kind the header gains must be
    /// known here, with its value).
    /// </summary>
    static class AbiConstantTests
    {
        /// <summary>The header's enum members with a prefix, e.g. WEBRAFT_EVENT_, as name → value.</summary>
        static Dictionary<string, uint> HeaderEnum(string prefix)
        {
            string dir = AppDomain.CurrentDomain.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "include", "webraft.h")))
                dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar));
            Assert.True(dir != null, "include/webraft.h is above the test binary");
            var members = new Dictionary<string, uint>();
            string header = File.ReadAllText(Path.Combine(dir, "include", "webraft.h"));
            foreach (Match m in Regex.Matches(header, "^\\s*" + prefix + "([A-Z_]+) = ([0-9]+),", RegexOptions.Multiline))
                members[m.Groups[1].Value] = uint.Parse(m.Groups[2].Value);
            return members;
        }

        [Test]
        static void EventKindsMatchTheHeader()
        {
            var binding = new Dictionary<string, uint>
            {
                { "PENDING", 0 }, { "CHUNK", Native.EventChunk }, { "DONE", Native.EventDone },
                { "HEADERS", Native.EventHeaders }, { "BYTES", Native.EventBytes },
            };
            Dictionary<string, uint> header = HeaderEnum("WEBRAFT_EVENT_");
            Assert.Equal(binding.Count, header.Count, "event kinds in webraft.h: " + string.Join(", ", header.Keys));
            foreach (var kind in binding)
                Assert.Equal(kind.Value, header[kind.Key], "WEBRAFT_EVENT_" + kind.Key);
        }

        [Test]
        static void DeliveriesMatchTheHeader()
        {
            Dictionary<string, uint> header = HeaderEnum("WEBRAFT_DELIVERY_");
            Assert.Equal(Enum.GetValues(typeof(Delivery)).Length, header.Count, "deliveries in webraft.h");
            foreach (Delivery delivery in Enum.GetValues(typeof(Delivery)))
                Assert.Equal((uint)delivery, header[delivery.ToString().ToUpperInvariant()], "WEBRAFT_DELIVERY_" + delivery);
        }
    }
}
