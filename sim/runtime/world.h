/* The world: one deterministic run.
 *
 * A world owns everything a run creates: tasks and their stacks, timers,
 * channels and other objects, arena memory, the PRNG streams and the trace.
 * fl_world_destroy frees all of it, so a process can run thousands of
 * worlds one after another without growing.
 *
 * Tasks are cooperative coroutines on their own stacks, run one at a time by
 * fl_world_run on the calling thread. Wherever more than one task is ready,
 * the world's policy chooses which runs next, and the choice is recorded: the
 * list of choices is the schedule, and the replay policy plays it back.
 * Virtual time only moves when no task is ready: the clock jumps to the next
 * timer, so a 30 s timeout costs nothing.
 *
 * Functions that take a world and block (sleep, checkpoint, channel send, ...)
 * must be called from a task of that world. Each is a checkpoint: it may
 * switch tasks, and it fails with FL_ECANCELLED when an enclosing cancel scope
 * has been cancelled (see cancel.h).
 */
#ifndef FL_WORLD_H
#define FL_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/runtime/arena.h"
#include "sim/runtime/error.h"
#include "sim/runtime/prng.h"
#include "sim/runtime/timer.h"
#include "sim/runtime/trace.h"

typedef struct fl_world fl_world_t;
typedef struct fl_task fl_task_t;

/* Durations and instants are int64 nanoseconds of virtual time. */
#define FL_NS(x) ((int64_t)(x))
#define FL_US(x) ((int64_t)(x) * 1000)
#define FL_MS(x) ((int64_t)(x) * 1000000)
#define FL_SECONDS(x) ((int64_t)(x) * 1000000000)
#define FL_TIME_NEVER INT64_MAX

/* A task's body. Returns NULL on success or an error (arena-owned). */
typedef fl_error_t *(*fl_task_fn)(fl_world_t *world, void *arg);

typedef struct fl_world_options {
    uint64_t seed;               /* the run's seed: every PRNG stream derives from it */
    const char *policy;          /* "fifo" (default), "random", "replay" */
    const char *schedule;        /* replay: a choice list from fl_world_schedule() */
    uint32_t pct_depth;          /* pct: the bug depth d it aims at; 0 = 3 */
    uint32_t pct_steps;          /* pct: choices its change points are drawn among; 0 = 64 */
    struct fl_choice_trail *trail; /* dfs: its picks go here (the caller's); schedule: its prefix */
    bool replay_pads_zero;       /* replay: a draw past the list is 0, not the seed's (shrink) */
    int64_t time_limit_ns;       /* virtual-time limit; 0 = default 1 hour */
    uint64_t step_limit;         /* task resumptions; 0 = default 50 million */
    bool keep_trace;             /* keep event records (the hash is always kept) */
    size_t stack_size;           /* per task; 0 = fl_stack_default_size() */
    bool schedule_unkept;        /* keep no choice list (fl_world_schedule is empty): a
                                  * real-time run (serve) cannot be replayed, and its
                                  * list would grow by 8 bytes a choice for days */
} fl_world_options_t;

typedef enum fl_run_outcome {
    FL_RUN_COMPLETED,   /* every task finished */
    FL_RUN_HANG,        /* tasks blocked, nothing ready, no timer: see hang report */
    FL_RUN_TIME_LIMIT,  /* the next timer lies past the virtual-time limit */
    FL_RUN_STEP_LIMIT,  /* a livelock: too many resumptions */
    FL_RUN_STOPPED,     /* fl_world_stop was called */
} fl_run_outcome_t;

const char *fl_run_outcome_name(fl_run_outcome_t outcome);

/* Creates a world. Returns NULL and writes a message into error (if not NULL,
 * capacity error_size) when the options are invalid: an unknown policy, or a
 * replay schedule that does not parse. The caller owns the world. */
fl_world_t *fl_world_create(const fl_world_options_t *options, char *error, size_t error_size);

/* Frees the world and everything in it, including tasks that never finished.
 * The last destroyed world's struct and arrays are kept for the next
 * fl_world_create (a run's world is made thousands of times a second);
 * fl_world_spare_trim frees them (for leak checkers and tests). */
void fl_world_destroy(fl_world_t *world);
void fl_world_spare_trim(void);

/* Runs until no task is left, a hang, a limit, or fl_world_stop. Must not be
 * called from a task. May be called again after FL_RUN_STOPPED. */
fl_run_outcome_t fl_world_run(fl_world_t *world);

/* Asks fl_world_run to return FL_RUN_STOPPED once the current task yields. */
void fl_world_stop(fl_world_t *world);

/* Registers cleanup to run when the world is destroyed, newest first, after
 * every task has been abandoned and before the arena is freed: for layers
 * that hold memory outside the arena (a network's byte buffers, sockets). */
