/* Cancel scopes: level-triggered delivery, shields, deadlines, move_on and
 * fail_after, and the rule that only the entering task may exit a scope. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tests/support/runtime_test.h"

/* Shared between the tasks of one test. */
typedef struct fixture {
    fl_cancel_scope_t scope;
    fl_cancel_scope_t *target; /* the scope a canceller cancels */
    int64_t cancel_at_ns;
    int first_status;
    int second_status;
    int third_status;
    int exit_status;
    int64_t time_ns;
    rt_log_t log;
} fixture_t;

static fl_error_t *cancel_later(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_sleep_until(w, f->cancel_at_ns);
    rt_log_add(&f->log, "cancel");
    fl_scope_cancel(w, f->target);
    return NULL;
}

/* The body sleeps inside a scope; when cancelled, its cleanup awaits twice:
 * both awaits must be cancelled again (level-triggered delivery). */
static fl_error_t *sleeper_with_cleanup(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    f->first_status = fl_sleep(w, FL_SECONDS(10));
    f->time_ns = fl_now(w);
    f->second_status = fl_sleep(w, FL_SECONDS(1)); /* cleanup's first await */
    f->third_status = fl_checkpoint(w);            /* and its second */
    f->exit_status = fl_scope_exit(w, &f->scope, f->first_status);
    return NULL;
}

static void test_level_triggered_cancellation(void **state) {
    (void)state;
    fixture_t f = {.cancel_at_ns = FL_SECONDS(2), .target = NULL};
    f.target = &f.scope;
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "sleeper", sleeper_with_cleanup, &f);
    fl_spawn(w, "canceller", cancel_later, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ECANCELLED);
    assert_int_equal(f.time_ns, FL_SECONDS(2));
    assert_int_equal(f.second_status, FL_ECANCELLED);
    assert_int_equal(f.third_status, FL_ECANCELLED);
    assert_int_equal(f.exit_status, FL_OK); /* the scope caught its own cancel */
    assert_true(f.scope.cancelled_caught);
    assert_int_equal(fl_now(w), FL_SECONDS(2)); /* the cleanup sleep never slept */
    fl_world_destroy(w);
}

/* An outer cancellation does not reach into a shielded scope: the shielded
 * sleep runs its full second; the first checkpoint after the shield fails. */
static fl_error_t *shielded_cleanup(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    f->first_status = fl_sleep(w, FL_SECONDS(10));
    fl_cancel_scope_t shield;
    fl_scope_enter(w, &shield, FL_TIME_NEVER, FL_SCOPE_SHIELD);
    f->second_status = fl_sleep(w, FL_SECONDS(1));
    f->time_ns = fl_now(w);
    assert_int_equal(fl_scope_exit(w, &shield, f->second_status), FL_OK);
    f->third_status = fl_checkpoint(w);
    f->exit_status = fl_scope_exit(w, &f->scope, f->third_status);
    return NULL;
}

static void test_shield_blocks_outer_cancel(void **state) {
    (void)state;
    fixture_t f = {.cancel_at_ns = FL_SECONDS(3)};
    f.target = &f.scope;
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", shielded_cleanup, &f);
    fl_spawn(w, "canceller", cancel_later, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ECANCELLED);
    assert_int_equal(f.second_status, FL_OK);
    assert_int_equal(f.time_ns, FL_SECONDS(4));
    assert_int_equal(f.third_status, FL_ECANCELLED);
    assert_int_equal(f.exit_status, FL_OK);
    fl_world_destroy(w);
}

/* Cancellation that arrives while a task is blocked inside a shield is
 * delivered once the shield is turned off. */
static fl_error_t *unshield_later(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_sleep(w, FL_SECONDS(5));
    fl_scope_set_shield(w, f->target, false);
    return NULL;
}

