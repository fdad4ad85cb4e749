/*
 * callback_loop.c: a native caller for the per-chunk benchmark. It calls a chunk callback
 * (webraft_chunk_callback's signature) N times on a thread of its own, as the library's worker
 * threads do, and reports the wall and thread-CPU nanoseconds per call. With no network and no
 * parsing in the way, the difference between a C callback and a C# one is the cost of the C#
 * layer alone. Built as a shared library and called from Bench.cs.
 */
#define _POSIX_C_SOURCE 200809L
#include "webraft.h"

#include <pthread.h>
#include <time.h>

struct job {
    webraft_chunk_callback callback;
    void *user_data;
    const char *chunk;
    size_t len;
    long calls;
    double wall_ns;
    double cpu_ns;
};

static double clock_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void *run(void *arg) {
    struct job *job = arg;
    /* Warm-up on this thread: the first callback attaches it to the managed runtime. */
    for (long i = 0; i < job->calls / 10 + 1; i++)
        job->callback(job->user_data, job->chunk, job->len);
    double wall = clock_ns(CLOCK_MONOTONIC), cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < job->calls; i++)
        job->callback(job->user_data, job->chunk, job->len);
    job->wall_ns = (clock_ns(CLOCK_MONOTONIC) - wall) / job->calls;
    job->cpu_ns = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu) / job->calls;
    return NULL;
}

/* Calls `callback` `calls` times on a new thread; writes nanoseconds per call. 0 on success. */
int callback_loop(webraft_chunk_callback callback, void *user_data, const char *chunk, size_t len, long calls,
                  double *wall_ns, double *cpu_ns) {
    struct job job = {callback, user_data, chunk, len, calls, 0, 0};
    pthread_t thread;
    if (pthread_create(&thread, NULL, run, &job) != 0 || pthread_join(thread, NULL) != 0)
        return -1;
    *wall_ns = job.wall_ns;
    *cpu_ns = job.cpu_ns;
    return 0;
}

static int c_count(void *user_data, const char *chunk_json, size_t len) {
    (void)chunk_json;
    (void)len;
    ++*(long *)user_data;
    return 0;
}

static int c_text(void *user_data, const char *chunk_json, size_t len) {
    char *text = NULL;
    size_t text_len = 0;
    if (webraft_chunk_text(chunk_json, len, &text, &text_len) == WEBRAFT_STATUS_OK)
        *(long *)user_data += (long)text_len;
    webraft_string_free(text);
    return 0;
}

/* The C baselines: count the call, or also extract the delta text. */
webraft_chunk_callback callback_loop_c_count(void) { return c_count; }
webraft_chunk_callback callback_loop_c_text(void) { return c_text; }
