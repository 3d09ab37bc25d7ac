/* The SSE session client: the parser, a session against the mock server,
 * and story 4's two outcomes (TaskContextError with the owner check, a hang
 * naming the other task without it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "client/sse.h"
#include "sim/asgi/scripted.h"
#include "sim/asgi/server.h"
#include "sim/net/simnet.h"
#include "tests/support/runtime_test.h"

/* --- the parser ------------------------------------------------------------------------ */

typedef struct collected {
    fl_sse_message_t messages[16];
    size_t count;
} collected_t;

static void keep(void *context, const fl_sse_message_t *message) {
    collected_t *c = context;
    if (c->count < 16) c->messages[c->count++] = *message;
}

static const char STREAM[] =
    ": a comment, ignored\r\n"
    "event: update\r\n"
    "id: 7\r\n"
    "retry: 1500\r\n"
    "data: first line\r\n"
    "data: second line\r\n"
    "\r\n"
    "data:no space\n"
    "\n"
    "event: empty\n"
    "\n"
    "data: cr only\r\r"
    "retry: soon\n"
    "data: last\n\n";

static void check_stream(const collected_t *c) {
    assert_int_equal(c->count, 4);
    assert_string_equal(c->messages[0].event, "update");
    assert_string_equal(c->messages[0].data, "first line\nsecond line");
    assert_string_equal(c->messages[0].id, "7");
    assert_true(c->messages[0].has_retry);
    assert_int_equal(c->messages[0].retry_ms, 1500);
    assert_string_equal(c->messages[1].event, "message");
    assert_string_equal(c->messages[1].data, "no space");
    assert_string_equal(c->messages[1].id, "7"); /* the last event id persists */
    assert_string_equal(c->messages[2].data, "cr only");
    assert_false(c->messages[3].has_retry); /* "soon" is not digits */
    assert_string_equal(c->messages[3].data, "last");
}

static void test_parser_rules(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    collected_t c = {0};
    fl_sse_parser_t *p = fl_sse_parser_create(&arena, keep, &c);
    fl_sse_parser_feed(p, STREAM, sizeof STREAM - 1);
    check_stream(&c);
    fl_arena_destroy(&arena);
}

/* The same stream fed in every possible two-piece split, and byte by byte:
 * the events do not depend on how the network cut it. */
static void test_parser_is_split_independent(void **state) {
    (void)state;
    for (size_t cut = 0; cut <= sizeof STREAM - 1; cut++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        collected_t c = {0};
        fl_sse_parser_t *p = fl_sse_parser_create(&arena, keep, &c);
        fl_sse_parser_feed(p, STREAM, cut);
        fl_sse_parser_feed(p, STREAM + cut, sizeof STREAM - 1 - cut);
        check_stream(&c);
        fl_arena_destroy(&arena);
    }
    fl_arena_t arena;
    fl_arena_init(&arena);
    collected_t c = {0};
    fl_sse_parser_t *p = fl_sse_parser_create(&arena, keep, &c);
    for (size_t i = 0; i < sizeof STREAM - 1; i++) fl_sse_parser_feed(p, STREAM + i, 1);
    check_stream(&c);
    fl_arena_destroy(&arena);
}

/* --- sessions against the mock server ------------------------------------------------------ */

typedef struct story {
    fl_world_t *world;
    fl_client_t *client;
    fl_asgi_server_t *server;
    bool no_owner_check;
    bool read_in_owner;       /* A reads the events itself */
    fl_sse_session_t *session;
    fl_event_t *connected;
    fl_task_t *a;
    fl_task_t *b;
    size_t a_events;
    bool a_saw_end;
    fl_error_t *b_error;
    size_t b_events;
    bool b_saw_end;
    fl_error_t *close_error;
} story_t;

static fl_error_t *task_a(fl_world_t *w, void *arg) {
    story_t *s = arg;
    fl_sse_options_t options = {.no_owner_check = s->no_owner_check};
    fl_error_t *error = fl_sse_connect(w, s->client, "http://server/events", &options, &s->session);
    if (error != NULL) return error;
    fl_event_set(w, s->connected);
    if (s->read_in_owner) {
        for (;;) {
            fl_sse_message_t *m;
            if (fl_sse_receive(w, s->session, &m) != NULL) break;
            if (m->end) {
                s->a_saw_end = true;
                break;
            }
            s->a_events++;
        }
    } else {
        fl_sleep_forever(w); /* A's other work, until its scope is cancelled */
    }
    s->close_error = fl_sse_close(w, s->session);
    fl_asgi_server_stop(s->server);
    return NULL;
}

