/* The client step interpreter: each client task of the scenario (and each
 * receiver an SSE step names) runs on its own runtime task, its steps one
 * after another, each recording its outcome in its fl_step_state_t. The
 * last task to finish closes the client and stops the server, so a run
 * whose client is done ends COMPLETED. */
#ifndef FL_HARNESS_RUN_STEPS_H
#define FL_HARNESS_RUN_STEPS_H

#include <stddef.h>

#include "harness/run/run_state.h"

/* Creates every client task's state and spawns it in run's world (after
 * fl__world_build). Returns 0, or FL_EINVAL with a message in error. */
int fl__run_spawn_tasks(fl_run_state_t *run, char *error, size_t error_size);

/* The state of the step with the id, in any task, blocks included; NULL if
 * none. */
fl_step_state_t *fl__run_find_step(fl_run_state_t *run, const char *id);

#endif /* FL_HARNESS_RUN_STEPS_H */
