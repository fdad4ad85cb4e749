package webraft_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

func TestSeedErrors(t *testing.T) {
	cases := []struct {
		base, key       string
		status          int
		message, errTyp string
		code            string
	}{
		{"/v1", "wrong-key", 401, "Wrong Api key", "invalid_request_error", "invalid_api_key"},
		{"/v2", "wrong-key", 401, "Wrong Api key", "invalid_request_error", "401"},
		{"/v1", "no-credits-key", 402, "Insufficient Credits", "insufficient_quota", "insufficient_quota"},
		{"/freeapi", "no-credits-key", 402, "Insufficient Credits", "insufficient_quota", "402"},
	}
	for _, tc := range cases {
		t.Run(tc.base+"/"+tc.key, func(t *testing.T) {
			c := newClient(t, tc.base, webraft.Config{APIKey: tc.key})
			check := func(what string, err error) {
				t.Helper()
				var apiErr *webraft.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("%s: %#v is not an *APIError", what, err)
				}
				if apiErr.StatusCode != tc.status || apiErr.Message != tc.message || apiErr.Type != tc.errTyp ||
					apiErr.Code != tc.code || !strings.HasPrefix(apiErr.RequestID, "req_") {
					t.Errorf("%s: %#v", what, apiErr)
				}
				if !errors.Is(err, webraft.ErrHTTPStatus) || errors.Is(err, webraft.ErrStreamError) || errors.Is(err, webraft.ErrCancelled) {
					t.Errorf("%s: sentinel matching is wrong for %v", what, err)
				}
				if quota := tc.status == 402; apiErr.QuotaExhausted != quota || errors.Is(err, webraft.ErrQuotaExhausted) != quota {
					t.Errorf("%s: QuotaExhausted = %v, errors.Is(ErrQuotaExhausted) = %v, want %v",
						what, apiErr.QuotaExhausted, errors.Is(err, webraft.ErrQuotaExhausted), quota)
				}
				if !strings.Contains(err.Error(), tc.message) {
					t.Errorf("%s: Error() = %q", what, err)
				}
			}
			_, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "hi"))
			check("Chat", err)
			stream, err := c.ChatStream(ctxFor(t), userRequest("gpt-4o", "hi"))
			if err != nil {
				t.Fatal(err)
			}
			if stream.Next() {
				t.Error("a refused stream yielded a chunk")
			}
			check("ChatStream", stream.Err())
			_, err = c.Do(ctxFor(t), "GET", "/models", nil)
			check("Do", err)
		})
	}
}

