/* The worker's result line: what is written reads back field for field,
 * found after other output, and a missing or damaged line reads as none. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/worker_protocol.h"

static char *written(const fl_outcome_t *r, const char *before) {
    char *text = NULL;
    size_t length = 0;
    FILE *f = open_memstream(&text, &length);
    fputs(before, f);
    fl_worker_result_write(f, r);
    fclose(f);
    return text;
}

static void test_a_result_reads_back(void **state) {
    (void)state;
    fl_outcome_t r = {.file = "t.yaml", .passed = true, .finds = true, .seeds_run = 12,
                      .has_seed = true, .seed = UINT64_MAX, .has_trace_hash = true,
                      .trace_hash = UINT64_C(0x00c3fdae0ae227eb), .seed_first = 1,
                      .seed_last = 200, .name = "quote \" and\nnewline", .policy = "trio",
                      .message = "found at seed 12: \x01", .schedule = "0.1",
                      .duration_ns = 1500000};
    char *text = written(&r, "some output\n");
    /* What the parent held before (the options' policy) is replaced, and
     * freed: a leak here shows under the sanitizers. */
    fl_outcome_t back = {.policy = strdup("fifo")};
    assert_true(fl_worker_result_read(text, &back));
    assert_true(back.passed);
    assert_true(back.finds);
    assert_false(back.load_error);
    assert_int_equal(back.seeds_run, 12);
    assert_true(back.has_seed && back.seed == UINT64_MAX);
    /* The hash reads back whole, its leading zeros too. */
    assert_true(back.has_trace_hash && back.trace_hash == UINT64_C(0x00c3fdae0ae227eb));
    assert_non_null(strstr(text, "\"trace_hash\":\"00c3fdae0ae227eb\""));
    /* The parent gave the schedule and times the worker itself: neither is
     * taken from the line, though the line carries both. */
    assert_non_null(strstr(text, "\"schedule\":\"0.1\",\"trace_hash\""));
    assert_non_null(strstr(text, "\"duration_s\":0.001500"));
    assert_null(back.schedule);
    assert_int_equal(back.duration_ns, 0);
    assert_int_equal(back.seed_last, 200);
    assert_string_equal(back.name, r.name);
    assert_string_equal(back.policy, "trio");
    assert_string_equal(back.message, r.message);
    fl_outcome_free(&back);
    free(text);
}

static void test_a_missing_or_damaged_line_reads_as_none(void **state) {
    (void)state;
    fl_outcome_t r = {.file = "t.yaml", .load_error = true, .message = "t.yaml:1:1: error: x"};
    char *text = written(&r, "");
    /* What a parent starts from is overwritten: no seed is no seed. */
    fl_outcome_t back = {.has_seed = true, .seed = 4, .has_trace_hash = true};
    assert_true(fl_worker_result_read(text, &back));
    assert_true(back.load_error);
    assert_null(back.name); /* written as null */
    assert_non_null(strstr(text, "\"seed\":null,"));
    assert_non_null(strstr(text, "\"trace_hash\":null,"));
    assert_false(back.has_seed);
    assert_false(back.has_trace_hash);
    fl_outcome_free(&back);
    /* Cut short, as a worker killed mid-write leaves it. */
    text[strlen(text) / 2] = '\0';
    assert_false(fl_worker_result_read(text, &back));
    assert_null(back.message);
    free(text);
    assert_false(fl_worker_result_read("", &back));
    assert_false(fl_worker_result_read("no result here\n", &back));
    /* A hash that is not 16 hex digits is a damaged line. */
    fl_outcome_t hashed = {.file = "t.yaml", .message = "m", .has_trace_hash = true,
                           .trace_hash = 1};
    char damaged[4096] = {0};
    FILE *f = fmemopen(damaged, sizeof damaged - 1, "w");
    fl_worker_result_write(f, &hashed);
    fclose(f);
    char *digits = strstr(damaged, "0000000000000001");
    assert_non_null(digits);
    digits[3] = 'x';
    assert_false(fl_worker_result_read(damaged, &back));
    /* The tag inside a line is not a result line. */
    assert_false(fl_worker_result_read("x{\"faultline_run_one\":1,\"result\":{}}\n", &back));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_result_reads_back),
        cmocka_unit_test(test_a_missing_or_damaged_line_reads_as_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
