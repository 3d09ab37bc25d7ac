/* The torture build's start-up (make torture; docs/HARDENING.md).
 *
 * Environment, read once by fl_torture_start:
 *   FL_ALLOC_FAIL_AT=N     the N-th allocation of this process, and every
 *                          later one, fails (alloc_fail.h); unset or 0: none
 *   FL_ALLOC_COUNT_OUT=F   at exit, appends one line to F:
 *                          "allocations C failed_at N fired yes|no"
 * A worker process (`run --jobs`) inherits both and counts its own
 * allocations from 1, so each process fails at its own N-th.
 *
 * Only the torture build compiles this file's body; the normal build has no
 * torture and no hooks.
 */
#ifndef FL_TORTURE_H
#define FL_TORTURE_H

/* Sets the limit from the environment and arranges the exit report. Called
 * first thing in main. */
void fl_torture_start(void);

#endif /* FL_TORTURE_H */
