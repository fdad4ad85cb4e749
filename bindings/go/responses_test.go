package webraft_test

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

const replyHi = "Hello! You said: hi"

func hiRequest(model string) webraft.ResponsesRequest {
	return webraft.ResponsesRequest{Model: model, Input: "hi"}
}

// eventLog is what a stream delivered: the events, and the output text
// joined from its delta events.
type eventLog struct {
	events []webraft.Event
	deltas strings.Builder
}

// add records one event. A delta is found by its "type" member, which
// Responses events carry also on /v2, where they have no SSE name.
func (l *eventLog) add(t *testing.T, ev webraft.Event) {
	l.events = append(l.events, ev)
	if ev.Headers != nil {
		return
	}
	if kind, _ := ev.GetString("/type"); kind == "response.output_text.delta" {
		delta, err := ev.GetString("/delta")
		if err != nil {
			t.Errorf("delta event %s: %v", ev.Data, err)
		}
		l.deltas.WriteString(delta)
	}
}

// pull records the events of a pulled stream; a failure fails the test.
func (l *eventLog) pull(t *testing.T, events iter.Seq2[webraft.Event, error]) {
	t.Helper()
	for ev, err := range events {
		if err != nil {
			t.Fatal(err)
		}
		l.add(t, ev)
	}
}

// recordResponses runs a streamed Responses call into a log.
func recordResponses(t *testing.T, c *webraft.Client, req any) (*webraft.ModelResponse, *eventLog, error) {
	log := &eventLog{}
	resp, err := c.ResponsesStreamFunc(ctxFor(t), req, func(ev webraft.Event) error {
		log.add(t, ev)
		return nil
	})
	return resp, log, err
}

// names lists the events' names, "HEADERS" for the headers event and "-"
// for an event without a name.
func (l *eventLog) names() []string {
	var names []string
	for _, ev := range l.events {
		switch {
		case ev.Headers != nil:
			names = append(names, "HEADERS")
		case ev.Name == "":
			names = append(names, "-")
		default:
			names = append(names, ev.Name)
		}
	}
	return names
}

// checkHeadersFirst checks that exactly the first event is the headers
// event and that it has the reply's headers.
func (l *eventLog) checkHeadersFirst(t *testing.T) {
	t.Helper()
	if len(l.events) == 0 || l.events[0].Headers == nil {
		t.Fatalf("the first event is not the headers event: %v", l.names())
	}
	first := l.events[0]
	if first.Name != "" || first.Data != nil || first.Headers.Get("Content-Type") == "" || !strings.HasPrefix(first.Headers.Get("x-request-id"), "req_") {
		t.Errorf("headers event = %+v", first)
	}
	for i, ev := range l.events[1:] {
		if ev.Headers != nil {
			t.Errorf("event %d is a second headers event", i+1)
		}
	}
}

func checkResponse(t *testing.T, resp *webraft.ModelResponse, text, status string) {
	t.Helper()
	if resp == nil {
		t.Fatal("no response")
	}
	if resp.Text() != text || resp.Status() != status || resp.IncompleteReason() != "" {
		t.Errorf("Text %q, Status %q, IncompleteReason %q", resp.Text(), resp.Status(), resp.IncompleteReason())
	}
	if resp.Object != "response" || resp.Model == "" || !strings.HasPrefix(resp.ID, "resp_test-") {
		t.Errorf("response fields: %+v", resp)
	}
	if resp.Usage == nil || resp.Usage.PromptTokens != 1 || resp.Usage.CompletionTokens == 0 ||
		resp.Usage.TotalTokens != resp.Usage.PromptTokens+resp.Usage.CompletionTokens {
		t.Errorf("usage %+v", resp.Usage)
	}
	// The request id and the number in the response id come from the same counter.
	if want := "req_" + strings.TrimPrefix(resp.ID, "resp_test-"); resp.RequestID != want || resp.Header("X-Request-Id") != want {
		t.Errorf("RequestID %q, header %q, want %q", resp.RequestID, resp.Header("X-Request-Id"), want)
	}
	if got, err := resp.GetString("/output/0/content/0/text"); text != "" && (err != nil || got != text) {
		t.Errorf("GetString = %q, %v", got, err)
	}
}

