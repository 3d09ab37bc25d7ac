/* Allocation failure on demand: see alloc_fail.h. */
#include "sim/runtime/alloc_fail.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* This file is the hook itself: it calls the real allocator, whatever the
 * torture build's forced header (alloc_redirect.h) made of these names. */
#undef malloc
#undef calloc
#undef realloc
#undef strdup
#undef strndup

static _Atomic uint64_t counted;
static _Atomic uint64_t fail_from; /* 0: no limit */

void fl_alloc_fail_from(uint64_t n) {
    atomic_store(&counted, 0);
    atomic_store(&fail_from, n);
    assert(fl_alloc_count() == 0 && !fl_alloc_failed());
}

uint64_t fl_alloc_count(void) { return atomic_load(&counted); }

bool fl_alloc_failed(void) {
    uint64_t limit = atomic_load(&fail_from);
    return limit != 0 && atomic_load(&counted) >= limit;
}

/* Counts one allocation and says whether it is refused. */
static bool refuse(void) {
    uint64_t number = atomic_fetch_add(&counted, 1) + 1;
    assert(number >= 1); /* 2^64 allocations do not happen */
    uint64_t limit = atomic_load(&fail_from);
    if (limit == 0 || number < limit) return false;
    errno = ENOMEM;
    return true;
}

void *fl_alloc_malloc(size_t size) { return refuse() ? NULL : malloc(size); }

void *fl_alloc_calloc(size_t count, size_t size) { return refuse() ? NULL : calloc(count, size); }

void *fl_alloc_realloc(void *block, size_t size) {
    return refuse() ? NULL : realloc(block, size);
}

char *fl_alloc_strdup(const char *text) {
    assert(text != NULL);
    return refuse() ? NULL : strdup(text);
}

char *fl_alloc_strndup(const char *text, size_t length_max) {
    assert(text != NULL);
    return refuse() ? NULL : strndup(text, length_max);
}
