// list_models: print the ids of the models the server offers (GET /models),
// one a line. The reply is read with JSON Pointer lookups: no JSON library.
//
//   list_models [CONFIG_JSON]
//
// CONFIG_JSON is the client config (see "Client config keys" in the README);
// without it the client uses WebraftAI with the key in WEBRAFT_API_KEY.
// Exit status: 0 on success, 1 when the request fails.
//
// Build: c++ -std=c++17 -O2 list_models.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include <iostream>
#include <optional>
#include <string>

int main(int argc, char** argv) {
    try {
        webraft::Client client(argc > 1 ? argv[1] : "");
        webraft::Result models = client.send("GET", "/models");
        // {"object":"list","data":[{"id":...},...]}: read ids until the first index with nothing there.
        for (int i = 0;; ++i) {
            std::optional<std::string> id = models.find_string("/data/" + std::to_string(i) + "/id");
            if (!id) break;
            std::cout << *id << "\n";
        }
    } catch (const webraft::Error& e) {
        std::cerr << "list_models: " << e.status_name() << ": " << e.what() << "\n";
        return 1;
    }
}
