/* Judging a run: each check (an expectation or a global invariant) gives
 * a verdict, recorded in the seed's result and written to the timeline. */
#ifndef FL_HARNESS_CHECKER_H
#define FL_HARNESS_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/run/run_state.h"
#include "harness/run/runner.h"

typedef struct fl_checker {
    fl_run_state_t *run;
    fl_seed_result_t *result;
    FILE *timeline;
    bool hang_expected_set;
    /* The cycle rules, checked once for both of their invariants. */
    bool cycles_checked;
    char second_start[FL_RUN_MESSAGE_MAX];
    char after_completion[FL_RUN_MESSAGE_MAX];
} fl_checker_t;

/* Records one check's verdict: counted, written to the timeline when there
 * is one, and for a failure kept as the seed's first failure (and as the
 * finds target's, when the check is the target). */
void fl__check_verdict(fl_checker_t *c, const char *name, bool ok, const char *why);

/* Copies from (NULL: "") into to, truncated to capacity. */
void fl__copy_text(char *to, size_t capacity, const char *from);

/* Runs every expectation of the scenario (check/expectations.c); returns
 * whether one of them expects a hang. */
bool fl__check_expectations(fl_checker_t *c);

/* Runs every global invariant (check/invariants.c). */
void fl__check_invariants(fl_checker_t *c, bool hang_expected);

/* "fault 'LABEL' (faults[i] at FILE:LINE:COL)", for messages. */
void fl__describe_fault(const fl_scenario_t *s, size_t index, char *out, size_t capacity);

#endif /* FL_HARNESS_CHECKER_H */
