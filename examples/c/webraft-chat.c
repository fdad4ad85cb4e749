/*
 * webraft-chat: send one chat request from the command line.
 *
 *   webraft-chat [--base-url URL] [--api-key KEY] [--plan free|paid] [--model M] [--system TEXT]
 *                [--image URL_OR_PATH]... [--max-tokens N] [--stream] [--events] [--json]
 *                [--request FILE] [--timeout-ms N] [--max-retries N]
 *                [--conversation FILE] [--tools FILE] [--tool-result ID=TEXT]... [PROMPT]
 *
 * Exit status: 0 on success, 1 when the request fails, 2 for bad usage, 3 when
 * the reply asks for tool calls (printed one JSON line each).
 */
#define _POSIX_C_SOURCE 200809L /* strndup, mkstemp, fdopen, fsync */
#include "webraft.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
          "                    [--timeout-ms N] [--max-retries N] [--conversation FILE]\n"
          "                    [--tools FILE] [--tool-result ID=TEXT]... [PROMPT]\n",
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


/* Everything the command line said. */
typedef struct {
    const char *base_url, *api_key, *plan, *model, *system_text, *request_file;
    const char *max_tokens, *timeout_ms, *max_retries, *conversation_file, *tools_file;
    const char **images, **tool_results;
    size_t image_count, tool_result_count;
    int stream, events, json;
    buffer prompt;
} options;

static int parse_flag(options *o, const char *arg) {
    if (strcmp(arg, "--stream") == 0) o->stream = 1;
    else if (strcmp(arg, "--events") == 0) o->events = 1;
    else if (strcmp(arg, "--json") == 0) o->json = 1;
    else return 0;
    return 1;
}

/* The slot an option with a value fills, or NULL when `arg` is not one. */
static const char **value_slot(options *o, const char *arg) {
    if (strcmp(arg, "--base-url") == 0) return &o->base_url;
    if (strcmp(arg, "--api-key") == 0) return &o->api_key;
    if (strcmp(arg, "--plan") == 0) return &o->plan;
    if (strcmp(arg, "--model") == 0) return &o->model;
    if (strcmp(arg, "--system") == 0) return &o->system_text;
    if (strcmp(arg, "--image") == 0) return &o->images[o->image_count++];
    if (strcmp(arg, "--max-tokens") == 0) return &o->max_tokens;
    if (strcmp(arg, "--request") == 0) return &o->request_file;
    if (strcmp(arg, "--timeout-ms") == 0) return &o->timeout_ms;
    if (strcmp(arg, "--max-retries") == 0) return &o->max_retries;
    if (strcmp(arg, "--conversation") == 0) return &o->conversation_file;
    if (strcmp(arg, "--tools") == 0) return &o->tools_file;
    if (strcmp(arg, "--tool-result") == 0) return &o->tool_results[o->tool_result_count++];
    return NULL;
}

static void add_prompt_word(options *o, const char *word) {
    if (o->prompt.len) buf_puts(&o->prompt, " ");
    buf_puts(&o->prompt, word);
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(options *o, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (parse_flag(o, arg)) continue;
        if (strcmp(arg, "--") == 0) {
            for (i++; i < argc; i++) add_prompt_word(o, argv[i]);
            break;
        }
        const char **slot = value_slot(o, arg);
        if (!slot && arg[0] == '-' && arg[1] == '-') return usage_error("unknown option", arg);
        if (!slot) {
            add_prompt_word(o, arg);
            continue;
        }
        if (i + 1 >= argc) return usage_error("missing value for", arg);
        *slot = argv[++i];
    }
    return -1;
}

/* Check a number option and re-print it canonically (JSON forbids leading zeros). */
static int canonical_number(const char *option, const char **value, unsigned long long max, char out[24]) {
    if (!*value) return -1;
    const char *text = *value;
    if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text))
        return usage_error("expected a non-negative integer", text);
    errno = 0;
    unsigned long long n = strtoull(text, NULL, 10);
    if (errno == ERANGE || n > max) {
        fprintf(stderr, "webraft-chat: %s must be at most %llu\n", option, max);
        return 2;
    }
    snprintf(out, 24, "%llu", n);
    *value = out;
    return -1;
}

