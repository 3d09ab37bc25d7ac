/* Running a failure's seed again in the run process with its trace kept,
 * for the reports drawn from traces (--trace-failures' Chrome traces,
 * --html's sequence diagrams).
 *
 * The seeds ran where run ran them (here or in workers, which keep no
 * trace); once every outcome is in, a failure that ran to a verdict runs
 * again here: the seed its replay line names, under the same policy and
 * schedule, so the trace is the failure's, event for event. A file that
 * crashed or timed out is never run again here: its crash or hang would
 * recur in this process. */
#ifndef FL_HARNESS_FAILURE_RERUN_H
#define FL_HARNESS_FAILURE_RERUN_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/report/outcome.h"
#include "harness/run/runner.h"

/* Whether r has a failing seed to run again: it failed, and ran to a
 * verdict (not invalid, crashed or timed out). */
bool fl_failure_rerunnable(const fl_outcome_t *r);

/* Loads r's file and runs the seed its replay line names with the trace
 * kept, calling visit(context, world) once the run is judged (the world
 * and its trace live only during the call). option names the report in
 * messages ("--html"). Returns 0, or 2 after a message on err when the
 * file no longer loads or the seed's world cannot be built. */
int fl_failure_rerun(const fl_outcome_t *r, const char *option, fl_trace_visit_fn visit,
                     void *context, FILE *err);

#endif /* FL_HARNESS_FAILURE_RERUN_H */
