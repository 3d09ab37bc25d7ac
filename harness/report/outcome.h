/* What `faultline run` knows of one scenario file once it ran (in this
 * process or in a worker), crashed, timed out or failed to load: the
 * record its text line, its JUnit case and its JSON line are written from. */
#ifndef FL_HARNESS_OUTCOME_H
#define FL_HARNESS_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/report/replay_command.h"
#include "sim/net/protocol_state.h"
#include "sim/runtime/marks.h"

/* How a scenario ended when it ran in a worker process (workers.h). */
typedef enum fl_ending {
    FL_ENDING_RAN,     /* the run finished and reported its result */
    FL_ENDING_CRASHED, /* the worker died (a signal) or exited without a result */
    FL_ENDING_TIMEOUT, /* the worker outlived --timeout and was killed */
} fl_ending_t;

/* Strings marked malloc'd are owned and freed by fl_outcome_free. */
typedef struct fl_outcome {
    char *file;                     /* malloc'd */
    char *name;                     /* malloc'd; NULL until the scenario loaded */
    bool finds;
    bool passed;                    /* held, or found */
    bool load_error;
    uint64_t seeds_run;
    bool has_seed;                  /* the outcome names a seed: the seed below */
    uint64_t seed;                  /* the failing seed, where it was found, or where the
                                       world could not be built */
    bool has_trace_hash;            /* the trace hash of that seed's run is known */
    uint64_t trace_hash;
    char *message;                  /* malloc'd */
    char *policy;                   /* malloc'd: the policy the seeds ran under, or NULL */
    const char *schedule;           /* --schedule (argv's), with the replay policy; or NULL */
    bool has_seeds;                 /* --seeds was given: the range below */
    uint64_t seed_first, seed_last;
    fl_ending_t ending;
    int term_signal;                /* crashed by a signal: which; else 0 */
    int64_t exit_status;            /* crashed without a signal: the exit code */
    uint64_t marks[FL_MARK_COUNT];  /* coverage marks hit over its seeds */
    fl_fault_matrix_t matrix;       /* what its faults met, over its seeds */
    /* Wall-clock time the file's run took (a monotonic clock: in this
     * process, or the worker's life from spawn to exit). Report-only: it
     * goes to JUnit and JSON lines and nowhere else, never into a run, a
     * trace hash, a timeline or the text lines, which stay deterministic. */
    uint64_t duration_ns;
} fl_outcome_t;

/* The command that replays the outcome's failure (its seed, or for a crash
 * or a timeout the whole run). */
fl_replay_command_t fl_outcome_replay_command(const fl_outcome_t *outcome);

/* Prints the outcome's line ("held", "found", "FAILED", "CRASHED", ...)
 * and, for a failure, the line with the command that replays it. */
void fl_outcome_print(const fl_outcome_t *outcome, FILE *out);

void fl_outcome_free(fl_outcome_t *outcome);

#endif /* FL_HARNESS_OUTCOME_H */
