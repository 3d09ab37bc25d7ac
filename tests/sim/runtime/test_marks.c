/* Coverage marks: one row a mark with a unique dotted name and a doc,
 * FL_MARK counts, clearing zeroes, and names map back to their marks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sim/runtime/marks.h"

static void test_rows_are_named_once_and_documented(void **state) {
    (void)state;
    for (unsigned m = 0; m < FL_MARK_COUNT; m++) {
        const char *name = fl_mark_name((fl_mark_t)m);
        assert_non_null(strchr(name, '.')); /* layer.point */
        assert_true(strlen(fl_mark_doc((fl_mark_t)m)) > 10);
        fl_mark_t found;
        assert_true(fl_mark_from_name(name, &found));
        assert_int_equal(found, m); /* so no other row has the name */
        const char *reason = fl_mark_unreached_reason((fl_mark_t)m);
        assert_true(reason == NULL || strlen(reason) > 10);
    }
    fl_mark_t unused;
    assert_false(fl_mark_from_name("client.pool.nothing", &unused));
}

static void test_a_mark_counts_and_clearing_zeroes(void **state) {
    (void)state;
    fl_marks_clear();
    assert_int_equal(fl_mark_hits(FL_MARK_RETRY_GAVE_UP), 0);
    FL_MARK(RETRY_GAVE_UP);
    FL_MARK(RETRY_GAVE_UP);
    assert_int_equal(fl_mark_hits(FL_MARK_RETRY_GAVE_UP), 2);
    assert_int_equal(fl_mark_hits(FL_MARK_RETRY_RETRIED), 0);
    fl_marks_clear();
    assert_int_equal(fl_mark_hits(FL_MARK_RETRY_GAVE_UP), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_are_named_once_and_documented),
        cmocka_unit_test(test_a_mark_counts_and_clearing_zeroes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
