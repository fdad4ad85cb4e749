/*
 * test_async.c: started requests (webraft_chat_start, webraft_send_start):
 * polling with webraft_request_next, chunk and done callbacks, waiting,
 * cancelling and freeing from other threads and from inside callbacks,
 * freeing the client under running requests, and one client shared by many
 * threads.
 */
#include "check.h"

#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#define STATE_MAGIC 0x57eb4af7u

/* Everything the callbacks of one started request see and do. */
struct async_state {
    unsigned magic;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    pthread_t caller;

    /* observed */
    int chunk_calls;
    int chunks_after_done;
    int done_calls;
    int chunks_at_done;
    webraft_status done_status;
    bool chunk_on_caller;
    bool done_on_caller;
    int first_chunk; /* flag */
    int done;        /* flag, set last in on_done */
    struct buf text;

    /* the handle, published by the starter once chat_start returned */
    webraft_request *request;
    int published;

    /* behaviour */
    int cancel_on_chunk;           /* webraft_request_cancel(own request) on this chunk */
    int free_on_chunk;             /* webraft_request_free(own request) on this chunk */
    int stop_after;                /* return non-zero from this chunk on */
    webraft_client *inner_client;  /* make a blocking webraft_chat inside each chunk callback */
    int inner_ok;
    webraft_client *client_to_free; /* webraft_client_free it on the first chunk */
    bool take_in_done;             /* take the result inside on_done */
    bool free_in_done;             /* and free the request there */
    webraft_result *taken;
    bool waited_in_done;
};

static struct async_state *state_new(void) {
    struct async_state *s = calloc(1, sizeof *s);
    if (s == NULL) abort();
    s->magic = STATE_MAGIC;
    pthread_mutex_init(&s->mutex, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->caller = pthread_self();
    s->done_status = 999;
    return s;
}

static void state_free(struct async_state *s) {
    if (s == NULL) return;
    buf_free(&s->text);
    webraft_result_free(s->taken);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mutex);
    free(s);
}

static void state_publish(struct async_state *s, webraft_request *request) {
    pthread_mutex_lock(&s->mutex);
    s->request = request;
    s->published = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mutex);
}

/* The published handle (waits for it); NULL if it never came or was already freed. */
static webraft_request *state_request(struct async_state *s) {
    wait_flag(&s->mutex, &s->cond, &s->published, generous_ms(10000));
    pthread_mutex_lock(&s->mutex);
    webraft_request *request = s->request;
    pthread_mutex_unlock(&s->mutex);
    CHECK_MSG(request != NULL, "callback: request handle not published");
    return request;
}

static int async_on_chunk(void *user_data, const char *chunk, size_t len) {
    struct async_state *s = user_data;
    CHECK_MSG(s != NULL && s->magic == STATE_MAGIC, "on_chunk got a wrong user_data %p", user_data);
    if (s == NULL || s->magic != STATE_MAGIC) return 1;
    pthread_mutex_lock(&s->mutex);
    int n = ++s->chunk_calls;
    if (s->done_calls > 0) s->chunks_after_done++;
    if (pthread_equal(pthread_self(), s->caller)) s->chunk_on_caller = true;
    CHECK_NOT_NULL(chunk);
    if (chunk != NULL) {
        CHECK_MSG(chunk[len] == '\0' && strlen(chunk) == len, "chunk of len %zu badly terminated", len);
        append_chunk_text(&s->text, chunk, len);
    }
    s->first_chunk = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mutex);

    if (s->cancel_on_chunk == n) webraft_request_cancel(state_request(s));
    if (s->free_on_chunk == n) {
        webraft_request *request = state_request(s);
        pthread_mutex_lock(&s->mutex);
        s->request = NULL;
        pthread_mutex_unlock(&s->mutex);
        webraft_request_free(request);
    }
    if (s->inner_client != NULL) {
        char body[256];
        chat_body(body, sizeof body, "gpt-4o", "inner", false);
        webraft_result *inner = webraft_chat(s->inner_client, body, NULL);
        CHECK_RESULT_STATUS(inner, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(inner, NULL), "Hello! You said: inner");
        if (webraft_result_status(inner) == WEBRAFT_STATUS_OK) s->inner_ok++;
        webraft_result_free(inner);
    }
    if (s->client_to_free != NULL && n == 1) {
        webraft_client *client = s->client_to_free;
        s->client_to_free = NULL;
        webraft_client_free(client);
    }
    return s->stop_after > 0 && n >= s->stop_after;
}

static void async_on_done(void *user_data, webraft_status status) {
    struct async_state *s = user_data;
    CHECK_MSG(s != NULL && s->magic == STATE_MAGIC, "on_done got a wrong user_data %p", user_data);
    if (s == NULL || s->magic != STATE_MAGIC) return;
    pthread_mutex_lock(&s->mutex);
    s->done_calls++;
    s->done_status = status;
    s->chunks_at_done = s->chunk_calls;
    if (pthread_equal(pthread_self(), s->caller)) s->done_on_caller = true;
    pthread_mutex_unlock(&s->mutex);

    if (s->take_in_done) {
        webraft_request *request = state_request(s);
        if (request != NULL) {
            CHECK(webraft_request_is_finished(request));
            s->waited_in_done = webraft_request_wait(request, 0);
            s->taken = webraft_request_take_result(request);
            CHECK_NULL(webraft_request_take_result(request));
            if (s->free_in_done) {
                pthread_mutex_lock(&s->mutex);
                s->request = NULL;
                pthread_mutex_unlock(&s->mutex);
                webraft_request_free(request);
            }
        }
    }
    pthread_mutex_lock(&s->mutex);
    s->done = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mutex);
}

