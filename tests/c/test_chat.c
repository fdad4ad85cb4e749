/*
 * test_chat.c: the blocking calls (webraft_chat, webraft_chat_stream, webraft_send)
 * against the loopback test server: every base, the argument errors of every
 * entry point, HTTP and stream failures, timeouts, size limits, generic
 * requests and images.
 */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const k_bases[] = {"/v1", "/v2", "/freeapi"};
#define BASE_COUNT (sizeof k_bases / sizeof k_bases[0])

/* Run a blocking chat of `model` with prompt "hi". */
static webraft_result *chat(const webraft_client *client, const char *model, const char *options) {
    char body[512];
    chat_body(body, sizeof body, model, "hi", false);
    return webraft_chat(client, body, options);
}

/* ---- stream collection --------------------------------------------------------- */

struct stream_seen {
    pthread_mutex_t mutex;
    pthread_t caller;
    int calls;
    int cancel_after; /* return non-zero from this call on (0: never) */
    bool on_caller_thread;
    struct buf text;
};

static void stream_seen_init(struct stream_seen *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mutex, NULL);
    s->caller = pthread_self();
}

static void stream_seen_destroy(struct stream_seen *s) {
    buf_free(&s->text);
    pthread_mutex_destroy(&s->mutex);
}

static int collect_chunk(void *user_data, const char *chunk, size_t len) {
    struct stream_seen *s = user_data;
    int stop;
    pthread_mutex_lock(&s->mutex);
    s->calls++;
    if (pthread_equal(pthread_self(), s->caller)) s->on_caller_thread = true;
    CHECK_NOT_NULL(chunk);
    if (chunk != NULL) {
        CHECK_MSG(chunk[len] == '\0', "chunk not NUL-terminated at len %zu", len);
        CHECK_MSG(strlen(chunk) == len, "strlen(chunk) %zu != len %zu", strlen(chunk), len);
        CHECK_MSG(len > 0 && chunk[0] == '{', "chunk is not a JSON object: %s", chunk);
        append_chunk_text(&s->text, chunk, len);
    }
    stop = s->cancel_after > 0 && s->calls >= s->cancel_after;
    pthread_mutex_unlock(&s->mutex);
    return stop;
}

/* Stream `model` ("hi") with collect_chunk into *seen (initialised here). */
static webraft_result *stream(const webraft_client *client, const char *model, const char *options,
                              struct stream_seen *seen) {
    char body[512];
    chat_body(body, sizeof body, model, "hi", false);
    return webraft_chat_stream(client, body, options, collect_chunk, seen);
}

/* Common checks of a successful chat result with the reply to "hi". */
static void check_chat_ok(const webraft_result *r, const char *expected_text) {
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_http_status(r), 200);
    size_t text_len = 999;
    const char *text = webraft_result_text(r, &text_len);
    CHECK_STR_EQ(text, expected_text);
    if (text != NULL) CHECK_INT_EQ(text_len, strlen(text));
    size_t json_len = 999;
    const char *json = webraft_result_json(r, &json_len);
    CHECK_CONTAINS(json, "\"object\":\"chat.completion\"");
    if (json != NULL) CHECK_INT_EQ(json_len, strlen(json));
    CHECK_NULL(webraft_result_error_message(r));
    CHECK_NULL(webraft_result_error_type(r));
    CHECK_NULL(webraft_result_error_code(r));
    CHECK_NULL(webraft_result_error_param(r));
    const char *rid = webraft_result_request_id(r);
    CHECK_MSG(rid != NULL && strncmp(rid, "req_", 4) == 0, "request id %s", rid ? rid : "NULL");
}

/* ---- blocking chat ---------------------------------------------------------------- */

static void test_chat_plain_every_base(void) {
    for (size_t i = 0; i < BASE_COUNT; i++) {
        webraft_client *client = new_client(k_bases[i], NULL);
        webraft_result *r = chat(client, "gpt-4o", NULL);
        check_chat_ok(r, MODEL_REPLY_HI);
        CHECK_CONTAINS(webraft_result_json(r, NULL), "\"finish_reason\":\"stop\"");
        webraft_timings t = {-5, -5, -5};
        CHECK_STATUS_EQ(webraft_result_timings(r, &t), WEBRAFT_STATUS_OK);
        CHECK_MSG(t.headers_ms >= 0, "%s: headers_ms %f", k_bases[i], t.headers_ms);
        CHECK_MSG(t.total_ms >= t.headers_ms, "%s: total_ms %f < headers_ms %f", k_bases[i], t.total_ms,
                  t.headers_ms);
        CHECK_MSG(t.first_chunk_ms == -1.0, "%s: first_chunk_ms %f for a plain call", k_bases[i], t.first_chunk_ms);
        CHECK_INT_EQ(webraft_result_retries(r), 0);
        CHECK_INT_EQ(webraft_result_chunk_count(r), 0);
        /* The body of a chat call is its JSON. */
        size_t body_len = 0, json_len = 0;
        const char *body = webraft_result_body(r, &body_len);
        const char *json = webraft_result_json(r, &json_len);
        CHECK(body_len == json_len && body != NULL && json != NULL && memcmp(body, json, json_len) == 0);
        webraft_result_free(r);
        webraft_client_free(client);
    }
}

static void test_chat_options_null_and_empty(void) {
    webraft_client *client = new_client("/v1", NULL);
    const char *options[] = {NULL, "", "{}", "{\"timeout_ms\":0,\"max_retries\":1,\"headers\":{},\"query\":{}}"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        webraft_result *r = chat(client, "gpt-4o", options[i]);
        check_chat_ok(r, MODEL_REPLY_HI);
        webraft_result_free(r);
    }
    webraft_client_free(client);
}

