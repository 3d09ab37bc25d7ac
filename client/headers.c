/* Headers: see headers.h.
 *
 * An array of (name, value) pairs in insertion order, grown by doubling in
 * the arena (the old array is simply left behind: the arena frees it with
 * everything else). Lookups are linear: a message carries tens of headers,
 * and a scan over them is cheaper than any table, and deterministic.
 */
#include "client/headers.h"

#include <assert.h>
#include <string.h>

enum { HEADERS_CAPACITY_INITIAL = 8 };

typedef struct header {
    const char *name;   /* as given: this is what goes on the wire */
    const char *value;
} header_t;

struct fl_headers {
    fl_arena_t *arena;
    header_t *entries;
    size_t count;
    size_t capacity;
};

static char to_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* ASCII case-insensitive comparison of a NUL-terminated string with a
 * counted one; not strcasecmp, whose answer depends on the locale. */
static bool equal_ignoring_case(const char *a, const char *b, size_t b_length) {
    size_t i = 0;
    for (; i < b_length; i++) {
        if (a[i] == '\0' || to_lower(a[i]) != to_lower(b[i])) return false;
    }
    return a[i] == '\0';
}

static bool names_equal(const char *a, const char *b) {
    return equal_ignoring_case(a, b, strlen(b));
}

/* RFC 7230's tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA. */
static bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool valid_name(const char *name) {
    if (name == NULL || name[0] == '\0') return false;
    for (const char *p = name; *p != '\0'; p++)
        if (!is_tchar(*p)) return false;
    return true;
}

/* A NUL cannot be inside a C string, so only CR and LF are left to refuse:
 * either would let a value start a header (or a body) of its own. */
static bool valid_value(const char *value) {
    return value != NULL && strpbrk(value, "\r\n") == NULL;
}

static void reserve(fl_headers_t *headers, size_t capacity) {
    if (capacity <= headers->capacity) return;
    size_t grown = headers->capacity == 0 ? HEADERS_CAPACITY_INITIAL : headers->capacity * 2;
    while (grown < capacity) grown *= 2;
    header_t *entries = fl_arena_alloc(headers->arena, grown * sizeof *entries);
    if (headers->count > 0) memcpy(entries, headers->entries, headers->count * sizeof *entries);
    headers->entries = entries;
    headers->capacity = grown;
}

static void append(fl_headers_t *headers, const char *name, const char *value) {
    reserve(headers, headers->count + 1);
    headers->entries[headers->count++] = (header_t){
        .name = fl_arena_strdup(headers->arena, name),
        .value = fl_arena_strdup(headers->arena, value),
    };
}

/* Removes every entry with this name at or after index from; returns how
 * many, keeping the others in order. */
static size_t remove_from(fl_headers_t *headers, const char *name, size_t from) {
    size_t kept = from;
    for (size_t i = from; i < headers->count; i++) {
        if (!names_equal(headers->entries[i].name, name)) headers->entries[kept++] = headers->entries[i];
    }
    size_t removed = headers->count - kept;
    headers->count = kept;
    return removed;
}

fl_headers_t *fl_headers_create(fl_arena_t *arena) {
    assert(arena != NULL);
    fl_headers_t *headers = fl_arena_zalloc(arena, sizeof *headers);
    headers->arena = arena;
    return headers;
}

fl_headers_t *fl_headers_copy(fl_arena_t *arena, const fl_headers_t *headers) {
    assert(arena != NULL && headers != NULL);
    fl_headers_t *copy = fl_headers_create(arena);
    reserve(copy, headers->count);
    for (size_t i = 0; i < headers->count; i++)
        append(copy, headers->entries[i].name, headers->entries[i].value);
    assert(copy->count == headers->count);
    return copy;
}

bool fl_headers_add(fl_headers_t *headers, const char *name, const char *value) {
    assert(headers != NULL);
    if (!valid_name(name) || !valid_value(value)) return false;
    append(headers, name, value);
    return true;
}

bool fl_headers_set(fl_headers_t *headers, const char *name, const char *value) {
    assert(headers != NULL);
    if (!valid_name(name) || !valid_value(value)) return false;
    for (size_t i = 0; i < headers->count; i++) {
        if (!names_equal(headers->entries[i].name, name)) continue;
        /* The new spelling of the name replaces the old, as in httpx. */
        headers->entries[i] = (header_t){
            .name = fl_arena_strdup(headers->arena, name),
            .value = fl_arena_strdup(headers->arena, value),
        };
        remove_from(headers, name, i + 1);
        return true;
    }
    append(headers, name, value);
    return true;
}

size_t fl_headers_remove(fl_headers_t *headers, const char *name) {
    assert(headers != NULL && name != NULL);
    return remove_from(headers, name, 0);
}

const char *fl_headers_get(const fl_headers_t *headers, const char *name) {
    assert(headers != NULL && name != NULL);
    for (size_t i = 0; i < headers->count; i++)
        if (names_equal(headers->entries[i].name, name)) return headers->entries[i].value;
    return NULL;
}

size_t fl_headers_count_of(const fl_headers_t *headers, const char *name) {
    assert(headers != NULL && name != NULL);
    size_t count = 0;
    for (size_t i = 0; i < headers->count; i++)
        if (names_equal(headers->entries[i].name, name)) count++;
    return count;
}

size_t fl_headers_count(const fl_headers_t *headers) {
    assert(headers != NULL && headers->count <= headers->capacity);
    return headers->count;
}

const char *fl_headers_name(const fl_headers_t *headers, size_t index) {
    assert(headers != NULL && index < headers->count);
    return headers->entries[index].name;
}

const char *fl_headers_value(const fl_headers_t *headers, size_t index) {
    assert(headers != NULL && index < headers->count);
    return headers->entries[index].value;
}

/* True when one comma-separated element of value, trimmed of spaces and
 * tabs, is token (ignoring case). Empty elements ("a,,b") match nothing. */
static bool value_has_token(const char *value, const char *token) {
    const char *p = value;
    for (;;) {
        const char *end = strchr(p, ',');
        if (end == NULL) end = p + strlen(p);
        const char *start = p;
        while (start < end && (*start == ' ' || *start == '\t')) start++;
        const char *stop = end;
        while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t')) stop--;
        if (stop > start && equal_ignoring_case(token, start, (size_t)(stop - start))) return true;
        if (*end == '\0') return false;
        p = end + 1;
    }
}

bool fl_headers_has_token(const fl_headers_t *headers, const char *name, const char *token) {
    assert(headers != NULL && name != NULL && token != NULL);
    for (size_t i = 0; i < headers->count; i++) {
        if (names_equal(headers->entries[i].name, name) &&
            value_has_token(headers->entries[i].value, token))
            return true;
    }
    return false;
}
