/* The coverage marks of a run (sim/runtime/marks.h), as reports show them:
 * a JSON object of the marks hit, in a result line and a JSON line, and
 * the text `faultline run --marks` prints, which lists the marks the run
 * never hit. */
#ifndef FL_HARNESS_MARKS_REPORT_H
#define FL_HARNESS_MARKS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/json/json.h"
#include "harness/report/outcome.h"
#include "sim/runtime/marks.h"

/* hits becomes the sum of count outcomes' marks: a run's whole. */
void fl_marks_sum_outcomes(const fl_outcome_t *outcomes, size_t count,
                           uint64_t hits[FL_MARK_COUNT]);

/* How many marks were hit at least once. */
size_t fl_marks_hit_count(const uint64_t hits[FL_MARK_COUNT]);

/* {"name": hits, ...}: the marks hit, in the table's order. */
void fl_marks_json_write(fl_json_writer_t *w, const uint64_t hits[FL_MARK_COUNT]);

/* Adds the object's counts to hits; false when it is not such an object
 * (an unknown name, a count that is not a whole number). */
bool fl_marks_json_add(const fl_json_value_t *object, uint64_t hits[FL_MARK_COUNT]);

/* The marks that no run hit and the table gives no reason for. */
size_t fl_marks_missing(const uint64_t hits[FL_MARK_COUNT]);

/* Every mark with its hits, then those never hit (the known-unreached
 * with their reason). */
void fl_marks_print(const uint64_t hits[FL_MARK_COUNT], FILE *out);

#endif /* FL_HARNESS_MARKS_REPORT_H */
