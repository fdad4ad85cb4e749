/*
 * webraft-chat: send one chat request from the command line.
 *
 *   webraft-chat [--base-url URL] [--api-key KEY] [--plan free|paid] [--model M] [--system TEXT]
 *                [--image URL_OR_PATH]... [--max-tokens N] [--stream] [--events] [--json]
 *                [--request FILE] [--timeout-ms N] [--max-retries N]
 *                [--conversation FILE] [--tools FILE] [--tool-result ID=TEXT]...
 *                [--api chat|responses] [--path PATH [--method M]] [--headers-out FILE]
 *                [--fallback URL]... [--hedge-ms N] [--partial-json] [PROMPT]
 *   webraft-chat --transcribe FILE [--stream] | --speech-out FILE [--voice V] PROMPT
 *                | --image-out FILE PROMPT | --embed PROMPT   (with --model, --base-url, ...)
 *
 * --fallback URL: more base URLs (same key), tried in order when the one before fails; when
 * another than the first answers, stderr says "webraft-chat: answered by URL".
 * --hedge-ms N (needs --fallback): also start the next endpoint when the first has not
 * delivered within N ms. --partial-json (needs --stream): one line per chunk that changes the
 * content snapshot, the content so far as valid JSON.
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
          "                    [--tools FILE] [--tool-result ID=TEXT]... [--api chat|responses]\n"
          "                    [--path PATH [--method M]] [--headers-out FILE]\n"
          "                    [--fallback URL]... [--hedge-ms N] [--partial-json] [PROMPT]\n"
          "       webraft-chat --transcribe FILE [--stream] | --speech-out FILE [--voice V] PROMPT\n"
          "                    | --image-out FILE PROMPT | --embed PROMPT\n",
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

/* Everything the command line said. */
typedef struct {
    const char *base_url, *api_key, *plan, *model, *system_text, *request_file;
    const char *max_tokens, *timeout_ms, *max_retries, *conversation_file, *tools_file;
    const char *api_name, *path, *method, *headers_out, *hedge_ms;
    const char *transcribe, *speech_out, *voice, *image_out;
    const char **images, **tool_results, **fallbacks;
    size_t image_count, tool_result_count, fallback_count;
    int stream, events, json, embed, partial_json;
    enum { API_CHAT, API_RESPONSES, API_PATH, API_TRANSCRIBE, API_SPEECH, API_IMAGE, API_EMBED } api;
    buffer prompt;
} options;

