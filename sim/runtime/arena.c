#include "sim/runtime/arena.h"

#include <assert.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/format.h"

/* Most runs allocate a few KiB; a 16 KiB first chunk keeps empty worlds cheap
 * while larger runs grow geometrically up to 1 MiB chunks. */
enum { ARENA_CHUNK_MIN = 16 * 1024, ARENA_CHUNK_MAX = 1024 * 1024 };

struct fl_arena_chunk {
    fl_arena_chunk_t *next;
    size_t size; /* bytes in data[] */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

void fl_arena_init(fl_arena_t *arena) {
    assert(arena != NULL);
    arena->head = NULL;
    arena->bytes_reserved = 0;
}

void fl_arena_destroy(fl_arena_t *arena) {
    fl_arena_chunk_t *chunk = arena->head;
    while (chunk != NULL) {
        fl_arena_chunk_t *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    arena->head = NULL;
    arena->bytes_reserved = 0;
}

static size_t align_up(size_t size) {
    size_t a = alignof(max_align_t);
    return (size + a - 1) & ~(a - 1);
}

void *fl_arena_alloc(fl_arena_t *arena, size_t size) {
    assert(arena != NULL);
    size = align_up(size == 0 ? 1 : size);
    fl_arena_chunk_t *chunk = arena->head;
    if (chunk == NULL || chunk->size - chunk->used < size) {
        size_t want = chunk == NULL ? ARENA_CHUNK_MIN : chunk->size * 2;
        if (want > ARENA_CHUNK_MAX) want = ARENA_CHUNK_MAX;
        if (want < size) want = size;
        fl_arena_chunk_t *fresh = malloc(sizeof *fresh + want);
        if (fresh == NULL) fl__out_of_memory("arena");
        fresh->size = want;
        fresh->used = 0;
        fresh->next = chunk;
        arena->head = fresh;
        arena->bytes_reserved += want;
        chunk = fresh;
    }
    void *result = chunk->data + chunk->used;
    chunk->used += size;
    assert(chunk->used <= chunk->size);
    return result;
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
