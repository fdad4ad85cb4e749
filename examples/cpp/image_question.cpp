// image_question: ask a question about a local image (PNG, JPEG, GIF or WebP).
//
//   image_question CONFIG_JSON MODEL IMAGE [QUESTION]
//
// CONFIG_JSON is the client config (see "Client config keys" in the README;
// "" uses WebraftAI with the key in WEBRAFT_API_KEY). The library reads the
// file and sends it as a data URL in the user message.
// Exit status: 0 on success, 1 when the file or the request fails, 2 for bad usage.
//
// Build: c++ -std=c++17 -O2 image_question.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: image_question CONFIG_JSON MODEL IMAGE [QUESTION]\n";
        return 2;
    }
    try {
        webraft::Client client(argv[1]);
        webraft::Conversation chat;
        // The image becomes a part of the message before it: the last one added.
        chat.model(argv[2]).user(argc > 4 ? argv[4] : "What is in this picture?").image_file(argv[3]);
        std::cout << client.chat(chat).text() << "\n";
    } catch (const webraft::Error& e) {
        std::cerr << "image_question: " << e.status_name() << ": " << e.what() << "\n";
        return 1;
    }
}
