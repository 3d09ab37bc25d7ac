/* Locks (anyio.Lock): FIFO, owned by the task that acquired them. Release
 * hands the lock straight to the longest waiter, so no task starves. The
 * lock lives in the world's arena. */
#ifndef FL_LOCK_H
#define FL_LOCK_H

#include "sim/runtime/world.h"

typedef struct fl_lock fl_lock_t;

fl_lock_t *fl_lock_create(fl_world_t *world, const char *name);
/* Returns 0, FL_ECANCELLED, or FL_ESTATE if the task already holds it. */
int fl_lock_acquire(fl_world_t *world, fl_lock_t *lock);
/* Returns 0 or FL_ECROSSTASK when the current task is not the owner. */
int fl_lock_release(fl_world_t *world, fl_lock_t *lock);
/* The owning task, or NULL. */
fl_task_t *fl_lock_owner(const fl_lock_t *lock);

#endif /* FL_LOCK_H */
