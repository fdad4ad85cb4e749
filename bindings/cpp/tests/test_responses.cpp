// Tests of webraft.hpp's Responses API, streams from any endpoint (Events) and
// response headers (header, headers_json, rate_limit), against the loopback
// test server (WEBRAFT_TEST_URL).
#include "check.hpp"
#include "webraft.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using check::generous_ms;
using check::responses_body;
using check::SetOnDestroy;
using check::Signal;

const std::string_view reply_hi = "Hello! You said: hi";

webraft::Client test_client(std::string_view base = "/v1") { return webraft::Client(check::config(base)); }

// What an event callback saw: "HEADERS" for the headers, then each chunk's
// name ("-" when it has none), in order and joined with spaces; the chunks' data.
struct SeenEvents {
    std::string names;
    std::string headers;
    std::vector<std::string> data;
    std::string deltas;  // the text of the response.output_text.delta events

    void operator()(const webraft::Event& event) {
        if (event.is_headers()) {
            CHECK(!event.name);
            names += "HEADERS ";
            headers = std::string(event.data);
            return;
        }
        CHECK_EQ(static_cast<int>(event.kind), static_cast<int>(WEBRAFT_EVENT_CHUNK));
        names += std::string(event.name.value_or("-")) + " ";
        data.emplace_back(event.data);
        // Responses events carry their type in the data too (JSON lines have no names): an SSE name must match it.
        std::optional<std::string> type = event.data.find_string("/type");
        if (event.name && type) CHECK_EQ(*event.name, std::string_view(*type));
        if (type == "response.output_text.delta") deltas += event.data.get_string("/delta");
    }
};

// The Error that `call` throws; one with status OK (which the caller's checks
// then catch) when it throws none.
template <typename F>
webraft::Error thrown_by(F&& call) {
    try {
        call();
    } catch (const webraft::Error& e) {
        return e;
    }
    return webraft::Error(WEBRAFT_STATUS_OK, "nothing was thrown");
}

const auto ignore_events = [](const webraft::Event&) {};

// Reads a polled request's events to DONE into `seen`; the headers must come first.
void drain_events(const webraft::Request& request, SeenEvents& seen) {
    for (webraft::NextEvent next = request.next_event(generous_ms); !next.done();
         next = request.next_event(generous_ms)) {
        CHECK(next.has_event());
        if (seen.names.empty()) CHECK(next.event().is_headers());
        if (next.has_event()) seen(next.event());
    }
}

void test_responses_plain_and_streamed() {
    for (std::string_view base : {"/v1", "/v2"}) {
        webraft::Client client = test_client(base);
        webraft::Result result = client.responses(responses_body("gpt-4o", "hi"));
        CHECK_EQ(result.text(), reply_hi);
        CHECK_CONTAINS(result.json(), "\"object\":\"response\"");
        CHECK_EQ(result.get_string("/status"), std::string("completed"));
        CHECK_EQ(result.finish_reason(), std::string_view("completed"));
        CHECK(result.incomplete_reason().data() == nullptr);
        CHECK(result.tool_calls().empty());
        CHECK_EQ(result.chunk_count(), 0u);
        std::optional<webraft::Usage> usage = result.usage();
        CHECK(usage.has_value());
        if (usage) {
            CHECK_EQ(usage->completion_tokens, 4u);  // output_tokens of "Hello! You said: hi"
            CHECK_EQ(usage->total_tokens, usage->prompt_tokens + usage->completion_tokens);
        }

        SeenEvents seen;
        result = client.responses_stream(responses_body("gpt-4o", "hi"), std::ref(seen));
        CHECK_EQ(result.text(), reply_hi);
        CHECK_EQ(seen.deltas, std::string(reply_hi));
        CHECK_EQ(seen.names.rfind("HEADERS ", 0), 0u);
        CHECK_CONTAINS(seen.headers, "\"content-type\"");
        CHECK_CONTAINS(result.json(), "\"status\":\"completed\"");
        CHECK_EQ(result.chunk_count(), seen.data.size());
        // On /v1 the events are SSE with names; /v2 sends JSON lines, whose events have none.
        if (base == "/v1") {
            CHECK_CONTAINS(seen.names, "HEADERS response.created response.in_progress");
            CHECK_CONTAINS(seen.names, "response.output_text.delta response.output_text.delta");
        } else {
            CHECK_EQ(seen.names.find("response."), std::string::npos);
        }

        // A body asking for a stream streams through the blocking call too, and is accumulated.
        result = client.responses(responses_body("gpt-4o", "hi", true));
        CHECK_EQ(result.text(), reply_hi);
        CHECK(result.chunk_count() > 0);
    }
}

