/* Shrinking a failing run to the events that matter, by delta debugging
 * that keeps "the same check fails" (Zeller's ddmin, greedily, one element
 * at a time, as Hypothesis's reducer works on one recorded choice list).
 *
 * It reduces, in turn:
 *   - the fault plan: each fault is dropped if the check still fails
 *     without it;
 *   - the network: segmentation off, jitter 0, latency 0, each kept if the
 *     check still fails;
 *     (a change is tried under the run's own seed and policy, and, where
 *     that no longer fails, under the other seeds of the file's range: a
 *     seed that fails the simpler scenario becomes the run's);
 *   - the file's text (shrink_cuts.c): client tasks and top-level steps
 *     cut, fault triggers moved earlier, each where the check still fails;
 *   - the choice list (docs/RUNTIME.md: every scheduler pick and draw of
 *     the run), replayed with 0 past its end: blocks of choices set to 0
 *     or deleted, values lowered, pairs sorted, wherever the check still
 *     fails and the list is simpler (harness/run/shrink_choices.c); then
 *     the same from other failing seeds' lists, the simplest kept.
 * What is left is essential: the faults kept and the choices not 0. */
#ifndef FL_HARNESS_SHRINK_H
#define FL_HARNESS_SHRINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/model/scenario.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"

/* An edit of the scenario's text (harness/run/shrink_text.h): bytes
 * [start, end) of the original file replaced by text ("": cut out). */
typedef struct fl_shrink_edit {
    size_t start, end;
    char text[24];
} fl_shrink_edit_t;

enum { FL_SHRINK_EDITS_MAX = 128 };

typedef struct fl_shrink_result {
    char check[FL_RUN_NAME_MAX];     /* the check that fails throughout */
    bool fault_kept[FL_SCENARIO_FAULTS_MAX];
    size_t faults_kept, faults_before;
    fl_simnet_options_t network;     /* the network it ends with */
    uint32_t *choices;               /* malloc'd: the final run's whole list */
    size_t choice_count;
    size_t nonzero_before, nonzero_after; /* choices not 0 */
    size_t events_before, events_after;   /* trace events of the first and last runs */
    uint64_t runs;                   /* runs it took */
    uint64_t trace_hash;             /* the last run's */
    fl_shrink_edit_t edits[FL_SHRINK_EDITS_MAX]; /* in the order they were kept */
    size_t edit_count;
    size_t tasks_cut, steps_cut, triggers_moved; /* what the edits are */
    uint64_t seed;                   /* the seed the shrunk file fails at under its own
                                        policy: the one asked for, or another of the
                                        file's where a simpler scenario fails */
} fl_shrink_result_t;

/* Shrinks the failure of seed under config (the policy and schedule that
 * failed). Returns 0 with the result; FL_EINVAL with why in error when the
 * seed does not fail (nothing to shrink) or cannot run. s is only read. */
int fl_shrink(fl_scenario_t *s, uint64_t seed, const fl_run_config_t *config,
              fl_shrink_result_t *out, char *error, size_t error_size);

void fl_shrink_result_free(fl_shrink_result_t *result);

/* The shrunk scenario, in arena: s->file's text as result edited it,
 * loaded (the file shrink writes); for a scenario without a readable
 * file, s with only the kept faults and result's network (its fault plan
 * built). */
int fl_shrink_apply(fl_arena_t *arena, const fl_scenario_t *s, const fl_shrink_result_t *result,
                    fl_scenario_t *out, char *error, size_t error_size);

#endif /* FL_HARNESS_SHRINK_H */
