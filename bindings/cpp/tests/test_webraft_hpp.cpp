// Tests of webraft.hpp against the loopback test server (WEBRAFT_TEST_URL):
// plain calls, streams with lambdas (move-only ones too), errors as exceptions
// and as Results, deliveries of started requests (polled, none, callbacks),
// cancelling, usage, and move and operator bool semantics.
#include "check.hpp"
#include "webraft.hpp"

#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using namespace std::chrono_literals;

namespace {

static_assert(!std::is_copy_constructible_v<webraft::Client> && !std::is_copy_assignable_v<webraft::Client>);
static_assert(!std::is_copy_constructible_v<webraft::Request> && !std::is_copy_assignable_v<webraft::Request>);
static_assert(!std::is_copy_constructible_v<webraft::Result> && !std::is_copy_assignable_v<webraft::Result>);
static_assert(!std::is_copy_constructible_v<webraft::Chunk> && !std::is_copy_constructible_v<webraft::String>);
static_assert(std::is_nothrow_move_constructible_v<webraft::Client> &&
              std::is_nothrow_move_assignable_v<webraft::Client>);
static_assert(std::is_nothrow_move_constructible_v<webraft::Request> &&
              std::is_nothrow_move_assignable_v<webraft::Request>);
static_assert(std::is_nothrow_move_constructible_v<webraft::Result> &&
              std::is_nothrow_move_assignable_v<webraft::Result>);
static_assert(std::is_nothrow_move_constructible_v<webraft::Chunk>);

// operator bool has one meaning, "holds a handle", and is explicit; the outcome
// types (Result, Expected) have none, since `if (result)` would read as "succeeded".
template <typename T>
constexpr bool explicit_bool = std::is_constructible_v<bool, T> && !std::is_convertible_v<T, bool>;
static_assert(explicit_bool<webraft::Client> && explicit_bool<webraft::Request> && explicit_bool<webraft::String>);
static_assert(!std::is_constructible_v<bool, webraft::Result>);
static_assert(!std::is_constructible_v<bool, webraft::Expected<webraft::Client>>);

using check::generous;
using check::generous_ms;
using check::SetOnDestroy;
using check::Signal;

// What the callbacks of one started request saw.
struct Observed {
    std::mutex mutex;
    std::string text;
    int chunks = 0;
    int done_calls = 0;
    webraft::Status done_status = WEBRAFT_STATUS_PANIC;
    bool chunk_on_starter = false;
    Signal done;
};

webraft::Client test_client(std::string_view base = "/v1") { return webraft::Client(check::config(base)); }

void test_version_and_abi() {
    CHECK(webraft::abi_compatible());
    CHECK_EQ(webraft::version(), std::string_view(WEBRAFT_VERSION));
    CHECK_EQ(webraft::status_name(WEBRAFT_STATUS_HTTP_STATUS), std::string_view("HTTP_STATUS"));
    // The wrapper keeps no status list: its names are the library's for every value.
    for (std::uint32_t value = 0; value <= 63; ++value) {
        CHECK_EQ(webraft::status_name(static_cast<webraft::Status>(value)), std::string_view(webraft_status_name(value)));
    }
}

void test_plain_chat() {
    webraft::Client client = test_client();
    webraft::Result result = client.chat(check::chat_body("gpt-4o", "hi"));
    CHECK(result.ok());
    CHECK_EQ(result.text(), std::string_view("Hello! You said: hi"));
    CHECK_EQ(result.http_status(), 200);
    CHECK_CONTAINS(result.json(), "\"object\":\"chat.completion\"");
    CHECK_CONTAINS(result.request_id(), "req_");
    CHECK(result.error_message().data() == nullptr);
    CHECK(result.timings().total_ms >= 0.0);
    CHECK_EQ(result.chunk_count(), 0u);
    CHECK_EQ(result.retries(), 0u);
}

void test_config_error_throws_and_reports() {
    try {
        webraft::Client client("{\"no_such_key\":1}");
        CHECK(!"constructor did not throw");
    } catch (const webraft::Error& e) {
        CHECK_STATUS(e.status(), WEBRAFT_STATUS_INVALID_CONFIG);
        CHECK_CONTAINS(e.what(), "no_such_key");
        CHECK_EQ(e.http_status(), 0);
    }
    webraft::Expected<webraft::Client> made = webraft::Client::create("{\"no_such_key\":1}");
    CHECK(!made.ok());
    CHECK_STATUS(made.error().status(), WEBRAFT_STATUS_INVALID_CONFIG);
    CHECK_CONTAINS(made.error().error_message(), "no_such_key");
    webraft::Expected<webraft::Client> good = webraft::Client::create(check::config());
    CHECK(good.ok() && static_cast<bool>(good.value()));
}

void test_stream_with_lambda() {
    webraft::Client client = test_client();
    std::string text;
    std::vector<std::string> jsons;
    const auto caller = std::this_thread::get_id();
    bool on_caller = false;
    webraft::Result result = client.chat_stream(check::chat_body("gpt-4o", "stream me"), [&](const webraft::Chunk& chunk) {
        on_caller = on_caller || std::this_thread::get_id() == caller;
        CHECK_STATUS(chunk.text_status(), WEBRAFT_STATUS_OK);
        text += chunk.text();
        jsons.emplace_back(chunk.json());
    });
    CHECK(result.ok());
    CHECK(!on_caller);
    CHECK_EQ(text, std::string("Hello! You said: stream me"));
    CHECK_EQ(result.text(), std::string_view(text));
    CHECK_EQ(result.chunk_count(), jsons.size());
    CHECK(jsons.size() >= 5);  // role + 4 tokens + finish
    for (const std::string& json : jsons) CHECK_CONTAINS(json, "chat.completion.chunk");
}

void test_stream_callback_false_cancels() {
    webraft::Client client = test_client();
    int calls = 0;
    std::function<bool(const webraft::Chunk&)> stop_at_second = [&](const webraft::Chunk&) { return ++calls < 2; };
    webraft::Result result = client.try_chat_stream(check::chat_body("gpt-4o", "a b c d e f"), stop_at_second);
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_CANCELLED);
    CHECK_EQ(calls, 2);
    calls = 0;
    try {
        client.chat_stream(check::chat_body("gpt-4o", "a b c d e f"), stop_at_second);
        CHECK(!"chat_stream did not throw");
    } catch (const webraft::Error& e) {
        CHECK_STATUS(e.status(), WEBRAFT_STATUS_CANCELLED);
    }
    CHECK_EQ(calls, 2);
}