static void test_chat_request_with_stream_true_is_accumulated(void) {
    webraft_client *client = new_client("/v2", NULL);
    char body[512];
    chat_body(body, sizeof body, "gpt-4o", "hi", true);
    webraft_result *r = webraft_chat(client, body, NULL);
    check_chat_ok(r, MODEL_REPLY_HI);
    CHECK_INT_EQ(webraft_result_chunk_count(r), 6);
    webraft_timings t;
    CHECK_STATUS_EQ(webraft_result_timings(r, &t), WEBRAFT_STATUS_OK);
    CHECK(t.first_chunk_ms >= 0);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_chat_multiple_choices_and_max_tokens(void) {
    webraft_client *client = new_client("/v1", NULL);
    const char *body = "{\"model\":\"gpt-4o\",\"n\":2,\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    webraft_result *plain = webraft_chat(client, body, NULL);
    check_chat_ok(plain, "Hello! You ");
    CHECK_CONTAINS(webraft_result_json(plain, NULL), "\"finish_reason\":\"length\"");
    CHECK_CONTAINS(webraft_result_json(plain, NULL), "[1] Hello! ");
    webraft_result_free(plain);

    struct stream_seen seen;
    stream_seen_init(&seen);
    webraft_result *streamed = webraft_chat_stream(client, body, NULL, collect_chunk, &seen);
    check_chat_ok(streamed, "Hello! You ");
    /* The accumulated completion keeps both choices. */
    CHECK_CONTAINS(webraft_result_json(streamed, NULL), "[1] Hello! ");
    CHECK_CONTAINS(webraft_result_json(streamed, NULL), "\"finish_reason\":\"length\"");
    CHECK_INT_EQ(webraft_result_chunk_count(streamed), seen.calls);
    webraft_result_free(streamed);
    stream_seen_destroy(&seen);
    webraft_client_free(client);
}

static void test_chat_text_with_embedded_nul(void) {
    webraft_client *client = new_client("/v1", NULL);
    const char *body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"a\\u0000b\"}]}";
    webraft_result *r = webraft_chat(client, body, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    static const char expected[] = "Hello! You said: a\0b";
    size_t len = 0;
    const char *text = webraft_result_text(r, &len);
    CHECK_INT_EQ(len, sizeof expected - 1);
    if (text != NULL && len == sizeof expected - 1) {
        CHECK(memcmp(text, expected, len) == 0);
        CHECK(text[len] == '\0');
    }
    webraft_result_free(r);
    webraft_client_free(client);
}

/* ---- argument errors of every entry point --------------------------------------------- */

enum entry { E_CHAT, E_CHAT_STREAM, E_SEND, E_CHAT_START, E_SEND_START };
static const char *const k_entry_names[] = {"webraft_chat", "webraft_chat_stream", "webraft_send",
                                            "webraft_chat_start", "webraft_send_start"};

static atomic_int g_arg_callbacks;

static int arg_chunk_cb(void *user_data, const char *chunk, size_t len) {
    (void)user_data, (void)chunk, (void)len;
    atomic_fetch_add(&g_arg_callbacks, 1);
    return 0;
}

static void arg_done_cb(void *user_data, webraft_status status) {
    (void)user_data, (void)status;
    atomic_fetch_add(&g_arg_callbacks, 1);
}

/* Call `entry` with the given arguments (chat: a = request, send: a = method,
 * b = path, c = body) and expect it to fail with `expected` before any I/O. */
static void expect_arg_error(enum entry entry, const webraft_client *client, const char *a, const char *b,
                             const char *c, const char *options, webraft_status expected, const char *what) {
    webraft_result *r = NULL;
    switch (entry) {
    case E_CHAT:
        r = webraft_chat(client, a, options);
        break;
    case E_CHAT_STREAM:
        r = webraft_chat_stream(client, a, options, arg_chunk_cb, NULL);
        break;
    case E_SEND:
        r = webraft_send(client, a, b, c, options);
        break;
    case E_CHAT_START:
    case E_SEND_START: {
        int sentinel;
        webraft_request *req = (webraft_request *)&sentinel;
        webraft_status status =
            entry == E_CHAT_START
                ? webraft_chat_start(client, a, options, WEBRAFT_DELIVERY_CALLBACK, arg_chunk_cb, arg_done_cb, NULL, &req)
                : webraft_send_start(client, a, b, c, options, arg_done_cb, NULL, &req);
        CHECK_MSG(status == expected, "%s (%s) returned %s, expected %s", k_entry_names[entry], what,
                  webraft_status_name(status), webraft_status_name(expected));
        CHECK_MSG(req != NULL && req != (webraft_request *)&sentinel, "%s (%s): no request handle",
                  k_entry_names[entry], what);
        if (req == NULL || req == (webraft_request *)&sentinel) return;
        CHECK_MSG(webraft_request_is_finished(req), "%s (%s): handle not finished", k_entry_names[entry], what);
        CHECK(webraft_request_wait(req, 0));
        webraft_event event = 99;
        char *chunk = NULL;
        CHECK_STATUS_EQ(webraft_request_next(req, 0, &event, &chunk, NULL), WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(event, WEBRAFT_EVENT_DONE);
        CHECK_NULL(chunk);
        webraft_string_free(chunk);
        r = webraft_request_take_result(req);
        CHECK_NULL(webraft_request_take_result(req));
        webraft_request_free(req);
        break;
    }
    }
    CHECK_MSG(r != NULL, "%s (%s) returned no result", k_entry_names[entry], what);
    if (r == NULL) return;
    webraft_status status = webraft_result_status(r);
    CHECK_MSG(status == expected, "%s (%s): status %s, expected %s (%s)", k_entry_names[entry], what,
              webraft_status_name(status), webraft_status_name(expected),
              webraft_result_error_message(r) ? webraft_result_error_message(r) : "no message");
    CHECK_MSG(webraft_result_error_message(r) != NULL, "%s (%s): no error message", k_entry_names[entry], what);
    CHECK_INT_EQ(webraft_result_http_status(r), 0);
    CHECK_NULL(webraft_result_text(r, NULL));
    CHECK_NULL(webraft_result_json(r, NULL));
    CHECK_NULL(webraft_result_request_id(r));
    CHECK_INT_EQ(webraft_result_retries(r), 0);
    CHECK_INT_EQ(webraft_result_chunk_count(r), 0);
    webraft_result_free(r);
}

static void chat_arg_errors(enum entry entry) {
    webraft_client *client = new_client("/v1", NULL);
    char ok[512];
    chat_body(ok, sizeof ok, "gpt-4o", "hi", false);
    atomic_store(&g_arg_callbacks, 0);
    expect_arg_error(entry, NULL, ok, NULL, NULL, NULL, WEBRAFT_STATUS_NULL_ARGUMENT, "NULL client");
    expect_arg_error(entry, client, NULL, NULL, NULL, NULL, WEBRAFT_STATUS_NULL_ARGUMENT, "NULL request");
    expect_arg_error(entry, client, "{\"model\":\"\xff\xfe\"}", NULL, NULL, NULL, WEBRAFT_STATUS_INVALID_UTF8,
                     "invalid UTF-8 request");
    expect_arg_error(entry, client, "{\"model\":", NULL, NULL, NULL, WEBRAFT_STATUS_INVALID_JSON, "invalid JSON");
    expect_arg_error(entry, client, "", NULL, NULL, NULL, WEBRAFT_STATUS_INVALID_JSON, "empty request");
    expect_arg_error(entry, client, "[1,2]", NULL, NULL, NULL, WEBRAFT_STATUS_INVALID_ARGUMENT, "JSON array");
    expect_arg_error(entry, client, "\"text\"", NULL, NULL, NULL, WEBRAFT_STATUS_INVALID_ARGUMENT, "JSON string");
    expect_arg_error(entry, client, ok, NULL, NULL, "{", WEBRAFT_STATUS_INVALID_JSON, "bad options JSON");
    expect_arg_error(entry, client, ok, NULL, NULL, "{\"retries\":1}", WEBRAFT_STATUS_INVALID_ARGUMENT,
                     "unknown option key");
    expect_arg_error(entry, client, ok, NULL, NULL, "{\"timeout_ms\":\"5\"}", WEBRAFT_STATUS_INVALID_ARGUMENT,
                     "wrong option type");
    expect_arg_error(entry, client, ok, NULL, NULL, "[]", WEBRAFT_STATUS_INVALID_ARGUMENT, "options array");
    expect_arg_error(entry, client, ok, NULL, NULL, "{\"headers\":{\"x\":\"\xff\"}}", WEBRAFT_STATUS_INVALID_UTF8,
                     "invalid UTF-8 options");
    sleep_ms(100);
    CHECK_MSG(atomic_load(&g_arg_callbacks) == 0, "%s: %d callbacks ran for rejected arguments",
              k_entry_names[entry], atomic_load(&g_arg_callbacks));
    webraft_client_free(client);
}

static void send_arg_errors(enum entry entry) {
    webraft_client *client = new_client("/v1", NULL);
    atomic_store(&g_arg_callbacks, 0);
    expect_arg_error(entry, NULL, "GET", "/models", NULL, NULL, WEBRAFT_STATUS_NULL_ARGUMENT, "NULL client");
    expect_arg_error(entry, client, NULL, "/models", NULL, NULL, WEBRAFT_STATUS_NULL_ARGUMENT, "NULL method");
    expect_arg_error(entry, client, "GET", NULL, NULL, NULL, WEBRAFT_STATUS_NULL_ARGUMENT, "NULL path");
    expect_arg_error(entry, client, "POST", "/embeddings", "{\"input\":\"\xff\"}", NULL, WEBRAFT_STATUS_INVALID_UTF8,
                     "invalid UTF-8 body");
    expect_arg_error(entry, client, "GET", "/mod\xff" "els", NULL, NULL, WEBRAFT_STATUS_INVALID_UTF8,
                     "invalid UTF-8 path");
    expect_arg_error(entry, client, "POST", "/embeddings", "{\"input\":", NULL, WEBRAFT_STATUS_INVALID_JSON,
                     "invalid JSON body");
    expect_arg_error(entry, client, "G ET", "/models", NULL, NULL, WEBRAFT_STATUS_INVALID_ARGUMENT, "bad method");
    expect_arg_error(entry, client, "", "/models", NULL, NULL, WEBRAFT_STATUS_INVALID_ARGUMENT, "empty method");
    expect_arg_error(entry, client, "GET", "models", NULL, NULL, WEBRAFT_STATUS_INVALID_ARGUMENT, "relative path");
    expect_arg_error(entry, client, "GET", "http://example.com/models", NULL, NULL, WEBRAFT_STATUS_INVALID_ARGUMENT,
                     "absolute URL");
    expect_arg_error(entry, client, "GET", "/models", NULL, "{", WEBRAFT_STATUS_INVALID_JSON, "bad options JSON");
    expect_arg_error(entry, client, "GET", "/models", NULL, "{\"bogus\":1}", WEBRAFT_STATUS_INVALID_ARGUMENT,
                     "unknown option key");
    sleep_ms(100);
    CHECK_MSG(atomic_load(&g_arg_callbacks) == 0, "%s: %d callbacks ran for rejected arguments",
              k_entry_names[entry], atomic_load(&g_arg_callbacks));
    webraft_client_free(client);
}

static void test_args_webraft_chat(void) { chat_arg_errors(E_CHAT); }
static void test_args_webraft_chat_stream(void) { chat_arg_errors(E_CHAT_STREAM); }
static void test_args_webraft_chat_start(void) { chat_arg_errors(E_CHAT_START); }
static void test_args_webraft_send(void) { send_arg_errors(E_SEND); }
static void test_args_webraft_send_start(void) { send_arg_errors(E_SEND_START); }

static void test_args_start_null_out_request(void) {
    webraft_client *client = new_client("/v1", NULL);
    char ok[512];
    chat_body(ok, sizeof ok, "gpt-4o", "hi", false);
    atomic_store(&g_arg_callbacks, 0);
    CHECK_STATUS_EQ(webraft_chat_start(client, ok, NULL, WEBRAFT_DELIVERY_CALLBACK, arg_chunk_cb, arg_done_cb, NULL, NULL),
                    WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_send_start(client, "GET", "/models", NULL, NULL, arg_done_cb, NULL, NULL),
                    WEBRAFT_STATUS_NULL_ARGUMENT);
    sleep_ms(100);
    CHECK_INT_EQ(atomic_load(&g_arg_callbacks), 0);
    webraft_client_free(client);
}

/* ---- HTTP errors ------------------------------------------------------------------------ */

static void test_http_wrong_api_key(void) {
    webraft_client *client = new_client_key("/v1", "nope", NULL);
    webraft_result *r = chat(client, "gpt-4o", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 401);
    CHECK_CONTAINS(webraft_result_error_message(r), "Wrong Api key");
    CHECK_STR_EQ(webraft_result_error_type(r), "invalid_request_error");
    CHECK_STR_EQ(webraft_result_error_code(r), "invalid_api_key");
    CHECK_NULL(webraft_result_text(r, NULL));
    CHECK_INT_EQ(webraft_result_retries(r), 0);
    const char *rid = webraft_result_request_id(r);
    CHECK_MSG(rid != NULL && strncmp(rid, "req_", 4) == 0, "request id on an error: %s", rid ? rid : "NULL");
    webraft_result_free(r);
    webraft_client_free(client);

    client = new_client_key("/v2", "nope", NULL);
    r = chat(client, "gpt-4o", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 401);
    CHECK_CONTAINS(webraft_result_error_message(r), "Wrong Api key");
    CHECK_STR_EQ(webraft_result_error_code(r), "401");
    webraft_result_free(r);
    webraft_client_free(client);

    /* The blocking stream and generic calls report the same. */
    client = new_client_key("/v1", "nope", NULL);
    struct stream_seen seen;
    stream_seen_init(&seen);
    r = stream(client, "gpt-4o", NULL, &seen);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 401);
    CHECK_INT_EQ(seen.calls, 0);
    webraft_result_free(r);
    stream_seen_destroy(&seen);
    r = webraft_send(client, "GET", "/models", NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 401);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_http_no_credits(void) {
    webraft_client *client = new_client_key("/v1", "no-credits-key", NULL);
    webraft_result *r = chat(client, "gpt-4o", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 402);
    CHECK_CONTAINS(webraft_result_error_message(r), "Insufficient Credits");
    CHECK_STR_EQ(webraft_result_error_code(r), "insufficient_quota");
    CHECK_INT_EQ(webraft_result_retries(r), 0);
    webraft_result_free(r);
    webraft_client_free(client);

    /* 429 for exhausted quota is not retried. */
    client = new_client("/v1", NULL);
    r = chat(client, "no-credits", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 429);
    CHECK_CONTAINS(webraft_result_error_message(r), "Insufficient Credits");
    CHECK_STR_EQ(webraft_result_error_type(r), "insufficient_quota");
    CHECK_INT_EQ(webraft_result_retries(r), 0);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_http_flat_error(void) {
    for (size_t i = 0; i < BASE_COUNT; i++) {
        webraft_client *client = new_client(k_bases[i], NULL);
        webraft_result *r = chat(client, "flat-error", NULL);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
        CHECK_INT_EQ(webraft_result_http_status(r), 400);
        CHECK_CONTAINS(webraft_result_error_message(r), "flat error message");
        CHECK_STR_EQ(webraft_result_error_code(r), "400");
        CHECK_STR_EQ(webraft_result_error_type(r), "BadRequestError");
        CHECK_NULL(webraft_result_error_param(r));
        webraft_result_free(r);
        webraft_client_free(client);
    }
}

static void test_http_plain_500(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = chat(client, "plain-500", "{\"max_retries\":0}");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 500);
    CHECK_CONTAINS(webraft_result_error_message(r), "Internal Server Error");
    CHECK_INT_EQ(webraft_result_retries(r), 0);
    webraft_result_free(r);

    r = chat(client, "error-500", "{\"max_retries\":0}");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 500);
    CHECK_CONTAINS(webraft_result_error_message(r), "The server had an error while processing your request");
    CHECK_STR_EQ(webraft_result_error_type(r), "server_error");
    CHECK_STR_EQ(webraft_result_error_code(r), "server_error");
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_http_validation_error_param(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = webraft_chat(client, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 400);
    CHECK_STR_EQ(webraft_result_error_param(r), "model");
    CHECK_STR_EQ(webraft_result_error_type(r), "invalid_request_error");
    CHECK_NOT_NULL(webraft_result_error_message(r));
    webraft_result_free(r);

    r = webraft_chat(client, "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_STR_EQ(webraft_result_error_param(r), "messages[0].role");
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_http_flaky_is_retried(void) {
    webraft_client *client = new_client("/v1", NULL);
    char model[128];
    unique_model(model, sizeof model, "flaky-2");
    webraft_result *r = chat(client, model, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
    CHECK_INT_EQ(webraft_result_retries(r), 2);
    webraft_result_free(r);

    /* Capped by max_retries: the last 503 is the answer. */
    unique_model(model, sizeof model, "flaky-5");
    r = chat(client, model, "{\"max_retries\":1}");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 503);
    CHECK_INT_EQ(webraft_result_retries(r), 1);
    CHECK_STR_EQ(webraft_result_error_code(r), "service_unavailable");
    webraft_result_free(r);

    /* A server still loading its model is waited for past max_retries, within loading_retry_ms. */
    unique_model(model, sizeof model, "loading-4");
    r = chat(client, model, "{\"max_retries\":0}");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_retries(r), 4);
    webraft_result_free(r);
    webraft_client_free(client);

    client = new_client("/v1", ",\"loading_retry_ms\":0");
    unique_model(model, sizeof model, "loading-2");
    r = chat(client, model, "{\"max_retries\":0}");
    CHECK_INT_EQ(webraft_result_http_status(r), 503);
    CHECK_STR_EQ(webraft_result_server_message(r), "Loading model (attempt 1 of 2)");
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_http_rate_limit(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = chat(client, "rate-limit", "{\"max_retries\":0}");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 429);
    CHECK_STR_EQ(webraft_result_error_code(r), "rate_limit_exceeded");
    CHECK_INT_EQ(webraft_result_retries(r), 0);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_http_unknown_route(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = webraft_send(client, "GET", "/no/such/route", NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 404);
    CHECK_STR_EQ(webraft_result_error_code(r), "unknown_url");
    webraft_result_free(r);
    r = webraft_send(client, "DELETE", "/models", NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 405);
    webraft_result_free(r);
    webraft_client_free(client);
}

/* ---- streaming ------------------------------------------------------------------------- */

static void test_stream_every_base(void) {
    for (size_t i = 0; i < BASE_COUNT; i++) {
        webraft_client *client = new_client(k_bases[i], NULL);
        struct stream_seen seen;
        stream_seen_init(&seen);
        webraft_result *r = stream(client, "gpt-4o", NULL, &seen);
        check_chat_ok(r, MODEL_REPLY_HI);
        CHECK_STR_EQ(buf_str(&seen.text), webraft_result_text(r, NULL));
        CHECK_INT_EQ(webraft_result_chunk_count(r), seen.calls);
        CHECK_INT_EQ(seen.calls, 6); /* role, four tokens, finish */
        CHECK_MSG(!seen.on_caller_thread, "%s: chunk callback ran on the calling thread", k_bases[i]);
        const char *json = webraft_result_json(r, NULL);
        CHECK_CONTAINS(json, "\"finish_reason\":\"stop\"");
        CHECK_CONTAINS(json, "\"role\":\"assistant\"");
        CHECK(json == NULL || strstr(json, "chat.completion.chunk") == NULL);
        webraft_timings t;
        CHECK_STATUS_EQ(webraft_result_timings(r, &t), WEBRAFT_STATUS_OK);
        CHECK_MSG(t.first_chunk_ms >= 0, "%s: first_chunk_ms %f", k_bases[i], t.first_chunk_ms);
        CHECK_MSG(t.headers_ms >= 0 && t.headers_ms <= t.first_chunk_ms && t.first_chunk_ms <= t.total_ms,
                  "%s: timings out of order: headers %f first chunk %f total %f", k_bases[i], t.headers_ms,
                  t.first_chunk_ms, t.total_ms);
        CHECK_INT_EQ(webraft_result_retries(r), 0);
        webraft_result_free(r);
        stream_seen_destroy(&seen);
        webraft_client_free(client);
    }
}

static void test_stream_without_callback(void) {
    webraft_client *client = new_client("/freeapi", NULL);
    char body[512];
    chat_body(body, sizeof body, "gpt-4o", "hi", false);
    webraft_result *r = webraft_chat_stream(client, body, NULL, NULL, NULL);
    check_chat_ok(r, MODEL_REPLY_HI);
    webraft_timings t;
    CHECK_STATUS_EQ(webraft_result_timings(r, &t), WEBRAFT_STATUS_OK);
    CHECK(t.first_chunk_ms >= 0);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_stream_odd_framings(void) {
    const char *models[] = {"llama-style", "crlf"};
    for (size_t m = 0; m < 2; m++) {
        for (size_t i = 0; i < BASE_COUNT; i++) {
            webraft_client *client = new_client(k_bases[i], NULL);
            struct stream_seen seen;
            stream_seen_init(&seen);
            webraft_result *r = stream(client, models[m], NULL, &seen);
            CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
            CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
            CHECK_STR_EQ(buf_str(&seen.text), MODEL_REPLY_HI);
            CHECK_INT_EQ(webraft_result_chunk_count(r), seen.calls);
            webraft_result_free(r);
            stream_seen_destroy(&seen);
            webraft_client_free(client);
        }
    }
}

static void test_stream_usage_chunk(void) {
    webraft_client *client = new_client("/v1", NULL);
    const char *body = "{\"model\":\"gpt-4o\",\"stream_options\":{\"include_usage\":true},"
                       "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    struct stream_seen seen;
    stream_seen_init(&seen);
    webraft_result *r = webraft_chat_stream(client, body, NULL, collect_chunk, &seen);
    check_chat_ok(r, MODEL_REPLY_HI);
    CHECK_INT_EQ(seen.calls, 7);
    CHECK_STR_EQ(buf_str(&seen.text), MODEL_REPLY_HI);
    CHECK_CONTAINS(webraft_result_json(r, NULL), "\"completion_tokens\":4");
    webraft_result_free(r);
    stream_seen_destroy(&seen);
    webraft_client_free(client);
}

static void test_stream_callback_cancels(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct stream_seen seen;
    stream_seen_init(&seen);
    seen.cancel_after = 2; /* the role chunk, then "Hello! " */
    webraft_result *r = stream(client, "gpt-4o", NULL, &seen);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
    CHECK_INT_EQ(seen.calls, 2);
    const char *text = webraft_result_text(r, NULL);
    CHECK_MSG(text != NULL && text[0] != '\0' && strncmp(MODEL_REPLY_HI, text, strlen(text)) == 0,
              "partial text %s%s%s is not a prefix of the reply", text ? "\"" : "", text ? text : "NULL",
              text ? "\"" : "");
    CHECK_STR_EQ(text, "Hello! ");
    CHECK_NOT_NULL(webraft_result_error_message(r));
    CHECK_INT_EQ(webraft_result_http_status(r), 200);
    webraft_result_free(r);
    stream_seen_destroy(&seen);

    /* The client stays usable afterwards. */
    r = chat(client, "gpt-4o", NULL);
    check_chat_ok(r, MODEL_REPLY_HI);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_stream_disconnect_is_transport(void) {
    for (size_t i = 0; i < BASE_COUNT; i++) {
        webraft_client *client = new_client(k_bases[i], NULL);
        struct stream_seen seen;
        stream_seen_init(&seen);
        webraft_result *r = stream(client, "disconnect", "{\"max_retries\":0}", &seen);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_TRANSPORT);
        CHECK_STR_EQ(webraft_result_text(r, NULL), "Hello there");
        CHECK_STR_EQ(buf_str(&seen.text), "Hello there");
        CHECK_INT_EQ(seen.calls, 3);
        CHECK_CONTAINS(webraft_result_json(r, NULL), "Hello there");
        CHECK_NOT_NULL(webraft_result_error_message(r));
        webraft_result_free(r);
        stream_seen_destroy(&seen);
        webraft_client_free(client);
    }
}

static void test_stream_error_chunk(void) {
    for (size_t i = 0; i < BASE_COUNT; i++) {
        webraft_client *client = new_client(k_bases[i], NULL);
        struct stream_seen seen;
        stream_seen_init(&seen);
        webraft_result *r = stream(client, "error-chunk", NULL, &seen);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_STREAM_ERROR);
        CHECK_CONTAINS(webraft_result_error_message(r), "upstream overloaded");
        CHECK_STR_EQ(webraft_result_error_code(r), "overloaded");
        CHECK_STR_EQ(webraft_result_error_type(r), "server_error");
        CHECK_STR_EQ(webraft_result_text(r, NULL), "partial");
        CHECK_INT_EQ(webraft_result_http_status(r), 200);
        webraft_result_free(r);
        stream_seen_destroy(&seen);
        webraft_client_free(client);
    }
}

static void test_stream_error_event(void) {
    for (size_t i = 0; i < BASE_COUNT; i++) {
        webraft_client *client = new_client(k_bases[i], NULL);
        struct stream_seen seen;
        stream_seen_init(&seen);
        webraft_result *r = stream(client, "error-event", NULL, &seen);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_STREAM_ERROR);
        CHECK_CONTAINS(webraft_result_error_message(r), "event stream failure");
        CHECK_STR_EQ(webraft_result_text(r, NULL), "partial");
        webraft_result_free(r);
        stream_seen_destroy(&seen);
        webraft_client_free(client);
    }
}

static void test_stream_bad_json_chunk(void) {
    for (size_t i = 0; i < BASE_COUNT; i++) {
        webraft_client *client = new_client(k_bases[i], NULL);
        struct stream_seen seen;
        stream_seen_init(&seen);
        webraft_result *r = stream(client, "bad-json-chunk", NULL, &seen);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_STREAM_PROTOCOL);
        CHECK_STR_EQ(webraft_result_text(r, NULL), "ok");
        CHECK_NOT_NULL(webraft_result_error_message(r));
        webraft_result_free(r);
        stream_seen_destroy(&seen);
        webraft_client_free(client);
    }
}

static void test_timeout_idle(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct stream_seen seen;
    stream_seen_init(&seen);
    double start = now_ms();
    webraft_result *r = stream(client, "stall-body", "{\"idle_timeout_ms\":200}", &seen);
    double took = now_ms() - start;
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_TIMEOUT);
    CHECK_CONTAINS(webraft_result_error_message(r), "idle");
    CHECK_INT_EQ(seen.calls, 1);
    CHECK_INT_EQ(webraft_result_http_status(r), 200);
    CHECK_MSG(took >= 190, "idle timeout fired after %.1f ms", took);
    CHECK_MSG(took < generous_ms(5000), "idle timeout took %.1f ms", took);
    webraft_result_free(r);
    stream_seen_destroy(&seen);
    webraft_client_free(client);
}

static void test_timeout_headers(void) {
    webraft_client *client = new_client("/v1", NULL);
    double start = now_ms();
    webraft_result *r = chat(client, "stall-headers", "{\"headers_timeout_ms\":200,\"max_retries\":0}");
    double took = now_ms() - start;
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_TIMEOUT);
    CHECK_CONTAINS(webraft_result_error_message(r), "headers");
    CHECK_INT_EQ(webraft_result_http_status(r), 0);
    CHECK_MSG(took >= 190 && took < generous_ms(5000), "headers timeout after %.1f ms", took);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_timeout_total(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = chat(client, "slow", "{\"timeout_ms\":100}");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_TIMEOUT);
    CHECK_CONTAINS(webraft_result_error_message(r), "total");
    webraft_result_free(r);
    /* The client-wide clock does the same. */
    webraft_client_free(client);
    client = new_client("/v1", ",\"timeout_ms\":100");
    r = chat(client, "slow", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_TIMEOUT);
    CHECK_CONTAINS(webraft_result_error_message(r), "total");
    webraft_result_free(r);
    /* ...and a per-request 0 switches it off. */
    r = chat(client, "slow", "{\"timeout_ms\":0}");
    check_chat_ok(r, MODEL_REPLY_HI);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_timeout_total_bounds_a_stream(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct stream_seen seen;
    stream_seen_init(&seen);
    /* `slow` pauses 100 ms before each of its 7 events. */
    webraft_result *r = stream(client, "slow", "{\"timeout_ms\":250}", &seen);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_TIMEOUT);
    CHECK_MSG(seen.calls >= 1 && seen.calls < 6, "%d chunks before a 250 ms stream timeout", seen.calls);
    const char *text = webraft_result_text(r, NULL);
    CHECK_MSG(text == NULL || strncmp(MODEL_REPLY_HI, text, strlen(text)) == 0, "partial text %s", text);
    CHECK_INT_EQ(webraft_result_chunk_count(r), seen.calls);
    webraft_result_free(r);
    stream_seen_destroy(&seen);
    webraft_client_free(client);
}

static void test_response_too_large(void) {
    webraft_client *client = new_client("/v1", ",\"max_body_bytes\":4096");
    struct stream_seen seen;
    stream_seen_init(&seen);
    webraft_result *r = stream(client, "big-chunks-1000", NULL, &seen);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_RESPONSE_TOO_LARGE);
    CHECK_NOT_NULL(webraft_result_error_message(r));
    CHECK_MSG(seen.calls < 1000, "%d chunks got through a 4096-byte limit", seen.calls);
    webraft_result_free(r);
    stream_seen_destroy(&seen);
    /* Plain bodies too. */
    r = chat(client, "big-chunks-1000", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_RESPONSE_TOO_LARGE);
    webraft_result_free(r);
    webraft_client_free(client);

    client = new_client("/v2", ",\"max_event_bytes\":64");
    stream_seen_init(&seen);
    r = stream(client, "gpt-4o", NULL, &seen);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_RESPONSE_TOO_LARGE);
    webraft_result_free(r);
    stream_seen_destroy(&seen);
    webraft_client_free(client);
}

