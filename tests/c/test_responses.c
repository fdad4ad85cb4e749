/* The Responses API, streams from any endpoint, and response headers through the C ABI. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

static char *responses_body(char *buf, size_t size, const char *model, const char *input, bool stream) {
    snprintf(buf, size, "{\"model\":\"%s\",\"input\":\"%s\"%s}", model, input, stream ? ",\"stream\":true" : "");
    return buf;
}

/* Events a callback saw, in order: "NAME" per chunk (or "-" without a name), "HEADERS" for headers. */
struct seen_events {
    struct buf names;
    struct buf headers;
    int chunks;
};

static int record_event(void *user_data, webraft_event kind, const char *name, const char *data, size_t len) {
    struct seen_events *seen = user_data;
    if (kind == WEBRAFT_EVENT_HEADERS) {
        buf_append(&seen->names, "HEADERS ", 8);
        buf_append(&seen->headers, data, len);
    } else {
        CHECK_INT_EQ(kind, WEBRAFT_EVENT_CHUNK);
        CHECK_INT_EQ(strlen(data), len);
        const char *shown = name ? name : "-";
        buf_append(&seen->names, shown, strlen(shown));
        buf_append(&seen->names, " ", 1);
        seen->chunks++;
    }
    return 0;
}

static void free_seen(struct seen_events *seen) {
    buf_free(&seen->names);
    buf_free(&seen->headers);
}

static void test_responses_plain_and_streamed_text(void) {
    const char *bases[] = {"/v1", "/v2"};
    for (size_t i = 0; i < 2; i++) {
        webraft_client *client = new_client(bases[i], NULL);
        char body[256];
        webraft_result *r = webraft_responses(client, responses_body(body, sizeof body, "gpt-4o", "hi", false), NULL);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
        CHECK_CONTAINS(webraft_result_json(r, NULL), "\"object\":\"response\"");
        CHECK_STR_EQ(webraft_result_finish_reason(r), "completed");
        CHECK_NULL(webraft_result_incomplete_reason(r));
        uint64_t total = 0;
        CHECK(webraft_result_usage(r, NULL, NULL, &total) && total > 0);
        webraft_result_free(r);

        struct seen_events seen = {0};
        r = webraft_responses_stream(client, responses_body(body, sizeof body, "gpt-4o", "hi", false), NULL,
                                     record_event, &seen);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
        CHECK(strncmp(buf_str(&seen.names), "HEADERS ", 8) == 0);
        CHECK_CONTAINS(buf_str(&seen.headers), "\"content-type\"");
        if (i == 0) CHECK_CONTAINS(buf_str(&seen.names), "response.output_text.delta response.output_text.delta");
        CHECK_CONTAINS(webraft_result_json(r, NULL), "\"status\":\"completed\"");
        CHECK_INT_EQ(webraft_result_chunk_count(r), seen.chunks);
        free_seen(&seen);
        webraft_result_free(r);
        webraft_client_free(client);
    }
}

