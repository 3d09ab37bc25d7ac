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
    fl_outcome_t r = {.passed = true, .finds = true, .seeds_run = 12, .seed = UINT64_MAX,
                      .seed_first = 1, .seed_last = 200, .name = "quote \" and\nnewline",
                      .policy = "trio", .message = "found at seed 12: \x01"};
    char *text = written(&r, "some output\n");
    /* What the parent held before (the options' policy) is replaced, and
     * freed: a leak here shows under the sanitizers. */
    fl_outcome_t back = {.policy = strdup("fifo")};
    assert_true(fl_worker_result_read(text, &back));
    assert_true(back.passed);
    assert_true(back.finds);
    assert_false(back.load_error);
    assert_int_equal(back.seeds_run, 12);
    assert_true(back.seed == UINT64_MAX);
    assert_int_equal(back.seed_last, 200);
    assert_string_equal(back.name, r.name);
    assert_string_equal(back.policy, "trio");
    assert_string_equal(back.message, r.message);
    fl_outcome_free(&back);
    free(text);
}

static void test_a_missing_or_damaged_line_reads_as_none(void **state) {
    (void)state;
    fl_outcome_t r = {.load_error = true, .message = "t.yaml:1:1: error: x"};
    char *text = written(&r, "");
    fl_outcome_t back = {0};
    assert_true(fl_worker_result_read(text, &back));
    assert_true(back.load_error);
    assert_null(back.name); /* written as null */
    fl_outcome_free(&back);
    /* Cut short, as a worker killed mid-write leaves it. */
    text[strlen(text) / 2] = '\0';
    assert_false(fl_worker_result_read(text, &back));
    assert_null(back.message);
    free(text);
    assert_false(fl_worker_result_read("", &back));
    assert_false(fl_worker_result_read("no result here\n", &back));
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
