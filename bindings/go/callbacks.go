package webraft

/*
#include <stdint.h>
#include <stddef.h>
#include "webraft.h"
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"sync/atomic"
	"unsafe"
)

// The library calls these on its worker threads through the trampolines in
// bridge.c. user_data is a cgo.Handle for a *call: C holds only that integer,
// never a Go pointer (which the cgo rules forbid C to keep).

// gcStress makes every handle access and callback run a full collection, to
// shake out Go pointers that C might be holding. Tests switch it on.
var gcStress atomic.Bool

// liveHandles counts handles created and not yet deleted; tests use it to
// prove every started request released its handle.
var liveHandles atomic.Int64

func stressGC() {
	if gcStress.Load() {
		runtime.GC()
	}
}

func newHandle(c *call) cgo.Handle {
	stressGC()
	liveHandles.Add(1)
	return cgo.NewHandle(c)
}

func handleCall(h C.uintptr_t) *call {
	stressGC()
	return cgo.Handle(h).Value().(*call)
}

func deleteHandle(h cgo.Handle) {
	stressGC()
	h.Delete()
	liveHandles.Add(-1)
}

//export webraftGoChunk
func webraftGoChunk(h C.uintptr_t, chunkJSON *C.char, length C.size_t, text *C.char, textLen C.size_t) C.int {
	c := handleCall(h)
	chunk := Chunk{
		JSON: append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(chunkJSON)), int(length))...),
	}
	if text != nil {
		chunk.Text = string(unsafe.Slice((*byte)(unsafe.Pointer(text)), int(textLen)))
	}
	if c.deliver(chunk) {
		return 0
	}
	return 1
}

//export webraftGoEvent
func webraftGoEvent(h C.uintptr_t, kind C.uint32_t, name *C.char, data *C.char, length C.size_t) C.int {
	c := handleCall(h)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(data)), int(length))
	var ev Event
	if kind == C.WEBRAFT_EVENT_HEADERS {
		ev.Headers = parseHeaders(raw)
	} else {
		ev.Name = goString(name)
		ev.Data = append([]byte(nil), raw...)
	}
	if c.deliverEvent(ev) {
		return 0
	}
	return 1
}

//export webraftGoBytes
func webraftGoBytes(h C.uintptr_t, data *C.uint8_t, length C.size_t) C.int {
	c := handleCall(h)
	// The piece is lent for this call only: the function gets it to write or
	// copy, never to keep.
	if c.deliverBytes(unsafe.Slice((*byte)(unsafe.Pointer(data)), int(length))) {
		return 0
	}
	return 1
}

// webraftGoDone ignores the status: the result, taken later, carries it.
//
//export webraftGoDone
func webraftGoDone(h C.uintptr_t, _ C.uint32_t) {
	c := handleCall(h)
	// The library calls done exactly once, after the last chunk callback, and
	// never uses user_data again: the handle can go now.
	deleteHandle(cgo.Handle(h))
	c.finished()
}
