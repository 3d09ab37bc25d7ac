/* The shrinker's state and its one primitive, a run that says whether the
 * failure still shows; shared by the driver (shrink.c) and the passes over
 * the choice list (shrink_choices.c). Internal to harness/run. */
#ifndef FL_HARNESS_SHRINKER_H
#define FL_HARNESS_SHRINKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/run/shrink.h"

typedef struct fl__shrinker {
    fl_scenario_t *s;            /* the caller's, only read */
    uint64_t seed;               /* the seed whose own run (config) shows the failure */
    fl_run_config_t config;      /* the failing run's policy and schedule */
    bool finds;
    fl_shrink_result_t *out;
    fl_seed_result_t *result;    /* malloc'd: large */
} fl__shrinker_t;

/* One run of s with seed under config; true when it shows the failure.
 * With list, the run's whole choice list (malloc'd, replacing *list) and
 * its event count come back too. */
bool fl__shrink_run(fl__shrinker_t *sh, const fl_scenario_t *s, uint64_t seed,
                    const fl_run_config_t *config, uint32_t **list, size_t *count,
                    size_t *events);

/* The number of choices in list that are not 0. */
size_t fl__shrink_nonzero(const uint32_t *list, size_t count);

/* Whether list a is simpler than list b: fewer choices not 0, then a
 * smaller sum, then shorter, then lexicographically smaller (a shortlex
 * order over what a reader has to look at, so every accepted step is
 * strictly simpler and the passes end). */
bool fl__shrink_simpler(const uint32_t *a, size_t a_count, const uint32_t *b, size_t b_count);

/* Shrinks sh->out's choice list (choices, choice_count, events_after)
 * in view: zeroing, deleting, lowering and sorting choices where the
 * failure still shows when the list is replayed (padded with 0). */
void fl__shrink_choices(fl__shrinker_t *sh, const fl_scenario_t *view);

#endif /* FL_HARNESS_SHRINKER_H */