void test_responses_terminal_states() {
    webraft::Client client = test_client();
    SeenEvents seen;
    webraft::Result failed = client.try_responses_stream(responses_body("responses-failed", "hi"), std::ref(seen));
    CHECK_STATUS(failed.status(), WEBRAFT_STATUS_STREAM_ERROR);
    CHECK_EQ(failed.server_message(), std::string_view("The model failed mid-response"));
    CHECK_EQ(failed.error_code(), std::string_view("server_error"));
    CHECK_EQ(failed.text(), std::string_view("Hello! You "));  // the output that arrived is kept
    CHECK_EQ(seen.deltas, std::string("Hello! You "));
    webraft::Error error =
        thrown_by([&] { client.responses_stream(responses_body("responses-failed", "hi"), ignore_events); });
    CHECK_STATUS(error.status(), WEBRAFT_STATUS_STREAM_ERROR);
    CHECK_EQ(error.server_message(), std::string("The model failed mid-response"));
    CHECK_EQ(error.code(), std::string("server_error"));
    // Not streamed, the failed response comes in a 200 reply, and still fails.
    error = thrown_by([&] { client.responses(responses_body("responses-failed", "hi")); });
    CHECK_STATUS(error.status(), WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_EQ(error.server_message(), std::string("The model failed mid-response"));

    error = thrown_by([&] { client.responses_stream(responses_body("responses-error", "hi"), ignore_events); });
    CHECK_STATUS(error.status(), WEBRAFT_STATUS_STREAM_ERROR);
    CHECK_EQ(error.server_message(), std::string("Too many tokens mid-stream"));
    CHECK_EQ(error.code(), std::string("rate_limit_exceeded"));

    // An incomplete response succeeds and says why it stopped.
    for (bool stream : {false, true}) {
        webraft::Result incomplete = client.responses(responses_body("responses-incomplete", "hi", stream));
        CHECK_EQ(incomplete.finish_reason(), std::string_view("incomplete"));
        CHECK_EQ(incomplete.incomplete_reason(), std::string_view("max_output_tokens"));
        CHECK_EQ(incomplete.text(), std::string_view("Hello! You "));
    }
}

void test_keepalive_unknown_and_split_events_pass_through() {
    webraft::Client client = test_client();
    const std::pair<const char*, const char*> cases[] = {
        {"responses-keepalive", "keepalive"},
        {"responses-unknown", "response.future_feature"},
        {"responses-split", "response.completed"},
    };
    for (const auto& [model, expected] : cases) {
        SeenEvents seen;
        webraft::Result result = client.responses_stream(responses_body(model, "hi"), std::ref(seen));
        CHECK_EQ(result.text(), reply_hi);
        CHECK_EQ(seen.deltas, std::string(reply_hi));
        CHECK_CONTAINS(seen.names, expected);
    }
    // An event the library does not know arrives with its data as sent.
    SeenEvents seen;
    client.responses_stream(responses_body("responses-unknown", "hi"), std::ref(seen));
    bool found = false;
    for (const std::string& data : seen.data) {
        if (data.find("future_feature") == std::string::npos) continue;
        found = true;
        CHECK_EQ(webraft::JsonText(data).get_number("/x"), 1.0);
    }
    CHECK(found);
}

void test_tool_round_trip_via_conversation() {
    webraft::Client client = test_client();
    webraft::Conversation conversation;
    conversation.model("tools").user("weather in Paris?");
    SeenEvents seen;
    webraft::Result reply = client.responses_stream(conversation, std::ref(seen));
    CHECK_CONTAINS(seen.names, "response.function_call_arguments.delta");
    CHECK_EQ(reply.tool_calls().size(), 1u);
    conversation.add_assistant_turn(reply);
    for (const webraft::ToolCall& call : reply.tool_calls()) {
        CHECK_EQ(call.id, std::string_view("call_1"));
        CHECK_EQ(call.name, std::string_view("get_weather"));
        CHECK_EQ(call.arguments, std::string_view(R"({"city":"Paris"})"));
        conversation.tool_result(call, "22 C in " + call.arguments.get_string("/city"));
    }
    reply = client.responses(conversation);  // not streamed
    CHECK_EQ(reply.text(), std::string_view("The tool call_1 said: 22 C in Paris"));
    CHECK_EQ(reply.chunk_count(), 0u);
    CHECK_EQ(conversation.size(), 3u);  // sending copies the conversation

    // A conversation's parameters become the Responses request's (max_tokens as max_output_tokens).
    webraft::Conversation echoed;
    echoed.model("echo-request").max_tokens(50).param("instructions", R"("be brief")").user("hi");
    webraft::Result echo = client.responses(echoed);
    webraft::JsonText request(echo.text());
    CHECK_EQ(request.get_string("/path"), std::string("/v1/responses"));
    CHECK_EQ(request.get_number("/body/max_output_tokens"), 50.0);
    CHECK_EQ(request.get_string("/body/instructions"), std::string("be brief"));
}

void test_polled_responses_give_headers_first() {
    webraft::Client client = test_client();
    webraft::Request request = client.start_responses(responses_body("gpt-4o", "hi"));
    CHECK(request.is_stream());
    SeenEvents seen;
    drain_events(request, seen);
    CHECK_EQ(seen.names.rfind("HEADERS response.created ", 0), 0u);
    CHECK_EQ(seen.deltas, std::string(reply_hi));
    webraft::Result result = request.result();
    CHECK_EQ(result.text(), reply_hi);
    CHECK_EQ(result.chunk_count(), seen.data.size());

    // next() passes over the headers: its first find is a chunk.
    webraft::Request chunks = client.start_responses(responses_body("gpt-4o", "hi"));
    webraft::Next first = chunks.next(generous_ms);
    CHECK(first.has_chunk());
    CHECK_CONTAINS(first.chunk.json(), "response.created");

    // A conversation started with Delivery::none does not stream.
    webraft::Conversation conversation;
    conversation.model("gpt-4o").user("hi");
    webraft::Request quiet = client.start_responses(conversation, webraft::Delivery::none);
    CHECK(!quiet.is_stream());
    CHECK(quiet.next_event(generous_ms).done());
    CHECK_EQ(quiet.result().text(), reply_hi);

    // Callbacks: the headers come first here too, and on_done last.
    auto observed = std::make_shared<SeenEvents>();
    webraft::Status done_status = WEBRAFT_STATUS_PANIC;
    Signal done;
    webraft::Request called = client.start_responses(
        conversation, [observed](const webraft::Event& event) { (*observed)(event); },
        [&](webraft::Status status) {
            done_status = status;
            done.set();
        });
    CHECK(done.wait());
    CHECK_STATUS(done_status, WEBRAFT_STATUS_OK);
    CHECK_EQ(observed->names.rfind("HEADERS response.created ", 0), 0u);
    CHECK_EQ(observed->deltas, std::string(reply_hi));
    CHECK_EQ(called.result().text(), reply_hi);

    CHECK(webraft::Request().next_event(0).done());  // an empty request reports done
}

void test_any_endpoint_events() {
    // On /v1 the events are SSE, named or not, and their data need not be JSON; /v2 sends JSON lines.
    webraft::Client v1 = test_client("/v1");
    SeenEvents seen;
    webraft::Result result = v1.send_stream("POST", "/events", "{}", std::ref(seen));
    CHECK_EQ(seen.names, std::string("HEADERS greeting - tick "));
    CHECK_EQ(seen.data.size(), 3u);
    if (seen.data.size() == 3) {
        CHECK_EQ(seen.data[0], std::string("hello"));
        CHECK_EQ(webraft::JsonText(seen.data[1]).get_number("/n"), 1.0);
        CHECK_EQ(webraft::JsonText(seen.data[2]).get_number("/n"), 2.0);
    }
    CHECK_EQ(result.chunk_count(), 3u);
    CHECK_EQ(result.http_status(), 200);
    CHECK(result.text().empty());  // nothing is accumulated

    webraft::Client v2 = test_client("/v2");
    SeenEvents lines;
    v2.send_stream("GET", "/events", nullptr, std::ref(lines));
    CHECK_EQ(lines.names, std::string("HEADERS - - "));
    CHECK_EQ(lines.data, (std::vector<std::string>{R"({"n":1})", R"({"n":2})"}));

    // Polled, the same events in the same order.
    webraft::Request request = v1.send_stream_start("POST", "/events", "{}");
    SeenEvents polled;
    drain_events(request, polled);
    CHECK_EQ(polled.names, seen.names);
    CHECK_EQ(polled.data, seen.data);
    CHECK_EQ(request.result().chunk_count(), 3u);

    // Delivery::none only counts them.
    webraft::Request counted = v1.send_stream_start("POST", "/events", "{}", webraft::Delivery::none);
    CHECK(counted.next_event(generous_ms).done());
    CHECK_EQ(counted.result().chunk_count(), 3u);

    CHECK_EQ(thrown_by([&] { v1.send_stream("GET", "/no-such-route", nullptr, ignore_events); }).http_status(), 404);
}

void test_event_callback_false_cancels_and_exceptions_reach_the_caller() {
    webraft::Client client = test_client();
    int calls = 0;
    webraft::Result result = client.try_send_stream("POST", "/events", "{}", [&](const webraft::Event&) {
        return ++calls < 2;  // the headers, then the first event
    });
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_CANCELLED);
    CHECK_EQ(calls, 2);
    calls = 0;
    try {
        client.responses_stream(responses_body("gpt-4o", "hi"), [&](const webraft::Event&) {
            ++calls;
            throw std::runtime_error("from the callback");
        });
        CHECK(!"the callback's exception was not rethrown");
    } catch (const std::runtime_error& e) {
        CHECK_EQ(std::string(e.what()), std::string("from the callback"));
    }
    CHECK_EQ(calls, 1);
}

