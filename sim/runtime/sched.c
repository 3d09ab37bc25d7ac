/* The scheduler: the run loop, the ready queue, parking and waking, and the
 * checkpoints every blocking primitive is built from.
 *
 * All task switches go through the scheduler's own fiber (the caller of
 * fl_world_run): a task that blocks or yields switches to it, and it picks the
 * next task. One place decides what runs next, so one place records the
 * schedule.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

/* --- ready queue ---------------------------------------------------------- */

void fl__make_ready(fl_world_t *world, fl_task_t *task) {
    assert(task->state != FL__TASK_READY && task->state != FL__TASK_DONE);
    if (world->ready_head + world->ready_count == world->ready_capacity) {
        if (world->ready_head > world->ready_capacity / 2) {
            /* Mostly consumed from the front: slide down instead of growing. */
            memmove(world->ready, world->ready + world->ready_head,
                    world->ready_count * sizeof *world->ready);
            world->ready_head = 0;
        } else {
            size_t capacity = world->ready_capacity ? world->ready_capacity * 2 : 64;
            fl_task_t **grown = realloc(world->ready, capacity * sizeof *grown);
            if (grown == NULL) fl__out_of_memory("ready queue");
            world->ready = grown;
            world->ready_capacity = capacity;
        }
    }
    world->ready[world->ready_head + world->ready_count++] = task;
    task->state = FL__TASK_READY;
}

static fl_task_t *ready_take(fl_world_t *world, size_t index) {
    assert(index < world->ready_count);
    fl_task_t **window = world->ready + world->ready_head;
    fl_task_t *task = window[index];
    if (index == 0) {
        world->ready_head++;
    } else {
        memmove(window + index, window + index + 1,
                (world->ready_count - index - 1) * sizeof *window);
    }
    world->ready_count--;
    if (world->ready_count == 0) world->ready_head = 0;
    return task;
}

/* The choice list's growth, out of line: a run makes dozens of choices and
 * grows the list at most a few times, and the calls to realloc in
 * fl__record_choice's body made every choice save and restore registers. */
static __attribute__((noinline)) void grow_choices(fl_world_t *world) {
    assert(world->choice_count == world->choice_capacity);
    size_t capacity = world->choice_capacity ? world->choice_capacity * 2 : 256;
    uint32_t *choices = realloc(world->choices, capacity * sizeof *choices);
    if (choices == NULL) fl__out_of_memory("schedule");
    world->choices = choices;
    uint32_t *widths = realloc(world->choice_widths, capacity * sizeof *widths);
    if (widths == NULL) fl__out_of_memory("schedule");
    world->choice_widths = widths;
    world->choice_capacity = capacity;
}

void fl__record_choice(fl_world_t *world, size_t index, size_t width) {
    if (world->options.schedule_unkept) return;
    if (world->choice_count == world->choice_capacity) grow_choices(world);
    world->choices[world->choice_count] = (uint32_t)index;
    world->choice_widths[world->choice_count] = (uint32_t)width;
    world->choice_count++;
}

/* --- switching -------------------------------------------------------------- */

static void switch_to_scheduler(fl_world_t *world, fl_task_t *task) {
    assert(world->current == task);
    fl_fiber_switch(&task->fiber, &world->main_fiber);
    /* Resumed by run_one: it has set current and the RUNNING state. */
    assert(world->current == task && task->state == FL__TASK_RUNNING);
}

fl_task_t *fl__current(const fl_world_t *world) {
    assert(world->current != NULL && "a blocking call must be made from a task");
    return world->current;
}

fl_task_t *fl_current_task(const fl_world_t *world) { return world->current; }

/* Provided by task.c: prepares the fiber of a task's first run. */
void fl__task_prepare(fl_world_t *world, fl_task_t *task);
void fl__task_reap(fl_world_t *world, fl_task_t *task);

/* The out-of-memory escape of a running task (out_of_memory.h): its fiber is
 * left for good, so the process exits from the main stack, where
 * LeakSanitizer sees what the harness holds. */
