using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Webraft
{
    // One SafeHandle per native handle type. The marshaller adds a reference for the
    // duration of every native call that takes one, so Dispose on another thread never
    // frees a handle that a call is still using: the free waits for the last call.
    // (The marshaller creates them through their implicit public parameterless constructors.)

    internal abstract class NativeHandle : SafeHandle
    {
        protected NativeHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        /// <summary><paramref name="handle"/>, for a native call; throws <see cref="ObjectDisposedException"/> naming <paramref name="owner"/> once it is closed.</summary>
        internal static T Open<T>(T handle, string owner) where T : NativeHandle
        {
            if (handle.IsClosed)
                throw new ObjectDisposedException(owner);
            return handle;
        }
    }

    internal sealed class ClientHandle : NativeHandle
    {
        // The credential provider's GCHandle (the callback's user_data), if one is set.
        // webraft_client_free waits for a running callback, so it can be freed right after.
        internal GCHandle Credentials;

        protected override bool ReleaseHandle()
        {
            Native.webraft_client_free(handle);
            lock (this)
            {
                if (Credentials.IsAllocated)
                    Credentials.Free();
                Credentials = default(GCHandle);
            }
            Interlocked.Increment(ref NativeStats.ClientsFreed);
            return true;
        }
    }

    internal sealed class PartialJsonHandle : NativeHandle
    {
        protected override bool ReleaseHandle()
        {
            Native.webraft_partial_json_free(handle);
            return true;
        }
    }

    internal sealed class RequestHandle : NativeHandle
    {
        protected override bool ReleaseHandle()
        {
            Native.webraft_request_free(handle);
            Interlocked.Increment(ref NativeStats.RequestsFreed);
            return true;
        }
    }

    internal sealed class ResultHandle : NativeHandle
    {
        protected override bool ReleaseHandle()
        {
            Native.webraft_result_free(handle);
            Interlocked.Increment(ref NativeStats.ResultsFreed);
            return true;
        }
    }

    internal sealed class ConversationHandle : NativeHandle
    {
        protected override bool ReleaseHandle()
        {
            Native.webraft_conversation_free(handle);
            Interlocked.Increment(ref NativeStats.ConversationsFreed);
            return true;
        }
    }

    internal sealed class FormHandle : NativeHandle
    {
        protected override bool ReleaseHandle()
        {
            Native.webraft_form_free(handle);
            Interlocked.Increment(ref NativeStats.FormsFreed);
            return true;
        }
    }

    /// <summary>How many native handles have been freed; the tests use it to prove finalizers release everything.</summary>
    internal static class NativeStats
    {
        internal static long ClientsFreed;
        internal static long RequestsFreed;
        internal static long ResultsFreed;
        internal static long ConversationsFreed;
        internal static long FormsFreed;
    }
}
