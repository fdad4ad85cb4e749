/* Conversations, tool calls and JSON Pointer reads through the C ABI. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define TOOL_FINAL_ANSWER "The tool call_1 said: 22 C"

static char *conversation_json(const webraft_conversation *conversation) {
    char *json = NULL;
    size_t len = 0;
    CHECK_STATUS_EQ(webraft_conversation_to_json(conversation, &json, &len), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(len, strlen(json));
    return json;
}

static webraft_conversation *weather_question(void) {
    webraft_conversation *conversation = webraft_conversation_new();
    CHECK_STATUS_EQ(webraft_conversation_set_model(conversation, "tools"), WEBRAFT_STATUS_OK);
    CHECK_STATUS_EQ(webraft_conversation_set_param(conversation, "tools",
                                                   "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}]",
                                                   NULL),
                    WEBRAFT_STATUS_OK);
    CHECK_STATUS_EQ(webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, "weather in Paris?"),
                    WEBRAFT_STATUS_OK);
    return conversation;
}

/* Answer every tool call of `r`, then ask again; returns the final result. */
static webraft_result *answer_tools(const webraft_client *client, webraft_conversation *conversation,
                                    webraft_result *r) {
    CHECK_STR_EQ(webraft_result_finish_reason(r), "tool_calls");
    CHECK_INT_EQ(webraft_result_tool_call_count(r), 1);
    CHECK_STR_EQ(webraft_result_tool_call_id(r, 0), "call_1");
    CHECK_STR_EQ(webraft_result_tool_call_name(r, 0), "get_weather");
    size_t len = 0;
    CHECK_STR_EQ(webraft_result_tool_call_arguments(r, 0, &len), "{\"city\":\"Paris\"}");
    CHECK_INT_EQ(len, strlen("{\"city\":\"Paris\"}"));
    CHECK_NULL(webraft_result_tool_call_id(r, 1));
    CHECK_STATUS_EQ(webraft_conversation_add_assistant_turn(conversation, r), WEBRAFT_STATUS_OK);
    CHECK_STATUS_EQ(webraft_conversation_add_tool_result(conversation, "call_1", "22 C"), WEBRAFT_STATUS_OK);
    webraft_result_free(r);
    return webraft_conversation_chat(client, conversation, NULL);
}

static void test_tool_round_trip_plain_and_streamed(void) {
    webraft_client *client = new_client("/v1", NULL);
    for (int streamed = 0; streamed < 2; streamed++) {
        webraft_conversation *conversation = weather_question();
        webraft_result *r = streamed ? webraft_conversation_chat_stream(client, conversation, NULL, NULL, NULL)
                                     : webraft_conversation_chat(client, conversation, NULL);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_NULL(webraft_result_text(r, NULL));
        r = answer_tools(client, conversation, r);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), TOOL_FINAL_ANSWER);
        CHECK_INT_EQ(webraft_result_tool_call_count(r), 0);
        CHECK_STR_EQ(webraft_result_finish_reason(r), "stop");
        CHECK_STATUS_EQ(webraft_conversation_add_assistant_turn(conversation, r), WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(webraft_conversation_len(conversation), 4);
        char *json = conversation_json(conversation);
        /* The tool-call-only turn went back with "" content, as servers accept. */
        CHECK_CONTAINS(json, "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_1\"");
        CHECK_CONTAINS(json, "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"22 C\"}");
        webraft_string_free(json);
        webraft_result_free(r);
        webraft_conversation_free(conversation);
    }
    webraft_client_free(client);
}

static void test_started_conversation_polls_chunks(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_conversation *conversation = webraft_conversation_new();
    webraft_conversation_set_model(conversation, "gpt-4o");
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, "hi");
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_conversation_chat_start(client, conversation, NULL, WEBRAFT_DELIVERY_POLL, NULL, NULL,
                                                    NULL, &request),
                    WEBRAFT_STATUS_OK);
    /* The request took a copy: editing the conversation now changes nothing sent. */
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, "ignored");
    CHECK(webraft_request_is_stream(request));
    struct buf text = {0};
    for (int guard = 0; guard < 100; guard++) {
        webraft_event event;
        char *chunk = NULL;
        size_t len = 0;
        CHECK_STATUS_EQ(webraft_request_next(request, generous_ms(5000), &event, &chunk, &len), WEBRAFT_STATUS_OK);
        if (event == WEBRAFT_EVENT_DONE) break;
        if (event != WEBRAFT_EVENT_CHUNK) continue;
        char *piece = NULL;
        size_t piece_len = 0;
        if (webraft_json_get_string(chunk, len, "/choices/0/delta/content", &piece, &piece_len) == WEBRAFT_STATUS_OK)
            buf_append(&text, piece, piece_len);
        webraft_string_free(piece);
        webraft_string_free(chunk);
    }
    CHECK_STR_EQ(buf_str(&text), MODEL_REPLY_HI);
    buf_free(&text);
    webraft_result *r = webraft_request_take_result(request);
    CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_conversation_free(conversation);
    webraft_client_free(client);
}

