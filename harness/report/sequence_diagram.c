#include "harness/report/sequence_diagram.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/trace_spans.h"
#include "harness/report/xml_text.h"
#include "sim/runtime/arena.h"

/* The geometry, in pixels. */
enum {
    TIME_W = 96,    /* the virtual-time column */
    TEXT_W = 456,   /* the events' text column, left of the lanes: always in view */
    LANES_X = TIME_W + TEXT_W,
    LANE_W = 104,
    ROW_TEXT_MAX = 66, /* bytes of an event's text in its row (the tooltip has it all) */
    HEADER_H = 58,
    ROW_H = 18,
    FOOTER_H = 28,
    LABEL_MAX = 15, /* bytes of a lane's name per line of its header */
    TEXT_MAX = 200,
};

#define NO_LANE SIZE_MAX

/* Which events are drawn, most important first; NOT_DRAWN for the rest. */
typedef enum importance {
    IMPORTANCE_FAILURE = 0, /* faults, errors, cancellations, violations */
    IMPORTANCE_PROTOCOL = 1, /* ASGI and client events, notes, spawns, ends */
    IMPORTANCE_NETWORK = 2,
    IMPORTANCE_CLASSES = 3,
    NOT_DRAWN = 4,
} importance_t;

typedef struct lane {
    fl_trace_side_t side;
    uint32_t id; /* the task's, or the connection's (client, server: a task) */
} lane_t;

typedef struct diagram {
    FILE *out;
    const fl_trace_spans_t *spans;
    const char *const *task_names;
    lane_t *lanes;
    size_t lane_count;
    size_t *lane_of_task;       /* [task_count + 1]; [0]: the scheduler's, or NO_LANE */
    size_t *lane_of_connection; /* [connection_max + 1] */
    size_t *rows;               /* the drawn events' indexes, in trace order */
    size_t row_count;
} diagram_t;

static void *zeroed(size_t count, size_t size) {
    assert(size > 0);
    void *memory = calloc(count > 0 ? count : 1, size);
    if (memory == NULL) fl__out_of_memory("sequence diagram");
    return memory;
}

static importance_t importance_of(const fl_trace_event_t *e) {
    assert(e != NULL && (int)e->kind < FL_TRACE_KIND_COUNT);
    switch (e->kind) {
    case FL_TRACE_FAULT:
    case FL_TRACE_ERROR:
    case FL_TRACE_VIOLATION:
    case FL_TRACE_SCOPE_CANCEL:
    case FL_TRACE_CANCELLED:
    case FL_TRACE_GROUP_ERROR: return IMPORTANCE_FAILURE;
    case FL_TRACE_ASGI:
    case FL_TRACE_CLIENT:
    case FL_TRACE_NOTE:
    case FL_TRACE_SPAWN:
    case FL_TRACE_DONE: return IMPORTANCE_PROTOCOL;
    case FL_TRACE_NET: return IMPORTANCE_NETWORK;
    default: return NOT_DRAWN;
    }
}

/* The rows: every drawable event when they fit, else the classes in order
 * of importance, each in trace order, while room is left. Returns how many
 * drawable events were left out. */
static size_t choose_rows(diagram_t *d) {
    const fl_trace_spans_t *s = d->spans;
    size_t per_class[IMPORTANCE_CLASSES] = {0};
    for (size_t i = 0; i < s->count; i++) {
        importance_t c = importance_of(&s->events[i]);
        if (c != NOT_DRAWN) per_class[c]++;
    }
    size_t room = FL_SEQUENCE_DIAGRAM_ROWS_MAX, quota[IMPORTANCE_CLASSES], drawable = 0;
    for (int c = 0; c < IMPORTANCE_CLASSES; c++) {
        quota[c] = per_class[c] < room ? per_class[c] : room;
        room -= quota[c];
        drawable += per_class[c];
    }
    d->rows = zeroed(drawable, sizeof *d->rows);
    for (size_t i = 0; i < s->count; i++) {
        importance_t c = importance_of(&s->events[i]);
        if (c == NOT_DRAWN || quota[c] == 0) continue;
        quota[c]--;
        d->rows[d->row_count++] = i;
    }
    assert(d->row_count <= FL_SEQUENCE_DIAGRAM_ROWS_MAX && d->row_count <= drawable);
    return drawable - d->row_count;
}

