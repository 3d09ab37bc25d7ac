/* Out of memory: see out_of_memory.h. */
#include "sim/runtime/out_of_memory.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* Process-wide: the runtime is single-threaded by design, and a report, once
 * started, ends the process. */
fl_out_of_memory_escape_t fl__out_of_memory_installed;
const char *fl__out_of_memory_pending;

_Noreturn void fl__out_of_memory(const char *where) {
    assert(where != NULL);
    if (fl__out_of_memory_installed.escape != NULL && fl__out_of_memory_pending == NULL) {
        fl__out_of_memory_pending = where;
        fl_out_of_memory_escape_t escape = fl__out_of_memory_installed;
        /* A failure while escaping exits at once. */
        fl__out_of_memory_installed = (fl_out_of_memory_escape_t){NULL, NULL};
        escape.escape(escape.arg);
        /* The escape never comes back: the task's stack is abandoned. */
    }
    /* stderr is unbuffered: this allocates nothing. */
    fprintf(stderr, "faultline: out of memory (%s)\n", where);
    exit(FL_EXIT_OUT_OF_MEMORY);
}

_Noreturn void fl__out_of_memory_finish(void) {
    /* The scheduler has put back the escape it replaced: none on the main
     * stack, so this exits; an outer task's, when that scheduler ran inside a
     * task of another world, so the report escapes one level further. */
    const char *where = fl__out_of_memory_pending;
    assert(where != NULL);
    fl__out_of_memory_pending = NULL;
    fl__out_of_memory(where);
}