func TestResponsesPlainAndStreamed(t *testing.T) {
	for _, base := range []string{"/v1", "/v2"} {
		t.Run(base, func(t *testing.T) {
			c := newClient(t, base, webraft.Config{})
			resp, err := c.Responses(ctxFor(t), hiRequest("gpt-4o"))
			if err != nil {
				t.Fatal(err)
			}
			checkResponse(t, resp, replyHi, "completed")
			var raw map[string]any
			if err := json.Unmarshal(resp.Raw, &raw); err != nil || raw["status"] != "completed" {
				t.Errorf("Raw = %s (%v)", resp.Raw, err)
			}
			if resp.Chunks != 0 || resp.HTTPStatus != 200 || len(resp.ToolCalls()) != 0 {
				t.Errorf("plain reply: %d events, HTTP %d, tool calls %v", resp.Chunks, resp.HTTPStatus, resp.ToolCalls())
			}

			// Pulled: the headers event, then every event; the deltas join to the text.
			stream, err := c.ResponsesStream(ctxFor(t), hiRequest("gpt-4o"))
			if err != nil {
				t.Fatal(err)
			}
			var pulled eventLog
			pulled.pull(t, stream.All())
			resp, err = stream.Result()
			if err != nil {
				t.Fatal(err)
			}
			checkResponse(t, resp, replyHi, "completed")
			pulled.checkHeadersFirst(t)
			if pulled.deltas.String() != replyHi || resp.Chunks != len(pulled.events)-1 {
				t.Errorf("deltas %q; %d events, Chunks %d", pulled.deltas.String(), len(pulled.events), resp.Chunks)
			}
			names := pulled.names()
			if base == "/v1" {
				if names[1] != "response.created" || names[len(names)-1] != "response.completed" || !slices.Contains(names, "response.output_text.delta") {
					t.Errorf("SSE event names %v", names)
				}
			} else if slices.ContainsFunc(names[1:], func(n string) bool { return n != "-" }) {
				t.Errorf("JSON lines events have no names: %v", names)
			}

			// Into a function: the same events in the same order.
			resp, pushed, err := recordResponses(t, c, hiRequest("gpt-4o"))
			if err != nil {
				t.Fatal(err)
			}
			checkResponse(t, resp, replyHi, "completed")
			pushed.checkHeadersFirst(t)
			if !slices.Equal(pushed.names(), names) || pushed.deltas.String() != replyHi {
				t.Errorf("func events %v, deltas %q", pushed.names(), pushed.deltas.String())
			}

			// A raw body asking for a stream: the library streams it and builds the response.
			resp, err = c.Responses(ctxFor(t), []byte(`{"model":"gpt-4o","input":"hi","stream":true}`))
			if err != nil {
				t.Fatal(err)
			}
			checkResponse(t, resp, replyHi, "completed")
			if resp.Chunks != len(names)-1 {
				t.Errorf("raw streamed body: %d events, want %d", resp.Chunks, len(names)-1)
			}
			checkNoLeaks(t)
		})
	}
}

