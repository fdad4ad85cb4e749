package webraft_test

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
	"github.com/webraft/webraft/bindings/go/webrafttest"
)

// The tests of issue #18: endpoint fallback, hedged first tokens, credential
// callbacks, live snapshots, and the provider quirks. Endpoints play their
// role through the test server's /role/<role> prefix.

func roleURL(role string) string { return serverURL + "/role/" + role + "/v1" }

// closedPortURL is a base URL nothing listens on (connection refused).
func closedPortURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String() + "/v1"
}

// streamText reads a chat stream to its end: the text of its chunks and
// the completion.
func streamText(t *testing.T, c *webraft.Client, req any) (string, *webraft.ChatCompletion, error) {
	t.Helper()
	stream, err := c.ChatStream(ctxFor(t), req)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for stream.Next() {
		text.WriteString(stream.Chunk().Text)
	}
	reply, err := stream.Completion()
	return text.String(), reply, err
}

func checkEndpoint(t *testing.T, what string, got webraft.EndpointInfo, index int, url string, tried int) {
	t.Helper()
	if got.Endpoint != index || got.EndpointURL != url || got.EndpointsTried != tried {
		t.Errorf("%s: endpoint %d %q after %d tried; want %d %q after %d", what,
			got.Endpoint, got.EndpointURL, got.EndpointsTried, index, url, tried)
	}
}

// Each failure that moves a call on (a refused connection, a dropped one,
// HTTP 5xx, no credits, a model that keeps loading) hands it to the next
// endpoint, in order, for plain and streamed calls.
func TestFallbackMovesOnInOrder(t *testing.T) {
	good := serverURL + "/v1"
	for _, first := range []string{closedPortURL(t), roleURL("down"), roleURL("failing"), roleURL("no-credits"), roleURL("loading")} {
		t.Run(first, func(t *testing.T) {
			c := newClient(t, "", webraft.Config{BaseURL: first, MaxRetries: webraft.Retries(0), LoadingRetry: webraft.NoLimit,
				Fallback: []webraft.Endpoint{{BaseURL: good}}})
			reply, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
			if err != nil || reply.Text() != "Hello! You said: hi" {
				t.Fatalf("Chat: %q, %v", reply.Text(), err)
			}
			checkEndpoint(t, "Chat", reply.EndpointInfo, 1, good, 2)
			text, reply, err := streamText(t, c, userRequest("gpt-4o", "hi"))
			if err != nil || text != "Hello! You said: hi" {
				t.Fatalf("ChatStream: %q, %v", text, err)
			}
			checkEndpoint(t, "ChatStream", reply.EndpointInfo, 1, good, 2)
		})
	}
	// All of them before the good one: tried in the order given.
	chain := []webraft.Endpoint{{BaseURL: roleURL("down")}, {BaseURL: roleURL("failing")}, {BaseURL: roleURL("no-credits")}, {BaseURL: good}}
	c := newClient(t, "", webraft.Config{BaseURL: closedPortURL(t), MaxRetries: webraft.Retries(0), Fallback: chain})
	reply, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	checkEndpoint(t, "chain", reply.EndpointInfo, 4, good, 5)

	// A server loading its model is retried for LoadingRetry (its retry-after-ms is 100 ms), then left.
	loading := newClient(t, "", webraft.Config{BaseURL: roleURL("loading"), MaxRetries: webraft.Retries(0),
		LoadingRetry: 400 * time.Millisecond, Fallback: []webraft.Endpoint{{BaseURL: good}}})
	start := time.Now()
	reply, err = loading.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	if err != nil || reply.Retries < 2 || time.Since(start) < 300*time.Millisecond {
		t.Errorf("loading: %v after %d retries in %v", err, reply.Retries, time.Since(start))
	}
	checkEndpoint(t, "loading", reply.EndpointInfo, 1, good, 2)
	checkNoLeaks(t)
}

