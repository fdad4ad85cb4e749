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
		Retries:       int(C.webraft_result_retries(r)),
		Chunks:        int(C.webraft_result_chunk_count(r)),
		BytesReceived: int64(C.webraft_result_bytes_received(r)),
		ReplyHeaders:  replyHeaders(r),
		EndpointInfo:  endpointInfo(r),
	}
}

// EndpointInfo says which endpoint a call ended on (README, "Endpoint
// fallback"): the one that answered, or for a call that failed everywhere
// the last one that failed.
type EndpointInfo struct {
	Endpoint       int    // 0: the client's own base URL; i: Config.Fallback[i-1]
	EndpointURL    string // that endpoint's base URL; "" when the call reached none
	EndpointsTried int    // endpoints the call started, hedged losers included
}

func endpointInfo(r *C.webraft_result) EndpointInfo {
	return EndpointInfo{
		Endpoint:       int(C.webraft_result_endpoint_index(r)),
		EndpointURL:    goString(C.webraft_result_endpoint_url(r)),
		EndpointsTried: int(C.webraft_result_endpoints_tried(r)),
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
			ReplyHeaders:   replyHeaders(r),
			EndpointInfo:   endpointInfo(r),
			description:    goString(C.webraft_result_error_message(r)),
		}
	}
	message := goString(C.webraft_result_error_message(r))
	if message == "" {
		message = status.String()
	}
	return &Error{
		Status:       status,
		Message:      message,
		HTTPStatus:   int(C.webraft_result_http_status(r)),
		RequestID:    goString(C.webraft_result_request_id(r)),
		ReplyHeaders: replyHeaders(r),
		EndpointInfo: endpointInfo(r),
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

// resultRef owns the library's result of a model call (chat, Responses).
// A reply keeps it so that its tool calls, finish reason, JSON Pointer reads
// and Conversation.AddAssistantTurn ask the library about the reply itself,
// as C callers do, rather than Go re-reading the JSON. Copies of a reply
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

// libraryReply is the part of a reply (ChatCompletion, ModelResponse) that
// the library answers: its text, tool calls and JSON Pointer reads. Its
// exported methods are documented for ModelResponse, which they serve
// directly; ChatCompletion has its own (see pointer.go).
type libraryReply struct {
	text   string
	result *resultRef // nil for a reply the binding did not make
}

// Text is the response's output text as the library joined it ("" when it
// has none, e.g. only function calls).
func (l *libraryReply) Text() string {
	if l == nil {
		return ""
	}
	return l.text
}

// with runs read on the reply's library result (NULL for a reply the
// binding did not make, which the library answers as such) and keeps the
// result alive until read returns.
func (l *libraryReply) with(read func(*C.webraft_result)) {
	var ref *resultRef
	if l != nil {
		ref = l.result
	}
	if ref == nil {
		read(nil)
		return
	}
	read(ref.ptr)
	runtime.KeepAlive(ref)
}

// str is one of the library's borrowed strings of the reply, copied.
func (l *libraryReply) str(get func(*C.webraft_result) *C.char) string {
	var s string
	l.with(func(r *C.webraft_result) { s = goString(get(r)) })
	return s
}

// ToolCalls lists the function calls the response asks for (its
// function_call items), in order (none for a plain answer). Arguments is JSON text exactly as the
// model sent it. Answer each with Conversation.AddToolResult(call.ID, ...).
func (l *libraryReply) ToolCalls() []ToolCall {
	var calls []ToolCall
	l.with(func(r *C.webraft_result) {
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

// replyOutcome turns a finished model call's result into its reply, which
// takes the result over, and the call's error (a failed call's partial
// reply comes back too). The result JSON decodes into a new T; keep stores
// the rest. On a decoding failure the result is freed.
func replyOutcome[T any](ctx context.Context, r *C.webraft_result, what string, keep func(out *T, raw json.RawMessage, info CallInfo, reply libraryReply)) (*T, error) {
	err := withContext(ctx, resultError(r, Status(C.webraft_result_status(r))))
	out := new(T)
	var n C.size_t
	raw := goBytes(C.webraft_result_json(r, &n), n)
	if raw != nil {
		if decodeErr := json.Unmarshal(raw, out); decodeErr != nil {
			C.webraft_result_free(r)
			if err == nil {
				err = fmt.Errorf("webraft: decoding the %s: %w", what, decodeErr)
			}
			return nil, err
		}
	}
	var textLen C.size_t
	text := string(goBytes(C.webraft_result_text(r, &textLen), textLen))
	keep(out, raw, callInfo(r), libraryReply{text: text, result: keepResult(r)})
	return out, err
}

// chatOutcome turns a finished chat's result into its completion and the
// call's error.
func chatOutcome(ctx context.Context, r *C.webraft_result) (*ChatCompletion, error) {
	return replyOutcome(ctx, r, "completion", func(out *ChatCompletion, raw json.RawMessage, info CallInfo, reply libraryReply) {
		out.Raw, out.CallInfo, out.libraryReply = raw, info, reply
	})
}

func (c *ChatCompletion) reply() *libraryReply {
	if c == nil {
		return nil
	}
	return &c.libraryReply
}

// Text is the assistant text of the first choice ("" if it has none, e.g.
// only tool calls), as the library extracted it.
func (c *ChatCompletion) Text() string { return c.reply().Text() }

// ToolCalls lists the function calls the reply's first choice asks for, in
// order (none for a plain answer). Arguments is JSON text exactly as the
// model sent it. Answer each with Conversation.AddToolResult(call.ID, ...).
func (c *ChatCompletion) ToolCalls() []ToolCall { return c.reply().ToolCalls() }

// FinishReason is the first choice's finish_reason: "stop", "length",
// "tool_calls", ... ("" when there is none).
func (c *ChatCompletion) FinishReason() string {
	return c.reply().str(func(r *C.webraft_result) *C.char { return C.webraft_result_finish_reason(r) })
}

// Refusal is the assistant's refusal text when the model refused ("" otherwise).
func (c *ChatCompletion) Refusal() string {
	return c.reply().str(func(r *C.webraft_result) *C.char { return C.webraft_result_refusal(r) })
}
