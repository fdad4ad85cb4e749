// Trampolines between the library's callbacks and the exported Go functions
// in callbacks.go. They live in their own file because a Go file with
// //export may only declare C functions in its preamble.
#include "bridge.h"
#include "_cgo_export.h"

// The delta text is extracted here, in C, with the library's own parser, so
// that Go gets it without a second cgo crossing and means by "delta text"
// exactly what webraft_chunk_text means for C users.
int webraft_go_on_chunk(void *user_data, const char *chunk_json, size_t len) {
    char *text = NULL;
    size_t text_len = 0;
    if (webraft_chunk_text(chunk_json, len, &text, &text_len) != WEBRAFT_STATUS_OK) {
        text = NULL;
        text_len = 0;
    }
    int stop = webraftGoChunk((uintptr_t)user_data, (char *)chunk_json, len, text, text_len);
    webraft_string_free(text);
    return stop;
}

static int discard_chunk(void *user_data, const char *chunk_json, size_t len) {
    (void)user_data;
    (void)chunk_json;
    (void)len;
    return 0;
}

void webraft_go_on_done(void *user_data, webraft_status status) {
    webraftGoDone((uintptr_t)user_data, (uint32_t)status);
}

webraft_status webraft_go_chat_start(const webraft_client *client, const char *request_json,
                                     const char *options_json, int delivery, uintptr_t handle,
                                     webraft_request **out_request) {
    webraft_chunk_callback on_chunk = NULL;
    if (delivery == WEBRAFT_GO_CHUNKS) on_chunk = webraft_go_on_chunk;
    if (delivery == WEBRAFT_GO_DISCARD) on_chunk = discard_chunk;
    return webraft_chat_start(client, request_json, options_json, on_chunk, webraft_go_on_done,
                              (void *)handle, out_request);
}

webraft_status webraft_go_send_start(const webraft_client *client, const char *method,
                                     const char *path, const char *body_json,
                                     const char *options_json, uintptr_t handle,
                                     webraft_request **out_request) {
    return webraft_send_start(client, method, path, body_json, options_json, webraft_go_on_done,
                              (void *)handle, out_request);
}