static void test_connect_refused(void) {
    int port = refused_port();
    CHECK(port > 0);
    char config[256];
    snprintf(config, sizeof config, "{\"base_url\":\"http://127.0.0.1:%d/v1\",\"max_retries\":0}", port);
    webraft_client *client = NULL;
    CHECK_STATUS_EQ(webraft_client_new(config, &client, NULL), WEBRAFT_STATUS_OK);
    webraft_result *r = chat(client, "gpt-4o", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CONNECT);
    CHECK_INT_EQ(webraft_result_http_status(r), 0);
    CHECK_NOT_NULL(webraft_result_error_message(r));
    CHECK_NULL(webraft_result_request_id(r));
    webraft_timings t;
    CHECK_STATUS_EQ(webraft_result_timings(r, &t), WEBRAFT_STATUS_OK);
    CHECK(t.headers_ms == -1.0 && t.first_chunk_ms == -1.0 && t.total_ms >= 0);
    CHECK_INT_EQ(webraft_result_retries(r), 0);
    webraft_result_free(r);
    /* Connection failures are retried (twice by default). */
    r = chat(client, "gpt-4o", "{\"max_retries\":2}");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CONNECT);
    CHECK_INT_EQ(webraft_result_retries(r), 2);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_tls_against_plain_http(void) {
    /* https:// to a peer that answers in plain HTTP at once: the handshake fails. */
    static const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    struct mini_server server;
    CHECK(mini_server_start(&server, reply, sizeof reply - 1, 1, false));
    char config[256];
    snprintf(config, sizeof config,
             "{\"api_key\":\"k\",\"base_url\":\"https://127.0.0.1:%d/v1\",\"max_retries\":0,"
             "\"connect_timeout_ms\":%u}",
             server.port, generous_ms(5000));
    webraft_client *client = NULL;
    CHECK_STATUS_EQ(webraft_client_new(config, &client, NULL), WEBRAFT_STATUS_OK);
    webraft_result *r = chat(client, "gpt-4o", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_TLS);
    CHECK_INT_EQ(webraft_result_http_status(r), 0);
    CHECK_NOT_NULL(webraft_result_error_message(r));
    webraft_result_free(r);
    webraft_client_free(client);
    mini_server_stop(&server);
}

