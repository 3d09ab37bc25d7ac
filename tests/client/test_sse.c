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

/* A line longer than the parser's 65535 bytes is refused, never cut: the
 * parser dispatches nothing of it and stops; one byte shorter is an event. */
static void test_parser_refuses_an_overlong_line(void **state) {
    (void)state;
    enum { LINE_MAX_BYTES = 65535 };
    static char line[LINE_MAX_BYTES + 8];
    memcpy(line, "data: ", 6);
    memset(line + 6, 'a', sizeof line - 6);
    for (size_t extra = 0; extra <= 1; extra++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        collected_t c = {0};
        fl_sse_parser_t *p = fl_sse_parser_create(&arena, keep, &c);
        size_t length = LINE_MAX_BYTES + extra; /* the line's bytes, without its end */
        bool fits = true;
        for (size_t at = 0; at < length; at += 1000) /* in pieces, as a network gives it */
            fits = fl_sse_parser_feed(p, line + at, length - at < 1000 ? length - at : 1000) && fits;
        fits = fl_sse_parser_feed(p, "\n\n", 2) && fits;
        if (extra == 0) {
            assert_true(fits);
            assert_int_equal(c.count, 1);
            assert_int_equal(strlen(c.messages[0].data), length - 6);
        } else {
            assert_false(fits);
            assert_int_equal(c.count, 0);
            assert_false(fl_sse_parser_feed(p, "data: x\n\n", 9)); /* it stays stopped */
            assert_int_equal(c.count, 0);
        }
        fl_sse_parser_discard(p);
        fl_arena_destroy(&arena);
    }
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

typedef struct overlong {
    fl_client_t *client;
    fl_asgi_server_t *server;
    size_t events;
    bool saw_end;
    fl_error_t *close_error;
} overlong_t;

static fl_error_t *read_overlong(fl_world_t *w, void *arg) {
    overlong_t *o = arg;
    fl_sse_session_t *session;
    fl_error_t *error = fl_sse_connect(w, o->client, "http://server/events", NULL, &session);
    if (error != NULL) return error;
    for (;;) {
        fl_sse_message_t *m;
        if (fl_sse_receive(w, session, &m) != NULL) break;
        if (m->end) {
            o->saw_end = true;
            break;
        }
        o->events++;
    }
    o->close_error = fl_sse_close(w, session);
    fl_asgi_server_stop(o->server);
    return NULL;
}

/* A session whose server sends one event and then a 70,000-byte line: the
 * event arrives, then the stream ends and closing the session gives
 * RemoteProtocolError naming the limit, instead of a truncated event. */
static void test_session_ends_with_an_error_at_an_overlong_line(void **state) {
    (void)state;
    static char body[70100];
    int n = snprintf(body, sizeof body, "data: first\n\ndata: ");
    memset(body + n, 'a', 70000);
    memcpy(body + n + 70000, "\n\n", 3);
    fl_world_t *w = rt_world("random", 1);
    fl_net_t *net = fl_simnet_create(w, NULL, NULL, NULL, 0);
    fl_scripted_step_t steps[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 200,
                                   .media_type = "text/event-stream", .body = body}};
    fl_scripted_spec_t spec = {.name = "events", .steps = steps, .step_count = 1};
    char error[128];
    fl_asgi_app_t *app = fl_scripted_handler_create(w, &spec, error, sizeof error);
    assert_non_null(app);
    overlong_t o = {0};
    o.server = fl_asgi_server_create(w, net, app, NULL, error, sizeof error);
    assert_int_equal(fl_asgi_server_listen(o.server, "server", 80), FL_OK);
    o.client = fl_client_create(w, &(fl_client_options_t){.net = net}, error, sizeof error);
    fl_spawn(w, "reader", read_overlong, &o);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(o.events, 1);
    assert_true(o.saw_end);
    assert_non_null(o.close_error);
    const fl_error_t *leaf = o.close_error;
    while (leaf->kind == FL_ERR_GROUP_ERROR && leaf->child_count > 0) leaf = leaf->children[0];
    assert_int_equal(leaf->kind, FL_ERR_REMOTE_PROTOCOL_ERROR);
    assert_non_null(strstr(leaf->message, "longer than 65535 bytes"));
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_rules),
        cmocka_unit_test(test_parser_is_split_independent),
        cmocka_unit_test(test_parser_refuses_an_overlong_line),
        cmocka_unit_test(test_session_reads_events_in_its_own_task),
        cmocka_unit_test(test_cross_task_receive_fails_fast),
        cmocka_unit_test(test_without_the_check_the_other_task_hangs),
        cmocka_unit_test(test_session_ends_with_an_error_at_an_overlong_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
