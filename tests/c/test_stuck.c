/* Never stuck (issue #18): endpoint fallback, hedged first tokens, fresh credentials, live
 * snapshots of structured output, and the provider quirks, through the C ABI against the test
 * server's endpoint roles (/role/<role>/v1). */
#include "check.h"

#include <stdlib.h>
#include <string.h>

/* `{"fallback":[...]}` members for new_client's `extra`: each endpoint's base URL is the test
 * server's `bases[i]`, followed by `more[i]` (members of that endpoint object, may be ""). */
static void fallback_extra(char *buf, size_t size, const char *prefix, const char *const *bases,
                           const char *const *more, size_t count) {
    size_t used = (size_t)snprintf(buf, size, "%s,\"fallback\":[", prefix);
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s{\"base_url\":\"%s%s\"%s}", i ? "," : "", g_server,
                                 bases[i], more ? more[i] : "");
    if (used < size) snprintf(buf + used, size - used, "]");
}

/* The test server's counter `name` in /debug/stats. */
static double server_stat(const char *pointer) {
    webraft_client *client = new_client("", NULL);
    webraft_result *r = webraft_send(client, "GET", "/debug/stats", NULL, NULL);
    double value = -1;
    CHECK_STATUS_EQ(webraft_result_get_number(r, pointer, &value), WEBRAFT_STATUS_OK);
    webraft_result_free(r);
    webraft_client_free(client);
    return value;
}

/* Wait up to `ms` for the server's abandoned count to exceed `before`. */
static bool abandoned_after(double before, unsigned ms) {
    double until = now_ms() + generous_ms(ms);
    while (now_ms() < until) {
        if (server_stat("/abandoned") > before) return true;
        sleep_ms(20);
    }
    return false;
}

static void test_fallback_moves_on_for_each_failure_the_issue_lists(void) {
    const char *primaries[] = {"/role/down/v1", "/role/failing/v1", "/role/no-credits/v1", "/role/loading/v1",
                               "/role/stalled/v1"};
    const char *tail = ",\"max_retries\":1,\"loading_retry_ms\":300,\"headers_timeout_ms\":300";
    for (size_t i = 0; i < sizeof primaries / sizeof *primaries; i++) {
        char extra[1024], url[256], body[256];
        const char *fallback[] = {"/v1"};
        fallback_extra(extra, sizeof extra, tail, fallback, NULL, 1);
        webraft_client *client = new_client(primaries[i], extra);
        webraft_result *r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
        CHECK_MSG(webraft_result_endpoint_index(r) == 1, "%s: answered by %u", primaries[i],
                  webraft_result_endpoint_index(r));
        CHECK_INT_EQ(webraft_result_endpoints_tried(r), 2);
        make_url(url, sizeof url, "/v1");
        CHECK_STR_EQ(webraft_result_endpoint_url(r), url);
        webraft_result_free(r);
        webraft_client_free(client);
    }
}

static void test_fallback_from_a_refused_port_and_through_a_list(void) {
    char primary[64], extra[1024], body[256];
    snprintf(primary, sizeof primary, "http://127.0.0.1:%d/v1", refused_port());
    const char *fallbacks[] = {"/role/failing/v1", "/v1"};
    fallback_extra(extra, sizeof extra, ",\"max_retries\":0", fallbacks, NULL, 2);
    char config[2048];
    snprintf(config, sizeof config, "{\"api_key\":\"test-key\",\"base_url\":\"%s\"%s}", primary, extra);
    webraft_client *client = NULL;
    CHECK_STATUS_EQ(webraft_client_new(config, &client, NULL), WEBRAFT_STATUS_OK);
    webraft_result *r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_endpoint_index(r), 2);
    CHECK_INT_EQ(webraft_result_endpoints_tried(r), 3);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_fallback_stops_at_failures_another_endpoint_would_share(void) {
    char extra[1024];
    const char *fallback[] = {"/v1"};
    fallback_extra(extra, sizeof extra, ",\"max_retries\":0", fallback, NULL, 1);
    webraft_client *client = new_client("/v1", extra);
    /* A request the API refuses (400, no messages) would be refused anywhere. */
    webraft_result *r = webraft_chat(client, "{\"model\":\"gpt-4o\"}", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 400);
    CHECK_INT_EQ(webraft_result_endpoint_index(r), 0);
    CHECK_INT_EQ(webraft_result_endpoints_tried(r), 1);
    webraft_result_free(r);
    /* Every endpoint failing: the last one's failure is the result. */
    webraft_client_free(client);
    const char *failing[] = {"/role/no-credits/v1"};
    fallback_extra(extra, sizeof extra, ",\"max_retries\":0", failing, NULL, 1);
    client = new_client("/role/failing/v1", extra);
    char body[256];
    r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_INT_EQ(webraft_result_http_status(r), 429);
    CHECK(webraft_result_is_quota_exhausted(r));
    CHECK_INT_EQ(webraft_result_endpoint_index(r), 1);
    CHECK_INT_EQ(webraft_result_endpoints_tried(r), 2);
    webraft_result_free(r);
    webraft_client_free(client);
}

