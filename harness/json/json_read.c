/* The JSON reader: recursive descent over a bounded depth, values in an
 * arena. See json.h. */
#include "harness/json/json.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/arena.h"
#include "sim/runtime/format.h"
#include "sim/runtime/status.h"

typedef struct reader {
    fl_arena_t *arena;
    const char *text;
    size_t length;
    size_t at;
    char *error;
    size_t error_size;
} reader_t;

static int fail(reader_t *r, const char *format, ...) __attribute__((format(printf, 2, 3)));

static int fail(reader_t *r, const char *format, ...) {
    assert(r != NULL && format != NULL && r->at <= r->length);
    assert(r->error != NULL || r->error_size == 0);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "offset %zu: ", r->at);
    va_list args;
    va_start(args, format);
    fl_vformat_after(r->error, r->error_size, prefix, format, args);
    va_end(args);
    return FL_EINVAL;
}

static void skip_space(reader_t *r) {
    assert(r != NULL && r->at <= r->length);
    while (r->at < r->length) {
        char c = r->text[r->at];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
        r->at++;
    }
}

static bool take(reader_t *r, const char *word) {
    assert(r != NULL && word != NULL && r->at <= r->length);
    size_t n = strlen(word);
    assert(n > 0);
    if (r->length - r->at < n || memcmp(r->text + r->at, word, n) != 0) return false;
    r->at += n;
    return true;
}

/* A growable byte buffer on the heap while a string is decoded. */
typedef struct bytes {
    char *data;
    size_t length, capacity;
} bytes_t;

static void bytes_push(bytes_t *b, const char *data, size_t n) {
    assert(b != NULL && data != NULL);
    assert(b->data != NULL || (b->length == 0 && b->capacity == 0));
    if (b->length + n + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity * 2 : 64;
        while (capacity < b->length + n + 1) capacity *= 2;
        char *grown = realloc(b->data, capacity);
        if (grown == NULL) fl__out_of_memory("json");
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, data, n);
    b->length += n;
    assert(b->length < b->capacity);
    b->data[b->length] = '\0';
}

static void push_utf8(bytes_t *b, uint32_t code) {
    assert(b != NULL);
    assert(code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF)); /* a scalar value */
    char out[4];
    size_t n;
    if (code < 0x80) {
        out[0] = (char)code, n = 1;
    } else if (code < 0x800) {
        out[0] = (char)(0xC0 | (code >> 6)), out[1] = (char)(0x80 | (code & 0x3F)), n = 2;
    } else if (code < 0x10000) {
        out[0] = (char)(0xE0 | (code >> 12)), out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
        out[2] = (char)(0x80 | (code & 0x3F)), n = 3;
    } else {
        out[0] = (char)(0xF0 | (code >> 18)), out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((code >> 6) & 0x3F)), out[3] = (char)(0x80 | (code & 0x3F)), n = 4;
    }
    bytes_push(b, out, n);
}

static bool read_hex4(reader_t *r, uint32_t *out) {
    assert(r != NULL && out != NULL && r->at <= r->length);
    if (r->length - r->at < 4) return false;
    uint32_t value = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->text[r->at + (size_t)i];
        int digit = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (digit < 0) return false;
        value = value * 16 + (uint32_t)digit;
    }
    r->at += 4;
    assert(value <= 0xFFFF && r->at <= r->length);
    *out = value;
    return true;
}

/* After a backslash and 'u': one code point, a surrogate pair joined. */
static int read_unicode_escape(reader_t *r, bytes_t *b) {
    assert(r != NULL && b != NULL);
    uint32_t code;
    if (!read_hex4(r, &code)) return fail(r, "bad \\u escape");
    if (code >= 0xDC00 && code <= 0xDFFF) return fail(r, "lone low surrogate");
    if (code >= 0xD800 && code <= 0xDBFF) {
        uint32_t low;
        if (!take(r, "\\u") || !read_hex4(r, &low) || low < 0xDC00 || low > 0xDFFF)
            return fail(r, "high surrogate without its low half");
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        assert(code >= 0x10000 && code <= 0x10FFFF);
    }
    push_utf8(b, code);
    return 0;
}

static int read_escape(reader_t *r, bytes_t *b) {
    assert(r != NULL && b != NULL && r->at >= 1 && r->text[r->at - 1] == '\\');
    if (r->at >= r->length) return fail(r, "unterminated escape");
    char c = r->text[r->at++];
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c != '\0' ? strchr(from, c) : NULL;
    if (hit != NULL) {
        bytes_push(b, &to[hit - from], 1);
        return 0;
    }
    if (c == 'u') return read_unicode_escape(r, b);
    r->at--;
    return fail(r, "bad escape '\\%c'", c);
}

