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

#include <assert.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/runtime/out_of_memory.h"

typedef struct fl_arena_chunk fl_arena_chunk_t;

typedef struct fl_arena {
    fl_arena_chunk_t *head;   /* newest chunk; allocation happens here */
    size_t bytes_reserved;    /* sum of chunk sizes, for statistics */
    unsigned char *next;      /* the head chunk's free bytes: [next, end) */
    unsigned char *end;
} fl_arena_t;

/* Prepares an empty arena; no memory is reserved until the first allocation. */
void fl_arena_init(fl_arena_t *arena);

/* Gives every chunk back: into a small process-wide pool that the next
 * arenas draw from (a run's world is built and dropped thousands of times
 * a second, and its chunks were a malloc and a free each time, of memory
 * gone cold), the rest freed. The arena may be initialised again
 * afterwards. fl_arena_pool_trim frees the pool. */
void fl_arena_destroy(fl_arena_t *arena);

/* Frees the chunks the pool holds (for leak checkers and tests). */
void fl_arena_pool_trim(void);

/* The slow path of fl_arena_alloc: a new chunk. Internal. */
void *fl__arena_alloc_chunk(fl_arena_t *arena, size_t size);

/* Returns size bytes aligned for any type, owned by the arena, uninitialised.
 * Inline: a run makes a few hundred small allocations, and the call was
 * most of their cost. */
static inline void *fl_arena_alloc(fl_arena_t *arena, size_t size) {
    assert(arena != NULL);
    const size_t align = alignof(max_align_t);
    size_t aligned = (size + align - 1) & ~(align - 1);
    /* Zero (a zero size, or one so large it wraps) takes the slow path. */
    if (aligned != 0 && aligned <= (size_t)((uintptr_t)arena->end - (uintptr_t)arena->next)) {
        void *result = arena->next;
        arena->next += aligned;
        return result;
    }
    return fl__arena_alloc_chunk(arena, size);
}

/* As fl_arena_alloc, zero-filled. */
void *fl_arena_zalloc(fl_arena_t *arena, size_t size);

/* Copies the string (NULL gives NULL) into the arena. */
char *fl_arena_strdup(fl_arena_t *arena, const char *text);

/* Formats into a new arena string. */
char *fl_arena_printf(fl_arena_t *arena, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
char *fl_arena_vprintf(fl_arena_t *arena, const char *format, va_list args);

#endif /* FL_ARENA_H */
