/* faultline explore: how often a bug shows under random and pct, with the
 * interval, the first finding and the signatures; a holds file that never
 * fails; the same report twice; and its usage errors. */
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

static int command(int (*fn)(int, char **, FILE *, FILE *), const char *const *words, int count,
                   char *out, size_t out_size, char *err, size_t err_size) {
    char *argv[16];
    assert_true(count <= 16);
    for (int i = 0; i < count; i++) argv[i] = (char *)words[i];
    FILE *o = fmemopen(out, out_size, "w"), *e = fmemopen(err, err_size, "w");
    int code = fn(count, argv, o, e);
    fclose(o);
    fclose(e);
    return code;
}

static int explore(const char *const *words, int count, char *out, size_t out_size, char *err,
                   size_t err_size) {
    return command(fl_cli_explore, words, count, out, out_size, err, err_size);
}

/* The --schedule of the replay command in out, replayed under another
 * seed: it must find the bug again by itself. */
static void schedule_replays_the_find(const char *out, const char *path) {
    const char *replay = strstr(out, "--policy replay --schedule ");
    assert_non_null(replay);
    char schedule[4096];
    assert_int_equal(sscanf(replay, "--policy replay --schedule %4095s", schedule), 1);
    const char *words[] = {"replay", path, "--seed", "77", "--schedule", schedule};
    static char replayed[262144], err[4096];
    assert_int_equal(command(fl_cli_replay, words, 6, replayed, sizeof replayed, err, sizeof err), 0);
    assert_non_null(strstr(replayed, "fails (found) at seed 77"));
}

static void test_a_finds_file_under_random_and_pct(void **state) {
    (void)state;
    static char out[32768], again[32768], err[4096];
    const char *words[] = {"explore", "scenarios/shield/v021_finds_2516.yaml", "--runs", "100"};
    assert_int_equal(explore(words, 4, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, "explore scenarios/shield/v021_finds_2516.yaml: finds, 100 runs"));
    assert_non_null(strstr(out, "  random  "));
    assert_non_null(strstr(out, "  pct d=3 "));
    assert_non_null(strstr(out, "n = "));
    assert_non_null(strstr(out, "signatures (the check, then the last protocol events"));
    assert_non_null(strstr(out, "no_response_returned after: "));
    assert_non_null(strstr(out, "faultline replay scenarios/shield/v021_finds_2516.yaml --seed "));
    /* The same runs give the same report: nothing of the wall clock. */
    assert_int_equal(explore(words, 4, again, sizeof again, err, sizeof err), 0);
    assert_string_equal(out, again);
}

static void test_pct_finds_2516_within_20_runs(void **state) {
    (void)state;
    static char out[16384], err[4096];
    const char *words[] = {"explore", "scenarios/shield/v021_finds_2516.yaml", "--runs", "20",
                           "--policy", "pct"};
    assert_int_equal(explore(words, 6, out, sizeof out, err, sizeof err), 0);
    assert_null(strstr(out, "  random  "));
    const char *line = strstr(out, "  pct d=3 ");
    assert_non_null(line);
    assert_null(strstr(line, "     0/20")); /* found at least once */
    /* pct's seed replays it only with explore's k: its command carries the list. */
    assert_null(strstr(out, "--policy pct"));
    schedule_replays_the_find(out, "scenarios/shield/v021_finds_2516.yaml");
}

static void test_a_holds_file_that_never_fails(void **state) {
    (void)state;
    static char out[16384], err[4096];
    const char *words[] = {"explore", "scenarios/shield/v038_holds.yaml", "--runs", "50",
                           "--depth", "2"};
    assert_int_equal(explore(words, 6, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, ": holds, 50 runs"));
    assert_non_null(strstr(out, "      0/50 "));
    assert_non_null(strstr(out, "pct d=2"));
    assert_null(strstr(out, "signatures"));
}

