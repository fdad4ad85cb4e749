/*
 * webraft_bench: the webraft side of the benchmarks, through the C ABI as a C
 * program uses it. Same scenarios and JSON output as the baseline clients:
 *
 *   webraft_bench stream <base_url> <chunks>                  webraft_chat_stream, counting callback
 *   webraft_bench latency <base_url>                          server write -> callback entry
 *   webraft_bench plain <base_url> <concurrency> <seconds> threads|async
 *       threads: <concurrency> threads each calling blocking webraft_chat;
 *       async:   <concurrency> chains of webraft_chat_start, each done
 *                callback starting the next request (no threads of ours)
 *   webraft_bench open <base_url> <streams> <plain_base_url>  held streams, RSS
 *   webraft_bench footprint <base_url>                        creation time, idle RSS
 *   webraft_bench responses <base_url> <deltas>               webraft_responses_stream, counting callback
 *   webraft_bench h2 <base_url> <streams> <ca_file>           that many streams at once to one HTTP/2 origin
 *   webraft_bench version                                     the loaded library's version
 */
#define _GNU_SOURCE
#include "webraft.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

static const char STREAM_BODY[] =
    "{\"model\":\"bench-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
static const char PLAIN_BODY[] =
    "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
/* Plain-request workers run this long before the measured window opens. */
static const double WARM_UP_SECONDS = 0.3;
/* Longest wait for every held stream to deliver its first chunk, and to end. */
static const double OPEN_DEADLINE_SECONDS = 180.0;
/* Pause before RSS is read, so allocations in flight settle. */
static const unsigned SETTLE_US = 500000;