static void test_responses_terminal_states(void) {
    webraft_client *client = new_client("/v1", NULL);
    char body[256];
    webraft_result *r = webraft_responses_stream(client, responses_body(body, sizeof body, "responses-failed", "hi", false),
                                                 NULL, NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_STREAM_ERROR);
    CHECK_STR_EQ(webraft_result_server_message(r), "The model failed mid-response");
    CHECK_STR_EQ(webraft_result_error_code(r), "server_error");
    CHECK_NOT_NULL(webraft_result_text(r, NULL)); /* the output that arrived is kept */
    webraft_result_free(r);

    r = webraft_responses_stream(client, responses_body(body, sizeof body, "responses-error", "hi", false), NULL, NULL,
                                 NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_STREAM_ERROR);
    CHECK_STR_EQ(webraft_result_server_message(r), "Too many tokens mid-stream");
    CHECK_STR_EQ(webraft_result_error_code(r), "rate_limit_exceeded");
    webraft_result_free(r);

    r = webraft_responses_stream(client, responses_body(body, sizeof body, "responses-incomplete", "hi", false), NULL,
                                 NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_incomplete_reason(r), "max_output_tokens");
    webraft_result_free(r);

    r = webraft_responses(client, responses_body(body, sizeof body, "responses-failed", "hi", false), NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_STR_EQ(webraft_result_server_message(r), "The model failed mid-response");
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_responses_keepalive_unknown_and_split_events_pass_through(void) {
    webraft_client *client = new_client("/v1", NULL);
    const char *models[] = {"responses-keepalive", "responses-unknown", "responses-split"};
    const char *expected[] = {"keepalive", "response.future_feature", "response.completed"};
    for (size_t i = 0; i < 3; i++) {
        char body[256];
        struct seen_events seen = {0};
        webraft_result *r = webraft_responses_stream(client, responses_body(body, sizeof body, models[i], "hi", false),
                                                     NULL, record_event, &seen);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
        CHECK_CONTAINS(buf_str(&seen.names), expected[i]);
        free_seen(&seen);
        webraft_result_free(r);
    }
    webraft_client_free(client);
}

static void test_responses_tool_round_trip_from_a_conversation(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_conversation *conversation = webraft_conversation_new();
    webraft_conversation_set_model(conversation, "tools");
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, "weather in Paris?");
    struct seen_events seen = {0};
    webraft_result *r = webraft_conversation_responses(client, conversation, NULL, record_event, &seen);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_CONTAINS(buf_str(&seen.names), "response.function_call_arguments.delta");
    free_seen(&seen);
    CHECK_INT_EQ(webraft_result_tool_call_count(r), 1);
    CHECK_STR_EQ(webraft_result_tool_call_id(r, 0), "call_1");
    CHECK_STR_EQ(webraft_result_tool_call_name(r, 0), "get_weather");
    CHECK_STR_EQ(webraft_result_tool_call_arguments(r, 0, NULL), "{\"city\":\"Paris\"}");
    CHECK_STATUS_EQ(webraft_conversation_add_assistant_turn(conversation, r), WEBRAFT_STATUS_OK);
    webraft_result_free(r);
    webraft_conversation_add_tool_result(conversation, "call_1", "22 C");
    r = webraft_conversation_responses(client, conversation, NULL, NULL, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(r, NULL), "The tool call_1 said: 22 C");
    webraft_result_free(r);
    webraft_conversation_free(conversation);
    webraft_client_free(client);
}

static void test_polled_responses_yield_headers_first_then_named_events(void) {
    webraft_client *client = new_client("/v1", NULL);
    char body[256];
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_responses_start(client, responses_body(body, sizeof body, "gpt-4o", "hi", false), NULL,
                                            WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    int index = 0, deltas = 0;
    for (int guard = 0; guard < 200; guard++, index++) {
        webraft_event event;
        char *name = NULL, *data = NULL;
        size_t len = 0;
        CHECK_STATUS_EQ(webraft_request_next_event(request, generous_ms(5000), &event, &name, &data, &len),
                        WEBRAFT_STATUS_OK);
        if (index == 0) CHECK_INT_EQ(event, WEBRAFT_EVENT_HEADERS);
        if (event == WEBRAFT_EVENT_CHUNK) {
            CHECK_NOT_NULL(name);
            if (name && strcmp(name, "response.output_text.delta") == 0) deltas++;
        }
        webraft_string_free(name);
        webraft_string_free(data);
        if (event == WEBRAFT_EVENT_DONE) break;
    }
    CHECK(deltas > 0);
    webraft_result *r = webraft_request_take_result(request);
    CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
    webraft_result_free(r);
    webraft_request_free(request);
    /* The chunk-only poll passes over the headers event. */
    CHECK_STATUS_EQ(webraft_responses_start(client, responses_body(body, sizeof body, "gpt-4o", "hi", false), NULL,
                                            WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    webraft_event event;
    CHECK_STATUS_EQ(webraft_request_next(request, generous_ms(5000), &event, NULL, NULL), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(event, WEBRAFT_EVENT_CHUNK);
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_any_endpoint_stream(void) {
    const char *bases[] = {"/v1", "/v2"};
    const char *expected[] = {"HEADERS greeting - tick ", "HEADERS - - "};
    for (size_t i = 0; i < 2; i++) {
        webraft_client *client = new_client(bases[i], NULL);
        struct seen_events seen = {0};
        webraft_result *r = webraft_send_stream(client, "POST", "/events", "{}", NULL, record_event, &seen);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(buf_str(&seen.names), expected[i]);
        CHECK_INT_EQ(webraft_result_chunk_count(r), seen.chunks);
        free_seen(&seen);
        webraft_result_free(r);
        webraft_client_free(client);
    }
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_send_stream_start(client, "POST", "/events", "{}", NULL, WEBRAFT_DELIVERY_CALLBACK, NULL,
                                              NULL, NULL, &request),
                    WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_headers_and_rate_limits(void) {
    webraft_client *client = new_client("/v1", NULL);
    char body[512];
    chat_body(body, sizeof body, "rate-limit-headers", "hi", false);
    webraft_result *r = webraft_chat(client, body, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_header(r, "X-RateLimit-Limit-Requests"), "60");
    CHECK_STR_EQ(webraft_result_header(r, "x-webraft-repeat"), "a, b");
    CHECK_NULL(webraft_result_header(r, "x-not-there"));
    CHECK_CONTAINS(webraft_result_headers_json(r, NULL), "\"x-webraft-repeat\":\"a, b\"");
    webraft_rate_limit limit;
    CHECK_STATUS_EQ(webraft_result_rate_limit(r, &limit), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(limit.limit_requests, 60);
    CHECK_INT_EQ(limit.remaining_requests, 59);
    CHECK(limit.reset_requests_ms == 1000.0);
    CHECK_INT_EQ(limit.limit_tokens, 150000);
    CHECK_INT_EQ(limit.remaining_tokens, 149990);
    CHECK(limit.reset_tokens_ms == 360000.0);
    webraft_result_free(r);

    chat_body(body, sizeof body, "gpt-4o", "hi", false);
    r = webraft_chat(client, body, NULL);
    CHECK_STATUS_EQ(webraft_result_rate_limit(r, &limit), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(limit.limit_requests, -1); /* absent, not zero */
    CHECK(limit.reset_tokens_ms == -1.0);
    webraft_result_free(r);
    CHECK_STATUS_EQ(webraft_result_rate_limit(NULL, &limit), WEBRAFT_STATUS_NULL_ARGUMENT);

    /* A failed reply keeps its headers. */
    webraft_client *wrong = new_client_key("/v1", "wrong-key", NULL);
    r = webraft_chat(wrong, body, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_NOT_NULL(webraft_result_header(r, "content-type"));
    webraft_result_free(r);
    webraft_client_free(wrong);
    webraft_client_free(client);
}

const struct test_case responses_tests[] = {
    TEST_ENTRY(test_responses_plain_and_streamed_text),
    TEST_ENTRY(test_responses_terminal_states),
    TEST_ENTRY(test_responses_keepalive_unknown_and_split_events_pass_through),
    TEST_ENTRY(test_responses_tool_round_trip_from_a_conversation),
    TEST_ENTRY(test_polled_responses_yield_headers_first_then_named_events),
    TEST_ENTRY(test_any_endpoint_stream),
    TEST_ENTRY(test_headers_and_rate_limits),
};
const size_t responses_tests_count = sizeof responses_tests / sizeof responses_tests[0];