static int parse_flag(options *o, const char *arg) {
    if (strcmp(arg, "--stream") == 0) o->stream = 1;
    else if (strcmp(arg, "--events") == 0) o->events = 1;
    else if (strcmp(arg, "--json") == 0) o->json = 1;
    else if (strcmp(arg, "--embed") == 0) o->embed = 1;
    else if (strcmp(arg, "--partial-json") == 0) o->partial_json = 1;
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
    if (strcmp(arg, "--api") == 0) return &o->api_name;
    if (strcmp(arg, "--path") == 0) return &o->path;
    if (strcmp(arg, "--method") == 0) return &o->method;
    if (strcmp(arg, "--headers-out") == 0) return &o->headers_out;
    if (strcmp(arg, "--transcribe") == 0) return &o->transcribe;
    if (strcmp(arg, "--speech-out") == 0) return &o->speech_out;
    if (strcmp(arg, "--voice") == 0) return &o->voice;
    if (strcmp(arg, "--image-out") == 0) return &o->image_out;
    if (strcmp(arg, "--fallback") == 0) return &o->fallbacks[o->fallback_count++];
    if (strcmp(arg, "--hedge-ms") == 0) return &o->hedge_ms;
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

static char g_numbers[4][24];

/* --api, --path and --method. Returns -1 when they make sense, else the exit status. */
static int check_endpoint(options *o) {
    if (o->api_name && strcmp(o->api_name, "chat") != 0 && strcmp(o->api_name, "responses") != 0)
        return usage_error("--api must be chat or responses", o->api_name);
    o->api = o->api_name && strcmp(o->api_name, "responses") == 0 ? API_RESPONSES : API_CHAT;
    if (o->method && !o->path) return usage_error("--method needs --path", NULL);
    if (!o->path) return -1;
    if (o->path[0] != '/') return usage_error("--path must start with /", o->path);
    if (o->api_name || o->prompt.len || o->model || o->system_text || o->image_count || o->max_tokens ||
        o->conversation_file || o->tools_file || o->tool_result_count)
        return usage_error("--path takes only --request FILE (or no body), --method and the output options", NULL);
    o->api = API_PATH;
    if (!o->method) o->method = o->request_file ? "POST" : "GET";
    return -1;
}

/* --transcribe, --speech-out, --image-out and --embed: one at a time, each with only the
 * options it uses. Returns -1 when they make sense, else the exit status. */
static int check_media(options *o) {
    int modes = !!o->transcribe + !!o->speech_out + !!o->image_out + o->embed;
    if (o->voice && !o->speech_out) return usage_error("--voice needs --speech-out", NULL);
    if (modes == 0) return -1;
    if (modes > 1) return usage_error("--transcribe, --speech-out, --image-out and --embed go one at a time", NULL);
    if (o->api_name || o->path || o->request_file || o->system_text || o->image_count || o->max_tokens ||
        o->conversation_file || o->tools_file || o->tool_result_count || o->json || o->events)
        return usage_error("--transcribe, --speech-out, --image-out and --embed take only --model, --voice, "
                           "--stream (--transcribe), the connection options and --headers-out",
                           NULL);
    if (o->stream && !o->transcribe) return usage_error("--stream goes with --transcribe only among these", NULL);
    if (o->transcribe && o->prompt.len) return usage_error("--transcribe takes no PROMPT", NULL);
    if (!o->transcribe && !o->prompt.len) return usage_error("a PROMPT is required", NULL);
    o->api = o->transcribe ? API_TRANSCRIBE : o->speech_out ? API_SPEECH : o->image_out ? API_IMAGE : API_EMBED;
    return -1;
}

/* Returns -1 when the options make sense together, else the exit status. */
static int check_options(options *o) {
    if (o->events && !o->stream) return usage_error("--events needs --stream", NULL);
    if (o->partial_json && !o->stream) return usage_error("--partial-json needs --stream", NULL);
    if (o->hedge_ms && !o->fallback_count) return usage_error("--hedge-ms needs --fallback", NULL);
    if (o->plan && strcmp(o->plan, "free") != 0 && strcmp(o->plan, "paid") != 0)
        return usage_error("--plan must be free or paid", o->plan);
    int code;
    if ((code = canonical_number("--max-tokens", &o->max_tokens, 1000000000ULL, g_numbers[0])) >= 0) return code;
    if ((code = canonical_number("--timeout-ms", &o->timeout_ms, 315360000000ULL, g_numbers[1])) >= 0) return code;
    if ((code = canonical_number("--max-retries", &o->max_retries, 100ULL, g_numbers[2])) >= 0) return code;
    if ((code = canonical_number("--hedge-ms", &o->hedge_ms, 315360000000ULL, g_numbers[3])) >= 0) return code;
    for (size_t i = 0; i < o->tool_result_count; i++)
        if (!strchr(o->tool_results[i], '=')) return usage_error("--tool-result needs ID=TEXT", o->tool_results[i]);
    if ((code = check_media(o)) >= 0 || o->api >= API_TRANSCRIBE) return code;
    if ((code = check_endpoint(o)) >= 0) return code;
    int conversing = o->conversation_file || o->tools_file || o->tool_result_count;
    if (o->request_file && (o->prompt.len || o->model || o->system_text || o->image_count || o->max_tokens || conversing))
        return usage_error("--request cannot be combined with PROMPT, --model, --system, --image, --max-tokens, "
                           "--conversation, --tools or --tool-result",
                           NULL);
    if (o->api != API_PATH && !o->request_file && !o->prompt.len && !o->conversation_file && !o->tool_result_count)
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
    const char *number_keys[][2] = {{"max_retries", o->max_retries}, {"hedge_ms", o->hedge_ms}};
    for (size_t i = 0; i < 2; i++) {
        if (!number_keys[i][1]) continue;
        if (config.len > 1) buf_puts(&config, ",");
        buf_puts(&config, "\"");
        buf_puts(&config, number_keys[i][0]);
        buf_puts(&config, "\":");
        buf_puts(&config, number_keys[i][1]);
    }
    if (o->fallback_count) {
        /* Without their own api_key, fallback endpoints use the client's. */
        buf_puts(&config, config.len > 1 ? ",\"fallback\":[" : "\"fallback\":[");
        for (size_t i = 0; i < o->fallback_count; i++) {
            buf_puts(&config, i ? ",{\"base_url\":" : "{\"base_url\":");
            buf_json_string(&config, o->fallbacks[i]);
            buf_puts(&config, "}");
        }
        buf_puts(&config, "]");
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
    if (o->system_text && o->api == API_RESPONSES) {
        buffer instructions = {0};
        buf_json_string(&instructions, o->system_text);
        webraft_conversation_set_param(conversation, "instructions", instructions.data, NULL);
        free(instructions.data);
    } else if (o->system_text) {
        webraft_conversation_add_system_if_missing(conversation, o->system_text);
    }
    if ((code = add_tools_and_results(o, conversation)) >= 0) return code;
    if (o->prompt.len && (code = add_prompt(o, conversation)) >= 0) return code;
    return -1;
}

/* Replace `path` with `len` bytes of `text` (and a newline): a temporary file
 * beside it, then rename, so a crash or full disk never leaves it half-written.
 * Returns 0 or 1. */
static int write_file_atomically(const char *path, const char *text, size_t len) {
    buffer temp = {0};
    buf_puts(&temp, path);
    buf_puts(&temp, ".XXXXXX");
    int fd = mkstemp(temp.data);
    int ok = fd >= 0;
    if (ok) {
        FILE *f = fdopen(fd, "wb");
        ok = f && fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF && fflush(f) == 0 && fsync(fd) == 0;
        ok = (f ? fclose(f) == 0 : (close(fd), 0)) && ok;
        ok = ok && rename(temp.data, path) == 0;
        if (!ok) unlink(temp.data);
    }
    if (!ok) fprintf(stderr, "webraft-chat: cannot write %s: %s\n", path, strerror(errno));
    free(temp.data);
    return ok ? 0 : 1;
}

static int save_conversation(const char *path, const webraft_conversation *conversation) {
    char *json = NULL;
    size_t len = 0;
    webraft_conversation_to_json(conversation, &json, &len);
    int code = write_file_atomically(path, json, len);
    webraft_string_free(json);
    return code;
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

typedef struct {
    const options *o;
    int printed_any;
    int headers_failed;
    /* --partial-json: the content's snapshot parser. */
    webraft_partial_json *snapshot;
} stream_state;

/* `{"event": NAME or null, "data": DATA}`, DATA as JSON when it parses, else as a string. */
static void print_event_line(const char *name, const char *data, size_t len) {
    buffer line = {0};
    buf_puts(&line, "{\"event\":");
    if (name) buf_json_string(&line, name);
    else buf_puts(&line, "null");
    buf_puts(&line, ",\"data\":");
    char *json = NULL;
    if (webraft_json_get_json(data, len, "", &json, NULL) == WEBRAFT_STATUS_OK) buf_puts(&line, json);
    else buf_json_string(&line, data);
    webraft_string_free(json);
    buf_puts(&line, "}\n");
    fputs(line.data, stdout);
    free(line.data);
}

/* The text an event adds: a chat chunk's delta, a Responses output_text delta (caller frees). */
static char *event_text(const options *o, const char *name, const char *data, size_t len, size_t *text_len) {
    char *text = NULL, *type = NULL;
    const char *delta_type = o->api == API_TRANSCRIBE ? "transcript.text.delta" : "response.output_text.delta";
    if (o->api == API_CHAT) {
        webraft_chunk_text(data, len, &text, text_len);
    } else if (name || webraft_json_get_string(data, len, "/type", &type, NULL) == WEBRAFT_STATUS_OK) {
        if (strcmp(name ? name : type, delta_type) == 0) webraft_json_get_string(data, len, "/delta", &text, text_len);
    }
    webraft_string_free(type);
    return text;
}

/* --partial-json: the snapshot as one line, when `changed`. */
static void print_snapshot_if(webraft_partial_json *snapshot, bool changed) {
    char *json = NULL;
    size_t len = 0;
    if (changed && webraft_partial_json_snapshot(snapshot, &json, &len) == WEBRAFT_STATUS_OK) {
        fwrite(json, 1, len, stdout);
        fputc('\n', stdout);
    }
    webraft_string_free(json);
}

static void print_event_text(const options *o, stream_state *state, const char *name, const char *data, size_t len) {
    size_t text_len = 0;
    char *text = event_text(o, name, data, len, &text_len);
    if (text && state->snapshot) {
        bool changed = false;
        webraft_partial_json_push(state->snapshot, text, text_len, &changed);
        print_snapshot_if(state->snapshot, changed);
    } else if (text) {
        fwrite(text, 1, text_len, stdout);
        state->printed_any |= text_len > 0;
    }
    webraft_string_free(text);
}

static void print_event(stream_state *state, const char *name, const char *data, size_t len) {
    const options *o = state->o;
    if (o->api == API_PATH || (o->events && o->api == API_RESPONSES)) print_event_line(name, data, len);
    else if (o->events) printf("%.*s\n", (int)len, data);
    else if (!o->json) print_event_text(o, state, name, data, len);
    fflush(stdout);
}

/* What a call sends: a conversation, a request body or a form (the others NULL). */
typedef struct {
    const webraft_conversation *conversation;
    const char *request_json;
    const webraft_form *form;
} payload;

static webraft_status start_stream(const options *o, const webraft_client *client, payload p,
                                   const char *options_json, webraft_request **request) {
    const uint32_t poll = WEBRAFT_DELIVERY_POLL;
    const webraft_conversation *conversation = p.conversation;
    const char *request_json = p.request_json;
    if (o->api == API_TRANSCRIBE)
        return webraft_send_form_stream_start(client, "/audio/transcriptions", p.form, options_json, poll, NULL, NULL,
                                              NULL, request);
    if (o->api == API_PATH)
        return webraft_send_stream_start(client, o->method, o->path, request_json, options_json, poll, NULL, NULL,
                                         NULL, request);
    if (o->api == API_RESPONSES)
        return conversation ? webraft_conversation_responses_start(client, conversation, options_json, poll, NULL,
                                                                   NULL, NULL, request)
                            : webraft_responses_start(client, request_json, options_json, poll, NULL, NULL, NULL,
                                                      request);
    return conversation
        ? webraft_conversation_chat_start(client, conversation, options_json, poll, NULL, NULL, NULL, request)
        : webraft_chat_start(client, request_json, options_json, poll, NULL, NULL, NULL, request);
}

/* Stream the call from this thread: headers to --headers-out as soon as they
 * arrive, each event printed as it comes. */
static webraft_result *stream_call(const options *o, stream_state *state, const webraft_client *client, payload p,
                                   const char *options_json) {
    webraft_request *request = NULL;
    start_stream(o, client, p, options_json, &request);
    for (;;) {
        webraft_event event = WEBRAFT_EVENT_PENDING;
        char *name = NULL, *data = NULL;
        size_t len = 0;
        webraft_request_next_event(request, WEBRAFT_WAIT_FOREVER, &event, &name, &data, &len);
        if (event == WEBRAFT_EVENT_HEADERS && o->headers_out)
            state->headers_failed |= write_file_atomically(o->headers_out, data, len);
        if (event == WEBRAFT_EVENT_CHUNK) print_event(state, name, data, len);
        webraft_string_free(name);
        webraft_string_free(data);
        if (event == WEBRAFT_EVENT_DONE) break;
    }
    webraft_result *result = webraft_request_take_result(request);
    webraft_request_free(request);
    return result;
}

static webraft_result *plain_call(const options *o, const webraft_client *client, payload p,
                                  const char *options_json) {
    const webraft_conversation *conversation = p.conversation;
    const char *request_json = p.request_json;
    switch (o->api) {
    case API_TRANSCRIBE: return webraft_send_form(client, "/audio/transcriptions", p.form, options_json);
    case API_SPEECH:
        return webraft_download_to_file(client, "POST", "/audio/speech", request_json, options_json, o->speech_out);
    case API_IMAGE: return webraft_send(client, "POST", "/images/generations", request_json, options_json);
    case API_EMBED: return webraft_send(client, "POST", "/embeddings", request_json, options_json);
    default: break;
    }
    if (o->api == API_PATH) return webraft_send(client, o->method, o->path, request_json, options_json);
    if (o->api == API_RESPONSES)
        return conversation ? webraft_conversation_responses(client, conversation, options_json, NULL, NULL)
                            : webraft_responses(client, request_json, options_json);
    return conversation ? webraft_conversation_chat(client, conversation, options_json)
                        : webraft_chat(client, request_json, options_json);
}

/* A float32 in the fewest digits that read back as the same float (%.9g always would). */
static void format_float(char *out, size_t size, float value) {
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(out, size, "%.*g", digits, (double)value);
        if (strtof(out, NULL) == value) return;
    }
}

/* The first vector as one JSON array. */
static int print_embedding(const webraft_result *result) {
    const float *values = NULL;
    size_t count = 0;
    if (webraft_result_embedding(result, 0, &values, &count) != WEBRAFT_STATUS_OK) {
        fputs("webraft-chat: the reply holds no embedding\n", stderr);
        return 1;
    }
    buffer line = {0};
    buf_puts(&line, "[");
    for (size_t i = 0; i < count; i++) {
        char number[32];
        format_float(number, sizeof number, values[i]);
        if (i) buf_puts(&line, ",");
        buf_puts(&line, number);
    }
    buf_puts(&line, "]\n");
    fputs(line.data, stdout);
    free(line.data);
    return 0;
}

/* The first image's bytes into --image-out, or its URL printed when it came as one. */
static int save_image(const options *o, const webraft_result *result) {
    const char *url = webraft_result_image_url(result, 0);
    if (url) {
        printf("%s\n", url);
        return 0;
    }
    if (webraft_result_image_count(result) == 0) {
        fputs("webraft-chat: the reply holds no image\n", stderr);
        return 1;
    }
    webraft_result *error = NULL;
    int code = webraft_result_image_save(result, 0, o->image_out, &error) == WEBRAFT_STATUS_OK ? 0
                                                                                             : report_failure(error);
    webraft_result_free(error);
    return code;
}

/* Print a successful reply for the chosen output mode; returns 0, or 3 for tool calls. */
static int print_reply(const options *o, const webraft_result *result, const stream_state *state) {
    if (o->api == API_SPEECH) return 0;
    if (o->api == API_IMAGE) return save_image(o, result);
    if (o->api == API_EMBED) return print_embedding(result);
    int asks_for_tools = webraft_result_tool_call_count(result) > 0;
    size_t len = 0;
    if (o->api == API_PATH) {
        const char *body = o->stream ? NULL : webraft_result_body(result, &len);
        if (body) fwrite(body, 1, len, stdout);
    } else if (o->json) {
        const char *body = webraft_result_json(result, &len);
        if (body) fwrite(body, 1, len, stdout);
        fputc('\n', stdout);
    } else if (o->stream && o->partial_json) {
        bool changed = false;
        webraft_partial_json_finish(state->snapshot, &changed);
        print_snapshot_if(state->snapshot, changed);
    } else if (o->stream) {
        if (!o->events && (state->printed_any || !asks_for_tools)) fputc('\n', stdout);
    } else {
        const char *text = webraft_result_text(result, &len);
        if (text) fwrite(text, 1, len, stdout);
        if (len || !asks_for_tools) fputc('\n', stdout);
    }
    if (asks_for_tools && !o->json && !o->events) print_tool_calls(result);
    const char *incomplete = webraft_result_incomplete_reason(result);
    if (incomplete) fprintf(stderr, "webraft-chat: incomplete: %s\n", incomplete);
    fflush(stdout);
    return asks_for_tools ? 3 : 0;
}

/* With --fallback, which endpoint answered when it was not the first, by the URL as given. */
static void say_who_answered(const options *o, const webraft_result *result) {
    uint32_t index = webraft_result_endpoint_index(result);
    if (index > 0 && index <= o->fallback_count)
        fprintf(stderr, "webraft-chat: answered by %s\n", o->fallbacks[index - 1]);
}

/* A Responses failure names the server's own message; chat and --path keep the full description. */
static int report_call_failure(const options *o, const webraft_result *result) {
    const char *server = webraft_result_server_message(result);
    if (o->api != API_RESPONSES || !server) return report_failure(result);
    fprintf(stderr, "webraft-chat: %s: %s\n", webraft_status_name(webraft_result_status(result)), server);
    return 1;
}

/* Send, print, and keep the conversation and headers files up to date. Returns the exit status. */
static int run(const options *o, const webraft_client *client, webraft_conversation *conversation, payload p) {
    /* As a per-request option the timeout bounds streams too, not only plain calls. */
    char options_text[64] = "";
    if (o->timeout_ms) snprintf(options_text, sizeof options_text, "{\"timeout_ms\":%s}", o->timeout_ms);
    const char *options_json = o->timeout_ms ? options_text : NULL;
    stream_state state = {o, 0, 0, o->partial_json ? webraft_partial_json_new() : NULL};
    webraft_result *result = o->stream ? stream_call(o, &state, client, p, options_json)
                                       : plain_call(o, client, p, options_json);
    int exit_code = 0;
    if (!o->stream && o->headers_out && webraft_result_http_status(result) != 0) {
        size_t len = 0;
        const char *headers = webraft_result_headers_json(result, &len);
        state.headers_failed = write_file_atomically(o->headers_out, headers, len);
    }
    if (webraft_result_status(result) != WEBRAFT_STATUS_OK) {
        if (o->stream && state.printed_any) fputc('\n', stdout);
        exit_code = report_call_failure(o, result);
    } else {
        exit_code = print_reply(o, result, &state);
        say_who_answered(o, result);
        if (o->conversation_file) {
            webraft_conversation_add_assistant_turn(conversation, result);
            if (save_conversation(o->conversation_file, conversation)) exit_code = 1;
        }
    }
    webraft_result_free(result);
    webraft_partial_json_free(state.snapshot);
    return state.headers_failed ? 1 : exit_code;
}

/* The model a media mode uses: --model, else the mode's default. */
static const char *media_model(const options *o) {
    static const char *const defaults[] = {"whisper-1", "tts-1", "gpt-image-1", "text-embedding-3-small"};
    return o->model ? o->model : defaults[o->api - API_TRANSCRIBE];
}

/* {"model": M, PROMPT_KEY: PROMPT, EXTRA_KEY: EXTRA}: the JSON body of speech, images and embeddings. */
static char *media_body(const options *o) {
    const char *prompt_key = o->api == API_IMAGE ? "prompt" : "input";
    const char *extra_key = o->api == API_SPEECH ? "voice" : o->api == API_IMAGE ? "response_format" : "encoding_format";
    const char *extra = o->api == API_SPEECH ? (o->voice ? o->voice : "alloy") : o->api == API_IMAGE ? "b64_json" : "base64";
    buffer body = {0};
    buf_puts(&body, "{\"model\":");
    buf_json_string(&body, media_model(o));
    buf_puts(&body, ",\"");
    buf_puts(&body, prompt_key);
    buf_puts(&body, "\":");
    buf_json_string(&body, o->prompt.data);
    buf_puts(&body, ",\"");
    buf_puts(&body, extra_key);
    buf_puts(&body, "\":");
    buf_json_string(&body, extra);
    buf_puts(&body, "}");
    return body.data;
}

/* The --transcribe form: `file` from FILE and `model`. A FILE that cannot be sent is bad
 * usage (exit 2, nothing sent). Returns -1 or the exit status. */
static int transcription_form(const options *o, webraft_form **form) {
    *form = webraft_form_new();
    webraft_result *error = NULL;
    webraft_form_add_text(*form, "model", media_model(o));
    if (webraft_form_add_file_path(*form, "file", o->transcribe, NULL, NULL, &error) != WEBRAFT_STATUS_OK)
        return bad_input("--transcribe FILE cannot be sent", error);
    return -1;
}

int main(int argc, char **argv) {
    options o = {0};
    o.images = calloc((size_t)argc, sizeof *o.images);
    o.tool_results = calloc((size_t)argc, sizeof *o.tool_results);
    o.fallbacks = calloc((size_t)argc, sizeof *o.fallbacks);
    if (!o.images || !o.tool_results || !o.fallbacks) die_oom();
    int code = parse_args(&o, argc, argv);
    if (code < 0) code = check_options(&o);
    char *request_json = NULL;
    webraft_conversation *conversation = NULL;
    webraft_form *form = NULL;
    if (code < 0 && o.api == API_TRANSCRIBE) code = transcription_form(&o, &form);
    else if (code < 0 && o.api > API_TRANSCRIBE) request_json = media_body(&o);
    else if (code < 0 && o.request_file) request_json = read_request_file(o.request_file);
    else if (code < 0 && o.api != API_PATH) code = build_conversation(&o, &conversation);

    webraft_client *client = NULL;
    if (code < 0) {
        char *config = client_config(&o);
        webraft_result *error = NULL;
        if (webraft_client_new(config, &client, &error) != WEBRAFT_STATUS_OK) code = report_failure(error);
        webraft_result_free(error);
        free(config);
    }
    if (code < 0) code = run(&o, client, conversation, (payload){conversation, request_json, form});

    webraft_client_free(client);
    webraft_conversation_free(conversation);
    webraft_form_free(form);
    free(request_json);
    free(o.prompt.data);
    free(o.images);
    free(o.tool_results);
    free(o.fallbacks);
    return code;
}
