/*
 * test_basic.c: the exports that need no server: versions, status names,
 * client creation, webraft_chunk_text, image content parts, NULL safety.
 */
#include "check.h"

#include <unistd.h>

/* ---- versions and names ----------------------------------------------------- */

static void test_version_matches_header(void) {
    const char *version = webraft_version();
    CHECK_NOT_NULL(version);
    CHECK_STR_EQ(version, WEBRAFT_VERSION);
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", WEBRAFT_VERSION_MAJOR, WEBRAFT_VERSION_MINOR,
             WEBRAFT_VERSION_PATCH);
    CHECK_STR_EQ(version, expected);
    /* Static: the same pointer, still valid, on every call. */
    CHECK(webraft_version() == version);
}

static void test_abi_version_matches_header(void) { CHECK_INT_EQ(webraft_abi_version(), WEBRAFT_ABI_VERSION); }

static void test_status_names(void) {
    static const char *const expected[] = {
        "OK",        "NULL_ARGUMENT", "INVALID_UTF8",    "INVALID_JSON", "INVALID_CONFIG",  "INVALID_ARGUMENT",
        "HTTP_STATUS", "TIMEOUT",     "CONNECT",         "TLS",          "CANCELLED",       "STREAM_PROTOCOL",
        "PANIC",     "IO",            "TRANSPORT",       "STREAM_ERROR", "RESPONSE_TOO_LARGE", "INVALID_RESPONSE",
        "INVALID_STATE", "MISSING", "WRONG_TYPE", "CREDENTIALS",
    };
    const size_t count = sizeof expected / sizeof expected[0];
    CHECK_INT_EQ(count, WEBRAFT_STATUS_CREDENTIALS + 1);
    CHECK_STR_EQ(webraft_status_name(WEBRAFT_STATUS_HTTP_STATUS), "HTTP_STATUS");
    for (uint32_t i = 0; i < count; i++) {
        const char *name = webraft_status_name(i);
        CHECK_MSG(name != NULL, "status %u has a NULL name", (unsigned)i);
        if (name == NULL) continue;
        CHECK_MSG(strcmp(name, "UNKNOWN") != 0, "status %u is UNKNOWN", (unsigned)i);
        CHECK_MSG(strcmp(name, expected[i]) == 0, "status %u is named %s, expected %s", (unsigned)i, name,
                  expected[i]);
        for (uint32_t j = 0; j < i; j++) {
            const char *other = webraft_status_name(j);
            CHECK_MSG(other == NULL || strcmp(name, other) != 0, "statuses %u and %u share the name %s",
                      (unsigned)j, (unsigned)i, name);
        }
    }
    /* The enum constants themselves are fixed ABI values. */
    CHECK_INT_EQ(WEBRAFT_STATUS_OK, 0);
    CHECK_INT_EQ(WEBRAFT_STATUS_HTTP_STATUS, 6);
    CHECK_INT_EQ(WEBRAFT_STATUS_CANCELLED, 10);
    CHECK_INT_EQ(WEBRAFT_STATUS_INVALID_RESPONSE, 17);
    CHECK_INT_EQ(WEBRAFT_STATUS_INVALID_STATE, 18);
    CHECK_INT_EQ(WEBRAFT_STATUS_MISSING, 19);
    CHECK_INT_EQ(WEBRAFT_STATUS_WRONG_TYPE, 20);
    CHECK_INT_EQ(WEBRAFT_STATUS_CREDENTIALS, 21);
    CHECK_STR_EQ(webraft_status_name(22), "UNKNOWN");
    CHECK_STR_EQ(webraft_status_name(1000), "UNKNOWN");
    CHECK_STR_EQ(webraft_status_name(UINT32_MAX), "UNKNOWN");
    /* Static: stable pointers. */
    CHECK(webraft_status_name(3) == webraft_status_name(3));
}

/* ---- client creation ---------------------------------------------------------- */

