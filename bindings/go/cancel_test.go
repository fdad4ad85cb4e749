package webraft_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

// promptly is the bound for a cancelled call to return.
const promptly = 50 * time.Millisecond

func TestCancelMidStream(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// "slow" pauses 100 ms before every event, so the stream is mid-flight for a second.
	stream, err := c.ChatStream(ctx, userRequest("slow", "one two three four five six seven eight"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if !stream.Next() {
			t.Fatalf("stream ended early: %v", stream.Err())
		}
	}
	cancelPromptly(t, cancel, stream.Next)
	err = stream.Err()
	if !errors.Is(err, context.Canceled) || !errors.Is(err, webraft.ErrCancelled) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err() = %#v", err)
	}
	partial, err := stream.Completion()
	if partial == nil || partial.Text() != "Hello! " || !errors.Is(err, context.Canceled) {
		t.Errorf("partial completion %+v, %v", partial, err)
	}
	checkNoLeaks(t)
}

func TestDeadlineMidStream(t *testing.T) {
	c := newClient(t, "/v2", webraft.Config{})
	deadline := time.Now().Add(350 * time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	stream, err := c.ChatStream(ctx, userRequest("slow", "one two three four five six seven eight"))
	if err != nil {
		t.Fatal(err)
	}
	chunks := 0
	for stream.Next() {
		chunks++
	}
	late := time.Since(deadline)
	t.Logf("stream ended %v after the deadline", late)
	if late > promptly {
		t.Errorf("stream ended %v after the deadline", late)
	}
	if chunks == 0 || chunks > 4 {
		t.Errorf("%d chunks before a 350 ms deadline at 100 ms per chunk", chunks)
	}
	if err := stream.Err(); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, webraft.ErrCancelled) {
		t.Errorf("Err() = %#v", err)
	}
	checkNoLeaks(t)
}

func TestChatCancelAndDeadline(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := c.Chat(ctx, userRequest("stall-headers", "x"))
	deadline, _ := ctx.Deadline()
	if late := time.Since(deadline); late > promptly {
		t.Errorf("Chat returned %v after the deadline", late)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, webraft.ErrCancelled) {
		t.Errorf("err = %#v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancelledAt := make(chan time.Time, 1)
	go func() {
		// Cancel once the request is likely running; the check below holds either way.
		time.Sleep(100 * time.Millisecond)
		cancelledAt <- time.Now()
		cancel()
	}()
	_, err = c.Do(ctx, "POST", "/chat/completions", []byte(`{"model":"stall-headers","messages":[{"role":"user","content":"x"}]}`))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Do err = %#v", err)
	}
	if took := time.Since(<-cancelledAt); took > promptly {
		t.Errorf("Do returned %v after cancel", took)
	}

	// A context that ended before the call: nothing is started.
	_, err = c.Chat(ctx, userRequest("gpt-4o", "x"))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, webraft.ErrCancelled) {
		t.Errorf("dead context: %#v", err)
	}
	if _, err = c.ChatStream(ctx, userRequest("gpt-4o", "x")); !errors.Is(err, context.Canceled) {
		t.Errorf("dead context stream: %#v", err)
	}
	checkNoLeaks(t)
}

// waitFull waits until the chunk callback is blocked on a full channel.
func waitFull(t *testing.T, s *webraft.Stream) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, capacity := s.BufferedChunks()
		if n == capacity {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("channel never filled: %d of %d", n, capacity)
		}
		time.Sleep(time.Millisecond)
	}
}

