/* The mapping table: each row maps its condition to its kind and message,
 * and counts its coverage mark (a row without a mark fails to build). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "client/mapping.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/marks.h"

static void test_the_mapping_counts_each_row(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_marks_clear();
    fl_client_map(&arena, FL_CLIENT_EOF_MID_CHUNK, NULL);
    fl_error_t *error = fl_client_map(&arena, FL_CLIENT_BODY_TOO_LARGE, "detail");
    assert_int_equal(error->kind, fl_client_condition_kind(FL_CLIENT_BODY_TOO_LARGE));
    assert_string_equal(error->message, "response body exceeds the limit: detail");
    assert_int_equal(fl_mark_hits(FL_MARK_MAP_EOF_MID_CHUNK), 1);
    assert_int_equal(fl_mark_hits(FL_MARK_MAP_BODY_TOO_LARGE), 1);
    assert_int_equal(fl_mark_hits(FL_MARK_MAP_EOF_SHORT_BODY), 0);
    fl_arena_destroy(&arena);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_mapping_counts_each_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
