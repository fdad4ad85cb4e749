/*
 * Concurrency stress: many threads share one client and mix plain and
 * streaming requests, cancels at random points, frees while in flight, frees
 * from inside callbacks, and polling and waiting on one request from two
 * threads; uploads of one form shared by every thread, and downloads whose
 * pieces are cancelled, polled or freed mid-flight. A watchdog turns a
 * deadlock into a failure; ASan/valgrind catch leaks and races on memory.
 *
 * Environment: WEBRAFT_TEST_URL (required), STRESS_THREADS (default 8),
 * STRESS_OPS (per thread, default 500), STRESS_SEED, STRESS_WATCHDOG_S (default 300).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "webraft.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const k_models[] = {"gpt-4o", "trickle-5", "big-chunks-40", "disconnect", "error-chunk"};
#define MODEL_COUNT (sizeof k_models / sizeof k_models[0])

static webraft_client *g_client;
/* One form every thread sends at once (sending only reads it). */
static webraft_form *g_form;
static atomic_long g_failures;
static atomic_long g_started_with_done;
static atomic_long g_done_calls;
static atomic_long g_ops;

#define FAIL(...)                                                                 \
    do {                                                                          \
        fprintf(stderr, "stress failure at %s:%d: ", __FILE__, __LINE__);         \
        fprintf(stderr, __VA_ARGS__);                                             \
        fputc('\n', stderr);                                                      \
        atomic_fetch_add(&g_failures, 1);                                         \
    } while (0)