void test_rate_limit_values_and_absent_not_zero() {
    webraft::Client client = test_client();
    // The same headers on a chat reply and on a Responses reply.
    webraft::Result replies[] = {client.chat(check::chat_body("rate-limit-headers", "hi")),
                                 client.responses(responses_body("rate-limit-headers", "hi"))};
    for (const webraft::Result& result : replies) {
        CHECK_EQ(result.header("X-RateLimit-Limit-Requests"), std::optional<std::string_view>("60"));
        CHECK_EQ(result.header("x-webraft-repeat"), std::optional<std::string_view>("a, b"));
        CHECK(!result.header("x-not-there"));
        CHECK_CONTAINS(result.headers_json(), R"("x-webraft-repeat":"a, b")");
        CHECK_EQ(result.headers_json().find_string("/x-ratelimit-reset-tokens"), std::optional<std::string>("6m0s"));
        webraft::RateLimit limit = result.rate_limit();
        CHECK_EQ(limit.limit_requests, std::optional<std::int64_t>(60));
        CHECK_EQ(limit.remaining_requests, std::optional<std::int64_t>(59));
        CHECK_EQ(limit.reset_requests_ms, std::optional<double>(1000.0));
        CHECK_EQ(limit.limit_tokens, std::optional<std::int64_t>(150000));
        CHECK_EQ(limit.remaining_tokens, std::optional<std::int64_t>(149990));
        CHECK_EQ(limit.reset_tokens_ms, std::optional<double>(360000.0));
    }

    // Without the headers every value is absent, not 0.
    webraft::RateLimit none = client.chat(check::chat_body("gpt-4o", "hi")).rate_limit();
    CHECK(!none.limit_requests && !none.remaining_requests && !none.reset_requests_ms);
    CHECK(!none.limit_tokens && !none.remaining_tokens && !none.reset_tokens_ms);
    webraft::RateLimit empty = webraft::Result().rate_limit();
    CHECK(!empty.limit_requests && !empty.reset_tokens_ms);
    CHECK(!webraft::Result().header("content-type"));

    // An exhausted budget is a real 0, on the Result and on the Error.
    webraft::Result exhausted = client.try_responses(responses_body("responses-error", "hi"));
    CHECK_EQ(exhausted.http_status(), 429);
    CHECK_EQ(exhausted.rate_limit().remaining_requests, std::optional<std::int64_t>(0));
    webraft::Error error = thrown_by([&] { client.responses(responses_body("responses-error", "hi")); });
    CHECK_EQ(error.http_status(), 429);
    CHECK_EQ(error.rate_limit().remaining_requests, std::optional<std::int64_t>(0));
    CHECK_EQ(error.rate_limit().limit_requests, std::optional<std::int64_t>(60));
    CHECK_EQ(error.rate_limit().reset_tokens_ms, std::optional<double>(360000.0));
}

