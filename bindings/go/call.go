package webraft

/*
#include "bridge.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// liveRequests counts request handles not yet freed (leak checks in tests).
var liveRequests atomic.Int64

// call is one started request. The library reaches it only through a
// cgo.Handle (callbacks.go); Go code holds it directly.
type call struct {
	// deliver receives each chunk of a chat stream, deliverEvent each event
	// of an event stream, and deliverBytes each piece of a binary reply
	// (lent for the call only), on a library worker thread; they say whether
	// the stream goes on. All are nil for requests without Go callbacks.
	deliver      func(Chunk) bool
	deliverEvent func(Event) bool
	deliverBytes func([]byte) bool
	// pollBytes (a DownloadReader) has the library queue the pieces of a
	// binary reply for webraft_request_next_bytes instead.
	pollBytes bool

	done   chan struct{} // closed by the done callback
	onDone func()        // run by the done callback before done is closed

	mu  sync.Mutex         // guards req against cancel racing free
	req *C.webraft_request // nil once freed

	// keepSnapshot (a chat stream) keeps the request's last snapshot in
	// finalSnapshot when the request is freed, for Stream.Snapshot.
	keepSnapshot  bool
	finalSnapshot Snapshot
}

// chunkSink, eventSink and bytesSink route a call's callbacks to a function of Go.
func chunkSink(c *call, f func(Chunk) bool)  { c.deliver = f }
func eventSink(c *call, f func(Event) bool)  { c.deliverEvent = f }
func bytesSink(c *call, f func([]byte) bool) { c.deliverBytes = f }

// delivery is the library's delivery for the call, stated explicitly:
// CALLBACK when Go takes the chunks, events or pieces (the library then
// streams the reply), POLL when Go polls for pieces, NONE otherwise. With NONE the library only accumulates chunks into
// the result, and the body's own "stream" member, as the library parses it,
// decides whether the reply streams; Go never reads the body to find out.
func (c *call) delivery() C.uint32_t {
	switch {
	case c.deliver != nil || c.deliverEvent != nil || c.deliverBytes != nil:
		return C.WEBRAFT_DELIVERY_CALLBACK
	case c.pollBytes:
		return C.WEBRAFT_DELIVERY_POLL
	}
	return C.WEBRAFT_DELIVERY_NONE
}

// outcome turns a finished request's result, which it takes over, into what
// the call returns and its error.
type outcome[R any] func(ctx context.Context, r *C.webraft_result) (R, error)

// run starts a call with start, waits for its end (cancelling it when ctx
// ends first) and returns its outcome. Only the calling goroutine waits.
func run[R any](ctx context.Context, cl *Client, c *call, start func(*call) error, out outcome[R]) (R, error) {
	var none R
	if ctx.Err() != nil {
		return none, contextError(ctx)
	}
	if err := start(c); err != nil {
		return none, err
	}
	c.wait(ctx)
	result, err := out(ctx, c.take())
	runtime.KeepAlive(cl)
	return result, err
}

// runFunc is run for a stream whose items go, through sink, straight to fn
// on the library's worker thread. An error from fn stops the stream and is
// returned with the partial outcome; a panic in fn stops it and is raised
// again here, once the request has ended, so it never unwinds through C.
func runFunc[T, R any](ctx context.Context, cl *Client, sink func(*call, func(T) bool), fn func(T) error, start func(*call) error, out outcome[R]) (R, error) {
	fs := newFuncStream(sink, fn)
	result, err := run(ctx, cl, &fs.call, start, out)
	// The done callback ran after the last item callback, and run waited for
	// it, so the outcome of fn is safe to read here.
	if fs.panicked {
		panic(fs.panicValue)
	}
	if fs.fnErr != nil {
		return result, fs.fnErr
	}
	return result, err
}

// funcStream is a call whose items go straight to a user function on the
// library's worker thread.
type funcStream struct {
	call
	fnErr      error
	panicked   bool
	panicValue any
}

func newFuncStream[T any](sink func(*call, func(T) bool), fn func(T) error) *funcStream {
	fs := &funcStream{}
	sink(&fs.call, func(item T) (goOn bool) {
		defer func() {
			if p := recover(); p != nil {
				fs.panicked, fs.panicValue, goOn = true, p, false
			}
		}()
		fs.fnErr = fn(item)
		return fs.fnErr == nil
	})
	return fs
}

// finished runs in the done callback, once, after the last chunk callback.
func (c *call) finished() {
	if c.onDone != nil {
		c.onDone()
	}
	close(c.done)
}

// cancel asks the library to stop the request; a no-op once it is freed.
func (c *call) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.req != nil {
		C.webraft_request_cancel(c.req)
	}
}

// take frees the finished request and returns its result, which is now the
// caller's to free. Call only after done is closed.
func (c *call) take() *C.webraft_result {
	c.mu.Lock()
	req := c.req
	c.req = nil
	if c.keepSnapshot {
		c.finalSnapshot = snapshotOf(req)
	}
	c.mu.Unlock()
	result := C.webraft_request_take_result(req)
	C.webraft_request_free(req)
	liveRequests.Add(-1)
	return result
}

// takeResult frees the finished request and hands its result to use, which
// must copy what it needs. Call only after done is closed.
func (c *call) takeResult(use func(*C.webraft_result, Status)) {
	result := c.take()
	use(result, Status(C.webraft_result_status(result)))
	C.webraft_result_free(result)
}

// start launches the request through launch, which calls the C start
// function with the handle as user_data. On a start error the library calls
// no callback, so the handle is deleted here and the returned error describes
// the failure; the request is already freed then.
func (c *call) start(launch func(handle C.uintptr_t, out **C.webraft_request) C.webraft_status) error {
	c.done = make(chan struct{})
	h := newHandle(c)
	var req *C.webraft_request
	status := Status(launch(C.uintptr_t(h), &req))
	liveRequests.Add(1)
	c.mu.Lock()
	c.req = req
	c.mu.Unlock()
	if status == StatusOK {
		return nil
	}
	deleteHandle(h)
	var err error
	c.takeResult(func(r *C.webraft_result, s Status) { err = resultError(r, s) })
	return err
}

// wait blocks until the request is done; if ctx ends first it cancels the
// request and waits for the (prompt) end.
func (c *call) wait(ctx context.Context) {
	select {
	case <-c.done:
	case <-ctx.Done():
		c.cancel()
		<-c.done
	}
}

// startOn runs launch with the client's pointer while holding the client
// open. Callers keep cl alive (runtime.KeepAlive) until the request is done:
// the client's cleanup would otherwise cancel it.
func (cl *Client) startOn(c *call, launch func(client *C.webraft_client, handle C.uintptr_t, out **C.webraft_request) C.webraft_status) error {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	if cl.ptr == nil {
		return ErrClientClosed
	}
	return c.start(func(handle C.uintptr_t, out **C.webraft_request) C.webraft_status {
		status := launch(cl.ptr, handle, out)
		runtime.KeepAlive(cl)
		return status
	})
}
