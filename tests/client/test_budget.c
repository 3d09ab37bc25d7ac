/* RetryBudget (client/budget.c): the reserve (floor of rate x ttl), the
 * earned share (ceil of percent of deposits), withdrawals refused at the
 * ceiling, and the window of ttl in virtual time (an event counts up to and
 * including t + ttl), with its bounded ring. Each test moves time in a task
 * of its world and records what it saw; assertions run after the world. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/budget.h"
#include "sim/runtime/world.h"
#include "tests/support/runtime_test.h"

enum { SEEN_MAX = 32 };

/* What a scenario task saw: available tokens at each probe. */
typedef struct probe {
    fl_retry_budget_t *budget;
    uint64_t available[SEEN_MAX];
    bool withdrew[SEEN_MAX];
    size_t count;
    size_t withdrawals_ok;
    bool done;
} probe_t;

/* Tasks must not longjmp out of their stacks, so an overflowing probe
 * aborts instead of failing through cmocka. */
static void room(const probe_t *p) {
    if (p->count == SEEN_MAX) abort();
}

static void see(probe_t *p, fl_world_t *w) {
    room(p);
    p->available[p->count++] = fl_retry_budget_available(w, p->budget);
}

static void take(probe_t *p, fl_world_t *w) {
    room(p);
    p->withdrew[p->count++] = fl_retry_budget_try_withdraw(w, p->budget);
}

static fl_retry_budget_t *budget_new(fl_world_t *w, int64_t ttl_ns, uint32_t per_second,
                                     uint32_t percent, size_t instants) {
    fl_retry_budget_options_t options = fl_retry_budget_options_default();
    options.ttl_ns = ttl_ns;
    options.min_retries_per_second = per_second;
    options.percent_can_retry = percent;
    if (instants != 0) options.instants_max = instants;
    char message[128] = "";
    fl_retry_budget_t *budget = fl_retry_budget_create(w, &options, message, sizeof message);
    if (budget == NULL) fail_msg("fl_retry_budget_create: %s", message);
    return budget;
}