/* dfs proves the fixed variants within a delay bound of 2 and finds 0.20
 * and #2516 (which fifo never shows), and the choice list it prints
 * replays the find under another seed. */
static void test_dfs_proves_and_finds(void **state) {
    (void)state;
    static char out[16384], err[4096];
    static const char *const holds[] = {"scenarios/shield/shield_start_holds.yaml",
                                        "scenarios/shield/v038_holds.yaml"};
    for (size_t i = 0; i < 2; i++) {
        const char *words[] = {"explore", holds[i], "--policy", "dfs", "--bound", "2"};
        assert_int_equal(explore(words, 6, out, sizeof out, err, sizeof err), 0);
        unsigned long schedules = 0;
        const char *all = strstr(out, "dfs, delay bound 2, seed 1: all ");
        assert_non_null(all);
        assert_int_equal(sscanf(all, "dfs, delay bound 2, seed 1: all %lu", &schedules), 1);
        assert_true(schedules > 100); /* many orders, each run */
        assert_non_null(strstr(out, "every one holds"));
    }
    const char *finds[] = {"explore", "scenarios/shield/v021_finds_2516.yaml", "--policy", "dfs"};
    assert_int_equal(explore(finds, 4, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, "dfs, delay bound 2, seed 1: found at schedule "));
    assert_null(strstr(out, "(picks fifo, 0 delays)")); /* fifo alone does not show #2516 */
    schedule_replays_the_find(out, "scenarios/shield/v021_finds_2516.yaml");
    const char *v020[] = {"explore", "scenarios/shield/v020_finds.yaml", "--policy", "dfs"};
    assert_int_equal(explore(v020, 4, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, "found at schedule"));
    /* A cap short of the whole bound says so, and proves nothing. */
    const char *capped[] = {"explore", "scenarios/shield/v038_holds.yaml", "--policy", "dfs",
                            "--runs", "10"};
    assert_int_equal(explore(capped, 6, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, "stopped after 10 schedules"));
    assert_non_null(strstr(out, "so far (--runs caps it)"));
}

/* --time is a budget: it stops the seeds, and the report says how many
 * each policy ran; here --runs stops them first, so the report is the
 * one of those runs, byte for byte. dfs's cap is --runs alone. */