static int count_chunk(void *user_data, const char *chunk, size_t len) {
    (void)chunk, (void)len;
    (*(int *)user_data)++;
    return 0;
}

static void test_a_stream_never_moves_on_after_its_first_chunk(void) {
    char extra[1024], body[256];
    const char *fallback[] = {"/v1"};
    fallback_extra(extra, sizeof extra, ",\"max_retries\":0", fallback, NULL, 1);
    webraft_client *client = new_client("/v1", extra);
    int chunks = 0;
    /* `disconnect` closes the connection after three chunks. */
    webraft_result *r = webraft_chat_stream(
        client, (chat_body(body, sizeof body, "disconnect", "hi", true), body), NULL, count_chunk, &chunks);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_TRANSPORT);
    CHECK_INT_EQ(chunks, 3);
    CHECK_INT_EQ(webraft_result_endpoints_tried(r), 1);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_an_endpoint_model_override_reaches_its_server(void) {
    char extra[1024], body[256];
    const char *fallback[] = {"/v1"};
    const char *more[] = {",\"model\":\"tools\""};
    fallback_extra(extra, sizeof extra, ",\"max_retries\":0", fallback, more, 1);
    webraft_client *client = new_client("/role/failing/v1", extra);
    webraft_result *r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_tool_call_count(r), 1);
    CHECK_STR_EQ(webraft_result_tool_call_name(r, 0), "get_weather");
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_config_checks_fallback_and_hedge(void) {
    const char *bad[][2] = {
        {"{\"fallback\":[{\"plan\":\"gold\"}]}", "fallback[0].plan must be \"paid\" or \"free\""},
        {"{\"fallback\":[{\"url\":\"http://x\"}]}", "fallback[0]: unknown key \"url\""},
        {"{\"fallback\":[{\"api_key\":\"k\"}]}", "fallback[0] needs base_url or plan"},
        {"{\"fallback\":{}}", "fallback must be an array of endpoint objects"},
        {"{\"hedge_ms\":100}", "hedge_ms needs at least one fallback endpoint"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        webraft_client *client = NULL;
        webraft_result *error = NULL;
        CHECK_STATUS_EQ(webraft_client_new(bad[i][0], &client, &error), WEBRAFT_STATUS_INVALID_CONFIG);
        CHECK_NULL(client);
        CHECK_CONTAINS(webraft_result_error_message(error), bad[i][1]);
        webraft_result_free(error);
    }
}

static void test_a_hedge_starts_the_next_endpoint_and_closes_the_loser(void) {
    char extra[1024], body[256];
    const char *fallback[] = {"/v1"};
    fallback_extra(extra, sizeof extra, ",\"hedge_ms\":150", fallback, NULL, 1);
    webraft_client *client = new_client("/role/first-chunk-3000/v1", extra);
    double before = server_stat("/abandoned");
    double start = now_ms();
    webraft_result *r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
    double took = now_ms() - start;
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_endpoint_index(r), 1);
    CHECK_INT_EQ(webraft_result_endpoints_tried(r), 2);
    CHECK_MSG(took < generous_ms(2000), "the hedge answered after %.0f ms", took);
    CHECK_MSG(abandoned_after(before, 1000), "the slow endpoint never saw its connection close");
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_a_fast_first_endpoint_needs_no_hedge(void) {
    char extra[1024], body[256];
    const char *fallback[] = {"/role/failing/v1"};
    fallback_extra(extra, sizeof extra, ",\"hedge_ms\":5000", fallback, NULL, 1);
    webraft_client *client = new_client("/v1", extra);
    webraft_result *r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_endpoint_index(r), 0);
    CHECK_INT_EQ(webraft_result_endpoints_tried(r), 1);
    webraft_result_free(r);
    webraft_client_free(client);
}

