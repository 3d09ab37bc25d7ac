/* A run's trace read as spans: what a timeline viewer draws, derived from
 * the kept events alone (no pointers, no clock), so the same trace always
 * gives the same spans.
 *
 * - A task's run slice goes from its `run` event to the event that ends it:
 *   the task's next `block`, `yield` or `done`. Every event recorded in
 *   between happened while that task ran (`running`).
 * - A task's wait goes from its `block` to its next `run`.
 * - A cause goes from the event that made a task ready (a `wake` of it, or
 *   its `spawn`) to the `run` that followed; the task running when the
 *   cause was recorded is the waker (none: the scheduler, as when a timer
 *   fires).
 * - Sides group the tasks: a root task (spawned by no task) that ever
 *   blocks on `accept` is the mock server's acceptor, and it and every
 *   task spawned under it, transitively, are the server side; every other
 *   task is the client side. Network events go to the network side, one
 *   lane per connection id (0: events of no connection); the scheduler's
 *   own events (task 0: choices, timers) to the scheduler side.
 */
#ifndef FL_HARNESS_TRACE_SPANS_H
#define FL_HARNESS_TRACE_SPANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/runtime/arena.h"
#include "sim/runtime/trace.h"

/* The sides, numbered as the Chrome trace's process ids. */
typedef enum fl_trace_side {
    FL_TRACE_SIDE_CLIENT = 1,
    FL_TRACE_SIDE_NETWORK = 2,
    FL_TRACE_SIDE_SERVER = 3,
    FL_TRACE_SIDE_SCHEDULER = 4,
} fl_trace_side_t;

/* An event index that names no event: a slice still open when the trace
 * ended, a wait never ended, an event that is no span's start. */
#define FL_TRACE_SPAN_NONE SIZE_MAX

typedef struct fl_trace_spans {
    const fl_trace_event_t *events; /* borrowed: the trace's kept records */
    size_t count;
    uint32_t task_count;
    fl_trace_side_t *side_of_task;  /* [task_count + 1]; [0] is the scheduler's */
    uint32_t *running;              /* [count]: the task whose run slice holds event i, or 0 */
    size_t *end_of;                 /* [count]: run → the event ending its slice; block → the
                                       task's next run; wake or spawn → the run it caused */
    size_t *cause_of;               /* [count]: run → the wake or spawn that readied it */
    uint32_t connection_max;        /* the highest connection id a net or fault event names */
    bool *connection_seen;          /* [connection_max + 1] */
    fl_arena_t arena;               /* holds the arrays above */
} fl_trace_spans_t;

/* Reads count events (task ids at most task_count) into spans; the arrays
 * are the spans' own arena's (out of memory aborts), freed by
 * fl_trace_spans_free.
 * events must outlive spans. */
void fl_trace_spans_build(fl_trace_spans_t *spans, const fl_trace_event_t *events, size_t count,
                          uint32_t task_count);

void fl_trace_spans_free(fl_trace_spans_t *spans);

/* The last event's virtual time, or 0 for an empty trace: where an open
 * span is drawn to. */
int64_t fl_trace_spans_end_ns(const fl_trace_spans_t *spans);

#endif /* FL_HARNESS_TRACE_SPANS_H */
