/* What `faultline run` prints and writes once every file's outcome is in:
 * the summary line, the reports (--junit, --json), the coverage marks
 * (--marks, --require-marks) and the fault x protocol-state matrix
 * (--matrix). One place, because `faultline merge` must end exactly as the
 * unsharded run would. */
#ifndef FL_HARNESS_RUN_SUMMARY_H
#define FL_HARNESS_RUN_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "harness/cli/options.h"
#include "harness/report/outcome.h"

/* Prints the summary line to out, writes the reports the options ask for
 * (each even when the other cannot be), prints the marks and the matrix.
 * command names the command in messages ("run", "merge"). Returns the exit
 * code's part: 2 when a scenario was invalid or a report could not be
 * written, else 1 when one failed (or a required mark was never hit),
 * else 0. */
int fl_run_summarize(const char *command, const fl_options_t *o, const fl_outcome_t *outcomes,
                     size_t count, FILE *out, FILE *err);

#endif /* FL_HARNESS_RUN_SUMMARY_H */
