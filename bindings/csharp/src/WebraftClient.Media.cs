using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Webraft
{
    // Audio, images, embeddings and files: multipart forms and binary replies.
    public sealed partial class WebraftClient
    {
        /// <summary>
        /// Posts <paramref name="form"/> as multipart/form-data to <paramref name="path"/> under the base
        /// URL, e.g. <c>SendFormAsync("/audio/transcriptions", form)</c>. A retry sends the whole form again.
        /// A file over the client's <c>max_upload_bytes</c>, or one gone by the time of sending, fails with
        /// <see cref="WebraftException"/> (InvalidArgument, naming the path) before anything is sent; a
        /// 4xx/5xx reply fails as for any request (HttpStatus, <see cref="WebraftException.ServerMessage"/>, ...).
        /// </summary>
        public Task<SendResult> SendFormAsync(string path, MultipartForm form, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Form(path, form, options, false), Delivery.None, null, null, SendResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Turns speech into text (<c>POST /audio/transcriptions</c>). The form holds the audio as the file
        /// part "file" and a "model" field, plus any other field (<c>response_format</c> json, text or
        /// verbose_json; <c>language</c>, <c>prompt</c>, ...). Failures as for <see cref="SendFormAsync"/>.
        /// </summary>
        public Task<TranscriptionResult> TranscribeAsync(MultipartForm form, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Form("/audio/transcriptions", form, options, false), Delivery.None, null, null,
                TranscriptionResult.FromNative, cancellationToken);
        }

        /// <summary>Turns speech into English text (<c>POST /audio/translations</c>); the form as for <see cref="TranscribeAsync"/>.</summary>
        public Task<TranscriptionResult> TranslateAsync(MultipartForm form, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Form("/audio/translations", form, options, false), Delivery.None, null, null,
                TranscriptionResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Transcribes with <c>stream=true</c> (added unless the form has a "stream" field).
        /// <paramref name="onEvent"/> gets the headers event, then each event, in order, on a library
        /// worker thread: a <c>transcript.text.delta</c> event's <c>GetString("/delta")</c> is the next
        /// piece of text (<see cref="StreamEvent.Type"/> names it, with or without an SSE name). The
        /// result's <see cref="TranscriptionResult.Text"/> is the whole transcript.
        /// </summary>
        public Task<TranscriptionResult> StreamTranscriptionAsync(MultipartForm form, Action<StreamEvent> onEvent,
            RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Form("/audio/transcriptions", form, options, true), Delivery.Callback, null, Required(onEvent, "onEvent"),
                TranscriptionResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Starts a streamed transcription for polling (see <see cref="PolledRequest"/>), e.g. from a game's
        /// frame loop: <see cref="PolledRequest.TryGetNextEvent"/> yields the headers, then each event;
        /// <see cref="PolledRequest.GetResult"/>'s <see cref="ChatResult.Text"/> is the whole transcript.
        /// </summary>
        public PolledRequest StartTranscription(MultipartForm form, RequestOptions options = null)
        {
            return StartPolled(Form("/audio/transcriptions", form, options, true), true);
        }

        /// <summary>
        /// Sends a request to any endpoint, as <see cref="SendAsync(string, string, string, CancellationToken)"/>
        /// does, and keeps the reply as bytes, never parsed (audio, an image, any file), up to the client's
        /// <c>max_body_bytes</c>: <see cref="SendResult.Body"/>. A body the server cuts fails with
        /// <see cref="WebraftException"/> (Transport), whose <see cref="WebraftException.BytesReceived"/>
        /// says how much arrived.
        /// </summary>
        public Task<SendResult> DownloadAsync(string method, string path, string bodyJson, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Download(method, path, bodyJson, options, null), Delivery.None, null, null, null, SendResult.FromNative,
                cancellationToken);
        }

        /// <summary>
        /// As <see cref="DownloadAsync(string, string, string, RequestOptions, CancellationToken)"/>, with each
        /// piece handed to <paramref name="onBytes"/> as it arrives, in order, one call at a time, on a library
        /// worker thread, so playback can start before the download ends; if it throws, the download is
        /// cancelled and the task fails with that exception. The result keeps no body
        /// (<see cref="WebraftResult.BytesReceived"/> counts the pieces) and <c>max_body_bytes</c> does not apply.
        /// </summary>
        public Task<SendResult> DownloadAsync(string method, string path, string bodyJson, Action<byte[]> onBytes,
            RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Download(method, path, bodyJson, options, null), Delivery.Callback, null, null, Required(onBytes, "onBytes"),
                SendResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// As <see cref="DownloadAsync(string, string, string, Action{byte[]}, RequestOptions, CancellationToken)"/>,
        /// writing each piece to <paramref name="destination"/> (on a library worker thread) as it arrives.
        /// The stream is neither flushed nor closed.
        /// </summary>
        public Task<SendResult> DownloadAsync(string method, string path, string bodyJson, Stream destination,
            RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            Required(destination, "destination");
            return DownloadAsync(method, path, bodyJson, piece => destination.Write(piece, 0, piece.Length), options, cancellationToken);
        }

        /// <summary>
        /// As <see cref="DownloadAsync(string, string, string, RequestOptions, CancellationToken)"/>, written to
        /// <paramref name="filePath"/> atomically: into a temporary file beside it, renamed over it only once the
        /// whole body arrived with a 2xx status. On any failure the file is left as it was and no temporary
        /// file remains. A directory fails with InvalidArgument; <c>max_body_bytes</c> does not apply.
        /// </summary>
        public Task<SendResult> DownloadToFileAsync(string method, string path, string bodyJson, string filePath,
            RequestOptions options = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Download(method, path, bodyJson, options, Required(filePath, "filePath")), Delivery.None, null, null, null,
                SendResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Starts a download for polling, e.g. from a game's frame loop (see <see cref="PolledDownload"/>):
        /// each frame, <see cref="PolledDownload.TryGetNextBytes"/> hands over the pieces that arrived.
        /// Nothing is ever called back.
        /// </summary>
        public PolledDownload StartDownload(string method, string path, string bodyJson, RequestOptions options = null)
        {
            RequestHandle request;
            Download(method, path, bodyJson, options, null)(Delivery.Poll, null, IntPtr.Zero, out request);
            return new PolledDownload(Handle, request);
        }

        /// <summary>
        /// Speaks (<c>POST /audio/speech</c>, a request body such as
        /// <c>{"model":"tts-1","input":"Welcome!","voice":"alloy"}</c>); the audio is <see cref="SendResult.Body"/>.
        /// </summary>
        public Task<SendResult> SpeechAsync(string requestJson, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return DownloadAsync("POST", "/audio/speech", Required(requestJson, "requestJson"), options, cancellationToken);
        }

        /// <summary>Speaks into <paramref name="destination"/> as the audio arrives (see <see cref="DownloadAsync(string, string, string, Stream, RequestOptions, CancellationToken)"/>).</summary>
        public Task<SendResult> SpeechAsync(string requestJson, Stream destination, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return DownloadAsync("POST", "/audio/speech", Required(requestJson, "requestJson"), destination, options, cancellationToken);
        }

        /// <summary>Speaks into the file <paramref name="filePath"/>, atomically (see <see cref="DownloadToFileAsync"/>).</summary>
        public Task<SendResult> SpeechToFileAsync(string requestJson, string filePath, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return DownloadToFileAsync("POST", "/audio/speech", Required(requestJson, "requestJson"), filePath, options, cancellationToken);
        }

        /// <summary>Starts speech for polling, e.g. to feed an audio clip frame by frame (see <see cref="StartDownload"/>).</summary>
        public PolledDownload StartSpeech(string requestJson, RequestOptions options = null)
        {
            return StartDownload("POST", "/audio/speech", Required(requestJson, "requestJson"), options);
        }

        /// <summary>
        /// Creates images (<c>POST /images/generations</c>, a request body such as
        /// <c>{"model":"gpt-image-1","prompt":"a red door","response_format":"b64_json"}</c>). Each image comes
        /// as its bytes (b64_json, decoded by the library) or as a URL.
        /// </summary>
        public Task<ImagesResult> GenerateImagesAsync(string requestJson, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Send("POST", "/images/generations", Required(requestJson, "requestJson"), options, false), Delivery.None,
                null, null, ImagesResult.FromNative, cancellationToken);
        }

        /// <summary>
        /// Edits an image (<c>POST /images/edits</c>): the form holds the file part "image" and the fields
        /// "prompt" and "model" (and "n", "size", ... as wanted).
        /// </summary>
        public Task<ImagesResult> EditImagesAsync(MultipartForm form, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Form("/images/edits", form, options, false), Delivery.None, null, null, ImagesResult.FromNative,
                cancellationToken);
        }

        /// <summary>
        /// Embeds text (<c>POST /embeddings</c>, a request body such as
        /// <c>{"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"base64"}</c>);
        /// <see cref="EmbeddingsResult.Vectors"/> reads base64 and float replies alike.
        /// </summary>
        public Task<EmbeddingsResult> EmbeddingsAsync(string requestJson, RequestOptions options = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return StartCall(Send("POST", "/embeddings", Required(requestJson, "requestJson"), options, false), Delivery.None,
                null, null, EmbeddingsResult.FromNative, cancellationToken);
        }

        static NativeBytesCallback BytesCallbackFor(Delivery delivery)
        {
            return delivery == Delivery.Callback ? PendingCall.BytesCallback : null;
        }

        /// <summary>A start of webraft_send_form_start or, with <paramref name="stream"/>, webraft_send_form_stream_start; the form is copied as it is then.</summary>
        Starter Form(string path, MultipartForm form, RequestOptions options, bool stream)
        {
            ClientHandle client = Handle;
            FormHandle parts = Required(form, "form").Handle;
            byte[] nativePath = Utf8.ToNative(Required(path, "path")), nativeOptions = RequestOptions.ToNative(options);
            if (!stream)
                return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_send_form_start(
                    client, nativePath, parts, nativeOptions, onDone, userData, out request);
            return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_send_form_stream_start(
                client, nativePath, parts, nativeOptions, delivery, EventCallbackFor(delivery), onDone, userData, out request);
        }

        /// <summary>A start of webraft_download_start or, with a <paramref name="filePath"/>, webraft_download_to_file_start.</summary>
        Starter Download(string method, string path, string bodyJson, RequestOptions options, string filePath)
        {
            ClientHandle client = Handle;
            byte[] nativeMethod = Utf8.ToNative(Required(method, "method")), nativePath = Utf8.ToNative(Required(path, "path"));
            byte[] body = Utf8.ToNative(bodyJson), nativeOptions = RequestOptions.ToNative(options), file = Utf8.ToNative(filePath);
            if (file != null)
                return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_download_to_file_start(
                    client, nativeMethod, nativePath, body, nativeOptions, file, onDone, userData, out request);
            return (Delivery delivery, NativeDoneCallback onDone, IntPtr userData, out RequestHandle request) => Native.webraft_download_start(
                client, nativeMethod, nativePath, body, nativeOptions, delivery, BytesCallbackFor(delivery), onDone, userData, out request);
        }
    }
}