struct CallbackFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void test_stream_callback_exception_reaches_caller() {
    webraft::Client client = test_client();
    int calls = 0;
    try {
        client.try_chat_stream(check::chat_body("gpt-4o", "a b c d e f"), [&](const webraft::Chunk&) {
            ++calls;
            throw CallbackFailure("from the callback");
        });
        CHECK(!"the callback's exception was not rethrown");
    } catch (const CallbackFailure& e) {
        CHECK_EQ(std::string(e.what()), std::string("from the callback"));
    }
    CHECK_EQ(calls, 1);
}

void test_http_error_as_exception_and_result() {
    webraft::Client client(check::config("/v1", "wrong-key"));
    try {
        client.chat(check::chat_body("gpt-4o", "hi"));
        CHECK(!"chat did not throw");
    } catch (const webraft::Error& e) {
        CHECK_STATUS(e.status(), WEBRAFT_STATUS_HTTP_STATUS);
        CHECK_EQ(e.status_name(), std::string_view("HTTP_STATUS"));
        CHECK_EQ(e.http_status(), 401);
        CHECK_EQ(e.message(), std::string_view("HTTP 401: Wrong Api key"));
        CHECK_EQ(e.server_message(), std::string("Wrong Api key"));
        CHECK(!e.is_quota_exhausted());
        CHECK_EQ(e.type(), std::string("invalid_request_error"));
        CHECK_EQ(e.code(), std::string("invalid_api_key"));
        CHECK_CONTAINS(e.request_id(), "req_");
    }
    webraft::Result result = client.try_chat(check::chat_body("gpt-4o", "hi"));
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_EQ(result.http_status(), 401);
    CHECK_EQ(result.error_code(), std::string_view("invalid_api_key"));
    CHECK_EQ(result.server_message(), std::string_view("Wrong Api key"));
    CHECK(!result.is_quota_exhausted());
}