/* At the opening quote. */
static int read_string(reader_t *r, const char **text_out, size_t *length_out) {
    assert(r->at < r->length && r->text[r->at] == '"');
    assert(text_out != NULL && length_out != NULL);
    r->at++;
    bytes_t b = {0};
    bytes_push(&b, "", 0);
    int status = 0;
    for (;;) {
        if (r->at >= r->length) {
            status = fail(r, "unterminated string");
            break;
        }
        char c = r->text[r->at];
        if (c == '"') {
            r->at++;
            break;
        }
        if ((unsigned char)c < 0x20) {
            status = fail(r, "control character in a string");
            break;
        }
        r->at++;
        if (c == '\\') {
            status = read_escape(r, &b);
            if (status != 0) break;
        } else {
            bytes_push(&b, &c, 1);
        }
    }
    assert(b.data != NULL && b.data[b.length] == '\0');
    if (status == 0) {
        char *copy = fl_arena_alloc(r->arena, b.length + 1);
        memcpy(copy, b.data, b.length + 1);
        *text_out = copy;
        *length_out = b.length;
    }
    free(b.data);
    return status;
}

static int read_number(reader_t *r, fl_json_value_t *out) {
    assert(r != NULL && out != NULL && r->at < r->length);
    size_t start = r->at;
    if (r->at < r->length && r->text[r->at] == '-') r->at++;
    size_t digits = r->at;
    while (r->at < r->length && r->text[r->at] >= '0' && r->text[r->at] <= '9') r->at++;
    if (r->at == digits) return fail(r, "expected a value");
    if (r->text[digits] == '0' && r->at - digits > 1) return fail(r, "leading zero in a number");
    if (r->at < r->length && r->text[r->at] == '.') {
        size_t fraction = ++r->at;
        while (r->at < r->length && r->text[r->at] >= '0' && r->text[r->at] <= '9') r->at++;
        if (r->at == fraction) return fail(r, "digits expected after '.'");
    }
    if (r->at < r->length && (r->text[r->at] == 'e' || r->text[r->at] == 'E')) {
        r->at++;
        if (r->at < r->length && (r->text[r->at] == '+' || r->text[r->at] == '-')) r->at++;
        size_t exponent = r->at;
        while (r->at < r->length && r->text[r->at] >= '0' && r->text[r->at] <= '9') r->at++;
        if (r->at == exponent) return fail(r, "digits expected in the exponent");
    }
    assert(r->at > start && r->at <= r->length);
    out->type = FL_JSON_NUMBER;
    out->length = r->at - start;
    char *text = fl_arena_alloc(r->arena, out->length + 1);
    memcpy(text, r->text + start, out->length);
    text[out->length] = '\0';
    out->text = text;
    return 0;
}

static int read_value(reader_t *r, fl_json_value_t *out, size_t depth);

/* A list of values parsed one by one, moved into the arena at the end. */
typedef struct members {
    fl_json_value_t *items;
    const char **keys;
    size_t count, capacity;
} members_t;

static void members_grow(members_t *m) {
    assert(m != NULL && m->count <= m->capacity);
    if (m->count < m->capacity) return;
    size_t capacity = m->capacity ? m->capacity * 2 : 8;
    fl_json_value_t *items = realloc(m->items, capacity * sizeof *items);
    const char **keys = realloc(m->keys, capacity * sizeof *keys);
    if (items == NULL || keys == NULL) fl__out_of_memory("json");
    m->items = items;
    m->keys = keys;
    m->capacity = capacity;
    assert(m->count < m->capacity);
}

static void members_store(reader_t *r, members_t *m, fl_json_value_t *out, bool object) {
    assert(r != NULL && m != NULL && out != NULL && m->count <= m->capacity);
    assert(out->type == (object ? FL_JSON_OBJECT : FL_JSON_ARRAY));
    out->count = m->count;
    out->items = fl_arena_zalloc(r->arena, (m->count + 1) * sizeof *out->items);
    if (m->count > 0) memcpy(out->items, m->items, m->count * sizeof *out->items);
    if (object) {
        out->keys = fl_arena_zalloc(r->arena, (m->count + 1) * sizeof *out->keys);
        if (m->count > 0) memcpy(out->keys, m->keys, m->count * sizeof *out->keys);
    }
    free(m->items);
    free(m->keys);
}

