/* The timer heap's (deadline, arming order) order under arm, disarm and
 * re-arm, and the world's virtual clock built on it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sim/runtime/cancel.h"
#include "sim/runtime/prng.h"
#include "sim/runtime/status.h"
#include "sim/runtime/timer.h"
#include "sim/runtime/world.h"

/* --- the heap on its own ---------------------------------------------------- */

enum { TIMERS = 3000, DEADLINE_SPREAD = 50 };

/* The heap never calls fire itself; the world does. */
static void never_fired(fl_world_t *world, fl_timer_t *timer) {
    (void)world, (void)timer;
    fail_msg("the heap called a timer's fire function");
}

typedef struct slot {
    fl_timer_t timer;
    size_t armed_as; /* the order in which the test armed it */
} slot_t;

/* Checks the heap property and that every item knows its index. */
static void check_heap(const fl_timer_heap_t *heap) {
    for (size_t i = 0; i < heap->count; i++) {
        const fl_timer_t *t = heap->items[i];
        assert_int_equal(t->heap_index, i);
        if (i == 0) continue;
        const fl_timer_t *parent = heap->items[(i - 1) / 2];
        bool parent_first = parent->at_ns < t->at_ns ||
                            (parent->at_ns == t->at_ns && parent->sequence < t->sequence);
        if (!parent_first) fail_msg("heap order broken at index %zu", i);
    }
}

/* Pops everything, checking the order is (deadline, arming order); returns
 * how many were popped. */
static size_t drain_in_order(fl_timer_heap_t *heap) {
    size_t popped = 0;
    const slot_t *previous = NULL;
    for (;;) {
        fl_timer_t *peeked = fl_timer_heap_peek(heap);
        fl_timer_t *t = fl_timer_heap_pop(heap);
        assert_ptr_equal(peeked, t);
        if (t == NULL) break;
        assert_false(fl_timer_armed(t));
        const slot_t *s = t->data;
        assert_ptr_equal(&s->timer, t);
        if (previous != NULL) {
            assert_true(previous->timer.at_ns <= t->at_ns);
            if (previous->timer.at_ns == t->at_ns)
                assert_true(previous->armed_as < s->armed_as);
        }
        previous = s;
        popped++;
        assert_true(popped <= TIMERS);
    }
    assert_int_equal(heap->count, 0);
    assert_null(fl_timer_heap_pop(heap));
    return popped;
}

/* Arms every slot with a seeded deadline in [0, DEADLINE_SPREAD): about 60
 * timers share each deadline, so ties are the common case. */
static void arm_all(fl_timer_heap_t *heap, slot_t *slots, uint64_t seed) {
    fl_prng_t prng;
    fl_prng_seed(&prng, seed, "timers");
    for (size_t i = 0; i < TIMERS; i++) {
        fl_timer_init(&slots[i].timer);
        slots[i].armed_as = i;
        int64_t at = (int64_t)fl_prng_below(&prng, DEADLINE_SPREAD);
        fl_timer_heap_arm(heap, &slots[i].timer, at, never_fired, &slots[i]);
        assert_true(fl_timer_armed(&slots[i].timer));
    }
    assert_int_equal(heap->count, TIMERS);
    check_heap(heap);
}

static void test_heap_pops_in_deadline_then_arming_order(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        slot_t *slots = calloc(TIMERS, sizeof *slots);
        assert_non_null(slots);
        fl_timer_heap_t heap;
        fl_timer_heap_init(&heap);
        assert_null(fl_timer_heap_peek(&heap));
        arm_all(&heap, slots, seed);
        assert_int_equal(drain_in_order(&heap), TIMERS);
        fl_timer_heap_destroy(&heap);
        free(slots);
    }
}

static void test_heap_ties_fire_in_arming_order(void **state) {
    (void)state;
    slot_t slots[200];
    fl_timer_heap_t heap;
    fl_timer_heap_init(&heap);
    /* All at one deadline, armed in an order that a heap keyed on the
     * deadline alone would scramble. */
    for (size_t i = 0; i < 200; i++) {
        fl_timer_init(&slots[i].timer);
        slots[i].armed_as = i;
        fl_timer_heap_arm(&heap, &slots[i].timer, 7, never_fired, &slots[i]);
    }
    for (size_t i = 0; i < 200; i++) assert_ptr_equal(fl_timer_heap_pop(&heap), &slots[i].timer);
    fl_timer_heap_destroy(&heap);
}

