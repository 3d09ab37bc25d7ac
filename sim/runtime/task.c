/* Tasks: creation, first run, completion. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

static void append_to_table(fl_world_t *world, fl_task_t *task) {
    if (world->task_count == world->task_capacity) {
        size_t capacity = world->task_capacity ? world->task_capacity * 2 : 64;
        fl_task_t **grown = realloc(world->tasks, capacity * sizeof *grown);
        if (grown == NULL) fl__out_of_memory("task table");
        world->tasks = grown;
        world->task_capacity = capacity;
    }
    world->tasks[world->task_count++] = task;
    /* Dense, index id-1, unless release_memory left request tasks out. */
    assert(world->release_memory || world->task_count == task->id);
}

/* Puts the task on the live list and, unless it lives in a request's arena
 * (in_table false: its record goes with the request, and the table would
 * keep a dangling pointer 8 bytes a task for as long as the world lives), in
 * the task table. */
static void register_task(fl_world_t *world, fl_task_t *task, bool in_table) {
    if (in_table) append_to_table(world, task);
    /* Ids only grow, so appending keeps the live list in id order. */
    task->live_prev = world->live_tail;
    task->live_next = NULL;
    if (world->live_tail != NULL)
        world->live_tail->live_next = task;
    else
        world->live_head = task;
    world->live_tail = task;
    world->live_count++;
}

static void unlink_live(fl_world_t *world, fl_task_t *task) {
    if (task->live_prev != NULL)
        task->live_prev->live_next = task->live_next;
    else
        world->live_head = task->live_next;
    if (task->live_next != NULL)
        task->live_next->live_prev = task->live_prev;
    else
        world->live_tail = task->live_prev;
    task->live_next = task->live_prev = NULL;
    assert(world->live_count > 0);
    world->live_count--;
}

fl_task_t *fl__task_create(fl_world_t *world, const char *name, fl_task_fn fn, void *arg,
                           fl_cancel_scope_t *scope, fl_taskgroup_t *group) {
    assert(fn != NULL);
    /* A group's tasks end before the task that opened it: its arena outlives
     * them. With release_memory the record is kept there too (it is reaped
     * as soon as the task ends, before the opener can return). */
    fl_arena_t *inherited = group != NULL && world->current != NULL ? world->current->arena : NULL;
    bool in_request_arena = world->release_memory && inherited != NULL;
    fl_arena_t *records = in_request_arena ? inherited : &world->arena;
    fl_task_t *task = fl_arena_zalloc(records, sizeof *task);
    task->id = ++world->last_task_id;
    task->parent_id = world->current ? world->current->id : 0;
    task->name = fl_arena_strdup(records, name != NULL ? name : "task");
    task->world = world;
    task->state = FL__TASK_NEW;
    task->fn = fn;
    task->arg = arg;
    /* The task's own scope, entered for it: fl_task_cancel cancels it. */
    task->own_scope = (fl_cancel_scope_t){
        .id = ++world->next_object_id,
        .owner = task,
        .parent = scope,
        .active = true,
        .deadline_ns = FL_TIME_NEVER,
    };
    fl_timer_init(&task->own_scope.deadline_timer);
    task->scope = &task->own_scope;
    task->group = group;
    task->arena = inherited;
    fl_timer_init(&task->park_timer);
    register_task(world, task, !in_request_arena);
    fl__trace(world, FL_TRACE_SPAWN, task->id, task->parent_id, 0, task->name);
    if (world->policy->vtable->on_spawn != NULL)
        world->policy->vtable->on_spawn(world->policy, world, task);
    fl__make_ready(world, task);
    return task;
}

fl_task_t *fl_spawn(fl_world_t *world, const char *name, fl_task_fn fn, void *arg) {
    return fl__task_create(world, name, fn, arg, NULL, NULL);
}

/* A task that ends inside scopes it entered has broken the nesting rule;
 * the scopes are closed here so their deadline timers cannot fire into a
 * dead frame. */
static void close_abandoned_scopes(fl_world_t *world, fl_task_t *task) {
    size_t abandoned = 0;
    while (task->scope != &task->own_scope && task->scope != NULL && abandoned < 1024) {
        fl_cancel_scope_t *scope = task->scope;
        assert(scope->owner == task);
        fl_timer_heap_disarm(&world->timers, &scope->deadline_timer);
        scope->active = false;
        task->scope = scope->parent;
        abandoned++;
    }
    if (abandoned > 0)
        fl_world_add_violation(world, "task %u '%s' ended inside %zu cancel scope(s) it entered",
                               task->id, task->name, abandoned);
}

