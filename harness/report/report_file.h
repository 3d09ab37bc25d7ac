/* Opening and closing a report file, for the report writers (reports.h):
 * one place that says why a report cannot be written, so that every writer
 * fails the same way and `faultline run` can exit 2 for it. */
#ifndef FL_HARNESS_REPORT_FILE_H
#define FL_HARNESS_REPORT_FILE_H

#include <stdio.h>

/* The file at path, opened for writing, or NULL after saying on err why it
 * cannot be. */
FILE *fl__report_open(const char *path, FILE *err);

/* Closes f; returns 0, or -1 after saying on err that path was not written
 * whole (a write failed on the way, or the close itself: a full disk). */
int fl__report_close(FILE *f, const char *path, FILE *err);

#endif /* FL_HARNESS_REPORT_FILE_H */