// Each failure class reaches Go as the right sentinel, and only that one.
func TestStatusSentinels(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{MaxRetries: webraft.Retries(0)})
	ctx := ctxFor(t)
	chatErr := func(model string, opts ...webraft.Option) error {
		_, err := c.Chat(ctx, userRequest(model, "x"), opts...)
		return err
	}
	streamErr := func(model string, opts ...webraft.Option) error {
		s, err := c.ChatStream(ctx, userRequest(model, "x"), opts...)
		if err != nil {
			return err
		}
		_, err = s.Completion()
		return err
	}
	closedPort := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}()
	unreachable := newClient(t, "", webraft.Config{BaseURL: "http://" + closedPort + "/v1"})
	_, connectErr := unreachable.Chat(ctx, userRequest("gpt-4o", "x"))
	tiny := newClient(t, "/v1", webraft.Config{MaxBodyBytes: 64})
	_, tooLargeErr := tiny.Chat(ctx, userRequest("gpt-4o", "x"))

	cases := []struct {
		name     string
		err      error
		sentinel error
	}{
		{"stall-headers, headers timeout", chatErr("stall-headers", webraft.WithHeadersTimeout(100*time.Millisecond)), webraft.ErrTimeout},
		{"stall-body, idle timeout", streamErr("stall-body", webraft.WithIdleTimeout(100*time.Millisecond)), webraft.ErrTimeout},
		{"connection refused", connectErr, webraft.ErrConnect},
		{"bad JSON chunk", streamErr("bad-json-chunk"), webraft.ErrStreamProtocol},
		{"disconnect", streamErr("disconnect"), webraft.ErrTransport},
		{"error event", streamErr("error-event"), webraft.ErrStreamError},
		{"not JSON", chatErr("not-json"), webraft.ErrInvalidResponse},
		{"body over max_body_bytes", tooLargeErr, webraft.ErrResponseTooLarge},
		{"rate limit", chatErr("rate-limit"), webraft.ErrHTTPStatus},
		{"invalid JSON body", func() error { _, err := c.Chat(ctx, []byte(`{"model":`)); return err }(), webraft.ErrInvalidJSON},
		{"body not an object", func() error { _, err := c.ChatStream(ctx, []byte(`[1]`)); return err }(), webraft.ErrInvalidArgument},
		{"NUL in body", func() error { _, err := c.Chat(ctx, []byte("{\"model\":\"a\x00\"}")); return err }(), webraft.ErrInvalidArgument},
		{"unknown option", func() error {
			_, err := c.Chat(ctx, userRequest("gpt-4o", "x"), webraft.WithHeadersTimeout(-1), func(o map[string]any) { o["bogus"] = 1 })
			return err
		}(), webraft.ErrInvalidArgument},
		{"bad config", func() error { _, err := webraft.NewClient(webraft.Config{Plan: "gold"}); return err }(), webraft.ErrInvalidConfig},
	}
	all := []error{webraft.ErrNullArgument, webraft.ErrInvalidUTF8, webraft.ErrInvalidJSON, webraft.ErrInvalidConfig,
		webraft.ErrInvalidArgument, webraft.ErrHTTPStatus, webraft.ErrTimeout, webraft.ErrConnect, webraft.ErrTLS,
		webraft.ErrCancelled, webraft.ErrStreamProtocol, webraft.ErrPanic, webraft.ErrIO, webraft.ErrTransport,
		webraft.ErrStreamError, webraft.ErrResponseTooLarge, webraft.ErrInvalidResponse, webraft.ErrInvalidState,
		webraft.ErrMissing, webraft.ErrWrongType}
	for _, tc := range cases {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, s := range all {
			if got, want := errors.Is(tc.err, s), s == tc.sentinel; got != want {
				t.Errorf("%s: errors.Is(%v, %v) = %v", tc.name, tc.err, s, got)
			}
		}
		if errors.Is(tc.err, context.Canceled) || errors.Is(tc.err, context.DeadlineExceeded) {
			t.Errorf("%s: %v claims a context ended it", tc.name, tc.err)
		}
	}
	var apiErr *webraft.APIError
	if _, err := c.Chat(ctx, []byte(`{"model":"gpt-4o","messages":[{"role":"robot","content":"x"}]}`)); !errors.As(err, &apiErr) ||
		apiErr.StatusCode != 400 || apiErr.Param != "messages[0].role" || apiErr.Type != "invalid_request_error" {
		t.Errorf("validation error: %#v", err)
	}
	var e *webraft.Error
	if err := chatErr("stall-headers", webraft.WithHeadersTimeout(50*time.Millisecond)); !errors.As(err, &e) || !strings.Contains(e.Message, "headers") {
		t.Errorf("timeout error names its clock: %#v", err)
	}
	checkNoLeaks(t)
}

