/* Story 4 (claude-agent-sdk #576) rebuilt from runtime parts alone.
 *
 * Task A "connects": it opens a task group and starts a reader task in it,
 * which forwards messages to a channel and, when its source ends, sends a
 * final "end" message. Task B reads the channel. When A's scope is
 * cancelled, the reader is cancelled too (it runs inside A's group), and its
 * final "end" send is itself cancelled at the send's checkpoint
 * (level-triggered), so B waits forever: a silent hang, which the runtime
 * must report as a hang naming B.
 *
 * The contrast run shields the final send: "end" is delivered and B
 * finishes, which shows the hang comes from the cancelled checkpoint and not
 * from the test's wiring.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tests/support/runtime_test.h"

typedef struct session {
    fl_channel_t *messages;     /* reader -> consumers */
    fl_event_t *connected;      /* set by A once the session exists */
    fl_cancel_scope_t a_scope;  /* the connecting task's scope */
    bool shield_final_send;
    int final_send_status;
    bool reader_finished;
    size_t b_received;
    int b_status;
    bool b_saw_end;
} session_t;

static const char END_MESSAGE[] = "end";
static const char DATA_MESSAGE[] = "data";

static fl_error_t *reader(fl_world_t *w, void *arg) {
    session_t *s = arg;
    /* Forward two messages, then wait on the (silent) transport. */
    int status = FL_OK;
    for (int i = 0; i < 2 && status == FL_OK; i++)
        status = fl_channel_send(w, s->messages, (void *)DATA_MESSAGE);
    if (status == FL_OK) status = fl_sleep_forever(w);
    /* The reader's finally-block: tell consumers the stream ended. */
    fl_cancel_scope_t shield;
    if (s->shield_final_send) fl_scope_enter(w, &shield, FL_TIME_NEVER, FL_SCOPE_SHIELD);
    s->final_send_status = fl_channel_send(w, s->messages, (void *)END_MESSAGE);
    if (s->shield_final_send) fl_scope_exit(w, &shield, s->final_send_status);
    s->reader_finished = true;
    return fl_error_from_status(fl_world_arena(w), status, "reader");
}

static fl_error_t *task_a(fl_world_t *w, void *arg) {
    session_t *s = arg;
    fl_scope_enter(w, &s->a_scope, FL_TIME_NEVER, 0);
    s->messages = fl_channel_create(w, 0, "session messages");
    fl_taskgroup_t *group = fl_taskgroup_open(w, "session");
    fl_taskgroup_spawn(group, "reader", reader, s);
    fl_event_set(w, s->connected);
    /* A goes on with other work until its scope is cancelled. */
    int status = fl_sleep_forever(w);
    fl_error_t *error = fl_taskgroup_close(group, fl_error_from_status(fl_world_arena(w), status, "A"));
    fl_scope_exit_error(w, &s->a_scope, error);
    return NULL;
}

static fl_error_t *task_b(fl_world_t *w, void *arg) {
    session_t *s = arg;
    s->b_status = fl_event_wait(w, s->connected);
    if (s->b_status != FL_OK) return NULL;
    for (;;) {
        void *message;
        s->b_status = fl_channel_receive(w, s->messages, &message);
        if (s->b_status != FL_OK) break;
        s->b_received++;
        if (message == END_MESSAGE) {
            s->b_saw_end = true;
            break;
        }
    }
    return NULL;
}

static fl_error_t *canceller(fl_world_t *w, void *arg) {
    session_t *s = arg;
    fl_sleep(w, FL_SECONDS(5));
    fl_scope_cancel(w, &s->a_scope);
    return NULL;
}

static fl_world_t *run_story(session_t *s, const char *policy, uint64_t seed) {
    fl_world_t *w = rt_world(policy, seed);
    s->connected = fl_event_create(w, "connected");
    fl_spawn(w, "A", task_a, s);
    fl_spawn(w, "B", task_b, s);
    fl_spawn(w, "canceller", canceller, s);
    return w;
}

static void test_cancelled_final_send_hangs_the_other_task(void **state) {
    (void)state;
    session_t s = {0};
    fl_world_t *w = run_story(&s, "fifo", 1);
    assert_int_equal(fl_world_run(w), FL_RUN_HANG);
    assert_int_equal(s.b_received, 2);
    assert_false(s.b_saw_end);
    assert_int_equal(s.final_send_status, FL_ECANCELLED);
    assert_true(s.reader_finished);
    assert_true(fl_task_done(fl_world_task(w, 1))); /* A finished */
    assert_false(fl_task_done(fl_world_task(w, 2))); /* B did not */
    const char *report = rt_hang_report(w);
    assert_non_null(strstr(report, "task 2 'B' blocked in receive on channel"));
    assert_non_null(strstr(report, "'session messages' (created by task 1 'A')"));
    /* Nothing else is blocked: B alone is the hang. */
    assert_null(strstr(report, "'reader' blocked"));
    assert_int_equal(fl_now(w), FL_SECONDS(5));
    fl_world_destroy(w);
}

static void test_shielded_final_send_reaches_the_other_task(void **state) {
    (void)state;
    session_t s = {.shield_final_send = true};
    fl_world_t *w = run_story(&s, "fifo", 1);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(s.final_send_status, FL_OK);
    assert_true(s.b_saw_end);
    assert_int_equal(s.b_received, 3);
    fl_world_destroy(w);
}

/* The hang does not depend on the schedule: under the random policy every
 * seed hangs with B named, and each seed's hash is reproducible. */
static void test_hang_under_every_seed(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        uint64_t hashes[2];
        for (int round = 0; round < 2; round++) {
            session_t s = {0};
            fl_world_t *w = run_story(&s, "random", seed);
            assert_int_equal(fl_world_run(w), FL_RUN_HANG);
            assert_false(s.b_saw_end);
            assert_non_null(strstr(rt_hang_report(w), "'B' blocked in receive"));
            hashes[round] = fl_world_trace_hash(w);
            fl_world_destroy(w);
        }
        assert_int_equal(hashes[0], hashes[1]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancelled_final_send_hangs_the_other_task),
        cmocka_unit_test(test_shielded_final_send_reaches_the_other_task),
        cmocka_unit_test(test_hang_under_every_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
