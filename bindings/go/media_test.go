package webraft_test

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	webraft "github.com/webraft/webraft/bindings/go"
	"github.com/webraft/webraft/bindings/go/webrafttest"
)

// wavBytes is a short WAV file: a RIFF header the library sniffs as
// audio/wav, then bytes that include NULs and every byte value.
func wavBytes() []byte {
	b := []byte("RIFF\x24\x10\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00")
	for i := 0; i < 3000; i++ {
		b = append(b, byte(i*7))
	}
	return b
}

// heard is the test server's transcript of a file part: its size, file
// name, content type and the FNV-1a 64 hash of its exact bytes.
func heard(verb string, data []byte, filename, contentType string) string {
	h := fnv.New64a()
	h.Write(data)
	return fmt.Sprintf("%s %d bytes of %s (%s) fnv1a64 %016x", verb, len(data), filename, contentType, h.Sum64())
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The server checks the multipart framing and reports the file part's name,
// type and exact bytes: from a path, from memory and from a reader, with the
// content type sniffed, from the extension, or given.
func TestTranscribeFileSources(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	wav := wavBytes()
	path := writeFile(t, "hello.wav", wav)
	plain := []byte("no magic bytes here\x00\x01")
	cases := []struct {
		name string
		file webraft.File
		want string
	}{
		{"path, sniffed", webraft.FilePath(path), heard("heard", wav, "hello.wav", "audio/wav")},
		{"path, renamed and typed", webraft.File{Filename: "x.ogg", ContentType: "audio/ogg"}, ""},
		{"bytes, by extension", webraft.FileBytes("clip.mp3", plain), heard("heard", plain, "clip.mp3", "audio/mpeg")},
		{"bytes, sniffed", webraft.FileBytes("noext", wav), heard("heard", wav, "noext", "audio/wav")},
		{"reader, one byte at a time", webraft.FileReader("r.wav", iotest.OneByteReader(bytes.NewReader(wav))), heard("heard", wav, "r.wav", "audio/wav")},
		{"bytes, given type", webraft.File{Filename: "a.bin", ContentType: "audio/x-custom"}, ""},
		{"empty bytes", webraft.FileBytes("empty.wav", nil), heard("heard", nil, "empty.wav", "audio/wav")},
	}
	// A File from a path with its name and type overridden: FilePath, then the fields.
	cases[1].file = webraft.FilePath(path)
	cases[1].file.Filename, cases[1].file.ContentType = "x.ogg", "audio/ogg"
	cases[1].want = heard("heard", wav, "x.ogg", "audio/ogg")
	cases[5].file = webraft.FileBytes("a.bin", plain)
	cases[5].file.ContentType = "audio/x-custom"
	cases[5].want = heard("heard", plain, "a.bin", "audio/x-custom")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := c.Transcribe(ctxFor(t), webraft.TranscriptionRequest{File: tc.file, Model: "whisper-1"})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Text != tc.want || tr.StatusCode != 200 {
				t.Errorf("Text %q (HTTP %d), want %q", tr.Text, tr.StatusCode, tc.want)
			}
		})
	}
	checkNoLeaks(t)
}

func TestTranscriptionFormats(t *testing.T) {
	c := newClient(t, "/v2", webraft.Config{})
	wav := wavBytes()
	path := writeFile(t, "voice.wav", wav)
	want := heard("heard", wav, "voice.wav", "audio/wav")
	temperature := 0.2
	for _, format := range []string{"", "json", "text", "verbose_json"} {
		t.Run("format "+format, func(t *testing.T) {
			tr, err := c.Transcribe(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FilePath(path), Model: "whisper-1",
				ResponseFormat: format, Language: "en", Prompt: "a test", Temperature: &temperature})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Text != want {
				t.Errorf("Text %q, want %q", tr.Text, want)
			}
			switch format {
			case "text":
				if string(tr.Body) != want {
					t.Errorf("text body %q", tr.Body)
				}
			case "verbose_json":
				if !bytes.Contains(tr.Body, []byte(`"segments"`)) {
					t.Errorf("verbose_json body %s", tr.Body)
				}
			}
		})
	}
	tr, err := c.Translate(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FilePath(path), Model: "whisper-1"})
	if err != nil || tr.Text != heard("translated", wav, "voice.wav", "audio/wav") {
		t.Errorf("Translate: %+v, %v", tr, err)
	}
}

