#include "harness/report/chrome_trace.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#include "harness/json/json.h"
#include "harness/report/trace_spans.h"

/* Thread ids are global in some viewers, so each kind of lane has its own
 * range: tasks keep their ids, connections and the scheduler sit above. */
enum {
    TID_CONNECTION_BASE = 1000000000,
    TID_SCHEDULER = 2000000000,
    NAME_MAX = 160,
};

typedef struct lane {
    uint32_t pid;
    uint32_t tid;
} lane_t;

typedef struct writer {
    fl_json_writer_t json;
    fl_world_t *world;
    const fl_trace_spans_t *spans;
} writer_t;

static lane_t task_lane(const fl_trace_spans_t *s, uint32_t task) {
    assert(task <= s->task_count && task < TID_CONNECTION_BASE);
    if (task == 0) return (lane_t){FL_TRACE_SIDE_SCHEDULER, TID_SCHEDULER};
    return (lane_t){(uint32_t)s->side_of_task[task], task};
}

static lane_t connection_lane(uint32_t connection) {
    assert(connection < TID_SCHEDULER - TID_CONNECTION_BASE);
    return (lane_t){FL_TRACE_SIDE_NETWORK, TID_CONNECTION_BASE + connection};
}

/* The keys every event starts with; the caller adds the rest and closes. */
static void event_head(writer_t *w, const char *name, const char *cat, const char *ph, lane_t lane) {
    assert(w->json.depth == 2); /* an item of traceEvents */
    assert(name != NULL && ph != NULL);
    fl_json_object_begin(&w->json);
    fl_json_key(&w->json, "name");
    fl_json_string(&w->json, name);
    if (cat != NULL) {
        fl_json_key(&w->json, "cat");
        fl_json_string(&w->json, cat);
    }
    fl_json_key(&w->json, "ph");
    fl_json_string(&w->json, ph);
    fl_json_key(&w->json, "pid");
    fl_json_uint(&w->json, lane.pid);
    fl_json_key(&w->json, "tid");
    fl_json_uint(&w->json, lane.tid);
}

/* Virtual nanoseconds as the format's microseconds, exactly: a whole
 * number when it is one (Perfetto reads integers exactly, but scales a
 * fraction as a double, which can lose a nanosecond), else three
 * decimals. */
static void time_key(writer_t *w, const char *key, int64_t ns) {
    assert(key != NULL && w->json.depth == 3);
    assert(ns >= 0); /* virtual time starts at 0 */
    fl_json_key(&w->json, key);
    if (ns % 1000 == 0) fl_json_int(&w->json, ns / 1000);
    else fl_json_decimal(&w->json, ns, 3);
}

/* A metadata event naming a process or a thread. Viewers order processes
 * and threads by their ids, which are the order wanted: client, network,
 * server, scheduler; tasks by id; so no sort_index events are needed. */
static void metadata(writer_t *w, const char *what, lane_t lane, const char *name) {
    assert(name != NULL);
    event_head(w, what, NULL, "M", lane);
    fl_json_key(&w->json, "args");
    fl_json_object_begin(&w->json);
    fl_json_key(&w->json, "name");
    fl_json_string(&w->json, name);
    fl_json_object_end(&w->json);
    fl_json_object_end(&w->json);
    assert(w->json.depth == 2);
}

static void write_metadata(writer_t *w) {
    static const char *const process_names[] = {"client", "network", "server", "scheduler"};
    const fl_trace_spans_t *s = w->spans;
    for (uint32_t pid = FL_TRACE_SIDE_CLIENT; pid <= FL_TRACE_SIDE_SCHEDULER; pid++) {
        metadata(w, "process_name", (lane_t){pid, 0}, process_names[pid - 1]);
    }
    char name[NAME_MAX];
    for (uint32_t id = 1; id <= s->task_count; id++) {
        snprintf(name, sizeof name, "t%" PRIu32 " %s", id, fl_task_name(fl_world_task(w->world, id)));
        metadata(w, "thread_name", task_lane(s, id), name);
    }
    for (uint32_t c = 0; c <= s->connection_max; c++) {
        if (!s->connection_seen[c]) continue;
        if (c == 0) snprintf(name, sizeof name, "network (no connection)");
        else snprintf(name, sizeof name, "conn #%" PRIu32, c);
        metadata(w, "thread_name", connection_lane(c), name);
    }
    metadata(w, "thread_name", task_lane(s, 0), "scheduler (timers, choices)");
}

