/*
 * Load test: N concurrent streams (default 10,000) through ONE client, all
 * started with webraft_chat_start and delivered through chunk and done
 * callbacks. The server trickles every event (model trickle-<ms>), so the
 * streams overlap instead of finishing one after another. Each stream's text
 * is checked twice: the deltas gathered in its chunk callback and
 * webraft_result_text must both equal the reply the server promises.
 *
 * Environment: WEBRAFT_TEST_URL (required), WEBRAFT_TEST_SERVER_PID (optional:
 * its CPU time is reported), LOAD_STREAMS (10000), LOAD_MODEL (trickle-50),
 * LOAD_WORDS (filler words per message, 20: the stream length), LOAD_DEADLINE_S
 * (300: a watchdog ends the run with exit 3).
 * Exit status: 0 when every stream completed with the right text, else 1.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "webraft.h"
#include "procstat.h"

#include <signal.h>
#include <stdatomic.h>

#define TEXT_MAX 512

struct stream {
    webraft_request *request;
    int start_failed;
    char expected[TEXT_MAX];
    /* Written by chunk callbacks (one at a time per request), read after done. */
    char gathered[TEXT_MAX];
    size_t gathered_len;
    int gather_error;
    unsigned chunks;
    atomic_int done_calls;
    atomic_uint done_status;
};

static atomic_long g_in_flight;      /* started, done not yet called */
static atomic_long g_streaming;      /* first chunk seen, done not yet called */
static atomic_long g_peak_in_flight;
static atomic_long g_peak_streaming;
static atomic_long g_done;

static void raise_peak(atomic_long *peak, long value) {
    long seen = atomic_load(peak);
    while (value > seen && !atomic_compare_exchange_weak(peak, &seen, value)) {
    }
}

static int on_chunk(void *user_data, const char *chunk_json, size_t len) {
    struct stream *stream = user_data;
    if (stream->chunks++ == 0) raise_peak(&g_peak_streaming, atomic_fetch_add(&g_streaming, 1) + 1);
    char *text = NULL;
    size_t text_len = 0;
    if (webraft_chunk_text(chunk_json, len, &text, &text_len) != WEBRAFT_STATUS_OK) {
        stream->gather_error = 1;
    } else if (stream->gathered_len + text_len >= TEXT_MAX) {
        stream->gather_error = 1;
    } else {
        memcpy(stream->gathered + stream->gathered_len, text, text_len);
        stream->gathered_len += text_len;
        stream->gathered[stream->gathered_len] = '\0';
    }
    webraft_string_free(text);
    return 0;
}

static void on_done(void *user_data, webraft_status status) {
    struct stream *stream = user_data;
    if (stream->chunks > 0) atomic_fetch_sub(&g_streaming, 1);
    atomic_store(&stream->done_status, status);
    /* Last touch of user_data: main may read the stream once it sees this. */
    atomic_fetch_add(&stream->done_calls, 1);
    atomic_fetch_sub(&g_in_flight, 1);
    atomic_fetch_add(&g_done, 1);
}

static void on_watchdog(int signal_number) {
    (void)signal_number;
    static const char message[] = "load: deadline passed with streams unfinished\n";
    if (write(2, message, sizeof message - 1) < 0) _exit(3);
    _exit(3);
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t count, double fraction) {
    if (count == 0) return -1;
    size_t index = (size_t)(fraction * (double)(count - 1) + 0.5);
    return sorted[index];
}