static void test_heap_disarm_keeps_order(void **state) {
    (void)state;
    slot_t *slots = calloc(TIMERS, sizeof *slots);
    assert_non_null(slots);
    fl_timer_heap_t heap;
    fl_timer_heap_init(&heap);
    arm_all(&heap, slots, 9);
    bool disarmed[TIMERS] = {false};
    size_t disarm_count = 0;

    /* The head, the heap's last slot, and the middle of the array. */
    fl_timer_t *victims[3] = {heap.items[0], heap.items[heap.count - 1],
                              heap.items[heap.count / 2]};
    for (int v = 0; v < 3; v++) {
        const slot_t *s = victims[v]->data;
        fl_timer_heap_disarm(&heap, victims[v]);
        assert_false(fl_timer_armed(victims[v]));
        disarmed[s->armed_as] = true;
        disarm_count++;
        check_heap(&heap);
    }
    /* The timer armed last, and the first one armed, wherever they sit. */
    size_t ends[2] = {TIMERS - 1, 0};
    for (int v = 0; v < 2; v++) {
        if (disarmed[ends[v]]) continue;
        fl_timer_heap_disarm(&heap, &slots[ends[v]].timer);
        disarmed[ends[v]] = true;
        disarm_count++;
        check_heap(&heap);
    }
    /* A seeded third of the rest. */
    fl_prng_t prng;
    fl_prng_seed(&prng, 10, "disarm");
    for (size_t i = 0; i < TIMERS; i++) {
        if (disarmed[i] || fl_prng_below(&prng, 3) != 0) continue;
        fl_timer_heap_disarm(&heap, &slots[i].timer);
        disarmed[i] = true;
        disarm_count++;
    }
    check_heap(&heap);
    assert_int_equal(heap.count, TIMERS - disarm_count);

    /* Disarming a disarmed timer changes nothing. */
    fl_timer_heap_disarm(&heap, victims[0]);
    assert_int_equal(heap.count, TIMERS - disarm_count);

    /* Every remaining timer pops once, in order, and no disarmed one does. */
    size_t popped = 0;
    const slot_t *previous = NULL;
    fl_timer_t *t;
    while ((t = fl_timer_heap_pop(&heap)) != NULL) {
        const slot_t *s = t->data;
        assert_false(disarmed[s->armed_as]);
        if (previous != NULL)
            assert_true(previous->timer.at_ns < t->at_ns ||
                        (previous->timer.at_ns == t->at_ns && previous->armed_as < s->armed_as));
        previous = s;
        popped++;
    }
    assert_int_equal(popped, TIMERS - disarm_count);
    fl_timer_heap_destroy(&heap);
    free(slots);
}

static void test_heap_rearm_moves_a_timer(void **state) {
    (void)state;
    slot_t a = {.armed_as = 0}, b = {.armed_as = 1}, c = {.armed_as = 2};
    fl_timer_init(&a.timer);
    fl_timer_init(&b.timer);
    fl_timer_init(&c.timer);
    fl_timer_heap_t heap;
    fl_timer_heap_init(&heap);
    fl_timer_heap_arm(&heap, &a.timer, 10, never_fired, &a);
    fl_timer_heap_arm(&heap, &b.timer, 20, never_fired, &b);
    fl_timer_heap_arm(&heap, &c.timer, 30, never_fired, &c);
    assert_ptr_equal(fl_timer_heap_peek(&heap), &a.timer);

    /* Later: a moves behind b. */
    fl_timer_heap_arm(&heap, &a.timer, 25, never_fired, &a);
    assert_int_equal(heap.count, 3);
    assert_int_equal(a.timer.at_ns, 25);
    check_heap(&heap);
    /* Earlier: c moves to the front. */
    fl_timer_heap_arm(&heap, &c.timer, 5, never_fired, &c);
    assert_int_equal(heap.count, 3);
    check_heap(&heap);
    /* The same deadline again counts as armed later: b goes behind a tie. */
    fl_timer_heap_arm(&heap, &a.timer, 20, never_fired, &a);
    fl_timer_heap_arm(&heap, &b.timer, 20, never_fired, &b);
    check_heap(&heap);

    assert_ptr_equal(fl_timer_heap_pop(&heap), &c.timer);
    assert_ptr_equal(fl_timer_heap_pop(&heap), &a.timer);
    assert_ptr_equal(fl_timer_heap_pop(&heap), &b.timer);
    assert_null(fl_timer_heap_pop(&heap));

    /* A popped timer can be armed again. */
    fl_timer_heap_arm(&heap, &b.timer, 1, never_fired, &b);
    assert_ptr_equal(fl_timer_heap_peek(&heap), &b.timer);
    fl_timer_heap_destroy(&heap);
}

