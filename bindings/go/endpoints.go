package webraft

import (
	"encoding/json"
	"errors"
)

// Endpoint is one more place a client can send its requests to
// (Config.Fallback): a base URL or a WebraftAI plan, with its own key,
// model and headers. Everything else (timeouts, retries, TLS, proxy) is the
// client's.
type Endpoint struct {
	BaseURL string `json:"base_url,omitempty"` // wins over Plan
	Plan    string `json:"plan,omitempty"`     // "paid" or "free"
	// APIKey is this endpoint's key; "" sends the client's own key.
	APIKey string `json:"api_key,omitempty"`
	// NoAPIKey sends no key at all (a local server), instead of the client's.
	NoAPIKey bool `json:"-"`
	// Model replaces the request body's "model" when sent here ("": as sent).
	Model string `json:"model,omitempty"`
	// Headers are sent after Config.DefaultHeaders (a name in both: this
	// one wins) and before a call's WithHeader.
	Headers map[string]string `json:"headers,omitempty"`
}

// MarshalJSON writes the library's endpoint object.
func (e Endpoint) MarshalJSON() ([]byte, error) {
	type plain Endpoint
	if !e.NoAPIKey {
		return json.Marshal(plain(e))
	}
	if e.APIKey != "" {
		return nil, errors.New("webraft: an Endpoint has both APIKey and NoAPIKey")
	}
	// "api_key": "" is the library's "send no key".
	return withExtra(plain(e), map[string]any{"api_key": ""}, "Endpoint")
}
