/*
 * Soak test: many requests (default 200,000) through ONE client from a few
 * threads (default 16), mixing every way of calling the C ABI: blocking plain,
 * blocking stream, polled stream, stream with callbacks, started plain, a
 * generic GET, plus a 500 error and a stream cancelled from its callback.
 * Every reply is checked. The run proceeds in rounds (default 10,000
 * requests); between rounds all threads stop, so the samples of resident
 * memory (VmRSS) and open descriptors are taken with nothing in flight.
 *
 * Pass criteria, after the warm-up (default the first 20,000 requests; the
 * sample at its end is the reference): every later VmRSS within +-10% of the
 * reference; descriptors other than sockets never above the reference; and
 * sockets never more than SOAK_FD_SLACK (default: the thread count) above the
 * reference. Sockets get slack because the idle connection pool legitimately
 * varies: a request that finds no idle connection opens one, and if another
 * connection comes free first, the new one joins the pool (it expires after
 * 90 s idle). A leak of one socket per 10,000 requests would still fail.
 *
 * Environment: WEBRAFT_TEST_URL (required), SOAK_REQUESTS (200000),
 * SOAK_THREADS (16), SOAK_ROUND (10000), SOAK_WARMUP (20000),
 * SOAK_RSS_PERCENT (10), SOAK_FD_SLACK (threads), SOAK_DEADLINE_S (900: a watchdog ends the run, exit 3).
 * Exit status: 0 when every request and both criteria pass, else 1.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "webraft.h"
#include "procstat.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#define TEXT_MAX 256
#define OPTIONS "{\"timeout_ms\":30000}"
#define PER_REQUEST_WAIT_MS 30000

static webraft_client *g_client;
static atomic_long g_next;      /* next request index to claim */
static long g_round_end;        /* claims at or past this wait for the next round */
static int g_finished;          /* set by main before the last barrier */
static pthread_barrier_t g_round_start, g_round_done;
static atomic_long g_failures;
static atomic_long g_counts[8];

