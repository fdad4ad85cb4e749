// Package webrafttest runs webraft-mock, the OpenAI-compatible mock server
// installed with webraft, for Go tests:
//
//	func TestNPCSurvivesAStall(t *testing.T) {
//		mock := webrafttest.Start(t, "--stall-after", "3")   // stopped when the test ends
//		client := newClient(mock.BaseURL("/v1"), webrafttest.APIKey)
//		...
//	}
//
// The mock serves the project's scenarios (chosen by model name), fault flags,
// and recorded cassettes (--replay FILE); see its README. The package needs
// neither cgo nor the webraft binding: any HTTP client (net/http, go-openai,
// the webraft package) can talk to the mock.
//
// The program run is $WEBRAFT_MOCK_BIN when set, else webraft-mock on PATH
// (`make install` puts it in PREFIX/bin).
package webrafttest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// APIKey is the key the mock accepts in its scenarios (change it with
// "--api-key", KEY); record and replay accept any key.
const APIKey = "test-key"

// startTimeout bounds the wait for the mock's LISTENING line.
const startTimeout = 15 * time.Second

// Server is a running webraft-mock.
type Server struct {
	// URL is "http://127.0.0.1:PORT", or "https://localhost:PORT" with
	// "--tls" (the name its certificate is issued to).
	URL  string
	Port int

	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// Program is the webraft-mock to run: $WEBRAFT_MOCK_BIN, else webraft-mock
// found on PATH.
func Program() (string, error) {
	if bin := os.Getenv("WEBRAFT_MOCK_BIN"); bin != "" {
		return bin, nil
	}
	bin, err := exec.LookPath("webraft-mock")
	if err != nil {
		return "", fmt.Errorf("webrafttest: webraft-mock is not on PATH and WEBRAFT_MOCK_BIN is not set (make install puts it in PREFIX/bin): %w", err)
	}
	return bin, nil
}

// Start starts webraft-mock with these flags for the test t and stops it
// when the test (and its subtests) end. It fails the test if the mock does
// not start; the mock's own message (a bad flag, an invalid cassette line)
// is on stderr.
func Start(t testing.TB, flags ...string) *Server {
	t.Helper()
	s, err := Launch(flags...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Launch starts webraft-mock with these flags outside a test (in TestMain,
// say); Close stops it.
func Launch(flags ...string) (*Server, error) {
	bin, err := Program()
	if err != nil {
		return nil, err
	}
	return LaunchProgram(bin, flags...)
}

// LaunchProgram is Launch with an explicit program (a webraft-mock, or the
// project's webraft-test-server, which is the same program).
func LaunchProgram(program string, flags ...string) (*Server, error) {
	// --exit-on-stdin-eof: the mock also ends when this process dies and
	// its end of the pipe closes, so no mock outlives a crashed test.
	args := append(slices.Clone(flags), "--port", "0", "--exit-on-stdin-eof")
	cmd := exec.Command(program, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("webrafttest: %w", err)
	}
	s := &Server{cmd: cmd, stdin: stdin}
	port, err := readPort(stdout)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("webrafttest: %s %s: %w", program, strings.Join(flags, " "), err)
	}
	// The mock writes nothing more to stdout, so the pipe is left alone until
	// Wait closes it.
	s.Port = port
	s.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
	if slices.Contains(flags, "--tls") || slices.Contains(flags, "--require-client-cert") {
		s.URL = fmt.Sprintf("https://localhost:%d", port)
	}
	return s, nil
}

// readPort waits for the "LISTENING <port>" line.
func readPort(stdout io.Reader) (int, error) {
	type line struct {
		text string
		err  error
	}
	got := make(chan line, 1)
	go func() {
		text, err := bufio.NewReader(stdout).ReadString('\n')
		got <- line{text, err}
	}()
	select {
	case l := <-got:
		var port int
		if _, err := fmt.Sscanf(l.text, "LISTENING %d", &port); err != nil {
			return 0, errors.New("did not start (its stderr says why)")
		}
		return port, nil
	case <-time.After(startTimeout):
		return 0, fmt.Errorf("no LISTENING line within %v", startTimeout)
	}
}

// Run runs webraft-mock to completion with these arguments and returns its
// standard output: Run("--write-certs", dir) writes the CA a client needs for
// a mock started with "--tls"; Run("--list-scenarios") lists the scenario
// model names.
func Run(args ...string) (string, error) {
	bin, err := Program()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	return string(out), err
}

// BaseURL is URL followed by base, e.g. BaseURL("/v1").
func (s *Server) BaseURL(base string) string { return s.URL + base }

// Close stops the mock: it closes the mock's stdin and waits for it to exit.
// Calling it again does nothing.
func (s *Server) Close() error {
	if s.stdin == nil {
		return nil
	}
	s.stdin.Close()
	s.stdin = nil
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		return <-done
	}
}
