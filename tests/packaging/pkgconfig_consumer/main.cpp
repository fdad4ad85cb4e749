// Chats once through the C API (plain.c) and once through webraft.hpp
// (poll.cpp); argv[1] is the server's base URL. Exits 0 when both replies
// are the expected text.
#include "consumer.h"

#include <cstdlib>
#include <iostream>
#include <memory>

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: consumer BASE_URL" << std::endl;
        return 2;
    }
    try {
        webraft::Client client(std::string("{\"base_url\":\"") + argv[1] + "\",\"api_key\":\"test-key\"}");
        std::unique_ptr<char, decltype(&std::free)> plain(plain_chat(client.get(), "from pkg-config"), &std::free);
        std::string polled = polled_chat(client, "from pkg-config");
        const std::string expected = "Hello! You said: from pkg-config";
        std::cout << "version " << webraft::version() << "\nplain: " << (plain ? plain.get() : "(failed)")
                  << "\npolled: " << polled << std::endl;
        return plain && plain.get() == expected && polled == expected ? 0 : 1;
    } catch (const webraft::Error &e) {
        std::cerr << e.status_name() << ": " << e.what() << std::endl;
        return 1;
    }
}
