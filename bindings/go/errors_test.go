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
		webraft.ErrStreamError, webraft.ErrResponseTooLarge, webraft.ErrInvalidResponse, webraft.ErrInvalidState}
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