static bool is_network_event(const fl_trace_event_t *e) {
    return e->kind == FL_TRACE_NET || e->kind == FL_TRACE_FAULT;
}

static void add_lane(diagram_t *d, fl_trace_side_t side, uint32_t id, size_t *slot) {
    assert(d->lanes != NULL && slot != NULL);
    *slot = d->lane_count;
    d->lanes[d->lane_count++] = (lane_t){side, id};
}

/* The lanes, side by side: client tasks, connections, server tasks, and
 * the scheduler when a drawn event has no task. */
static void find_lanes(diagram_t *d) {
    const fl_trace_spans_t *s = d->spans;
    size_t most = (size_t)s->task_count + s->connection_max + 2;
    d->lanes = zeroed(most, sizeof *d->lanes);
    d->lane_of_task = zeroed((size_t)s->task_count + 1, sizeof *d->lane_of_task);
    d->lane_of_connection = zeroed((size_t)s->connection_max + 1, sizeof *d->lane_of_connection);
    for (uint32_t t = 0; t <= s->task_count; t++) d->lane_of_task[t] = NO_LANE;
    for (uint32_t t = 1; t <= s->task_count; t++)
        if (s->side_of_task[t] == FL_TRACE_SIDE_CLIENT)
            add_lane(d, FL_TRACE_SIDE_CLIENT, t, &d->lane_of_task[t]);
    for (uint32_t c = 0; c <= s->connection_max; c++)
        if (s->connection_seen[c]) add_lane(d, FL_TRACE_SIDE_NETWORK, c, &d->lane_of_connection[c]);
    for (uint32_t t = 1; t <= s->task_count; t++)
        if (s->side_of_task[t] == FL_TRACE_SIDE_SERVER)
            add_lane(d, FL_TRACE_SIDE_SERVER, t, &d->lane_of_task[t]);
    for (size_t r = 0; r < d->row_count; r++) {
        const fl_trace_event_t *e = &s->events[d->rows[r]];
        if (e->task != 0 || is_network_event(e)) continue;
        add_lane(d, FL_TRACE_SIDE_SCHEDULER, 0, &d->lane_of_task[0]);
        break;
    }
    assert(d->lane_count <= most);
}

static size_t lane_of_event(const diagram_t *d, const fl_trace_event_t *e) {
    assert(e->task <= d->spans->task_count);
    if (is_network_event(e)) {
        assert(e->object <= d->spans->connection_max); /* find_connections saw it */
        return d->lane_of_connection[e->object];
    }
    return d->lane_of_task[e->task];
}

/* Where an arrow (or, for a fault, a dashed line) comes from: the task
 * that acted on a connection, the parent of a spawned task. */
static size_t source_lane(const diagram_t *d, const fl_trace_event_t *e) {
    assert(e->task <= d->spans->task_count);
    if (is_network_event(e) && e->task != 0) return d->lane_of_task[e->task];
    if (e->kind == FL_TRACE_SPAWN && e->object != 0 && e->object < e->task)
        return d->lane_of_task[e->object];
    return NO_LANE;
}

static void lane_name(const diagram_t *d, size_t lane, char *out, size_t size) {
    assert(lane < d->lane_count && out != NULL);
    const lane_t *l = &d->lanes[lane];
    const char *name = l->side == FL_TRACE_SIDE_CLIENT || l->side == FL_TRACE_SIDE_SERVER
                           ? d->task_names[l->id] : NULL;
    if (l->side == FL_TRACE_SIDE_SCHEDULER) snprintf(out, size, "scheduler");
    else if (l->side == FL_TRACE_SIDE_NETWORK && l->id == 0) snprintf(out, size, "no connection");
    else if (l->side == FL_TRACE_SIDE_NETWORK) snprintf(out, size, "conn #%" PRIu32, l->id);
    else snprintf(out, size, "t%" PRIu32 " %s", l->id, name != NULL ? name : "?");
}

static int lane_x(size_t lane) {
    return LANES_X + (int)lane * LANE_W + LANE_W / 2;
}

static int row_y(size_t row) {
    return HEADER_H + (int)row * ROW_H + ROW_H / 2;
}

static int diagram_width(const diagram_t *d) {
    return LANES_X + (int)d->lane_count * LANE_W + 8;
}

