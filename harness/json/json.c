/* See json.h. */
#include "harness/json/json.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

void fl_json_init(fl_json_writer_t *writer, FILE *out) {
    assert(writer != NULL && out != NULL);
    *writer = (fl_json_writer_t){.out = out};
    assert(writer->depth == 0 && !writer->complete);
}

/* The length of the well-formed UTF-8 sequence (2 to 4 bytes) that starts
 * at text, or 0 when the bytes there are not one (RFC 3629's table). */
static size_t utf8_sequence_length(const unsigned char *text, size_t available) {
    assert(text != NULL && available > 0);
    unsigned char lead = text[0];
    assert(lead >= 0x80); /* ASCII never comes here */
    size_t length;
    unsigned char second_low = 0x80, second_high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) second_low = 0xa0;  /* no overlong forms */
        if (lead == 0xed) second_high = 0x9f; /* no surrogates */
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) second_low = 0x90;
        if (lead == 0xf4) second_high = 0x8f; /* nothing past U+10FFFF */
    } else {
        return 0;
    }
    if (available < length) return 0;
    if (text[1] < second_low || text[1] > second_high) return 0;
    for (size_t i = 2; i < length; i++)
        if (text[i] < 0x80 || text[i] > 0xbf) return 0;
    assert(length >= 2 && length <= 4 && length <= available);
    return length;
}

static void write_escaped_byte(FILE *out, unsigned char c) {
    assert(out != NULL);
    assert(c < 0x80); /* a byte of a UTF-8 sequence is written as it is */
    switch (c) {
    case '"': fputs("\\\"", out); return;
    case '\\': fputs("\\\\", out); return;
    case '\b': fputs("\\b", out); return;
    case '\f': fputs("\\f", out); return;
    case '\n': fputs("\\n", out); return;
    case '\r': fputs("\\r", out); return;
    case '\t': fputs("\\t", out); return;
    default: break;
    }
    if (c < 0x20 || c == 0x7f)
        fprintf(out, "\\u%04x", c);
    else
        fputc(c, out);
}

/* The escaped bytes, without the quotes. */
static void write_escaped_body(FILE *out, const char *text, size_t length) {
    assert(out != NULL && (text != NULL || length == 0));
    const unsigned char *bytes = (const unsigned char *)text;
    size_t i = 0;
    while (i < length) {
        if (bytes[i] < 0x80) {
            write_escaped_byte(out, bytes[i]);
            i++;
            continue;
        }
        size_t sequence = utf8_sequence_length(bytes + i, length - i);
        if (sequence == 0) {
            fputs("\\ufffd", out);
            i++;
        } else {
            fwrite(bytes + i, 1, sequence, out);
            i += sequence;
        }
        assert(i <= length);
    }
}

void fl_json_write_escaped(FILE *out, const char *text, size_t length) {
    assert(out != NULL && (text != NULL || length == 0));
    fputc('"', out);
    write_escaped_body(out, text, length);
    fputc('"', out);
}

/* Before any value: the comma between items, and the check that a value is
 * allowed here (after a key in an object, anywhere in an array, or once at
 * the top). */
static void before_value(fl_json_writer_t *writer) {
    assert(writer != NULL && writer->out != NULL);
    assert(!writer->complete && !writer->in_string);
    assert(writer->depth <= FL_JSON_DEPTH_MAX);
    if (writer->depth == 0) return;
    size_t level = writer->depth - 1;
    if (writer->in_object[level]) {
        assert(writer->key_pending && "a value inside an object needs a key first");
        writer->key_pending = false;
        return;
    }
    if (writer->has_items[level]) fputc(',', writer->out);
    writer->has_items[level] = true;
}

/* After a whole value: at the top level, the writer is done. */
static void after_value(fl_json_writer_t *writer) {
    assert(writer != NULL && !writer->in_string && !writer->key_pending);
    assert(writer->depth <= FL_JSON_DEPTH_MAX);
    if (writer->depth == 0) writer->complete = true;
}

