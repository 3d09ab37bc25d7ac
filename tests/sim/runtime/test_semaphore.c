/* Semaphores (anyio.Semaphore), run by real tasks in a world: the initial
 * value, blocking past it, FIFO hand-off, acquire timeouts in virtual time,
 * and cancellation. Tasks only record what they see; the test asserts after
 * fl_world_run returns. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/cancel.h"
#include "sim/runtime/semaphore.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"
#include "tests/support/runtime_test.h"
#include "tests/support/timed_log.h"


static fl_world_t *make_world(void) { return rt_world("fifo", 1); }

typedef struct shared {
    timed_log_t log;
    fl_semaphore_t *semaphore;
    fl_cancel_scope_t *scope;
    size_t value_seen;
    int held; /* units the tasks hold right now */
} shared_t;

typedef struct user_arg {
    shared_t *s;
    const char *name;
    int64_t arrive_after_ns;
    int64_t timeout_ns;
    int64_t hold_ns;
} user_arg_t;

/* Arrives, acquires with its timeout, holds for a while, gives it back. */
static fl_error_t *user(fl_world_t *w, void *arg) {
    user_arg_t *a = arg;
    if (a->arrive_after_ns > 0) fl_sleep(w, a->arrive_after_ns);
    int status = fl_semaphore_acquire(w, a->s->semaphore, a->timeout_ns);
    timed_log_add(&a->s->log, w, status, "%s %s", a->name, status == FL_OK ? "got" : "failed");
    if (status != FL_OK) return NULL;
    a->s->held++;
    fl_sleep(w, a->hold_ns);
    a->s->held--;
    fl_semaphore_release(w, a->s->semaphore);
    return NULL;
}

static void test_initial_value_is_respected(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.semaphore = fl_semaphore_create(w, 3, "pool");
    assert_int_equal(fl_semaphore_value(s.semaphore), 3);
    user_arg_t args[4] = {
        {&s, "a", 0, FL_TIME_NEVER, FL_SECONDS(1)},
        {&s, "b", 0, FL_TIME_NEVER, FL_SECONDS(2)},
        {&s, "c", 0, FL_TIME_NEVER, FL_SECONDS(3)},
        {&s, "d", 0, FL_TIME_NEVER, FL_SECONDS(1)}, /* the fourth: must wait */
    };
    for (int i = 0; i < 4; i++) fl_spawn(w, args[i].name, user, &args[i]);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&s.log), "a got,b got,c got,d got");
    for (int i = 0; i < 3; i++) assert_int_equal(s.log.entries[i].at_ns, 0);
    /* d got a unit only when a gave one back. */
    assert_int_equal(s.log.entries[3].at_ns, FL_SECONDS(1));
    assert_int_equal(fl_semaphore_value(s.semaphore), 3);
    assert_int_equal(s.held, 0);
    fl_world_destroy(w);
}

static fl_error_t *value_watcher(fl_world_t *w, void *arg) {
    shared_t *s = arg;
    fl_sleep(w, FL_MS(500));
    s->value_seen = fl_semaphore_value(s->semaphore);
    timed_log_add(&s->log, w, 0, "value %zu", s->value_seen);
    return NULL;
}

static void test_value_counts_units_taken(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.semaphore = fl_semaphore_create(w, 5, "pool");
    user_arg_t args[2] = {{&s, "a", 0, FL_TIME_NEVER, FL_SECONDS(1)},
                          {&s, "b", 0, 0, FL_SECONDS(1)}}; /* units free: 0 is fine */
    for (int i = 0; i < 2; i++) fl_spawn(w, args[i].name, user, &args[i]);
    fl_spawn(w, "watcher", value_watcher, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&s.log), "a got,b got,value 3");
    assert_int_equal(fl_semaphore_value(s.semaphore), 5);
    fl_world_destroy(w);
}

/* A releaser gives units at 1 s, 2 s and 3 s to a semaphore that starts at
 * zero; the waiters arrived in the order b, c, a. */
typedef struct releaser_arg {
    shared_t *s;
    int count;
    size_t values_after_release[4];
} releaser_arg_t;

static fl_error_t *releaser(fl_world_t *w, void *arg) {
    releaser_arg_t *r = arg;
    for (int i = 0; i < r->count; i++) {
        fl_sleep(w, FL_SECONDS(1));
        fl_semaphore_release(w, r->s->semaphore);
        r->values_after_release[i] = fl_semaphore_value(r->s->semaphore);
    }
    return NULL;
}

