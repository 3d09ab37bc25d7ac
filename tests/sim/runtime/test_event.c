/* Events (anyio.Event), run by real tasks in a world: waits block until the
 * event is set, every waiter wakes, a wait on a set event still checkpoints,
 * and a wait is cancellable. Tasks only record what they see; the test
 * asserts after fl_world_run returns. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/cancel.h"
#include "sim/runtime/event.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"
#include "tests/support/runtime_test.h"
#include "tests/support/timed_log.h"


static fl_world_t *make_world(void) { return rt_world("fifo", 1); }

typedef struct shared {
    timed_log_t log;
    fl_event_t *event;
    fl_cancel_scope_t *scope; /* published by the task that entered it */
    int64_t set_after_ns;
} shared_t;

typedef struct waiter_arg {
    shared_t *shared;
    const char *name;
} waiter_arg_t;

static fl_error_t *waiter(fl_world_t *w, void *arg) {
    waiter_arg_t *a = arg;
    timed_log_add(&a->shared->log, w, 0, "%s waits", a->name);
    int status = fl_event_wait(w, a->shared->event);
    timed_log_add(&a->shared->log, w, status, "%s woke", a->name);
    return NULL;
}

static fl_error_t *setter(fl_world_t *w, void *arg) {
    shared_t *s = arg;
    fl_sleep(w, s->set_after_ns);
    timed_log_add(&s->log, w, fl_event_is_set(s->event), "set");
    fl_event_set(w, s->event);
    fl_event_set(w, s->event); /* a second set changes nothing */
    return NULL;
}

static void test_wait_blocks_until_set(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {.set_after_ns = FL_SECONDS(2)};
    s.event = fl_event_create(w, "ready");
    assert_false(fl_event_is_set(s.event));
    waiter_arg_t a = {&s, "a"};
    fl_spawn(w, "waiter", waiter, &a);
    fl_spawn(w, "setter", setter, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&s.log), "a waits,set,a woke");
    assert_int_equal(s.log.entries[1].status, 0); /* not yet set when the setter looked */
    assert_int_equal(s.log.entries[2].at_ns, FL_SECONDS(2));
    assert_int_equal(s.log.entries[2].status, FL_OK);
    assert_true(fl_event_is_set(s.event));
    fl_world_destroy(w);
}

static void test_every_waiter_wakes(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {.set_after_ns = FL_SECONDS(1)};
    s.event = fl_event_create(w, "go");
    static const char *const names[] = {"a", "b", "c", "d", "e"};
    waiter_arg_t args[5];
    for (int i = 0; i < 5; i++) {
        args[i] = (waiter_arg_t){&s, names[i]};
        fl_spawn(w, names[i], waiter, &args[i]);
    }
    fl_spawn(w, "setter", setter, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    /* They wake in the order they waited. */
    assert_string_equal(timed_log_text(&s.log),
                        "a waits,b waits,c waits,d waits,e waits,set,a woke,b woke,c woke,"
                        "d woke,e woke");
    for (int i = 6; i < 11; i++) {
        assert_int_equal(s.log.entries[i].status, FL_OK);
        assert_int_equal(s.log.entries[i].at_ns, FL_SECONDS(1));
    }
    fl_world_destroy(w);
}

static void test_unset_event_hangs(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.event = fl_event_create(w, "never");
    waiter_arg_t a = {&s, "a"};
    fl_task_t *task = fl_spawn(w, "waiter", waiter, &a);
    assert_int_equal(fl_world_run(w), FL_RUN_HANG);
    assert_false(fl_task_done(task));
    assert_string_equal(timed_log_text(&s.log), "a waits");
    fl_world_destroy(w);
}

static fl_error_t *bystander(fl_world_t *w, void *arg) {
    shared_t *s = arg;
    timed_log_add(&s->log, w, 0, "bystander");
    return NULL;
}

static void test_wait_on_set_event_checkpoints(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.event = fl_event_create(w, "already");
    fl_event_set(w, s.event); /* from outside any task */
    assert_true(fl_event_is_set(s.event));
    waiter_arg_t a = {&s, "a"};
    fl_spawn(w, "waiter", waiter, &a);
    fl_spawn(w, "bystander", bystander, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    /* Under fifo the waiter runs first, yet the bystander runs before its
     * wait returns. */
    assert_string_equal(timed_log_text(&s.log), "a waits,bystander,a woke");
    assert_int_equal(s.log.entries[2].status, FL_OK);
    assert_int_equal(s.log.entries[2].at_ns, 0);
    fl_world_destroy(w);
}

/* Waits inside its own scope, which another task cancels. */
static fl_error_t *scoped_waiter(fl_world_t *w, void *arg) {
    shared_t *s = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, 0);
    s->scope = &scope;
    timed_log_add(&s->log, w, 0, "waits");
    int status = fl_event_wait(w, s->event);
    timed_log_add(&s->log, w, status, "woke");
    status = fl_scope_exit(w, &scope, status);
    s->scope = NULL;
    timed_log_add(&s->log, w, status, "exited");
    return NULL;
}

static fl_error_t *canceller(fl_world_t *w, void *arg) {
    shared_t *s = arg;
    fl_sleep(w, FL_SECONDS(1));
    if (s->scope != NULL) fl_scope_cancel(w, s->scope);
    timed_log_add(&s->log, w, 0, "cancel");
    fl_sleep(w, FL_SECONDS(1));
    /* Setting later must not touch the cancelled waiter again. */
    fl_event_set(w, s->event);
    timed_log_add(&s->log, w, 0, "set");
    return NULL;
}

static void test_wait_is_cancellable(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.event = fl_event_create(w, "never in time");
    fl_spawn(w, "waiter", scoped_waiter, &s);
    fl_spawn(w, "canceller", canceller, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&s.log), "waits,cancel,woke,exited,set");
    assert_int_equal(s.log.entries[2].status, FL_ECANCELLED);
    assert_int_equal(s.log.entries[2].at_ns, FL_SECONDS(1));
    assert_int_equal(s.log.entries[3].status, FL_OK); /* the scope caught it */
    assert_true(fl_event_is_set(s.event));
    fl_world_destroy(w);
}

