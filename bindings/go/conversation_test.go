package webraft_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	webraft "github.com/webraft/webraft/bindings/go"
)

// weatherQuestion is a conversation that makes model "tools" ask for one call.
func weatherQuestion(t *testing.T) *webraft.Conversation {
	t.Helper()
	conv := webraft.NewConversation()
	t.Cleanup(conv.Close)
	conv.SetModel("tools")
	conv.SetTools(webraft.FunctionTool("get_weather", "Current weather in a city",
		`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`))
	conv.AddUser("weather in Paris?")
	return conv
}

func exported(t *testing.T, conv *webraft.Conversation) string {
	t.Helper()
	body, err := json.Marshal(conv)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// The whole tool loop, with each way of sending: the model asks for
// get_weather, the program answers, the model uses the answer.
func TestConversationToolRoundTrip(t *testing.T) {
	streamed := func(c *webraft.Client, conv *webraft.Conversation) (*webraft.ChatCompletion, error) {
		stream, err := c.ChatStream(ctxFor(t), conv)
		if err != nil {
			return nil, err
		}
		return stream.Completion()
	}
	var fragments []string
	streamedFunc := func(c *webraft.Client, conv *webraft.Conversation) (*webraft.ChatCompletion, error) {
		return c.ChatStreamFunc(ctxFor(t), conv, func(chunk webraft.Chunk) error {
			if args, err := chunk.GetString("/choices/0/delta/tool_calls/0/function/arguments"); err == nil {
				fragments = append(fragments, args)
			} else if !errors.Is(err, webraft.ErrMissing) {
				return err
			}
			return nil
		})
	}
	plain := func(c *webraft.Client, conv *webraft.Conversation) (*webraft.ChatCompletion, error) {
		return c.Chat(ctxFor(t), conv)
	}
	sends := map[string]func(*webraft.Client, *webraft.Conversation) (*webraft.ChatCompletion, error){
		"Chat": plain, "ChatStream": streamed, "ChatStreamFunc": streamedFunc,
	}
	for _, base := range []string{"/v1", "/v2"} {
		for name, send := range sends {
			t.Run(base+"/"+name, func(t *testing.T) {
				c := newClient(t, base, webraft.Config{})
				conv := weatherQuestion(t)
				fragments = nil
				reply, err := send(c, conv)
				if err != nil {
					t.Fatal(err)
				}
				// The first chunk names the call, the next three carry its arguments.
				if name == "ChatStreamFunc" && strings.Join(fragments, "|") != `|{"city"|:"Par|is"}` {
					t.Errorf("argument fragments read from the chunks: %q", fragments)
				}
				want := []webraft.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}}
				if calls := reply.ToolCalls(); !slices.EqualFunc(calls, want, sameCall) || reply.FinishReason() != "tool_calls" || reply.Text() != "" {
					t.Fatalf("tool calls %+v, finish %q, text %q", calls, reply.FinishReason(), reply.Text())
				}
				conv.AddAssistantTurn(reply)
				for _, call := range reply.ToolCalls() {
					conv.AddToolResult(call.ID, "22 C")
				}
				reply, err = send(c, conv)
				if err != nil {
					t.Fatal(err)
				}
				if reply.Text() != "The tool call_1 said: 22 C" || reply.FinishReason() != "stop" || reply.ToolCalls() != nil || reply.Refusal() != "" {
					t.Errorf("answer %q, finish %q, calls %+v", reply.Text(), reply.FinishReason(), reply.ToolCalls())
				}
				conv.AddAssistantTurn(reply)
				if conv.Len() != 4 || conv.Err() != nil {
					t.Errorf("Len %d, Err %v", conv.Len(), conv.Err())
				}
				saved := exported(t, conv)
				for _, part := range []string{
					`{"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}`,
					`{"role":"tool","tool_call_id":"call_1","content":"22 C"}`,
					`{"role":"assistant","content":"The tool call_1 said: 22 C"}`,
				} {
					if !strings.Contains(saved, part) {
						t.Errorf("export lacks %s:\n%s", part, saved)
					}
				}
			})
		}
	}
	checkNoLeaks(t)
}

