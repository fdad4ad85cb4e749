/*
 * test_mock.c: tests that start their own webraft-mock through webraft_mock.h, as a user's
 * C tests would ($WEBRAFT_MOCK_BIN, set by run.sh to this build's): a stream cut by a fault
 * flag, an error sequence the library retries through, and a mock that cannot start.
 */
#include "check.h"

#include "webraft_mock.h"

/* A client of the mock's /v1 with its key; `extra` as for new_client. */
static webraft_client *mock_client(const webraft_mock *mock, const char *extra) {
    char config[512];
    webraft_client *client = NULL;
    webraft_result *error = NULL;
    snprintf(config, sizeof config, "{\"api_key\":\"test-key\",\"base_url\":\"%s/v1\"%s}", mock->url,
             extra ? extra : "");
    CHECK_STATUS_EQ(webraft_client_new(config, &client, &error), WEBRAFT_STATUS_OK);
    webraft_result_free(error);
    return client;
}

/* Starts the mock with `args`; a mock that does not start fails the test. */
static bool start_mock(webraft_mock *mock, const char *const *args) {
    if (webraft_mock_start(mock, args) == 0) return true;
    CHECK_MSG(false, "%s", mock->error);
    return false;
}

static int append_text(void *user_data, const char *chunk, size_t len) {
    append_chunk_text(user_data, chunk, len);
    return 0;
}

static void test_mock_disconnect_after_cuts_the_stream(void) {
    webraft_mock mock;
    const char *args[] = {"--disconnect-after", "3", NULL};
    if (!start_mock(&mock, args)) return;
    webraft_client *client = mock_client(&mock, ",\"max_retries\":0");
    char body[256];
    struct buf text = {0};
    chat_body(body, sizeof body, "gpt-4o", "hi", false);
    webraft_result *result = webraft_chat_stream(client, body, NULL, append_text, &text);
    CHECK_RESULT_STATUS(result, WEBRAFT_STATUS_TRANSPORT);
    CHECK_STR_EQ(buf_str(&text), "Hello! You ");
    webraft_result_free(result);
    buf_free(&text);
    webraft_client_free(client);
    CHECK_INT_EQ(webraft_mock_stop(&mock), 0);
}

static void test_mock_error_sequence_is_retried(void) {
    webraft_mock mock;
    const char *args[] = {"--errors", "503:20ms,429:20ms", NULL};
    if (!start_mock(&mock, args)) return;
    webraft_client *client = mock_client(&mock, ",\"max_retries\":3");
    char body[256];
    chat_body(body, sizeof body, "gpt-4o", "hi", false);
    webraft_result *result = webraft_chat(client, body, NULL);
    CHECK_RESULT_STATUS(result, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(result, NULL), MODEL_REPLY_HI);
    CHECK_INT_EQ(webraft_result_retries(result), 2);
    webraft_result_free(result);
    webraft_client_free(client);
    CHECK_INT_EQ(webraft_mock_stop(&mock), 0);
}

/* An upload answered 500 is sent again whole: the transcript describes every byte, and a
 * streamed transcript's retry comes through as well. */
static void test_mock_failed_upload_is_retried_whole(void) {
    webraft_mock mock;
    const char *args[] = {"--errors", "500:20ms,503:20ms", NULL};
    if (!start_mock(&mock, args)) return;
    webraft_client *client = mock_client(&mock, ",\"max_retries\":2");
    uint8_t audio[40000];
    for (size_t i = 0; i < sizeof audio; i++) audio[i] = (uint8_t)(i % 256);
    webraft_form *form = webraft_form_new();
    CHECK_STATUS_EQ(webraft_form_add_text(form, "model", "whisper-1"), WEBRAFT_STATUS_OK);
    CHECK_STATUS_EQ(webraft_form_add_file_bytes(form, "file", audio, sizeof audio, "a.wav", "audio/wav"),
                    WEBRAFT_STATUS_OK);
    webraft_result *result = webraft_send_form(client, "/audio/transcriptions", form, NULL);
    CHECK_RESULT_STATUS(result, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_retries(result), 2);
    CHECK_CONTAINS(webraft_result_text(result, NULL), "heard 40000 bytes of a.wav (audio/wav) fnv1a64 ");
    webraft_result_free(result);
    webraft_form_free(form);
    webraft_client_free(client);
    CHECK_INT_EQ(webraft_mock_stop(&mock), 0);
}

static void test_mock_that_cannot_start_says_so(void) {
    webraft_mock mock;
    const char *args[] = {"--replay", "/nonexistent/cassette.jsonl", NULL};
    CHECK_INT_EQ(webraft_mock_start(&mock, args), -1);
    CHECK_CONTAINS(mock.error, "did not print LISTENING");
    CHECK_INT_EQ(mock.pid, 0);
    CHECK_INT_EQ(webraft_mock_stop(&mock), -1);
}

const struct test_case mock_tests[] = {
    TEST_ENTRY(test_mock_disconnect_after_cuts_the_stream),
    TEST_ENTRY(test_mock_error_sequence_is_retried),
    TEST_ENTRY(test_mock_failed_upload_is_retried_whole),
    TEST_ENTRY(test_mock_that_cannot_start_says_so),
};
const size_t mock_tests_count = sizeof mock_tests / sizeof mock_tests[0];
