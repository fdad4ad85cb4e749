using System;
using System.Reflection;
using System.Threading;

namespace Webraft
{
    /// <summary>
    /// Standalone Mono attaches a native thread that calls into managed code and, at exit,
    /// aborts every attached thread and waits for it to end. The library's worker threads sit
    /// in native code for the life of the process and never end, so the process would hang
    /// in exit after its first callback. Mono's own thread-pool threads avoid that wait with
    /// the DONT_MANAGE thread flag; this sets the same flag on each worker thread. InFlight
    /// makes sure no callback is running or due by then. Elsewhere (.NET, IL2CPP) the field
    /// does not exist and nothing happens.
    /// </summary>
    internal static class MonoThreads
    {
        // MONO_THREAD_FLAG_DONT_MANAGE in Mono's object-internals.h: not waited for, not aborted.
        const long DontManage = 1;

        static readonly FieldInfo InternalThreadField;
        static readonly FieldInfo FlagsField;

        static MonoThreads()
        {
            if (Type.GetType("Mono.Runtime") == null)
                return;
            try
            {
                InternalThreadField = typeof(Thread).GetField("internal_thread", BindingFlags.Instance | BindingFlags.NonPublic);
                if (InternalThreadField != null)
                    FlagsField = InternalThreadField.FieldType.GetField("flags", BindingFlags.Instance | BindingFlags.NonPublic);
                if (FlagsField != null && FlagsField.FieldType != typeof(IntPtr))
                    FlagsField = null;
            }
            catch (Exception)
            {
                // A Mono without these fields: no workaround, nothing else changes.
                FlagsField = null;
            }
        }

        [ThreadStatic]
        static bool onLibraryThread;

        /// <summary>Runs first in every callback; does its work once per library thread.</summary>
        internal static void EnterFromLibraryThread()
        {
            if (onLibraryThread)
                return;
            onLibraryThread = true;
            DoNotWaitAtExit(Thread.CurrentThread);
        }

        internal static void DoNotWaitAtExit(Thread thread)
        {
            if (FlagsField == null)
                return;
            try
            {
                object internalThread = InternalThreadField.GetValue(thread);
                long flags = ((IntPtr)FlagsField.GetValue(internalThread)).ToInt64();
                FlagsField.SetValue(internalThread, new IntPtr(flags | DontManage));
            }
            catch (Exception)
            {
                // Best effort: the worst case is the exit hang this works around.
            }
        }
    }
}
