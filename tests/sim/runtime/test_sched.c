/* The scheduler: fifo order, seeded random schedules, recorded schedules
 * that replay to the identical trace hash, hang detection and run limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tests/support/runtime_test.h"

/* A racy program: three workers each append their name to a shared log
 * three times, with a checkpoint between appends. The final log depends on
 * the schedule, so it tells schedules apart. */
typedef struct race {
    rt_log_t log;
} race_t;

typedef struct worker_arg {
    race_t *race;
    const char *name;
} worker_arg_t;

static fl_error_t *racer(fl_world_t *w, void *arg) {
    worker_arg_t *a = arg;
    for (int i = 0; i < 3; i++) {
        rt_log_add(&a->race->log, "%s%d", a->name, i);
        fl_checkpoint(w);
    }
    return NULL;
}

typedef struct race_result {
    uint64_t hash;
    char log[512];
    char schedule[512];
    size_t choices;
    bool diverged;
} race_result_t;

static race_result_t run_race(const char *policy, uint64_t seed, const char *schedule) {
    race_t race = {0};
    worker_arg_t args[3] = {{&race, "a"}, {&race, "b"}, {&race, "c"}};
    fl_world_options_t options = {.seed = seed, .policy = policy, .schedule = schedule};
    char error[256];
    fl_world_t *w = fl_world_create(&options, error, sizeof error);
    assert_non_null(w);
    for (int i = 0; i < 3; i++) fl_spawn(w, args[i].name, racer, &args[i]);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    race_result_t result = {0};
    result.hash = fl_world_trace_hash(w);
    snprintf(result.log, sizeof result.log, "%s", rt_log_text(&race.log));
    snprintf(result.schedule, sizeof result.schedule, "%s", fl_world_schedule(w));
    result.choices = fl_world_choice_count(w);
    result.diverged = fl_world_schedule_diverged(w);
    fl_world_destroy(w);
    return result;
}

static void test_fifo_runs_in_ready_order(void **state) {
    (void)state;
    race_result_t r = run_race("fifo", 1, NULL);
    assert_string_equal(r.log, "a0,b0,c0,a1,b1,c1,a2,b2,c2");
    /* fifo still records its choices: every one is index 0. */
    assert_true(r.choices > 0);
    assert_int_equal(strspn(r.schedule, "0*.123456789"), strlen(r.schedule));
    assert_true(strncmp(r.schedule, "0*", 2) == 0);
}

static void test_same_seed_gives_same_hash(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        race_result_t first = run_race("random", seed, NULL);
        race_result_t second = run_race("random", seed, NULL);
        assert_int_equal(first.hash, second.hash);
        assert_string_equal(first.log, second.log);
        assert_string_equal(first.schedule, second.schedule);
    }
}

static void test_other_seeds_change_the_schedule(void **state) {
    (void)state;
    race_result_t base = run_race("random", 1, NULL);
    size_t different_logs = 0, different_hashes = 0;
    for (uint64_t seed = 2; seed <= 30; seed++) {
        race_result_t other = run_race("random", seed, NULL);
        if (strcmp(other.log, base.log) != 0) different_logs++;
        if (other.hash != base.hash) different_hashes++;
    }
    /* 9 appends from 3 tasks have 1680 interleavings: 29 seeds cannot all
     * pick the same one unless the policy ignores its seed. */
    assert_true(different_logs >= 20);
    assert_true(different_hashes >= different_logs);
}

static void test_replay_reproduces_the_run(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        race_result_t recorded = run_race("random", seed, NULL);
        /* The replaying world has another seed: only the schedule matters. */
        race_result_t replayed = run_race("replay", seed + 1000, recorded.schedule);
        assert_string_equal(replayed.log, recorded.log);
        assert_int_equal(replayed.hash, recorded.hash);
        assert_false(replayed.diverged);
        assert_string_equal(replayed.schedule, recorded.schedule);
    }
}

static void test_replay_of_a_short_schedule_diverges(void **state) {
    (void)state;
    race_result_t r = run_race("replay", 1, "2.1");
    assert_true(r.diverged);
    race_result_t out_of_range = run_race("replay", 1, "7");
    assert_true(out_of_range.diverged);
}

/* trio: a task woken during a batch waits for the next batch. Three tasks
 * are ready together; the first to run spawns a fourth, which must not run
 * before the other two have had their turn, whatever the seed. */