static char g_numbers[3][24];

/* Returns -1 when the options make sense together, else the exit status. */
static int check_options(options *o) {
    if (o->events && !o->stream) return usage_error("--events needs --stream", NULL);
    if (o->plan && strcmp(o->plan, "free") != 0 && strcmp(o->plan, "paid") != 0)
        return usage_error("--plan must be free or paid", o->plan);
    int code;
    if ((code = canonical_number("--max-tokens", &o->max_tokens, 1000000000ULL, g_numbers[0])) >= 0) return code;
    if ((code = canonical_number("--timeout-ms", &o->timeout_ms, 315360000000ULL, g_numbers[1])) >= 0) return code;
    if ((code = canonical_number("--max-retries", &o->max_retries, 100ULL, g_numbers[2])) >= 0) return code;
    for (size_t i = 0; i < o->tool_result_count; i++)
        if (!strchr(o->tool_results[i], '=')) return usage_error("--tool-result needs ID=TEXT", o->tool_results[i]);
    int conversing = o->conversation_file || o->tools_file || o->tool_result_count;
    if (o->request_file && (o->prompt.len || o->model || o->system_text || o->image_count || o->max_tokens || conversing))
        return usage_error("--request cannot be combined with PROMPT, --model, --system, --image, --max-tokens, "
                           "--conversation, --tools or --tool-result",
                           NULL);
    if (!o->request_file && !o->prompt.len && !o->conversation_file && !o->tool_result_count)
        return usage_error("a PROMPT, --request FILE or --conversation FILE is required", NULL);
    return -1;
}

/* Client config: only what was given; the library applies defaults and WEBRAFT_API_KEY. */
static char *client_config(const options *o) {
    buffer config = {0};
    buf_puts(&config, "{");
    const char *string_keys[][2] = {{"base_url", o->base_url}, {"api_key", o->api_key}, {"plan", o->plan}};
    for (size_t i = 0; i < 3; i++) {
        if (!string_keys[i][1]) continue;
        if (config.len > 1) buf_puts(&config, ",");
        buf_puts(&config, "\"");
        buf_puts(&config, string_keys[i][0]);
        buf_puts(&config, "\":");
        buf_json_string(&config, string_keys[i][1]);
    }
    if (o->max_retries) {
        if (config.len > 1) buf_puts(&config, ",");
        buf_puts(&config, "\"max_retries\":");
        buf_puts(&config, o->max_retries);
    }
    buf_puts(&config, "}");
    return config.data;
}

/* Bad input the user gave (a file that is not what its flag needs): exit 2, nothing sent. */
static int bad_input(const char *what, webraft_result *error) {
    const char *message = error ? webraft_result_error_message(error) : NULL;
    fprintf(stderr, "webraft-chat: %s%s%s\n", what, message ? ": " : "", message ? message : "");
    webraft_result_free(error);
    return 2;
}

/* The --conversation file's text: "" when it does not exist. NULL (after saying why) when unreadable. */
static char *read_conversation_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return calloc(1, 1);
        fprintf(stderr, "webraft-chat: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *text = read_all(f);
    fclose(f);
    return text;
}

static int is_blank(const char *text) { return text[strspn(text, " \t\r\n")] == '\0'; }

/* Load --conversation into `conversation`. Returns -1 on success, else the exit status. */
static int load_conversation(const char *path, webraft_conversation **conversation) {
    char *text = read_conversation_file(path);
    if (!text) return 2;
    webraft_result *error = NULL;
    int code = -1;
    if (is_blank(text)) *conversation = webraft_conversation_new();
    else if (webraft_conversation_from_json(text, conversation, &error) != WEBRAFT_STATUS_OK)
        code = bad_input("--conversation FILE is not a JSON array of messages", error);
    free(text);
    return code;
}

static int is_remote_image(const char *image) {
    return strncmp(image, "http://", 7) == 0 || strncmp(image, "https://", 8) == 0 ||
           strncmp(image, "data:", 5) == 0;
}

