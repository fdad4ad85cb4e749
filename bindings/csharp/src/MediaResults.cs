using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Runtime.InteropServices;

namespace Webraft
{
    /// <summary>A transcription or translation (<see cref="WebraftClient.TranscribeAsync"/>). Safe to read from any thread.</summary>
    public sealed class TranscriptionResult : WebraftResult
    {
        TranscriptionResult(ResultHandle result) : base(result) { }

        /// <summary>
        /// The transcript as the library read it: the "text" member of a json or verbose_json reply, a
        /// text reply's body, or what a stream's <c>transcript.text.delta</c> events added up to.
        /// </summary>
        public string Text { get; private set; }

        /// <summary>The reply body when it is JSON (verbose_json's segments are in it; read them by pointer), else null.</summary>
        public string Json { get; private set; }

        /// <summary>The transcript.</summary>
        public override string ToString()
        {
            return Text ?? "";
        }

        /// <summary>Takes ownership of <paramref name="result"/>.</summary>
        internal static TranscriptionResult FromNative(ResultHandle result)
        {
            UIntPtr length;
            var transcription = new TranscriptionResult(result);
            transcription.Text = Utf8.FromNative(Native.webraft_result_text(result, out length), length);
            transcription.Json = Utf8.FromNative(Native.webraft_result_json(result, out length), length);
            return transcription;
        }
    }

    /// <summary>One image of a reply: its bytes (a b64_json reply, decoded by the library) or its URL.</summary>
    public sealed class GeneratedImage
    {
        internal GeneratedImage(byte[] bytes, string url)
        {
            Bytes = bytes;
            Url = url;
        }

        /// <summary>The image file's bytes (PNG, JPEG, ...), or null when it came as a URL.</summary>
        public byte[] Bytes { get; private set; }

        /// <summary>The image's URL, or null when it came as bytes.</summary>
        public string Url { get; private set; }
    }

    /// <summary>
    /// The reply to an image generation or edit. It keeps the native result, which <see cref="Save"/>
    /// writes from; the garbage collector frees it with the object. Safe to read from any thread.
    /// </summary>
    public sealed class ImagesResult : WebraftResult
    {
        ImagesResult(ResultHandle result) : base(result) { }

        /// <summary>The images, in the reply's order.</summary>
        public IReadOnlyList<GeneratedImage> Images { get; private set; }

        /// <summary>
        /// Writes image <paramref name="index"/>'s bytes to <paramref name="filePath"/> atomically (a temporary
        /// file beside it, then a rename; nothing is left on failure). Throws <see cref="WebraftException"/>:
        /// Missing for an image that came as a URL or an index past the end, InvalidArgument for a
        /// directory, Io when the file cannot be written.
        /// </summary>
        public void Save(int index, string filePath)
        {
            if (index < 0)
                throw new ArgumentOutOfRangeException("index");
            ResultHandle error;
            WebraftStatus status = Native.webraft_result_image_save(NativeResult, new UIntPtr((uint)index),
                Utf8.ToNative(WebraftClient.Required(filePath, "filePath")), out error);
            WebraftException.ThrowIfFailed(status, error);
        }

        /// <summary>Takes ownership of <paramref name="result"/>.</summary>
        internal static ImagesResult FromNative(ResultHandle result)
        {
            var reply = new ImagesResult(result);
            var images = new GeneratedImage[Utf8.Length(Native.webraft_result_image_count(result))];
            for (int i = 0; i < images.Length; i++)
            {
                var index = new UIntPtr((uint)i);
                IntPtr data;
                UIntPtr length;
                WebraftStatus status = Native.webraft_result_image_bytes(result, index, out data, out length);
                if (status == WebraftStatus.Missing)
                    images[i] = new GeneratedImage(null, Utf8.FromNative(Native.webraft_result_image_url(result, index)));
                else
                {
                    WebraftException.ThrowIfNotOk(status, "webraft_result_image_bytes");
                    images[i] = new GeneratedImage(Utf8.CopyBytes(data, Utf8.Length(length)) ?? new byte[0], null);
                }
            }
            reply.Images = new ReadOnlyCollection<GeneratedImage>(images);
            return reply;
        }
    }

    /// <summary>The reply to an embeddings request (<see cref="WebraftClient.EmbeddingsAsync"/>). Safe to read from any thread.</summary>
    public sealed class EmbeddingsResult : WebraftResult
    {
        EmbeddingsResult(ResultHandle result) : base(result) { }

        /// <summary>
        /// One vector per input, in the reply's order, as the library read it: decoded from base64
        /// (little-endian float32) or from a number array.
        /// </summary>
        public IReadOnlyList<float[]> Vectors { get; private set; }

        /// <summary>Takes ownership of <paramref name="result"/>.</summary>
        internal static EmbeddingsResult FromNative(ResultHandle result)
        {
            var reply = new EmbeddingsResult(result);
            var vectors = new float[Utf8.Length(Native.webraft_result_embedding_count(result))][];
            for (int i = 0; i < vectors.Length; i++)
            {
                IntPtr values;
                UIntPtr length;
                WebraftException.ThrowIfNotOk(Native.webraft_result_embedding(result, new UIntPtr((uint)i), out values, out length),
                    "webraft_result_embedding");
                vectors[i] = new float[Utf8.Length(length)];
                if (vectors[i].Length > 0)
                    Marshal.Copy(values, vectors[i], 0, vectors[i].Length);
            }
            reply.Vectors = new ReadOnlyCollection<float[]>(vectors);
            return reply;
        }
    }
}
