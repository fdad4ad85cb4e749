// Tests of webraft.hpp for issue #18: endpoint fallback, hedged first tokens,
// credential callbacks, live snapshots and the provider quirks, against the
// loopback test server (WEBRAFT_TEST_URL) and its /role/<role> endpoints, and
// against a webraft-mock of their own where the server's counters matter.
#include "check.hpp"
#include "webraft.hpp"
#include "webraft_mock.hpp"

#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using check::generous_ms;

const std::string_view reply_hi = "Hello! You said: hi";
const std::string_view json_content = R"({"name":"Ada","tags":["x","y"],"age":36,"ok":true})";

std::string role(std::string_view name) { return check::server_url("/role/" + std::string(name) + "/v1"); }

std::string hi() { return check::chat_body("gpt-4o", "hi"); }

// A config for `first` with the endpoints `fallback` (a JSON array) after it, no retries.
std::string config(const std::string& first, const std::string& fallback, const std::string& extra = "",
                   std::string_view key = "test-key") {
    return R"({"base_url":")" + first + R"(","api_key":")" + std::string(key) +
           R"(","max_retries":0,"loading_retry_ms":0,"fallback":)" + fallback + extra + "}";
}

std::string endpoint(const std::string& url, const std::string& more = "") {
    return R"({"base_url":")" + url + "\"" + more + "}";
}

void check_endpoint(const webraft::Result& result, std::uint32_t index, std::string_view url, std::uint32_t tried) {
    CHECK_EQ(result.endpoint_index(), index);
    CHECK_EQ(result.endpoint_url(), url);
    CHECK_EQ(result.endpoints_tried(), tried);
}

std::string streamed_text(const webraft::Client& client, const std::string& body, webraft::Result* out = nullptr) {
    std::string text;
    webraft::Result result = client.try_chat_stream(body, [&](const webraft::Chunk& chunk) { text += chunk.text(); });
    if (out) *out = std::move(result);
    return text;
}

void test_fallback_moves_on_from_each_failure() {
    const std::string good = check::server_url("/v1");
    for (const std::string& first : {std::string("http://127.0.0.1:9/v1"), role("down"), role("failing"),
                                     role("no-credits"), role("loading")}) {
        webraft::Client client(config(first, "[" + endpoint(good) + "]"));
        webraft::Result plain = client.chat(hi());
        CHECK_EQ(plain.text(), reply_hi);
        check_endpoint(plain, 1, good, 2);
        webraft::Result streamed;
        CHECK_EQ(streamed_text(client, hi(), &streamed), reply_hi);
        check_endpoint(streamed, 1, good, 2);
    }
}

void test_fallback_stops_where_it_should() {
    {  // every endpoint failing: the last one's error
        webraft::Client client(config(role("failing"), "[" + endpoint(role("no-credits")) + "]"));
        webraft::Result result = client.try_chat(hi());
        CHECK(result.is_quota_exhausted());
        check_endpoint(result, 1, role("no-credits"), 2);
    }
    {  // a refused key: no fallback
        const std::string v1 = check::server_url("/v1");
        webraft::Client client(config(v1, "[" + endpoint(v1, R"(,"api_key":"test-key")") + "]", "", "wrong-key"));
        webraft::Result result = client.try_chat(hi());
        CHECK_EQ(result.http_status(), 401);
        check_endpoint(result, 0, v1, 1);
    }
    {  // a stream cut after its first chunk stays on its endpoint
        const std::string v1 = check::server_url("/v1");
        webraft::Client client(config(v1, "[" + endpoint(v1, R"(,"model":"gpt-4o")") + "]"));
        webraft::Result result;
        CHECK_EQ(streamed_text(client, check::chat_body("disconnect", "hi"), &result), "Hello there");
        CHECK_STATUS(result.status(), WEBRAFT_STATUS_TRANSPORT);
        check_endpoint(result, 0, v1, 1);
    }
}

void test_fallback_endpoint_model_and_headers() {
    std::string backup = endpoint(check::server_url("/v1"), R"(,"model":"echo-request","headers":{"X-Endpoint":"backup"})");
    webraft::Client client(config(role("failing"), "[" + backup + "]"));
    webraft::Result echo = client.chat(hi());
    webraft::JsonText request(echo.text());
    CHECK_EQ(request.find_string("/body/model"), std::optional<std::string>("echo-request"));
    CHECK_EQ(request.find_string("/headers/x-endpoint"), std::optional<std::string>("backup"));
}

double abandoned(const webraft::MockServer& mock) {
    webraft::Client stats(R"({"base_url":")" + mock.url() + R"(","api_key":"test-key"})");
    return stats.send("GET", "/debug/stats").get_number("/abandoned");
}

void wait_abandoned(const webraft::MockServer& mock, double expected) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    double seen = abandoned(mock);
    while (seen < expected && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        seen = abandoned(mock);
    }
    CHECK_EQ(seen, expected);
}

