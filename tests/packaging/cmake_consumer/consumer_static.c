/* A C chat over the static library; argv[1] is the server's base URL.
 * Exits 0 when the reply is the expected text. */
#include <webraft.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    char config[512];
    webraft_client *client = NULL;
    webraft_result *result = NULL;
    const char *text;
    int ok;

    if (argc != 2) {
        fprintf(stderr, "usage: consumer_static BASE_URL\n");
        return 2;
    }
    snprintf(config, sizeof config, "{\"base_url\":\"%s\",\"api_key\":\"test-key\"}", argv[1]);
    if (webraft_client_new(config, &client, &result) != WEBRAFT_STATUS_OK) {
        fprintf(stderr, "%s\n", webraft_result_error_message(result));
        webraft_result_free(result);
        return 1;
    }
    result = webraft_chat(client, "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"static\"}]}",
                          NULL);
    text = webraft_result_text(result, NULL);
    ok = text != NULL && strcmp(text, "Hello! You said: static") == 0;
    printf("static %s: %s\n", webraft_version(), text ? text : webraft_result_error_message(result));
    webraft_result_free(result);
    webraft_client_free(client);
    return ok ? 0 : 1;
}