static void test_client_new_defaults(void) {
    const char *configs[] = {NULL, "", "{}"};
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        webraft_client *client = NULL;
        webraft_result *error = NULL;
        webraft_status status = webraft_client_new(configs[i], &client, &error);
        CHECK_MSG(status == WEBRAFT_STATUS_OK, "config %s%s%s -> %s", configs[i] ? "\"" : "",
                  configs[i] ? configs[i] : "NULL", configs[i] ? "\"" : "", webraft_status_name(status));
        CHECK_NOT_NULL(client);
        CHECK_NULL(error);
        webraft_result_free(error);
        webraft_client_free(client);
    }
    /* out_error may be NULL on success too. */
    webraft_client *client = NULL;
    CHECK_STATUS_EQ(webraft_client_new("{}", &client, NULL), WEBRAFT_STATUS_OK);
    CHECK_NOT_NULL(client);
    webraft_client_free(client);
}

static void test_client_new_all_documented_keys(void) {
    webraft_client *client = NULL;
    webraft_result *error = NULL;
    const char *config =
        "{\"api_key\":\"k\",\"base_url\":\"http://localhost:1/v1\",\"organization\":\"org\",\"project\":\"proj\","
        "\"default_headers\":{\"X-A\":\"1\"},\"default_query\":{\"api-version\":\"2\"},\"timeout_ms\":0,"
        "\"connect_timeout_ms\":500,\"max_retries\":0,\"user_agent\":\"game/1.0\",\"headers_timeout_ms\":100,"
        "\"idle_timeout_ms\":200,\"stream_timeout_ms\":300,\"max_body_bytes\":1000,\"max_event_bytes\":100}";
    webraft_status status = webraft_client_new(config, &client, &error);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_OK);
    CHECK_NOT_NULL(client);
    webraft_result_free(error);
    webraft_client_free(client);

    client = NULL;
    CHECK_STATUS_EQ(webraft_client_new("{\"plan\":\"free\"}", &client, NULL), WEBRAFT_STATUS_OK);
    webraft_client_free(client);
}

/* Expect webraft_client_new(config) to fail with `expected`, a NULL client, and an
 * error result whose message contains `needle` (when not NULL). */
static void expect_client_error(const char *config, webraft_status expected, const char *needle) {
    int sentinel = 0;
    webraft_client *client = (webraft_client *)&sentinel;
    webraft_result *error = NULL;
    webraft_status status = webraft_client_new(config, &client, &error);
    CHECK_MSG(status == expected, "config %s -> %s, expected %s", config, webraft_status_name(status),
              webraft_status_name(expected));
    CHECK_MSG(client == NULL, "config %s: *out_client not set to NULL on failure", config);
    if (client != NULL && client != (webraft_client *)&sentinel) webraft_client_free(client);
    CHECK_NOT_NULL(error);
    if (error != NULL) {
        CHECK_RESULT_STATUS(error, expected);
        const char *message = webraft_result_error_message(error);
        CHECK_NOT_NULL(message);
        if (needle != NULL) CHECK_CONTAINS(message, needle);
        CHECK_INT_EQ(webraft_result_http_status(error), 0);
        CHECK_NULL(webraft_result_json(error, NULL));
        CHECK_NULL(webraft_result_text(error, NULL));
    }
    webraft_result_free(error);
}

static void test_client_new_invalid_json(void) {
    expect_client_error("{", WEBRAFT_STATUS_INVALID_JSON, NULL);
    expect_client_error("{\"api_key\":}", WEBRAFT_STATUS_INVALID_JSON, NULL);
}

static void test_client_new_invalid_utf8(void) {
    expect_client_error("{\"api_key\":\"\xff\xfe\"}", WEBRAFT_STATUS_INVALID_UTF8, NULL);
}

