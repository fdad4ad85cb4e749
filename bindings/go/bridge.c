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

int webraft_go_on_event(void *user_data, webraft_event kind, const char *name, const char *data, size_t len) {
    return webraftGoEvent((uintptr_t)user_data, (uint32_t)kind, (char *)name, (char *)data, len);
}

void webraft_go_on_done(void *user_data, webraft_status status) {
    webraftGoDone((uintptr_t)user_data, (uint32_t)status);
}

int webraft_go_on_bytes(void *user_data, const uint8_t *data, size_t len) {
    return webraftGoBytes((uintptr_t)user_data, (uint8_t *)data, len);
}

int webraft_go_on_credential(void *user_data, uint32_t endpoint_index, const char *base_url,
                             webraft_credential *credential) {
    return webraftGoCredential((uintptr_t)user_data, endpoint_index, (char *)base_url, credential);
}

webraft_status webraft_go_set_credentials(const webraft_client *client, uintptr_t handle) {
    return webraft_client_set_credential_callback(client, webraft_go_on_credential, (void *)handle);
}

webraft_status webraft_go_model_start(uint32_t api, const webraft_client *client,
                                      const webraft_conversation *conversation, const char *request_json,
                                      const char *options_json, uint32_t delivery, uintptr_t handle,
                                      webraft_request **out_request) {
    // The library accepts a callback only with CALLBACK; for NONE (and any
    // other value) it must be NULL, and the library checks the value itself.
    bool callback = delivery == WEBRAFT_DELIVERY_CALLBACK;
    webraft_chunk_callback on_chunk = callback ? webraft_go_on_chunk : NULL;
    webraft_event_callback on_event = callback ? webraft_go_on_event : NULL;
    void *user_data = (void *)handle;
    if (api == WEBRAFT_GO_RESPONSES) {
        return conversation ? webraft_conversation_responses_start(client, conversation, options_json, delivery, on_event,
                                                                   webraft_go_on_done, user_data, out_request)
                            : webraft_responses_start(client, request_json, options_json, delivery, on_event,
                                                      webraft_go_on_done, user_data, out_request);
    }
    return conversation ? webraft_conversation_chat_start(client, conversation, options_json, delivery, on_chunk,
                                                          webraft_go_on_done, user_data, out_request)
                        : webraft_chat_start(client, request_json, options_json, delivery, on_chunk, webraft_go_on_done,
                                             user_data, out_request);
}

webraft_status webraft_go_send_start(const webraft_client *client, const char *method, const char *path,
                                     const char *body_json, const char *options_json, bool stream,
                                     uintptr_t handle, webraft_request **out_request) {
    void *user_data = (void *)handle;
    if (stream) {
        return webraft_send_stream_start(client, method, path, body_json, options_json, WEBRAFT_DELIVERY_CALLBACK,
                                         webraft_go_on_event, webraft_go_on_done, user_data, out_request);
    }
    return webraft_send_start(client, method, path, body_json, options_json, webraft_go_on_done, user_data,
                              out_request);
}

webraft_status webraft_go_form_start(const webraft_client *client, const char *path, const webraft_form *form,
                                     const char *options_json, bool stream, uintptr_t handle,
                                     webraft_request **out_request) {
    void *user_data = (void *)handle;
    if (stream) {
        return webraft_send_form_stream_start(client, path, form, options_json, WEBRAFT_DELIVERY_CALLBACK,
                                              webraft_go_on_event, webraft_go_on_done, user_data, out_request);
    }
    return webraft_send_form_start(client, path, form, options_json, webraft_go_on_done, user_data, out_request);
}

webraft_status webraft_go_download_start(const webraft_client *client, const char *method, const char *path,
                                         const char *body_json, const char *options_json, const char *to_file,
                                         uint32_t delivery, uintptr_t handle, webraft_request **out_request) {
    void *user_data = (void *)handle;
    if (to_file) {
        return webraft_download_to_file_start(client, method, path, body_json, options_json, to_file,
                                              webraft_go_on_done, user_data, out_request);
    }
    webraft_bytes_callback on_bytes = delivery == WEBRAFT_DELIVERY_CALLBACK ? webraft_go_on_bytes : NULL;
    return webraft_download_start(client, method, path, body_json, options_json, delivery, on_bytes,
                                  webraft_go_on_done, user_data, out_request);
}