static fl_error_t *blocked_in_shield(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    fl_cancel_scope_t shield;
    f->target = &shield;
    fl_scope_enter(w, &shield, FL_TIME_NEVER, FL_SCOPE_SHIELD);
    fl_scope_cancel(w, &f->scope); /* outer cancelled; shield holds it off */
    f->first_status = fl_sleep(w, FL_SECONDS(100));
    f->time_ns = fl_now(w);
    f->second_status = fl_scope_exit(w, &shield, f->first_status);
    f->exit_status = fl_scope_exit(w, &f->scope, f->second_status);
    return NULL;
}

static void test_unshielding_delivers_pending_cancel(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", blocked_in_shield, &f);
    fl_spawn(w, "unshielder", unshield_later, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ECANCELLED);
    assert_int_equal(f.time_ns, FL_SECONDS(5));
    /* The shield scope was not the one cancelled: it lets Cancelled pass. */
    assert_int_equal(f.second_status, FL_ECANCELLED);
    assert_int_equal(f.exit_status, FL_OK);
    fl_world_destroy(w);
}

/* A shielded scope that is itself cancelled still cancels its contents. */
static fl_error_t *cancel_own_shield(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, FL_SCOPE_SHIELD);
    fl_scope_cancel(w, &f->scope);
    f->first_status = fl_checkpoint(w);
    f->exit_status = fl_scope_exit(w, &f->scope, f->first_status);
    return NULL;
}

static void test_cancelled_shield_cancels_its_contents(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", cancel_own_shield, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ECANCELLED);
    assert_int_equal(f.exit_status, FL_OK);
    fl_world_destroy(w);
}

/* move_on_after(30 s) around a wait that never ends returns at exactly
 * virtual 30 s, and the scope reports that it caught the cancellation. */
static fl_error_t *move_on_30s(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter_move_on_after(w, &f->scope, FL_SECONDS(30));
    f->first_status = fl_sleep_forever(w);
    f->time_ns = fl_now(w);
    f->exit_status = fl_scope_exit(w, &f->scope, f->first_status);
    return NULL;
}

static void test_deadline_fires_at_virtual_30s(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "waiter", move_on_30s, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ECANCELLED);
    assert_int_equal(f.time_ns, FL_SECONDS(30));
    assert_int_equal(f.exit_status, FL_OK);
    assert_true(f.scope.cancelled_caught);
    assert_true(f.scope.deadline_reached);
    fl_world_destroy(w);
}

static fl_error_t *fail_after_body(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter_fail_after(w, &f->scope, FL_MS(250));
    f->first_status = fl_sleep(w, f->cancel_at_ns); /* reuse: how long to sleep */
    f->time_ns = fl_now(w);
    f->exit_status = fl_scope_exit(w, &f->scope, f->first_status);
    return NULL;
}

static void test_fail_after_times_out(void **state) {
    (void)state;
    fixture_t f = {.cancel_at_ns = FL_SECONDS(1)};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", fail_after_body, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.time_ns, FL_MS(250));
    assert_int_equal(f.exit_status, FL_ETIMEDOUT);
    fl_world_destroy(w);
}

static void test_fail_after_in_time_is_ok(void **state) {
    (void)state;
    fixture_t f = {.cancel_at_ns = FL_MS(100)};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", fail_after_body, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_OK);
    assert_int_equal(f.exit_status, FL_OK);
    assert_false(f.scope.cancelled_caught);
    fl_world_destroy(w);
}

/* A deadline already in the past cancels at the next checkpoint. */
static fl_error_t *past_deadline(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_sleep(w, FL_SECONDS(1));
    fl_scope_enter(w, &f->scope, FL_MS(10), 0);
    f->first_status = fl_checkpoint(w);
    f->exit_status = fl_scope_exit(w, &f->scope, f->first_status);
    return NULL;
}

static void test_past_deadline_cancels_at_once(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", past_deadline, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ECANCELLED);
    assert_int_equal(f.exit_status, FL_OK);
    fl_world_destroy(w);
}

/* Nested scopes: the inner scope cannot swallow the outer's cancellation;
 * it propagates to the outer scope, which catches it. */
static fl_error_t *nested_outer_cancelled(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_cancel_scope_t inner;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    fl_scope_enter(w, &inner, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &inner);
    fl_scope_cancel(w, &f->scope);
    f->first_status = fl_checkpoint(w);
    f->second_status = fl_scope_exit(w, &inner, f->first_status);
    f->exit_status = fl_scope_exit(w, &f->scope, f->second_status);
    return NULL;
}