void test_headers_on_a_failed_reply() {
    webraft::Client wrong(check::config("/v1", "wrong-key"));
    webraft::Result result = wrong.try_chat(check::chat_body("gpt-4o", "hi"));
    CHECK_EQ(result.http_status(), 401);
    CHECK(result.header("Content-Type").has_value());
    CHECK_CONTAINS(result.header("x-request-id").value_or(""), "req_");
    webraft::Error error = thrown_by([&] { wrong.responses(responses_body("gpt-4o", "hi")); });
    CHECK_EQ(error.http_status(), 401);
    // The Error copies the headers: any case, like the Result's.
    CHECK_EQ(error.header("X-Request-ID"), std::optional<std::string>(error.request_id()));
    CHECK(error.header("content-type").has_value());
    CHECK(!error.header("x-not-there"));
    CHECK_CONTAINS(error.headers_json(), "\"content-type\"");
    CHECK(!error.rate_limit().limit_requests);
    // A failure before any reply has no headers.
    error = thrown_by([&] { test_client().responses("{not json"); });
    CHECK_STATUS(error.status(), WEBRAFT_STATUS_INVALID_JSON);
    CHECK_EQ(error.headers_json(), std::string_view("{}"));
    CHECK(!error.header("content-type"));
    // The polled headers event of a failed reply comes too.
    webraft::Request request = wrong.start_responses(responses_body("gpt-4o", "hi"));
    webraft::NextEvent first = request.next_event(generous_ms);
    CHECK(first.event().is_headers());
    CHECK_CONTAINS(first.event().data, "\"content-type\"");
    while (!request.next_event(generous_ms).done()) {
    }
    CHECK_EQ(request.try_result().http_status(), 401);
}

