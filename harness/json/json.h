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

struct fl_arena;

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
/* value / 10^decimals as a decimal number with exactly decimals digits
 * after the point (decimals 1..18): fl_json_fixed(w, 1500, 3) writes 1.500.
 * Exact and independent of the locale, unlike printf's %f. */
void fl_json_fixed(fl_json_writer_t *writer, uint64_t value, unsigned decimals);
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

/* --- reading (json_read.c) ---------------------------------------------------------------

   A strict reader for what the writer writes, and for what tests read back
   (a worker's result line, fetch's line, a Chrome trace): RFC 8259 values,
   nesting at most FL_JSON_DEPTH_MAX deep, no trailing text. \uXXXX escapes
   decode to UTF-8 (a surrogate pair to its code point; a lone surrogate is
   an error). Numbers keep their text, so a uint64_t reads back exactly.
   Every value lives in the arena passed to fl_json_parse. */

typedef enum fl_json_type {
    FL_JSON_NULL,
    FL_JSON_BOOL,
    FL_JSON_NUMBER,
    FL_JSON_STRING,
    FL_JSON_ARRAY,
    FL_JSON_OBJECT,
} fl_json_type_t;

typedef struct fl_json_value fl_json_value_t;

struct fl_json_value {
    fl_json_type_t type;
    bool boolean;                /* BOOL */
    const char *text;            /* STRING: decoded, NUL-terminated (may hold NULs: length);
                                    NUMBER: its text as written */
    size_t length;               /* STRING, NUMBER: bytes of text */
    fl_json_value_t *items;      /* ARRAY, OBJECT: the values, in order */
    const char **keys;           /* OBJECT: keys[i] names items[i] */
    size_t count;                /* ARRAY, OBJECT */
};

/* Parses length bytes of text as one JSON value into the arena. Returns 0
 * and the value in *out, or FL_EINVAL with "offset N: what" in error. */
int fl_json_parse(struct fl_arena *arena, const char *text, size_t length,
                  const fl_json_value_t **out, char *error, size_t error_size);

/* An object's member by key (the first, if repeated), or NULL (also when
 * object is NULL or not an object). */
const fl_json_value_t *fl_json_get(const fl_json_value_t *object, const char *key);

/* Typed reads of a member: false when it is missing or of another type
 * (a number that is not a whole number in range, for the integer one). */
bool fl_json_get_bool(const fl_json_value_t *object, const char *key, bool *out);
bool fl_json_get_u64(const fl_json_value_t *object, const char *key, uint64_t *out);
const char *fl_json_get_string(const fl_json_value_t *object, const char *key);

#endif /* FL_HARNESS_JSON_H */
