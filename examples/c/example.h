/* What every example in examples/c needs and none of them is about: a client for the endpoint
 * named by the environment, the model to ask, and a one-line report of a failed call.
 *
 * WEBRAFT_API_KEY  the key (read by the library itself, so no example handles it)
 * WEBRAFT_BASE_URL the endpoint (default: the library's, https://api.webraft.in/v2)
 * WEBRAFT_MODEL    the model (default: each example's own choice)
 *
 * Static inline, so an example that leaves a helper unused still builds under -Werror. */
#ifndef WEBRAFT_EXAMPLE_H
#define WEBRAFT_EXAMPLE_H

#include "webraft.h"

#include <stdio.h>
#include <stdlib.h>

/* Prints why `result` failed; returns 1 (an exit status) if it did, 0 if it did not. */
static inline int example_failed(const webraft_result *result) {
    webraft_status status = webraft_result_status(result);
    if (status == WEBRAFT_STATUS_OK) return 0;
    fprintf(stderr, "%s: %s\n", webraft_status_name(status), webraft_result_error_message(result));
    return 1;
}

/* A client for WEBRAFT_BASE_URL; exits with a message if the config is refused. */
static inline webraft_client *example_client(void) {
    const char *base_url = getenv("WEBRAFT_BASE_URL");
    char config[1024] = "";
    /* The URL goes into JSON unescaped: fine for a URL, which has no quote or backslash. */
    if (base_url && *base_url) snprintf(config, sizeof config, "{\"base_url\":\"%s\"}", base_url);
    webraft_client *client = NULL;
    webraft_result *error = NULL;
    if (webraft_client_new(config, &client, &error) != WEBRAFT_STATUS_OK) {
        example_failed(error);
        webraft_result_free(error);
        exit(1);
    }
    return client;
}

/* The reply's text, or "" when it has none (say, only a refusal or tool calls). */
static inline const char *example_text(const webraft_result *result) {
    const char *text = webraft_result_text(result, NULL);
    return text ? text : "";
}

static inline const char *example_model(const char *fallback) {
    const char *model = getenv("WEBRAFT_MODEL");
    return model && *model ? model : fallback;
}

#endif
