#include "sim/runtime/error.h"

#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "sim/runtime/status.h"

static const char *const runtime_kind_names[FL_ERR_RUNTIME_KINDS_END] = {
#define FL__ERROR_KIND_NAME(id, name, parent) [FL_ERR_##id] = name,
    FL_RUNTIME_ERROR_KINDS(FL__ERROR_KIND_NAME)
#undef FL__ERROR_KIND_NAME
};

static const fl_error_kind_t runtime_kind_parents[FL_ERR_RUNTIME_KINDS_END] = {
#define FL__ERROR_KIND_PARENT(id, name, parent) [FL_ERR_##id] = FL_ERR_##parent,
    FL_RUNTIME_ERROR_KINDS(FL__ERROR_KIND_PARENT)
#undef FL__ERROR_KIND_PARENT
};

static const fl_error_kind_table_t runtime_kinds = {
    .layer = "runtime",
    .first = 0,
    .count = FL_ERR_RUNTIME_KINDS_END,
    .names = runtime_kind_names,
    .parents = runtime_kind_parents,
};

/* The tree: the runtime's table, then the layers' in the order added. The
 * registry only grows, and only from a layer's setup, so every run sees
 * the same tree whatever was added when. */
static const fl_error_kind_table_t *tables[FL_ERROR_KIND_TABLES_MAX] = {&runtime_kinds};
static size_t table_count = 1;

static const fl_error_kind_table_t *table_of(fl_error_kind_t kind) {
    for (size_t t = 0; t < table_count; t++)
        if (kind >= tables[t]->first && kind < tables[t]->first + tables[t]->count)
            return tables[t];
    return NULL;
}

bool fl_error_kind_known(fl_error_kind_t kind) { return table_of(kind) != NULL; }

void fl_error_kinds_add(const fl_error_kind_table_t *table) {
    assert(table != NULL && table->names != NULL && table->parents != NULL);
    assert(table->first + table->count <= FL_ERR_KIND_COUNT);
    for (size_t t = 0; t < table_count; t++)
        if (tables[t] == table) return;
    assert(table_count < FL_ERROR_KIND_TABLES_MAX);
    for (size_t i = 0; i < table->count; i++) {
        fl_error_kind_t kind = (fl_error_kind_t)(table->first + i);
        fl_error_kind_t ignored;
        (void)ignored;
        assert(table_of(kind) == NULL && "error kind tables overlap");
        assert(!fl_error_kind_from_name(table->names[i], &ignored) && "error kind names repeat");
        /* A parent is in this table, earlier, or in a table added before. */
        assert(table->parents[i] < kind || table_of(table->parents[i]) != NULL);
    }
    tables[table_count++] = table;
}

const char *fl_error_kind_name(fl_error_kind_t kind) {
    const fl_error_kind_table_t *table = table_of(kind);
    assert(table != NULL && "a kind of a layer whose table was not added");
    return table != NULL ? table->names[kind - table->first] : "UnknownError";
}

fl_error_kind_t fl_error_kind_parent(fl_error_kind_t kind) {
    const fl_error_kind_table_t *table = table_of(kind);
    assert(table != NULL && "a kind of a layer whose table was not added");
    return table != NULL ? table->parents[kind - table->first] : FL_ERR_BASE_ERROR;
}

bool fl_error_kind_at(size_t index, fl_error_kind_t *kind_out) {
    assert(kind_out != NULL);
    for (size_t t = 0; t < table_count; t++) {
        if (index < tables[t]->count) {
            *kind_out = (fl_error_kind_t)(tables[t]->first + index);
            assert(fl_error_kind_known(*kind_out));
            return true;
        }
        index -= tables[t]->count;
    }
    return false;
}

bool fl_error_kind_from_name(const char *name, fl_error_kind_t *kind_out) {
    assert(name != NULL && kind_out != NULL);
    for (size_t t = 0; t < table_count; t++)
        for (size_t i = 0; i < tables[t]->count; i++)
            if (strcmp(tables[t]->names[i], name) == 0) {
                *kind_out = (fl_error_kind_t)(tables[t]->first + i);
                return true;
            }
    return false;
}

bool fl_error_kind_is(fl_error_kind_t kind, fl_error_kind_t ancestor) {
    assert(fl_error_kind_known(kind) && fl_error_kind_known(ancestor));
    /* The tree is shallow (at most six levels); the bound guards the loop
     * against a table edited into a cycle. */
    for (int depth = 0; depth < FL_ERR_KIND_COUNT; depth++) {
        if (kind == ancestor) return true;
        if (kind == FL_ERR_BASE_ERROR) return false;
        kind = fl_error_kind_parent(kind);
    }
    assert(!"error kind table has a cycle");
    return false;
}

bool fl_error_is(const fl_error_t *error, fl_error_kind_t ancestor) {
    return error != NULL && fl_error_kind_is(error->kind, ancestor);
}

static fl_error_t *error_alloc(fl_arena_t *arena, fl_error_kind_t kind, const char *message) {
    fl_error_t *error = fl_arena_zalloc(arena, sizeof *error);
    error->kind = kind;
    error->message = message != NULL ? message : "";
    return error;
}

fl_error_t *fl_error_new(fl_arena_t *arena, fl_error_kind_t kind, const char *format, ...) {
    assert(fl_error_kind_known(kind));
    va_list args;
    va_start(args, format);
    char *message = fl_arena_vprintf(arena, format, args);
    va_end(args);
    return error_alloc(arena, kind, message);
}