void test_quota_exhausted_and_no_server_message() {
    webraft::Client broke(check::config("/v1", "no-credits-key"));
    webraft::Result result = broke.try_chat(check::chat_body("gpt-4o", "hi"));
    CHECK_EQ(result.http_status(), 402);
    CHECK(result.is_quota_exhausted());
    CHECK_EQ(result.server_message(), std::string_view("Insufficient Credits"));
    try {
        broke.chat(check::chat_body("gpt-4o", "hi"));
        CHECK(!"chat did not throw");
    } catch (const webraft::Error& e) {
        CHECK(e.is_quota_exhausted());
        CHECK_EQ(e.server_message(), std::string("Insufficient Credits"));
    }
    // A success, and a failure that never reached a server, carry no server message.
    webraft::Client client = test_client();
    result = client.chat(check::chat_body("gpt-4o", "hi"));
    CHECK(result.server_message().data() == nullptr);
    CHECK(!result.is_quota_exhausted());
    result = client.try_chat("{not json");
    CHECK(result.server_message().data() == nullptr);
    CHECK(!webraft::Result().is_quota_exhausted());
}

void test_error_param_and_server_error() {
    webraft::Client client = test_client();
    try {
        client.chat("{\"model\":\"gpt-4o\"}");
        CHECK(!"chat did not throw");
    } catch (const webraft::Error& e) {
        CHECK_EQ(e.http_status(), 400);
        CHECK_EQ(e.param(), std::string("messages"));
    }
    webraft::Result result = client.try_chat(check::chat_body("error-500", "hi"));
    CHECK_EQ(result.http_status(), 500);
    CHECK_EQ(result.error_type(), std::string_view("server_error"));
    CHECK(result.error_param().data() == nullptr);
    // Local failures carry no HTTP status.
    result = client.try_chat("{not json");
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_INVALID_JSON);
    CHECK_EQ(result.http_status(), 0);
}

void test_stream_error_keeps_partial_text() {
    webraft::Client client = test_client();
    webraft::Result result = client.try_chat_stream(check::chat_body("error-chunk", "hi"), [](const webraft::Chunk&) {});
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_STREAM_ERROR);
    CHECK_EQ(result.text(), std::string_view("partial"));
    CHECK_CONTAINS(result.error_message(), "upstream overloaded");
}

void test_poll_loop_never_blocks() {
    webraft::Client client = test_client();
    // `slow` pauses 100 ms before every event, so a blocking next(0) would show.
    webraft::Request request = client.start(check::chat_body("slow", "poll me"));
    std::string text;
    int pending = 0, chunks = 0;
    auto longest = std::chrono::steady_clock::duration::zero();
    const auto deadline = std::chrono::steady_clock::now() + generous;
    for (;;) {
        auto before = std::chrono::steady_clock::now();
        webraft::Next next = request.next(0);
        longest = std::max(longest, std::chrono::steady_clock::now() - before);
        if (next.done()) break;
        if (next.has_chunk()) {
            ++chunks;
            text += next.chunk.text();
        } else {
            ++pending;
            std::this_thread::sleep_for(1ms);  // a frame's worth of other work
        }
        if (std::chrono::steady_clock::now() > deadline) {
            CHECK(!"poll loop did not finish");
            return;
        }
    }
    CHECK_EQ(text, std::string("Hello! You said: poll me"));
    CHECK(pending > 0);
    CHECK(longest < 50ms);
    CHECK(request.finished());
    webraft::Result result = request.result();
    CHECK_EQ(result.text(), std::string_view(text));
    CHECK_EQ(result.chunk_count(), static_cast<std::size_t>(chunks));
    CHECK(request.take_result().empty());  // already taken
    try {
        request.result();
        CHECK(!"a second result() did not throw");
    } catch (const webraft::Error& e) {
        CHECK_STATUS(e.status(), WEBRAFT_STATUS_NULL_ARGUMENT);
    }
}

