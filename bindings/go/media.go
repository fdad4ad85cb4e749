package webraft

/*
#include "bridge.h"
*/
import "C"

import (
	"context"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"unsafe"
)

// startForm starts a multipart form request, read as a stream of events or
// not. The library takes a snapshot of the form, so it may change as soon
// as this returns.
func (cl *Client) startForm(c *call, path string, form *Form, opts []Option, stream bool) error {
	cPath, err := nulTerminated([]byte(path))
	if err != nil {
		return err
	}
	options, err := optionsJSON(opts)
	if err != nil {
		return err
	}
	return form.use(func(p *C.webraft_form) error {
		return cl.startOn(c, func(client *C.webraft_client, handle C.uintptr_t, out **C.webraft_request) C.webraft_status {
			return C.webraft_go_form_start(client, cString(cPath), p, cString(options), C.bool(stream), handle, out)
		})
	})
}

// SendForm posts form as multipart/form-data to path under the base URL and
// waits for the reply, e.g. SendForm(ctx, "/audio/transcriptions", form).
// The body is sent whole again on a retry. A file over the client's
// max_upload_bytes, or a file that is gone by the time of sending, fails
// with ErrInvalidArgument before anything is sent; a 4xx/5xx reply is an
// *APIError as for any request. Cancellation works as for Chat.
func (cl *Client) SendForm(ctx context.Context, path string, form *Form, opts ...Option) (*Response, error) {
	return run(ctx, cl, &call{}, func(c *call) error { return cl.startForm(c, path, form, opts, false) }, sendOutcome)
}

// SendFormStream posts form, with the text field stream=true added unless
// it has one, and reads the reply as a stream of events (the headers event
// first), as SendStream does.
func (cl *Client) SendFormStream(ctx context.Context, path string, form *Form, opts ...Option) (*EventStream[*Response], error) {
	p, err := startStream(ctx, cl, eventSink, func(c *call) error { return cl.startForm(c, path, form, opts, true) }, sendOutcome)
	if err != nil {
		return nil, err
	}
	return &EventStream[*Response]{p}, nil
}

// TranscriptionRequest is a speech-to-text request (/audio/transcriptions)
// or a translation into English (/audio/translations). Zero fields are not
// sent.
type TranscriptionRequest struct {
	File  File   // the audio: FilePath, FileBytes or FileReader
	Model string // e.g. "whisper-1" or "gpt-4o-transcribe"
	// ResponseFormat is "json" (the server's default), "text" or
	// "verbose_json"; Text reads all three.
	ResponseFormat string
	Language       string // ISO-639-1, e.g. "en" (transcriptions only)
	Prompt         string
	Temperature    *float64
	// Fields adds any other text field, e.g. {"timestamp_granularities[]": "word"}.
	Fields map[string]string
}

// form builds the request's multipart form; the caller closes it.
func (r TranscriptionRequest) form() (*Form, error) {
	fields := [][2]string{{"model", r.Model}, {"response_format", r.ResponseFormat}, {"language", r.Language}, {"prompt", r.Prompt}}
	if r.Temperature != nil {
		fields = append(fields, [2]string{"temperature", strconv.FormatFloat(*r.Temperature, 'g', -1, 64)})
	}
	return uploadForm("file", r.File, fields, r.Fields)
}

// uploadForm is a new form with file as the part fileField, then each of
// fields and extra (in name order) that is not "". The caller closes it.
func uploadForm(fileField string, file File, fields [][2]string, extra map[string]string) (*Form, error) {
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		fields = append(fields, [2]string{name, extra[name]})
	}
	form := NewForm()
	err := form.AddFile(fileField, file)
	for _, field := range fields {
		if err == nil && field[1] != "" {
			err = form.AddText(field[0], field[1])
		}
	}
	if err != nil {
		form.Close()
		return nil, err
	}
	return form, nil
}

// Transcription is the reply to a transcription or translation.
type Transcription struct {
	// Text is the transcript as the library read it: the "text" member of
	// a json or verbose_json reply, a text reply's body, or what a stream's
	// transcript.text.delta events added up to (its done event's text).
	Text string
	// Response has the body as sent (verbose_json's segments are in it).
	Response
}

// transcriptionOutcome is the Transcription of a finished form request (nil
// when no reply arrived) and its error; it frees the result.
func transcriptionOutcome(ctx context.Context, r *C.webraft_result) (*Transcription, error) {
	defer C.webraft_result_free(r)
	err := withContext(ctx, resultError(r, Status(C.webraft_result_status(r))))
	resp := readResponse(r)
	if resp == nil {
		return nil, err
	}
	var n C.size_t
	return &Transcription{Text: string(goBytes(C.webraft_result_text(r, &n), n)), Response: *resp}, err
}

