/* Task groups (anyio's create_task_group / Trio's nursery).
 *
 * A group is opened by a task, which enters the group's cancel scope;
 * children run inside that scope. The first child to fail (with anything but
 * Cancelled) cancels the group. Closing waits for every child, then returns
 * the errors gathered into a GroupError (always a group, as anyio 4 does;
 * fl_error_collapse unwraps a lone error as Starlette's collapse_excgroups
 * does). A cancellation of the group's own scope ends at the group.
 *
 * The group lives in the world's arena.
 */
#ifndef FL_TASKGROUP_H
#define FL_TASKGROUP_H

#include "sim/runtime/cancel.h"
#include "sim/runtime/world.h"

typedef struct fl_taskgroup fl_taskgroup_t;

/* Opens a group on the current task. */
fl_taskgroup_t *fl_taskgroup_open(fl_world_t *world, const char *name);

/* Starts a child in the group (it runs when scheduled). Returns NULL, and
 * records a violation, if the group is already closed. */
fl_task_t *fl_taskgroup_spawn(fl_taskgroup_t *group, const char *name, fl_task_fn fn, void *arg);

/* Closes the group: body_error is what the opening task's body ended with
 * (NULL if nothing); any error cancels the group. Waits for every child,
 * exits the group's scope and returns NULL, a GroupError, or a Cancelled
 * that belongs to an outer scope. Must be called by the opening task. */
fl_error_t *fl_taskgroup_close(fl_taskgroup_t *group, fl_error_t *body_error);

/* The group's scope: cancel it to cancel every child. */
fl_cancel_scope_t *fl_taskgroup_scope(fl_taskgroup_t *group);

/* Children still running. */
size_t fl_taskgroup_running(const fl_taskgroup_t *group);

#endif /* FL_TASKGROUP_H */
