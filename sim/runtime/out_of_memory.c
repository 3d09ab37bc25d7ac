/* Out of memory: see out_of_memory.h. */
#include "sim/runtime/out_of_memory.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* Process-wide: the runtime is single-threaded by design, and a report, once
 * started, ends the process. */
static fl_out_of_memory_escape_t installed;
static const char *pending_where;

_Noreturn void fl__out_of_memory(const char *where) {
    assert(where != NULL);
    if (installed.escape != NULL && pending_where == NULL) {
        pending_where = where;
        fl_out_of_memory_escape_t escape = installed;
        installed.escape = NULL; /* a failure while escaping exits at once */
        installed.arg = NULL;
        escape.escape(escape.arg);
        /* The escape never comes back: the task's stack is abandoned. */
    }
    /* stderr is unbuffered: this allocates nothing. */
    fprintf(stderr, "faultline: out of memory (%s)\n", where);
    exit(FL_EXIT_OUT_OF_MEMORY);
}

fl_out_of_memory_escape_t fl__out_of_memory_set_escape(fl_out_of_memory_escape_t escape) {
    assert(escape.escape != NULL || escape.arg == NULL);
    fl_out_of_memory_escape_t previous = installed;
    installed = escape;
    return previous;
}

void fl__out_of_memory_resume(void) {
    if (pending_where == NULL) return;
    /* The scheduler has put back the escape it replaced: none on the main
     * stack, so this exits; an outer task's, when that scheduler ran inside a
     * task of another world, so the report escapes one level further. */
    const char *where = pending_where;
    pending_where = NULL;
    fl__out_of_memory(where);
}
