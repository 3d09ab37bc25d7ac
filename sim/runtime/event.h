/* Events (anyio.Event): set once, waited on by any number of tasks.
 * The event lives in the world's arena. */
#ifndef FL_EVENT_H
#define FL_EVENT_H

#include <stdbool.h>

#include "sim/runtime/world.h"

typedef struct fl_event fl_event_t;

fl_event_t *fl_event_create(fl_world_t *world, const char *name);
/* Wakes every waiter; later waits return at once (after a checkpoint). */
void fl_event_set(fl_world_t *world, fl_event_t *event);
bool fl_event_is_set(const fl_event_t *event);
/* Returns 0 once set, or FL_ECANCELLED. */
int fl_event_wait(fl_world_t *world, fl_event_t *event);

#endif /* FL_EVENT_H */
