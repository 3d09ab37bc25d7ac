/* A small streaming JSON writer for the CLI's machine-readable output.
 *
 * It writes straight to a FILE, keeps track of commas and nesting, and
 * escapes strings so that whatever bytes a server sent (control characters,
 * quotes, bytes that are not UTF-8) come out as valid JSON on one line:
 *   - '"' and '\\' are escaped; \b \f \n \r \t get their short forms; the
 *     other control characters (below 0x20) and DEL become \u00XX;
 *   - well-formed UTF-8 passes through unchanged;
 *   - every byte that does not start a well-formed UTF-8 sequence (overlong
 *     forms, surrogates, code points past U+10FFFF, truncated sequences)
 *     becomes \ufffd, one per byte, so the output is always valid UTF-8.
 *
 * Misuse (a value where a key is due, closing what was not opened, nesting
 * deeper than FL_JSON_DEPTH_MAX) is a programming error and is asserted.
 * The writer holds no memory: it lives where the caller puts it.
 */
#ifndef FL_HARNESS_JSON_H
#define FL_HARNESS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { FL_JSON_DEPTH_MAX = 16 };

typedef struct fl_json_writer {
    FILE *out;
    size_t depth;                          /* open objects and arrays */
    bool in_object[FL_JSON_DEPTH_MAX];     /* per level: object (true) or array */
    bool has_items[FL_JSON_DEPTH_MAX];     /* per level: a comma is due before the next */
    bool key_pending;                      /* a key was written; its value is due */
    bool complete;                         /* the top-level value is written */
    bool in_string;                        /* between string_begin and string_end */
} fl_json_writer_t;

/* Starts writing one JSON value to out (borrowed, not closed). */
void fl_json_init(fl_json_writer_t *writer, FILE *out);

void fl_json_object_begin(fl_json_writer_t *writer);
void fl_json_object_end(fl_json_writer_t *writer);
void fl_json_array_begin(fl_json_writer_t *writer);
void fl_json_array_end(fl_json_writer_t *writer);

/* A key inside an object (NUL-terminated); its value comes next. */
void fl_json_key(fl_json_writer_t *writer, const char *key);

/* Values. fl_json_string takes a NUL-terminated string (NULL writes null);
 * fl_json_string_n takes length bytes, which may hold NULs (as \u0000). */
void fl_json_string(fl_json_writer_t *writer, const char *text);
void fl_json_string_n(fl_json_writer_t *writer, const char *text, size_t length);
void fl_json_int(fl_json_writer_t *writer, int64_t value);
void fl_json_uint(fl_json_writer_t *writer, uint64_t value);
void fl_json_bool(fl_json_writer_t *writer, bool value);
void fl_json_null(fl_json_writer_t *writer);

/* A string written in pieces (the values of a repeated header joined):
 * begin, any number of appends, end. Each piece is escaped on its own, so a
 * UTF-8 sequence split across two pieces comes out as \ufffd. */
void fl_json_string_begin(fl_json_writer_t *writer);
void fl_json_string_append(fl_json_writer_t *writer, const char *text, size_t length);
void fl_json_string_end(fl_json_writer_t *writer);

/* True once a whole value has been written (every object and array closed). */
bool fl_json_complete(const fl_json_writer_t *writer);

/* Writes text (length bytes) as a quoted, escaped JSON string: the escaping
 * rules above, with no writer state. */
void fl_json_write_escaped(FILE *out, const char *text, size_t length);

#endif /* FL_HARNESS_JSON_H */
