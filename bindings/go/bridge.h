/* C side of the Go binding: starts requests with the trampolines below as
 * callbacks. user_data is a runtime/cgo.Handle value, never a Go pointer. */
#ifndef WEBRAFT_GO_BRIDGE_H
#define WEBRAFT_GO_BRIDGE_H

#include <stdint.h>
#include "webraft.h"

/* The library's callbacks for a Go request: user_data is its handle. */
int webraft_go_on_chunk(void *user_data, const char *chunk_json, size_t len);
void webraft_go_on_done(void *user_data, webraft_status status);

/* delivery is a webraft_delivery value, passed through unchanged: the chunk
 * trampoline is given exactly when it is WEBRAFT_DELIVERY_CALLBACK. */
webraft_status webraft_go_chat_start(const webraft_client *client, const char *request_json,
                                     const char *options_json, uint32_t delivery,
                                     uintptr_t handle, webraft_request **out_request);

/* As webraft_go_chat_start, for a conversation (the request takes a copy). */
webraft_status webraft_go_conversation_chat_start(const webraft_client *client,
                                                  const webraft_conversation *conversation,
                                                  const char *options_json, uint32_t delivery,
                                                  uintptr_t handle, webraft_request **out_request);

webraft_status webraft_go_send_start(const webraft_client *client, const char *method,
                                     const char *path, const char *body_json,
                                     const char *options_json, uintptr_t handle,
                                     webraft_request **out_request);

#endif