// Callables that own a unique_ptr cannot be copied; every event callback must still accept them.
void test_move_only_event_callbacks() {
    webraft::Client client = test_client();
    std::string text;
    auto borrowed = [out = std::make_unique<std::string*>(&text)](const webraft::Event& event) {
        if (event.name == "response.output_text.delta") **out += event.data.get_string("/delta");  // an SSE stream
    };
    static_assert(!std::is_copy_constructible_v<decltype(borrowed)>);
    client.responses_stream(responses_body("gpt-4o", "hi"), borrowed);  // borrowed, so still usable
    CHECK_EQ(text, std::string(reply_hi));
    int events = 0;
    client.send_stream("POST", "/events", "{}", [count = std::make_unique<int*>(&events)](const webraft::Event&) {
        ++**count;
    });
    CHECK_EQ(events, 4);

    // Started requests move them to the heap and free them once done.
    for (bool responses : {true, false}) {
        auto seen = std::make_shared<SeenEvents>();
        Signal event_state_freed, done_state_freed, done;
        auto on_event = [seen, guard = std::make_unique<SetOnDestroy>(&event_state_freed)](
                            const webraft::Event& event) { (*seen)(event); };
        auto on_done = [&done, guard = std::make_unique<SetOnDestroy>(&done_state_freed)](webraft::Status) {
            done.set();
        };
        static_assert(!std::is_copy_constructible_v<decltype(on_event)>);
        webraft::Request request =
            responses ? client.start_responses(responses_body("gpt-4o", "hi"), std::move(on_event), std::move(on_done))
                      : client.send_stream_start("POST", "/events", "{}", std::move(on_event), std::move(on_done));
        CHECK(done.wait());
        CHECK(event_state_freed.wait());
        CHECK(done_state_freed.wait());
        CHECK(request.result().ok());
        CHECK_EQ(seen->names.rfind("HEADERS ", 0), 0u);
        if (responses) CHECK_EQ(seen->deltas, std::string(reply_hi));
        if (!responses) CHECK_EQ(seen->names, std::string("HEADERS greeting - tick "));
    }
}

void test_invalid_start_calls_no_event_callback() {
    webraft::Client client = test_client();
    Signal state_freed;
    int calls = 0;
    auto guard = std::make_shared<SetOnDestroy>(&state_freed);
    webraft::Request request = client.start_responses(
        "{not json", [guard, &calls](const webraft::Event&) { ++calls; }, [guard, &calls](webraft::Status) { ++calls; });
    guard.reset();
    CHECK(state_freed.wait(std::chrono::milliseconds(0)));  // freed by the wrapper at once
    CHECK(request.finished());
    CHECK_STATUS(request.take_result().status(), WEBRAFT_STATUS_INVALID_JSON);
    CHECK_EQ(calls, 0);
}

}  // namespace

int main(int argc, char** argv) {
    static const check::Case cases[] = {
        {"responses_plain_and_streamed", test_responses_plain_and_streamed},
        {"responses_terminal_states", test_responses_terminal_states},
        {"keepalive_unknown_and_split_events_pass_through", test_keepalive_unknown_and_split_events_pass_through},
        {"tool_round_trip_via_conversation", test_tool_round_trip_via_conversation},
        {"polled_responses_give_headers_first", test_polled_responses_give_headers_first},
        {"any_endpoint_events", test_any_endpoint_events},
        {"event_callback_false_cancels_and_exceptions_reach_the_caller",
         test_event_callback_false_cancels_and_exceptions_reach_the_caller},
        {"rate_limit_values_and_absent_not_zero", test_rate_limit_values_and_absent_not_zero},
        {"headers_on_a_failed_reply", test_headers_on_a_failed_reply},
        {"move_only_event_callbacks", test_move_only_event_callbacks},
        {"invalid_start_calls_no_event_callback", test_invalid_start_calls_no_event_callback},
    };
    return check::run(cases, argc, argv);
}