void test_hedge_delivers_only_the_winner() {
    webraft::MockServer mock;
    CHECK(static_cast<bool>(mock));
    if (!mock) return;
    webraft::Client client(config(mock.url("/role/first-chunk-3000/v1"), "[" + endpoint(mock.url("/v1")) + "]",
                                  R"(,"hedge_ms":100)"));
    auto start = std::chrono::steady_clock::now();
    std::vector<std::string> chunks;
    webraft::Result streamed =
        client.chat_stream(hi(), [&](const webraft::Chunk& chunk) { chunks.emplace_back(chunk.text()); });
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    std::string joined;
    for (const std::string& chunk : chunks) joined += chunk;
    CHECK_EQ(joined, reply_hi);
    CHECK_EQ(streamed.chunk_count(), chunks.size());
    check_endpoint(streamed, 1, mock.url("/v1"), 2);
    wait_abandoned(mock, 1);

    webraft::Result plain = client.chat(hi());
    check_endpoint(plain, 1, mock.url("/v1"), 2);
    wait_abandoned(mock, 2);
}

void test_credentials_per_attempt() {
    const std::string good = check::server_url("/v1");
    webraft::Client client(R"({"base_url":")" + role("failing") + R"(","api_key":"wrong-key","max_retries":1,"fallback":[)" +
                           endpoint(good, R"(,"api_key":"also-wrong")") + "]}");
    std::mutex mutex;
    std::vector<std::string> asked;
    CHECK_STATUS(client.set_credentials([&](webraft::CredentialRequest& request) {
        std::lock_guard<std::mutex> lock(mutex);
        asked.push_back(std::to_string(request.endpoint_index()) + " " + std::string(request.base_url()));
        CHECK_STATUS(request.set_key("test-key"), WEBRAFT_STATUS_OK);
    }), WEBRAFT_STATUS_OK);
    webraft::Result result = client.chat(hi());
    CHECK_EQ(result.text(), reply_hi);
    CHECK_EQ(result.retries(), 1u);
    {
        std::lock_guard<std::mutex> lock(mutex);
        CHECK_EQ(asked, (std::vector<std::string>{"0 " + role("failing"), "0 " + role("failing"), "1 " + good}));
    }
    // A header instead of the key; setting nothing sends the configured key; an empty callback removes it.
    client.set_credentials([](webraft::CredentialRequest& request) { request.set_header("Authorization", "Bearer test-key"); });
    CHECK_EQ(client.chat(hi()).text(), reply_hi);

    webraft::Client plain(check::config("/v1"));
    plain.set_credentials([](webraft::CredentialRequest&) {});
    CHECK_EQ(plain.chat(hi()).text(), reply_hi);
    plain.set_credentials([](webraft::CredentialRequest& request) { request.fail("never asked"); });
    CHECK_STATUS(plain.set_credentials(nullptr), WEBRAFT_STATUS_OK);
    CHECK_EQ(plain.chat(hi()).text(), reply_hi);

    // Moved and destroyed with a callback set: it goes with its client.
    webraft::Client moved = std::move(plain);
    moved.set_credentials([](webraft::CredentialRequest&) {});
    plain = std::move(moved);
    CHECK_EQ(plain.chat(hi()).text(), reply_hi);
}

void test_credential_failure_ends_the_call() {
    struct Case {
        const char* message;
        webraft::CredentialCallback callback;
    };
    const Case cases[] = {
        {"the token service is down",
         [](webraft::CredentialRequest&) { throw std::runtime_error("the token service is down"); }},
        {"no session yet", [](webraft::CredentialRequest& request) { request.fail("no session yet"); }},
        {"an API key that cannot be sent",
         [](webraft::CredentialRequest& request) { request.set_key("secret\r\nX-Injected: 1"); }},
        {"a header that cannot be sent",
         [](webraft::CredentialRequest& request) { request.set_header("api-key", "secret\n"); }},
    };
    const std::string v1 = check::server_url("/v1");
    for (const Case& c : cases) {
        std::atomic<int> asked{0};
        webraft::Client client(config(v1, "[" + endpoint(v1) + "]"));
        webraft::CredentialCallback callback = c.callback;
        client.set_credentials([&asked, callback](webraft::CredentialRequest& request) {
            asked++;
            callback(request);
        });
        webraft::Result result = client.try_chat(hi());
        CHECK_STATUS(result.status(), WEBRAFT_STATUS_CREDENTIALS);
        CHECK_EQ(webraft::status_name(result.status()), "CREDENTIALS");
        CHECK_CONTAINS(result.error_message(), c.message);
        CHECK(result.error_message().find("secret") == std::string_view::npos);
        CHECK_EQ(asked.load(), 1);
    }
}

// One snapshot of json_content: the library parses it, and without its
// closing quotes and brackets it is how the content begins, no shorter than before.
void check_snapshot(std::string_view snapshot, std::string& open) {
    if (snapshot.data() == nullptr) return;
    CHECK(webraft::JsonText(snapshot).find_json("").has_value());
    std::string_view trimmed = snapshot.substr(0, snapshot.find_last_not_of("\"]}") + 1);
    CHECK_EQ(json_content.substr(0, trimmed.size()), trimmed);
    CHECK(trimmed.size() >= open.size());
    open = std::string(trimmed);
}