// sendRequestForm sends the form build makes to path and returns what out
// makes of the reply; with fn, the reply is read as a stream of events to fn.
func sendRequestForm[R any](ctx context.Context, cl *Client, path string, build func() (*Form, error), opts []Option, fn func(Event) error, out outcome[R]) (R, error) {
	var none R
	form, err := build()
	if err != nil {
		return none, err
	}
	defer form.Close()
	start := func(c *call) error { return cl.startForm(c, path, form, opts, fn != nil) }
	if fn == nil {
		return run(ctx, cl, &call{}, start, out)
	}
	return runFunc(ctx, cl, eventSink, fn, start, out)
}

// Transcribe turns speech into text (POST /audio/transcriptions).
func (cl *Client) Transcribe(ctx context.Context, req TranscriptionRequest, opts ...Option) (*Transcription, error) {
	return sendRequestForm(ctx, cl, "/audio/transcriptions", req.form, opts, nil, transcriptionOutcome)
}

// Translate turns speech into English text (POST /audio/translations).
func (cl *Client) Translate(ctx context.Context, req TranscriptionRequest, opts ...Option) (*Transcription, error) {
	return sendRequestForm(ctx, cl, "/audio/translations", req.form, opts, nil, transcriptionOutcome)
}

// TranscribeStream transcribes with stream=true: fn gets the headers event,
// then each event on a library worker thread as it arrives (a
// "transcript.text.delta" event's GetString("/delta") is the next piece of
// text; its "type" names it also when the SSE event has no name), and the
// Transcription holds the whole text. fn works as for ChatStreamFunc: keep
// it short, an error stops the stream and is returned, a panic is raised
// again here.
func (cl *Client) TranscribeStream(ctx context.Context, req TranscriptionRequest, fn func(Event) error, opts ...Option) (*Transcription, error) {
	if fn == nil { // still streamed: only the accumulated Text is wanted
		fn = func(Event) error { return nil }
	}
	return sendRequestForm(ctx, cl, "/audio/transcriptions", req.form, opts, fn, transcriptionOutcome)
}

// startDownload starts a download of the reply to method path body:
// written to toFile when it is not "", else delivered as c says (kept in
// the result, handed in pieces to its bytes callback, or queued for polling).
func (cl *Client) startDownload(c *call, method, path string, body any, toFile string, opts []Option) error {
	args, err := newSendArgs(method, path, body, opts)
	if err != nil {
		return err
	}
	cFile, err := optionalString(toFile)
	if err != nil {
		return err
	}
	delivery := c.delivery()
	return cl.startOn(c, func(client *C.webraft_client, handle C.uintptr_t, out **C.webraft_request) C.webraft_status {
		return C.webraft_go_download_start(client, cString(args.method), cString(args.path), cString(args.body), cString(args.options), cString(cFile), delivery, handle, out)
	})
}

// Download sends a request to any endpoint, as Do does, and keeps the
// reply's body as bytes, never parsed (audio, an image, any file), up to the
// client's max_body_bytes. A body the server cuts fails with ErrTransport;
// the Response comes back with it, holding the bytes that arrived.
func (cl *Client) Download(ctx context.Context, method, path string, body any, opts ...Option) (*Response, error) {
	return run(ctx, cl, &call{}, func(c *call) error { return cl.startDownload(c, method, path, body, "", opts) }, sendOutcome)
}

// DownloadToFile is Download with the body written to the file at file,
// atomically: into a temporary file beside it, renamed over file only once
// the whole body arrived with a 2xx status. On any failure the file is left
// as it was and no temporary file remains. max_body_bytes does not apply.
func (cl *Client) DownloadToFile(ctx context.Context, method, path string, body any, file string, opts ...Option) (*Response, error) {
	return run(ctx, cl, &call{}, func(c *call) error { return cl.startDownload(c, method, path, body, file, opts) }, sendOutcome)
}

// DownloadFunc is Download with the body handed to fn in pieces as they
// arrive, so playback can start before the download ends. fn runs on a
// library worker thread, in order, one piece at a time; the piece is only
// lent for the call (copy what you keep). An error from fn stops the
// download and is returned; a panic is raised again here. The Response has
// no Body (BytesReceived counts the pieces); max_body_bytes does not apply.
func (cl *Client) DownloadFunc(ctx context.Context, method, path string, body any, fn func([]byte) error, opts ...Option) (*Response, error) {
	return runFunc(ctx, cl, bytesSink, fn, func(c *call) error { return cl.startDownload(c, method, path, body, "", opts) }, sendOutcome)
}

