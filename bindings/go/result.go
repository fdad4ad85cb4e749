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

// completion decodes a chat result (also a failed stream's partial one).
func completion(r *C.webraft_result) (*ChatCompletion, error) {
	var n C.size_t
	raw := goBytes(C.webraft_result_json(r, &n), n)
	out := &ChatCompletion{Raw: raw, CallInfo: callInfo(r)}
	if raw != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("webraft: decoding the completion: %w", err)
		}
	}
	var textLen C.size_t
	out.text = string(goBytes(C.webraft_result_text(r, &textLen), textLen))
	return out, nil
}