typedef struct batch_fixture {
    rt_log_t log;
} batch_fixture_t;

static fl_error_t *note_and_leave(fl_world_t *w, void *arg) {
    batch_fixture_t *f = arg;
    (void)w;
    rt_log_add(&f->log, "%s", fl_task_name(fl_current_task(w)));
    return NULL;
}

static fl_error_t *spawner(fl_world_t *w, void *arg) {
    batch_fixture_t *f = arg;
    rt_log_add(&f->log, "%s", fl_task_name(fl_current_task(w)));
    if (f->log.count == 1) fl_spawn(w, "late", note_and_leave, f);
    return NULL;
}

static void test_trio_runs_batches(void **state) {
    (void)state;
    size_t orders_seen = 0;
    char first[64] = "";
    for (uint64_t seed = 1; seed <= 50; seed++) {
        batch_fixture_t f = {0};
        fl_world_t *w = rt_world("trio", seed);
        fl_spawn(w, "a", spawner, &f);
        fl_spawn(w, "b", spawner, &f);
        fl_spawn(w, "c", spawner, &f);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        const char *order = rt_log_text(&f.log);
        assert_int_equal(f.log.count, 4);
        assert_string_equal(f.log.entries[3], "late"); /* never before the batch ends */
        if (seed == 1) snprintf(first, sizeof first, "%s", order);
        else if (strcmp(first, order) != 0) orders_seen++;
        fl_world_destroy(w);
    }
    assert_true(orders_seen > 0); /* the batch order does depend on the seed */
}

static void test_trio_is_deterministic_and_replays(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        race_result_t first = run_race("trio", seed, NULL);
        race_result_t again = run_race("trio", seed, NULL);
        assert_int_equal(first.hash, again.hash);
        assert_string_equal(first.log, again.log);
        race_result_t replayed = run_race("replay", seed, first.schedule);
        assert_string_equal(replayed.log, first.log);
        assert_int_equal(replayed.hash, first.hash);
        assert_false(replayed.diverged);
    }
}

/* Choices are recorded only where more than one task is ready. */
static fl_error_t *lonely(fl_world_t *w, void *arg) {
    (void)arg;
    for (int i = 0; i < 100; i++) fl_checkpoint(w);
    return NULL;
}

static void test_single_task_makes_no_choices(void **state) {
    (void)state;
    fl_world_t *w = rt_world("random", 5);
    fl_spawn(w, "alone", lonely, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(fl_world_choice_count(w), 0);
    assert_string_equal(fl_world_schedule(w), "");
    assert_int_equal(fl_world_steps(w), 101);
    fl_world_destroy(w);
}

/* Hang detection: a task waits on a channel nobody will ever send on. */
typedef struct hang_fixture {
    fl_channel_t *channel;
} hang_fixture_t;

static fl_error_t *make_channel_and_leave(fl_world_t *w, void *arg) {
    hang_fixture_t *f = arg;
    f->channel = fl_channel_create(w, 0, "events");
    return NULL;
}

static fl_error_t *wait_forever(fl_world_t *w, void *arg) {
    hang_fixture_t *f = arg;
    void *item;
    fl_channel_receive(w, f->channel, &item);
    return NULL;
}

static void test_hang_names_the_blocked_task(void **state) {
    (void)state;
    hang_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "producer", make_channel_and_leave, &f);
    fl_spawn(w, "consumer", wait_forever, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_HANG);
    const char *report = rt_hang_report(w);
    assert_non_null(strstr(report, "task 2 'consumer' blocked in receive on channel"));
    assert_non_null(strstr(report, "'events' (created by task 1 'producer')"));
    assert_null(strstr(report, "'producer' blocked")); /* it finished */
    fl_world_destroy(w);
}

static fl_error_t *sleep_an_hour(fl_world_t *w, void *arg);

/* A sleeping task is not hung, however long it sleeps: its timer wakes it. */
static void test_sleeping_task_is_not_a_hang(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "sleeper", sleep_an_hour, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(fl_now(w), FL_SECONDS(3600));
    assert_string_equal(rt_hang_report(w), "  no task is blocked\n");
    fl_world_destroy(w);
}

static fl_error_t *spin(fl_world_t *w, void *arg) {
    (void)arg;
    for (;;)
        if (fl_checkpoint(w) != FL_OK) return NULL;
}

