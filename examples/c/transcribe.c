/* Transcribe a recording: the file is streamed from disk as a multipart upload, and the text
 * is printed as the server sends it.
 *
 *   transcribe AUDIO_FILE [--stream]
 *
 * A file that is missing, unreadable or a directory fails before anything is sent
 * (INVALID_ARGUMENT, naming it). The content type comes from the file's bytes (a WAV says
 * RIFF....WAVE) or, failing that, its extension. */
#include "example.h"

#include <string.h>

/* Each transcript.text.delta event's text, printed as it arrives. */
static int print_delta(void *user_data, webraft_event kind, const char *name, const char *data, size_t len) {
    (void)user_data;
    (void)name;
    char *type = NULL, *delta = NULL;
    size_t delta_len = 0;
    if (kind == WEBRAFT_EVENT_CHUNK && webraft_json_get_string(data, len, "/type", &type, NULL) == WEBRAFT_STATUS_OK &&
        strcmp(type, "transcript.text.delta") == 0 &&
        webraft_json_get_string(data, len, "/delta", &delta, &delta_len) == WEBRAFT_STATUS_OK) {
        fwrite(delta, 1, delta_len, stdout);
        fflush(stdout);
    }
    webraft_string_free(type);
    webraft_string_free(delta);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: transcribe AUDIO_FILE [--stream]\n");
        return 2;
    }
    int stream = argc > 2 && strcmp(argv[2], "--stream") == 0;
    webraft_client *client = example_client();
    webraft_form *form = webraft_form_new();
    webraft_form_add_text(form, "model", example_model("whisper-1"));
    webraft_result *error = NULL;
    /* NULL file name and content type: the path's own name, and what its bytes say. */
    int status = webraft_form_add_file_path(form, "file", argv[1], NULL, NULL, &error) == WEBRAFT_STATUS_OK
                     ? 0
                     : example_failed(error);
    webraft_result_free(error);
    if (status == 0) {
        webraft_result *result = stream ? webraft_send_form_stream(client, "/audio/transcriptions", form, NULL,
                                                                   print_delta, NULL)
                                        : webraft_send_form(client, "/audio/transcriptions", form, NULL);
        status = example_failed(result);
        /* Streamed, the text is already out; plain, it is the reply's `text`. */
        if (status == 0 && !stream) fputs(example_text(result), stdout);
        if (status == 0) fputc('\n', stdout);
        webraft_result_free(result);
    }
    webraft_form_free(form);
    webraft_client_free(client);
    return status;
}
