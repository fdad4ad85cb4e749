// responses: one Responses API reply, streamed event by event, then its
// status, token usage and rate-limit headers; a failed call prints the error
// and the rate-limit headers of the failed reply.
//
//   responses [CONFIG_JSON [MODEL [INPUT]]]
//
// CONFIG_JSON is the client config (see "Client config keys" in the README);
// without it the client uses WebraftAI with the key in WEBRAFT_API_KEY.
// Exit status: 0 on success, 1 when the request fails.
//
// Build: c++ -std=c++17 -O2 responses.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include <iostream>
#include <optional>
#include <sstream>
#include <string>

// A rate-limit value, or "?" when the server did not send it (an absent value is never 0).
template <typename T>
std::string shown(const std::optional<T>& value) {
    if (!value) return "?";
    std::ostringstream out;
    out << *value;
    return out.str();
}

void print_rate_limit(const webraft::RateLimit& limit) {
    if (!limit.limit_requests && !limit.limit_tokens) {
        std::cout << "rate limit: the server sent none\n";
        return;
    }
    std::cout << "requests: " << shown(limit.remaining_requests) << " of " << shown(limit.limit_requests)
              << " left, reset in " << shown(limit.reset_requests_ms) << " ms\n"
              << "tokens: " << shown(limit.remaining_tokens) << " of " << shown(limit.limit_tokens)
              << " left, reset in " << shown(limit.reset_tokens_ms) << " ms\n";
}

int main(int argc, char** argv) {
    try {
        webraft::Client client(argc > 1 ? argv[1] : "");
        // The conversation's messages become the request's input; other members are set as JSON text.
        webraft::Conversation chat;
        chat.model(argc > 2 ? argv[2] : "gpt-4o-mini").param("instructions", R"("Answer in one sentence.")");
        chat.user(argc > 3 ? argv[3] : "Say hello.");
        // The lambda gets the headers, then every event by name, on a library worker thread.
        webraft::Result reply = client.responses_stream(chat, [](const webraft::Event& event) {
            if (event.name == "response.output_text.delta") std::cout << event.data.get_string("/delta") << std::flush;
        });
        std::cout << "\nstatus: " << reply.finish_reason();  // completed, or incomplete:
        if (reply.incomplete_reason().data()) std::cout << " (" << reply.incomplete_reason() << ")";
        if (std::optional<webraft::Usage> usage = reply.usage()) {
            std::cout << ", " << usage->prompt_tokens << " input + " << usage->completion_tokens << " output tokens";
        }
        std::cout << "\n";
        print_rate_limit(reply.rate_limit());
    } catch (const webraft::Error& e) {
        // A failed reply has headers too: a 429's say when the budget resets.
        std::cout << e.what() << "\n";
        print_rate_limit(e.rate_limit());
        return 1;
    }
}