static void escape_to_scheduler(void *arg) {
    fl_world_t *world = arg;
    assert(world != NULL && world->current != NULL);
    fl_fiber_switch(&world->current->fiber, &world->main_fiber);
    abort(); /* run_one exits before it could resume this task */
}

static void run_one(fl_world_t *world) {
    size_t index = 0;
    size_t width = world->ready_count;
    if (width > 1) {
        index = world->policy->vtable->choose(world->policy, world,
                                              world->ready + world->ready_head, width);
        assert(index < width);
        fl__record_choice(world, index, width);
        fl__trace(world, FL_TRACE_CHOICE, 0, (uint32_t)width, (int64_t)index, NULL);
    }
    fl_task_t *task = ready_take(world, index);
    world->steps++;
    if (world->policy->vtable->on_run != NULL)
        world->policy->vtable->on_run(world->policy, world, task);
    if (!task->ever_ran) fl__task_prepare(world, task);
    task->state = FL__TASK_RUNNING;
    world->current = task;
    fl__trace(world, FL_TRACE_RUN, task->id, 0, 0, NULL);
    fl_out_of_memory_escape_t outer =
        fl__out_of_memory_set_escape((fl_out_of_memory_escape_t){escape_to_scheduler, world});
    fl_fiber_switch(&world->main_fiber, &task->fiber);
    fl__out_of_memory_set_escape(outer);
    fl__out_of_memory_resume(); /* exits here if the task ran out of memory */
    world->current = NULL;
    if (task->state == FL__TASK_DONE) fl__task_reap(world, task);
}

/* Fires every timer that is due, in (deadline, arming) order. A timer that
 * arms another for the same instant has it fired in this loop too. */
static void fire_due_timers(fl_world_t *world) {
    for (;;) {
        fl_timer_t *timer = fl_timer_heap_peek(&world->timers);
        if (timer == NULL || timer->at_ns > world->now_ns) break;
        fl_timer_heap_pop(&world->timers);
        timer->fire(world, timer);
    }
}

static void advance_clock(fl_world_t *world, int64_t to_ns) {
    assert(to_ns >= world->now_ns);
    world->now_ns = to_ns;
    fl__trace(world, FL_TRACE_TIMER, 0, 0, to_ns, NULL);
    fire_due_timers(world);
}

int fl_world_set_driver(fl_world_t *world, const fl_world_driver_t *driver) {
    if (driver != NULL && world->driver.wait != NULL) return FL_ESTATE;
    world->driver = driver != NULL ? *driver : (fl_world_driver_t){0};
    return FL_OK;
}

void fl_world_set_time(fl_world_t *world, int64_t now_ns) {
    if (now_ns > world->now_ns) world->now_ns = now_ns;
}

/* Nothing is ready: let time pass. Returns false when the run is over. */
static bool idle(fl_world_t *world, fl_run_outcome_t *outcome) {
    /* With every task finished the run is over, whatever timers remain
     * (a network's delivery timers outlive the tasks that caused them). */
    if (world->live_count == 0) {
        *outcome = FL_RUN_COMPLETED;
        return false;
    }
    fl_timer_t *next = fl_timer_heap_peek(&world->timers);
    if (next != NULL && next->at_ns > world->time_limit_ns) {
        *outcome = FL_RUN_TIME_LIMIT;
        return false;
    }
    if (world->driver.wait == NULL) {
        if (next != NULL) {
            advance_clock(world, next->at_ns);
            return true;
        }
    } else {
        bool outside = world->driver.wait(world, world->driver.context,
                                          next != NULL ? next->at_ns : FL_TIME_NEVER);
        fire_due_timers(world);
        if (outside || world->ready_count > 0 || fl_timer_heap_peek(&world->timers) != NULL)
            return true;
    }
    *outcome = world->live_count > 0 ? FL_RUN_HANG : FL_RUN_COMPLETED;
    return false;
}