static void run_task(fl_world_t *w, fl_task_fn body, probe_t *p) {
    fl_spawn(w, "probe", body, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_true(p->done);
}

/* --- options and the reserve ------------------------------------------------------- */

static void test_defaults_and_validation(void **state) {
    (void)state;
    fl_retry_budget_options_t options = fl_retry_budget_options_default();
    assert_int_equal(options.ttl_ns, FL_SECONDS(10));
    assert_int_equal(options.min_retries_per_second, 10);
    assert_int_equal(options.percent_can_retry, 20);
    assert_int_equal(options.instants_max, 1024);
    fl_world_t *w = rt_world("fifo", 1);
    fl_retry_budget_t *budget = fl_retry_budget_create(w, NULL, NULL, 0);
    assert_non_null(budget);
    assert_int_equal(fl_retry_budget_options(budget).ttl_ns, FL_SECONDS(10));
    fl_retry_budget_stats_t stats = fl_retry_budget_stats(w, budget);
    assert_int_equal(stats.reserve, 100); /* 10 per second x 10 s */
    assert_int_equal(stats.available, 100);

    char message[128];
    options.ttl_ns = 0;
    assert_null(fl_retry_budget_create(w, &options, message, sizeof message));
    assert_string_equal(message, "retry budget: ttl must be > 0 and at most 1 hour");
    options = fl_retry_budget_options_default();
    options.ttl_ns = FL_RETRY_BUDGET_TTL_MAX_NS + 1;
    assert_null(fl_retry_budget_create(w, &options, message, sizeof message));
    options = fl_retry_budget_options_default();
    options.percent_can_retry = 1001;
    assert_null(fl_retry_budget_create(w, &options, message, sizeof message));
    options = fl_retry_budget_options_default();
    options.min_retries_per_second = FL_RETRY_BUDGET_MIN_RETRIES_PER_SECOND_MAX + 1;
    assert_null(fl_retry_budget_create(w, &options, message, sizeof message));
    options = fl_retry_budget_options_default();
    options.instants_max = 1;
    assert_null(fl_retry_budget_create(w, &options, message, sizeof message));
    fl_world_destroy(w);
}

static void test_reserve_is_the_floor_of_rate_times_ttl(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    assert_int_equal(fl_retry_budget_stats(w, budget_new(w, FL_MS(1500), 1, 0, 0)).reserve, 1);
    assert_int_equal(fl_retry_budget_stats(w, budget_new(w, FL_MS(1999), 1, 0, 0)).reserve, 1);
    assert_int_equal(fl_retry_budget_stats(w, budget_new(w, FL_SECONDS(2), 1, 0, 0)).reserve, 2);
    assert_int_equal(fl_retry_budget_stats(w, budget_new(w, FL_MS(250), 10, 0, 0)).reserve, 2);
    assert_int_equal(fl_retry_budget_stats(w, budget_new(w, FL_SECONDS(3600), 1000000, 0, 0)).reserve,
                     UINT64_C(3600000000));
    fl_world_destroy(w);
}

/* The default budget with no deposits: exactly 100 withdrawals, then none. */
static fl_error_t *reserve_only(fl_world_t *w, void *arg) {
    probe_t *p = arg;
    for (int i = 0; i < 100; i++) p->withdrawals_ok += fl_retry_budget_try_withdraw(w, p->budget);
    take(p, w); /* the 101st */
    see(p, w);
    p->done = true;
    return NULL;
}

static void test_reserve_alone_allows_rate_times_ttl_retries(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    probe_t p = {.budget = fl_retry_budget_create(w, NULL, NULL, 0)};
    run_task(w, reserve_only, &p);
    assert_int_equal(p.withdrawals_ok, 100);
    assert_false(p.withdrew[0]);
    assert_int_equal(p.available[1], 0);
    fl_retry_budget_stats_t stats = fl_retry_budget_stats(w, p.budget);
    assert_int_equal(stats.withdrawals_in_window, 100);
    assert_int_equal(stats.refusals_total, 1);
    fl_world_destroy(w);
}

/* --- the earned share: ceil ----------------------------------------------------------- */

static fl_error_t *deposit_and_see(fl_world_t *w, void *arg) {
    probe_t *p = arg;
    see(p, w); /* 0 deposits */
    for (int deposits = 1; deposits <= 11; deposits++) {
        fl_retry_budget_deposit(w, p->budget);
        see(p, w);
    }
    p->done = true;
    return NULL;
}

static void test_earned_tokens_are_the_ceiling_of_the_percentage(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    probe_t p = {.budget = budget_new(w, FL_SECONDS(10), 0, 20, 0)};
    run_task(w, deposit_and_see, &p);
    /* ceil(0.2 n) for n = 0..11 */
    const uint64_t expected[12] = {0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3};
    assert_memory_equal(p.available, expected, sizeof expected);
    fl_world_destroy(w);

    w = rt_world("fifo", 1);
    probe_t half = {.budget = budget_new(w, FL_SECONDS(10), 0, 50, 0)};
    run_task(w, deposit_and_see, &half);
    const uint64_t expected_half[12] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6};
    assert_memory_equal(half.available, expected_half, sizeof expected_half);
    fl_world_destroy(w);

    /* With the default reserve the earned share adds on top: 100 + ceil(0.2 n). */
    w = rt_world("fifo", 1);
    probe_t both = {.budget = budget_new(w, FL_SECONDS(10), 10, 20, 0)};
    run_task(w, deposit_and_see, &both);
    for (size_t n = 0; n < 12; n++) assert_int_equal(both.available[n], 100 + expected[n]);
    fl_world_destroy(w);
}

/* 6 deposits, 20 %: exactly 2 withdrawals pass, the third is refused and
 * records nothing. */
static fl_error_t *withdraw_to_the_ceiling(fl_world_t *w, void *arg) {
    probe_t *p = arg;
    for (int i = 0; i < 6; i++) fl_retry_budget_deposit(w, p->budget);
    take(p, w);
    take(p, w);
    take(p, w);
    see(p, w);
    p->done = true;
    return NULL;
}

static void test_withdrawals_stop_at_the_ceiling(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    probe_t p = {.budget = budget_new(w, FL_SECONDS(10), 0, 20, 0)};
    run_task(w, withdraw_to_the_ceiling, &p);
    assert_true(p.withdrew[0]);
    assert_true(p.withdrew[1]);
    assert_false(p.withdrew[2]);
    assert_int_equal(p.available[3], 0);
    fl_retry_budget_stats_t stats = fl_retry_budget_stats(w, p.budget);
    assert_int_equal(stats.withdrawals_in_window, 2);
    assert_int_equal(stats.withdrawals_total, 2);
    assert_int_equal(stats.refusals_total, 1);
    assert_int_equal(stats.deposits_in_window, 6);
    fl_world_destroy(w);
}

/* --- the window in virtual time ----------------------------------------------------- */

/* ttl 10 s, 20 %, no reserve. 1 deposit at 0 s, 5 at 5 s: 6 in the window
 * (2 tokens) until 10 s inclusive; from 10 s + 1 ns the first has expired:
 * 5 deposits, 1 token; from 15 s + 1 ns none: 0. */
