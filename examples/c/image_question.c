/* Ask about a local image: the file is read and sent inline as a data URL.
 *
 *   image_question IMAGE [QUESTION]
 *
 * PNG, JPEG, GIF and WebP are recognised by their bytes. Image parts go on the last message, so
 * add the question first. */
#include "example.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: image_question IMAGE [QUESTION]\n");
        return 2;
    }
    webraft_client *client = example_client();
    webraft_conversation *conversation = webraft_conversation_new();
    webraft_conversation_set_model(conversation, example_model("gpt-4o"));
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, argc > 2 ? argv[2] : "What is in this image?");
    webraft_result *error = NULL;
    /* "low" detail: fewer image tokens; NULL lets the server choose. */
    int status = webraft_conversation_add_image_file(conversation, argv[1], "low", &error) == WEBRAFT_STATUS_OK
                     ? 0
                     : example_failed(error); /* e.g. IO: the file cannot be read */
    webraft_result_free(error);
    if (status == 0) {
        webraft_result *result = webraft_conversation_chat(client, conversation, NULL);
        status = example_failed(result);
        if (status == 0) printf("%s\n", example_text(result));
        webraft_result_free(result);
    }
    webraft_conversation_free(conversation);
    webraft_client_free(client);
    return status;
}