static void test_tools_reply(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_result *plain = chat(client, "tools", NULL);
    struct stream_seen seen;
    stream_seen_init(&seen);
    webraft_result *streamed = stream(client, "tools", NULL, &seen);
    webraft_result *results[] = {plain, streamed};
    for (int i = 0; i < 2; i++) {
        webraft_result *r = results[i];
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        const char *json = webraft_result_json(r, NULL);
        CHECK_CONTAINS(json, "\"tool_calls\":[");
        CHECK_CONTAINS(json, "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"");
        CHECK_CONTAINS(json, "\"name\":\"get_weather\"");
        CHECK_CONTAINS(json, "\"id\":\"call_1\"");
        CHECK_CONTAINS(json, "\"finish_reason\":\"tool_calls\"");
        const char *text = webraft_result_text(r, NULL);
        CHECK_MSG(text == NULL, "%s tool-call reply: webraft_result_text is \"%s\", expected NULL (no text)",
                  i == 0 ? "plain" : "streamed", text ? text : "");
        webraft_result_free(r);
    }
    CHECK_INT_EQ(seen.calls, 5);
    CHECK_STR_EQ(buf_str(&seen.text), "");
    stream_seen_destroy(&seen);
    webraft_client_free(client);
}

static void test_invalid_response_from_non_json_200(void) {
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                                "Connection: close\r\n\r\nhello";
    struct mini_server server;
    CHECK(mini_server_start(&server, reply, sizeof reply - 1, 1, true));
    char config[256];
    snprintf(config, sizeof config, "{\"api_key\":\"k\",\"base_url\":\"http://127.0.0.1:%d/v1\",\"max_retries\":0}",
             server.port);
    webraft_client *client = NULL;
    CHECK_STATUS_EQ(webraft_client_new(config, &client, NULL), WEBRAFT_STATUS_OK);
    webraft_result *r = chat(client, "gpt-4o", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_INVALID_RESPONSE);
    CHECK_INT_EQ(webraft_result_http_status(r), 200);
    CHECK_NOT_NULL(webraft_result_error_message(r));
    CHECK_NULL(webraft_result_json(r, NULL));
    webraft_result_free(r);
    webraft_client_free(client);
    mini_server_stop(&server);
}

static void test_stream_invalid_utf8_is_protocol_error(void) {
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n"
                                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xff\xfe\"}}]}\n\n"
                                "data: [DONE]\n\n";
    struct mini_server server;
    CHECK(mini_server_start(&server, reply, sizeof reply - 1, 1, true));
    char config[256];
    snprintf(config, sizeof config, "{\"api_key\":\"k\",\"base_url\":\"http://127.0.0.1:%d/v1\",\"max_retries\":0}",
             server.port);
    webraft_client *client = NULL;
    CHECK_STATUS_EQ(webraft_client_new(config, &client, NULL), WEBRAFT_STATUS_OK);
    struct stream_seen seen;
    stream_seen_init(&seen);
    webraft_result *r = stream(client, "gpt-4o", NULL, &seen);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_STREAM_PROTOCOL);
    CHECK_STR_EQ(webraft_result_text(r, NULL), "ok");
    webraft_result_free(r);
    stream_seen_destroy(&seen);
    webraft_client_free(client);
    mini_server_stop(&server);
}

