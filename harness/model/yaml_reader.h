/* Reading a scenario file's YAML node tree strictly: the generic half of
 * the loader, shared by every section's parser (model/load_*.c).
 *
 * Every function returns 0 or FL_EINVAL; the first error wins, formatted
 * "file:line:col: error: what" with the position of the node it is about,
 * unless the reader collects every error (fl__yaml_go_on, below).
 * A path ("client.tasks[0].steps[1]") names the node in messages. Strings
 * and arrays are allocated in the reader's arena. Internal to model/. */
#ifndef FL_HARNESS_YAML_READER_H
#define FL_HARNESS_YAML_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "harness/model/scenario.h"
#include "sim/runtime/arena.h"

/* Bounds on what one scenario may hold: a file is written by hand. */
enum {
    LIST_MAX = 1024,
    HEADERS_MAX = 64,
    FILE_BYTES_MAX = 4 * 1024 * 1024,
    /* Aliases let a few kilobytes name a tree of billions of nodes: every
     * node the loader visits counts, each use of an alias again. */
    NODES_MAX = 1000000,
    /* libyaml's time grows with the square of the nesting depth: deeper
     * than this is refused before it builds the document. */
    NESTING_MAX = 256,
};

/* A file's errors when the reader collects them all: the first
 * FL_YAML_ERRORS_MAX, and how many more there were. */
enum { FL_YAML_ERRORS_MAX = 20 };

typedef struct fl_yaml_errors {
    const char *lines[FL_YAML_ERRORS_MAX]; /* in the reader's arena */
    size_t count;
    size_t more;
} fl_yaml_errors_t;

typedef struct fl_yaml_reader {
    fl_arena_t *arena;
    yaml_document_t *document;
    const char *file;
    char *error;
    size_t error_size;
    fl_yaml_errors_t *errors; /* NULL: stop at the first error */
    bool error_recorded;      /* the error in error is among errors already */
    int depth; /* blocks being read inside blocks (model/load_server.c) */
    size_t nodes_visited; /* against NODES_MAX: lists' items and mappings' pairs */
    /* The channels of the program being read, which its steps name. */
    const fl_scripted_channel_t *channels;
    size_t channel_count;
} fl_yaml_reader_t;

typedef yaml_node_t fl_yaml_node_t;

/* How a key's value becomes a field: a function that reads the node, or
 * a name among count names (an enum's, of size int), and the size of the
 * field it writes (model/key_readers.h lists the generic ones). */
typedef int fl_key_read_fn(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                           void *field);

typedef struct fl_key_reader {
    fl_key_read_fn *read; /* NULL: one of the names below */
    size_t size;
    const char *what;                 /* the names' kind, for messages: "log kind" */
    int count;                        /* how many names */
    const char *(*name_of)(int name); /* name i, for i in [0, count) */
} fl_key_reader_t;

/* One key a mapping of the file may hold, as the loader checks it and the
 * reference tables show it: its name, its type and default as a reader
 * writes them ("duration", "1ms"; a NULL default: required), and one line
 * of doc. Each kind's keys are one array of these.
 *
 * A key with a reader is read by fl__yaml_read_keys into the field at
 * offset (of size bytes, which must be the reader's) of the record it is
 * given; FL_INTO(type, member) writes both. A key without one is read by
 * its kind's parse function: a key checked against others, or one that
 * fills several fields. */
typedef struct fl_key {
    const char *name;
    const char *type;
    const char *fallback;
    const char *doc;
    const fl_key_reader_t *reader;
    size_t offset;
    size_t size;
} fl_key_t;

#define FL_INTO(type, member) offsetof(type, member), sizeof(((type *)0)->member)
#define FL_BY_HAND NULL, 0, 0 /* the kind's parse function reads the key */
#define FL_KEYS_END                                                                                \
    { NULL, NULL, NULL, NULL, FL_BY_HAND }

#define TRY(call)                                                                                  \
    do {                                                                                           \
        int fl__status = (call);                                                                   \
        if (fl__status != 0) return fl__status;                                                    \
    } while (0)