static void finish(fl_world_t *world, fl_task_t *task) {
    close_abandoned_scopes(world, task);
    task->own_scope.active = false;
    task->scope = task->own_scope.parent;
    task->state = FL__TASK_DONE;
    unlink_live(world, task);
    fl__trace(world, FL_TRACE_DONE, task->id, 0, task->error != NULL,
              task->error ? fl_error_kind_name(task->error->kind) : NULL);
    if (task->group != NULL) fl__taskgroup_child_done(world, task->group, task);
}

static void task_entry(void *arg) {
    fl_task_t *task = arg;
    fl_world_t *world = task->world;
    task->error = task->fn(world, task->arg);
    finish(world, task);
    fl_fiber_switch_final(&task->fiber, &world->main_fiber);
    abort(); /* a finished task is never resumed */
}

void fl__task_prepare(fl_world_t *world, fl_task_t *task) {
    assert(!task->ever_ran && !task->has_stack);
    if (fl_stack_acquire(world->options.stack_size, &task->stack) != FL_OK)
        fl__out_of_memory("task stack");
    task->has_stack = true;
    task->ever_ran = true;
    fl_fiber_init(&task->fiber, &task->stack, task_entry, task);
}

void fl__task_reap(fl_world_t *world, fl_task_t *task) {
    (void)world;
    assert(task->state == FL__TASK_DONE);
    if (task->has_stack) {
        fl_stack_release(&task->stack);
        task->has_stack = false;
    }
}

void fl_task_cancel(fl_world_t *world, fl_task_t *task) {
    if (task->state == FL__TASK_DONE) return;
    fl_scope_cancel(world, &task->own_scope);
}

fl_task_t *fl_world_find_task(const fl_world_t *world, const char *name) {
    for (fl_task_t *task = world->live_head; task != NULL; task = task->live_next)
        if (strcmp(task->name, name) == 0) return task;
    return NULL;
}

uint32_t fl_task_id(const fl_task_t *task) { return task->id; }
const char *fl_task_name(const fl_task_t *task) { return task->name; }
bool fl_task_done(const fl_task_t *task) { return task->state == FL__TASK_DONE; }
fl_error_t *fl_task_error(fl_task_t *task) {
    task->error_observed = true;
    return task->error;
}

size_t fl_world_unobserved_errors(const fl_world_t *world, const fl_task_t **first_out) {
    size_t count = 0;
    if (first_out != NULL) *first_out = NULL;
    for (size_t i = 0; i < world->task_count; i++) {
        const fl_task_t *task = world->tasks[i];
        if (task->state != FL__TASK_DONE || task->error == NULL || task->error_observed) continue;
        if (fl_error_is_cancelled(task->error)) continue; /* a cancelled task's end is no error */
        if (count++ == 0 && first_out != NULL) *first_out = task;
    }
    return count;
}

/* The table is in id order: dense (index id-1), or with release_memory
 * missing the request tasks, which only the live list has while they run. */
fl_task_t *fl_world_task(const fl_world_t *world, uint32_t id) {
    if (id == 0) return NULL;
    if (id <= world->task_count && world->tasks[id - 1]->id == id) return world->tasks[id - 1];
    if (!world->release_memory) return NULL;
    /* A request task that is ending (its done event) is off the live list already. */
    if (world->current != NULL && world->current->id == id) return world->current;
    size_t low = 0, high = world->task_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (world->tasks[middle]->id < id)
            low = middle + 1;
        else
            high = middle;
    }
    if (low < world->task_count && world->tasks[low]->id == id) return world->tasks[low];
    for (fl_task_t *task = world->live_head; task != NULL; task = task->live_next)
        if (task->id == id) return task;
    return NULL;
}

size_t fl_world_task_count(const fl_world_t *world) { return world->task_count; }

void fl__waitable_init(fl_world_t *world, fl_waitable_t *waitable, const char *kind,
                       const char *name) {
    waitable->kind = kind;
    waitable->name = fl_arena_strdup(fl__object_arena(world), name);
    waitable->id = ++world->next_object_id;
    waitable->creator_task = world->current ? world->current->id : 0;
}