static void open_level(fl_json_writer_t *writer, bool object) {
    before_value(writer);
    assert(writer->depth < FL_JSON_DEPTH_MAX);
    writer->in_object[writer->depth] = object;
    writer->has_items[writer->depth] = false;
    writer->depth++;
    assert(writer->depth >= 1 && writer->depth <= FL_JSON_DEPTH_MAX && !writer->key_pending);
    fputc(object ? '{' : '[', writer->out);
}

static void close_level(fl_json_writer_t *writer, bool object) {
    assert(writer != NULL && writer->out != NULL && !writer->complete);
    assert(!writer->in_string);
    assert(writer->depth > 0 && writer->in_object[writer->depth - 1] == object);
    assert(!writer->key_pending && "a key without its value");
    writer->depth--;
    fputc(object ? '}' : ']', writer->out);
    after_value(writer);
}

void fl_json_object_begin(fl_json_writer_t *writer) { open_level(writer, true); }
void fl_json_object_end(fl_json_writer_t *writer) { close_level(writer, true); }
void fl_json_array_begin(fl_json_writer_t *writer) { open_level(writer, false); }
void fl_json_array_end(fl_json_writer_t *writer) { close_level(writer, false); }

void fl_json_key(fl_json_writer_t *writer, const char *key) {
    assert(writer != NULL && !writer->in_string && !writer->complete);
    assert(writer->depth > 0 && writer->in_object[writer->depth - 1]);
    assert(!writer->key_pending && key != NULL);
    size_t level = writer->depth - 1;
    if (writer->has_items[level]) fputc(',', writer->out);
    writer->has_items[level] = true;
    fl_json_write_escaped(writer->out, key, strlen(key));
    fputc(':', writer->out);
    writer->key_pending = true;
}

void fl_json_string_n(fl_json_writer_t *writer, const char *text, size_t length) {
    assert(text != NULL || length == 0);
    before_value(writer);
    fl_json_write_escaped(writer->out, text, length);
    after_value(writer);
}

void fl_json_string(fl_json_writer_t *writer, const char *text) {
    assert(writer != NULL && !writer->in_string);
    if (text == NULL) {
        fl_json_null(writer);
        return;
    }
    fl_json_string_n(writer, text, strlen(text));
}

void fl_json_string_begin(fl_json_writer_t *writer) {
    before_value(writer);
    assert(!writer->key_pending); /* before_value took the key */
    writer->in_string = true;
    fputc('"', writer->out);
}

void fl_json_string_append(fl_json_writer_t *writer, const char *text, size_t length) {
    assert(writer != NULL && writer->in_string && !writer->complete);
    assert(text != NULL || length == 0);
    write_escaped_body(writer->out, text, length);
}

void fl_json_string_end(fl_json_writer_t *writer) {
    assert(writer != NULL && writer->in_string && !writer->complete);
    fputc('"', writer->out);
    writer->in_string = false;
    after_value(writer);
}

void fl_json_int(fl_json_writer_t *writer, int64_t value) {
    before_value(writer);
    fprintf(writer->out, "%" PRId64, value);

    after_value(writer);
}

void fl_json_uint(fl_json_writer_t *writer, uint64_t value) {
    before_value(writer);
    fprintf(writer->out, "%" PRIu64, value);
    after_value(writer);
}

void fl_json_fixed(fl_json_writer_t *writer, uint64_t value, unsigned decimals) {
    assert(writer != NULL);
    assert(decimals >= 1 && decimals <= 18); /* 10^18 fits in a uint64_t */
    uint64_t scale = 1;
    for (unsigned i = 0; i < decimals; i++) scale *= 10;
    before_value(writer);
    fprintf(writer->out, "%" PRIu64 ".%0*" PRIu64, value / scale, (int)decimals, value % scale);
    after_value(writer);
}

void fl_json_bool(fl_json_writer_t *writer, bool value) {
    before_value(writer);
    fputs(value ? "true" : "false", writer->out);
    after_value(writer);
}

void fl_json_null(fl_json_writer_t *writer) {
    before_value(writer);
    fputs("null", writer->out);
    after_value(writer);
}

bool fl_json_complete(const fl_json_writer_t *writer) {
    assert(writer != NULL);
    assert(!writer->complete || (writer->depth == 0 && !writer->in_string));
    return writer->complete;
}
