/* List the models the endpoint offers: GET /models through the generic request call, then each
 * id read with a JSON Pointer (/data/0/id, /data/1/id, ...) until there is none. */
#include "example.h"

int main(void) {
    webraft_client *client = example_client();
    webraft_result *result = webraft_send(client, "GET", "/models", NULL, NULL);
    int status = example_failed(result);
    for (size_t i = 0; status == 0; i++) {
        char pointer[64];
        snprintf(pointer, sizeof pointer, "/data/%zu/id", i);
        char *id = NULL;
        webraft_status read = webraft_result_get_string(result, pointer, &id, NULL);
        if (read == WEBRAFT_STATUS_OK) printf("%s\n", id);
        webraft_string_free(id);
        if (read == WEBRAFT_STATUS_MISSING) break; /* past the last model */
        if (read != WEBRAFT_STATUS_OK) {
            fprintf(stderr, "%s: %s\n", pointer, webraft_status_name(read)); /* not a string: not a models list */
            status = 1;
        }
    }
    webraft_result_free(result);
    webraft_client_free(client);
    return status;
}
