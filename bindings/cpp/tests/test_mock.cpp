// Tests of webraft_mock.hpp: each starts its own webraft-mock (the installed one, or
// $WEBRAFT_MOCK_BIN), as a user's C++ tests would. Builds with and without exceptions.
#include "check.hpp"
#include "webraft.hpp"
#include "webraft_mock.hpp"

#include <string>
#include <type_traits>
#include <utility>

namespace {

static_assert(!std::is_copy_constructible_v<webraft::MockServer>);
static_assert(std::is_nothrow_move_constructible_v<webraft::MockServer>);

webraft::Client mock_client(const webraft::MockServer& mock, int retries = 0) {
    return webraft::Client::create("{\"base_url\":\"" + mock.url("/v1") + "\",\"api_key\":\"test-key\",\"max_retries\":" +
                                   std::to_string(retries) + "}")
        .value();
}

void test_disconnect_after_cuts_the_stream() {
    webraft::MockServer mock({"--disconnect-after", "3"});
    CHECK_EQ(mock.error(), std::string());
    if (!mock) return;
    std::string text;
    webraft::Result result = mock_client(mock).try_chat_stream(check::chat_body("gpt-4o", "hi"),
                                                               [&](const webraft::Chunk& c) {
                                                                   text += c.text();
                                                                   return true;
                                                               });
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_TRANSPORT);
    CHECK_EQ(text, std::string("Hello! You "));
}

void test_error_sequence_is_retried() {
    webraft::MockServer mock({"--errors", "503:20ms,429:20ms"});
    if (!mock) return check::fail(__FILE__, __LINE__, mock.error());
    webraft::Result result = mock_client(mock, 3).try_chat(check::chat_body("gpt-4o", "hi"));
    CHECK_STATUS(result.status(), WEBRAFT_STATUS_OK);
    CHECK_EQ(result.text(), std::string_view("Hello! You said: hi"));
    CHECK_EQ(result.retries(), 2u);
}

void test_moved_and_stopped() {
    webraft::MockServer first;
    CHECK(static_cast<bool>(first));
    std::string url = first.url();
    webraft::MockServer second(std::move(first));
    CHECK(!first);
    CHECK_EQ(second.url(), url);
    CHECK_EQ(second.stop(), 0);
    CHECK_EQ(second.stop(), -1);
    webraft::MockServer bad({"--no-such-flag"});
    CHECK(!bad);
    CHECK_CONTAINS(bad.error(), "did not print LISTENING");
}

} // namespace

int main(int argc, char** argv) {
    static const check::Case cases[] = {
        {"disconnect_after_cuts_the_stream", test_disconnect_after_cuts_the_stream},
        {"error_sequence_is_retried", test_error_sequence_is_retried},
        {"moved_and_stopped", test_moved_and_stopped},
    };
    return check::run(cases, argc, argv);
}
