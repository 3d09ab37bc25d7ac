/* The JUnit report (harness/report/junit.c), written from outcomes the test
 * makes and read back by junitparser (tests/support/junit_reader.h): every
 * case and suite has its time, invalid files, crashes and timeouts are
 * errors and failed checks failures, each case carries its properties, and
 * the suites are the folders, with totals that add up. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/report/reports.h"
#include "tests/support/junit_reader.h"
#include "tests/support/scratch.h"

static char dir[SCRATCH_DIR_MAX];
static char report[128];
static char read_back[65536];

static int setup(void **state) {
    *state = dir;
    scratch_make(dir, "junit");
    snprintf(report, sizeof report, "%s/junit.xml", dir);
    return 0;
}

/* An outcome as the run makes them, its strings literals (never freed). */
static fl_outcome_t outcome(const char *file, const char *name, const char *message,
                            uint64_t duration_ns) {
    fl_outcome_t r = {.file = (char *)file, .name = (char *)name, .message = (char *)message,
                      .policy = "random", .seed_first = 1, .seed_last = 20, .seeds_run = 20,
                      .passed = true, .duration_ns = duration_ns};
    return r;
}

static void expect_line(const char *line) {
    if (strstr(read_back, line) == NULL)
        fail_msg("junitparser did not read\n  %s\nit read:\n%s", line, read_back);
}

static void expect_no_line(const char *line) {
    if (strstr(read_back, line) != NULL)
        fail_msg("junitparser read what should not be there:\n  %s\nit read:\n%s", line,
                 read_back);
}

/* One of each ending, in two folders whose files interleave. */
static size_t make_suite(fl_outcome_t *o) {
    o[0] = outcome("a/held.yaml", "held", "held over 20 seeds (1..20)", 1500000000);
    o[1] = outcome("a/fails.yaml", "fails", "failed at seed 7: step call: expected 201", 250000);
    o[1].passed = false, o[1].seeds_run = 7, o[1].has_seed = true, o[1].seed = 7;
    o[1].has_trace_hash = true, o[1].trace_hash = UINT64_C(0x0123456789abcdef);
    o[1].policy = "replay", o[1].schedule = "0.1";
    o[2] = outcome("b/bad.yaml", NULL, "b/bad.yaml:4:1: error: unknown key 'retires'", 1000);
    o[2].passed = false, o[2].load_error = true, o[2].policy = NULL, o[2].seeds_run = 0;
    o[3] = outcome("b/crash.yaml", "crash", "crashed (signal 6)", 2000);
    o[3].passed = false, o[3].ending = FL_ENDING_CRASHED, o[3].term_signal = 6;
    o[4] = outcome("a/late.yaml", "found", "found at seed 3: the bug", 3000);
    o[4].finds = true, o[4].has_seed = true, o[4].seed = 3, o[4].has_trace_hash = true;
    o[4].trace_hash = 42;
    o[5] = outcome("b/slow.yaml", "slow", "timed out: killed after the --timeout limit", 0);
    o[5].passed = false, o[5].ending = FL_ENDING_TIMEOUT;
    return 6;
}

static void test_kinds_times_and_suites_read_back(void **state) {
    (void)state;
    fl_outcome_t o[6];
    size_t count = make_suite(o);
    assert_int_equal(fl_report_junit(report, o, count, stderr), 0);
    assert_int_equal(junit_read(report, read_back, sizeof read_back), 0);
    /* A suite per folder, in the order its first file comes, with totals. */
    expect_line("suite a tests=3 failures=1 errors=0 skipped=0 time=1.500253 sums=ok");
    expect_line("suite b tests=3 failures=0 errors=3 skipped=0 time=0.000003 sums=ok");
    expect_line("testsuites tests=6 failures=1 errors=3 skipped=0 time=1.500256 sums=ok");
    assert_true(strstr(read_back, "suite a ") < strstr(read_back, "suite b "));
    /* Each case: its folder, file, name, time and kind. */
    expect_line("case a | a/held.yaml | held | classname=a | time=1.500000 | passed");
    expect_line("case a | a/fails.yaml | fails | classname=a | time=0.000250 | failure failed");
    expect_line("case a | a/late.yaml | found | classname=a | time=0.000003 | passed");
    expect_line("case b | b/bad.yaml | b/bad.yaml | classname=b | time=0.000001 | error invalid");
    expect_line("case b | b/crash.yaml | crash | classname=b | time=0.000002 | error crashed");
    expect_line("case b | b/slow.yaml | slow | classname=b | time=0.000000 | error timeout");
    expect_line("message a/fails.yaml | failed at seed 7: step call: expected 201\n");
    expect_line("message b/bad.yaml | b/bad.yaml:4:1: error: unknown key 'retires'\n");
}

