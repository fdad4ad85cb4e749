package webraft

/*
#include "bridge.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
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

// delivery is the library's delivery for a chat call, stated explicitly:
// CALLBACK when Go takes the chunks (ChatStream, ChatStreamFunc; the library
// then streams the reply), NONE otherwise (Chat). With NONE the library only
// accumulates chunks into the result, and the body's own "stream" member, as
// the library parses it, decides whether the reply streams; Go never reads
// the body to find out.
func (c *call) delivery() C.uint32_t {
	if c.deliver != nil {
		return C.WEBRAFT_DELIVERY_CALLBACK
	}
	return C.WEBRAFT_DELIVERY_NONE
}

// startChat starts a chat request; chunks reach c.deliver when it is set.
// A *Conversation goes to the library as it is, never as JSON built here.
func (cl *Client) startChat(c *call, req any, opts []Option) error {
	options, err := optionsJSON(opts)
	if err != nil {
		return err
	}
	delivery := c.delivery()
	if conv, ok := req.(*Conversation); ok {
		return conv.start(cl, c, options, delivery)
	}
	body, err := requestBody(req)
	if err != nil {
		return err
	}
	return cl.startOn(c, func(client *C.webraft_client, handle C.uintptr_t, out **C.webraft_request) C.webraft_status {
		return C.webraft_go_chat_start(client, cString(body), cString(options), delivery, handle, out)
	})
}

// chatResult waits for a started chat and returns its completion.
func (c *call) chatResult(ctx context.Context) (*ChatCompletion, error) {
	c.wait(ctx)
	return chatOutcome(ctx, c.take())
}

// Chat sends a chat request and waits for the reply. req is a
// *Conversation (its messages and parameters; add the reply with
// AddAssistantTurn), a ChatRequest (or *ChatRequest), raw JSON as []byte or
// json.RawMessage, or any value that encodes to a request body. Only the
// calling goroutine waits; no OS thread is held. When ctx ends first the request is cancelled and the error
// matches both ErrCancelled and ctx.Err() (context.Canceled or
// context.DeadlineExceeded).
func (cl *Client) Chat(ctx context.Context, req any, opts ...Option) (*ChatCompletion, error) {
	if ctx.Err() != nil {
		return nil, contextError(ctx)
	}
	c := &call{}
	if err := cl.startChat(c, req, opts); err != nil {
		return nil, err
	}
	out, err := c.chatResult(ctx)
	runtime.KeepAlive(cl)
	return out, err
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
	if ctx.Err() != nil {
		return nil, contextError(ctx)
	}
	fs := newFuncStream(fn)
	c := &fs.call
	if err := cl.startChat(c, req, opts); err != nil {
		return nil, err
	}
	out, err := c.chatResult(ctx)
	runtime.KeepAlive(cl)
	// The done callback ran after the last chunk callback, and chatResult
	// waited for it, so the outcome of fn is safe to read here.
	if fs.panicked {
		panic(fs.panicValue)
	}
	if fs.fnErr != nil {
		return out, fs.fnErr
	}
	return out, err
}

// funcStream is a call whose chunks go straight to a user function on the
// library's worker thread.
type funcStream struct {
	call
	fnErr      error
	panicked   bool
	panicValue any
}

func newFuncStream(fn func(Chunk) error) *funcStream {
	fs := &funcStream{}
	fs.deliver = func(chunk Chunk) (goOn bool) {
		defer func() {
			if p := recover(); p != nil {
				fs.panicked, fs.panicValue, goOn = true, p, false
			}
		}()
		fs.fnErr = fn(chunk)
		return fs.fnErr == nil
	}
	return fs
}

// Response is the reply to a generic request (Do).
type Response struct {
	StatusCode int
	Body       []byte // the raw response body
	CallInfo
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) error { return json.Unmarshal(r.Body, v) }

// Do sends a request to any endpoint under the base URL, such as
// Do(ctx, "GET", "/models", nil). body is nil (no body), raw JSON ([]byte or
// json.RawMessage) or a value to encode. A non-2xx reply returns both the
// Response (status and call info; the library keeps the error's parsed
// fields in the *APIError rather than the body) and an *APIError.
// Cancellation works as for Chat.
func (cl *Client) Do(ctx context.Context, method, path string, body any, opts ...Option) (*Response, error) {
	if ctx.Err() != nil {
		return nil, contextError(ctx)
	}
	var cBody []byte
	if body != nil {
		var err error
		if cBody, err = requestBody(body); err != nil {
			return nil, err
		}
	}
	cMethod, err := nulTerminated([]byte(method))
	if err != nil {
		return nil, err
	}
	cPath, err := nulTerminated([]byte(path))
	if err != nil {
		return nil, err
	}
	options, err := optionsJSON(opts)
	if err != nil {
		return nil, err
	}
	c := &call{}
	err = cl.startOn(c, func(client *C.webraft_client, handle C.uintptr_t, out **C.webraft_request) C.webraft_status {
		return C.webraft_go_send_start(client, cString(cMethod), cString(cPath), cString(cBody), cString(options), handle, out)
	})
	if err != nil {
		return nil, err
	}
	c.wait(ctx)
	runtime.KeepAlive(cl)
	var resp *Response
	c.takeResult(func(r *C.webraft_result, status Status) {
		var n C.size_t
		info := callInfo(r)
		if info.HTTPStatus != 0 {
			resp = &Response{StatusCode: info.HTTPStatus, Body: goBytes(C.webraft_result_body(r, &n), n), CallInfo: info}
		}
		err = withContext(ctx, resultError(r, status))
	})
	return resp, err
}