/* ---- SIGPIPE ----------------------------------------------------------------------------------- */

/* Accept one connection, read a little of the request, then close with the
 * rest unread, so the kernel resets the connection under the client's upload. */
static void *reset_server_main(void *arg) {
    int listen_fd = *(const int *)arg;
    struct pollfd pfd = {listen_fd, POLLIN, 0};
    if (poll(&pfd, 1, 10000) <= 0) return NULL;
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) return NULL;
    char buf[4096];
    (void)recv(fd, buf, sizeof buf, 0);
    sleep_ms(100);
    close(fd);
    return NULL;
}

/* Runs in a child process (see run_child): a C program that never touched
 * SIGPIPE uploads a large body to a server that resets the connection. */
int child_sigpipe(void) {
    signal(SIGPIPE, SIG_DFL);
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listen_fd, 4) != 0 ||
        getsockname(listen_fd, (struct sockaddr *)&addr, &addr_len) != 0) {
        return 3;
    }
    pthread_t server;
    if (pthread_create(&server, NULL, reset_server_main, &listen_fd) != 0) return 3;
    char config[256];
    snprintf(config, sizeof config, "{\"api_key\":\"k\",\"base_url\":\"http://127.0.0.1:%d\",\"max_retries\":0}",
             ntohs(addr.sin_port));
    webraft_client *client = NULL;
    webraft_client_new(config, &client, NULL);
    size_t n = 16u << 20;
    char *body = malloc(n + 3);
    if (body == NULL) return 3;
    body[0] = '"';
    memset(body + 1, 'a', n);
    body[n + 1] = '"';
    body[n + 2] = '\0';
    webraft_result *r = webraft_send(client, "POST", "/upload", body, NULL);
    webraft_status status = webraft_result_status(r);
    webraft_result_free(r);
    webraft_client_free(client);
    free(body);
    pthread_join(server, NULL);
    close(listen_fd);
    return status == WEBRAFT_STATUS_OK ? 1 : 0;
}