void test_polled_snapshots_grow_to_the_content() {
    webraft::MockServer mock({"--chunk-delay", "20"});
    CHECK(static_cast<bool>(mock));
    if (!mock) return;
    webraft::Client client(R"({"base_url":")" + mock.url("/v1") + R"(","api_key":"test-key"})");
    webraft::Request request = client.start(check::chat_body("json-content", "hi"));
    std::vector<std::string> distinct;
    std::string open;
    for (webraft::Next next = request.next(generous_ms); !next.done(); next = request.next(generous_ms)) {
        webraft::String snapshot = request.snapshot_content();
        check_snapshot(snapshot.view(), open);
        if (snapshot && (distinct.empty() || distinct.back() != snapshot.view())) distinct.emplace_back(snapshot.view());
    }
    CHECK_EQ(request.result().text(), json_content);
    CHECK_EQ(request.snapshot_content().view(), json_content);
    CHECK(distinct.size() >= 3);

    webraft::Client server(check::config("/v1"));
    webraft::Request tools = server.start(check::chat_body("tools-same-index", "hi"));
    while (!tools.next(generous_ms).done()) {
    }
    CHECK(!tools.snapshot_content());
    CHECK_EQ(tools.snapshot_tool_call_count(), 2u);
    CHECK_EQ(tools.snapshot_tool_arguments(0).view(), R"({"city":"Paris"})");
    CHECK_EQ(tools.snapshot_tool_arguments(1).view(), R"({"zone":"CET"})");
    CHECK(!tools.snapshot_tool_arguments(2));
}

void test_partial_json() {
    webraft::Client client(check::config("/v2"));
    webraft::PartialJson parser;
    std::string open;
    int changes = 0;
    client.chat_stream(check::chat_body("json-content", "hi"), [&](const webraft::Chunk& chunk) {
        if (parser.push(chunk.text())) {
            changes++;
            check_snapshot(parser.snapshot().view(), open);
        }
    });
    CHECK_EQ(parser.snapshot().view(), json_content);
    CHECK(changes >= 3);

    webraft::PartialJson steps;
    CHECK(!steps.snapshot());
    steps.push(R"({"a":[1,"b)");
    CHECK_EQ(steps.snapshot().view(), R"({"a":[1,"b"]})");
    steps.push(R"(c"],"n":4)");
    CHECK_EQ(steps.snapshot().view(), R"({"a":[1,"bc"]})");
    steps.push(R"(2,"k)");
    CHECK_EQ(steps.snapshot().view(), R"({"a":[1,"bc"],"n":42})");
    CHECK(!steps.push("\xff"));
    CHECK_STATUS(steps.status(), WEBRAFT_STATUS_INVALID_UTF8);

    webraft::PartialJson number;
    number.push("12");
    CHECK(!number.snapshot());
    CHECK(number.finish());
    CHECK_EQ(number.snapshot().view(), "12");
    CHECK_STATUS(number.status(), WEBRAFT_STATUS_OK);
}

void test_tool_calls_at_the_same_index() {
    webraft::Client client(check::config("/v1"));
    auto calls = [](const webraft::Result& result) {
        std::string out;
        for (const webraft::ToolCall& call : result.tool_calls())
            out += std::string(call.id) + " " + std::string(call.name) + std::string(call.arguments) + "|";
        return out;
    };
    const std::string want = R"(call_a get_weather{"city":"Paris"}|call_b get_time{"zone":"CET"}|)";
    CHECK_EQ(calls(client.chat(check::chat_body("tools-same-index", "hi"))), want);
    CHECK_EQ(calls(client.chat_stream(check::chat_body("tools-same-index", "hi"), [](const webraft::Chunk&) {})), want);
}

void test_compressed_replies() {
    for (const char* encoding : {"gzip", "deflate"}) {
        webraft::Client client(check::config("/role/" + std::string(encoding) + "/v1"));
        CHECK_EQ(client.chat(hi()).text(), reply_hi);
        CHECK_EQ(streamed_text(client, hi()), reply_hi);
    }
}

}  // namespace

int main(int argc, char** argv) {
    static const check::Case cases[] = {
        {"fallback_moves_on_from_each_failure", test_fallback_moves_on_from_each_failure},
        {"fallback_stops_where_it_should", test_fallback_stops_where_it_should},
        {"fallback_endpoint_model_and_headers", test_fallback_endpoint_model_and_headers},
        {"hedge_delivers_only_the_winner", test_hedge_delivers_only_the_winner},
        {"credentials_per_attempt", test_credentials_per_attempt},
        {"credential_failure_ends_the_call", test_credential_failure_ends_the_call},
        {"polled_snapshots_grow_to_the_content", test_polled_snapshots_grow_to_the_content},
        {"partial_json", test_partial_json},
        {"tool_calls_at_the_same_index", test_tool_calls_at_the_same_index},
        {"compressed_replies", test_compressed_replies},
    };
    return check::run(cases, argc, argv);
}
