/* C side of the Go binding: starts requests with the trampolines below as
 * callbacks. user_data is a runtime/cgo.Handle value, never a Go pointer. */
#ifndef WEBRAFT_GO_BRIDGE_H
#define WEBRAFT_GO_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>
#include "webraft.h"

/* The library's callbacks for a Go request: user_data is its handle. */
int webraft_go_on_chunk(void *user_data, const char *chunk_json, size_t len);
int webraft_go_on_event(void *user_data, webraft_event kind, const char *name, const char *data, size_t len);
void webraft_go_on_done(void *user_data, webraft_status status);
int webraft_go_on_bytes(void *user_data, const uint8_t *data, size_t len);
int webraft_go_on_credential(void *user_data, uint32_t endpoint_index, const char *base_url,
                             webraft_credential *credential);

/* Asks the credential trampoline, with handle as user_data, for every attempt of client's requests. */
webraft_status webraft_go_set_credentials(const webraft_client *client, uintptr_t handle);

/* The model APIs webraft_go_model_start reaches. */
enum { WEBRAFT_GO_CHAT = 0, WEBRAFT_GO_RESPONSES = 1 };

/* Starts a chat (its chunks to the chunk trampoline) or a Responses call
 * (its events to the event trampoline): from conversation when it is not
 * NULL (the request takes a copy), else from request_json. delivery is a
 * webraft_delivery value, passed through unchanged: the trampoline is given
 * exactly when it is WEBRAFT_DELIVERY_CALLBACK. */
webraft_status webraft_go_model_start(uint32_t api, const webraft_client *client,
                                      const webraft_conversation *conversation, const char *request_json,
                                      const char *options_json, uint32_t delivery, uintptr_t handle,
                                      webraft_request **out_request);

/* Starts a request to any endpoint: plain (webraft_send_start), or read as
 * a stream whose events go to the event trampoline. */
webraft_status webraft_go_send_start(const webraft_client *client, const char *method, const char *path,
                                     const char *body_json, const char *options_json, bool stream,
                                     uintptr_t handle, webraft_request **out_request);

/* Starts a multipart form request: plain (webraft_send_form_start), or
 * streamed with its events to the event trampoline. */
webraft_status webraft_go_form_start(const webraft_client *client, const char *path, const webraft_form *form,
                                     const char *options_json, bool stream, uintptr_t handle,
                                     webraft_request **out_request);

/* Starts a download written to the file to_file, or else with `delivery`:
 * kept in the result (NONE), handed in pieces to the bytes trampoline
 * (CALLBACK) or queued for webraft_request_next_bytes (POLL). */
webraft_status webraft_go_download_start(const webraft_client *client, const char *method, const char *path,
                                         const char *body_json, const char *options_json, const char *to_file,
                                         uint32_t delivery, uintptr_t handle, webraft_request **out_request);

#endif
