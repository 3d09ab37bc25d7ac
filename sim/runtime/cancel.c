/* Cancel scopes: see cancel.h for the semantics. */
#include <assert.h>

#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

/* Walks outwards from scope: a cancelled scope cancels; a shield stops the
 * walk. A shielded scope that is itself cancelled still cancels its contents.
 * Scope chains are as deep as the program nests them; the bound only guards
 * against a corrupted chain. */
static bool chain_cancelled(const fl_cancel_scope_t *scope) {
    for (int depth = 0; scope != NULL && depth < 100000; depth++) {
        if (scope->cancel_called) return true;
        if (scope->flags & FL_SCOPE_SHIELD) return false;
        scope = scope->parent;
    }
    return false;
}

bool fl_task_cancel_pending(fl_task_t *task) {
    /* A scope's id is unique in the world, so a scope entered where an
     * exited one lay is not mistaken for it. */
    uint32_t scope_id = task->scope != NULL ? task->scope->id : 0;
    uint64_t epoch = task->world->cancel_epoch;
    if (task->cancel_epoch_seen == epoch && task->cancel_scope_seen == scope_id)
        return task->cancel_pending_seen;
    task->cancel_pending_seen = chain_cancelled(task->scope);
    task->cancel_epoch_seen = epoch;
    task->cancel_scope_seen = scope_id;
    return task->cancel_pending_seen;
}

/* Trio's rule for what a scope may catch on exit: its own cancellation,
 * unless an enclosing cancellation is visible through it; then Cancelled
 * keeps propagating to the outer scope that will catch it. */
static bool catches_cancellation(const fl_cancel_scope_t *scope) {
    if (!scope->cancel_called) return false;
    if (scope->flags & FL_SCOPE_SHIELD) return true;
    return !chain_cancelled(scope->parent);
}

static void deadline_fired(fl_world_t *world, fl_timer_t *timer) {
    fl_cancel_scope_t *scope = timer->data;
    assert(scope->active);
    scope->deadline_reached = true;
    fl_scope_cancel(world, scope);
}

void fl_scope_enter(fl_world_t *world, fl_cancel_scope_t *scope, int64_t deadline_ns,
                    unsigned flags) {
    fl_task_t *task = fl__current(world);
    *scope = (fl_cancel_scope_t){
        .id = ++world->next_object_id,
        .owner = task,
        .parent = task->scope,
        .flags = flags,
        .active = true,
        .deadline_ns = FL_TIME_NEVER,
    };
    fl_timer_init(&scope->deadline_timer);
    task->scope = scope;
    if (deadline_ns != FL_TIME_NEVER) fl_scope_set_deadline(world, scope, deadline_ns);
}

static int64_t deadline_after(const fl_world_t *world, int64_t delay_ns) {
    if (delay_ns >= FL_TIME_NEVER - world->now_ns) return FL_TIME_NEVER;
    return world->now_ns + (delay_ns > 0 ? delay_ns : 0);
}

void fl_scope_enter_move_on_after(fl_world_t *world, fl_cancel_scope_t *scope, int64_t delay_ns) {
    fl_scope_enter(world, scope, deadline_after(world, delay_ns), 0);
}

void fl_scope_enter_fail_after(fl_world_t *world, fl_cancel_scope_t *scope, int64_t delay_ns) {
    fl_scope_enter(world, scope, deadline_after(world, delay_ns), FL_SCOPE_FAIL_AFTER);
}

void fl_scope_set_deadline(fl_world_t *world, fl_cancel_scope_t *scope, int64_t deadline_ns) {
    scope->deadline_ns = deadline_ns;
    fl_timer_heap_disarm(&world->timers, &scope->deadline_timer);
    if (!scope->active || scope->cancel_called || deadline_ns == FL_TIME_NEVER) return;
    if (deadline_ns <= world->now_ns) {
        /* Already past: cancelled now, delivered at the next checkpoint. */
        scope->deadline_reached = true;
        fl_scope_cancel(world, scope);
        return;
    }
    fl_timer_heap_arm(&world->timers, &scope->deadline_timer, deadline_ns, deadline_fired, scope);
}

void fl_scope_cancel(fl_world_t *world, fl_cancel_scope_t *scope) {
    if (scope->cancel_called) return;
    scope->cancel_called = true;
    world->cancel_epoch++;
    fl_timer_heap_disarm(&world->timers, &scope->deadline_timer);
    fl__trace(world, FL_TRACE_SCOPE_CANCEL, world->current ? world->current->id : 0, scope->id,
              scope->deadline_reached, scope->deadline_reached ? "deadline" : NULL);
    if (scope->active) fl__deliver_cancellation(world);
}

void fl_scope_set_shield(fl_world_t *world, fl_cancel_scope_t *scope, bool shield) {
    if (shield)
        scope->flags |= FL_SCOPE_SHIELD;
    else
        scope->flags &= ~(unsigned)FL_SCOPE_SHIELD;
    world->cancel_epoch++;
    if (!shield && scope->active) fl__deliver_cancellation(world);
}

/* Checks that the current task may exit the scope now; records a violation
 * and returns the refusal status if not. */
static int check_exit(fl_world_t *world, fl_cancel_scope_t *scope) {
    fl_task_t *task = fl__current(world);
    if (!scope->active) {
        fl_world_add_violation(world, "cancel scope %u exited twice", scope->id);
        return FL_ESTATE;
    }
    if (task != scope->owner) {
        fl_world_add_violation(world,
                               "Attempted to exit cancel scope %u in a different task than it "
                               "was entered in (entered by task %u, exited by task %u)",
                               scope->id, scope->owner->id, task->id);
        return FL_ECROSSTASK;
    }
    if (task->scope != scope) {
        fl_world_add_violation(world,
                               "Attempted to exit cancel scope %u that isn't the current task's "
                               "current cancel scope",
                               scope->id);
        return FL_ESTATE;
    }
    return FL_OK;
}

static void pop_scope(fl_world_t *world, fl_cancel_scope_t *scope) {
    scope->owner->scope = scope->parent;
    scope->active = false;
    fl_timer_heap_disarm(&world->timers, &scope->deadline_timer);
}

int fl_scope_exit(fl_world_t *world, fl_cancel_scope_t *scope, int status) {
    int refusal = check_exit(world, scope);
    if (refusal != FL_OK) return refusal;
    bool catches = catches_cancellation(scope);
    pop_scope(world, scope);
    if (status == FL_ECANCELLED && catches) {
        scope->cancelled_caught = true;
        if ((scope->flags & FL_SCOPE_FAIL_AFTER) && scope->deadline_reached) return FL_ETIMEDOUT;
        return FL_OK;
    }
    return status;
}

fl_error_t *fl_scope_exit_error(fl_world_t *world, fl_cancel_scope_t *scope, fl_error_t *error) {
    int refusal = check_exit(world, scope);
    if (refusal != FL_OK) {
        fl_error_t *refused = fl_error_new(&world->arena, FL_ERR_RUNTIME_ERROR,
                                           "%s", fl_world_violation(world,
                                               fl_world_violation_count(world) - 1));
        refused->status = refusal;
        refused->cause = error;
        return refused;
    }
    bool catches = catches_cancellation(scope);
    pop_scope(world, scope);
    if (fl_error_is_cancelled(error) && catches) {
        scope->cancelled_caught = true;
        if ((scope->flags & FL_SCOPE_FAIL_AFTER) && scope->deadline_reached) {
            fl_error_t *timeout = fl_error_from_status(&world->arena, FL_ETIMEDOUT, "fail_after");
            timeout->cause = error;
            return timeout;
        }
        return NULL;
    }
    return error;
}
