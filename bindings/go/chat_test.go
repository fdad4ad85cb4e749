package webraft_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	webraft "github.com/webraft/webraft/bindings/go"
)

func TestChatTyped(t *testing.T) {
	for _, base := range []string{"/v1", "/v2", "/freeapi"} {
		t.Run(base, func(t *testing.T) {
			c := newClient(t, base, webraft.Config{})
			reply, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi there"))
			if err != nil {
				t.Fatal(err)
			}
			if got := reply.Text(); got != "Hello! You said: hi there" {
				t.Errorf("Text() = %q", got)
			}
			if len(reply.Choices) != 1 {
				t.Fatalf("choices: %+v", reply.Choices)
			}
			ch := reply.Choices[0]
			if ch.Message.Role != "assistant" || ch.Message.Content != "Hello! You said: hi there" || ch.FinishReason != "stop" {
				t.Errorf("choice = %+v", ch)
			}
			if reply.Object != "chat.completion" || reply.Model != "gpt-4o" || !strings.HasPrefix(reply.ID, "chatcmpl-test-") {
				t.Errorf("completion header fields: %+v", reply)
			}
			if reply.Usage == nil || reply.Usage.PromptTokens != 2 || reply.Usage.CompletionTokens != 5 || reply.Usage.TotalTokens != 7 {
				t.Errorf("usage = %+v", reply.Usage)
			}
			// The request id of the reply and the number in its completion id come from the same counter.
			if want := "req_" + strings.TrimPrefix(reply.ID, "chatcmpl-test-"); reply.RequestID != want {
				t.Errorf("RequestID = %q, want %q", reply.RequestID, want)
			}
			if reply.HTTPStatus != 200 || reply.Retries != 0 || reply.Chunks != 0 {
				t.Errorf("call info = %+v", reply.CallInfo)
			}
			if reply.Timings.Headers <= 0 || reply.Timings.Total < reply.Timings.Headers || reply.Timings.FirstChunk >= 0 {
				t.Errorf("timings = %+v", reply.Timings)
			}
			var raw map[string]any
			if err := json.Unmarshal(reply.Raw, &raw); err != nil || raw["system_fingerprint"] != "fp_test" {
				t.Errorf("Raw = %s (%v)", reply.Raw, err)
			}
		})
	}
}

