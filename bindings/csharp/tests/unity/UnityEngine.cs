// Stands in for the parts of UnityEngine that the Unity sources and the READMEs' Unity
// snippets use, so they compile here (no Unity runs here): run-tests.sh builds it with AOT.cs
// for the IL2CPP compile check, and scripts/check-snippets.py for the README snippets.
namespace UnityEngine
{
    public class Object { }
    public class Component : Object { }
    public class Behaviour : Component { }
    public class MonoBehaviour : Behaviour { }
    public class GameObject : Object { }

    public static class Debug
    {
        public static void Log(object message) { }
        public static void LogWarning(object message) { }
        public static void LogError(object message) { }
    }
}

namespace UnityEngine.UI
{
    public class Text : UnityEngine.Component
    {
        public string text { get; set; }
    }
}