#define FAIL(index, ...)                                                  \
    do {                                                                  \
        if (atomic_fetch_add(&g_failures, 1) < 20) {                      \
            fprintf(stderr, "soak: request %ld: ", (long)(index));        \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

enum kind {
    PLAIN_BLOCKING,   /* webraft_chat */
    STREAM_BLOCKING,  /* webraft_chat_stream with a chunk callback */
    STREAM_POLLED,    /* webraft_chat_start, no callbacks, webraft_request_next */
    STREAM_CALLBACKS, /* webraft_chat_start with chunk and done callbacks */
    PLAIN_STARTED,    /* webraft_chat_start, no callbacks, webraft_request_wait */
    SEND_MODELS,      /* webraft_send GET /models */
    ERROR_500,        /* 500 from the server, no retries: HTTP_STATUS */
    CANCEL_IN_CHUNK,  /* stream cancelled by its chunk callback: CANCELLED */
};
static const char *const k_kind_names[] = {"plain blocking", "stream blocking", "stream polled", "stream callbacks",
                                           "plain started",  "send GET",        "error 500",     "cancel in chunk"};

static enum kind kind_of(long index) {
    if (index % 50 == 13) return ERROR_500;
    if (index % 50 == 37) return CANCEL_IN_CHUNK;
    return (enum kind)(index % 6);
}

/* Deltas gathered from chunks, to compare with the reply the server promises. */
struct gathered {
    char text[TEXT_MAX];
    size_t len;
    int broken;
    unsigned chunks;
    unsigned cancel_at; /* 0: never cancel */
    atomic_int done_calls;
};

static void gather(struct gathered *into, const char *chunk_json, size_t len) {
    char *text = NULL;
    size_t text_len = 0;
    if (webraft_chunk_text(chunk_json, len, &text, &text_len) != WEBRAFT_STATUS_OK ||
        into->len + text_len >= TEXT_MAX) {
        into->broken = 1;
    } else {
        memcpy(into->text + into->len, text, text_len);
        into->len += text_len;
        into->text[into->len] = '\0';
    }
    webraft_string_free(text);
}

static int on_chunk(void *user_data, const char *chunk_json, size_t len) {
    struct gathered *into = user_data;
    into->chunks++;
    if (into->cancel_at && into->chunks >= into->cancel_at) return 1;
    gather(into, chunk_json, len);
    return 0;
}

static void on_done(void *user_data, webraft_status status) {
    (void)status;
    struct gathered *into = user_data;
    atomic_fetch_add(&into->done_calls, 1);
}

/* Check an OK chat result's text, and the chunk deltas when there were chunks. */
static void expect_text(long index, webraft_result *result, const char *expected, const struct gathered *chunks) {
    webraft_status status = webraft_result_status(result);
    if (status != WEBRAFT_STATUS_OK) {
        FAIL(index, "%s: %s: %s", k_kind_names[kind_of(index)], webraft_status_name(status),
             webraft_result_error_message(result));
        return;
    }
    const char *text = webraft_result_text(result, NULL);
    if (!text || strcmp(text, expected) != 0)
        FAIL(index, "%s: text \"%s\", expected \"%s\"", k_kind_names[kind_of(index)], text ? text : "(null)",
             expected);
    if (chunks && (chunks->broken || strcmp(chunks->text, expected) != 0))
        FAIL(index, "%s: chunk deltas \"%s\", expected \"%s\"", k_kind_names[kind_of(index)], chunks->text,
             expected);
}

static void run_one(long index) {
    enum kind kind = kind_of(index);
    char said[64], expected[TEXT_MAX], body[TEXT_MAX];
    snprintf(said, sizeof said, "soak %ld", index);
    snprintf(expected, sizeof expected, "Hello! You said: %s", said);
    int stream = kind == STREAM_BLOCKING || kind == STREAM_POLLED || kind == STREAM_CALLBACKS || kind == CANCEL_IN_CHUNK;
    snprintf(body, sizeof body, "{\"model\":\"%s\",\"stream\":%s,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}",
             kind == ERROR_500 ? "error-500" : "gpt-4o", stream ? "true" : "false", said);
    struct gathered chunks;
    memset(&chunks, 0, sizeof chunks);
    atomic_init(&chunks.done_calls, 0);
    webraft_result *result = NULL;
    webraft_request *request = NULL;

    switch (kind) {
    case PLAIN_BLOCKING:
        result = webraft_chat(g_client, body, OPTIONS);
        expect_text(index, result, expected, NULL);
        break;
    case STREAM_BLOCKING:
        result = webraft_chat_stream(g_client, body, OPTIONS, on_chunk, &chunks);
        expect_text(index, result, expected, &chunks);
        break;
    case STREAM_POLLED: {
        if (webraft_chat_start(g_client, body, OPTIONS, WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request) != WEBRAFT_STATUS_OK) {
            FAIL(index, "start failed");
            break;
        }
        double deadline = now_seconds() + PER_REQUEST_WAIT_MS / 1000.0;
        webraft_event event = WEBRAFT_EVENT_PENDING;
        while (event != WEBRAFT_EVENT_DONE && now_seconds() < deadline) {
            char *chunk = NULL;
            size_t len = 0;
            if (webraft_request_next(request, 1000, &event, &chunk, &len) != WEBRAFT_STATUS_OK) break;
            if (event == WEBRAFT_EVENT_CHUNK) gather(&chunks, chunk, len);
            webraft_string_free(chunk);
        }
        if (event != WEBRAFT_EVENT_DONE) {
            FAIL(index, "polled stream not done within %d ms", PER_REQUEST_WAIT_MS);
            break;
        }
        result = webraft_request_take_result(request);
        expect_text(index, result, expected, &chunks);
        break;
    }
    case STREAM_CALLBACKS:
        if (webraft_chat_start(g_client, body, OPTIONS, WEBRAFT_DELIVERY_CALLBACK, on_chunk, on_done, &chunks, &request) !=
            WEBRAFT_STATUS_OK) {
            FAIL(index, "start failed");
            break;
        }
        if (!webraft_request_wait(request, PER_REQUEST_WAIT_MS)) {
            FAIL(index, "stream with callbacks not done within %d ms", PER_REQUEST_WAIT_MS);
            webraft_request_cancel(request);
        }
        /* The done callback may still be on its way; `chunks` lives on this stack until it has run. */
        for (int i = 0; i < 10000 && atomic_load(&chunks.done_calls) == 0; i++) usleep(1000);
        if (atomic_load(&chunks.done_calls) == 0) {
            fprintf(stderr, "soak: request %ld: done callback never came, even after cancel\n", index);
            _exit(1);
        }
        if (atomic_load(&chunks.done_calls) != 1) FAIL(index, "done called %d times", atomic_load(&chunks.done_calls));
        result = webraft_request_take_result(request);
        expect_text(index, result, expected, &chunks);
        break;
    case PLAIN_STARTED:
        if (webraft_chat_start(g_client, body, OPTIONS, WEBRAFT_DELIVERY_NONE, NULL, NULL, NULL, &request) != WEBRAFT_STATUS_OK) {
            FAIL(index, "start failed");
            break;
        }
        if (!webraft_request_wait(request, PER_REQUEST_WAIT_MS)) {
            FAIL(index, "started request not done within %d ms", PER_REQUEST_WAIT_MS);
            break;
        }
        result = webraft_request_take_result(request);
        expect_text(index, result, expected, NULL);
        break;
    case SEND_MODELS: {
        result = webraft_send(g_client, "GET", "/models", NULL, OPTIONS);
        const char *json = webraft_result_json(result, NULL);
        if (webraft_result_status(result) != WEBRAFT_STATUS_OK || !json || !strstr(json, "\"id\":\"gpt-4o-mini\""))
            FAIL(index, "GET /models: %s: %s", webraft_status_name(webraft_result_status(result)),
                 json ? json : webraft_result_error_message(result));
        break;
    }
    case ERROR_500: {
        result = webraft_chat(g_client, body, "{\"timeout_ms\":30000,\"max_retries\":0}");
        const char *type = webraft_result_error_type(result);
        if (webraft_result_status(result) != WEBRAFT_STATUS_HTTP_STATUS || webraft_result_http_status(result) != 500 ||
            !type || strcmp(type, "server_error") != 0)
            FAIL(index, "error-500: %s, HTTP %u, type %s", webraft_status_name(webraft_result_status(result)),
                 webraft_result_http_status(result), type ? type : "(null)");
        break;
    }
    case CANCEL_IN_CHUNK:
        chunks.cancel_at = 2; /* after the role chunk, at the first content chunk */
        result = webraft_chat_stream(g_client, body, OPTIONS, on_chunk, &chunks);
        if (webraft_result_status(result) != WEBRAFT_STATUS_CANCELLED)
            FAIL(index, "cancel in chunk: %s", webraft_status_name(webraft_result_status(result)));
        break;
    }
    webraft_result_free(result);
    webraft_request_free(request);
    atomic_fetch_add(&g_counts[kind], 1);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        pthread_barrier_wait(&g_round_start);
        if (g_finished) return NULL;
        for (long index; (index = atomic_fetch_add(&g_next, 1)) < g_round_end;) run_one(index);
        pthread_barrier_wait(&g_round_done);
    }
}

static void on_watchdog(int signal_number) {
    (void)signal_number;
    static const char message[] = "soak: deadline passed: a hang, or the machine is too slow for this size\n";
    if (write(2, message, sizeof message - 1) < 0) _exit(3);
    _exit(3);
}

struct sample {
    long requests;
    double elapsed;
    double round_rate;
    long rss_kib;
    struct fd_count fds;
};

int main(void) {
    const char *url = getenv("WEBRAFT_TEST_URL");
    if (!url) {
        fputs("WEBRAFT_TEST_URL is not set\n", stderr);
        return 2;
    }
    long total = env_number("SOAK_REQUESTS", 200000);
    long threads = env_number("SOAK_THREADS", 16);
    long round = env_number("SOAK_ROUND", 10000);
    long warmup = env_number("SOAK_WARMUP", 20000);
    long rss_percent = env_number("SOAK_RSS_PERCENT", 10);
    long deadline_s = env_number("SOAK_DEADLINE_S", 900);
    long fd_slack = env_number("SOAK_FD_SLACK", threads);
    if (total <= 0 || threads <= 0 || round <= 0 || warmup < round || warmup % round || total % round ||
        warmup >= total) {
        fputs("need SOAK_ROUND > 0 dividing SOAK_WARMUP and SOAK_REQUESTS, and SOAK_WARMUP < SOAK_REQUESTS\n",
              stderr);
        return 2;
    }
    signal(SIGALRM, on_watchdog);
    alarm((unsigned)deadline_s);

    char config[512];
    snprintf(config, sizeof config, "{\"api_key\":\"test-key\",\"base_url\":\"%s/v1\"}", url);
    webraft_result *error = NULL;
    if (webraft_client_new(config, &g_client, &error) != WEBRAFT_STATUS_OK) {
        fprintf(stderr, "cannot create client: %s\n", webraft_result_error_message(error));
        webraft_result_free(error);
        return 2;
    }
    printf("soak: %ld requests, %ld threads, one client; sample every %ld, warm-up %ld, RSS band +-%ld%%, "
           "socket slack %ld\n",
           total, threads, round, warmup, rss_percent, fd_slack);
    pthread_barrier_init(&g_round_start, NULL, (unsigned)threads + 1);
    pthread_barrier_init(&g_round_done, NULL, (unsigned)threads + 1);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    for (long t = 0; t < threads; t++) pthread_create(&ids[t], NULL, worker, NULL);

    long rounds = total / round;
    struct sample *samples = calloc((size_t)rounds, sizeof *samples);
    struct fd_count fds_start = count_fds();
    long rss_start = status_kib("VmRSS");
    double start = now_seconds(), cpu_start = own_cpu_seconds();
    printf("%9s %9s %8s %10s %9s %6s %8s\n", "requests", "elapsed_s", "req/s", "rss_kib", "rss_vs_ref", "fds",
           "sockets");
    printf("%9d %9.1f %8s %10ld %9s %6ld %8ld\n", 0, 0.0, "-", rss_start, "-", fds_start.total, fds_start.sockets);
    long reference = warmup / round - 1;
    for (long r = 0; r < rounds; r++) {
        double round_start = now_seconds();
        g_round_end = (r + 1) * round;
        pthread_barrier_wait(&g_round_start);
        pthread_barrier_wait(&g_round_done);
        /* Claims past the round's end did not run: hand their indexes out again. */
        atomic_store(&g_next, g_round_end);
        double now = now_seconds();
        samples[r] = (struct sample){g_round_end, now - start, (double)round / (now - round_start),
                                     status_kib("VmRSS"), count_fds()};
        char versus[16] = "warm-up";
        if (r >= reference)
            snprintf(versus, sizeof versus, "%+.1f%%",
                     100.0 * (double)(samples[r].rss_kib - samples[reference].rss_kib) /
                         (double)samples[reference].rss_kib);
        printf("%9ld %9.1f %8.0f %10ld %9s %6ld %8ld\n", samples[r].requests, samples[r].elapsed,
               samples[r].round_rate, samples[r].rss_kib, versus, samples[r].fds.total, samples[r].fds.sockets);
        fflush(stdout);
    }
    g_finished = 1;
    pthread_barrier_wait(&g_round_start);
    for (long t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    double wall = now_seconds() - start, cpu = own_cpu_seconds() - cpu_start;

    webraft_client_free(g_client);

    long rss_failures = 0, fd_failures = 0;
    const struct sample *ref = &samples[reference];
    long rss_min = ref->rss_kib, rss_max = ref->rss_kib;
    long other_ref = ref->fds.total - ref->fds.sockets, other_max = other_ref, sockets_max = ref->fds.sockets;
    for (long r = reference + 1; r < rounds; r++) {
        const struct sample *s = &samples[r];
        if (s->rss_kib < rss_min) rss_min = s->rss_kib;
        if (s->rss_kib > rss_max) rss_max = s->rss_kib;
        long other = s->fds.total - s->fds.sockets;
        if (other > other_max) other_max = other;
        if (s->fds.sockets > sockets_max) sockets_max = s->fds.sockets;
        if (labs(s->rss_kib - ref->rss_kib) * 100 > ref->rss_kib * rss_percent) rss_failures++;
        if (other > other_ref || s->fds.sockets > ref->fds.sockets + fd_slack) fd_failures++;
    }
    long failures = atomic_load(&g_failures);
    printf("soak: %ld requests in %.1f s (%.0f req/s), client CPU %.1f s\n", total, wall, (double)total / wall,
           cpu);
    printf("soak: per kind:");
    for (int k = 0; k < 8; k++) printf(" %s %ld%s", k_kind_names[k], atomic_load(&g_counts[k]), k < 7 ? "," : "\n");
    printf("soak: after warm-up, VmRSS %ld..%ld KiB against reference %ld KiB (%+.1f%%..%+.1f%%): %s\n", rss_min,
           rss_max, ref->rss_kib, 100.0 * (double)(rss_min - ref->rss_kib) / (double)ref->rss_kib,
           100.0 * (double)(rss_max - ref->rss_kib) / (double)ref->rss_kib, rss_failures ? "FAIL" : "ok");
    printf("soak: after warm-up, non-socket descriptors at most %ld against reference %ld; sockets at most %ld "
           "against reference %ld + slack %ld: %s\n",
           other_max, other_ref, sockets_max, ref->fds.sockets, fd_slack, fd_failures ? "FAIL" : "ok");
    printf("soak: request failures %ld\n", failures);
    int passed = (failures == 0) + (rss_failures == 0) + (fd_failures == 0);
    printf("%d passed, %d failed\n", passed, 3 - passed);
    free(samples);
    free(ids);
    return passed == 3 ? 0 : 1;
}