static void test_client_new_unknown_key(void) {
    expect_client_error("{\"timeout\":5}", WEBRAFT_STATUS_INVALID_CONFIG, "timeout");
    expect_client_error("{\"api_key\":\"k\",\"bogus_key\":true}", WEBRAFT_STATUS_INVALID_CONFIG, "bogus_key");
}

static void test_client_new_wrong_type(void) {
    expect_client_error("{\"max_retries\":\"3\"}", WEBRAFT_STATUS_INVALID_CONFIG, "max_retries");
    expect_client_error("{\"api_key\":5}", WEBRAFT_STATUS_INVALID_CONFIG, "api_key");
    expect_client_error("{\"default_headers\":{\"x\":1}}", WEBRAFT_STATUS_INVALID_CONFIG, "default_headers");
    expect_client_error("{\"timeout_ms\":-1}", WEBRAFT_STATUS_INVALID_CONFIG, "timeout_ms");
}

static void test_client_new_bad_values(void) {
    expect_client_error("[1]", WEBRAFT_STATUS_INVALID_CONFIG, NULL);
    expect_client_error("{\"base_url\":\"ftp://x\"}", WEBRAFT_STATUS_INVALID_CONFIG, NULL);
    expect_client_error("{\"base_url\":\"not a url\"}", WEBRAFT_STATUS_INVALID_CONFIG, NULL);
    expect_client_error("{\"plan\":\"gold\"}", WEBRAFT_STATUS_INVALID_CONFIG, "gold");
    expect_client_error("{\"max_body_bytes\":0}", WEBRAFT_STATUS_INVALID_CONFIG, "max_body_bytes");
}

/* "if out_error is not NULL, a result describing the problem": with NULL the
 * status alone is reported, and nothing is left for the caller to free (the
 * leak checkers of run.sh would flag a result allocated and dropped here). */
