package webraft

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
)

// Event is one event of a Responses stream or of a stream from any
// endpoint. The first event of every stream is its headers event: Headers
// set, no Name or Data. It comes once the reply's headers arrive, before
// any other event, also for a reply that is a failure. Then each event the
// server sent follows, in order, unknown ones and keep-alives included.
type Event struct {
	// Name is the SSE event name, e.g. "response.output_text.delta" or
	// "keepalive"; "" when the event had none (a plain data: line, a JSON
	// lines stream).
	Name string
	// Data is the event's data as sent: JSON for Responses streams, any
	// text for other endpoints.
	Data []byte
	// Headers, non-nil on the headers event only, are the reply's headers,
	// one value a name (see ReplyHeaders.Headers).
	Headers http.Header
}

// GetString is the string at a JSON Pointer in the event's data, read by
// the library, e.g. GetString("/delta") of a response.output_text.delta
// event, or GetString("/type"), which names a Responses event also where it
// has no SSE name (JSON lines).
func (e Event) GetString(pointer string) (string, error) { return readString(textDoc(e.Data), pointer) }

// GetJSON is the value at a JSON Pointer in the event's data, of any type,
// as JSON text, e.g. GetJSON("/response").
func (e Event) GetJSON(pointer string) (json.RawMessage, error) {
	return readJSON(textDoc(e.Data), pointer)
}

// EventStream is a stream of events whose request ends in an R: a
// *ModelResponse for ResponsesStream, a *Response for SendStream. Read it
// with Next and Event (or range over All) from one goroutine; Close may be
// called from any goroutine. As for Stream, always Close or drain it: a
// reader that stops reading holds a library worker thread (backpressure).
type EventStream[R any] struct{ p *puller[Event, R] }

// Next waits for the next event and reports whether there is one. It
// returns false at the end of the stream, on failure, once ctx has ended, or
// after Close; Err then tells which.
func (s *EventStream[R]) Next() bool { return s.p.next() }

// Event is the event Next moved to; the first one is the headers event.
func (s *EventStream[R]) Event() Event { return s.p.item }

// Err is the stream's error once Next has returned false: nil after a
// normal end or after Close, otherwise an *APIError (an error the server
// reported, also inside the stream) or an *Error.
func (s *EventStream[R]) Err() error { return s.p.error() }

// Result reads the rest of the stream and returns what the request ended
// in, with Err. After a failure or Close it holds what arrived until then.
func (s *EventStream[R]) Result() (R, error) { return s.p.rest() }

// Close stops the stream if it is still running and frees it; it returns
// once no callback can run any more. Idempotent; any goroutine.
func (s *EventStream[R]) Close() { s.p.close() }

// All ranges over the events, the headers event first; a failure comes last
// as an (Event{}, err) pair. Leaving the loop early closes the stream.
func (s *EventStream[R]) All() iter.Seq2[Event, error] { return s.p.all() }

// startSendStream starts a streamed request to any endpoint; its events go
// to c's event callback.
func (cl *Client) startSendStream(method, path string, body any, opts []Option) func(*call) error {
	return func(c *call) error { return cl.startSend(c, method, path, body, opts, true) }
}

// SendStream sends a request to any endpoint under the base URL, as Do
// does, and reads the reply as a stream (SSE, named events too, or JSON
// lines; "[DONE]" ends it), returning at once. Nothing is accumulated: the
// events go to the caller, and Result's Response has the status and call
// info. Errors and cancellation work as for ChatStream.
func (cl *Client) SendStream(ctx context.Context, method, path string, body any, opts ...Option) (*EventStream[*Response], error) {
	p, err := startStream(ctx, cl, eventSink, cl.startSendStream(method, path, body, opts), sendOutcome)
	if err != nil {
		return nil, err
	}
	return &EventStream[*Response]{p}, nil
}

// SendStreamFunc is SendStream with each event, the headers event first,
// passed to fn on a library worker thread while SendStreamFunc waits. fn
// works as for ChatStreamFunc: keep it short, an error stops the stream and
// is returned, a panic is raised again here.
func (cl *Client) SendStreamFunc(ctx context.Context, method, path string, body any, fn func(Event) error, opts ...Option) (*Response, error) {
	return runFunc(ctx, cl, eventSink, fn, cl.startSendStream(method, path, body, opts), sendOutcome)
}