static void test_peer_reset_does_not_raise_sigpipe(void) {
    int status = run_child("sigpipe");
    if (status == -1) return;
    CHECK_MSG(!WIFSIGNALED(status),
              "the library killed the host process with signal %d%s when the server reset a request "
              "(a C program with the default SIGPIPE action)",
              WIFSIGNALED(status) ? WTERMSIG(status) : 0,
              WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE ? " (SIGPIPE)" : "");
    if (WIFEXITED(status)) {
        CHECK_MSG(WEXITSTATUS(status) == 0, "child exited with %d (1: the reset upload reported OK)",
                  WEXITSTATUS(status));
    }
}

/* ---- generic requests ----------------------------------------------------------------------- */

static void test_send_models(void) {
    for (size_t i = 0; i < BASE_COUNT; i++) {
        webraft_client *client = new_client(k_bases[i], NULL);
        webraft_result *r = webraft_send(client, "GET", "/models", NULL, NULL);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(webraft_result_http_status(r), 200);
        size_t json_len = 0, body_len = 0;
        const char *json = webraft_result_json(r, &json_len);
        const char *body = webraft_result_body(r, &body_len);
        CHECK_CONTAINS(json, "\"gpt-4o\"");
        CHECK_CONTAINS(json, "\"object\":\"list\"");
        CHECK(json != NULL && json_len == strlen(json));
        CHECK_MSG(body != NULL && body_len == json_len && memcmp(body, json, json_len) == 0,
                  "body (%zu bytes) differs from json (%zu bytes)", body_len, json_len);
        CHECK_NULL(webraft_result_text(r, NULL));
        CHECK_INT_EQ(webraft_result_chunk_count(r), 0);
        CHECK_NULL(webraft_result_error_message(r));
        webraft_result_free(r);
        /* A trailing slash is tolerated by the server. */
        r = webraft_send(client, "GET", "/models/", NULL, "{}");
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        webraft_result_free(r);
        webraft_client_free(client);
    }
}

