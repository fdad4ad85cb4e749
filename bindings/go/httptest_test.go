package webraft_test

// Tests against net/http/httptest servers written here: a server independent
// of the project's test server, whose every byte and timing the test controls.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

type seenRequest struct {
	method, path string
	header       http.Header
	query        map[string]string
	body         []byte
}

// recordingServer answers every request with reply and records it.
func recordingServer(t *testing.T, status int, reply string) (*httptest.Server, <-chan seenRequest) {
	seen := make(chan seenRequest, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q := map[string]string{}
		for k, v := range r.URL.Query() {
			q[k] = v[0]
		}
		seen <- seenRequest{r.Method, r.URL.Path, r.Header.Clone(), q, body}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-request-id", "httptest-1")
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

const fixedCompletion = `{"id":"c1","object":"chat.completion","created":5,"model":"m",` +
	`"choices":[{"index":0,"message":{"role":"assistant","content":[{"type":"text","text":"parts"}]},"finish_reason":"stop"}]}`

func TestConfigAndRequestReachTheServer(t *testing.T) {
	srv, seen := recordingServer(t, 200, fixedCompletion)
	c := newClient(t, "", webraft.Config{
		BaseURL:        srv.URL + "/api",
		APIKey:         "k-123",
		Organization:   "org-1",
		Project:        "proj-1",
		UserAgent:      "go-test/1",
		DefaultHeaders: map[string]string{"X-Default": "d", "X-Both": "default"},
		DefaultQuery:   map[string]string{"api-version": "7"},
		Timeout:        30 * time.Second,
		MaxRetries:     webraft.Retries(0),
	})
	temperature := 0.25
	req := webraft.ChatRequest{
		Model: "m",
		Messages: []webraft.Message{
			webraft.SystemMessage("be brief"),
			webraft.UserParts(webraft.TextPart("look"), webraft.ImageURLPart("https://example.com/a.png")),
		},
		MaxTokens:   7,
		Temperature: &temperature,
		Stop:        []string{"END"},
		Extra:       map[string]any{"logit_bias": map[string]int{"42": -100}, "max_tokens": 9},
	}
	reply, err := c.Chat(ctxFor(t), req, webraft.WithHeader("X-Both", "call"), webraft.WithQuery("trace", "1"))
	if err != nil {
		t.Fatal(err)
	}
	got := <-seen
	if got.method != "POST" || got.path != "/api/chat/completions" {
		t.Errorf("%s %s", got.method, got.path)
	}
	for name, want := range map[string]string{
		"Authorization": "Bearer k-123", "Openai-Organization": "org-1", "Openai-Project": "proj-1",
		"User-Agent": "go-test/1", "X-Default": "d", "X-Both": "call",
	} {
		if v := got.header.Get(name); v != want {
			t.Errorf("header %s = %q, want %q", name, v, want)
		}
	}
	if got.query["api-version"] != "7" || got.query["trace"] != "1" {
		t.Errorf("query = %v", got.query)
	}
	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatal(err)
	}
	want := `{"logit_bias":{"42":-100},"max_tokens":9,"messages":[{"content":"be brief","role":"system"},` +
		`{"content":[{"text":"look","type":"text"},{"image_url":{"url":"https://example.com/a.png"},"type":"image_url"}],"role":"user"}],` +
		`"model":"m","stop":["END"],"temperature":0.25}`
	if canonical, _ := json.Marshal(body); string(canonical) != want {
		t.Errorf("body =\n%s\nwant\n%s", canonical, want)
	}
	// Content given as parts decodes into Parts.
	if m := reply.Choices[0].Message; len(m.Parts) != 1 || m.Parts[0].Text != "parts" || reply.RequestID != "httptest-1" {
		t.Errorf("reply = %+v", reply)
	}
}

func TestHTTPErrorFromHTTPTest(t *testing.T) {
	srv, _ := recordingServer(t, 409, `{"error":{"message":"busy","type":"conflict_error","param":"model","code":"busy"}}`)
	c := newClient(t, "", webraft.Config{BaseURL: srv.URL, MaxRetries: webraft.Retries(0)})
	_, err := c.Chat(ctxFor(t), userRequest("m", "x"))
	var apiErr *webraft.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("%#v", err)
	}
	if apiErr.Status != webraft.StatusHTTPStatus || apiErr.StatusCode != 409 || apiErr.Type != "conflict_error" ||
		apiErr.Code != "busy" || apiErr.Param != "model" || apiErr.Message != "busy" || apiErr.RequestID != "httptest-1" {
		t.Errorf("got %#v", apiErr)
	}
	if err.Error() != "webraft: HTTP 409: busy (code busy) [request httptest-1]" {
		t.Errorf("Error() = %q", err.Error())
	}
}

