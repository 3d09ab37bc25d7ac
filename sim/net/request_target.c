/* Request targets: see request_target.h. */
#include "sim/net/request_target.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

/* RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). The
 * length of target's "scheme://" prefix, or 0 when it has none. */
static size_t scheme_prefix_length(const char *target) {
    assert(target != NULL);
    const char *p = target;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) return 0;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '+' || *p == '-' || *p == '.')
        p++;
    if (strncmp(p, "://", 3) != 0) return 0;
    return (size_t)(p - target) + 3;
}

void fl_request_target_split(const char *target, fl_request_target_t *out) {
    assert(target != NULL && out != NULL);
    const char *path = target;
    size_t prefix = scheme_prefix_length(target);
    if (prefix > 0) {
        /* Absolute form: the authority runs to the path, query or end. */
        path = target + prefix + strcspn(target + prefix, "/?");
    }
    const char *query = strchr(path, '?');
    size_t path_length = query != NULL ? (size_t)(query - path) : strlen(path);
    if (prefix > 0 && path_length == 0) {
        path = "/"; /* RFC 9112 §3.2.4: an empty path is "/" */
        path_length = 1;
    }
    *out = (fl_request_target_t){
        .raw_path = path,
        .raw_path_length = path_length,
        .query = query != NULL ? query + 1 : "",
        .query_length = query != NULL ? strlen(query + 1) : 0,
    };
    assert(out->raw_path_length > 0 || prefix == 0);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The byte at raw[*at] with its escape decoded (a "%00" is not: see the
 * header), moving *at past it; -1 at the end. */
static int next_byte(const char *raw, size_t length, size_t *at) {
    assert(*at <= length);
    if (*at == length) return -1;
    size_t i = *at;
    if (raw[i] == '%' && i + 2 < length) {
        int high = hex_value(raw[i + 1]), low = hex_value(raw[i + 2]);
        int value = high >= 0 && low >= 0 ? high * 16 + low : -1;
        if (value > 0) { /* a valid escape, and not "%00" */
            *at = i + 3;
            return value;
        }
    }
    *at = i + 1;
    return (unsigned char)raw[i];
}

/* What a UTF-8 lead byte needs: the count of continuation bytes, and the
 * range the first of them must fall in (RFC 3629 §4, which excludes
 * overlong forms, surrogates and code points past U+10FFFF). False for a
 * byte that cannot lead. */
static bool utf8_lead(int lead, int *continuations, int *low, int *high) {
    *low = 0x80, *high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) *continuations = 1;
    else if (lead >= 0xE0 && lead <= 0xEF) *continuations = 2;
    else if (lead >= 0xF0 && lead <= 0xF4) *continuations = 3;
    else return false;
    if (lead == 0xE0) *low = 0xA0;
    if (lead == 0xED) *high = 0x9F;
    if (lead == 0xF0) *low = 0x90;
    if (lead == 0xF4) *high = 0x8F;
    return true;
}

size_t fl_percent_decode_path(const char *raw, size_t length, char *out, size_t out_size) {
    assert(raw != NULL || length == 0);
    assert(out != NULL && out_size >= FL_PERCENT_DECODED_MAX(length));
    static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */
    size_t used = 0, at = 0;
    /* Each turn moves at forward by one byte at least. */
    for (size_t turns = 0; turns <= length; turns++) {
        int lead = next_byte(raw, length, &at);
        if (lead < 0) break;
        if (lead < 0x80) {
            out[used++] = (char)lead;
            continue;
        }
        int continuations, low, high;
        char sequence[4] = {(char)lead};
        int taken = 0;
        if (utf8_lead(lead, &continuations, &low, &high)) {
            /* The maximal valid prefix is replaced as one (Python's "replace"). */
            while (taken < continuations) {
                size_t before = at;
                int next = next_byte(raw, length, &at);
                if (next < low || next > high) {
                    at = before;
                    break;
                }
                sequence[++taken] = (char)next;
                low = 0x80, high = 0xBF;
            }
        } else {
            continuations = -1;
        }
        const char *emit = taken == continuations ? sequence : REPLACEMENT;
        size_t emit_length = taken == continuations ? (size_t)taken + 1 : 3;
        memcpy(out + used, emit, emit_length);
        used += emit_length;
    }
    assert(at == length && used < out_size);
    out[used] = '\0';
    return used;
}
