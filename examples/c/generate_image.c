/* Generate an image to a file: the reply's base64 image is decoded and written atomically.
 *
 *   generate_image OUT_FILE PROMPT
 *
 * A server that answers with a URL instead gets the URL printed. */
#include "example.h"

#include <string.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: generate_image OUT_FILE PROMPT\n");
        return 2;
    }
    if (strpbrk(argv[2], "\"\\")) {
        fprintf(stderr, "generate_image: keep quotes and backslashes out of PROMPT\n");
        return 2;
    }
    char body[2048];
    snprintf(body, sizeof body, "{\"model\":\"%s\",\"prompt\":\"%s\",\"response_format\":\"b64_json\"}",
             example_model("gpt-image-1"), argv[2]);
    webraft_client *client = example_client();
    webraft_result *result = webraft_send(client, "POST", "/images/generations", body, NULL);
    int status = example_failed(result);
    if (status == 0 && webraft_result_image_url(result, 0)) {
        printf("%s\n", webraft_result_image_url(result, 0));
    } else if (status == 0) {
        const uint8_t *bytes = NULL;
        size_t len = 0;
        webraft_result *error = NULL;
        /* The decoded bytes are borrowed from the result; image_save writes them atomically. */
        if (webraft_result_image_bytes(result, 0, &bytes, &len) != WEBRAFT_STATUS_OK ||
            webraft_result_image_save(result, 0, argv[1], &error) != WEBRAFT_STATUS_OK) {
            status = error ? example_failed(error) : (fprintf(stderr, "the reply holds no image\n"), 1);
        } else {
            printf("wrote %zu bytes to %s\n", len, argv[1]);
        }
        webraft_result_free(error);
    }
    webraft_result_free(result);
    webraft_client_free(client);
    return status;
}
