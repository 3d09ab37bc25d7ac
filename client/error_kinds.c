#include "client/error_kinds.h"

#include <assert.h>
#include <stdbool.h>

enum { CLIENT_KIND_COUNT = FL_ERR_CLIENT_KINDS_END - FL_ERR_RUNTIME_KINDS_END };
_Static_assert((int)FL_ERR_CLIENT_KINDS_END <= (int)FL_ERR_KIND_COUNT,
               "FL_ERR_KIND_COUNT bounds every kind");

static const char *const client_kind_names[CLIENT_KIND_COUNT] = {
#define FL__CLIENT_KIND_NAME(id, name, parent) [FL_ERR_##id - FL_ERR_RUNTIME_KINDS_END] = name,
    FL_CLIENT_ERROR_KINDS(FL__CLIENT_KIND_NAME)
#undef FL__CLIENT_KIND_NAME
};

static const fl_error_kind_t client_kind_parents[CLIENT_KIND_COUNT] = {
#define FL__CLIENT_KIND_PARENT(id, name, parent)                                                   \
    [FL_ERR_##id - FL_ERR_RUNTIME_KINDS_END] = FL_ERR_##parent,
    FL_CLIENT_ERROR_KINDS(FL__CLIENT_KIND_PARENT)
#undef FL__CLIENT_KIND_PARENT
};

static const fl_error_kind_table_t client_kinds = {
    .layer = "client",
    .first = FL_ERR_RUNTIME_KINDS_END,
    .count = CLIENT_KIND_COUNT,
    .names = client_kind_names,
    .parents = client_kind_parents,
};

void fl_client_error_kinds_add(void) {
    static bool added;
    if (added) return;
    fl_error_kinds_add(&client_kinds);
    added = true;
    assert(fl_error_kind_is(FL_ERR_READ_TIMEOUT, FL_ERR_CLIENT_ERROR));
}