// Reads a polled request to its end; returns the text of its chunks.
std::string drain(const webraft::Request& request) {
    std::string text;
    for (webraft::Next next = request.next(generous_ms); !next.done(); next = request.next(generous_ms)) {
        text += next.chunk.text();
    }
    return text;
}

void test_deliveries_of_started_chat() {
    webraft::Client client = test_client();
    const std::string plain_body = check::chat_body("gpt-4o", "plain");
    // start(body) polls, and so streams even though the body does not ask to.
    webraft::Request polled = client.start(plain_body);
    CHECK(polled.is_stream());
    CHECK_EQ(drain(polled), std::string("Hello! You said: plain"));
    CHECK(polled.try_result().chunk_count() > 0);

    // Delivery::none leaves it to the body: a plain one yields no chunks.
    webraft::Request quiet = client.start(plain_body, webraft::Delivery::none);
    CHECK(!quiet.is_stream());
    CHECK(quiet.next(generous_ms).done());
    webraft::Result result = quiet.try_result();
    CHECK_EQ(result.text(), std::string_view("Hello! You said: plain"));
    CHECK_EQ(result.chunk_count(), 0u);

    webraft::Request called = client.start(plain_body, [](const webraft::Chunk&) {}, nullptr);
    CHECK(called.is_stream());
    CHECK(called.try_result().ok());
    CHECK(!webraft::Request().is_stream());
}

// The "stream" key spelled with an escape. The wrapper reads no request JSON, so
// only the library's parser decides that this reply streams; every call still
// completes with the whole text.
void test_escaped_stream_key_completes() {
    const std::string body = R"({"model":"gpt-4o","stre\u0061m":true,"messages":[{"role":"user","content":"hi"}]})";
    webraft::Client client = test_client();
    webraft::Result result = client.chat(body);
    CHECK_EQ(result.text(), std::string_view("Hello! You said: hi"));
    CHECK(result.chunk_count() > 0);  // it did stream

    webraft::Request request = client.start(body, webraft::Delivery::none);
    CHECK(request.is_stream());
    CHECK(request.wait(generous_ms));
    CHECK_EQ(request.try_result().text(), std::string_view("Hello! You said: hi"));
}

void test_started_callbacks_and_state_freed() {
    webraft::Client client = test_client();
    auto seen = std::make_shared<Observed>();
    Signal on_chunk_freed, on_done_freed;
    const auto starter = std::this_thread::get_id();
    {
        auto chunk_guard = std::make_shared<SetOnDestroy>(&on_chunk_freed);
        auto done_guard = std::make_shared<SetOnDestroy>(&on_done_freed);
        webraft::Request request = client.start(
            check::chat_body("gpt-4o", "callbacks"),
            [seen, chunk_guard, starter](const webraft::Chunk& chunk) {
                std::lock_guard<std::mutex> lock(seen->mutex);
                seen->chunk_on_starter = seen->chunk_on_starter || std::this_thread::get_id() == starter;
                seen->text += chunk.text();
                ++seen->chunks;
                return true;
            },
            [seen, done_guard](webraft::Status status) {
                {
                    std::lock_guard<std::mutex> lock(seen->mutex);
                    ++seen->done_calls;
                    seen->done_status = status;
                }
                seen->done.set();
            });
        chunk_guard.reset();
        done_guard.reset();
        CHECK(seen->done.wait());
        // The wrapper frees both callables once the done callback has returned.
        CHECK(on_chunk_freed.wait());
        CHECK(on_done_freed.wait());
        webraft::Result result = request.try_result();
        CHECK(result.ok());
        CHECK_EQ(result.chunk_count(), static_cast<std::size_t>(seen->chunks));
    }
    std::lock_guard<std::mutex> lock(seen->mutex);
    CHECK_EQ(seen->text, std::string("Hello! You said: callbacks"));
    CHECK_EQ(seen->done_calls, 1);
    CHECK_STATUS(seen->done_status, WEBRAFT_STATUS_OK);
    CHECK(!seen->chunk_on_starter);
}

