// stream_chat: stream one chat reply to stdout through webraft.hpp.
//
//   stream_chat [--base-url URL] [--api-key KEY] [--model M] PROMPT
//
// The key defaults to WEBRAFT_API_KEY (then OPENAI_API_KEY), the endpoint to
// WebraftAI's paid plan. Exit status: 0 on success, 1 when the request fails,
// 2 for bad usage.
//
// Build: c++ -std=c++17 -O2 stream_chat.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include "json_string.hpp"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

namespace {

int usage() {
    std::cerr << "usage: stream_chat [--base-url URL] [--api-key KEY] [--model M] PROMPT\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config = "{", model = "gpt-4o-mini", prompt;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        const char* key = !std::strcmp(argv[i], "--base-url") ? "base_url"
                          : !std::strcmp(argv[i], "--api-key") ? "api_key"
                                                               : nullptr;
        if (key && has_value) {
            config += std::string(config.size() > 1 ? "," : "") + "\"" + key + "\":" + json_string(argv[++i]);
        } else if (!std::strcmp(argv[i], "--model") && has_value) {
            model = argv[++i];
        } else if (argv[i][0] != '-' && prompt.empty()) {
            prompt = argv[i];
        } else {
            return usage();
        }
    }
    if (prompt.empty()) return usage();
    config += "}";

    try {
        webraft::Client client(config);
        const std::string body =
            "{\"model\":" + json_string(model) + ",\"messages\":[{\"role\":\"user\",\"content\":" + json_string(prompt) +
            "}]}";
        // Runs on a library worker thread, one chunk at a time, while chat_stream blocks.
        client.chat_stream(body, [](const webraft::Chunk& chunk) {
            std::fwrite(chunk.text().data(), 1, chunk.text().size(), stdout);
            std::fflush(stdout);
        });
        std::printf("\n");
        return 0;
    } catch (const webraft::Error& e) {
        std::cerr << "\nstream_chat: " << e.status_name() << ": " << e.what() << "\n";
        return 1;
    }
}
