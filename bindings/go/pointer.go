package webraft

/*
#include "webraft.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"unsafe"
)

// JSON Pointer reads (RFC 6901, e.g. "/choices/0/message/content") are the
// library's own: webraft_result_get_* on a reply's result,
// webraft_json_get_* on a chunk's or an event's JSON. Nothing at the pointer fails with
// ErrMissing, a value of another type with ErrWrongType, a pointer not
// starting with "/" with ErrInvalidArgument ("" is the whole document).

// pointerDoc is a document the library reads at a JSON Pointer.
type pointerDoc interface {
	text(pointer *C.char, asJSON bool, out **C.char, n *C.size_t) C.webraft_status
	number(pointer *C.char, out *C.double) C.webraft_status
	boolean(pointer *C.char, out *C.bool) C.webraft_status
}

// resultDoc is a reply's library result (NULL when it has none).
type resultDoc struct{ ref *resultRef }

func (d resultDoc) ptr() *C.webraft_result {
	if d.ref == nil {
		return nil
	}
	return d.ref.ptr
}

func (d resultDoc) text(pointer *C.char, asJSON bool, out **C.char, n *C.size_t) C.webraft_status {
	defer runtime.KeepAlive(d.ref)
	if asJSON {
		return C.webraft_result_get_json(d.ptr(), pointer, out, n)
	}
	return C.webraft_result_get_string(d.ptr(), pointer, out, n)
}

func (d resultDoc) number(pointer *C.char, out *C.double) C.webraft_status {
	defer runtime.KeepAlive(d.ref)
	return C.webraft_result_get_number(d.ptr(), pointer, out)
}

func (d resultDoc) boolean(pointer *C.char, out *C.bool) C.webraft_status {
	defer runtime.KeepAlive(d.ref)
	return C.webraft_result_get_bool(d.ptr(), pointer, out)
}

// textDoc is JSON text, lent to the library for the call.
type textDoc []byte

func (d textDoc) bytes() (*C.char, C.size_t) {
	if len(d) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&d[0])), C.size_t(len(d))
}

func (d textDoc) text(pointer *C.char, asJSON bool, out **C.char, n *C.size_t) C.webraft_status {
	doc, length := d.bytes()
	if asJSON {
		return C.webraft_json_get_json(doc, length, pointer, out, n)
	}
	return C.webraft_json_get_string(doc, length, pointer, out, n)
}

func (d textDoc) number(pointer *C.char, out *C.double) C.webraft_status {
	doc, length := d.bytes()
	return C.webraft_json_get_number(doc, length, pointer, out)
}

func (d textDoc) boolean(pointer *C.char, out *C.bool) C.webraft_status {
	doc, length := d.bytes()
	return C.webraft_json_get_bool(doc, length, pointer, out)
}

// read runs one read at pointer and turns its status into an error.
func read(pointer string, f func(*C.char) C.webraft_status) error {
	cPointer, err := nulTerminated([]byte(pointer))
	if err != nil {
		return err
	}
	return statusError(f(cString(cPointer)), fmt.Sprintf("JSON Pointer %q", pointer))
}

func readText(d pointerDoc, pointer string, asJSON bool) ([]byte, error) {
	var out []byte
	err := read(pointer, func(p *C.char) C.webraft_status {
		var text *C.char
		var n C.size_t
		status := d.text(p, asJSON, &text, &n)
		out = takeString(text, n)
		return status
	})
	return out, err
}

func readString(d pointerDoc, pointer string) (string, error) {
	out, err := readText(d, pointer, false)
	return string(out), err
}

func readJSON(d pointerDoc, pointer string) (json.RawMessage, error) {
	return readText(d, pointer, true)
}

func readNumber(d pointerDoc, pointer string) (float64, error) {
	var out C.double
	err := read(pointer, func(p *C.char) C.webraft_status { return d.number(p, &out) })
	return float64(out), err
}

func readBool(d pointerDoc, pointer string) (bool, error) {
	var out C.bool
	err := read(pointer, func(p *C.char) C.webraft_status { return d.boolean(p, &out) })
	return bool(out), err
}

func (l *libraryReply) doc() resultDoc {
	if l == nil {
		return resultDoc{}
	}
	return resultDoc{l.result}
}

// GetString is the string at a JSON Pointer in the reply's JSON, e.g.
// GetString("/output/0/content/0/text") on a response.
func (l *libraryReply) GetString(pointer string) (string, error) {
	return readString(l.doc(), pointer)
}

// GetNumber is the number at a JSON Pointer in the reply's JSON, e.g.
// GetNumber("/usage/total_tokens").
func (l *libraryReply) GetNumber(pointer string) (float64, error) {
	return readNumber(l.doc(), pointer)
}

// GetBool is the boolean at a JSON Pointer in the reply's JSON.
func (l *libraryReply) GetBool(pointer string) (bool, error) { return readBool(l.doc(), pointer) }

// GetJSON is the value at a JSON Pointer in the reply's JSON, of any type,
// as JSON text (never ErrWrongType).
func (l *libraryReply) GetJSON(pointer string) (json.RawMessage, error) {
	return readJSON(l.doc(), pointer)
}

// A ChatCompletion's reads are its own methods, not libraryReply's
// promoted ones, so that they also answer on a nil completion.

// GetString is the string at a JSON Pointer in the completion, e.g.
// GetString("/choices/0/message/content").
func (c *ChatCompletion) GetString(pointer string) (string, error) {
	return c.reply().GetString(pointer)
}

// GetNumber is the number at a JSON Pointer in the completion, e.g.
// GetNumber("/usage/total_tokens").
func (c *ChatCompletion) GetNumber(pointer string) (float64, error) {
	return c.reply().GetNumber(pointer)
}

// GetBool is the boolean at a JSON Pointer in the completion.
func (c *ChatCompletion) GetBool(pointer string) (bool, error) { return c.reply().GetBool(pointer) }

// GetJSON is the value at a JSON Pointer in the completion, of any type, as
// JSON text (never ErrWrongType).
func (c *ChatCompletion) GetJSON(pointer string) (json.RawMessage, error) {
	return c.reply().GetJSON(pointer)
}

// GetString is the string at a JSON Pointer in the chunk, e.g.
// GetString("/choices/0/delta/tool_calls/0/function/arguments").
func (c Chunk) GetString(pointer string) (string, error) { return readString(textDoc(c.JSON), pointer) }

// GetNumber is the number at a JSON Pointer in the chunk, e.g.
// GetNumber("/usage/total_tokens") on the usage chunk.
func (c Chunk) GetNumber(pointer string) (float64, error) {
	return readNumber(textDoc(c.JSON), pointer)
}

// GetBool is the boolean at a JSON Pointer in the chunk.
func (c Chunk) GetBool(pointer string) (bool, error) { return readBool(textDoc(c.JSON), pointer) }

// GetJSON is the value at a JSON Pointer in the chunk, of any type, as JSON
// text (never ErrWrongType).
func (c Chunk) GetJSON(pointer string) (json.RawMessage, error) {
	return readJSON(textDoc(c.JSON), pointer)
}
