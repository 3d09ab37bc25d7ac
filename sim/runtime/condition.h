/* Conditions: the waiting primitive for layers above the runtime.
 *
 * A task waits until another task (or a timer, or a driver callback) notifies
 * the condition. There is no mutex: tasks switch only at checkpoints, so the
 * usual loop is race-free:
 *
 *     while (!pipe_has_data(pipe))
 *         if ((status = fl_condition_wait(world, pipe->readable, "read")) != 0)
 *             return status;
 *
 * The kind and name show in hang reports ("blocked in read on connection 4
 * 'client->server'"). The condition lives in the world's arena.
 */
#ifndef FL_CONDITION_H
#define FL_CONDITION_H

#include <stddef.h>

#include "sim/runtime/world.h"

typedef struct fl_condition fl_condition_t;

/* kind: a static string ("connection", "listener"); name is copied. */
fl_condition_t *fl_condition_create(fl_world_t *world, const char *kind, const char *name);

/* Blocks the current task until notified. A checkpoint: returns 0, or
 * FL_ECANCELLED (before blocking, or while blocked). operation (static) is
 * what the hang report says the task was doing. */
int fl_condition_wait(fl_world_t *world, fl_condition_t *condition, const char *operation);

/* Wakes every waiting task, or the longest-waiting one. Callable from tasks,
 * timers and driver callbacks; returns how many were woken. */
size_t fl_condition_notify_all(fl_world_t *world, fl_condition_t *condition);
size_t fl_condition_notify_one(fl_world_t *world, fl_condition_t *condition);

size_t fl_condition_waiting(const fl_condition_t *condition);

#endif /* FL_CONDITION_H */
