package webraft_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	webraft "github.com/webraft/webraft/bindings/go"
	"github.com/webraft/webraft/bindings/go/webrafttest"
)

// The tests below start their own mock through webrafttest, as a user's
// tests would: the repository's build when WEBRAFT_MOCK_BIN is not set.
func init() {
	if os.Getenv("WEBRAFT_MOCK_BIN") == "" {
		if root, err := filepath.Abs(filepath.Join("..", "..")); err == nil {
			os.Setenv("WEBRAFT_MOCK_BIN", filepath.Join(root, "target", "release", "webraft-mock"))
		}
	}
}

// mockClient is a client of a mock started for the test, without retries
// unless cfg asks for them.
func mockClient(t *testing.T, mock *webrafttest.Server, cfg webraft.Config) *webraft.Client {
	cfg.BaseURL = mock.BaseURL("/v1")
	cfg.APIKey = webrafttest.APIKey
	if cfg.MaxRetries == nil {
		cfg.MaxRetries = webraft.Retries(0)
	}
	return newClient(t, "", cfg)
}

func TestMockDisconnectAfterChunks(t *testing.T) {
	mock := webrafttest.Start(t, "--disconnect-after", "3")
	var text strings.Builder
	_, err := mockClient(t, mock, webraft.Config{}).ChatStreamFunc(ctxFor(t), userRequest("gpt-4o", "hi"),
		func(c webraft.Chunk) error { text.WriteString(c.Text); return nil })
	if !errors.Is(err, webraft.ErrTransport) {
		t.Fatalf("err = %v, want a transport error", err)
	}
	if text.String() != "Hello! You " {
		t.Errorf("text before the cut = %q", text.String())
	}
}

func TestMockErrorSequenceIsRetried(t *testing.T) {
	mock := webrafttest.Start(t, "--errors", "503:20ms,429:20ms")
	reply, err := mockClient(t, mock, webraft.Config{MaxRetries: webraft.Retries(3)}).
		Chat(ctxFor(t), userRequest("gpt-4o", "again"))
	if err != nil {
		t.Fatal(err)
	}
	if reply.Retries != 2 || reply.Text() != "Hello! You said: again" {
		t.Errorf("retries %d, text %q", reply.Retries, reply.Text())
	}
}

// Record a session through one mock proxying to another, then replay it.
func TestMockRecordAndReplay(t *testing.T) {
	cassette := filepath.Join(t.TempDir(), "chat.jsonl")
	upstream := webrafttest.Start(t, "--tls")
	ca := filepath.Join(t.TempDir(), "certs")
	if _, err := webrafttest.Run("--write-certs", ca); err != nil {
		t.Fatal(err)
	}
	recorder := webrafttest.Start(t, "--record", upstream.BaseURL(""), "--cassette", cassette,
		"--upstream-ca", filepath.Join(ca, "ca.pem"))
	var live strings.Builder
	_, err := mockClient(t, recorder, webraft.Config{}).ChatStreamFunc(ctxFor(t), userRequest("gpt-4o", "record me"),
		func(c webraft.Chunk) error { live.WriteString(c.Text); return nil })
	if err != nil {
		t.Fatal(err)
	}
	recorder.Close()
	recorded, err := os.ReadFile(cassette)
	if err != nil || strings.Contains(string(recorded), webrafttest.APIKey) {
		t.Fatalf("cassette (%v) holds the key or is missing:\n%s", err, recorded)
	}
	replay := webrafttest.Start(t, "--replay", cassette)
	var again strings.Builder
	_, err = mockClient(t, replay, webraft.Config{}).ChatStreamFunc(ctxFor(t), userRequest("gpt-4o", "record me"),
		func(c webraft.Chunk) error { again.WriteString(c.Text); return nil })
	if err != nil || again.String() != live.String() || live.String() != "Hello! You said: record me" {
		t.Errorf("replayed %q (%v), recorded %q", again.String(), err, live.String())
	}
}
