/* The protocol-state table and the fault matrix's arithmetic: every row
 * named and on its side, ends start where a connection starts, a seed adds
 * one seed to each cell it reached with that seed's error kinds, and
 * merging adds ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sim/net/protocol_state.h"

static void test_rows_are_named_on_their_side(void **state) {
    (void)state;
    int per_side[2] = {0, 0};
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++) {
        fl_protocol_state_t st = (fl_protocol_state_t)s;
        assert_true(strlen(fl_protocol_state_name(st)) > 3);
        assert_true(strlen(fl_protocol_state_doc(st)) > 10);
        fl_side_t side = fl_protocol_state_side(st);
        assert_true(side == FL_SIDE_CLIENT || side == FL_SIDE_SERVER);
        per_side[side]++;
        /* A side's names are its own: no two rows of a side share one. */
        for (int t = 0; t < s; t++)
            if (fl_protocol_state_side((fl_protocol_state_t)t) == side)
                assert_string_not_equal(fl_protocol_state_name((fl_protocol_state_t)t),
                                        fl_protocol_state_name(st));
    }
    assert_int_equal(per_side[FL_SIDE_CLIENT], 7);
    assert_int_equal(per_side[FL_SIDE_SERVER], 5);
    assert_int_equal(fl_protocol_state_initial(FL_SIDE_CLIENT), FL_PROTOCOL_STATE_CLIENT_CONNECTING);
    assert_int_equal(fl_protocol_state_initial(FL_SIDE_SERVER), FL_PROTOCOL_STATE_SERVER_NO_REQUEST);
}

static void test_error_kind_sets(void **state) {
    (void)state;
    fl_error_kind_set_t set = {{0}};
    fl_error_kind_set_add(&set, (fl_error_kind_t)3);
    fl_error_kind_set_add(&set, (fl_error_kind_t)(FL_ERR_KIND_COUNT - 1));
    assert_true(fl_error_kind_set_has(&set, (fl_error_kind_t)3));
    assert_true(fl_error_kind_set_has(&set, (fl_error_kind_t)(FL_ERR_KIND_COUNT - 1)));
    assert_false(fl_error_kind_set_has(&set, (fl_error_kind_t)4));
    assert_false(fl_error_kind_set_has(&set, (fl_error_kind_t)FL_ERR_KIND_COUNT));
}

static void test_seeds_add_and_ranges_merge(void **state) {
    (void)state;
    static fl_fault_matrix_t range, other;
    static fl_fault_hits_t seed, quiet;
    fl_error_kind_set_t errors = {{0}}, none = {{0}};
    fl_error_kind_set_add(&errors, (fl_error_kind_t)5);
    fl_fault_hits_count(&seed, FL_PROTOCOL_STATE_CLIENT_AWAITING, FL_FAULT_ACTION_RESET);
    fl_fault_hits_count(&seed, FL_PROTOCOL_STATE_CLIENT_AWAITING, FL_FAULT_ACTION_RESET);
    assert_int_equal(seed.total, 2);
    assert_int_equal(seed.cells_met, 1);
    fl_fault_matrix_add_seed(&range, &seed, &errors);
    fl_fault_matrix_add_seed(&range, &quiet, &errors); /* a seed without faults adds nothing */
    fl_fault_matrix_add_seed(&range, &seed, &none);
    const fl_fault_matrix_cell_t *cell = &range.cells[FL_PROTOCOL_STATE_CLIENT_AWAITING][FL_FAULT_ACTION_RESET];
    assert_int_equal(cell->hits, 4);
    assert_int_equal(cell->seeds, 2); /* a seed counts once however often it hit */
    assert_true(fl_error_kind_set_has(&cell->errors, (fl_error_kind_t)5));
    /* A cell the seed did not reach gains neither a seed nor its errors. */
    const fl_fault_matrix_cell_t *unreached = &range.cells[FL_PROTOCOL_STATE_CLIENT_AWAITING][FL_FAULT_ACTION_CLOSE];
    assert_int_equal(unreached->seeds, 0);
    assert_false(fl_error_kind_set_has(&unreached->errors, (fl_error_kind_t)5));
    other.cells[FL_PROTOCOL_STATE_SERVER_STREAMING][FL_FAULT_ACTION_CLOSE].hits = 1;
    other.cells[FL_PROTOCOL_STATE_SERVER_STREAMING][FL_FAULT_ACTION_CLOSE].seeds = 1;
    fl_fault_matrix_merge(&other, &range);
    assert_int_equal(other.cells[FL_PROTOCOL_STATE_CLIENT_AWAITING][FL_FAULT_ACTION_RESET].seeds, 2);
    assert_int_equal(other.cells[FL_PROTOCOL_STATE_SERVER_STREAMING][FL_FAULT_ACTION_CLOSE].hits, 1);
}

/* Past the cells it lists, a seed's hits are still all added. */
static void test_many_cells_in_one_seed(void **state) {
    (void)state;
    static fl_fault_hits_t seed;
    static fl_fault_matrix_t range;
    fl_error_kind_set_t none = {{0}};
    int met = 0;
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        for (int a = 0; a < 2; a++, met++)
            fl_fault_hits_count(&seed, (fl_protocol_state_t)s, (fl_fault_action_kind_t)a);
    assert_true(met > FL_FAULT_HITS_CELLS_LISTED);
    fl_fault_matrix_add_seed(&range, &seed, &none);
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        for (int a = 0; a < 2; a++) assert_int_equal(range.cells[s][a].seeds, 1);
    assert_int_equal(range.cells[0][2].seeds, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_are_named_on_their_side),
        cmocka_unit_test(test_error_kind_sets),
        cmocka_unit_test(test_seeds_add_and_ranges_merge),
        cmocka_unit_test(test_many_cells_in_one_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
