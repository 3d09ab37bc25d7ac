/* faultline merge, end to end: a suite written to a temporary directory
 * (held, failing, invalid and finds files, in folders whose names sort
 * differently as whole paths than as the run collects them) runs once
 * unsharded and once as 4 separate `build/faultline run --shard K/4`
 * processes; merging the 4 --json files must give the unsharded run's JSON
 * lines (all but duration_s), its JUnit cases as a JUnit reader reads them,
 * its text lines, marks and matrix, and its exit code. Then each kind of
 * bad input, and gcovr's merge of tracefiles. Runs the binary, so it needs
 * `make build-all` first (build/faultline, from the repository's root). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/junit_reader.h"
#include "tests/support/scratch.h"

enum { TEXT_MAX = 1 << 18, COMMAND_MAX = 4096 };

static char dir[SCRATCH_DIR_MAX];
static char exe[4096];

/* Runs a shell command made from format; returns its exit status (-1 when
 * it did not exit). */
static int sh(const char *format, ...) {
    char command[COMMAND_MAX];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(command, sizeof command, format, args);
    va_end(args);
    assert_true(n > 0 && (size_t)n < sizeof command);
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The file dir/name's text, NUL-terminated, into a static buffer of its own. */
static char *read_text(const char *name, char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) fail_msg("cannot read %s", path);
    size_t n = fread(text, 1, TEXT_MAX - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* The suite: a_held and z_held hold (with faults, so marks and matrix
 * cells), bad does not load, c_fails fails, sub/finds finds its bug.
 * sub/ is collected before sub-z.yaml (per folder, "sub" < "sub-z.yaml"),
 * though as whole paths "suite/sub-z.yaml" < "suite/sub/finds.yaml". */
static void write_suite(bool with_invalid) {
    assert_int_equal(sh("mkdir -p %s/suite/sub", dir), 0);
    assert_int_equal(sh("cp scenarios/mapping/reset_reading_body.yaml %s/suite/a_held.yaml && "
                        "cp scenarios/mapping/truncated_body.yaml %s/suite/sub-z.yaml && "
                        "cp scenarios/programs/pool_slot_leaked_finds.yaml %s/suite/sub/finds.yaml",
                        dir, dir, dir),
                     0);
    scratch_write(dir, "suite/c_fails.yaml", SCRATCH_FAILS);
    if (with_invalid) scratch_write(dir, "suite/bad.yaml", SCRATCH_BROKEN);
}

/* JUnit as the reader reads it, times blanked: they are wall-clock. */
static void read_junit_timeless(const char *name, char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(junit_read(path, text, TEXT_MAX), 0);
    char *at = text;
    while ((at = strstr(at, "time=")) != NULL) {
        at += 5;
        size_t value = strcspn(at, " \n");
        memmove(at, at + value, strlen(at + value) + 1);
    }
}

/* The unsharded run, the 4 shards, the merge; the two runs' outputs and
 * reports must agree. extra: options both runs take (workers, seeds). */
static void check_merge_equals_unsharded(const char *env, const char *extra, int expected_code) {
    int whole = sh("%s %s run %s/suite %s --json %s/whole.jsonl --junit %s/whole.xml --marks "
                   "--matrix >%s/whole.out 2>%s/whole.err",
                   env, exe, dir, extra, dir, dir, dir, dir);
    assert_int_equal(whole, expected_code);
    for (int k = 1; k <= 4; k++)
        sh("%s %s run %s/suite %s --shard %d/4 --json %s/shard-%d.jsonl >/dev/null 2>&1", env,
           exe, dir, extra, k, dir, k);
    int merged = sh("%s merge %s/shard-1.jsonl %s/shard-2.jsonl %s/shard-3.jsonl "
                    "%s/shard-4.jsonl --json %s/merged.jsonl --junit %s/merged.xml --marks "
                    "--matrix >%s/merged.out 2>%s/merged.err",
                    exe, dir, dir, dir, dir, dir, dir, dir, dir);
    assert_int_equal(merged, expected_code);
    /* JSON lines: equal but for each line's duration_s. */
    assert_int_equal(sh("cd %s && sed 's/\"duration_s\":[0-9.]*//' whole.jsonl >w && "
                        "sed 's/\"duration_s\":[0-9.]*//' merged.jsonl >m && cmp -s w m",
                        dir),
                     0);
    static char whole_text[TEXT_MAX], merged_text[TEXT_MAX];
    /* The text lines, the summary, the marks and the matrix: byte for byte. */
    assert_string_equal(read_text("merged.out", merged_text), read_text("whole.out", whole_text));
    assert_non_null(strstr(merged_text, "--- coverage marks: "));
    assert_non_null(strstr(merged_text, "--- fault x protocol state: "));
    assert_string_equal(read_text("merged.err", merged_text), read_text("whole.err", whole_text));
    read_junit_timeless("whole.xml", whole_text);
    read_junit_timeless("merged.xml", merged_text);
    assert_string_equal(merged_text, whole_text);
    assert_non_null(strstr(merged_text, "sub/finds.yaml"));
    assert_null(strstr(merged_text, "MISMATCH"));
}

static void test_four_shards_merge_into_the_unsharded_run(void **state) {
    (void)state;
    write_suite(true);
    check_merge_equals_unsharded("", "--jobs 1", 2); /* the invalid file: 2 */
    static char text[TEXT_MAX];
    /* Path order as the run collects it, not as whole paths sort. */
    char *lines = read_text("merged.jsonl", text);
    char *folder = strstr(lines, "suite/sub/finds.yaml"), *after = strstr(lines, "sub-z.yaml");
    assert_non_null(folder);
    assert_non_null(after);
    assert_true(folder < after);
    assert_non_null(strstr(lines, "\"invalid\":true"));
    assert_non_null(strstr(lines, "\"seed\":null"));
}

static void test_a_failure_without_invalid_files_exits_1_in_both(void **state) {
    (void)state;
    write_suite(false);
    check_merge_equals_unsharded("", "--jobs 2", 1);
}

/* A worker that crashed: its CRASHED line, its signal and its whole-run
 * replay (with --seeds) come back from the line alone. */
static void test_a_crashed_worker_survives_the_merge(void **state) {
    (void)state;
    write_suite(false);
    check_merge_equals_unsharded("FAULTLINE_TEST_CRASH_ON='hello expects the wrong status'",
                                 "--jobs 2 --seeds 1..30", 1);
    static char text[TEXT_MAX];
    assert_non_null(strstr(read_text("merged.out", text), "(signal 6)"));
    assert_non_null(strstr(text, "--jobs 1 --seeds 1..30"));
}

static void test_no_scenario_in_any_shard_exits_5(void **state) {
    (void)state;
    scratch_write(dir, "empty-1.jsonl", "");
    scratch_write(dir, "empty-2.jsonl", "");
    assert_int_equal(sh("%s merge %s/empty-1.jsonl %s/empty-2.jsonl --json %s/out.jsonl "
                        ">/dev/null 2>&1",
                        exe, dir, dir, dir),
                     5);
    static char text[TEXT_MAX];
    assert_string_equal(read_text("out.jsonl", text), "");
}

/* Runs merge with args; its stderr in text; returns its exit code. No
 * report may be written when the input is bad. */
static int merge_failing(const char *args, char *text) {
    int code = sh("%s merge %s --json %s/never.jsonl >/dev/null 2>%s/merge.err", exe, args, dir,
                  dir);
    read_text("merge.err", text);
    char never[256];
    snprintf(never, sizeof never, "%s/never.jsonl", dir);
    assert_int_not_equal(access(never, F_OK), 0);
    return code;
}

static void test_bad_input_is_an_error_naming_file_and_line(void **state) {
    (void)state;
    write_suite(true); /* 5 files: 3 in shard 1/2, 2 in 2/2 */
    for (int k = 1; k <= 2; k++)
        sh("%s run %s/suite --jobs 1 --shard %d/2 --json %s/s%d.jsonl >/dev/null 2>&1", exe, dir,
           k, dir, k);
    static char text[TEXT_MAX], args[COMMAND_MAX];
    snprintf(args, sizeof args, "%s/s1.jsonl %s/missing.jsonl", dir, dir);
    assert_int_equal(merge_failing(args, text), 2);
    assert_non_null(strstr(text, "/missing.jsonl: error: cannot read: No such file"));
    /* A line that is not an outcome: not JSON, and JSON of something else. */
    assert_int_equal(sh("cd %s && cp s2.jsonl s2-bad.jsonl && echo '{\"file\":\"x.yaml\"}' "
                        ">>s2-bad.jsonl && echo 'oops' >>s2-bad.jsonl",
                        dir),
                     0);
    snprintf(args, sizeof args, "%s/s1.jsonl %s/s2-bad.jsonl", dir, dir);
    assert_int_equal(merge_failing(args, text), 2);
    assert_non_null(strstr(text, "/s2-bad.jsonl:3: error: not a line of `faultline run --json`"));
    assert_non_null(strstr(text, "/s2-bad.jsonl:4: error: not a line of `faultline run --json`"));
    /* The same scenario file in two shards. */
    snprintf(args, sizeof args, "%s/s1.jsonl %s/s1.jsonl", dir, dir);
    assert_int_equal(merge_failing(args, text), 2);
    assert_non_null(strstr(text, "/s1.jsonl:1: error: scenario file "));
    assert_non_null(strstr(text, "a_held.yaml is in two shards: also "));
    /* Shards out of order: 2/2 has fewer files than 1/2. */
    snprintf(args, sizeof args, "%s/s2.jsonl %s/s1.jsonl", dir, dir);
    assert_int_equal(merge_failing(args, text), 2);
    assert_non_null(strstr(text, "in shard order"));
    /* A line whose replay is not what its members give was changed. */
    assert_int_equal(sh("cd %s && sed 's/--policy random/--policy fifo/' s1.jsonl >s1-edit.jsonl",
                        dir),
                     0);
    snprintf(args, sizeof args, "%s/s1-edit.jsonl %s/s2.jsonl", dir, dir);
    assert_int_equal(merge_failing(args, text), 2);
    assert_non_null(strstr(text, "member replay is not the command its other members give"));
}

/* Two shards' gcovr tracefiles of one line of a real source file: gcovr
 * adds them (1 + 2), writes HTML, Cobertura and JSON. */
static void test_coverage_tracefiles_merge_through_gcovr(void **state) {
    (void)state;
    if (sh("command -v gcovr >/dev/null") != 0) skip();
    for (int n = 1; n <= 2; n++) {
        char name[32], text[512];
        snprintf(name, sizeof name, "cov-%d.json", n);
        snprintf(text, sizeof text,
                 "{\"files\": [{\"file\": \"client/url.c\", \"functions\": [], \"lines\": "
                 "[{\"branches\": [], \"count\": %d, \"gcovr/excluded\": false, "
                 "\"gcovr/noncode\": false, \"line_number\": 10}]}], "
                 "\"gcovr/format_version\": \"0.3\"}",
                 n);
        scratch_write(dir, name, text);
    }
    scratch_write(dir, "none.jsonl", "");
    assert_int_equal(sh("%s merge %s/none.jsonl --coverage-tracefile %s/cov-1.json "
                        "--coverage-tracefile %s/cov-2.json --coverage-out %s/coverage "
                        ">/dev/null 2>&1",
                        exe, dir, dir, dir, dir),
                     5); /* no scenario, but the coverage is merged */
    static char text[TEXT_MAX];
    assert_non_null(strstr(read_text("coverage/coverage.json", text), "\"count\": 3"));
    assert_non_null(strstr(read_text("coverage/coverage.xml", text), "url.c"));
    assert_non_null(strstr(read_text("coverage/index.html", text), "url.c"));
    /* Without gcovr on PATH, merge says so. */
    assert_int_equal(sh("PATH=/nonexistent %s merge %s/none.jsonl --coverage-tracefile "
                        "%s/cov-1.json --coverage-out %s/coverage >/dev/null 2>%s/merge.err",
                        exe, dir, dir, dir, dir),
                     2);
    assert_non_null(strstr(read_text("merge.err", text), "needs gcovr, which is not installed"));
    /* A tracefile that is not there is named; --coverage-out needs a tracefile. */
    assert_int_equal(sh("%s merge %s/none.jsonl --coverage-tracefile %s/gone.json "
                        "--coverage-out %s/coverage >/dev/null 2>%s/merge.err",
                        exe, dir, dir, dir, dir),
                     2);
    assert_non_null(strstr(read_text("merge.err", text), "/gone.json: error: cannot read"));
    assert_int_equal(sh("%s merge %s/none.jsonl --coverage-out %s/coverage >/dev/null 2>&1", exe,
                        dir, dir),
                     2);
}

static int setup(void **state) {
    *state = dir;
    scratch_make(dir, "merge");
    if (realpath("build/faultline", exe) == NULL || access(exe, X_OK) != 0) {
        print_message("build/faultline not found: run from the repository root after `make`\n");
        return -1;
    }
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_four_shards_merge_into_the_unsharded_run, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_a_failure_without_invalid_files_exits_1_in_both, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_a_crashed_worker_survives_the_merge, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_no_scenario_in_any_shard_exits_5, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_bad_input_is_an_error_naming_file_and_line, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_coverage_tracefiles_merge_through_gcovr, setup,
                                        scratch_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