/* Wait for on_done; on a timeout the state is deliberately leaked (the library
 * may still call back into it) and the test fails. Returns whether it came. */
static bool wait_done(struct async_state *s, unsigned timeout_ms) {
    bool done = wait_flag(&s->mutex, &s->cond, &s->done, timeout_ms);
    CHECK_MSG(done, "on_done not called within %u ms", timeout_ms);
    return done;
}

/* Start a chat of `model` ("hi"). */
static webraft_request *start_chat(const webraft_client *client, const char *model, bool stream, const char *options,
                                   webraft_chunk_callback on_chunk, webraft_done_callback on_done, void *user_data) {
    char body[512];
    webraft_request *request = NULL;
    chat_body(body, sizeof body, model, "hi", stream);
    uint32_t delivery = on_chunk ? WEBRAFT_DELIVERY_CALLBACK : stream ? WEBRAFT_DELIVERY_POLL : WEBRAFT_DELIVERY_NONE;
    webraft_status status = webraft_chat_start(client, body, options, delivery, on_chunk, on_done, user_data, &request);
    CHECK_STATUS_EQ(status, WEBRAFT_STATUS_OK);
    CHECK_NOT_NULL(request);
    return request;
}

/* Poll `request` to DONE, appending chunk texts to `text` (may be NULL); returns
 * the number of chunks. Alternates just-looking (timeout 0) and waiting. */
static int drain(const webraft_request *request, struct buf *text) {
    int chunks = 0;
    int stalls = 0;
    for (unsigned round = 0;; round++) {
        webraft_event event = 99;
        char *chunk = NULL;
        size_t len = 0;
        uint32_t timeout = (round % 2 == 0) ? 0 : generous_ms(10000);
        webraft_status status = webraft_request_next(request, timeout, &event, &chunk, &len);
        CHECK_STATUS_EQ(status, WEBRAFT_STATUS_OK);
        if (status != WEBRAFT_STATUS_OK) return chunks;
        if (event == WEBRAFT_EVENT_CHUNK) {
            chunks++;
            CHECK_NOT_NULL(chunk);
            if (chunk != NULL) {
                CHECK_MSG(strlen(chunk) == len, "chunk len %zu but strlen %zu", len, strlen(chunk));
                if (text != NULL) append_chunk_text(text, chunk, len);
            }
            webraft_string_free(chunk);
        } else if (event == WEBRAFT_EVENT_DONE) {
            CHECK_NULL(chunk);
            return chunks;
        } else {
            CHECK_MSG(event == WEBRAFT_EVENT_PENDING, "unknown event %u", (unsigned)event);
            CHECK_NULL(chunk);
            if (timeout != 0 && ++stalls > 3) {
                CHECK_MSG(false, "stream stalled after %d chunks", chunks);
                return chunks;
            }
        }
    }
}

/* ---- polling --------------------------------------------------------------------------- */