static void test_inner_scope_does_not_swallow_outer_cancel(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", nested_outer_cancelled, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ECANCELLED);
    assert_int_equal(f.second_status, FL_ECANCELLED);
    assert_int_equal(f.exit_status, FL_OK);
    fl_world_destroy(w);
}

/* Cancelling an inner scope leaves the outer one untouched. */
static fl_error_t *inner_only(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_cancel_scope_t inner;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    fl_scope_enter(w, &inner, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &inner);
    f->first_status = fl_sleep(w, FL_SECONDS(1));
    f->second_status = fl_scope_exit(w, &inner, f->first_status);
    f->third_status = fl_sleep(w, FL_SECONDS(1));
    f->exit_status = fl_scope_exit(w, &f->scope, f->third_status);
    f->time_ns = fl_now(w);
    return NULL;
}

static void test_inner_cancel_leaves_outer_alone(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", inner_only, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ECANCELLED);
    assert_int_equal(f.second_status, FL_OK);
    assert_int_equal(f.third_status, FL_OK);
    assert_int_equal(f.time_ns, FL_SECONDS(1));
    assert_false(f.scope.cancelled_caught);
    fl_world_destroy(w);
}

/* Only the task that entered a scope may exit it. */
static fl_error_t *enter_and_wait(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    fl_sleep(w, FL_SECONDS(1));
    f->exit_status = fl_scope_exit(w, &f->scope, FL_OK);
    return NULL;
}

static fl_error_t *exit_foreign_scope(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    f->first_status = fl_scope_exit(w, &f->scope, FL_OK);
    fl_error_t *error = fl_scope_exit_error(w, &f->scope, NULL);
    f->second_status = error != NULL && error->kind == FL_ERR_RUNTIME_ERROR ? 1 : 0;
    return NULL;
}

static void test_scope_exit_by_another_task_is_refused(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "owner", enter_and_wait, &f);
    fl_spawn(w, "intruder", exit_foreign_scope, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ECROSSTASK);
    assert_int_equal(f.second_status, 1);
    assert_int_equal(f.exit_status, FL_OK); /* the owner still exits normally */
    assert_int_equal(fl_world_violation_count(w), 2);
    assert_non_null(strstr(fl_world_violation(w, 0), "different task"));
    fl_world_destroy(w);
}

static fl_error_t *exit_out_of_order(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_cancel_scope_t inner;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    fl_scope_enter(w, &inner, FL_TIME_NEVER, 0);
    f->first_status = fl_scope_exit(w, &f->scope, FL_OK);
    f->second_status = fl_scope_exit(w, &inner, FL_OK);
    f->exit_status = fl_scope_exit(w, &f->scope, FL_OK);
    return NULL;
}

static void test_scope_exit_out_of_order_is_refused(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", exit_out_of_order, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_ESTATE);
    assert_int_equal(f.second_status, FL_OK);
    assert_int_equal(f.exit_status, FL_OK);
    assert_int_equal(fl_world_violation_count(w), 1);
    fl_world_destroy(w);
}

/* Exiting a scope a second time is refused and recorded: the scope is no
 * longer active, whoever asks. */
static fl_error_t *exit_twice(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    f->first_status = fl_scope_exit(w, &f->scope, FL_OK);
    f->second_status = fl_scope_exit(w, &f->scope, FL_OK);
    return NULL;
}

static void test_scope_exited_twice_is_refused(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", exit_twice, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, FL_OK);
    assert_int_equal(f.second_status, FL_ESTATE);
    assert_int_equal(fl_world_violation_count(w), 1);
    assert_non_null(strstr(fl_world_violation(w, 0), "exited twice"));
    fl_world_destroy(w);
}

/* A task that returns while still inside a scope is a violation, and the
 * scope's deadline must not fire into the dead task afterwards. */
