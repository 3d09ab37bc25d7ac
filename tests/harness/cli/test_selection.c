/* run's pytest-like selection and edit-run loop: -k, --tag, -x, --lf,
 * --ff, -q, -v, and getopt_long's forms (--opt=value, --, clustered short
 * options), on scenario files the test writes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/commands.h"
#include "tests/support/scratch.h"

static char dir[SCRATCH_DIR_MAX];

#define SCENARIO(name, tags, status)                                                               \
    "name: " name "\n"                                                                             \
    "tags: [" tags "]\n"                                                                           \
    "seeds: 1..3\n"                                                                                \
    "server:\n  routes:\n    - path: /hello\n      steps:\n        - respond: {status: 200}\n"   \
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: call, path: "      \
    "/hello}\n"                                                                                    \
    "expect:\n  - step: {step: call, status: " status "}\n"

static int setup(void **state) {
    *state = dir;
    scratch_make(dir, "selection");
    scratch_write(dir, "a_sse.yaml", SCENARIO("sse stream", "sse", "200"));
    scratch_write(dir, "m_fails.yaml", SCENARIO("wrong status", "retry, broken", "500"));
    scratch_write(dir, "z_retry.yaml", SCENARIO("retry holds", "retry", "200"));
    return 0;
}

/* Runs `run --jobs 1` with words after it (which name the path); the
 * exit code, stdout in out. */
static int run_with(const char *const *words, int count, char *out, size_t size) {
    const char *argv[16] = {"run", "--jobs", "1"};
    int n = 3;
    for (int i = 0; i < count; i++) argv[n++] = words[i];
    assert_true(n <= 16);
    return scratch_capture(fl_cli_run, argv, n, out, NULL, size);
}

static void test_k_selects_by_path_and_name(void **state) {
    (void)state;
    char out[8192];
    const char *by_name[] = {dir, "-k", "stream"};
    assert_int_equal(run_with(by_name, 3, out, sizeof out), 0);
    assert_non_null(strstr(out, "selected 1 of 3 scenario files (2 deselected)"));
    assert_non_null(strstr(out, "a_sse.yaml"));
    assert_null(strstr(out, "z_retry.yaml"));
    const char *expression[] = {dir, "-k", "not sse and not fails"};
    assert_int_equal(run_with(expression, 3, out, sizeof out), 0);
    assert_non_null(strstr(out, "selected 1 of 3"));
    assert_non_null(strstr(out, "z_retry.yaml"));
    /* getopt_long's forms: --keyword=EXPR and -kEXPR */
    const char *long_form[] = {"--keyword=RETRY and holds", dir};
    assert_int_equal(run_with(long_form, 2, out, sizeof out), 0);
    assert_non_null(strstr(out, "selected 1 of 3"));
    const char *short_form[] = {dir, "-kfails"};
    assert_int_equal(run_with(short_form, 2, out, sizeof out), 1);
    assert_non_null(strstr(out, "FAILED  "));
}

/* list and check select as run does. */
static void test_list_and_check_select(void **state) {
    (void)state;
    char out[8192];
    const char *list[] = {"list", dir, "--tag", "retry", "-k", "not fails"};
    assert_int_equal(scratch_capture(fl_cli_list, list, 6, out, NULL, sizeof out), 0);
    assert_non_null(strstr(out, "z_retry.yaml"));
    assert_null(strstr(out, "a_sse.yaml"));
    assert_null(strstr(out, "m_fails.yaml"));
    const char *check[] = {"check", dir, "-k", "sse"};
    assert_int_equal(scratch_capture(fl_cli_check, check, 4, out, NULL, sizeof out), 0);
    assert_non_null(strstr(out, "1 file"));
}

static void test_a_malformed_expression_runs_nothing(void **state) {
    (void)state;
    char err[4096];
    const char *argv[] = {"run", dir, "-k", "sse and (", "--jobs", "1"};
    assert_int_equal(scratch_capture(fl_cli_run, argv, 6, NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "faultline run: -k 'sse and (': expected a word at the end at "
                                "offset 9"));
}

static void test_tag_selects_any_of_the_tags(void **state) {
    (void)state;
    char out[8192];
    const char *one[] = {dir, "--tag", "sse"};
    assert_int_equal(run_with(one, 3, out, sizeof out), 0);
    assert_non_null(strstr(out, "selected 1 of 3"));
    const char *two[] = {dir, "--tag", "sse", "--tag=broken"};
    assert_int_equal(run_with(two, 4, out, sizeof out), 1);
    assert_non_null(strstr(out, "selected 2 of 3"));
    const char *none[] = {dir, "--tag", "nothing"};
    assert_int_equal(run_with(none, 3, out, sizeof out), 5); /* nothing matched, as pytest */
}