// DownloadTo is DownloadFunc writing each piece to w, e.g. an audio
// player's input or a net/http ResponseWriter. A write error stops the
// download and is returned.
func (cl *Client) DownloadTo(ctx context.Context, method, path string, body any, w io.Writer, opts ...Option) (*Response, error) {
	return cl.DownloadFunc(ctx, method, path, body, func(piece []byte) error {
		_, err := w.Write(piece)
		return err
	}, opts...)
}

// SpeechRequest is a text-to-speech request (POST /audio/speech). Zero
// fields are not sent; Extra adds any other member (it wins).
type SpeechRequest struct {
	Model string `json:"model"` // e.g. "tts-1" or "gpt-4o-mini-tts"
	Input string `json:"input"`
	Voice string `json:"voice"` // e.g. "alloy"
	// ResponseFormat is "mp3" (the server's default), "opus", "aac",
	// "flac", "wav" or "pcm".
	ResponseFormat string         `json:"response_format,omitempty"`
	Speed          float64        `json:"speed,omitempty"`
	Instructions   string         `json:"instructions,omitempty"`
	Extra          map[string]any `json:"-"`
}

// MarshalJSON writes the typed fields, then merges Extra.
func (r SpeechRequest) MarshalJSON() ([]byte, error) {
	type plain SpeechRequest
	return withExtra(plain(r), r.Extra, "SpeechRequest")
}

// Speech speaks req.Input and returns the audio in the Response's Body.
// req is a SpeechRequest, raw JSON or any value that encodes to the body.
func (cl *Client) Speech(ctx context.Context, req any, opts ...Option) (*Response, error) {
	return cl.Download(ctx, "POST", "/audio/speech", req, opts...)
}

// SpeechToFile speaks into the file at file, atomically (see DownloadToFile).
func (cl *Client) SpeechToFile(ctx context.Context, req any, file string, opts ...Option) (*Response, error) {
	return cl.DownloadToFile(ctx, "POST", "/audio/speech", req, file, opts...)
}

// SpeechTo speaks into w as the audio arrives (see DownloadTo).
func (cl *Client) SpeechTo(ctx context.Context, req any, w io.Writer, opts ...Option) (*Response, error) {
	return cl.DownloadTo(ctx, "POST", "/audio/speech", req, w, opts...)
}

// ImageRequest is an image generation request (POST /images/generations).
// Zero fields are not sent; Extra adds any other member (it wins).
type ImageRequest struct {
	Model  string `json:"model"` // e.g. "gpt-image-1" or "dall-e-3"
	Prompt string `json:"prompt"`
	N      int    `json:"n,omitempty"`
	Size   string `json:"size,omitempty"` // e.g. "1024x1024"
	// ResponseFormat is "b64_json" (the image's bytes in the reply) or
	// "url" (a link, for dall-e models).
	ResponseFormat string         `json:"response_format,omitempty"`
	Quality        string         `json:"quality,omitempty"`
	Extra          map[string]any `json:"-"`
}

// MarshalJSON writes the typed fields, then merges Extra.
func (r ImageRequest) MarshalJSON() ([]byte, error) {
	type plain ImageRequest
	return withExtra(plain(r), r.Extra, "ImageRequest")
}

// ImageEditRequest edits an image (POST /images/edits, multipart). Zero
// fields are not sent.
type ImageEditRequest struct {
	Image          File // FilePath, FileBytes or FileReader
	Model          string
	Prompt         string
	N              int
	Size           string
	ResponseFormat string
	// Fields adds any other text field.
	Fields map[string]string
}

func (r ImageEditRequest) form() (*Form, error) {
	fields := [][2]string{{"model", r.Model}, {"prompt", r.Prompt}, {"size", r.Size}, {"response_format", r.ResponseFormat}}
	if r.N != 0 {
		fields = append(fields, [2]string{"n", strconv.Itoa(r.N)})
	}
	return uploadForm("image", r.Image, fields, r.Fields)
}

// Image is one image of a reply: its bytes (a b64_json reply, decoded by
// the library) or its URL (a url reply).
type Image struct {
	Bytes []byte
	URL   string
}

// Images is the reply to an image generation or edit.
type Images struct {
	Data []Image // in the reply's order
	Response
	result *resultRef
}

// Save writes image index's bytes to the file at file, atomically (a
// temporary file beside it, then a rename; nothing is left on failure).
// An image that came as a URL fails with ErrMissing; a directory with
// ErrInvalidArgument, an unwritable place with ErrIO.
func (im *Images) Save(index int, file string) error {
	cFile, err := nulTerminated([]byte(file))
	if err != nil {
		return err
	}
	if im == nil || im.result == nil || index < 0 {
		return &Error{Status: StatusMissing, Message: fmt.Sprintf("no image %d", index)}
	}
	var failure *C.webraft_result
	status := C.webraft_result_image_save(im.result.ptr, C.size_t(index), cString(cFile), &failure)
	runtime.KeepAlive(im.result)
	if failure == nil {
		return statusError(status, fmt.Sprintf("image %d", index))
	}
	return failureError(status, failure)
}

