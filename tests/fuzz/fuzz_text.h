/* The fuzz targets' one shared helper: libFuzzer's bytes as a malloc'd,
 * NUL-terminated copy, for the parsers that read C strings (the caller
 * frees it). A NUL inside the input stays there, so a parser that takes a
 * length sees it and one that takes a string stops at it. */
#ifndef FL_FUZZ_TEXT_H
#define FL_FUZZ_TEXT_H

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_text(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    assert(text != NULL);
    if (size > 0) memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif /* FL_FUZZ_TEXT_H */