static fl_error_t *leaks_scope(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter_move_on_after(w, &f->scope, FL_SECONDS(5));
    return NULL;
}

static void test_task_ending_inside_scope_is_a_violation(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "leaker", leaks_scope, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(fl_world_violation_count(w), 1);
    assert_non_null(strstr(fl_world_violation(w, 0), "ended inside 1 cancel scope"));
    assert_int_equal(fl_now(w), 0); /* the 5 s deadline timer was disarmed */
    fl_world_destroy(w);
}

/* The error form: Cancelled caught gives NULL; an expired fail_after gives
 * DeadlineExceeded with the Cancelled as its cause; other errors pass. */
static fl_error_t *error_forms(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_arena_t *arena = fl_world_arena(w);
    fl_cancel_scope_t a, b, c;

    fl_scope_enter(w, &a, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &a);
    fl_error_t *e = fl_error_from_status(arena, fl_checkpoint(w), NULL);
    f->first_status = fl_scope_exit_error(w, &a, e) == NULL;

    fl_scope_enter_fail_after(w, &b, FL_MS(5));
    e = fl_error_from_status(arena, fl_sleep(w, FL_SECONDS(1)), NULL);
    fl_error_t *timeout = fl_scope_exit_error(w, &b, e);
    f->second_status = timeout != NULL && timeout->kind == FL_ERR_DEADLINE_EXCEEDED &&
                       fl_error_is_cancelled(timeout->cause);

    fl_scope_enter(w, &c, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &c);
    fl_error_t *other = fl_error_new(arena, FL_ERR_VALUE_ERROR, "boom");
    f->third_status = fl_scope_exit_error(w, &c, other) == other;
    return NULL;
}

static void test_scope_exit_error_forms(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", error_forms, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.first_status, 1);
    assert_int_equal(f.second_status, 1);
    assert_int_equal(f.third_status, 1);
    fl_world_destroy(w);
}

/* Moving a deadline earlier re-arms it; removing it disarms it. */
static fl_error_t *moved_deadline(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_scope_enter_move_on_after(w, &f->scope, FL_SECONDS(60));
    fl_scope_set_deadline(w, &f->scope, FL_SECONDS(2));
    f->first_status = fl_sleep(w, FL_SECONDS(10));
    f->time_ns = fl_now(w);
    f->exit_status = fl_scope_exit(w, &f->scope, f->first_status);

    fl_cancel_scope_t other;
    fl_scope_enter_move_on_after(w, &other, FL_SECONDS(1));
    fl_scope_set_deadline(w, &other, FL_TIME_NEVER);
    f->second_status = fl_sleep(w, FL_SECONDS(3));
    f->third_status = fl_scope_exit(w, &other, f->second_status);
    return NULL;
}

static void test_deadline_can_move(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "worker", moved_deadline, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.time_ns, FL_SECONDS(2));
    assert_int_equal(f.exit_status, FL_OK);
    assert_int_equal(f.second_status, FL_OK);
    assert_int_equal(fl_now(w), FL_SECONDS(5));
    fl_world_destroy(w);
}

/* --- two cancellations of one park at one instant ------------------------- */

/* Two deadlines at one instant, nested scopes: the first cancels and wakes
 * the task, the second finds it no longer blocked. Inner scope exit lets
 * Cancelled through (the outer cancellation is visible through it), the
 * outer one catches it. */
typedef struct two_scopes {
    fl_cancel_scope_t outer;
    fl_cancel_scope_t inner;
    fl_task_t *task;
    rt_action_t action;
    int wait_status;
    int inner_exit;
    int outer_exit;
    int64_t woke_at_ns;
    bool sleep_too; /* wait in a 1 ms sleep rather than forever */
} two_scopes_t;

static fl_error_t *wait_in_two_scopes(fl_world_t *w, void *arg) {
    two_scopes_t *t = arg;
    fl_scope_enter_move_on_after(w, &t->outer, FL_MS(1));
    fl_scope_enter_move_on_after(w, &t->inner, FL_MS(1));
    t->wait_status = t->sleep_too ? fl_sleep(w, FL_MS(1)) : fl_sleep_forever(w);
    t->woke_at_ns = fl_now(w);
    t->inner_exit = fl_scope_exit(w, &t->inner, t->wait_status);
    t->outer_exit = fl_scope_exit(w, &t->outer, t->inner_exit);
    return NULL;
}