static const char *side_fill(fl_trace_side_t side) {
    switch (side) {
    case FL_TRACE_SIDE_CLIENT: return "#e8f0fe";
    case FL_TRACE_SIDE_NETWORK: return "#f1f3f4";
    case FL_TRACE_SIDE_SERVER: return "#e6f4ea";
    default: return "#fef7e0";
    }
}

static const char *side_title(fl_trace_side_t side) {
    static const char *const titles[] = {"client", "network", "server", "scheduler"};
    assert(side >= FL_TRACE_SIDE_CLIENT && side <= FL_TRACE_SIDE_SCHEDULER);
    return titles[side - FL_TRACE_SIDE_CLIENT];
}

/* text cut to at most most bytes into out (size > most), its last byte
 * '~' when it was cut. */
static void cut_text(const char *text, size_t most, char *out, size_t size) {
    assert(text != NULL && out != NULL && most >= 1 && size > most);
    size_t length = strlen(text);
    if (length <= most) {
        memcpy(out, text, length + 1);
        return;
    }
    memcpy(out, text, most - 1);
    out[most - 1] = '~';
    out[most] = '\0';
    assert(strlen(out) == most);
}

/* One line of a lane's label, cut to fit the lane ('~' says it was). */
static void write_label_line(FILE *out, const char *line, int x, int y) {
    assert(out != NULL && line != NULL);
    char cut[LABEL_MAX + 1];
    cut_text(line, LABEL_MAX, cut, sizeof cut);
    fprintf(out, "<tspan x=\"%d\" y=\"%d\">", x, y);
    fl_xml_text(out, cut);
    fputs("</tspan>", out);
}

/* A lane's name under its side's band: a task's id and name on two lines,
 * the full name as its tooltip. */
static void write_lane_label(const diagram_t *d, size_t lane) {
    char name[TEXT_MAX];
    lane_name(d, lane, name, sizeof name);
    int x = lane_x(lane);
    fprintf(d->out, "<text class=\"lane\" text-anchor=\"middle\"><title>");
    fl_xml_text(d->out, name);
    fputs("</title>", d->out);
    char *space = strchr(name, ' ');
    bool task = d->lanes[lane].side == FL_TRACE_SIDE_CLIENT ||
                d->lanes[lane].side == FL_TRACE_SIDE_SERVER;
    if (task && space != NULL) {
        *space = '\0';
        write_label_line(d->out, name, x, HEADER_H - 26);
        write_label_line(d->out, space + 1, x, HEADER_H - 13);
    } else {
        write_label_line(d->out, name, x, HEADER_H - 13);
    }
    fputs("</text>\n", d->out);
    assert(lane < d->lane_count);
}

/* Each side's band over its lanes, titled, then each lane's name. */
static void write_header(const diagram_t *d) {
    FILE *out = d->out;
    for (size_t first = 0; first < d->lane_count;) {
        size_t last = first;
        while (last + 1 < d->lane_count && d->lanes[last + 1].side == d->lanes[first].side) last++;
        int x = LANES_X + (int)first * LANE_W, w = (int)(last - first + 1) * LANE_W;
        fprintf(out, "<rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", x, w,
                HEADER_H - 4, side_fill(d->lanes[first].side));
        fprintf(out, "<text class=\"side\" x=\"%d\" y=\"16\" text-anchor=\"middle\" "
                     "font-weight=\"bold\">%s</text>\n", x + w / 2, side_title(d->lanes[first].side));
        first = last + 1;
    }
    fprintf(out, "<text x=\"4\" y=\"%d\" fill=\"#5f6368\">time (s)</text>\n",
            HEADER_H - 13);
    fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#5f6368\">event [lane]</text>\n",
            TIME_W + 4, HEADER_H - 13);
    for (size_t lane = 0; lane < d->lane_count; lane++) write_lane_label(d, lane);
    assert(d->lane_count == 0 || d->lanes != NULL);
}

/* Every other row shaded, under the life lines, so a row's text can be
 * followed to its mark. */
static void write_row_bands(const diagram_t *d) {
    for (size_t r = 1; r < d->row_count; r += 2)
        fprintf(d->out, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f8f9fa\"/>\n",
                row_y(r) - ROW_H / 2, diagram_width(d), ROW_H);
    assert(d->out != NULL);
}

