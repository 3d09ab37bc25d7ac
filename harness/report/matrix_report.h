/* The fault × protocol-state matrix (sim/net/protocol_state.h) as reports
 * show it: for each state an end of a connection can be in and each fault
 * action, whether the suite's faults met it, in how many seeds, and the
 * error kinds the client's steps ended with there. A JSON array of the
 * cells reached (in a result line and a JSON line), and the table
 * `faultline run --matrix` prints. */
#ifndef FL_HARNESS_MATRIX_REPORT_H
#define FL_HARNESS_MATRIX_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/json/json.h"
#include "harness/report/outcome.h"
#include "sim/net/protocol_state.h"

/* total becomes the sum of count outcomes' matrices: a run's whole. */
void fl_matrix_sum_outcomes(const fl_outcome_t *outcomes, size_t count, fl_fault_matrix_t *total);

/* Whether the tables give action a column: cancel-task acts on a task, not
 * on a connection, so it meets no protocol state. */
bool fl_matrix_action_has_column(fl_fault_action_kind_t action);

/* The error kinds a cell's seeds ended with, as "ReadError, WriteError"
 * ("" for none), into out (NUL-terminated, truncated to fit). Returns out. */
char *fl_matrix_cell_errors(const fl_fault_matrix_cell_t *cell, char *out, size_t size);

/* How many cells of the tables were reached; *cells_out (may be NULL) gets
 * how many there are. */
size_t fl_matrix_cells_reached(const fl_fault_matrix_t *matrix, size_t *cells_out);

/* [{"state", "side", "action", "hits", "seeds", "errors": [names]}, ...]:
 * the cells reached, in the tables' order. */
void fl_matrix_json_write(fl_json_writer_t *w, const fl_fault_matrix_t *matrix);

/* Adds an array written so into matrix; false when it is not one. */
bool fl_matrix_json_add(const fl_json_value_t *array, fl_fault_matrix_t *matrix);

/* How a table of seeds (a row a state, a column an action) is written:
 * the printf formats of each column's head (of the action's name) and of
 * each row's heads (of the side's name, then the state's), how a cell is
 * written ('seeds' 0: none reached it), and what ends the head row and
 * each row. */
typedef struct fl_matrix_table_format {
    const char *column_head;
    const char *row_head;
    void (*cell)(FILE *out, const char *action, uint64_t seeds);
    const char *row_end;
} fl_matrix_table_format_t;

/* Writes the table's head row and its rows in format; the caller writes
 * what comes before and after them. */
void fl_matrix_table_write(const fl_fault_matrix_t *matrix, const fl_matrix_table_format_t *format,
                           FILE *out);

/* The table: a row a state, a column an action, each cell the seeds that
 * reached it ('.' for none); then each reached cell's error kinds. */
void fl_matrix_print(const fl_fault_matrix_t *matrix, FILE *out);

#endif /* FL_HARNESS_MATRIX_REPORT_H */
