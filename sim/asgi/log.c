#include "sim/asgi/log.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/format.h"

static const char *const kind_names[FL_SERVER_LOG_KIND_COUNT] = {
#define FL__SERVER_LOG_NAME(id, name) [FL_SERVER_LOG_##id] = name,
    FL_SERVER_LOG_KINDS(FL__SERVER_LOG_NAME)
#undef FL__SERVER_LOG_NAME
};

struct fl_server_log {
    fl_world_t *world;
    fl_arena_t *arena;              /* the world's, even when a task has its own */
    fl_server_log_entry_t *entries; /* arena, grown by copying */
    size_t count;
    size_t capacity;
    fl_server_log_sink_fn sink;     /* set: entries go there and are not kept */
    void *sink_context;
};

const char *fl_server_log_kind_name(fl_server_log_kind_t kind) {
    return kind < FL_SERVER_LOG_KIND_COUNT ? kind_names[kind] : "unknown";
}

fl_server_log_t *fl_server_log_create(fl_world_t *world) {
    assert(world != NULL);
    fl_server_log_t *log = fl_arena_zalloc(fl_world_arena(world), sizeof *log);
    log->world = world;
    log->arena = fl_world_arena(world);
    assert(log->count == 0 && log->capacity == 0);
    return log;
}

void fl_server_log_set_sink(fl_server_log_t *log, fl_server_log_sink_fn sink, void *context) {
    assert(log != NULL);
    log->sink = sink;
    log->sink_context = context;
}

/* An entry for the sink: traced and handed over, not kept. */
static void hand_over(fl_server_log_t *log, const fl_server_log_entry_t *entry) {
    assert(log->sink != NULL && entry->text != NULL);
    fl_world_t *w = log->world;
    fl_task_t *task = fl_current_task(w);
    fl_trace_emit(fl_world_trace(w), fl_now(w), FL_TRACE_ASGI, task ? fl_task_id(task) : 0,
                  entry->cycle, entry->value, entry->text);
    log->sink(log->sink_context, entry);
}

static fl_server_log_entry_t *append(fl_server_log_t *log) {
    assert(log != NULL && log->world != NULL && log->count <= log->capacity);
    assert(log->entries != NULL || log->capacity == 0);
    if (log->count == log->capacity) {
        size_t capacity = log->capacity ? log->capacity * 2 : 32;
        fl_server_log_entry_t *grown =
            fl_arena_alloc(log->arena, capacity * sizeof *grown);
        if (log->count) memcpy(grown, log->entries, log->count * sizeof *grown);
        log->entries = grown;
        log->capacity = capacity;
    }
    fl_server_log_entry_t *entry = &log->entries[log->count++];
    assert(log->count <= log->capacity);
    memset(entry, 0, sizeof *entry);
    return entry;
}

static void record(fl_server_log_t *log, fl_server_log_entry_t *entry) {
    assert(entry->text != NULL && entry->kind < FL_SERVER_LOG_KIND_COUNT);
    /* The entry is the one append just gave out: the log's last. */
    assert(log->count > 0 && entry == &log->entries[log->count - 1]);
    fl_world_t *w = log->world;
    fl_task_t *task = fl_current_task(w);
    fl_trace_emit(fl_world_trace(w), fl_now(w), FL_TRACE_ASGI, task ? fl_task_id(task) : 0,
                  entry->cycle, entry->value, entry->text);
}

void fl_server_log_add(fl_server_log_t *log, fl_server_log_kind_t kind, uint32_t cycle,
                       int64_t value, const char *format, ...) {
    assert(log != NULL && kind < FL_SERVER_LOG_KIND_COUNT && format != NULL);
    fl_server_log_entry_t handed = {0};
    fl_server_log_entry_t *entry = log->sink != NULL ? &handed : append(log);
    entry->kind = kind;
    entry->cycle = cycle;
    entry->value = value;
    entry->time_ns = fl_now(log->world);
    /* "kind text", formatted once into a line buffer: the server logs on
     * every chunk it sends, so this is on the hot path of every run. */
    char line[256];
    const char *name = fl_server_log_kind_name(kind);
    size_t prefix = strlen(name) + 1;
    assert(prefix < sizeof line / 2); /* kind names are short */
    memcpy(line, name, prefix - 1);
    line[prefix - 1] = ' ';
    va_list args;
    va_start(args, format);
    int n = fl_vformat(line + prefix, sizeof line - prefix, format, args);
    va_end(args);
    if (log->sink != NULL) { /* a longer text is cut: the sink's lines are for people */
        entry->text = line;
        hand_over(log, entry);
        return;
    }
    fl_arena_t *arena = log->arena;
    if (n >= 0 && (size_t)n < sizeof line - prefix) {
        char *text = fl_arena_alloc(arena, prefix + (size_t)n + 1);
        memcpy(text, line, prefix + (size_t)n + 1);
        entry->text = text;
    } else { /* longer than the line: format again at its full size */
        va_start(args, format);
        char *body = fl_arena_vprintf(arena, format, args);
        va_end(args);
        entry->text = fl_arena_printf(arena, "%s %s", name, body);
    }
    record(log, entry);
}

