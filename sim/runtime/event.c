#include "sim/runtime/event.h"

#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

struct fl_event {
    fl_waitable_t waitable;
    bool is_set;
    fl__waitq_t waiters;
};

fl_event_t *fl_event_create(fl_world_t *world, const char *name) {
    fl_event_t *event = fl_arena_zalloc(fl__object_arena(world), sizeof *event);
    fl__waitable_init(world, &event->waitable, "event", name);
    return event;
}

void fl_event_set(fl_world_t *world, fl_event_t *event) {
    if (event->is_set) return;
    event->is_set = true;
    fl__waiter_t *waiter;
    while ((waiter = fl__waitq_pop(&event->waiters)) != NULL) fl__wake(world, waiter, FL_OK);
}

bool fl_event_is_set(const fl_event_t *event) { return event->is_set; }

int fl_event_wait(fl_world_t *world, fl_event_t *event) {
    if (event->is_set) return fl_checkpoint(world);
    fl__waiter_t waiter;
    return fl__park(world, &event->waiters, &waiter, &event->waitable, "wait", true);
}
