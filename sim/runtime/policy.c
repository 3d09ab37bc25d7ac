/* Scheduling policies and the schedule's string form. */
#include "sim/runtime/policy.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"

static size_t fifo_choose(fl_policy_t *policy, fl_world_t *world, fl_task_t *const *ready,
                          size_t count) {
    (void)policy, (void)world, (void)ready, (void)count;
    return 0;
}

static size_t random_choose(fl_policy_t *policy, fl_world_t *world, fl_task_t *const *ready,
                            size_t count) {
    (void)policy, (void)ready;
    return (size_t)fl_prng_below(fl_world_prng(world, FL_PRNG_SCHEDULER), count);
}

/* --- trio: shuffled batches ------------------------------------------------------ */

static bool batch_contains(const fl_policy_t *policy, uint32_t id) {
    for (size_t i = policy->batch_next; i < policy->batch_count; i++)
        if (policy->batch[i] == id) return true;
    return false;
}

/* Starts a batch: every ready task, in a seeded random order. */
static void batch_start(fl_policy_t *policy, fl_world_t *world, fl_task_t *const *ready,
                        size_t count) {
    if (count > policy->batch_capacity) {
        uint32_t *grown = realloc(policy->batch, count * sizeof *grown);
        if (grown == NULL) fl__out_of_memory("trio batch");
        policy->batch = grown;
        policy->batch_capacity = count;
    }
    for (size_t i = 0; i < count; i++) policy->batch[i] = fl_task_id(ready[i]);
    fl_prng_t *prng = fl_world_prng(world, FL_PRNG_SCHEDULER);
    for (size_t i = count; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)fl_prng_below(prng, i);
        uint32_t t = policy->batch[i - 1];
        policy->batch[i - 1] = policy->batch[j];
        policy->batch[j] = t;
    }
    policy->batch_count = count;
    policy->batch_next = 0;
}

static size_t trio_choose(fl_policy_t *policy, fl_world_t *world, fl_task_t *const *ready,
                          size_t count) {
    /* Skip batch members that already ran (as the only ready task). */
    for (;;) {
        if (policy->batch_next == policy->batch_count) batch_start(policy, world, ready, count);
        uint32_t id = policy->batch[policy->batch_next];
        for (size_t i = 0; i < count; i++)
            if (fl_task_id(ready[i]) == id) return i;
        policy->batch_next++;
    }
}

static void trio_on_run(fl_policy_t *policy, fl_world_t *world, fl_task_t *task) {
    (void)world;
    uint32_t id = fl_task_id(task);
    if (policy->batch_next < policy->batch_count && policy->batch[policy->batch_next] == id) {
        policy->batch_next++;
        return;
    }
    /* Ran out of turn (the only ready task): drop it from the batch. */
    if (batch_contains(policy, id)) {
        for (size_t i = policy->batch_next; i < policy->batch_count; i++)
            if (policy->batch[i] == id) {
                memmove(policy->batch + i, policy->batch + i + 1,
                        (policy->batch_count - i - 1) * sizeof *policy->batch);
                policy->batch_count--;
                break;
            }
    }
}

/* Past the end of the recording, or where a recorded index no longer fits,
 * replay falls back to fifo and says it diverged: the caller decides whether
 * a diverged replay is a failure. */
bool fl__policy_replay_take(fl_policy_t *policy, uint64_t width, uint32_t *value_out) {
    assert(policy != NULL && value_out != NULL && width >= 1);
    assert(policy->position <= policy->choice_count);
    if (policy->position >= policy->choice_count) {
        policy->diverged = true;
        return false;
    }
    uint32_t value = policy->choices[policy->position++];
    if (value >= width) {
        policy->diverged = true;
        return false;
    }
    *value_out = value;
    return true;
}

static size_t replay_choose(fl_policy_t *policy, fl_world_t *world, fl_task_t *const *ready,
                            size_t count) {
    (void)world, (void)ready;
    uint32_t choice;
    return fl__policy_replay_take(policy, count, &choice) ? choice : 0;
}

/* --- pct: random priorities, depth-1 change points ---------------------------- */

void fl_policy_set_pct(fl_policy_t *policy, uint32_t depth, uint32_t steps) {
    assert(policy != NULL && !policy->pct_ready); /* before the run */
    assert(depth <= FL_PCT_DEPTH_MAX);
    policy->pct_depth = depth > 0 ? depth : FL_PCT_DEPTH_DEFAULT;
    policy->pct_steps = steps > 0 ? steps : FL_PCT_STEPS_DEFAULT;
}

/* Draws the change points, once, from the scheduler's stream: each
 * uniform among the first steps choices. */
