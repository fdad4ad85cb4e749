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

void webraft_go_on_done(void *user_data, webraft_status status) {
    webraftGoDone((uintptr_t)user_data, (uint32_t)status);
}

// The library accepts on_chunk only with CALLBACK; for NONE (and any other
// value) it must be NULL, and the library checks the value itself.
static webraft_chunk_callback chunk_callback_for(uint32_t delivery) {
    return delivery == WEBRAFT_DELIVERY_CALLBACK ? webraft_go_on_chunk : NULL;
}

webraft_status webraft_go_chat_start(const webraft_client *client, const char *request_json,
                                     const char *options_json, uint32_t delivery,
                                     uintptr_t handle, webraft_request **out_request) {
    return webraft_chat_start(client, request_json, options_json, delivery, chunk_callback_for(delivery),
                              webraft_go_on_done, (void *)handle, out_request);
}

webraft_status webraft_go_conversation_chat_start(const webraft_client *client,
                                                  const webraft_conversation *conversation,
                                                  const char *options_json, uint32_t delivery,
                                                  uintptr_t handle, webraft_request **out_request) {
    return webraft_conversation_chat_start(client, conversation, options_json, delivery,
                                           chunk_callback_for(delivery), webraft_go_on_done,
                                           (void *)handle, out_request);
}

webraft_status webraft_go_send_start(const webraft_client *client, const char *method,
                                     const char *path, const char *body_json,
                                     const char *options_json, uintptr_t handle,
                                     webraft_request **out_request) {
    return webraft_send_start(client, method, path, body_json, options_json, webraft_go_on_done,
                              (void *)handle, out_request);
}