static void event_args(writer_t *w, const fl_trace_event_t *e) {
    assert(e != NULL && w->json.depth == 3);
    fl_json_key(&w->json, "args");
    fl_json_object_begin(&w->json);
    fl_json_key(&w->json, "kind");
    fl_json_string(&w->json, fl_trace_kind_name(e->kind));
    fl_json_key(&w->json, "time_ns");
    fl_json_int(&w->json, e->time_ns);
    fl_json_key(&w->json, "task");
    fl_json_uint(&w->json, e->task);
    fl_json_key(&w->json, "object");
    fl_json_uint(&w->json, e->object);
    fl_json_key(&w->json, "value");
    fl_json_int(&w->json, e->value);
    if (e->detail != NULL) {
        fl_json_key(&w->json, "detail");
        fl_json_string(&w->json, e->detail);
    }
    fl_json_object_end(&w->json);
}

static void instant(writer_t *w, const fl_trace_event_t *e, lane_t lane, const char *name) {
    assert(e != NULL && name != NULL);
    event_head(w, name, fl_trace_kind_name(e->kind), "i", lane);
    fl_json_key(&w->json, "s");
    fl_json_string(&w->json, "t");
    time_key(w, "ts", e->time_ns);
    event_args(w, e);
    fl_json_object_end(&w->json);
    assert(w->json.depth == 2);
}

/* An instant named "<kind>: <detail>" (or the kind alone). */
static void instant_of(writer_t *w, const fl_trace_event_t *e, lane_t lane) {
    assert(w != NULL && e != NULL);
    assert(e->kind != FL_TRACE_RUN && e->kind != FL_TRACE_BLOCK); /* those are slices */
    char name[NAME_MAX];
    if (e->detail != NULL)
        snprintf(name, sizeof name, "%s: %s", fl_trace_kind_name(e->kind), e->detail);
    else
        snprintf(name, sizeof name, "%s", fl_trace_kind_name(e->kind));
    instant(w, e, lane, name);
}

/* A wake or spawn draws a flow when it led to a run, and when it had a
 * source: a running task, or (for a wake) the scheduler. */
static bool has_flow(const fl_trace_spans_t *s, size_t cause) {
    assert(cause < s->count);
    const fl_trace_event_t *e = &s->events[cause];
    assert(e->kind == FL_TRACE_WAKE || e->kind == FL_TRACE_SPAWN);
    return s->end_of[cause] != FL_TRACE_SPAN_NONE &&
           (e->kind == FL_TRACE_WAKE || s->running[cause] != 0);
}

static void flow_event(writer_t *w, size_t cause, const char *ph, lane_t lane, int64_t ns) {
    assert(cause < w->spans->count && has_flow(w->spans, cause));
    const fl_trace_event_t *e = &w->spans->events[cause];
    const char *name = e->kind == FL_TRACE_SPAWN ? "spawn" : "wake";
    event_head(w, name, name, ph, lane);
    time_key(w, "ts", ns);
    fl_json_key(&w->json, "id");
    fl_json_uint(&w->json, (uint64_t)cause + 1); /* an event's index: unique, never 0 */
    fl_json_object_end(&w->json);
    assert(w->json.depth == 2);
}

/* A slice's end: its ending event's time, or the trace's end. */
static int64_t end_ns(const fl_trace_spans_t *s, size_t i) {
    size_t end = s->end_of[i];
    int64_t ns = end != FL_TRACE_SPAN_NONE ? s->events[end].time_ns : fl_trace_spans_end_ns(s);
    assert(ns >= s->events[i].time_ns); /* virtual time never goes back */
    return ns;
}

static void slice(writer_t *w, size_t i, const char *name, const char *cat, const char *ends) {
    const fl_trace_spans_t *s = w->spans;
    assert(i < s->count && ends != NULL);
    const fl_trace_event_t *e = &s->events[i];
    event_head(w, name, cat, "X", task_lane(s, e->task));
    time_key(w, "ts", e->time_ns);
    time_key(w, "dur", end_ns(s, i) - e->time_ns);
    fl_json_key(&w->json, "args");
    fl_json_object_begin(&w->json);
    fl_json_key(&w->json, "time_ns");
    fl_json_int(&w->json, e->time_ns);
    fl_json_key(&w->json, "ends");
    fl_json_string(&w->json, ends);
    if (e->object != 0) {
        fl_json_key(&w->json, "object");
        fl_json_uint(&w->json, e->object);
    }
    fl_json_object_end(&w->json);
    fl_json_object_end(&w->json);
    assert(w->json.depth == 2);
}

/* A run: the flow that ends in it, its slice, then the flows that start in
 * it (right after the slice, so that a viewer binds them to it). */