/* Inside an already-cancelled scope even a set event's wait fails. */
static fl_error_t *cancelled_waiter(fl_world_t *w, void *arg) {
    shared_t *s = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &scope);
    int status = fl_event_wait(w, s->event);
    timed_log_add(&s->log, w, status, "woke");
    fl_scope_exit(w, &scope, status);
    s->scope = NULL;
    return NULL;
}

static void test_wait_in_cancelled_scope_fails(void **state) {
    (void)state;
    for (int set_first = 0; set_first < 2; set_first++) {
        fl_world_t *w = make_world();
        shared_t s = {0};
        s.event = fl_event_create(w, "e");
        if (set_first) fl_event_set(w, s.event);
        fl_spawn(w, "waiter", cancelled_waiter, &s);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        assert_int_equal(s.log.count, 1);
        assert_int_equal(s.log.entries[0].status, FL_ECANCELLED);
        fl_world_destroy(w);
    }
}

/* Cancelling one of several waiters leaves the others waiting for the set. */
static fl_error_t *scoped_waiter_named(fl_world_t *w, void *arg) {
    waiter_arg_t *a = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, 0);
    a->shared->scope = &scope;
    int status = fl_event_wait(w, a->shared->event);
    timed_log_add(&a->shared->log, w, status, "%s woke", a->name);
    fl_scope_exit(w, &scope, status);
    a->shared->scope = NULL;
    return NULL;
}

static void test_cancelled_waiter_leaves_the_others(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.event = fl_event_create(w, "e");
    waiter_arg_t a = {&s, "a"}, b = {&s, "b"}, c = {&s, "c"};
    fl_spawn(w, "a", waiter, &a);
    fl_spawn(w, "b", scoped_waiter_named, &b); /* the scope the canceller finds */
    fl_spawn(w, "c", waiter, &c);
    fl_spawn(w, "canceller", canceller, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&s.log), "a waits,c waits,cancel,b woke,set,a woke,c woke");
    assert_int_equal(s.log.entries[3].status, FL_ECANCELLED);
    assert_int_equal(s.log.entries[5].status, FL_OK);
    assert_int_equal(s.log.entries[5].at_ns, FL_SECONDS(2));
    assert_int_equal(s.log.entries[6].status, FL_OK);
    fl_world_destroy(w);
}

/* --- the event set and a cancel at one instant ------------------------------ */

/* Both come from outside any task at 1 ms, in the order they were armed:
 * the waiter sees the first. Set first: its wait succeeds, and the cancel
 * reaches it at its next checkpoint. Cancelled first: the wait fails, and
 * the set finds nobody waiting. */
typedef struct event_race {
    fl_event_t *event;
    fl_task_t *waiter;
    rt_action_t set;
    rt_action_t cancel;
    int wait_status;
    int checkpoint_status;
} event_race_t;

static void set_from_outside(fl_world_t *w, void *arg) {
    event_race_t *r = arg;
    fl_event_set(w, r->event);
}

static void cancel_from_outside(fl_world_t *w, void *arg) {
    event_race_t *r = arg;
    fl_task_cancel(w, r->waiter);
}

static fl_error_t *wait_then_checkpoint(fl_world_t *w, void *arg) {
    event_race_t *r = arg;
    r->wait_status = fl_event_wait(w, r->event);
    r->checkpoint_status = fl_checkpoint(w);
    return NULL;
}

static void test_set_and_cancel_at_one_instant(void **state) {
    (void)state;
    for (int set_first = 0; set_first < 2; set_first++) {
        fl_world_t *w = make_world();
        event_race_t r = {0};
        r.event = fl_event_create(w, "race");
        if (set_first) rt_at(w, &r.set, FL_MS(1), set_from_outside, &r);
        rt_at(w, &r.cancel, FL_MS(1), cancel_from_outside, &r);
        if (!set_first) rt_at(w, &r.set, FL_MS(1), set_from_outside, &r);
        r.waiter = fl_spawn(w, "waiter", wait_then_checkpoint, &r);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        assert_int_equal(r.set.fired + r.cancel.fired, 2);
        assert_int_equal(r.wait_status, set_first ? FL_OK : FL_ECANCELLED);
        assert_int_equal(r.checkpoint_status, FL_ECANCELLED);
        assert_true(fl_event_is_set(r.event));
        assert_int_equal(rt_wake_count(w, r.waiter), 1);
        fl_world_destroy(w);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wait_blocks_until_set),
        cmocka_unit_test(test_every_waiter_wakes),
        cmocka_unit_test(test_unset_event_hangs),
        cmocka_unit_test(test_wait_on_set_event_checkpoints),
        cmocka_unit_test(test_wait_is_cancellable),
        cmocka_unit_test(test_wait_in_cancelled_scope_fails),
        cmocka_unit_test(test_cancelled_waiter_leaves_the_others),
        cmocka_unit_test(test_set_and_cancel_at_one_instant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
