// A chat polled to the end through webraft.hpp (start(body) polls, so it streams).
#include "consumer.h"

std::string polled_chat(const webraft::Client &client, const std::string &prompt) {
    webraft::Request request = client.start(
        R"({"model":"gpt-4o","messages":[{"role":"user","content":")" + prompt + "\"}]}");
    std::string text;
    for (webraft::Next next = request.next(webraft::wait_forever); !next.done();
         next = request.next(webraft::wait_forever)) {
        text += next.chunk.text();
    }
    request.result();  // throws webraft::Error if the stream failed
    return text;
}