// Message is the server's own message as the library reports it
// (webraft_result_server_message), and QuotaExhausted its quota verdict
// (webraft_result_is_quota_exhausted), for each way an error can arrive.
func TestServerMessageAndQuota(t *testing.T) {
	ctx := ctxFor(t)
	noRetry := webraft.Config{MaxRetries: webraft.Retries(0)}
	chat := func(base, key, model string) error {
		cfg := noRetry
		cfg.APIKey = key
		_, err := newClient(t, base, cfg).Chat(ctx, userRequest(model, "hi"))
		return err
	}
	stream := func(model string) error {
		s, err := newClient(t, "/v1", noRetry).ChatStream(ctx, userRequest(model, "hi"))
		if err != nil {
			return err
		}
		_, err = s.Completion()
		return err
	}
	empty502, _ := recordingServer(t, 502, "")
	_, emptyErr := newClient(t, "", webraft.Config{BaseURL: empty502.URL, MaxRetries: webraft.Retries(0)}).
		Chat(ctx, userRequest("m", "hi"))

	cases := []struct {
		name    string
		err     error
		status  int
		message string
		quota   bool
	}{
		{"401 wrong key", chat("/v1", "wrong-key", "gpt-4o"), 401, "Wrong Api key", false},
		{"401 wrong key, /v2 shape", chat("/v2", "wrong-key", "gpt-4o"), 401, "Wrong Api key", false},
		{"402 no-credits key", chat("/v1", "no-credits-key", "gpt-4o"), 402, "Insufficient Credits", true},
		{"402 no-credits key, /freeapi shape", chat("/freeapi", "no-credits-key", "gpt-4o"), 402, "Insufficient Credits", true},
		{"429 insufficient_quota", chat("/v1", "", "no-credits"), 429, "Insufficient Credits", true},
		{"429 rate limit", chat("/v1", "", "rate-limit"), 429, "Rate limit reached for requests. Please retry after 1 second.", false},
		{"500 plain-text body", chat("/v1", "", "plain-500"), 500, "Internal Server Error", false},
		{"502 empty body", emptyErr, 502, "", false},
		{"error inside a stream", stream("error-chunk"), 200, "upstream overloaded", false},
	}
	for _, tc := range cases {
		var apiErr *webraft.APIError
		if !errors.As(tc.err, &apiErr) {
			t.Errorf("%s: %#v is not an *APIError", tc.name, tc.err)
			continue
		}
		if apiErr.StatusCode != tc.status || apiErr.Message != tc.message {
			t.Errorf("%s: status %d, Message %q; want %d, %q", tc.name, apiErr.StatusCode, apiErr.Message, tc.status, tc.message)
		}
		if apiErr.QuotaExhausted != tc.quota || errors.Is(tc.err, webraft.ErrQuotaExhausted) != tc.quota {
			t.Errorf("%s: QuotaExhausted %v, errors.Is(ErrQuotaExhausted) %v; want %v",
				tc.name, apiErr.QuotaExhausted, errors.Is(tc.err, webraft.ErrQuotaExhausted), tc.quota)
		}
		// The quota sentinel comes on top of the status one, never instead.
		if !errors.Is(tc.err, webraft.ErrHTTPStatus) && !errors.Is(tc.err, webraft.ErrStreamError) {
			t.Errorf("%s: %v matches no status sentinel", tc.name, tc.err)
		}
	}
	// No server message: the library's description still names the failure.
	if emptyErr == nil || emptyErr.Error() != "webraft: HTTP 502 [request httptest-1]" {
		t.Errorf("empty 502: Error() = %v", emptyErr)
	}
	// A failure the server did not describe is never a quota failure.
	if err := stream("disconnect"); err == nil || errors.Is(err, webraft.ErrQuotaExhausted) {
		t.Errorf("disconnect: %v", err)
	}
	checkNoLeaks(t)
}

// The library is the one source of status values and names: for every value
// the C table could hold, the binding's name is the library's. A status the
// library gains without the binding learning it (a constant and a sentinel in
// errors.go) reads "UNKNOWN" here and fails the test.
func TestStatusNamesMatchLibrary(t *testing.T) {
	known := 0
	for v := uint32(0); v <= 63; v++ {
		want := webraft.LibraryStatusName(v)
		if got := webraft.Status(v).String(); got != want {
			t.Errorf("Status(%d).String() = %q, the library says %q", v, got, want)
		}
		if want != "UNKNOWN" {
			known++
		}
	}
	if known <= 1 {
		t.Errorf("the library names %d statuses: the helper does not reach webraft_status_name", known)
	}
}

func TestStatusNames(t *testing.T) {
	if webraft.StatusTimeout.String() != "TIMEOUT" || webraft.StatusHTTPStatus.String() != "HTTP_STATUS" || webraft.Status(999).String() != "UNKNOWN" {
		t.Errorf("names: %v %v %v", webraft.StatusTimeout, webraft.StatusHTTPStatus, webraft.Status(999))
	}
	if webraft.ErrTimeout.Error() != "webraft: TIMEOUT" {
		t.Errorf("sentinel text %q", webraft.ErrTimeout)
	}
	if v := webraft.Version(); !strings.HasPrefix(v, "0.") {
		t.Errorf("Version() = %q", v)
	}
}
