/* explore --policy dfs: systematic exploration of one seed's schedules
 * within a delay bound (explore_dfs.c says how). */
#ifndef FL_HARNESS_EXPLORE_DFS_H
#define FL_HARNESS_EXPLORE_DFS_H

#include <stdint.h>
#include <stdio.h>

#include "harness/cli/commands.h"
#include "harness/model/scenario.h"
#include "harness/run/runner.h"

enum { FL_DFS_BOUND_DEFAULT = 2, FL_DFS_SCHEDULES_DEFAULT = 100000 };

/* Runs every schedule of the scenario's first seed whose picks delay at
 * most bound tasks in all, up to max_schedules, and prints the answer.
 * Returns the exit code: 0 when a finds file's bug was found or a holds
 * file held in every schedule run, 1 when not, 2 when a run cannot be
 * made. */
int fl__explore_dfs(const fl_scenario_t *s, const char *path, uint32_t bound,
                    uint64_t max_schedules, FILE *out, FILE *err);

#endif /* FL_HARNESS_EXPLORE_DFS_H */
