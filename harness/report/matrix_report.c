#include "harness/report/matrix_report.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "client/error_kinds.h"

bool fl_matrix_action_has_column(fl_fault_action_kind_t action) {
    assert((int)action >= 0 && (int)action < FL_FAULT_ACTION_COUNT);
    /* A column is an action that meets a connection in a simulated run:
     * not cancel-task (it hits a task), nor faultline proxy's own. */
    return action != FL_FAULT_ACTION_CANCEL_TASK &&
           fl_fault_action_carried_by(action, FL_FAULT_CARRIER_SCENARIO);
}

static bool action_has_column(int action) {
    return fl_matrix_action_has_column((fl_fault_action_kind_t)action);
}

void fl_matrix_sum_outcomes(const fl_outcome_t *outcomes, size_t count, fl_fault_matrix_t *total) {
    assert((outcomes != NULL || count == 0) && total != NULL);
    memset(total, 0, sizeof *total);
    for (size_t i = 0; i < count; i++) fl_fault_matrix_merge(total, &outcomes[i].matrix);
}

char *fl_matrix_cell_errors(const fl_fault_matrix_cell_t *cell, char *out, size_t size) {
    assert(cell != NULL && out != NULL && size > 0);
    fl_client_error_kinds_add(); /* the client's kinds have names once added */
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < FL_ERR_KIND_COUNT && used < size; k++) {
        if (!fl_error_kind_set_has(&cell->errors, (fl_error_kind_t)k)) continue;
        int n = snprintf(out + used, size - used, "%s%s", used > 0 ? ", " : "",
                         fl_error_kind_name((fl_error_kind_t)k));
        used += n > 0 ? (size_t)n : 0;
    }
    assert(strlen(out) < size);
    return out;
}

size_t fl_matrix_cells_reached(const fl_fault_matrix_t *matrix, size_t *cells_out) {
    assert(matrix != NULL);
    size_t reached = 0, cells = 0;
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++)
            if (action_has_column(a)) cells++, reached += matrix->cells[s][a].hits > 0;
    if (cells_out != NULL) *cells_out = cells;
    assert(reached <= cells);
    return reached;
}

static void write_errors(fl_json_writer_t *w, const fl_error_kind_set_t *errors) {
    assert(w != NULL && errors != NULL);
    fl_json_array_begin(w);
    for (int k = 0; k < FL_ERR_KIND_COUNT; k++)
        if (fl_error_kind_set_has(errors, (fl_error_kind_t)k))
            fl_json_string(w, fl_error_kind_name((fl_error_kind_t)k));
    fl_json_array_end(w);
}

void fl_matrix_json_write(fl_json_writer_t *w, const fl_fault_matrix_t *matrix) {
    assert(w != NULL && matrix != NULL);
    size_t depth = w->depth;
    fl_json_array_begin(w);
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++) {
            const fl_fault_matrix_cell_t *cell = &matrix->cells[s][a];
            if (cell->hits == 0) continue;
            fl_json_object_begin(w);
            fl_json_key(w, "state");
            fl_json_string(w, fl_protocol_state_name((fl_protocol_state_t)s));
            fl_json_key(w, "side");
            fl_json_string(w, fl_side_name(fl_protocol_state_side((fl_protocol_state_t)s)));
            fl_json_key(w, "action");
            fl_json_string(w, fl_fault_action_name((fl_fault_action_kind_t)a));
            fl_json_key(w, "hits");
            fl_json_uint(w, cell->hits);
            fl_json_key(w, "seeds");
            fl_json_uint(w, cell->seeds);
            fl_json_key(w, "errors");
            write_errors(w, &cell->errors);
            fl_json_object_end(w);
        }
    fl_json_array_end(w);
    assert(w->depth == depth);
}

/* The state of a name and side, or false. */
static bool state_from(const char *name, const char *side, int *out) {
    assert(out != NULL);
    if (name == NULL || side == NULL) return false;
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        if (strcmp(fl_protocol_state_name((fl_protocol_state_t)s), name) == 0 &&
            strcmp(fl_side_name(fl_protocol_state_side((fl_protocol_state_t)s)), side) == 0) {
            *out = s;
            return true;
        }
    return false;
}

