/* A growable byte buffer on the heap, for bytes that flow through a
 * connection (request heads, pipelined input, output waiting for the
 * writer) and so must not pile up in a world's arena, which frees nothing
 * until the world ends.
 *
 * The owner embeds the struct (zero-initialised is empty) and calls
 * fl_byte_buffer_free when done; the buffer never shrinks until then.
 * Appending is checked on every call but growing is rare, so the check is
 * inline and the growth out of line. Allocation failure aborts, as the
 * arena's does (fl__out_of_memory).
 */
#ifndef FL_BYTE_BUFFER_H
#define FL_BYTE_BUFFER_H

#include <assert.h>
#include <stddef.h>
#include <string.h>

typedef struct fl_byte_buffer {
    char *data;      /* malloc'd, or NULL while capacity is 0 */
    size_t length;   /* bytes held */
    size_t capacity; /* bytes allocated */
} fl_byte_buffer_t;

/* Grows the allocation to hold extra more bytes after the content; what
 * fl_byte_buffer_reserve calls when the room is short. */
void fl__byte_buffer_grow(fl_byte_buffer_t *buffer, size_t extra) __attribute__((noinline));

/* Room for extra more bytes after the content (data may move). */
static inline void fl_byte_buffer_reserve(fl_byte_buffer_t *buffer, size_t extra) {
    assert(buffer->length <= buffer->capacity && (buffer->data != NULL || buffer->capacity == 0));
    assert(buffer->length + extra >= buffer->length); /* no wrap: lengths are read sizes */
    if (buffer->length + extra > buffer->capacity) fl__byte_buffer_grow(buffer, extra);
}

/* Appends length bytes (data may be NULL only when length is 0). */
static inline void fl_byte_buffer_append(fl_byte_buffer_t *buffer, const void *data,
                                         size_t length) {
    assert(data != NULL || length == 0);
    fl_byte_buffer_reserve(buffer, length);
    if (length > 0) memcpy(buffer->data + buffer->length, data, length);
    buffer->length += length;
    assert(buffer->length <= buffer->capacity);
}

/* Drops the first length bytes; the rest moves to the front. */
void fl_byte_buffer_consume(fl_byte_buffer_t *buffer, size_t length);

/* Frees the allocation; the buffer is empty again and may be reused. */
void fl_byte_buffer_free(fl_byte_buffer_t *buffer);

#endif /* FL_BYTE_BUFFER_H */