/* PROMPT as a user message with its --image parts. Returns -1 or the exit status. */
static int add_prompt(const options *o, webraft_conversation *conversation) {
    webraft_conversation_add_message(conversation, WEBRAFT_ROLE_USER, o->prompt.data);
    for (size_t i = 0; i < o->image_count; i++) {
        webraft_result *error = NULL;
        webraft_status status =
            is_remote_image(o->images[i])
                ? webraft_conversation_add_image_url(conversation, o->images[i], NULL, &error)
                : webraft_conversation_add_image_file(conversation, o->images[i], NULL, &error);
        if (status != WEBRAFT_STATUS_OK) {
            int code = report_failure(error);
            webraft_result_free(error);
            return code;
        }
    }
    return -1;
}

/* Tools, tool results and parameters. Returns -1 or the exit status. */
static int add_tools_and_results(const options *o, webraft_conversation *conversation) {
    if (o->tools_file) {
        char *tools = read_conversation_file(o->tools_file);
        if (!tools) return 2;
        webraft_result *error = NULL;
        webraft_status status = webraft_conversation_set_param(conversation, "tools", tools, &error);
        free(tools);
        if (status != WEBRAFT_STATUS_OK) return bad_input("--tools FILE is not a JSON array of tools", error);
    }
    for (size_t i = 0; i < o->tool_result_count; i++) {
        const char *pair = o->tool_results[i], *equals = strchr(pair, '=');
        char *id = strndup(pair, (size_t)(equals - pair));
        if (!id) die_oom();
        webraft_conversation_add_tool_result(conversation, id, equals + 1);
        free(id);
    }
    return -1;
}

/* The conversation to send, in the documented order. Returns -1 or the exit status. */
static int build_conversation(const options *o, webraft_conversation **out) {
    int code = -1;
    if (o->conversation_file) code = load_conversation(o->conversation_file, out);
    else *out = webraft_conversation_new();
    if (code >= 0) return code;
    webraft_conversation *conversation = *out;
    webraft_conversation_set_model(conversation, o->model ? o->model : DEFAULT_MODEL);
    if (o->max_tokens) webraft_conversation_set_max_tokens(conversation, strtoull(o->max_tokens, NULL, 10));
    if (o->system_text) webraft_conversation_add_system_if_missing(conversation, o->system_text);
    if ((code = add_tools_and_results(o, conversation)) >= 0) return code;
    if (o->prompt.len && (code = add_prompt(o, conversation)) >= 0) return code;
    return -1;
}

/* Replace `path` with the conversation: a temporary file beside it, then rename,
 * so a crash or full disk never leaves it half-written. Returns 0 or 1. */
static int save_conversation(const char *path, const webraft_conversation *conversation) {
    char *json = NULL;
    size_t len = 0;
    webraft_conversation_to_json(conversation, &json, &len);
    buffer temp = {0};
    buf_puts(&temp, path);
    buf_puts(&temp, ".XXXXXX");
    int fd = mkstemp(temp.data);
    int ok = fd >= 0;
    if (ok) {
        FILE *f = fdopen(fd, "wb");
        ok = f && fwrite(json, 1, len, f) == len && fputc('\n', f) != EOF && fflush(f) == 0 && fsync(fd) == 0;
        ok = (f ? fclose(f) == 0 : (close(fd), 0)) && ok;
        ok = ok && rename(temp.data, path) == 0;
        if (!ok) unlink(temp.data);
    }
    if (!ok) fprintf(stderr, "webraft-chat: cannot write %s: %s\n", path, strerror(errno));
    webraft_string_free(json);
    free(temp.data);
    return ok ? 0 : 1;
}

/* One JSON line per tool call the reply asked for. */
static void print_tool_calls(const webraft_result *result) {
    size_t count = webraft_result_tool_call_count(result);
    for (size_t i = 0; i < count; i++) {
        buffer line = {0};
        buf_puts(&line, "{\"id\":");
        buf_json_string(&line, webraft_result_tool_call_id(result, i));
        buf_puts(&line, ",\"name\":");
        buf_json_string(&line, webraft_result_tool_call_name(result, i));
        buf_puts(&line, ",\"arguments\":");
        buf_json_string(&line, webraft_result_tool_call_arguments(result, i, NULL));
        buf_puts(&line, "}\n");
        fputs(line.data, stdout);
        free(line.data);
    }
}

