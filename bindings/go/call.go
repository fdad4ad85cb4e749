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
	// deliver receives each chunk on a library worker thread and says
	// whether the stream goes on. Nil for requests without a Go chunk callback.
	deliver func(Chunk) bool

	done   chan struct{} // closed by the done callback
	onDone func()        // run by the done callback before done is closed

	mu  sync.Mutex         // guards req against cancel racing free
	req *C.webraft_request // nil once freed
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