static bool add_cell(const fl_json_value_t *item, fl_fault_matrix_t *matrix) {
    assert(item != NULL && matrix != NULL);
    int state;
    fl_fault_action_kind_t action;
    uint64_t hits, seeds;
    const char *action_name = fl_json_get_string(item, "action");
    if (!state_from(fl_json_get_string(item, "state"), fl_json_get_string(item, "side"), &state) ||
        action_name == NULL || !fl_fault_action_from_name(action_name, &action) ||
        !fl_json_get_u64(item, "hits", &hits) || !fl_json_get_u64(item, "seeds", &seeds))
        return false;
    const fl_json_value_t *errors = fl_json_get(item, "errors");
    if (errors == NULL || errors->type != FL_JSON_ARRAY) return false;
    fl_fault_matrix_cell_t *cell = &matrix->cells[state][action];
    for (size_t i = 0; i < errors->count; i++) {
        fl_error_kind_t kind;
        if (errors->items[i].type != FL_JSON_STRING ||
            !fl_error_kind_from_name(errors->items[i].text, &kind))
            return false;
        fl_error_kind_set_add(&cell->errors, kind);
    }
    cell->hits += hits;
    cell->seeds += seeds;
    return true;
}

bool fl_matrix_json_add(const fl_json_value_t *array, fl_fault_matrix_t *matrix) {
    assert(matrix != NULL);
    fl_client_error_kinds_add(); /* a worker's kinds are named: the reader must know them */
    if (array == NULL || array->type != FL_JSON_ARRAY) return false;
    for (size_t i = 0; i < array->count; i++)
        if (array->items[i].type != FL_JSON_OBJECT || !add_cell(&array->items[i], matrix))
            return false;
    return true;
}

void fl_matrix_table_write(const fl_fault_matrix_t *matrix, const fl_matrix_table_format_t *format,
                           FILE *out) {
    assert(matrix != NULL && format != NULL && out != NULL);
    assert(format->column_head != NULL && format->row_head != NULL && format->cell != NULL);
    assert(format->row_end != NULL);
    for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++)
        if (action_has_column(a))
            fprintf(out, format->column_head, fl_fault_action_name((fl_fault_action_kind_t)a));
    fputs(format->row_end, out);
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++) {
        fl_protocol_state_t state = (fl_protocol_state_t)s;
        fprintf(out, format->row_head, fl_side_name(fl_protocol_state_side(state)),
                fl_protocol_state_name(state));
        for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++)
            if (action_has_column(a))
                format->cell(out, fl_fault_action_name((fl_fault_action_kind_t)a),
                             matrix->cells[s][a].seeds);
        fputs(format->row_end, out);
    }
}

/* Right-aligned under the column's head. */
static void text_cell(FILE *out, const char *action, uint64_t seeds) {
    assert(out != NULL && action != NULL);
    int width = (int)strlen(action);
    assert(width > 0);
    if (seeds == 0)
        fprintf(out, " %*s", width, ".");
    else
        fprintf(out, " %*" PRIu64, width, seeds);
}

static const fl_matrix_table_format_t TEXT_TABLE = {" %s", "%-6s %-17s", text_cell, "\n"};

static void print_table(const fl_fault_matrix_t *matrix, FILE *out) {
    assert(matrix != NULL && out != NULL);
    fprintf(out, "%-24s", "state \\ action");
    fl_matrix_table_write(matrix, &TEXT_TABLE, out);
}

void fl_matrix_print(const fl_fault_matrix_t *matrix, FILE *out) {
    assert(matrix != NULL && out != NULL);
    size_t cells = 0, reached = fl_matrix_cells_reached(matrix, &cells);
    fprintf(out, "--- fault x protocol state: %zu of %zu cells reached (seeds that reached each)\n",
            reached, cells);
    print_table(matrix, out);
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++) {
            const fl_fault_matrix_cell_t *cell = &matrix->cells[s][a];
            if (cell->hits == 0 || !action_has_column(a)) continue;
            fprintf(out, "  %s %s x %s: %" PRIu64 " seed%s ->",
                    fl_side_name(fl_protocol_state_side((fl_protocol_state_t)s)),
                    fl_protocol_state_name((fl_protocol_state_t)s),
                    fl_fault_action_name((fl_fault_action_kind_t)a), cell->seeds,
                    cell->seeds == 1 ? "" : "s");
            bool any = false;
            for (int k = 0; k < FL_ERR_KIND_COUNT; k++)
                if (fl_error_kind_set_has(&cell->errors, (fl_error_kind_t)k)) {
                    fprintf(out, "%s %s", any ? "," : "", fl_error_kind_name((fl_error_kind_t)k));
                    any = true;
                }
            fprintf(out, "%s\n", any ? "" : " no error");
        }
}
