package webraft

/*
#include "bridge.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"unsafe"
)

// requestBody turns a request into NUL-terminated JSON: []byte and
// json.RawMessage are sent as they are, anything else (ChatRequest, a map)
// is marshalled with encoding/json.
func requestBody(req any) ([]byte, error) {
	var body []byte
	switch r := req.(type) {
	case []byte:
		body = r
	case json.RawMessage:
		body = r
	default:
		var err error
		if body, err = json.Marshal(req); err != nil {
			return nil, fmt.Errorf("webraft: encoding the request: %w", err)
		}
	}
	return nulTerminated(body)
}

// modelAPI is the model API a request goes to (webraft_go_model_start).
type modelAPI C.uint32_t

const (
	chatAPI      modelAPI = C.WEBRAFT_GO_CHAT
	responsesAPI modelAPI = C.WEBRAFT_GO_RESPONSES
)

// startModel starts a request to api; chunks or events reach c's callbacks
// when it has them. A *Conversation goes to the library as it is, never as
// JSON built here.
func (cl *Client) startModel(c *call, api modelAPI, req any, opts []Option) error {
	options, err := optionsJSON(opts)
	if err != nil {
		return err
	}
	delivery := c.delivery()
	launch := func(conv *C.webraft_conversation, body []byte) func(*C.webraft_client, C.uintptr_t, **C.webraft_request) C.webraft_status {
		return func(client *C.webraft_client, handle C.uintptr_t, out **C.webraft_request) C.webraft_status {
			return C.webraft_go_model_start(C.uint32_t(api), client, conv, cString(body), cString(options), delivery, handle, out)
		}
	}
	if conv, ok := req.(*Conversation); ok {
		return conv.use(func(p *C.webraft_conversation) error {
			if conv.err != nil {
				return conv.err
			}
			return cl.startOn(c, launch(p, nil))
		})
	}
	body, err := requestBody(req)
	if err != nil {
		return err
	}
	return cl.startOn(c, launch(nil, body))
}

// Chat sends a chat request and waits for the reply. req is a
// *Conversation (its messages and parameters; add the reply with
// AddAssistantTurn), a ChatRequest (or *ChatRequest), raw JSON as []byte or
// json.RawMessage, or any value that encodes to a request body. Only the
// calling goroutine waits; no OS thread is held. When ctx ends first the request is cancelled and the error
// matches both ErrCancelled and ctx.Err() (context.Canceled or
// context.DeadlineExceeded).
func (cl *Client) Chat(ctx context.Context, req any, opts ...Option) (*ChatCompletion, error) {
	return run(ctx, cl, &call{}, func(c *call) error {
		return cl.startModel(c, chatAPI, req, opts)
	}, chatOutcome)
}

// ChatStreamFunc streams a chat reply into fn and returns the accumulated
// completion. fn runs on a library worker thread, once per chunk, in order,
// while ChatStreamFunc waits; keep it short (it occupies that thread) and
// do not block in it. Returning an error stops the stream; ChatStreamFunc
// then returns the partial completion and that error. A panic in fn stops
// the stream and is raised again in the calling goroutine once the request
// has ended, so it never unwinds through C. This is the fastest way to
// stream; ChatStream is the pull-style alternative.
func (cl *Client) ChatStreamFunc(ctx context.Context, req any, fn func(Chunk) error, opts ...Option) (*ChatCompletion, error) {
	return runFunc(ctx, cl, chunkSink, fn, func(c *call) error {
		return cl.startModel(c, chatAPI, req, opts)
	}, chatOutcome)
}

// Response is the reply to a request to any endpoint (Do, SendStream).
type Response struct {
	StatusCode int
	// Body is the raw body, byte for byte (audio too): a failed reply's error
	// body, what arrived of a cut one; nil for a stream, whose events went to
	// the caller, and for a download written to a file or a writer.
	Body []byte
	CallInfo
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) error { return json.Unmarshal(r.Body, v) }

// Do sends a request to any endpoint under the base URL, such as
// Do(ctx, "GET", "/models", nil). body is nil (no body), raw JSON ([]byte or
// json.RawMessage) or a value to encode. A non-2xx reply returns both the
// Response (status, error body and call info) and an *APIError.
// Cancellation works as for Chat.
func (cl *Client) Do(ctx context.Context, method, path string, body any, opts ...Option) (*Response, error) {
	return run(ctx, cl, &call{}, func(c *call) error {
		return cl.startSend(c, method, path, body, opts, false)
	}, sendOutcome)
}

// startSend starts a request to any endpoint, read as a stream of events
// or not; body is as for Do.
func (cl *Client) startSend(c *call, method, path string, body any, opts []Option, stream bool) error {
	args, err := newSendArgs(method, path, body, opts)
	if err != nil {
		return err
	}
	return cl.startOn(c, func(client *C.webraft_client, handle C.uintptr_t, out **C.webraft_request) C.webraft_status {
		return C.webraft_go_send_start(client, cString(args.method), cString(args.path), cString(args.body), cString(args.options), C.bool(stream), handle, out)
	})
}

// sendArgs are the C strings of a request to any endpoint: method, path,
// body (nil for none) and options (nil for none).
type sendArgs struct{ method, path, body, options []byte }

func newSendArgs(method, path string, body any, opts []Option) (sendArgs, error) {
	var args sendArgs
	var err error
	if body != nil {
		if args.body, err = requestBody(body); err != nil {
			return args, err
		}
	}
	if args.method, err = nulTerminated([]byte(method)); err != nil {
		return args, err
	}
	if args.path, err = nulTerminated([]byte(path)); err != nil {
		return args, err
	}
	args.options, err = optionsJSON(opts)
	return args, err
}

// sendOutcome is the Response of a finished request to any endpoint (nil
// when no reply arrived) and its error; it frees the result.
func sendOutcome(ctx context.Context, r *C.webraft_result) (*Response, error) {
	defer C.webraft_result_free(r)
	return readResponse(r), withContext(ctx, resultError(r, Status(C.webraft_result_status(r))))
}

// readResponse copies a result's reply (nil when no reply arrived): status,
// body bytes and call info.
func readResponse(r *C.webraft_result) *Response {
	info := callInfo(r)
	if info.HTTPStatus == 0 {
		return nil
	}
	var n C.size_t
	body := C.webraft_result_body_bytes(r, &n)
	return &Response{StatusCode: info.HTTPStatus, Body: goBytes((*C.char)(unsafe.Pointer(body)), n), CallInfo: info}
}
