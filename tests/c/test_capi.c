/*
 * test_capi.c: the runner of the webraft C ABI test suite, plus the framework
 * and helpers declared in check.h. The tests live in test_basic.c (no network),
 * test_chat.c (blocking calls) and test_async.c (started requests, callbacks,
 * threads).
 *
 * Usage: WEBRAFT_TEST_URL=http://127.0.0.1:PORT test_capi [NAME_SUBSTRING...]
 * Prints one line per test, then exactly one summary line "N passed, N failed";
 * exits 1 if any test failed, 2 on a usage error, 3 if a test hung.
 */
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

bool g_slow = false;
const char *g_server = NULL;

/* ---- failure recording --------------------------------------------------- */

static pthread_mutex_t g_print_mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int g_current_failures;
static const char *g_current_test = "(none)";

void check_fail(const char *file, int line, const char *fmt, ...) {
    va_list args;
    atomic_fetch_add(&g_current_failures, 1);
    pthread_mutex_lock(&g_print_mutex);
    printf("    FAIL %s:%d [%s]: ", file, line, g_current_test);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
    pthread_mutex_unlock(&g_print_mutex);
}

void check_int_eq(const char *file, int line, const char *expr, long long actual, long long expected) {
    if (actual != expected) {
        check_fail(file, line, "%s == %lld, expected %lld", expr, actual, expected);
    }
}

void check_str_eq(const char *file, int line, const char *expr, const char *actual, const char *expected) {
    if (actual == NULL && expected == NULL) return;
    if (actual == NULL || expected == NULL || strcmp(actual, expected) != 0) {
        check_fail(file, line, "%s == %s%s%s, expected %s%s%s", expr, actual ? "\"" : "",
                   actual ? actual : "NULL", actual ? "\"" : "", expected ? "\"" : "",
                   expected ? expected : "NULL", expected ? "\"" : "");
    }
}

void check_contains(const char *file, int line, const char *expr, const char *haystack, const char *needle) {
    if (haystack == NULL) {
        check_fail(file, line, "%s is NULL, expected it to contain \"%s\"", expr, needle);
    } else if (strstr(haystack, needle) == NULL) {
        check_fail(file, line, "%s == \"%s\" does not contain \"%s\"", expr, haystack, needle);
    }
}

void check_status_eq(const char *file, int line, const char *expr, uint32_t actual, uint32_t expected,
                     const char *detail) {
    if (actual != expected) {
        check_fail(file, line, "%s == %s (%u), expected %s (%u)%s%s", expr, webraft_status_name(actual),
                   (unsigned)actual, webraft_status_name(expected), (unsigned)expected,
                   detail ? "; error: " : "", detail ? detail : "");
    }
}

void check_result_status(const char *file, int line, const char *expr, const webraft_result *result,
                         uint32_t expected) {
    if (result == NULL) {
        check_fail(file, line, "%s is NULL, expected a result with status %s", expr,
                   webraft_status_name(expected));
        return;
    }
    check_status_eq(file, line, expr, webraft_result_status(result), expected,
                    webraft_result_error_message(result));
}

/* ---- time ------------------------------------------------------------------ */

double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void sleep_ms(unsigned ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

unsigned generous_ms(unsigned ms) { return g_slow ? ms * 20 : ms; }

double strict_ms(double ms) { return g_slow ? ms * 40 : ms; }

/* ---- helpers ----------------------------------------------------------------- */

void make_url(char *buf, size_t size, const char *base) { snprintf(buf, size, "%s%s", g_server, base); }

/* A client for `url` with `api_key`; `extra` as for new_client. */
static webraft_client *client_at(const char *url, const char *api_key, const char *extra) {
    char config[4096];
    webraft_client *client = NULL;
    webraft_result *error = NULL;
    snprintf(config, sizeof config, "{\"api_key\":\"%s\",\"base_url\":\"%s\"%s}", api_key, url,
             extra ? extra : "");
    webraft_status status = webraft_client_new(config, &client, &error);
    CHECK_MSG(status == WEBRAFT_STATUS_OK && client != NULL, "webraft_client_new(%s) -> %s: %s", config,
              webraft_status_name(status),
              webraft_result_error_message(error) ? webraft_result_error_message(error) : "(no message)");
    webraft_result_free(error);
    return client;
}

webraft_client *new_client_key(const char *base, const char *api_key, const char *extra) {
    char url[512];
    make_url(url, sizeof url, base);
    return client_at(url, api_key, extra);
}

webraft_client *new_client(const char *base, const char *extra) { return new_client_key(base, "test-key", extra); }

webraft_client *new_mini_client(const struct mini_server *s, const char *extra) {
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s->port);
    return client_at(url, "k", extra);
}