/* Arrives late, when units have been handed to waiters: must not barge. */
static fl_error_t *latecomer(fl_world_t *w, void *arg) {
    shared_t *s = arg;
    fl_sleep(w, FL_SECONDS(1)); /* the same instant as the first release */
    int status = fl_semaphore_acquire(w, s->semaphore, FL_TIME_NEVER);
    timed_log_add(&s->log, w, status, "late got");
    return NULL;
}

static void test_release_hands_to_the_longest_waiter(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.semaphore = fl_semaphore_create(w, 0, "gate");
    user_arg_t args[3] = {
        {&s, "a", FL_MS(30), FL_TIME_NEVER, FL_SECONDS(10)},
        {&s, "b", FL_MS(10), FL_TIME_NEVER, FL_SECONDS(10)},
        {&s, "c", FL_MS(20), FL_TIME_NEVER, FL_SECONDS(10)},
    };
    for (int i = 0; i < 3; i++) fl_spawn(w, args[i].name, user, &args[i]);
    releaser_arg_t r = {.s = &s, .count = 4};
    fl_spawn(w, "releaser", releaser, &r);
    fl_spawn(w, "latecomer", latecomer, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&s.log), "b got,c got,a got,late got");
    assert_int_equal(s.log.entries[0].at_ns, FL_SECONDS(1));
    assert_int_equal(s.log.entries[1].at_ns, FL_SECONDS(2));
    assert_int_equal(s.log.entries[2].at_ns, FL_SECONDS(3));
    assert_int_equal(s.log.entries[3].at_ns, FL_SECONDS(4));
    /* Each unit went straight to a waiter: the count never rose. */
    for (int i = 0; i < 4; i++) assert_int_equal(r.values_after_release[i], 0);
    /* a, b and c each gave their unit back at the end. */
    assert_int_equal(fl_semaphore_value(s.semaphore), 3);
    fl_world_destroy(w);
}

static void test_acquire_times_out_at_exact_virtual_time(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.semaphore = fl_semaphore_create(w, 1, "one");
    user_arg_t args[2] = {{&s, "holder", 0, FL_TIME_NEVER, FL_SECONDS(1)},
                          {&s, "waiter", FL_MS(7), FL_MS(100), 0}};
    for (int i = 0; i < 2; i++) fl_spawn(w, args[i].name, user, &args[i]);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&s.log), "holder got,waiter failed");
    assert_int_equal(s.log.entries[1].status, FL_ETIMEDOUT);
    assert_int_equal(s.log.entries[1].at_ns, FL_MS(107));
    /* The timed-out waiter left the queue: the release counted the unit. */
    assert_int_equal(fl_semaphore_value(s.semaphore), 1);
    fl_world_destroy(w);
}

static void test_timeout_zero_does_not_wait(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.semaphore = fl_semaphore_create(w, 0, "empty");
    user_arg_t args[2] = {{&s, "zero", 0, 0, 0}, {&s, "negative", 0, -FL_SECONDS(1), 0}};
    for (int i = 0; i < 2; i++) fl_spawn(w, args[i].name, user, &args[i]);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&s.log), "zero failed,negative failed");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(s.log.entries[i].status, FL_ETIMEDOUT);
        assert_int_equal(s.log.entries[i].at_ns, 0);
    }
    assert_int_equal(fl_now(w), 0);
    assert_int_equal(fl_semaphore_value(s.semaphore), 0);
    fl_world_destroy(w);
}

static fl_error_t *release_once_after(fl_world_t *w, void *arg) {
    user_arg_t *a = arg;
    fl_sleep(w, a->arrive_after_ns);
    timed_log_add(&a->s->log, w, 0, "release");
    fl_semaphore_release(w, a->s->semaphore);
    return NULL;
}

