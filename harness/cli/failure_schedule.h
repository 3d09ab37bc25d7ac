/* A pct or dfs failure's choice list, for its replay command.
 *
 * A seed replays a random, trio or fifo run by itself, but a pct run only
 * with the same depth and change-point range, and a dfs run only with its
 * prefix; the run's recorded choice list replays any of them alone
 * (docs/RUNTIME.md). So once a file has failed under pct or dfs, run runs
 * the failing seed again here, recorded, and its outcome carries the list:
 * the replay line, JUnit and JSON lines then say
 *   faultline replay FILE --seed N --policy replay --schedule S
 */
#ifndef FL_HARNESS_FAILURE_SCHEDULE_H
#define FL_HARNESS_FAILURE_SCHEDULE_H

#include <stdio.h>

#include "harness/cli/options.h"
#include "harness/report/outcome.h"
#include "sim/runtime/arena.h"

/* When r failed at a seed under pct or dfs without a --schedule, runs that
 * seed again under o's options and sets r->schedule to its choice list, a
 * string in strings (which must outlive r). A run that no longer fails the
 * same way, or a file that no longer loads, leaves r as it was. */
void fl_failure_schedule_fill(fl_outcome_t *r, const fl_options_t *o, fl_arena_t *strings);

#endif /* FL_HARNESS_FAILURE_SCHEDULE_H */
