/* The run's trace: every event with virtual time and ids, never pointers.
 *
 * Every event updates a running 64-bit hash, the run's fingerprint: the same
 * scenario, seed and policy give the same hash, and any change in order,
 * timing or content changes it. Keeping the event records themselves is
 * optional (a benchmark or a suite of thousands of seeds needs only the hash;
 * replay keeps them to print a timeline).
 */
#ifndef FL_TRACE_H
#define FL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* X(ENUM, "name") — the runtime's events, then the layers above it. */
#define FL_TRACE_KINDS(X)                                                      \
    X(SPAWN, "spawn")         /* object: parent task id */                     \
    X(RUN, "run")             /* the scheduler resumed the task */            \
    X(CHOICE, "choice")       /* value: chosen index; object: ready count */   \
    X(BLOCK, "block")         /* object: waited-on object id */                \
    X(WAKE, "wake")           /* value: status delivered */                    \
    X(YIELD, "yield")                                                          \
    X(DONE, "done")           /* value: 1 when the task ended with an error */ \
    X(SCOPE_CANCEL, "cancel") /* object: scope id */                           \
    X(CANCELLED, "cancelled") /* a checkpoint raised Cancelled */              \
    X(TIMER, "timer")         /* clock advanced: value = new time */           \
    X(GROUP_ERROR, "group-error")                                              \
    X(VIOLATION, "violation") /* an invariant broke: detail says which */      \
    X(NET, "net")                                                              \
    X(FAULT, "fault")                                                          \
    X(ASGI, "asgi")                                                            \
    X(CLIENT, "client")                                                        \
    X(ERROR, "error")                                                          \
    X(NOTE, "note")

typedef enum fl_trace_kind {
#define FL__TRACE_KIND_ENUM(id, name) FL_TRACE_##id,
    FL_TRACE_KINDS(FL__TRACE_KIND_ENUM)
#undef FL__TRACE_KIND_ENUM
    FL_TRACE_KIND_COUNT
} fl_trace_kind_t;

typedef struct fl_trace_event {
    int64_t time_ns;
    fl_trace_kind_t kind;
    uint32_t task;     /* 0: the scheduler itself */
    uint32_t object;   /* an object id, or an event-specific number */
    int64_t value;
    const char *detail; /* static or owned by the world's arena; may be NULL */
} fl_trace_event_t;

/* Called with each event the moment it is recorded, kept or not; the event
 * is only valid during the call. */
typedef void (*fl_trace_sink_fn)(void *context, const fl_trace_event_t *event);

typedef struct fl_trace {
    uint64_t hash;
    uint64_t count;
    uint64_t kind_counts[FL_TRACE_KIND_COUNT];
    bool keep_events;
    fl_trace_event_t *events; /* malloc'd, grown by doubling */
    size_t event_capacity;
    size_t event_limit;       /* records past this are counted, not kept */
    fl_trace_sink_fn sink;    /* NULL: none (fl_trace_set_sink) */
    void *sink_context;
} fl_trace_t;

const char *fl_trace_kind_name(fl_trace_kind_t kind);

/* keep_events: whether to store records (the hash is always kept). */
void fl_trace_init(fl_trace_t *trace, bool keep_events);
void fl_trace_destroy(fl_trace_t *trace);

/* Installs (or, with NULL, removes) the function each event is handed to as
 * it is recorded: a timeline streamed while the run goes, so a run that dies
 * on an assertion has written everything up to its crash. context is the
 * caller's. */
void fl_trace_set_sink(fl_trace_t *trace, fl_trace_sink_fn sink, void *context);

/* Records an event. detail must outlive the trace (static or arena). */
void fl_trace_emit(fl_trace_t *trace, int64_t time_ns, fl_trace_kind_t kind, uint32_t task,
                   uint32_t object, int64_t value, const char *detail);

/* Number of events recorded (kept or not). */
static inline uint64_t fl_trace_count(const fl_trace_t *trace) { return trace->count; }

/* The run's fingerprint so far. */
uint64_t fl_trace_hash(const fl_trace_t *trace);

/* Kept records (NULL/0 when keep_events was false). */
const fl_trace_event_t *fl_trace_events(const fl_trace_t *trace, size_t *count_out);

#endif /* FL_TRACE_H */