void unique_model(char *buf, size_t size, const char *prefix) {
    static atomic_int counter;
    snprintf(buf, size, "%s-c%ld-%d", prefix, (long)getpid(), atomic_fetch_add(&counter, 1));
}

void chat_body(char *buf, size_t size, const char *model, const char *prompt, bool stream) {
    snprintf(buf, size, "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]%s}", model, prompt,
             stream ? ",\"stream\":true" : "");
}

void buf_append(struct buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL) {
            fprintf(stderr, "out of memory\n");
            abort();
        }
        b->data = grown;
        b->cap = cap;
    }
    if (n > 0) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_free(struct buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void append_chunk_text(struct buf *out, const char *chunk_json, size_t len) {
    char *text = NULL;
    size_t text_len = 12345;
    webraft_status status = webraft_chunk_text(chunk_json, len, &text, &text_len);
    CHECK_MSG(status == WEBRAFT_STATUS_OK, "webraft_chunk_text -> %s for chunk %.*s", webraft_status_name(status),
              (int)len, chunk_json);
    if (status == WEBRAFT_STATUS_OK && text != NULL) {
        CHECK_INT_EQ(text_len, strlen(text));
        buf_append(out, text, strlen(text));
    }
    webraft_string_free(text);
}

int refused_port(void) {
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = 0;
    if (fd < 0) return 0;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &addr_len) == 0) {
        port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
}

bool wait_flag(pthread_mutex_t *mutex, pthread_cond_t *cond, const int *flag, unsigned timeout_ms) {
    struct timespec deadline;
    bool set;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(mutex);
    while (!*flag) {
        if (pthread_cond_timedwait(cond, mutex, &deadline) == ETIMEDOUT) break;
    }
    set = *flag != 0;
    pthread_mutex_unlock(mutex);
    return set;
}

/* ---- mini HTTP server ------------------------------------------------------------ */

static atomic_bool g_mini_stop;

/* Read one HTTP request (headers and a Content-Length body) so the reply is not reset;
 * keep its request line in `line` (tests assert the exact target sent). */
static void mini_read_request(int fd, char *line, size_t line_size) {
    char data[65536];
    size_t have = 0;
    size_t need = 0;
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 5000) <= 0) return;
        ssize_t n = recv(fd, data + have, sizeof data - 1 - have, 0);
        if (n <= 0) return;
        have += (size_t)n;
        data[have] = '\0';
        char *end = strstr(data, "\r\n\r\n");
        if (end == NULL) {
            if (have >= sizeof data - 1) return;
            continue;
        }
        if (need == 0) {
            snprintf(line, line_size, "%.*s", (int)strcspn(data, "\r\n"), data);
            size_t header_len = (size_t)(end - data) + 4;
            size_t body_len = 0;
            for (char *p = data; p < end; p++) {
                if ((p == data || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) {
                    body_len = (size_t)strtoul(p + 15, NULL, 10);
                }
            }
            need = header_len + body_len;
        }
        if (have >= need || have >= sizeof data - 1) return;
    }
}

static void *mini_server_main(void *arg) {
    struct mini_server *s = arg;
    int served = 0;
    while (served < s->connections && !atomic_load(&g_mini_stop)) {
        struct pollfd pfd = {s->listen_fd, POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0) continue;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        if (s->read_request) mini_read_request(fd, s->request_line, sizeof s->request_line);
        size_t sent = 0;
        while (sent < s->response_len) {
            ssize_t n = send(fd, s->response + sent, s->response_len - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += (size_t)n;
        }
        /* Close gracefully: read until the client hangs up (or ~2 s pass), so
         * unread request bytes do not turn the close into a reset. */
        shutdown(fd, SHUT_WR);
        for (int idle = 0; idle < 10 && !atomic_load(&g_mini_stop);) {
            char sink[4096];
            struct pollfd cfd = {fd, POLLIN, 0};
            int ready = poll(&cfd, 1, 200);
            if (ready < 0) break;
            if (ready == 0) {
                idle++;
                continue;
            }
            if (recv(fd, sink, sizeof sink, 0) <= 0) break;
        }
        close(fd);
        served++;
    }
    return NULL;
}

bool mini_server_start(struct mini_server *s, const char *response, size_t response_len, int connections,
                       bool read_request) {
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof addr;
    memset(s, 0, sizeof *s);
    s->response = response;
    s->response_len = response_len;
    s->connections = connections;
    s->read_request = read_request;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->listen_fd < 0) return false;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s->listen_fd, 8) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &addr_len) != 0) {
        close(s->listen_fd);
        return false;
    }
    s->port = ntohs(addr.sin_port);
    atomic_store(&g_mini_stop, false);
    if (pthread_create(&s->thread, NULL, mini_server_main, s) != 0) {
        close(s->listen_fd);
        return false;
    }
    s->started = true;
    return true;
}