static void test_poll_stream_every_base(void) {
    const char *bases[] = {"/v1", "/v2", "/freeapi"};
    for (size_t i = 0; i < 3; i++) {
        webraft_client *client = new_client(bases[i], NULL);
        webraft_request *request = start_chat(client, "gpt-4o", true, NULL, NULL, NULL, NULL);
        struct buf text = {0};
        int chunks = drain(request, &text);
        CHECK(webraft_request_is_finished(request));
        CHECK(webraft_request_wait(request, 0));
        webraft_result *r = webraft_request_take_result(request);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
        CHECK_STR_EQ(buf_str(&text), MODEL_REPLY_HI);
        CHECK_INT_EQ(webraft_result_chunk_count(r), chunks);
        CHECK_INT_EQ(chunks, 6);
        CHECK_CONTAINS(webraft_result_json(r, NULL), "\"object\":\"chat.completion\"");
        CHECK_NULL(webraft_request_take_result(request));
        /* DONE stays DONE. */
        webraft_event event = 99;
        CHECK_STATUS_EQ(webraft_request_next(request, 0, &event, NULL, NULL), WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(event, WEBRAFT_EVENT_DONE);
        CHECK_STATUS_EQ(webraft_request_next(request, WEBRAFT_WAIT_FOREVER, &event, NULL, NULL), WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(event, WEBRAFT_EVENT_DONE);
        webraft_result_free(r);
        buf_free(&text);
        webraft_request_free(request);
        webraft_client_free(client);
    }
}

static void test_poll_discarding_chunks(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = start_chat(client, "gpt-4o", true, NULL, NULL, NULL, NULL);
    int chunks = 0;
    for (int guard = 0; guard < 100; guard++) {
        webraft_event event = 99;
        size_t len = 0;
        CHECK_STATUS_EQ(webraft_request_next(request, generous_ms(5000), &event, NULL, &len), WEBRAFT_STATUS_OK);
        if (event == WEBRAFT_EVENT_DONE) break;
        CHECK_INT_EQ(event, WEBRAFT_EVENT_CHUNK);
        if (event != WEBRAFT_EVENT_CHUNK) break;
        CHECK(len > 0);
        chunks++;
    }
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(chunks, 6);
    CHECK_INT_EQ(webraft_result_chunk_count(r), chunks);
    CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_poll_big_stream_loses_nothing(void) {
    webraft_client *client = new_client("/v2", NULL);
    webraft_request *request = start_chat(client, "big-chunks-1000", true, NULL, NULL, NULL, NULL);
    /* Let the bounded queue fill up before reading. */
    sleep_ms(200);
    int chunks = drain(request, NULL);
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(chunks, 1002); /* role, 1000 content chunks, finish */
    CHECK_INT_EQ(webraft_result_chunk_count(r), chunks);
    size_t text_len = 0;
    const char *text = webraft_result_text(r, &text_len);
    CHECK(text != NULL && text_len >= 1000 && text_len % 1000 == 0 && strspn(text, "x") == text_len);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

struct poller {
    const webraft_request *request;
    int chunks;
};

static void *poller_main(void *arg) {
    struct poller *p = arg;
    for (;;) {
        webraft_event event = 99;
        char *chunk = NULL;
        webraft_status status = webraft_request_next(p->request, generous_ms(10000), &event, &chunk, NULL);
        CHECK_STATUS_EQ(status, WEBRAFT_STATUS_OK);
        if (status != WEBRAFT_STATUS_OK || event != WEBRAFT_EVENT_CHUNK) {
            CHECK_MSG(event == WEBRAFT_EVENT_DONE, "poller stopped on event %u", (unsigned)event);
            webraft_string_free(chunk);
            return NULL;
        }
        CHECK_NOT_NULL(chunk);
        webraft_string_free(chunk);
        p->chunks++;
    }
}

static void test_poll_from_several_threads(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = start_chat(client, "big-chunks-600", true, NULL, NULL, NULL, NULL);
    struct poller pollers[3];
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) {
        pollers[i].request = request;
        pollers[i].chunks = 0;
        CHECK(pthread_create(&threads[i], NULL, poller_main, &pollers[i]) == 0);
    }
    int total = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
        total += pollers[i].chunks;
    }
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(total, 602);
    CHECK_INT_EQ(webraft_result_chunk_count(r), total);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

/* webraft_request_wait: "A polled stream only finishes once its queued chunks are drained." */
static void test_poll_finishes_only_when_drained(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = start_chat(client, "gpt-4o", true, NULL, NULL, NULL, NULL);
    /* The whole (6-chunk) stream fits in the queue; give it time to arrive. */
    sleep_ms(g_slow ? 3000 : 300);
    bool finished_early = webraft_request_wait(request, 0);
    CHECK_MSG(!finished_early, "webraft_request_wait reports finished while its chunks are still queued");
    CHECK_MSG(!webraft_request_is_finished(request),
              "webraft_request_is_finished reports finished while its chunks are still queued");
    webraft_result *early = webraft_request_take_result(request);
    CHECK_MSG(early == NULL, "webraft_request_take_result gave the result while chunks are still queued");
    int chunks = drain(request, NULL);
    CHECK_INT_EQ(chunks, 6);
    CHECK(webraft_request_wait(request, 0));
    CHECK(webraft_request_is_finished(request));
    webraft_result *r = early != NULL ? early : webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_plain_request_next_is_a_wait(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = start_chat(client, "slow", false, NULL, NULL, NULL, NULL);
    webraft_event event = 99;
    char *chunk = NULL;
    CHECK_STATUS_EQ(webraft_request_next(request, 0, &event, &chunk, NULL), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(event, WEBRAFT_EVENT_PENDING);
    CHECK_NULL(chunk);
    CHECK_STATUS_EQ(webraft_request_next(request, 20, &event, &chunk, NULL), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(event, WEBRAFT_EVENT_PENDING);
    CHECK_STATUS_EQ(webraft_request_next(request, 0, NULL, &chunk, NULL), WEBRAFT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS_EQ(webraft_request_next(request, WEBRAFT_WAIT_FOREVER, &event, &chunk, NULL), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(event, WEBRAFT_EVENT_DONE);
    CHECK_NULL(chunk);
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
    CHECK_INT_EQ(webraft_result_chunk_count(r), 0);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_wait_timeout_then_forever(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = start_chat(client, "slow", false, NULL, NULL, NULL, NULL);
    CHECK(!webraft_request_is_finished(request));
    CHECK_NULL(webraft_request_take_result(request));
    double start = now_ms();
    CHECK(!webraft_request_wait(request, 20));
    double took = now_ms() - start;
    CHECK_MSG(took >= 15, "wait(20) returned after %.1f ms", took);
    CHECK(!webraft_request_is_finished(request));
    CHECK(webraft_request_wait(request, WEBRAFT_WAIT_FOREVER));
    CHECK(webraft_request_is_finished(request));
    CHECK(webraft_request_wait(request, 0));
    CHECK(webraft_request_wait(request, 10));
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
    webraft_result_free(r);
    /* Finished stays finished after the result is taken. */
    CHECK(webraft_request_is_finished(request));
    CHECK(webraft_request_wait(request, 0));
    webraft_request_free(request);
    webraft_client_free(client);
}

/* ---- callbacks ------------------------------------------------------------------------------ */

static void test_callbacks_order_threads_and_user_data(void) {
    const char *bases[] = {"/v1", "/v2"};
    for (size_t i = 0; i < 2; i++) {
        webraft_client *client = new_client(bases[i], NULL);
        struct async_state *s = state_new();
        webraft_request *request = start_chat(client, "gpt-4o", false, NULL, async_on_chunk, async_on_done, s);
        state_publish(s, request);
        if (!wait_done(s, generous_ms(10000))) {
            webraft_request_free(request);
            webraft_client_free(client);
            return;
        }
        sleep_ms(100); /* nothing may follow on_done */
        pthread_mutex_lock(&s->mutex);
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(s->chunk_calls, 6);
        CHECK_INT_EQ(s->chunks_at_done, s->chunk_calls);
        CHECK_INT_EQ(s->chunks_after_done, 0);
        CHECK_MSG(!s->chunk_on_caller, "on_chunk ran on the starting thread");
        CHECK_MSG(!s->done_on_caller, "on_done ran on the starting thread");
        CHECK_STR_EQ(buf_str(&s->text), MODEL_REPLY_HI);
        pthread_mutex_unlock(&s->mutex);
        CHECK(webraft_request_is_finished(request));
        /* A request with a chunk callback yields only DONE to a poller. */
        webraft_event event = 99;
        CHECK_STATUS_EQ(webraft_request_next(request, 0, &event, NULL, NULL), WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(event, WEBRAFT_EVENT_DONE);
        webraft_result *r = webraft_request_take_result(request);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
        CHECK_INT_EQ(webraft_result_chunk_count(r), 6);
        webraft_result_free(r);
        webraft_request_free(request);
        state_free(s);
        webraft_client_free(client);
    }
}

static void test_on_done_only_for_plain_chat(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    webraft_request *request = start_chat(client, "gpt-4o", false, NULL, NULL, async_on_done, s);
    state_publish(s, request);
    if (wait_done(s, generous_ms(10000))) {
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(s->chunk_calls, 0);
        webraft_result *r = webraft_request_take_result(request);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(webraft_result_chunk_count(r), 0);
        CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
        webraft_result_free(r);
        state_free(s);
    }
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_on_done_reports_failure_status(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    webraft_request *request = start_chat(client, "error-chunk", false, NULL, async_on_chunk, async_on_done, s);
    state_publish(s, request);
    if (wait_done(s, generous_ms(10000))) {
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_STREAM_ERROR);
        webraft_result *r = webraft_request_take_result(request);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_STREAM_ERROR);
        CHECK_STR_EQ(webraft_result_text(r, NULL), "partial");
        webraft_result_free(r);
        state_free(s);
    }
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_on_done_takes_result_and_frees_request(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    s->take_in_done = true;
    s->free_in_done = true;
    webraft_request *request = start_chat(client, "gpt-4o", false, NULL, async_on_chunk, async_on_done, s);
    state_publish(s, request);
    if (wait_done(s, generous_ms(10000))) {
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK(s->waited_in_done);
        CHECK_RESULT_STATUS(s->taken, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(s->taken, NULL), MODEL_REPLY_HI);
        CHECK_INT_EQ(webraft_result_chunk_count(s->taken), s->chunk_calls);
        CHECK_NULL(s->request); /* freed inside on_done */
        state_free(s);
    }
    webraft_client_free(client);
}

static void test_send_start_models_on_done(void) {
    webraft_client *client = new_client("/v2", NULL);
    struct async_state *s = state_new();
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_send_start(client, "GET", "/models", NULL, NULL, async_on_done, s, &request),
                    WEBRAFT_STATUS_OK);
    CHECK_NOT_NULL(request);
    state_publish(s, request);
    if (wait_done(s, generous_ms(10000))) {
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_OK);
        CHECK(!s->done_on_caller);
        webraft_result *r = webraft_request_take_result(request);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_CONTAINS(webraft_result_json(r, NULL), "\"gpt-4o\"");
        webraft_result_free(r);
        state_free(s);
    }
    webraft_request_free(request);

    /* Without on_done, with a body, polled to DONE. */
    request = NULL;
    CHECK_STATUS_EQ(webraft_send_start(client, "POST", "/debug/echo", "{\"n\":42}", "{\"query\":{\"k\":\"v\"}}", NULL,
                                       NULL, &request),
                    WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(drain(request, NULL), 0);
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_CONTAINS(webraft_result_json(r, NULL), "\"body\":{\"n\":42}");
    CHECK_CONTAINS(webraft_result_json(r, NULL), "\"k\":\"v\"");
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

/* ---- cancel and free --------------------------------------------------------------------------- */

static void *cancel_main(void *arg) {
    webraft_request_cancel(arg);
    return NULL;
}

static void test_cancel_from_another_thread_is_prompt(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = start_chat(client, "stall-body", true, NULL, NULL, NULL, NULL);
    webraft_event event = 99;
    char *chunk = NULL;
    CHECK_STATUS_EQ(webraft_request_next(request, generous_ms(5000), &event, &chunk, NULL), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(event, WEBRAFT_EVENT_CHUNK); /* the role chunk */
    webraft_string_free(chunk);
    CHECK_STATUS_EQ(webraft_request_next(request, 50, &event, NULL, NULL), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(event, WEBRAFT_EVENT_PENDING);

    double start = now_ms();
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, cancel_main, request) == 0);
    pthread_join(thread, NULL);
    CHECK_STATUS_EQ(webraft_request_next(request, generous_ms(5000), &event, NULL, NULL), WEBRAFT_STATUS_OK);
    double took = now_ms() - start;
    CHECK_INT_EQ(event, WEBRAFT_EVENT_DONE);
    CHECK_MSG(took < strict_ms(50), "cancel took %.1f ms (limit %.0f ms)", took, strict_ms(50));

    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
    CHECK_INT_EQ(webraft_result_chunk_count(r), 1);
    CHECK_NOT_NULL(webraft_result_error_message(r));
    CHECK_NULL(webraft_request_take_result(request));
    webraft_result_free(r);
    /* Cancelling again is harmless. */
    webraft_request_cancel(request);
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_cancel_after_finish_is_noop(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = start_chat(client, "gpt-4o", false, NULL, NULL, NULL, NULL);
    CHECK(webraft_request_wait(request, generous_ms(10000)));
    webraft_request_cancel(request);
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    webraft_result_free(r);
    webraft_request_cancel(request); /* after the result was taken, too */
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_cancel_with_callbacks_on_stalled_stream(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    webraft_request *request = start_chat(client, "stall-body", false, NULL, async_on_chunk, async_on_done, s);
    state_publish(s, request);
    CHECK(wait_flag(&s->mutex, &s->cond, &s->first_chunk, generous_ms(5000)));
    double start = now_ms();
    webraft_request_cancel(request);
    bool done = wait_done(s, generous_ms(5000));
    double took = now_ms() - start;
    CHECK_MSG(took < strict_ms(50), "cancel to on_done took %.1f ms", took);
    if (done) {
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_CANCELLED);
        CHECK_INT_EQ(s->chunk_calls, 1);
        webraft_result *r = webraft_request_take_result(request);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
        webraft_result_free(r);
        state_free(s);
    }
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_free_in_flight_request_still_calls_on_done(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    webraft_request *request = start_chat(client, "stall-body", false, NULL, async_on_chunk, async_on_done, s);
    CHECK(wait_flag(&s->mutex, &s->cond, &s->first_chunk, generous_ms(5000)));
    webraft_request_free(request);
    if (wait_done(s, generous_ms(5000))) {
        sleep_ms(50);
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_CANCELLED);
        CHECK_INT_EQ(s->chunks_after_done, 0);
        state_free(s);
    }

    /* Freed before anything arrived (stall-headers), and a polled one mid-stream. */
    s = state_new();
    request = start_chat(client, "stall-headers", false, NULL, NULL, async_on_done, s);
    webraft_request_free(request);
    if (wait_done(s, generous_ms(5000))) {
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_CANCELLED);
        state_free(s);
    }
    request = start_chat(client, "stall-body", true, NULL, NULL, NULL, NULL);
    webraft_event event = 99;
    CHECK_STATUS_EQ(webraft_request_next(request, generous_ms(5000), &event, NULL, NULL), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(event, WEBRAFT_EVENT_CHUNK);
    webraft_request_free(request);

    /* The client is still fine. */
    webraft_result *r = webraft_chat(client, "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    webraft_result_free(r);
    webraft_client_free(client);
}

static void test_free_client_with_request_in_flight(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    webraft_request *request = start_chat(client, "stall-headers", false, NULL, NULL, async_on_done, s);
    webraft_request *polled = start_chat(client, "stall-body", true, NULL, NULL, NULL, NULL);
    sleep_ms(50);
    double start = now_ms();
    webraft_client_free(client);
    double took = now_ms() - start;
    CHECK_MSG(took < strict_ms(50), "webraft_client_free took %.1f ms with a request in flight", took);

    CHECK(webraft_request_wait(request, generous_ms(2000)));
    CHECK(webraft_request_is_finished(request));
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
    webraft_result_free(r);
    if (wait_done(s, generous_ms(2000))) {
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_CANCELLED);
        state_free(s);
    }
    /* The handle stays usable after its client is gone. */
    webraft_event event = 99;
    CHECK_STATUS_EQ(webraft_request_next(request, 0, &event, NULL, NULL), WEBRAFT_STATUS_OK);
    CHECK_INT_EQ(event, WEBRAFT_EVENT_DONE);
    CHECK_NULL(webraft_request_take_result(request));
    webraft_request_cancel(request);
    CHECK(webraft_request_wait(request, 0));
    webraft_request_free(request);

    /* The polled stream ends too; its queued chunk may still be read. */
    int chunks = drain(polled, NULL);
    CHECK(chunks <= 1);
    r = webraft_request_take_result(polled);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
    webraft_result_free(r);
    webraft_request_free(polled);
}

static void test_callback_makes_blocking_call_on_same_client(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    s->inner_client = client;
    char body[256];
    chat_body(body, sizeof body, "gpt-4o", "outer", false);
    webraft_result *r = webraft_chat_stream(client, body, NULL, async_on_chunk, s);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(r, NULL), "Hello! You said: outer");
    CHECK_INT_EQ(s->inner_ok, s->chunk_calls);
    CHECK_INT_EQ(webraft_result_chunk_count(r), s->chunk_calls);
    webraft_result_free(r);
    state_free(s);

    /* The same from a started request's callbacks. */
    s = state_new();
    s->inner_client = client;
    webraft_request *request = start_chat(client, "gpt-4o", false, NULL, async_on_chunk, async_on_done, s);
    state_publish(s, request);
    if (wait_done(s, generous_ms(20000))) {
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_OK);
        CHECK_INT_EQ(s->inner_ok, 6);
        state_free(s);
    }
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_callback_cancels_own_request(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    s->cancel_on_chunk = 1;
    webraft_request *request = start_chat(client, "slow", false, NULL, async_on_chunk, async_on_done, s);
    state_publish(s, request);
    if (wait_done(s, generous_ms(5000))) {
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_CANCELLED);
        CHECK_INT_EQ(s->chunk_calls, 1);
        webraft_result *r = webraft_request_take_result(request);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
        CHECK_INT_EQ(webraft_result_chunk_count(r), 1);
        webraft_result_free(r);
        state_free(s);
    }
    webraft_request_free(request);

    /* Returning non-zero from on_chunk cancels a started request too. */
    s = state_new();
    s->stop_after = 3;
    request = start_chat(client, "gpt-4o", false, NULL, async_on_chunk, async_on_done, s);
    state_publish(s, request);
    if (wait_done(s, generous_ms(5000))) {
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_CANCELLED);
        CHECK_INT_EQ(s->chunk_calls, 3);
        webraft_result *r = webraft_request_take_result(request);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
        CHECK_STR_EQ(webraft_result_text(r, NULL), "Hello! You ");
        webraft_result_free(r);
        state_free(s);
    }
    webraft_request_free(request);
    webraft_client_free(client);
}

static void test_callback_frees_own_request(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    s->free_on_chunk = 1;
    webraft_request *request = start_chat(client, "slow", false, NULL, async_on_chunk, async_on_done, s);
    state_publish(s, request);
    if (wait_done(s, generous_ms(5000))) {
        sleep_ms(50);
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_CANCELLED);
        CHECK_INT_EQ(s->chunk_calls, 1);
        CHECK_NULL(s->request);
        state_free(s);
    }
    webraft_client_free(client);
}

static void test_callback_frees_client(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct async_state *s = state_new();
    s->client_to_free = client;
    webraft_request *request = start_chat(client, "slow", false, NULL, async_on_chunk, async_on_done, s);
    state_publish(s, request);
    if (wait_done(s, generous_ms(5000))) {
        CHECK_INT_EQ(s->done_calls, 1);
        CHECK_STATUS_EQ(s->done_status, WEBRAFT_STATUS_CANCELLED);
        CHECK_INT_EQ(s->chunk_calls, 1);
        CHECK_NULL(s->client_to_free);
        webraft_result *r = webraft_request_take_result(request);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_CANCELLED);
        webraft_result_free(r);
        state_free(s);
    }
    webraft_request_free(request);
}

/* ---- many threads on one client --------------------------------------------------------------- */

#define WORKERS 8
#define REQUESTS_PER_WORKER 20

struct worker {
    const webraft_client *client;
    int id;
    int ok;
};

static int worker_on_chunk(void *user_data, const char *chunk, size_t len) {
    append_chunk_text(user_data, chunk, len);
    return 0;
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < REQUESTS_PER_WORKER; i++) {
        char prompt[64], expected[128], body[256];
        snprintf(prompt, sizeof prompt, "t%d-r%d", w->id, i);
        snprintf(expected, sizeof expected, "Hello! You said: %s", prompt);
        struct buf streamed = {0};
        webraft_result *r = NULL;
        int kind = (i + w->id) % 4;
        switch (kind) {
        case 0: /* plain */
            chat_body(body, sizeof body, "gpt-4o", prompt, false);
            r = webraft_chat(w->client, body, NULL);
            break;
        case 1: /* blocking stream with a callback */
            chat_body(body, sizeof body, "gpt-4o", prompt, false);
            r = webraft_chat_stream(w->client, body, NULL, worker_on_chunk, &streamed);
            break;
        case 2: { /* started and polled */
            webraft_request *request = NULL;
            chat_body(body, sizeof body, "gpt-4o", prompt, true);
            CHECK_STATUS_EQ(webraft_chat_start(w->client, body, NULL, WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request),
                            WEBRAFT_STATUS_OK);
            drain(request, &streamed);
            r = webraft_request_take_result(request);
            webraft_request_free(request);
            break;
        }
        default: { /* started plain, waited */
            webraft_request *request = NULL;
            chat_body(body, sizeof body, "gpt-4o", prompt, false);
            CHECK_STATUS_EQ(webraft_chat_start(w->client, body, NULL, WEBRAFT_DELIVERY_NONE, NULL, NULL, NULL, &request),
                            WEBRAFT_STATUS_OK);
            CHECK(webraft_request_wait(request, WEBRAFT_WAIT_FOREVER));
            r = webraft_request_take_result(request);
            webraft_request_free(request);
            break;
        }
        }
        bool good = r != NULL && webraft_result_status(r) == WEBRAFT_STATUS_OK && webraft_result_text(r, NULL) != NULL &&
                    strcmp(webraft_result_text(r, NULL), expected) == 0;
        if (kind == 1 || kind == 2) good = good && strcmp(buf_str(&streamed), expected) == 0;
        CHECK_MSG(good, "worker %d request %d (kind %d): status %s, text %s, streamed %s", w->id, i, kind,
                  webraft_status_name(webraft_result_status(r)),
                  webraft_result_text(r, NULL) ? webraft_result_text(r, NULL) : "NULL", buf_str(&streamed));
        if (good) w->ok++;
        webraft_result_free(r);
        buf_free(&streamed);
    }
    return NULL;
}

static void test_shared_client_from_many_threads(void) {
    webraft_client *client = new_client("/v1", NULL);
    struct worker workers[WORKERS];
    pthread_t threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i].client = client;
        workers[i].id = i;
        workers[i].ok = 0;
        CHECK(pthread_create(&threads[i], NULL, worker_main, &workers[i]) == 0);
    }
    int ok = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(threads[i], NULL);
        ok += workers[i].ok;
    }
    CHECK_INT_EQ(ok, WORKERS * REQUESTS_PER_WORKER);
    webraft_client_free(client);
}

static void test_many_requests_in_flight_at_once(void) {
    enum { N = 40 };
    webraft_client *client = new_client("/v2", NULL);
    webraft_request *requests[N];
    for (int i = 0; i < N; i++) {
        char prompt[32], body[256];
        snprintf(prompt, sizeof prompt, "m%d", i);
        chat_body(body, sizeof body, i % 2 ? "slow" : "gpt-4o", prompt, false);
        requests[i] = NULL;
        CHECK_STATUS_EQ(webraft_chat_start(client, body, NULL, WEBRAFT_DELIVERY_NONE, NULL, NULL, NULL, &requests[i]),
                        WEBRAFT_STATUS_OK);
    }
    for (int i = 0; i < N; i++) {
        char expected[64];
        snprintf(expected, sizeof expected, "Hello! You said: m%d", i);
        CHECK(webraft_request_wait(requests[i], generous_ms(20000)));
        webraft_result *r = webraft_request_take_result(requests[i]);
        CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
        CHECK_STR_EQ(webraft_result_text(r, NULL), expected);
        webraft_result_free(r);
        webraft_request_free(requests[i]);
    }
    webraft_client_free(client);
}

/* The documented fork() rules: the parent keeps working; a child may exec;
   a child that calls into webraft gets INVALID_STATE instead of hanging. */
static void test_fork_rules(void) {
    webraft_client *client = new_client("/v1", NULL);
    char before_body[256], child_body[256], after_body[256];
    chat_body(before_body, sizeof before_body, "gpt-4o", "before fork", false);
    chat_body(child_body, sizeof child_body, "gpt-4o", "in child", false);
    chat_body(after_body, sizeof after_body, "gpt-4o", "after fork", false);
    webraft_result *before = webraft_chat(client, before_body, NULL);
    CHECK_RESULT_STATUS(before, WEBRAFT_STATUS_OK);
    webraft_result_free(before);

    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        /* In the child: a call must fail fast with INVALID_STATE, not hang. */
        alarm(10);
        webraft_result *r = webraft_chat(client, child_body, NULL);
        int ok = webraft_result_status(r) == WEBRAFT_STATUS_INVALID_STATE &&
                 strstr(webraft_result_error_message(r), "fork") != NULL;
        webraft_request *req = NULL;
        ok = ok && webraft_chat_start(client, child_body, NULL, WEBRAFT_DELIVERY_NONE, NULL, NULL, NULL, &req) ==
                       WEBRAFT_STATUS_INVALID_STATE;
        webraft_result_free(r);
        webraft_request_free(req);
        /* Report by exec, not _exit: memory the parent's worker threads held looks
           "lost" in a forked child, and exec skips valgrind's exit-time leak check. */
        execl("/bin/sh", "sh", "-c", ok ? "exit 0" : "exit 1", (char *)NULL);
        _exit(127);
    }
    CHECK(child > 0);
    int wstatus = 0;
    CHECK(waitpid(child, &wstatus, 0) == child);
    CHECK_MSG(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0, "child exit status %d", wstatus);

    pid_t exec_child = fork();
    if (exec_child == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    CHECK(waitpid(exec_child, &wstatus, 0) == exec_child);
    CHECK(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);

    webraft_result *after = webraft_chat(client, after_body, NULL);
    CHECK_RESULT_STATUS(after, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(after, NULL), "Hello! You said: after fork");
    webraft_result_free(after);
    webraft_client_free(client);
}

/* ---- delivery is stated by the caller ---------------------------------------------------- */

/* The "stream" key spelled with an escape is the same key: the library, not the
 * caller, decides that the reply streams, and DELIVERY_NONE still completes. */
static void test_escaped_stream_key_with_no_delivery_completes(void) {
    const char *body = "{\"model\":\"gpt-4o\",\"stre\\u0061m\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_chat_start(client, body, NULL, WEBRAFT_DELIVERY_NONE, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    CHECK(webraft_request_is_stream(request));
    CHECK(webraft_request_wait(request, generous_ms(10000)));
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_STR_EQ(webraft_result_text(r, NULL), MODEL_REPLY_HI);
    CHECK_INT_EQ(webraft_result_chunk_count(r), 6);
    webraft_result_free(r);
    webraft_request_free(request);
    webraft_client_free(client);
}

/* POLL streams even when the body does not ask for it; NONE with a plain body does not. */
static void test_poll_delivery_streams_a_plain_body(void) {
    webraft_client *client = new_client("/v1", NULL);
    webraft_request *polled = start_chat(client, "gpt-4o", false, NULL, NULL, NULL, NULL);
    CHECK(!webraft_request_is_stream(polled));
    webraft_request_free(polled);
    char body[512];
    chat_body(body, sizeof body, "gpt-4o", "hi", false);
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_chat_start(client, body, NULL, WEBRAFT_DELIVERY_POLL, NULL, NULL, NULL, &request),
                    WEBRAFT_STATUS_OK);
    CHECK(webraft_request_is_stream(request));
    struct buf text = {0};
    CHECK_INT_EQ(drain(request, &text), 6);
    CHECK_STR_EQ(buf_str(&text), MODEL_REPLY_HI);
    buf_free(&text);
    webraft_request_free(request);
    CHECK(!webraft_request_is_stream(NULL));
    webraft_client_free(client);
}

static void expect_delivery_error(const webraft_client *client, uint32_t delivery, webraft_chunk_callback on_chunk,
                                  webraft_status expected, const char *message_part) {
    char body[512];
    chat_body(body, sizeof body, "gpt-4o", "hi", false);
    webraft_request *request = NULL;
    CHECK_STATUS_EQ(webraft_chat_start(client, body, NULL, delivery, on_chunk, NULL, NULL, &request), expected);
    CHECK_NOT_NULL(request);
    CHECK(webraft_request_is_finished(request));
    webraft_result *r = webraft_request_take_result(request);
    CHECK_RESULT_STATUS(r, expected);
    CHECK_CONTAINS(webraft_result_error_message(r), message_part);
    webraft_result_free(r);
    webraft_request_free(request);
}

static int ignore_chunk(void *user_data, const char *chunk, size_t len) {
    (void)user_data, (void)chunk, (void)len;
    return 0;
}

static void test_delivery_and_callback_must_agree(void) {
    webraft_client *client = new_client("/v1", NULL);
    expect_delivery_error(client, WEBRAFT_DELIVERY_CALLBACK, NULL, WEBRAFT_STATUS_NULL_ARGUMENT, "on_chunk");
    expect_delivery_error(client, WEBRAFT_DELIVERY_NONE, ignore_chunk, WEBRAFT_STATUS_INVALID_ARGUMENT, "on_chunk");
    expect_delivery_error(client, WEBRAFT_DELIVERY_POLL, ignore_chunk, WEBRAFT_STATUS_INVALID_ARGUMENT, "on_chunk");
    expect_delivery_error(client, 7, NULL, WEBRAFT_STATUS_INVALID_ARGUMENT, "7 is not a webraft_delivery");
    webraft_client_free(client);
}

/* ---- what the server said, without parsing the description ------------------------------ */

static void test_server_message_and_quota_flag(void) {
    webraft_client *wrong_key = new_client_key("/v1", "wrong-key", NULL);
    char body[512];
    chat_body(body, sizeof body, "gpt-4o", "hi", false);
    webraft_result *r = webraft_chat(wrong_key, body, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_HTTP_STATUS);
    CHECK_STR_EQ(webraft_result_server_message(r), "Wrong Api key");
    CHECK_CONTAINS(webraft_result_error_message(r), "HTTP 401: Wrong Api key");
    CHECK(!webraft_result_is_quota_exhausted(r));
    webraft_result_free(r);
    webraft_client_free(wrong_key);

    webraft_client *broke = new_client_key("/v1", "no-credits-key", NULL);
    r = webraft_chat(broke, body, NULL);
    CHECK_INT_EQ(webraft_result_http_status(r), 402);
    CHECK(webraft_result_is_quota_exhausted(r));
    CHECK_CONTAINS(webraft_result_server_message(r), "Insufficient Credits");
    webraft_result_free(r);
    webraft_client_free(broke);

    webraft_client *client = new_client("/v1", NULL);
    r = webraft_chat(client, body, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_OK);
    CHECK_NULL(webraft_result_server_message(r));
    CHECK(!webraft_result_is_quota_exhausted(r));
    webraft_result_free(r);
    chat_body(body, sizeof body, "error-chunk", "hi", true);
    r = webraft_chat(client, body, NULL);
    CHECK_RESULT_STATUS(r, WEBRAFT_STATUS_STREAM_ERROR);
    CHECK_NOT_NULL(webraft_result_server_message(r));
    CHECK(strstr(webraft_result_error_message(r), webraft_result_server_message(r)) != NULL);
    webraft_result_free(r);
    webraft_client_free(client);
    CHECK_NULL(webraft_result_server_message(NULL));
    CHECK(!webraft_result_is_quota_exhausted(NULL));
}

const struct test_case async_tests[] = {
    TEST_ENTRY(test_poll_stream_every_base),
    TEST_ENTRY(test_poll_discarding_chunks),
    TEST_ENTRY(test_poll_big_stream_loses_nothing),
    TEST_ENTRY(test_poll_from_several_threads),
    TEST_ENTRY(test_poll_finishes_only_when_drained),
    TEST_ENTRY(test_plain_request_next_is_a_wait),
    TEST_ENTRY(test_wait_timeout_then_forever),
    TEST_ENTRY(test_callbacks_order_threads_and_user_data),
    TEST_ENTRY(test_on_done_only_for_plain_chat),
    TEST_ENTRY(test_on_done_reports_failure_status),
    TEST_ENTRY(test_on_done_takes_result_and_frees_request),
    TEST_ENTRY(test_send_start_models_on_done),
    TEST_ENTRY(test_cancel_from_another_thread_is_prompt),
    TEST_ENTRY(test_cancel_after_finish_is_noop),
    TEST_ENTRY(test_cancel_with_callbacks_on_stalled_stream),
    TEST_ENTRY(test_free_in_flight_request_still_calls_on_done),
    TEST_ENTRY(test_free_client_with_request_in_flight),
    TEST_ENTRY(test_callback_makes_blocking_call_on_same_client),
    TEST_ENTRY(test_callback_cancels_own_request),
    TEST_ENTRY(test_callback_frees_own_request),
    TEST_ENTRY(test_callback_frees_client),
    TEST_ENTRY(test_shared_client_from_many_threads),
    TEST_ENTRY(test_many_requests_in_flight_at_once),
    TEST_ENTRY(test_fork_rules),
    TEST_ENTRY(test_escaped_stream_key_with_no_delivery_completes),
    TEST_ENTRY(test_poll_delivery_streams_a_plain_body),
    TEST_ENTRY(test_delivery_and_callback_must_agree),
    TEST_ENTRY(test_server_message_and_quota_flag),
};
const size_t async_tests_count = sizeof async_tests / sizeof async_tests[0];
