/* Defensive branches that stay out of the way of branch coverage.
 *
 * A simulator is only as good as its assertions, and a defensive branch (a
 * check for something the design says cannot happen, answered with an error
 * or an early return so that a release build degrades instead of crashing)
 * is an assertion that has lost its voice: in every test run it is never
 * taken, nobody hears when it is, and gcov counts it as a branch the tests
 * never reached, so 100 % branch coverage is out of reach for a reason that
 * is not a missing test. SQLite's answer is ALWAYS() and NEVER() around such
 * conditions (sqliteInt.h); these are the same macros with faultline's
 * prefix:
 *
 *   if (FL_NEVER(pipe->in_flight > capacity)) return FL_EINVAL;
 *   if (!FL_ALWAYS(entry != NULL)) return;
 *
 * In the three kinds of build:
 *
 *   debug and test builds (assert on, the default here: nothing defines
 *   NDEBUG), the condition is evaluated once and asserted: the run aborts,
 *   naming the condition, the moment the impossible happens. A fired
 *   FL_ALWAYS or FL_NEVER is a finding, with a seed, as any assertion is.
 *
 *   release builds (NDEBUG), the value of the condition, normalised to 0 or
 *   1: the defensive branch does its job quietly.
 *
 *   coverage builds (FL_COVERAGE=1, as `make coverage` defines), a constant
 *   (1 for FL_ALWAYS, 0 for FL_NEVER), so the compiler drops the branch and
 *   gcov does not count it. The condition is not evaluated at all (only
 *   named inside sizeof, so variables it reads are not "unused").
 *
 * Hence the rule: the condition must have no side effects. It is evaluated
 * in two kinds of build and not in the third.
 *
 * Use FL_ALWAYS / FL_NEVER for a branch that only a bug can take and that
 * still deserves a graceful answer in a release build. Use plain assert()
 * where no graceful answer exists (the code right after it would crash or
 * corrupt state). Never use either for a condition that a caller, a scenario
 * file or the network can produce: those are errors, returned and tested.
 *
 * FL_UNREACHABLE() marks a point that control cannot reach (a switch's
 * default over an exhaustive enum, the end of a loop that always returns).
 * It asserts in debug builds and aborts in all others: continuing past an
 * impossible point would only move the failure somewhere harder to read.
 */
#ifndef FL_ASSUME_H
#define FL_ASSUME_H

#include <assert.h>
#include <stdlib.h>

#if defined(FL_COVERAGE) && FL_COVERAGE
#define FL_ALWAYS(x) ((void)sizeof((x) ? 1 : 0), 1)
#define FL_NEVER(x) ((void)sizeof((x) ? 1 : 0), 0)
#elif !defined(NDEBUG)
#define FL_ALWAYS(x) ((x) ? 1 : (assert(!"FL_ALWAYS(" #x ")"), 0))
#define FL_NEVER(x) ((x) ? (assert(!"FL_NEVER(" #x ")"), 1) : 0)
#else
#define FL_ALWAYS(x) ((x) ? 1 : 0)
#define FL_NEVER(x) ((x) ? 1 : 0)
#endif

#define FL_UNREACHABLE()                                                       \
    do {                                                                       \
        assert(!"FL_UNREACHABLE()");                                           \
        abort();                                                               \
    } while (0)

#endif /* FL_ASSUME_H */
