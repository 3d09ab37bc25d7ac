/* Story 1 end to end (httpware 0.5.0): a request whose body is a one-shot
 * stream, a server that answers the first attempt with 503, the retry
 * middleware between them.
 *
 * With the refusal (the default), retry re-raises the 503 with its note
 * after one attempt and spends no budget token. With the refusal off, the
 * request is retried, the consumed stream sends nothing the second time,
 * and the server receives a body that differs from the one sent: the data
 * loss the refusal exists to prevent. A bytes body is retried and arrives
 * whole both times. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "client/budget.h"
#include "client/client.h"
#include "client/retry.h"
#include "sim/asgi/server.h"
#include "sim/net/simnet.h"
#include "tests/support/runtime_test.h"

static const char BODY[] = "first,second,third";

/* The server's app: reads the whole body, keeps it, answers 503 the first
 * time and 200 after. */
typedef struct flaky_app {
    fl_asgi_app_t base;
    size_t calls;
    char bodies[4][64];
    size_t body_lengths[4];
} flaky_app_t;

static fl_error_t *flaky_call(fl_asgi_app_t *self, fl_world_t *w, const fl_asgi_scope_t *scope,
                              fl_asgi_receive_t receive, fl_asgi_send_t send) {
    flaky_app_t *app = (flaky_app_t *)self;
    (void)scope;
    size_t call = app->calls++;
    for (;;) {
        fl_asgi_message_t m;
        fl_error_t *error = fl_asgi_receive(w, receive, &m);
        if (error != NULL) return error;
        if (m.type != FL_ASGI_HTTP_REQUEST) break;
        if (call < 4 && m.body_length > 0 &&
            app->body_lengths[call] + m.body_length < sizeof app->bodies[call]) {
            memcpy(app->bodies[call] + app->body_lengths[call], m.body, m.body_length);
            app->body_lengths[call] += m.body_length;
        }
        if (!m.more_body) break;
    }
    int status = call == 0 ? 503 : 200;
    static const fl_asgi_header_t headers[] = {{"content-length", "0"}};
    fl_asgi_message_t start = fl_asgi_start(status, headers, 1);
    fl_error_t *error = fl_asgi_send(w, send, &start);
    if (error != NULL) return error;
    fl_asgi_message_t end = fl_asgi_body("", 0, false);
    return fl_asgi_send(w, send, &end);
}

/* A one-shot generator: once it has given its pieces, it gives nothing. */
typedef struct one_shot {
    fl_body_source_t source;
    int next;
} one_shot_t;

static fl_error_t *next_piece(void *context, fl_world_t *w, const void **chunk, size_t *length,
                              bool *done) {
    one_shot_t *g = context;
    (void)w;
    static const char *const pieces[] = {"first,", "second,", "third"};
    if (g->next >= 3) {
        *done = true;
        return NULL;
    }
    *chunk = pieces[g->next];
    *length = strlen(pieces[g->next]);
    g->next++;
    return NULL;
}

typedef struct story {
    fl_client_t *client;
    fl_asgi_server_t *server;
    fl_retry_budget_t *budget;
    bool stream_body;
    fl_error_t *error;
    fl_response_t *response;
    uint64_t tokens_before;
    uint64_t tokens_after;
    uint64_t withdrawals;
    one_shot_t generator;
} story_t;

static fl_error_t *client_task(fl_world_t *w, void *arg) {
    story_t *s = arg;
    fl_request_t *request;
    fl_request_create(fl_world_arena(w), "PUT", "http://server/upload", &request);
    if (s->stream_body) {
        s->generator = (one_shot_t){.source = {next_piece, &s->generator}};
        fl_request_set_stream(request, &s->generator.source);
    } else {
        fl_request_set_body(fl_world_arena(w), request, BODY, strlen(BODY));
    }
    s->tokens_before = fl_retry_budget_available(w, s->budget);
    s->error = fl_client_send(w, s->client, request, &s->response);
    s->tokens_after = fl_retry_budget_available(w, s->budget);
    s->withdrawals = fl_retry_budget_stats(w, s->budget).withdrawals_total;
    fl_client_close(w, s->client);
    fl_asgi_server_stop(s->server);
    return NULL;
}

