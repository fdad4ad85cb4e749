package webraft

/*
#include "webraft.h"
*/
import "C"

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"unsafe"
)

// DownloadReader reads a binary reply (audio, an image, any file) as its
// pieces arrive: the library queues them (a bounded queue: the download
// pauses while the reader falls behind) and Read takes them in order. It is
// an io.ReadCloser, so io.Copy can feed a player or a file. Read it from one
// goroutine; Close may be called from any goroutine. An unclosed reader
// that becomes unreachable is cancelled and freed by the garbage collector,
// but Close (or reading to the end) frees it at once.
type DownloadReader struct {
	client  *Client // keeps the client (and its in-flight request) alive
	ctx     context.Context
	state   *pollState
	readMu  sync.Mutex // one poll at a time; the request is freed under it
	piece   []byte     // what the last poll brought and Read has not given out
	resp    *Response
	err     error // Read's error once the request ended: io.EOF or the failure
	closed  bool
	cleanup runtime.Cleanup
}

// pollState is the part of a DownloadReader its cleanup reaches; it never
// points back to the reader, so an abandoned reader can be collected.
type pollState struct {
	call
	stopCtx func() bool // deregisters the context watcher
	endOnce sync.Once
}

// DownloadReader sends a request to any endpoint, as Download does, and
// returns at once with a reader of the reply's body. The reply's status
// and headers are only known once it ends (see Response): a 4xx/5xx reply
// or a cut body makes Read return the error (matching ErrTransport for a
// cut body) after the bytes that arrived. Ending ctx cancels the request:
// Read then returns an error matching ErrCancelled and ctx.Err().
// max_body_bytes does not apply.
func (cl *Client) DownloadReader(ctx context.Context, method, path string, body any, opts ...Option) (*DownloadReader, error) {
	if ctx.Err() != nil {
		return nil, contextError(ctx)
	}
	st := &pollState{call: call{pollBytes: true}}
	if err := cl.startDownload(&st.call, method, path, body, "", opts); err != nil {
		return nil, err
	}
	st.stopCtx = context.AfterFunc(ctx, st.cancel)
	r := &DownloadReader{client: cl, ctx: ctx, state: st}
	r.cleanup = runtime.AddCleanup(r, abandonPoll, st)
	return r, nil
}

// SpeechReader speaks req.Input into a reader of the audio as it arrives
// (see DownloadReader), e.g. to start playing before the download ends.
func (cl *Client) SpeechReader(ctx context.Context, req any, opts ...Option) (*DownloadReader, error) {
	return cl.DownloadReader(ctx, "POST", "/audio/speech", req, opts...)
}

// abandonPoll cancels the request of a reader that became unreachable
// unclosed, and frees it once the library is done with it.
func abandonPoll(st *pollState) {
	st.cancel()
	go st.endOnce.Do(func() {
		<-st.done
		st.stopCtx()
		st.takeResult(func(*C.webraft_result, Status) {})
	})
}

// Read reads the next bytes of the body, waiting for a piece when none is
// at hand. At the end it returns io.EOF after a complete 2xx reply, or
// else the request's error (an *APIError, or an *Error).
func (r *DownloadReader) Read(p []byte) (int, error) {
	r.readMu.Lock()
	defer r.readMu.Unlock()
	for len(r.piece) == 0 {
		if r.closed {
			return 0, io.ErrClosedPipe
		}
		if r.err != nil {
			return 0, r.err
		}
		r.poll()
	}
	n := copy(p, r.piece)
	r.piece = r.piece[n:]
	return n, nil
}

// poll waits for the next piece, or for the end of the request, which it
// then frees. Called with readMu held.
func (r *DownloadReader) poll() {
	st := r.state
	st.mu.Lock()
	req := st.req
	st.mu.Unlock()
	var event C.webraft_event
	var data *C.uint8_t
	var n C.size_t
	status := C.webraft_request_next_bytes(req, C.WEBRAFT_WAIT_FOREVER, &event, &data, &n)
	runtime.KeepAlive(r)
	if Status(status) == StatusOK && event == C.WEBRAFT_EVENT_BYTES {
		r.piece = goBytes((*C.char)(unsafe.Pointer(data)), n)
		C.webraft_bytes_free(data, n)
		return
	}
	r.end()
}

// end waits for the request's end, frees it and keeps its outcome. Called
// with readMu held (or by Close once no Read can be polling).
func (r *DownloadReader) end() {
	st := r.state
	st.endOnce.Do(func() {
		if r.ctx.Err() != nil {
			st.cancel()
		}
		<-st.done
		st.stopCtx()
		r.resp, r.err = sendOutcome(r.ctx, st.take())
		if r.err == nil {
			r.err = io.EOF
		}
		r.cleanup.Stop()
		runtime.KeepAlive(r.client)
	})
}

// Response is the finished request's Response (no Body: BytesReceived
// counts the bytes that arrived; the status, headers and call info) and
// its error, once Read has returned io.EOF or an error, or after Close;
// before then it is nil, nil. A reply that arrived whole has a nil error.
// After Close the error is that of the request Close cancelled.
func (r *DownloadReader) Response() (*Response, error) {
	r.readMu.Lock()
	defer r.readMu.Unlock()
	if errors.Is(r.err, io.EOF) {
		return r.resp, nil
	}
	return r.resp, r.err
}

// Close cancels the request if it is still running and frees it; the bytes
// not yet read are dropped and Read then fails. Idempotent; any goroutine.
func (r *DownloadReader) Close() error {
	r.state.cancel() // wakes a Read blocked in poll, which then ends
	r.readMu.Lock()
	defer r.readMu.Unlock()
	r.closed = true
	r.piece = nil
	r.end()
	return nil
}
