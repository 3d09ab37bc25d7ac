/* Writes a world's kept trace as Chrome trace-event JSON (opens in Perfetto
 * and chrome://tracing): one track per task, named after it, and every event
 * an instant on its task's track (the scheduler's own events on track 0),
 * with its object, value and detail as arguments. Timestamps are virtual
 * microseconds. The world must have been created with keep_trace. */
#ifndef FL_HARNESS_CHROME_TRACE_H
#define FL_HARNESS_CHROME_TRACE_H

#include <stdio.h>

#include "sim/runtime/world.h"

void fl_chrome_trace_write(fl_world_t *world, FILE *out);

#endif /* FL_HARNESS_CHROME_TRACE_H */
