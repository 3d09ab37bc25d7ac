/* Out of memory: the one way every layer reports an allocation that failed.
 *
 * Policy (docs/HARDENING.md): running out of memory is a clean error, never a
 * crash. fl__out_of_memory prints "faultline: out of memory (WHERE)" on
 * stderr and ends the process with FL_EXIT_OUT_OF_MEMORY through exit(), so
 * stdio is flushed and, under LeakSanitizer, everything still reachable is
 * not reported as a leak. A simulator that cannot allocate has no honest way
 * to go on: a run that skipped an event for want of memory would be a
 * different run under the same seed, so nothing tries to recover.
 *
 * A task runs on its own stack. Exiting from there would hide the main stack
 * (and the pointers only it holds) from LeakSanitizer, which scans the stack
 * that is running, so the scheduler installs an escape while a task runs: the
 * task's fiber is left for good and the scheduler, back on the main stack,
 * calls fl__out_of_memory_resume, which exits from there.
 */
#ifndef FL_OUT_OF_MEMORY_H
#define FL_OUT_OF_MEMORY_H

#include <assert.h>
#include <stddef.h>

/* The exit status of a process that ran out of memory. 0, 1, 2 and 5 are
 * faultline's other codes (docs/REPORTS.md); 4 is used by nothing else. */
#define FL_EXIT_OUT_OF_MEMORY 4

/* Reports that an allocation for WHERE (a short static name) failed and ends
 * the process with FL_EXIT_OUT_OF_MEMORY; from a task, first leaves its
 * stack through the escape in place. Never returns. */
_Noreturn void fl__out_of_memory(const char *where);

/* Leaves the running task's stack for good (to the scheduler); never returns
 * to its caller. */
typedef void fl_out_of_memory_escape_fn(void *arg);

/* The escape in place, NULL when the main stack runs. */
typedef struct fl_out_of_memory_escape {
    fl_out_of_memory_escape_fn *escape;
    void *arg;
} fl_out_of_memory_escape_t;

/* The process-wide state behind the two calls below (the runtime is
 * single-threaded by design): the escape in place, and the WHERE of a report
 * that escaped and is still to be finished. Internal: read and written only
 * by out_of_memory.c and these inline calls, which the scheduler makes on
 * every task switch (as calls, they were a hundredth of a run). */
extern fl_out_of_memory_escape_t fl__out_of_memory_installed;
extern const char *fl__out_of_memory_pending;

/* Finishes a report that escaped (exits). Internal: see below. */
_Noreturn void fl__out_of_memory_finish(void);

/* Installs escape (NULL for none) and returns the one it replaces, for the
 * caller to put back: a scheduler run from inside a task nests. */
static inline fl_out_of_memory_escape_t
fl__out_of_memory_set_escape(fl_out_of_memory_escape_t escape) {
    assert(escape.escape != NULL || escape.arg == NULL);
    fl_out_of_memory_escape_t previous = fl__out_of_memory_installed;
    fl__out_of_memory_installed = escape;
    return previous;
}

/* Called on the main stack after every switch back from a task: when that
 * task escaped from an out-of-memory report, finishes it here (exits);
 * otherwise returns at once. */
static inline void fl__out_of_memory_resume(void) {
    if (fl__out_of_memory_pending != NULL) fl__out_of_memory_finish();
}

#endif /* FL_OUT_OF_MEMORY_H */