/* A lane's life line: a task's from its drawn spawn to its drawn end. */
static void write_lifelines(const diagram_t *d) {
    const fl_trace_spans_t *s = d->spans;
    int bottom = row_y(d->row_count > 0 ? d->row_count - 1 : 0) + ROW_H / 2;
    for (size_t lane = 0; lane < d->lane_count; lane++) {
        int top = HEADER_H, end = bottom;
        for (size_t r = 0; r < d->row_count; r++) {
            const fl_trace_event_t *e = &s->events[d->rows[r]];
            if (lane_of_event(d, e) != lane || is_network_event(e)) continue;
            if (e->kind == FL_TRACE_SPAWN) top = row_y(r);
            if (e->kind == FL_TRACE_DONE) end = row_y(r);
        }
        fprintf(d->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#bdc1c6\"/>\n",
                lane_x(lane), top, lane_x(lane), end);
    }
    assert(bottom >= HEADER_H);
}

/* Virtual nanoseconds as seconds with nine decimals, as timelines say. */
static void format_time(int64_t ns, char *out, size_t size) {
    assert(ns >= 0 && out != NULL);
    snprintf(out, size, "%" PRId64 ".%09" PRId64, ns / 1000000000, ns % 1000000000);
}

static const char *kind_colour(const fl_trace_event_t *e) {
    switch (e->kind) {
    case FL_TRACE_FAULT:
    case FL_TRACE_VIOLATION: return "#d93025";
    case FL_TRACE_ERROR:
    case FL_TRACE_GROUP_ERROR: return "#a50e0e";
    case FL_TRACE_SCOPE_CANCEL:
    case FL_TRACE_CANCELLED: return "#e37400";
    case FL_TRACE_ASGI: return "#1967d2";
    case FL_TRACE_CLIENT: return "#188038";
    case FL_TRACE_DONE: return e->value != 0 ? "#a50e0e" : "#3c4043";
    default: return "#5f6368";
    }
}

/* The event's text: "<kind>: <detail> =<value>", then where it went. */
static void event_text(const diagram_t *d, const fl_trace_event_t *e, size_t lane, char *out,
                       size_t size) {
    char value[32] = "", from[TEXT_MAX] = "", to[TEXT_MAX] = "";
    if (e->value != 0) snprintf(value, sizeof value, " =%" PRId64, e->value);
    size_t source = source_lane(d, e);
    if (source != NO_LANE) lane_name(d, source, from, sizeof from);
    if (lane != NO_LANE) lane_name(d, lane, to, sizeof to);
    snprintf(out, size, "%s%s%s%s  [%s%s%s]", fl_trace_kind_name(e->kind),
             e->detail != NULL ? ": " : "", e->detail != NULL ? e->detail : "", value, from,
             source != NO_LANE ? " -> " : "", to);
    assert(strlen(out) < size);
}

/* The event's mark on its lane: a diamond for a fault, a square for a
 * cancellation, a dot for the rest. */
static void write_mark(FILE *out, const fl_trace_event_t *e, int x, int y) {
    const char *colour = kind_colour(e);
    if (e->kind == FL_TRACE_FAULT)
        fprintf(out, "<polygon points=\"%d,%d %d,%d %d,%d %d,%d\" fill=\"%s\"/>", x, y - 6,
                x + 6, y, x, y + 6, x - 6, y, colour);
    else if (e->kind == FL_TRACE_SCOPE_CANCEL || e->kind == FL_TRACE_CANCELLED)
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"9\" height=\"9\" fill=\"%s\"/>", x - 4,
                y - 4, colour);
    else
        fprintf(out, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>", x, y, colour);
}

/* From the source lane to the event's: an arrow (its head drawn as a
 * triangle: a shared marker would need an id unique in the page), dashed
 * and headless for a fault, which acts on the connection from the task. */
static void write_arrow(FILE *out, const fl_trace_event_t *e, int from_x, int to_x, int y) {
    assert(from_x != to_x);
    const char *colour = kind_colour(e);
    bool fault = e->kind == FL_TRACE_FAULT;
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"%s/>", from_x, y,
            to_x, y, colour, fault ? " stroke-dasharray=\"4 3\"" : "");
    if (fault) return;
    int tip = to_x + (to_x > from_x ? -5 : 5), back = to_x > from_x ? -7 : 7;
    fprintf(out, "<polygon points=\"%d,%d %d,%d %d,%d\" fill=\"%s\"/>", tip, y, tip + back,
            y - 4, tip + back, y + 4, colour);
}

