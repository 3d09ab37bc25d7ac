/* Runtime internals shared between sim/runtime/ files. Nothing outside
 * sim/runtime/ includes this header. */
#ifndef FL_RUNTIME_INTERNAL_H
#define FL_RUNTIME_INTERNAL_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/runtime/cancel.h"
#include "sim/runtime/fiber.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/stack.h"
#include "sim/runtime/timer.h"
#include "sim/runtime/world.h"

/* Every object a task can wait on starts with this header, so the hang
 * report can say what a task waits on and who made it. */
typedef struct fl_waitable {
    const char *kind;      /* "channel", "event", ... (static) */
    const char *name;      /* arena copy; may be NULL */
    uint32_t id;           /* world-unique, in creation order */
    uint32_t creator_task; /* 0: created outside any task */
} fl_waitable_t;

/* A blocked task's place in an object's queue; lives on the blocked task's
 * stack for as long as it waits. */
typedef struct fl__waiter fl__waiter_t;
struct fl__waiter {
    fl_task_t *task;
    fl__waiter_t *next;
    fl__waiter_t *prev;
    struct fl__waitq *queue; /* NULL once removed */
    void *item;              /* channel payload, either direction */
    int status;              /* what the waker delivered */
};

typedef struct fl__waitq {
    fl__waiter_t *head;
    fl__waiter_t *tail;
    size_t count;
} fl__waitq_t;

typedef enum fl__task_state {
    FL__TASK_NEW,     /* spawned, not yet run: no stack yet */
    FL__TASK_READY,
    FL__TASK_RUNNING,
    FL__TASK_BLOCKED,
    FL__TASK_DONE,
} fl__task_state_t;

typedef struct fl_taskgroup fl_taskgroup_t;

struct fl_task {
    uint32_t id;
    uint32_t parent_id;
    const char *name;
    fl_world_t *world;
    fl__task_state_t state;
    bool ever_ran;
    fl_task_fn fn;
    void *arg;
    fl_error_t *error;
    fl_fiber_t fiber;
    fl_stack_t stack;
    bool has_stack;
    fl_cancel_scope_t *scope;     /* innermost scope the task is in */
    fl_cancel_scope_t own_scope;  /* the task's outermost scope: fl_task_cancel */
    fl_taskgroup_t *group;        /* the group it belongs to, if any */
    fl_arena_t *arena;            /* what fl_world_arena gives while it runs; NULL: the world's */
    bool error_observed;          /* its error was collected by its group or read */
    /* fl_task_cancel_pending's last answer, valid while the world's cancel
     * epoch and the task's innermost scope are the ones it was given for:
     * checkpoints ask on every call, and walking the scope chain each time
     * was a thirtieth of a scenario run. */
    uint64_t cancel_epoch_seen;
    uint32_t cancel_scope_seen;
    bool cancel_pending_seen;
    /* while blocked */
    const fl_waitable_t *wait_object;
    const char *wait_operation;
    fl__waiter_t *waiter;
    bool wait_interruptible;
    fl_timer_t park_timer;        /* the park's own timer (a sleep's end); armed only while blocked */
    /* the world's list of unfinished tasks, in id order */
    fl_task_t *live_next;
    fl_task_t *live_prev;
};

struct fl_world {
    fl_arena_t arena;
    fl_world_options_t options;
    uint64_t seed;
    int64_t now_ns;
    int64_t time_limit_ns;
    uint64_t step_limit;
    uint64_t steps;
    uint32_t next_object_id;
    uint64_t cancel_epoch;        /* bumped whenever any scope's cancel or shield changes; starts at 1 */
    bool running;
    bool stop_requested;
    fl_task_t *current;
    fl_fiber_t main_fiber;
    /* all tasks in id order (malloc'd): index id-1, except that with
     * release_memory the tasks kept in a request's arena are left out */
    fl_task_t **tasks;
    size_t task_count;
    size_t task_capacity;
    uint32_t last_task_id;
    bool release_memory;          /* fl_world_set_release_memory */
    /* unfinished tasks in id order: cancellation is delivered in this order */
    fl_task_t *live_head;
    fl_task_t *live_tail;
    size_t live_count;
    /* the ready queue: a window [ready_head, ready_head+ready_count) of a
     * malloc'd array, oldest first */
    fl_task_t **ready;
    size_t ready_head;
    size_t ready_count;
    size_t ready_capacity;
    fl_timer_heap_t timers;
    fl_world_driver_t driver;     /* wait == NULL: pure virtual time */
    fl_prng_t prng[FL_PRNG_STREAM_COUNT];
    fl_policy_t *policy;
    bool replaying;               /* the policy is "replay": draws come from its list */
    /* the schedule: chosen index and ready count per choice (malloc'd) */
    uint32_t *choices;
    uint32_t *choice_widths;
    size_t choice_count;
    size_t choice_capacity;
    fl_trace_t trace;
    FILE *trace_stream;           /* fl_world_set_trace_stream; NULL: none */
    /* cleanups from fl_world_defer, newest first (arena nodes) */
    struct fl__deferred *deferred;
    /* violations (arena strings in a malloc'd array) */
    const char **violations;
    size_t violation_count;
    size_t violation_capacity;
};

