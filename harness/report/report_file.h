/* Opening and closing a report file, for the report writers (reports.h):
 * one place that says why a report cannot be written, so that every writer
 * fails the same way and `faultline run` can exit 2 for it. */
#ifndef FL_HARNESS_REPORT_FILE_H
#define FL_HARNESS_REPORT_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "harness/report/outcome.h"

/* The file at path, opened for writing, or NULL after saying on err why it
 * cannot be. */
FILE *fl__report_open(const char *path, FILE *err);

/* Closes f; returns 0, or -1 after saying on err that path was not written
 * whole (a write failed on the way, or the close itself: a full disk). */
int fl__report_close(FILE *f, const char *path, FILE *err);

/* Writes the report of count outcomes into f. */
typedef void fl__report_body_fn(FILE *f, const fl_outcome_t *outcomes, size_t count);

/* Opens path, writes its body, closes it: 0, or -1 after saying on err why
 * path was not written (fl__report_open, fl__report_close). */
int fl__report_write(const char *path, const fl_outcome_t *outcomes, size_t count,
                     fl__report_body_fn *body, FILE *err);

#endif /* FL_HARNESS_REPORT_FILE_H */