func TestResponsesRequestFields(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	resp, err := c.Responses(ctxFor(t), webraft.ResponsesRequest{
		Model:           "gpt-4o",
		Input:           []map[string]any{{"role": "user", "content": "one two three"}},
		Instructions:    "Be brief.",
		MaxOutputTokens: 2,
		Extra:           map[string]any{"metadata": map[string]string{"k": "v"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The instructions count as input words; two output tokens cut the reply.
	if resp.Usage == nil || resp.Usage.PromptTokens != 5 || resp.Usage.CompletionTokens != 2 {
		t.Errorf("usage %+v", resp.Usage)
	}
	if resp.Status() != "incomplete" || resp.IncompleteReason() != "max_output_tokens" {
		t.Errorf("Status %q, IncompleteReason %q", resp.Status(), resp.IncompleteReason())
	}
	if instructions, err := resp.GetString("/instructions"); err != nil || instructions != "Be brief." {
		t.Errorf("instructions %q, %v", instructions, err)
	}
}

func TestResponsesTerminalStates(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{MaxRetries: webraft.Retries(0)})
	stream := func(model string) (*webraft.ModelResponse, error) {
		return c.ResponsesStreamFunc(ctxFor(t), hiRequest(model), func(webraft.Event) error { return nil })
	}
	checkAPIError := func(what string, err error, sentinel error, httpStatus int, code, message string) {
		t.Helper()
		var apiErr *webraft.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, sentinel) {
			t.Fatalf("%s: %#v", what, err)
		}
		if apiErr.StatusCode != httpStatus || apiErr.Code != code || apiErr.Message != message {
			t.Errorf("%s: HTTP %d, code %q, message %q", what, apiErr.StatusCode, apiErr.Code, apiErr.Message)
		}
	}

	// failed: an error carrying the server's code and message, and the output that arrived.
	resp, err := stream("responses-failed")
	checkAPIError("failed", err, webraft.ErrStreamError, 200, "server_error", "The model failed mid-response")
	if resp == nil || resp.Text() != "Hello! You " || resp.Status() != "failed" {
		t.Errorf("partial failed response: %+v", resp)
	}
	// The same response, not streamed: an error as well.
	resp, err = c.Responses(ctxFor(t), hiRequest("responses-failed"))
	checkAPIError("failed, not streamed", err, webraft.ErrHTTPStatus, 200, "server_error", "The model failed mid-response")
	if resp == nil || resp.Status() != "failed" {
		t.Errorf("failed response, not streamed: %+v", resp)
	}

	// An error event mid-stream.
	resp, err = stream("responses-error")
	checkAPIError("error event", err, webraft.ErrStreamError, 200, "rate_limit_exceeded", "Too many tokens mid-stream")
	if resp == nil || resp.Text() != "Hello! You " {
		t.Errorf("partial response before the error event: %+v", resp)
	}

	// incomplete: no error; the reason says why.
	for name, call := range map[string]func() (*webraft.ModelResponse, error){
		"streamed": func() (*webraft.ModelResponse, error) { return stream("responses-incomplete") },
		"plain": func() (*webraft.ModelResponse, error) {
			return c.Responses(ctxFor(t), hiRequest("responses-incomplete"))
		},
	} {
		resp, err := call()
		if err != nil {
			t.Fatalf("incomplete, %s: %v", name, err)
		}
		if resp.Status() != "incomplete" || resp.IncompleteReason() != "max_output_tokens" || resp.Text() != "Hello! You " {
			t.Errorf("incomplete, %s: status %q, reason %q, text %q", name, resp.Status(), resp.IncompleteReason(), resp.Text())
		}
	}

	// A refused key fails before any event but the headers.
	wrong := newClient(t, "/v1", webraft.Config{APIKey: "wrong-key"})
	_, log, err := recordResponses(t, wrong, hiRequest("gpt-4o"))
	checkAPIError("wrong key", err, webraft.ErrHTTPStatus, 401, "invalid_api_key", "Wrong Api key")
	log.checkHeadersFirst(t)
	if len(log.events) != 1 {
		t.Errorf("a refused request delivered %v", log.names())
	}
	checkNoLeaks(t)
}

func TestResponsesEventsPassThrough(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	for model, want := range map[string]string{
		"responses-keepalive": "keepalive",
		"responses-unknown":   "response.future_feature",
		"responses-split":     "response.completed",
	} {
		t.Run(model, func(t *testing.T) {
			resp, log, err := recordResponses(t, c, hiRequest(model))
			if err != nil {
				t.Fatal(err)
			}
			checkResponse(t, resp, replyHi, "completed")
			log.checkHeadersFirst(t)
			i := slices.Index(log.names(), want)
			if i < 0 || log.deltas.String() != replyHi {
				t.Fatalf("events %v, deltas %q", log.names(), log.deltas.String())
			}
			if kind, err := log.events[i].GetString("/type"); err != nil || kind != want {
				t.Errorf("%s data %s", want, log.events[i].Data)
			}
		})
	}
}

func TestResponsesToolRoundTripWithConversation(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	conv := webraft.NewConversation()
	defer conv.Close()
	conv.SetModel("tools")
	conv.SetTools(webraft.FunctionTool("get_weather", "Current weather in a city",
		`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`))
	conv.AddUser("What is the weather in Paris?")

	stream, err := c.ResponsesStream(ctxFor(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	var log eventLog
	for stream.Next() {
		log.add(t, stream.Event())
	}
	resp, err := stream.Result()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(log.names(), "response.function_call_arguments.delta") {
		t.Errorf("events %v", log.names())
	}
	want := []webraft.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}}
	if calls := resp.ToolCalls(); !slices.EqualFunc(calls, want, func(a, b webraft.ToolCall) bool {
		return a.ID == b.ID && a.Name == b.Name && a.Arguments == b.Arguments
	}) {
		t.Fatalf("ToolCalls() = %+v", calls)
	}
	conv.AddAssistantTurn(resp)
	conv.AddToolResult("call_1", "22 C")
	if err := conv.Err(); err != nil {
		t.Fatal(err)
	}

	resp, err = c.Responses(ctxFor(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text() != "The tool call_1 said: 22 C" || len(resp.ToolCalls()) != 0 {
		t.Errorf("after the tool result: %q, %+v", resp.Text(), resp.ToolCalls())
	}
	checkNoLeaks(t)
}

func TestSendStreamEvents(t *testing.T) {
	for _, tc := range []struct {
		base, method string
		names, data  []string
	}{
		{"/v1", "POST", []string{"HEADERS", "greeting", "-", "tick"}, []string{"", "hello", `{"n":1}`, `{"n":2}`}},
		{"/v1", "GET", []string{"HEADERS", "greeting", "-", "tick"}, []string{"", "hello", `{"n":1}`, `{"n":2}`}},
		{"/v2", "POST", []string{"HEADERS", "-", "-"}, []string{"", `{"n":1}`, `{"n":2}`}},
	} {
		t.Run(tc.base+" "+tc.method, func(t *testing.T) {
			c := newClient(t, tc.base, webraft.Config{})
			var body any
			if tc.method == "POST" {
				body = map[string]any{}
			}
			check := func(how string, log *eventLog, resp *webraft.Response, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				log.checkHeadersFirst(t)
				var data []string
				for _, ev := range log.events {
					data = append(data, string(ev.Data))
				}
				if !slices.Equal(log.names(), tc.names) || !slices.Equal(data, tc.data) {
					t.Errorf("%s: names %v, data %q", how, log.names(), data)
				}
				if resp == nil || resp.StatusCode != 200 || resp.Chunks != len(tc.names)-1 || resp.Body != nil ||
					!strings.HasPrefix(resp.Header("x-request-id"), "req_") {
					t.Errorf("%s: response %+v", how, resp)
				}
			}

			stream, err := c.SendStream(ctxFor(t), tc.method, "/events", body)
			if err != nil {
				t.Fatal(err)
			}
			var pulled eventLog
			pulled.pull(t, stream.All())
			resp, err := stream.Result()
			check("SendStream", &pulled, resp, err)

			var pushed eventLog
			resp, err = c.SendStreamFunc(ctxFor(t), tc.method, "/events", body, func(ev webraft.Event) error {
				pushed.events = append(pushed.events, ev)
				return nil
			})
			check("SendStreamFunc", &pushed, resp, err)
			checkNoLeaks(t)
		})
	}
}

func TestSendStreamFailuresAndStops(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	// A refused key: the headers event, then the error, and the reply's status and headers.
	wrong := newClient(t, "/v1", webraft.Config{APIKey: "wrong-key"})
	stream, err := wrong.SendStream(ctxFor(t), "GET", "/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	var log eventLog
	for stream.Next() {
		log.events = append(log.events, stream.Event())
	}
	resp, err := stream.Result()
	var apiErr *webraft.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Message != "Wrong Api key" {
		t.Fatalf("err = %#v", err)
	}
	log.checkHeadersFirst(t)
	if len(log.events) != 1 || resp == nil || resp.StatusCode != 401 || !strings.Contains(string(resp.Body), "Wrong Api key") || apiErr.Header("Content-Type") == "" {
		t.Errorf("events %v, response %+v", log.names(), resp)
	}

	// An error from the function stops the stream and comes back as it is.
	stop := errors.New("enough")
	seen := 0
	_, err = c.SendStreamFunc(ctxFor(t), "GET", "/events", nil, func(webraft.Event) error {
		seen++
		if seen == 2 {
			return stop
		}
		return nil
	})
	if err != stop || seen != 2 {
		t.Errorf("err %v after %d events", err, seen)
	}

	// Leaving the loop early closes the stream without an error.
	stream, err = c.SendStream(ctxFor(t), "GET", "/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range stream.All() {
		break
	}
	if _, err := stream.Result(); err != nil || stream.Next() {
		t.Errorf("after an early break: %v", err)
	}
	checkNoLeaks(t)
}

func TestResponseHeadersAndRateLimit(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	want := webraft.RateLimit{
		LimitRequests: 60, RemainingRequests: 59, ResetRequests: time.Second,
		LimitTokens: 150000, RemainingTokens: 149990, ResetTokens: 6 * time.Minute,
	}
	checkHeaders := func(what string, h interface {
		Header(string) string
		RateLimit() (webraft.RateLimit, bool)
	}) {
		t.Helper()
		if got, ok := h.RateLimit(); !ok || got != want {
			t.Errorf("%s: RateLimit() = %+v, %v", what, got, ok)
		}
		// Any case; a repeated header's values joined.
		if h.Header("X-RateLimit-Limit-Requests") != "60" || h.Header("x-webraft-repeat") != "a, b" || h.Header("x-not-there") != "" {
			t.Errorf("%s: headers %q %q", what, h.Header("X-RateLimit-Limit-Requests"), h.Header("x-webraft-repeat"))
		}
	}

	reply, err := c.Chat(ctxFor(t), userRequest("rate-limit-headers", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders("Chat", reply)
	all := reply.Headers()
	if all.Get("X-Webraft-Repeat") != "a, b" || len(all["X-Webraft-Repeat"]) != 1 || all.Get("content-type") == "" {
		t.Errorf("Headers() = %v", all)
	}
	all.Set("X-Webraft-Repeat", "changed")
	if reply.Header("x-webraft-repeat") != "a, b" {
		t.Error("Headers() shares its map with the reply")
	}

	stream, err := c.ChatStream(ctxFor(t), userRequest("rate-limit-headers", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	completion, err := stream.Completion()
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders("ChatStream", completion)

	resp, err := c.Responses(ctxFor(t), hiRequest("rate-limit-headers"))
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders("Responses", resp)

	resp, log, err := recordResponses(t, c, hiRequest("rate-limit-headers"))
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders("ResponsesStreamFunc", resp)
	if log.events[0].Headers.Get("X-Ratelimit-Remaining-Tokens") != "149990" {
		t.Errorf("headers event %v", log.events[0].Headers)
	}

	sent, err := c.Do(ctxFor(t), "POST", "/chat/completions", userRequest("rate-limit-headers", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders("Do", sent)
	events, err := c.SendStreamFunc(ctxFor(t), "POST", "/events", map[string]string{"model": "rate-limit-headers"},
		func(webraft.Event) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders("SendStreamFunc", events)

	// No rate-limit headers: every value reads absent (-1), not zero.
	reply, err = c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	absent := webraft.RateLimit{LimitRequests: -1, RemainingRequests: -1, ResetRequests: -1, LimitTokens: -1, RemainingTokens: -1, ResetTokens: -1}
	if got, ok := reply.RateLimit(); ok || got != absent {
		t.Errorf("RateLimit() without the headers = %+v, %v", got, ok)
	}
	if reply.Header("content-type") == "" || reply.Header("x-ratelimit-limit-requests") != "" {
		t.Errorf("headers %v", reply.Headers())
	}
	// A completion the binding did not make has no headers.
	var handMade webraft.ChatCompletion
	if got, ok := handMade.RateLimit(); ok || got != absent || handMade.Headers() != nil || handMade.Header("content-type") != "" {
		t.Errorf("hand-made completion: %+v, %v, %v", got, ok, handMade.Headers())
	}
	checkNoLeaks(t)
}

func TestHeadersOnFailedReplies(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{MaxRetries: webraft.Retries(0)})
	// A 429 carries an exhausted quota: the zeros are real, not absent.
	exhausted := webraft.RateLimit{
		LimitRequests: 60, RemainingRequests: 0, ResetRequests: time.Second,
		LimitTokens: 150000, RemainingTokens: 0, ResetTokens: 6 * time.Minute,
	}
	for what, call := range map[string]func() error{
		"chat 429": func() error {
			_, err := c.Chat(ctxFor(t), userRequest("rate-limit", "hi"))
			return err
		},
		"responses 429": func() error {
			_, err := c.Responses(ctxFor(t), hiRequest("responses-error"))
			return err
		},
	} {
		err := call()
		var apiErr *webraft.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
			t.Fatalf("%s: %#v", what, err)
		}
		if got, ok := apiErr.RateLimit(); !ok || got != exhausted {
			t.Errorf("%s: RateLimit() = %+v, %v", what, got, ok)
		}
		if apiErr.Header("x-ratelimit-remaining-requests") != "0" || apiErr.Header("X-Request-Id") != apiErr.RequestID {
			t.Errorf("%s: headers %v", what, apiErr.Headers())
		}
	}

	wrong := newClient(t, "/v1", webraft.Config{APIKey: "wrong-key"})
	_, err := wrong.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	var apiErr *webraft.APIError
	if !errors.As(err, &apiErr) || !strings.HasPrefix(apiErr.Header("content-type"), "application/json") {
		t.Fatalf("wrong key: %#v", err)
	}
	if _, ok := apiErr.RateLimit(); ok {
		t.Error("a 401 without rate-limit headers has a rate limit")
	}

	// No reply at all: no headers.
	closed := newClient(t, "/v1", webraft.Config{BaseURL: "http://127.0.0.1:1/v1", MaxRetries: webraft.Retries(0)})
	_, err = closed.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	var e *webraft.Error
	if !errors.As(err, &e) || !errors.Is(err, webraft.ErrConnect) {
		t.Fatalf("no connection: %#v", err)
	}
	if len(e.Headers()) != 0 || e.Header("content-type") != "" {
		t.Errorf("no reply, but headers %v", e.Headers())
	}
}

func TestResponsesStreamCancel(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// "slow" pauses 100 ms before every event.
	stream, err := c.ResponsesStream(ctx, webraft.ResponsesRequest{Model: "slow", Input: "one two three four five six"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // the headers, response.created, response.in_progress
		if !stream.Next() {
			t.Fatalf("stream ended early: %v", stream.Err())
		}
	}
	cancelPromptly(t, cancel, stream.Next)
	resp, err := stream.Result()
	if !errors.Is(err, context.Canceled) || !errors.Is(err, webraft.ErrCancelled) {
		t.Errorf("Err() = %#v", err)
	}
	if resp == nil {
		t.Error("no partial response after cancel")
	}

	// Close mid-stream: no error.
	stream, err = c.ResponsesStream(ctxFor(t), webraft.ResponsesRequest{Model: "slow", Input: "one two three"})
	if err != nil {
		t.Fatal(err)
	}
	stream.Next()
	stream.Close()
	if stream.Next() || stream.Err() != nil {
		t.Errorf("after Close: %v", stream.Err())
	}

	// A blocking call ended by a deadline.
	ctx, cancel = context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err = c.Responses(ctx, hiRequest("stall-headers"))
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, webraft.ErrCancelled) {
		t.Errorf("Responses past its deadline: %#v", err)
	}
	checkNoLeaks(t)
}
