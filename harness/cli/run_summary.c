/* The end of a run: summary, reports, marks, matrix. See run_summary.h. */
#include "harness/cli/run_summary.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness/cli/html_output.h"
#include "harness/report/marks_report.h"
#include "harness/report/matrix_report.h"
#include "harness/report/reports.h"
#include "sim/runtime/arena.h"

/* --marks and --require-marks: the marks every file hit, summed; true
 * when marks are required and one the table gives no reason for was
 * never hit. */
static bool report_marks(const char *command, const fl_options_t *o,
                         const fl_outcome_t *outcomes, size_t count, FILE *out, FILE *err) {
    assert(command != NULL && o != NULL && (outcomes != NULL || count == 0) && out != NULL && err != NULL);
    uint64_t hits[FL_MARK_COUNT] = {0};
    for (size_t i = 0; i < count; i++)
        for (unsigned m = 0; m < FL_MARK_COUNT; m++) hits[m] += outcomes[i].marks[m];
    if (o->marks) fl_marks_print(hits, out);
    size_t missing = fl_marks_missing(hits);
    if (!o->require_marks || missing == 0) return false;
    fprintf(err,
            "faultline %s: %zu coverage mark%s never hit (--require-marks): write a scenario "
            "that reaches %s, or give %s a reason in sim/runtime/mark_table.h:",
            command, missing, missing == 1 ? "" : "s", missing == 1 ? "it" : "them",
            missing == 1 ? "it" : "each");
    for (unsigned m = 0; m < FL_MARK_COUNT; m++)
        if (hits[m] == 0 && fl_mark_unreached_reason((fl_mark_t)m) == NULL)
            fprintf(err, " %s", fl_mark_name((fl_mark_t)m));
    fputc('\n', err);
    return true;
}

/* The summary line, the reports (each written even when the other cannot
 * be); returns the exit code's part: 2 when a scenario was invalid or a
 * report could not be written, else 1 when one failed, else 0. */
int fl_run_summarize(const char *command, const fl_options_t *o, const fl_outcome_t *outcomes,
                     size_t count, FILE *out, FILE *err) {
    assert(command != NULL && o != NULL && (outcomes != NULL || count == 0));
    size_t held = 0, failed = 0, invalid = 0;
    for (size_t i = 0; i < count; i++) {
        if (outcomes[i].load_error) invalid++;
        else if (outcomes[i].passed) held++;
        else failed++;
    }
    assert(held + failed + invalid == count);
    fprintf(out, "%zu scenarios: %zu held, %zu failed, %zu invalid\n", count, held, failed,
            invalid);
    bool report_failed = false;
    if (o->junit && fl_report_junit(o->junit, outcomes, count, err) != 0) report_failed = true;
    if (o->json && fl_report_jsonl(o->json, outcomes, count, err) != 0) report_failed = true;
    if (o->html && fl_html_output_write(o->html, outcomes, count, out, err) != 0)
        report_failed = true;
    bool marks_missing = false;
    if (o->marks || o->require_marks)
        marks_missing = report_marks(command, o, outcomes, count, out, err);
    if (o->matrix) {
        fl_fault_matrix_t *total = calloc(1, sizeof *total);
        if (total == NULL) fl__out_of_memory(command);
        for (size_t i = 0; i < count; i++) fl_fault_matrix_merge(total, &outcomes[i].matrix);
        fl_matrix_print(total, out);
        free(total);
    }
    return invalid > 0 || report_failed ? 2 : failed > 0 || marks_missing ? 1 : 0;
}