static void test_stream_usage_on_request(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_conversation *conversation = webraft_conversation_new();
    webraft_conversation_set_model(conversation, "gpt-4o");
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, "hi");
    webraft_result *r = webraft_conversation_chat_stream(client, conversation, NULL, NULL, NULL);
    CHECK(!webraft_result_usage(r, NULL, NULL, NULL));
    webraft_result_free(r);
    webraft_conversation_set_stream_usage(conversation, true);
    r = webraft_conversation_chat_stream(client, conversation, NULL, NULL, NULL);
    uint64_t total = 0;
    CHECK(webraft_result_usage(r, NULL, NULL, &total));
    CHECK(total > 0);
    webraft_result_free(r);
    /* The same through the per-request option on a raw JSON request, and the client key. */
    char body[512];
    chat_body(body, sizeof body, "gpt-4o", "hi", true);
    r = webraft_chat(client, body, "{\"stream_usage\":true}");
    CHECK(webraft_result_usage(r, NULL, NULL, NULL));
    webraft_result_free(r);
    webraft_client *counting = new_client("/v1", ",\"stream_usage\":true");
    r = webraft_chat(counting, body, NULL);
    CHECK(webraft_result_usage(r, NULL, NULL, NULL));
    webraft_result_free(r);
    r = webraft_chat(counting, body, "{\"stream_usage\":false}");
    CHECK(!webraft_result_usage(r, NULL, NULL, NULL));
    webraft_result_free(r);
    webraft_client_free(counting);
    webraft_conversation_free(conversation);
    webraft_client_free(client);
}