static void test_x_stops_after_the_first_failure(void **state) {
    (void)state;
    char out[8192];
    const char *all[] = {dir};
    assert_int_equal(run_with(all, 1, out, sizeof out), 1);
    assert_non_null(strstr(out, "3 scenarios: 2 held, 1 failed"));
    const char *first[] = {"-x", dir};
    assert_int_equal(run_with(first, 2, out, sizeof out), 1);
    assert_non_null(strstr(out, "stopped after the first failure (-x): 2 of 3 scenario files run"));
    assert_null(strstr(out, "z_retry.yaml"));
    assert_non_null(strstr(out, "2 scenarios: 1 held, 1 failed"));
}

static void test_quiet_and_verbose(void **state) {
    (void)state;
    char out[8192];
    const char *quiet[] = {"-q", dir};
    assert_int_equal(run_with(quiet, 2, out, sizeof out), 1);
    assert_null(strstr(out, "held    "));
    assert_non_null(strstr(out, "FAILED  "));
    const char *verbose[] = {"-v", "--", dir};
    assert_int_equal(run_with(verbose, 3, out, sizeof out), 1);
    assert_non_null(strstr(out, "\n        sse stream\n"));
}

/* --lf and --ff read what the last run in this directory recorded. */
static void test_last_failed_and_failed_first(void **state) {
    (void)state;
    char here[PATH_MAX], out[8192];
    assert_non_null(getcwd(here, sizeof here));
    assert_int_equal(chdir(dir), 0);
    const char *all[] = {"."};
    assert_int_equal(run_with(all, 1, out, sizeof out), 1);
    const char *last[] = {".", "--lf"};
    assert_int_equal(run_with(last, 2, out, sizeof out), 1);
    assert_non_null(strstr(out, "selected 1 of 3 scenario files (2 deselected; 1 failed last time)"));
    assert_non_null(strstr(out, "m_fails.yaml"));
    const char *first[] = {".", "--ff"};
    assert_int_equal(run_with(first, 2, out, sizeof out), 1);
    const char *failed = strstr(out, "m_fails.yaml"), *held = strstr(out, "a_sse.yaml");
    assert_non_null(failed);
    assert_non_null(held);
    assert_true(failed < held); /* the failure runs first */
    /* Fixed, it holds, and the record forgets it: --lf then runs them all. */
    scratch_write(dir, "m_fails.yaml", SCENARIO("wrong status", "retry, broken", "200"));
    assert_int_equal(run_with(all, 1, out, sizeof out), 0);
    assert_int_equal(run_with(last, 2, out, sizeof out), 0);
    assert_non_null(strstr(out, "0 failed last time: running all"));
    assert_non_null(strstr(out, "3 scenarios: 3 held"));
    scratch_write(dir, "m_fails.yaml", SCENARIO("wrong status", "retry, broken", "500"));
    assert_int_equal(chdir(here), 0);
}

static void test_getopt_errors(void **state) {
    (void)state;
    char err[4096];
    const char *flag_value[] = {"run", dir, "--marks=yes"};
    assert_int_equal(scratch_capture(fl_cli_run, flag_value, 3, NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "--marks takes no value"));
    const char *missing[] = {"run", dir, "--seeds"};
    assert_int_equal(scratch_capture(fl_cli_run, missing, 3, NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "--seeds needs a value"));
    const char *short_unknown[] = {"run", dir, "-z"};
    assert_int_equal(scratch_capture(fl_cli_run, short_unknown, 3, NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "unknown option '-z'"));
    const char *equals[] = {"run", dir, "--seeds=2..3", "--jobs=1"};
    char out[4096];
    assert_int_equal(scratch_capture(fl_cli_run, equals, 4, out, NULL, sizeof out), 1);
    assert_non_null(strstr(out, " 2 seeds\n"));
    const char *not_replays[] = {"replay", dir, "--seed", "1", "-k", "x"};
    assert_int_equal(scratch_capture(fl_cli_replay, not_replays, 6, NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "--keyword is not an option of replay"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_k_selects_by_path_and_name),
        cmocka_unit_test(test_list_and_check_select),
        cmocka_unit_test(test_a_malformed_expression_runs_nothing),
        cmocka_unit_test(test_tag_selects_any_of_the_tags),
        cmocka_unit_test(test_x_stops_after_the_first_failure),
        cmocka_unit_test(test_quiet_and_verbose),
        cmocka_unit_test(test_last_failed_and_failed_first),
        cmocka_unit_test(test_getopt_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
