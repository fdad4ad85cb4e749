// stream_chat: stream one chat reply to stdout, then its token usage.
//
//   stream_chat [CONFIG_JSON [MODEL [PROMPT]]]
//
// CONFIG_JSON is the client config (see "Client config keys" in the README);
// without it the client uses WebraftAI with the key in WEBRAFT_API_KEY.
// Exit status: 0 on success, 1 when the request fails.
//
// Build: c++ -std=c++17 -O2 stream_chat.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include <iostream>
#include <optional>

int main(int argc, char** argv) {
    try {
        webraft::Client client(argc > 1 ? argv[1] : "");
        webraft::Conversation chat;
        // stream_usage: a stream carries token usage only when the request asks for it.
        chat.model(argc > 2 ? argv[2] : "gpt-4o-mini").stream_usage().user(argc > 3 ? argv[3] : "Say hello.");
        // The lambda runs on a library worker thread, one chunk at a time, while chat_stream blocks.
        webraft::Result reply = client.chat_stream(chat, [](const webraft::Chunk& chunk) {
            std::cout << chunk.text() << std::flush;
        });
        std::cout << "\n";
        if (std::optional<webraft::Usage> usage = reply.usage()) {
            std::cout << "usage: " << usage->prompt_tokens << " prompt + " << usage->completion_tokens
                      << " completion = " << usage->total_tokens << " tokens\n";
        } else {
            std::cout << "usage: the server sent none\n";
        }
    } catch (const webraft::Error& e) {
        std::cerr << "\nstream_chat: " << e.status_name() << ": " << e.what() << "\n";
        return 1;
    }
}
