// webraft_mock.hpp: webraft::MockServer, a webraft-mock process for the length of a C++ test.
// Header-only, C++17, on top of webraft_mock.h; it never throws, so it also builds with
// -fno-exceptions.
//
//     webraft::MockServer mock({"--stall-after", "3"});   // any webraft-mock flags
//     if (!mock) { std::cerr << mock.error() << '\n'; return 1; }
//     auto client = webraft::Client::create(R"({"base_url":")" + mock.url("/v1") + R"(","api_key":"test-key"})");
//     ...                                                  // the destructor stops the mock
//
// Which program runs: see webraft_mock.h ($WEBRAFT_MOCK_BIN, else the installed webraft-mock).
#ifndef WEBRAFT_MOCK_HPP
#define WEBRAFT_MOCK_HPP

#include <webraft_mock.h>

#include <string>
#include <string_view>
#include <vector>

namespace webraft {

/** A running webraft-mock, stopped when destroyed. Move-only. */
class MockServer {
public:
    /** Starts webraft-mock with these flags; check `operator bool` (and error()) after. */
    explicit MockServer(std::vector<std::string> args = {}) {
        std::vector<const char*> argv;
        for (const std::string& arg : args) argv.push_back(arg.c_str());
        argv.push_back(nullptr);
        running_ = webraft_mock_start(&mock_, argv.data()) == 0;
        if (!running_) error_ = mock_.error;
    }

    ~MockServer() { stop(); }
    MockServer(MockServer&& other) noexcept : mock_(other.mock_), running_(other.running_), error_(std::move(other.error_)) {
        other.running_ = false;
    }
    MockServer& operator=(MockServer&& other) noexcept {
        if (this != &other) {
            stop();
            mock_ = other.mock_;
            running_ = other.running_;
            error_ = std::move(other.error_);
            other.running_ = false;
        }
        return *this;
    }
    MockServer(const MockServer&) = delete;
    MockServer& operator=(const MockServer&) = delete;

    /** Whether the mock is running. */
    explicit operator bool() const noexcept { return running_; }
    /** Why it did not start (its own message, e.g. an invalid cassette's line, is on stderr). */
    const std::string& error() const noexcept { return error_; }
    /** "http://127.0.0.1:PORT" (https://localhost:PORT with --tls), plus `base` such as "/v1". */
    std::string url(std::string_view base = "") const { return std::string(mock_.url) + std::string(base); }
    int port() const noexcept { return mock_.port; }

    /** Stops it now (the destructor does otherwise); returns its exit status, -1 if not running. */
    int stop() noexcept {
        if (!running_) return -1;
        running_ = false;
        return webraft_mock_stop(&mock_);
    }

private:
    webraft_mock mock_{};
    bool running_ = false;
    std::string error_;
};

} // namespace webraft

#endif // WEBRAFT_MOCK_HPP
