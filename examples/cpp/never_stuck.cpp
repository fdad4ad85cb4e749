// never_stuck: one chat reply from the first endpoint that answers. The config
// lists the endpoints ("fallback", tried in order after "base_url") and may set
// a first-token budget ("hedge_ms": a slow first token also starts the request
// on the next endpoint, and the faster one wins). The key of every attempt
// comes from a credential callback: here WEBRAFT_API_KEY, read again for each
// attempt, as a rotating token would be. The request is polled as a frame loop
// would poll it; with --partial-json, each change of the reply so far is
// printed as valid JSON (for a model asked for JSON output) instead of the text.
//
//   never_stuck CONFIG_JSON [MODEL [PROMPT [--partial-json]]]
//   e.g. never_stuck '{"base_url":"https://api.webraft.in/v2","hedge_ms":800,
//                      "fallback":[{"base_url":"http://localhost:11434/v1","model":"llama3"}]}'
//
// The last line says which endpoint answered. Exit status: 0 on success, 1 when
// every endpoint failed or the callback refused (CREDENTIALS).
//
// Build: c++ -std=c++17 -O2 never_stuck.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    try {
        webraft::Client client(argc > 1 ? argv[1] : "");
        // Runs on a library thread for every attempt: retries, fallback endpoints and hedges.
        client.set_credentials([](webraft::CredentialRequest& request) {
            const char* key = std::getenv("WEBRAFT_API_KEY");
            if (key == nullptr || *key == '\0') {
                request.fail("the environment has no WEBRAFT_API_KEY");
                return;
            }
            request.set_key(key);
        });
        webraft::Conversation chat;
        chat.model(argc > 2 ? argv[2] : "gpt-4o-mini").user(argc > 3 ? argv[3] : "Say hello.");
        bool partial_json = argc > 4 && std::string(argv[4]) == "--partial-json";

        webraft::Request request = client.start(chat);  // a polled stream
        std::string shown;
        for (webraft::Next next = request.next(16); !next.done(); next = request.next(16)) {
            if (!partial_json) {
                if (next.has_chunk()) std::cout << next.chunk.text() << std::flush;
                continue;
            }
            webraft::String snapshot = request.snapshot_content();  // valid JSON so far, or empty
            if (snapshot && snapshot.view() != shown) std::cout << (shown = std::string(snapshot.view())) << "\n";
        }
        webraft::Result reply = request.result();  // throws webraft::Error when the call failed
        if (!partial_json) std::cout << "\n";
        std::cout << "answered by " << reply.endpoint_url() << " (endpoint " << reply.endpoint_index() << "; "
                  << reply.endpoints_tried() << " tried)\n";
    } catch (const webraft::Error& e) {
        // The last endpoint's failure, or the callback's refusal (status CREDENTIALS).
        std::cerr << "never_stuck: " << e.status_name() << ": " << e.what() << " (endpoint " << e.endpoint_index()
                  << "; " << e.endpoints_tried() << " tried)\n";
        return 1;
    }
}
