package webraft

/*
#include "webraft.h"
*/
import "C"

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// nulTerminated returns b followed by a NUL, for passing to C as a string.
// It never writes into b's spare capacity, which may belong to the caller.
// A NUL inside b would silently cut the string short in C, so it is refused.
func nulTerminated(b []byte) ([]byte, error) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return nil, &Error{Status: StatusInvalidArgument, Message: fmt.Sprintf("invalid argument: NUL byte at offset %d of a string for the library", i)}
	}
	return append(b[:len(b):len(b)], 0), nil
}

// cString points C at a slice from nulTerminated (nil stays NULL). The
// library copies what it needs before returning, so Go memory is only lent
// for the duration of the call, as the cgo rules allow.
func cString(b []byte) *C.char {
	if b == nil {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&b[0]))
}

func goBytes(p *C.char, n C.size_t) []byte {
	if p == nil {
		return nil
	}
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))...)
}

func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

func millisDuration(ms C.double) time.Duration {
	return time.Duration(float64(ms) * float64(time.Millisecond))
}

func callInfo(r *C.webraft_result) CallInfo {
	var t C.webraft_timings
	C.webraft_result_timings(r, &t)
	return CallInfo{
		RequestID:  goString(C.webraft_result_request_id(r)),
		HTTPStatus: int(C.webraft_result_http_status(r)),
		Timings: Timings{
			Headers:    millisDuration(t.headers_ms),
			FirstChunk: millisDuration(t.first_chunk_ms),
			Total:      millisDuration(t.total_ms),
		},
		Retries: int(C.webraft_result_retries(r)),
		Chunks:  int(C.webraft_result_chunk_count(r)),
	}
}

// resultError is the Go error for a failed result (nil for OK).
func resultError(r *C.webraft_result, status Status) error {
	switch status {
	case StatusOK:
		return nil
	case StatusHTTPStatus, StatusStreamError:
		return &APIError{
			Status:         status,
			StatusCode:     int(C.webraft_result_http_status(r)),
			Type:           goString(C.webraft_result_error_type(r)),
			Code:           goString(C.webraft_result_error_code(r)),
			Param:          goString(C.webraft_result_error_param(r)),
			Message:        goString(C.webraft_result_server_message(r)),
			RequestID:      goString(C.webraft_result_request_id(r)),
			QuotaExhausted: bool(C.webraft_result_is_quota_exhausted(r)),
			description:    goString(C.webraft_result_error_message(r)),
		}
	}
	message := goString(C.webraft_result_error_message(r))
	if message == "" {
		message = status.String()
	}
	return &Error{
		Status:     status,
		Message:    message,
		HTTPStatus: int(C.webraft_result_http_status(r)),
		RequestID:  goString(C.webraft_result_request_id(r)),
	}
}

// withContext attaches the context's error to a cancelled call's error when
// the context is what ended it.
func withContext(ctx context.Context, err error) error {
	if e, ok := err.(*Error); ok && e.Status == StatusCancelled && ctx.Err() != nil {
		e.cause = ctx.Err()
	}
	return err
}

// contextError is returned when the context ended before the call started.
func contextError(ctx context.Context) error {
	return &Error{Status: StatusCancelled, Message: "request not started", cause: ctx.Err()}
}

// statusError is the error for a status the library returned without a
// result to describe it (nil for OK); what, if not "", says what failed.
func statusError(status C.webraft_status, what string) error {
	s := Status(status)
	switch {
	case s == StatusOK:
		return nil
	case what == "":
		return &Error{Status: s, Message: s.String()}
	}
	return &Error{Status: s, Message: what + ": " + s.String()}
}

// failureError is the error for a call that describes its failure in an
// out_error result (nil for OK); it frees that result.
func failureError(status C.webraft_status, failure *C.webraft_result) error {
	if Status(status) == StatusOK {
		return nil
	}
	defer C.webraft_result_free(failure)
	return resultError(failure, Status(status))
}

// liveResults counts library results held by completions and not yet freed
// (leak checks in tests).
var liveResults atomic.Int64

// resultRef owns the library's result of a chat call. A ChatCompletion keeps
// it so that its tool calls, finish reason, JSON Pointer reads and
// Conversation.AddAssistantTurn ask the library about the reply itself, as C
// callers do, rather than Go re-reading the JSON. Copies of a completion
// share it; a cleanup frees it once none is reachable.
type resultRef struct{ ptr *C.webraft_result }

func keepResult(r *C.webraft_result) *resultRef {
	ref := &resultRef{ptr: r}
	liveResults.Add(1)
	runtime.AddCleanup(ref, freeResult, r)
	return ref
}

func freeResult(r *C.webraft_result) {
	C.webraft_result_free(r)
	liveResults.Add(-1)
}

// chatOutcome turns a finished chat's result into its completion, which
// takes the result over, and the call's error (also a failed stream's
// partial completion comes back).
func chatOutcome(ctx context.Context, r *C.webraft_result) (*ChatCompletion, error) {
	err := withContext(ctx, resultError(r, Status(C.webraft_result_status(r))))
	out, decodeErr := completion(r)
	if err == nil {
		err = decodeErr
	}
	return out, err
}

// completion decodes a chat result and keeps it; on a decoding failure it
// frees it.
func completion(r *C.webraft_result) (*ChatCompletion, error) {
	var n C.size_t
	raw := goBytes(C.webraft_result_json(r, &n), n)
	out := &ChatCompletion{Raw: raw, CallInfo: callInfo(r)}
	if raw != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			C.webraft_result_free(r)
			return nil, fmt.Errorf("webraft: decoding the completion: %w", err)
		}
	}
	var textLen C.size_t
	out.text = string(goBytes(C.webraft_result_text(r, &textLen), textLen))
	out.result = keepResult(r)
	return out, nil
}

// withResult runs read on the completion's library result (NULL for a
// completion the binding did not make, which the library answers as such)
// and keeps the result alive until read returns.
func (c *ChatCompletion) withResult(read func(*C.webraft_result)) {
	var ref *resultRef
	if c != nil {
		ref = c.result
	}
	if ref == nil {
		read(nil)
		return
	}
	read(ref.ptr)
	runtime.KeepAlive(ref)
}

// ToolCalls lists the function calls the reply's first choice asks for, in
// order (none for a plain answer). Arguments is JSON text exactly as the
// model sent it. Answer each with Conversation.AddToolResult(call.ID, ...).
func (c *ChatCompletion) ToolCalls() []ToolCall {
	var calls []ToolCall
	c.withResult(func(r *C.webraft_result) {
		n := C.webraft_result_tool_call_count(r)
		for i := C.size_t(0); i < n; i++ {
			var argsLen C.size_t
			args := C.webraft_result_tool_call_arguments(r, i, &argsLen)
			calls = append(calls, ToolCall{
				ID:        goString(C.webraft_result_tool_call_id(r, i)),
				Name:      goString(C.webraft_result_tool_call_name(r, i)),
				Arguments: string(goBytes(args, argsLen)),
			})
		}
	})
	return calls
}

// FinishReason is the first choice's finish_reason: "stop", "length",
// "tool_calls", ... ("" when there is none).
func (c *ChatCompletion) FinishReason() string {
	var reason string
	c.withResult(func(r *C.webraft_result) { reason = goString(C.webraft_result_finish_reason(r)) })
	return reason
}

// Refusal is the assistant's refusal text when the model refused ("" otherwise).
func (c *ChatCompletion) Refusal() string {
	var refusal string
	c.withResult(func(r *C.webraft_result) { refusal = goString(C.webraft_result_refusal(r)) })
	return refusal
}
