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

/* Reads a whole `--json` line back, as `faultline merge` needs it to write
 * every report again: what fl_outcome_json_read reads, and the members it
 * leaves to the worker's parent: file (malloc'd, as fl_outcome_free
 * wants), crashed and timed_out (the ending), duration_s, and schedule
 * (copied into strings, which must outlive the outcome: the outcome
 * borrows its schedule). What the line says only through its text is
 * taken from there: --seeds for a crash or a timeout from its replay
 * command (an invalid file's range counts as given unless it is 0..0),
 * the signal or exit code of a crash from its message. The replay member
 * must be the command the rest makes, so a report written again says what
 * the shard's said. outcome must be zeroed. False, with *problem saying
 * why, when the object is not an outcome's line. */
bool fl_outcome_json_read_line(const fl_json_value_t *object, fl_outcome_t *outcome,
                               struct fl_arena *strings, const char **problem);

#endif /* FL_HARNESS_OUTCOME_JSON_H */