typedef struct fl__deferred {
    struct fl__deferred *next;
    void (*cleanup)(void *arg);
    void *arg;
} fl__deferred_t;

/* Where a runtime object (task group, channel, event, ...) made now goes:
 * the world's arena; with release_memory, the running task's (a request's:
 * the object is the request's and goes with it). */
static inline fl_arena_t *fl__object_arena(fl_world_t *world) {
    return world->release_memory ? fl_world_arena(world) : &world->arena;
}

/* Allocates an object id and fills a waitable header. */
void fl__waitable_init(fl_world_t *world, fl_waitable_t *waitable, const char *kind,
                       const char *name);

/* Wait queues. Inline: every wake and notify passes here (a notify with no waiter is
 * one pop of an empty queue), and the calls cost more than the links. */
static inline void fl__waitq_push(fl__waitq_t *queue, fl__waiter_t *waiter) {
    assert(waiter->queue == NULL);
    waiter->next = NULL;
    waiter->prev = queue->tail;
    if (queue->tail != NULL)
        queue->tail->next = waiter;
    else
        queue->head = waiter;
    queue->tail = waiter;
    waiter->queue = queue;
    queue->count++;
}

static inline void fl__waitq_remove(fl__waitq_t *queue, fl__waiter_t *waiter) {
    assert(waiter->queue == queue && queue->count > 0);
    if (waiter->prev != NULL)
        waiter->prev->next = waiter->next;
    else
        queue->head = waiter->next;
    if (waiter->next != NULL)
        waiter->next->prev = waiter->prev;
    else
        queue->tail = waiter->prev;
    waiter->next = waiter->prev = NULL;
    waiter->queue = NULL;
    queue->count--;
}

static inline fl__waiter_t *fl__waitq_pop(fl__waitq_t *queue) {
    fl__waiter_t *head = queue->head;
    if (head != NULL) fl__waitq_remove(queue, head);
    return head;
}

/* Blocks the current task. waiter (on the caller's stack) is queued on queue
 * (may be NULL: woken by its timer or by cancellation only). Returns the
 * status the waker delivered, or FL_ECANCELLED when the task was cancelled
 * while waiting (interruptible waits only; the waiter is then already off
 * the queue).
 *
 * A park has at most three wake sources: its place in queue, its own timer
 * (fl__park_until), and cancellation delivery (interruptible parks). The
 * first to wake the task ends the park and disarms the others (fl__wake). */
int fl__park(fl_world_t *world, fl__waitq_t *queue, fl__waiter_t *waiter,
             const fl_waitable_t *object, const char *operation, bool interruptible);

/* Blocks the current task, interruptibly, on no queue, until virtual instant
 * wake_at_ns (after now): the park's own timer then ends it with FL_OK.
 * Returns FL_OK, or FL_ECANCELLED when cancellation came first. */
int fl__park_until(fl_world_t *world, int64_t wake_at_ns, const char *operation);

/* Ends a blocked task's park with a status and makes the task ready: the
 * first wake wins. It disarms every other wake source of the park at once:
 * takes the waiter off its queue, disarms the park's timer, and the task,
 * no longer blocked, is passed over by cancellation delivery. So no second
 * wake can reach a park that has ended; waking a task that is not blocked
 * on this waiter is a broken invariant, and asserted. */
void fl__wake(fl_world_t *world, fl__waiter_t *waiter, int status);

/* Makes a task ready (appends to the ready queue). */
void fl__make_ready(fl_world_t *world, fl_task_t *task);

/* Delivers cancellation to every blocked task that is now cancelled. */
void fl__deliver_cancellation(fl_world_t *world);

/* Trace helper with the world's clock. Inline: the scheduler traces several
 * events per task switch, and a call per event only forwarded its six
 * arguments. */
static inline void fl__trace(fl_world_t *world, fl_trace_kind_t kind, uint32_t task,
                             uint32_t object, int64_t value, const char *detail) {
    fl_trace_emit(&world->trace, world->now_ns, kind, task, object, value, detail);
}

/* The current task; asserts that there is one. */
fl_task_t *fl__current(const fl_world_t *world);

/* Creates a task (used by fl_spawn and task groups). */
fl_task_t *fl__task_create(fl_world_t *world, const char *name, fl_task_fn fn, void *arg,
                           fl_cancel_scope_t *scope, fl_taskgroup_t *group);

/* Called by the task group when a child finishes (task.c calls it). */
/* Appends one value and its width to the run's choice list (sched.c). */
void fl__record_choice(fl_world_t *world, size_t value, size_t width);

void fl__taskgroup_child_done(fl_world_t *world, fl_taskgroup_t *group, fl_task_t *child);

/* Lets every other ready task run, without a cancellation check. */
void fl__yield(fl_world_t *world);

/* Called when a checkpoint raises Cancelled: traces it. Returns FL_ECANCELLED. */
int fl__cancelled(fl_world_t *world);

#endif /* FL_RUNTIME_INTERNAL_H */
