/* The allocation-failure counter of the torture build: it refuses exactly
 * from the N-th counted allocation on, counts the refused ones too, leaves a
 * refused realloc's block alone, and without a limit refuses nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/alloc_fail.h"

static int reset(void **state) {
    (void)state;
    fl_alloc_fail_from(0);
    return 0;
}

static void test_no_limit_refuses_nothing(void **state) {
    (void)state;
    for (int i = 0; i < 100; i++) {
        void *block = fl_alloc_malloc(16);
        assert_non_null(block);
        free(block);
    }
    assert_int_equal(fl_alloc_count(), 100);
    assert_false(fl_alloc_failed());
}

static void test_the_nth_and_every_later_allocation_fail(void **state) {
    (void)state;
    fl_alloc_fail_from(3);
    void *first = fl_alloc_malloc(8);
    char *second = fl_alloc_strdup("two");
    assert_non_null(first);
    assert_string_equal(second, "two");
    assert_false(fl_alloc_failed());
    errno = 0;
    assert_null(fl_alloc_calloc(2, 8)); /* the third */
    assert_int_equal(errno, ENOMEM);
    assert_true(fl_alloc_failed());
    /* Memory that ran out stays out, as in curl's torture mode. */
    assert_null(fl_alloc_malloc(1));
    assert_null(fl_alloc_strndup("five", 2));
    assert_int_equal(fl_alloc_count(), 5);
    free(first);
    free(second);
}

static void test_a_refused_realloc_keeps_its_block(void **state) {
    (void)state;
    fl_alloc_fail_from(2);
    char *block = fl_alloc_malloc(4);
    assert_non_null(block);
    memcpy(block, "abc", 4);
    assert_null(fl_alloc_realloc(block, 1 << 20));
    assert_string_equal(block, "abc"); /* still ours, unchanged */
    free(block);
}

static void test_setting_a_limit_restarts_the_count(void **state) {
    (void)state;
    free(fl_alloc_malloc(1));
    free(fl_alloc_malloc(1));
    fl_alloc_fail_from(1);
    assert_int_equal(fl_alloc_count(), 0);
    assert_null(fl_alloc_malloc(1)); /* 1 = the very next one */
    fl_alloc_fail_from(0);
    void *block = fl_alloc_malloc(1);
    assert_non_null(block);
    free(block);
    assert_false(fl_alloc_failed());
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_no_limit_refuses_nothing, reset),
        cmocka_unit_test_setup(test_the_nth_and_every_later_allocation_fail, reset),
        cmocka_unit_test_setup(test_a_refused_realloc_keeps_its_block, reset),
        cmocka_unit_test_setup(test_setting_a_limit_restarts_the_count, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