void fl_world_defer(fl_world_t *world, void (*cleanup)(void *arg), void *arg);

/* The world's arena: memory that lives as long as the world; or, while a
 * task given one by fl_task_set_arena runs, that task's arena. */
fl_arena_t *fl_world_arena(fl_world_t *world);
fl_trace_t *fl_world_trace(fl_world_t *world);
fl_prng_t *fl_world_prng(fl_world_t *world, fl_prng_stream_t stream);
uint64_t fl_world_seed(const fl_world_t *world);

/* Records an event in the world's trace at the virtual time now, for the
 * running task (0 when the scheduler or code outside any task records it).
 * detail as fl_trace_emit: static or the world's arena, may be NULL. One
 * call for what the layers above did with four (the trace, the clock, the
 * task and its id), on events every run records by the dozen. */
void fl_world_trace_event(fl_world_t *world, fl_trace_kind_t kind, uint32_t object,
                          int64_t value, const char *detail);

/* The run's fingerprint: the trace hash. */
uint64_t fl_world_trace_hash(const fl_world_t *world);

/* Virtual time now. */
int64_t fl_now(const fl_world_t *world);

/* Number of task resumptions so far. */
uint64_t fl_world_steps(const fl_world_t *world);

/* The schedule: every choice the run made, as a compact string ("0.2*3.1":
 * values, '*' repeats): each pick among more than one ready task, and each
 * draw of fl_world_draw (the network's segmentation, jitter and corruption,
 * fault probabilities, retry jitter), in the order they were made. The
 * list alone reproduces the run: passed back as options.schedule with the
 * replay policy, every choice comes from it, whatever the seed; the seed
 * fills only what the list lacks (then fl_world_schedule_diverged). The
 * string is owned by the world's arena. */
const char *fl_world_schedule(fl_world_t *world);
size_t fl_world_choice_count(const fl_world_t *world);

/* A value below bound (>= 1), drawn from the stream's PRNG, or under the
 * replay policy taken from the schedule, and recorded in the run's choice
 * list either way: every nondeterministic decision outside the scheduler
 * goes through here. A bound of 1 draws nothing. */
uint64_t fl_world_draw(fl_world_t *world, fl_prng_stream_t stream, uint64_t bound);

/* A uniform double in [0, 1), as fl_prng_unit, drawn and recorded as
 * fl_world_draw does (53 bits). */
double fl_world_draw_unit(fl_world_t *world, fl_prng_stream_t stream);

/* Replay only: true when the recorded schedule did not fit the run (a choice
 * out of range, or the run needed more choices than recorded). */
bool fl_world_schedule_diverged(const fl_world_t *world);

/* Writes the hang report: one line per blocked task, naming the task, what
 * it waits on and which task created that object. */
void fl_world_print_hang(fl_world_t *world, FILE *out);

enum { FL_TIMELINE_LINE_MAX = 512 };

/* One trace event as a line of the timeline, without the newline: virtual
 * time, task (id and name), event, then its object, status or value, and
 * detail. Returns line (size at least 64). */
const char *fl_world_timeline_line(const fl_world_t *world, const fl_trace_event_t *event,
                                   char *line, size_t size);

/* Writes the kept trace as a timeline: virtual time, task, event. */
void fl_world_print_trace(fl_world_t *world, FILE *out);

/* Streams the timeline: from now on every event is written to out as
 * fl_world_print_trace would print it, the moment it is recorded, and out
 * is flushed after each line. A run that dies on an assertion has then
 * written its timeline up to the crash. NULL stops the stream. The caller
 * owns out and keeps it open while it is installed; the trace hash line is
 * not part of the stream. */
void fl_world_set_trace_stream(fl_world_t *world, FILE *out);

/* Invariant violations the runtime noticed (a scope exited by another task,
 * a task that ended inside a scope it entered, ...). Each is also in the
 * trace as a "violation" event. */