// Without an endpoint that answers, the error is the last endpoint's; a
// failure that is not about the endpoint (a refused key) ends the call at once.
func TestFallbackStopsWhereItShould(t *testing.T) {
	failing, noCredits := roleURL("failing"), roleURL("no-credits")
	c := newClient(t, "", webraft.Config{BaseURL: failing, MaxRetries: webraft.Retries(0), Fallback: []webraft.Endpoint{{BaseURL: noCredits}}})
	_, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	var apiErr *webraft.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, webraft.ErrQuotaExhausted) {
		t.Fatalf("every endpoint failing: %v", err)
	}
	checkEndpoint(t, "all failing", apiErr.EndpointInfo, 1, noCredits, 2)

	refused := newClient(t, "/v1", webraft.Config{APIKey: "wrong-key", MaxRetries: webraft.Retries(0),
		Fallback: []webraft.Endpoint{{BaseURL: serverURL + "/v1", APIKey: "test-key"}}})
	_, err = refused.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("a refused key: %v", err)
	}
	checkEndpoint(t, "401", apiErr.EndpointInfo, 0, serverURL+"/v1", 1)
}

// A fallback endpoint's own key, model and headers go with the request
// sent there; NoAPIKey sends no key at all.
func TestFallbackEndpointSettings(t *testing.T) {
	c := newClient(t, "", webraft.Config{BaseURL: roleURL("failing"), MaxRetries: webraft.Retries(0),
		Fallback: []webraft.Endpoint{{BaseURL: serverURL + "/v1", Model: "echo-request", Headers: map[string]string{"X-Endpoint": "backup"}}}})
	reply, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	var echo struct {
		Headers map[string]string `json:"headers"`
		Body    struct {
			Model string `json:"model"`
		} `json:"body"`
	}
	if err := json.Unmarshal([]byte(reply.Text()), &echo); err != nil {
		t.Fatalf("%v in %q", err, reply.Text())
	}
	if echo.Body.Model != "echo-request" || echo.Headers["x-endpoint"] != "backup" || echo.Headers["authorization"] != "Bearer test-key" {
		t.Errorf("the fallback endpoint got %+v", echo)
	}

	keyless := newClient(t, "", webraft.Config{BaseURL: roleURL("failing"), MaxRetries: webraft.Retries(0),
		Fallback: []webraft.Endpoint{{BaseURL: serverURL + "/v1", NoAPIKey: true}}})
	_, err = keyless.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	var apiErr *webraft.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Endpoint != 1 {
		t.Errorf("NoAPIKey: %v", err)
	}
}

// A stream that broke after its first chunk stays on its endpoint.
func TestFallbackNeverAfterTheFirstChunk(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{MaxRetries: webraft.Retries(0),
		Fallback: []webraft.Endpoint{{BaseURL: serverURL + "/v1", Model: "gpt-4o"}}})
	text, reply, err := streamText(t, c, userRequest("disconnect", "hi"))
	if !errors.Is(err, webraft.ErrTransport) || text != "Hello there" {
		t.Fatalf("%q, %v", text, err)
	}
	checkEndpoint(t, "cut stream", reply.EndpointInfo, 0, serverURL+"/v1", 1)
}

