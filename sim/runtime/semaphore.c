#include "sim/runtime/semaphore.h"

#include "sim/runtime/cancel.h"
#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

struct fl_semaphore {
    fl_waitable_t waitable;
    size_t value;
    fl__waitq_t waiters;
};

fl_semaphore_t *fl_semaphore_create(fl_world_t *world, size_t initial, const char *name) {
    fl_semaphore_t *semaphore = fl_arena_zalloc(fl__object_arena(world), sizeof *semaphore);
    fl__waitable_init(world, &semaphore->waitable, "semaphore", name);
    semaphore->value = initial;
    return semaphore;
}

int fl_semaphore_acquire(fl_world_t *world, fl_semaphore_t *semaphore, int64_t timeout_ns) {
    int status = fl_checkpoint_if_cancelled(world);
    if (status != FL_OK) return status;
    if (semaphore->value > 0 && semaphore->waiters.count == 0) {
        semaphore->value--;
        fl__yield(world);
        return FL_OK;
    }
    if (timeout_ns <= 0) return FL_ETIMEDOUT;
    /* The timeout is a move_on_after scope around the wait: the same
     * mechanism as every other deadline, so it shows in the trace alike. */
    fl_cancel_scope_t scope;
    fl_scope_enter_move_on_after(world, &scope,
                                 timeout_ns == FL_TIME_NEVER ? FL_TIME_NEVER : timeout_ns);
    fl__waiter_t waiter;
    status = fl__park(world, &semaphore->waiters, &waiter, &semaphore->waitable, "acquire", true);
    status = fl_scope_exit(world, &scope, status);
    if (status == FL_OK && scope.cancelled_caught) return FL_ETIMEDOUT;
    return status;
}

void fl_semaphore_release(fl_world_t *world, fl_semaphore_t *semaphore) {
    fl__waiter_t *next = fl__waitq_pop(&semaphore->waiters);
    if (next != NULL)
        fl__wake(world, next, FL_OK); /* the unit passes straight to it */
    else
        semaphore->value++;
}

size_t fl_semaphore_value(const fl_semaphore_t *semaphore) { return semaphore->value; }
