/* Stream a reply to stdout as it arrives, then print its token usage.
 *
 *   stream_usage [PROMPT]
 *
 * A stream carries usage only when the request asks for it (stream_options.include_usage);
 * webraft_conversation_set_stream_usage adds that member, and the usage chunk at the end of the
 * stream lands in the result like a plain reply's usage. */
#include "example.h"

#include <inttypes.h>

static int print_delta(void *user_data, const char *chunk_json, size_t len) {
    (void)user_data;
    char *text = NULL;
    size_t text_len = 0;
    /* The usage chunk has no choices: MISSING, nothing to print. */
    if (webraft_json_get_string(chunk_json, len, "/choices/0/delta/content", &text, &text_len) == WEBRAFT_STATUS_OK)
        fwrite(text, 1, text_len, stdout);
    webraft_string_free(text);
    fflush(stdout);
    return 0; /* non-zero would cancel the stream */
}

int main(int argc, char **argv) {
    webraft_client *client = example_client();
    webraft_conversation *conversation = webraft_conversation_new();
    webraft_conversation_set_model(conversation, example_model("gpt-4o"));
    webraft_conversation_set_stream_usage(conversation, true);
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER,
                                     argc > 1 ? argv[1] : "Tell me a short story about a lighthouse.");

    webraft_result *result = webraft_conversation_chat_stream(client, conversation, NULL, print_delta, NULL);
    printf("\n");
    int status = example_failed(result);
    uint64_t prompt = 0, completion = 0, total = 0;
    if (status == 0 && webraft_result_usage(result, &prompt, &completion, &total))
        printf("usage: %" PRIu64 " prompt + %" PRIu64 " completion = %" PRIu64 " tokens\n", prompt, completion, total);
    else if (status == 0)
        printf("usage: the server sent none\n");

    webraft_result_free(result);
    webraft_conversation_free(conversation);
    webraft_client_free(client);
    return status;
}