static void test_a_time_budget_says_its_runs(void **state) {
    (void)state;
    static char out[32768], again[32768], err[4096];
    const char *words[] = {"explore", "scenarios/shield/v021_finds_2516.yaml", "--time", "60",
                           "--runs", "30"};
    assert_int_equal(explore(words, 6, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(out, ": finds, --time 60 s shared by the policies: random 30 runs "
                                "(seeds 1..30), pct 30 runs (seeds 1..30)\n"));
    assert_non_null(strstr(out, "/30 "));
    assert_int_equal(explore(words, 6, again, sizeof again, err, sizeof err), 0);
    assert_string_equal(out, again);
    const char *short_budget[] = {"explore", "scenarios/shield/v038_holds.yaml", "--time", "1",
                                  "--policy", "random"};
    assert_int_equal(explore(short_budget, 6, out, sizeof out, err, sizeof err), 0);
    unsigned long runs = 0;
    const char *said = strstr(out, "shared by the policies: random ");
    assert_non_null(said);
    assert_int_equal(sscanf(said, "shared by the policies: random %lu runs", &runs), 1);
    assert_true(runs >= 1 && runs < 10000000);
    const char *dfs[] = {"explore", "scenarios/shield/v038_holds.yaml", "--policy", "dfs",
                         "--time", "1"};
    assert_int_equal(explore(dfs, 6, out, sizeof out, err, sizeof err), 2);
    assert_non_null(strstr(err, "its cap is --runs N, not --time"));
    const char *zero[] = {"explore", "scenarios/shield/v038_holds.yaml", "--time", "0"};
    assert_int_equal(explore(zero, 4, out, sizeof out, err, sizeof err), 2);
}

/* --jobs N: the seeds in worker processes (build/faultline explore-one),
 * merged range by range, give the report of one process byte for byte;
 * with --time too, while --runs stops the rounds. Without the faultline
 * binary to run as workers, --jobs is an error, as it is for dfs. */
static void test_jobs_give_the_report_of_one_process(void **state) {
    (void)state;
    static char one[32768], many[32768], err[4096];
    char exe[PATH_MAX];
    if (realpath("build/faultline", exe) == NULL || access(exe, X_OK) != 0) skip();
    setenv("FAULTLINE_WORKER_EXE", exe, 1);
    const char *single[] = {"explore", "scenarios/shield/v021_finds_2516.yaml", "--runs", "150"};
    assert_int_equal(explore(single, 4, one, sizeof one, err, sizeof err), 0);
    const char *jobs[] = {"explore", "scenarios/shield/v021_finds_2516.yaml", "--runs", "150",
                          "--jobs", "3"};
    assert_int_equal(explore(jobs, 6, many, sizeof many, err, sizeof err), 0);
    assert_string_equal(one, many);
    assert_non_null(strstr(many, "--policy replay --schedule ")); /* pct's, made by the parent */
    const char *timed_one[] = {"explore", "scenarios/programs/pool_slot_leaked_finds.yaml",
                               "--runs", "200", "--time", "60"};
    assert_int_equal(explore(timed_one, 6, one, sizeof one, err, sizeof err), 0);
    const char *timed[] = {"explore", "scenarios/programs/pool_slot_leaked_finds.yaml", "--runs",
                           "200", "--time", "60", "--jobs", "2"};
    assert_int_equal(explore(timed, 8, many, sizeof many, err, sizeof err), 0);
    assert_string_equal(one, many);
    const char *dfs[] = {"explore", "scenarios/shield/v038_holds.yaml", "--policy", "dfs",
                         "--jobs", "2"};
    assert_int_equal(explore(dfs, 6, many, sizeof many, err, sizeof err), 2);
    assert_non_null(strstr(err, "--jobs is for random, trio, pct and fifo"));
    unsetenv("FAULTLINE_WORKER_EXE");
    assert_int_equal(explore(jobs, 6, many, sizeof many, err, sizeof err), 2);
    assert_non_null(strstr(err, "--jobs needs the faultline binary to run workers"));
}

static void test_usage_errors(void **state) {
    (void)state;
    static char out[4096], err[4096];
    const char *none[] = {"explore"};
    assert_int_equal(explore(none, 1, out, sizeof out, err, sizeof err), 2);
    const char *replay[] = {"explore", "scenarios/shield/v038_holds.yaml", "--policy", "replay",
                            "--schedule", "0"};
    assert_int_equal(explore(replay, 6, out, sizeof out, err, sizeof err), 2);
    const char *deep[] = {"explore", "scenarios/shield/v038_holds.yaml", "--depth", "17"};
    assert_int_equal(explore(deep, 4, out, sizeof out, err, sizeof err), 2);
    assert_non_null(strstr(err, "--depth takes pct's depth, 1..16, got '17'"));
    const char *seeds[] = {"explore", "scenarios/shield/v038_holds.yaml", "--seeds", "1..3"};
    assert_int_equal(explore(seeds, 4, out, sizeof out, err, sizeof err), 2);
    const char *missing[] = {"explore", "no/such/file.yaml"};
    assert_int_equal(explore(missing, 2, out, sizeof out, err, sizeof err), 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_finds_file_under_random_and_pct),
        cmocka_unit_test(test_pct_finds_2516_within_20_runs),
        cmocka_unit_test(test_a_holds_file_that_never_fails),
        cmocka_unit_test(test_dfs_proves_and_finds),
        cmocka_unit_test(test_a_time_budget_says_its_runs),
        cmocka_unit_test(test_jobs_give_the_report_of_one_process),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
