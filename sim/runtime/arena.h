/* Per-world arena: bump allocation in chunks, freed all at once.
 *
 * Everything a run creates (tasks, scopes, channels, errors, strings) is carved
 * from its world's arena and dies with the world, so a run cannot leak and
 * thousands of runs in one process do not grow memory. Nothing is freed
 * individually. A chunk that cannot be had ends the process with a clean
 * out-of-memory error (out_of_memory.h): a simulator that runs out of memory
 * has no honest way to continue.
 */
#ifndef FL_ARENA_H
#define FL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "sim/runtime/out_of_memory.h"

typedef struct fl_arena_chunk fl_arena_chunk_t;

typedef struct fl_arena {
    fl_arena_chunk_t *head;   /* newest chunk; allocation happens here */
    size_t bytes_reserved;    /* sum of chunk sizes, for statistics */
} fl_arena_t;

/* Prepares an empty arena; no memory is reserved until the first allocation. */
void fl_arena_init(fl_arena_t *arena);

/* Frees every chunk. The arena may be initialised again afterwards. */
void fl_arena_destroy(fl_arena_t *arena);

/* Returns size bytes aligned for any type, owned by the arena, uninitialised. */
void *fl_arena_alloc(fl_arena_t *arena, size_t size);

/* As fl_arena_alloc, zero-filled. */
void *fl_arena_zalloc(fl_arena_t *arena, size_t size);

/* Copies the string (NULL gives NULL) into the arena. */
char *fl_arena_strdup(fl_arena_t *arena, const char *text);

/* Formats into a new arena string. */
char *fl_arena_printf(fl_arena_t *arena, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
char *fl_arena_vprintf(fl_arena_t *arena, const char *format, va_list args);

#endif /* FL_ARENA_H */
