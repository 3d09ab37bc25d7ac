/* Virtual-time timers on a binary heap ordered by (deadline, arming order).
 *
 * Timers are embedded in their owners (a sleeping task, a scope's deadline);
 * the world's heap only points at them, so arming allocates nothing once the
 * heap has grown. Ties fire in the order they were armed: the order is part
 * of the run and must not depend on anything but the program.
 */
#ifndef FL_TIMER_H
#define FL_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fl_world fl_world_t;
typedef struct fl_timer fl_timer_t;
typedef void (*fl_timer_fn)(fl_world_t *world, fl_timer_t *timer);

struct fl_timer {
    int64_t at_ns;
    uint64_t sequence;    /* arming order: breaks ties */
    size_t heap_index;    /* FL_TIMER_DISARMED when not in the heap */
    fl_timer_fn fire;
    void *data;
};

#define FL_TIMER_DISARMED ((size_t)-1)

typedef struct fl_timer_heap {
    fl_timer_t **items; /* malloc'd */
    size_t count;
    size_t capacity;
    uint64_t next_sequence;
} fl_timer_heap_t;

static inline void fl_timer_init(fl_timer_t *timer) {
    timer->heap_index = FL_TIMER_DISARMED;
}
static inline bool fl_timer_armed(const fl_timer_t *timer) {
    return timer->heap_index != FL_TIMER_DISARMED;
}

void fl_timer_heap_init(fl_timer_heap_t *heap);
void fl_timer_heap_destroy(fl_timer_heap_t *heap);
/* Arms (or re-arms) a timer; fire runs from the scheduler, not from a task. */
void fl_timer_heap_arm(fl_timer_heap_t *heap, fl_timer_t *timer, int64_t at_ns, fl_timer_fn fire,
                       void *data);
/* Disarms a timer; a disarmed timer is left alone. */
void fl_timer_heap_disarm(fl_timer_heap_t *heap, fl_timer_t *timer);
/* The earliest timer, or NULL. */
fl_timer_t *fl_timer_heap_peek(const fl_timer_heap_t *heap);
/* Removes and returns the earliest timer, or NULL. */
fl_timer_t *fl_timer_heap_pop(fl_timer_heap_t *heap);

#endif /* FL_TIMER_H */