/* One row: the time when it moved, the arrow and the mark, the text. */
static void write_row(const diagram_t *d, size_t r, int64_t *shown_ns) {
    const fl_trace_event_t *e = &d->spans->events[d->rows[r]];
    FILE *out = d->out;
    int y = row_y(r);
    char time[40], text[TEXT_MAX * 3 + 64], shown[ROW_TEXT_MAX + 2];
    format_time(e->time_ns, time, sizeof time);
    size_t lane = lane_of_event(d, e), source = source_lane(d, e);
    event_text(d, e, lane, text, sizeof text);
    fprintf(out, "<g class=\"event\"><title>%s  ", time);
    fl_xml_text(out, text);
    fputs("</title>", out);
    if (r == 0 || e->time_ns != *shown_ns) {
        fprintf(out, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e8eaed\"/>",
                y - ROW_H / 2, diagram_width(d), y - ROW_H / 2);
        fprintf(out, "<text x=\"4\" y=\"%d\" fill=\"#5f6368\">%s</text>", y + 4, time);
        *shown_ns = e->time_ns;
    }
    if (source != NO_LANE && lane != NO_LANE && source != lane)
        write_arrow(out, e, lane_x(source), lane_x(lane), y);
    if (lane != NO_LANE) write_mark(out, e, lane_x(lane), y);
    cut_text(text, ROW_TEXT_MAX, shown, sizeof shown);
    fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"%s\">", TIME_W + 4, y + 4, kind_colour(e));
    fl_xml_text(out, shown);
    fputs("</text></g>\n", out);
    assert(*shown_ns == e->time_ns);
}

static void write_footer(const diagram_t *d, size_t not_drawn) {
    int y = row_y(d->row_count) + 4;
    if (d->row_count == 0)
        fprintf(d->out, "<text class=\"note\" x=\"4\" y=\"%d\">no events kept: the trace "
                        "is empty</text>\n", y);
    if (not_drawn > 0)
        fprintf(d->out, "<text class=\"note\" x=\"4\" y=\"%d\">%zu more events not drawn "
                        "(faults, errors and cancellations come first, then ASGI and client "
                        "events, then the network's, each in trace order)</text>\n", y,
                not_drawn);
    assert(d->row_count > 0 || not_drawn == 0);
}

static void diagram_free(diagram_t *d) {
    free(d->lanes);
    free(d->lane_of_task);
    free(d->lane_of_connection);
    free(d->rows);
    memset(d, 0, sizeof *d);
}

size_t fl_sequence_diagram_write(FILE *out, const fl_trace_event_t *events, size_t count,
                                 uint32_t task_count, const char *const *task_names) {
    assert(out != NULL && (events != NULL || count == 0) && task_names != NULL);
    fl_trace_spans_t spans;
    fl_trace_spans_build(&spans, events, count, task_count);
    diagram_t d = {.out = out, .spans = &spans, .task_names = task_names};
    size_t not_drawn = choose_rows(&d);
    find_lanes(&d);
    int width = diagram_width(&d);
    int height = row_y(d.row_count) + FOOTER_H;
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sequence\" role=\"img\" "
                 "aria-label=\"sequence diagram\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"11\">\n",
            width, height, width, height);
    fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height);
    write_header(&d);
    write_row_bands(&d);
    write_lifelines(&d);
    int64_t shown_ns = 0;
    for (size_t r = 0; r < d.row_count; r++) write_row(&d, r, &shown_ns);
    write_footer(&d, not_drawn);
    fputs("</svg>\n", out);
    diagram_free(&d);
    fl_trace_spans_free(&spans);
    return not_drawn;
}

size_t fl_sequence_diagram_write_world(FILE *out, fl_world_t *world) {
    assert(out != NULL && world != NULL);
    size_t count = 0;
    const fl_trace_event_t *events = fl_trace_events(fl_world_trace(world), &count);
    uint32_t task_count = (uint32_t)fl_world_task_count(world);
    const char **names = zeroed((size_t)task_count + 1, sizeof *names);
    for (uint32_t id = 1; id <= task_count; id++) names[id] = fl_task_name(fl_world_task(world, id));
    size_t not_drawn = fl_sequence_diagram_write(out, events, count, task_count, names);
    free(names);
    assert(not_drawn <= count);
    return not_drawn;
}
