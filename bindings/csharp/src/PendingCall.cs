using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
#if UNITY_5_3_OR_NEWER
using AOT;
#endif

namespace Webraft
{
    /// <summary>Starts a native request with the given user_data; returns its status and handle.</summary>
    internal delegate WebraftStatus NativeStart(IntPtr userData, out RequestHandle request);

    /// <summary>
    /// The state of one request started with callbacks. A GCHandle to it is the native
    /// user_data; the done callback frees that GCHandle, so the state (and the client handle
    /// it holds) stays reachable exactly as long as the library may call back.
    /// The callbacks are static methods in this non-generic class, as IL2CPP requires.
    /// </summary>
    internal abstract class PendingCall
    {
        // Static fields keep the delegates, and so their native thunks, alive forever.
        internal static readonly NativeChunkCallback ChunkCallback = OnChunk;
        internal static readonly NativeEventCallback EventCallback = OnEvent;
        internal static readonly NativeBytesCallback BytesCallback = OnBytes;
        internal static readonly NativeDoneCallback DoneCallback = OnDone;
        static readonly Action<object> CancelAction = state => ((PendingCall)state).CancelNative();

        readonly object gate = new object();
        // Holding the client handle keeps a forgotten client from being finalized (which
        // would cancel this request) while the request runs; it is never read.
#pragma warning disable 414
        readonly ClientHandle client;
#pragma warning restore 414
        readonly CancellationToken cancellation;
        // At most one is set: the handler of a chat stream's chunks, of a stream's events, or of a
        // binary reply's pieces.
        readonly Action<ChatChunk> onChunk;
        readonly Action<StreamEvent> onEvent;
        readonly Action<byte[]> onBytes;
        GCHandle self;
        RequestHandle request;
        CancellationTokenRegistration registration;
        bool started;
        bool done;
        // Written on the worker thread that runs the chunk or event callbacks; read after done.
        Exception callbackError;

        protected PendingCall(ClientHandle client, CancellationToken cancellation, Action<ChatChunk> onChunk, Action<StreamEvent> onEvent,
            Action<byte[]> onBytes)
        {
            this.client = client;
            this.cancellation = cancellation;
            this.onChunk = onChunk;
            this.onEvent = onEvent;
            this.onBytes = onBytes;
        }

        /// <summary>Builds what the caller gets from a successful native result, which it takes over.</summary>
        protected abstract void Read(ResultHandle result);
        /// <summary>Completes with what <see cref="Read"/> copied.</summary>
        protected abstract void Succeed();
        protected abstract void Fail(Exception error);
        protected abstract void Cancel(CancellationToken token);

        internal void Start(NativeStart start)
        {
            self = GCHandle.Alloc(this);
            InFlight.Add(this);
            WebraftStatus status;
            RequestHandle started;
            try
            {
                status = start(GCHandle.ToIntPtr(self), out started);
            }
            catch
            {
                Release();
                throw;
            }
            OnStarted(status, started);
        }

        void OnStarted(WebraftStatus status, RequestHandle started)
        {
            lock (gate)
                request = started;
            if (status != WebraftStatus.Ok)
            {
                // Invalid arguments: the handle holds the error and no callback will ever run.
                Release();
                Finish();
                return;
            }
            // Registering runs CancelNative at once if the token is already cancelled.
            var cancelling = cancellation.Register(CancelAction, this);
            bool finishNow;
            lock (gate)
            {
                registration = cancelling;
                this.started = true;
                finishNow = done;
            }
            if (finishNow)
                Finish();
        }

        /// <summary>Asks the native request to stop; a no-op once it has been freed.</summary>
        internal void CancelNative()
        {
            RequestHandle running;
            lock (gate)
                running = request;
            if (running == null)
                return;
            try
            {
                Native.webraft_request_cancel(running);
            }
            catch (ObjectDisposedException)
            {
                // Finished and freed meanwhile: nothing left to cancel.
            }
        }

        void Release()
        {
            self.Free();
            InFlight.Remove(this);
        }

        /// <summary>Runs on the worker thread after the done callback, or on the starting thread if that came second.</summary>
        void Finish()
        {
            try
            {
                registration.Dispose();
                Exception failure = null;
                bool cancelled = false;
                // The request handle is freed before the caller sees the outcome. A successful
                // result goes to what Read builds (a ChatResult or SendResult keeps it), a failed
                // one to its WebraftException; one the handler's exception replaces is freed here.
                ResultHandle result = Native.webraft_request_take_result(request);
                request.Dispose();
                bool kept = false;
                try
                {
                    if (result.IsInvalid)
                        throw new InvalidOperationException("webraft: a finished request had no result");
                    WebraftStatus status = Native.webraft_result_status(result);
                    if (callbackError != null)
                        failure = callbackError;
                    else if (status == WebraftStatus.Ok)
                    {
                        Read(result);
                        kept = true;
                    }
                    else if (status == WebraftStatus.Cancelled && cancellation.IsCancellationRequested)
                        cancelled = true;
                    else
                    {
                        failure = WebraftException.FromResult(result);
                        kept = true;
                    }
                }
                finally
                {
                    if (!kept)
                        result.Dispose();
                }
                if (failure != null)
                    Fail(failure);
                else if (cancelled)
                    Cancel(cancellation);
                else
                    Succeed();
            }
            catch (Exception error)
            {
                Fail(error);
            }
        }