/* A hedged stream: headers and chunks come only from the winner (its model differs). */
static void test_a_hedged_stream_delivers_only_the_winners_events(void) {
    char extra[1024], body[256];
    const char *fallback[] = {"/v1"};
    const char *more[] = {",\"model\":\"json-content\""};
    fallback_extra(extra, sizeof extra, ",\"hedge_ms\":150", fallback, more, 1);
    webraft_client *client = new_client("/role/stalled-chunk/v1", extra);
    double before = server_stat("/abandoned");
    webraft_request *request = NULL;
    chat_body(body, sizeof body, "gpt-4o", "hi", true);
    CHECK_STATUS_EQ(webraft_chat_start(client, body, NULL, WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    int headers = 0;
    struct buf text = {0};
    for (;;) {
        webraft_event event = WEBRAFT_EVENT_PENDING;
        char *data = NULL;
        size_t len = 0;
        webraft_request_next_event(request, generous_ms(5000), &event, NULL, &data, &len);
        if (event == WEBRAFT_EVENT_HEADERS) headers++;
        if (event == WEBRAFT_EVENT_CHUNK) append_chunk_text(&text, data, len);
        webraft_string_free(data);
        if (event != WEBRAFT_EVENT_HEADERS && event != WEBRAFT_EVENT_CHUNK) break;
    }
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(headers, 1);
    CHECK_STR_EQ(buf_str(&text), "{\"name\":\"Ada\",\"tags\":[\"x\",\"y\"],\"age\":36,\"ok\":true}");
    CHECK_STR_EQ(webraft_result_text(r, NULL), buf_str(&text));
    CHECK_INT_EQ(webraft_result_endpoint_index(r), 1);
    CHECK_MSG(abandoned_after(before, 1000), "the stalled stream never saw its connection close");
    buf_free(&text);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

/* ---- credentials ---------------------------------------------------------- */

struct credential_log {
    pthread_mutex_t mutex;
    int calls;
    struct buf seen; /* "INDEX URL;" per call */
    const char *mode; /* "key", "header", "fail" */
};

static int give_credential(void *user_data, uint32_t endpoint_index, const char *base_url,
                           webraft_credential *credential) {
    struct credential_log *log = user_data;
    pthread_mutex_lock(&log->mutex);
    log->calls++;
    char line[300];
    snprintf(line, sizeof line, "%u %s;", endpoint_index, base_url);
    buf_append(&log->seen, line, strlen(line));
    pthread_mutex_unlock(&log->mutex);
    if (strcmp(log->mode, "fail") == 0) {
        CHECK_STATUS_EQ(webraft_credential_fail(credential, "token service down"), WEBRAFT_STATUS_OK);
        return 1;
    }
    if (strcmp(log->mode, "header") == 0)
        return webraft_credential_set_header(credential, "Authorization", "Bearer test-key") != WEBRAFT_STATUS_OK;
    CHECK_STATUS_EQ(webraft_credential_set_key(credential, "bad\r\nkey"), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS_EQ(webraft_credential_set_header(credential, "bad name", "v"), WEBRAFT_STATUS_INVALID_ARGUMENT);
    return webraft_credential_set_key(credential, "test-key") != WEBRAFT_STATUS_OK;
}

static void test_the_credential_callback_gives_each_attempt_its_key(void) {
    const char *modes[] = {"key", "header"};
    for (size_t m = 0; m < 2; m++) {
        struct credential_log log = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, modes[m]};
        webraft_client *client = new_client_key("/v1", "wrong-key", ",\"max_retries\":2");
        CHECK_STATUS_EQ(webraft_client_set_credential_callback(client, give_credential, &log), WEBRAFT_STATUS_OK);
        char body[256], model[64];
        unique_model(model, sizeof model, "flaky-2");
        webraft_result *r = webraft_chat(client, (chat_body(body, sizeof body, model, "hi", false), body), NULL);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(webraft_result_retries(r), 2);
        CHECK_INT_EQ(log.calls, 3);
        webraft_result_free(r);
        /* Removed: the configured (wrong) key is sent again. */
        CHECK_STATUS_EQ(webraft_client_set_credential_callback(client, NULL, NULL), WEBRAFT_STATUS_OK);
        r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
        CHECK_INT_EQ(webraft_result_http_status(r), 401);
        CHECK_INT_EQ(log.calls, 3);
        webraft_result_free(r);
        webraft_client_free(client);
        buf_free(&log.seen);
    }
}

static void test_a_credential_failure_ends_the_call_cleanly(void) {
    struct credential_log log = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, "fail"};
    char extra[1024], body[256];
    const char *fallback[] = {"/v1"};
    fallback_extra(extra, sizeof extra, ",\"max_retries\":2", fallback, NULL, 1);
    webraft_client *client = new_client("/v1", extra);
    webraft_client_set_credential_callback(client, give_credential, &log);
    webraft_result *r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CREDENTIALS);
    CHECK_STR_EQ(webraft_status_name(WEBRAFT_STATUS_CREDENTIALS), "CREDENTIALS");
    CHECK_CONTAINS(webraft_result_error_message(r), "token service down");
    CHECK_INT_EQ(webraft_result_http_status(r), 0);
    CHECK_INT_EQ(log.calls, 1);
    CHECK_INT_EQ(webraft_result_endpoints_tried(r), 1);
    webraft_result_free(r);
    webraft_client_free(client);
    buf_free(&log.seen);
    CHECK_STATUS_EQ(webraft_client_set_credential_callback(NULL, give_credential, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_credential_set_key(NULL, "k"), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_credential_set_header(NULL, "a", "b"), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_credential_fail(NULL, "m"), WEBRAFT_STATUS_NULL_ARGUMENT);
}

static void test_each_endpoint_asks_for_its_own_credential(void) {
    struct credential_log log = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, "key"};
    char extra[1024], body[256], expected[600], primary[256], fallback_url[256];
    const char *fallback[] = {"/v1"};
    fallback_extra(extra, sizeof extra, ",\"max_retries\":0", fallback, NULL, 1);
    webraft_client *client = new_client("/role/failing/v1", extra);
    webraft_client_set_credential_callback(client, give_credential, &log);
    webraft_result *r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    make_url(primary, sizeof primary, "/role/failing/v1");
    make_url(fallback_url, sizeof fallback_url, "/v1");
    snprintf(expected, sizeof expected, "0 %s;1 %s;", primary, fallback_url);
    CHECK_STR_EQ(buf_str(&log.seen), expected);
    webraft_result_free(r);
    webraft_client_free(client);
    buf_free(&log.seen);
}

/* ---- snapshots ------------------------------------------------------------ */

static char *content_snapshot(const webraft_request *request, webraft_status *status) {
    char *json = NULL;
    size_t len = 0;
    *status = webraft_request_snapshot_content(request, &json, &len);
    if (json) CHECK_INT_EQ(strlen(json), len);
    return json;
}

static void test_a_request_snapshot_grows_as_valid_json(void) {
    webraft_client *client = new_client("/v1", NULL);
    char body[256];
    webraft_request *request = NULL;
    chat_body(body, sizeof body, "json-content", "hi", true);
    CHECK_STATUS_EQ(webraft_chat_start(client, body, NULL, WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    size_t previous_len = 0;
    int snapshots = 0;
    for (;;) {
        webraft_event event = WEBRAFT_EVENT_PENDING;
        webraft_request_next(request, generous_ms(5000), &event, NULL, NULL);
        if (event != WEBRAFT_EVENT_CHUNK) break;
        webraft_status status;
        char *json = content_snapshot(request, &status);
        if (status == WEBRAFT_STATUS_OK) {
            /* Valid JSON: the library's own reader parses it. */
            char *reparsed = NULL;
            CHECK_STATUS_EQ(webraft_json_get_json(json, strlen(json), "", &reparsed, NULL), WEBRAFT_STATUS_OK);
            CHECK(strlen(json) >= previous_len || snapshots == 0);
            previous_len = strlen(json);
            snapshots++;
            webraft_string_free(reparsed);
        } else {
            CHECK_STATUS_EQ(status, WEBRAFT_STATUS_MISSING);
            CHECK_NULL(json);
        }
        webraft_string_free(json);
    }
    CHECK(snapshots > 3);
    webraft_status status;
    char *last = content_snapshot(request, &status);
    CHECK_STR_EQ(last, "{\"name\":\"Ada\",\"tags\":[\"x\",\"y\"],\"age\":36,\"ok\":true}");
    webraft_string_free(last);
    CHECK_INT_EQ(webraft_request_snapshot_tool_call_count(request), 0);
    CHECK_STATUS_EQ(webraft_request_snapshot_tool_arguments(request, 0, &last, NULL), WEBRAFT_STATUS_MISSING);
    CHECK_STATUS_EQ(webraft_request_snapshot_content(NULL, &last, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_request_snapshot_content(request, NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_request_free(request);
    webraft_client_free(client);
}

struct snapshot_in_callback {
    webraft_partial_json *parser;
    int changes;
    struct buf lines;
};

/* The pattern for chunk callbacks: a parser of one's own, fed each chunk's text. */
static int snapshot_chunk(void *user_data, const char *chunk, size_t len) {
    struct snapshot_in_callback *state = user_data;
    char *text = NULL;
    size_t text_len = 0;
    CHECK_STATUS_EQ(webraft_chunk_text(chunk, len, &text, &text_len), WEBRAFT_STATUS_OK);
    bool changed = false;
    CHECK_STATUS_EQ(webraft_partial_json_push(state->parser, text, text_len, &changed), WEBRAFT_STATUS_OK);
    webraft_string_free(text);
    if (changed) {
        char *json = NULL;
        CHECK_STATUS_EQ(webraft_partial_json_snapshot(state->parser, &json, NULL), WEBRAFT_STATUS_OK);
        buf_append(&state->lines, json, strlen(json));
        buf_append(&state->lines, "\n", 1);
        webraft_string_free(json);
        state->changes++;
    }
    return 0;
}

static void test_a_snapshot_parser_in_a_chunk_callback(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct snapshot_in_callback state = {webraft_partial_json_new(), 0, {0}};
    char body[256];
    webraft_result *r = webraft_chat_stream(
        client, (chat_body(body, sizeof body, "json-content", "hi", true), body), NULL, snapshot_chunk, &state);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_CONTAINS(buf_str(&state.lines), "{\"name\":\"A\"}\n");
    CHECK_CONTAINS(buf_str(&state.lines), "\n{\"name\":\"Ada\",\"tags\":[\"x\",\"y\"],\"age\":36,\"ok\":true}\n");
    CHECK(state.changes > 3);
    buf_free(&state.lines);
    webraft_partial_json_free(state.parser);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_the_snapshot_parser_rules(void) {
    webraft_partial_json *parser = webraft_partial_json_new();
    char *json = NULL;
    bool changed = true;
    CHECK_STATUS_EQ(webraft_partial_json_snapshot(parser, &json, NULL), WEBRAFT_STATUS_MISSING);
    CHECK_NULL(json);
    CHECK_STATUS_EQ(webraft_partial_json_push(parser, "{\"a\":[1,{\"b\":\"x", 15, &changed), WEBRAFT_STATUS_OK);
    CHECK(changed);
    size_t len = 0;
    CHECK_STATUS_EQ(webraft_partial_json_snapshot(parser, &json, &len), WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(json, "{\"a\":[1,{\"b\":\"x\"}]}");
    CHECK_INT_EQ(len, strlen(json));
    webraft_string_free(json);
    CHECK_STATUS_EQ(webraft_partial_json_push(parser, "\xff", 1, &changed), WEBRAFT_STATUS_INVALID_UTF8);
    CHECK_STATUS_EQ(webraft_partial_json_push(parser, NULL, 3, &changed), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_partial_json_push(parser, NULL, 0, &changed), WEBRAFT_STATUS_OK);
    CHECK(!changed);
    CHECK_STATUS_EQ(webraft_partial_json_push(parser, "\",\"c\":", 6, &changed), WEBRAFT_STATUS_OK);
    CHECK_STATUS_EQ(webraft_partial_json_snapshot(parser, &json, NULL), WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(json, "{\"a\":[1,{\"b\":\"x\"}]}");
    webraft_string_free(json);
    webraft_partial_json_free(parser);
    webraft_partial_json_free(NULL);

    parser = webraft_partial_json_new();
    webraft_partial_json_push(parser, "42", 2, &changed);
    CHECK(!changed);
    CHECK_STATUS_EQ(webraft_partial_json_finish(parser, &changed), WEBRAFT_STATUS_OK);
    CHECK(changed);
    CHECK_STATUS_EQ(webraft_partial_json_snapshot(parser, &json, NULL), WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(json, "42");
    webraft_string_free(json);
    webraft_partial_json_free(parser);
    CHECK_STATUS_EQ(webraft_partial_json_finish(NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_partial_json_snapshot(NULL, &json, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
}

/* ---- quirks ---------------------------------------------------------------- */

static void test_tool_calls_sharing_an_index_stay_apart(void) {
    webraft_client *client = new_client("/v1", NULL);
    char body[256];
    webraft_request *request = NULL;
    chat_body(body, sizeof body, "tools-same-index", "hi", true);
    CHECK_STATUS_EQ(webraft_chat_start(client, body, NULL, WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    webraft_event event = WEBRAFT_EVENT_PENDING;
    do webraft_request_next(request, generous_ms(5000), &event, NULL, NULL);
    while (event == WEBRAFT_EVENT_CHUNK);
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(webraft_result_tool_call_count(r), 2);
    CHECK_STR_EQ(webraft_result_tool_call_id(r, 0), "call_a");
    CHECK_STR_EQ(webraft_result_tool_call_arguments(r, 0, NULL), "{\"city\":\"Paris\"}");
    CHECK_STR_EQ(webraft_result_tool_call_id(r, 1), "call_b");
    CHECK_STR_EQ(webraft_result_tool_call_name(r, 1), "get_time");
    CHECK_STR_EQ(webraft_result_tool_call_arguments(r, 1, NULL), "{\"zone\":\"CET\"}");
    CHECK_INT_EQ(webraft_request_snapshot_tool_call_count(request), 2);
    char *json = NULL;
    CHECK_STATUS_EQ(webraft_request_snapshot_tool_arguments(request, 1, &json, NULL), WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(json, "{\"zone\":\"CET\"}");
    webraft_string_free(json);
    CHECK_STATUS_EQ(webraft_request_snapshot_tool_arguments(request, 2, &json, NULL), WEBRAFT_STATUS_MISSING);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_compressed_replies_are_decoded(void) {
    const char *roles[] = {"/role/gzip/v1", "/role/deflate/v1"};
    for (size_t i = 0; i < 2; i++) {
        webraft_client *client = new_client(roles[i], NULL);
        char body[256];
        webraft_result *r = webraft_chat(client, (chat_body(body, sizeof body, "gpt-4o", "hi", false), body), NULL);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
        CHECK_STR_EQ(webraft_result_header(r, "content-encoding"), NULL);
        webraft_result_free(r);
        struct buf text = {0};
        int chunks = 0;
        r = webraft_chat_stream(client, (chat_body(body, sizeof body, "gpt-4o", "hi", true), body), NULL,
                                count_chunk, &chunks);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
        CHECK(chunks > 3);
        buf_free(&text);
        webraft_result_free(r);
        webraft_client_free(client);
    }
}

const struct test_case stuck_tests[] = {
    TEST_ENTRY(test_fallback_moves_on_for_each_failure_the_issue_lists),
    TEST_ENTRY(test_fallback_from_a_refused_port_and_through_a_list),
    TEST_ENTRY(test_fallback_stops_at_failures_another_endpoint_would_share),
    TEST_ENTRY(test_a_stream_never_moves_on_after_its_first_chunk),
    TEST_ENTRY(test_an_endpoint_model_override_reaches_its_server),
    TEST_ENTRY(test_config_checks_fallback_and_hedge),
    TEST_ENTRY(test_a_hedge_starts_the_next_endpoint_and_closes_the_loser),
    TEST_ENTRY(test_a_fast_first_endpoint_needs_no_hedge),
    TEST_ENTRY(test_a_hedged_stream_delivers_only_the_winners_events),
    TEST_ENTRY(test_the_credential_callback_gives_each_attempt_its_key),
    TEST_ENTRY(test_a_credential_failure_ends_the_call_cleanly),
    TEST_ENTRY(test_each_endpoint_asks_for_its_own_credential),
    TEST_ENTRY(test_a_request_snapshot_grows_as_valid_json),
    TEST_ENTRY(test_a_snapshot_parser_in_a_chunk_callback),
    TEST_ENTRY(test_the_snapshot_parser_rules),
    TEST_ENTRY(test_tool_calls_sharing_an_index_stay_apart),
    TEST_ENTRY(test_compressed_replies_are_decoded),
};
const size_t stuck_tests_count = sizeof stuck_tests / sizeof stuck_tests[0];
