// api_errors: what a failed call tells you. Sends one chat and, when it fails,
// prints the HTTP status, the server's own message and what to do about it.
//
//   api_errors CONFIG_JSON [MODEL]
//
// Try it with a wrong key ({"api_key":"wrong-key"}: HTTP 401) or an account
// out of credits (HTTP 402). Exit status: 0 when the call succeeded, 1 when it failed.
//
// Build: c++ -std=c++17 -O2 api_errors.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include <iostream>

int main(int argc, char** argv) {
    try {
        webraft::Client client(argc > 1 ? argv[1] : "");
        webraft::Conversation chat;
        chat.model(argc > 2 ? argv[2] : "gpt-4o-mini").user("Hello!");
        std::cout << client.chat(chat).text() << "\n";
        return 0;
    } catch (const webraft::Error& e) {
        if (e.http_status() == 0) {
            // No HTTP reply: a bad config, no connection, a timeout, ...
            std::cout << e.status_name() << ": " << e.what() << "\n";
        } else {
            // server_message() is the server's text as sent; what() adds "HTTP 401: " in front.
            std::cout << "HTTP " << e.http_status() << ": " << e.server_message() << "\n";
        }
        if (e.is_quota_exhausted()) {
            std::cout << "out of credits: retrying will not help; top up the account\n";
        } else if (e.http_status() == 401) {
            std::cout << "the API key was refused: check WEBRAFT_API_KEY or api_key in the config\n";
        }
        return 1;
    }
}
