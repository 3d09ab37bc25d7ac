/* A failure under pct carries its choice list: run's replay line says
 * --policy replay --schedule S, in this process and from workers, and S
 * replays the failure alone under another seed; a random failure's line
 * stays the seed and policy. */
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

static char path[] = "/tmp/faultline-pct-XXXXXX.yaml";

/* #2516 as a holds file: every run that shows it fails. */
static int setup(void **state) {
    (void)state;
    FILE *in = fopen("scenarios/shield/v021_finds_2516.yaml", "r");
    assert_non_null(in);
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w");
    char line[1024];
    while (fgets(line, sizeof line, in) != NULL) {
        if (strncmp(line, "finds:", 6) == 0) continue;
        fputs(strncmp(line, "mode: finds", 11) == 0 ? "mode: holds\n" : line, out);
    }
    fclose(in);
    fclose(out);
    char exe[PATH_MAX];
    if (realpath("build/faultline", exe) != NULL && access(exe, X_OK) == 0)
        setenv("FAULTLINE_WORKER_EXE", exe, 1);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    remove(path);
    return 0;
}

static int command(int (*fn)(int, char **, FILE *, FILE *), const char *const *words, int count,
                   char *out, size_t size) {
    char *argv[16];
    static char err[8192];
    for (int i = 0; i < count; i++) argv[i] = (char *)words[i];
    FILE *o = fmemopen(out, size, "w"), *e = fmemopen(err, sizeof err, "w");
    int code = fn(count, argv, o, e);
    fclose(o);
    fclose(e);
    return code;
}

/* The replay line's schedule, replayed under seed 999, fails again. */
static void schedule_replays_the_failure(const char *printed) {
    const char *replay = strstr(printed, "replay: faultline replay ");
    assert_non_null(replay);
    const char *at = strstr(replay, " --policy replay --schedule ");
    assert_non_null(at);
    char schedule[8192];
    assert_int_equal(sscanf(at, " --policy replay --schedule %8191s", schedule), 1);
    const char *words[] = {"replay", path, "--seed", "999", "--schedule", schedule};
    static char replayed[262144];
    assert_int_equal(command(fl_cli_replay, words, 6, replayed, sizeof replayed), 1);
    assert_non_null(strstr(replayed, "seed 999 FAILED"));
}

static void test_a_random_failure_keeps_its_seed_and_policy(void **state) {
    (void)state;
    static char out[65536];
    const char *words[] = {"run", path, "--policy", "random"};
    assert_int_equal(command(fl_cli_run, words, 4, out, sizeof out), 1);
    assert_non_null(strstr(out, "--policy random\n"));
    assert_null(strstr(out, "--schedule"));
}

static void test_a_pct_failure_replays_from_its_schedule(void **state) {
    (void)state;
    static char out[65536];
    const char *words[] = {"run", path, "--policy", "pct", "--jobs", "1"};
    assert_int_equal(command(fl_cli_run, words, 6, out, sizeof out), 1);
    assert_null(strstr(out, "--policy pct"));
    schedule_replays_the_failure(out);
}

static void test_from_workers_too(void **state) {
    (void)state;
    if (getenv("FAULTLINE_WORKER_EXE") == NULL) skip(); /* needs build/faultline */
    static char out[65536];
    const char *words[] = {"run", path, path, "--policy", "pct", "--jobs", "2"};
    assert_int_equal(command(fl_cli_run, words, 7, out, sizeof out), 1);
    schedule_replays_the_failure(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_random_failure_keeps_its_seed_and_policy),
        cmocka_unit_test(test_a_pct_failure_replays_from_its_schedule),
        cmocka_unit_test(test_from_workers_too),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