void fl_server_log_error(fl_server_log_t *log, uint32_t cycle, const char *prefix,
                         const fl_error_t *error) {
    assert(log != NULL && prefix != NULL);
    fl_server_log_entry_t handed = {0};
    fl_server_log_entry_t *entry = log->sink != NULL ? &handed : append(log);
    entry->kind = FL_SERVER_LOG_ERROR;
    entry->cycle = cycle;
    entry->time_ns = fl_now(log->world);
    if (error != NULL) {
        entry->has_error_kind = true;
        entry->error_kind = error->kind;
    }
    if (log->sink != NULL) {
        char line[1024];
        if (error != NULL)
            fl_format(line, sizeof line, "error %s: %s: %s", prefix,
                      fl_error_kind_name(error->kind), error->message);
        else
            fl_format(line, sizeof line, "error %s", prefix);
        entry->text = line;
        hand_over(log, entry);
        return;
    }
    if (error != NULL)
        entry->text = fl_arena_printf(log->arena, "error %s: %s: %s", prefix,
                                      fl_error_kind_name(error->kind), error->message);
    else
        entry->text = fl_arena_printf(log->arena, "error %s", prefix);
    record(log, entry);
}

/* A cycle's state as the sent entries tell it. */
typedef struct cycle_seen {
    uint32_t cycle;
    unsigned starts;
    bool complete;
} cycle_seen_t;

static cycle_seen_t *seen_for(cycle_seen_t *seen, size_t *count, size_t capacity, uint32_t cycle) {
    assert(seen != NULL && count != NULL && *count <= capacity);
    assert(cycle != 0); /* entries outside a cycle are skipped */
    for (size_t i = 0; i < *count; i++)
        if (seen[i].cycle == cycle) return &seen[i];
    assert(*count < capacity);
    seen[*count] = (cycle_seen_t){.cycle = cycle};
    return &seen[(*count)++];
}

bool fl_server_log_check_cycles(const fl_server_log_t *log, char *second_start,
                                size_t second_start_size, char *after_completion,
                                size_t after_completion_size) {
    static const char START[] = "sent http.response.start";
    static const char BODY[] = "sent http.response.body";
    static const char MORE[] = " more";
    assert(log != NULL && (second_start != NULL || second_start_size == 0));
    assert(after_completion != NULL || after_completion_size == 0);
    if (second_start_size > 0) second_start[0] = '\0';
    if (after_completion_size > 0) after_completion[0] = '\0';
    bool held = true;
    if (log->count == 0) return true;
    /* At most one cycle per entry; the log lives in the world's arena. */
    cycle_seen_t *seen = fl_arena_alloc(fl_world_arena(log->world), log->count * sizeof *seen);
    size_t seen_count = 0;
    for (size_t i = 0; i < log->count; i++) {
        const fl_server_log_entry_t *e = &log->entries[i];
        if (e->kind != FL_SERVER_LOG_MESSAGE_SENT || e->cycle == 0) continue;
        cycle_seen_t *c = seen_for(seen, &seen_count, log->count, e->cycle);
        assert(c->cycle == e->cycle && seen_count <= i + 1); /* one new cycle per entry at most */
        if (c->complete) {
            if (after_completion_size > 0 && after_completion[0] == '\0')
                snprintf(after_completion, after_completion_size,
                         "cycle %u: \"%s\" after the response completed", e->cycle, e->text);
            held = false;
        }
        if (strncmp(e->text, START, sizeof START - 1) == 0) {
            if (++c->starts == 2) {
                if (second_start_size > 0 && second_start[0] == '\0')
                    snprintf(second_start, second_start_size,
                             "cycle %u: a second http.response.start", e->cycle);
                held = false;
            }
        } else if (strncmp(e->text, BODY, sizeof BODY - 1) == 0) {
            size_t length = strlen(e->text);
            bool more = length >= sizeof MORE - 1 &&
                        strcmp(e->text + length - (sizeof MORE - 1), MORE) == 0;
            if (!more) c->complete = true;
        }
    }
    return held;
}

size_t fl_server_log_count(const fl_server_log_t *log) {
    assert(log != NULL && log->count <= log->capacity);
    return log->count;
}

const fl_server_log_entry_t *fl_server_log_entry(const fl_server_log_t *log, size_t index) {
    assert(log != NULL && log->count <= log->capacity);
    return index < log->count ? &log->entries[index] : NULL;
}

size_t fl_server_log_matches(const fl_server_log_t *log, fl_server_log_kind_t kind,
                             uint32_t cycle, const char *text) {
    return fl_server_log_matches_between(log, kind, cycle, text, 0, INT64_MAX);
}

size_t fl_server_log_matches_between(const fl_server_log_t *log, fl_server_log_kind_t kind,
                                     uint32_t cycle, const char *text, int64_t from_ns,
                                     int64_t to_ns) {
    assert(log != NULL && kind < FL_SERVER_LOG_KIND_COUNT && from_ns <= to_ns);
    size_t matches = 0;
    for (size_t i = 0; i < log->count; i++) {
        const fl_server_log_entry_t *e = &log->entries[i];
        if (e->kind != kind || (cycle != 0 && e->cycle != cycle)) continue;
        if (e->time_ns < from_ns || e->time_ns > to_ns) continue;
        if (text != NULL && strstr(e->text, text) == NULL) continue;
        matches++;
    }
    assert(matches <= log->count);
    return matches;
}

void fl_server_log_print(const fl_server_log_t *log, FILE *out) {
    assert(log != NULL && out != NULL);
    for
 (size_t i = 0; i < log->count; i++) {
        const fl_server_log_entry_t *e = &log->entries[i];
        fprintf(out, "%4" PRId64 ".%09" PRId64 "  cycle %-3" PRIu32 " %s\n", e->time_ns / 1000000000,
                e->time_ns % 1000000000, e->cycle, e->text);
    }
}