// A reader that stops reading blocks the chunk callback (backpressure);
// Close and cancel must still end the stream at once.
func TestBackpressureThenClose(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	stream, err := c.ChatStream(ctxFor(t), userRequest("big-chunks-5000", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Next() {
		t.Fatal(stream.Err())
	}
	waitFull(t, stream)
	start := time.Now()
	stream.Close()
	took := time.Since(start)
	t.Logf("Close took %v with a blocked callback", took)
	if took > promptly {
		t.Errorf("Close took %v with a blocked callback", took)
	}
	if err := stream.Err(); err != nil {
		t.Errorf("Err() after Close = %v", err)
	}
	partial, err := stream.Completion()
	if err != nil || partial.Chunks >= 5000 || partial.Chunks < 2 {
		t.Errorf("partial: %d chunks, %v", partial.Chunks, err)
	}
	stream.Close() // idempotent
	if stream.Next() {
		t.Error("Next after Close returned true")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err = c.ChatStream(ctx, userRequest("big-chunks-5000", "x"))
	if err != nil {
		t.Fatal(err)
	}
	waitFull(t, stream)
	start = time.Now()
	cancel()
	if stream.Next() {
		t.Error("Next after cancel returned true")
	}
	if took := time.Since(start); took > promptly {
		t.Errorf("cancel took %v with a blocked callback", took)
	}
	if !errors.Is(stream.Err(), context.Canceled) {
		t.Errorf("Err() = %v", stream.Err())
	}
	checkNoLeaks(t)
}

// Close from another goroutine wakes a reader blocked in Next.
func TestCloseFromAnotherGoroutine(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	stream, err := c.ChatStream(ctxFor(t), userRequest("stall-body", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Next() { // the role chunk; then the server holds the body
		t.Fatal(stream.Err())
	}
	ended := make(chan bool)
	go func() { ended <- stream.Next() }()
	time.Sleep(20 * time.Millisecond) // let the reader block; the check below holds either way
	start := time.Now()
	stream.Close()
	if <-ended {
		t.Error("Next returned a chunk")
	}
	if took := time.Since(start); took > promptly {
		t.Errorf("took %v", took)
	}
	if err := stream.Err(); err != nil {
		t.Errorf("Err() after Close = %v", err)
	}
	checkNoLeaks(t)
}

func TestIteratorBreakClosesStream(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	stream, err := c.ChatStream(ctxFor(t), userRequest("big-chunks-5000", "x"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range stream.All() {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	if stream.Next() {
		t.Error("stream still open after break")
	}
	checkNoLeaks(t)
}

func TestClientCloseWithRequestsInFlight(t *testing.T) {
	c, err := webraft.NewClient(webraft.Config{BaseURL: serverURL + "/v1", APIKey: "test-key"})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := c.ChatStream(ctxFor(t), userRequest("slow", "a b c d e f"))
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Next() {
		t.Fatal(stream.Err())
	}
	c.Close()
	c.Close()
	for stream.Next() {
	}
	if err := stream.Err(); !errors.Is(err, webraft.ErrCancelled) || errors.Is(err, context.Canceled) {
		t.Errorf("stream after client Close: %#v", err)
	}
	if _, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "x")); !errors.Is(err, webraft.ErrClientClosed) {
		t.Errorf("Chat after Close: %v", err)
	}
	if _, err := c.ChatStream(ctxFor(t), userRequest("gpt-4o", "x")); !errors.Is(err, webraft.ErrClientClosed) {
		t.Errorf("ChatStream after Close: %v", err)
	}
	if _, err := c.Do(ctxFor(t), "GET", "/models", nil); !errors.Is(err, webraft.ErrClientClosed) {
		t.Errorf("Do after Close: %v", err)
	}
	checkNoLeaks(t)
}

func TestChatStreamFunc(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	var text string
	reply, err := c.ChatStreamFunc(ctxFor(t), userRequest("gpt-4o", "callback"), func(chunk webraft.Chunk) error {
		text += chunk.Text
		return nil
	})
	if err != nil || text != "Hello! You said: callback" || reply.Text() != text {
		t.Errorf("text %q, reply %q, %v", text, reply.Text(), err)
	}

	// An error from fn stops the stream and comes back as is.
	errEnough := errors.New("enough")
	calls := 0
	reply, err = c.ChatStreamFunc(ctxFor(t), userRequest("big-chunks-1000", "x"), func(webraft.Chunk) error {
		if calls++; calls == 3 {
			return errEnough
		}
		return nil
	})
	if err != errEnough || calls != 3 || reply == nil || reply.Chunks != 3 {
		t.Errorf("stop by error: calls %d, err %v, reply %+v", calls, err, reply)
	}

	// A context deadline stops it too.
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	_, err = c.ChatStreamFunc(ctx, userRequest("slow", "a b c d e f g h"), func(webraft.Chunk) error { return nil })
	deadline, _ := ctx.Deadline()
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(deadline) > promptly {
		t.Errorf("deadline: %v, %v after it", err, time.Since(deadline))
	}
	checkNoLeaks(t)
}

// A panic in the user's callback (running on a library thread, inside a C
// call) must not unwind through C: it is raised again in the caller.
func TestPanicInCallbackIsRaisedInCaller(t *testing.T) {
	c := newClient(t, "/v1", webraft.Config{})
	var calls atomic.Int32
	recovered := func() (p any) {
		defer func() { p = recover() }()
		c.ChatStreamFunc(ctxFor(t), userRequest("big-chunks-1000", "x"), func(webraft.Chunk) error {
			if calls.Add(1) == 2 {
				panic(fmt.Sprintf("boom in chunk %d", 2))
			}
			return nil
		})
		return nil
	}()
	if recovered != "boom in chunk 2" {
		t.Errorf("recovered %v", recovered)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("callback ran %d times; the panic should have stopped the stream at 2", n)
	}
	// The client is still fine.
	if reply, err := c.Chat(ctxFor(t), userRequest("gpt-4o", "after")); err != nil || reply.Text() != "Hello! You said: after" {
		t.Errorf("after the panic: %v", err)
	}
	checkNoLeaks(t)
}
