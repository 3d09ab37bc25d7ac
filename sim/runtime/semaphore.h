/* Semaphores (anyio.Semaphore) with an optional acquire timeout, FIFO.
 * The semaphore lives in the world's arena. */
#ifndef FL_SEMAPHORE_H
#define FL_SEMAPHORE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/runtime/world.h"

typedef struct fl_semaphore fl_semaphore_t;

fl_semaphore_t *fl_semaphore_create(fl_world_t *world, size_t initial, const char *name);
/* Takes one unit, waiting at most timeout_ns (FL_TIME_NEVER: no limit; 0:
 * do not wait). Returns 0, FL_ETIMEDOUT or FL_ECANCELLED. */
int fl_semaphore_acquire(fl_world_t *world, fl_semaphore_t *semaphore, int64_t timeout_ns);
/* Gives one unit back, to the longest waiter if there is one. */
void fl_semaphore_release(fl_world_t *world, fl_semaphore_t *semaphore);
size_t fl_semaphore_value(const fl_semaphore_t *semaphore);

#endif /* FL_SEMAPHORE_H */
