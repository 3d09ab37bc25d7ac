/* The determinism self-check: the sample of passing seeds is a fixed share,
 * a seed whose hash is not the one expected is reported as nondeterminism,
 * a failing seed is always run twice, and --self-check 100% runs every
 * passing seed twice. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "harness/model/loader.h"
#include "harness/run/runner.h"
#include "harness/run/self_check.h"
#include "sim/runtime/arena.h"

static const char HOLDS[] =
    "name: one request\nseeds: 1..40\n"
    "server:\n  routes:\n    - path: /a\n      steps:\n        - respond: {status: 200}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: a, path: /a}\n"
    "expect:\n  - step: {step: a, status: 200}\n";

static const char FAILS[] =
    "name: expects the wrong status\nseeds: 1..40\n"
    "server:\n  routes:\n    - path: /a\n      steps:\n        - respond: {status: 200}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: a, path: /a}\n"
    "expect:\n  - step: {step: a, status: 201}\n";

static void load(fl_arena_t *arena, const char *text, fl_scenario_t *s) {
    char error[512];
    assert_int_equal(fl_scenario_load_string(arena, "t.yaml", text, s, error, sizeof error), 0);
}

static void test_the_sample_is_a_fixed_share(void **state) {
    (void)state;
    uint64_t sampled = 0;
    for (uint64_t seed = 1; seed <= 100000; seed++) sampled += fl__self_check_sampled(seed, 50000);
    assert_true(sampled > 4700 && sampled < 5300); /* 5% of 100,000 */
    assert_false(fl__self_check_sampled(7, 0));
    for (uint64_t seed = 1; seed <= 100; seed++) assert_true(fl__self_check_sampled(seed, 1000000));
    assert_int_equal(fl__self_check_sampled(12345, 50000), fl__self_check_sampled(12345, 50000));
}

static void test_a_wrong_hash_is_nondeterminism(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    load(&arena, HOLDS, &s);
    fl_run_config_t config = {0};
    static fl_seed_result_t seed;
    assert_int_equal(fl_scenario_run_seed(&s, 3, &config, &seed), 0);
    char message[640];
    assert_true(fl__self_check_seed(&s, 3, &config, seed.trace_hash, message, sizeof message));
    assert_false(fl__self_check_seed(&s, 3, &config, seed.trace_hash ^ 1, message, sizeof message));
    assert_non_null(strstr(message, "nondeterminism: seed 3 ran twice with trace hashes "));
    /* The runs agree with each other: only the expected hash was off. */
    assert_non_null(strstr(message, "the timelines agree"));
    fl_arena_destroy(&arena);
}

static void test_failing_and_sampled_seeds_run_twice(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t holds, fails;
    load(&arena, HOLDS, &holds);
    load(&arena, FAILS, &fails);
    static fl_scenario_result_t result;
    assert_int_equal(fl_scenario_run(&fails, NULL, &result), 0);
    assert_false(result.passed);
    assert_int_equal(result.seeds_self_checked, 1); /* the failing seed */
    assert_int_equal(fl_scenario_run(&holds, NULL, &result), 0);
    assert_true(result.passed);
    assert_int_equal(result.seeds_self_checked, 0);
    fl_run_config_t every = {.self_check_per_million = 1000000};
    assert_int_equal(fl_scenario_run(&holds, &every, &result), 0);
    assert_true(result.passed);
    assert_int_equal(result.seeds_self_checked, 40);
    fl_arena_destroy(&arena);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_sample_is_a_fixed_share),
        cmocka_unit_test(test_a_wrong_hash_is_nondeterminism),
        cmocka_unit_test(test_failing_and_sampled_seeds_run_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
