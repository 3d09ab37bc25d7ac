/* The world's lifecycle: options, teardown of unfinished runs, and memory
 * that does not grow over thousands of worlds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <malloc.h>
#include <string.h>

#include "sim/runtime/stack.h"
#include "tests/support/runtime_test.h"

static fl_error_t *chatter(fl_world_t *w, void *arg) {
    fl_channel_t *channel = arg;
    for (intptr_t i = 0; i < 4; i++) fl_channel_send(w, channel, (void *)i);
    fl_channel_close_send(w, channel);
    return NULL;
}

static fl_error_t *listener(fl_world_t *w, void *arg) {
    fl_channel_t *channel = arg;
    void *item;
    while (fl_channel_receive(w, channel, &item) == FL_OK) fl_sleep(w, FL_MS(1));
    return NULL;
}

static fl_error_t *stuck(fl_world_t *w, void *arg) {
    (void)arg;
    fl_event_t *never = fl_event_create(w, "never");
    fl_event_wait(w, never);
    return NULL;
}

/* One small run: two tasks talking, one stuck (so teardown must free a
 * task that never finished). */
static void one_world(uint64_t seed) {
    fl_world_t *w = rt_world("random", seed);
    fl_channel_t *channel = fl_channel_create(w, 1, "chat");
    fl_spawn(w, "chatter", chatter, channel);
    fl_spawn(w, "listener", listener, channel);
    fl_spawn(w, "stuck", stuck, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_HANG);
    fl_world_destroy(w);
}

static size_t heap_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

static void test_thousands_of_worlds_do_not_grow_memory(void **state) {
    (void)state;
    for (uint64_t seed = 0; seed < 200; seed++) one_world(seed); /* warm pools */
    size_t before = heap_in_use();
    size_t stacks_before = fl_stack_pool_count();
    for (uint64_t seed = 200; seed < 5200; seed++) one_world(seed);
    size_t after = heap_in_use();
    /* 5,000 worlds of ~20 KiB each would be ~100 MiB if anything leaked. */
    assert_true(after < before + 256 * 1024);
    assert_int_equal(fl_stack_pool_count(), stacks_before);
}

static void test_unknown_policy_is_refused(void **state) {
    (void)state;
    fl_world_options_t options = {.policy = "chaos"};
    char error[256];
    assert_null(fl_world_create(&options, error, sizeof error));
    assert_non_null(strstr(error, "unknown policy 'chaos'"));
}

static void test_malformed_schedule_is_refused(void **state) {
    (void)state;
    fl_world_options_t options = {.policy = "replay", .schedule = "1.x"};
    char error[256];
    assert_null(fl_world_create(&options, error, sizeof error));
    assert_non_null(strstr(error, "offset 2"));
}

static void test_defaults(void **state) {
    (void)state;
    fl_world_t *w = fl_world_create(NULL, NULL, 0);
    assert_non_null(w);
    assert_int_equal(fl_now(w), 0);
    assert_int_equal(fl_world_seed(w), 0);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED); /* nothing to run */
    assert_string_equal(fl_run_outcome_name(FL_RUN_HANG), "hang");
    fl_world_destroy(w);
}

/* Teardown of a world whose tasks are blocked inside cancel scopes with
 * armed deadlines and in task groups: nothing fires, nothing leaks (the
 * sanitizer build checks the latter). */
static fl_error_t *blocked_in_group(fl_world_t *w, void *arg) {
    (void)arg;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, FL_SCOPE_SHIELD);
    fl_taskgroup_t *group = fl_taskgroup_open(w, "group");
    fl_taskgroup_spawn(group, "stuck child", stuck, NULL);
    fl_error_t *error = fl_taskgroup_close(group, NULL);
    fl_scope_exit_error(w, &scope, error);
    return NULL;
}

static void test_teardown_of_blocked_tasks(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "owner", blocked_in_group, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_HANG);
    const char *report = rt_hang_report(w);
    assert_non_null(strstr(report, "'owner' blocked in wait for children on task group"));
    assert_non_null(strstr(report, "'stuck child' blocked in wait on event"));
    fl_world_destroy(w);
}

