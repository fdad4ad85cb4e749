package webraft_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

// exercise runs one goroutine's share of mixed calls on a shared client and
// reports the first wrong outcome.
func exercise(c *webraft.Client, i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	text := fmt.Sprintf("goroutine %d", i)
	want := "Hello! You said: " + text
	switch i % 4 {
	case 0:
		reply, err := c.Chat(ctx, userRequest("gpt-4o", text))
		if err != nil || reply.Text() != want {
			return fmt.Errorf("Chat %d: %v %v", i, reply, err)
		}
	case 1:
		stream, err := c.ChatStream(ctx, userRequest("gpt-4o", text))
		if err != nil {
			return err
		}
		var b strings.Builder
		for chunk, err := range stream.All() {
			if err != nil {
				return err
			}
			b.WriteString(chunk.Text)
		}
		if b.String() != want {
			return fmt.Errorf("ChatStream %d: %q", i, b.String())
		}
	case 2:
		var b strings.Builder
		_, err := c.ChatStreamFunc(ctx, userRequest("gpt-4o", text), func(chunk webraft.Chunk) error {
			b.WriteString(chunk.Text)
			runtime.Gosched()
			return nil
		})
		if err != nil || b.String() != want {
			return fmt.Errorf("ChatStreamFunc %d: %q %v", i, b.String(), err)
		}
	case 3:
		// Cancel part-way through a stream.
		ctx, stop := context.WithCancel(ctx)
		stream, err := c.ChatStream(ctx, userRequest("big-chunks-200", text))
		if err != nil {
			stop()
			return err
		}
		for n := 0; stream.Next(); n++ {
			if n == 5 {
				stop()
			}
		}
		stop()
		if err := stream.Err(); !errors.Is(err, context.Canceled) {
			return fmt.Errorf("cancelled stream %d: %v", i, err)
		}
	}
	return nil
}

func runShared(t *testing.T, c *webraft.Client, goroutines int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := exercise(c, i); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestHundredGoroutinesShareOneClient(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	runShared(t, c, 100)
	checkNoLeaks(t)
}

// GC stress: a full collection in every callback and on every handle access,
// while streams, cancels and concurrent calls run. Any Go pointer held by C
// or a handle used after its release would crash or corrupt here.
func TestGCStress(t *testing.T) {
	webraft.SetGCStress(true)
	defer webraft.SetGCStress(*gcStressFlag)
	for _, base := range []string{"/v1", "/v2"} {
		c := newClient(t, base, webraft.Config{})
		runShared(t, c, 16)
		stream, err := c.ChatStream(ctxFor(t), userRequest("big-chunks-300", "x"))
		if err != nil {
			t.Fatal(err)
		}
		reply, err := stream.Completion()
		if err != nil || reply.Chunks != 302 {
			t.Errorf("big stream under GC stress: %v", err)
		}
	}
	checkNoLeaks(t)
}

// waitUntil polls cond, collecting garbage, for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

func TestClientCleanupFreesUnclosedClients(t *testing.T) {
	before, credentials := webraft.LiveClients(), webraft.LiveCredentials()
	clients := make([]*webraft.Client, 10)
	for i := range clients {
		cfg := webraft.Config{BaseURL: serverURL + "/v1", APIKey: "test-key"}
		if i%2 == 0 { // half with a credential function, which the cleanup releases too
			cfg.APIKey = "wrong-key"
			cfg.Credentials = func(webraft.CredentialRequest) (webraft.Credential, error) {
				return webraft.Credential{APIKey: "test-key"}, nil
			}
		}
		c, err := webraft.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "x")); err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	if webraft.LiveClients() != before+10 {
		t.Fatalf("live clients %d, want %d", webraft.LiveClients(), before+10)
	}
	runtime.KeepAlive(clients) // unreachable from here on
	waitUntil(t, "unreachable clients to be freed", func() bool { return webraft.LiveClients() == before })
	if webraft.LiveCredentials() != credentials {
		t.Errorf("%d credential functions still held", webraft.LiveCredentials()-credentials)
	}
}

// A client that is unreachable except through a running call must not be
// freed (which would cancel the call) before the call is done.
func TestClientKeptAliveDuringCall(t *testing.T) {
	collecting := make(chan struct{})
	defer close(collecting)
	go func() {
		for {
			select {
			case <-collecting:
				return
			default:
				runtime.GC()
				time.Sleep(time.Millisecond)
			}
		}
	}()
	newUnreferenced := func() *webraft.Client {
		c, err := webraft.NewClient(webraft.Config{BaseURL: serverURL + "/v1", APIKey: "test-key"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	reply, err := newUnreferenced().Chat(ctxFor(t), userRequest("slow", "still here"))
	if err != nil || reply.Text() != "Hello! You said: still here" {
		t.Errorf("Chat: %v", err)
	}
	stream, err := newUnreferenced().ChatStream(ctxFor(t), userRequest("slow", "a b c"))
	if err != nil {
		t.Fatal(err)
	}
	if reply, err := stream.Completion(); err != nil || reply.Text() != "Hello! You said: a b c" {
		t.Errorf("stream: %v", err)
	}
	checkNoLeaks(t)
}

// A stream dropped without Close while its callback is blocked is stopped
// and freed by its cleanup.
func TestAbandonedStreamIsFreed(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	func() {
		stream, err := c.ChatStream(ctxFor(t), userRequest("big-chunks-5000", "x"))
		if err != nil {
			t.Fatal(err)
		}
		waitFull(t, stream)
	}()
	waitUntil(t, "the abandoned stream to be freed", func() bool {
		return webraft.LiveRequests() == 0 && webraft.LiveHandles() == 0
	})
}