void test_invalid_start_calls_no_callback() {
    webraft::Client client = test_client();
    Signal state_freed;
    int calls = 0;
    auto guard = std::make_shared<SetOnDestroy>(&state_freed);
    webraft::Request request = client.start(
        "{not json", [guard, &calls](const webraft::Chunk&) { ++calls; },
        [guard, &calls](webraft::Status) { ++calls; });
    guard.reset();
    CHECK(state_freed.wait(0ms));  // freed by the wrapper at once, not by a done callback
    CHECK(request.finished());
    CHECK_STATUS(request.take_result().status(), WEBRAFT_STATUS_INVALID_JSON);
    CHECK_EQ(calls, 0);
}

void test_cancel_polled_stream() {
    webraft::Client client = test_client();
    webraft::Request request = client.start(check::chat_body("slow", "one two three four five six"));
    webraft::Next first = request.next(generous_ms);
    CHECK(first.has_chunk());
    const auto cancelled_at = std::chrono::steady_clock::now();
    request.cancel();
    while (!request.next(generous_ms).done()) {
    }
    CHECK(std::chrono::steady_clock::now() - cancelled_at < 2s);  // the stream has ~1 s left
    CHECK_STATUS(request.try_result().status(), WEBRAFT_STATUS_CANCELLED);
}

void test_free_running_request_cancels_and_calls_done_once() {
    webraft::Client client = test_client();
    auto seen = std::make_shared<Observed>();
    {
        webraft::Request request = client.start(
            check::chat_body("slow", "one two three"), [](const webraft::Chunk&) {},
            [seen](webraft::Status status) {
                {
                    std::lock_guard<std::mutex> lock(seen->mutex);
                    ++seen->done_calls;
                    seen->done_status = status;
                }
                seen->done.set();
            });
    }  // destroyed while running
    CHECK(seen->done.wait());
    std::lock_guard<std::mutex> lock(seen->mutex);
    CHECK_EQ(seen->done_calls, 1);
    CHECK_STATUS(seen->done_status, WEBRAFT_STATUS_CANCELLED);
}

void test_callback_returning_false_cancels_started_request() {
    webraft::Client client = test_client();
    auto seen = std::make_shared<Observed>();
    webraft::Request request = client.start(
        check::chat_body("gpt-4o", "a b c d e f g"),
        [seen](const webraft::Chunk&) {
            std::lock_guard<std::mutex> lock(seen->mutex);
            return ++seen->chunks < 2;
        },
        nullptr);
    CHECK(request.wait(generous_ms));
    CHECK_STATUS(request.try_result().status(), WEBRAFT_STATUS_CANCELLED);
    std::lock_guard<std::mutex> lock(seen->mutex);
    CHECK_EQ(seen->chunks, 2);
}

// Callables that own a unique_ptr cannot be copied, so they fit no std::function;
// every place that takes a callback must still accept them.
void test_move_only_callbacks() {
    webraft::Client client = test_client();
    auto seen = std::make_shared<Observed>();
    Signal chunk_state_freed, done_state_freed;
    auto on_chunk = [count = std::make_unique<int>(0), guard = std::make_unique<SetOnDestroy>(&chunk_state_freed),
                     seen](const webraft::Chunk& chunk) {
        std::lock_guard<std::mutex> lock(seen->mutex);
        seen->text += chunk.text();
        seen->chunks = ++*count;
    };
    auto on_done = [guard = std::make_unique<SetOnDestroy>(&done_state_freed), seen](webraft::Status status) {
        {
            std::lock_guard<std::mutex> lock(seen->mutex);
            seen->done_status = status;
        }
        seen->done.set();
    };
    static_assert(!std::is_copy_constructible_v<decltype(on_chunk)> && !std::is_copy_constructible_v<decltype(on_done)>);
    webraft::Request request = client.start(check::chat_body("gpt-4o", "move only"), std::move(on_chunk), std::move(on_done));
    CHECK(seen->done.wait());
    CHECK(chunk_state_freed.wait());
    CHECK(done_state_freed.wait());
    {
        std::lock_guard<std::mutex> lock(seen->mutex);
        CHECK_EQ(seen->text, std::string("Hello! You said: move only"));
        CHECK_STATUS(seen->done_status, WEBRAFT_STATUS_OK);
        CHECK_EQ(request.try_result().chunk_count(), static_cast<std::size_t>(seen->chunks));
    }

    // The blocking stream only borrows its callback, and send_start's on_done is stored like start's.
    std::string streamed;
    client.chat_stream(check::chat_body("gpt-4o", "borrowed"),
                       [out = std::make_unique<std::string*>(&streamed)](const webraft::Chunk& chunk) {
                           **out += chunk.text();
                       });
    CHECK_EQ(streamed, std::string("Hello! You said: borrowed"));
    Signal sent;
    webraft::Request models =
        client.send_start("GET", "/models", nullptr, nullptr,
                          [signal = std::make_unique<Signal*>(&sent)](webraft::Status) { (*signal)->set(); });
    CHECK(sent.wait());
    CHECK(models.try_result().ok());
}

