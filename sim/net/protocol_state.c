#include "sim/net/protocol_state.h"

#include <assert.h>
#include <stdbool.h>

typedef struct state_row {
    fl_side_t side;
    const char *name;
    const char *doc;
} state_row_t;

static const state_row_t STATES[FL_PROTOCOL_STATE_COUNT] = {
#define FL__PROTOCOL_STATE_ROW(id, side, name, doc) [FL_PROTOCOL_STATE_##id] = {side, name, doc},
    FL_PROTOCOL_STATES(FL__PROTOCOL_STATE_ROW)
#undef FL__PROTOCOL_STATE_ROW
};

static const state_row_t *row_of(fl_protocol_state_t state) {
    assert((unsigned)state < FL_PROTOCOL_STATE_COUNT);
    assert(STATES[state].name != NULL);
    return &STATES[state];
}

const char *fl_protocol_state_name(fl_protocol_state_t state) { return row_of(state)->name; }
const char *fl_protocol_state_doc(fl_protocol_state_t state) { return row_of(state)->doc; }
fl_side_t fl_protocol_state_side(fl_protocol_state_t state) { return row_of(state)->side; }

fl_protocol_state_t fl_protocol_state_initial(fl_side_t side) {
    assert(side == FL_SIDE_CLIENT || side == FL_SIDE_SERVER);
    return side == FL_SIDE_CLIENT ? FL_PROTOCOL_STATE_CLIENT_CONNECTING
                                  : FL_PROTOCOL_STATE_SERVER_NO_REQUEST;
}

void fl_error_kind_set_add(fl_error_kind_set_t *set, fl_error_kind_t kind) {
    assert(set != NULL);
    assert((unsigned)kind < 64u * FL_ERROR_KIND_SET_WORDS); /* the tree's bound */
    set->bits[kind / 64] |= UINT64_C(1) << (kind % 64);
}

bool fl_error_kind_set_has(const fl_error_kind_set_t *set, fl_error_kind_t kind) {
    assert(set != NULL);
    if ((unsigned)kind >= 64u * FL_ERROR_KIND_SET_WORDS) return false;
    return (set->bits[kind / 64] >> (kind % 64)) & 1u;
}

static void set_union(fl_error_kind_set_t *into, const fl_error_kind_set_t *from) {
    for (int w = 0; w < FL_ERROR_KIND_SET_WORDS; w++) into->bits[w] |= from->bits[w];
}

void fl_fault_hits_count(fl_fault_hits_t *hits, fl_protocol_state_t state,
                         fl_fault_action_kind_t action) {
    assert(hits != NULL && (unsigned)state < FL_PROTOCOL_STATE_COUNT);
    assert((unsigned)action < FL_FAULT_ACTION_COUNT);
    if (hits->counts[state][action]++ == 0) {
        if (hits->cells_met < FL_FAULT_HITS_CELLS_LISTED)
            hits->cells[hits->cells_met] = (uint16_t)(state * FL_FAULT_ACTION_COUNT + action);
        hits->cells_met++;
    }
    hits->total++;
}

static void add_cell(fl_fault_matrix_cell_t *total, uint32_t hits,
                     const fl_error_kind_set_t *seed_errors) {
    assert(hits > 0);
    total->hits += hits;
    total->seeds++;
    set_union(&total->errors, seed_errors);
    assert(total->seeds <= total->hits);
}

void fl_fault_matrix_add_seed(fl_fault_matrix_t *range, const fl_fault_hits_t *seed,
                              const fl_error_kind_set_t *seed_errors) {
    assert(range != NULL && seed != NULL && seed_errors != NULL);
    if (seed->total == 0) return; /* no fault met a connection */
    if (seed->cells_met <= FL_FAULT_HITS_CELLS_LISTED) {
        for (uint32_t i = 0; i < seed->cells_met; i++) {
            int s = seed->cells[i] / FL_FAULT_ACTION_COUNT, a = seed->cells[i] % FL_FAULT_ACTION_COUNT;
            add_cell(&range->cells[s][a], seed->counts[s][a], seed_errors);
        }
        return;
    }
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++)
            if (seed->counts[s][a] > 0) add_cell(&range->cells[s][a], seed->counts[s][a], seed_errors);
}

void fl_fault_matrix_merge(fl_fault_matrix_t *into, const fl_fault_matrix_t *from) {
    assert(into != NULL && from != NULL);
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++) {
            into->cells[s][a].hits += from->cells[s][a].hits;
            into->cells[s][a].seeds += from->cells[s][a].seeds;
            set_union(&into->cells[s][a].errors, &from->cells[s][a].errors);
        }
}
