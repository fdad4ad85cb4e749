// Tests of webraft::Conversation, tool calls and JSON Pointer reads against the
// loopback test server (WEBRAFT_TEST_URL): tool round trips (plain, streamed,
// started), the stored assistant turn, to_json/from_json, images from a file
// and from memory, request parameters as the server saw them, stream usage,
// and find_*/get_* with their MISSING and WRONG_TYPE statuses.
#include "check.hpp"
#include "webraft.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <future>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace {

static_assert(!std::is_copy_constructible_v<webraft::Conversation> && !std::is_copy_assignable_v<webraft::Conversation>);
static_assert(std::is_nothrow_move_constructible_v<webraft::Conversation> &&
              std::is_nothrow_move_assignable_v<webraft::Conversation>);
static_assert(std::is_constructible_v<bool, webraft::Conversation> &&
              !std::is_convertible_v<webraft::Conversation, bool>);
// The JSON views add no state to what they view.
static_assert(sizeof(webraft::JsonText) == sizeof(std::string_view));

const char* const weather_tools =
    R"([{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",)"
    R"("properties":{"city":{"type":"string"}},"required":["city"]}}}])";

webraft::Client test_client() { return webraft::Client(check::config("/v1")); }

webraft::Conversation weather_question() {
    webraft::Conversation conversation;
    conversation.model("tools").tools(weather_tools).user("weather in Paris?");
    return conversation;
}

// A file holding a PNG signature and `extra` more bytes; the library calls it image/png from its bytes.
std::vector<std::uint8_t> png_bytes(std::size_t extra) {
    std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    for (std::size_t i = 0; i < extra; ++i) png.push_back(static_cast<std::uint8_t>(i * 7));
    return png;
}

std::string write_temp_file(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    const std::string path = "/tmp/webraft_hpp_" + name;
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
}

// Checks the first reply of the `tools` model, then appends it and the answer to its one call.
void answer_tool_call(webraft::Conversation& conversation, const webraft::Result& first) {
    CHECK(first.text().data() == nullptr);  // a tool-call-only turn has no text
    CHECK_EQ(first.finish_reason(), std::string_view("tool_calls"));
    CHECK_EQ(first.tool_calls().size(), 1u);
    int calls = 0;
    conversation.add_assistant_turn(first);
    for (const webraft::ToolCall& call : first.tool_calls()) {
        ++calls;
        CHECK_EQ(call.id, std::string_view("call_1"));
        CHECK_EQ(call.name, std::string_view("get_weather"));
        CHECK_EQ(call.arguments, std::string_view(R"({"city":"Paris"})"));
        conversation.tool_result(call, "22 C in " + call.arguments.get_string("/city"));
    }
    CHECK_EQ(calls, 1);
}

void check_final_answer(webraft::Conversation& conversation, const webraft::Result& reply) {
    CHECK_EQ(reply.text(), std::string_view("The tool call_1 said: 22 C in Paris"));
    CHECK_EQ(reply.finish_reason(), std::string_view("stop"));
    CHECK(reply.tool_calls().empty());
    CHECK(reply.tool_calls().begin() == reply.tool_calls().end());
    conversation.add_assistant_turn(reply);
    CHECK_EQ(conversation.size(), 4u);
    const std::string json = conversation.to_json();
    // The tool-call-only turn went back with "" content, as servers accept.
    CHECK_CONTAINS(json, R"({"role":"assistant","content":"","tool_calls":[{"id":"call_1")");
    CHECK_CONTAINS(json, R"({"role":"tool","tool_call_id":"call_1","content":"22 C in Paris"})");
    CHECK_CONTAINS(json, R"({"role":"assistant","content":"The tool call_1 said: 22 C in Paris"})");
}

void test_tool_round_trip_plain() {
    webraft::Client client = test_client();
    webraft::Conversation conversation = weather_question();
    webraft::Result first = client.chat(conversation);
    CHECK_EQ(first.chunk_count(), 0u);
    CHECK_EQ(conversation.size(), 1u);  // sending does not change the conversation
    answer_tool_call(conversation, first);
    check_final_answer(conversation, client.chat(conversation));
}