// A streamed transcription: the headers event, then the delta events whose
// deltas add up to the text, then the done event; the library accumulates
// the same text.
func TestTranscribeStream(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	wav := wavBytes()
	var deltas strings.Builder
	var types []string
	tr, err := c.TranscribeStream(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FileBytes("s.wav", wav), Model: "whisper-1"},
		func(ev webraft.Event) error {
			if ev.Headers != nil {
				types = append(types, "HEADERS")
				return nil
			}
			kind, err := ev.GetString("/type")
			if err != nil {
				return err
			}
			types = append(types, kind)
			if kind == "transcript.text.delta" {
				delta, err := ev.GetString("/delta")
				deltas.WriteString(delta)
				return err
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := heard("heard", wav, "s.wav", "audio/wav")
	if tr.Text != want || deltas.String() != want {
		t.Errorf("Text %q, deltas %q, want %q", tr.Text, deltas.String(), want)
	}
	words := len(strings.Fields(want))
	if len(types) != words+2 || types[0] != "HEADERS" || types[len(types)-1] != "transcript.text.done" || tr.Chunks != words+1 {
		t.Errorf("events %v, chunk count %d", types, tr.Chunks)
	}

	// Without a function the reply still streams, and only the text is kept.
	tr, err = c.TranscribeStream(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FileBytes("s.wav", wav), Model: "whisper-1"}, nil)
	if err != nil || tr.Text != want || tr.Chunks != words+1 {
		t.Errorf("no function: %q, %d events, %v", tr.Text, tr.Chunks, err)
	}

	// Pulled, through the generic form stream.
	form := webraft.NewForm()
	defer form.Close()
	if err := form.AddFile("file", webraft.FileBytes("s.wav", wav)); err != nil {
		t.Fatal(err)
	}
	if err := form.AddText("model", "whisper-1"); err != nil {
		t.Fatal(err)
	}
	stream, err := c.SendFormStream(ctxFor(t), "/audio/transcriptions", form)
	if err != nil {
		t.Fatal(err)
	}
	var pulled strings.Builder
	for ev, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		if delta, err := ev.GetString("/delta"); err == nil {
			pulled.WriteString(delta)
		}
	}
	if pulled.String() != want {
		t.Errorf("pulled deltas %q", pulled.String())
	}
	checkNoLeaks(t)
}

