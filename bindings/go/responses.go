package webraft

/*
#include "bridge.h"
*/
import "C"

import (
	"context"
	"encoding/json"
)

// ResponsesRequest holds the common fields of an OpenAI Responses API
// request body; zero fields are not sent and Extra adds any other field
// (it wins over a typed one). For function tools, send a Conversation
// (SetTools): the library writes them in the Responses style.
type ResponsesRequest struct {
	Model string `json:"model"`
	// Input is a string (one user message) or a list of input items, e.g.
	// []map[string]any{{"role": "user", "content": "Hello!"}}.
	Input              any            `json:"input"`
	Instructions       string         `json:"instructions,omitempty"`
	MaxOutputTokens    int            `json:"max_output_tokens,omitempty"`
	PreviousResponseID string         `json:"previous_response_id,omitempty"`
	Extra              map[string]any `json:"-"`
}

// MarshalJSON writes the typed fields, then merges Extra.
func (r ResponsesRequest) MarshalJSON() ([]byte, error) {
	type plain ResponsesRequest
	return withExtra(plain(r), r.Extra, "ResponsesRequest")
}

// ModelResponse is a Responses API reply: the response object (for a
// stream, the one the library built from its events). Raw keeps it as
// received; CallInfo says how the call went, with the reply's headers.
type ModelResponse struct {
	ID        string `json:"id"`
	Object    string `json:"object"` // "response"
	CreatedAt int64  `json:"created_at"`
	Model     string `json:"model"`
	// Usage is the token accounting the library read: input tokens as
	// PromptTokens, output tokens as CompletionTokens. Nil when the reply
	// had none.
	Usage *Usage `json:"-"`

	Raw      json.RawMessage `json:"-"`
	CallInfo `json:"-"`
	libraryReply
}

// Status is the response's status as the library read it: "completed",
// "incomplete" (IncompleteReason says why), "failed", ... ("" when there is
// none).
func (r *ModelResponse) Status() string {
	return r.reply().str(func(res *C.webraft_result) *C.char { return C.webraft_result_finish_reason(res) })
}

// IncompleteReason is why an incomplete response stopped short, e.g.
// "max_output_tokens" ("" when it is not incomplete).
func (r *ModelResponse) IncompleteReason() string {
	return r.reply().str(func(res *C.webraft_result) *C.char { return C.webraft_result_incomplete_reason(res) })
}

func (r *ModelResponse) reply() *libraryReply {
	if r == nil {
		return nil
	}
	return &r.libraryReply
}

func (cl *Client) startResponses(req any, opts []Option) func(*call) error {
	return func(c *call) error { return cl.startModel(c, responsesAPI, req, opts) }
}

// Responses sends a Responses API request (POST /responses) and waits for
// the reply. req is a *Conversation (its messages become input items, its
// parameters the request's; set "instructions" or "previous_response_id"
// with SetParam; add the reply with AddAssistantTurn), a ResponsesRequest,
// raw JSON ([]byte or json.RawMessage) or any value that encodes to a
// request body. A body asking for "stream": true is streamed and built into
// the response by the library.
//
// A response that ends "failed", or an error event in a stream, fails with
// an *APIError carrying the server's message and code; the response that
// arrived comes back with it. An "incomplete" response is no error: see
// IncompleteReason. Cancellation works as for Chat.
func (cl *Client) Responses(ctx context.Context, req any, opts ...Option) (*ModelResponse, error) {
	return run(ctx, cl, &call{}, cl.startResponses(req, opts), responseOutcome)
}

// ResponsesStream starts a streamed Responses API request and returns at
// once; req is as for Responses. The events come through Next and Event
// (the headers event first, then every event with its name: deltas,
// keep-alives, unknown ones), and Result returns the response the library
// built from them. Errors and cancellation work as for ChatStream.
func (cl *Client) ResponsesStream(ctx context.Context, req any, opts ...Option) (*EventStream[*ModelResponse], error) {
	p, err := startStream(ctx, cl, eventSink, cl.startResponses(req, opts), responseOutcome)
	if err != nil {
		return nil, err
	}
	return &EventStream[*ModelResponse]{p}, nil
}

// ResponsesStreamFunc streams a Responses API reply into fn, the headers
// event first, and returns the response the library built. fn runs on a
// library worker thread as for ChatStreamFunc: keep it short, an error stops
// the stream and is returned with the partial response, a panic is raised
// again here.
func (cl *Client) ResponsesStreamFunc(ctx context.Context, req any, fn func(Event) error, opts ...Option) (*ModelResponse, error) {
	return runFunc(ctx, cl, eventSink, fn, cl.startResponses(req, opts), responseOutcome)
}

// responseOutcome turns a finished Responses call's result into its
// response, which takes the result over, and the call's error.
func responseOutcome(ctx context.Context, r *C.webraft_result) (*ModelResponse, error) {
	return replyOutcome(ctx, r, "response", func(out *ModelResponse, raw json.RawMessage, info CallInfo, reply libraryReply) {
		out.Raw, out.CallInfo, out.libraryReply = raw, info, reply
		var prompt, completion, total C.uint64_t
		if C.webraft_result_usage(r, &prompt, &completion, &total) {
			out.Usage = &Usage{PromptTokens: int(prompt), CompletionTokens: int(completion), TotalTokens: int(total)}
		}
	})
}
