#include "harness/report/trace_spans.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

/* count zeroed items of size bytes from the spans' arena (out of memory
 * aborts there). */
static void *zeroed(fl_trace_spans_t *s, size_t count, size_t size) {
    assert(s != NULL && size > 0);
    assert(count <= SIZE_MAX / size); /* the product below does not wrap */
    return fl_arena_zalloc(&s->arena, count * size);
}

static size_t *indexes_none(fl_trace_spans_t *s, size_t count) {
    size_t *indexes = zeroed(s, count, sizeof *indexes);
    for (size_t i = 0; i < count; i++) indexes[i] = FL_TRACE_SPAN_NONE;
    assert(count == 0 || indexes[count - 1] == FL_TRACE_SPAN_NONE);
    return indexes;
}

/* What the slice pass keeps per task: the open run slice, the wait that
 * its next run ends, the cause that its next run follows. */
typedef struct task_marks {
    size_t *open_run;
    size_t *open_wait;
    size_t *pending_cause;
} task_marks_t;

static void run_begins(fl_trace_spans_t *s, task_marks_t *m, size_t i, uint32_t task) {
    assert(task >= 1 && task <= s->task_count);
    assert(s->events[i].kind == FL_TRACE_RUN);
    m->open_run[task] = i;
    if (m->open_wait[task] != FL_TRACE_SPAN_NONE) s->end_of[m->open_wait[task]] = i;
    m->open_wait[task] = FL_TRACE_SPAN_NONE;
    if (m->pending_cause[task] != FL_TRACE_SPAN_NONE) {
        s->cause_of[i] = m->pending_cause[task];
        s->end_of[m->pending_cause[task]] = i;
    }
    m->pending_cause[task] = FL_TRACE_SPAN_NONE;
}

/* A block, yield or done of the running task ends its slice. */
static bool ends_slice(const fl_trace_event_t *e, uint32_t current) {
    bool boundary = e->kind == FL_TRACE_BLOCK || e->kind == FL_TRACE_YIELD ||
                    e->kind == FL_TRACE_DONE;
    return boundary && current != 0 && e->task == current;
}

/* One pass in trace order: which task ran each event, where each slice and
 * wait ends, which cause each run follows. */
static void find_slices(fl_trace_spans_t *s, task_marks_t *m) {
    uint32_t current = 0;
    for (size_t i = 0; i < s->count; i++) {
        const fl_trace_event_t *e = &s->events[i];
        assert(e->task <= s->task_count);
        if (e->kind == FL_TRACE_RUN && e->task != 0) {
            current = e->task;
            run_begins(s, m, i, e->task);
        }
        s->running[i] = current;
        if ((e->kind == FL_TRACE_WAKE || e->kind == FL_TRACE_SPAWN) && e->task != 0 &&
            e->task != current)
            m->pending_cause[e->task] = i;
        if (ends_slice(e, current)) {
            if (m->open_run[current] != FL_TRACE_SPAN_NONE) s->end_of[m->open_run[current]] = i;
            m->open_run[current] = FL_TRACE_SPAN_NONE;
            if (e->kind == FL_TRACE_BLOCK) m->open_wait[current] = i;
            current = 0;
        }
    }
    assert(current == 0 || s->running[s->count - 1] == current);
}

/* The tasks' parents from their spawns, the acceptors from their blocks;
 * then each task's side, parents first (a parent's id is below its
 * child's: it existed first). */
static void find_sides(fl_trace_spans_t *s) {
    uint32_t *parent = zeroed(s, (size_t)s->task_count + 1, sizeof *parent);
    bool *accepts = zeroed(s, (size_t)s->task_count + 1, sizeof *accepts);
    for (size_t i = 0; i < s->count; i++) {
        const fl_trace_event_t *e = &s->events[i];
        if (e->kind == FL_TRACE_SPAWN && e->object < e->task) parent[e->task] = e->object;
        if (e->kind == FL_TRACE_BLOCK && e->detail != NULL && strcmp(e->detail, "accept") == 0)
            accepts[e->task] = true;
    }
    s->side_of_task[0] = FL_TRACE_SIDE_SCHEDULER;
    for (uint32_t id = 1; id <= s->task_count; id++) {
        assert(parent[id] < id);
        if (parent[id] != 0) s->side_of_task[id] = s->side_of_task[parent[id]];
        else s->side_of_task[id] = accepts[id] ? FL_TRACE_SIDE_SERVER : FL_TRACE_SIDE_CLIENT;
    }
}

static bool is_network_event(const fl_trace_event_t *e) {
    assert(e != NULL && (int)e->kind < FL_TRACE_KIND_COUNT);
    return e->kind == FL_TRACE_NET || e->kind == FL_TRACE_FAULT;
}

static void find_connections(fl_trace_spans_t *s) {
    assert(s->connection_seen == NULL); /* found once */
    s->connection_max = 0;
    for (size_t i = 0; i < s->count; i++)
        if (is_network_event(&s->events[i]) && s->events[i].object > s->connection_max)
            s->connection_max = s->events[i].object;
    s->connection_seen = zeroed(s, (size_t)s->connection_max + 1, sizeof *s->connection_seen);
    for (size_t i = 0; i < s->count; i++)
        if (is_network_event(&s->events[i])) s->connection_seen[s->events[i].object] = true;
    assert(s->connection_seen != NULL);
}

void fl_trace_spans_build(fl_trace_spans_t *s, const fl_trace_event_t *events, size_t count,
                          uint32_t task_count) {
    assert(s != NULL && (events != NULL || count == 0));
    memset(s, 0, sizeof *s);
    s->events = events;
    s->count = count;
    s->task_count = task_count;
    fl_arena_init(&s->arena);
    s->side_of_task = zeroed(s, (size_t)task_count + 1, sizeof *s->side_of_task);
    s->running = zeroed(s, count, sizeof *s->running);
    s->end_of = indexes_none(s, count);
    s->cause_of = indexes_none(s, count);
    task_marks_t marks = {
        .open_run = indexes_none(s, (size_t)task_count + 1),
        .open_wait = indexes_none(s, (size_t)task_count + 1),
        .pending_cause = indexes_none(s, (size_t)task_count + 1),
    };
    find_slices(s, &marks);
    find_sides(s);
    find_connections(s);
    assert(s->side_of_task[0] == FL_TRACE_SIDE_SCHEDULER);
}

void fl_trace_spans_free(fl_trace_spans_t *s) {
    assert(s != NULL);
    fl_arena_destroy(&s->arena); /* every array, the build's scratch too */
    memset(s, 0, sizeof *s);
}

int64_t fl_trace_spans_end_ns(const fl_trace_spans_t *s) {
    assert(s != NULL);
    return s->count > 0 ? s->events[s->count - 1].time_ns : 0;
}
