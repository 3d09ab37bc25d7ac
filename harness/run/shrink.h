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

/* A scenario with only the kept faults and result's network, in arena
 * (its fault plan built), for runs and for writing the shrunk file. */
int fl_shrink_apply(fl_arena_t *arena, const fl_scenario_t *s, const fl_shrink_result_t *result,
                    fl_scenario_t *out, char *error, size_t error_size);

#endif /* FL_HARNESS_SHRINK_H */