static void test_send_embeddings(void) {
    webraft_client *client = new_client("/v1", NULL);
    const char *body = "{\"model\":\"text-embedding-3-small\",\"input\":[\"hello world\",\"bye\"],\"dimensions\":4}";
    webraft_result *r = webraft_send(client, "POST", "/embeddings", body, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    const char *json = webraft_result_json(r, NULL);
    CHECK_CONTAINS(json, "\"object\":\"list\"");
    CHECK_CONTAINS(json, "\"object\":\"embedding\"");
    CHECK_CONTAINS(json, "\"index\":1");
    CHECK_CONTAINS(json, "\"prompt_tokens\":3");
    webraft_result_free(r);
    /* Validation errors come back as HTTP_STATUS with the param. */
    r = webraft_send(client, "POST", "/embeddings", "{\"model\":\"m\",\"input\":\"\"}", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 400);
    CHECK_STR_EQ(webraft_result_error_param(r), "input");
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_send_echo_headers_and_query(void) {
    webraft_client *client =
        new_client("/v1", ",\"organization\":\"org-1\",\"project\":\"proj-1\",\"user_agent\":\"game/2.0\","
                          "\"default_headers\":{\"X-Team\":\"red\"},\"default_query\":{\"api-version\":\"7\"}");
    webraft_result *r = webraft_send(client, "POST", "/debug/echo", "{\"ping\":1}",
                                     "{\"headers\":{\"X-Trace\":\"t1\"},\"query\":{\"q\":\"x\"}}");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    const char *json = webraft_result_json(r, NULL);
    CHECK_CONTAINS(json, "\"method\":\"POST\"");
    CHECK_CONTAINS(json, "\"path\":\"/v1/debug/echo\"");
    CHECK_CONTAINS(json, "\"authorization\":\"Bearer test-key\"");
    CHECK_CONTAINS(json, "\"openai-organization\":\"org-1\"");
    CHECK_CONTAINS(json, "\"openai-project\":\"proj-1\"");
    CHECK_CONTAINS(json, "\"user-agent\":\"game/2.0\"");
    CHECK_CONTAINS(json, "\"x-team\":\"red\"");
    CHECK_CONTAINS(json, "\"x-trace\":\"t1\"");
    CHECK_CONTAINS(json, "\"api-version\":\"7\"");
    CHECK_CONTAINS(json, "\"q\":\"x\"");
    CHECK_CONTAINS(json, "\"body\":{\"ping\":1}");
    webraft_result_free(r);

    /* Per-request options apply to that request only; GET without a body. */
    r = webraft_send(client, "GET", "/debug/echo", NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    json = webraft_result_json(r, NULL);
    CHECK_CONTAINS(json, "\"method\":\"GET\"");
    CHECK_CONTAINS(json, "\"x-team\":\"red\"");
    CHECK_CONTAINS(json, "\"body\":null");
    CHECK(json == NULL || strstr(json, "x-trace") == NULL);
    CHECK(json == NULL || strstr(json, "\"q\":") == NULL);
    webraft_result_free(r);

    /* Chat requests carry them too (echo-request replies with the request description). */
    char body[512];
    chat_body(body, sizeof body, "echo-request", "hi", false);
    r = webraft_chat(client, body, "{\"headers\":{\"X-Chat\":\"c1\"}}");
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    const char *text = webraft_result_text(r, NULL);
    CHECK_CONTAINS(text, "\"x-chat\":\"c1\"");
    CHECK_CONTAINS(text, "\"x-team\":\"red\"");
    CHECK_CONTAINS(text, "\"path\":\"/v1/chat/completions\"");
    webraft_result_free(r);
    webraft_client_free(client);
}

/* A request's query value replaces the client's default of the same name: the server
 * gets it once, beside the untouched defaults. The echo shows the values; it folds a
 * repeated name into one, so the exact request line comes from a mini server. */
static void test_send_query_replaces_default(void) {
    const char *defaults = ",\"default_query\":{\"over\":\"client\",\"keep\":\"k\"}";
    const char *options = "{\"query\":{\"over\":\"request\"}}";
    webraft_client *client = new_client("/v1", defaults);
    webraft_result *r = webraft_send(client, "GET", "/debug/echo", NULL, options);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    const char *json = webraft_result_json(r, NULL);
    CHECK_CONTAINS(json, "\"over\":\"request\"");
    CHECK_CONTAINS(json, "\"keep\":\"k\"");
    CHECK(json == NULL || strstr(json, "client") == NULL);
    webraft_result_free(r);
    webraft_client_free(client);

    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                                "Connection: close\r\n\r\n{}";
    struct mini_server server;
    CHECK(mini_server_start(&server, reply, sizeof reply - 1, 1, true));
    client = new_mini_client(&server, defaults);
    r = webraft_send(client, "GET", "/models", NULL, options);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    webraft_result_free(r);
    webraft_client_free(client);
    mini_server_stop(&server);
    CHECK_STR_EQ(server.request_line, "GET /models?over=request&keep=k HTTP/1.1");
}

static void test_send_non_json_body(void) {
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 4\r\n"
                                "Connection: close\r\n\r\na\0b\xff";
    struct mini_server server;
    CHECK(mini_server_start(&server, reply, sizeof reply - 1, 1, true));
    char config[256];
    snprintf(config, sizeof config, "{\"api_key\":\"k\",\"base_url\":\"http://127.0.0.1:%d\",\"max_retries\":0}",
             server.port);
    webraft_client *client = NULL;
    CHECK_STATUS_EQ(webraft_client_new(config, &client, NULL), WEBRAFT_STATUS_OK);
    webraft_result *r = webraft_send(client, "GET", "/audio", NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    size_t json_len = 99, body_len = 0;
    CHECK_NULL(webraft_result_json(r, &json_len));
    CHECK_INT_EQ(json_len, 0);
    const char *body = webraft_result_body(r, &body_len);
    CHECK_INT_EQ(body_len, 4);
    if (body != NULL && body_len == 4) {
        CHECK(memcmp(body, "a\0b\xff", 4) == 0);
        CHECK(body[4] == '\0');
    }
    webraft_result_free(r);
    webraft_client_free(client);
    mini_server_stop(&server);
}

/* ---- images in chats ---------------------------------------------------------------------- */

static void test_vision_chat_with_local_image(void) {
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3, 4, 5, 6, 7, 8};
    char path[256];
    snprintf(path, sizeof path, "/tmp/webraft-capi-%ld-vision.png", (long)getpid());
    FILE *f = fopen(path, "wb");
    CHECK_NOT_NULL(f);
    if (f == NULL) return;
    fwrite(png, 1, sizeof png, f);
    fclose(f);

    char *part = NULL;
    CHECK_STATUS_EQ(webraft_image_content_part(path, "low", &part, NULL), WEBRAFT_STATUS_OK);
    unlink(path);
    if (part == NULL) return;
    size_t size = strlen(part) + 512;
    char *body = malloc(size);
    snprintf(body, size,
             "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},"
             "%s]}]}",
             part);
    webraft_string_free(part);

    webraft_client *client = new_client("/v1", NULL);
    webraft_result *r = webraft_chat(client, body, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_CONTAINS(webraft_result_text(r, NULL), "[image 1: image/png");
    CHECK_STR_EQ(webraft_result_text(r, NULL), "Hello! You said: look [image 1: image/png 16 bytes]");
    webraft_result_free(r);
    free(body);

    r = webraft_chat(client,
                     "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                     "\"see\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}",
                     NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_CONTAINS(webraft_result_text(r, NULL), "[image 1: url https://");
    CHECK_STR_EQ(webraft_result_text(r, NULL), "Hello! You said: see [image 1: url https://example.com/cat.png]");
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_result_usage(void) {
    webraft_client *client = new_client("/v1", NULL);
    char body[256];
    chat_body(body, sizeof body, "gpt-4o", "hi", false);
    webraft_result *r = webraft_chat(client, body, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    uint64_t prompt = 0, completion = 0, total = 0;
    CHECK(webraft_result_usage(r, &prompt, &completion, &total));
    CHECK_INT_EQ(completion, 4);
    CHECK_INT_EQ(total, prompt + completion);
    CHECK(webraft_result_usage(r, NULL, NULL, &total));
    webraft_result_free(r);

    /* A stream without a usage chunk has none, and the outs stay untouched. */
    r = webraft_chat_stream(client, body, NULL, NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    total = 77;
    CHECK(!webraft_result_usage(r, NULL, NULL, &total));
    CHECK_INT_EQ(total, 77);
    webraft_result_free(r);
    CHECK(!webraft_result_usage(NULL, &prompt, &completion, &total));
    webraft_client_free(client);
}

const struct test_case chat_tests[] = {
    TEST_ENTRY(test_chat_plain_every_base),
    TEST_ENTRY(test_result_usage),
    TEST_ENTRY(test_chat_options_null_and_empty),
    TEST_ENTRY(test_chat_request_with_stream_true_is_accumulated),
    TEST_ENTRY(test_chat_multiple_choices_and_max_tokens),
    TEST_ENTRY(test_chat_text_with_embedded_nul),
    TEST_ENTRY(test_args_webraft_chat),
    TEST_ENTRY(test_args_webraft_chat_stream),
    TEST_ENTRY(test_args_webraft_chat_start),
    TEST_ENTRY(test_args_webraft_send),
    TEST_ENTRY(test_args_webraft_send_start),
    TEST_ENTRY(test_args_start_null_out_request),
    TEST_ENTRY(test_http_wrong_api_key),
    TEST_ENTRY(test_http_no_credits),
    TEST_ENTRY(test_http_flat_error),
    TEST_ENTRY(test_http_plain_500),
    TEST_ENTRY(test_http_validation_error_param),
    TEST_ENTRY(test_http_flaky_is_retried),
    TEST_ENTRY(test_http_rate_limit),
    TEST_ENTRY(test_http_unknown_route),
    TEST_ENTRY(test_stream_every_base),
    TEST_ENTRY(test_stream_without_callback),
    TEST_ENTRY(test_stream_odd_framings),
    TEST_ENTRY(test_stream_usage_chunk),
    TEST_ENTRY(test_stream_callback_cancels),
    TEST_ENTRY(test_stream_disconnect_is_transport),
    TEST_ENTRY(test_stream_error_chunk),
    TEST_ENTRY(test_stream_error_event),
    TEST_ENTRY(test_stream_bad_json_chunk),
    TEST_ENTRY(test_timeout_idle),
    TEST_ENTRY(test_timeout_headers),
    TEST_ENTRY(test_timeout_total),
    TEST_ENTRY(test_timeout_total_bounds_a_stream),
    TEST_ENTRY(test_response_too_large),
    TEST_ENTRY(test_connect_refused),
    TEST_ENTRY(test_tls_against_plain_http),
    TEST_ENTRY(test_tools_reply),
    TEST_ENTRY(test_invalid_response_from_non_json_200),
    TEST_ENTRY(test_stream_invalid_utf8_is_protocol_error),
    TEST_ENTRY(test_peer_reset_does_not_raise_sigpipe),
    TEST_ENTRY(test_send_models),
    TEST_ENTRY(test_send_embeddings),
    TEST_ENTRY(test_send_echo_headers_and_query),
    TEST_ENTRY(test_send_query_replaces_default),
    TEST_ENTRY(test_send_non_json_body),
    TEST_ENTRY(test_vision_chat_with_local_image),
};
const size_t chat_tests_count = sizeof chat_tests / sizeof chat_tests[0];
