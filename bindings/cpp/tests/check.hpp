// check.hpp: the tiny test framework of the webraft.hpp tests (no exceptions needed).
// CHECK macros record a failure and carry on; they are safe on library worker threads.
#ifndef WEBRAFT_CPP_TEST_CHECK_HPP
#define WEBRAFT_CPP_TEST_CHECK_HPP

#include "webraft.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace check {

inline std::atomic<int> failures_in_test{0};
inline std::mutex report_mutex;

inline void fail(const char* file, int line, const std::string& what) {
    failures_in_test.fetch_add(1);
    std::lock_guard<std::mutex> lock(report_mutex);
    std::cerr << "  FAILED " << file << ':' << line << ": " << what << std::endl;
}

/** Writes a value for a failure report; optionals and vectors too, which have no operator<<. */
template <typename T>
void describe(std::ostream& out, const T& value) {
    out << value;
}
template <typename T>
void describe(std::ostream& out, const std::optional<T>& value) {
    if (value) {
        describe(out, *value);
    } else {
        out << "nullopt";
    }
}
template <typename T>
void describe(std::ostream& out, const std::vector<T>& values) {
    out << "{";
    for (const T& value : values) {
        out << " ";
        describe(out, value);
    }
    out << " }";
}

template <typename A, typename B>
void equal(const char* file, int line, const char* expr, const A& actual, const B& expected) {
    if (actual == expected) return;
    std::ostringstream out;
    out << expr << ": got [";
    describe(out, actual);
    out << "], expected [";
    describe(out, expected);
    out << "]";
    fail(file, line, out.str());
}

inline void contains(const char* file, int line, const char* expr, std::string_view haystack, std::string_view needle) {
    if (haystack.find(needle) != std::string_view::npos) return;
    std::ostringstream out;
    out << expr << ": [" << haystack << "] does not contain [" << needle << "]";
    fail(file, line, out.str());
}

/** The base URL of the test server the runner started, plus a suffix such as "/v1". */
inline std::string server_url(std::string_view base) {
    const char* url = std::getenv("WEBRAFT_TEST_URL");
    if (url == nullptr) {
        std::cerr << "WEBRAFT_TEST_URL is not set (start webraft-test-server first)" << std::endl;
        std::exit(2);
    }
    return std::string(url) + std::string(base);
}

/** A client config for the test server at `base`, with retries off so failures are immediate. */
inline std::string config(std::string_view base = "/v1", std::string_view key = "test-key") {
    return "{\"base_url\":\"" + server_url(base) + "\",\"api_key\":\"" + std::string(key) + "\",\"max_retries\":0}";
}

/**
 * A chat request body without a "stream" member: whether a started request
 * streams is the delivery's choice (Client::start), not the body's.
 */
inline std::string chat_body(std::string_view model, std::string_view prompt) {
    return "{\"model\":\"" + std::string(model) + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" +
           std::string(prompt) + "\"}]}";
}

/** A Responses API request body; "stream" only when asked, as for chat_body. */
inline std::string responses_body(std::string_view model, std::string_view input, bool stream = false) {
    return "{\"model\":\"" + std::string(model) + "\",\"input\":\"" + std::string(input) + "\"" +
           (stream ? ",\"stream\":true}" : "}");
}

/** How long a test waits for something that should come at once. */
inline const std::chrono::milliseconds generous = std::chrono::seconds(10);
inline const auto generous_ms = static_cast<std::uint32_t>(generous.count());

/** A flag one thread sets and another waits for. */
class Signal {
public:
    void set() {
        std::lock_guard<std::mutex> lock(mutex_);
        set_ = true;
        cond_.notify_all();
    }
    bool wait(std::chrono::milliseconds limit = generous) {
        std::unique_lock<std::mutex> lock(mutex_);
        return cond_.wait_for(lock, limit, [&] { return set_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cond_;
    bool set_ = false;
};

/** Sets a Signal when destroyed: captured by a callback, it tells when the wrapper freed the callback state. */
class SetOnDestroy {
public:
    explicit SetOnDestroy(Signal* signal) : signal_(signal) {}
    SetOnDestroy(const SetOnDestroy&) = delete;
    SetOnDestroy& operator=(const SetOnDestroy&) = delete;
    ~SetOnDestroy() { signal_->set(); }

private:
    Signal* signal_;
};

struct Case {
    const char* name;
    void (*fn)();
};

/** Runs the cases whose names contain any argument (all without arguments); returns the exit code. */
template <std::size_t N>
int run(const Case (&cases)[N], int argc, char** argv) {
    int passed = 0, failed = 0;
    for (const Case& c : cases) {
        bool selected = argc < 2;
        for (int i = 1; i < argc; ++i) selected = selected || std::strstr(c.name, argv[i]) != nullptr;
        if (!selected) continue;
        failures_in_test = 0;
        auto start = std::chrono::steady_clock::now();
        c.fn();
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        bool ok = failures_in_test == 0;
        std::cout << (ok ? "ok   " : "FAIL ") << c.name << " (" << ms.count() << " ms)" << std::endl;
        (ok ? passed : failed) += 1;
    }
    std::cout << passed << " passed, " << failed << " failed" << std::endl;
    return failed == 0 ? 0 : 1;
}

} // namespace check

#define CHECK(cond) ((cond) ? (void)0 : check::fail(__FILE__, __LINE__, "CHECK(" #cond ")"))
#define CHECK_EQ(actual, expected) check::equal(__FILE__, __LINE__, #actual, (actual), (expected))
#define CHECK_CONTAINS(haystack, needle) check::contains(__FILE__, __LINE__, #haystack, (haystack), (needle))
#define CHECK_STATUS(actual, expected) \
    check::equal(__FILE__, __LINE__, #actual, webraft::status_name(actual), webraft::status_name(expected))

#endif
