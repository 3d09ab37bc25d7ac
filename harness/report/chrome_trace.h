/* Writes a world's kept trace as Chrome trace-event JSON, the offline
 * format that ui.perfetto.dev and chrome://tracing open.
 *
 * What it shows (the spans as trace_spans.h derives them):
 * - processes (pid): 1 "client", 2 "network", 3 "server", 4 "scheduler",
 *   named by process_name metadata; a thread (tid) per task, named
 *   "t<id> <name>", under its side; under "network" a thread per
 *   connection (tid 1000000000 + the connection id, "conn #<id>"; id 0:
 *   "network (no connection)"); under "scheduler" one thread;
 * - each run slice of a task as a complete event ("ph":"X", name "run",
 *   args.ends: block, yield, done or "trace end"), and each wait as one
 *   named "blocked: <operation>" from its block to the task's next run;
 * - a flow ("ph":"s" then "ph":"f", one id each, name and cat "wake" or
 *   "spawn") from the slice of the task that woke or spawned another (or
 *   from a "wake" instant on the scheduler's thread when no task ran: a
 *   timer) to the woken task's next run slice;
 * - every other event as an instant ("ph":"i", "s":"t") named
 *   "<kind>: <detail>": ASGI messages, client events, errors, notes,
 *   cancellations and spawns and ends on their task's thread; network
 *   events and faults on their connection's thread, a fault on the acting
 *   task's thread too; choices and timers on the scheduler's thread. The
 *   event's time, object, value, detail and task are its args.
 * Timestamps and durations are virtual microseconds: whole ones as
 * integers, others with the nanoseconds as three decimals. A run slice takes no virtual time (the clock moves
 * only while every task waits), so run slices are zero-length and the
 * waits carry the durations. Events go out in trace order, so viewers that
 * keep the order of equal timestamps show the run's order.
 *
 * Deterministic: the same trace gives the same bytes (ids and virtual
 * time only). The world must have been created with keep_trace. */
#ifndef FL_HARNESS_CHROME_TRACE_H
#define FL_HARNESS_CHROME_TRACE_H

#include <stdio.h>

#include "sim/runtime/world.h"

void fl_chrome_trace_write(fl_world_t *world, FILE *out);

#endif /* FL_HARNESS_CHROME_TRACE_H */
