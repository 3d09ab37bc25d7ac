#include "sim/runtime/lock.h"

#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

struct fl_lock {
    fl_waitable_t waitable;
    fl_task_t *owner;
    fl__waitq_t waiters;
};

fl_lock_t *fl_lock_create(fl_world_t *world, const char *name) {
    fl_lock_t *lock = fl_arena_zalloc(fl__object_arena(world), sizeof *lock);
    fl__waitable_init(world, &lock->waitable, "lock", name);
    return lock;
}

int fl_lock_acquire(fl_world_t *world, fl_lock_t *lock) {
    fl_task_t *task = fl__current(world);
    int status = fl_checkpoint_if_cancelled(world);
    if (status != FL_OK) return status;
    if (lock->owner == task) return FL_ESTATE;
    if (lock->owner == NULL) {
        lock->owner = task;
        /* anyio yields after an uncontended acquire, shielded from cancel:
         * the lock is held and must not be lost to a cancellation. */
        fl__yield(world);
        return FL_OK;
    }
    fl__waiter_t waiter;
    /* On success the releaser already made this task the owner. */
    return fl__park(world, &lock->waiters, &waiter, &lock->waitable, "acquire", true);
}

int fl_lock_release(fl_world_t *world, fl_lock_t *lock) {
    fl_task_t *task = fl__current(world);
    if (lock->owner != task) return FL_ECROSSTASK;
    fl__waiter_t *next = fl__waitq_pop(&lock->waiters);
    lock->owner = next ? next->task : NULL;
    if (next != NULL) fl__wake(world, next, FL_OK);
    return FL_OK;
}

fl_task_t *fl_lock_owner(const fl_lock_t *lock) { return lock->owner; }