fl_run_outcome_t fl_world_run(fl_world_t *world) {
    assert(!world->running && world->current == NULL && "fl_world_run is not reentrant");
    world->running = true;
    world->stop_requested = false;
    fl_fiber_init_main(&world->main_fiber);
    fl_run_outcome_t outcome;
    for (;;) {
        if (world->stop_requested) {
            outcome = FL_RUN_STOPPED;
            break;
        }
        if (world->ready_count > 0) {
            if (world->steps >= world->step_limit) {
                outcome = FL_RUN_STEP_LIMIT;
                break;
            }
            run_one(world);
            continue;
        }
        if (!idle(world, &outcome)) break;
    }
    world->running = false;
    return outcome;
}

void fl_world_stop(fl_world_t *world) { world->stop_requested = true; }

/* --- parking ---------------------------------------------------------------- */

/* Blocks the current task until one of the wake sources its caller armed
 * (a queue place, the park timer) or, when interruptible, cancellation
 * delivery ends the park; returns the status of that first wake. Callers
 * check for cancellation before arming anything. */
static inline int park(fl_world_t *world, fl__waiter_t *waiter, const fl_waitable_t *object,
                const char *operation, bool interruptible) {
    fl_task_t *task = fl__current(world);
    assert(task->state == FL__TASK_RUNNING && task->waiter == NULL);
    task->state = FL__TASK_BLOCKED;
    task->waiter = waiter;
    task->wait_object = object;
    task->wait_operation = operation;
    task->wait_interruptible = interruptible;
    fl__trace(world, FL_TRACE_BLOCK, task->id, object ? object->id : 0, 0, operation);
    switch_to_scheduler(world, task);
    task->waiter = NULL;
    task->wait_object = NULL;
    task->wait_operation = NULL;
    /* fl__wake ended the park: nothing of it may still be able to wake us. */
    assert(waiter->queue == NULL && !fl_timer_armed(&task->park_timer));
    if (waiter->status == FL_ECANCELLED) return fl__cancelled(world);
    return waiter->status;
}

static inline void waiter_init(fl__waiter_t *waiter, fl_task_t *task) {
    waiter->task = task;
    waiter->status = FL_OK;
    waiter->queue = NULL;
    waiter->next = waiter->prev = NULL;
}

int fl__park(fl_world_t *world, fl__waitq_t *queue, fl__waiter_t *waiter,
             const fl_waitable_t *object, const char *operation, bool interruptible) {
    fl_task_t *task = fl__current(world);
    assert(!fl_timer_armed(&task->park_timer)); /* only fl__park_until arms it */
    waiter_init(waiter, task);
    if (interruptible && fl_task_cancel_pending(task)) return fl__cancelled(world);
    if (queue != NULL) fl__waitq_push(queue, waiter);
    return park(world, waiter, object, operation, interruptible);
}

static void park_timer_fired(fl_world_t *world, fl_timer_t *timer) {
    fl_task_t *task = timer->data;
    fl__wake(world, task->waiter, FL_OK);
}

int fl__park_until(fl_world_t *world, int64_t wake_at_ns, const char *operation) {
    fl_task_t *task = fl__current(world);
    assert(wake_at_ns > world->now_ns);
    fl__waiter_t waiter;
    waiter_init(&waiter, task);
    if (fl_task_cancel_pending(task)) return fl__cancelled(world);
    fl_timer_heap_arm(&world->timers, &task->park_timer, wake_at_ns, park_timer_fired, task);
    return park(world, &waiter, NULL, operation, true);
}

void fl__wake(fl_world_t *world, fl__waiter_t *waiter, int status) {
    fl_task_t *task = waiter->task;
    assert(task->state == FL__TASK_BLOCKED && task->waiter == waiter);
    /* The first wake wins: the park's other sources are disarmed here, in
     * the one place every wake passes, so none can fire into it later
     * (a sleep ending at its scope's deadline used to be woken twice). */
    if (waiter->queue != NULL) fl__waitq_remove(waiter->queue, waiter);
    fl_timer_heap_disarm(&world->timers, &task->park_timer);
    waiter->status = status;
    fl__trace(world, FL_TRACE_WAKE, task->id, 0, status, NULL);
    fl__make_ready(world, task);
}

