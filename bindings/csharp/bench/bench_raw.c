/*
 * bench_raw.c: the baseline for the C# per-chunk benchmark. Streams big-chunks-N from the
 * test server with webraft_chat_stream and a C callback that only counts (mode "count") or
 * also extracts the delta text with webraft_chunk_text (mode "text"). Prints one line per run:
 *   <mode> chunks=<n> wall_ms=<ms> cpu_ms=<ms>
 * Usage: bench_raw BASE_URL CHUNKS RUNS
 */
#include "webraft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct counter {
    size_t chunks;
    size_t text_bytes;
};

static int count_chunk(void *user_data, const char *chunk_json, size_t len) {
    (void)chunk_json;
    (void)len;
    ((struct counter *)user_data)->chunks++;
    return 0;
}

static int count_text(void *user_data, const char *chunk_json, size_t len) {
    struct counter *counter = user_data;
    char *text = NULL;
    size_t text_len = 0;
    if (webraft_chunk_text(chunk_json, len, &text, &text_len) == WEBRAFT_STATUS_OK)
        counter->text_bytes += text_len;
    webraft_string_free(text);
    counter->chunks++;
    return 0;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu_ms(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: bench_raw BASE_URL CHUNKS RUNS\n");
        return 2;
    }
    char config[512], request[256];
    snprintf(config, sizeof config, "{\"base_url\":\"%s\",\"api_key\":\"test-key\",\"max_body_bytes\":1073741824}", argv[1]);
    snprintf(request, sizeof request,
             "{\"model\":\"big-chunks-%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", argv[2]);
    int runs = atoi(argv[3]);
    webraft_client *client = NULL;
    if (webraft_client_new(config, &client, NULL) != WEBRAFT_STATUS_OK) {
        fprintf(stderr, "bench_raw: bad config\n");
        return 1;
    }
    const char *modes[] = {"c-count", "c-text"};
    webraft_chunk_callback callbacks[] = {count_chunk, count_text};
    for (int run = 0; run < runs; run++) {
        for (int m = 0; m < 2; m++) {
            struct counter counter = {0, 0};
            double wall = now_ms(), cpu = cpu_ms();
            webraft_result *result = webraft_chat_stream(client, request, NULL, callbacks[m], &counter);
            wall = now_ms() - wall;
            cpu = cpu_ms() - cpu;
            if (webraft_result_status(result) != WEBRAFT_STATUS_OK) {
                fprintf(stderr, "bench_raw: %s\n", webraft_result_error_message(result));
                return 1;
            }
            webraft_result_free(result);
            printf("%s chunks=%zu wall_ms=%.1f cpu_ms=%.1f\n", modes[m], counter.chunks, wall, cpu);
            fflush(stdout);
        }
    }
    webraft_client_free(client);
    return 0;
}