/* The trace records every kind of runtime event a small run makes. */
static void test_trace_covers_runtime_events(void **state) {
    (void)state;
    fl_world_t *w = rt_world("random", 3);
    fl_channel_t *channel = fl_channel_create(w, 0, "chat");
    fl_spawn(w, "chatter", chatter, channel);
    fl_spawn(w, "listener", listener, channel);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    const fl_trace_t *trace = fl_world_trace(w);
    fl_trace_kind_t expected[] = {FL_TRACE_SPAWN, FL_TRACE_RUN,   FL_TRACE_BLOCK,
                                  FL_TRACE_WAKE,  FL_TRACE_YIELD, FL_TRACE_DONE,
                                  FL_TRACE_TIMER, FL_TRACE_CHOICE};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        assert_true(trace->kind_counts[expected[i]] > 0);
    assert_int_equal(trace->kind_counts[FL_TRACE_SPAWN], 2);
    assert_int_equal(trace->kind_counts[FL_TRACE_DONE], 2);
    fl_world_destroy(w);
}

/* fl_world_trace_event stamps the event with the clock and the running
 * task: task 0 outside any task. */
static fl_error_t *sleep_then_trace(fl_world_t *w, void *arg) {
    (void)arg;
    fl_sleep(w, FL_MS(5));
    fl_world_trace_event(w, FL_TRACE_NOTE, 7, -3, "inside");
    return NULL;
}

static const fl_trace_event_t *last_event(fl_world_t *w, fl_trace_kind_t kind) {
    size_t count = 0;
    const fl_trace_event_t *events = fl_trace_events(fl_world_trace(w), &count);
    const fl_trace_event_t *last = NULL;
    for (size_t i = 0; i < count; i++)
        if (events[i].kind == kind) last = &events[i];
    assert_non_null(last);
    return last;
}

static void test_trace_event_takes_the_clock_and_the_task(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_world_trace_event(w, FL_TRACE_NOTE, 1, 2, "outside");
    const fl_trace_event_t *outside = last_event(w, FL_TRACE_NOTE);
    assert_int_equal(outside->task, 0);
    assert_int_equal(outside->time_ns, 0);
    assert_int_equal(outside->object, 1);
    assert_int_equal(outside->value, 2);
    assert_string_equal(outside->detail, "outside");
    fl_task_t *task = fl_spawn(w, "tracer", sleep_then_trace, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    const fl_trace_event_t *inside = last_event(w, FL_TRACE_NOTE);
    assert_int_equal(inside->task, fl_task_id(task));
    assert_int_equal(inside->time_ns, FL_MS(5));
    assert_int_equal(inside->object, 7);
    assert_int_equal(inside->value, -3);
    assert_string_equal(inside->detail, "inside");
    fl_world_destroy(w);
}

/* The hash and schedule of a small run, in a world made however
 * fl_world_create makes it. */
static uint64_t small_run(uint64_t seed, size_t *choices) {
    fl_world_t *w = rt_world("random", seed);
    fl_channel_t *channel = fl_channel_create(w, 0, "chat");
    fl_spawn(w, "chatter", chatter, channel);
    fl_spawn(w, "listener", listener, channel);
    assert_int_equal(fl_world_task_count(w), 2);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    uint64_t hash = fl_world_trace_hash(w);
    *choices = fl_world_choice_count(w);
    fl_world_destroy(w);
    return hash;
}

/* A world made in the spare of one that hung with tasks blocked, scopes
 * and timers armed runs as a new world does: same hash, same schedule. */
static void test_spare_world_starts_clean(void **state) {
    (void)state;
    fl_world_spare_trim();
    size_t fresh_choices, reused_choices;
    uint64_t fresh = small_run(7, &fresh_choices);
    fl_world_spare_trim();
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "owner", blocked_in_group, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_HANG);
    fl_world_destroy(w); /* the spare, with a hung run's arrays */
    assert_int_equal(small_run(7, &reused_choices), fresh);
    assert_int_equal(reused_choices, fresh_choices);
    fl_world_spare_trim();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thousands_of_worlds_do_not_grow_memory),
        cmocka_unit_test(test_unknown_policy_is_refused),
        cmocka_unit_test(test_malformed_schedule_is_refused),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_teardown_of_blocked_tasks),
        cmocka_unit_test(test_trace_covers_runtime_events),
        cmocka_unit_test(test_trace_event_takes_the_clock_and_the_task),
        cmocka_unit_test(test_spare_world_starts_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
