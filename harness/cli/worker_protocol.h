/* What a worker process tells `faultline run` about the one scenario file
 * it ran: one line of JSON on its stdout,
 *
 *   {"faultline_run_one":1,"result":{...}}
 *
 * where the result is the outcome's JSON object, as a line of `--json`
 * results holds it (report/outcome_json.h), written with json.c's writer
 * and read back with its reader. The worker
 * loads the file once and reports what the parent would otherwise have to
 * load it again for (name, mode, policy, range). A worker that prints no
 * such line crashed. */
#ifndef FL_HARNESS_WORKER_PROTOCOL_H
#define FL_HARNESS_WORKER_PROTOCOL_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/report/outcome.h"

/* Writes outcome's result line to out (and flushes it). */
void fl_worker_result_write(FILE *out, const fl_outcome_t *outcome);

/* Finds the result line in a worker's output (at the start of a line) and
 * fills outcome's result fields (fl_outcome_json_read). False
 * when there is no well-formed line; outcome is unchanged then. */
bool fl_worker_result_read(const char *output, fl_outcome_t *outcome);

#endif /* FL_HARNESS_WORKER_PROTOCOL_H */