static void test_step_limit_catches_livelock(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1, .step_limit = 1000};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    fl_spawn(w, "spinner", spin, NULL);
    fl_spawn(w, "spinner", spin, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_STEP_LIMIT);
    assert_int_equal(fl_world_steps(w), 1000);
    fl_world_destroy(w);
}

/* A task alone at its checkpoints: each yield is resumed without a trip
 * through the run loop, and must look as if it had made one (a step
 * counted, a RUN event after the YIELD), and stop at the step limit. */
static fl_error_t *checkpoint_three_times(fl_world_t *w, void *arg) {
    (void)arg;
    for (int i = 0; i < 3; i++) assert_int_equal(fl_checkpoint(w), FL_OK);
    return NULL;
}

static void test_lone_yield_counts_a_step_and_traces_a_run(void **state) {
    (void)state;
    fl_world_t *w = rt_world("random", 1);
    fl_spawn(w, "alone", checkpoint_three_times, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(fl_world_steps(w), 4);
    size_t count = 0;
    const fl_trace_event_t *events = fl_trace_events(fl_world_trace(w), &count);
    const fl_trace_kind_t expected[] = {FL_TRACE_SPAWN, FL_TRACE_RUN,   FL_TRACE_YIELD,
                                        FL_TRACE_RUN,   FL_TRACE_YIELD, FL_TRACE_RUN,
                                        FL_TRACE_YIELD, FL_TRACE_RUN,   FL_TRACE_DONE};
    assert_int_equal(count, sizeof expected / sizeof expected[0]);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(events[i].kind, expected[i]);
        assert_int_equal(events[i].task, 1);
    }
    assert_int_equal(fl_world_choice_count(w), 0);
    fl_world_destroy(w);
}

static void test_step_limit_stops_a_lone_spinner(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1, .step_limit = 1000};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    fl_spawn(w, "spinner", spin, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_STEP_LIMIT);
    assert_int_equal(fl_world_steps(w), 1000);
    fl_world_destroy(w);
}

static fl_error_t *sleep_an_hour(fl_world_t *w, void *arg) {
    (void)arg;
    fl_sleep(w, FL_SECONDS(3600));
    return NULL;
}

static void test_time_limit_catches_long_runs(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1, .time_limit_ns = FL_SECONDS(60)};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    fl_spawn(w, "sleeper", sleep_an_hour, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_TIME_LIMIT);
    assert_int_equal(fl_now(w), 0); /* the clock never jumped past the limit */
    fl_world_destroy(w);
}

/* fl_world_stop pauses the run; running again finishes it. */
static fl_error_t *stop_midway(fl_world_t *w, void *arg) {
    int *phase = arg;
    *phase = 1;
    fl_world_stop(w);
    fl_checkpoint(w);
    *phase = 2;
    return NULL;
}

static void test_stop_and_resume(void **state) {
    (void)state;
    int phase = 0;
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "stopper", stop_midway, &phase);
    assert_int_equal(fl_world_run(w), FL_RUN_STOPPED);
    assert_int_equal(phase, 1);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(phase, 2);
    fl_world_destroy(w);
}

/* Task identity and results. */
static fl_error_t *fails(fl_world_t *w, void *arg) {
    (void)arg;
    return fl_error_new(fl_world_arena(w), FL_ERR_VALUE_ERROR, "bad value %d", 7);
}

static void test_task_results_and_ids(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_task_t *ok = fl_spawn(w, "ok", lonely, NULL);
    fl_task_t *bad = fl_spawn(w, "bad", fails, NULL);
    assert_int_equal(fl_task_id(ok), 1);
    assert_int_equal(fl_task_id(bad), 2);
    assert_ptr_equal(fl_world_task(w, 2), bad);
    assert_null(fl_world_task(w, 3));
    assert_false(fl_task_done(ok));
    assert_null(fl_current_task(w));
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_true(fl_task_done(ok) && fl_task_done(bad));
    assert_null(fl_task_error(ok));
    assert_string_equal(fl_task_error(bad)->message, "bad value 7");
    assert_string_equal(fl_task_name(bad), "bad");
    assert_int_equal(fl_world_task_count(w), 2);
    fl_world_destroy(w);
}

/* An error nobody collects is reported until someone reads it; a group's
 * child's error is collected by the group; Cancelled is no error. */