void test_usage() {
    webraft::Client client = test_client();
    webraft::Result result = client.chat(check::chat_body("gpt-4o", "hi"));
    std::optional<webraft::Usage> usage = result.usage();
    CHECK(usage.has_value());
    if (usage) {
        CHECK(usage->prompt_tokens > 0);
        CHECK_EQ(usage->completion_tokens, 4u);  // "Hello! You said: hi"
        CHECK_EQ(usage->total_tokens, usage->prompt_tokens + usage->completion_tokens);
    }
    // A stream has usage only when the server sends a usage chunk, which it does when asked.
    CHECK(!client.chat_stream(check::chat_body("gpt-4o", "hi"), [](const webraft::Chunk&) {}).usage());
    const std::string asked = R"({"model":"gpt-4o","stream_options":{"include_usage":true},)"
                              R"("messages":[{"role":"user","content":"hi"}]})";
    std::optional<webraft::Usage> streamed = client.chat_stream(asked, [](const webraft::Chunk&) {}).usage();
    CHECK(streamed.has_value());
    if (streamed) CHECK_EQ(streamed->total_tokens, streamed->prompt_tokens + streamed->completion_tokens);
    CHECK(!webraft::Result().usage());
}

void test_move_semantics() {
    webraft::Client first = test_client();
    webraft::Client second = std::move(first);
    CHECK(!first);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(static_cast<bool>(second));
    CHECK_STATUS(first.try_chat(check::chat_body("gpt-4o", "x")).status(), WEBRAFT_STATUS_NULL_ARGUMENT);

    webraft::Result result = second.chat(check::chat_body("gpt-4o", "moved"));
    const char* text_before = result.text().data();
    webraft::Result moved = std::move(result);
    CHECK(result.empty());
    CHECK(!moved.empty());
    CHECK(moved.text().data() == text_before);  // the views stay valid: the C result did not move
    CHECK_EQ(moved.text(), std::string_view("Hello! You said: moved"));
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK(result.text().empty());

    // Move-assigning over a running request frees (and so cancels) it.
    auto seen = std::make_shared<Observed>();
    webraft::Request request = second.start(
        check::chat_body("slow", "one two three"), [](const webraft::Chunk&) {},
        [seen](webraft::Status status) {
            {
                std::lock_guard<std::mutex> lock(seen->mutex);
                seen->done_status = status;
            }
            seen->done.set();
        });
    request = second.start(check::chat_body("gpt-4o", "replacement"), webraft::Delivery::none);
    CHECK(seen->done.wait());
    {
        std::lock_guard<std::mutex> lock(seen->mutex);
        CHECK_STATUS(seen->done_status, WEBRAFT_STATUS_CANCELLED);
    }
    webraft::Request taken = std::move(request);
    CHECK(!request);
    CHECK(request.next(0).done());  // an empty request reports done
    CHECK_EQ(taken.try_result().text(), std::string_view("Hello! You said: replacement"));

    // A polled chunk owns its JSON; moving it keeps the bytes.
    webraft::Request stream = second.start(check::chat_body("gpt-4o", "chunk"));
    webraft::Next next = stream.next(generous_ms);
    CHECK(next.has_chunk());
    std::string json_copy(next.chunk.json());
    webraft::Chunk kept = std::move(next.chunk);
    CHECK(next.chunk.json().empty());
    CHECK_EQ(kept.json(), std::string_view(json_copy));
    while (!stream.next(generous_ms).done()) {
    }

    // Requests outlive their client.
    webraft::Request orphan = second.start(check::chat_body("gpt-4o", "orphan"), webraft::Delivery::none);
    second = webraft::Client();
    CHECK(!second);
    CHECK(orphan.wait(generous_ms));
    webraft::Result orphan_result = orphan.take_result();
    CHECK(orphan_result.ok() || orphan_result.status() == WEBRAFT_STATUS_CANCELLED);
}