int main(void) {
    const char *url = getenv("WEBRAFT_TEST_URL");
    if (!url) {
        fputs("WEBRAFT_TEST_URL is not set\n", stderr);
        return 2;
    }
    long count = env_number("LOAD_STREAMS", 10000);
    long words = env_number("LOAD_WORDS", 20);
    long deadline_s = env_number("LOAD_DEADLINE_S", 300);
    long server_pid = env_number("WEBRAFT_TEST_SERVER_PID", 0);
    const char *model = getenv("LOAD_MODEL") && *getenv("LOAD_MODEL") ? getenv("LOAD_MODEL") : "trickle-50";
    if (count <= 0 || words < 0 || words > 100) {
        fputs("LOAD_STREAMS must be > 0 and LOAD_WORDS within 0..100\n", stderr);
        return 2;
    }
    signal(SIGALRM, on_watchdog);
    alarm((unsigned)deadline_s);

    /* No retries, so a refused or dropped connection shows up as a failure.
     * Generous connect timeout: 10,000 simultaneous SYNs overflow the listen backlog
     * and some connects only succeed on a SYN retransmit (1 s, 3 s, ...). */
    char config[512];
    snprintf(config, sizeof config,
             "{\"api_key\":\"test-key\",\"base_url\":\"%s/v1\",\"max_retries\":0,"
             "\"connect_timeout_ms\":60000,\"idle_timeout_ms\":60000}",
             url);
    webraft_client *client = NULL;
    webraft_result *error = NULL;
    if (webraft_client_new(config, &client, &error) != WEBRAFT_STATUS_OK) {
        fprintf(stderr, "cannot create client: %s\n", webraft_result_error_message(error));
        webraft_result_free(error);
        return 2;
    }

    struct stream *streams = calloc((size_t)count, sizeof *streams);
    if (!streams) return 2;
    char filler[TEXT_MAX / 2] = "";
    for (long w = 0; w < words; w++) strcat(filler, " w");

    printf("load: %ld streams, model %s, %ld filler words, one client, deadline %ld s\n", count, model, words,
           deadline_s);
    fflush(stdout);
    struct fd_count fds_before = count_fds();
    long rss_before = status_kib("VmRSS");
    double server_cpu_before = pid_cpu_seconds(server_pid);
    double cpu_before = own_cpu_seconds();
    double start = now_seconds();

    long start_failures = 0;
    for (long i = 0; i < count; i++) {
        struct stream *stream = &streams[i];
        char said[TEXT_MAX / 2 + 32];
        snprintf(said, sizeof said, "load %ld%s", i, filler);
        snprintf(stream->expected, sizeof stream->expected, "Hello! You said: %s", said);
        char body[TEXT_MAX + 128];
        snprintf(body, sizeof body,
                 "{\"model\":\"%s\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}", model,
                 said);
        raise_peak(&g_peak_in_flight, atomic_fetch_add(&g_in_flight, 1) + 1);
        if (webraft_chat_start(client, body, NULL, WEBRAFT_DELIVERY_CALLBACK, on_chunk, on_done, stream, &stream->request) !=
            WEBRAFT_STATUS_OK) {
            /* Invalid arguments: no callback will come. */
            atomic_fetch_sub(&g_in_flight, 1);
            stream->start_failed = 1;
            start_failures++;
        }
    }
    double started = now_seconds();

    /* Watch the run once a second: who is busy (this process, the test server, the whole
     * machine), how many streams are open, and the peak descriptors (open connections). */
    struct fd_count peak_fds = count_fds();
    printf("%6s %7s %9s %8s %10s %10s %11s %7s %9s\n", "t_s", "done", "streaming", "fds", "rss_kib",
           "client_cpu", "server_cpu", "machine", "(percent of one core; machine: of all)");
    double tick_at = start, tick_cpu = cpu_before, tick_server = server_cpu_before;
    unsigned long long tick_busy = 0, tick_total = 0;
    machine_jiffies(&tick_busy, &tick_total);
    while (atomic_load(&g_done) + start_failures < count) {
        usleep(100 * 1000);
        double now = now_seconds();
        if (now - tick_at < 1.0 && atomic_load(&g_done) + start_failures < count) continue;
        struct fd_count fds = count_fds();
        if (fds.total > peak_fds.total) peak_fds = fds;
        double cpu = own_cpu_seconds(), server = pid_cpu_seconds(server_pid);
        unsigned long long busy = 0, total = 0;
        machine_jiffies(&busy, &total);
        printf("%6.1f %7ld %9ld %8ld %10ld %9.0f%% %10.0f%% %6.0f%%\n", now - start, atomic_load(&g_done),
               atomic_load(&g_streaming), fds.total, status_kib("VmRSS"), 100 * (cpu - tick_cpu) / (now - tick_at),
               server >= 0 ? 100 * (server - tick_server) / (now - tick_at) : -1.0,
               total > tick_total ? 100.0 * (double)(busy - tick_busy) / (double)(total - tick_total) : -1.0);
        fflush(stdout);
        tick_at = now;
        tick_cpu = cpu;
        tick_server = server;
        tick_busy = busy;
        tick_total = total;
    }
    double finished = now_seconds();
    double cpu_after = own_cpu_seconds();
    double server_cpu_after = pid_cpu_seconds(server_pid);
    long hwm = status_kib("VmHWM");

    long wrong_text = 0, bad_status = 0, wrong_done = 0, retried = 0;
    double *totals = calloc((size_t)count, sizeof *totals);
    double *firsts = calloc((size_t)count, sizeof *firsts);
    size_t timed = 0;
    for (long i = 0; i < count; i++) {
        struct stream *stream = &streams[i];
        if (stream->start_failed) {
            webraft_request_free(stream->request);
            continue;
        }
        if (!webraft_request_wait(stream->request, 10000) || atomic_load(&stream->done_calls) != 1) {
            if (wrong_done++ < 5) fprintf(stderr, "stream %ld: done called %d times\n", i, atomic_load(&stream->done_calls));
            webraft_request_free(stream->request);
            continue;
        }
        webraft_result *result = webraft_request_take_result(stream->request);
        webraft_status status = webraft_result_status(result);
        const char *text = webraft_result_text(result, NULL);
        if (status != WEBRAFT_STATUS_OK || atomic_load(&stream->done_status) != status) {
            if (bad_status++ < 5)
                fprintf(stderr, "stream %ld: %s: %s\n", i, webraft_status_name(status),
                        webraft_result_error_message(result));
        } else if (!text || strcmp(text, stream->expected) != 0 || stream->gather_error ||
                   strcmp(stream->gathered, stream->expected) != 0) {
            if (wrong_text++ < 5)
                fprintf(stderr, "stream %ld: expected \"%s\", result \"%s\", chunks \"%s\"\n", i, stream->expected,
                        text ? text : "(null)", stream->gathered);
        }
        if (webraft_result_retries(result) > 0) retried++;
        webraft_timings timings;
        if (webraft_result_timings(result, &timings) == WEBRAFT_STATUS_OK && timings.total_ms >= 0) {
            totals[timed] = timings.total_ms;
            firsts[timed] = timings.first_chunk_ms;
            timed++;
        }
        webraft_result_free(result);
        webraft_request_free(stream->request);
    }
    webraft_client_free(client);
    qsort(totals, timed, sizeof *totals, compare_doubles);
    qsort(firsts, timed, sizeof *firsts, compare_doubles);

    long failures = start_failures + bad_status + wrong_text + wrong_done;
    double wall = finished - start;
    printf("load: started %ld streams in %.2f s; all done after %.2f s wall\n", count, started - start, wall);
    printf("load: peak in flight %ld, peak streaming at once (first chunk seen, not done) %ld\n",
           atomic_load(&g_peak_in_flight), atomic_load(&g_peak_streaming));
    printf("load: descriptors before %ld (%ld sockets), peak %ld (%ld sockets)\n", fds_before.total,
           fds_before.sockets, peak_fds.total, peak_fds.sockets);
    printf("load: RSS before %ld KiB, peak (VmHWM) %ld KiB\n", rss_before, hwm);
    printf("load: per-stream total ms p50 %.0f p99 %.0f max %.0f; first chunk ms p50 %.0f p99 %.0f max %.0f\n",
           percentile(totals, timed, 0.5), percentile(totals, timed, 0.99), percentile(totals, timed, 1.0),
           percentile(firsts, timed, 0.5), percentile(firsts, timed, 0.99), percentile(firsts, timed, 1.0));
    printf("load: client CPU %.2f s", cpu_after - cpu_before);
    if (server_cpu_before >= 0 && server_cpu_after >= 0)
        printf(", test server CPU %.2f s (%.0f%% of one core over the run)", server_cpu_after - server_cpu_before,
               100.0 * (server_cpu_after - server_cpu_before) / wall);
    printf("\n");
    printf("load: failures %ld (start %ld, status %ld, wrong text %ld, done not exactly once %ld), retried %ld\n",
           failures, start_failures, bad_status, wrong_text, wrong_done, retried);
    printf("%ld passed, %ld failed\n", count - failures, failures);
    free(totals);
    free(firsts);
    free(streams);
    return failures == 0 ? 0 : 1;
}
