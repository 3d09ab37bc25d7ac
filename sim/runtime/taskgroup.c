#include "sim/runtime/taskgroup.h"

#include <assert.h>
#include <string.h>

#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

struct fl_taskgroup {
    fl_waitable_t waitable;
    fl_world_t *world;
    fl_cancel_scope_t scope;
    fl_task_t *owner;
    size_t running;
    bool closed;
    fl_error_t **errors; /* arena, grown by copying */
    size_t error_count;
    size_t error_capacity;
    fl__waitq_t closer; /* the owner, while it waits in close */
};

fl_taskgroup_t *fl_taskgroup_open(fl_world_t *world, const char *name) {
    fl_taskgroup_t *group = fl_arena_zalloc(fl__object_arena(world), sizeof *group);
    fl__waitable_init(world, &group->waitable, "task group", name);
    group->world = world;
    group->owner = fl__current(world);
    fl_scope_enter(world, &group->scope, FL_TIME_NEVER, 0);
    return group;
}

fl_cancel_scope_t *fl_taskgroup_scope(fl_taskgroup_t *group) { return &group->scope; }
size_t fl_taskgroup_running(const fl_taskgroup_t *group) { return group->running; }

fl_task_t *fl_taskgroup_spawn(fl_taskgroup_t *group, const char *name, fl_task_fn fn, void *arg) {
    if (group->closed) {
        fl_world_add_violation(group->world, "task '%s' spawned into closed task group %u",
                               name ? name : "task", group->waitable.id);
        return NULL;
    }
    group->running++;
    return fl__task_create(group->world, name, fn, arg, &group->scope, group);
}

static void record_error(fl_taskgroup_t *group, fl_error_t *error) {
    fl_world_t *world = group->world;
    if (group->error_count == group->error_capacity) {
        size_t capacity = group->error_capacity ? group->error_capacity * 2 : 4;
        fl_error_t **grown = fl_arena_alloc(fl__object_arena(world), capacity * sizeof *grown);
        if (group->error_count) memcpy(grown, group->errors, group->error_count * sizeof *grown);
        group->errors = grown;
        group->error_capacity = capacity;
    }
    group->errors[group->error_count++] = error;
    fl__trace(world, FL_TRACE_GROUP_ERROR, world->current ? world->current->id : 0,
              group->waitable.id, (int64_t)group->error_count, fl_error_kind_name(error->kind));
}

void fl__taskgroup_child_done(fl_world_t *world, fl_taskgroup_t *group, fl_task_t *child) {
    assert(group->running > 0);
    group->running--;
    child->error_observed = true;
    if (child->error != NULL && !fl_error_is_cancelled(child->error)) {
        record_error(group, child->error);
        fl_scope_cancel(world, &group->scope);
    }
    if (group->running == 0 && group->closer.head != NULL)
        fl__wake(world, group->closer.head, FL_OK);
}

fl_error_t *fl_taskgroup_close(fl_taskgroup_t *group, fl_error_t *body_error) {
    fl_world_t *world = group->world;
    fl_task_t *task = fl__current(world);
    if (task != group->owner || group->closed) {
        fl_world_add_violation(world, "task group %u closed by task %u (opened by task %u)%s",
                               group->waitable.id, task->id, group->owner->id,
                               group->closed ? " after it was closed" : "");
        return fl_error_new(fl__object_arena(world), FL_ERR_RUNTIME_ERROR,
                            "task group closed by the wrong task or twice");
    }
    if (body_error != NULL) {
        fl_scope_cancel(world, &group->scope);
        if (!fl_error_is_cancelled(body_error)) record_error(group, body_error);
    }
    /* Waiting for children is not interruptible: an outer cancellation
     * reaches the children through the group's scope, and they finish. */
    while (group->running > 0) {
        fl__waiter_t waiter;
        fl__park(world, &group->closer, &waiter, &group->waitable, "wait for children", false);
    }
    group->closed = true;
    fl_error_t *result = body_error;
    if (group->error_count > 0)
        result = fl_error_group(fl__object_arena(world), "unhandled errors in a task group",
                                group->errors, group->error_count);
    return fl_scope_exit_error(world, &group->scope, result);
}