static void test_unit_released_before_deadline_is_taken(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.semaphore = fl_semaphore_create(w, 0, "gate");
    user_arg_t waiter = {&s, "waiter", 0, FL_MS(100), FL_MS(5)};
    user_arg_t giver = {&s, "giver", FL_MS(60), 0, 0};
    user_arg_t late = {&s, "late", FL_MS(200), 0, 0};
    fl_spawn(w, "waiter", user, &waiter);
    fl_spawn(w, "giver", release_once_after, &giver);
    /* Keeps the run going past the 100 ms deadline, so a deadline left
     * armed would fire (into a scope that no longer exists). */
    fl_spawn(w, "late", release_once_after, &late);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(timed_log_text(&s.log), "release,waiter got,release");
    assert_int_equal(s.log.entries[1].status, FL_OK);
    assert_int_equal(s.log.entries[1].at_ns, FL_MS(60));
    assert_int_equal(fl_now(w), FL_MS(200));
    /* No scope was ever cancelled: the deadline was disarmed in time. */
    assert_int_equal(fl_world_trace(w)->kind_counts[FL_TRACE_SCOPE_CANCEL], 0);
    /* The waiter gave its unit back, and the late release added one. */
    assert_int_equal(fl_semaphore_value(s.semaphore), 2);
    fl_world_destroy(w);
}

/* A release at the very instant of the deadline: whoever goes first, no
 * unit is lost and none is counted twice. */
static void test_release_at_the_deadline_loses_nothing(void **state) {
    (void)state;
    for (int giver_first = 0; giver_first < 2; giver_first++) {
        fl_world_t *w = make_world();
        shared_t s = {0};
        s.semaphore = fl_semaphore_create(w, 0, "gate");
        user_arg_t waiter = {&s, "waiter", 0, FL_MS(100), FL_SECONDS(1)};
        user_arg_t giver = {&s, "giver", FL_MS(100), 0, 0};
        if (giver_first) fl_spawn(w, "giver", release_once_after, &giver);
        fl_spawn(w, "waiter", user, &waiter);
        if (!giver_first) fl_spawn(w, "giver", release_once_after, &giver);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        assert_int_equal(s.log.count, 2);
        int waiter_entries = 0;
        for (int i = 0; i < 2; i++) {
            const timed_entry_t *e = &s.log.entries[i];
            assert_int_equal(e->at_ns, FL_MS(100));
            if (strcmp(e->text, "waiter got") == 0) {
                assert_int_equal(e->status, FL_OK);
                waiter_entries++;
            } else if (strcmp(e->text, "waiter failed") == 0) {
                assert_int_equal(e->status, FL_ETIMEDOUT);
                waiter_entries++;
            }
        }
        assert_int_equal(waiter_entries, 1);
        /* Whether the waiter took the unit (and gave it back) or timed out
         * (and the release was counted), the unit is there exactly once. */
        assert_int_equal(fl_semaphore_value(s.semaphore), 1);
        fl_world_destroy(w);
    }
}

static fl_error_t *scoped_user(fl_world_t *w, void *arg) {
    user_arg_t *a = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, 0);
    a->s->scope = &scope;
    int status = fl_semaphore_acquire(w, a->s->semaphore, a->timeout_ns);
    timed_log_add(&a->s->log, w, status, "%s woke", a->name);
    if (status == FL_OK) fl_semaphore_release(w, a->s->semaphore);
    status = fl_scope_exit(w, &scope, status);
    a->s->scope = NULL;
    timed_log_add(&a->s->log, w, status, "%s exited", a->name);
    return NULL;
}

static fl_error_t *sem_canceller(fl_world_t *w, void *arg) {
    shared_t *s = arg;
    fl_sleep(w, FL_SECONDS(1));
    if (s->scope != NULL) fl_scope_cancel(w, s->scope);
    timed_log_add(&s->log, w, 0, "cancel");
    fl_sleep(w, FL_SECONDS(1));
    fl_semaphore_release(w, s->semaphore); /* nobody waits any more */
    return NULL;
}

static void test_cancellation_while_waiting(void **state) {
    (void)state;
    /* Without a timeout, and with a timeout that has not expired yet: the
     * cancellation is reported as such, not as a timeout. */
    static const int64_t timeouts[] = {FL_TIME_NEVER, FL_SECONDS(10)};
    for (int t = 0; t < 2; t++) {
        fl_world_t *w = make_world();
        shared_t s = {0};
        s.semaphore = fl_semaphore_create(w, 0, "gate");
        user_arg_t a = {&s, "w", 0, timeouts[t], 0};
        fl_spawn(w, "waiter", scoped_user, &a);
        fl_spawn(w, "canceller", sem_canceller, &s);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        assert_string_equal(timed_log_text(&s.log), "cancel,w woke,w exited");
        assert_int_equal(s.log.entries[1].status, FL_ECANCELLED);
        assert_int_equal(s.log.entries[1].at_ns, FL_SECONDS(1));
        assert_int_equal(s.log.entries[2].status, FL_OK); /* the waiter's scope caught it */
        /* The cancelled waiter left the queue, so the release was counted. */
        assert_int_equal(fl_semaphore_value(s.semaphore), 1);
        /* Only the canceller's cancel happened: the acquire's own timeout
         * scope never fired. */
        assert_int_equal(fl_world_trace(w)->kind_counts[FL_TRACE_SCOPE_CANCEL], 1);
        assert_int_equal(fl_now(w), FL_SECONDS(2));
        fl_world_destroy(w);
    }
}