void test_send_and_send_start() {
    webraft::Client client = test_client();
    webraft::Result models = client.send("GET", "/models");
    CHECK_CONTAINS(models.json(), "\"gpt-4o\"");
    Signal done;
    webraft::Status done_status = WEBRAFT_STATUS_PANIC;
    webraft::Request request =
        client.send_start("POST", "/debug/echo", std::string("{\"x\":1}"), nullptr, [&](webraft::Status status) {
            done_status = status;
            done.set();
        });
    CHECK(done.wait());
    CHECK_STATUS(done_status, WEBRAFT_STATUS_OK);
    webraft::Result echoed = request.result();
    CHECK_CONTAINS(echoed.json(), "\"body\":{\"x\":1}");
    try {
        client.send("GET", "/no-such-route");
        CHECK(!"send did not throw");
    } catch (const webraft::Error& e) {
        CHECK_EQ(e.http_status(), 404);
    }
}

void test_image_content_part() {
    webraft::Expected<webraft::String> missing = webraft::image_content_part("/nonexistent/shot.png");
    CHECK(!missing.ok());
    CHECK_STATUS(missing.error().status(), WEBRAFT_STATUS_IO);

    const std::string path = "/tmp/webraft_hpp_test_pixel.png";
    {
        // The 8-byte PNG signature is enough for the library to call it image/png.
        std::ofstream file(path, std::ios::binary);
        const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
        file.write(reinterpret_cast<const char*>(png), sizeof png);
    }
    webraft::Expected<webraft::String> part = webraft::image_content_part(path, "low");
    std::remove(path.c_str());
    CHECK(part.ok());
    if (part.ok()) {
        CHECK_CONTAINS(part.value().view(), "\"type\":\"image_url\"");
        CHECK_CONTAINS(part.value().view(), "data:image/png;base64,");
        CHECK_CONTAINS(part.value().view(), "\"detail\":\"low\"");
    }
}

}  // namespace

int main(int argc, char** argv) {
    static const check::Case cases[] = {
        {"version_and_abi", test_version_and_abi},
        {"plain_chat", test_plain_chat},
        {"config_error_throws_and_reports", test_config_error_throws_and_reports},
        {"stream_with_lambda", test_stream_with_lambda},
        {"stream_callback_false_cancels", test_stream_callback_false_cancels},
        {"stream_callback_exception_reaches_caller", test_stream_callback_exception_reaches_caller},
        {"http_error_as_exception_and_result", test_http_error_as_exception_and_result},
        {"quota_exhausted_and_no_server_message", test_quota_exhausted_and_no_server_message},
        {"error_param_and_server_error", test_error_param_and_server_error},
        {"stream_error_keeps_partial_text", test_stream_error_keeps_partial_text},
        {"poll_loop_never_blocks", test_poll_loop_never_blocks},
        {"deliveries_of_started_chat", test_deliveries_of_started_chat},
        {"escaped_stream_key_completes", test_escaped_stream_key_completes},
        {"started_callbacks_and_state_freed", test_started_callbacks_and_state_freed},
        {"invalid_start_calls_no_callback", test_invalid_start_calls_no_callback},
        {"cancel_polled_stream", test_cancel_polled_stream},
        {"free_running_request_cancels_and_calls_done_once", test_free_running_request_cancels_and_calls_done_once},
        {"callback_returning_false_cancels_started_request", test_callback_returning_false_cancels_started_request},
        {"move_only_callbacks", test_move_only_callbacks},
        {"usage", test_usage},
        {"move_semantics", test_move_semantics},
        {"send_and_send_start", test_send_and_send_start},
        {"image_content_part", test_image_content_part},
    };
    return check::run(cases, argc, argv);
}
