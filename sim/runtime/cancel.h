/* Cancel scopes (anyio/Trio semantics).
 *
 * A scope is entered and exited by one task, in nested order. Cancelling a
 * scope cancels everything inside it: every checkpoint of a task whose
 * chain of enclosing scopes reaches a cancelled scope (before reaching a
 * shielded one) fails with FL_ECANCELLED. Delivery is level-triggered: it
 * happens again at every further checkpoint until the scope is exited, so a
 * second await in cleanup code is cancelled too, unless it runs inside a
 * shielded scope. Tasks of a task group run inside the group's scope, so the
 * chain continues from a child into the task that opened the group.
 *
 * A deadline cancels the scope when virtual time reaches it. On exit a scope
 * catches the cancellation it caused (move_on); a FAIL_AFTER scope whose
 * deadline fired turns it into FL_ETIMEDOUT (fail_after).
 *
 * The caller owns the scope's memory (usually a local in the task's frame)
 * and must keep it alive until fl_scope_exit; fields are read-only outside
 * the runtime.
 */
#ifndef FL_CANCEL_H
#define FL_CANCEL_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/runtime/error.h"
#include "sim/runtime/timer.h"

typedef struct fl_world fl_world_t;
typedef struct fl_task fl_task_t;
typedef struct fl_cancel_scope fl_cancel_scope_t;

enum fl_scope_flags {
    FL_SCOPE_SHIELD = 1u << 0,     /* stop cancellation coming from outside */
    FL_SCOPE_FAIL_AFTER = 1u << 1, /* an expired deadline exits as ETIMEDOUT */
};

struct fl_cancel_scope {
    uint32_t id;
    fl_task_t *owner;            /* the task that entered it */
    fl_cancel_scope_t *parent;   /* enclosing scope, maybe another task's */
    unsigned flags;
    bool active;                 /* entered and not yet exited */
    bool cancel_called;
    bool deadline_reached;
    bool cancelled_caught;       /* exit swallowed a cancellation */
    int64_t deadline_ns;         /* FL_TIME_NEVER for none */
    fl_timer_t deadline_timer;
};

/* Enters a scope on the current task. deadline_ns is an absolute virtual
 * time or FL_TIME_NEVER. */
void fl_scope_enter(fl_world_t *world, fl_cancel_scope_t *scope, int64_t deadline_ns,
                    unsigned flags);

/* anyio's move_on_after / fail_after: enter with a relative deadline. */
void fl_scope_enter_move_on_after(fl_world_t *world, fl_cancel_scope_t *scope, int64_t delay_ns);
void fl_scope_enter_fail_after(fl_world_t *world, fl_cancel_scope_t *scope, int64_t delay_ns);

/* Exits the scope with the status its body ended with, and returns the
 * status to carry on with: FL_ECANCELLED caused by this scope becomes 0
 * (or FL_ETIMEDOUT for a FAIL_AFTER scope whose deadline fired), unless an
 * enclosing scope's cancellation is visible through this one: then it keeps
 * propagating (Trio's rule). Anything else passes through. Exiting from a task other than the one that entered,
 * or out of nesting order, is refused with FL_ECROSSTASK / FL_ESTATE, leaves
 * the scope entered and records a violation in the world. */
int fl_scope_exit(fl_world_t *world, fl_cancel_scope_t *scope, int status);

/* The same for rich errors: returns NULL when the scope caught the error, a
 * DeadlineExceeded error for an expired FAIL_AFTER scope, a RuntimeError when
 * the exit is refused, and the error unchanged otherwise. */
fl_error_t *fl_scope_exit_error(fl_world_t *world, fl_cancel_scope_t *scope, fl_error_t *error);

/* Cancels the scope (idempotent): tasks blocked inside it wake with
 * FL_ECANCELLED. Callable from any task or from a timer. */
void fl_scope_cancel(fl_world_t *world, fl_cancel_scope_t *scope);

/* Moves the deadline (FL_TIME_NEVER removes it). */
void fl_scope_set_deadline(fl_world_t *world, fl_cancel_scope_t *scope, int64_t deadline_ns);

/* Turns the shield on or off; turning it off delivers a pending outer
 * cancellation to tasks blocked inside. */
void fl_scope_set_shield(fl_world_t *world, fl_cancel_scope_t *scope, bool shield);

/* True when a checkpoint of the given task would fail with FL_ECANCELLED. */
bool fl_task_cancel_pending(fl_task_t *task);

#endif /* FL_CANCEL_H */
