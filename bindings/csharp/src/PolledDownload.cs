using System;

namespace Webraft
{
    /// <summary>
    /// A download started without callbacks (<see cref="WebraftClient.StartSpeech"/>,
    /// <see cref="WebraftClient.StartDownload"/>), for game loops: each frame, on your own thread, take
    /// the pieces that arrived with <see cref="TryGetNextBytes"/> (e.g. into an audio clip's buffer) and
    /// check <see cref="IsCompleted"/>. Nothing runs on another thread and no call blocks. At most 256
    /// pieces wait; the download pauses while they are unread. Thread-safe. Dispose cancels a running download.
    /// </summary>
    public sealed class PolledDownload : IDisposable
    {
        readonly object gate = new object();
        readonly RequestHandle handle;
        // Holding the client handle keeps a forgotten client from being finalized (which would cancel
        // this download) while it is polled; it is never read.
#pragma warning disable 414
        readonly ClientHandle client;
#pragma warning restore 414
        // A piece that IsCompleted had to take off the queue to find out.
        byte[] peeked;
        bool drained;
        readonly PolledOutcome<SendResult> outcome = new PolledOutcome<SendResult>(SendResult.FromNative);

        internal PolledDownload(ClientHandle client, RequestHandle handle)
        {
            this.client = client;
            this.handle = handle;
        }

        RequestHandle Handle
        {
            get
            {
                if (handle.IsClosed)
                    throw new ObjectDisposedException(GetType().Name);
                return handle;
            }
        }

        /// <summary>Takes the next piece of the body if one has arrived; never waits.</summary>
        public bool TryGetNextBytes(out byte[] piece)
        {
            lock (gate)
            {
                piece = peeked ?? Poll();
                peeked = null;
                return piece != null;
            }
        }

        /// <summary>True once the download has finished and every piece has been taken.</summary>
        public bool IsCompleted
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

        /// <summary>
        /// The outcome once <see cref="IsCompleted"/>: the result (no body: the pieces went to
        /// <see cref="TryGetNextBytes"/>; <see cref="WebraftResult.BytesReceived"/> counts them), or a thrown
        /// <see cref="WebraftException"/> (Transport for a body the server cut, Cancelled after <see cref="Cancel"/>).
        /// </summary>
        public SendResult GetResult()
        {
            lock (gate)
            {
                if (!IsCompleted)
                    throw new InvalidOperationException("the download has not completed; poll until IsCompleted is true");
                return outcome.Take(Handle);
            }
        }

        /// <summary>Asks the download to stop; it completes with status Cancelled shortly after.</summary>
        public void Cancel()
        {
            Native.webraft_request_cancel(Handle);
        }

        /// <summary>Frees the download, cancelling it if it still runs. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        /// <summary>The next queued piece, or null.</summary>
        byte[] Poll()
        {
            if (drained)
                return null;
            uint found;
            IntPtr data;
            UIntPtr length;
            WebraftStatus status = Native.webraft_request_next_bytes(Handle, 0, out found, out data, out length);
            if (status != WebraftStatus.Ok)
                throw new WebraftException(status, "webraft_request_next_bytes failed");
            try
            {
                if (found == Native.EventBytes)
                    return Utf8.CopyBytes(data, Utf8.Length(length));
                if (found == Native.EventDone)
                    drained = true;
                return null;
            }
            finally
            {
                Native.webraft_bytes_free(data, length);
            }
        }
    }
}
