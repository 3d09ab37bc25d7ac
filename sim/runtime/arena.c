#include "sim/runtime/arena.h"

#include <assert.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/context.h" /* FL_SANITIZE_ADDRESS */
#include "sim/runtime/format.h"

/* As in stack.c: the header is optional, so the build works without it. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define ARENA_HAVE_VALGRIND 1
#endif
#endif

/* Most runs allocate a few KiB; a 16 KiB first chunk keeps empty worlds cheap
 * while larger runs grow geometrically up to 1 MiB chunks. */
enum { ARENA_CHUNK_MIN = 16 * 1024, ARENA_CHUNK_MAX = 1024 * 1024 };

/* Destroyed arenas' chunks kept for the next ones: enough for a few runs'
 * worth (a story run takes four, 16 to 128 KiB), bounded in count and bytes
 * so that one huge run does not pin its memory for the process's life.
 * Single-threaded by design, like the stack pool: one runtime per process. */
enum { ARENA_POOL_CHUNKS = 16, ARENA_POOL_BYTES = 4 * 1024 * 1024 };

struct fl_arena_chunk {
    fl_arena_chunk_t *next;
    size_t size; /* bytes in data[] */
    alignas(max_align_t) unsigned char data[];
};

static fl_arena_chunk_t *pool[ARENA_POOL_CHUNKS];
static size_t pool_count;
static size_t pool_bytes;

void fl_arena_init(fl_arena_t *arena) {
    assert(arena != NULL);
    arena->head = NULL;
    arena->bytes_reserved = 0;
    arena->next = NULL;
    arena->end = NULL;
}

/* Keeps a chunk for reuse, or frees it when the pool is full. Under
 * AddressSanitizer every chunk is freed, so that a pointer kept past its
 * world still faults; under Valgrind a pooled chunk is marked unaddressable,
 * and a reused one undefined, as fresh malloc memory would be. */
static void pool_put(fl_arena_chunk_t *chunk) {
    assert(chunk != NULL && pool_count <= ARENA_POOL_CHUNKS);
    if (FL_SANITIZE_ADDRESS || pool_count == ARENA_POOL_CHUNKS ||
        pool_bytes + chunk->size > ARENA_POOL_BYTES) {
        free(chunk);
        return;
    }
#if defined(ARENA_HAVE_VALGRIND)
    VALGRIND_MAKE_MEM_NOACCESS(chunk->data, chunk->size);
#endif
    pool[pool_count++] = chunk;
    pool_bytes += chunk->size;
}

/* The smallest pooled chunk of at least size bytes, or NULL. */
static fl_arena_chunk_t *pool_take(size_t size) {
    size_t best = pool_count;
    for (size_t i = 0; i < pool_count; i++)
        if (pool[i]->size >= size && (best == pool_count || pool[i]->size < pool[best]->size))
            best = i;
    if (best == pool_count) return NULL;
    fl_arena_chunk_t *chunk = pool[best];
    pool[best] = pool[--pool_count];
    pool_bytes -= chunk->size;
#if defined(ARENA_HAVE_VALGRIND)
    VALGRIND_MAKE_MEM_UNDEFINED(chunk->data, chunk->size);
#endif
    assert(chunk->size >= size);
    return chunk;
}

void fl_arena_pool_trim(void) {
    for (size_t i = 0; i < pool_count; i++) free(pool[i]);
    pool_count = 0;
    pool_bytes = 0;
}

void fl_arena_destroy(fl_arena_t *arena) {
    fl_arena_chunk_t *chunk = arena->head;
    while (chunk != NULL) {
        fl_arena_chunk_t *next = chunk->next;
        pool_put(chunk);
        chunk = next;
    }
    fl_arena_init(arena);
}

static size_t align_up(size_t size) {
    size_t a = alignof(max_align_t);
    return (size + a - 1) & ~(a - 1);
}

void *fl__arena_alloc_chunk(fl_arena_t *arena, size_t size) {
    assert(arena != NULL);
    if (size > SIZE_MAX / 2) fl__out_of_memory("arena"); /* no chunk holds it */
    size = align_up(size == 0 ? 1 : size);
    if (size <= (size_t)((uintptr_t)arena->end - (uintptr_t)arena->next)) {
        void *result = arena->next; /* a zero size that fits */
        arena->next += size;
        return result;
    }
    fl_arena_chunk_t *chunk = arena->head;
    size_t want = chunk == NULL ? ARENA_CHUNK_MIN : chunk->size * 2;
    if (want > ARENA_CHUNK_MAX) want = ARENA_CHUNK_MAX;
    if (want < size) want = size;
    fl_arena_chunk_t *fresh = pool_take(want);
    if (fresh == NULL) {
        fresh = malloc(sizeof *fresh + want);
        if (fresh == NULL) fl__out_of_memory("arena");
        fresh->size = want;
    }
    fresh->next = chunk;
    arena->head = fresh;
    arena->bytes_reserved += fresh->size;
    arena->next = fresh->data + size;
    arena->end = fresh->data + fresh->size;
    assert(arena->next <= arena->end);
    return fresh->data;
}

void *fl_arena_zalloc(fl_arena_t *arena, size_t size) {
    void *p = fl_arena_alloc(arena, size);
    memset(p, 0, size);
    return p;
}

char *fl_arena_strdup(fl_arena_t *arena, const char *text) {
    if (text == NULL) return NULL;
    size_t n = strlen(text) + 1;
    char *copy = fl_arena_alloc(arena, n);
    memcpy(copy, text, n);
    return copy;
}

char *fl_arena_vprintf(fl_arena_t *arena, const char *format, va_list args) {
    /* One pass into a line on the stack, which holds nearly every message;
     * only a longer text is formatted a second time, at its full size. */
    char line[256];
    va_list again;
    va_copy(again, args);
    int n = fl_vformat(line, sizeof line, format, args);
    if (n < 0) {
        va_end(again);
        return fl_arena_strdup(arena, "(unformattable message)");
    }
    char *text = fl_arena_alloc(arena, (size_t)n + 1);
    if ((size_t)n < sizeof line)
        memcpy(text, line, (size_t)n + 1);
    else
        fl_vformat(text, (size_t)n + 1, format, again);
    va_end(again);
    return text;
}

char *fl_arena_printf(fl_arena_t *arena, const char *format, ...) {
    va_list args;
    va_start(args, format);
    char *text = fl_arena_vprintf(arena, format, args);
    va_end(args);
    return text;
}