// debugStats reads the mock's counters.
func debugStats(t *testing.T, mock *webrafttest.Server) (requests, abandoned int) {
	t.Helper()
	resp, err := http.Get(mock.URL + "/debug/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats struct{ Requests, Abandoned int }
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	return stats.Requests, stats.Abandoned
}

// waitAbandoned waits (bounded) until the mock has seen n replies abandoned.
func waitAbandoned(t *testing.T, mock *webrafttest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, abandoned := debugStats(t, mock)
		if abandoned == n {
			return
		}
		if abandoned > n || time.Now().After(deadline) {
			t.Fatalf("the mock saw %d replies abandoned, want %d", abandoned, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A slow first token starts the request on the next endpoint too; the
// first to deliver wins, only its chunks reach the caller, and the loser's
// server sees the client leave.
func TestHedgeWinnerOnly(t *testing.T) {
	mock := webrafttest.Start(t)
	c := newClient(t, "", webraft.Config{BaseURL: mock.BaseURL("/role/first-chunk-3000/v1"), MaxRetries: webraft.Retries(0),
		Hedge: 100 * time.Millisecond, Fallback: []webraft.Endpoint{{BaseURL: mock.BaseURL("/v1")}}})
	start := time.Now()
	var chunks []string
	reply, err := c.ChatStreamFunc(ctxFor(t), userRequest("gpt-4o", "hi"), func(ch webraft.Chunk) error {
		chunks = append(chunks, ch.Text)
		return nil
	})
	if err != nil || strings.Join(chunks, "") != "Hello! You said: hi" || reply.Text() != "Hello! You said: hi" {
		t.Fatalf("chunks %q, reply %q, %v", chunks, reply.Text(), err)
	}
	if reply.Chunks != len(chunks) {
		t.Errorf("the reply counts %d chunks, the callback got %d", reply.Chunks, len(chunks))
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the hedged stream took %v", took)
	}
	checkEndpoint(t, "stream", reply.EndpointInfo, 1, mock.BaseURL("/v1"), 2)
	waitAbandoned(t, mock, 1)

	// A plain call hedges on its headers.
	plain, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	if err != nil || plain.Text() != "Hello! You said: hi" {
		t.Fatalf("plain: %q, %v", plain.Text(), err)
	}
	checkEndpoint(t, "plain", plain.EndpointInfo, 1, mock.BaseURL("/v1"), 2)
	waitAbandoned(t, mock, 2)
	checkNoLeaks(t)
}

// The first endpoint can win its own hedge: the second is then the loser.
func TestHedgeFirstEndpointWins(t *testing.T) {
	mock := webrafttest.Start(t)
	first := mock.BaseURL("/role/first-chunk-400/v1")
	c := newClient(t, "", webraft.Config{BaseURL: first, MaxRetries: webraft.Retries(0), Hedge: 100 * time.Millisecond,
		Fallback: []webraft.Endpoint{{BaseURL: mock.BaseURL("/role/first-chunk-4000/v1")}}})
	text, reply, err := streamText(t, c, userRequest("gpt-4o", "hi"))
	if err != nil || text != "Hello! You said: hi" {
		t.Fatalf("%q, %v", text, err)
	}
	checkEndpoint(t, "first wins", reply.EndpointInfo, 0, first, 2)
	waitAbandoned(t, mock, 1)
}

// credentialLog records what a CredentialFunc was asked.
type credentialLog struct {
	mu   sync.Mutex
	asks []webraft.CredentialRequest
}

func (l *credentialLog) record(req webraft.CredentialRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asks = append(l.asks, req)
}

func (l *credentialLog) list() []webraft.CredentialRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.asks)
}

// Every attempt asks for its credential: each retry and each fallback
// endpoint, with the endpoint's index and URL; what it gives is what is sent.
func TestCredentialsPerAttempt(t *testing.T) {
	var log credentialLog
	good := serverURL + "/v1"
	c := newClient(t, "", webraft.Config{BaseURL: roleURL("failing"), APIKey: "wrong-key", MaxRetries: webraft.Retries(1),
		Fallback: []webraft.Endpoint{{BaseURL: good, APIKey: "also-wrong"}},
		Credentials: func(req webraft.CredentialRequest) (webraft.Credential, error) {
			log.record(req)
			return webraft.Credential{APIKey: "test-key"}, nil
		}})
	reply, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
	if err != nil || reply.Text() != "Hello! You said: hi" {
		t.Fatalf("%q, %v", reply.Text(), err)
	}
	want := []webraft.CredentialRequest{{0, roleURL("failing")}, {0, roleURL("failing")}, {1, good}}
	if got := log.list(); !reflect.DeepEqual(got, want) {
		t.Errorf("asked %v, want %v", got, want)
	}
	if reply.Retries != 1 {
		t.Errorf("retries %d", reply.Retries)
	}

	// Any header instead of the key; the zero Credential sends the configured key.
	for name, cred := range map[string]webraft.Credential{
		"header": {Headers: map[string]string{"Authorization": "Bearer test-key"}},
		"zero":   {},
	} {
		hc := newClient(t, "/v1", webraft.Config{APIKey: map[string]string{"header": "wrong-key", "zero": "test-key"}[name],
			Credentials: func(webraft.CredentialRequest) (webraft.Credential, error) { return cred, nil }})
		if reply, err := hc.Chat(ctxFor(t), userRequest("gpt-4o", "hi")); err != nil || reply.Text() != "Hello! You said: hi" {
			t.Errorf("%s: %v", name, err)
		}
	}
	checkNoLeaks(t)
}

// A credential function's error, panic or unsendable value ends the call
// cleanly: ErrCredentials, its message, no retry and no fallback.
func TestCredentialsFailure(t *testing.T) {
	cases := map[string]struct {
		fn      webraft.CredentialFunc
		message string
	}{
		"error": {func(webraft.CredentialRequest) (webraft.Credential, error) {
			return webraft.Credential{}, errors.New("the token service is down")
		}, "the token service is down"},
		"panic": {func(webraft.CredentialRequest) (webraft.Credential, error) { panic("boom") }, "panicked: boom"},
		"bad key": {func(webraft.CredentialRequest) (webraft.Credential, error) {
			return webraft.Credential{APIKey: "secret\r\nX-Injected: 1"}, nil
		}, "API key that cannot be sent"},
		"bad header": {func(webraft.CredentialRequest) (webraft.Credential, error) {
			return webraft.Credential{Headers: map[string]string{"api-key": "secret\n"}}, nil
		}, `header "api-key" that cannot be sent`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var asked atomic.Int32
			c := newClient(t, "/v1", webraft.Config{MaxRetries: webraft.Retries(2), Fallback: []webraft.Endpoint{{BaseURL: serverURL + "/v1"}},
				Credentials: func(req webraft.CredentialRequest) (webraft.Credential, error) {
					asked.Add(1)
					return tc.fn(req)
				}})
			_, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
			var e *webraft.Error
			if !errors.Is(err, webraft.ErrCredentials) || !errors.As(err, &e) || !strings.Contains(e.Message, tc.message) {
				t.Fatalf("%v", err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the message shows the credential: %v", err)
			}
			if asked.Load() != 1 || e.EndpointsTried > 1 {
				t.Errorf("asked %d times, %d endpoints tried", asked.Load(), e.EndpointsTried)
			}
			if webraft.StatusCredentials.String() != "CREDENTIALS" {
				t.Errorf("status name %q", webraft.StatusCredentials)
			}
		})
	}
	checkNoLeaks(t)
}

// extends reports whether snapshot b continues snapshot a: strings grow
// at their end, arrays and objects keep what they had (each member extended).
func extends(a, b any) bool {
	switch a := a.(type) {
	case string:
		s, ok := b.(string)
		return ok && strings.HasPrefix(s, a)
	case []any:
		arr, ok := b.([]any)
		if !ok || len(arr) < len(a) {
			return false
		}
		for i := range a {
			if !extends(a[i], arr[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		obj, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range a {
			if w, found := obj[k]; !found || !extends(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// snapshotChecker checks a sequence of snapshots: each is valid JSON and
// extends the one before; it counts the distinct ones.
type snapshotChecker struct {
	t        *testing.T
	last     any
	distinct int
	lastText string
}

func (c *snapshotChecker) see(snapshot json.RawMessage) {
	c.t.Helper()
	if snapshot == nil || string(snapshot) == c.lastText {
		return
	}
	var value any
	if err := json.Unmarshal(snapshot, &value); err != nil {
		c.t.Fatalf("snapshot %s is not valid JSON: %v", snapshot, err)
	}
	if c.distinct > 0 && !extends(c.last, value) {
		c.t.Errorf("snapshot %s does not extend %s", snapshot, c.lastText)
	}
	c.last, c.lastText = value, string(snapshot)
	c.distinct++
}

const jsonContent = `{"name":"Ada","tags":["x","y"],"age":36,"ok":true}`

// While a stream arrives its snapshot is valid JSON that only grows; the
// final one is the whole content.
func TestStreamSnapshots(t *testing.T) {
	mock := webrafttest.Start(t, "--chunk-delay", "20")
	c := mockClient(t, mock, webraft.Config{})
	stream, err := c.ChatStream(ctxFor(t), userRequest("json-content", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	check := snapshotChecker{t: t}
	for stream.Next() {
		check.see(stream.Snapshot().Content)
	}
	reply, err := stream.Completion()
	if err != nil || reply.Text() != jsonContent {
		t.Fatalf("%q, %v", reply.Text(), err)
	}
	final := stream.Snapshot()
	check.see(final.Content)
	if string(final.Content) != jsonContent || check.distinct < 3 {
		t.Errorf("final %s after %d distinct snapshots", final.Content, check.distinct)
	}

	// Tool-call arguments, one snapshot per call.
	stream, err = c.ChatStream(ctxFor(t), userRequest("tools", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	args := snapshotChecker{t: t}
	for stream.Next() {
		if s := stream.Snapshot(); len(s.ToolArguments) > 0 {
			args.see(s.ToolArguments[0])
		}
	}
	if _, err := stream.Completion(); err != nil {
		t.Fatal(err)
	}
	if s := stream.Snapshot(); s.Content != nil || len(s.ToolArguments) != 1 || string(s.ToolArguments[0]) != `{"city":"Paris"}` {
		t.Errorf("tool snapshot %+v", s)
	}
	// Text that is not JSON has no snapshot.
	if _, _, err := streamText(t, c, userRequest("gpt-4o", "hi")); err != nil {
		t.Fatal(err)
	}
	checkNoLeaks(t)
}

// A PartialJSON fed a stream's delta text gives the same snapshots.
func TestPartialJSON(t *testing.T) {
	p := webraft.NewPartialJSON()
	defer p.Close()
	check := snapshotChecker{t: t}
	reply, err := newClient(t, "/v2", webraft.Config{}).ChatStreamFunc(ctxFor(t), userRequest("json-content", "hi"),
		func(ch webraft.Chunk) error {
			changed, err := p.Push(ch.Text)
			if changed {
				check.see(p.Snapshot())
			}
			return err
		})
	if err != nil || reply.Text() != jsonContent {
		t.Fatalf("%q, %v", reply.Text(), err)
	}
	if string(p.Snapshot()) != jsonContent || check.distinct < 3 {
		t.Errorf("snapshot %s after %d", p.Snapshot(), check.distinct)
	}

	// A number is complete only at the end of the document; a dangling key is dropped.
	q := webraft.NewPartialJSON()
	for _, step := range []struct{ piece, want string }{
		{`{"a":[1,"b`, `{"a":[1,"b"]}`}, {`c"],"n":4`, `{"a":[1,"bc"]}`}, {`2,"k`, `{"a":[1,"bc"],"n":42}`},
	} {
		if _, err := q.Push(step.piece); err != nil || string(q.Snapshot()) != step.want {
			t.Errorf("after %q: %s, %v; want %s", step.piece, q.Snapshot(), err, step.want)
		}
	}
	top := webraft.NewPartialJSON()
	if top.Push("12"); top.Snapshot() != nil {
		t.Errorf("an open top-level number: %s", top.Snapshot())
	}
	if changed, err := top.Finish(); !changed || err != nil || string(top.Snapshot()) != "12" {
		t.Errorf("finished: %v %v %s", changed, err, top.Snapshot())
	}
	if _, err := q.Push("\xff"); !errors.Is(err, webraft.ErrInvalidUTF8) {
		t.Errorf("invalid UTF-8: %v", err)
	}
	q.Close()
	q.Close()
	if _, err := q.Push("1"); !errors.Is(err, webraft.ErrPartialJSONClosed) || q.Snapshot() != nil {
		t.Errorf("closed: %v", err)
	}
	top.Close()
}

// Ollama sends every tool call at index 0, each with its own id: they stay
// two calls, plain and streamed.
func TestToolCallsAtTheSameIndex(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	want := []webraft.ToolCall{{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris"}`},
		{ID: "call_b", Name: "get_time", Arguments: `{"zone":"CET"}`}}
	plain, err := c.Chat(ctxFor(t), userRequest("tools-same-index", "hi"))
	if err != nil || !reflect.DeepEqual(plain.ToolCalls(), want) {
		t.Errorf("plain: %+v, %v", plain.ToolCalls(), err)
	}
	stream, err := c.ChatStream(ctxFor(t), userRequest("tools-same-index", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := stream.Completion()
	if err != nil || !reflect.DeepEqual(streamed.ToolCalls(), want) {
		t.Errorf("streamed: %+v, %v", streamed.ToolCalls(), err)
	}
	s := stream.Snapshot()
	if len(s.ToolArguments) != 2 || string(s.ToolArguments[0]) != want[0].Arguments || string(s.ToolArguments[1]) != want[1].Arguments {
		t.Errorf("snapshots %s", s.ToolArguments)
	}
}

// gzip and deflate bodies are decoded, plain and streamed (undecoded,
// they would fail as not JSON).
func TestCompressedReplies(t *testing.T) {
	for _, encoding := range []string{"gzip", "deflate"} {
		c := newClient(t, "", webraft.Config{BaseURL: roleURL(encoding)})
		reply, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
		if err != nil || reply.Text() != "Hello! You said: hi" {
			t.Errorf("%s plain: %q, %v", encoding, reply.Text(), err)
		}
		text, _, err := streamText(t, c, userRequest("gpt-4o", "hi"))
		if err != nil || text != "Hello! You said: hi" {
			t.Errorf("%s stream: %q, %v", encoding, text, err)
		}
	}
}

// The fallback endpoints and the hedge budget reach the library as its
// config keys, and the library checks them.
func TestFallbackConfig(t *testing.T) {
	cfg := webraft.Config{Hedge: 250 * time.Millisecond, Fallback: []webraft.Endpoint{
		{BaseURL: "http://127.0.0.1:2/v1", APIKey: "k2", Model: "m", Headers: map[string]string{"X-A": "a"}},
		{Plan: "free", NoAPIKey: true},
	}}
	body, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"fallback":[{"base_url":"http://127.0.0.1:2/v1","api_key":"k2","model":"m","headers":{"X-A":"a"}},{"api_key":"","plan":"free"}],"hedge_ms":250}`
	if string(body) != want {
		t.Errorf("config %s\nwant %s", body, want)
	}
	for name, bad := range map[string]webraft.Config{
		"bad plan":               {Fallback: []webraft.Endpoint{{Plan: "gold"}}},
		"no URL":                 {Fallback: []webraft.Endpoint{{APIKey: "k"}}},
		"hedge without fallback": {Hedge: time.Second},
	} {
		if _, err := webraft.NewClient(bad); !errors.Is(err, webraft.ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := webraft.NewClient(webraft.Config{Fallback: []webraft.Endpoint{{Plan: "free", APIKey: "k", NoAPIKey: true}}}); err == nil ||
		!strings.Contains(err.Error(), "both APIKey and NoAPIKey") {
		t.Errorf("APIKey with NoAPIKey: %v", err)
	}
}
