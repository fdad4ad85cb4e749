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
        readonly PollQueue<byte[], SendResult> queue;

        internal PolledDownload(ClientHandle client, RequestHandle handle)
        {
            queue = new PollQueue<byte[], SendResult>(client, handle, "PolledDownload", NextBytes, SendResult.FromNative);
        }

        /// <summary>Takes the next piece of the body if one has arrived; never waits.</summary>
        public bool TryGetNextBytes(out byte[] piece)
        {
            piece = queue.Take();
            return piece != null;
        }

        /// <summary>True once the download has finished and every piece has been taken.</summary>
        public bool IsCompleted
        {
            get { return queue.IsCompleted; }
        }

        /// <summary>
        /// The outcome once <see cref="IsCompleted"/>: the result (no body: the pieces went to
        /// <see cref="TryGetNextBytes"/>; <see cref="WebraftResult.BytesReceived"/> counts them), or a thrown
        /// <see cref="WebraftException"/> (Transport for a body the server cut, Cancelled after <see cref="Cancel"/>).
        /// </summary>
        public SendResult GetResult()
        {
            return queue.GetResult();
        }

        /// <summary>Asks the download to stop; it completes with status Cancelled shortly after.</summary>
        public void Cancel()
        {
            queue.Cancel();
        }

        /// <summary>Frees the download, cancelling it if it still runs. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
        public void Dispose()
        {
            queue.Dispose();
        }

        /// <summary>The next queued piece, or null.</summary>
        static byte[] NextBytes(RequestHandle request, out bool done)
        {
            uint found;
            IntPtr data;
            UIntPtr length;
            WebraftStatus status = Native.webraft_request_next_bytes(request, 0, out found, out data, out length);
            if (status != WebraftStatus.Ok)
                throw new WebraftException(status, "webraft_request_next_bytes failed");
            try
            {
                done = found == Native.EventDone;
                return found == Native.EventBytes ? Utf8.CopyBytes(data, Utf8.Length(length)) : null;
            }
            finally
            {
                Native.webraft_bytes_free(data, length);
            }
        }
    }
}
