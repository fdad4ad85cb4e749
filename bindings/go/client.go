package webraft

/*
#include <stdlib.h>
#include "webraft.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"time"
)

// NoLimit, as a Config or option duration, turns that limit off (the
// library's 0).
const NoLimit time.Duration = -1

// Config mirrors the library's client config keys (README, "Client config
// keys"); a zero field is not sent, so the library default applies.
// Durations are rounded up to whole milliseconds; NoLimit sends 0.
type Config struct {
	APIKey         string            `json:"api_key,omitempty"` // default: env WEBRAFT_API_KEY, then OPENAI_API_KEY
	BaseURL        string            `json:"base_url,omitempty"`
	Plan           string            `json:"plan,omitempty"` // "paid" or "free"
	Organization   string            `json:"organization,omitempty"`
	Project        string            `json:"project,omitempty"`
	DefaultHeaders map[string]string `json:"default_headers,omitempty"`
	DefaultQuery   map[string]string `json:"default_query,omitempty"`
	Timeout        time.Duration     `json:"-"` // timeout_ms
	ConnectTimeout time.Duration     `json:"-"` // connect_timeout_ms
	HeadersTimeout time.Duration     `json:"-"` // headers_timeout_ms
	IdleTimeout    time.Duration     `json:"-"` // idle_timeout_ms
	StreamTimeout  time.Duration     `json:"-"` // stream_timeout_ms
	// LoadingRetry is how long a 503 saying the server is loading its model is
	// retried past MaxRetries (loading_retry_ms; 0: the library's 30 s, NoLimit: off).
	LoadingRetry  time.Duration `json:"-"`
	MaxRetries    *int          `json:"max_retries,omitempty"` // nil: default; use Retries(0) for none
	UserAgent     string        `json:"user_agent,omitempty"`
	MaxBodyBytes  int64         `json:"max_body_bytes,omitempty"`
	MaxEventBytes int64         `json:"max_event_bytes,omitempty"`
	// MaxUploadBytes bounds the file parts of one multipart form together
	// (max_upload_bytes; the library's default is 64 MiB). A form over it
	// fails with ErrInvalidArgument, naming the file, before anything is sent.
	MaxUploadBytes int64 `json:"max_upload_bytes,omitempty"`
	// Proxy is a proxy URL for every request; without it HTTP_PROXY,
	// HTTPS_PROXY, ALL_PROXY and NO_PROXY apply.
	Proxy string `json:"proxy,omitempty"`
	// Extra trusted CA certificates, as PEM text or a file path.
	CACertPEM  string `json:"ca_cert_pem,omitempty"`
	CACertFile string `json:"ca_cert_file,omitempty"`
	// Client certificate chain and private key for mutual TLS (both or neither).
	ClientCertPEM  string `json:"client_cert_pem,omitempty"`
	ClientCertFile string `json:"client_cert_file,omitempty"`
	ClientKeyPEM   string `json:"client_key_pem,omitempty"`
	ClientKeyFile  string `json:"client_key_file,omitempty"`
	// DangerSkipTLSVerification accepts any server certificate: only for a
	// local test server, never in production.
	DangerSkipTLSVerification bool `json:"danger_skip_tls_verification,omitempty"`
	// StreamUsage asks every streamed chat for its token usage (the library
	// adds "stream_options":{"include_usage":true}), so the completion of a
	// stream has Usage. Off by default: some servers refuse the member.
	// WithStreamUsage overrides it for one call.
	StreamUsage bool `json:"stream_usage,omitempty"`
	// HTTP2PriorKnowledge speaks HTTP/2 to plain http:// origins without
	// negotiating it (h2c), for local servers that speak it. https:// origins
	// negotiate HTTP/2 either way.
	HTTP2PriorKnowledge bool `json:"http2_prior_knowledge,omitempty"`
	// Fallback lists more endpoints, tried in order when the client's own
	// (endpoint 0) fails with a connection error, a timeout, HTTP 5xx, a 429
	// that is not about quota, or exhausted credits; never after the first
	// chunk of a stream was delivered (README, "Endpoint fallback").
	Fallback []Endpoint `json:"fallback,omitempty"`
	// Hedge is the first-token budget (hedge_ms; needs Fallback): when the
	// running endpoint has not delivered its first chunk (a plain call: its
	// headers) within it, the same request also starts on the next endpoint,
	// and the first to deliver wins. 0 or NoLimit: no hedging.
	Hedge time.Duration `json:"-"`
	// Credentials, when set, gives the key (or any auth headers) for every
	// attempt: each retry, fallback endpoint and hedge asks again. It runs on
	// a library thread, which it may block (to fetch a token, say); calls for
	// different attempts may run at once. An error ends the call with an
	// error matching ErrCredentials, whose message is the error's text.
	// The client holds the function until it is freed, so a function that
	// refers to its own client keeps it from the cleanup: Close that one.
	Credentials CredentialFunc `json:"-"`
}

// Retries returns a pointer for Config.MaxRetries.
func Retries(n int) *int { return &n }

// MarshalJSON produces the library's config JSON.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config
	body, err := json.Marshal(plain(c))
	if err != nil {
		return nil, err
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, err
	}
	for key, d := range map[string]time.Duration{
		"timeout_ms":         c.Timeout,
		"connect_timeout_ms": c.ConnectTimeout,
		"headers_timeout_ms": c.HeadersTimeout,
		"idle_timeout_ms":    c.IdleTimeout,
		"stream_timeout_ms":  c.StreamTimeout,
		"loading_retry_ms":   c.LoadingRetry,
		"hedge_ms":           c.Hedge,
	} {
		if d != 0 {
			fields[key] = json.RawMessage(fmt.Sprint(millis(d)))
		}
	}
	return json.Marshal(fields)
}

// millis converts a duration to the library's milliseconds: NoLimit (or any
// negative value) is 0, anything else rounds up so a short limit never
// becomes "no limit".
func millis(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	return min(int64(ms), math.MaxUint32)
}

// liveClients counts clients not yet freed; tests use it to check Close and
// the cleanup.
var liveClients atomic.Int64

// Client is a configured connection pool with its defaults and credentials.
// It is safe for concurrent use. Close it when done; a client that becomes
// unreachable without Close is freed by a cleanup, but only at the next
// garbage collection.
type Client struct {
	mu          sync.RWMutex // held for reading while a call uses ptr, for writing by Close
	ptr         *C.webraft_client
	credentials cgo.Handle // the Credentials function's handle (the callback's user_data), 0 for none
	cleanup     runtime.Cleanup
}

// clientRef is what freeing a client releases: the library's client, then
// the handle its credential callback reaches Go through.
type clientRef struct {
	ptr         *C.webraft_client
	credentials cgo.Handle
}

// NewClient creates a client. An unknown setting or a bad value fails with
// an error matching ErrInvalidConfig.
func NewClient(cfg Config) (*Client, error) {
	if abi := C.webraft_abi_version(); abi != C.WEBRAFT_ABI_VERSION {
		return nil, fmt.Errorf("webraft: library ABI %d, but this package was built for ABI %d", abi, C.WEBRAFT_ABI_VERSION)
	}
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cConfig, err := nulTerminated(config)
	if err != nil {
		return nil, err
	}
	var ptr *C.webraft_client
	var failure *C.webraft_result
	if err := failureError(C.webraft_client_new(cString(cConfig), &ptr, &failure), failure); err != nil {
		return nil, err
	}
	liveClients.Add(1)
	ref := clientRef{ptr: ptr}
	if cfg.Credentials != nil {
		ref.credentials = setCredentials(ptr, cfg.Credentials)
	}
	c := &Client{ptr: ptr, credentials: ref.credentials}
	c.cleanup = runtime.AddCleanup(c, freeClient, ref)
	return c, nil
}

// freeClient frees the library's client, which waits for a credential
// callback still running, so the handle that callback uses can go after it.
func freeClient(ref clientRef) {
	C.webraft_client_free(ref.ptr)
	if ref.credentials != 0 {
		ref.credentials.Delete()
		liveCredentials.Add(-1)
	}
	liveClients.Add(-1)
}

// Close frees the client. Requests still running on it end with an error
// matching ErrCancelled. Close is idempotent and safe to call concurrently
// with other calls, which then fail with ErrClientClosed.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr == nil {
		return
	}
	c.cleanup.Stop()
	freeClient(clientRef{c.ptr, c.credentials})
	c.ptr, c.credentials = nil, 0
}

// Version is the loaded library's version, e.g. "0.1.0".
func Version() string { return C.GoString(C.webraft_version()) }

// Option adjusts one call (the library's per-request options).
type Option func(map[string]any)

// WithTimeout limits this call's total time (for a stream, its whole
// duration); NoLimit turns the limit off. A context deadline works too, and
// then the error matches context.DeadlineExceeded instead of ErrTimeout.
func WithTimeout(d time.Duration) Option { return durationOption("timeout_ms", d) }

// WithHeadersTimeout limits the wait for the response headers.
func WithHeadersTimeout(d time.Duration) Option { return durationOption("headers_timeout_ms", d) }

// WithIdleTimeout limits the gap between two pieces of a stream.
func WithIdleTimeout(d time.Duration) Option { return durationOption("idle_timeout_ms", d) }

// WithMaxRetries overrides the client's retry count for this call.
func WithMaxRetries(n int) Option { return func(o map[string]any) { o["max_retries"] = n } }

// WithStreamUsage overrides Config.StreamUsage for this call: on, a
// streamed chat ends with its token usage. A raw body with its own
// stream_options is sent as it is.
func WithStreamUsage(on bool) Option { return func(o map[string]any) { o["stream_usage"] = on } }

// WithHeader adds a header to this call; it wins over a default header.
func WithHeader(name, value string) Option { return mapOption("headers", name, value) }

// WithQuery adds a query parameter to this call's URL.
func WithQuery(name, value string) Option { return mapOption("query", name, value) }

func durationOption(key string, d time.Duration) Option {
	return func(o map[string]any) { o[key] = millis(d) }
}

func mapOption(key, name, value string) Option {
	return func(o map[string]any) {
		m, _ := o[key].(map[string]string)
		if m == nil {
			m = map[string]string{}
			o[key] = m
		}
		m[name] = value
	}
}

// optionsJSON is the NUL-terminated options JSON, or nil for none.
func optionsJSON(opts []Option) ([]byte, error) {
	if len(opts) == 0 {
		return nil, nil
	}
	fields := map[string]any{}
	for _, opt := range opts {
		opt(fields)
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	return nulTerminated(body)
}