int fl__yaml_fail_at(fl_yaml_reader_t *ld, yaml_mark_t mark, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Reading on after an error, to report a file's every error at once. A
 * list's items and a file's sections are each a part: the status of one
 * just read goes through here. Without a collector it is returned as it
 * is (the first error wins). With one (ld->errors), an error is recorded
 * once, *failed is set and 0 returned, so that the caller reads the next
 * part; a caller whose part failed returns FL_EINVAL when its own parts are
 * read. What depends on a part that failed is not read: a reference to a
 * task that did not load, or a check over a list with a hole, would only
 * report a consequence. */
int fl__yaml_go_on(fl_yaml_reader_t *ld, int status, bool *failed);

/* model/yaml_shape.c: refuses text that holds a NUL byte, more than one
 * document or nesting deeper than NESTING_MAX, before the document is
 * built; text is length bytes (not NUL-terminated for the check). */
int fl__yaml_check_shape(fl_yaml_reader_t *ld, const char *text, size_t length);
/* Fails with the parser's error at its line and column. */
int fl__yaml_fail_syntax(fl_yaml_reader_t *ld, const yaml_parser_t *parser, const char *text,
                         size_t length);
/* Where byte offset of text is, as a libyaml mark (line and column from 0). */
yaml_mark_t fl__yaml_mark_of_offset(const char *text, size_t length, size_t offset);

/* A list of names for a message ("a, b, c"): a full buffer keeps what fit
 * and says "..." after it, so a long list never cuts a name in two. Made
 * with fl__name_list_for, it also keeps the name added that the one looked
 * for most likely misspells, for a "did you mean". */
typedef struct fl_name_list {
    char text[512];
    size_t used;
    bool full;
    const char *given;       /* the name that matched none, or NULL */
    const char *closest;     /* the added name closest to it, if a likely misspelling */
    size_t closest_distance; /* its edits away (ignoring case) */
} fl_name_list_t;

/* An empty list that looks for what given misspells (given may be NULL). */
fl_name_list_t fl__name_list_for(const char *given);

/* Adds name after separator (nothing before the first name). */
void fl__name_list_add(fl_name_list_t *list, const char *separator, const char *name);

/* "did you mean 'NAME'? " when an added name is a likely misspelling of the
 * given one (at most two edits, or only its case differs); else "". */
const char *fl__name_list_hint(fl_yaml_reader_t *ld, const fl_name_list_t *list);

#define FAIL(ld, node, ...) fl__yaml_fail_at((ld), (node)->start_mark, __VA_ARGS__)

fl_location_t fl__yaml_location(const fl_yaml_reader_t *ld, const fl_yaml_node_t *node);
const char *fl__yaml_child_path(fl_yaml_reader_t *ld, const char *path, const char *key);
const char *fl__yaml_index_path(fl_yaml_reader_t *ld, const char *path, size_t index);
const char *fl__yaml_text(const fl_yaml_node_t *node);
fl_yaml_node_t *fl__yaml_node_at(fl_yaml_reader_t *ld, int index);
int fl__yaml_expect_mapping(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path);
int fl__yaml_expect_sequence(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path);
size_t fl__yaml_sequence_count(const fl_yaml_node_t *node);
fl_yaml_node_t *fl__yaml_sequence_item(fl_yaml_reader_t *ld, const fl_yaml_node_t *node,
                                       size_t index);
size_t fl__yaml_pair_count(const fl_yaml_node_t *node);
/* Refuses keys that are not rows of keys (terminated by a row whose name is
 * NULL), non-scalar keys and duplicates. An unknown key's message lists the
 * valid ones, and names the closest when it is a likely misspelling. */
int fl__yaml_check_keys(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                        const fl_key_t *keys);
/* Reads every key of keys that has a reader and stands in node (a mapping
 * whose keys were checked) into its field of record, a struct of
 * record_size bytes; a missing key with a reader and no default is an
 * error. Keys are read in the table's order. */
int fl__yaml_read_keys(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                       const fl_key_t *keys, void *record, size_t record_size);
/* fl__yaml_check_keys, then fl__yaml_read_keys. */
int fl__yaml_check_and_read_keys(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                                 const fl_key_t *keys, void *record, size_t record_size);
fl_yaml_node_t *fl__yaml_get(fl_yaml_reader_t *ld, fl_yaml_node_t *mapping, const char *key);
int fl__yaml_require(fl_yaml_reader_t *ld, fl_yaml_node_t *mapping, const char *key,
                     const char *path, fl_yaml_node_t **out);
int fl__yaml_expect_scalar(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                           const char *what);
int fl__yaml_string(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, const char **out);
int fl__yaml_nonempty(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                      const char **out);
int fl__yaml_integer(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, int64_t min,
                     int64_t max, int64_t *out);
int fl__yaml_uint32(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, uint32_t *out);
int fl__yaml_count(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, size_t *out);
int fl__yaml_bool(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, bool *out);
int fl__yaml_duration_ex(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                         bool allow_forever, int64_t *out);
int fl__yaml_duration(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, int64_t *out);
int fl__yaml_bytes(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, uint64_t *out);
/* A size as fl__yaml_bytes reads it, into a size_t. */
int fl__yaml_size(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, size_t *out);
int fl__yaml_choice(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, const char *what,
                    const char *const *names, int *out);
int fl__yaml_error_kind(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                        bool exception_only, fl_error_kind_t *out);
int fl__yaml_direction(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                       fl_direction_t *out);
int fl__yaml_side(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, fl_side_t *out);
int fl__yaml_string_list(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                         const char *const **out, size_t *count_out);
/* Response headers: at most max of them (a response holds fewer than a
 * request may). */
int fl__yaml_response_headers(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                              const fl_asgi_header_t **out, size_t *count_out);
int fl__yaml_headers(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                     const fl_asgi_header_t **out, size_t *count_out);
int fl__yaml_status(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, int *out);

#endif /* FL_HARNESS_YAML_READER_H */
