/* The torture build's start-up: see torture.h. */
#include "harness/cli/torture.h"

#if FL_TORTURE
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/alloc_fail.h"

static const char *count_out; /* FL_ALLOC_COUNT_OUT, or NULL */
static uint64_t fail_at;

/* libyaml allocates through these three exported functions, and calls them
 * through its PLT: defined in the executable they take the library's place,
 * so the parser's allocations are counted and can fail too (libyaml then
 * reports YAML_MEMORY_ERROR). yaml_free stays libyaml's own: it calls free. */
void *yaml_malloc(size_t size);
void *yaml_realloc(void *block, size_t size);
unsigned char *yaml_strdup(const unsigned char *text);

void *yaml_malloc(size_t size) { return fl_alloc_malloc(size ? size : 1); }

void *yaml_realloc(void *block, size_t size) {
    return block != NULL ? fl_alloc_realloc(block, size ? size : 1)
                         : fl_alloc_malloc(size ? size : 1);
}

unsigned char *yaml_strdup(const unsigned char *text) {
    return text != NULL ? (unsigned char *)fl_alloc_strdup((const char *)text) : NULL;
}

/* Written from exit (not from a signal): a crash leaves no line, which is
 * how the driver tells it from a clean end. */
static void report_count(void) {
    FILE *out = fopen(count_out, "a");
    if (out == NULL) return;
    fprintf(out, "allocations %" PRIu64 " failed_at %" PRIu64 " fired %s\n", fl_alloc_count(),
            fail_at, fl_alloc_failed() ? "yes" : "no");
    fclose(out);
}

void fl_torture_start(void) {
    const char *text = getenv("FL_ALLOC_FAIL_AT");
    fail_at = text != NULL ? strtoull(text, NULL, 10) : 0;
    /* libuv's allocations are not routed here (uv_replace_allocator): libuv
     * aborts by design when some of them fail (uv__io_start grows its watcher
     * array and aborts on NULL), so failing them would test libuv's abort,
     * not faultline. docs/HARDENING.md says so. */
    fl_alloc_fail_from(fail_at);
    count_out = getenv("FL_ALLOC_COUNT_OUT");
    if (count_out != NULL && count_out[0] != '\0') atexit(report_count);
}
#else
void fl_torture_start(void) {}
#endif