func sameCall(a, b webraft.ToolCall) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Arguments == b.Arguments && a.Index == nil
}

// A tool-call-only turn is stored with "" content unless the conversation
// keeps null, and either way the server takes the next request.
func TestAssistantTurnNullContent(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	for _, keep := range []bool{false, true} {
		conv := weatherQuestion(t)
		conv.SetKeepNullContent(keep)
		reply, err := c.Chat(ctxFor(t), conv)
		if err != nil {
			t.Fatal(err)
		}
		if content, err := reply.GetJSON("/choices/0/message/content"); err != nil || string(content) != "null" {
			t.Fatalf("the reply's content is %s (%v)", content, err)
		}
		conv.AddAssistantTurn(reply)
		want := `{"role":"assistant","content":"","tool_calls":`
		if keep {
			want = `{"role":"assistant","content":null,"tool_calls":`
		}
		if saved := exported(t, conv); !strings.Contains(saved, want) {
			t.Errorf("keep %v: export lacks %s:\n%s", keep, want, saved)
		}
		conv.AddToolResult("call_1", "rain")
		if reply, err := c.Chat(ctxFor(t), conv); err != nil || reply.Text() != "The tool call_1 said: rain" {
			t.Errorf("keep %v: answer %v, %v", keep, reply, err)
		}
	}
}

// A dialogue saved with encoding/json loads back the same, on its own or
// inside a larger save-game struct, and can be sent on.
func TestConversationExportImport(t *testing.T) {
	conv := webraft.NewConversation()
	defer conv.Close()
	conv.AddSystem("You are a lighthouse keeper.")
	conv.AddDeveloper("be brief")
	conv.AddUser("what is this?")
	if err := conv.AddImageBytes(onePixelPNG, "low"); err != nil {
		t.Fatal(err)
	}
	conv.AddText("and this?")
	conv.AddAssistant("A pixel. \"Quotes\" and ünïcödé survive.")
	conv.AddUser("say hi")
	saved := exported(t, conv)
	var messages []map[string]any
	if err := json.Unmarshal([]byte(saved), &messages); err != nil || len(messages) != 5 || conv.Len() != 5 {
		t.Fatalf("export %s (%v), Len %d", saved, err, conv.Len())
	}
	if messages[1]["role"] != "developer" || !strings.Contains(saved, `"detail":"low"`) || !strings.Contains(saved, `{"type":"text","text":"and this?"}`) {
		t.Errorf("export = %s", saved)
	}

	type saveGame struct {
		Level    int                   `json:"level"`
		Dialogue *webraft.Conversation `json:"dialogue"`
	}
	file, err := json.Marshal(saveGame{Level: 3, Dialogue: conv})
	if err != nil {
		t.Fatal(err)
	}
	var loaded saveGame
	if err := json.Unmarshal(file, &loaded); err != nil || loaded.Level != 3 || loaded.Dialogue == nil {
		t.Fatalf("load: %+v, %v", loaded, err)
	}
	defer loaded.Dialogue.Close()
	if again := exported(t, loaded.Dialogue); again != saved {
		t.Errorf("loaded dialogue differs:\n%s\n%s", again, saved)
	}
	// The parameters are not saved: the model is set again after loading.
	loaded.Dialogue.SetModel("gpt-4o")
	loaded.Dialogue.AddSystemIfMissing("not added: the dialogue has a system message")
	reply, err := newClient(t, "/v1", webraft.Config{}).Chat(ctxFor(t), loaded.Dialogue)
	if err != nil || reply.Text() != "Hello! You said: say hi" || loaded.Dialogue.Len() != 5 {
		t.Errorf("loaded dialogue: %v, %v, Len %d", reply, err, loaded.Dialogue.Len())
	}
	fresh := webraft.NewConversation()
	defer fresh.Close()
	fresh.AddSystemIfMissing("first")
	fresh.AddUser("hi")
	if s := exported(t, fresh); s != `[{"role":"system","content":"first"},{"role":"user","content":"hi"}]` {
		t.Errorf("AddSystemIfMissing on a fresh conversation: %s", s)
	}

	// Loading refuses what is not a messages array, and keeps the old dialogue.
	// (Called directly: json.Unmarshal would refuse bad JSON before the library.)
	for text, sentinel := range map[string]error{
		`{}`:                webraft.ErrInvalidArgument,
		`[{"content":"x"}]`: webraft.ErrInvalidArgument,
		`[`:                 webraft.ErrInvalidJSON,
		"[\x00]":            webraft.ErrInvalidArgument,
	} {
		if err := fresh.UnmarshalJSON([]byte(text)); !errors.Is(err, sentinel) {
			t.Errorf("load %q: %v, want %v", text, err, sentinel)
		}
	}
	if fresh.Len() != 2 {
		t.Errorf("a failed load changed the conversation: Len %d", fresh.Len())
	}
}