// speechBytes is what the test server speaks for input: 1024 bytes per
// byte of input, byte i being i % 251 (so NULs too).
func speechBytes(n int) []byte {
	b := make([]byte, 1024*n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// writes records how a writer was called.
type writes struct {
	bytes.Buffer
	calls int
}

func (w *writes) Write(p []byte) (int, error) {
	w.calls++
	return w.Buffer.Write(p)
}

func TestSpeechMemoryFileAndPieces(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	req := webraft.SpeechRequest{Model: "tts-1", Input: "Welcome, traveller.", Voice: "alloy"}
	want := speechBytes(len(req.Input))

	resp, err := c.Speech(ctxFor(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp.Body, want) || resp.BytesReceived != int64(len(want)) || resp.Header("content-type") != "audio/mpeg" {
		t.Errorf("in memory: %d bytes (equal %v), BytesReceived %d, type %q", len(resp.Body), bytes.Equal(resp.Body, want), resp.BytesReceived, resp.Header("content-type"))
	}

	file := filepath.Join(t.TempDir(), "line.mp3")
	resp, err = c.SpeechToFile(ctxFor(t), req, file)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file)
	if !bytes.Equal(got, want) || resp.Body != nil || resp.BytesReceived != int64(len(want)) {
		t.Errorf("to a file: %d bytes (equal %v), body %d, BytesReceived %d", len(got), bytes.Equal(got, want), len(resp.Body), resp.BytesReceived)
	}

	var w writes
	resp, err = c.SpeechTo(ctxFor(t), webraft.SpeechRequest{Model: "tts-1", Input: req.Input, Voice: "alloy", ResponseFormat: "wav"}, &w)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Bytes(), want) || w.calls < 2 || resp.BytesReceived != int64(len(want)) || resp.Header("content-type") != "audio/wav" {
		t.Errorf("pieces: %d bytes in %d writes (equal %v), type %q", w.Len(), w.calls, bytes.Equal(w.Bytes(), want), resp.Header("content-type"))
	}
	checkNoLeaks(t)
}

// A writer's error stops the download and comes back; so does a function's.
func TestSpeechPieceErrorStops(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	stop := errors.New("player full")
	pieces := 0
	_, err := c.DownloadFunc(ctxFor(t), "POST", "/audio/speech", webraft.SpeechRequest{Model: "tts-1", Input: strings.Repeat("x", 64), Voice: "alloy"},
		func(piece []byte) error {
			pieces++
			return stop
		})
	if !errors.Is(err, stop) || pieces != 1 {
		t.Errorf("err %v after %d pieces", err, pieces)
	}
	checkNoLeaks(t)
}

// cutSpeech is a client that does not retry, a speech request whose body
// the test server cuts half-way, the whole body and how much of it arrives.
func cutSpeech(t *testing.T) (*webraft.Client, webraft.SpeechRequest, []byte, int) {
	c := newClient(t, "/v1", webraft.Config{MaxRetries: webraft.Retries(0)})
	req := webraft.SpeechRequest{Model: "tts-cut", Input: "0123456789", Voice: "alloy"}
	full := speechBytes(len(req.Input))
	return c, req, full, len(full) / 2 / 4096 * 4096
}

// A server that cuts the speech body: the call fails and says how many
// bytes arrived; a file download leaves the file as it was and no
// temporary file behind.
func TestSpeechCutBody(t *testing.T) {
	c, req, full, half := cutSpeech(t)

	resp, err := c.Speech(ctxFor(t), req)
	if !errors.Is(err, webraft.ErrTransport) {
		t.Fatalf("err %v", err)
	}
	if resp == nil || resp.BytesReceived != int64(half) || !bytes.Equal(resp.Body, full[:half]) {
		t.Errorf("cut body: %+v", resp)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "line.mp3")
	os.WriteFile(file, []byte("before"), 0o600)
	resp, err = c.SpeechToFile(ctxFor(t), req, file)
	if !errors.Is(err, webraft.ErrTransport) || resp == nil || resp.BytesReceived != int64(half) {
		t.Errorf("to a file: %+v, %v", resp, err)
	}
	if got, _ := os.ReadFile(file); string(got) != "before" {
		t.Errorf("the file changed: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	checkNoLeaks(t)
}

func TestImagesBase64AndURL(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	png := "\x89PNG\r\n\x1a\n"
	images, err := c.GenerateImages(ctxFor(t), webraft.ImageRequest{Model: "gpt-image-1", Prompt: "a red door", N: 2, ResponseFormat: "b64_json"})
	if err != nil {
		t.Fatal(err)
	}
	if len(images.Data) != 2 {
		t.Fatalf("%d images", len(images.Data))
	}
	for i, im := range images.Data {
		if want := fmt.Sprintf("%sa red door#%d", png, i); string(im.Bytes) != want || im.URL != "" {
			t.Errorf("image %d: %q, URL %q", i, im.Bytes, im.URL)
		}
	}
	file := filepath.Join(t.TempDir(), "door.png")
	if err := images.Save(1, file); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(file); string(got) != png+"a red door#1" {
		t.Errorf("saved %q", got)
	}
	if err := images.Save(2, file); !errors.Is(err, webraft.ErrMissing) {
		t.Errorf("Save past the end: %v", err)
	}
	if err := images.Save(0, t.TempDir()); !errors.Is(err, webraft.ErrInvalidArgument) {
		t.Errorf("Save to a directory: %v", err)
	}

	urls, err := c.GenerateImages(ctxFor(t), webraft.ImageRequest{Model: "dall-e-3", Prompt: "a door", ResponseFormat: "url"})
	if err != nil {
		t.Fatal(err)
	}
	if len(urls.Data) != 1 || urls.Data[0].URL != "https://images.webraft-mock.invalid/0.png" || urls.Data[0].Bytes != nil {
		t.Errorf("url reply: %+v", urls.Data)
	}
	if err := urls.Save(0, file); !errors.Is(err, webraft.ErrMissing) {
		t.Errorf("Save of a URL image: %v", err)
	}
}

func TestImageEdit(t *testing.T) {
	c := newClient(t, "/v2", webraft.Config{})
	original := []byte("\x89PNG\r\n\x1a\n\x00\x00pixels")
	images, err := c.EditImages(ctxFor(t), webraft.ImageEditRequest{Image: webraft.FileReader("in.png", bytes.NewReader(original)),
		Model: "gpt-image-1", Prompt: "add a hat", N: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(images.Data) != 2 || string(images.Data[1].Bytes) != string(original)+"add a hat#1" {
		t.Errorf("edited: %+v", images.Data)
	}
}

// expectedEmbedding is the test server's vector for text (its crate docs):
// value j = ((fnv1a64(text ++ j as u32 LE) mod 2001) - 1000) / 1000.
func expectedEmbedding(text string, dims int) []float32 {
	out := make([]float32, dims)
	for j := range out {
		h := fnv.New64a()
		h.Write([]byte(text))
		h.Write([]byte{byte(j), byte(j >> 8), byte(j >> 16), byte(j >> 24)})
		out[j] = float32((float64(h.Sum64()%2001) - 1000) / 1000)
	}
	return out
}

func TestEmbeddingsFloatAndBase64(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	var vectors [][][]float32
	for _, format := range []string{"float", "base64"} {
		emb, err := c.Embed(ctxFor(t), webraft.EmbeddingRequest{Model: "text-embedding-3-small", Input: []string{"red", "door"},
			EncodingFormat: format, Dimensions: 8})
		if err != nil {
			t.Fatal(err)
		}
		if len(emb.Vectors) != 2 {
			t.Fatalf("%s: %d vectors", format, len(emb.Vectors))
		}
		vectors = append(vectors, emb.Vectors)
	}
	for i, text := range []string{"red", "door"} {
		want := expectedEmbedding(text, 8)
		for f, format := range []string{"float", "base64"} {
			if fmt.Sprint(vectors[f][i]) != fmt.Sprint(want) {
				t.Errorf("%s vector %d = %v, want %v", format, i, vectors[f][i], want)
			}
		}
	}
}

// Bad files fail before anything is sent, naming the path.
func TestUploadBadInput(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{MaxUploadBytes: 1000})
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.wav")
	big := writeFile(t, "big.wav", wavBytes())
	for name, file := range map[string]string{"missing": missing, "directory": dir, "over the bound": big} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Transcribe(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FilePath(file), Model: "whisper-1"})
			var e *webraft.Error
			if !errors.As(err, &e) || e.Status != webraft.StatusInvalidArgument || !strings.Contains(e.Message, file) || e.HTTPStatus != 0 {
				t.Errorf("%#v", err)
			}
		})
	}
	// Over the bound from memory too, checked when sending.
	_, err := c.Transcribe(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FileBytes("mem.wav", wavBytes()), Model: "whisper-1"})
	if !errors.Is(err, webraft.ErrInvalidArgument) {
		t.Errorf("bytes over the bound: %v", err)
	}
	// A reader's own error comes back as it is.
	broken := errors.New("microphone unplugged")
	_, err = c.Transcribe(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FileReader("r.wav", iotest.ErrReader(broken)), Model: "whisper-1"})
	if !errors.Is(err, broken) {
		t.Errorf("reader error: %v", err)
	}
	checkNoLeaks(t)
	if webraft.LiveForms() != 0 {
		t.Errorf("%d forms left open", webraft.LiveForms())
	}
}