static fl_error_t *group_with_failing_child(fl_world_t *w, void *arg) {
    (void)arg;
    fl_taskgroup_t *group = fl_taskgroup_open(w, "g");
    fl_taskgroup_spawn(group, "child", fails, NULL);
    fl_error_t *error = fl_taskgroup_close(group, NULL);
    assert_non_null(error); /* the group raised it: observed */
    return NULL;
}

static fl_error_t *sleeps_long(fl_world_t *w, void *arg) {
    (void)arg;
    int status = fl_sleep(w, FL_SECONDS(10));
    return status == FL_OK ? NULL : fl_error_from_status(fl_world_arena(w), status, "sleep");
}

static fl_error_t *cancels_other(fl_world_t *w, void *arg) {
    fl_task_cancel(w, arg);
    return NULL;
}

static void test_unobserved_task_errors(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "ok", lonely, NULL);
    fl_task_t *bad = fl_spawn(w, "bad", fails, NULL);
    fl_spawn(w, "group owner", group_with_failing_child, NULL);
    fl_task_t *sleeper = fl_spawn(w, "sleeper", sleeps_long, NULL);
    fl_spawn(w, "canceller", cancels_other, sleeper);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_non_null(fl_task_error(sleeper)); /* read: but Cancelled would not count anyway */
    const fl_task_t *first = NULL;
    assert_int_equal(fl_world_unobserved_errors(w, &first), 1);
    assert_ptr_equal(first, bad);
    assert_string_equal(fl_task_error(bad)->message, "bad value 7");
    assert_int_equal(fl_world_unobserved_errors(w, &first), 0);
    assert_null(first);
    fl_world_destroy(w);
}

static void test_a_cancelled_task_is_not_an_unobserved_error(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_task_t *sleeper = fl_spawn(w, "sleeper", sleeps_long, NULL);
    fl_spawn(w, "canceller", cancels_other, sleeper);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(fl_world_unobserved_errors(w, NULL), 0);
    assert_true(fl_error_is_cancelled(fl_task_error(sleeper)));
    fl_world_destroy(w);
}

/* --- two wake sources of one park at one instant ----------------------------- */

/* A park ends at its first wake: every other wake source of that park is
 * disarmed then, so a second source due at the same instant finds nothing
 * to wake, and the task sees the first wake's status. Timers due together
 * fire in arming order, which is how these tests choose the first. */
typedef struct coinciding {
    fl_cancel_scope_t scope;
    fl_task_t *sleeper;
    rt_action_t action;
    int sleep_status;
    int checkpoint_status;
    int exit_status;
    int64_t woke_at_ns;
} coinciding_t;

/* The scope's deadline is armed before the sleep's timer, so at 1 ms the
 * deadline fires first. */
static fl_error_t *sleep_to_the_deadline(fl_world_t *w, void *arg) {
    coinciding_t *c = arg;
    fl_scope_enter_move_on_after(w, &c->scope, FL_MS(1));
    c->sleep_status = fl_sleep(w, FL_MS(1));
    c->woke_at_ns = fl_now(w);
    c->exit_status = fl_scope_exit(w, &c->scope, c->sleep_status);
    return NULL;
}

static void test_sleep_ending_at_its_deadline_is_cancelled_once(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    coinciding_t c = {0};
    c.sleeper = fl_spawn(w, "sleeper", sleep_to_the_deadline, &c);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(c.sleep_status, FL_ECANCELLED);
    assert_int_equal(c.woke_at_ns, FL_MS(1));
    assert_int_equal(c.exit_status, FL_OK); /* move_on: the scope caught its own */
    assert_true(c.scope.cancelled_caught);
    assert_int_equal(rt_wake_count(w, c.sleeper), 1);
    fl_world_destroy(w);
}

/* The sleep's timer is armed first; the deadline is set by another task
 * once the sleeper has parked. */
static fl_error_t *sleep_then_checkpoint(fl_world_t *w, void *arg) {
    coinciding_t *c = arg;
    fl_scope_enter(w, &c->scope, FL_TIME_NEVER, 0);
    c->sleep_status = fl_sleep(w, FL_MS(1));
    c->woke_at_ns = fl_now(w);
    c->checkpoint_status = fl_checkpoint(w);
    c->exit_status = fl_scope_exit(w, &c->scope, c->checkpoint_status);
    return NULL;
}

