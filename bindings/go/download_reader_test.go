package webraft_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

// A speech reply read through an io.Reader, in small reads: every byte in
// order, then io.EOF and the finished Response.
func TestSpeechReaderReadsWholeBody(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	req := webraft.SpeechRequest{Model: "tts-1", Input: strings.Repeat("line ", 40), Voice: "alloy", ResponseFormat: "wav"}
	want := speechBytes(len(req.Input))
	r, err := c.SpeechReader(ctxFor(t), req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if resp, err := r.Response(); resp != nil || err != nil {
		t.Errorf("a Response before the end: %+v, %v", resp, err)
	}
	got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(r, 5000)))
	if err != nil || !bytes.Equal(got, want[:5000]) {
		t.Fatalf("first 5000 bytes one at a time: %d bytes, equal %v, %v", len(got), bytes.Equal(got, want[:5000]), err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(append(got, rest...), want) {
		t.Errorf("whole body: %d of %d bytes, equal %v, %v", len(got)+len(rest), len(want), bytes.Equal(append(got, rest...), want), err)
	}
	if n, err := r.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("Read after the end: %d, %v", n, err)
	}
	resp, err := r.Response()
	if err != nil || resp == nil || resp.StatusCode != 200 || resp.BytesReceived != int64(len(want)) || resp.Body != nil || resp.Header("content-type") != "audio/wav" {
		t.Errorf("Response: %+v, %v", resp, err)
	}
	checkNoLeaks(t)
}

// A cut body: Read hands out the bytes that arrived, then an error
// matching ErrTransport; an error reply comes as an *APIError.
func TestDownloadReaderCutBodyAndErrorReply(t *testing.T) {
	c, req, full, half := cutSpeech(t)
	r, err := c.DownloadReader(ctxFor(t), "POST", "/audio/speech", req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if !errors.Is(err, webraft.ErrTransport) || !bytes.Equal(got, full[:half]) {
		t.Errorf("cut body: %d bytes (want %d), %v", len(got), half, err)
	}
	if resp, err := r.Response(); !errors.Is(err, webraft.ErrTransport) || resp == nil || resp.BytesReceived != int64(half) {
		t.Errorf("Response of a cut body: %+v, %v", resp, err)
	}
	r.Close()

	r, err = c.SpeechReader(ctxFor(t), map[string]any{"model": "tts-1", "input": "no voice"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var apiErr *webraft.APIError
	if got, err := io.ReadAll(r); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Errorf("a 400 reply: %d bytes, %v", len(got), err)
	}
	checkNoLeaks(t)
}

// bigSpeech is a reply of 4 MiB, more than the library's queue of pieces
// holds, so the download is still running when the reader stops reading.
var bigSpeech = webraft.SpeechRequest{Model: "tts-1", Input: strings.Repeat("x", 4096), Voice: "alloy"}

// Ending ctx mid-body stops the download: Read fails with ErrCancelled and
// ctx's error before the whole body arrived.
func TestDownloadReaderContextCancel(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	ctx, cancel := context.WithCancel(ctxFor(t))
	r, err := c.SpeechReader(ctx, bigSpeech)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first := make([]byte, 4096)
	if _, err := io.ReadFull(r, first); err != nil {
		t.Fatal(err)
	}
	cancel()
	rest, err := io.ReadAll(r)
	if !errors.Is(err, webraft.ErrCancelled) || !errors.Is(err, context.Canceled) || len(first)+len(rest) >= 1024*len(bigSpeech.Input) {
		t.Errorf("after cancel: %d more bytes, %v", len(rest), err)
	}
	if _, err := r.Response(); !errors.Is(err, context.Canceled) {
		t.Errorf("Response after cancel: %v", err)
	}
	checkNoLeaks(t)
}

// Close before the end cancels and frees the request, also while another
// goroutine is reading; Read then fails with io.ErrClosedPipe.
func TestDownloadReaderCloseBeforeEnd(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	r, err := c.SpeechReader(ctxFor(t), bigSpeech)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if n, err := r.Read(make([]byte, 8)); n != 0 || err != io.ErrClosedPipe {
		t.Errorf("Read after Close: %d, %v", n, err)
	}
	if _, err := r.Response(); !errors.Is(err, webraft.ErrCancelled) {
		t.Errorf("Response after Close: %v", err)
	}
	r.Close() // idempotent

	r, err = c.SpeechReader(ctxFor(t), bigSpeech)
	if err != nil {
		t.Fatal(err)
	}
	copied := make(chan error)
	go func() {
		n, err := io.Copy(io.Discard, r)
		if n >= int64(1024*len(bigSpeech.Input)) {
			err = errors.New("read the whole body despite Close")
		}
		copied <- err
	}()
	time.Sleep(20 * time.Millisecond)
	r.Close()
	// The reader sees the Close, or the cancelled request if its poll ended first.
	if err := <-copied; err != io.ErrClosedPipe && !errors.Is(err, webraft.ErrCancelled) {
		t.Errorf("a Read racing Close: %v", err)
	}
	checkNoLeaks(t)
}

// Readers dropped unclosed mid-body are cancelled and freed by the garbage
// collector.
func TestDownloadReaderDroppedUnclosed(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	for range 4 {
		dropReader(t, c)
	}
	checkNoLeaks(t)
}

// dropReader starts a download, reads a little and forgets the reader.
func dropReader(t *testing.T, c *webraft.Client) {
	r, err := c.SpeechReader(ctxFor(t), bigSpeech)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 10000)); err != nil {
		t.Error(err)
	}
}
