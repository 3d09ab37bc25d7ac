/* A pool of reusable tasks, for a world that runs for days (the serve
 * command): a task's record stays in the world's arena for the world's
 * life, so a server that spawned a task per connection and per request
 * would grow without bound. The pool's workers wait for a job, run it and
 * wait again; the pool holds as many workers as jobs ever ran at once.
 *
 * Jobs run outside any cancel scope, as top-level tasks do, and must return
 * NULL (a job's error has nobody to go to: asserted). A job must leave its
 * worker as it found it: no scope left entered, no task arena left set.
 * Simulated runs keep fl_spawn: a pooled job's task id and name differ from a
 * spawned task's, and so would the trace.
 */
#ifndef FL_TASK_POOL_H
#define FL_TASK_POOL_H

#include <stddef.h>

#include "sim/runtime/world.h"

typedef struct fl_task_pool fl_task_pool_t;

/* An empty pool in the world's arena; its workers are named name (static). */
fl_task_pool_t *fl_task_pool_create(fl_world_t *world, const char *name);

/* Runs fn(world, arg) in an idle worker, or in a new one when none is idle.
 * The job starts once the worker is scheduled, as a spawned task would.
 * Call it from outside the world's tasks or from a task that has no arena
 * of its own (fl_task_set_arena): a new worker is made in the world's. */
void fl_task_pool_run(fl_task_pool_t *pool, fl_task_fn fn, void *arg);

/* Workers created so far (idle and busy). */
size_t fl_task_pool_workers(const fl_task_pool_t *pool);

#endif /* FL_TASK_POOL_H */