// Images from a file, from memory and from a URL reach the server as parts
// of the last message, in order.
func TestConversationImages(t *testing.T) {
	// The name says JPEG; the bytes say PNG, and the bytes win.
	path := filepath.Join(t.TempDir(), "pixel.jpg")
	if err := os.WriteFile(path, onePixelPNG, 0o600); err != nil {
		t.Fatal(err)
	}
	conv := webraft.NewConversation()
	defer conv.Close()
	if err := conv.AddImageFile(path, ""); !errors.Is(err, webraft.ErrInvalidArgument) {
		t.Errorf("an image before any message: %v", err)
	}
	conv.SetModel("gpt-4o")
	conv.AddUser("what is this?")
	if err := conv.AddImageFile(path, ""); err != nil {
		t.Fatal(err)
	}
	if err := conv.AddImageBytes(onePixelPNG, "high"); err != nil {
		t.Fatal(err)
	}
	if err := conv.AddImageURL("https://example.com/cat.png", "auto"); err != nil {
		t.Fatal(err)
	}
	// Failed image adds return their error and leave the conversation usable.
	var e *webraft.Error
	if err := conv.AddImageFile(filepath.Join(t.TempDir(), "missing.png"), ""); !errors.Is(err, webraft.ErrIO) || !errors.As(err, &e) || !strings.Contains(e.Message, "missing.png") {
		t.Errorf("missing file: %#v", err)
	}
	if err := conv.AddImageFile(path, "huge"); !errors.Is(err, webraft.ErrInvalidArgument) {
		t.Errorf("bad detail: %v", err)
	}
	if err := conv.AddImageFile(path+"\x00", ""); !errors.Is(err, webraft.ErrInvalidArgument) {
		t.Errorf("NUL in the path: %v", err)
	}
	if conv.Err() != nil {
		t.Errorf("a returned error was also recorded: %v", conv.Err())
	}
	n := len(onePixelPNG)
	want := fmt.Sprintf("Hello! You said: what is this? [image 1: image/png %d bytes] [image 2: image/png %d bytes] [image 3: url https://example.com/cat.png]", n, n)
	c := newClient(t, "/v2", webraft.Config{})
	if reply, err := c.Chat(ctxFor(t), conv); err != nil || reply.Text() != want {
		t.Errorf("plain: %v, %v", reply, err)
	}
	stream, err := c.ChatStream(ctxFor(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	if reply, err := stream.Completion(); err != nil || reply.Text() != want {
		t.Errorf("streamed: %v, %v", reply, err)
	}
}

// JSON Pointer reads on completions and chunks, with their sentinels.
func TestPointerGetters(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	reply, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	if s, err := reply.GetString("/choices/0/message/content"); err != nil || s != "Hello! You said: hi" {
		t.Errorf("GetString: %q, %v", s, err)
	}
	if n, err := reply.GetNumber("/usage/total_tokens"); err != nil || n != float64(reply.Usage.TotalTokens) || n == 0 {
		t.Errorf("GetNumber: %v, %v", n, err)
	}
	if j, err := reply.GetJSON("/choices/0/message"); err != nil || string(j) != `{"role":"assistant","content":"Hello! You said: hi"}` {
		t.Errorf("GetJSON: %s, %v", j, err)
	}
	if j, err := reply.GetJSON(""); err != nil || !json.Valid(j) || !strings.Contains(string(j), `"object":"chat.completion"`) {
		t.Errorf("GetJSON of the whole document: %s, %v", j, err)
	}
	checkStatus := func(what string, err error, want error) {
		t.Helper()
		others := []error{webraft.ErrMissing, webraft.ErrWrongType, webraft.ErrInvalidArgument, webraft.ErrNullArgument}
		for _, s := range others {
			if errors.Is(err, s) != (s == want) {
				t.Errorf("%s: errors.Is(%v, %v) = %v", what, err, s, !(s == want))
			}
		}
	}
	_, err = reply.GetString("/choices/7")
	checkStatus("missing string", err, webraft.ErrMissing)
	_, err = reply.GetNumber("/choices/0/message/content")
	checkStatus("string as number", err, webraft.ErrWrongType)
	_, err = reply.GetBool("/usage")
	checkStatus("object as bool", err, webraft.ErrWrongType)
	_, err = reply.GetString("choices")
	checkStatus("pointer without /", err, webraft.ErrInvalidArgument)
	_, err = reply.GetJSON("/a\x00b")
	checkStatus("NUL in the pointer", err, webraft.ErrInvalidArgument)
	if j, err := reply.GetJSON("/nope"); !errors.Is(err, webraft.ErrMissing) || j != nil {
		t.Errorf("missing JSON: %s, %v", j, err)
	}
	var e *webraft.Error
	if _, err := reply.GetString("/model/x"); !errors.As(err, &e) || e.Status != webraft.StatusMissing || !strings.Contains(e.Message, `"/model/x"`) {
		t.Errorf("error names the pointer: %#v", err)
	}
	// A completion the binding did not make has no library result behind it.
	_, err = (&webraft.ChatCompletion{}).GetString("/id")
	checkStatus("hand-made completion", err, webraft.ErrNullArgument)
	var none *webraft.ChatCompletion
	if none.ToolCalls() != nil || none.FinishReason() != "" || none.Refusal() != "" {
		t.Error("a nil completion has accessors")
	}

	// Chunks: the same reads on their JSON.
	stream, err := c.ChatStream(ctxFor(t), userRequest("gpt-4o", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	var roles, finishes int
	for chunk, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		if s, err := chunk.GetString("/choices/0/delta/content"); err == nil {
			text.WriteString(s)
		} else if !errors.Is(err, webraft.ErrMissing) {
			t.Errorf("delta content: %v", err)
		}
		if role, _ := chunk.GetString("/choices/0/delta/role"); role == "assistant" {
			roles++
		}
		if reason, err := chunk.GetJSON("/choices/0/finish_reason"); err == nil && string(reason) == `"stop"` {
			finishes++
		}
		if idx, err := chunk.GetNumber("/choices/0/index"); err != nil || idx != 0 {
			t.Errorf("index: %v, %v", idx, err)
		}
		_, err = chunk.GetBool("/choices/0/index")
		checkStatus("chunk number as bool", err, webraft.ErrWrongType)
	}
	if text.String() != "Hello! You said: hi" || roles != 1 || finishes != 1 {
		t.Errorf("from chunks: %q, %d role, %d finish", text.String(), roles, finishes)
	}
	if b, err := (webraft.Chunk{JSON: json.RawMessage(`{"a":{"b~c":[true]}}`)}).GetBool("/a/b~0c/0"); err != nil || !b {
		t.Errorf("escaped pointer: %v, %v", b, err)
	}
	_, err = webraft.Chunk{}.GetString("/x")
	checkStatus("chunk without JSON", err, webraft.ErrNullArgument)
	if _, err := (webraft.Chunk{JSON: json.RawMessage(`{"a":`)}).GetString("/a"); !errors.Is(err, webraft.ErrInvalidJSON) {
		t.Errorf("bad chunk JSON: %v", err)
	}
}

// stream_usage from the client config, the per-request option and the
// conversation; the usage arrives in the last chunk and the completion.
func TestStreamUsage(t *testing.T) {
	usage := func(c *webraft.Client, req any, opts ...webraft.Option) (*webraft.Usage, float64) {
		t.Helper()
		stream, err := c.ChatStream(ctxFor(t), req, opts...)
		if err != nil {
			t.Fatal(err)
		}
		var fromChunk float64
		for chunk, err := range stream.All() {
			if err != nil {
				t.Fatal(err)
			}
			if n, err := chunk.GetNumber("/usage/total_tokens"); err == nil {
				fromChunk = n
			}
		}
		reply, err := stream.Completion()
		if err != nil {
			t.Fatal(err)
		}
		return reply.Usage, fromChunk
	}
	plain := newClient(t, "/v1", webraft.Config{})
	counting := newClient(t, "/v1", webraft.Config{StreamUsage: true})
	req := userRequest("gpt-4o", "hi")
	if u, n := usage(plain, req); u != nil || n != 0 {
		t.Errorf("usage without asking: %+v, %v", u, n)
	}
	for name, u := range map[string]func() (*webraft.Usage, float64){
		"config": func() (*webraft.Usage, float64) { return usage(counting, req) },
		"option": func() (*webraft.Usage, float64) { return usage(plain, req, webraft.WithStreamUsage(true)) },
		"/v2 config": func() (*webraft.Usage, float64) {
			return usage(newClient(t, "/v2", webraft.Config{StreamUsage: true}), req)
		},
		"conversation": func() (*webraft.Usage, float64) { return usage(plain, helloConversation(t, true)) },
	} {
		if got, n := u(); got == nil || got.TotalTokens == 0 || float64(got.TotalTokens) != n {
			t.Errorf("%s: usage %+v, last chunk says %v", name, got, n)
		}
	}
	if u, _ := usage(counting, req, webraft.WithStreamUsage(false)); u != nil {
		t.Errorf("the option did not override the config: %+v", u)
	}
}

func helloConversation(t *testing.T, streamUsage bool) *webraft.Conversation {
	conv := webraft.NewConversation()
	t.Cleanup(conv.Close)
	conv.SetModel("gpt-4o")
	conv.SetStreamUsage(streamUsage)
	conv.AddUser("hi")
	return conv
}

// A failure of a method that returns nothing is recorded: Err reports the
// first one and sending fails with it, before any request starts.
func TestConversationRecordsFailures(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	cases := []struct {
		name     string
		spoil    func(*webraft.Conversation)
		sentinel error
	}{
		{"invalid UTF-8", func(conv *webraft.Conversation) { conv.AddUser("\xff") }, webraft.ErrInvalidUTF8},
		{"NUL in text", func(conv *webraft.Conversation) { conv.AddToolResult("call_1", "a\x00b") }, webraft.ErrInvalidArgument},
		{"stream param", func(conv *webraft.Conversation) { conv.SetParam("stream", "true") }, webraft.ErrInvalidArgument},
		{"bad param JSON", func(conv *webraft.Conversation) { conv.SetParam("seed", "{") }, webraft.ErrInvalidJSON},
		{"tool choice that does not encode", func(conv *webraft.Conversation) { conv.SetToolChoice(func() {}) }, nil},
		{"NaN temperature", func(conv *webraft.Conversation) { conv.SetTemperature(math.NaN()) }, webraft.ErrInvalidArgument},
		{"negative max tokens", func(conv *webraft.Conversation) { conv.SetMaxTokens(-1) }, webraft.ErrInvalidArgument},
		{"nil reply", func(conv *webraft.Conversation) { conv.AddAssistantTurn(nil) }, webraft.ErrNullArgument},
		{"failed reply", func(conv *webraft.Conversation) {
			reply, _ := newClient(t, "/v1", webraft.Config{APIKey: "wrong-key"}).Chat(ctxFor(t), conv)
			conv.AddAssistantTurn(reply)
		}, webraft.ErrInvalidArgument},
		{"closed", func(conv *webraft.Conversation) { conv.Close(); conv.AddUser("x") }, webraft.ErrConversationClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conv := helloConversation(t, false)
			tc.spoil(conv)
			conv.AddUser("a later failure is not the one reported\xff")
			err := conv.Err()
			if err == nil || (tc.sentinel != nil && !errors.Is(err, tc.sentinel)) || errors.Is(err, webraft.ErrInvalidUTF8) != (tc.sentinel == webraft.ErrInvalidUTF8) {
				t.Fatalf("Err() = %v, want %v", err, tc.sentinel)
			}
			want := err
			if tc.sentinel == webraft.ErrConversationClosed {
				want = webraft.ErrConversationClosed
			}
			requests := webraft.LiveRequests()
			if _, sendErr := c.Chat(ctxFor(t), conv); sendErr != want {
				t.Errorf("Chat: %v, want %v", sendErr, want)
			}
			if _, sendErr := c.ChatStream(ctxFor(t), conv); sendErr != want {
				t.Errorf("ChatStream: %v, want %v", sendErr, want)
			}
			if webraft.LiveRequests() != requests {
				t.Error("a spoilt conversation started a request")
			}
		})
	}
	// Loading a dialogue replaces everything, the recorded failure too.
	conv := helloConversation(t, false)
	conv.AddUser("\xff")
	if err := json.Unmarshal([]byte(`[{"role":"user","content":"again"}]`), conv); err != nil || conv.Err() != nil {
		t.Fatalf("load: %v, Err %v", err, conv.Err())
	}
	conv.SetModel("gpt-4o")
	if reply, err := c.Chat(ctxFor(t), conv); err != nil || reply.Text() != "Hello! You said: again" {
		t.Errorf("after loading: %v, %v", reply, err)
	}
	conv.Close()
	conv.Close()
	if err := json.Unmarshal([]byte(`[]`), conv); !errors.Is(err, webraft.ErrConversationClosed) || conv.Len() != 0 {
		t.Errorf("load into a closed conversation: %v", err)
	}
	if _, err := json.Marshal(conv); !errors.Is(err, webraft.ErrConversationClosed) {
		t.Errorf("export a closed conversation: %v", err)
	}
	if err := conv.AddImageBytes(onePixelPNG, ""); !errors.Is(err, webraft.ErrConversationClosed) {
		t.Errorf("image on a closed conversation: %v", err)
	}
}

// A started request took a copy of the conversation; goroutines may share
// one conversation; an unclosed conversation and kept results are freed by
// cleanups.
func TestConversationConcurrencyAndCleanup(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	// In a function of its own, so that none of its results stays reachable.
	shareOneConversation(t, c)
	for range 20 {
		leaked := webraft.NewConversation()
		leaked.AddUser("never closed")
		if _, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "dropped")); err != nil {
			t.Error(err)
		}
	}
	waitUntil(t, "unclosed conversations and dropped results to be freed", func() bool {
		runtime.GC()
		return webraft.LiveConversations() == 0 && webraft.LiveResults() == 0
	})
	checkNoLeaks(t)
}

func shareOneConversation(t *testing.T, c *webraft.Client) {
	conv := webraft.NewConversation()
	defer conv.Close()
	conv.SetModel("gpt-4o")
	conv.AddUser("hi")
	stream, err := c.ChatStream(ctxFor(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	conv.AddUser("changed after the start")
	if reply, err := stream.Completion(); err != nil || reply.Text() != "Hello! You said: hi" {
		t.Errorf("the started request saw a later change: %v, %v", reply, err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			conv.AddUser(fmt.Sprint("message ", i))
		}()
		go func() {
			defer wg.Done()
			reply, err := c.Chat(ctxFor(t), conv)
			if err == nil && !strings.HasPrefix(reply.Text(), "Hello! You said: ") {
				err = fmt.Errorf("reply %q", reply.Text())
			}
			if err == nil {
				_, err = json.Marshal(conv)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if conv.Len() != 10 {
		t.Errorf("Len %d after 8 concurrent adds", conv.Len())
	}
}
