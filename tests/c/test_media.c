/*
 * test_media.c: multipart uploads, transcripts, binary downloads, images and embeddings
 * through the C ABI against the test server, with every bad input the header names.
 */
#include "check.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

/* FNV-1a 64 of the bytes, as the test server hashes an uploaded file. */
static uint64_t fnv1a64(const uint8_t *data, size_t len) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) hash = (hash ^ data[i]) * 0x100000001b3ULL;
    return hash;
}

/* The transcript the server answers for a file part: `verb` is "heard" or "translated". */
static void expected_transcript(char *buf, size_t size, const char *verb, const uint8_t *data, size_t len,
                                const char *filename, const char *content_type) {
    snprintf(buf, size, "%s %zu bytes of %s (%s) fnv1a64 %016" PRIx64, verb, len, filename, content_type,
             fnv1a64(data, len));
}

/* A fresh directory for one test's files, into buf. */
static void temp_dir(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "/tmp/webraft-c-media-%s-%d", name, (int)getpid());
    mkdir(buf, 0700);
}

static void write_file(const char *path, const uint8_t *data, size_t len) {
    FILE *f = fopen(path, "wb");
    CHECK_NOT_NULL(f);
    if (!f) return;
    CHECK_INT_EQ(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* The whole file into a malloc'd buffer (caller frees), its length into *len; NULL if absent. */
static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f) return NULL;
    uint8_t *data = malloc(1 << 20);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

/* How many entries the directory holds (besides . and ..). */
static int entries_in(const char *dir) {
    char command[512];
    snprintf(command, sizeof command, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(command, "r");
    int count = -1;
    if (p) {
        if (fscanf(p, "%d", &count) != 1) count = -1;
        pclose(p);
    }
    return count;
}

static void remove_dir(const char *dir) {
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    CHECK_INT_EQ(system(command), 0);
}

/* The speech pattern: byte i is i % 251. */
static bool is_speech(const uint8_t *data, size_t len, size_t expected_len) {
    if (len != expected_len || (len > 0 && data == NULL)) return false;
    for (size_t i = 0; i < len; i++) {
        if (data[i] != (uint8_t)(i % 251)) return false;
    }
    return true;
}

static const char *speech_json(const char *model, const char *input) {
    static char body[512];
    snprintf(body, sizeof body, "{\"model\":\"%s\",\"input\":\"%s\",\"voice\":\"alloy\"}", model, input);
    return body;
}

static webraft_form *transcription_form(const char *format) {
    webraft_form *form = webraft_form_new();
    CHECK_STATUS_EQ(webraft_form_add_text(form, "model", "whisper-1"), WEBRAFT_STATUS_OK);
    if (format) CHECK_STATUS_EQ(webraft_form_add_text(form, "response_format", format), WEBRAFT_STATUS_OK);
    return form;
}

static void test_form_bad_inputs_fail_clearly_and_name_the_path(void) {
    webraft_form *form = webraft_form_new();
    CHECK_NOT_NULL(form);
    webraft_form_free(NULL);
    const uint8_t bytes[] = {1, 2, 3};
    CHECK_STATUS_EQ(webraft_form_add_text(NULL, "a", "b"), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_form_add_text(form, NULL, "b"), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_form_add_text(form, "a", "\xff"), WEBRAFT_STATUS_INVALID_UTF8);
    CHECK_STATUS_EQ(webraft_form_add_file_bytes(form, "file", NULL, 0, "a.wav", NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_form_add_file_bytes(form, "file", bytes, 3, NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_form_add_file_bytes(form, "file", bytes, 3, "a.wav", "audio/wav\r\nX: 1"),
                    WEBRAFT_STATUS_INVALID_ARGUMENT);

    char dir[256], path[512];
    temp_dir(dir, sizeof dir, "bad");
    const char *refused[] = {"/nonexistent/webraft/clip.wav", dir, "/dev/null"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        webraft_result *error = NULL;
        CHECK_STATUS_EQ(webraft_form_add_file_path(form, "file", refused[i], NULL, NULL, &error),
                        WEBRAFT_STATUS_INVALID_ARGUMENT);
        CHECK_CONTAINS(webraft_result_error_message(error), refused[i]);
        webraft_result_free(error);
    }
    if (geteuid() != 0) { /* root reads anything */
        snprintf(path, sizeof path, "%s/locked.wav", dir);
        write_file(path, bytes, sizeof bytes);
        chmod(path, 0);
        webraft_result *error = NULL;
        CHECK_STATUS_EQ(webraft_form_add_file_path(form, "file", path, NULL, NULL, &error),
                        WEBRAFT_STATUS_INVALID_ARGUMENT);
        CHECK_CONTAINS(webraft_result_error_message(error), path);
        webraft_result_free(error);
    }
    CHECK_STATUS_EQ(webraft_form_add_file_path(form, "file", NULL, NULL, NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_form_add_file_path(NULL, "file", dir, NULL, NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);

    /* Nothing refused was added: the form holds no part, so the server misses both fields. */
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = webraft_send_form(client, "/audio/transcriptions", form, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    webraft_result_free(r);
    r = webraft_send_form(client, "/audio/transcriptions", NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_result_free(r);
    r = webraft_send_form(client, "audio/transcriptions", form, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_INVALID_ARGUMENT);
    webraft_result_free(r);
    webraft_client_free(client);
    webraft_form_free(form);
    remove_dir(dir);
}

static void test_transcription_from_a_path_in_every_format(void) {
    char dir[256], path[512], expected[512];
    temp_dir(dir, sizeof dir, "path");
    snprintf(path, sizeof path, "%s/line.wav", dir);
    uint8_t audio[70000];
    memcpy(audio, "RIFF\0\0\0\0WAVE", 12);
    for (size_t i = 12; i < sizeof audio; i++) audio[i] = (uint8_t)(i * 7);
    write_file(path, audio, sizeof audio);
    expected_transcript(expected, sizeof expected, "heard", audio, sizeof audio, "line.wav", "audio/wav");

    webraft_client *client = new_client("/v1", NULL);
    const char *formats[] = {NULL, "json", "text", "verbose_json"};
    for (size_t i = 0; i < 4; i++) {
        webraft_form *form = transcription_form(formats[i]);
        CHECK_STATUS_EQ(webraft_form_add_file_path(form, "file", path, NULL, NULL, NULL), WEBRAFT_STATUS_OK);
        webraft_result *r = webraft_send_form(client, "/audio/transcriptions", form, NULL);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        size_t len = 0;
        CHECK_STR_EQ(webraft_result_text(r, &len), expected);
        CHECK_INT_EQ(len, strlen(expected));
        webraft_result_free(r);
        /* The form was not consumed: it sends again, re-reading the file. */
        r = webraft_send_form(client, "/audio/transcriptions", form, NULL);
        CHECK_STR_EQ(webraft_result_text(r, NULL), expected);
        webraft_result_free(r);
        webraft_form_free(form);
    }
    /* A given file name and content type win over the path's. */
    webraft_form *form = transcription_form(NULL);
    CHECK_STATUS_EQ(webraft_form_add_file_path(form, "file", path, "take \"2\".wav", "audio/x-wav", NULL),
                    WEBRAFT_STATUS_OK);
    webraft_result *r = webraft_send_form(client, "/audio/transcriptions", form, NULL);
    expected_transcript(expected, sizeof expected, "heard", audio, sizeof audio, "take %222%22.wav", "audio/x-wav");
    CHECK_STR_EQ(webraft_result_text(r, NULL), expected);
    webraft_result_free(r);
    webraft_form_free(form);
    webraft_client_free(client);
    remove_dir(dir);
}

static void test_non_utf8_file_names_are_handled(void) {
    char dir[256], path[512], expected[512];
    temp_dir(dir, sizeof dir, "latin1");
    snprintf(path, sizeof path, "%s/caf\xe9.wav", dir);
    const uint8_t audio[] = "RIFF\0\0\0\0WAVEdata";
    write_file(path, audio, sizeof audio);
    webraft_form *form = transcription_form("text");
    CHECK_STATUS_EQ(webraft_form_add_file_path(form, "file", path, NULL, NULL, NULL), WEBRAFT_STATUS_OK);
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = webraft_send_form(client, "/audio/transcriptions", form, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    expected_transcript(expected, sizeof expected, "heard", audio, sizeof audio, "caf\xef\xbf\xbd.wav", "audio/wav");
    CHECK_STR_EQ(webraft_result_text(r, NULL), expected);
    webraft_result_free(r);
    webraft_form_free(form);
    webraft_client_free(client);
    remove_dir(dir);
}

static void test_translation_of_bytes_with_nuls(void) {
    const uint8_t audio[] = {0, 0, 'O', 'g', 'g', 0, 1, 2};
    char expected[512];
    expected_transcript(expected, sizeof expected, "translated", audio, sizeof audio, "memo.ogg", "audio/ogg");
    webraft_form *form = transcription_form("verbose_json");
    CHECK_STATUS_EQ(webraft_form_add_file_bytes(form, "file", audio, sizeof audio, "memo.ogg", NULL),
                    WEBRAFT_STATUS_OK);
    webraft_client *client = new_client("/v2", NULL);
    webraft_result *r = webraft_send_form(client, "/audio/translations", form, NULL);
    webraft_form_free(form); /* the result does not need the form */
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(r, NULL), expected);
    CHECK_CONTAINS(webraft_result_json(r, NULL), "\"task\":\"translate\"");
    webraft_result_free(r);
    webraft_client_free(client);
}

struct transcript_events {
    int deltas;
    int done;
    int headers;
    struct buf text;
};

static int on_transcript_event(void *user_data, webraft_event kind, const char *name, const char *data, size_t len) {
    struct transcript_events *seen = user_data;
    (void)name;
    if (kind == WEBRAFT_EVENT_HEADERS) {
        seen->headers++;
    } else if (strstr(data, "\"transcript.text.delta\"")) {
        seen->deltas++;
    } else if (strstr(data, "\"transcript.text.done\"")) {
        seen->done++;
    }
    buf_append(&seen->text, data, len);
    return 0;
}

static void test_streamed_transcription_by_callback_and_poll(void) {
    const uint8_t audio[] = "ID3 voice";
    char expected[512];
    expected_transcript(expected, sizeof expected, "heard", audio, sizeof audio - 1, "mic.mp3", "audio/mpeg");
    webraft_form *form = transcription_form(NULL);
    CHECK_STATUS_EQ(webraft_form_add_file_bytes(form, "file", audio, sizeof audio - 1, "mic.mp3", NULL),
                    WEBRAFT_STATUS_OK);
    webraft_client *client = new_client("/v1", NULL);
    struct transcript_events seen = {0};
    webraft_result *r = webraft_send_form_stream(client, "/audio/transcriptions", form, NULL, on_transcript_event, &seen);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(r, NULL), expected);
    CHECK_INT_EQ(seen.deltas, 8);
    CHECK_INT_EQ(seen.done, 1);
    CHECK_INT_EQ(seen.headers, 1);
    CHECK_INT_EQ(webraft_result_chunk_count(r), 9);
    webraft_result_free(r);
    buf_free(&seen.text);

    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_send_form_stream_start(client, "/audio/transcriptions", form, NULL, WEBRAFT_DELIVERY_POLL,
                                                   NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    webraft_form_free(form); /* the request took its snapshot */
    CHECK(webraft_request_is_stream(request));
    webraft_event event = WEBRAFT_EVENT_PENDING;
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK_STATUS_EQ(webraft_request_next_bytes(request, 0, &event, &bytes, &len), WEBRAFT_STATUS_INVALID_ARGUMENT);
    int chunks = 0;
    do {
        char *data = NULL;
        CHECK_STATUS_EQ(webraft_request_next_event(request, generous_ms(5000), &event, NULL, &data, &len),
                        WEBRAFT_STATUS_OK);
        if (event == WEBRAFT_EVENT_CHUNK) chunks++;
        webraft_string_free(data);
    } while (event != WEBRAFT_EVENT_DONE);
    CHECK_INT_EQ(chunks, 9);
    r = webraft_request_take_result(request);
    CHECK_STR_EQ(webraft_result_text(r, NULL), expected);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_error_replies_to_forms_and_the_upload_bound(void) {
    webraft_client *client = new_client("/v1", ",\"max_upload_bytes\":100");
    webraft_form *form = webraft_form_new();
    const uint8_t small[] = "RIFF";
    CHECK_STATUS_EQ(webraft_form_add_file_bytes(form, "file", small, 4, "a.wav", NULL), WEBRAFT_STATUS_OK);
    webraft_result *r = webraft_send_form(client, "/audio/transcriptions", form, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 400);
    CHECK_STR_EQ(webraft_result_error_param(r), "model");
    CHECK_STR_EQ(webraft_result_server_message(r), "Missing required parameter: 'model'.");
    webraft_result_free(r);

    char dir[256], path[512];
    temp_dir(dir, sizeof dir, "bound");
    snprintf(path, sizeof path, "%s/long.wav", dir);
    uint8_t big[101] = {0};
    write_file(path, big, sizeof big);
    CHECK_STATUS_EQ(webraft_form_add_file_path(form, "extra", path, NULL, NULL, NULL), WEBRAFT_STATUS_OK);
    r = webraft_send_form(client, "/audio/transcriptions", form, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_INT_EQ(webraft_result_http_status(r), 0); /* nothing was sent */
    CHECK_CONTAINS(webraft_result_error_message(r), path);
    CHECK_CONTAINS(webraft_result_error_message(r), "max_upload_bytes");
    webraft_result_free(r);

    /* A file gone between adding and sending fails when sent, naming it. */
    webraft_form *gone = transcription_form(NULL);
    CHECK_STATUS_EQ(webraft_form_add_file_path(gone, "file", path, NULL, NULL, NULL), WEBRAFT_STATUS_OK);
    unlink(path);
    r = webraft_send_form(client, "/audio/transcriptions", gone, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_INT_EQ(webraft_result_http_status(r), 0);
    CHECK_CONTAINS(webraft_result_error_message(r), path);
    webraft_result_free(r);
    webraft_form_free(gone);
    webraft_form_free(form);
    webraft_client_free(client);
    remove_dir(dir);
    webraft_client *bad = NULL;
    webraft_result *error = NULL;
    CHECK_STATUS_EQ(webraft_client_new("{\"max_upload_bytes\":0}", &bad, &error), WEBRAFT_STATUS_INVALID_CONFIG);
    CHECK_CONTAINS(webraft_result_error_message(error), "max_upload_bytes");
    webraft_result_free(error);
}

static void test_speech_in_memory_is_length_delimited(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = webraft_download(client, "POST", "/audio/speech", speech_json("tts-1", "Hello, NPC"), NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    size_t len = 0;
    const uint8_t *body = webraft_result_body_bytes(r, &len);
    CHECK(is_speech(body, len, 10 * 1024));
    CHECK_INT_EQ(body[0], 0); /* a NUL first: never read as a string */
    CHECK_INT_EQ(webraft_result_bytes_received(r), 10 * 1024);
    CHECK_NULL(webraft_result_json(r, NULL));
    CHECK_STR_EQ(webraft_result_header(r, "content-type"), "audio/mpeg");
    webraft_result_free(r);
    CHECK_NULL(webraft_result_body_bytes(NULL, &len));
    CHECK_INT_EQ(len, 0);
    CHECK_INT_EQ(webraft_result_bytes_received(NULL), 0);

    r = webraft_download(client, "POST", "/audio/speech", speech_json("tts-cut", "Hello there"), NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_TRANSPORT);
    CHECK_INT_EQ(webraft_result_bytes_received(r), 4096);
    body = webraft_result_body_bytes(r, &len);
    CHECK(is_speech(body, len, 4096));
    webraft_result_free(r);

    r = webraft_download(client, "POST", "/audio/speech", "{\"model\":\"tts-1\",\"input\":\"x\"}", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_STR_EQ(webraft_result_error_param(r), "voice");
    webraft_result_free(r);
    r = webraft_download(client, "POST", "/audio/speech", "{", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_INVALID_JSON);
    webraft_result_free(r);
    r = webraft_download(client, NULL, "/audio/speech", NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_result_free(r);
    webraft_client_free(client);
}

struct pieces {
    struct buf bytes;
    int count;
};

static int on_piece(void *user_data, const uint8_t *data, size_t len) {
    struct pieces *seen = user_data;
    CHECK(len > 0);
    buf_append(&seen->bytes, (const char *)data, len);
    seen->count++;
    return 0;
}

static int stop_at_first_piece(void *user_data, const uint8_t *data, size_t len) {
    (void)data;
    (void)len;
    ++*(int *)user_data;
    return 1;
}

static void test_speech_pieces_by_callback(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct pieces seen = {0};
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_download_start(client, "POST", "/audio/speech", speech_json("tts-1", "A longer line."), NULL,
                                           WEBRAFT_DELIVERY_CALLBACK, on_piece, NULL, &seen, &request),
                    WEBRAFT_STATUS_OK);
    CHECK(webraft_request_wait(request, generous_ms(10000)));
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK(seen.count > 1);
    CHECK(is_speech((const uint8_t *)seen.bytes.data, seen.bytes.len, 14 * 1024));
    CHECK_INT_EQ(webraft_result_bytes_received(r), 14 * 1024);
    CHECK_NULL(webraft_result_body_bytes(r, NULL)); /* handed on, not kept */
    webraft_event event = WEBRAFT_EVENT_PENDING;
    CHECK_STATUS_EQ(webraft_request_next(request, 0, &event, NULL, NULL), WEBRAFT_STATUS_INVALID_ARGUMENT);
    webraft_result_free(r);
    webraft_request_free(request);
    buf_free(&seen.bytes);

    int calls = 0;
    r = NULL;
    CHECK_STATUS_EQ(webraft_download_start(client, "POST", "/audio/speech", speech_json("tts-1", "Stop me early."), NULL,
                                           WEBRAFT_DELIVERY_CALLBACK, stop_at_first_piece, NULL, &calls, &request),
                    WEBRAFT_STATUS_OK);
    CHECK(webraft_request_wait(request, generous_ms(10000)));
    r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
    CHECK_INT_EQ(calls, 1);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_polled_speech_pieces(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = NULL;
    webraft_event event = WEBRAFT_EVENT_PENDING;
    CHECK_STATUS_EQ(webraft_download_start(client, "POST", "/audio/speech", speech_json("tts-1", "Polled"), NULL,
                                           WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    CHECK_STATUS_EQ(webraft_request_next_event(request, 0, &event, NULL, NULL, NULL), WEBRAFT_STATUS_INVALID_ARGUMENT);
    struct buf polled = {0};
    int pieces = 0;
    do {
        uint8_t *data = NULL;
        size_t len = 0;
        CHECK_STATUS_EQ(webraft_request_next_bytes(request, generous_ms(5000), &event, &data, &len), WEBRAFT_STATUS_OK);
        if (event == WEBRAFT_EVENT_BYTES) {
            CHECK(data != NULL && len > 0);
            buf_append(&polled, (const char *)data, len);
            pieces++;
        } else {
            CHECK_NULL(data);
        }
        webraft_bytes_free(data, len);
    } while (event != WEBRAFT_EVENT_DONE);
    CHECK(pieces > 1);
    CHECK(is_speech((const uint8_t *)polled.data, polled.len, 6 * 1024));
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    webraft_result_free(r);
    webraft_request_free(request);
    buf_free(&polled);
    webraft_bytes_free(NULL, 5);
    webraft_client_free(client);
}

static int done_count;
static void count_done(void *user_data, webraft_status status) {
    (void)user_data;
    (void)status;
    __atomic_add_fetch(&done_count, 1, __ATOMIC_SEQ_CST);
}

static void test_speech_to_a_file_is_atomic(void) {
    char dir[256], path[512];
    temp_dir(dir, sizeof dir, "file");
    snprintf(path, sizeof path, "%s/npc.mp3", dir);
    const uint8_t previous[] = "previous take";
    write_file(path, previous, sizeof previous);
    webraft_client *client = new_client("/v1", NULL);

    /* Failures leave the file as it was, and no temporary file. */
    const char *failing[] = {speech_json("tts-cut", "Hello there"), "{\"model\":\"tts-1\",\"input\":\"x\"}"};
    const webraft_status expected_status[] = {WEBRAFT_STATUS_TRANSPORT, WEBRAFT_STATUS_HTTP_STATUS};
    for (size_t i = 0; i < 2; i++) {
        webraft_result *r = webraft_download_to_file(client, "POST", "/audio/speech", failing[i], NULL, path);
        CHECK_RESULT_STATUS(r, expected_status[i]);
        webraft_result_free(r);
        size_t len = 0;
        uint8_t *data = read_file(path, &len);
        CHECK(len == sizeof previous && memcmp(data, previous, len) == 0);
        free(data);
        CHECK_INT_EQ(entries_in(dir), 1);
    }

    webraft_result *r = webraft_download_to_file(client, "POST", "/audio/speech", speech_json("tts-1", "Hi!"), NULL, path);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_bytes_received(r), 3 * 1024);
    webraft_result_free(r);
    size_t len = 0;
    uint8_t *data = read_file(path, &len);
    CHECK(is_speech(data, len, 3 * 1024));
    free(data);
    CHECK_INT_EQ(entries_in(dir), 1);

    webraft_request *request = NULL;
    done_count = 0;
    CHECK_STATUS_EQ(webraft_download_to_file_start(client, "POST", "/audio/speech", speech_json("tts-1", "Again"), NULL,
                                                   path, count_done, NULL, &request),
                    WEBRAFT_STATUS_OK);
    CHECK(webraft_request_wait(request, generous_ms(10000)));
    r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    webraft_result_free(r);
    webraft_request_free(request);
    data = read_file(path, &len);
    CHECK(is_speech(data, len, 5 * 1024));
    free(data);
    webraft_client_free(client);
    /* The done callback runs just after the result is published. */
    for (unsigned waited = 0; __atomic_load_n(&done_count, __ATOMIC_SEQ_CST) == 0 && waited < generous_ms(5000); waited++)
        sleep_ms(1);
    CHECK_INT_EQ(__atomic_load_n(&done_count, __ATOMIC_SEQ_CST), 1);
    remove_dir(dir);
}

static void test_a_cancelled_file_download_leaves_nothing(void) {
    char dir[256], path[512], body[4096];
    temp_dir(dir, sizeof dir, "cancel");
    snprintf(path, sizeof path, "%s/long.mp3", dir);
    char line[2001];
    memset(line, 'a', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    /* 2000 bytes of input: 2 MB of speech in 500 pieces 1 ms apart, so the cancel lands mid-body. */
    snprintf(body, sizeof body, "{\"model\":\"tts-1\",\"input\":\"%s\",\"voice\":\"alloy\"}", line);
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_download_to_file_start(client, "POST", "/audio/speech", body, NULL, path, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    CHECK(webraft_request_is_stream(request));
    sleep_ms(50);
    webraft_request_cancel(request);
    CHECK(webraft_request_wait(request, generous_ms(5000)));
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
    CHECK(webraft_result_bytes_received(r) < 2000 * 1024);
    webraft_result_free(r);
    webraft_request_free(request);
    CHECK_INT_EQ(entries_in(dir), 0);
    webraft_client_free(client);
    remove_dir(dir);
}

static void test_download_targets_that_cannot_be_written_fail_before_sending(void) {
    char dir[256];
    temp_dir(dir, sizeof dir, "targets");
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r =
        webraft_download_to_file(client, "POST", "/audio/speech", speech_json("tts-1", "x"), NULL, dir);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_CONTAINS(webraft_result_error_message(r), dir);
    webraft_result_free(r);
    r = webraft_download_to_file(client, "POST", "/audio/speech", speech_json("tts-1", "x"), NULL,
                                 "/nonexistent/webraft/out.mp3");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_IO);
    CHECK_CONTAINS(webraft_result_error_message(r), "/nonexistent/webraft/out.mp3");
    CHECK_INT_EQ(webraft_result_http_status(r), 0);
    webraft_result_free(r);
    r = webraft_download_to_file(client, "POST", "/audio/speech", speech_json("tts-1", "x"), NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_result_free(r);
    webraft_client_free(client);
    CHECK_INT_EQ(entries_in(dir), 0);
    remove_dir(dir);
}

static void test_images_decode_save_and_urls(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = webraft_send(client, "POST", "/images/generations",
                                     "{\"model\":\"gpt-image-1\",\"prompt\":\"a red fox\",\"n\":2}", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_image_count(r), 2);
    const uint8_t *data = NULL;
    size_t len = 0;
    CHECK_STATUS_EQ(webraft_result_image_bytes(r, 1, &data, &len), WEBRAFT_STATUS_OK);
    CHECK(len == 19 && memcmp(data, "\x89PNG\r\n\x1a\na red fox#1", len) == 0);
    CHECK_NULL(webraft_result_image_url(r, 1));
    CHECK_STATUS_EQ(webraft_result_image_bytes(r, 2, &data, &len), WEBRAFT_STATUS_MISSING);
    CHECK_NULL(data);
    CHECK_INT_EQ(len, 0);
    CHECK_STATUS_EQ(webraft_result_image_bytes(r, 0, NULL, &len), WEBRAFT_STATUS_NULL_ARGUMENT);

    char dir[256], path[512];
    temp_dir(dir, sizeof dir, "images");
    snprintf(path, sizeof path, "%s/fox.png", dir);
    CHECK_STATUS_EQ(webraft_result_image_save(r, 0, path, NULL), WEBRAFT_STATUS_OK);
    uint8_t *saved = read_file(path, &len);
    CHECK(len == 19 && memcmp(saved, "\x89PNG\r\n\x1a\na red fox#0", len) == 0);
    free(saved);
    webraft_result *error = NULL;
    CHECK_STATUS_EQ(webraft_result_image_save(r, 0, dir, &error), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_CONTAINS(webraft_result_error_message(error), dir);
    webraft_result_free(error);
    CHECK_STATUS_EQ(webraft_result_image_save(r, 5, path, &error), WEBRAFT_STATUS_MISSING);
    webraft_result_free(error);
    CHECK_STATUS_EQ(webraft_result_image_save(NULL, 0, path, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_INT_EQ(entries_in(dir), 1);
    webraft_result_free(r);

    r = webraft_send(client, "POST", "/images/generations", "{\"prompt\":\"x\",\"response_format\":\"url\"}", NULL);
    CHECK_STR_EQ(webraft_result_image_url(r, 0), "https://images.webraft-mock.invalid/0.png");
    CHECK_STATUS_EQ(webraft_result_image_bytes(r, 0, &data, &len), WEBRAFT_STATUS_MISSING);
    CHECK_STATUS_EQ(webraft_result_image_save(r, 0, path, NULL), WEBRAFT_STATUS_MISSING);
    webraft_result_free(r);

    /* Edits: a multipart upload whose images start with the uploaded bytes. */
    const uint8_t image[] = "\x89PNG\r\n\x1a\n\0pixels";
    webraft_form *form = webraft_form_new();
    CHECK_STATUS_EQ(webraft_form_add_file_bytes(form, "image", image, sizeof image - 1, "in.png", NULL), WEBRAFT_STATUS_OK);
    CHECK_STATUS_EQ(webraft_form_add_text(form, "prompt", "hat"), WEBRAFT_STATUS_OK);
    r = webraft_send_form(client, "/images/edits", form, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STATUS_EQ(webraft_result_image_bytes(r, 0, &data, &len), WEBRAFT_STATUS_OK);
    CHECK(len == sizeof image - 1 + 5 && memcmp(data, image, sizeof image - 1) == 0 &&
          memcmp(data + sizeof image - 1, "hat#0", 5) == 0);
    webraft_result_free(r);
    webraft_form_free(form);
    CHECK_INT_EQ(webraft_result_image_count(NULL), 0);
    CHECK_NULL(webraft_result_image_url(NULL, 0));
    webraft_client_free(client);
    remove_dir(dir);
}

static void test_embeddings_read_the_same_from_floats_and_base64(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *floats = webraft_send(client, "POST", "/embeddings",
                                          "{\"model\":\"m\",\"input\":[\"one\",\"two\"],\"dimensions\":16}", NULL);
    webraft_result *packed = webraft_send(
        client, "POST", "/embeddings",
        "{\"model\":\"m\",\"input\":[\"one\",\"two\"],\"dimensions\":16,\"encoding_format\":\"base64\"}", NULL);
    CHECK_INT_EQ(webraft_result_embedding_count(floats), 2);
    CHECK_INT_EQ(webraft_result_embedding_count(packed), 2);
    for (size_t i = 0; i < 2; i++) {
        const float *a = NULL, *b = NULL;
        size_t a_len = 0, b_len = 0;
        CHECK_STATUS_EQ(webraft_result_embedding(floats, i, &a, &a_len), WEBRAFT_STATUS_OK);
        CHECK_STATUS_EQ(webraft_result_embedding(packed, i, &b, &b_len), WEBRAFT_STATUS_OK);
        CHECK(a_len == 16 && b_len == 16);
        bool same = a && b;
        for (size_t j = 0; same && j < 16; j++) same = a[j] == b[j] && a[j] >= -1.0f && a[j] <= 1.0f;
        CHECK(same);
    }
    const float *values = NULL;
    size_t len = 7;
    CHECK_STATUS_EQ(webraft_result_embedding(floats, 2, &values, &len), WEBRAFT_STATUS_MISSING);
    CHECK(values == NULL && len == 0);
    CHECK_STATUS_EQ(webraft_result_embedding(NULL, 0, &values, &len), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_result_embedding(floats, 0, NULL, &len), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_INT_EQ(webraft_result_embedding_count(NULL), 0);
    webraft_result_free(floats);
    webraft_result_free(packed);
    webraft_client_free(client);
}

static void test_start_and_poll_argument_errors(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_download_start(client, "POST", "/audio/speech", NULL, NULL, WEBRAFT_DELIVERY_CALLBACK, NULL,
                                           NULL, NULL, &request),
                    WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_request_free(request);
    CHECK_STATUS_EQ(webraft_download_start(client, "POST", "/audio/speech", NULL, NULL, WEBRAFT_DELIVERY_NONE, on_piece,
                                           NULL, NULL, &request),
                    WEBRAFT_STATUS_INVALID_ARGUMENT);
    webraft_request_free(request);
    webraft_event event = WEBRAFT_EVENT_CHUNK;
    uint8_t *data = (uint8_t *)&event;
    size_t len = 9;
    CHECK_STATUS_EQ(webraft_request_next_bytes(NULL, 0, &event, &data, &len), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK(data == NULL && len == 0);
    CHECK_STATUS_EQ(webraft_download_start(client, "POST", "/audio/speech", NULL, NULL, 7, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK(webraft_request_is_finished(request));
    webraft_request_free(request);
    CHECK_STATUS_EQ(webraft_download_start(client, "POST", "/audio/speech", NULL, NULL, WEBRAFT_DELIVERY_NONE, NULL,
                                           NULL, NULL, NULL),
                    WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_form *form = transcription_form(NULL);
    CHECK_STATUS_EQ(webraft_send_form_stream_start(client, "/audio/transcriptions", form, NULL,
                                                   WEBRAFT_DELIVERY_CALLBACK, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_request_free(request);
    CHECK_STATUS_EQ(webraft_send_form_start(client, "/audio/transcriptions", NULL, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_NULL_ARGUMENT); /* the handle is already finished, holding the error */
    CHECK(webraft_request_is_finished(request));
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_result_free(r);
    webraft_request_free(request);

    /* A plain download's next_bytes is a wait: PENDING until DONE, never a piece. */
    CHECK_STATUS_EQ(webraft_download_start(client, "POST", "/audio/speech", speech_json("tts-1", "Hey"), NULL,
                                           WEBRAFT_DELIVERY_NONE, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    CHECK(!webraft_request_is_stream(request));
    do {
        CHECK_STATUS_EQ(webraft_request_next_bytes(request, generous_ms(5000), &event, &data, &len), WEBRAFT_STATUS_OK);
        CHECK(event != WEBRAFT_EVENT_BYTES && data == NULL);
    } while (event != WEBRAFT_EVENT_DONE);
    r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    size_t body_len = 0;
    const uint8_t *body = webraft_result_body_bytes(r, &body_len);
    CHECK_MSG(is_speech(body, body_len, 3 * 1024), "a body of %zu bytes", body_len);
    CHECK_STATUS_EQ(webraft_result_image_save(r, 0, NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_INT_EQ(webraft_result_image_count(r), 0); /* not an images reply */
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_form_free(form);
    webraft_client_free(client);
}

const struct test_case media_tests[] = {
    TEST_ENTRY(test_form_bad_inputs_fail_clearly_and_name_the_path),
    TEST_ENTRY(test_transcription_from_a_path_in_every_format),
    TEST_ENTRY(test_non_utf8_file_names_are_handled),
    TEST_ENTRY(test_translation_of_bytes_with_nuls),
    TEST_ENTRY(test_streamed_transcription_by_callback_and_poll),
    TEST_ENTRY(test_error_replies_to_forms_and_the_upload_bound),
    TEST_ENTRY(test_speech_in_memory_is_length_delimited),
    TEST_ENTRY(test_speech_pieces_by_callback),
    TEST_ENTRY(test_polled_speech_pieces),
    TEST_ENTRY(test_speech_to_a_file_is_atomic),
    TEST_ENTRY(test_download_targets_that_cannot_be_written_fail_before_sending),
    TEST_ENTRY(test_a_cancelled_file_download_leaves_nothing),
    TEST_ENTRY(test_images_decode_save_and_urls),
    TEST_ENTRY(test_embeddings_read_the_same_from_floats_and_base64),
    TEST_ENTRY(test_start_and_poll_argument_errors),
};
const size_t media_tests_count = sizeof media_tests / sizeof media_tests[0];
