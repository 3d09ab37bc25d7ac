/* Conditions, the world's driver hook, and task cancellation: the pieces
 * the network drivers build on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tests/support/runtime_test.h"

typedef struct fixture {
    fl_condition_t *condition;
    bool ready;
    int status;
    int64_t woke_at_ns;
    size_t woken;
    rt_log_t log;
} fixture_t;

static fl_error_t *wait_until_ready(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    while (!f->ready) {
        f->status = fl_condition_wait(w, f->condition, "wait for data");
        if (f->status != FL_OK) return NULL;
    }
    f->woke_at_ns = fl_now(w);
    rt_log_add(&f->log, "%s", fl_task_name(fl_current_task(w)));
    return NULL;
}

static fl_error_t *notify_later(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_sleep(w, FL_SECONDS(1));
    f->woken += fl_condition_notify_all(w, f->condition); /* spurious: not ready yet */
    fl_sleep(w, FL_SECONDS(1));
    f->ready = true;
    f->woken += fl_condition_notify_all(w, f->condition);
    return NULL;
}

static void test_waiters_wake_on_notify_and_recheck(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.condition = fl_condition_create(w, "pipe", "data");
    fl_spawn(w, "first", wait_until_ready, &f);
    fl_spawn(w, "second", wait_until_ready, &f);
    fl_spawn(w, "notifier", notify_later, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.woken, 4); /* two waiters, notified twice */
    assert_int_equal(f.woke_at_ns, FL_SECONDS(2));
    assert_string_equal(rt_log_text(&f.log), "first,second");
    fl_world_destroy(w);
}

static fl_error_t *notify_one_later(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_sleep(w, FL_SECONDS(1));
    f->ready = true;
    f->woken += fl_condition_notify_one(w, f->condition);
    return NULL;
}

static void test_notify_one_wakes_the_longest_waiter(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.condition = fl_condition_create(w, "pipe", "data");
    fl_spawn(w, "first", wait_until_ready, &f);
    fl_spawn(w, "second", wait_until_ready, &f);
    fl_spawn(w, "notifier", notify_one_later, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_HANG);
    assert_int_equal(f.woken, 1);
    assert_string_equal(rt_log_text(&f.log), "first");
    assert_int_equal(fl_condition_waiting(f.condition), 1);
    assert_non_null(strstr(rt_hang_report(w), "'second' blocked in wait for data on pipe"));
    fl_world_destroy(w);
}

static fl_error_t *cancel_by_name(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_sleep(w, FL_MS(1500));
    fl_task_t *target = fl_world_find_task(w, "first");
    assert_non_null(target);
    assert_null(fl_world_find_task(w, "nobody"));
    fl_task_cancel(w, target);
    fl_task_cancel(w, target); /* idempotent */
    (void)f;
    return NULL;
}

static void test_task_cancel_interrupts_a_wait(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.condition = fl_condition_create(w, "pipe", "data");
    fl_task_t *first = fl_spawn(w, "first", wait_until_ready, &f);
    fl_spawn(w, "canceller", cancel_by_name, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.status, FL_ECANCELLED);
    assert_int_equal(fl_now(w), FL_MS(1500));
    assert_true(fl_task_done(first));
    fl_task_cancel(w, first); /* a finished task is left alone */
    fl_world_destroy(w);
}

/* Cancelling a task before it first runs: its first checkpoint fails. */
static fl_error_t *checkpoint_once(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    f->status = fl_checkpoint(w);
    return NULL;
}

static void test_task_cancelled_before_it_runs(void **state) {
    (void)state;
    fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_task_t *task = fl_spawn(w, "victim", checkpoint_once, &f);
    fl_task_cancel(w, task);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.status, FL_ECANCELLED);
    fl_world_destroy(w);
}

/* A scripted driver: the outside world delivers "data" at given instants,
 * like socket callbacks would, and moves the clock as a real one does. */
typedef struct fake_driver {
    fixture_t *fixture;
    int64_t deliveries[4];
    size_t delivery_count;
    size_t next;
    size_t calls;
    int64_t last_timer_hint;
} fake_driver_t;

static bool fake_wait(fl_world_t *w, void *context, int64_t next_timer_ns) {
    fake_driver_t *d = context;
    d->calls++;
    d->last_timer_hint = next_timer_ns;
    if (d->next == d->delivery_count) {
        /* Nothing more from outside; honour a pending timer. */
        if (next_timer_ns != FL_TIME_NEVER) fl_world_set_time(w, next_timer_ns);
        return false;
    }
    int64_t at = d->deliveries[d->next++];
    if (next_timer_ns < at) {
        fl_world_set_time(w, next_timer_ns);
        d->next--;
        return true;
    }
    fl_world_set_time(w, at);
    d->fixture->ready = true;
    fl_condition_notify_all(w, d->fixture->condition);
    return true;
}

static void test_driver_wakes_tasks_and_moves_the_clock(void **state) {
    (void)state;
    fixture_t f = {0};
    fake_driver_t d = {.fixture = &f, .deliveries = {FL_MS(700)}, .delivery_count = 1};
    fl_world_t *w = rt_world("fifo", 1);
    fl_world_set_driver(w, &(fl_world_driver_t){fake_wait, &d});
    f.condition = fl_condition_create(w, "socket", "fd");
    fl_spawn(w, "reader", wait_until_ready, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.woke_at_ns, FL_MS(700));
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.last_timer_hint, FL_TIME_NEVER);
    fl_world_destroy(w);
}

static fl_error_t *sleep_then_wait(fl_world_t *w, void *arg) {
    fixture_t *f = arg;
    fl_sleep(w, FL_MS(200));
    rt_log_add(&f->log, "slept@%lld", (long long)fl_now(w));
    return wait_until_ready(w, arg);
}

static void test_driver_honours_timers(void **state) {
    (void)state;
    fixture_t f = {0};
    fake_driver_t d = {.fixture = &f, .deliveries = {FL_MS(500)}, .delivery_count = 1};
    fl_world_t *w = rt_world("fifo", 1);
    fl_world_set_driver(w, &(fl_world_driver_t){fake_wait, &d});
    f.condition = fl_condition_create(w, "socket", "fd");
    fl_spawn(w, "reader", sleep_then_wait, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(rt_log_text(&f.log), "slept@200000000,reader");
    assert_int_equal(f.woke_at_ns, FL_MS(500));
    fl_world_destroy(w);
}

static void test_driver_with_nothing_outside_reports_hang(void **state) {
    (void)state;
    fixture_t f = {0};
    fake_driver_t d = {.fixture = &f, .delivery_count = 0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_world_set_driver(w, &(fl_world_driver_t){fake_wait, &d});
    f.condition = fl_condition_create(w, "socket", "fd");
    fl_spawn(w, "reader", wait_until_ready, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_HANG);
    assert_non_null(strstr(rt_hang_report(w), "'reader' blocked in wait for data on socket"));
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waiters_wake_on_notify_and_recheck),
        cmocka_unit_test(test_notify_one_wakes_the_longest_waiter),
        cmocka_unit_test(test_task_cancel_interrupts_a_wait),
        cmocka_unit_test(test_task_cancelled_before_it_runs),
        cmocka_unit_test(test_driver_wakes_tasks_and_moves_the_clock),
        cmocka_unit_test(test_driver_honours_timers),
        cmocka_unit_test(test_driver_with_nothing_outside_reports_hang),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
