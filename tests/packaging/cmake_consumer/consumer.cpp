// Chats and streams through webraft.hpp; argv[1] is the server's base URL.
// Exits 0 when both replies are the expected text.
#include <webraft.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: consumer_shared BASE_URL" << std::endl;
        return 2;
    }
    if (!webraft::abi_compatible()) {
        std::cerr << "ABI mismatch: library " << webraft_abi_version() << ", header " << WEBRAFT_ABI_VERSION << std::endl;
        return 1;
    }
    try {
        webraft::Client client(std::string("{\"base_url\":\"") + argv[1] + "\",\"api_key\":\"test-key\"}");
        const std::string body = R"({"model":"gpt-4o","messages":[{"role":"user","content":"from cmake"}]})";
        const std::string expected = "Hello! You said: from cmake";

        std::string plain(client.chat(body).text());
        std::string streamed;
        client.chat_stream(body, [&](const webraft::Chunk& chunk) { streamed += chunk.text(); });
        std::cout << "plain: " << plain << "\nstreamed: " << streamed << std::endl;
        return plain == expected && streamed == expected ? 0 : 1;
    } catch (const webraft::Error& e) {
        std::cerr << e.status_name() << ": " << e.what() << std::endl;
        return 1;
    }
}