static unsigned next_random(unsigned *state) {
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

static void request_json(char *out, size_t size, const char *model, int stream) {
    snprintf(out, size,
             "{\"model\":\"%s\",\"stream\":%s,\"messages\":[{\"role\":\"user\",\"content\":\"stress\"}]}",
             model, stream ? "true" : "false");
}

/* Statuses any mixed operation may legitimately end with. */
static int acceptable(webraft_status status) {
    return status == WEBRAFT_STATUS_OK || status == WEBRAFT_STATUS_CANCELLED ||
           status == WEBRAFT_STATUS_TRANSPORT || status == WEBRAFT_STATUS_STREAM_ERROR;
}

static void check_result(webraft_result *result, const char *what) {
    if (!result) {
        FAIL("%s: no result", what);
        return;
    }
    webraft_status status = webraft_result_status(result);
    if (!acceptable(status))
        FAIL("%s: unexpected %s: %s", what, webraft_status_name(status), webraft_result_error_message(result));
    webraft_result_free(result);
}

struct cancel_after {
    unsigned chunks_left;
};

static int cancel_after_chunk(void *user_data, const char *chunk_json, size_t len) {
    struct cancel_after *state = user_data;
    if (strlen(chunk_json) != len) FAIL("chunk length mismatch");
    if (state->chunks_left == 0) return 1;
    state->chunks_left--;
    return 0;
}

/* State shared by a started request's callbacks and its starter. */
struct tracked {
    /* The handle, once the starter publishes it; HANDED_OFF once done has run. */
    _Atomic(webraft_request *) handle;
    atomic_int refs;
    atomic_int done_calls;
    unsigned cancel_at_chunk;
    unsigned chunks;
};
#define HANDED_OFF ((webraft_request *)1)

static struct tracked *tracked_new(int refs, unsigned cancel_at_chunk) {
    struct tracked *state = calloc(1, sizeof *state);
    atomic_init(&state->handle, NULL);
    atomic_init(&state->refs, refs);
    state->cancel_at_chunk = cancel_at_chunk;
    return state;
}

static void tracked_release(struct tracked *state) {
    if (atomic_fetch_sub(&state->refs, 1) == 1) free(state);
}

static void free_request_and_result(webraft_request *request) {
    webraft_result_free(webraft_request_take_result(request));
    webraft_request_free(request);
}

static int tracked_chunk(void *user_data, const char *chunk_json, size_t len) {
    struct tracked *state = user_data;
    (void)chunk_json;
    (void)len;
    if (atomic_load(&state->done_calls) != 0) FAIL("chunk after done");
    return ++state->chunks > state->cancel_at_chunk;
}

static void tracked_done(void *user_data, webraft_status status) {
    struct tracked *state = user_data;
    if (atomic_fetch_add(&state->done_calls, 1) != 0) FAIL("done called twice");
    if (!acceptable(status)) FAIL("done with %s", webraft_status_name(status));
    atomic_fetch_add(&g_done_calls, 1);
    /* If the starter already published the handle, free it here, inside the callback. */
    webraft_request *request = atomic_exchange(&state->handle, HANDED_OFF);
    if (request) free_request_and_result(request);
    tracked_release(state);
}

static void op_blocking(unsigned *rng) {
    char body[256];
    request_json(body, sizeof body, k_models[next_random(rng) % MODEL_COUNT], 0);
    check_result(webraft_chat(g_client, body, NULL), "blocking chat");
}

static void op_stream_callback_cancel(unsigned *rng) {
    char body[256];
    request_json(body, sizeof body, k_models[next_random(rng) % MODEL_COUNT], 1);
    struct cancel_after state = {next_random(rng) % 8};
    check_result(webraft_chat_stream(g_client, body, NULL, cancel_after_chunk, &state), "stream");
}

static void op_poll_with_random_cancel(unsigned *rng) {
    char body[256];
    request_json(body, sizeof body, k_models[next_random(rng) % MODEL_COUNT], 1);
    webraft_request *request = NULL;
    if (webraft_chat_start(g_client, body, NULL, WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request) != WEBRAFT_STATUS_OK) {
        FAIL("start failed");
    }
    unsigned cancel_at = next_random(rng) % 12;
    for (unsigned polled = 0;; polled++) {
        if (polled == cancel_at) webraft_request_cancel(request);
        webraft_event event;
        char *chunk = NULL;
        size_t len = 0;
        if (webraft_request_next(request, 1000, &event, &chunk, &len) != WEBRAFT_STATUS_OK) {
            FAIL("next failed");
            break;
        }
        webraft_string_free(chunk);
        if (event == WEBRAFT_EVENT_DONE) break;
    }
    check_result(webraft_request_take_result(request), "polled stream");
    webraft_request_free(request);
}

static void op_free_in_flight(unsigned *rng) {
    char body[256];
    request_json(body, sizeof body, k_models[next_random(rng) % MODEL_COUNT], 1);
    struct tracked *state = tracked_new(1, 1000);
    webraft_request *request = NULL;
    atomic_fetch_add(&g_started_with_done, 1);
    if (webraft_chat_start(g_client, body, NULL, WEBRAFT_DELIVERY_CALLBACK, tracked_chunk, tracked_done, state, &request) != WEBRAFT_STATUS_OK)
        FAIL("start failed");
    if (next_random(rng) % 2) usleep(next_random(rng) % 3000);
    webraft_request_free(request);
}

static void op_free_inside_done(unsigned *rng) {
    char body[256];
    request_json(body, sizeof body, k_models[next_random(rng) % MODEL_COUNT], next_random(rng) % 2);
    struct tracked *state = tracked_new(2, next_random(rng) % 6);
    webraft_request *request = NULL;
    atomic_fetch_add(&g_started_with_done, 1);
    if (webraft_chat_start(g_client, body, NULL, WEBRAFT_DELIVERY_CALLBACK, tracked_chunk, tracked_done, state, &request) != WEBRAFT_STATUS_OK)
        FAIL("start failed");
    /* Whoever comes second frees the handle: the done callback, or we if it already ran. */
    if (atomic_exchange(&state->handle, request) == HANDED_OFF) free_request_and_result(request);
    tracked_release(state);
}

struct waiter_args {
    webraft_request *request;
    int finished;
};

static void *wait_forever(void *arg) {
    struct waiter_args *args = arg;
    args->finished = webraft_request_wait(args->request, WEBRAFT_WAIT_FOREVER);
    return NULL;
}

static void op_poll_and_wait_from_two_threads(unsigned *rng) {
    char body[256];
    request_json(body, sizeof body, k_models[next_random(rng) % 3], 1);
    webraft_request *request = NULL;
    if (webraft_chat_start(g_client, body, NULL, WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request) != WEBRAFT_STATUS_OK)
        FAIL("start failed");
    struct waiter_args args = {request, 0};
    pthread_t waiter;
    pthread_create(&waiter, NULL, wait_forever, &args);
    for (;;) {
        webraft_event event;
        char *chunk = NULL;
        webraft_request_next(request, 1000, &event, &chunk, NULL);
        webraft_string_free(chunk);
        if (event == WEBRAFT_EVENT_DONE) break;
    }
    pthread_join(waiter, NULL);
    if (!args.finished) FAIL("waiter did not see the request finish");
    check_result(webraft_request_take_result(request), "poll+wait");
    webraft_request_free(request);
}

/* The shared form: sent blocking, streamed with a cancel, or started and freed in flight. */
static void op_shared_form(unsigned *rng) {
    webraft_request *request = NULL;
    switch (next_random(rng) % 3) {
    case 0: check_result(webraft_send_form(g_client, "/audio/transcriptions", g_form, NULL), "form"); break;
    case 1:
        if (webraft_send_form_stream_start(g_client, "/audio/transcriptions", g_form, NULL, WEBRAFT_DELIVERY_POLL, NULL,
                                           NULL, NULL, &request) != WEBRAFT_STATUS_OK)
            FAIL("form stream start failed");
        if (next_random(rng) % 2) webraft_request_cancel(request);
        webraft_request_wait(request, 0);
        webraft_request_free(request); /* freed with its queue unread: no leak, no hang */
        break;
    default:
        if (webraft_send_form_start(g_client, "/audio/transcriptions", g_form, NULL, NULL, NULL, &request) !=
            WEBRAFT_STATUS_OK)
            FAIL("form start failed");
        usleep(next_random(rng) % 2000);
        webraft_request_free(request);
    }
}

static int stop_after_pieces(void *user_data, const uint8_t *data, size_t len) {
    unsigned *left = user_data;
    if (len == 0 || data == NULL) FAIL("empty piece");
    return (*left)-- == 0;
}

/* Speech in pieces: a callback that stops at a random piece, or a poll with a random cancel. */
static void op_download_pieces(unsigned *rng) {
    const char *body = next_random(rng) % 4 ? "{\"model\":\"tts-1\",\"input\":\"a stress line\",\"voice\":\"v\"}"
                                              : "{\"model\":\"tts-cut\",\"input\":\"a stress line\",\"voice\":\"v\"}";
    unsigned left = next_random(rng) % 6;
    if (next_random(rng) % 2) {
        webraft_request *request = NULL;
        if (webraft_download_start(g_client, "POST", "/audio/speech", body, NULL, WEBRAFT_DELIVERY_CALLBACK,
                                   stop_after_pieces, NULL, &left, &request) != WEBRAFT_STATUS_OK)
            FAIL("download start failed");
        webraft_request_wait(request, WEBRAFT_WAIT_FOREVER);
        free_request_and_result(request);
        return;
    }
    webraft_request *request = NULL;
    if (webraft_download_start(g_client, "POST", "/audio/speech", body, NULL, WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL,
                               &request) != WEBRAFT_STATUS_OK)
        FAIL("download start failed");
    for (unsigned polled = 0;; polled++) {
        if (polled == left) webraft_request_cancel(request);
        webraft_event event;
        uint8_t *data = NULL;
        size_t len = 0;
        if (webraft_request_next_bytes(request, 1000, &event, &data, &len) != WEBRAFT_STATUS_OK) FAIL("next_bytes failed");
        webraft_bytes_free(data, len);
        if (event == WEBRAFT_EVENT_DONE) break;
    }
    check_result(webraft_request_take_result(request), "polled download");
    webraft_request_free(request);
}

static void (*const k_ops[])(unsigned *) = {
    op_blocking,       op_stream_callback_cancel, op_poll_with_random_cancel,
    op_free_in_flight, op_free_inside_done,       op_poll_and_wait_from_two_threads,
    op_shared_form,    op_download_pieces,
};
#define OP_COUNT (sizeof k_ops / sizeof k_ops[0])

struct worker_args {
    unsigned seed;
    long ops;
};

static void *worker(void *arg) {
    struct worker_args *args = arg;
    unsigned rng = args->seed;
    for (long i = 0; i < args->ops; i++) {
        k_ops[next_random(&rng) % OP_COUNT](&rng);
        atomic_fetch_add(&g_ops, 1);
    }
    return NULL;
}

static void on_watchdog(int signal_number) {
    (void)signal_number;
    static const char message[] = "stress: watchdog fired: deadlock or hang\n";
    if (write(2, message, sizeof message - 1) < 0) _exit(3);
    _exit(3);
}

static long env_number(const char *name, long fallback) {
    const char *text = getenv(name);
    return text && *text ? strtol(text, NULL, 10) : fallback;
}

/* Free the client with requests in flight: each must end CANCELLED, promptly. */
static void free_client_with_requests_in_flight(void) {
    enum { IN_FLIGHT = 16 };
    webraft_request *requests[IN_FLIGHT];
    for (int i = 0; i < IN_FLIGHT; i++) {
        const char *body = "{\"model\":\"stall-headers\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        if (webraft_chat_start(g_client, body, "{\"max_retries\":0}", WEBRAFT_DELIVERY_NONE, NULL, NULL, NULL, &requests[i]) != WEBRAFT_STATUS_OK)
            FAIL("start failed");
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    webraft_client_free(g_client);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double free_ms = (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6;
    if (free_ms > 1000) FAIL("client free took %.1f ms", free_ms);
    for (int i = 0; i < IN_FLIGHT; i++) {
        if (!webraft_request_wait(requests[i], 10000)) FAIL("request %d still running after client free", i);
        webraft_result *result = webraft_request_take_result(requests[i]);
        if (webraft_result_status(result) != WEBRAFT_STATUS_CANCELLED)
            FAIL("request %d ended %s", i, webraft_status_name(webraft_result_status(result)));
        webraft_result_free(result);
        webraft_request_free(requests[i]);
    }
}

int main(void) {
    const char *url = getenv("WEBRAFT_TEST_URL");
    if (!url) {
        fputs("WEBRAFT_TEST_URL is not set\n", stderr);
        return 2;
    }
    long threads = env_number("STRESS_THREADS", 8);
    long ops = env_number("STRESS_OPS", 500);
    unsigned seed = (unsigned)env_number("STRESS_SEED", (long)time(NULL));
    signal(SIGALRM, on_watchdog);
    alarm((unsigned)env_number("STRESS_WATCHDOG_S", 300));

    char config[512];
    snprintf(config, sizeof config, "{\"api_key\":\"test-key\",\"base_url\":\"%s/v1\",\"max_retries\":0}", url);
    if (webraft_client_new(config, &g_client, NULL) != WEBRAFT_STATUS_OK) {
        fputs("cannot create client\n", stderr);
        return 2;
    }
    g_form = webraft_form_new();
    webraft_form_add_text(g_form, "model", "whisper-1");
    static const uint8_t audio[4096];
    webraft_form_add_file_bytes(g_form, "file", audio, sizeof audio, "silence.wav", "audio/wav");
    printf("stress: %ld threads x %ld operations, seed %u\n", threads, ops, seed);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    struct worker_args *args = calloc((size_t)threads, sizeof *args);
    for (long t = 0; t < threads; t++) {
        args[t] = (struct worker_args){seed + (unsigned)t * 7919u, ops};
        pthread_create(&ids[t], NULL, worker, &args[t]);
    }
    for (long t = 0; t < threads; t++) pthread_join(ids[t], NULL);

    /* Done callbacks may still be running for requests freed in flight. */
    for (int i = 0; i < 2000 && atomic_load(&g_done_calls) < atomic_load(&g_started_with_done); i++) usleep(5000);
    if (atomic_load(&g_done_calls) != atomic_load(&g_started_with_done))
        FAIL("%ld done callbacks for %ld started requests", atomic_load(&g_done_calls),
             atomic_load(&g_started_with_done));
    free_client_with_requests_in_flight();
    webraft_form_free(g_form);
    free(ids);
    free(args);

    long failures = atomic_load(&g_failures);
    printf("stress: %ld operations, %ld done callbacks, %ld failures\n", atomic_load(&g_ops),
           atomic_load(&g_done_calls), failures);
    printf("%d passed, %d failed\n", failures == 0, failures != 0);
    return failures == 0 ? 0 : 1;
}
