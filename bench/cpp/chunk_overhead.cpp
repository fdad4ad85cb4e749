// What webraft.hpp adds per stream chunk over a plain C callback. The C++
// binding's issue has no benchmark of its own, so this one measures it the way
// the Go and C# binding benchmarks do: call a chunk callback many times in a
// loop, through a function pointer as the library's worker does, with a real
// chunk, and count thread CPU time per call. No network and no parsing.
//
// The C++ trampolines are the ones webraft.hpp hands to the C API
// (webraft::detail::stream_on_chunk for Client::chat_stream,
// webraft::detail::started_on_chunk for Client::start).
//
// Usage: chunk_overhead [COUNT_CALLS] [TEXT_CALLS] [RUNS]; prints one JSON
// object: median ns per call for each variant.
#include <webraft.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <string>
#include <vector>

namespace {

const std::string CHUNK =
    R"({"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model",)"
    R"("choices":[{"index":0,"delta":{"content":"token42 token42 token42 token42 token42 token42 "},)"
    R"("finish_reason":null}]})";

double thread_cpu_ns() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1e9 + double(now.tv_nsec);
}

// Calls `callback` `calls` times as the library would; returns CPU ns per call.
double per_call_ns(webraft_chunk_callback callback, void* user_data, long calls) {
    webraft_chunk_callback volatile through_pointer = callback;  // never inlined
    double started = thread_cpu_ns();
    for (long i = 0; i < calls; i++) {
        if (through_pointer(user_data, CHUNK.c_str(), CHUNK.size()) != 0) std::abort();
    }
    return (thread_cpu_ns() - started) / double(calls);
}

struct Tally {
    long chunks = 0;
    std::size_t text_bytes = 0;
};

extern "C" int c_count(void* user_data, const char*, std::size_t) {
    static_cast<Tally*>(user_data)->chunks++;
    return 0;
}

// The README's C quickstart callback: take the delta text.
extern "C" int c_text(void* user_data, const char* json, std::size_t len) {
    char* text = nullptr;
    std::size_t text_len = 0;
    if (webraft_chunk_text(json, len, &text, &text_len) == WEBRAFT_STATUS_OK)
        static_cast<Tally*>(user_data)->text_bytes += text_len;
    webraft_string_free(text);
    return 0;
}

template <typename F>
double stream_path_ns(F on_chunk, long calls) {
    webraft::detail::StreamCall<F> call;
    call.callback = &on_chunk;
    return per_call_ns(&webraft::detail::StreamCall<F>::chunk, &call, calls);
}

double started_path_ns(std::function<bool(const webraft::Chunk&)> on_chunk, long calls) {
    using Callbacks = webraft::detail::Started<std::function<bool(const webraft::Chunk&)>, std::nullptr_t>;
    Callbacks callbacks{std::move(on_chunk), nullptr};
    return per_call_ns(&Callbacks::chunk, &callbacks, calls);
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    long count_calls = argc > 1 ? std::atol(argv[1]) : 2000000;
    long text_calls = argc > 2 ? std::atol(argv[2]) : 200000;
    int runs = argc > 3 ? std::atoi(argv[3]) : 5;
    std::map<std::string, std::vector<double>> ns;
    Tally tally;
    for (int run = 0; run < runs; run++) {
        ns["c-count"].push_back(per_call_ns(c_count, &tally, count_calls));
        ns["cpp-stream-count"].push_back(
            stream_path_ns([&](const webraft::Chunk&) { tally.chunks++; }, count_calls));
        ns["cpp-start-count"].push_back(started_path_ns(
            [&](const webraft::Chunk&) {
                tally.chunks++;
                return true;
            },
            count_calls));
        ns["c-text"].push_back(per_call_ns(c_text, &tally, text_calls));
        ns["cpp-stream-text"].push_back(stream_path_ns(
            [&](const webraft::Chunk& chunk) { tally.text_bytes += chunk.text().size(); }, text_calls));
    }
    if (tally.chunks == 0 || tally.text_bytes == 0) return 1;
    std::printf("{");
    const char* separator = "";
    for (const auto& [variant, values] : ns) {
        std::printf("%s\"%s\":%.2f", separator, variant.c_str(), median(values));
        separator = ",";
    }
    std::printf(",\"count_calls\":%ld,\"text_calls\":%ld,\"runs\":%d}\n", count_calls, text_calls, runs);
    return 0;
}