/* Print a successful reply for the chosen output mode; returns 0, or 3 for tool calls. */
static int print_reply(const options *o, const webraft_result *result, const stream_state *state) {
    int asks_for_tools = webraft_result_tool_call_count(result) > 0;
    size_t len = 0;
    if (o->json) {
        const char *body = webraft_result_json(result, &len);
        if (body) fwrite(body, 1, len, stdout);
        fputc('\n', stdout);
    } else if (o->stream) {
        if (!o->events && (state->printed_any || !asks_for_tools)) fputc('\n', stdout);
    } else {
        const char *text = webraft_result_text(result, &len);
        if (text) fwrite(text, 1, len, stdout);
        if (len || !asks_for_tools) fputc('\n', stdout);
    }
    if (asks_for_tools && !o->json && !o->events) print_tool_calls(result);
    fflush(stdout);
    return asks_for_tools ? 3 : 0;
}

static webraft_result *send_chat(const options *o, const webraft_client *client,
                                 const webraft_conversation *conversation, const char *request_json,
                                 stream_state *state) {
    /* As a per-request option the timeout bounds streams too, not only plain calls. */
    char options_text[64] = "";
    if (o->timeout_ms) snprintf(options_text, sizeof options_text, "{\"timeout_ms\":%s}", o->timeout_ms);
    const char *options_json = o->timeout_ms ? options_text : NULL;
    webraft_chunk_callback callback = (o->json && !o->events) ? NULL : on_chunk;
    if (conversation)
        return o->stream ? webraft_conversation_chat_stream(client, conversation, options_json, callback, state)
                         : webraft_conversation_chat(client, conversation, options_json);
    return o->stream ? webraft_chat_stream(client, request_json, options_json, callback, state)
                     : webraft_chat(client, request_json, options_json);
}

/* Send, print, and keep the conversation file up to date. Returns the exit status. */
static int run(const options *o, const webraft_client *client, webraft_conversation *conversation,
               const char *request_json) {
    stream_state state = {o->events, 0};
    webraft_result *result = send_chat(o, client, conversation, request_json, &state);
    int exit_code;
    if (webraft_result_status(result) != WEBRAFT_STATUS_OK) {
        if (o->stream && state.printed_any) fputc('\n', stdout);
        exit_code = report_failure(result);
    } else {
        exit_code = print_reply(o, result, &state);
        if (o->conversation_file) {
            webraft_conversation_add_assistant_turn(conversation, result);
            if (save_conversation(o->conversation_file, conversation)) exit_code = 1;
        }
    }
    webraft_result_free(result);
    return exit_code;
}

int main(int argc, char **argv) {
    options o = {0};
    o.images = calloc((size_t)argc, sizeof *o.images);
    o.tool_results = calloc((size_t)argc, sizeof *o.tool_results);
    if (!o.images || !o.tool_results) die_oom();
    int code = parse_args(&o, argc, argv);
    if (code < 0) code = check_options(&o);
    char *request_json = NULL;
    webraft_conversation *conversation = NULL;
    if (code < 0 && o.request_file) request_json = read_request_file(o.request_file);
    else if (code < 0) code = build_conversation(&o, &conversation);

    webraft_client *client = NULL;
    if (code < 0) {
        char *config = client_config(&o);
        webraft_result *error = NULL;
        if (webraft_client_new(config, &client, &error) != WEBRAFT_STATUS_OK) code = report_failure(error);
        webraft_result_free(error);
        free(config);
    }
    if (code < 0) code = run(&o, client, conversation, request_json);

    webraft_client_free(client);
    webraft_conversation_free(conversation);
    free(request_json);
    free(o.prompt.data);
    free(o.images);
    free(o.tool_results);
    return code;
}
