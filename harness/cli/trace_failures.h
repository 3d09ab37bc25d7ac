/* faultline run --trace-failures DIR: a Chrome trace (chrome_trace.h) of
 * every failing seed, one file each, for ui.perfetto.dev.
 *
 * The seeds run where run ran them (here or in workers, which trace
 * nothing); once every outcome is in, each failure that ran to a verdict
 * is run again here, the seed its replay line names under the same policy
 * and schedule, with the trace kept, and written as
 *   DIR/<path>.seed-<N>.json
 * where <path> is the scenario file's path as run was given it, without a
 * leading "./" or "/" and without its .yaml/.yml suffix, every '/' turned
 * into '_' and every byte other than letters, digits, '.', '-' and '_'
 * into '_' too (scenarios/shield/v020.yaml, seed 3:
 * DIR/scenarios_shield_v020.seed-3.json). Two files whose names come
 * out the same (a/b_c.yaml, a_b/c.yaml) are kept apart: the later one's
 * name ends ".file-<its place in the run, from 1>.json". A file that crashed or timed
 * out is not run again in this process: it is named on err instead.
 */
#ifndef FL_HARNESS_TRACE_FAILURES_H
#define FL_HARNESS_TRACE_FAILURES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/report/outcome.h"

/* Makes dir and its missing parents. Returns 0, or 2 after a message on
 * err when dir cannot be made or is not a writable directory: run says so
 * before it runs anything. */
int fl_trace_failures_prepare(const char *dir, FILE *err);

/* The file name (no directory) of path's trace at seed, into out
 * (NUL-terminated, truncated to fit). Returns out. */
char *fl_trace_failure_file_name(const char *path, uint64_t seed, char *out, size_t size);

/* Writes the trace of every failed outcome that ran into dir (prepared),
 * printing "trace   DIR/NAME" for each on out. Returns 0, or 2 when a
 * trace could not be written or its scenario no longer loads (said on
 * err). */
int fl_trace_failures_write(const char *dir, const fl_outcome_t *outcomes, size_t count, FILE *out,
                            FILE *err);

#endif /* FL_HARNESS_TRACE_FAILURES_H */
