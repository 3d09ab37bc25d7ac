/* What explore counts, shared by its two ways of running seeds: in this
 * process (command_explore.c) and in worker processes (explore_workers.c),
 * whose counts add up to the same report.
 *
 * A policy's tally is its runs, the runs that showed the bug, the first of
 * them, and the most tasks and choices a run had (pct's n and its line).
 * A signature is the failed check with the last protocol events before the
 * run ended; signatures are kept in the order their first seed ran, so
 * counts gathered over consecutive ranges of seeds, merged range by range
 * in seed order, are the counts of one pass over all of them. */
#ifndef FL_HARNESS_EXPLORATION_H
#define FL_HARNESS_EXPLORATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/model/scenario.h"

enum {
    /* Signatures kept (counted) and shown in the report; runs of those
     * past the kept ones are counted as not listed. */
    FL_EXPLORE_SIGNATURES_KEPT = 1024,
    FL_EXPLORE_SIGNATURES_SHOWN = 32,
    FL_EXPLORE_SIGNATURE_TEXT_MAX = 512,
    FL_EXPLORE_POLICIES_MAX = 2,
};

typedef struct fl_explore_signature {
    char text[FL_EXPLORE_SIGNATURE_TEXT_MAX];
    uint64_t count[FL_EXPLORE_POLICIES_MAX];
    uint64_t first_seed;
    const char *first_policy; /* the policy first_seed ran under */
    char *schedule;           /* malloc'd: first_seed's choice list where its replay command
                                 needs it (pct: its seed replays only with explore's k), or NULL */
} fl_explore_signature_t;

typedef struct fl_explore_tally {
    const char *policy;
    uint64_t runs, found, first_found; /* first_found: the run (from 1), 0: none */
    size_t max_tasks, max_choices;
} fl_explore_tally_t;

typedef struct fl_exploration {
    const fl_scenario_t *scenario;
    uint32_t depth;
    size_t steps; /* pct's k */
    fl_explore_tally_t tallies[FL_EXPLORE_POLICIES_MAX];
    size_t policy_count;
    fl_explore_signature_t signatures[FL_EXPLORE_SIGNATURES_KEPT];
    size_t signature_count;
    uint64_t signatures_dropped; /* runs whose signature was not kept */
    bool keep_schedules;         /* take each new signature's schedule (not in a worker) */
} fl_exploration_t;

/* Counts count runs under policy with signature text, the first of them
 * seed; a new signature keeps schedule (taken: freed when not kept; may be
 * NULL). */
void fl__explore_count_signature(fl_exploration_t *x, size_t policy, uint64_t seed,
                                 const char *text, uint64_t count, char *schedule);

/* Runs seeds first..last under the policy of tally index, counting into
 * x, and stops early once the wall clock passes deadline_ns (uv_hrtime;
 * 0: never), after at least one seed. Returns 0, or 2 when a world cannot
 * be built (the message is printed). */
int fl__explore_range(fl_exploration_t *x, size_t index, uint64_t first, uint64_t last,
                      uint64_t deadline_ns, FILE *err);

/* First seed's choice list under policy (malloc'd), for a replay command
 * that needs one. */
char *fl__explore_schedule_of(const fl_exploration_t *x, const char *policy, uint64_t seed);

/* pct's k: the choices a fifo run of the first seed makes (at least 1). */
size_t fl__explore_measure_steps(const fl_scenario_t *s);

/* explore --jobs N: the tally index's runs (1..runs, or as many as fit in
 * time_ns of wall clock when it is > 0, always a prefix 1..R) in worker
 * processes of exe running `faultline explore-one`, counted into x as one
 * pass would count them. Returns 0, or 2 after a message. */
int fl__explore_in_workers(fl_exploration_t *x, size_t index, uint64_t runs, uint64_t time_ns,
                           unsigned jobs, uint64_t timeout_ms, const char *exe, const char *path,
                           FILE *err);

/* The worker's side: `faultline explore-one FILE --policy P --depth D
 * --seeds A..B` runs those seeds and prints its tally and signatures as
 * lines fl__explore_in_workers reads. Returns the exit code. */
int fl__explore_one(const fl_scenario_t *s, const char *policy, uint32_t depth, uint64_t first,
                    uint64_t last, FILE *out, FILE *err);

#endif /* FL_HARNESS_EXPLORATION_H */