static void test_timer_armed_states(void **state) {
    (void)state;
    fl_timer_t t, u;
    fl_timer_init(&t);
    fl_timer_init(&u);
    assert_false(fl_timer_armed(&t));
    fl_timer_heap_t heap;
    fl_timer_heap_init(&heap);
    fl_timer_heap_disarm(&heap, &t); /* harmless when never armed */
    assert_int_equal(heap.count, 0);
    fl_timer_heap_arm(&heap, &t, 100, never_fired, NULL);
    assert_true(fl_timer_armed(&t));
    fl_timer_heap_disarm(&heap, &t);
    assert_false(fl_timer_armed(&t));
    assert_int_equal(heap.count, 0);
    fl_timer_heap_arm(&heap, &t, 100, never_fired, NULL);
    fl_timer_heap_arm(&heap, &u, 50, never_fired, NULL);
    assert_ptr_equal(fl_timer_heap_pop(&heap), &u);
    assert_false(fl_timer_armed(&u));
    assert_true(fl_timer_armed(&t));
    /* Destroying the heap leaves no timer believing it is armed. */
    fl_timer_heap_destroy(&heap);
    assert_false(fl_timer_armed(&t));
    assert_int_equal(heap.count, 0);
}

/* --- the world's virtual clock ------------------------------------------- */

static fl_world_t *make_world(int64_t time_limit_ns) {
    fl_world_options_t options = {.seed = 1, .policy = "fifo", .time_limit_ns = time_limit_ns};
    char error[256];
    fl_world_t *w = fl_world_create(&options, error, sizeof error);
    assert_non_null(w);
    return w;
}

enum { LOG_MAX = 32 };

/* What tasks saw, asserted after the run (never inside a task). */
typedef struct clock_log {
    int count;
    const char *who[LOG_MAX];
    int64_t at[LOG_MAX];
    int status[LOG_MAX];
} clock_log_t;

static void log_add(clock_log_t *log, const char *who, int64_t at, int status) {
    if (log->count == LOG_MAX) abort();
    log->who[log->count] = who;
    log->at[log->count] = at;
    log->status[log->count] = status;
    log->count++;
}

typedef struct sleeper {
    clock_log_t *log;
    const char *name;
    int64_t duration_ns;
} sleeper_t;

static fl_error_t *sleep_once(fl_world_t *w, void *arg) {
    sleeper_t *s = arg;
    int status = fl_sleep(w, s->duration_ns);
    log_add(s->log, s->name, fl_now(w), status);
    return NULL;
}

static void test_sleep_wakes_at_exact_virtual_time(void **state) {
    (void)state;
    fl_world_t *w = make_world(0);
    clock_log_t log = {0};
    sleeper_t s = {&log, "thirty", FL_SECONDS(30)};
    fl_task_t *task = fl_spawn(w, "sleeper", sleep_once, &s);
    assert_int_equal(fl_now(w), 0);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.status[0], FL_OK);
    assert_int_equal(log.at[0], FL_SECONDS(30));
    assert_int_equal(fl_now(w), FL_SECONDS(30));
    assert_true(fl_task_done(task));
    fl_world_destroy(w);
}

static void test_shorter_sleep_wakes_first(void **state) {
    (void)state;
    fl_world_t *w = make_world(0);
    clock_log_t log = {0};
    sleeper_t five = {&log, "five", FL_SECONDS(5)};
    sleeper_t three = {&log, "three", FL_SECONDS(3)};
    fl_spawn(w, "five", sleep_once, &five);
    fl_spawn(w, "three", sleep_once, &three);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(log.count, 2);
    assert_string_equal(log.who[0], "three");
    assert_int_equal(log.at[0], FL_SECONDS(3));
    assert_string_equal(log.who[1], "five");
    assert_int_equal(log.at[1], FL_SECONDS(5));
    fl_world_destroy(w);
}

static void test_equal_sleeps_wake_in_sleeping_order(void **state) {
    (void)state;
    fl_world_t *w = make_world(0);
    clock_log_t log = {0};
    sleeper_t a = {&log, "a", FL_MS(10)}, b = {&log, "b", FL_MS(10)}, c = {&log, "c", FL_MS(10)};
    fl_spawn(w, "a", sleep_once, &a);
    fl_spawn(w, "b", sleep_once, &b);
    fl_spawn(w, "c", sleep_once, &c);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(log.count, 3);
    assert_string_equal(log.who[0], "a");
    assert_string_equal(log.who[1], "b");
    assert_string_equal(log.who[2], "c");
    for (int i = 0; i < 3; i++) assert_int_equal(log.at[i], FL_MS(10));
    fl_world_destroy(w);
}

