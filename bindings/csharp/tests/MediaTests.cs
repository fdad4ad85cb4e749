using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Webraft.Tests
{
    /// <summary>Multipart forms, transcription, speech, images and embeddings against the test server.</summary>
    static class MediaTests
    {
        /// <summary>Bytes written as a string, one char each (ASCII would turn 0x80 and up into '?').</summary>
        static readonly Encoding Latin1 = Encoding.GetEncoding("ISO-8859-1");

        /// <summary>A short WAV file: a RIFF header the library sniffs as audio/wav, then bytes with NULs and every value.</summary>
        static byte[] Wav()
        {
            var bytes = new List<byte>(Latin1.GetBytes("RIFF\x24\x10\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0"));
            for (int i = 0; i < 3000; i++)
                bytes.Add((byte)(i * 7));
            return bytes.ToArray();
        }

        static ulong Fnv1a64(byte[] data, ulong hash = 0xcbf29ce484222325UL)
        {
            foreach (byte b in data)
            {
                hash ^= b;
                hash *= 0x100000001b3UL;
            }
            return hash;
        }

        /// <summary>The test server's transcript of a file part: its size, name, type and the FNV-1a 64 of its bytes.</summary>
        static string Heard(string verb, byte[] data, string filename, string contentType)
        {
            return string.Format("{0} {1} bytes of {2} ({3}) fnv1a64 {4:x16}", verb, data.Length, filename, contentType, Fnv1a64(data));
        }

        static string TempDir()
        {
            string dir = Path.Combine(Path.GetTempPath(), "webraft-cs-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            return dir;
        }

        static string WriteTemp(string name, byte[] data)
        {
            string path = Path.Combine(TempDir(), name);
            File.WriteAllBytes(path, data);
            return path;
        }

        static MultipartForm Transcription(string model = "whisper-1")
        {
            return new MultipartForm().AddText("model", model);
        }

        [Test]
        static async Task TranscribeFromPathBytesAndStream()
        {
            byte[] wav = Wav(), plain = Encoding.ASCII.GetBytes("no magic\0here");
            string path = WriteTemp("hello.wav", wav);
            using (var client = Server.Client())
            {
                var cases = new[]
                {
                    Tuple.Create(Transcription().AddFile("file", path), Heard("heard", wav, "hello.wav", "audio/wav")),
                    Tuple.Create(Transcription().AddFile("file", path, "x.ogg", "audio/ogg"), Heard("heard", wav, "x.ogg", "audio/ogg")),
                    Tuple.Create(Transcription().AddFile("file", plain, "clip.mp3"), Heard("heard", plain, "clip.mp3", "audio/mpeg")),
                    Tuple.Create(Transcription().AddFile("file", new MemoryStream(wav), "s.wav"), Heard("heard", wav, "s.wav", "audio/wav")),
                    Tuple.Create(Transcription().AddFile("file", plain, "a.bin", "audio/x-custom"), Heard("heard", plain, "a.bin", "audio/x-custom")),
                    Tuple.Create(Transcription().AddFile("file", new byte[0], "empty.wav"), Heard("heard", new byte[0], "empty.wav", "audio/wav")),
                };
                foreach (var c in cases)
                {
                    using (MultipartForm form = c.Item1)
                    {
                        TranscriptionResult result = await client.TranscribeAsync(form);
                        Assert.Equal(c.Item2, result.Text, "transcript");
                        Assert.Equal(200, result.HttpStatus, "HTTP status");
                    }
                }
            }
        }

        [Test]
        static async Task TranscriptionFormatsAndTranslation()
        {
            byte[] wav = Wav();
            string path = WriteTemp("voice.wav", wav);
            string heard = Heard("heard", wav, "voice.wav", "audio/wav");
            using (var client = Server.Client("/v2"))
            {
                foreach (string format in new[] { "json", "text", "verbose_json" })
                {
                    using (var form = Transcription().AddFile("file", path).AddText("response_format", format).AddText("language", "en"))
                    {
                        TranscriptionResult result = await client.TranscribeAsync(form);
                        Assert.Equal(heard, result.Text, format);
                        if (format == "verbose_json")
                            Assert.Equal(heard, result.GetString("/segments/0/text"), "a segment read by pointer");
                        if (format == "text")
                            Assert.Equal(null, result.Json, "a text reply is not JSON");
                    }
                }
                using (var form = Transcription().AddFile("file", path))
                    Assert.Equal(Heard("translated", wav, "voice.wav", "audio/wav"), (await client.TranslateAsync(form)).Text, "translation");
            }
        }

        [Test]
        static async Task StreamedTranscription()
        {
            byte[] wav = Wav();
            string heard = Heard("heard", wav, "s.wav", "audio/wav");
            using (var client = Server.Client())
            using (var form = Transcription().AddFile("file", wav, "s.wav"))
            {
                var deltas = new StringBuilder();
                var types = new List<string>();
                TranscriptionResult result = await client.StreamTranscriptionAsync(form, e =>
                {
                    types.Add(e.IsHeaders ? "HEADERS" : e.Type);
                    if (e.Type == "transcript.text.delta")
                        deltas.Append(e.GetString("/delta"));
                });
                int words = heard.Split(' ').Length;
                Assert.Equal(heard, result.Text, "accumulated text");
                Assert.Equal(heard, deltas.ToString(), "deltas");
                Assert.Equal(words + 2, types.Count, "headers, a delta per word, done: " + string.Join(",", types));
                Assert.Equal("transcript.text.done", types[types.Count - 1], "the last event");

                // Polled, as a frame loop would.
                using (PolledRequest polled = client.StartTranscription(form))
                {
                    var polledDeltas = new StringBuilder();
                    Assert.Eventually(() =>
                    {
                        StreamEvent e;
                        while (polled.TryGetNextEvent(out e))
                            if (e.Type == "transcript.text.delta")
                                polledDeltas.Append(e.GetString("/delta"));
                        return polled.IsCompleted;
                    }, 10, "the polled stream ends");
                    Assert.Equal(heard, polledDeltas.ToString(), "polled deltas");
                    Assert.Equal(heard, polled.GetResult().Text, "polled result");
                }
            }
        }

        /// <summary>The test server speaks 1024 bytes per byte of input, byte i being i % 251.</summary>
        static byte[] Speech(int inputLength)
        {
            var bytes = new byte[1024 * inputLength];
            for (int i = 0; i < bytes.Length; i++)
                bytes[i] = (byte)(i % 251);
            return bytes;
        }

        static string SpeechBody(string input, string model = "tts-1", string format = null)
        {
            return "{\"model\":" + WebraftJson.Quote(model) + ",\"input\":" + WebraftJson.Quote(input) + ",\"voice\":\"alloy\""
                + (format == null ? "" : ",\"response_format\":" + WebraftJson.Quote(format)) + "}";
        }

        [Test]
        static async Task SpeechIntoMemoryFileStreamAndPieces()
        {
            const string line = "Welcome, traveller.";
            byte[] expected = Speech(line.Length);
            using (var client = Server.Client())
            {
                SendResult memory = await client.SpeechAsync(SpeechBody(line));
                Assert.True(memory.Body.SequenceEqual(expected), "in memory: " + memory.Body.Length + " bytes");
                Assert.Equal((long)expected.Length, memory.BytesReceived, "bytes received");
                Assert.Equal("audio/mpeg", memory.GetHeader("Content-Type"), "content type");

                string file = Path.Combine(TempDir(), "line.mp3");
                SendResult written = await client.SpeechToFileAsync(SpeechBody(line), file);
                Assert.True(File.ReadAllBytes(file).SequenceEqual(expected), "the file holds the audio");
                Assert.Equal((long)expected.Length, written.BytesReceived, "bytes received (file)");

                var stream = new MemoryStream();
                SendResult streamed = await client.SpeechAsync(SpeechBody(line, format: "wav"), stream);
                Assert.True(stream.ToArray().SequenceEqual(expected), "the stream holds the audio");
                Assert.Equal(0, streamed.Body.Length, "no body kept when streamed");
                Assert.Equal("audio/wav", streamed.GetHeader("content-type"), "wav");

                int pieces = 0;
                await client.DownloadAsync("POST", "/audio/speech", SpeechBody(line), piece => pieces++);
                Assert.True(pieces > 1, "more than one piece: " + pieces);
            }
        }

        [Test]
        static void PolledSpeech()
        {
            const string line = "Halt! Who goes there?";
            byte[] expected = Speech(line.Length);
            using (var client = Server.Client())
            using (PolledDownload download = client.StartSpeech(SpeechBody(line)))
            {
                var received = new MemoryStream();
                Assert.Eventually(() =>
                {
                    byte[] piece;
                    while (download.TryGetNextBytes(out piece))
                        received.Write(piece, 0, piece.Length);
                    return download.IsCompleted;
                }, 10, "the download ends");
                Assert.True(received.ToArray().SequenceEqual(expected), "polled pieces: " + received.Length + " bytes");
                Assert.Equal((long)expected.Length, download.GetResult().BytesReceived, "bytes received");
            }
        }

        /// <summary>A server that cuts the body: the call fails with the count that arrived; the file is untouched.</summary>
        [Test]
        static async Task CutSpeechBody()
        {
            const string line = "0123456789";
            long half = Speech(line.Length).Length / 2 / 4096 * 4096;
            using (var client = Server.Client(extra: "\"max_retries\":0"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.SpeechAsync(SpeechBody(line, "tts-cut")), "cut");
                Assert.Equal(WebraftStatus.Transport, error.Status, "status");
                Assert.Equal(half, error.BytesReceived, "bytes that arrived");

                string dir = TempDir(), file = Path.Combine(dir, "line.mp3");
                File.WriteAllText(file, "before");
                error = await Assert.ThrowsAsync<WebraftException>(() => client.SpeechToFileAsync(SpeechBody(line, "tts-cut"), file), "cut file");
                Assert.Equal(half, error.BytesReceived, "bytes that arrived (file)");
                Assert.Equal("before", File.ReadAllText(file), "the file is untouched");
                Assert.Equal(1, Directory.GetFiles(dir).Length, "no temporary file is left");

                var stream = new MemoryStream();
                error = await Assert.ThrowsAsync<WebraftException>(() => client.SpeechAsync(SpeechBody(line, "tts-cut"), stream), "cut stream");
                Assert.Equal(half, stream.Length, "the pieces before the cut were written");
            }
        }

        [Test]
        static async Task ImagesAsBytesAndUrls()
        {
            const string png = "\x89PNG\r\n\x1a\n";
            using (var client = Server.Client())
            {
                ImagesResult images = await client.GenerateImagesAsync(
                    "{\"model\":\"gpt-image-1\",\"prompt\":\"a red door\",\"n\":2,\"response_format\":\"b64_json\"}");
                Assert.Equal(2, images.Images.Count, "two images");
                for (int i = 0; i < 2; i++)
                {
                    Assert.Equal(png + "a red door#" + i, Latin1.GetString(images.Images[i].Bytes), "image " + i);
                    Assert.Equal(null, images.Images[i].Url, "no URL");
                }
                string file = Path.Combine(TempDir(), "door.png");
                images.Save(1, file);
                Assert.True(File.ReadAllBytes(file).SequenceEqual(images.Images[1].Bytes), "saved");
                Assert.Equal(WebraftStatus.Missing, Assert.Throws<WebraftException>(() => images.Save(2, file), "past the end").Status, "past the end");
                Assert.Equal(WebraftStatus.InvalidArgument, Assert.Throws<WebraftException>(() => images.Save(0, TempDir()), "a directory").Status, "a directory");

                ImagesResult urls = await client.GenerateImagesAsync("{\"model\":\"dall-e-3\",\"prompt\":\"a door\",\"response_format\":\"url\"}");
                Assert.Equal("https://images.webraft-mock.invalid/0.png", urls.Images[0].Url, "URL");
                Assert.Equal(null, urls.Images[0].Bytes, "no bytes");
                Assert.Equal(WebraftStatus.Missing, Assert.Throws<WebraftException>(() => urls.Save(0, file), "a URL image").Status, "URL save");

                byte[] original = Latin1.GetBytes("\x89PNG\r\n\x1a\n\0\0pixels");
                using (var form = new MultipartForm().AddFile("image", original, "in.png").AddText("prompt", "add a hat").AddText("model", "gpt-image-1"))
                {
                    ImagesResult edited = await client.EditImagesAsync(form);
                    Assert.True(edited.Images[0].Bytes.SequenceEqual(original.Concat(Encoding.ASCII.GetBytes("add a hat#0"))), "edited image");
                }
            }
        }

        /// <summary>The test server's vector: value j = ((fnv1a64(text ++ j as u32 LE) mod 2001) - 1000) / 1000.</summary>
        static float[] ExpectedEmbedding(string text, int dims)
        {
            ulong basis = Fnv1a64(Encoding.UTF8.GetBytes(text));
            var vector = new float[dims];
            for (int j = 0; j < dims; j++)
                vector[j] = (float)(((double)(Fnv1a64(BitConverter.GetBytes((uint)j), basis) % 2001) - 1000.0) / 1000.0);
            return vector;
        }

        [Test]
        static async Task EmbeddingsFloatAndBase64()
        {
            using (var client = Server.Client())
            {
                foreach (string format in new[] { "float", "base64" })
                {
                    EmbeddingsResult result = await client.EmbeddingsAsync("{\"model\":\"text-embedding-3-small\",\"input\":[\"red\",\"door\"],"
                        + "\"dimensions\":8,\"encoding_format\":\"" + format + "\"}");
                    Assert.Equal(2, result.Vectors.Count, format + ": two vectors");
                    Assert.True(result.Vectors[0].SequenceEqual(ExpectedEmbedding("red", 8)), format + ": red = " + string.Join(",", result.Vectors[0]));
                    Assert.True(result.Vectors[1].SequenceEqual(ExpectedEmbedding("door", 8)), format + ": door");
                }
            }
        }

        /// <summary>Bad files fail before anything is sent, naming the path; a 4xx reply parses like any API error.</summary>
        [Test]
        static async Task BadUploads()
        {
            string dir = TempDir(), missing = Path.Combine(dir, "missing.wav"), big = WriteTemp("big.wav", Wav());
            using (var form = new MultipartForm())
            {
                foreach (string path in new[] { missing, dir })
                {
                    var error = Assert.Throws<WebraftException>(() => form.AddFile("file", path), path);
                    Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "status for " + path);
                    Assert.Contains(error.Message, path, "the message names the path");
                }
            }
            using (var client = Server.Client(extra: "\"max_upload_bytes\":1000"))
            using (var form = Transcription().AddFile("file", big))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.TranscribeAsync(form), "over the bound");
                Assert.Equal(WebraftStatus.InvalidArgument, error.Status, "over the bound");
                Assert.Contains(error.Message, big, "the message names the file");
                Assert.Equal(0, error.HttpStatus, "nothing was sent");
            }
            using (var client = Server.Client())
            using (var form = new MultipartForm().AddFile("file", Wav(), "a.wav"))
            {
                var error = await Assert.ThrowsAsync<WebraftException>(() => client.TranscribeAsync(form), "no model");
                Assert.Equal(400, error.HttpStatus, "HTTP status");
                Assert.Equal("model", error.Param, "param");
                Assert.Equal("invalid_request_error", error.Type, "type");
            }
            var disposed = new MultipartForm();
            disposed.Dispose();
            Assert.Throws<ObjectDisposedException>(() => disposed.AddText("a", "b"), "a disposed form");
        }

        /// <summary>A retried form is sent whole again: the file is read anew from disk.</summary>
        [Test]
        static async Task RetriedFormArrivesWhole()
        {
            byte[] wav = Wav();
            string path = WriteTemp("r.wav", wav);
            using (var mock = new MockServer("--errors", "500"))
            using (var client = new WebraftClient("{\"base_url\":" + WebraftJson.Quote(mock.BaseUrl("/v1")) + ",\"api_key\":\"test-key\",\"max_retries\":2}"))
            using (var form = Transcription().AddFile("file", path))
            {
                TranscriptionResult result = await client.TranscribeAsync(form);
                Assert.Equal(1, result.Retries, "one retry");
                Assert.Equal(Heard("heard", wav, "r.wav", "audio/wav"), result.Text, "the whole file arrived");
            }
        }
    }
}