void fl__deliver_cancellation(fl_world_t *world) {
    /* In id order, so the order tasks become ready does not depend on
     * anything but the program. */
    for (fl_task_t *task = world->live_head; task != NULL; task = task->live_next) {
        if (task->state == FL__TASK_BLOCKED && task->wait_interruptible &&
            fl_task_cancel_pending(task))
            fl__wake(world, task->waiter, FL_ECANCELLED);
    }
}

int fl__cancelled(fl_world_t *world) {
    fl_task_t *task = fl__current(world);
    fl__trace(world, FL_TRACE_CANCELLED, task->id, task->scope ? task->scope->id : 0, 0, NULL);
    return FL_ECANCELLED;
}

/* --- checkpoints and sleep ------------------------------------------------ */

int fl_checkpoint_if_cancelled(fl_world_t *world) {
    fl_task_t *task = fl__current(world);
    return fl_task_cancel_pending(task) ? fl__cancelled(world) : FL_OK;
}

/* A yield with no other task ready: does here, without leaving the task,
 * what fl_world_run and run_one would do on switching back to it (the
 * same step count, policy hook and RUN event, so the trace and the
 * schedule are those of the round trip). A third of a run's yields are
 * alone, and two fiber switches and the run loop cost more than the rest
 * of the yield. Returns false, having done nothing, when the run loop
 * would not simply resume the task: a stop is requested or the step limit
 * is reached. */
static bool resume_alone(fl_world_t *world, fl_task_t *task) {
    assert(world->ready_count == 0 && world->current == task);
    if (world->stop_requested || world->steps >= world->step_limit) return false;
    world->steps++;
    if (world->policy->vtable->on_run != NULL)
        world->policy->vtable->on_run(world->policy, world, task);
    assert(task->ever_ran && task->state == FL__TASK_RUNNING);
    fl__trace(world, FL_TRACE_RUN, task->id, 0, 0, NULL);
    return true;
}

/* Lets every other ready task run; no cancellation check (anyio's
 * cancel_shielded_checkpoint). */
void fl__yield(fl_world_t *world) {
    fl_task_t *task = fl__current(world);
    fl__trace(world, FL_TRACE_YIELD, task->id, 0, 0, NULL);
    if (world->ready_count == 0 && resume_alone(world, task)) return;
    fl__make_ready(world, task);
    switch_to_scheduler(world, task);
}

int fl_checkpoint(fl_world_t *world) {
    int status = fl_checkpoint_if_cancelled(world);
    if (status != FL_OK) return status;
    fl__yield(world);
    return fl_checkpoint_if_cancelled(world);
}

int fl_sleep_until(fl_world_t *world, int64_t deadline_ns) {
    if (deadline_ns <= world->now_ns) return fl_checkpoint(world);
    return fl__park_until(world, deadline_ns, "sleep");
}

void fl_world_arm_timer(fl_world_t *world, fl_timer_t *timer, int64_t at_ns, fl_timer_fn fire,
                        void *data) {
    fl_timer_heap_arm(&world->timers, timer, at_ns, fire, data);
}

void fl_world_disarm_timer(fl_world_t *world, fl_timer_t *timer) {
    fl_timer_heap_disarm(&world->timers, timer);
}

int fl_sleep(fl_world_t *world, int64_t duration_ns) {
    if (duration_ns <= 0) return fl_checkpoint(world);
    /* Saturate: a duration past the end of time means "until the limit". */
    if (duration_ns >= FL_TIME_NEVER - world->now_ns) return fl_sleep_until(world, FL_TIME_NEVER);
    return fl_sleep_until(world, world->now_ns + duration_ns);
}

int fl_sleep_forever(fl_world_t *world) {
    int status = fl_checkpoint_if_cancelled(world);
    if (status != FL_OK) return status;
    fl__waiter_t waiter;
    return fl__park(world, NULL, &waiter, NULL, "sleep forever", true);
}
