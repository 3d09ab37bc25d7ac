/* Rich errors: a kind from the tree in error_kinds.h, a message, notes
 * (PEP 678), a cause, sub-errors for a GroupError, and kind-specific data.
 *
 * Errors live in an arena (normally the world's) and die with it; nothing
 * frees an error by hand. Blocking primitives return int statuses
 * (status.h); fl_error_from_status turns one into an error object where a
 * richer value is needed.
 */
#ifndef FL_ERROR_H
#define FL_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/runtime/arena.h"
#include "sim/runtime/error_kinds.h"

/* An error kind: a number in the tree of every layer's kinds. The
 * runtime's are below FL_ERR_RUNTIME_KINDS_END; a layer above numbers its
 * own from there and adds its table (fl_error_kinds_add). */
typedef uint16_t fl_error_kind_t;

enum fl_runtime_error_kind {
#define FL__ERROR_KIND_ENUM(id, name, parent) FL_ERR_##id,
    FL_RUNTIME_ERROR_KINDS(FL__ERROR_KIND_ENUM)
#undef FL__ERROR_KIND_ENUM
    FL_ERR_RUNTIME_KINDS_END
};

/* Every kind of every layer is below this (a bound for loops and checks). */
enum { FL_ERR_KIND_COUNT = 128, FL_ERROR_KIND_TABLES_MAX = 8 };

/* A layer's kinds: kind first + i is named names[i], below parents[i]
 * (a kind of this table or an earlier one). Borrowed: it must outlive
 * the process (a static const). */
typedef struct fl_error_kind_table {
    const char *layer;
    fl_error_kind_t first;
    size_t count;
    const char *const *names;
    const fl_error_kind_t *parents;
} fl_error_kind_table_t;

/* Adds a layer's kinds to the tree. Adding the same table again does
 * nothing; a table that overlaps another's numbers or names is a bug
 * (asserted). The runtime's own table is always there. */
void fl_error_kinds_add(const fl_error_kind_table_t *table);

/* True when kind is in a table added so far. */
bool fl_error_kind_known(fl_error_kind_t kind);

/* Notes are bounded: an error that gathers more keeps the first ones and
 * counts the rest, so a retry loop cannot grow an error without limit. */
enum { FL_ERROR_NOTES_MAX = 8 };

typedef struct fl_error fl_error_t;
struct fl_error {
    fl_error_kind_t kind;
    const char *message;                /* never NULL; may be "" */
    const char *notes[FL_ERROR_NOTES_MAX];
    size_t note_count;
    size_t notes_dropped;
    fl_error_t *cause;                  /* raise ... from cause */
    fl_error_t **children;              /* GroupError only */
    size_t child_count;
    int status;                         /* the FL_E* status it came from, or 0 */
    int http_status;                    /* StatusError: the response code */
    uint32_t task_ids[2];               /* TaskContextError: owner, current */
    void *payload;                      /* kind-specific object (a response);
                                           owned by the same arena */
};

/* Kind names and the tree. */
const char *fl_error_kind_name(fl_error_kind_t kind);
fl_error_kind_t fl_error_kind_parent(fl_error_kind_t kind);
/* The index-th kind known, counting the tables in the order they were
 * added (for listing them); false past the last. */
bool fl_error_kind_at(size_t index, fl_error_kind_t *kind_out);
/* Looks a kind up by its name ("ReadTimeout"). Returns false if unknown. */
bool fl_error_kind_from_name(const char *name, fl_error_kind_t *kind_out);
/* True when kind is ancestor or a descendant of it (isinstance). */
bool fl_error_kind_is(fl_error_kind_t kind, fl_error_kind_t ancestor);

/* Creates an error in the arena with a printf-style message. */
fl_error_t *fl_error_new(fl_arena_t *arena, fl_error_kind_t kind, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Maps a status to an error: ECANCELLED -> Cancelled, ETIMEDOUT ->
 * DeadlineExceeded, EENDOFSTREAM -> EndOfStream, EBROKEN -> BrokenResource,
 * ECLOSED -> ClosedResource, EWOULDBLOCK -> WouldBlock, ECROSSTASK and
 * ESTATE -> RuntimeError, network codes -> OSError; 0 gives NULL. The error
 * remembers the status. */
fl_error_t *fl_error_from_status(fl_arena_t *arena, int status, const char *context);

/* True when error is non-NULL and its kind is ancestor or below it. */
bool fl_error_is(const fl_error_t *error, fl_error_kind_t ancestor);
static inline bool fl_error_is_cancelled(const fl_error_t *error) {
    return fl_error_is(error, FL_ERR_CANCELLED);
}

/* Appends a note (copied into the arena). */
void fl_error_add_note(fl_arena_t *arena, fl_error_t *error, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* True when some note contains text. */
bool fl_error_has_note(const fl_error_t *error, const char *text);

/* Builds a GroupError holding the given errors (the array is copied). */
fl_error_t *fl_error_group(fl_arena_t *arena, const char *message,
                           fl_error_t *const *children, size_t count);

/* Unwraps GroupErrors that hold exactly one error, as Starlette's
 * collapse_excgroups does; anything else is returned unchanged. */
fl_error_t *fl_error_collapse(fl_error_t *error);

/* Writes the error, its notes, sub-errors and chain of causes, indented,
 * as Python prints a traceback's last lines. Returns the length the full text
 * needs (like snprintf): the text is truncated to fit capacity. */
size_t fl_error_format(const fl_error_t *error, char *buffer, size_t capacity);
void fl_error_print(const fl_error_t *error, FILE *out);

#endif /* FL_ERROR_H */
