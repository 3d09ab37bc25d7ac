/* Assembling a run's world from its scenario: the simulated network with
 * the scenario's faults, the mock server with the scenario's app listening
 * on server:80, and the client with its middleware chain (its tasks are
 * spawned by run/steps.h). Everything lives in the run's world. */
#ifndef FL_HARNESS_WORLD_BUILD_H
#define FL_HARNESS_WORLD_BUILD_H

#include <stddef.h>

#include "harness/run/run_state.h"

/* Fills run->net, run->server, run->client and run->budgets. Returns 0, or
 * FL_EINVAL with a message in error. */
int fl__world_build(fl_run_state_t *run, char *error, size_t error_size);

#endif /* FL_HARNESS_WORLD_BUILD_H */