static fl_error_t *task_b(fl_world_t *w, void *arg) {
    story_t *s = arg;
    if (fl_event_wait(w, s->connected) != FL_OK) return NULL;
    for (;;) {
        fl_sse_message_t *m;
        s->b_error = fl_sse_receive(w, s->session, &m);
        if (s->b_error != NULL) return NULL;
        if (m->end) {
            s->b_saw_end = true;
            return NULL;
        }
        s->b_events++;
    }
}

static fl_error_t *cancel_a_later(fl_world_t *w, void *arg) {
    story_t *s = arg;
    fl_sleep(w, FL_MS(3500));
    fl_task_cancel(w, s->a);
    return NULL;
}

static fl_run_outcome_t run_story(story_t *s, uint64_t seed, size_t events, bool with_b) {
    s->world = rt_world("random", seed);
    fl_world_t *w = s->world;
    fl_net_t *net = fl_simnet_create(w, NULL, NULL, NULL, 0);
    fl_scripted_step_t steps[] = {{.kind = FL_SCRIPTED_STREAM, .status = 200,
                                   .stream = {.chunk_count = events, .interval_ns = FL_SECONDS(1),
                                              .sse = true}}};
    fl_scripted_spec_t spec = {.name = "events", .steps = steps, .step_count = 1};
    char error[128];
    fl_asgi_app_t *app = fl_scripted_handler_create(w, &spec, error, sizeof error);
    assert_non_null(app);
    s->server = fl_asgi_server_create(w, net, app, NULL, error, sizeof error);
    assert_int_equal(fl_asgi_server_listen(s->server, "server", 80), FL_OK);
    s->client = fl_client_create(w, &(fl_client_options_t){.net = net,
                                                            .timeouts = {.read_ns = FL_TIME_NEVER}},
                                 error, sizeof error);
    s->connected = fl_event_create(w, "connected");
    s->a = fl_spawn(w, "A", task_a, s);
    if (with_b) {
        s->b = fl_spawn(w, "B", task_b, s);
        fl_spawn(w, "canceller", cancel_a_later, s);
    }
    return fl_world_run(w);
}

static void test_session_reads_events_in_its_own_task(void **state) {
    (void)state;
    story_t s = {.read_in_owner = true};
    run_story(&s, 1, 4, false);
    assert_int_equal(s.a_events, 4);
    assert_true(s.a_saw_end);
    assert_null(s.close_error);
    fl_world_destroy(s.world);
}

static void test_cross_task_receive_fails_fast(void **state) {
    (void)state;
    story_t s = {0};
    run_story(&s, 1, 100, true);
    assert_non_null(s.b_error);
    assert_int_equal(s.b_error->kind, FL_ERR_TASK_CONTEXT_ERROR);
    assert_int_equal(s.b_error->task_ids[0], fl_task_id(s.a));
    assert_int_equal(s.b_error->task_ids[1], fl_task_id(s.b));
    char text[96];
    snprintf(text, sizeof text, "connected in task %u and is read from task %u", fl_task_id(s.a),
             fl_task_id(s.b));
    assert_non_null(strstr(s.b_error->message, text));
    assert_int_equal(s.b_events, 0);
    fl_world_destroy(s.world);
}

/* The story's mechanism, with the check off: A's scope is cancelled at
 * 3.5 s, the reader's final "end" send is cancelled at its checkpoint, and B
 * waits forever. The run ends as a hang naming B, over many schedules. */
static void test_without_the_check_the_other_task_hangs(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        story_t s = {.no_owner_check = true};
        fl_run_outcome_t outcome = run_story(&s, seed, 100, true);
        const char *report = rt_hang_report(s.world);
        if (outcome != FL_RUN_HANG || strstr(report, "'B' blocked in receive on channel") == NULL) {
            fprintf(stderr, "seed %llu: %s\n%s", (unsigned long long)seed,
                    fl_run_outcome_name(outcome), report);
            fail();
        }
        char created[64];
        snprintf(created, sizeof created, "'sse messages' (created by task %u 'A')",
                 fl_task_id(s.a));
        assert_non_null(strstr(report, created));
        assert_false(s.b_saw_end);
        assert_null(s.b_error);
        assert_true(s.b_events >= 2 && s.b_events <= 4); /* events at 1, 2, 3 s */
        assert_true(fl_task_done(s.a));
        fl_world_destroy(s.world);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_rules),
        cmocka_unit_test(test_parser_is_split_independent),
        cmocka_unit_test(test_session_reads_events_in_its_own_task),
        cmocka_unit_test(test_cross_task_receive_fails_fast),
        cmocka_unit_test(test_without_the_check_the_other_task_hangs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