void test_tool_round_trip_streamed() {
    webraft::Client client = test_client();
    webraft::Conversation conversation = weather_question();
    std::string arguments, text;
    webraft::Result first = client.chat_stream(conversation, [&](const webraft::Chunk& chunk) {
        // The arguments arrive in pieces; find_string is nullopt on chunks without one.
        arguments += chunk.json().find_string("/choices/0/delta/tool_calls/0/function/arguments").value_or("");
        text += chunk.text();
    });
    CHECK(first.chunk_count() > 3);
    CHECK_EQ(arguments, std::string(R"({"city":"Paris"})"));
    CHECK_EQ(text, std::string());
    answer_tool_call(conversation, first);
    webraft::Result final_reply =
        client.chat_stream(conversation, [&](const webraft::Chunk& chunk) { text += chunk.text(); });
    CHECK_EQ(text, std::string("The tool call_1 said: 22 C in Paris"));
    check_final_answer(conversation, final_reply);
}

void test_started_conversation_deliveries() {
    webraft::Client client = test_client();
    webraft::Conversation conversation;
    conversation.model("gpt-4o").user("started");

    webraft::Request polled = client.start(conversation);
    conversation.user("ignored");  // the request took a copy
    CHECK(polled.is_stream());
    std::string text;
    for (webraft::Next next = polled.next(10000); !next.done(); next = polled.next(10000)) text += next.chunk.text();
    CHECK_EQ(text, std::string("Hello! You said: started"));
    CHECK(polled.try_result().chunk_count() > 0);

    webraft::Request quiet = client.start(conversation, webraft::Delivery::none);
    CHECK(!quiet.is_stream());
    CHECK_EQ(quiet.try_result().text(), std::string_view("Hello! You said: ignored"));

    // on_done runs after the last chunk callback, on a worker thread: its promise orders the reads below.
    std::string called;
    std::promise<webraft::Status> done;
    std::future<webraft::Status> done_status = done.get_future();
    webraft::Request request = client.start(
        conversation, [&](const webraft::Chunk& chunk) { called += chunk.text(); },
        [done = std::move(done)](webraft::Status status) mutable { done.set_value(status); });
    CHECK(request.is_stream());
    CHECK(done_status.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK_STATUS(done_status.get(), WEBRAFT_STATUS_OK);
    CHECK_EQ(called, std::string("Hello! You said: ignored"));
    CHECK(request.try_result().ok());
}

void test_tool_call_only_turn_content() {
    webraft::Client client = test_client();
    webraft::Result first = client.chat(weather_question());
    webraft::Conversation empty_string, kept_null;
    empty_string.add_assistant_turn(first);
    kept_null.keep_null_content().add_assistant_turn(first);
    CHECK_CONTAINS(empty_string.to_json(), R"("content":"")");
    CHECK_CONTAINS(kept_null.to_json(), R"("content":null)");
    CHECK_CONTAINS(kept_null.to_json(), R"("arguments":"{\"city\":\"Paris\"}")");
}

void test_to_json_from_json_round_trip() {
    webraft::Conversation conversation;
    conversation.system("be brief").developer("no markdown").user("what is this?");
    conversation.text_part("and this?").image_bytes(png_bytes(4), "low");
    conversation.assistant("a picture").add(webraft::Role::user, "thanks");
    CHECK_EQ(conversation.size(), 5u);
    const std::string saved = conversation.to_json();
    CHECK_CONTAINS(saved, R"({"role":"system","content":"be brief"})");
    CHECK_CONTAINS(saved, R"({"role":"developer","content":"no markdown"})");
    CHECK_CONTAINS(saved, R"({"type":"text","text":"and this?"})");
    CHECK_CONTAINS(saved, R"("detail":"low")");
    webraft::Conversation loaded = webraft::Conversation::from_json(saved);
    CHECK_EQ(loaded.size(), 5u);
    CHECK_EQ(loaded.to_json(), saved);
    // A loaded dialogue keeps its own system message; an empty one gets one first.
    loaded.system_if_missing("ignored");
    CHECK_EQ(loaded.to_json(), saved);
    webraft::Conversation fresh;
    fresh.user("hi").system_if_missing("first");
    CHECK_EQ(fresh.to_json(), std::string(R"([{"role":"system","content":"first"},{"role":"user","content":"hi"}])"));

    try {
        webraft::Conversation::from_json("{}");
        CHECK(!"from_json({}) did not throw");
    } catch (const webraft::Error& e) {
        CHECK_STATUS(e.status(), WEBRAFT_STATUS_INVALID_ARGUMENT);
        CHECK_CONTAINS(e.what(), "array");
    }
    webraft::Expected<webraft::Conversation> bad = webraft::Conversation::try_from_json("[");
    CHECK(!bad.ok());
    CHECK_STATUS(bad.error().status(), WEBRAFT_STATUS_INVALID_JSON);
}

void test_images_from_file_bytes_and_url() {
    webraft::Client client = test_client();
    const std::vector<std::uint8_t> png = png_bytes(59);  // 67 bytes
    const std::string path = write_temp_file("conversation_pixel.png", png);
    webraft::Conversation from_file;
    from_file.model("gpt-4o").user("what is this?").image_file(path, "high");
    std::remove(path.c_str());
    CHECK_EQ(client.chat(from_file).text(), std::string_view("Hello! You said: what is this? [image 1: image/png 67 bytes]"));

    // The same bytes from memory: a vector, a std::array and a raw pointer, as three parts.
    std::array<unsigned char, 12> small{};
    for (std::size_t i = 0; i < 8; ++i) small[i] = png[i];
    webraft::Conversation from_memory;
    from_memory.model("gpt-4o").user("and these?").image_bytes(png).image_bytes(small).image_bytes(png.data(), 9);
    CHECK_EQ(client.chat(from_memory).text(),
             std::string_view("Hello! You said: and these? [image 1: image/png 67 bytes] [image 2: image/png 12 bytes]"
                              " [image 3: image/png 9 bytes]"));

    webraft::Conversation by_url;
    by_url.model("gpt-4o").user("look").image_url("https://example.com/cat.png");
    CHECK_EQ(client.chat(by_url).text(), std::string_view("Hello! You said: look [image 1: url https://example.com/cat.png]"));

    // A failed edit throws and leaves the conversation as it was.
    const std::string before = from_file.to_json();
    try {
        from_file.image_file("/nonexistent/shot.png");
        CHECK(!"image_file did not throw");
    } catch (const webraft::Error& e) {
        CHECK_STATUS(e.status(), WEBRAFT_STATUS_IO);
        CHECK_CONTAINS(e.what(), "/nonexistent/shot.png");
    }
    CHECK_EQ(from_file.to_json(), before);
}

// The `echo-request` model answers with the request it received, so the parameters can be read back.
void test_parameters_reach_the_server() {
    webraft::Client client = test_client();
    webraft::Conversation conversation;
    conversation.model("echo-request").temperature(0.25).max_tokens(500).tools(weather_tools);
    conversation.tool_choice(R"("auto")").response_format(R"({"type":"text"})").param("seed", "7");
    conversation.user("hi");
    webraft::Result reply = client.chat(conversation);
    const webraft::JsonText echoed(reply.text());
    CHECK_EQ(echoed.get_string("/body/model"), std::string("echo-request"));
    CHECK_EQ(echoed.get_number("/body/temperature"), 0.25);
    CHECK_EQ(echoed.get_number("/body/max_tokens"), 500.0);
    CHECK_EQ(echoed.get_string("/body/tools/0/function/name"), std::string("get_weather"));
    CHECK_EQ(echoed.get_string("/body/tool_choice"), std::string("auto"));
    CHECK_EQ(echoed.get_json("/body/response_format"), std::string(R"({"type":"text"})"));
    CHECK_EQ(echoed.get_number("/body/seed"), 7.0);
    CHECK_EQ(echoed.get_string("/body/messages/0/content"), std::string("hi"));
    CHECK(!echoed.find_json("/body/stream").has_value());

    // max_tokens really limits the reply.
    webraft::Conversation short_reply;
    short_reply.model("gpt-4o").max_tokens(2).user("one two three");
    reply = client.chat(short_reply);
    CHECK_EQ(reply.text(), std::string_view("Hello! You "));
    CHECK_EQ(reply.finish_reason(), std::string_view("length"));
}

void test_bad_edits_throw_and_change_nothing() {
    webraft::Conversation conversation;
    auto status_of = [&](auto&& edit) {
        const std::string before = conversation.to_json();
        try {
            edit();
        } catch (const webraft::Error& e) {
            CHECK_EQ(conversation.to_json(), before);
            CHECK_EQ(e.http_status(), 0);
            return e.status();
        }
        return WEBRAFT_STATUS_OK;
    };
    CHECK_STATUS(status_of([&] { conversation.text_part("no message yet"); }), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(status_of([&] { conversation.user("\xff"); }), WEBRAFT_STATUS_INVALID_UTF8);
    CHECK_STATUS(status_of([&] { conversation.param("stream", "true"); }), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(status_of([&] { conversation.param("seed", "{"); }), WEBRAFT_STATUS_INVALID_JSON);
    CHECK_STATUS(status_of([&] { conversation.tools(R"({"not":"an array"})"); }), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(status_of([&] { conversation.temperature(std::nan("")); }), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(status_of([&] { conversation.add(static_cast<webraft::Role>(99), "x"); }),
                 WEBRAFT_STATUS_INVALID_ARGUMENT);
    // A failed reply holds no assistant message to append.
    webraft::Client client(check::config("/v1", "wrong-key"));
    webraft::Result failed = client.try_chat(conversation);
    CHECK_STATUS(status_of([&] { conversation.add_assistant_turn(failed); }), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(conversation.status(), WEBRAFT_STATUS_OK);  // kept only without exceptions
    CHECK_EQ(conversation.size(), 0u);

    // A status-only failure is named after the edit.
    try {
        conversation.user("\xff");
    } catch (const webraft::Error& e) {
        CHECK_EQ(std::string_view(e.what()), std::string_view("add: INVALID_UTF8"));
    }

    // A moved-from conversation is empty: edits fail with NULL_ARGUMENT, and so does sending it.
    webraft::Conversation moved = std::move(conversation);
    CHECK(!conversation);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(static_cast<bool>(moved));
    CHECK_STATUS(status_of([&] { conversation.user("x"); }), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_EQ(conversation.size(), 0u);
    CHECK_EQ(conversation.to_json(), std::string());
    CHECK_STATUS(test_client().try_chat(conversation).status(), WEBRAFT_STATUS_NULL_ARGUMENT);
}

void test_stream_usage() {
    webraft::Client client = test_client();
    webraft::Conversation conversation;
    conversation.model("gpt-4o").user("hi");
    auto ignore = [](const webraft::Chunk&) {};
    CHECK(!client.chat_stream(conversation, ignore).usage());
    conversation.stream_usage();
    std::optional<webraft::Usage> usage = client.chat_stream(conversation, ignore).usage();
    CHECK(usage.has_value());
    if (usage) {
        CHECK_EQ(usage->completion_tokens, 4u);  // "Hello! You said: hi"
        CHECK_EQ(usage->total_tokens, usage->prompt_tokens + usage->completion_tokens);
    }
    conversation.stream_usage(false);
    CHECK(!client.chat_stream(conversation, ignore).usage());
    // The per-request option does the same for a conversation and for a raw JSON body.
    CHECK(client.chat_stream(conversation, ignore, R"({"stream_usage":true})").usage().has_value());
    CHECK(client.chat_stream(check::chat_body("gpt-4o", "hi"), ignore, R"({"stream_usage":true})").usage().has_value());
}

void test_pointer_reads_on_results() {
    webraft::Client client = test_client();
    webraft::Result result = client.chat(check::chat_body("gpt-4o", "hi"));
    CHECK_EQ(result.get_string("/choices/0/message/content"), std::string("Hello! You said: hi"));
    CHECK_EQ(result.get_number("/usage/completion_tokens"), 4.0);
    CHECK_CONTAINS(result.get_json("/choices/0/message"), R"("role":"assistant")");
    CHECK_EQ(result.get_json("/choices/0/logprobs"), std::string("null"));

    webraft::Status status = WEBRAFT_STATUS_PANIC;
    CHECK(!result.find_string("/choices/7", &status).has_value());
    CHECK_STATUS(status, WEBRAFT_STATUS_MISSING);
    CHECK(!result.find_number("/choices/0/message/content", &status).has_value());
    CHECK_STATUS(status, WEBRAFT_STATUS_WRONG_TYPE);
    CHECK(!result.find_bool("choices", &status).has_value());
    CHECK_STATUS(status, WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_EQ(result.find_string("/object", &status).value_or(""), std::string("chat.completion"));
    CHECK_STATUS(status, WEBRAFT_STATUS_OK);
    CHECK(!result.find_string("/object/x").has_value());  // the status is optional

    try {
        result.get_bool("/usage");
        CHECK(!"get_bool on an object did not throw");
    } catch (const webraft::Error& e) {
        CHECK_STATUS(e.status(), WEBRAFT_STATUS_WRONG_TYPE);
        CHECK_EQ(std::string_view(e.what()), std::string_view(R"(WRONG_TYPE at JSON Pointer "/usage")"));
    }
    try {
        result.get_string("/no/such");
        CHECK(!"get_string on nothing did not throw");
    } catch (const webraft::Error& e) {
        CHECK_STATUS(e.status(), WEBRAFT_STATUS_MISSING);
    }
    // An empty Result has no JSON: nothing is anywhere in it.
    CHECK(!webraft::Result().find_string("/x", &status));
    CHECK_STATUS(status, WEBRAFT_STATUS_NULL_ARGUMENT);

    // GET /models: the ids until the first MISSING.
    webraft::Result models = client.send("GET", "/models");
    std::vector<std::string> ids;
    while (std::optional<std::string> id = models.find_string("/data/" + std::to_string(ids.size()) + "/id")) {
        ids.push_back(*id);
    }
    CHECK_EQ(ids.size(), 4u);
    if (!ids.empty()) CHECK_EQ(ids[0], std::string("gpt-4o"));
}

void test_pointer_reads_on_chunks_and_text() {
    webraft::Client client = test_client();
    std::string roles, finish;
    int content_chunks = 0;
    client.chat_stream(check::chat_body("gpt-4o", "hi"), [&](const webraft::Chunk& chunk) {
        roles += chunk.json().find_string("/choices/0/delta/role").value_or("");
        finish += chunk.json().find_string("/choices/0/finish_reason").value_or("");
        if (chunk.json().find_string("/choices/0/delta/content").value_or("") != "") ++content_chunks;
        CHECK_EQ(chunk.json().get_string("/object"), std::string("chat.completion.chunk"));
    });
    CHECK_EQ(roles, std::string("assistant"));
    CHECK_EQ(finish, std::string("stop"));
    CHECK_EQ(content_chunks, 4);

    // Escapes (~0 for '~', ~1 for '/'), booleans, and bad text.
    const webraft::JsonText text(R"({"a/b":{"c~d":[true,null,2.5]}})");
    CHECK_EQ(text.get_bool("/a~1b/c~0d/0"), true);
    CHECK_EQ(text.get_json("/a~1b/c~0d/1"), std::string("null"));
    CHECK_EQ(text.get_number("/a~1b/c~0d/2"), 2.5);
    webraft::Status status = WEBRAFT_STATUS_OK;
    CHECK(!text.find_bool("/a~1b/c~0d/2", &status));
    CHECK_STATUS(status, WEBRAFT_STATUS_WRONG_TYPE);
    CHECK(!webraft::JsonText(text.substr(0, 5)).find_json("", &status));
    CHECK_STATUS(status, WEBRAFT_STATUS_INVALID_JSON);
    CHECK_EQ(webraft::JsonText("[1]").get_json(""), std::string("[1]"));  // "" is the whole document
    // It is a std::string_view too: its own members are not hidden by the reads.
    CHECK_EQ(text.find("c~d"), 9u);
    CHECK_EQ(text.substr(2, 3), std::string_view("a/b"));
}

// A model that asks for no tool leaves the range empty; refusal() is only set when the model refused.
void test_plain_reply_has_no_tool_calls() {
    webraft::Result reply = test_client().chat(check::chat_body("gpt-4o", "hi"));
    CHECK(reply.tool_calls().empty());
    CHECK(reply.tool_calls()[0].id.data() == nullptr);  // past the end: empty views
    CHECK(reply.refusal().data() == nullptr);
    CHECK(webraft::Result().finish_reason().data() == nullptr);
    CHECK(webraft::Result().tool_calls().empty());
}

}  // namespace

int main(int argc, char** argv) {
    static const check::Case cases[] = {
        {"tool_round_trip_plain", test_tool_round_trip_plain},
        {"tool_round_trip_streamed", test_tool_round_trip_streamed},
        {"started_conversation_deliveries", test_started_conversation_deliveries},
        {"tool_call_only_turn_content", test_tool_call_only_turn_content},
        {"to_json_from_json_round_trip", test_to_json_from_json_round_trip},
        {"images_from_file_bytes_and_url", test_images_from_file_bytes_and_url},
        {"parameters_reach_the_server", test_parameters_reach_the_server},
        {"bad_edits_throw_and_change_nothing", test_bad_edits_throw_and_change_nothing},
        {"stream_usage", test_stream_usage},
        {"pointer_reads_on_results", test_pointer_reads_on_results},
        {"pointer_reads_on_chunks_and_text", test_pointer_reads_on_chunks_and_text},
        {"plain_reply_has_no_tool_calls", test_plain_reply_has_no_tool_calls},
    };
    return check::run(cases, argc, argv);
}
