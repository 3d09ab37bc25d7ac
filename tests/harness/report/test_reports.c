/* JSON lines (harness/report/reports.c), read back by Python's json module:
 * one object per outcome carrying its replay command, policy, schedule,
 * trace hash and duration, with null for a seed or a hash there is none
 * of. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/report/reports.h"
#include "tests/support/scratch.h"

static char dir[SCRATCH_DIR_MAX];
static char report[128];

static int setup(void **state) {
    *state = dir;
    scratch_make(dir, "jsonl");
    snprintf(report, sizeof report, "%s/results.jsonl", dir);
    return 0;
}

/* Each line's members as Python reads them, one line each. */
static const char READER[] =
    "import json, sys\n"
    "for line in open(sys.argv[1], encoding='utf-8'):\n"
    "    d = json.loads(line)\n"
    "    print(' | '.join(repr(d[k]) for k in ('file', 'seed', 'policy', 'schedule',\n"
    "          'trace_hash', 'duration_s', 'invalid', 'crashed', 'timed_out', 'replay')))\n";

static void read_back(char *text, size_t size) {
    char script[160], command[512];
    snprintf(script, sizeof script, "%s/read.py", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fputs(READER, f);
    fclose(f);
    snprintf(command, sizeof command, "/usr/bin/python3 %s %s 2>&1", script, report);
    FILE *reader = popen(command, "r");
    assert_non_null(reader);
    size_t length = fread(text, 1, size - 1, reader);
    text[length] = '\0';
    int status = pclose(reader);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail_msg("python read:\n%s", text);
}

static void test_lines_carry_how_to_reproduce(void **state) {
    (void)state;
    fl_outcome_t o[3] = {
        {.file = "a/fails.yaml", .name = "fails", .message = "failed at seed 7", .policy = "replay",
         .schedule = "0.1", .has_seed = true, .seed = 7, .has_trace_hash = true,
         .trace_hash = UINT64_C(0x0123456789abcdef), .seed_first = 1, .seed_last = 20,
         .seeds_run = 7, .duration_ns = 1500000},
        {.file = "b/bad.yaml", .message = "b/bad.yaml:4:1: error: x", .load_error = true,
         .duration_ns = 999},
        {.file = "b/crash.yaml", .name = "crash", .message = "crashed (signal 6)",
         .policy = "fifo", .ending = FL_ENDING_CRASHED, .term_signal = 6,
         .duration_ns = UINT64_C(2000000000)},
    };
    assert_int_equal(fl_report_jsonl(report, o, 3, stderr), 0);
    char text[4096];
    read_back(text, sizeof text);
    assert_string_equal(
        text,
        "'a/fails.yaml' | 7 | 'replay' | '0.1' | '0123456789abcdef' | 0.0015 | False | False | "
        "False | 'faultline replay a/fails.yaml --seed 7 --policy replay --schedule 0.1'\n"
        "'b/bad.yaml' | None | None | None | None | 0.0 | True | False | False | "
        "'faultline check b/bad.yaml'\n"
        "'b/crash.yaml' | None | 'fifo' | None | None | 2.0 | False | True | False | "
        "'faultline run b/crash.yaml --jobs 1 --policy fifo'\n");
}

/* No outcome: an empty file, still written. */
static void test_an_empty_run_writes_an_empty_file(void **state) {
    (void)state;
    assert_int_equal(fl_report_jsonl(report, NULL, 0, stderr), 0);
    assert_int_equal(access(report, R_OK), 0);
    char text[64];
    read_back(text, sizeof text);
    assert_string_equal(text, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_carry_how_to_reproduce),
        cmocka_unit_test(test_an_empty_run_writes_an_empty_file),
    };
    return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
