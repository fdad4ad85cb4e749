/*
 * check.h: the tiny test framework and shared helpers of the webraft C ABI tests.
 *
 * Each test is a `void fn(void)`. CHECK macros record a failure (with file:line)
 * against the running test and carry on; they may be used from any thread,
 * including library worker threads inside callbacks. Include this header first
 * in every test file: it selects POSIX 2008 for pthreads, clocks and sockets.
 */
#ifndef WEBRAFT_TEST_CHECK_H
#define WEBRAFT_TEST_CHECK_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "webraft.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- framework ---------------------------------------------------------- */

typedef void (*test_fn)(void);

struct test_case {
    const char *name;
    test_fn fn;
};

#define TEST_ENTRY(fn) { #fn, fn }

/* Records one failed check against the running test (thread-safe). */
void check_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#define CHECK(cond) \
    ((cond) ? (void)0 : check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond))

/* CHECK_MSG(cond, fmt, args...): like CHECK, with a printf-style explanation. */
#define CHECK_MSG(cond, ...) \
    ((cond) ? (void)0 : check_fail(__FILE__, __LINE__, __VA_ARGS__))

#define CHECK_INT_EQ(actual, expected) \
    check_int_eq(__FILE__, __LINE__, #actual, (long long)(actual), (long long)(expected))

/* Both may be NULL; NULL equals only NULL. */
#define CHECK_STR_EQ(actual, expected) \
    check_str_eq(__FILE__, __LINE__, #actual, (actual), (expected))

/* `haystack` must be non-NULL and contain `needle`. */
#define CHECK_CONTAINS(haystack, needle) \
    check_contains(__FILE__, __LINE__, #haystack, (haystack), (needle))

#define CHECK_NULL(p) \
    (((p) == NULL) ? (void)0 : check_fail(__FILE__, __LINE__, "expected NULL: %s", #p))
#define CHECK_NOT_NULL(p) \
    (((p) != NULL) ? (void)0 : check_fail(__FILE__, __LINE__, "unexpected NULL: %s", #p))

/* Compare two status values, printing both names. */
#define CHECK_STATUS_EQ(actual, expected) \
    check_status_eq(__FILE__, __LINE__, #actual, (uint32_t)(actual), (uint32_t)(expected), NULL)

/* The result's status, printing its error message when it differs. NULL result fails. */
#define CHECK_RESULT_STATUS(result, expected) \
    check_result_status(__FILE__, __LINE__, #result, (result), (uint32_t)(expected))

void check_int_eq(const char *file, int line, const char *expr, long long actual, long long expected);
void check_str_eq(const char *file, int line, const char *expr, const char *actual, const char *expected);
void check_contains(const char *file, int line, const char *expr, const char *haystack, const char *needle);
void check_status_eq(const char *file, int line, const char *expr, uint32_t actual, uint32_t expected,
                     const char *detail);
void check_result_status(const char *file, int line, const char *expr, const webraft_result *result,
                         uint32_t expected);

/* ---- environment and timing -------------------------------------------- */

/* WEBRAFT_TEST_SLOW=1: running under valgrind; strict timing limits are relaxed. */
extern bool g_slow;
/* WEBRAFT_TEST_URL, e.g. "http://127.0.0.1:PORT" (no trailing slash). */
extern const char *g_server;

/* Monotonic clock in milliseconds. */
double now_ms(void);
void sleep_ms(unsigned ms);

/* A limit for "finishes within" checks that must survive valgrind (x20 when slow). */
unsigned generous_ms(unsigned ms);
/* A strict timing limit ("cancel returns within 50 ms"); relaxed (x40) when slow. */
double strict_ms(double ms);

/* ---- helpers ------------------------------------------------------------ */

/* "<server><base>" into buf, e.g. base "/v1". */
void make_url(char *buf, size_t size, const char *base);

/* A client for the test server under `base` with api_key test-key; `extra` is
 * appended inside the config object (e.g. ",\"max_retries\":0"), may be NULL. */
webraft_client *new_client(const char *base, const char *extra);
/* As new_client, with an explicit api key. */
webraft_client *new_client_key(const char *base, const char *api_key, const char *extra);

/* A model name unique to this process and call, for flaky-<k>-<tag> (the server counts
 * those per exact name for its lifetime, and the suite runs twice against one server). */
void unique_model(char *buf, size_t size, const char *prefix);

/* {"model":M,"messages":[{"role":"user","content":P}]} (plus "stream":true). P must not need escaping. */
void chat_body(char *buf, size_t size, const char *model, const char *prompt, bool stream);

/* A growable byte buffer, always NUL-terminated. */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};
void buf_append(struct buf *b, const char *s, size_t n);
void buf_free(struct buf *b);
static inline const char *buf_str(const struct buf *b) { return b->data ? b->data : ""; }

/* Append the text chunk_json adds (via webraft_chunk_text) to out; checks the call. */
void append_chunk_text(struct buf *out, const char *chunk_json, size_t len);

/* A port on 127.0.0.1 that refuses connections (bound, then closed). */
int refused_port(void);

/* Wait for *flag != 0 under mutex/cond, up to timeout_ms. Returns whether it was set. */
bool wait_flag(pthread_mutex_t *mutex, pthread_cond_t *cond, const int *flag, unsigned timeout_ms);

/* A loopback server answering each of `connections` connections with the raw
 * bytes `response`, after reading one HTTP request if `read_request`, else at once.
 * `request_line` holds the last request line read; read it after mini_server_stop. */
struct mini_server {
    int listen_fd;
    int port;
    const char *response;
    size_t response_len;
    int connections;
    bool read_request;
    pthread_t thread;
    bool started;
    char request_line[512];
};
bool mini_server_start(struct mini_server *s, const char *response, size_t response_len, int connections,
                       bool read_request);
void mini_server_stop(struct mini_server *s);
/* A client for the mini server's root with api_key k; `extra` as for new_client. */
webraft_client *new_mini_client(const struct mini_server *s, const char *extra);

/* Run this program again as `argv0 --child SCENARIO` and return its wait status
 * (-1 if it could not be run). For checks whose failure kills the process. */
int run_child(const char *scenario);
/* The scenarios (return the child's exit code). */
int child_sigpipe(void);

#define MODEL_REPLY_HI "Hello! You said: hi"

/* ---- test tables (one per file) ------------------------------------------ */

extern const struct test_case basic_tests[];
extern const size_t basic_tests_count;
extern const struct test_case chat_tests[];
extern const size_t chat_tests_count;
extern const struct test_case async_tests[];
extern const size_t async_tests_count;
extern const struct test_case conversation_tests[];
extern const size_t conversation_tests_count;
extern const struct test_case responses_tests[];
extern const size_t responses_tests_count;
extern const struct test_case media_tests[];
extern const size_t media_tests_count;
extern const struct test_case mock_tests[];
extern const size_t mock_tests_count;
extern const struct test_case stuck_tests[];
extern const size_t stuck_tests_count;

#endif /* WEBRAFT_TEST_CHECK_H */
