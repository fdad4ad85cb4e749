// Stands in for the parts of UnityEngine that the READMEs' Unity snippets use, so that
// run-tests.sh can compile those snippets (no Unity runs here). Compiled into the same stub
// assembly as AOT.cs.
namespace UnityEngine
{
    public class MonoBehaviour { }

    public static class Debug
    {
        public static void Log(object message) { }
        public static void LogError(object message) { }
    }
}

namespace UnityEngine.UI
{
    public class Text
    {
        public string text;
    }
}