static void test_client_new_error_without_out_error(void) {
    const char *configs[] = {"{", "{\"timeout\":5}", "{\"api_key\":\"\xff\"}"};
    const webraft_status expected[] = {WEBRAFT_STATUS_INVALID_JSON, WEBRAFT_STATUS_INVALID_CONFIG,
                                       WEBRAFT_STATUS_INVALID_UTF8};
    for (size_t i = 0; i < 3; i++) {
        int sentinel;
        webraft_client *client = (webraft_client *)&sentinel;
        CHECK_STATUS_EQ(webraft_client_new(configs[i], &client, NULL), expected[i]);
        CHECK_NULL(client);
    }
    CHECK_STATUS_EQ(webraft_client_new(NULL, NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
}

static void test_client_new_null_out_client(void) {
    webraft_result *error = NULL;
    CHECK_STATUS_EQ(webraft_client_new("{}", NULL, &error), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_NOT_NULL(error);
    if (error != NULL) {
        CHECK_RESULT_STATUS(error, WEBRAFT_STATUS_NULL_ARGUMENT);
        CHECK_NOT_NULL(webraft_result_error_message(error));
    }
    webraft_result_free(error);
}

/* ---- webraft_chunk_text ---------------------------------------------------------- */

/* The text a chunk adds, or NULL; *status_out gets the status. */
static char *chunk_text(const char *json, size_t len, webraft_status *status_out, size_t *len_out) {
    char *text = NULL;
    *len_out = 9999;
    *status_out = webraft_chunk_text(json, len, &text, len_out);
    return text;
}

static void test_chunk_text_role_and_content(void) {
    struct {
        const char *json;
        const char *expected;
    } cases[] = {
        {"{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}", ""},
        {"{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}", ""},
        {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello! \"},\"finish_reason\":null}]}", "Hello! "},
        {"{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}", ""},
        {"{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":4,\"total_tokens\":5}}", ""},
        {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"caf\\u00e9 \\\"q\\\"\\n\"}}]}", "caf\xc3\xa9 \"q\"\n"},
        {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"first\"}},{\"index\":1,\"delta\":{\"content\":\"second\"}}]}",
         "first"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        webraft_status status;
        size_t len;
        char *text = chunk_text(cases[i].json, strlen(cases[i].json), &status, &len);
        CHECK_MSG(status == WEBRAFT_STATUS_OK, "case %zu -> %s", i, webraft_status_name(status));
        CHECK_STR_EQ(text, cases[i].expected);
        CHECK_INT_EQ(len, strlen(cases[i].expected));
        webraft_string_free(text);
    }
    /* out_len may be NULL. */
    char *text = NULL;
    const char *json = "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]}";
    CHECK_STATUS_EQ(webraft_chunk_text(json, strlen(json), &text, NULL), WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(text, "x");
    webraft_string_free(text);
}

static void test_chunk_text_bad_input(void) {
    webraft_status status;
    size_t len;
    char *text;

    text = chunk_text("{not json", 9, &status, &len);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_INVALID_JSON);
    CHECK_NULL(text);
    webraft_string_free(text);

    const char bad_utf8[] = "{\"choices\":[{\"delta\":{\"content\":\"\xff\xfe\"}}]}";
    text = chunk_text(bad_utf8, strlen(bad_utf8), &status, &len);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_INVALID_UTF8);
    CHECK_NULL(text);
    webraft_string_free(text);

    text = chunk_text(NULL, 5, &status, &len);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_NULL(text);
    webraft_string_free(text);

    const char *json = "{\"choices\":[]}";
    CHECK_STATUS_EQ(webraft_chunk_text(json, strlen(json), NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);

    /* Zero bytes of a valid pointer is not JSON. */
    text = chunk_text(json, 0, &status, &len);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_INVALID_JSON);
    webraft_string_free(text);
}

static void test_chunk_text_reads_exactly_len_bytes(void) {
    const char *json = "{\"choices\":[{\"delta\":{\"content\":\"exact\"}}]}";
    size_t json_len = strlen(json);
    /* A heap copy without a terminating NUL: reading past len would be caught by ASan/valgrind. */
    char *exact = malloc(json_len);
    CHECK_NOT_NULL(exact);
    if (exact == NULL) return;
    memcpy(exact, json, json_len);
    webraft_status status;
    size_t len;
    char *text = chunk_text(exact, json_len, &status, &len);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(text, "exact");
    CHECK_INT_EQ(len, 5);
    webraft_string_free(text);
    free(exact);

    /* Trailing garbage past len is ignored... */
    char with_garbage[256];
    snprintf(with_garbage, sizeof with_garbage, "%s GARBAGE{{{", json);
    text = chunk_text(with_garbage, json_len, &status, &len);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(text, "exact");
    webraft_string_free(text);
    /* ...and a len that cuts the JSON short makes it invalid. */
    text = chunk_text(json, json_len - 1, &status, &len);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_INVALID_JSON);
    webraft_string_free(text);
}

/* A delta with an escaped NUL: *out_len must describe the string handed out,
 * so a caller may read *out_len bytes of *out_text. */
static void test_chunk_text_embedded_nul_length(void) {
    const char *json = "{\"choices\":[{\"delta\":{\"content\":\"a\\u0000b\"}}]}";
    webraft_status status;
    size_t len;
    char *text = chunk_text(json, strlen(json), &status, &len);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_OK);
    CHECK_NOT_NULL(text);
    if (text != NULL) {
        /* Reading len bytes must be safe; only compare what strlen proves is there. */
        CHECK_MSG(len == strlen(text),
                  "*out_len is %zu but the returned string holds only %zu bytes before its NUL "
                  "(a caller reading *out_len bytes overruns the allocation)",
                  len, strlen(text));
    }
    webraft_string_free(text);
}

/* ---- images ---------------------------------------------------------------------- */

static const unsigned char k_png_bytes[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                            'I',  'H', 'D', 'R', 0,    0,    0,    1,   0, 0, 0, 1};

static bool write_file(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) return false;
    bool ok = fwrite(bytes, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* Standard base64 (with padding) of bytes, into out. */
static void base64(const unsigned char *bytes, size_t len, char *out) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)bytes[i] << 16;
        if (i + 1 < len) v |= (unsigned)bytes[i + 1] << 8;
        if (i + 2 < len) v |= bytes[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
}

/* A PNG file in /tmp, named per process; the path goes to buf. */
static bool make_png(char *buf, size_t size, const char *ext) {
    snprintf(buf, size, "/tmp/webraft-capi-%ld%s", (long)getpid(), ext);
    return write_file(buf, k_png_bytes, sizeof k_png_bytes);
}

static void test_image_content_part_png(void) {
    char path[256];
    CHECK(make_png(path, sizeof path, ".png"));
    char *json = NULL;
    webraft_result *error = NULL;
    webraft_status status = webraft_image_content_part(path, NULL, &json, &error);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_OK);
    CHECK_NULL(error);
    CHECK_NOT_NULL(json);
    if (json != NULL) {
        CHECK_MSG(strncmp(json, "{\"type\":\"image_url\"", 19) == 0, "part does not start with {\"type\":\"image_url\": %s",
                  json);
        CHECK_CONTAINS(json, "\"image_url\":{");
        char expected_url[256];
        char encoded[128];
        base64(k_png_bytes, sizeof k_png_bytes, encoded);
        snprintf(expected_url, sizeof expected_url, "\"url\":\"data:image/png;base64,%s\"", encoded);
        CHECK_CONTAINS(json, expected_url);
        CHECK(strstr(json, "detail") == NULL);
    }
    webraft_string_free(json);
    webraft_result_free(error);
    unlink(path);
}

