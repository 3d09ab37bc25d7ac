/* Helpers shared by the runtime's tests: a world with sane test defaults and
 * an ordered log that tasks append to, so tests can assert interleavings. */
#ifndef FL_TEST_RUNTIME_TEST_H
#define FL_TEST_RUNTIME_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sim/runtime/runtime.h"

/* A world with the given policy and seed, keeping its trace. Fails the test
 * if the world cannot be made. */
fl_world_t *rt_world(const char *policy, uint64_t seed);

enum { RT_LOG_MAX = 256, RT_LOG_ENTRY = 48 };

typedef struct rt_log {
    char entries[RT_LOG_MAX][RT_LOG_ENTRY];
    size_t count;
    char joined[RT_LOG_MAX * RT_LOG_ENTRY];
} rt_log_t;

void rt_log_add(rt_log_t *log, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* The entries joined with ",". */
const char *rt_log_text(rt_log_t *log);

/* The hang report as a string (static buffer, overwritten by each call). */
const char *rt_hang_report(fl_world_t *world);

/* An action run from the scheduler at a virtual instant, not by a task: a
 * wake that comes from outside any task, as the network's deliveries do.
 * Timers due at one instant fire in arming order, so arming an action
 * before or after a task parks decides which of two wakes at that instant
 * comes first. The caller owns the struct and keeps it alive until it has
 * fired or the world is destroyed. */
typedef struct rt_action {
    fl_timer_t timer;
    void (*run)(fl_world_t *world, void *arg);
    void *arg;
    int fired;
} rt_action_t;

void rt_at(fl_world_t *world, rt_action_t *action, int64_t at_ns,
           void (*run)(fl_world_t *world, void *arg), void *arg);

/* How many "wake" events the kept trace holds for a task: one per park that
 * ended. The world must keep its trace (rt_world does). */
size_t rt_wake_count(fl_world_t *world, const fl_task_t *task);

#endif /* FL_TEST_RUNTIME_TEST_H */
