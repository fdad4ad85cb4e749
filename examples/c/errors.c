/* What a failed call says: the HTTP status, the server's own message, and whether the account is
 * out of credits (retrying will not help then, unlike a rate limit).
 *
 *   errors [PROMPT]     (try WEBRAFT_API_KEY=wrong-key, or a key with no credits left)
 *
 * Exit status: 0 on success, 1 for any failure, 3 when the credits or quota are used up. */
#include "example.h"

int main(int argc, char **argv) {
    webraft_client *client = example_client();
    webraft_conversation *conversation = webraft_conversation_new();
    webraft_conversation_set_model(conversation, example_model("gpt-4o"));
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, argc > 1 ? argv[1] : "Hello!");
    webraft_result *result = webraft_conversation_chat(client, conversation, NULL);

    int status = 0;
    if (webraft_result_status(result) == WEBRAFT_STATUS_OK) {
        printf("%s\n", example_text(result));
    } else if (webraft_result_http_status(result) != 0) {
        /* The server answered: its message exactly as sent (NULL if it sent none). */
        const char *said = webraft_result_server_message(result);
        fprintf(stderr, "HTTP %u: %s\n", (unsigned)webraft_result_http_status(result), said ? said : "(no message)");
        status = webraft_result_is_quota_exhausted(result) ? 3 : 1;
        if (status == 3) fprintf(stderr, "out of credits: top up the account or use another key\n");
    } else {
        /* No answer at all: timeout, refused connection, TLS, ... */
        status = example_failed(result);
    }
    webraft_result_free(result);
    webraft_conversation_free(conversation);
    webraft_client_free(client);
    return status;
}