size_t fl_world_violation_count(const fl_world_t *world);
const char *fl_world_violation(const fl_world_t *world, size_t index);
/* Records a violation found by a layer above the runtime. */
void fl_world_add_violation(fl_world_t *world, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* --- drivers ------------------------------------------------------------- */

/* A driver connects a world to the outside (real sockets through libuv).
 * Without one, time is virtual and jumps to the next timer. With one, when no
 * task is ready, fl_world_run calls wait: the driver blocks until an outside
 * event or the instant next_timer_ns (FL_TIME_NEVER: no timer), sets the
 * world's clock with fl_world_set_time, and wakes tasks through conditions
 * (condition.h). It returns false when nothing outside can ever wake a task
 * (no open handles); with no timer left either, the run then ends. */
typedef struct fl_world_driver {
    bool (*wait)(fl_world_t *world, void *context, int64_t next_timer_ns);
    void *context;
} fl_world_driver_t;

/* Installs (or, with NULL, removes) the world's driver. A world has at most
 * one: installing a second returns FL_ESTATE and changes nothing. */
int fl_world_set_driver(fl_world_t *world, const fl_world_driver_t *driver);

/* Moves the clock forward to now_ns (never backwards); for drivers. */
void fl_world_set_time(fl_world_t *world, int64_t now_ns);

/* --- tasks --------------------------------------------------------------- */

/* Spawns a top-level task, outside any cancel scope. It runs when the
 * scheduler picks it. The world owns the task; the name is copied. */
fl_task_t *fl_spawn(fl_world_t *world, const char *name, fl_task_fn fn, void *arg);

/* Cancels the task: every checkpoint it reaches fails with FL_ECANCELLED
 * (asyncio's task.cancel, level-triggered). A finished task is left alone.
 * Callable from any task, timer or driver callback. */
void fl_task_cancel(fl_world_t *world, fl_task_t *task);

/* The first unfinished task with this name, or NULL (for faults that cancel
 * a named task). */
fl_task_t *fl_world_find_task(const fl_world_t *world, const char *name);

/* The running task, or NULL when called from outside the world's tasks. */
fl_task_t *fl_current_task(const fl_world_t *world);

uint32_t fl_task_id(const fl_task_t *task);
const char *fl_task_name(const fl_task_t *task);
bool fl_task_done(const fl_task_t *task);
/* From now on fl_world_arena gives arena (the caller's; NULL: the world's
 * again) while task runs, and to the tasks it spawns into a task group
 * (they end before it does). For a long-running server that releases a
 * request's memory when the request ends: the runtime's own objects (tasks,
 * scopes, conditions) still come from the world's arena, unless the world
 * releases memory (fl_world_set_release_memory). */
void fl_task_set_arena(fl_task_t *task, fl_arena_t *arena);
/* With release_memory, what a task with an arena of its own (fl_task_set_arena)
 * or its group's tasks make while they run comes from that arena: the
 * runtime's objects (task groups, channels, events, conditions, locks,
 * semaphores) and the records of the tasks spawned into its groups, which
 * are then left out of the task table (fl_world_task finds them while they
 * run; fl_world_task_count does not count them). So a server that frees a
 * request's arena when it ends keeps no memory of it. For real-time runs
 * (serve; not turned off again once tasks ran); simulated runs leave it off,
 * and their task ids and traces do not depend on it. */
void fl_world_set_release_memory(fl_world_t *world, bool release_memory);
/* The error the task's body returned (NULL on success or while running).
 * Reading it counts as observing it (see fl_world_unobserved_errors). */
fl_error_t *fl_task_error(fl_task_t *task);
/* Finished tasks whose error (other than Cancelled) nobody observed: not
 * collected by a task group and never read through fl_task_error. asyncio
 * logs these as "Task exception was never retrieved"; a run should have
 * none. *first_out (may be NULL) gets the first such task. */
size_t fl_world_unobserved_errors(const fl_world_t *world, const fl_task_t **first_out);
/* Looks a task up by id (1-based); NULL if no such task (or, with
 * release_memory, a request's task that has ended). */
fl_task_t *fl_world_task(const fl_world_t *world, uint32_t id);
/* The tasks in the table: every task spawned, but with release_memory not
 * those kept in a request's arena. */
size_t fl_world_task_count(const fl_world_t *world);

/* --- checkpoints and time -------------------------------------------------- */

/* A pure checkpoint: fails with FL_ECANCELLED if cancelled, else lets every
 * other ready task run first (anyio's checkpoint()). */
int fl_checkpoint(fl_world_t *world);

/* Fails with FL_ECANCELLED if cancelled; otherwise returns at once. */
int fl_checkpoint_if_cancelled(fl_world_t *world);

/* Sleeps for a duration (<= 0 is a plain checkpoint) or until an instant. */
int fl_sleep(fl_world_t *world, int64_t duration_ns);
int fl_sleep_until(fl_world_t *world, int64_t deadline_ns);

/* Arms a timer (owned by the caller, e.g. embedded in its object) to call
 * fire from the scheduler at virtual instant at_ns; re-arming moves it. For
 * layers that need time-driven events no task waits for (a network's
 * deliveries, a fault at a time). */
void fl_world_arm_timer(fl_world_t *world, fl_timer_t *timer, int64_t at_ns, fl_timer_fn fire,
                        void *data);
void fl_world_disarm_timer(fl_world_t *world, fl_timer_t *timer);

/* Blocks until the world is torn down: anyio's sleep_forever. Only
 * cancellation ends it. */
int fl_sleep_forever(fl_world_t *world);

#endif /* FL_WORLD_H */
