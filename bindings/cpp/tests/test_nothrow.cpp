// The non-throwing API of webraft.hpp, built with -fno-exceptions (where the
// throwing forms do not exist), against the loopback test server.
#include "check.hpp"
#include "webraft.hpp"

#if WEBRAFT_HPP_EXCEPTIONS
#error "build this file with -fno-exceptions"
#endif

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

}  // namespace

int main(int argc, char** argv) {
    static const check::Case cases[] = {
        {"nothrow_create_reports_bad_config", test_create_reports_bad_config},
        {"nothrow_try_chat_ok_and_failed", test_try_chat_ok_and_failed},
        {"nothrow_try_chat_stream_and_poll", test_try_chat_stream_and_poll},
    };
    return check::run(cases, argc, argv);
}