static fl_error_kind_t kind_for_status(int status) {
    switch (status) {
    case FL_ECANCELLED: return FL_ERR_CANCELLED;
    case FL_ETIMEDOUT: return FL_ERR_DEADLINE_EXCEEDED;
    case FL_EENDOFSTREAM: return FL_ERR_END_OF_STREAM;
    case FL_EBROKEN: return FL_ERR_BROKEN_RESOURCE;
    case FL_ECLOSED: return FL_ERR_CLOSED_RESOURCE;
    case FL_EWOULDBLOCK: return FL_ERR_WOULD_BLOCK;
    case FL_EINVAL: return FL_ERR_VALUE_ERROR;
    case FL_EREFUSED:
    case FL_ERESET:
    case FL_EPIPE:
    case FL_EEOF:
    case FL_EIO: return FL_ERR_OS_ERROR;
    default: return FL_ERR_RUNTIME_ERROR;
    }
}

fl_error_t *fl_error_from_status(fl_arena_t *arena, int status, const char *context) {
    if (status == FL_OK) return NULL;
    fl_error_t *error;
    if (context != NULL && context[0] != '\0')
        error = fl_error_new(arena, kind_for_status(status), "%s: %s", context,
                             fl_status_message(status));
    else
        error = fl_error_new(arena, kind_for_status(status), "%s", fl_status_message(status));
    error->status = status;
    return error;
}

void fl_error_add_note(fl_arena_t *arena, fl_error_t *error, const char *format, ...) {
    assert(error != NULL);
    if (error->note_count == FL_ERROR_NOTES_MAX) {
        error->notes_dropped++;
        return;
    }
    va_list args;
    va_start(args, format);
    error->notes[error->note_count++] = fl_arena_vprintf(arena, format, args);
    va_end(args);
}

bool fl_error_has_note(const fl_error_t *error, const char *text) {
    if (error == NULL) return false;
    for (size_t i = 0; i < error->note_count; i++)
        if (strstr(error->notes[i], text) != NULL) return true;
    return false;
}

fl_error_t *fl_error_group(fl_arena_t *arena, const char *message,
                           fl_error_t *const *children, size_t count) {
    fl_error_t *group = error_alloc(arena, FL_ERR_GROUP_ERROR, fl_arena_strdup(arena, message));
    group->children = fl_arena_alloc(arena, sizeof *group->children * (count ? count : 1));
    for (size_t i = 0; i < count; i++) {
        assert(children[i] != NULL);
        group->children[i] = children[i];
    }
    group->child_count = count;
    return group;
}

fl_error_t *fl_error_collapse(fl_error_t *error) {
    /* Bounded: a group nesting deeper than this is not a shape any run makes. */
    for (int depth = 0; depth < 64 && error != NULL; depth++) {
        if (error->kind != FL_ERR_GROUP_ERROR || error->child_count != 1) return error;
        error = error->children[0];
    }
    return error;
}

/* --- printing ------------------------------------------------------------ */

typedef struct writer {
    char *buffer;
    size_t capacity;
    size_t length; /* what the whole text needs, even past capacity */
} writer_t;

static void put(writer_t *w, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void put(writer_t *w, const char *format, ...) {
    va_list args;
    va_start(args, format);
    size_t room = w->length < w->capacity ? w->capacity - w->length : 0;
    int n = vsnprintf(room ? w->buffer + w->length : NULL, room, format, args);
    va_end(args);
    if (n > 0) w->length += (size_t)n;
}

static void format_error(writer_t *w, const fl_error_t *error, int indent, int depth) {
    if (depth > 32) {
        put(w, "%*s...\n", indent, "");
        return;
    }
    put(w, "%*s%s: %s\n", indent, "", fl_error_kind_name(error->kind), error->message);
    for (size_t i = 0; i < error->note_count; i++)
        put(w, "%*s  note: %s\n", indent, "", error->notes[i]);
    if (error->notes_dropped)
        put(w, "%*s  (%zu more notes)\n", indent, "", error->notes_dropped);
    for (size_t i = 0; i < error->child_count; i++) {
        put(w, "%*s  [%zu]\n", indent, "", i + 1);
        format_error(w, error->children[i], indent + 4, depth + 1);
    }
    if (error->cause != NULL) {
        put(w, "%*s  caused by:\n", indent, "");
        format_error(w, error->cause, indent + 4, depth + 1);
    }
}

size_t fl_error_format(const fl_error_t *error, char *buffer, size_t capacity) {
    writer_t w = {buffer, capacity, 0};
    if (capacity > 0) buffer[0] = '\0';
    if (error == NULL)
        put(&w, "no error\n");
    else
        format_error(&w, error, 0, 0);
    return w.length;
}

void fl_error_print(const fl_error_t *error, FILE *out) {
    char small[1024];
    size_t need = fl_error_format(error, small, sizeof small);
    if (need < sizeof small) {
        fputs(small, out);
        return;
    }
    fl_arena_t scratch;
    fl_arena_init(&scratch);
    char *big = fl_arena_alloc(&scratch, need + 1);
    fl_error_format(error, big, need + 1);
    fputs(big, out);
    fl_arena_destroy(&scratch);
}