static fl_error_t *acquire_in_cancelled_scope(fl_world_t *w, void *arg) {
    shared_t *s = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &scope);
    int status = fl_semaphore_acquire(w, s->semaphore, FL_TIME_NEVER);
    timed_log_add(&s->log, w, status, "acquire");
    s->value_seen = fl_semaphore_value(s->semaphore);
    fl_scope_exit(w, &scope, status);
    return NULL;
}

static void test_acquire_in_cancelled_scope_takes_nothing(void **state) {
    (void)state;
    fl_world_t *w = make_world();
    shared_t s = {0};
    s.semaphore = fl_semaphore_create(w, 2, "pool");
    fl_spawn(w, "cancelled", acquire_in_cancelled_scope, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(s.log.count, 1);
    assert_int_equal(s.log.entries[0].status, FL_ECANCELLED);
    assert_int_equal(s.value_seen, 2);
    fl_world_destroy(w);
}

/* --- a release and the acquire timeout at one instant ---------------------- */

/* The release comes from outside any task at 1 ms, the instant the acquire
 * times out. Released first: the unit passes to the waiter, which keeps
 * it, though the timeout's scope was cancelled too. Timed out first: the
 * acquire fails and the release is counted. Either way the unit exists
 * once. */
typedef struct semaphore_race {
    fl_semaphore_t *semaphore;
    fl_task_t *acquirer;
    rt_action_t release;
    int acquire_status;
} semaphore_race_t;

static void release_from_outside(fl_world_t *w, void *arg) {
    semaphore_race_t *r = arg;
    fl_semaphore_release(w, r->semaphore);
}

static fl_error_t *acquire_with_1ms_timeout(fl_world_t *w, void *arg) {
    semaphore_race_t *r = arg;
    r->acquire_status = fl_semaphore_acquire(w, r->semaphore, FL_MS(1));
    return NULL;
}

/* Runs once the acquirer has parked: arms the release behind its timeout. */
static fl_error_t *arm_the_release(fl_world_t *w, void *arg) {
    semaphore_race_t *r = arg;
    rt_at(w, &r->release, FL_MS(1), release_from_outside, r);
    return NULL;
}

static void test_release_and_timeout_at_one_instant(void **state) {
    (void)state;
    for (int release_first = 0; release_first < 2; release_first++) {
        fl_world_t *w = make_world();
        semaphore_race_t r = {0};
        r.semaphore = fl_semaphore_create(w, 0, "race");
        if (release_first) rt_at(w, &r.release, FL_MS(1), release_from_outside, &r);
        r.acquirer = fl_spawn(w, "acquirer", acquire_with_1ms_timeout, &r);
        if (!release_first) fl_spawn(w, "arm", arm_the_release, &r);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        assert_int_equal(r.release.fired, 1);
        assert_int_equal(r.acquire_status, release_first ? FL_OK : FL_ETIMEDOUT);
        /* Held by the acquirer, or back in the semaphore. */
        assert_int_equal(fl_semaphore_value(r.semaphore), release_first ? 0 : 1);
        assert_int_equal(rt_wake_count(w, r.acquirer), 1);
        fl_world_destroy(w);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_value_is_respected),
        cmocka_unit_test(test_value_counts_units_taken),
        cmocka_unit_test(test_release_hands_to_the_longest_waiter),
        cmocka_unit_test(test_acquire_times_out_at_exact_virtual_time),
        cmocka_unit_test(test_timeout_zero_does_not_wait),
        cmocka_unit_test(test_unit_released_before_deadline_is_taken),
        cmocka_unit_test(test_release_at_the_deadline_loses_nothing),
        cmocka_unit_test(test_cancellation_while_waiting),
        cmocka_unit_test(test_acquire_in_cancelled_scope_takes_nothing),
        cmocka_unit_test(test_release_and_timeout_at_one_instant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
