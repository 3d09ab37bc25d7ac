/* A growable byte buffer: see byte_buffer.h. */
#include "sim/runtime/byte_buffer.h"

#include <stdlib.h>

#include "sim/runtime/arena.h"

void fl__byte_buffer_grow(fl_byte_buffer_t *buffer, size_t extra) {
    assert(buffer->length + extra > buffer->capacity); /* only when the room is short */
    size_t capacity = buffer->capacity ? buffer->capacity : 1024;
    while (capacity < buffer->length + extra) capacity *= 2;
    char *grown = realloc(buffer->data, capacity);
    if (grown == NULL) fl__out_of_memory("byte buffer");
    buffer->data = grown;
    buffer->capacity = capacity;
    assert(buffer->length + extra <= buffer->capacity);
}

void fl_byte_buffer_consume(fl_byte_buffer_t *buffer, size_t length) {
    assert(length <= buffer->length);
    if (length > 0) memmove(buffer->data, buffer->data + length, buffer->length - length);
    buffer->length -= length;
    assert(buffer->length <= buffer->capacity);
}

void fl_byte_buffer_free(fl_byte_buffer_t *buffer) {
    assert(buffer->length <= buffer->capacity && (buffer->data != NULL || buffer->capacity == 0));
    free(buffer->data);
    *buffer = (fl_byte_buffer_t){0};
}
