using System;
using System.IO;

namespace Webraft
{
    /// <summary>
    /// A multipart/form-data body kept by the native library: text fields and file parts, in the
    /// order added. Send it with <see cref="WebraftClient.TranscribeAsync"/>,
    /// <see cref="WebraftClient.EditImagesAsync"/> or <see cref="WebraftClient.SendFormAsync"/>;
    /// sending takes a snapshot, so the form may change, be sent again or be disposed as soon as the
    /// call has started. The Add methods return the form, so they chain:
    /// <c>new MultipartForm().AddText("model", "whisper-1").AddFile("file", "hello.wav")</c>.
    /// Thread-safe. Dispose frees it; one never disposed is freed by its finalizer.
    /// </summary>
    public sealed class MultipartForm : IDisposable
    {
        readonly FormHandle handle;

        /// <summary>An empty form.</summary>
        public MultipartForm()
        {
            WebraftClient.RequireAbi();
            handle = Native.webraft_form_new();
        }

        internal FormHandle Handle
        {
            get { return NativeHandle.Open(handle, GetType().Name); }
        }

        /// <summary>Adds a text field, e.g. <c>AddText("model", "whisper-1")</c>.</summary>
        public MultipartForm AddText(string name, string value)
        {
            WebraftException.ThrowIfNotOk(Native.webraft_form_add_text(Handle, Utf8.ToNative(WebraftClient.Required(name, "name")), Utf8.ToNative(WebraftClient.Required(value, "value"))),
                "webraft_form_add_text");
            return this;
        }

        /// <summary>
        /// Adds the file at <paramref name="path"/> as the part <paramref name="name"/>. The library
        /// reads it when the form is sent, streaming it from disk (never whole into memory), and reads
        /// it again for a retry. <paramref name="filename"/> defaults to the path's last part;
        /// <paramref name="contentType"/> to what the file's first bytes, else its extension, say.
        /// Throws <see cref="WebraftException"/> (InvalidArgument, naming the path) for a missing,
        /// unreadable or non-regular file, or a directory.
        /// </summary>
        public MultipartForm AddFile(string name, string path, string filename = null, string contentType = null)
        {
            ResultHandle error;
            WebraftStatus status = Native.webraft_form_add_file_path(Handle, Utf8.ToNative(WebraftClient.Required(name, "name")),
                Utf8.ToNative(WebraftClient.Required(path, "path")), Utf8.ToNative(filename), Utf8.ToNative(contentType), out error);
            WebraftException.ThrowIfFailed(status, error);
            return this;
        }

        /// <summary>
        /// Adds bytes in memory as a file part (the library copies them). <paramref name="filename"/> is
        /// required: servers tell the format by it. <paramref name="contentType"/> defaults to what the
        /// bytes, else the file name's extension, say.
        /// </summary>
        public MultipartForm AddFile(string name, byte[] data, string filename, string contentType = null)
        {
            return AddBytes(name, WebraftClient.Required(data, "data"), data.Length, filename, contentType);
        }

        /// <summary>
        /// Adds what <paramref name="data"/> holds from its position to its end as a file part (read now,
        /// then kept in memory by the form, so a retry sends it again); as
        /// <see cref="AddFile(string, byte[], string, string)"/> otherwise. For a large file on disk,
        /// <see cref="AddFile(string, string, string, string)"/> streams it instead.
        /// </summary>
        public MultipartForm AddFile(string name, Stream data, string filename, string contentType = null)
        {
            using (var copy = new MemoryStream())
            {
                WebraftClient.Required(data, "data").CopyTo(copy);
                // The library copies the bytes, so the stream's own buffer is lent as it is.
                return AddBytes(name, copy.GetBuffer(), (int)copy.Length, filename, contentType);
            }
        }

        /// <summary>Adds the first <paramref name="length"/> bytes of <paramref name="data"/> as a file part.</summary>
        MultipartForm AddBytes(string name, byte[] data, int length, string filename, string contentType)
        {
            WebraftException.ThrowIfNotOk(Native.webraft_form_add_file_bytes(Handle, Utf8.ToNative(WebraftClient.Required(name, "name")), data,
                new UIntPtr((uint)length), Utf8.ToNative(WebraftClient.Required(filename, "filename")), Utf8.ToNative(contentType)),
                "webraft_form_add_file_bytes");
            return this;
        }

        /// <summary>Frees the form. Requests already started keep their snapshot. Safe to call more than once.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }
    }
}
