/* Headers: an ordered, case-insensitive multimap, as httpx's Headers.
 *
 * Order of insertion is kept (it is what goes on the wire); lookups ignore
 * case; a name may appear several times. Names and values are copied into
 * the arena the headers were created with. Values must not contain CR or
 * LF (fl_headers_add refuses them: header injection is a LocalProtocolError
 * at send time, see client.h).
 */
#ifndef FL_CLIENT_HEADERS_H
#define FL_CLIENT_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/runtime/arena.h"

typedef struct fl_headers fl_headers_t;

fl_headers_t *fl_headers_create(fl_arena_t *arena);

/* A copy in the same arena (or another). */
fl_headers_t *fl_headers_copy(fl_arena_t *arena, const fl_headers_t *headers);

/* Appends name: value. Returns false (and adds nothing) for an empty name,
 * a name with characters outside RFC 7230's token set, or a value with CR,
 * LF or NUL. */
bool fl_headers_add(fl_headers_t *headers, const char *name, const char *value);

/* Replaces every name: value with one (appended at the first one's place,
 * or at the end). Same validation as add. */
bool fl_headers_set(fl_headers_t *headers, const char *name, const char *value);

/* Removes every entry with this name; returns how many. */
size_t fl_headers_remove(fl_headers_t *headers, const char *name);

/* The first value for name, or NULL. */
const char *fl_headers_get(const fl_headers_t *headers, const char *name);

/* How many entries have this name. */
size_t fl_headers_count_of(const fl_headers_t *headers, const char *name);

/* Entries in order. */
size_t fl_headers_count(const fl_headers_t *headers);
const char *fl_headers_name(const fl_headers_t *headers, size_t index);
const char *fl_headers_value(const fl_headers_t *headers, size_t index);

/* True when some comma-separated token of a header equals token, ignoring
 * case ("Connection: keep-alive, close" has "close"). */
bool fl_headers_has_token(const fl_headers_t *headers, const char *name, const char *token);

#endif /* FL_CLIENT_HEADERS_H */