static void fail(const char *message, const char *detail) {
    fprintf(stderr, "webraft_bench: %s%s%s\n", message, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static uint64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static double seconds_since(uint64_t start_ns) { return (double)(monotonic_ns() - start_ns) / 1e9; }

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
           usage.ru_stime.tv_usec / 1e6;
}

static long rss_kib(void) {
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    while (status && fgets(line, sizeof line, status))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    if (status) fclose(status);
    return kib;
}

/* A growable array of samples in microseconds. */
typedef struct {
    double *values;
    size_t len, cap;
} samples;

static void samples_push(samples *s, double value) {
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->values = realloc(s->values, s->cap * sizeof *s->values);
        if (!s->values) fail("out of memory", NULL);
    }
    s->values[s->len++] = value;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double percentile(const samples *s, double p) {
    if (s->len == 0) return 0;
    size_t rank = (size_t)((p / 100.0) * (double)s->len + 0.999999999);
    if (rank < 1) rank = 1;
    if (rank > s->len) rank = s->len;
    return s->values[rank - 1];
}

/* `extra` is more config members, each with a leading comma ("" for none). */
static webraft_client *new_client_with(const char *base_url, const char *extra) {
    char config[2048];
    /* No retries: a failed request must show, not be hidden by a second try.
       1 GiB body limit: a 100,000-chunk stream is ~21 MB. */
    snprintf(config, sizeof config,
             "{\"base_url\":\"%s\",\"api_key\":\"bench-key\",\"max_retries\":0,\"max_body_bytes\":1073741824%s}",
             base_url, extra);
    webraft_client *client = NULL;
    webraft_result *error = NULL;
    if (webraft_client_new(config, &client, &error) != WEBRAFT_STATUS_OK)
        fail("webraft_client_new failed", webraft_result_error_message(error));
    return client;
}

static webraft_client *new_client(const char *base_url) { return new_client_with(base_url, ""); }

static void check_ok(webraft_result *result) {
    if (webraft_result_status(result) != WEBRAFT_STATUS_OK)
        fail(webraft_status_name(webraft_result_status(result)), webraft_result_error_message(result));
}

/* ---- stream ---- */

typedef struct {
    size_t events;
    size_t bytes;
} stream_count;

static int count_chunk(void *user_data, const char *chunk_json, size_t len) {
    (void)chunk_json;
    stream_count *count = user_data;
    count->events++;
    count->bytes += len;
    return 0;
}

/* One blocking streamed call on `client`, counting its chunks or events into `count`. */
typedef webraft_result *(*counted_call)(webraft_client *client, stream_count *count);

/* Runs `call` once; it must deliver (and the result count) `expected` chunks or events. */
static void run_counted(const char *base_url, size_t expected, counted_call call) {
    webraft_client *client = new_client(base_url);
    stream_count count = {0, 0};
    double cpu_before = cpu_seconds();
    uint64_t started = monotonic_ns();
    webraft_result *result = call(client, &count);
    double seconds = seconds_since(started);
    double cpu = cpu_seconds() - cpu_before;
    check_ok(result);
    if (count.events != expected || webraft_result_chunk_count(result) != expected) {
        fprintf(stderr, "webraft_bench: %zu events, expected %zu\n", count.events, expected);
        exit(1);
    }
    webraft_result_free(result);
    webraft_client_free(client);
    printf("{\"events\":%zu,\"chunk_json_bytes\":%zu,\"seconds\":%.6f,\"cpu_seconds\":%.6f}\n", count.events,
           count.bytes, seconds, cpu);
}

static webraft_result *chat_stream_call(webraft_client *client, stream_count *count) {
    return webraft_chat_stream(client, STREAM_BODY, NULL, count_chunk, count);
}

/* ---- responses ---- */

static int count_event(void *user_data, webraft_event kind, const char *name, const char *data, size_t len) {
    (void)name;
    (void)data;
    if (kind == WEBRAFT_EVENT_CHUNK) {
        stream_count *count = user_data;
        count->events++;
        count->bytes += len;
    }
    return 0;
}

static webraft_result *responses_stream_call(webraft_client *client, stream_count *count) {
    return webraft_responses_stream(client, STREAM_BODY, NULL, count_event, count);
}

/* ---- latency ---- */

static int time_chunk(void *user_data, const char *chunk_json, size_t len) {
    uint64_t now = monotonic_ns(); /* first thing: the callback has started */
    (void)len;
    const char *stamp = strstr(chunk_json, "\"bench_sent_ns\":");
    if (!stamp) fail("chunk without bench_sent_ns", chunk_json);
    uint64_t sent = strtoull(stamp + strlen("\"bench_sent_ns\":"), NULL, 10);
    samples_push(user_data, (double)(now - sent) / 1e3);
    return 0;
}

static void run_latency(const char *base_url) {
    webraft_client *client = new_client(base_url);
    samples delays = {0};
    webraft_result *result = webraft_chat_stream(client, STREAM_BODY, NULL, time_chunk, &delays);
    check_ok(result);
    webraft_result_free(result);
    webraft_client_free(client);
    qsort(delays.values, delays.len, sizeof *delays.values, compare_doubles);
    printf("{\"samples\":%zu,\"p50_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f}\n", delays.len,
           percentile(&delays, 50), percentile(&delays, 99), delays.len ? delays.values[delays.len - 1] : 0);
    free(delays.values);
}

/* ---- plain ---- */

typedef struct {
    webraft_client *client;
    uint64_t measure_from, measure_until;
} plain_window;

typedef struct {
    const plain_window *window;
    samples latencies;
    pthread_t thread;
} plain_worker;

static void *plain_thread(void *arg) {
    plain_worker *worker = arg;
    for (;;) {
        uint64_t started = monotonic_ns();
        if (started >= worker->window->measure_until) return NULL;
        webraft_result *result = webraft_chat(worker->window->client, PLAIN_BODY, NULL);
        check_ok(result);
        if (!webraft_result_text(result, NULL)) fail("reply without text", NULL);
        webraft_result_free(result);
        if (started >= worker->window->measure_from)
            samples_push(&worker->latencies, (double)(monotonic_ns() - started) / 1e3);
    }
}

/* One chain of the async mode: a request in flight, whose done callback starts the next. */
typedef struct {
    const plain_window *window;
    samples latencies;
    pthread_mutex_t lock; /* held while starting, so the done callback sees the new handle */
    webraft_request *request;
    uint64_t started;
} plain_chain;

static pthread_mutex_t chains_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t chains_ended = PTHREAD_COND_INITIALIZER;
static size_t chains_running;

static void chain_done(void *user_data, webraft_status status);

static void chain_start(plain_chain *chain) {
    pthread_mutex_lock(&chain->lock);
    chain->started = monotonic_ns();
    webraft_status status =
        webraft_chat_start(chain->window->client, PLAIN_BODY, NULL, WEBRAFT_DELIVERY_NONE, NULL, chain_done, chain, &chain->request);
    pthread_mutex_unlock(&chain->lock);
    if (status != WEBRAFT_STATUS_OK) fail("webraft_chat_start failed", webraft_status_name(status));
}

static void chain_done(void *user_data, webraft_status status) {
    plain_chain *chain = user_data;
    uint64_t now = monotonic_ns();
    pthread_mutex_lock(&chain->lock);
    webraft_request *finished = chain->request;
    chain->request = NULL;
    uint64_t started = chain->started;
    pthread_mutex_unlock(&chain->lock);
    if (status != WEBRAFT_STATUS_OK) fail("request failed", webraft_status_name(status));
    webraft_result *result = webraft_request_take_result(finished);
    if (!webraft_result_text(result, NULL)) fail("reply without text", NULL);
    webraft_result_free(result);
    webraft_request_free(finished); /* allowed inside its own done callback */
    if (started >= chain->window->measure_from) samples_push(&chain->latencies, (double)(now - started) / 1e3);
    if (now < chain->window->measure_until) {
        chain_start(chain);
        return;
    }
    pthread_mutex_lock(&chains_lock);
    if (--chains_running == 0) pthread_cond_signal(&chains_ended);
    pthread_mutex_unlock(&chains_lock);
}

static void sleep_until(uint64_t at_ns) {
    uint64_t now = monotonic_ns();
    if (at_ns > now) usleep((useconds_t)((at_ns - now) / 1000));
}

static void run_plain(const char *base_url, size_t concurrency, double seconds, const char *mode) {
    int threads = strcmp(mode, "threads") == 0;
    if (!threads && strcmp(mode, "async") != 0) fail("mode must be threads or async", mode);
    plain_window window = {new_client(base_url), 0, 0};
    window.measure_from = monotonic_ns() + (uint64_t)(WARM_UP_SECONDS * 1e9);
    window.measure_until = window.measure_from + (uint64_t)(seconds * 1e9);
    plain_worker *workers = calloc(concurrency, sizeof *workers);
    plain_chain *chains = calloc(concurrency, sizeof *chains);
    if (!workers || !chains) fail("out of memory", NULL);
    chains_running = threads ? 0 : concurrency;
    for (size_t i = 0; i < concurrency; i++) {
        if (threads) {
            workers[i].window = &window;
            if (pthread_create(&workers[i].thread, NULL, plain_thread, &workers[i]) != 0)
                fail("pthread_create failed", NULL);
        } else {
            chains[i].window = &window;
            pthread_mutex_init(&chains[i].lock, NULL);
            chain_start(&chains[i]);
        }
    }
    sleep_until(window.measure_from);
    double cpu_before = cpu_seconds();
    sleep_until(window.measure_until);
    double cpu = cpu_seconds() - cpu_before;
    samples all = {0};
    if (threads) {
        for (size_t i = 0; i < concurrency; i++) pthread_join(workers[i].thread, NULL);
    } else {
        pthread_mutex_lock(&chains_lock);
        while (chains_running > 0) pthread_cond_wait(&chains_ended, &chains_lock);
        pthread_mutex_unlock(&chains_lock);
    }
    for (size_t i = 0; i < concurrency; i++) {
        samples *own = threads ? &workers[i].latencies : &chains[i].latencies;
        for (size_t j = 0; j < own->len; j++) samples_push(&all, own->values[j]);
        free(own->values);
    }
    qsort(all.values, all.len, sizeof *all.values, compare_doubles);
    printf("{\"requests\":%zu,\"seconds\":%.6f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"cpu_seconds\":%.6f}\n", all.len,
           seconds, percentile(&all, 50), percentile(&all, 99), cpu);
    free(all.values);
    free(workers);
    free(chains);
    webraft_client_free(window.client);
}

/* ---- open ---- */

static atomic_size_t streams_opened, streams_ended;
static size_t streams_wanted;
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t open_changed = PTHREAD_COND_INITIALIZER;

static void signal_open_change(void) {
    pthread_mutex_lock(&open_lock);
    pthread_cond_signal(&open_changed);
    pthread_mutex_unlock(&open_lock);
}

static int held_chunk(void *user_data, const char *chunk_json, size_t len) {
    (void)chunk_json;
    (void)len;
    unsigned char *seen = user_data;
    if (!*seen) {
        *seen = 1;
        if (atomic_fetch_add(&streams_opened, 1) + 1 == streams_wanted) signal_open_change();
    }
    return 0;
}

static void held_done(void *user_data, webraft_status status) {
    (void)user_data;
    (void)status;
    if (atomic_fetch_add(&streams_ended, 1) + 1 == streams_wanted) signal_open_change();
}

/* Waits until *counter reaches streams_wanted; false on timeout. */
static int wait_for_all(atomic_size_t *counter) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)OPEN_DEADLINE_SECONDS;
    int in_time = 1;
    pthread_mutex_lock(&open_lock);
    while (in_time && atomic_load(counter) < streams_wanted)
        in_time = pthread_cond_timedwait(&open_changed, &open_lock, &deadline) == 0;
    pthread_mutex_unlock(&open_lock);
    return atomic_load(counter) >= streams_wanted;
}