static void test_export_import_and_bad_input(void) {
    webraft_conversation *conversation = webraft_conversation_new();
    CHECK_STATUS_EQ(webraft_conversation_add_text_part(conversation, "no message yet"), WEBRAFT_STATUS_INVALID_ARGUMENT);
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_DEVELOPER, "be brief");
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, "what is this?");
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0};
    CHECK_STATUS_EQ(webraft_conversation_add_image_bytes(conversation, png, sizeof png, "low", NULL), WEBRAFT_STATUS_OK);
    webraft_result *error = NULL;
    CHECK_STATUS_EQ(webraft_conversation_add_image_file(conversation, "/nonexistent/x.png", NULL, &error),
                    WEBRAFT_STATUS_IO);
    CHECK_CONTAINS(webraft_result_error_message(error), "/nonexistent/x.png");
    webraft_result_free(error);
    CHECK_STATUS_EQ(webraft_conversation_add_message(conversation, 99, "x"), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS_EQ(webraft_conversation_set_param(conversation, "stream", "true", NULL), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS_EQ(webraft_conversation_set_param(conversation, "seed", "{", NULL), WEBRAFT_STATUS_INVALID_JSON);
    CHECK_STATUS_EQ(webraft_conversation_set_temperature(conversation, 0.0 / 0.0), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS_EQ(webraft_conversation_add_message(NULL, WEBRAFT_ROLE_USER, "x"), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, "\xff"), WEBRAFT_STATUS_INVALID_UTF8);

    char *saved = conversation_json(conversation);
    CHECK_CONTAINS(saved, "\"role\":\"developer\"");
    CHECK_CONTAINS(saved, "\"detail\":\"low\"");
    webraft_conversation *loaded = NULL;
    CHECK_STATUS_EQ(webraft_conversation_from_json(saved, &loaded, NULL), WEBRAFT_STATUS_OK);
    char *again = conversation_json(loaded);
    CHECK_STR_EQ(again, saved);
    CHECK_INT_EQ(webraft_conversation_len(loaded), 2);
    webraft_string_free(again);
    webraft_string_free(saved);
    webraft_conversation_free(loaded);

    webraft_conversation *bad = (webraft_conversation *)&bad;
    CHECK_STATUS_EQ(webraft_conversation_from_json("{}", &bad, &error), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_NULL(bad);
    CHECK_CONTAINS(webraft_result_error_message(error), "array");
    webraft_result_free(error);
    CHECK_STATUS_EQ(webraft_conversation_from_json("[{\"content\":\"x\"}]", &bad, NULL), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS_EQ(webraft_conversation_from_json("[", &bad, NULL), WEBRAFT_STATUS_INVALID_JSON);
    webraft_conversation_free(conversation);
    webraft_conversation_free(NULL);
}

static void test_json_pointer_reads(void) {
    webraft_client *client = new_client("/v1", NULL);
    char body[512];
    chat_body(body, sizeof body, "gpt-4o", "hi", false);
    webraft_result *r = webraft_chat(client, body, NULL);
    char *text = NULL;
    size_t len = 0;
    CHECK_STATUS_EQ(webraft_result_get_string(r, "/choices/0/message/content", &text, &len), WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(text, MODEL_REPLY_HI);
    CHECK_INT_EQ(len, strlen(MODEL_REPLY_HI));
    webraft_string_free(text);
    double tokens = 0;
    CHECK_STATUS_EQ(webraft_result_get_number(r, "/usage/total_tokens", &tokens), WEBRAFT_STATUS_OK);
    CHECK(tokens > 0);
    CHECK_STATUS_EQ(webraft_result_get_number(r, "/choices/0/message/content", &tokens), WEBRAFT_STATUS_WRONG_TYPE);
    CHECK_STATUS_EQ(webraft_result_get_string(r, "/choices/7", &text, NULL), WEBRAFT_STATUS_MISSING);
    CHECK_NULL(text);
    CHECK_STATUS_EQ(webraft_result_get_json(r, "/choices/0/message", &text, NULL), WEBRAFT_STATUS_OK);
    CHECK_CONTAINS(text, "\"role\":\"assistant\"");
    webraft_string_free(text);
    bool flag = true;
    CHECK_STATUS_EQ(webraft_result_get_bool(r, "/usage", &flag), WEBRAFT_STATUS_WRONG_TYPE);
    CHECK_STATUS_EQ(webraft_result_get_string(r, "choices", &text, NULL), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS_EQ(webraft_result_get_string(NULL, "/x", &text, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_result_free(r);

    const char *chunk = "{\"a\":{\"b~c\":[true,null]}}";
    CHECK_STATUS_EQ(webraft_json_get_bool(chunk, strlen(chunk), "/a/b~0c/0", &flag), WEBRAFT_STATUS_OK);
    CHECK(flag);
    CHECK_STATUS_EQ(webraft_json_get_json(chunk, strlen(chunk), "/a/b~0c/1", &text, &len), WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(text, "null");
    webraft_string_free(text);
    CHECK_STATUS_EQ(webraft_json_get_json(chunk, 3, "", &text, NULL), WEBRAFT_STATUS_INVALID_JSON);
    CHECK_STATUS_EQ(webraft_json_get_json("\xff", 1, "", &text, NULL), WEBRAFT_STATUS_INVALID_UTF8);
    CHECK_STATUS_EQ(webraft_json_get_number(chunk, strlen(chunk), "/a/missing", &tokens), WEBRAFT_STATUS_MISSING);
    CHECK_STR_EQ(webraft_status_name(WEBRAFT_STATUS_MISSING), "MISSING");
    CHECK_STR_EQ(webraft_status_name(WEBRAFT_STATUS_WRONG_TYPE), "WRONG_TYPE");
    webraft_client_free(client);
}

const struct test_case conversation_tests[] = {
    TEST_ENTRY(test_tool_round_trip_plain_and_streamed),
    TEST_ENTRY(test_started_conversation_polls_chunks),
    TEST_ENTRY(test_stream_usage_on_request),
    TEST_ENTRY(test_export_import_and_bad_input),
    TEST_ENTRY(test_json_pointer_reads),
};
const size_t conversation_tests_count = sizeof conversation_tests / sizeof conversation_tests[0];
