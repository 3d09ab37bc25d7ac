/* The machine-readable reports of `faultline run`: JUnit XML (one test
 * case per scenario file, a failure carrying its message and replay
 * command) and JSON lines (one object per scenario file). Each writes the
 * file at path; a file that cannot be written is reported on err and the
 * run goes on. */
#ifndef FL_HARNESS_REPORTS_H
#define FL_HARNESS_REPORTS_H

#include <stddef.h>
#include <stdio.h>

#include "harness/report/outcome.h"

void fl_report_junit(const char *path, const fl_outcome_t *outcomes, size_t count, FILE *err);
void fl_report_jsonl(const char *path, const fl_outcome_t *outcomes, size_t count, FILE *err);

#endif /* FL_HARNESS_REPORTS_H */