static void test_properties_say_how_to_reproduce(void **state) {
    (void)state;
    fl_outcome_t o[6];
    size_t count = make_suite(o);
    assert_int_equal(fl_report_junit(report, o, count, stderr), 0);
    assert_int_equal(junit_read(report, read_back, sizeof read_back), 0);
    expect_line("property a/fails.yaml | seed=7\n");
    expect_line("property a/fails.yaml | seeds=1..20\n");
    expect_line("property a/fails.yaml | policy=replay\n");
    expect_line("property a/fails.yaml | schedule=0.1\n");
    expect_line("property a/fails.yaml | trace_hash=0123456789abcdef\n");
    expect_line("property a/fails.yaml | replay=faultline replay a/fails.yaml --seed 7 "
                "--policy replay --schedule 0.1\n");
    expect_line("property a/late.yaml | trace_hash=000000000000002a\n");
    expect_line("property a/late.yaml | mode=finds\n");
    /* Only what is known: a held file names no seed, an invalid one no
     * policy or range, and no schedule was given but to one. */
    expect_no_line("property a/held.yaml | seed=");
    expect_no_line("property a/held.yaml | trace_hash=");
    expect_no_line("property a/held.yaml | schedule=");
    expect_line("property a/held.yaml | replay=faultline replay a/held.yaml --seed 1 "
                "--policy random\n");
    expect_no_line("property b/bad.yaml | policy=");
    expect_no_line("property b/bad.yaml | seeds=");
    expect_line("property b/bad.yaml | replay=faultline check b/bad.yaml\n");
    expect_line("property b/crash.yaml | replay=faultline run b/crash.yaml --jobs 1 "
                "--policy random\n");
}

/* What a scenario file may put in a name or a message comes back as it
 * was, and what XML cannot hold comes back as '?', never as a report the
 * reader refuses. */
static void test_text_is_escaped(void **state) {
    (void)state;
    fl_outcome_t o = outcome("x/odd.yaml", "a <&>\"' b \xc3\xa9",
                             "line one\nline two\ttab \x01 \xff end", 0);
    o.passed = false, o.has_seed = true, o.seed = 1;
    assert_int_equal(fl_report_junit(report, &o, 1, stderr), 0);
    assert_int_equal(junit_read(report, read_back, sizeof read_back), 0);
    expect_line("| x/odd.yaml | a <&>\"' b \xc3\xa9 | classname=x |");
    expect_line("message x/odd.yaml | line one\nline two\ttab ? ? end\n");
}

/* A file given without a folder is in ".", one at the root in "/", and a
 * folder's path is kept as the files were found, nested ones apart. */
static void test_folders_are_paths_as_given(void **state) {
    (void)state;
    fl_outcome_t o[4] = {outcome("top.yaml", "top", "held", 0),
                         outcome("/root.yaml", "root", "held", 0),
                         outcome("a/b/deep.yaml", "deep", "held", 0),
                         outcome("a/shallow.yaml", "shallow", "held", 0)};
    assert_int_equal(fl_report_junit(report, o, 4, stderr), 0);
    assert_int_equal(junit_read(report, read_back, sizeof read_back), 0);
    expect_line("case . | top.yaml | top | classname=. |");
    expect_line("case / | /root.yaml | root | classname=/ |");
    expect_line("suite a/b tests=1 ");
    expect_line("suite a tests=1 ");
    expect_line("testsuites tests=4 failures=0 errors=0 skipped=0 time=0.000000 sums=ok");
}

/* No file ran: a report a reader takes, with zero of everything. */
static void test_an_empty_run(void **state) {
    (void)state;
    assert_int_equal(fl_report_junit(report, NULL, 0, stderr), 0);
    assert_int_equal(junit_read(report, read_back, sizeof read_back), 0);
    assert_string_equal(read_back, "testsuites tests=0 failures=0 errors=0 skipped=0 "
                                   "time=0.000000 sums=ok\n");
}

/* A report that cannot be opened, and one whose writes fail (a full disk:
 * /dev/full takes the open and refuses the data), are errors said on err. */
static void test_a_report_that_cannot_be_written(void **state) {
    (void)state;
    fl_outcome_t o = outcome("a/held.yaml", "held", "held", 0);
    char missing[160], said[1024] = {0};
    snprintf(missing, sizeof missing, "%s/no/such/dir/junit.xml", dir);
    FILE *err = fmemopen(said, sizeof said - 1, "w");
    assert_int_equal(fl_report_junit(missing, &o, 1, err), -1);
    assert_int_equal(fl_report_jsonl(missing, &o, 1, err), -1);
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(fl_report_junit("/dev/full", &o, 1, err), -1);
        assert_int_equal(fl_report_jsonl("/dev/full", &o, 1, err), -1);
    }
    fclose(err);
    assert_non_null(strstr(said, "cannot write "));
    assert_non_null(strstr(said, "no/such/dir/junit.xml: No such file or directory"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds_times_and_suites_read_back),
        cmocka_unit_test(test_properties_say_how_to_reproduce),
        cmocka_unit_test(test_text_is_escaped),
        cmocka_unit_test(test_folders_are_paths_as_given),
        cmocka_unit_test(test_an_empty_run),
        cmocka_unit_test(test_a_report_that_cannot_be_written),
    };
    return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