static void run_open(const char *base_url, size_t streams, const char *warm_url) {
    /* Warm the runtime and allocator first, so the baseline RSS includes them. */
    webraft_client *warm = new_client(warm_url);
    webraft_result *warm_result = webraft_chat(warm, PLAIN_BODY, NULL);
    check_ok(warm_result);
    webraft_result_free(warm_result);
    webraft_client_free(warm);
    webraft_client *client = new_client(base_url);
    webraft_request **requests = calloc(streams, sizeof *requests);
    unsigned char *seen = calloc(streams, 1);
    if (!requests || !seen) fail("out of memory", NULL);
    streams_wanted = streams;
    long rss_before = rss_kib();
    uint64_t started = monotonic_ns();
    for (size_t i = 0; i < streams; i++)
        if (webraft_chat_start(client, STREAM_BODY, NULL, WEBRAFT_DELIVERY_CALLBACK, held_chunk, held_done, &seen[i], &requests[i]) !=
            WEBRAFT_STATUS_OK)
            fail("webraft_chat_start failed", NULL);
    if (!wait_for_all(&streams_opened)) {
        fprintf(stderr, "webraft_bench: only %zu of %zu streams opened (%zu ended)\n", atomic_load(&streams_opened),
                streams, atomic_load(&streams_ended));
        exit(1);
    }
    double open_seconds = seconds_since(started);
    usleep(SETTLE_US);
    long rss_open = rss_kib();
    if (atomic_load(&streams_ended) != 0) fail("a held stream ended early", NULL);
    uint64_t closing = monotonic_ns();
    webraft_client_free(client); /* cancels every stream; done callbacks follow */
    if (!wait_for_all(&streams_ended)) fail("cancelled streams did not all finish", NULL);
    double close_seconds = seconds_since(closing);
    for (size_t i = 0; i < streams; i++) webraft_request_free(requests[i]);
    free(requests);
    free(seen);
    printf("{\"streams\":%zu,\"rss_before_kib\":%ld,\"rss_open_kib\":%ld,\"open_seconds\":%.3f,"
           "\"close_seconds\":%.3f}\n",
           streams, rss_before, rss_open, open_seconds, close_seconds);
}

