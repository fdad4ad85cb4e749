package webraft

/*
#include "bridge.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"slices"
	"sync/atomic"
)

// CredentialRequest says which endpoint an attempt is about to go to.
type CredentialRequest struct {
	Endpoint int    // 0: the client's own base URL; i: Config.Fallback[i-1]
	BaseURL  string // that endpoint's base URL, as the library has it
}

// Credential is what one attempt sends instead of the endpoint's configured
// key. The zero Credential sends the configured key.
type Credential struct {
	// APIKey is sent as "Authorization: Bearer APIKey".
	APIKey string
	// Headers are sent as they are, e.g. {"api-key": key} for Azure or
	// {"Authorization": "Bearer " + entraToken}; with any of them the
	// configured key is not sent.
	Headers map[string]string
}

// CredentialFunc gives the credential for one attempt (Config.Credentials).
// It runs on a library thread, not in the goroutine that made the call, and
// may block; calls for different attempts may run at once. An error (or a
// panic, which is recovered) ends the call with an error matching
// ErrCredentials, whose message is the error's text.
type CredentialFunc func(CredentialRequest) (Credential, error)

// liveCredentials counts credential functions the library may still call
// (leak checks in tests).
var liveCredentials atomic.Int64

// setCredentials makes fn the client's credential callback; the returned
// handle is its user_data, to delete once the client is freed.
func setCredentials(client *C.webraft_client, fn CredentialFunc) cgo.Handle {
	liveCredentials.Add(1)
	h := cgo.NewHandle(fn)
	C.webraft_go_set_credentials(client, C.uintptr_t(h))
	return h
}

//export webraftGoCredential
func webraftGoCredential(h C.uintptr_t, endpoint C.uint32_t, baseURL *C.char, credential *C.webraft_credential) C.int {
	stressGC()
	fn := cgo.Handle(h).Value().(CredentialFunc)
	got, err := askCredentials(fn, CredentialRequest{Endpoint: int(endpoint), BaseURL: goString(baseURL)})
	if err == nil {
		err = got.apply(credential)
	}
	if err == nil {
		return 0
	}
	// A message with a NUL is cut there rather than lost.
	message, _ := nulTerminated([]byte(err.Error()))
	if message == nil {
		message = []byte("the credential function failed\x00")
	}
	C.webraft_credential_fail(credential, cString(message))
	return 1
}

// askCredentials runs fn, turning a panic into an error: it must not unwind
// through the library's thread.
func askCredentials(fn CredentialFunc, req CredentialRequest) (got Credential, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the credential function panicked: %v", p)
		}
	}()
	return fn(req)
}

// apply hands the credential to the library, headers in name order. A value
// the library refuses (CR, LF, ...) fails the attempt; the error names the
// header, never the value.
func (c Credential) apply(credential *C.webraft_credential) error {
	if c.APIKey != "" {
		key, err := nulTerminated([]byte(c.APIKey))
		if err == nil {
			err = statusError(C.webraft_credential_set_key(credential, cString(key)), "")
		}
		if err != nil {
			return fmt.Errorf("the credential function gave an API key that cannot be sent: %w", err)
		}
	}
	names := make([]string, 0, len(c.Headers))
	for name := range c.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := setHeader(credential, name, c.Headers[name]); err != nil {
			return fmt.Errorf("the credential function gave a header %q that cannot be sent: %w", name, err)
		}
	}
	return nil
}

func setHeader(credential *C.webraft_credential, name, value string) error {
	cName, err := nulTerminated([]byte(name))
	if err != nil {
		return err
	}
	cValue, err := nulTerminated([]byte(value))
	if err != nil {
		return err
	}
	return statusError(C.webraft_credential_set_header(credential, cString(cName), cString(cValue)), "")
}