static fl_error_t *deposits_expire(fl_world_t *w, void *arg) {
    probe_t *p = arg;
    fl_retry_budget_deposit(w, p->budget);
    see(p, w);                              /* [0] at 0 s */
    fl_sleep(w, FL_SECONDS(5));
    for (int i = 0; i < 5; i++) fl_retry_budget_deposit(w, p->budget);
    see(p, w);                              /* [1] at 5 s */
    fl_sleep_until(w, FL_SECONDS(10));
    see(p, w);                              /* [2] at 10 s: still there */
    fl_sleep_until(w, FL_SECONDS(10) + 1);
    see(p, w);                              /* [3] at 10 s + 1 ns */
    fl_sleep_until(w, FL_SECONDS(15));
    see(p, w);                              /* [4] at 15 s */
    fl_sleep_until(w, FL_SECONDS(15) + 1);
    see(p, w);                              /* [5] at 15 s + 1 ns */
    p->done = true;
    return NULL;
}

static void test_deposits_expire_after_ttl_of_virtual_time(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    probe_t p = {.budget = budget_new(w, FL_SECONDS(10), 0, 20, 0)};
    run_task(w, deposits_expire, &p);
    const uint64_t expected[6] = {1, 2, 2, 1, 1, 0};
    assert_memory_equal(p.available, expected, sizeof expected);
    fl_retry_budget_stats_t stats = fl_retry_budget_stats(w, p.budget);
    assert_int_equal(stats.deposits_in_window, 0);
    assert_int_equal(stats.deposits_total, 6);
    fl_world_destroy(w);
}

/* ttl 1 s, 1 per second: a reserve of 1. A withdrawal at 0 s holds the
 * token through 1 s inclusive and frees it at 1 s + 1 ns. */
static fl_error_t *withdrawals_expire(fl_world_t *w, void *arg) {
    probe_t *p = arg;
    take(p, w);                          /* [0] 0 s: yes */
    take(p, w);                          /* [1] 0 s: no */
    fl_sleep_until(w, FL_SECONDS(1));
    take(p, w);                          /* [2] 1 s: still no */
    fl_sleep_until(w, FL_SECONDS(1) + 1);
    take(p, w);                          /* [3] 1 s + 1 ns: yes */
    take(p, w);                          /* [4] and no more */
    p->done = true;
    return NULL;
}

static void test_withdrawals_expire_after_ttl_of_virtual_time(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    probe_t p = {.budget = budget_new(w, FL_SECONDS(1), 1, 0, 0)};
    run_task(w, withdrawals_expire, &p);
    const bool expected[5] = {true, false, false, true, false};
    assert_memory_equal(p.withdrew, expected, sizeof expected);
    fl_retry_budget_stats_t stats = fl_retry_budget_stats(w, p.budget);
    assert_int_equal(stats.withdrawals_total, 2);
    assert_int_equal(stats.refusals_total, 3);
    fl_world_destroy(w);
}

/* A ring of 2 instants, deposits at 0, 1 and 2 s (ttl 10 s, 100 %): the
 * 0 s run is folded into the 1 s run, so it counts until 11 s (inclusive)
 * instead of 10 s; totals are never lost. */
static fl_error_t *ring_folds(fl_world_t *w, void *arg) {
    probe_t *p = arg;
    for (int second = 0; second <= 2; second++) {
        fl_sleep_until(w, FL_SECONDS(second));
        fl_retry_budget_deposit(w, p->budget);
        fl_retry_budget_deposit(w, p->budget); /* same instant: same run */
    }
    see(p, w);                            /* [0] 2 s: 6 */
    fl_sleep_until(w, FL_SECONDS(10) + 1);
    see(p, w);                            /* [1] 10 s + 1 ns: still 6 (folded) */
    fl_sleep_until(w, FL_SECONDS(11) + 1);
    see(p, w);                            /* [2] 11 s + 1 ns: 2 */
    fl_sleep_until(w, FL_SECONDS(12) + 1);
    see(p, w);                            /* [3] 12 s + 1 ns: 0 */
    p->done = true;
    return NULL;
}

static void test_a_full_ring_folds_its_oldest_instants(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    probe_t p = {.budget = budget_new(w, FL_SECONDS(10), 0, 100, 2)};
    run_task(w, ring_folds, &p);
    const uint64_t expected[4] = {6, 6, 2, 0};
    assert_memory_equal(p.available, expected, sizeof expected);
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_validation),
        cmocka_unit_test(test_reserve_is_the_floor_of_rate_times_ttl),
        cmocka_unit_test(test_reserve_alone_allows_rate_times_ttl_retries),
        cmocka_unit_test(test_earned_tokens_are_the_ceiling_of_the_percentage),
        cmocka_unit_test(test_withdrawals_stop_at_the_ceiling),
        cmocka_unit_test(test_deposits_expire_after_ttl_of_virtual_time),
        cmocka_unit_test(test_withdrawals_expire_after_ttl_of_virtual_time),
        cmocka_unit_test(test_a_full_ring_folds_its_oldest_instants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
