using System;

namespace Webraft
{
    /// <summary>Takes the next queued item of a polled request without waiting: null when none; <paramref name="done"/> once none will come.</summary>
    internal delegate TItem Poller<TItem>(RequestHandle request, out bool done);

    /// <summary>
    /// What <see cref="PolledRequest"/> and <see cref="PolledDownload"/> share: the request handle,
    /// the queue of items (events, or pieces of a download) read through <typeparamref name="TItem"/>'s
    /// poller, one item peeked to tell whether the request has completed, and the outcome, taken and
    /// read once. Thread-safe: every member takes <see cref="Gate"/>.
    /// </summary>
    internal sealed class PollQueue<TItem, TResult> where TItem : class where TResult : class
    {
        readonly object gate = new object();
        readonly RequestHandle handle;
        // Holding the client handle keeps a forgotten client from being finalized (which
        // would cancel this request) while it is polled; it is never read.
#pragma warning disable 414
        readonly ClientHandle client;
#pragma warning restore 414
        readonly string owner;
        readonly Poller<TItem> poll;
        readonly Func<ResultHandle, TResult> read;
        // An item that IsCompleted had to take off the queue to find out.
        TItem peeked;
        bool drained;
        bool taken;
        TResult result;
        WebraftException failure;

        internal PollQueue(ClientHandle client, RequestHandle handle, string owner, Poller<TItem> poll, Func<ResultHandle, TResult> read)
        {
            this.client = client;
            this.handle = handle;
            this.owner = owner;
            this.poll = poll;
            this.read = read;
        }

        /// <summary>The lock of every member; a caller may hold it across several takes (it is reentrant).</summary>
        internal object Gate { get { return gate; } }

        internal RequestHandle Handle
        {
            get { return NativeHandle.Open(handle, owner); }
        }

        /// <summary>The next item, or null when none has arrived; never waits.</summary>
        internal TItem Take()
        {
            lock (gate)
            {
                TItem next = peeked ?? Poll();
                peeked = null;
                return next;
            }
        }

        /// <summary>True once the request has finished and every item has been taken.</summary>
        internal bool IsCompleted
        {
            get
            {
                lock (gate)
                {
                    if (peeked == null)
                        peeked = Poll();
                    return drained && peeked == null;
                }
            }
        }

        /// <summary>The result once completed, or a thrown <see cref="WebraftException"/>.</summary>
        internal TResult GetResult()
        {
            lock (gate)
            {
                if (!IsCompleted)
                    throw new InvalidOperationException("the request has not completed; poll until IsCompleted is true");
                if (!taken)
                    TakeOutcome();
                if (failure != null)
                    throw failure;
                return result;
            }
        }

        internal void Cancel()
        {
            Native.webraft_request_cancel(Handle);
        }

        internal void Dispose()
        {
            handle.Dispose();
        }

        void TakeOutcome()
        {
            ResultHandle native = Native.webraft_request_take_result(Handle);
            try
            {
                if (native.IsInvalid)
                    throw new InvalidOperationException("webraft: a finished request had no result");
                // Either keeps the native result.
                if (Native.webraft_result_status(native) == WebraftStatus.Ok)
                    result = read(native);
                else
                    failure = WebraftException.FromResult(native);
            }
            finally
            {
                if (result == null && failure == null)
                    native.Dispose();
            }
            taken = true;
        }

        TItem Poll()
        {
            if (drained)
                return null;
            bool done;
            TItem next = poll(Handle, out done);
            drained = done;
            return next;
        }
    }
}
