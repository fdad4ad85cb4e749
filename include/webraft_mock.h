/*
 * webraft_mock.h: start webraft-mock (the OpenAI-compatible mock server installed with webraft)
 * from a C or C++ test, and get the URL to point the code under test at. Header-only; POSIX
 * (posix_spawnp, pipes, poll); compiles as C99, C11 and C++ with -Wall -Wextra -pedantic.
 *
 *     webraft_mock mock;
 *     const char *args[] = {"--disconnect-after", "3", NULL};   // any webraft-mock flags, or NULL
 *     if (webraft_mock_start(&mock, args) != 0) {
 *         fprintf(stderr, "%s\n", mock.error);
 *         return 1;
 *     }
 *     // mock.url is "http://127.0.0.1:PORT" ("https://localhost:PORT" with --tls):
 *     // use mock.url + "/v1" as the base URL, api key "test-key".
 *     webraft_mock_stop(&mock);
 *
 * The mock runs with --port 0 --exit-on-stdin-eof, so it also stops if the test process dies.
 * The program started is $WEBRAFT_MOCK_BIN when set, else WEBRAFT_MOCK_PROGRAM: `make install`
 * writes the installed path there; in a source tree it is "webraft-mock", found on PATH.
 * Define WEBRAFT_MOCK_PROGRAM before including this header to choose another default.
 * C++ code may prefer webraft_mock.hpp (webraft::MockServer, stopped by its destructor).
 */
#ifndef WEBRAFT_MOCK_H
#define WEBRAFT_MOCK_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WEBRAFT_MOCK_PROGRAM
#define WEBRAFT_MOCK_PROGRAM "webraft-mock" /* webraft-mock-installed-path */
#endif

/* How long webraft_mock_start waits for the LISTENING line. */
#define WEBRAFT_MOCK_START_TIMEOUT_MS 15000
/* Most arguments webraft_mock_start passes on. */
#define WEBRAFT_MOCK_MAX_ARGS 60

