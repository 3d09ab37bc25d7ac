#include "harness/model/key_readers.h"

#include <assert.h>
#include <stdint.h>

#include "sim/runtime/status.h"

#define POSITIVE(holds) return (holds) ? 0 : FAIL(ld, node, "%s: must be positive", path)

/* A reader per row of FL_KEY_READERS: the field, typed, then the body. */
#define FL__DEFINE_KEY_READER(name, type, body)                                                    \
    static int read_##name(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,           \
                           void *field) {                                                          \
        assert(ld != NULL && node != NULL && path != NULL && field != NULL);                       \
        type *out = field;                                                                         \
        body                                                                                       \
    }                                                                                              \
    const fl_key_reader_t FL_READ_##name = {.read = read_##name, .size = sizeof(type)};
FL_KEY_READERS(FL__DEFINE_KEY_READER)
#undef FL__DEFINE_KEY_READER