static void test_two_deadlines_at_one_instant_wake_once(void **state) {
    (void)state;
    for (int sleep_too = 0; sleep_too < 2; sleep_too++) {
        fl_world_t *w = rt_world("fifo", 1);
        two_scopes_t t = {.sleep_too = sleep_too};
        t.task = fl_spawn(w, "waiter", wait_in_two_scopes, &t);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        assert_int_equal(t.wait_status, FL_ECANCELLED);
        assert_int_equal(t.woke_at_ns, FL_MS(1));
        assert_int_equal(t.inner_exit, FL_ECANCELLED);
        assert_int_equal(t.outer_exit, FL_OK);
        assert_true(t.outer.cancelled_caught);
        assert_true(t.inner.cancel_called);
        assert_int_equal(rt_wake_count(w, t.task), 1);
        fl_world_destroy(w);
    }
}

static void cancel_the_task(fl_world_t *w, void *arg) {
    two_scopes_t *t = arg;
    fl_task_cancel(w, t->task);
}

static fl_error_t *wait_in_one_scope(fl_world_t *w, void *arg) {
    two_scopes_t *t = arg;
    fl_scope_enter_move_on_after(w, &t->inner, FL_MS(1));
    t->wait_status = t->sleep_too ? fl_sleep(w, FL_MS(1)) : fl_sleep_forever(w);
    t->woke_at_ns = fl_now(w);
    t->inner_exit = fl_scope_exit(w, &t->inner, t->wait_status);
    return NULL;
}

/* A scope's deadline and fl_task_cancel (from outside any task) at one
 * instant, the task cancel first: the task's own scope is cancelled, so
 * the inner scope lets Cancelled through to the task's end. */
static void test_deadline_and_task_cancel_at_one_instant(void **state) {
    (void)state;
    for (int sleep_too = 0; sleep_too < 2; sleep_too++) {
        fl_world_t *w = rt_world("fifo", 1);
        two_scopes_t t = {.sleep_too = sleep_too};
        rt_at(w, &t.action, FL_MS(1), cancel_the_task, &t);
        t.task = fl_spawn(w, "waiter", wait_in_one_scope, &t);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        assert_int_equal(t.action.fired, 1);
        assert_int_equal(t.wait_status, FL_ECANCELLED);
        assert_int_equal(t.woke_at_ns, FL_MS(1));
        assert_int_equal(t.inner_exit, FL_ECANCELLED);
        assert_int_equal(rt_wake_count(w, t.task), 1);
        fl_world_destroy(w);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_triggered_cancellation),
        cmocka_unit_test(test_shield_blocks_outer_cancel),
        cmocka_unit_test(test_unshielding_delivers_pending_cancel),
        cmocka_unit_test(test_cancelled_shield_cancels_its_contents),
        cmocka_unit_test(test_deadline_fires_at_virtual_30s),
        cmocka_unit_test(test_fail_after_times_out),
        cmocka_unit_test(test_fail_after_in_time_is_ok),
        cmocka_unit_test(test_past_deadline_cancels_at_once),
        cmocka_unit_test(test_inner_scope_does_not_swallow_outer_cancel),
        cmocka_unit_test(test_inner_cancel_leaves_outer_alone),
        cmocka_unit_test(test_scope_exit_by_another_task_is_refused),
        cmocka_unit_test(test_scope_exit_out_of_order_is_refused),
        cmocka_unit_test(test_scope_exited_twice_is_refused),
        cmocka_unit_test(test_task_ending_inside_scope_is_a_violation),
        cmocka_unit_test(test_scope_exit_error_forms),
        cmocka_unit_test(test_deadline_can_move),
        cmocka_unit_test(test_two_deadlines_at_one_instant_wake_once),
        cmocka_unit_test(test_deadline_and_task_cancel_at_one_instant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