static void write_run(writer_t *w, size_t i) {
    const fl_trace_spans_t *s = w->spans;
    const fl_trace_event_t *e = &s->events[i];
    assert(e->kind == FL_TRACE_RUN && e->task != 0);
    size_t cause = s->cause_of[i];
    if (cause != FL_TRACE_SPAN_NONE && has_flow(s, cause))
        flow_event(w, cause, "f", task_lane(s, e->task), e->time_ns);
    size_t end = s->end_of[i];
    slice(w, i, "run", "run",
          end != FL_TRACE_SPAN_NONE ? fl_trace_kind_name(s->events[end].kind) : "trace end");
    size_t last = end != FL_TRACE_SPAN_NONE ? end : s->count - 1;
    for (size_t j = i + 1; j <= last; j++) {
        const fl_trace_event_t *c = &s->events[j];
        bool causes = c->kind == FL_TRACE_WAKE || c->kind == FL_TRACE_SPAWN;
        if (causes && c->task != e->task && has_flow(s, j))
            flow_event(w, j, "s", task_lane(s, e->task), c->time_ns);
    }
}

static void write_wait(writer_t *w, size_t i) {
    const fl_trace_event_t *e = &w->spans->events[i];
    assert(e->kind == FL_TRACE_BLOCK);
    char name[NAME_MAX];
    snprintf(name, sizeof name, "blocked: %s", e->detail != NULL ? e->detail : "wait");
    bool woken = w->spans->end_of[i] != FL_TRACE_SPAN_NONE;
    slice(w, i, name, "wait", woken ? "run" : "trace end");
}

/* A wake from no task (a timer, the scheduler's cancellation delivery):
 * an instant on the scheduler's thread for its flow to start from. */
static void write_scheduler_wake(writer_t *w, size_t i) {
    const fl_trace_spans_t *s = w->spans;
    const fl_trace_event_t *e = &s->events[i];
    assert(e->kind == FL_TRACE_WAKE && s->running[i] == 0);
    char name[NAME_MAX];
    snprintf(name, sizeof name, "wake: t%" PRIu32 " %s", e->task,
             fl_task_name(fl_world_task(w->world, e->task)));
    instant(w, e, task_lane(s, 0), name);
    if (has_flow(s, i)) flow_event(w, i, "s", task_lane(s, 0), e->time_ns);
}

static void write_event(writer_t *w, size_t i) {
    const fl_trace_spans_t *s = w->spans;
    const fl_trace_event_t *e = &s->events[i];
    assert((int)e->kind >= 0 && (int)e->kind < FL_TRACE_KIND_COUNT);
    switch (e->kind) {
    case FL_TRACE_RUN:
        if (e->task != 0) write_run(w, i);
        break;
    case FL_TRACE_BLOCK: write_wait(w, i); break;
    case FL_TRACE_YIELD: break; /* the end of a run slice, said by its args */
    case FL_TRACE_WAKE:
        if (s->running[i] == 0 && e->task != 0) write_scheduler_wake(w, i);
        break;
    case FL_TRACE_NET: instant_of(w, e, connection_lane(e->object)); break;
    case FL_TRACE_FAULT:
        instant_of(w, e, connection_lane(e->object));
        if (e->task != 0) instant_of(w, e, task_lane(s, e->task));
        break;
    case FL_TRACE_CHOICE:
    case FL_TRACE_TIMER: instant_of(w, e, task_lane(s, 0)); break;
    default: instant_of(w, e, task_lane(s, e->task)); break;
    }
    assert(w->json.depth == 2);
}

void fl_chrome_trace_write(fl_world_t *world, FILE *out) {
    assert(world != NULL && out != NULL);
    size_t count = 0;
    const fl_trace_event_t *events = fl_trace_events(fl_world_trace(world), &count);
    assert(events != NULL || count == 0);
    fl_trace_spans_t spans;
    fl_trace_spans_build(&spans, events, count, (uint32_t)fl_world_task_count(world));
    writer_t w = {.world = world, .spans = &spans};
    fl_json_init(&w.json, out);
    fl_json_object_begin(&w.json);
    /* No displayTimeUnit: Perfetto takes "ns" there as the unit of every
     * timestamp, not of the display; the format's default, microseconds,
     * is what ts and dur are in. */
    fl_json_key(&w.json, "traceEvents");
    fl_json_array_begin(&w.json);
    write_metadata(&w);
    for (size_t i = 0; i < count; i++) write_event(&w, i);
    fl_json_array_end(&w.json);
    fl_json_object_end(&w.json);
    assert(fl_json_complete(&w.json));
    fputc('\n', out);
    fl_trace_spans_free(&spans);
}