/* ---- h2: many streams at once to one HTTP/2 origin ---- */

static void gathered_done(void *user_data, webraft_status status) {
    (void)user_data;
    (void)status;
    if (atomic_fetch_add(&streams_ended, 1) + 1 == streams_wanted) signal_open_change();
}

/* The server holds every reply until all `streams` requests are in, so they are open at once. */
static void run_h2(const char *base_url, size_t streams, const char *ca_file) {
    char extra[1024];
    snprintf(extra, sizeof extra, ",\"ca_cert_file\":\"%s\"", ca_file);
    webraft_client *client = new_client_with(base_url, extra);
    webraft_request **requests = calloc(streams, sizeof *requests);
    if (!requests) fail("out of memory", NULL);
    streams_wanted = streams;
    uint64_t started = monotonic_ns();
    for (size_t i = 0; i < streams; i++)
        if (webraft_chat_start(client, STREAM_BODY, NULL, WEBRAFT_DELIVERY_NONE, NULL, gathered_done, NULL,
                               &requests[i]) != WEBRAFT_STATUS_OK)
            fail("webraft_chat_start failed", NULL);
    if (!wait_for_all(&streams_ended)) fail("the streams did not all finish", NULL);
    double seconds = seconds_since(started);
    for (size_t i = 0; i < streams; i++) {
        webraft_result *result = webraft_request_take_result(requests[i]);
        check_ok(result);
        webraft_result_free(result);
        webraft_request_free(requests[i]);
    }
    free(requests);
    webraft_client_free(client);
    printf("{\"streams\":%zu,\"seconds\":%.6f}\n", streams, seconds);
}

