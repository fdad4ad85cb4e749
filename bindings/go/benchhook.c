//go:build webraft_bench

// Benchmark support, built only with -tags webraft_bench: a C thread that
// stands in for a library worker and calls a chunk callback at a set pace:
// the binding's own callback (into Go); a C one doing the baseline work of a
// C program (take the delta text, count it); or a C one handing each chunk to
// a reader thread through a bounded queue, as a C program with a pull-style
// reader would (the C counterpart of Stream.Next).
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bridge.h"

enum { TO_C = 0, TO_GO = 1, TO_C_READER = 2, QUEUE = 64 };

struct feed {
    pthread_t thread;
    pthread_t reader;
    pthread_mutex_t mu;
    pthread_cond_t changed;
    char *queue[QUEUE];
    long head, tail;
    int fed_all;
    void *user_data; /* the Go stream's handle, when to_go */
    char *chunk;
    size_t len;
    long n;
    long gap_ns;
    int mode;
    size_t text_bytes;
};

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void tally(struct feed *f, const char *chunk) {
    char *text = NULL;
    size_t text_len = 0;
    if (webraft_chunk_text(chunk, f->len, &text, &text_len) == WEBRAFT_STATUS_OK) f->text_bytes += text_len;
    webraft_string_free(text);
}

/* The chunk callback of the C pull-style reader: copy, queue, signal. */
static void enqueue(struct feed *f) {
    char *copy = malloc(f->len + 1);
    memcpy(copy, f->chunk, f->len + 1);
    pthread_mutex_lock(&f->mu);
    while (f->tail - f->head == QUEUE) pthread_cond_wait(&f->changed, &f->mu);
    f->queue[f->tail++ % QUEUE] = copy;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->mu);
}

static void *reader_run(void *arg) {
    struct feed *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        while (f->head == f->tail && !f->fed_all) pthread_cond_wait(&f->changed, &f->mu);
        if (f->head == f->tail) {
            pthread_mutex_unlock(&f->mu);
            return NULL;
        }
        char *chunk = f->queue[f->head++ % QUEUE];
        pthread_cond_broadcast(&f->changed);
        pthread_mutex_unlock(&f->mu);
        tally(f, chunk);
        free(chunk);
    }
}

static void *feed_run(void *arg) {
    struct feed *f = arg;
    for (long i = 0; i < f->n; i++) {
        /* A busy wait, like a worker busy receiving and parsing the next chunk. */
        long until = now_ns() + f->gap_ns;
        while (f->gap_ns > 0 && now_ns() < until) {
        }
        switch (f->mode) {
        case TO_GO: webraft_go_on_chunk(f->user_data, f->chunk, f->len); break;
        case TO_C_READER: enqueue(f); break;
        default: tally(f, f->chunk);
        }
    }
    if (f->mode == TO_GO) webraft_go_on_done(f->user_data, WEBRAFT_STATUS_OK);
    pthread_mutex_lock(&f->mu);
    f->fed_all = 1;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* Starts feeding n copies of chunk (copied: C keeps no Go memory). */
void *webraft_go_bench_feed(uintptr_t handle, const char *chunk, size_t len, long n, long gap_ns, int mode) {
    struct feed *f = calloc(1, sizeof *f);
    f->user_data = (void *)handle;
    f->chunk = malloc(len + 1);
    memcpy(f->chunk, chunk, len + 1);
    f->len = len;
    f->n = n;
    f->gap_ns = gap_ns;
    f->mode = mode;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->changed, NULL);
    if (mode == TO_C_READER) pthread_create(&f->reader, NULL, reader_run, f);
    pthread_create(&f->thread, NULL, feed_run, f);
    return f;
}

/* Waits for the feed (and its reader) to end and frees it; returns the C tally's text bytes. */
size_t webraft_go_bench_join(void *feed) {
    struct feed *f = feed;
    pthread_join(f->thread, NULL);
    if (f->mode == TO_C_READER) pthread_join(f->reader, NULL);
    pthread_cond_destroy(&f->changed);
    pthread_mutex_destroy(&f->mu);
    size_t text_bytes = f->text_bytes;
    free(f->chunk);
    free(f);
    return text_bytes;
}
