package webraft

/*
#include <stdlib.h>
#include "webraft.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"runtime"
	"sync"
	"unsafe"
)

// Live structured output (README, "Live structured output"): while a chat
// stream arrives, the library keeps its content, and each tool call's
// arguments, as valid JSON so far: unfinished strings, arrays and objects
// closed, a key whose value has not begun dropped, numbers and literals only
// once complete. Each snapshot extends the one before; the last equals the
// full parse. The binding reads these; it parses nothing itself.

// Snapshot is a chat stream's reply so far as valid JSON.
type Snapshot struct {
	// Content is the first choice's content so far; nil until a JSON value
	// has begun (or when the content is not JSON).
	Content json.RawMessage
	// ToolArguments holds the arguments so far of each tool call started,
	// in order; an entry is nil until that call's JSON has begun.
	ToolArguments []json.RawMessage
}

// takeString copies a string the library handed over and frees it.
func takeString(text *C.char, n C.size_t) []byte {
	out := goBytes(text, n)
	C.webraft_string_free(text)
	return out
}

// ownedJSON runs a read that hands over JSON text: the text, or nil when
// the library has none (MISSING).
func ownedJSON(read func(out **C.char, n *C.size_t) C.webraft_status) json.RawMessage {
	var text *C.char
	var n C.size_t
	if read(&text, &n) != C.WEBRAFT_STATUS_OK {
		C.webraft_string_free(text)
		return nil
	}
	return takeString(text, n)
}

// snapshotOf reads a request's snapshots.
func snapshotOf(req *C.webraft_request) Snapshot {
	s := Snapshot{Content: ownedJSON(func(out **C.char, n *C.size_t) C.webraft_status {
		return C.webraft_request_snapshot_content(req, out, n)
	})}
	count := C.webraft_request_snapshot_tool_call_count(req)
	for i := C.size_t(0); i < count; i++ {
		s.ToolArguments = append(s.ToolArguments, ownedJSON(func(out **C.char, n *C.size_t) C.webraft_status {
			return C.webraft_request_snapshot_tool_arguments(req, i, out, n)
		}))
	}
	return s
}

// snapshot is the request's snapshot now, or the one kept when it was freed.
func (c *call) snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.req == nil {
		return c.finalSnapshot
	}
	return snapshotOf(c.req)
}

// Snapshot is the reply so far as valid JSON, as the library has decoded
// it: it may be ahead of the chunk Next moved to, since chunks wait in a
// buffer. After the end it is the final snapshot, whose Content equals the
// whole content parsed. Call it from the goroutine that reads the stream.
func (s *Stream) Snapshot() Snapshot { return s.p.state.snapshot() }

// ErrPartialJSONClosed is returned by a PartialJSON's methods after Close.
var ErrPartialJSONClosed = errors.New("webraft: the PartialJSON is closed")

// PartialJSON turns a growing JSON document, given piece by piece, into
// valid snapshots with the library's rules: for a model's text streamed
// through ChatStreamFunc (feed it chunk.Text) or a Responses stream's
// deltas. Safe for concurrent use. Close frees it; one never closed is
// freed by a cleanup.
type PartialJSON struct {
	mu      sync.Mutex
	ptr     *C.webraft_partial_json
	cleanup runtime.Cleanup
}

// NewPartialJSON starts an empty document.
func NewPartialJSON() *PartialJSON {
	p := &PartialJSON{ptr: C.webraft_partial_json_new()}
	p.cleanup = runtime.AddCleanup(p, freePartialJSON, p.ptr)
	return p
}

func freePartialJSON(ptr *C.webraft_partial_json) { C.webraft_partial_json_free(ptr) }

// use runs f on the parser, or fails once it is closed.
func (p *PartialJSON) use(f func(*C.webraft_partial_json) C.webraft_status) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ptr == nil {
		return ErrPartialJSONClosed
	}
	return statusError(f(p.ptr), "PartialJSON")
}

// Push adds the next piece of the document (whole UTF-8 characters; it may
// end mid-string or mid-number) and says whether the snapshot changed.
// Invalid UTF-8 fails with ErrInvalidUTF8.
func (p *PartialJSON) Push(piece string) (changed bool, err error) {
	var out C.bool
	err = p.use(func(ptr *C.webraft_partial_json) C.webraft_status {
		return C.webraft_partial_json_push(ptr, (*C.char)(unsafe.Pointer(unsafe.StringData(piece))), C.size_t(len(piece)), &out)
	})
	return bool(out), err
}

// Finish ends the document (a number still open at its end is complete)
// and says whether the snapshot changed.
func (p *PartialJSON) Finish() (changed bool, err error) {
	var out C.bool
	err = p.use(func(ptr *C.webraft_partial_json) C.webraft_status {
		return C.webraft_partial_json_finish(ptr, &out)
	})
	return bool(out), err
}

// Snapshot is the document so far as valid JSON; nil until a value has
// begun, or once closed.
func (p *PartialJSON) Snapshot() json.RawMessage {
	var snapshot json.RawMessage
	p.use(func(ptr *C.webraft_partial_json) C.webraft_status {
		snapshot = ownedJSON(func(out **C.char, n *C.size_t) C.webraft_status {
			return C.webraft_partial_json_snapshot(ptr, out, n)
		})
		return C.WEBRAFT_STATUS_OK
	})
	return snapshot
}

// Close frees the parser. Idempotent.
func (p *PartialJSON) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ptr != nil {
		p.cleanup.Stop()
		freePartialJSON(p.ptr)
		p.ptr = nil
	}
}
