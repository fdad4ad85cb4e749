// The non-throwing API of webraft.hpp, built with -fno-exceptions (where the
// throwing forms do not exist), against the loopback test server.
#include "check.hpp"
#include "webraft.hpp"

#if WEBRAFT_HPP_EXCEPTIONS
#error "build this file with -fno-exceptions"
#endif

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace {

// The throwing forms are absent, not merely unused.
template <typename C, typename = void>
struct has_chat : std::false_type {};
template <typename C>
struct has_chat<C, std::void_t<decltype(std::declval<const C&>().chat(""))>> : std::true_type {};
static_assert(!has_chat<webraft::Client>::value);
static_assert(!std::is_constructible_v<webraft::Client, const char*>);
template <typename R, typename = void>
struct has_get_string : std::false_type {};
template <typename R>
struct has_get_string<R, std::void_t<decltype(std::declval<const R&>().get_string("/x"))>> : std::true_type {};
static_assert(!has_get_string<webraft::Result>::value && !has_get_string<webraft::JsonText>::value);

void test_create_reports_bad_config() {
    webraft::Expected<webraft::Client> made = webraft::Client::create("{\"timeout_ms\":\"soon\"}");
    CHECK(!made.ok());
    CHECK_STATUS(made.error().status(), WEBRAFT_STATUS_INVALID_CONFIG);
    CHECK_CONTAINS(made.error().error_message(), "timeout_ms");
}

void test_try_chat_ok_and_failed() {
    webraft::Expected<webraft::Client> made = webraft::Client::create(check::config());
    CHECK(made.ok());
    if (!made.ok()) return;
    webraft::Client client = std::move(made).value();
    webraft::Result result = client.try_chat(check::chat_body("gpt-4o", "no exceptions"));
    CHECK(result.ok());
    CHECK_EQ(result.text(), std::string_view("Hello! You said: no exceptions"));

    result = client.try_chat(check::chat_body("rate-limit", "hi"));
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_EQ(result.http_status(), 429);
    CHECK_EQ(result.error_code(), std::string_view("rate_limit_exceeded"));
}

void test_try_chat_stream_and_poll() {
    webraft::Client client = webraft::Client::create(check::config("/v2")).value();
    std::string text;
    webraft::Result result = client.try_chat_stream(check::chat_body("gpt-4o", "json lines"),
                                                    [&](const webraft::Chunk& chunk) { text += chunk.text(); });
    CHECK(result.ok());
    CHECK_EQ(text, std::string("Hello! You said: json lines"));

    webraft::Request request = client.start(check::chat_body("gpt-4o", "polled"));
    std::string polled;
    for (webraft::Next next = request.next(WEBRAFT_WAIT_FOREVER); !next.done(); next = request.next(WEBRAFT_WAIT_FOREVER)) {
        if (next.has_chunk()) polled += next.chunk.text();
    }
    CHECK_EQ(polled, std::string("Hello! You said: polled"));
    CHECK(request.try_result().ok());
}

// Without exceptions a failed edit is kept: the first failure's status and message, while later edits still run.
void test_conversation_keeps_first_failure() {
    webraft::Conversation conversation;
    CHECK_STATUS(conversation.status(), WEBRAFT_STATUS_OK);
    CHECK_EQ(conversation.error_message(), std::string_view(""));
    conversation.model("gpt-4o").image_url("https://example.com/x.png").user("\xff").user("still added");
    CHECK_STATUS(conversation.status(), WEBRAFT_STATUS_INVALID_ARGUMENT);  // no message to put the image on
    CHECK_CONTAINS(conversation.error_message(), "message");
    CHECK_EQ(conversation.size(), 1u);

    webraft::Conversation unreadable;
    unreadable.user("look").image_file("/nonexistent/shot.png");
    CHECK_STATUS(unreadable.status(), WEBRAFT_STATUS_IO);
    CHECK_CONTAINS(unreadable.error_message(), "/nonexistent/shot.png");
    webraft::Conversation utf8;
    utf8.user("\xff");
    CHECK_STATUS(utf8.status(), WEBRAFT_STATUS_INVALID_UTF8);
    CHECK_EQ(utf8.error_message(), std::string_view("add: INVALID_UTF8"));

    webraft::Expected<webraft::Conversation> loaded = webraft::Conversation::try_from_json("[{\"content\":1}]");
    CHECK(!loaded.ok());
    CHECK_STATUS(loaded.error().status(), WEBRAFT_STATUS_INVALID_ARGUMENT);
    loaded = webraft::Conversation::try_from_json(conversation.to_json());
    CHECK(loaded.ok());
    if (loaded.ok()) CHECK_EQ(loaded.value().size(), 1u);
}

void test_tool_round_trip_without_exceptions() {
    webraft::Client client = webraft::Client::create(check::config()).value();
    webraft::Conversation conversation;
    conversation.model("tools").tools(R"([{"type":"function","function":{"name":"get_weather"}}])").user("weather?");
    webraft::Result reply = client.try_chat(conversation);
    CHECK(reply.ok());
    conversation.add_assistant_turn(reply);
    for (const webraft::ToolCall& call : reply.tool_calls()) {
        webraft::Status status = WEBRAFT_STATUS_PANIC;
        CHECK(!call.arguments.find_number("/city", &status));
        CHECK_STATUS(status, WEBRAFT_STATUS_WRONG_TYPE);
        CHECK(!call.arguments.find_string("/country", &status));
        CHECK_STATUS(status, WEBRAFT_STATUS_MISSING);
        conversation.tool_result(call, call.arguments.find_string("/city").value_or("?"));
    }
    CHECK_STATUS(conversation.status(), WEBRAFT_STATUS_OK);
    reply = client.try_chat_stream(conversation, [](const webraft::Chunk&) {});
    CHECK_EQ(reply.text(), std::string_view("The tool call_1 said: Paris"));
}

void test_responses_events_and_headers_without_exceptions() {
    webraft::Client client = webraft::Client::create(check::config()).value();
    webraft::Result reply = client.try_responses(check::responses_body("rate-limit-headers", "hi"));
    CHECK_EQ(reply.text(), std::string_view("Hello! You said: hi"));
    CHECK_EQ(reply.rate_limit().remaining_requests, std::optional<std::int64_t>(59));
    CHECK_EQ(reply.header("X-Webraft-Repeat"), std::optional<std::string_view>("a, b"));

    std::string names;
    reply = client.try_responses_stream(check::responses_body("responses-failed", "hi"), [&](const webraft::Event& event) {
        names += event.is_headers() ? std::string_view("HEADERS") : event.name.value_or("-");
        names += " ";
    });
    CHECK_STATUS(reply.status(), WEBRAFT_STATUS_STREAM_ERROR);
    CHECK_EQ(reply.server_message(), std::string_view("The model failed mid-response"));
    CHECK_EQ(names.rfind("HEADERS response.created ", 0), 0u);

    names.clear();
    webraft::Request request = client.send_stream_start("POST", "/events", "{}");
    for (webraft::NextEvent next = request.next_event(WEBRAFT_WAIT_FOREVER); !next.done();
         next = request.next_event(WEBRAFT_WAIT_FOREVER)) {
        webraft::Event event = next.event();
        names += event.is_headers() ? std::string_view("HEADERS") : event.name.value_or("-");
        names += " ";
    }
    CHECK_EQ(names, std::string("HEADERS greeting - tick "));
    CHECK_EQ(request.try_result().chunk_count(), 3u);
}

// Without exceptions a Form keeps its first failure, as a Conversation does,
// and the media calls come as try_ forms.
void test_media_without_exceptions() {
    webraft::Form form;
    form.text("model", "whisper-1").file("file", "/nonexistent/voice.wav").bytes("file", std::string("RIFF"), "a.wav");
    CHECK_STATUS(form.status(), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_CONTAINS(form.error_message(), "/nonexistent/voice.wav");

    webraft::Client client = webraft::Client::create(check::config()).value();
    webraft::Result speech = client.try_speech(R"({"model":"tts-1","input":"ab","voice":"alloy"})");
    CHECK(speech.ok());
    CHECK_EQ(speech.body_bytes().size(), 2048u);
    CHECK_EQ(static_cast<int>(speech.body_bytes()[251]), 0);
    std::size_t pieces = 0;
    webraft::Result streamed = client.try_speech_stream(R"({"model":"tts-1","input":"ab","voice":"alloy"})",
                                                        [&](webraft::Bytes piece) { pieces += piece.size(); });
    CHECK(streamed.ok());
    CHECK_EQ(pieces, 2048u);
    webraft::Result embeddings = client.try_embeddings(R"({"model":"text-embedding-3-small","input":"a","dimensions":4})");
    CHECK(embeddings.embedding(0).has_value());
}

// Fallback, credentials and snapshots need no exceptions either: a refusal is fail().
void test_fallback_credentials_and_snapshots_without_exceptions() {
    std::string config = "{\"base_url\":\"" + check::server_url("/role/failing/v1") +
                         "\",\"api_key\":\"wrong-key\",\"max_retries\":0,\"fallback\":[{\"base_url\":\"" +
                         check::server_url("/v1") + "\"}]}";
    webraft::Client client = webraft::Client::create(config).value();
    CHECK_STATUS(client.set_credentials([](webraft::CredentialRequest& request) { request.set_key("test-key"); }),
                 WEBRAFT_STATUS_OK);
    webraft::Request request = client.start(check::chat_body("json-content", "hi"));
    while (!request.next(check::generous_ms).done()) {
    }
    CHECK_EQ(request.snapshot_content().view(), std::string_view(R"({"name":"Ada","tags":["x","y"],"age":36,"ok":true})"));
    webraft::Result result = request.try_result();
    CHECK(result.ok());
    CHECK_EQ(result.endpoint_index(), 1u);
    CHECK_EQ(result.endpoints_tried(), 2u);

    client.set_credentials([](webraft::CredentialRequest& request) { request.fail("signed out"); });
    result = client.try_chat(check::chat_body("gpt-4o", "hi"));
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_CREDENTIALS);
    CHECK_CONTAINS(result.error_message(), "signed out");
}

}  // namespace

int main(int argc, char** argv) {
    static const check::Case cases[] = {
        {"nothrow_create_reports_bad_config", test_create_reports_bad_config},
        {"nothrow_try_chat_ok_and_failed", test_try_chat_ok_and_failed},
        {"nothrow_try_chat_stream_and_poll", test_try_chat_stream_and_poll},
        {"nothrow_conversation_keeps_first_failure", test_conversation_keeps_first_failure},
        {"nothrow_tool_round_trip", test_tool_round_trip_without_exceptions},
        {"nothrow_responses_events_and_headers", test_responses_events_and_headers_without_exceptions},
        {"nothrow_media", test_media_without_exceptions},
        {"nothrow_fallback_credentials_and_snapshots", test_fallback_credentials_and_snapshots_without_exceptions},
    };
    return check::run(cases, argc, argv);
}