/* At '[' or '{'. */
static int read_container(reader_t *r, fl_json_value_t *out, size_t depth, bool object) {
    assert(r != NULL && out != NULL && r->at < r->length);
    assert(r->text[r->at] == (object ? '{' : '['));
    if (depth >= FL_JSON_DEPTH_MAX) return fail(r, "nested deeper than %d", FL_JSON_DEPTH_MAX);
    char close = object ? '}' : ']';
    r->at++;
    out->type = object ? FL_JSON_OBJECT : FL_JSON_ARRAY;
    members_t m = {0};
    int status = 0;
    skip_space(r);
    if (r->at < r->length && r->text[r->at] == close) {
        r->at++;
    } else {
        for (;;) {
            members_grow(&m);
            m.keys[m.count] = NULL;
            skip_space(r);
            if (object) {
                size_t key_length;
                if (r->at >= r->length || r->text[r->at] != '"') {
                    status = fail(r, "expected a key");
                    break;
                }
                if ((status = read_string(r, &m.keys[m.count], &key_length)) != 0) break;
                skip_space(r);
                if (!take(r, ":")) {
                    status = fail(r, "expected ':'");
                    break;
                }
            }
            if ((status = read_value(r, &m.items[m.count], depth + 1)) != 0) break;
            assert(!object || m.keys[m.count] != NULL); /* an object's member has its key */
            m.count++;
            skip_space(r);
            if (take(r, ",")) continue;
            if (r->at < r->length && r->text[r->at] == close) {
                r->at++;
                break;
            }
            status = fail(r, "expected ',' or '%c'", close);
            break;
        }
    }
    members_store(r, &m, out, object);
    assert(status != 0 || !object || out->keys != NULL);
    return status;
}

static int read_value(reader_t *r, fl_json_value_t *out, size_t depth) {
    assert(r != NULL && out != NULL && depth <= FL_JSON_DEPTH_MAX);
    memset(out, 0, sizeof *out);
    skip_space(r);
    if (r->at >= r->length) return fail(r, "expected a value, got the end");
    char c = r->text[r->at];
    if (c == '{' || c == '[') return read_container(r, out, depth, c == '{');
    if (c == '"') {
        out->type = FL_JSON_STRING;
        return read_string(r, &out->text, &out->length);
    }
    if (take(r, "true")) return out->type = FL_JSON_BOOL, out->boolean = true, 0;
    if (take(r, "false")) return out->type = FL_JSON_BOOL, out->boolean = false, 0;
    if (take(r, "null")) return out->type = FL_JSON_NULL, 0;
    return read_number(r, out);
}

int fl_json_parse(fl_arena_t *arena, const char *text, size_t length, const fl_json_value_t **out,
                  char *error, size_t error_size) {
    assert(arena != NULL && (text != NULL || length == 0) && out != NULL);
    if (error_size > 0) error[0] = '\0';
    *out = NULL;
    reader_t r = {
        .arena = arena, .text = text, .length = length, .error = error, .error_size = error_size};
    fl_json_value_t *value = fl_arena_zalloc(arena, sizeof *value);
    int status = read_value(&r, value, 0);
    if (status != 0) return status;
    skip_space(&r);
    if (r.at != r.length) return fail(&r, "trailing text after the value");
    assert(value->type >= FL_JSON_NULL && value->type <= FL_JSON_OBJECT);
    *out = value;
    return 0;
}

const fl_json_value_t *fl_json_get(const fl_json_value_t *object, const char *key) {
    assert(key != NULL);
    if (object == NULL || object->type != FL_JSON_OBJECT) return NULL;
    assert(object->keys != NULL && object->items != NULL); /* members_store gives both */
    for (size_t i = 0; i < object->count; i++) {
        assert(object->keys[i] != NULL);
        if (strcmp(object->keys[i], key) == 0) return &object->items[i];
    }
    return NULL;
}

bool fl_json_get_bool(const fl_json_value_t *object, const char *key, bool *out) {
    assert(key != NULL && out != NULL);
    const fl_json_value_t *v = fl_json_get(object, key);
    if (v == NULL || v->type != FL_JSON_BOOL) return false;
    *out = v->boolean;
    return true;
}

bool fl_json_get_u64(const fl_json_value_t *object, const char *key, uint64_t *out) {
    assert(key != NULL && out != NULL);
    const fl_json_value_t *v = fl_json_get(object, key);
    if (v == NULL || v->type != FL_JSON_NUMBER) return false;
    assert(v->text != NULL && v->length > 0); /* a number has its text */
    if (v->text[0] == '-') return false;
    if (strspn(v->text, "0123456789") != v->length) return false;
    errno = 0;
    unsigned long long value = strtoull(v->text, NULL, 10);
    if (errno == ERANGE) return false;
    *out = value;
    return true;
}

const char *fl_json_get_string(const fl_json_value_t *object, const char *key) {
    assert(key != NULL);
    const fl_json_value_t *v = fl_json_get(object, key);
    assert(v == NULL || v->type != FL_JSON_STRING || v->text != NULL);

    return v != NULL && v->type == FL_JSON_STRING ? v->text : NULL;
}
