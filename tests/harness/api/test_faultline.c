/* The public interface (include/faultline/faultline.h) against the runner
 * it wraps: a seed's verdict and trace hash are fl_scenario_run_seed's, a
 * range's are fl_scenario_run's, finds scenarios are judged as replay and
 * run judge them, and bad input is an error with its location. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <faultline/faultline.h>

#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"
#include "tests/support/scratch.h"

static const char HOLDS_FILE[] = "scenarios/retry/get_retried_after_reset.yaml";
static const char FINDS_FILE[] = "scenarios/shield/v020_finds.yaml";

static faultline_scenario_t *load(const char *path) {
    char error[512];
    faultline_scenario_t *s = NULL;
    int status = faultline_load(path, &s, error, sizeof error);
    if (status != FAULTLINE_OK) print_error("%s\n", error);
    assert_int_equal(status, FAULTLINE_OK);
    assert_non_null(s);
    return s;
}

/* The runner's own hash of path at seed, the scenario loaded afresh. */
static uint64_t runner_hash(const char *path, uint64_t seed, bool *passed) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[512];
    assert_int_equal(fl_scenario_load_file(&arena, path, &s, error, sizeof error), 0);
    fl_seed_result_t *result = malloc(sizeof *result);
    assert_non_null(result);
    assert_int_equal(fl_scenario_run_seed(&s, seed, NULL, result), 0);
    uint64_t hash = result->trace_hash;
    *passed = result->passed;
    free(result);
    fl_arena_destroy(&arena);
    return hash;
}

static void test_a_seed_is_the_runners_seed(void **state) {
    (void)state;
    faultline_scenario_t *s = load(HOLDS_FILE);
    assert_false(faultline_finds(s));
    assert_string_equal(faultline_name(s),
                        "retry re-sends a GET after a reset, on a new connection");
    for (uint64_t seed = 1; seed <= 5; seed++) {
        faultline_result_t r;
        assert_int_equal(faultline_run_seed(s, seed, NULL, &r), FAULTLINE_OK);
        bool passed = false;
        assert_int_equal(r.trace_hash, runner_hash(HOLDS_FILE, seed, &passed));
        assert_true(passed);
        assert_int_equal(r.verdict, FAULTLINE_HELD);
        assert_true(r.passed);
        assert_int_equal(r.seed, seed);
        assert_int_equal(r.seeds_run, 1);
        assert_string_equal(r.failed_check, "");
    }
    /* The same seed twice: the same hash (nothing carries over). */
    faultline_result_t a, b;
    assert_int_equal(faultline_run_seed(s, 9, NULL, &a), FAULTLINE_OK);
    assert_int_equal(faultline_run_seed(s, 9, NULL, &b), FAULTLINE_OK);
    assert_int_equal(a.trace_hash, b.trace_hash);
    faultline_free(s);
}

static void test_finds_is_judged_as_replay_and_run_judge_it(void **state) {
    (void)state;
    faultline_scenario_t *s = load(FINDS_FILE);
    assert_true(faultline_finds(s));
    uint64_t first = 0, last = 0;
    faultline_seed_range(s, &first, &last);
    assert_int_equal(first, 1);
    assert_int_equal(last, 1000);
    faultline_result_t r;
    /* `faultline run` finds it at seed 3; seeds 1 and 2 hold. */
    assert_int_equal(faultline_run_seed(s, 1, NULL, &r), FAULTLINE_OK);
    assert_int_equal(r.verdict, FAULTLINE_NOT_FOUND);
    assert_false(r.passed);
    assert_int_equal(faultline_run_seed(s, 3, NULL, &r), FAULTLINE_OK);
    assert_int_equal(r.verdict, FAULTLINE_FOUND);
    assert_true(r.passed);
    assert_string_equal(r.failed_check, "no_response_returned");
    uint64_t found_hash = r.trace_hash;
    assert_int_equal(faultline_run(s, NULL, &r), FAULTLINE_OK);
    assert_int_equal(r.verdict, FAULTLINE_FOUND);
    assert_int_equal(r.seed, 3);
    assert_int_equal(r.seeds_run, 3);
    assert_int_equal(r.trace_hash, found_hash);
    assert_non_null(strstr(r.message, "found at seed 3"));
    faultline_free(s);
}

static void test_a_range_that_holds_runs_every_seed(void **state) {
    (void)state;
    faultline_scenario_t *s = load(HOLDS_FILE);
    faultline_result_t r;
    assert_int_equal(faultline_run(s, "fifo", &r), FAULTLINE_OK);
    assert_int_equal(r.verdict, FAULTLINE_HELD);
    assert_true(r.passed);
    assert_int_equal(r.seeds_run, 200);
    assert_int_equal(r.seed, 200);
    faultline_free(s);
}

static void test_bad_input_is_an_error_with_its_place(void **state) {
    (void)state;
    char dir[SCRATCH_DIR_MAX], path[SCRATCH_DIR_MAX + 16], error[512];
    scratch_make(dir, "api");
    scratch_write(dir, "bad.yaml", "name: x\nclient:\n  tasks: []\n  retires: 3\n");
    snprintf(path, sizeof path, "%s/bad.yaml", dir);
    faultline_scenario_t *s = (faultline_scenario_t *)&error; /* set to NULL on failure */
    assert_int_equal(faultline_load(path, &s, error, sizeof error), FAULTLINE_EINVAL);
    assert_null(s);
    assert_non_null(strstr(error, path));
    assert_non_null(strstr(error, ": error: "));
    assert_int_equal(faultline_load("/nonexistent/x.yaml", &s, error, sizeof error),
                     FAULTLINE_EINVAL);
    assert_non_null(strstr(error, "/nonexistent/x.yaml"));
    assert_int_equal(faultline_load(NULL, &s, error, sizeof error), FAULTLINE_EINVAL);
    assert_int_equal(faultline_load(path, &s, NULL, 0), FAULTLINE_EINVAL);
    faultline_free(NULL);
    s = load(HOLDS_FILE);
    faultline_result_t r;
    assert_int_equal(faultline_run_seed(s, 1, "nonsense", &r), FAULTLINE_EINVAL);
    assert_false(r.passed);
    assert_true(r.message[0] != '\0');
    assert_int_equal(faultline_run_seed(NULL, 1, NULL, &r), FAULTLINE_EINVAL);
    assert_int_equal(faultline_run(s, NULL, NULL), FAULTLINE_EINVAL);
    faultline_free(s);
    assert_int_equal(scratch_remove(dir), 0);
}

static void test_names_and_version(void **state) {
    (void)state;
    assert_string_equal(faultline_verdict_name(FAULTLINE_HELD), "held");
    assert_string_equal(faultline_verdict_name(FAULTLINE_FAILED), "FAILED");
    assert_string_equal(faultline_verdict_name(FAULTLINE_FOUND), "found");
    assert_string_equal(faultline_verdict_name(FAULTLINE_NOT_FOUND), "not found");
    assert_string_equal(faultline_version(), FAULTLINE_VERSION);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_seed_is_the_runners_seed),
        cmocka_unit_test(test_finds_is_judged_as_replay_and_run_judge_it),
        cmocka_unit_test(test_a_range_that_holds_runs_every_seed),
        cmocka_unit_test(test_bad_input_is_an_error_with_its_place),
        cmocka_unit_test(test_names_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