void mini_server_stop(struct mini_server *s) {
    if (!s->started) return;
    atomic_store(&g_mini_stop, true);
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    s->started = false;
}

/* ---- watchdog: a hung test ends the run with its name ---------------------------- */

static pthread_mutex_t g_wd_mutex = PTHREAD_MUTEX_INITIALIZER;
static const char *g_wd_test = NULL;
static double g_wd_deadline = 0;
static bool g_wd_stop = false;

static void *watchdog_main(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&g_wd_mutex);
        bool stop = g_wd_stop;
        const char *test = g_wd_test;
        double deadline = g_wd_deadline;
        pthread_mutex_unlock(&g_wd_mutex);
        if (stop) return NULL;
        if (test != NULL && now_ms() > deadline) {
            printf("TIMEOUT: test %s did not finish in time; giving up\n", test);
            fflush(stdout);
            _exit(3);
        }
        sleep_ms(100);
    }
}

static void watchdog_arm(const char *test, double limit_ms) {
    pthread_mutex_lock(&g_wd_mutex);
    g_wd_test = test;
    g_wd_deadline = now_ms() + limit_ms;
    pthread_mutex_unlock(&g_wd_mutex);
}

/* ---- child processes: checks that may kill the process run in a copy of it ---- */

static const char *g_argv0 = NULL;

int run_child(const char *scenario) {
    char *const args[] = {(char *)g_argv0, (char *)"--child", (char *)scenario, NULL};
    pid_t pid;
    int status = 0;
    fflush(stdout);
    int err = posix_spawn(&pid, g_argv0, NULL, NULL, args, environ);
    if (err != 0) {
        check_fail(__FILE__, __LINE__, "posix_spawn(%s): %s", g_argv0, strerror(err));
        return -1;
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            check_fail(__FILE__, __LINE__, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    return status;
}

static int child_main(const char *scenario) {
    if (strcmp(scenario, "sigpipe") == 0) return child_sigpipe();
    fprintf(stderr, "test_capi: unknown child scenario %s\n", scenario);
    return 2;
}

/* ---- runner ------------------------------------------------------------------------ */

static bool selected(const char *name, int argc, char **argv) {
    if (argc <= 1) return true;
    for (int i = 1; i < argc; i++) {
        if (strstr(name, argv[i]) != NULL) return true;
    }
    return false;
}

int main(int argc, char **argv) {
    g_argv0 = argv[0];
    if (argc == 3 && strcmp(argv[1], "--child") == 0) return child_main(argv[2]);
    const char *slow = getenv("WEBRAFT_TEST_SLOW");
    g_slow = slow != NULL && strcmp(slow, "1") == 0;
    g_server = getenv("WEBRAFT_TEST_URL");
    if (g_server == NULL || g_server[0] == '\0') {
        fprintf(stderr, "test_capi: set WEBRAFT_TEST_URL to the test server, e.g. http://127.0.0.1:PORT\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    const struct {
        const struct test_case *tests;
        size_t count;
    } tables[] = {
        {basic_tests, basic_tests_count},
        {chat_tests, chat_tests_count},
        {async_tests, async_tests_count},
        {conversation_tests, conversation_tests_count},
        {responses_tests, responses_tests_count},
        {media_tests, media_tests_count},
        {mock_tests, mock_tests_count},
        {stuck_tests, stuck_tests_count},
    };

    pthread_t watchdog;
    if (pthread_create(&watchdog, NULL, watchdog_main, NULL) != 0) {
        fprintf(stderr, "test_capi: cannot start the watchdog thread\n");
        return 2;
    }

    int passed = 0;
    int failed = 0;
    double suite_start = now_ms();
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        for (size_t i = 0; i < tables[t].count; i++) {
            const struct test_case *tc = &tables[t].tests[i];
            if (!selected(tc->name, argc, argv)) continue;
            pthread_mutex_lock(&g_print_mutex);
            g_current_test = tc->name;
            pthread_mutex_unlock(&g_print_mutex);
            atomic_store(&g_current_failures, 0);
            watchdog_arm(tc->name, g_slow ? 600000.0 : 60000.0);
            double start = now_ms();
            tc->fn();
            double took = now_ms() - start;
            watchdog_arm(NULL, 0);
            if (atomic_load(&g_current_failures) == 0) {
                passed++;
                printf("ok   %-60s %8.1f ms\n", tc->name, took);
            } else {
                failed++;
                printf("FAIL %-60s %8.1f ms (%d failed checks)\n", tc->name, took,
                       atomic_load(&g_current_failures));
            }
        }
    }

    pthread_mutex_lock(&g_wd_mutex);
    g_wd_stop = true;
    pthread_mutex_unlock(&g_wd_mutex);
    pthread_join(watchdog, NULL);

    printf("# suite took %.1f ms%s\n", now_ms() - suite_start, g_slow ? " (slow mode)" : "");
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
