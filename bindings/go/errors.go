package webraft

/*
#include "webraft.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
)

// Status is the library's outcome class of a call (webraft_status). The values
// come from webraft.h, so they cannot drift from the C ABI.
type Status uint32

const (
	StatusOK               Status = C.WEBRAFT_STATUS_OK
	StatusNullArgument     Status = C.WEBRAFT_STATUS_NULL_ARGUMENT
	StatusInvalidUTF8      Status = C.WEBRAFT_STATUS_INVALID_UTF8
	StatusInvalidJSON      Status = C.WEBRAFT_STATUS_INVALID_JSON
	StatusInvalidConfig    Status = C.WEBRAFT_STATUS_INVALID_CONFIG
	StatusInvalidArgument  Status = C.WEBRAFT_STATUS_INVALID_ARGUMENT
	StatusHTTPStatus       Status = C.WEBRAFT_STATUS_HTTP_STATUS
	StatusTimeout          Status = C.WEBRAFT_STATUS_TIMEOUT
	StatusConnect          Status = C.WEBRAFT_STATUS_CONNECT
	StatusTLS              Status = C.WEBRAFT_STATUS_TLS
	StatusCancelled        Status = C.WEBRAFT_STATUS_CANCELLED
	StatusStreamProtocol   Status = C.WEBRAFT_STATUS_STREAM_PROTOCOL
	StatusPanic            Status = C.WEBRAFT_STATUS_PANIC
	StatusIO               Status = C.WEBRAFT_STATUS_IO
	StatusTransport        Status = C.WEBRAFT_STATUS_TRANSPORT
	StatusStreamError      Status = C.WEBRAFT_STATUS_STREAM_ERROR
	StatusResponseTooLarge Status = C.WEBRAFT_STATUS_RESPONSE_TOO_LARGE
	StatusInvalidResponse  Status = C.WEBRAFT_STATUS_INVALID_RESPONSE
	StatusInvalidState     Status = C.WEBRAFT_STATUS_INVALID_STATE
	StatusMissing          Status = C.WEBRAFT_STATUS_MISSING
	StatusWrongType        Status = C.WEBRAFT_STATUS_WRONG_TYPE
	StatusCredentials      Status = C.WEBRAFT_STATUS_CREDENTIALS
)

// String is the library's name for the status, e.g. "TIMEOUT", or "UNKNOWN"
// for a value this package does not know (as webraft_status_name answers for
// a value the library does not know). The package knows OK and every status
// with a sentinel below; a test checks that this covers the library's whole
// table, so a status added to the library must be added here too.
func (s Status) String() string {
	if s != StatusOK && sentinels[s] == nil {
		return "UNKNOWN"
	}
	return libraryStatusName(uint32(s))
}

// libraryStatusName is webraft_status_name: the library's name for any value.
func libraryStatusName(v uint32) string {
	return C.GoString(C.webraft_status_name(C.uint32_t(v)))
}

// Sentinel errors, one per failure status. Every error this package returns
// for a failed call matches exactly one of them with errors.Is.
var (
	ErrNullArgument     = newSentinel(StatusNullArgument)
	ErrInvalidUTF8      = newSentinel(StatusInvalidUTF8)
	ErrInvalidJSON      = newSentinel(StatusInvalidJSON)
	ErrInvalidConfig    = newSentinel(StatusInvalidConfig)
	ErrInvalidArgument  = newSentinel(StatusInvalidArgument)
	ErrHTTPStatus       = newSentinel(StatusHTTPStatus)
	ErrTimeout          = newSentinel(StatusTimeout)
	ErrConnect          = newSentinel(StatusConnect)
	ErrTLS              = newSentinel(StatusTLS)
	ErrCancelled        = newSentinel(StatusCancelled)
	ErrStreamProtocol   = newSentinel(StatusStreamProtocol)
	ErrPanic            = newSentinel(StatusPanic)
	ErrIO               = newSentinel(StatusIO)
	ErrTransport        = newSentinel(StatusTransport)
	ErrStreamError      = newSentinel(StatusStreamError)
	ErrResponseTooLarge = newSentinel(StatusResponseTooLarge)
	ErrInvalidResponse  = newSentinel(StatusInvalidResponse)
	ErrInvalidState     = newSentinel(StatusInvalidState)
	// ErrMissing and ErrWrongType come from JSON Pointer reads (GetString,
	// GetNumber, ...): nothing is at the pointer, or a value of another type.
	ErrMissing   = newSentinel(StatusMissing)
	ErrWrongType = newSentinel(StatusWrongType)
	// ErrCredentials is a call that Config.Credentials refused: its error
	// ended the attempt (no retry, no fallback).
	ErrCredentials = newSentinel(StatusCredentials)
)

// ErrClientClosed is returned by calls on a Client after Close.
var ErrClientClosed = errors.New("webraft: client is closed")

// ErrConversationClosed is returned (or recorded, see Conversation) by calls
// on a Conversation after Close.
var ErrConversationClosed = errors.New("webraft: conversation is closed")

// ErrQuotaExhausted is matched, besides its status sentinel, by an *APIError
// whose QuotaExhausted is set: the account is out of credits or quota, so
// retrying will not help.
var ErrQuotaExhausted = errors.New("webraft: quota exhausted")

var sentinels = map[Status]error{}

type sentinel struct{ status Status }

func newSentinel(s Status) error {
	e := &sentinel{s}
	sentinels[s] = e
	return e
}

func (e *sentinel) Error() string { return "webraft: " + e.status.String() }

// Error is a failed call that the server did not describe: a timeout, a
// connection failure, a cancelled request, a broken stream, bad input.
// errors.Is matches it against the sentinel of its Status; when a context
// ended the request it also matches context.Canceled or
// context.DeadlineExceeded.
type Error struct {
	Status     Status
	Message    string // the library's one-line description
	HTTPStatus int    // HTTP status of the last response, 0 if none arrived
	RequestID  string // x-request-id of the last response, if any
	// ReplyHeaders are the last response's headers, if one arrived (a
	// stream that broke after its headers).
	ReplyHeaders
	// EndpointInfo says which endpoint failed last and how many were tried.
	EndpointInfo
	cause error // the context's error when the context ended the call
}

func (e *Error) Error() string {
	if e.cause != nil {
		return "webraft: " + e.Message + ": " + e.cause.Error()
	}
	return "webraft: " + e.Message
}

// Is reports whether target is the sentinel for e.Status.
func (e *Error) Is(target error) bool { return target == sentinels[e.Status] }

// Unwrap returns the context's error when the context ended the call.
func (e *Error) Unwrap() error { return e.cause }

// APIError is an error the server reported: a non-2xx reply (Status
// HTTP_STATUS) or an error object inside a 2xx stream (Status STREAM_ERROR).
// errors.Is matches it against ErrHTTPStatus or ErrStreamError, and also
// against ErrQuotaExhausted when QuotaExhausted is set.
type APIError struct {
	Status     Status
	StatusCode int    // HTTP status code (200 for an error inside a stream)
	Type       string // provider's error type, e.g. "invalid_request_error"
	Code       string // provider's error code as text, e.g. "invalid_api_key" or "401"
	Param      string // the request field the error is about, if any
	// Message is the server's own message exactly as sent, e.g. "Wrong Api
	// key" (webraft_result_server_message); a non-JSON error body gives its
	// trimmed text, and it is empty when the server sent no message.
	Message   string
	RequestID string // x-request-id
	// QuotaExhausted reports that the account is out of credits or quota
	// (webraft_result_is_quota_exhausted: HTTP 402, an insufficient_quota
	// type or code, or an "Insufficient Credits" message).
	QuotaExhausted bool
	// ReplyHeaders are the error reply's headers: Header("retry-after"),
	// RateLimit() of a 429, ...
	ReplyHeaders
	// EndpointInfo says which endpoint answered (with Config.Fallback, the
	// last one tried) and how many were tried.
	EndpointInfo

	description string // the library's one-line description
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "webraft: %s", e.description)
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// Is reports whether target is the sentinel for e.Status, or
// ErrQuotaExhausted when the quota is exhausted.
func (e *APIError) Is(target error) bool {
	return target == sentinels[e.Status] || (e.QuotaExhausted && target == ErrQuotaExhausted)
}