static fl_error_t *sleep_until_then_sleep(fl_world_t *w, void *arg) {
    clock_log_t *log = arg;
    log_add(log, "until", fl_now(w), fl_sleep_until(w, FL_MS(250)));
    log_add(log, "past", fl_now(w), fl_sleep_until(w, FL_MS(100))); /* already past */
    log_add(log, "more", fl_now(w), fl_sleep(w, FL_MS(750)));
    return NULL;
}

static void test_sleep_until_and_chained_sleeps(void **state) {
    (void)state;
    fl_world_t *w = make_world(0);
    clock_log_t log = {0};
    fl_spawn(w, "sleeper", sleep_until_then_sleep, &log);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(log.count, 3);
    assert_int_equal(log.at[0], FL_MS(250));
    assert_int_equal(log.at[1], FL_MS(250));
    assert_int_equal(log.at[2], FL_SECONDS(1));
    for (int i = 0; i < 3; i++) assert_int_equal(log.status[i], FL_OK);
    fl_world_destroy(w);
}

/* fl_sleep(0) lets the other ready task run before it returns. */
static fl_error_t *zero_sleeper(fl_world_t *w, void *arg) {
    clock_log_t *log = arg;
    log_add(log, "zero before", fl_now(w), 0);
    int status = fl_sleep(w, 0);
    log_add(log, "zero after", fl_now(w), status);
    status = fl_sleep(w, -FL_SECONDS(1)); /* negative: a checkpoint too */
    log_add(log, "negative after", fl_now(w), status);
    return NULL;
}

static fl_error_t *bystander(fl_world_t *w, void *arg) {
    clock_log_t *log = arg;
    log_add(log, "bystander", fl_now(w), 0);
    int status = fl_checkpoint(w);
    log_add(log, "bystander again", fl_now(w), status);
    return NULL;
}

static void test_sleep_zero_is_a_checkpoint(void **state) {
    (void)state;
    fl_world_t *w = make_world(0);
    clock_log_t log = {0};
    fl_spawn(w, "zero", zero_sleeper, &log);
    fl_spawn(w, "bystander", bystander, &log);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    static const char *const expected[] = {"zero before", "bystander", "zero after",
                                           "bystander again", "negative after"};
    assert_int_equal(log.count, 5);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(log.who[i], expected[i]);
        assert_int_equal(log.at[i], 0);
        assert_int_equal(log.status[i], FL_OK);
    }
    fl_world_destroy(w);
}

/* A sleep of 0 inside a cancelled scope reports the cancellation: it is a
 * real checkpoint, not a no-op. */
static fl_error_t *cancelled_zero_sleeper(fl_world_t *w, void *arg) {
    clock_log_t *log = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &scope);
    int status = fl_sleep(w, 0);
    log_add(log, "zero", fl_now(w), status);
    status = fl_sleep(w, FL_SECONDS(1));
    log_add(log, "one", fl_now(w), status);
    fl_scope_exit(w, &scope, status);
    return NULL;
}

static void test_sleep_checks_cancellation(void **state) {
    (void)state;
    fl_world_t *w = make_world(0);
    clock_log_t log = {0};
    fl_spawn(w, "cancelled", cancelled_zero_sleeper, &log);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(log.count, 2);
    assert_int_equal(log.status[0], FL_ECANCELLED);
    assert_int_equal(log.status[1], FL_ECANCELLED);
    assert_int_equal(log.at[1], 0); /* the 1 s sleep never started */
    assert_int_equal(fl_now(w), 0);
    fl_world_destroy(w);
}

static void test_sleep_past_time_limit_stops_the_run(void **state) {
    (void)state;
    fl_world_t *w = make_world(FL_SECONDS(10));
    clock_log_t log = {0};
    sleeper_t s = {&log, "eleven", FL_SECONDS(11)};
    fl_task_t *task = fl_spawn(w, "sleeper", sleep_once, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_TIME_LIMIT);
    assert_int_equal(log.count, 0);
    assert_false(fl_task_done(task));
    /* The clock stops short of the limit instead of jumping past it. */
    assert_true(fl_now(w) <= FL_SECONDS(10));
    fl_world_destroy(w);

    /* A sleep that ends exactly at the limit is within it. */
    w = make_world(FL_SECONDS(10));
    sleeper_t at_limit = {&log, "ten", FL_SECONDS(10)};
    fl_spawn(w, "sleeper", sleep_once, &at_limit);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.at[0], FL_SECONDS(10));
    fl_world_destroy(w);
}

