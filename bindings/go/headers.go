package webraft

/*
#include "webraft.h"
*/
import "C"

import (
	"encoding/json"
	"net/http"
	"time"
)

// ReplyHeaders are the headers of a call's final reply, kept by every
// result (ChatCompletion, ModelResponse and Response through CallInfo) and
// by the errors *APIError and *Error, so that a 429's rate-limit headers can
// be read. The zero value has no headers.
type ReplyHeaders struct {
	json         string // webraft_result_headers_json: lower-case names, repeats joined
	rateLimit    RateLimit
	hasRateLimit bool
}

// replyHeaders copies the headers and the rate-limit view out of a result.
func replyHeaders(r *C.webraft_result) ReplyHeaders {
	var n C.size_t
	h := ReplyHeaders{json: string(goBytes(C.webraft_result_headers_json(r, &n), n))}
	var rl C.webraft_rate_limit
	if C.webraft_result_rate_limit(r, &rl) == C.WEBRAFT_STATUS_OK {
		h.rateLimit = RateLimit{
			LimitRequests:     int64(rl.limit_requests),
			RemainingRequests: int64(rl.remaining_requests),
			ResetRequests:     resetDuration(rl.reset_requests_ms),
			LimitTokens:       int64(rl.limit_tokens),
			RemainingTokens:   int64(rl.remaining_tokens),
			ResetTokens:       resetDuration(rl.reset_tokens_ms),
		}
		h.hasRateLimit = h.rateLimit != absentRateLimit
	}
	return h
}

// resetDuration keeps the library's "absent" (-1) as -1 rather than
// rounding it to -1 ms.
func resetDuration(ms C.double) time.Duration {
	if ms < 0 {
		return -1
	}
	return millisDuration(ms)
}

// Headers returns the reply's headers, a new map each time. Every name has
// one value: the library joins a repeated header's values with ", ". Empty
// when no reply arrived.
func (h ReplyHeaders) Headers() http.Header {
	if h.json == "" {
		return nil
	}
	return parseHeaders([]byte(h.json))
}

// Header is the value of the reply's header name (any case; a repeated
// header's values joined with ", "), or "" when it had none.
func (h ReplyHeaders) Header(name string) string { return h.Headers().Get(name) }

// RateLimit is what the reply's x-ratelimit-* headers said; ok is false when
// it had none of them (every field is then -1).
func (h ReplyHeaders) RateLimit() (limit RateLimit, ok bool) {
	if !h.hasRateLimit {
		return absentRateLimit, false
	}
	return h.rateLimit, true
}

// RateLimit is the library's reading of the x-ratelimit-* headers. A value
// whose header was absent or unreadable is -1, never 0: a 0 is a budget
// really used up.
type RateLimit struct {
	LimitRequests     int64
	RemainingRequests int64
	ResetRequests     time.Duration // until the request budget resets ("6m0s" reads 6 minutes)
	LimitTokens       int64
	RemainingTokens   int64
	ResetTokens       time.Duration // until the token budget resets
}

var absentRateLimit = RateLimit{-1, -1, -1, -1, -1, -1}

// parseHeaders decodes the library's headers object (lower-case names,
// string values) into an http.Header with canonical names, so that Get
// finds a name in any case.
func parseHeaders(raw []byte) http.Header {
	var fields map[string]string
	json.Unmarshal(raw, &fields) // the library always writes such an object
	h := make(http.Header, len(fields))
	for name, value := range fields {
		h[http.CanonicalHeaderKey(name)] = []string{value}
	}
	return h
}
