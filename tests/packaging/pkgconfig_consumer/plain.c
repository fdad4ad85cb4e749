/* A blocking chat through the C API. */
#include "consumer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *plain_chat(const webraft_client *client, const char *prompt) {
    char body[512];
    webraft_result *result;
    const char *text;
    size_t len = 0;
    char *copy = NULL;

    snprintf(body, sizeof body, "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}", prompt);
    result = webraft_chat(client, body, NULL);
    text = webraft_result_text(result, &len);
    if (webraft_result_status(result) == WEBRAFT_STATUS_OK && text != NULL) {
        copy = malloc(len + 1);
        if (copy != NULL) memcpy(copy, text, len + 1);
    } else {
        fprintf(stderr, "plain_chat: %s\n", webraft_result_error_message(result));
    }
    webraft_result_free(result);
    return copy;
}