#ifdef __cplusplus
extern "C" {
#endif

/* The environment posix_spawnp passes on (POSIX asks programs to declare it). */
extern char **environ;

/* A running webraft-mock. All fields are set by webraft_mock_start. */
typedef struct webraft_mock {
    pid_t pid;         /* its process; 0 when not running */
    int stdin_fd;      /* the write end of its stdin: closing it stops the mock */
    int port;          /* the port it listens on, on 127.0.0.1 */
    char url[64];      /* "http://127.0.0.1:PORT", or "https://localhost:PORT" with --tls */
    char error[256];   /* why webraft_mock_start failed ("" on success) */
} webraft_mock;

/* Sets mock->error from a printf-style message; returns -1 for the caller to return. */
static inline int webraft_mock_fail(webraft_mock *mock, const char *what, const char *detail) {
    snprintf(mock->error, sizeof mock->error, "webraft_mock_start: %s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
    return -1;
}

/* argv for the mock: program, the caller's args, then --port 0 --exit-on-stdin-eof. */
static inline int webraft_mock_argv(const char *program, const char *const *args, char **argv, int *tls) {
    int n = 0;
    argv[n++] = (char *)program;
    for (; args != NULL && args[n - 1] != NULL; n++) {
        if (n >= WEBRAFT_MOCK_MAX_ARGS) return -1;
        argv[n] = (char *)args[n - 1];
        if (strcmp(argv[n], "--tls") == 0 || strcmp(argv[n], "--require-client-cert") == 0) *tls = 1;
    }
    argv[n++] = (char *)"--port";
    argv[n++] = (char *)"0";
    argv[n++] = (char *)"--exit-on-stdin-eof";
    argv[n] = NULL;
    return 0;
}

/* Starts `program` with its stdin and stdout on pipes; the parent keeps mock->stdin_fd and *out_fd. */
static inline int webraft_mock_spawn(webraft_mock *mock, const char *program, char **argv, int *out_fd) {
    int in[2], out[2];
    if (pipe(in) != 0) return webraft_mock_fail(mock, "pipe", strerror(errno));
    if (pipe(out) != 0) {
        close(in[0]);
        close(in[1]);
        return webraft_mock_fail(mock, "pipe", strerror(errno));
    }
    /* No other process may inherit these ends: a mock, or any program spawned later, holding
     * the write end of a mock's stdin would keep that mock from ever seeing EOF. In the child,
     * dup2 makes fresh stdin and stdout without the flag. */
    fcntl(in[0], F_SETFD, FD_CLOEXEC);
    fcntl(in[1], F_SETFD, FD_CLOEXEC);
    fcntl(out[0], F_SETFD, FD_CLOEXEC);
    fcntl(out[1], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    int rc = posix_spawnp(&mock->pid, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        mock->pid = 0;
        return webraft_mock_fail(mock, program, strerror(rc));
    }
    mock->stdin_fd = in[1];
    *out_fd = out[0];
    return 0;
}

/* Reads one line from fd, waiting at most WEBRAFT_MOCK_START_TIMEOUT_MS for each byte. */
static inline int webraft_mock_read_line(int fd, char *line, size_t size) {
    size_t len = 0;
    while (len + 1 < size) {
        struct pollfd ready;
        ready.fd = fd;
        ready.events = POLLIN;
        ready.revents = 0;
        int polled = poll(&ready, 1, WEBRAFT_MOCK_START_TIMEOUT_MS);
        if (polled < 0 && errno == EINTR) continue;
        if (polled <= 0) return -1;
        ssize_t got = read(fd, line + len, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        if (line[len] == '\n') break;
        len++;
    }
    line[len] = '\0';
    return 0;
}

/* Stops the mock (closes its stdin, waits for it to exit). Returns its exit status, or -1 if it
 * was not running or did not exit normally. Safe to call twice. */
static inline int webraft_mock_stop(webraft_mock *mock) {
    int status = 0;
    if (mock->pid <= 0) return -1;
    close(mock->stdin_fd);
    while (waitpid(mock->pid, &status, 0) < 0) {
        if (errno != EINTR) break;
    }
    mock->pid = 0;
    mock->stdin_fd = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Starts webraft-mock with `args` (a NULL-terminated list of flags, or NULL for none) and fills
 * `mock`. Returns 0, or -1 with the reason in mock->error (the mock's own message, such as an
 * invalid cassette's line, is on stderr). */
static inline int webraft_mock_start(webraft_mock *mock, const char *const *args) {
    char *argv[WEBRAFT_MOCK_MAX_ARGS + 5];
    char line[64];
    int tls = 0, out_fd = -1;
    const char *program = getenv("WEBRAFT_MOCK_BIN");
    memset(mock, 0, sizeof *mock);
    mock->stdin_fd = -1;
    if (program == NULL || program[0] == '\0') program = WEBRAFT_MOCK_PROGRAM;
    if (webraft_mock_argv(program, args, argv, &tls) != 0) return webraft_mock_fail(mock, "too many arguments", NULL);
    if (webraft_mock_spawn(mock, program, argv, &out_fd) != 0) return -1;
    int read_rc = webraft_mock_read_line(out_fd, line, sizeof line);
    close(out_fd);
    if (read_rc != 0 || strncmp(line, "LISTENING ", 10) != 0) {
        int status = webraft_mock_stop(mock);
        char detail[64];
        snprintf(detail, sizeof detail, "exit status %d; its stderr says why", status);
        return webraft_mock_fail(mock, "the mock did not print LISTENING", detail);
    }
    mock->port = atoi(line + 10);
    snprintf(mock->url, sizeof mock->url, "%s://%s:%d", tls ? "https" : "http", tls ? "localhost" : "127.0.0.1",
             mock->port);
    return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* WEBRAFT_MOCK_H */
