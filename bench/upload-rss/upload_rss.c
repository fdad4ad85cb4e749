/*
 * upload_rss: how much a multipart upload grows the process's resident memory.
 *
 *   upload_rss BASE_URL FILE
 *
 * Uploads FILE to BASE_URL/audio/transcriptions twice through the C ABI, once from its path and
 * once from bytes in memory, and reports for each the growth of the peak resident set size over
 * the resident size just before the send (the peak is reset through /proc/self/clear_refs, so
 * each number covers one upload). The transcript must name every byte (the test server's
 * "heard <N> bytes"), so a short upload cannot pass for a frugal one. One JSON line per mode:
 *   {"mode":"path","file_bytes":N,"rss_growth_bytes":G,"ratio":G/N,"ms":T}
 * Exit 1 when an upload fails or its growth reaches 2x the file size.
 */
#define _POSIX_C_SOURCE 200809L
#include "webraft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A /proc/self/status field in bytes (it reports kB). */
static long long status_bytes(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') kb = atoll(line + n + 1);
    }
    if (f) fclose(f);
    return kb * 1024;
}

/* Make VmHWM (the peak) start again from the current resident size. */
static void reset_peak(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Send `form`, check the transcript counted `size` bytes, print the line; returns whether it passed. */
static int measure(webraft_client *client, webraft_form *form, const char *mode, long long size, long long before) {
    double start = now_ms();
    webraft_result *result = webraft_send_form(client, "/audio/transcriptions", form, NULL);
    double ms = now_ms() - start;
    long long growth = status_bytes("VmHWM") - before;
    char expected[64];
    snprintf(expected, sizeof expected, "heard %lld bytes of ", size);
    const char *text = webraft_result_text(result, NULL);
    int ok = webraft_result_status(result) == WEBRAFT_STATUS_OK && text && strncmp(text, expected, strlen(expected)) == 0;
    if (!ok) fprintf(stderr, "upload_rss: %s upload failed: %s\n", mode, text ? text : webraft_result_error_message(result));
    printf("{\"mode\":\"%s\",\"file_bytes\":%lld,\"rss_growth_bytes\":%lld,\"ratio\":%.3f,\"ms\":%.1f}\n", mode, size,
           growth, (double)growth / (double)size, ms);
    webraft_result_free(result);
    return ok && growth < 2 * size;
}

static webraft_form *form_with_model(void) {
    webraft_form *form = webraft_form_new();
    webraft_form_add_text(form, "model", "whisper-1");
    return form;
}

/* The file's bytes, read into memory (caller frees), and their count. */
static unsigned char *slurp(const char *path, long long *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)*size);
    if (data && fread(data, 1, (size_t)*size, f) != (size_t)*size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: upload_rss BASE_URL FILE\n");
        return 2;
    }
    char config[512];
    snprintf(config, sizeof config, "{\"base_url\":\"%s\",\"api_key\":\"test-key\",\"max_retries\":0}", argv[1]);
    webraft_client *client = NULL;
    if (webraft_client_new(config, &client, NULL) != WEBRAFT_STATUS_OK) return 1;

    /* Warm up: the runtime, its threads and the connection pool exist before the baseline. */
    webraft_form *warm = form_with_model();
    webraft_form_add_file_bytes(warm, "file", (const uint8_t *)"RIFF", 4, "warm.wav", NULL);
    webraft_result_free(webraft_send_form(client, "/audio/transcriptions", warm, NULL));
    webraft_form_free(warm);

    long long size = 0;
    unsigned char *data = slurp(argv[2], &size);
    if (!data) {
        fprintf(stderr, "upload_rss: cannot read %s\n", argv[2]);
        return 1;
    }
    /* From the path: the bytes above are not part of this measurement's baseline growth. */
    webraft_form *form = form_with_model();
    webraft_form_add_file_path(form, "file", argv[2], NULL, NULL, NULL);
    reset_peak();
    int ok = measure(client, form, "path", size, status_bytes("VmRSS"));
    webraft_form_free(form);

    /* From memory: the caller's buffer is already resident; the form's copy is growth. */
    reset_peak();
    long long before = status_bytes("VmRSS");
    form = form_with_model();
    webraft_form_add_file_bytes(form, "file", data, (size_t)size, "memory.wav", NULL);
    ok &= measure(client, form, "bytes", size, before);
    webraft_form_free(form);
    free(data);
    webraft_client_free(client);
    return ok ? 0 : 1;
}