static void test_image_content_part_detail(void) {
    char path[256];
    CHECK(make_png(path, sizeof path, ".png"));
    const char *details[] = {"low", "high", "auto"};
    for (size_t i = 0; i < 3; i++) {
        char *json = NULL;
        char expected[64];
        CHECK_STATUS_EQ(webraft_image_content_part(path, details[i], &json, NULL), WEBRAFT_STATUS_OK);
        snprintf(expected, sizeof expected, "\"detail\":\"%s\"", details[i]);
        CHECK_CONTAINS(json, expected);
        CHECK_CONTAINS(json, "data:image/png;base64,");
        webraft_string_free(json);
    }

    int sentinel;
    char *json = (char *)&sentinel;
    webraft_result *error = NULL;
    CHECK_STATUS_EQ(webraft_image_content_part(path, "ultra", &json, &error), WEBRAFT_STATUS_INVALID_ARGUMENT);
    CHECK_NULL(json);
    CHECK_NOT_NULL(error);
    if (error != NULL) {
        CHECK_RESULT_STATUS(error, WEBRAFT_STATUS_INVALID_ARGUMENT);
        CHECK_CONTAINS(webraft_result_error_message(error), "ultra");
    }
    webraft_result_free(error);
    unlink(path);
}

static void test_image_mime_from_bytes_then_extension(void) {
    char path[256];
    char *json = NULL;
    /* JPEG bytes in a file called .png: the bytes win. */
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0};
    snprintf(path, sizeof path, "/tmp/webraft-capi-%ld-jpeg.png", (long)getpid());
    CHECK(write_file(path, jpeg, sizeof jpeg));
    CHECK_STATUS_EQ(webraft_image_content_part(path, NULL, &json, NULL), WEBRAFT_STATUS_OK);
    CHECK_CONTAINS(json, "data:image/jpeg;base64,");
    webraft_string_free(json);
    unlink(path);

    /* Unrecognised bytes: the extension decides. */
    static const unsigned char unknown[] = {1, 2, 3, 4, 5, 6, 7, 8};
    snprintf(path, sizeof path, "/tmp/webraft-capi-%ld-plain.webp", (long)getpid());
    CHECK(write_file(path, unknown, sizeof unknown));
    json = NULL;
    CHECK_STATUS_EQ(webraft_image_content_part(path, NULL, &json, NULL), WEBRAFT_STATUS_OK);
    CHECK_CONTAINS(json, "data:image/webp;base64,");
    webraft_string_free(json);
    unlink(path);

    /* Neither: not an image. */
    snprintf(path, sizeof path, "/tmp/webraft-capi-%ld-plain.txt", (long)getpid());
    CHECK(write_file(path, unknown, sizeof unknown));
    json = NULL;
    webraft_result *error = NULL;
    webraft_status status = webraft_image_content_part(path, NULL, &json, &error);
    CHECK(status != WEBRAFT_STATUS_OK);
    CHECK_NULL(json);
    CHECK_NOT_NULL(webraft_result_error_message(error));
    webraft_string_free(json);
    webraft_result_free(error);
    unlink(path);
}

