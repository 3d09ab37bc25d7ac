/* Scheduling policies.
 *
 * Wherever more than one task is ready, the world asks its policy which
 * runs next. A policy sees the ready tasks in the order they became ready
 * (index 0 first) and returns an index. The world records each answer; that
 * list is the schedule, printable and parseable as a compact string.
 *
 *   fifo    always index 0: asyncio's order
 *   random  uniform among all ready tasks, from the world's scheduler PRNG
 *           stream (seeded): explores interleavings no event loop would make
 *   trio    Trio's scheduler: tasks ready together form a batch that runs in
 *           a seeded random order; tasks woken meanwhile wait for the next
 *           batch (asyncio is the special case of an unshuffled batch: fifo)
 *   replay  plays back a recorded choice list
 *   dfs     systematic exploration's step: the scheduler picks of a prefix
 *           (options.schedule), then index 0 (fifo) past it; every pick and
 *           its width go to a trail, from which the explorer makes the next
 *           prefix (harness/cli/command_explore.c). Draws come from the seed.
 *   pct     probabilistic concurrency testing (Burckhardt et al., ASPLOS
 *           2010): each task gets a random priority and the highest ready
 *           one runs; at depth-1 change points, drawn among the first steps
 *           choices, the task about to run drops below every other. A bug
 *           of depth d among n tasks and k steps is found with probability
 *           at least 1/(n k^(d-1)) per run.
 *
 * The hooks (spawn, resume) let priority-based (pct) and systematic (dfs)
 * policies keep their own state without the world changing.
 */
#ifndef FL_POLICY_H
#define FL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/runtime/arena.h"

typedef struct fl_world fl_world_t;
typedef struct fl_task fl_task_t;
typedef struct fl_policy fl_policy_t;

typedef struct fl_policy_vtable {
    const char *name;
    /* Chooses among count >= 2 ready tasks; returns an index < count. */
    size_t (*choose)(fl_policy_t *policy, fl_world_t *world, fl_task_t *const *ready,
                     size_t count);
    /* Optional: a task was spawned. */
    void (*on_spawn)(fl_policy_t *policy, fl_world_t *world, fl_task_t *task);
    /* Optional: the scheduler resumed task (chosen or the only one ready). */
    void (*on_run)(fl_policy_t *policy, fl_world_t *world, fl_task_t *task);
} fl_policy_vtable_t;

/* pct's parameters (fl_policy_set_pct): depth 1..FL_PCT_DEPTH_MAX, and the
 * number of choices its change points are drawn among. */
enum { FL_PCT_DEPTH_MAX = 16, FL_PCT_DEPTH_DEFAULT = 3, FL_PCT_STEPS_DEFAULT = 64 };

/* The scheduler picks of a run and how many tasks each chose among (dfs). */
typedef struct fl_choice_trail {
    uint32_t *values; /* malloc'd */
    uint32_t *widths; /* malloc'd */
    size_t count;
    size_t capacity;
} fl_choice_trail_t;

void fl_choice_trail_free(fl_choice_trail_t *trail);

struct fl_policy {
    const fl_policy_vtable_t *vtable;
    /* replay's state */
    uint32_t *choices; /* malloc'd */
    size_t choice_count;
    size_t position;
    bool diverged;
    /* trio's state: the current batch, as task ids in shuffled run order */
    uint32_t *batch;   /* malloc'd */
    size_t batch_count;
    size_t batch_capacity;
    size_t batch_next;
    /* pct's state: the change points (choice numbers, from 1), the choices
     * made so far, and each task's priority by id (0: not yet drawn) */
    uint32_t pct_depth;
    uint32_t pct_steps;
    uint32_t pct_change[FL_PCT_DEPTH_MAX];
    uint32_t pct_step;
    bool pct_ready;
    uint64_t *pct_priority; /* malloc'd, by task id */
    size_t pct_priority_capacity;
    /* dfs's trail (the caller's), or NULL; its prefix is choices above */
    fl_choice_trail_t *dfs_trail;
};

/* Sets pct's depth and steps (before the run); either 0 keeps the default. */
void fl_policy_set_pct(fl_policy_t *policy, uint32_t depth, uint32_t steps);

/* Builds the named policy in the arena. For "replay", schedule is the choice
 * list to play back. Returns NULL with a message in error on an unknown
 * name or a malformed schedule. */
fl_policy_t *fl_policy_create(fl_arena_t *arena, const char *name, const char *schedule,
                              char *error, size_t error_size);
void fl_policy_destroy(fl_policy_t *policy);

/* True for a name fl_policy_create accepts. */
bool fl_policy_name_valid(const char *name);

/* The replay policy's next recorded value, if it is below width: true with
 * it in *value_out; false (the replay diverged) when the list is spent or
 * the value does not fit. */
bool fl__policy_replay_take(fl_policy_t *policy, uint64_t width, uint32_t *value_out);

/* Formats a choice list as "0.2*3.1" (index, '*' count for runs); the
 * string is allocated in the arena. An empty list gives "". */
char *fl_schedule_format(fl_arena_t *arena, const uint32_t *choices, size_t count);

/* Parses a choice list. On success returns 0 and a malloc'd array (caller
 * frees); on failure FL_EINVAL with the offending offset in error. */
int fl_schedule_parse(const char *text, uint32_t **choices_out, size_t *count_out, char *error,
                      size_t error_size);

#endif /* FL_POLICY_H */
