/* `faultline run --jobs N`: scenarios in worker processes (harness/workers.c).
 *
 * The workers re-execute the faultline binary, and a test binary is not
 * one, so these tests point FAULTLINE_WORKER_EXE at build/faultline (the
 * tests run from the repository root; `make test` builds build/faultline
 * before it runs them). When that file does not exist (the sanitize,
 * ucontext and valgrind variants build no binary of their own and may run
 * before any normal build), the tests that need it are skipped. */
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
#include "tests/support/junit_reader.h"
#include "tests/support/scratch.h"

static char dir[SCRATCH_DIR_MAX];

/* The shape of HOLDS in test_commands.c, with a name and a seed range. */
static void write_scenario(const char *file, const char *name, const char *seeds) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "name: %s\n"
            "seeds: %s\n"
            "server:\n  routes:\n    - path: /hello\n      steps:\n"
            "        - respond: {status: 200, body: hi}\n"
            "client:\n  tasks:\n    - name: main\n      steps:\n"
            "        - request: {id: call, path: /hello}\n"
            "expect:\n  - step: {step: call, status: 200}\n",
            name, seeds);
    fclose(f);
}

static int setup(void **state) {
    *state = dir;
    scratch_make(dir, "workers");
    unsetenv("FAULTLINE_TEST_CRASH_ON");
    scratch_use_worker_exe();
    return 0;
}

static void need_worker_exe(void) {
    if (getenv("FAULTLINE_WORKER_EXE") == NULL) {
        print_message("build/faultline not found: run from the repository root after `make`\n");
        skip();
    }
}

/* Runs `run` with words after the command name; returns the exit code and
 * the output in out_text. */
static int run(const char *const *words, int count, char *out_text, size_t size) {
    const char *argv[16] = {"run"};
    assert_true(count < 15);
    for (int i = 0; i < count; i++) argv[i + 1] = words[i];
    return scratch_capture(fl_cli_run, argv, count + 1, out_text, NULL, size);
}

static void write_suite(void) {
    write_scenario("a.yaml", "a holds", "1..20");
    write_scenario("b.yaml", "b holds", "1..20");
    write_scenario("c.yaml", "c holds", "1..20");
}

static void test_crash_is_reported_and_the_suite_goes_on(void **state) {
    (void)state;
    need_worker_exe();
    write_suite();
    setenv("FAULTLINE_TEST_CRASH_ON", "b holds", 1);
    static char text[8192];
    const char *words[] = {dir, "--jobs", "2"};
    int code = run(words, 3, text, sizeof text);
    unsetenv("FAULTLINE_TEST_CRASH_ON");
    assert_int_equal(code, 1);
    char a[128], b[128], c[128], replay[256];
    snprintf(a, sizeof a, "held    %s/a.yaml", dir);
    snprintf(b, sizeof b, "CRASHED %s/b.yaml (signal 6)\n", dir);
    snprintf(c, sizeof c, "held    %s/c.yaml", dir);
    /* The seed is not known: the whole file runs again in one process, with
     * the options it ran under (none here). */
    snprintf(replay, sizeof replay, "replay: faultline run %s/b.yaml --jobs 1\n", dir);
    const char *at_a = strstr(text, a), *at_b = strstr(text, b), *at_c = strstr(text, c);
    assert_non_null(at_a);
    assert_non_null(at_b);
    assert_non_null(at_c);
    assert_non_null(strstr(text, replay));
    /* In file order, whichever worker finished first. */
    assert_true(at_a < at_b && at_b < at_c);
    assert_non_null(strstr(text, "3 scenarios: 2 held, 1 failed, 0 invalid"));
    /* In JUnit a crash is an error, not a failed check, and says how to
     * run it again. */
    char junit[128], expected[512];
    static char read_back[32768];
    snprintf(junit, sizeof junit, "%s/junit.xml", dir);
    setenv("FAULTLINE_TEST_CRASH_ON", "b holds", 1);
    const char *reported[] = {dir, "--jobs", "2", "--junit", junit};
    assert_int_equal(run(reported, 5, text, sizeof text), 1);
    unsetenv("FAULTLINE_TEST_CRASH_ON");
    assert_int_equal(junit_read(junit, read_back, sizeof read_back), 0);
    /* The worker died before it said the scenario's name: the file stands for it. */
    snprintf(expected, sizeof expected, "%s/b.yaml | %s/b.yaml | classname=%s | time=", dir, dir,
             dir);
    assert_non_null(strstr(read_back, expected));
    assert_non_null(strstr(read_back, "| error crashed\n"));
    assert_non_null(strstr(read_back, "tests=3 failures=0 errors=1 skipped=0"));
    snprintf(expected, sizeof expected,
             "property %s/b.yaml | replay=faultline run %s/b.yaml --jobs 1\n", dir, dir);
    assert_non_null(strstr(read_back, expected));
    /* With a range and a policy given, the replay command carries them. */
    setenv("FAULTLINE_TEST_CRASH_ON", "b holds", 1);
    const char *ranged[] = {dir, "--jobs", "2", "--seeds", "3..7", "--policy", "fifo"};
    assert_int_equal(run(ranged, 7, text, sizeof text), 1);
    unsetenv("FAULTLINE_TEST_CRASH_ON");
    snprintf(replay, sizeof replay,
             "replay: faultline run %s/b.yaml --jobs 1 --seeds 3..7 --policy fifo\n", dir);
    assert_non_null(strstr(text, replay));
}

