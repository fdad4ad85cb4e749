/* Speak a line to a file: the audio is written beside OUT_FILE and renamed over it once it has
 * all arrived, so a failed or cut download leaves OUT_FILE as it was.
 *
 *   speak OUT_FILE LINE [VOICE]
 *
 * Prints how many bytes were written. For audio that should start playing before the download
 * ends, webraft_download_start hands the pieces to a callback as they arrive. */
#include "example.h"

#include <string.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: speak OUT_FILE LINE [VOICE]\n");
        return 2;
    }
    const char *line = argv[2], *voice = argc > 3 ? argv[3] : "alloy";
    /* The request body is JSON; this example keeps LINE and VOICE free of quotes and backslashes. */
    if (strpbrk(line, "\"\\") || strpbrk(voice, "\"\\")) {
        fprintf(stderr, "speak: keep quotes and backslashes out of LINE and VOICE\n");
        return 2;
    }
    char body[2048];
    snprintf(body, sizeof body, "{\"model\":\"%s\",\"input\":\"%s\",\"voice\":\"%s\"}", example_model("tts-1"), line,
             voice);
    webraft_client *client = example_client();
    webraft_result *result = webraft_download_to_file(client, "POST", "/audio/speech", body, NULL, argv[1]);
    int status = example_failed(result);
    /* On failure too, bytes_received says how much arrived (e.g. before a cut). */
    if (status == 0) printf("wrote %llu bytes to %s\n", (unsigned long long)webraft_result_bytes_received(result), argv[1]);
    webraft_result_free(result);
    webraft_client_free(client);
    return status;
}
