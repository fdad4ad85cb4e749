package webraft_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
	"github.com/webraft/webraft/bindings/go/webrafttest"
)

// The project's test server (tests/server), started once for the whole run.
var serverURL string

var gcStressFlag = flag.Bool("gcstress", os.Getenv("WEBRAFT_GO_GC_STRESS") == "1",
	"run runtime.GC() in every callback and on every handle access, for every test")

func TestMain(m *testing.M) {
	flag.Parse()
	if *gcStressFlag {
		webraft.SetGCStress(true)
	}
	stop, err := startTestServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "webraft tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// startTestServer runs target/release/webraft-test-server (or
// $WEBRAFT_TEST_SERVER_BIN) through webrafttest, the helper users get. It
// exits when its stdin closes, so it cannot outlive a test binary that dies.
func startTestServer() (func(), error) {
	bin := os.Getenv("WEBRAFT_TEST_SERVER_BIN")
	if bin == "" {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			return nil, err
		}
		bin = filepath.Join(root, "target", "release", "webraft-test-server")
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("test server %s not found; run `cargo build --release --workspace` at the repository root", bin)
	}
	server, err := webrafttest.LaunchProgram(bin)
	if err != nil {
		return nil, err
	}
	serverURL = server.URL
	return func() { server.Close() }, nil
}

// newClient is a client of the test server at base ("/v1", "/v2", "/freeapi").
func newClient(t testing.TB, base string, cfg webraft.Config) *webraft.Client {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = serverURL + base
	}
	if cfg.APIKey == "" {
		cfg.APIKey = "test-key"
	}
	c, err := webraft.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func userRequest(model, text string) webraft.ChatRequest {
	return webraft.ChatRequest{Model: model, Messages: []webraft.Message{webraft.UserMessage(text)}}
}

// checkNoLeaks waits (bounded) until every request handle and cgo handle the
// test created has been released.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for webraft.LiveHandles() != 0 || webraft.LiveRequests() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("leak: %d cgo handles and %d requests still alive", webraft.LiveHandles(), webraft.LiveRequests())
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// cancelPromptly cancels a stream's context and checks that next, the
// stream's Next, then returns false within promptly. It returns the time of
// the cancel.
func cancelPromptly(t *testing.T, cancel context.CancelFunc, next func() bool) time.Time {
	t.Helper()
	start := time.Now()
	cancel()
	if next() {
		t.Error("Next returned an item after cancel")
	}
	took := time.Since(start)
	t.Logf("Next returned %v after cancel", took)
	if took > promptly {
		t.Errorf("Next returned %v after cancel", took)
	}
	return start
}