        /// <summary>Hands a chunk, event or piece the library lends to the caller's handler; false cancels the stream.</summary>
        bool Deliver(uint kind, IntPtr name, IntPtr data, UIntPtr length)
        {
            if (callbackError != null)
                return false;
            try
            {
                if (onChunk != null)
                    onChunk(new ChatChunk(Utf8.CopyBytes(data, Utf8.Length(length))));
                else if (onEvent != null)
                    onEvent(StreamEvent.FromNative(kind, name, data, length));
                else if (onBytes != null)
                    onBytes(Utf8.CopyBytes(data, Utf8.Length(length)));
                return true;
            }
            catch (Exception error)
            {
                // Stored and rethrown to the awaiting caller; returning false cancels the stream.
                callbackError = error;
                return false;
            }
        }

        void Done()
        {
            bool finishNow;
            lock (gate)
            {
                done = true;
                finishNow = started;
            }
            try
            {
                if (finishNow)
                    Finish();
            }
            finally
            {
                Release();
            }
        }

        [MonoPInvokeCallback(typeof(NativeChunkCallback))]
        static int OnChunk(IntPtr userData, IntPtr chunkJson, UIntPtr length)
        {
            return OnEvent(userData, Native.EventChunk, IntPtr.Zero, chunkJson, length);
        }

        [MonoPInvokeCallback(typeof(NativeEventCallback))]
        static int OnEvent(IntPtr userData, uint kind, IntPtr name, IntPtr data, UIntPtr length)
        {
            try
            {
                MonoThreads.EnterFromLibraryThread();
                var call = (PendingCall)GCHandle.FromIntPtr(userData).Target;
                return call.Deliver(kind, name, data, length) ? 0 : 1;
            }
            catch
            {
                // Exceptions must not unwind into native code.
                return 1;
            }
        }

        [MonoPInvokeCallback(typeof(NativeBytesCallback))]
        static int OnBytes(IntPtr userData, IntPtr data, UIntPtr length)
        {
            return OnEvent(userData, Native.EventBytes, IntPtr.Zero, data, length);
        }

        [MonoPInvokeCallback(typeof(NativeDoneCallback))]
        static void OnDone(IntPtr userData, uint status)
        {
            try
            {
                MonoThreads.EnterFromLibraryThread();
                ((PendingCall)GCHandle.FromIntPtr(userData).Target).Done();
            }
            catch
            {
                // Exceptions must not unwind into native code; Finish already reported its own.
            }
        }
    }

    /// <summary>A pending call whose outcome completes a Task.</summary>
    internal sealed class TaskCall<T> : PendingCall
    {
        // Continuations never run inline on a library worker thread.
        readonly TaskCompletionSource<T> completion =
            new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly Func<ResultHandle, T> read;
        T value;

        internal TaskCall(ClientHandle client, CancellationToken cancellation, Action<ChatChunk> onChunk, Action<StreamEvent> onEvent,
            Action<byte[]> onBytes, Func<ResultHandle, T> read)
            : base(client, cancellation, onChunk, onEvent, onBytes)
        {
            this.read = read;
        }

        internal Task<T> Task { get { return completion.Task; } }

        protected override void Read(ResultHandle result)
        {
            value = read(result);
        }

        protected override void Succeed()
        {
            completion.TrySetResult(value);
        }

        protected override void Fail(Exception error)
        {
            completion.TrySetException(error);
        }

        protected override void Cancel(CancellationToken token)
        {
            completion.TrySetCanceled(token);
        }
    }

    /// <summary>
    /// Every request that may still call back. When the process exits or the AppDomain
    /// unloads (a Unity editor script reload), they are cancelled and their done callbacks
    /// awaited, so the library never calls into managed code that is being torn down.
    /// </summary>
    internal static class InFlight
    {
        static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(5);
        static readonly object Gate = new object();
        static readonly HashSet<PendingCall> Calls = new HashSet<PendingCall>();

        static InFlight()
        {
            AppDomain.CurrentDomain.ProcessExit += Drain;
            AppDomain.CurrentDomain.DomainUnload += Drain;
        }

        internal static int Count
        {
            get { lock (Gate) return Calls.Count; }
        }

        internal static void Add(PendingCall call)
        {
            lock (Gate)
                Calls.Add(call);
        }

        internal static void Remove(PendingCall call)
        {
            lock (Gate)
            {
                Calls.Remove(call);
                if (Calls.Count == 0)
                    Monitor.PulseAll(Gate);
            }
        }

        static void Drain(object sender, EventArgs e)
        {
            PendingCall[] running;
            lock (Gate)
            {
                running = new PendingCall[Calls.Count];
                Calls.CopyTo(running);
            }
            foreach (PendingCall call in running)
                call.CancelNative();
            DateTime deadline = DateTime.UtcNow + DrainLimit;
            lock (Gate)
            {
                while (Calls.Count > 0)
                {
                    TimeSpan left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !Monitor.Wait(Gate, left))
                        break;
                }
            }
        }
    }
}
