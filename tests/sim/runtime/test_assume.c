/* FL_ALWAYS, FL_NEVER and FL_UNREACHABLE in each kind of build: the header
 * is read three times, as a debug build, a release build (NDEBUG) and a
 * coverage build (FL_COVERAGE) see it, whatever this binary was built as.
 * The macros expand where they are used, so each section's helpers keep the
 * meaning of the section they are written in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/* --- debug build: the impossible asserts -------------------------------------- */

#undef FL_COVERAGE
#undef NDEBUG
#include "sim/runtime/assume.h"
/* After the header's <assert.h>: cmocka's assert, so a failure can be
 * expected instead of ending the binary. */
#undef assert
#define assert(expression) mock_assert((int)(expression), #expression, __FILE__, __LINE__)

static int debug_always(int x) { return FL_ALWAYS(x); }
static int debug_never(int x) { return FL_NEVER(x); }
static void debug_unreachable(void) { FL_UNREACHABLE(); }

static void test_debug_passes_the_expected_through(void **state) {
    (void)state;
    assert_int_equal(debug_always(1), 1);
    assert_int_equal(debug_always(42), 1); /* normalised: usable as a bool */
    assert_int_equal(debug_never(0), 0);
}

static void test_debug_asserts_on_the_impossible(void **state) {
    (void)state;
    expect_assert_failure(debug_always(0));
    expect_assert_failure(debug_never(1));
    expect_assert_failure(debug_unreachable());
}

/* --- release build: the value of the condition --------------------------------- */

#undef FL_ASSUME_H
#undef FL_ALWAYS
#undef FL_NEVER
#undef FL_UNREACHABLE
#define NDEBUG 1
#include "sim/runtime/assume.h"

static int release_always(int x) { return FL_ALWAYS(x); }
static int release_never(int x) { return FL_NEVER(x); }

static void test_release_returns_the_condition(void **state) {
    (void)state;
    /* No assert: the defensive branch is taken quietly. */
    assert_int_equal(release_always(1), 1);
    assert_int_equal(release_always(0), 0);
    assert_int_equal(release_always(7), 1);
    assert_int_equal(release_never(0), 0);
    assert_int_equal(release_never(1), 1);
    assert_int_equal(release_never(-3), 1);
}

/* --- coverage build: constants, the condition unevaluated ----------------------- */

#undef FL_ASSUME_H
#undef FL_ALWAYS
#undef FL_NEVER
#undef FL_UNREACHABLE
#undef NDEBUG
#define FL_COVERAGE 1
#include "sim/runtime/assume.h"

static int coverage_always(int x) { return FL_ALWAYS(x); }
static int coverage_never(int x) { return FL_NEVER(x); }

static void test_coverage_makes_them_constant(void **state) {
    (void)state;
    assert_int_equal(coverage_always(0), 1);
    assert_int_equal(coverage_always(1), 1);
    assert_int_equal(coverage_never(1), 0);
    assert_int_equal(coverage_never(0), 0);
    /* Not evaluated: why the condition must have no side effects. */
    int evaluations = 0;
    assert_int_equal(FL_NEVER(++evaluations > 0), 0);
    assert_int_equal(FL_ALWAYS(++evaluations > 0), 1);
    assert_int_equal(evaluations, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debug_passes_the_expected_through),
        cmocka_unit_test(test_debug_asserts_on_the_impossible),
        cmocka_unit_test(test_release_returns_the_condition),
        cmocka_unit_test(test_coverage_makes_them_constant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
