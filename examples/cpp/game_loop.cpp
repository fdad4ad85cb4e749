// game_loop: a simulated 60 FPS loop that streams a chat without ever blocking a frame.
//
//   game_loop [--timeout-s N] [--budget-us N] [CONFIG_JSON [MODEL [PROMPT]]]
//
// CONFIG_JSON is the client config (see "Client config keys" in the README);
// without it the client uses WebraftAI with the key in WEBRAFT_API_KEY.
// Frame 0 starts a streaming request; every frame then polls it with
// Request::next(0), which never waits, prints the tokens that arrived, and
// sleeps until the next frame. Each frame drains chunks for at most half the
// budget, so a burst of chunks is spread over several frames. Around every library call the loop measures
// the time spent inside the library. At the end it prints the longest such
// time in one frame and the longest frame. Exit status: 0 when the reply
// arrived and every frame stayed under the budget (default 1000 us), 1 when
// the request failed, 2 for bad usage, 3 when a frame went over the budget.
//
// Build: c++ -std=c++17 -O2 game_loop.cpp $(pkg-config --cflags --libs webraft)
#include <webraft.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <type_traits>

namespace {

using Clock = std::chrono::steady_clock;
using Micros = std::chrono::duration<double, std::micro>;

// Runs `call`, adding its duration to `spent`.
template <typename F>
auto timed(Clock::duration& spent, F&& call) {
    const auto start = Clock::now();
    if constexpr (std::is_void_v<decltype(call())>) {
        call();
        spent += Clock::now() - start;
    } else {
        auto value = call();
        spent += Clock::now() - start;
        return value;
    }
}

int usage() {
    std::cerr << "usage: game_loop [--timeout-s N] [--budget-us N] [CONFIG_JSON [MODEL [PROMPT]]]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const char* positional[3] = {"", "gpt-4o-mini", "Say hello to the players."};  // config, model, prompt
    int given = 0;
    double timeout_s = 60, budget_us = 1000;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (!std::strcmp(argv[i], "--timeout-s") && has_value) timeout_s = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--budget-us") && has_value) budget_us = std::atof(argv[++i]);
        else if (argv[i][0] == '-' || given == 3) return usage();
        else positional[given++] = argv[i];
    }

    // Loading time, not frame time: the client (and the library's worker threads) and the conversation.
    webraft::Expected<webraft::Client> made = webraft::Client::create(positional[0]);
    if (!made.ok()) {
        std::cerr << "game_loop: " << made.error().error_message() << "\n";
        return 1;
    }
    const webraft::Client client = std::move(made).value();
    webraft::Conversation chat;
    chat.model(positional[1]).user(positional[2]);

    // Loading time too: one request through the library's request path, so
    // the first frame does not pay for code and threads that were never used.
    client.send_start("GET", "/models").wait(2000);

    const auto poll_budget = std::chrono::duration_cast<Clock::duration>(Micros(budget_us / 2));
    const auto frame_period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / 60));
    const long max_frames = static_cast<long>(timeout_s * 60);
    webraft::Request request;
    webraft::Result result;
    Clock::duration longest_library{}, total_library{}, longest_frame{};
    long frames = 0, longest_library_frame = 0, chunks = 0;
    bool cancelled = false;
    auto next_frame = Clock::now();

    for (bool finished = false; !finished; ++frames) {
        const auto frame_start = Clock::now();
        Clock::duration library{};
        if (frames == 0) request = timed(library, [&] { return client.start(chat); });
        if (frames == max_frames && !cancelled) {
            timed(library, [&] { request.cancel(); });
            cancelled = true;
        }

        // Take what arrived since the last frame, never waiting, and at most
        // half the budget's worth: a burst (the queue holds up to 256 chunks)
        // spreads over several frames instead of stalling one.
        std::string tokens;
        while (library < poll_budget) {
            webraft::Next next = timed(library, [&] { return request.next(0); });
            if (next.pending()) break;
            if (next.done()) {
                result = timed(library, [&] { return request.take_result(); });
                finished = true;
                break;
            }
            ++chunks;
            tokens += timed(library, [&] { return next.chunk.text(); });
            timed(library, [&] { next.chunk = webraft::Chunk(); });  // frees the chunk's strings
        }

        // The game's own work for this frame: show the new tokens.
        if (!tokens.empty()) {
            std::fwrite(tokens.data(), 1, tokens.size(), stdout);
            std::fflush(stdout);
        }

        total_library += library;
        if (library > longest_library) {
            longest_library = library;
            longest_library_frame = frames;
        }
        longest_frame = std::max(longest_frame, Clock::now() - frame_start);
        next_frame += frame_period;
        std::this_thread::sleep_until(next_frame);
    }

    const double longest_us = Micros(longest_library).count();
    std::printf("\n\nstatus: %s", std::string(webraft::status_name(result.status())).c_str());
    if (!result.ok()) std::printf(" (%s)", std::string(result.error_message()).c_str());
    std::printf("\nframes: %ld at 60 FPS, chunks: %ld\n", frames, chunks);
    std::printf("library time per frame: longest %.1f us (frame %ld), mean %.1f us, budget %.0f us\n", longest_us,
                longest_library_frame, Micros(total_library).count() / static_cast<double>(frames), budget_us);
    std::printf("longest frame (library calls + printing): %.1f us\n", Micros(longest_frame).count());
    if (!result.ok()) return 1;
    return longest_us < budget_us ? 0 : 3;
}
