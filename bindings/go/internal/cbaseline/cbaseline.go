// Package cbaseline streams a chat into a chunk callback written in C. It is
// the baseline of the Go binding's benchmark: the same library work, with no
// Go code between the library and the callback.
package cbaseline

/*
#include <stdlib.h>
#include "webraft.h"

struct tally { size_t chunks; size_t text_bytes; };

// The work a C program does per chunk in the README's quickstart: take the
// delta text, use it (here: count it).
static int tally_chunk(void *user_data, const char *chunk_json, size_t len) {
	struct tally *t = user_data;
	char *text = NULL;
	size_t text_len = 0;
	if (webraft_chunk_text(chunk_json, len, &text, &text_len) == WEBRAFT_STATUS_OK) t->text_bytes += text_len;
	webraft_string_free(text);
	t->chunks++;
	return 0;
}

static webraft_status tally_stream(const webraft_client *client, const char *request_json, struct tally *t) {
	webraft_result *result = webraft_chat_stream(client, request_json, NULL, tally_chunk, t);
	webraft_status status = webraft_result_status(result);
	webraft_result_free(result);
	return status;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Client is a bare C client.
type Client struct{ ptr *C.webraft_client }

// NewClient creates a client from a config JSON.
func NewClient(configJSON string) (*Client, error) {
	config := C.CString(configJSON)
	defer C.free(unsafe.Pointer(config))
	var c Client
	if status := C.webraft_client_new(config, &c.ptr, nil); status != C.WEBRAFT_STATUS_OK {
		return nil, fmt.Errorf("webraft_client_new: status %d", status)
	}
	return &c, nil
}

// Close frees the client.
func (c *Client) Close() { C.webraft_client_free(c.ptr) }

// Stream runs a blocking webraft_chat_stream whose callback is C, and
// returns how many chunks and delta-text bytes the callback saw.
func (c *Client) Stream(requestJSON string) (chunks, textBytes int, err error) {
	req := C.CString(requestJSON)
	defer C.free(unsafe.Pointer(req))
	t := (*C.struct_tally)(C.calloc(1, C.sizeof_struct_tally))
	defer C.free(unsafe.Pointer(t))
	if status := C.tally_stream(c.ptr, req, t); status != C.WEBRAFT_STATUS_OK {
		return 0, 0, fmt.Errorf("webraft_chat_stream: status %d", status)
	}
	return int(t.chunks), int(t.text_bytes), nil
}