/* ---- footprint ---- */

static void run_footprint(const char *base_url) {
    long rss_start = rss_kib();
    uint64_t created = monotonic_ns();
    webraft_client *client = new_client(base_url);
    double create_first_us = seconds_since(created) * 1e6;
    long rss_client = rss_kib();
    webraft_result *result = webraft_chat(client, PLAIN_BODY, NULL);
    check_ok(result);
    webraft_result_free(result);
    usleep(200000);
    long rss_idle = rss_kib();
    samples create_us = {0};
    for (int i = 0; i < 20; i++) {
        created = monotonic_ns();
        webraft_client *another = new_client(base_url);
        samples_push(&create_us, seconds_since(created) * 1e6);
        webraft_client_free(another);
    }
    qsort(create_us.values, create_us.len, sizeof *create_us.values, compare_doubles);
    webraft_client_free(client);
    printf("{\"create_first_us\":%.1f,\"create_us\":%.1f,\"rss_start_kib\":%ld,\"rss_client_kib\":%ld,"
           "\"rss_idle_kib\":%ld}\n",
           create_first_us, percentile(&create_us, 50), rss_start, rss_client, rss_idle);
    free(create_us.values);
}

int main(int argc, char **argv) {
    if (webraft_abi_version() != WEBRAFT_ABI_VERSION) fail("library ABI version mismatch", NULL);
    if (argc == 2 && strcmp(argv[1], "version") == 0) {
        printf("%s\n", webraft_version());
        return 0;
    }
    if (argc < 3) fail("usage: webraft_bench stream|latency|plain|open|footprint|responses|h2 <base_url> ... | version", NULL);
    const char *scenario = argv[1], *url = argv[2];
    if (strcmp(scenario, "stream") == 0 && argc == 4) {
        run_counted(url, strtoull(argv[3], NULL, 10), chat_stream_call);
    } else if (strcmp(scenario, "latency") == 0) {
        run_latency(url);
    } else if (strcmp(scenario, "plain") == 0 && argc == 6) {
        run_plain(url, strtoull(argv[3], NULL, 10), atof(argv[4]), argv[5]);
    } else if (strcmp(scenario, "open") == 0 && argc == 5) {
        run_open(url, strtoull(argv[3], NULL, 10), argv[4]);
    } else if (strcmp(scenario, "footprint") == 0) {
        run_footprint(url);
    } else if (strcmp(scenario, "responses") == 0 && argc == 4) {
        /* A Responses stream also has its created, item-added and completed events. */
        run_counted(url, strtoull(argv[3], NULL, 10) + 3, responses_stream_call);
    } else if (strcmp(scenario, "h2") == 0 && argc == 5) {
        run_h2(url, strtoull(argv[3], NULL, 10), argv[4]);
    } else {
        fail("bad arguments for", scenario);
    }
    return 0;
}
