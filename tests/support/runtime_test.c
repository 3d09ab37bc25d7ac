#include "tests/support/runtime_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fl_world_t *rt_world(const char *policy, uint64_t seed) {
    fl_world_options_t options = {.seed = seed, .policy = policy, .keep_trace = true};
    char error[256];
    fl_world_t *world = fl_world_create(&options, error, sizeof error);
    if (world == NULL) {
        fprintf(stderr, "rt_world: %s\n", error);
        abort();
    }
    return world;
}

void rt_log_add(rt_log_t *log, const char *format, ...) {
    if (log->count == RT_LOG_MAX) abort();
    va_list args;
    va_start(args, format);
    vsnprintf(log->entries[log->count++], RT_LOG_ENTRY, format, args);
    va_end(args);
}

const char *rt_log_text(rt_log_t *log) {
    size_t length = 0;
    log->joined[0] = '\0';
    for (size_t i = 0; i < log->count; i++) {
        int n = snprintf(log->joined + length, sizeof log->joined - length, "%s%s",
                         i ? "," : "", log->entries[i]);
        if (n < 0 || (size_t)n >= sizeof log->joined - length) abort();
        length += (size_t)n;
    }
    return log->joined;
}

const char *rt_hang_report(fl_world_t *world) {
    static char report[8192];
    FILE *out = fmemopen(report, sizeof report, "w");
    if (out == NULL) abort();
    fl_world_print_hang(world, out);
    fclose(out);
    return report;
}

static void action_fired(fl_world_t *world, fl_timer_t *timer) {
    rt_action_t *action = timer->data;
    action->fired++;
    action->run(world, action->arg);
}

void rt_at(fl_world_t *world, rt_action_t *action, int64_t at_ns,
           void (*run)(fl_world_t *world, void *arg), void *arg) {
    action->run = run;
    action->arg = arg;
    action->fired = 0;
    fl_timer_init(&action->timer);
    fl_world_arm_timer(world, &action->timer, at_ns, action_fired, action);
}

size_t rt_wake_count(fl_world_t *world, const fl_task_t *task) {
    size_t count = 0, wakes = 0;
    const fl_trace_event_t *events = fl_trace_events(fl_world_trace(world), &count);
    if (events == NULL) abort(); /* the world does not keep its trace */
    for (size_t i = 0; i < count; i++)
        wakes += events[i].kind == FL_TRACE_WAKE && events[i].task == fl_task_id(task);
    return wakes;
}