// A 4xx reply to a multipart request parses like any API error.
func TestMultipartAPIError(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	_, err := c.Transcribe(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FileBytes("a.wav", wavBytes())})
	var apiErr *webraft.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "model" || apiErr.Type != "invalid_request_error" || apiErr.Message == "" {
		t.Errorf("%#v", err)
	}
}

// A retried form is sent whole again: the file from disk is read anew.
func TestFormRetrySendsItWhole(t *testing.T) {
	mock := webrafttest.Start(t, "--errors", "500")
	c, err := webraft.NewClient(webraft.Config{BaseURL: mock.BaseURL("/v1"), APIKey: webrafttest.APIKey, MaxRetries: webraft.Retries(2)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wav := wavBytes()
	tr, err := c.Transcribe(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FilePath(writeFile(t, "r.wav", wav)), Model: "whisper-1"})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Retries != 1 || tr.Text != heard("heard", wav, "r.wav", "audio/wav") {
		t.Errorf("retries %d, text %q", tr.Retries, tr.Text)
	}
}

// A file name that is not UTF-8 is read all the same; its part header
// carries U+FFFD for the bad byte.
func TestNonUTF8FileName(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	wav := wavBytes()
	path := writeFile(t, "voice-\xff.wav", wav)
	tr, err := c.Transcribe(ctxFor(t), webraft.TranscriptionRequest{File: webraft.FilePath(path), Model: "whisper-1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := heard("heard", wav, "voice-\uFFFD.wav", "audio/wav"); tr.Text != want {
		t.Errorf("Text %q, want %q", tr.Text, want)
	}
}

// A form is reusable: sent twice, changed between; closed, it refuses.
func TestFormReuseAndClose(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	form := webraft.NewForm()
	wav := wavBytes()
	if err := form.AddText("model", "whisper-1"); err != nil {
		t.Fatal(err)
	}
	if err := form.AddFile("file", webraft.FileBytes("a.wav", wav)); err != nil {
		t.Fatal(err)
	}
	want := heard("heard", wav, "a.wav", "audio/wav")
	resp, err := c.SendForm(ctxFor(t), "/audio/transcriptions", form)
	if err != nil || !bytes.Contains(resp.Body, []byte(`"`+want+`"`)) {
		t.Fatalf("json: %v, %v", resp, err)
	}
	if err := form.AddText("response_format", "text"); err != nil {
		t.Fatal(err)
	}
	resp, err = c.SendForm(ctxFor(t), "/audio/transcriptions", form)
	if err != nil || string(resp.Body) != want {
		t.Fatalf("text: %v, %v", resp, err)
	}
	form.Close()
	form.Close()
	if err := form.AddText("a", "b"); !errors.Is(err, webraft.ErrFormClosed) {
		t.Errorf("AddText after Close: %v", err)
	}
	if _, err := c.SendForm(ctxFor(t), "/audio/transcriptions", form); !errors.Is(err, webraft.ErrFormClosed) {
		t.Errorf("SendForm after Close: %v", err)
	}
	if _, err := c.SendForm(ctxFor(t), "/audio/transcriptions", nil); !errors.Is(err, webraft.ErrNullArgument) {
		t.Errorf("SendForm without a form: %v", err)
	}
	if err := webraft.NewForm().AddText("bad\x00name", "v"); !errors.Is(err, webraft.ErrInvalidArgument) {
		t.Errorf("NUL in a name: %v", err)
	}
	checkNoLeaks(t)
}
