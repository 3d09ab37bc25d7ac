/* libFuzzer target: request targets as the mock server's scope holds them
 * (sim/net/request_target.h): the split into raw path and query, and the
 * path percent-decoded as uvicorn's unquote does.
 *
 * Oracles beyond "no crash": the raw path and the query are spans of the
 * target (or the absolute form's "/"), the raw path holds no '?'; the
 * decoded path is within FL_PERCENT_DECODED_MAX, NUL-terminated at its
 * length with no NUL before, and valid UTF-8 (every invalid sequence was
 * replaced); a raw path with no '%' that is valid UTF-8 decodes to itself. */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_text.h"

#include "sim/net/request_target.h"

static void fail(const char *what, const char *text) {
    fprintf(stderr, "fuzz_request_target: %s for \"%s\"\n", what, text);
    abort();
}

/* The length of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t utf8_sequence(const unsigned char *p, size_t left) {
    if (p[0] < 0x80) return 1;
    size_t need = p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
                : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;
    if (need == 0 || need > left) return 0;
    for (size_t i = 1; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] > 0x9F) ||
        (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] > 0x8F))
        return 0;
    return need;
}

static bool valid_utf8(const char *text, size_t length) {
    const unsigned char *p = (const unsigned char *)text;
    for (size_t at = 0; at < length;) {
        size_t n = utf8_sequence(p + at, length - at);
        if (n == 0) return false;
        at += n;
    }
    return true;
}

static bool within(const char *span, size_t length, const char *text, size_t text_length) {
    return span >= text && span + length <= text + text_length;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *target = fuzz_text(data, size);
    size_t target_length = strlen(target); /* the request line's target is a C string */
    fl_request_target_t parts;
    fl_request_target_split(target, &parts);
    bool root = parts.raw_path_length == 1 && strcmp(parts.raw_path, "/") == 0;
    if (!within(parts.raw_path, parts.raw_path_length, target, target_length) && !root)
        fail("a raw path outside the target", target);
    if (parts.query_length > 0 && !within(parts.query, parts.query_length, target, target_length))
        fail("a query outside the target", target);
    if (memchr(parts.raw_path, '?', parts.raw_path_length) != NULL) fail("a '?' in the path", target);
    size_t out_size = FL_PERCENT_DECODED_MAX(parts.raw_path_length);
    char *out = malloc(out_size);
    assert(out != NULL);
    size_t length = fl_percent_decode_path(parts.raw_path, parts.raw_path_length, out, out_size);
    if (length >= out_size || out[length] != '\0') fail("the decoded path is not terminated", target);
    if (strlen(out) != length) fail("a NUL inside the decoded path", target);
    if (!valid_utf8(out, length)) fail("the decoded path is not UTF-8", target);
    if (memchr(parts.raw_path, '%', parts.raw_path_length) == NULL &&
        valid_utf8(parts.raw_path, parts.raw_path_length) &&
        (length != parts.raw_path_length || memcmp(out, parts.raw_path, length) != 0))
        fail("a path with nothing to decode changed", target);
    free(out);
    free(target);
    return 0;
}
