/* A run's trace drawn as a sequence diagram: one inline SVG element, for
 * the HTML report's failures (html_report.h).
 *
 * Lanes (columns), from the sides trace_spans.h derives from the trace
 * alone, in this order: one per client task ("t<id> <name>"), one per
 * connection of the network ("conn #<id>"; "no connection" for listens
 * and connect-time faults), one per server task, and a "scheduler" lane
 * only when a drawn event belongs to no task.
 *
 * Rows go down in trace order, which is virtual time's order; the time is
 * written at the left whenever it moves, then the row's text (cut to fit;
 * the row's tooltip has it whole), then the lanes, so the text stays in
 * view however many lanes there are. Each row is one event that matters
 * to a failure, drawn on its lane:
 * network events and faults on their connection's lane (with an arrow
 * from the task that acted, a dashed line for a fault), ASGI messages,
 * client events, errors, notes, cancellations, spawns (an arrow from the
 * parent) and ends on their task's lane. Runs, blocks, wakes, yields,
 * choices and timers are left out: they are the Chrome trace's business.
 *
 * At most FL_SEQUENCE_DIAGRAM_ROWS_MAX rows are drawn. When the trace has
 * more such events, faults, errors and cancellations are kept first, then
 * ASGI and client events, notes, spawns and ends, then network events, each
 * class in trace order, and the diagram ends with "N more events not
 * drawn".
 *
 * Deterministic: the same events give the same bytes. Text is escaped for
 * HTML and XML (xml_text.h). */
#ifndef FL_HARNESS_SEQUENCE_DIAGRAM_H
#define FL_HARNESS_SEQUENCE_DIAGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/runtime/trace.h"
#include "sim/runtime/world.h"

enum { FL_SEQUENCE_DIAGRAM_ROWS_MAX = 300 };

/* Writes the diagram of count events whose task ids are at most
 * task_count; task_names[id] names task id (index 0 unused; a NULL name
 * is drawn as "?"). Returns the number of events not drawn. */
size_t fl_sequence_diagram_write(FILE *out, const fl_trace_event_t *events, size_t count,
                                 uint32_t task_count, const char *const *task_names);

/* The same for a world created with keep_trace, after its run. */
size_t fl_sequence_diagram_write_world(FILE *out, fl_world_t *world);

#endif /* FL_HARNESS_SEQUENCE_DIAGRAM_H */
