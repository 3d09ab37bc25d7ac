#include "sim/runtime/condition.h"

#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

struct fl_condition {
    fl_waitable_t waitable;
    fl__waitq_t waiters;
};

fl_condition_t *fl_condition_create(fl_world_t *world, const char *kind, const char *name) {
    fl_condition_t *condition = fl_arena_zalloc(fl__object_arena(world), sizeof *condition);
    fl__waitable_init(world, &condition->waitable, kind, name);
    return condition;
}

int fl_condition_wait(fl_world_t *world, fl_condition_t *condition, const char *operation) {
    fl__waiter_t waiter;
    return fl__park(world, &condition->waiters, &waiter, &condition->waitable, operation, true);
}

size_t fl_condition_notify_all(fl_world_t *world, fl_condition_t *condition) {
    size_t woken = 0;
    fl__waiter_t *waiter;
    while ((waiter = fl__waitq_pop(&condition->waiters)) != NULL) {
        fl__wake(world, waiter, FL_OK);
        woken++;
    }
    return woken;
}

size_t fl_condition_notify_one(fl_world_t *world, fl_condition_t *condition) {
    fl__waiter_t *waiter = fl__waitq_pop(&condition->waiters);
    if (waiter == NULL) return 0;
    fl__wake(world, waiter, FL_OK);
    return 1;
}

size_t fl_condition_waiting(const fl_condition_t *condition) { return condition->waiters.count; }
