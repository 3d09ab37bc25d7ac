/* An outcome as one JSON object: what a line of `--json` results holds,
 * and what a worker process sends its parent (cli/worker_protocol.c). One
 * table of members writes it and reads it back, so the two cannot drift. */
#ifndef FL_HARNESS_OUTCOME_JSON_H
#define FL_HARNESS_OUTCOME_JSON_H

#include <stdbool.h>

#include "harness/json/json.h"
#include "harness/report/outcome.h"

/* Writes the outcome's object: file, name, mode, passed, invalid,
 * crashed, timed_out, seeds_run, seed (null when the outcome names none),
 * seed_first, seed_last, policy, schedule (null when none), trace_hash (16
 * hex digits of the named seed's run, or null), duration_s (wall-clock
 * seconds, report-only), message and replay (the replay command). */
void fl_outcome_json_write(fl_json_writer_t *w, const fl_outcome_t *outcome);

/* Reads back what fl_outcome_json_write wrote into outcome, replacing its
 * strings (the old ones are freed); crashed and timed_out are not read, as
 * the reader knows how the writer ended. False, outcome untouched, when a
 * member is missing or of the wrong type. The file, the schedule, the
 * duration and the replay command are not read either: the reader names
 * the file and gave the schedule itself, times the worker itself, and
 * makes the command from the rest. */
bool fl_outcome_json_read(const fl_json_value_t *object, fl_outcome_t *outcome);

#endif /* FL_HARNESS_OUTCOME_JSON_H */
