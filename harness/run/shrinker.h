/* The shrinker's state and its one primitive, a run that says whether the
 * failure still shows; shared by the driver (shrink.c) and the passes over
 * the choice list (shrink_choices.c). Internal to harness/run. */
#ifndef FL_HARNESS_SHRINKER_H
#define FL_HARNESS_SHRINKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/run/shrink.h"
#include "harness/run/shrink_text.h"

typedef struct fl__shrinker {
    fl_scenario_t *s;            /* the caller's, only read */
    uint64_t seed;               /* the seed whose own run (config) shows the failure */
    fl_run_config_t config;      /* the failing run's policy and schedule */
    bool finds;
    fl_shrink_result_t *out;
    fl_seed_result_t *result;    /* malloc'd: large */
    uint64_t origin_seed;        /* the seed asked for */
    size_t checks_failed_max;    /* the first run's failed checks: no run may fail more */
    char first_failed[FL_RUN_NAME_MAX]; /* the first run's first failed check: every run's */
    char message[FL_RUN_MESSAGE_MAX];   /* the first run's failure, as its check says it */
    fl_shrink_source_t source;   /* s->file's text; text NULL when it cannot be read */
} fl__shrinker_t;

/* One run of s with seed under config; true when it shows the failure.
 * With list, the run's whole choice list (malloc'd, replacing *list) and
 * its event count come back too. */
bool fl__shrink_run(fl__shrinker_t *sh, const fl_scenario_t *s, uint64_t seed,
                    const fl_run_config_t *config, uint32_t **list, size_t *count,
                    size_t *events);

/* A seed whose own run of view shows the failure (the current one first,
 * then the file's range); false when none does. */
bool fl__shrink_failing_seed(fl__shrinker_t *sh, const fl_scenario_t *view, uint64_t *seed_out);

/* The scenario r describes, in arena: with the file's text, r's rendered
 * text loaded (so it is the file shrink writes); without, s with r's
 * faults and network. Returns 0, or FL_EINVAL with why in error. */
int fl__shrink_view(const fl__shrinker_t *sh, const fl_shrink_result_t *r, fl_arena_t *arena,
                    fl_scenario_t *view, char *error, size_t error_size);

/* Cuts client tasks and steps, and moves fault triggers earlier, in the
 * file's text, each where the failure still shows (shrink_cuts.c). */
void fl__shrink_cuts(fl__shrinker_t *sh);

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
