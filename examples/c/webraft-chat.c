/*
 * webraft-chat: send one chat request from the command line.
 *
 *   webraft-chat [--base-url URL] [--api-key KEY] [--plan free|paid] [--model M] [--system TEXT]
 *                [--image URL_OR_PATH]... [--max-tokens N] [--stream] [--events] [--json]
 *                [--request FILE] [--timeout-ms N] [--max-retries N] [PROMPT]
 *
 * Exit status: 0 on success, 1 when the request fails, 2 for bad usage.
 */
#include "webraft.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MODEL "gpt-4o"

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buffer;

static void die_oom(void) {
    fputs("webraft-chat: out of memory\n", stderr);
    exit(1);
}

static void buf_append(buffer *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) die_oom();
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_puts(buffer *b, const char *s) { buf_append(b, s, strlen(s)); }

/* Append s as a JSON string literal, quotes included. */
static void buf_json_string(buffer *b, const char *s) {
    buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                buf_puts(b, esc);
            } else {
                buf_append(b, (const char *)p, 1);
            }
        }
    }
    buf_puts(b, "\"");
}

static char *read_all(FILE *f) {
    buffer b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    if (!b.data) buf_puts(&b, "");
    return b.data;
}

static char *read_request_file(const char *path) {
    if (strcmp(path, "-") == 0) return read_all(stdin);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "webraft-chat: cannot open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    char *text = read_all(f);
    fclose(f);
    return text;
}

static void usage(FILE *out) {
    fputs("usage: webraft-chat [--base-url URL] [--api-key KEY] [--plan free|paid] [--model M]\n"
          "                    [--system TEXT] [--image URL_OR_PATH]... [--max-tokens N]\n"
          "                    [--stream] [--events] [--json] [--request FILE]\n"
          "                    [--timeout-ms N] [--max-retries N] [PROMPT]\n",
          out);
}

static int usage_error(const char *message, const char *arg) {
    fprintf(stderr, "webraft-chat: %s%s%s\n", message, arg ? ": " : "", arg ? arg : "");
    usage(stderr);
    return 2;
}

/* Print a failed result the way every failure path does; returns the exit status. */
static int report_failure(const webraft_result *result) {
    webraft_status status = webraft_result_status(result);
    const char *message = webraft_result_error_message(result);
    fprintf(stderr, "webraft-chat: %s: %s\n", webraft_status_name(status), message ? message : "(no message)");
    const char *request_id = webraft_result_request_id(result);
    if (request_id) fprintf(stderr, "webraft-chat: request id: %s\n", request_id);
    return 1;
}

static int is_remote_image(const char *image) {
    return strncmp(image, "http://", 7) == 0 || strncmp(image, "https://", 8) == 0 ||
           strncmp(image, "data:", 5) == 0;
}

/* Append one image content part: a URL as is, a local file as a data URL. */
static int append_image_part(buffer *b, const char *image) {
    if (is_remote_image(image)) {
        buf_puts(b, "{\"type\":\"image_url\",\"image_url\":{\"url\":");
        buf_json_string(b, image);
        buf_puts(b, "}}");
        return 0;
    }
    char *part = NULL;
    webraft_result *error = NULL;
    if (webraft_image_content_part(image, NULL, &part, &error) != WEBRAFT_STATUS_OK) {
        int code = report_failure(error);
        webraft_result_free(error);
        return code;
    }
    buf_puts(b, part);
    webraft_string_free(part);
    return 0;
}

typedef struct {
    int events;
    int printed_any;
} stream_state;