static void pct_start(fl_policy_t *policy, fl_world_t *world) {
    if (policy->pct_ready) return;
    if (policy->pct_depth == 0) fl_policy_set_pct(policy, 0, 0);
    fl_prng_t *prng = fl_world_prng(world, FL_PRNG_SCHEDULER);
    for (uint32_t j = 0; j + 1 < policy->pct_depth; j++)
        policy->pct_change[j] = 1 + (uint32_t)fl_prng_below(prng, policy->pct_steps);
    policy->pct_ready = true;
    assert(policy->pct_depth >= 1 && policy->pct_steps >= 1);
}

/* A task's priority, drawn when first seen: above depth, so every change
 * point's low priority (1..depth-1) is below every drawn one. */
static uint64_t *pct_priority_of(fl_policy_t *policy, fl_world_t *world, uint32_t id) {
    if (id >= policy->pct_priority_capacity) {
        size_t capacity = policy->pct_priority_capacity ? policy->pct_priority_capacity : 16;
        while (capacity <= id) capacity *= 2;
        uint64_t *grown = realloc(policy->pct_priority, capacity * sizeof *grown);
        if (grown == NULL) fl__out_of_memory("pct priorities");
        memset(grown + policy->pct_priority_capacity, 0,
               (capacity - policy->pct_priority_capacity) * sizeof *grown);
        policy->pct_priority = grown;
        policy->pct_priority_capacity = capacity;
    }
    uint64_t *priority = &policy->pct_priority[id];
    if (*priority == 0)
        *priority = policy->pct_depth +
                    fl_prng_below(fl_world_prng(world, FL_PRNG_SCHEDULER), UINT64_C(1) << 40);
    assert(*priority >= 1);
    return priority;
}

static size_t pct_highest(fl_policy_t *policy, fl_world_t *world, fl_task_t *const *ready,
                          size_t count) {
    size_t best = 0;
    uint64_t best_priority = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t priority = *pct_priority_of(policy, world, fl_task_id(ready[i]));
        if (priority > best_priority) best = i, best_priority = priority; /* ties: the older */
    }
    return best;
}

static size_t pct_choose(fl_policy_t *policy, fl_world_t *world, fl_task_t *const *ready,
                         size_t count) {
    pct_start(policy, world);
    policy->pct_step++;
    size_t best = pct_highest(policy, world, ready, count);
    for (uint32_t j = 0; j + 1 < policy->pct_depth; j++)
        if (policy->pct_change[j] == policy->pct_step) {
            /* The change point: the task about to run drops to j + 1. */
            *pct_priority_of(policy, world, fl_task_id(ready[best])) = j + 1;
            best = pct_highest(policy, world, ready, count);
        }
    assert(best < count);
    return best;
}

static void pct_on_spawn(fl_policy_t *policy, fl_world_t *world, fl_task_t *task) {
    pct_start(policy, world);
    (void)pct_priority_of(policy, world, fl_task_id(task));
}

/* --- dfs: a prefix of picks, then fifo, each pick on the trail ------------------ */

void fl_choice_trail_free(fl_choice_trail_t *trail) {
    assert(trail != NULL);
    free(trail->values);
    free(trail->widths);
    *trail = (fl_choice_trail_t){0};
}

static void trail_add(fl_choice_trail_t *trail, uint32_t value, uint32_t width) {
    assert(value < width);
    if (trail->count == trail->capacity) {
        size_t capacity = trail->capacity ? trail->capacity * 2 : 64;
        uint32_t *values = realloc(trail->values, capacity * sizeof *values);
        uint32_t *widths = realloc(trail->widths, capacity * sizeof *widths);
        if (values == NULL || widths == NULL) fl__out_of_memory("dfs trail");
        trail->values = values, trail->widths = widths, trail->capacity = capacity;
    }
    trail->values[trail->count] = value;
    trail->widths[trail->count++] = width;
}

static size_t dfs_choose(fl_policy_t *policy, fl_world_t *world, fl_task_t *const *ready,
                         size_t count) {
    (void)world, (void)ready;
    assert(count >= 2 && count <= UINT32_MAX);
    uint32_t choice = 0;
    if (policy->position < policy->choice_count) {
        choice = policy->choices[policy->position++];
        if (choice >= count) policy->diverged = true, choice = 0;
    }
    if (policy->dfs_trail != NULL) trail_add(policy->dfs_trail, choice, (uint32_t)count);
    return choice;
}

static const fl_policy_vtable_t policies[] = {
    {"fifo", fifo_choose, NULL, NULL},
    {"random", random_choose, NULL, NULL},
    {"trio", trio_choose, NULL, trio_on_run},
    {"replay", replay_choose, NULL, NULL},
    {"pct", pct_choose, pct_on_spawn, NULL},
    {"dfs", dfs_choose, NULL, NULL},
};