static void test_default_time_limit_is_an_hour(void **state) {
    (void)state;
    clock_log_t log = {0};
    fl_world_t *w = make_world(0);
    sleeper_t hour = {&log, "hour", FL_SECONDS(3600)};
    fl_spawn(w, "hour", sleep_once, &hour);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(log.count, 1);
    fl_world_destroy(w);

    w = make_world(0);
    sleeper_t longer = {&log, "longer", FL_SECONDS(3600) + 1};
    fl_spawn(w, "longer", sleep_once, &longer);
    assert_int_equal(fl_world_run(w), FL_RUN_TIME_LIMIT);
    assert_int_equal(log.count, 1);
    fl_world_destroy(w);
}

typedef struct spinner {
    int64_t max_seen;
    int yields;
    int statuses_failed;
    int64_t sleeper_woke_at;
    int sleeper_woke_after_yields;
} spinner_t;

static fl_error_t *spin(fl_world_t *w, void *arg) {
    spinner_t *s = arg;
    for (int i = 0; i < 1000; i++) {
        if (fl_now(w) > s->max_seen) s->max_seen = fl_now(w);
        if (fl_checkpoint(w) != FL_OK) s->statuses_failed++;
        s->yields++;
    }
    return NULL;
}

static fl_error_t *nap_one_ns(fl_world_t *w, void *arg) {
    spinner_t *s = arg;
    fl_sleep(w, FL_NS(1));
    s->sleeper_woke_at = fl_now(w);
    s->sleeper_woke_after_yields = s->yields;
    return NULL;
}

static void test_time_stands_still_while_a_task_is_ready(void **state) {
    (void)state;
    fl_world_t *w = make_world(0);
    spinner_t s = {.sleeper_woke_at = -1};
    fl_spawn(w, "sleeper", nap_one_ns, &s);
    fl_spawn(w, "spinner", spin, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(s.yields, 1000);
    assert_int_equal(s.statuses_failed, 0);
    assert_int_equal(s.max_seen, 0);
    /* The 1 ns timer only fired once nothing else could run. */
    assert_int_equal(s.sleeper_woke_at, 1);
    assert_int_equal(s.sleeper_woke_after_yields, 1000);
    fl_world_destroy(w);
}

/* A duration that reaches past the end of representable time must not wrap
 * into the past: such a sleep lasts until the time limit ends the run, as a
 * deadline of FL_TIME_NEVER does for a cancel scope. */
static fl_error_t *sleep_a_second_then_never(fl_world_t *w, void *arg) {
    clock_log_t *log = arg;
    fl_sleep(w, FL_SECONDS(1));
    int status = fl_sleep(w, FL_TIME_NEVER);
    log_add(log, "woke", fl_now(w), status);
    return NULL;
}

static void test_huge_sleep_does_not_wrap_around(void **state) {
    (void)state;
    fl_world_t *w = make_world(0);
    clock_log_t log = {0};
    fl_spawn(w, "sleeper", sleep_a_second_then_never, &log);
    assert_int_equal(fl_world_run(w), FL_RUN_TIME_LIMIT);
    assert_int_equal(log.count, 0);
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_pops_in_deadline_then_arming_order),
        cmocka_unit_test(test_heap_ties_fire_in_arming_order),
        cmocka_unit_test(test_heap_disarm_keeps_order),
        cmocka_unit_test(test_heap_rearm_moves_a_timer),
        cmocka_unit_test(test_timer_armed_states),
        cmocka_unit_test(test_sleep_wakes_at_exact_virtual_time),
        cmocka_unit_test(test_shorter_sleep_wakes_first),
        cmocka_unit_test(test_equal_sleeps_wake_in_sleeping_order),
        cmocka_unit_test(test_sleep_until_and_chained_sleeps),
        cmocka_unit_test(test_sleep_zero_is_a_checkpoint),
        cmocka_unit_test(test_sleep_checks_cancellation),
        cmocka_unit_test(test_sleep_past_time_limit_stops_the_run),
        cmocka_unit_test(test_default_time_limit_is_an_hour),
        cmocka_unit_test(test_time_stands_still_while_a_task_is_ready),
        cmocka_unit_test(test_huge_sleep_does_not_wrap_around),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