/* Runs on a library worker thread, one chunk at a time, while main blocks. */
static int on_chunk(void *user_data, const char *chunk_json, size_t len) {
    stream_state *state = user_data;
    if (state->events) {
        fwrite(chunk_json, 1, len, stdout);
        fputc('\n', stdout);
    } else {
        char *text = NULL;
        size_t text_len = 0;
        if (webraft_chunk_text(chunk_json, len, &text, &text_len) == WEBRAFT_STATUS_OK) {
            fwrite(text, 1, text_len, stdout);
            state->printed_any |= text_len > 0;
        }
        webraft_string_free(text);
    }
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    const char *base_url = NULL, *api_key = NULL, *plan = NULL, *model = NULL, *system_text = NULL;
    const char *request_file = NULL, *max_tokens = NULL, *timeout_ms = NULL, *max_retries = NULL;
    const char **images = calloc((size_t)argc, sizeof *images);
    size_t image_count = 0;
    int stream = 0, events = 0, json = 0;
    buffer prompt = {0};
    if (!images) die_oom();

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **value_slot = NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "--stream") == 0) {
            stream = 1;
            continue;
        } else if (strcmp(arg, "--events") == 0) {
            events = 1;
            continue;
        } else if (strcmp(arg, "--json") == 0) {
            json = 1;
            continue;
        } else if (strcmp(arg, "--") == 0) {
            for (i++; i < argc; i++) {
                if (prompt.len) buf_puts(&prompt, " ");
                buf_puts(&prompt, argv[i]);
            }
            break;
        } else if (strcmp(arg, "--base-url") == 0) value_slot = &base_url;
        else if (strcmp(arg, "--api-key") == 0) value_slot = &api_key;
        else if (strcmp(arg, "--plan") == 0) value_slot = &plan;
        else if (strcmp(arg, "--model") == 0) value_slot = &model;
        else if (strcmp(arg, "--system") == 0) value_slot = &system_text;
        else if (strcmp(arg, "--image") == 0) value_slot = &images[image_count++];
        else if (strcmp(arg, "--max-tokens") == 0) value_slot = &max_tokens;
        else if (strcmp(arg, "--request") == 0) value_slot = &request_file;
        else if (strcmp(arg, "--timeout-ms") == 0) value_slot = &timeout_ms;
        else if (strcmp(arg, "--max-retries") == 0) value_slot = &max_retries;
        else if (arg[0] == '-' && arg[1] == '-') return usage_error("unknown option", arg);
        else {
            if (prompt.len) buf_puts(&prompt, " ");
            buf_puts(&prompt, arg);
            continue;
        }
        if (i + 1 >= argc) return usage_error("missing value for", arg);
        *value_slot = argv[++i];
    }

    if (events && !stream) return usage_error("--events needs --stream", NULL);
    if (plan && strcmp(plan, "free") != 0 && strcmp(plan, "paid") != 0)
        return usage_error("--plan must be free or paid", plan);
    /* Numbers are checked here and re-printed canonically (JSON forbids leading zeros). */
    char max_tokens_text[24], timeout_text[24], retries_text[24];
    const struct {
        const char *option, *value;
        unsigned long long max;
        char *canonical;
    } numbers[] = {
        {"--max-tokens", max_tokens, 1000000000ULL, max_tokens_text},
        {"--timeout-ms", timeout_ms, 315360000000ULL, timeout_text},
        {"--max-retries", max_retries, 100ULL, retries_text},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        if (!numbers[i].value) continue;
        const char *text = numbers[i].value;
        if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text))
            return usage_error("expected a non-negative integer", text);
        errno = 0;
        unsigned long long n = strtoull(text, NULL, 10);
        if (errno == ERANGE || n > numbers[i].max) {
            fprintf(stderr, "webraft-chat: %s must be at most %llu\n", numbers[i].option, numbers[i].max);
            return 2;
        }
        snprintf(numbers[i].canonical, 24, "%llu", n);
    }
    if (max_tokens) max_tokens = max_tokens_text;
    if (timeout_ms) timeout_ms = timeout_text;
    if (max_retries) max_retries = retries_text;
    if (request_file && (prompt.len || model || system_text || image_count || max_tokens))
        return usage_error("--request cannot be combined with PROMPT, --model, --system, --image or --max-tokens", NULL);
    if (!request_file && !prompt.len) return usage_error("a PROMPT or --request FILE is required", NULL);

    /* Client config: only what was given; the library applies defaults and WEBRAFT_API_KEY. */
    buffer config = {0};
    buf_puts(&config, "{");
    const char *string_keys[][2] = {{"base_url", base_url}, {"api_key", api_key}, {"plan", plan}};
    for (size_t i = 0; i < 3; i++) {
        if (!string_keys[i][1]) continue;
        if (config.len > 1) buf_puts(&config, ",");
        buf_puts(&config, "\"");
        buf_puts(&config, string_keys[i][0]);
        buf_puts(&config, "\":");
        buf_json_string(&config, string_keys[i][1]);
    }
    if (max_retries) {
        if (config.len > 1) buf_puts(&config, ",");
        buf_puts(&config, "\"max_retries\":");
        buf_puts(&config, max_retries);
    }
    buf_puts(&config, "}");

    webraft_client *client = NULL;
    webraft_result *error = NULL;
    if (webraft_client_new(config.data, &client, &error) != WEBRAFT_STATUS_OK) {
        int code = report_failure(error);
        webraft_result_free(error);
        return code;
    }

    char *request_json = NULL;
    if (request_file) {
        request_json = read_request_file(request_file);
    } else {
        buffer req = {0};
        buf_puts(&req, "{\"model\":");
        buf_json_string(&req, model ? model : DEFAULT_MODEL);
        if (max_tokens) {
            buf_puts(&req, ",\"max_tokens\":");
            buf_puts(&req, max_tokens);
        }
        buf_puts(&req, ",\"messages\":[");
        if (system_text) {
            buf_puts(&req, "{\"role\":\"system\",\"content\":");
            buf_json_string(&req, system_text);
            buf_puts(&req, "},");
        }
        buf_puts(&req, "{\"role\":\"user\",\"content\":");
        if (image_count == 0) {
            buf_json_string(&req, prompt.data);
        } else {
            buf_puts(&req, "[{\"type\":\"text\",\"text\":");
            buf_json_string(&req, prompt.data);
            buf_puts(&req, "}");
            for (size_t i = 0; i < image_count; i++) {
                buf_puts(&req, ",");
                int code = append_image_part(&req, images[i]);
                if (code) {
                    webraft_client_free(client);
                    return code;
                }
            }
            buf_puts(&req, "]");
        }
        buf_puts(&req, "}]}");
        request_json = req.data;
    }

    /* As a per-request option the timeout bounds streams too, not only plain calls. */
    char options[64] = "";
    if (timeout_ms) snprintf(options, sizeof options, "{\"timeout_ms\":%s}", timeout_ms);
    const char *options_json = timeout_ms ? options : NULL;
    stream_state state = {events, 0};
    webraft_result *result = stream
        ? webraft_chat_stream(client, request_json, options_json, (json && !events) ? NULL : on_chunk, &state)
        : webraft_chat(client, request_json, options_json);

    int exit_code = 0;
    if (webraft_result_status(result) != WEBRAFT_STATUS_OK) {
        if (stream && state.printed_any) fputc('\n', stdout);
        exit_code = report_failure(result);
    } else if (json) {
        size_t len = 0;
        const char *body = webraft_result_json(result, &len);
        if (body) fwrite(body, 1, len, stdout);
        fputc('\n', stdout);
    } else if (stream) {
        if (!events) fputc('\n', stdout);
    } else {
        size_t len = 0;
        const char *text = webraft_result_text(result, &len);
        if (text) fwrite(text, 1, len, stdout);
        fputc('\n', stdout);
    }
    fflush(stdout);

    webraft_result_free(result);
    webraft_client_free(client);
    free(request_json);
    free(config.data);
    free(prompt.data);
    free(images);
    return exit_code;
}
