/* A tool-calling round trip: the model asks for get_weather, this program runs it and sends the
 * result back, and the model answers in text.
 *
 *   tool_round_trip [--stream]
 *
 * Streamed or not, the result holds the tool calls (the library joins a stream's argument
 * pieces), so the loop is the same; stream_usage.c shows printing text as it arrives. */
#include "example.h"

#include <string.h>

static const char *TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":"
                           "\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";

/* The tool itself (a real program would look the weather up): the city comes from the call's
 * JSON arguments. */
static void get_weather(const char *arguments, char *out, size_t size) {
    char *city = NULL;
    webraft_json_get_string(arguments, strlen(arguments), "/city", &city, NULL);
    snprintf(out, size, "22 C and sunny in %s", city ? city : "an unknown city");
    webraft_string_free(city);
}

/* Sends the conversation; while the reply asks for tools, appends that turn and the tools'
 * results and sends again. Returns the last result: a text answer or a failure. */
static webraft_result *chat_with_tools(const webraft_client *client, webraft_conversation *conversation, bool stream) {
    for (int turn = 1;; turn++) {
        webraft_result *result = stream ? webraft_conversation_chat_stream(client, conversation, NULL, NULL, NULL)
                                        : webraft_conversation_chat(client, conversation, NULL);
        size_t calls = webraft_result_tool_call_count(result); /* 0 for a failure */
        if (calls == 0 || turn == 8) return result;          /* 8: a model that never stops calling */
        webraft_conversation_add_assistant_turn(conversation, result);
        for (size_t i = 0; i < calls; i++) {
            char answer[512] = "error: no such tool"; /* the model reads this and can correct itself */
            if (strcmp(webraft_result_tool_call_name(result, i), "get_weather") == 0)
                get_weather(webraft_result_tool_call_arguments(result, i, NULL), answer, sizeof answer);
            webraft_conversation_add_tool_result(conversation, webraft_result_tool_call_id(result, i), answer);
        }
        webraft_result_free(result);
    }
}

int main(int argc, char **argv) {
    bool stream = argc > 1 && strcmp(argv[1], "--stream") == 0;
    webraft_client *client = example_client();
    webraft_conversation *conversation = webraft_conversation_new();
    webraft_conversation_set_model(conversation, example_model("gpt-4o"));
    webraft_conversation_set_param(conversation, "tools", TOOLS, NULL);
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, "What is the weather in Paris?");
    webraft_result *result = chat_with_tools(client, conversation, stream);
    int status = example_failed(result);
    if (status == 0) printf("%s\n", example_text(result));
    webraft_result_free(result);
    webraft_conversation_free(conversation);
    webraft_client_free(client);
    return status;
}
