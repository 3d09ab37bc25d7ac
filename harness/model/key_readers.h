/* The readers a key row names: how the value of one key becomes one field.
 * Each reads with the yaml_reader function of its type, so a key read
 * through its row says the same things, at the same place, as one read by
 * hand. A field's C type must be the reader's: fl__yaml_read_keys asserts
 * that the sizes agree. Internal to model/. */
#ifndef FL_HARNESS_KEY_READERS_H
#define FL_HARNESS_KEY_READERS_H

#include "harness/model/yaml_reader.h"

/* One row a reader: its name (FL_READ_<name>), the field's type, and the
 * statements that read node at path into out (a pointer to that type).
 * POSITIVE(c) ends a reader: "<path>: must be positive" unless c. */
#define FL_KEY_READERS(X)                                                                          \
    X(STRING, const char *, return fl__yaml_string(ld, node, path, out);)                          \
    X(NONEMPTY, const char *, return fl__yaml_nonempty(ld, node, path, out);)                      \
    X(DURATION, int64_t, return fl__yaml_duration_ex(ld, node, path, false, out);)                 \
    X(POSITIVE_DURATION, int64_t, TRY(fl__yaml_duration(ld, node, path, out));                     \
      POSITIVE(*out > 0);)                                                                         \
    X(DURATION_OR_FOREVER, int64_t, return fl__yaml_duration_ex(ld, node, path, true, out);)       \
    X(COUNT, size_t, return fl__yaml_count(ld, node, path, out);)                                  \
    X(POSITIVE_COUNT, size_t, TRY(fl__yaml_count(ld, node, path, out)); POSITIVE(*out > 0);)       \
    X(WHOLE, int64_t, return fl__yaml_integer(ld, node, path, 0, INT32_MAX, out);)                 \
    X(UINT32, uint32_t, return fl__yaml_uint32(ld, node, path, out);)                              \
    X(POSITIVE_UINT32, uint32_t, TRY(fl__yaml_uint32(ld, node, path, out)); POSITIVE(*out > 0);)   \
    X(BOOL, bool, return fl__yaml_bool(ld, node, path, out);)                                      \
    X(BYTES, uint64_t, return fl__yaml_bytes(ld, node, path, out);)                                \
    X(SIZE, size_t, return fl__yaml_size(ld, node, path, out);)                                    \
    X(POSITIVE_SIZE, size_t, TRY(fl__yaml_size(ld, node, path, out)); POSITIVE(*out > 0);)         \
    X(STATUS, int, return fl__yaml_status(ld, node, path, out);)                                   \
    X(ERROR_KIND, fl_error_kind_t, return fl__yaml_error_kind(ld, node, path, false, out);)        \
    X(EXCEPTION_KIND, fl_error_kind_t, return fl__yaml_error_kind(ld, node, path, true, out);)     \
    X(DIRECTION, fl_direction_t, return fl__yaml_direction(ld, node, path, out);)                  \

/* A reader of one name among an enum's count values, which name_fn names
 * (what: the names' kind, for messages): a static reader called reader. */
#define FL_NAMED_KEY_READER(reader, type, what_text, count_value, name_fn)                         \
    static const char *reader##_name(int value) { return name_fn((type)value); }                   \
    static const fl_key_reader_t reader = {                                                        \
        .size = sizeof(type), .what = what_text, .count = count_value, .name_of = reader##_name}

#define FL__DECLARE_KEY_READER(name, type, body) extern const fl_key_reader_t FL_READ_##name;
FL_KEY_READERS(FL__DECLARE_KEY_READER)
#undef FL__DECLARE_KEY_READER

#endif /* FL_HARNESS_KEY_READERS_H */
