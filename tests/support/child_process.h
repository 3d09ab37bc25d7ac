/* Runs a piece of a test in a forked child and collects how it ended: for
 * tests of what a process leaves behind when it dies (an assertion that
 * aborts it), which the test's own process must survive to check. */
#ifndef FL_TEST_CHILD_PROCESS_H
#define FL_TEST_CHILD_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

enum { CHILD_OUTPUT_MAX = 65536 };

typedef struct child_result {
    char out[CHILD_OUTPUT_MAX]; /* the child's stdout, NUL-terminated, truncated to fit */
    char err[CHILD_OUTPUT_MAX]; /* its stderr, likewise */
    bool exited;                /* ended by _exit/return: exit_code is valid */
    int exit_code;
    int signal;                 /* the signal that ended it, or 0 */
} child_result_t;

/* Forks; the child runs body(arg) with stdout and stderr sent to files of
 * their own, then exits with status 0 (a body that returns has not
 * crashed). The parent waits and fills result. Both streams are flushed
 * before the fork so the child does not repeat the parent's buffered
 * output. Aborts the test process if fork or the files fail. */
void child_run(void (*body)(void *arg), void *arg, child_result_t *result);

#endif /* FL_TEST_CHILD_PROCESS_H */