static fl_world_t *run_story(story_t *s, flaky_app_t *app, bool refuse, fl_middleware_t **retry_out) {
    fl_world_t *w = rt_world("random", 11);
    fl_net_t *net = fl_simnet_create(w, NULL, NULL, NULL, 0);
    char error[256];
    *app = (flaky_app_t){.base = {"flaky", flaky_call}};
    s->server = fl_asgi_server_create(w, net, &app->base, NULL, error, sizeof error);
    assert_int_equal(fl_asgi_server_listen(s->server, "server", 80), FL_OK);
    s->budget = fl_retry_budget_create(w, NULL, error, sizeof error);
    assert_non_null(s->budget);
    fl_retry_options_t options = fl_retry_options_default();
    options.refuse_streamed_body = refuse;
    options.budget = s->budget;
    fl_middleware_t *retry = fl_retry_create(w, &options, error, sizeof error);
    assert_non_null(retry);
    static fl_middleware_t *chain[1];
    chain[0] = retry;
    s->client = fl_client_create(w, &(fl_client_options_t){.net = net, .middleware = chain,
                                                            .middleware_count = 1},
                                 error, sizeof error);
    fl_spawn(w, "client", client_task, s);
    fl_world_run(w);
    *retry_out = retry;
    return w;
}

static void test_streamed_body_is_not_retried(void **state) {
    (void)state;
    story_t s = {.stream_body = true};
    flaky_app_t app;
    fl_middleware_t *retry;
    fl_world_t *w = run_story(&s, &app, true, &retry);
    assert_non_null(s.error);
    assert_int_equal(s.error->kind, FL_ERR_SERVICE_UNAVAILABLE);
    assert_true(fl_error_has_note(s.error, "request body is a stream that cannot replay"));
    assert_int_equal(app.calls, 1);
    assert_int_equal(fl_retry_stats(retry).attempts, 1);
    assert_int_equal(fl_retry_stats(retry).streamed_body_refusals, 1);
    /* The refusal comes before any token is spent: the call's deposit is
     * the only change (one more token available, none withdrawn). */
    assert_int_equal(s.withdrawals, 0);
    assert_true(s.tokens_after >= s.tokens_before);
    assert_memory_equal(app.bodies[0], BODY, strlen(BODY));
    fl_world_destroy(w);
}

static void test_refusal_off_loses_the_body(void **state) {
    (void)state;
    story_t s = {.stream_body = true};
    flaky_app_t app;
    fl_middleware_t *retry;
    fl_world_t *w = run_story(&s, &app, false, &retry);
    assert_null(s.error); /* the caller sees success... */
    assert_int_equal(s.response->status, 200);
    assert_int_equal(app.calls, 2);
    /* ...but the server received something else the second time. */
    assert_int_equal(app.body_lengths[0], strlen(BODY));
    assert_true(app.body_lengths[1] != app.body_lengths[0] ||
                memcmp(app.bodies[1], app.bodies[0], app.body_lengths[0]) != 0);
    assert_int_equal(app.body_lengths[1], 0);
    fl_world_destroy(w);
}

static void test_bytes_body_is_retried_whole(void **state) {
    (void)state;
    story_t s = {.stream_body = false};
    flaky_app_t app;
    fl_middleware_t *retry;
    fl_world_t *w = run_story(&s, &app, true, &retry);
    assert_null(s.error);
    assert_int_equal(app.calls, 2);
    assert_int_equal(app.body_lengths[1], strlen(BODY));
    assert_memory_equal(app.bodies[1], BODY, strlen(BODY));
    assert_int_equal(fl_retry_stats(retry).retries, 1);
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streamed_body_is_not_retried),
        cmocka_unit_test(test_refusal_off_loses_the_body),
        cmocka_unit_test(test_bytes_body_is_retried_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