// sseServer streams the events one by one, each flushed, then waits for the
// test to release it or the client to go away. Its handler reports when the
// client disconnected.
func sseServer(t *testing.T, events []string, hold bool) (url string, disconnected <-chan time.Time) {
	gone := make(chan time.Time, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, e := range events {
			fmt.Fprintf(w, "data: %s\n\n", e)
			w.(http.Flusher).Flush()
		}
		if !hold {
			io.WriteString(w, "data: [DONE]\n\n")
			return
		}
		select {
		case <-r.Context().Done():
			gone <- time.Now()
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv.URL, gone
}

func chunkJSON(delta string, finish string) string {
	f := "null"
	if finish != "" {
		f = `"` + finish + `"`
	}
	return `{"id":"s1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":` + delta + `,"finish_reason":` + f + `}]}`
}

func TestStreamFromHTTPTest(t *testing.T) {
	url, _ := sseServer(t, []string{
		chunkJSON(`{"role":"assistant","content":""}`, ""),
		chunkJSON(`{"content":"Grüße, "}`, ""),
		chunkJSON(`{"content":"世界"}`, ""),
		chunkJSON(`{"tool_calls":[{"index":0,"id":"call_9","type":"function","function":{"name":"f","arguments":"{\"a\""}}]}`, ""),
		chunkJSON(`{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}`, ""),
		chunkJSON(`{}`, "tool_calls"),
	}, false)
	c := newClient(t, "", webraft.Config{BaseURL: url})
	stream, err := c.ChatStream(ctxFor(t), userRequest("m", "x"))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for chunk, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, chunk.Text)
	}
	if strings.Join(texts, "|") != "|Grüße, |世界|||" {
		t.Errorf("texts %q", texts)
	}
	reply, err := stream.Completion()
	if err != nil {
		t.Fatal(err)
	}
	msg := reply.Choices[0].Message
	if reply.Text() != "Grüße, 世界" || len(msg.ToolCalls) != 1 || msg.ToolCalls[0].Arguments != `{"a":1}` ||
		msg.ToolCalls[0].ID != "call_9" || reply.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("completion %s", reply.Raw)
	}
}

// Cancelling mid-stream returns promptly and the library drops the connection.
func TestCancelReleasesConnection(t *testing.T) {
	url, disconnected := sseServer(t, []string{
		chunkJSON(`{"role":"assistant","content":""}`, ""),
		chunkJSON(`{"content":"first"}`, ""),
	}, true)
	c := newClient(t, "", webraft.Config{BaseURL: url})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := c.ChatStream(ctx, userRequest("m", "x"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if !stream.Next() {
			t.Fatal(stream.Err())
		}
	}
	if stream.Chunk().Text != "first" {
		t.Errorf("chunk %q", stream.Chunk().Text)
	}
	start := cancelPromptly(t, cancel, stream.Next)
	if !errors.Is(stream.Err(), context.Canceled) {
		t.Errorf("Err() = %v", stream.Err())
	}
	select {
	case at := <-disconnected:
		if at.Sub(start) > time.Second {
			t.Errorf("server saw the disconnect %v after cancel", at.Sub(start))
		}
	case <-time.After(10 * time.Second):
		t.Error("the server never saw the connection close")
	}
	checkNoLeaks(t)
}