static void test_image_content_part_errors(void) {
    char path[256];
    snprintf(path, sizeof path, "/tmp/webraft-capi-%ld-missing.png", (long)getpid());
    unlink(path);
    int sentinel;
    char *json = (char *)&sentinel;
    webraft_result *error = NULL;
    CHECK_STATUS_EQ(webraft_image_content_part(path, NULL, &json, &error), WEBRAFT_STATUS_IO);
    CHECK_NULL(json);
    CHECK_NOT_NULL(error);
    if (error != NULL) {
        CHECK_RESULT_STATUS(error, WEBRAFT_STATUS_IO);
        CHECK_CONTAINS(webraft_result_error_message(error), path);
    }
    webraft_result_free(error);

    error = NULL;
    CHECK_STATUS_EQ(webraft_image_content_part(NULL, NULL, &json, &error), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_NULL(json);
    CHECK_NOT_NULL(webraft_result_error_message(error));
    webraft_result_free(error);

    char png[256];
    CHECK(make_png(png, sizeof png, ".png"));
    error = NULL;
    CHECK_STATUS_EQ(webraft_image_content_part(png, NULL, NULL, &error), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_NOT_NULL(webraft_result_error_message(error));
    webraft_result_free(error);
    /* A directory is not a readable image file. */
    json = NULL;
    error = NULL;
    CHECK(webraft_image_content_part("/tmp", NULL, &json, &error) != WEBRAFT_STATUS_OK);
    CHECK_NULL(json);
    CHECK_NOT_NULL(webraft_result_error_message(error));
    webraft_result_free(error);
    /* Invalid UTF-8 in the path or detail. */
    error = NULL;
    CHECK_STATUS_EQ(webraft_image_content_part("/tmp/\xff\xfe.png", NULL, &json, &error), WEBRAFT_STATUS_INVALID_UTF8);
    webraft_result_free(error);
    error = NULL;
    CHECK_STATUS_EQ(webraft_image_content_part(png, "\xff", &json, &error), WEBRAFT_STATUS_INVALID_UTF8);
    webraft_result_free(error);
    CHECK_NULL(json);
    unlink(png);
}

/* As for webraft_client_new: a NULL out_error is allowed and leaves nothing to free. */
static void test_image_content_part_error_without_out_error(void) {
    char path[256];
    snprintf(path, sizeof path, "/tmp/webraft-capi-%ld-missing2.png", (long)getpid());
    unlink(path);
    char *json = NULL;
    CHECK_STATUS_EQ(webraft_image_content_part(path, "low", &json, NULL), WEBRAFT_STATUS_IO);
    CHECK_NULL(json);
    CHECK_STATUS_EQ(webraft_image_content_part(NULL, NULL, &json, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_NULL(json);
}

/* ---- NULL safety ------------------------------------------------------------------- */

static void test_free_null_is_noop(void) {
    webraft_client_free(NULL);
    webraft_result_free(NULL);
    webraft_request_free(NULL);
    webraft_string_free(NULL);
    CHECK(1);
}

static void test_result_accessors_on_null(void) {
    size_t len = 777;
    webraft_timings timings;
    CHECK_STATUS_EQ(webraft_result_status(NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_INT_EQ(webraft_result_http_status(NULL), 0);
    CHECK_NULL(webraft_result_json(NULL, NULL));
    CHECK_NULL(webraft_result_json(NULL, &len));
    CHECK_INT_EQ(len, 0);
    len = 777;
    CHECK_NULL(webraft_result_body(NULL, &len));
    CHECK_INT_EQ(len, 0);
    len = 777;
    CHECK_NULL(webraft_result_text(NULL, &len));
    CHECK_INT_EQ(len, 0);
    CHECK_NULL(webraft_result_body(NULL, NULL));
    CHECK_NULL(webraft_result_text(NULL, NULL));
    CHECK_NULL(webraft_result_error_message(NULL));
    CHECK_NULL(webraft_result_error_type(NULL));
    CHECK_NULL(webraft_result_error_code(NULL));
    CHECK_NULL(webraft_result_error_param(NULL));
    CHECK_NULL(webraft_result_request_id(NULL));
    CHECK_STATUS_EQ(webraft_result_timings(NULL, &timings), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_result_timings(NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_INT_EQ(webraft_result_retries(NULL), 0);
    CHECK_INT_EQ(webraft_result_chunk_count(NULL), 0);

    /* A real (error) result with a NULL timings out-pointer. */
    webraft_result *error = NULL;
    webraft_client *client = NULL;
    webraft_client_new("{", &client, &error);
    CHECK_NOT_NULL(error);
    if (error != NULL) CHECK_STATUS_EQ(webraft_result_timings(error, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    webraft_result_free(error);
}

static void test_request_functions_on_null(void) {
    webraft_event event = 99;
    char *chunk = (char *)"untouched";
    size_t len = 5;
    CHECK_STATUS_EQ(webraft_request_next(NULL, 0, &event, &chunk, &len), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_request_next(NULL, 10, NULL, NULL, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK(!webraft_request_wait(NULL, 0));
    CHECK(!webraft_request_wait(NULL, 10));
    CHECK(!webraft_request_is_finished(NULL));
    CHECK_NULL(webraft_request_take_result(NULL));
    webraft_request_cancel(NULL);
    webraft_request_free(NULL);
}

const struct test_case basic_tests[] = {
    TEST_ENTRY(test_version_matches_header),
    TEST_ENTRY(test_abi_version_matches_header),
    TEST_ENTRY(test_status_names),
    TEST_ENTRY(test_client_new_defaults),
    TEST_ENTRY(test_client_new_all_documented_keys),
    TEST_ENTRY(test_client_new_invalid_json),
    TEST_ENTRY(test_client_new_invalid_utf8),
    TEST_ENTRY(test_client_new_unknown_key),
    TEST_ENTRY(test_client_new_wrong_type),
    TEST_ENTRY(test_client_new_bad_values),
    TEST_ENTRY(test_client_new_error_without_out_error),
    TEST_ENTRY(test_client_new_null_out_client),
    TEST_ENTRY(test_chunk_text_role_and_content),
    TEST_ENTRY(test_chunk_text_bad_input),
    TEST_ENTRY(test_chunk_text_reads_exactly_len_bytes),
    TEST_ENTRY(test_chunk_text_embedded_nul_length),
    TEST_ENTRY(test_image_content_part_png),
    TEST_ENTRY(test_image_content_part_detail),
    TEST_ENTRY(test_image_mime_from_bytes_then_extension),
    TEST_ENTRY(test_image_content_part_errors),
    TEST_ENTRY(test_image_content_part_error_without_out_error),
    TEST_ENTRY(test_free_null_is_noop),
    TEST_ENTRY(test_result_accessors_on_null),
    TEST_ENTRY(test_request_functions_on_null),
};
const size_t basic_tests_count = sizeof basic_tests / sizeof basic_tests[0];