bool fl_policy_name_valid(const char *name) {
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
        if (strcmp(policies[i].name, name) == 0) return true;
    return false;
}

fl_policy_t *fl_policy_create(fl_arena_t *arena, const char *name, const char *schedule,
                              char *error, size_t error_size) {
    const fl_policy_vtable_t *vtable = NULL;
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
        if (strcmp(policies[i].name, name) == 0) vtable = &policies[i];
    if (vtable == NULL) {
        snprintf(error, error_size,
                 "unknown policy '%s' (expected fifo, random, trio, pct, dfs or replay)", name);
        return NULL;
    }
    fl_policy_t *policy = fl_arena_zalloc(arena, sizeof *policy);
    policy->vtable = vtable;
    if (strcmp(name, "replay") == 0 || strcmp(name, "dfs") == 0) {
        if (fl_schedule_parse(schedule ? schedule : "", &policy->choices, &policy->choice_count,
                              error, error_size) != FL_OK)
            return NULL;
    }
    return policy;
}

void fl_policy_destroy(fl_policy_t *policy) {
    free(policy->choices);
    policy->choices = NULL;
    free(policy->batch);
    policy->batch = NULL;
    free(policy->pct_priority);
    policy->pct_priority = NULL;
}

/* --- the schedule string --------------------------------------------------- */

char *fl_schedule_format(fl_arena_t *arena, const uint32_t *choices, size_t count) {
    /* Each token is at most 10 digits + '*' + 20 digits + '.'. */
    size_t capacity = count * 33 + 1;
    char *text = fl_arena_alloc(arena, capacity);
    size_t length = 0;
    text[0] = '\0';
    for (size_t i = 0; i < count;) {
        size_t run = 1;
        while (i + run < count && choices[i + run] == choices[i]) run++;
        int n;
        if (run > 1)
            n = snprintf(text + length, capacity - length, "%s%u*%zu", length ? "." : "",
                         choices[i], run);
        else
            n = snprintf(text + length, capacity - length, "%s%u", length ? "." : "", choices[i]);
        assert(n > 0 && (size_t)n < capacity - length);
        length += (size_t)n;
        i += run;
    }
    return text;
}

static bool parse_number(const char **cursor, uint64_t limit, uint64_t *out) {
    const char *p = *cursor;
    if (!isdigit((unsigned char)*p)) return false;
    uint64_t value = 0;
    while (isdigit((unsigned char)*p)) {
        value = value * 10 + (uint64_t)(*p - '0');
        if (value > limit) return false;
        p++;
    }
    *cursor = p;
    *out = value;
    return true;
}

/* A schedule longer than this (16 M choices, 64 MiB parsed) is not something
 * a scenario run produces; the bound keeps a hostile string from allocating
 * without limit. */
#define SCHEDULE_CHOICES_MAX ((uint64_t)1 << 24)

int fl_schedule_parse(const char *text, uint32_t **choices_out, size_t *count_out, char *error,
                      size_t error_size) {
    *choices_out = NULL;
    *count_out = 0;
    uint32_t *choices = NULL;
    size_t count = 0, capacity = 0;
    const char *p = text;
    while (*p != '\0') {
        uint64_t choice, run = 1;
        const char *start = p;
        if (!parse_number(&p, UINT32_MAX, &choice)) goto bad;
        if (*p == '*') {
            p++;
            const char *count_start = p;
            if (!parse_number(&p, SCHEDULE_CHOICES_MAX, &run) || run == 0) {
                p = count_start; /* point at the bad count, not past it */
                goto bad;
            }
        }
        if (*p == '.' && p[1] != '\0')
            p++;
        else if (*p != '\0')
            goto bad;
        if (count + run > SCHEDULE_CHOICES_MAX) {
            p = start;
            goto bad;
        }
        while (count + run > capacity) {
            capacity = capacity ? capacity * 2 : 64;
            uint32_t *grown = realloc(choices, capacity * sizeof *grown);
            if (grown == NULL) fl__out_of_memory("schedule parse");
            choices = grown;
        }
        for (uint64_t i = 0; i < run; i++) choices[count++] = (uint32_t)choice;
    }
    *choices_out = choices;
    *count_out = count;
    return FL_OK;
bad:
    free(choices);
    snprintf(error, error_size,
             "schedule: malformed choice list at offset %zu (expected N or N*COUNT separated "
             "by '.')",
             (size_t)(p - text));
    return FL_EINVAL;
}