static fl_error_t *set_the_deadline(fl_world_t *w, void *arg) {
    coinciding_t *c = arg;
    fl_scope_set_deadline(w, &c->scope, FL_MS(1));
    return NULL;
}

static void test_sleep_timer_before_the_deadline_wins(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    coinciding_t c = {0};
    c.sleeper = fl_spawn(w, "sleeper", sleep_then_checkpoint, &c);
    fl_spawn(w, "setter", set_the_deadline, &c);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    /* The sleep ended as a sleep; the deadline that came at the same
     * instant is delivered at the next checkpoint (level-triggered). */
    assert_int_equal(c.sleep_status, FL_OK);
    assert_int_equal(c.woke_at_ns, FL_MS(1));
    assert_int_equal(c.checkpoint_status, FL_ECANCELLED);
    assert_int_equal(c.exit_status, FL_OK);
    assert_true(c.scope.cancelled_caught);
    assert_int_equal(rt_wake_count(w, c.sleeper), 1);
    fl_world_destroy(w);
}

static void cancel_the_sleeper(fl_world_t *w, void *arg) {
    coinciding_t *c = arg;
    fl_task_cancel(w, c->sleeper);
}

static fl_error_t *plain_sleep(fl_world_t *w, void *arg) {
    coinciding_t *c = arg;
    c->sleep_status = fl_sleep(w, FL_MS(1));
    c->woke_at_ns = fl_now(w);
    return NULL;
}

static fl_error_t *arm_the_cancel(fl_world_t *w, void *arg) {
    coinciding_t *c = arg;
    rt_at(w, &c->action, FL_MS(1), cancel_the_sleeper, c);
    return NULL;
}

/* A task cancelled (fl_task_cancel, from outside any task) at the instant
 * its sleep ends, in both orders. */
static void test_sleep_and_task_cancel_at_one_instant(void **state) {
    (void)state;
    for (int cancel_first = 0; cancel_first < 2; cancel_first++) {
        fl_world_t *w = rt_world("fifo", 1);
        coinciding_t c = {0};
        /* Armed before the sleeper parks, the cancel fires ahead of the
         * sleep's timer; armed by a task that runs once it has parked,
         * behind it. */
        if (cancel_first) rt_at(w, &c.action, FL_MS(1), cancel_the_sleeper, &c);
        c.sleeper = fl_spawn(w, "sleeper", plain_sleep, &c);
        if (!cancel_first) fl_spawn(w, "arm", arm_the_cancel, &c);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        assert_int_equal(c.action.fired, 1);
        assert_int_equal(c.sleep_status, cancel_first ? FL_ECANCELLED : FL_OK);
        assert_int_equal(c.woke_at_ns, FL_MS(1));
        assert_int_equal(rt_wake_count(w, c.sleeper), 1);
        fl_world_destroy(w);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unobserved_task_errors),
        cmocka_unit_test(test_a_cancelled_task_is_not_an_unobserved_error),
        cmocka_unit_test(test_fifo_runs_in_ready_order),
        cmocka_unit_test(test_same_seed_gives_same_hash),
        cmocka_unit_test(test_other_seeds_change_the_schedule),
        cmocka_unit_test(test_replay_reproduces_the_run),
        cmocka_unit_test(test_replay_of_a_short_schedule_diverges),
        cmocka_unit_test(test_single_task_makes_no_choices),
        cmocka_unit_test(test_trio_runs_batches),
        cmocka_unit_test(test_trio_is_deterministic_and_replays),
        cmocka_unit_test(test_hang_names_the_blocked_task),
        cmocka_unit_test(test_sleeping_task_is_not_a_hang),
        cmocka_unit_test(test_step_limit_catches_livelock),
        cmocka_unit_test(test_lone_yield_counts_a_step_and_traces_a_run),
        cmocka_unit_test(test_step_limit_stops_a_lone_spinner),
        cmocka_unit_test(test_time_limit_catches_long_runs),
        cmocka_unit_test(test_stop_and_resume),
        cmocka_unit_test(test_task_results_and_ids),
        cmocka_unit_test(test_sleep_ending_at_its_deadline_is_cancelled_once),
        cmocka_unit_test(test_sleep_timer_before_the_deadline_wins),
        cmocka_unit_test(test_sleep_and_task_cancel_at_one_instant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
