/* The machine-readable reports of `faultline run`, both written from the
 * outcomes in file order.
 *
 * JUnit XML, for CI systems: <testsuites> with the totals, one <testsuite>
 * per folder of scenario files (named by the folder's path, in the order
 * its first file comes), one <testcase> per file with its time, its file
 * and <properties> (seed, seeds, mode, policy, schedule, trace_hash: each
 * when known; replay always). A scenario whose checks failed (or whose
 * find was not made) carries <failure type="failed">; a file that does not
 * load <error type="invalid">, a worker that crashed <error type="crashed">
 * and one killed at --timeout <error type="timeout">. Times are seconds of
 * wall-clock with 6 decimals; a suite's and the whole's are the sums of
 * their cases' (workers overlap, so the run itself may take less).
 *
 * JSON lines: one object per file, the outcome's JSON form
 * (outcome_json.h).
 *
 * Each returns 0, or -1 after saying on err why the file at path cannot be
 * written (it cannot be opened, or a write or the close failed). */
#ifndef FL_HARNESS_REPORTS_H
#define FL_HARNESS_REPORTS_H

#include <stddef.h>
#include <stdio.h>

#include "harness/report/outcome.h"

int fl_report_junit(const char *path, const fl_outcome_t *outcomes, size_t count, FILE *err);
int fl_report_jsonl(const char *path, const fl_outcome_t *outcomes, size_t count, FILE *err);

#endif /* FL_HARNESS_REPORTS_H */