// imagesOutcome turns a finished image request's result into its Images,
// which keep the result for Save, and the call's error.
func imagesOutcome(ctx context.Context, r *C.webraft_result) (*Images, error) {
	err := withContext(ctx, resultError(r, Status(C.webraft_result_status(r))))
	resp := readResponse(r)
	if resp == nil || err != nil {
		C.webraft_result_free(r)
		return nil, err
	}
	im := &Images{Response: *resp}
	for i := C.size_t(0); i < C.webraft_result_image_count(r); i++ {
		var data *C.uint8_t
		var n C.size_t
		switch status := C.webraft_result_image_bytes(r, i, &data, &n); Status(status) {
		case StatusOK:
			im.Data = append(im.Data, Image{Bytes: goBytes((*C.char)(unsafe.Pointer(data)), n)})
		case StatusMissing:
			im.Data = append(im.Data, Image{URL: goString(C.webraft_result_image_url(r, i))})
		default:
			C.webraft_result_free(r)
			return nil, statusError(status, fmt.Sprintf("image %d of the reply", i))
		}
	}
	im.result = keepResult(r)
	return im, nil
}

// GenerateImages creates images from a prompt (POST /images/generations).
// req is an ImageRequest, raw JSON or any value that encodes to the body.
func (cl *Client) GenerateImages(ctx context.Context, req any, opts ...Option) (*Images, error) {
	return run(ctx, cl, &call{}, func(c *call) error { return cl.startSend(c, "POST", "/images/generations", req, opts, false) }, imagesOutcome)
}

// EditImages edits an image (POST /images/edits).
func (cl *Client) EditImages(ctx context.Context, req ImageEditRequest, opts ...Option) (*Images, error) {
	return sendRequestForm(ctx, cl, "/images/edits", req.form, opts, nil, imagesOutcome)
}

// EmbeddingRequest asks for embeddings (POST /embeddings). Zero fields are
// not sent; Extra adds any other member (it wins).
type EmbeddingRequest struct {
	Model string `json:"model"` // e.g. "text-embedding-3-small"
	// Input is a string, or a []string to embed several at once.
	Input any `json:"input"`
	// EncodingFormat "base64" makes the reply several times smaller than
	// the default "float"; Vectors reads both.
	EncodingFormat string         `json:"encoding_format,omitempty"`
	Dimensions     int            `json:"dimensions,omitempty"`
	User           string         `json:"user,omitempty"`
	Extra          map[string]any `json:"-"`
}

// MarshalJSON writes the typed fields, then merges Extra.
func (r EmbeddingRequest) MarshalJSON() ([]byte, error) {
	type plain EmbeddingRequest
	return withExtra(plain(r), r.Extra, "EmbeddingRequest")
}

// Embeddings is the reply to an embeddings request.
type Embeddings struct {
	// Vectors holds one vector per input, in the reply's order, as the
	// library read it: decoded from base64 (little-endian float32) or from
	// a number array.
	Vectors [][]float32
	Response
}

func embeddingsOutcome(ctx context.Context, r *C.webraft_result) (*Embeddings, error) {
	defer C.webraft_result_free(r)
	err := withContext(ctx, resultError(r, Status(C.webraft_result_status(r))))
	resp := readResponse(r)
	if resp == nil || err != nil {
		return nil, err
	}
	out := &Embeddings{Response: *resp}
	for i := C.size_t(0); i < C.webraft_result_embedding_count(r); i++ {
		var values *C.float
		var n C.size_t
		if status := C.webraft_result_embedding(r, i, &values, &n); Status(status) != StatusOK {
			return nil, statusError(status, fmt.Sprintf("embedding %d of the reply", i))
		}
		vector := make([]float32, int(n))
		if n > 0 {
			copy(vector, unsafe.Slice((*float32)(unsafe.Pointer(values)), int(n)))
		}
		out.Vectors = append(out.Vectors, vector)
	}
	return out, nil
}

// Embed asks for embeddings (POST /embeddings). req is an EmbeddingRequest,
// raw JSON or any value that encodes to the body.
func (cl *Client) Embed(ctx context.Context, req any, opts ...Option) (*Embeddings, error) {
	return run(ctx, cl, &call{}, func(c *call) error { return cl.startSend(c, "POST", "/embeddings", req, opts, false) }, embeddingsOutcome)
}