static void test_workers_print_what_one_process_prints(void **state) {
    (void)state;
    need_worker_exe();
    write_suite();
    static char serial[8192], parallel[8192];
    const char *one[] = {dir, "--jobs", "1"};
    const char *two[] = {dir, "--jobs", "2", "--seeds", "1..10"};
    const char *one_seeds[] = {dir, "--seeds", "1..10"};
    assert_int_equal(run(one, 3, serial, sizeof serial), 0);
    const char *two_default[] = {dir, "--jobs", "2"};
    assert_int_equal(run(two_default, 3, parallel, sizeof parallel), 0);
    assert_string_equal(serial, parallel);
    assert_int_equal(run(one_seeds, 3, serial, sizeof serial), 0);
    assert_int_equal(run(two, 5, parallel, sizeof parallel), 0);
    assert_string_equal(serial, parallel);
    assert_non_null(strstr(parallel, "3 scenarios: 3 held, 0 failed, 0 invalid"));
}

static void test_timeout_kills_the_worker(void **state) {
    (void)state;
    need_worker_exe();
    write_scenario("a.yaml", "a holds", "1..20");
    write_scenario("slow.yaml", "slow holds", "1..1000000");
    static char text[8192];
    char junit[128], json[128];
    snprintf(junit, sizeof junit, "%s/junit.xml", dir);
    snprintf(json, sizeof json, "%s/results.jsonl", dir);
    const char *words[] = {dir, "--jobs", "2", "--timeout", "1", "--junit", junit, "--json", json};
    assert_int_equal(run(words, 9, text, sizeof text), 1);
    char timeout[512];
    snprintf(timeout, sizeof timeout, "TIMEOUT %s/slow.yaml\n", dir);
    assert_non_null(strstr(text, timeout));
    assert_non_null(strstr(text, "2 scenarios: 1 held, 1 failed, 0 invalid"));
    /* A timeout is an error, and its time is the worker's life: the second
     * it was given, in JUnit and in JSON lines alike (less a millisecond:
     * libuv's timers count whole milliseconds of a clock it truncates). */
    static char read_back[32768];
    assert_int_equal(junit_read(junit, read_back, sizeof read_back), 0);
    snprintf(timeout, sizeof timeout, "%s/slow.yaml | %s/slow.yaml | classname=%s | time=", dir,
             dir, dir);
    const char *at = strstr(read_back, timeout);
    assert_non_null(at);
    double seconds = 0;
    assert_int_equal(sscanf(at + strlen(timeout), "%lf", &seconds), 1);
    assert_true(seconds >= 0.999 && seconds < 60.0);
    assert_non_null(strstr(at, "| error timeout\n"));
    FILE *f = fopen(json, "r");
    assert_non_null(f);
    size_t n = fread(read_back, 1, sizeof read_back - 1, f);
    fclose(f);
    read_back[n] = '\0';
    at = strstr(read_back, "\"timed_out\":true");
    assert_non_null(at);
    at = strstr(at, "\"duration_s\":");
    assert_non_null(at);
    assert_int_equal(sscanf(at + strlen("\"duration_s\":"), "%lf", &seconds), 1);
    assert_true(seconds >= 0.999 && seconds < 60.0);
}

static void test_invalid_files_keep_their_place(void **state) {
    (void)state;
    need_worker_exe();
    write_suite();
    char path[128];
    snprintf(path, sizeof path, "%s/b.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("name: broken\nclient:\n  tasks: []\nretires: 3\n", f);
    fclose(f);
    static char serial[8192], parallel[8192];
    const char *one[] = {dir};
    const char *two[] = {dir, "--jobs", "2"};
    assert_int_equal(run(one, 1, serial, sizeof serial), 2);
    assert_int_equal(run(two, 3, parallel, sizeof parallel), 2);
    assert_string_equal(serial, parallel);
}

static void test_jobs_without_a_worker_binary_is_a_usage_error(void **state) {
    (void)state;
    write_suite();
    unsetenv("FAULTLINE_WORKER_EXE");
    static char text[4096];
    const char *words[] = {dir, "--jobs", "2"};
    assert_int_equal(run(words, 3, text, sizeof text), 2);
    const char *zero[] = {dir, "--jobs", "0"};
    assert_int_equal(run(zero, 3, text, sizeof text), 2);
    const char *no_timeout[] = {dir, "--timeout", "0"};
    assert_int_equal(run(no_timeout, 3, text, sizeof text), 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crash_is_reported_and_the_suite_goes_on, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_workers_print_what_one_process_prints, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_timeout_kills_the_worker, setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_files_keep_their_place, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_jobs_without_a_worker_binary_is_a_usage_error, setup,
                                        scratch_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