func TestChatRawJSONAndMaps(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	body := `{"model":"gpt-4o","messages":[{"role":"user","content":"raw"}],"n":2}`
	for name, req := range map[string]any{
		"bytes":      []byte(body),
		"RawMessage": json.RawMessage(body),
		"map": map[string]any{"model": "gpt-4o", "n": 2,
			"messages": []map[string]string{{"role": "user", "content": "raw"}}},
		"pointer": &webraft.ChatRequest{Model: "gpt-4o", N: 2, Messages: []webraft.Message{webraft.UserMessage("raw")}},
	} {
		t.Run(name, func(t *testing.T) {
			reply, err := c.Chat(ctxFor(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(reply.Choices) != 2 || reply.Choices[1].Message.Content != "[1] Hello! You said: raw" {
				t.Errorf("choices = %+v", reply.Choices)
			}
		})
	}
}

// A raw body with "stream": true is streamed by the library even though Chat
// asks for no chunks (WEBRAFT_DELIVERY_NONE): they are only accumulated, so
// more chunks than the library's poll queue holds (256) must not stall it.
func TestChatRawBodyThatStreams(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	reply, err := c.Chat(ctxFor(t), []byte(`{"model":"big-chunks-600","stream":true,"messages":[{"role":"user","content":"x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if reply.Chunks != 602 || reply.Choices[0].FinishReason != "stop" {
		t.Errorf("chunks = %d, choices = %+v", reply.Chunks, reply.Choices)
	}
	if n := len(reply.Text()); n == 0 || n%600 != 0 || strings.Trim(reply.Text(), "x") != "" {
		t.Errorf("text of %d bytes", n)
	}
}

// The stream key spelled with a JSON escape ("stre\u0061m", the backslash
// literal in the body) is the key "stream" to any JSON parser. Go never reads
// the body: Chat asks for no chunks and the library, which parses the body,
// streams the reply and accumulates it; the streaming calls ask for chunks.
func TestEscapedStreamKey(t *testing.T) {
	body := []byte(`{"model":"gpt-4o","stre\u0061m":true,"messages":[{"role":"user","content":"hi"}]}`)
	const want = "Hello! You said: hi"
	c := newClient(t, "/v1", webraft.Config{})

	reply, err := c.Chat(ctxFor(t), body)
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if reply.Text() != want || reply.Choices[0].FinishReason != "stop" {
		t.Errorf("Chat: text %q, choices %+v", reply.Text(), reply.Choices)
	}
	if reply.Chunks == 0 || reply.Timings.FirstChunk <= 0 {
		t.Errorf("Chat: %d chunks, first chunk at %v: the library did not stream the reply", reply.Chunks, reply.Timings.FirstChunk)
	}
	// More chunks than the library's poll queue holds (256) are accumulated
	// too: with DELIVERY_NONE nothing waits in a queue for a reader.
	big, err := c.Chat(ctxFor(t), []byte(`{"model":"big-chunks-600","stre\u0061m":true,"messages":[{"role":"user","content":"x"}]}`))
	if err != nil {
		t.Errorf("Chat, 600 chunks: %v", err)
	} else if big.Chunks != 602 {
		t.Errorf("Chat, 600 chunks: got %d chunks", big.Chunks)
	}
	// The same request without the key gets a plain reply.
	plain, err := c.Chat(ctxFor(t), []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatalf("plain Chat: %v", err)
	}
	if plain.Text() != want || plain.Chunks != 0 {
		t.Errorf("plain Chat: text %q, %d chunks", plain.Text(), plain.Chunks)
	}

	stream, err := c.ChatStream(ctxFor(t), body)
	if err != nil {
		t.Fatalf("ChatStream: %v", err)
	}
	var text strings.Builder
	chunks := 0
	for stream.Next() {
		chunks++
		text.WriteString(stream.Chunk().Text)
	}
	full, err := stream.Completion()
	if err != nil || text.String() != want || full.Text() != want || full.Chunks != chunks || chunks == 0 {
		t.Errorf("ChatStream: chunks %d, text %q, completion %q (%d chunks), %v", chunks, text.String(), full.Text(), full.Chunks, err)
	}

	text.Reset()
	fnChunks := 0
	full, err = c.ChatStreamFunc(ctxFor(t), body, func(chunk webraft.Chunk) error {
		fnChunks++
		text.WriteString(chunk.Text)
		return nil
	})
	if err != nil || text.String() != want || full.Text() != want || full.Chunks != fnChunks || fnChunks == 0 {
		t.Errorf("ChatStreamFunc: chunks %d, text %q, completion %q, %v", fnChunks, text.String(), full.Text(), err)
	}
	checkNoLeaks(t)
}

func TestChatStream(t *testing.T) {
	for _, base := range []string{"/v1", "/v2", "/freeapi"} {
		t.Run(base, func(t *testing.T) {
			c := newClient(t, base, webraft.Config{})
			req := userRequest("gpt-4o", "stream me")
			req.StreamOptions = &webraft.StreamOptions{IncludeUsage: true}
			stream, err := c.ChatStream(ctxFor(t), req)
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			var texts []string
			var finish string
			var usage *webraft.Usage
			for stream.Next() {
				chunk := stream.Chunk()
				texts = append(texts, chunk.Text)
				decoded, err := chunk.Decode()
				if err != nil {
					t.Fatalf("Decode(%s): %v", chunk.JSON, err)
				}
				if decoded.Object != "chat.completion.chunk" {
					t.Errorf("chunk object %q", decoded.Object)
				}
				if len(decoded.Choices) > 0 && decoded.Choices[0].FinishReason != "" {
					finish = decoded.Choices[0].FinishReason
				}
				if decoded.Usage != nil {
					usage = decoded.Usage
				}
			}
			if err := stream.Err(); err != nil {
				t.Fatal(err)
			}
			want := []string{"", "Hello! ", "You ", "said: ", "stream ", "me", "", ""}
			if strings.Join(texts, "|") != strings.Join(want, "|") {
				t.Errorf("chunk texts = %q, want %q", texts, want)
			}
			if finish != "stop" || usage == nil || usage.CompletionTokens != 5 {
				t.Errorf("finish %q, usage %+v", finish, usage)
			}
			reply, err := stream.Completion()
			if err != nil {
				t.Fatal(err)
			}
			if reply.Text() != "Hello! You said: stream me" || reply.Choices[0].Message.Content != reply.Text() ||
				reply.Chunks != len(want) || reply.Timings.FirstChunk <= 0 {
				t.Errorf("completion = %+v, text %q", reply, reply.Text())
			}
			if stream.Next() {
				t.Error("Next after the end returned true")
			}
		})
	}
	checkNoLeaks(t)
}

func TestChatStreamIterator(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	stream, err := c.ChatStream(ctxFor(t), userRequest("gpt-4o", "iterate"))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for chunk, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(chunk.Text)
	}
	if text.String() != "Hello! You said: iterate" {
		t.Errorf("text = %q", text.String())
	}
	reply, err := stream.Completion()
	if err != nil || reply.Text() != text.String() {
		t.Errorf("completion %q, %v", reply.Text(), err)
	}

	// A failure comes last, as the error of the final pair.
	stream, err = c.ChatStream(ctxFor(t), userRequest("error-chunk", "x"))
	if err != nil {
		t.Fatal(err)
	}
	var pairs int
	var last error
	for chunk, err := range stream.All() {
		pairs++
		last = err
		if err != nil && chunk.JSON != nil {
			t.Errorf("error pair carries a chunk: %s", chunk.JSON)
		}
	}
	var apiErr *webraft.APIError
	if !errors.As(last, &apiErr) || !errors.Is(last, webraft.ErrStreamError) || apiErr.Code != "overloaded" ||
		apiErr.Message != "upstream overloaded" || apiErr.StatusCode != 200 {
		t.Errorf("last error = %#v", last)
	}
	if pairs != 3 {
		t.Errorf("%d pairs, want role, partial, error", pairs)
	}
	partial, err := stream.Completion()
	if partial.Text() != "partial" || !errors.Is(err, webraft.ErrStreamError) {
		t.Errorf("partial completion %q, %v", partial.Text(), err)
	}
	checkNoLeaks(t)
}

func TestStreamTools(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	req := userRequest("tools", "weather?")
	req.Tools = []webraft.Tool{{Type: "function", Function: webraft.FunctionSpec{Name: "get_weather",
		Parameters: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]string{"type": "string"}}}}}}
	stream, err := c.ChatStream(ctxFor(t), req)
	if err != nil {
		t.Fatal(err)
	}
	var fragments []string
	for chunk, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		d, err := chunk.Decode()
		if err != nil {
			t.Fatal(err)
		}
		for _, choice := range d.Choices {
			for _, call := range choice.Delta.ToolCalls {
				if call.Index == nil || *call.Index != 0 {
					t.Errorf("tool call fragment without index 0: %+v", call)
				}
				fragments = append(fragments, call.Arguments)
			}
		}
	}
	if strings.Join(fragments, "") != `{"city":"Paris"}` {
		t.Errorf("argument fragments %q", fragments)
	}
	reply, err := stream.Completion()
	if err != nil {
		t.Fatal(err)
	}
	msg := reply.Choices[0].Message
	if reply.Text() != "" || msg.Content != "" || len(msg.ToolCalls) != 1 || reply.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("completion = %s", reply.Raw)
	}
	call := msg.ToolCalls[0]
	if call.ID != "call_1" || call.Name != "get_weather" || call.Arguments != `{"city":"Paris"}` {
		t.Errorf("tool call = %+v", call)
	}
	// The call goes back as an assistant message with "content": null, and the result as a tool message.
	follow := webraft.ChatRequest{Model: "gpt-4o", Messages: []webraft.Message{
		webraft.UserMessage("weather?"),
		{Role: "assistant", ToolCalls: msg.ToolCalls},
		{Role: "tool", ToolCallID: call.ID, Content: "sunny"},
		webraft.UserMessage("thanks"),
	}}
	body, _ := json.Marshal(follow)
	if !bytes.Contains(body, []byte(`{"role":"assistant","content":null,"tool_calls":[{"id":"call_1"`)) {
		t.Errorf("assistant tool message encodes as %s", body)
	}
	if reply, err := c.Chat(ctxFor(t), follow); err != nil || reply.Text() != "Hello! You said: thanks" {
		t.Errorf("follow-up: %v %v", reply, err)
	}
}

// onePixelPNG is a valid 1x1 PNG.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

func TestVision(t *testing.T) {
	// The name says JPEG; the bytes say PNG, and the bytes win.
	path := filepath.Join(t.TempDir(), "pixel.jpg")
	if err := os.WriteFile(path, onePixelPNG, 0o600); err != nil {
		t.Fatal(err)
	}
	part, err := webraft.ImagePart(path)
	if err != nil {
		t.Fatal(err)
	}
	if part.Type != "image_url" || part.ImageURL == nil || !strings.HasPrefix(part.ImageURL.URL, "data:image/png;base64,") || part.ImageURL.Detail != "" {
		t.Fatalf("part = %+v", part)
	}
	low, err := webraft.ImagePartDetail(path, "low")
	if err != nil || low.ImageURL.Detail != "low" || low.ImageURL.URL != part.ImageURL.URL {
		t.Errorf("detail part = %+v, %v", low, err)
	}
	c := newClient(t, "/v2", webraft.Config{})
	req := webraft.ChatRequest{Model: "gpt-4o", Messages: []webraft.Message{
		webraft.UserParts(webraft.TextPart("what is this?"), low, webraft.ImageURLPart("https://example.com/cat.png")),
	}}
	want := fmt.Sprintf("Hello! You said: what is this? [image 1: image/png %d bytes] [image 2: url https://example.com/cat.png]", len(onePixelPNG))
	reply, err := c.Chat(ctxFor(t), req)
	if err != nil || reply.Text() != want {
		t.Errorf("plain: %q, %v", reply.Text(), err)
	}
	stream, err := c.ChatStream(ctxFor(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if reply, err := stream.Completion(); err != nil || reply.Text() != want {
		t.Errorf("stream: %q, %v", reply.Text(), err)
	}

	_, err = webraft.ImagePart(filepath.Join(t.TempDir(), "missing.png"))
	var e *webraft.Error
	if !errors.Is(err, webraft.ErrIO) || !errors.As(err, &e) || !strings.Contains(e.Message, "missing.png") {
		t.Errorf("missing file: %#v", err)
	}
	if _, err := webraft.ImagePartDetail(path, "huge"); !errors.Is(err, webraft.ErrInvalidArgument) {
		t.Errorf("bad detail: %v", err)
	}
}

func TestDo(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{DefaultQuery: map[string]string{"tenant": "a"}})
	ctx := ctxFor(t)

	resp, err := c.Do(ctx, "GET", "/models", nil)
	if err != nil {
		t.Fatal(err)
	}
	var models struct {
		Data []struct{ ID string } `json:"data"`
	}
	if err := resp.JSON(&models); err != nil || resp.StatusCode != 200 || len(models.Data) != 4 || models.Data[0].ID != "gpt-4o" {
		t.Errorf("models: %d %s %v", resp.StatusCode, resp.Body, err)
	}

	resp, err = c.Do(ctx, "POST", "/embeddings", map[string]any{"model": "text-embedding-3-small", "input": "a b", "dimensions": 3})
	var emb struct {
		Data  []struct{ Embedding []float64 } `json:"data"`
		Usage webraft.Usage                   `json:"usage"`
	}
	if err != nil || resp.JSON(&emb) != nil || len(emb.Data) != 1 || len(emb.Data[0].Embedding) != 3 || emb.Usage.PromptTokens != 2 {
		t.Errorf("embeddings: %s %v", resp.Body, err)
	}

	resp, err = c.Do(ctx, "PUT", "/debug/echo", json.RawMessage(`{"k":[1,2]}`),
		webraft.WithHeader("X-Trace", "t1"), webraft.WithQuery("page", "2"))
	var echo struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Query   map[string]string `json:"query"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	if err != nil || resp.JSON(&echo) != nil {
		t.Fatalf("echo: %s %v", resp.Body, err)
	}
	if echo.Method != "PUT" || echo.Path != "/v1/debug/echo" || echo.Query["page"] != "2" || echo.Query["tenant"] != "a" ||
		echo.Headers["x-trace"] != "t1" || echo.Headers["authorization"] != "Bearer test-key" || string(echo.Body) != `{"k":[1,2]}` {
		t.Errorf("echo = %+v", echo)
	}
	if resp.RequestID == "" || resp.Timings.Total <= 0 {
		t.Errorf("call info = %+v", resp.CallInfo)
	}

	resp, err = c.Do(ctx, "GET", "/no/such/route", nil)
	var apiErr *webraft.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "unknown_url" || !errors.Is(err, webraft.ErrHTTPStatus) {
		t.Errorf("404: %#v", err)
	}
	// The library keeps an error reply's parsed fields, not its body.
	if resp == nil || resp.StatusCode != 404 || resp.RequestID != apiErr.RequestID {
		t.Errorf("404 response = %+v", resp)
	}
	if _, err := c.Do(ctx, "GET", "/models\x00evil", nil); !errors.Is(err, webraft.ErrInvalidArgument) {
		t.Errorf("NUL in path: %v", err)
	}
	checkNoLeaks(t)
}
