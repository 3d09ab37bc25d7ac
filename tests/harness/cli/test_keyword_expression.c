/* -k expressions: words as case-insensitive substrings, and, or, not,
 * parentheses, and the errors of malformed ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "harness/cli/keyword_expression.h"

static bool matches(const char *expression, const char *text) {
    bool result = false;
    char problem[256];
    assert_true(fl_keyword_matches(expression, text, &result, problem, sizeof problem));
    return result;
}

static const char *problem_of(const char *expression) {
    static char problem[256];
    bool result = true;
    assert_false(fl_keyword_matches(expression, "anything", &result, problem, sizeof problem));
    assert_false(result);
    return problem;
}

static void test_a_word_is_a_substring_ignoring_case(void **state) {
    (void)state;
    const char *text = "scenarios/sse/story2_plain_cleanup.yaml SSE disconnect cancels";
    assert_true(matches("sse", text));
    assert_true(matches("Story2", text));
    assert_true(matches("DISCONNECT", text));
    assert_false(matches("retry", text));
    assert_true(matches("sse/story2", text)); /* a word may hold '/' and '.' */
}

static void test_and_or_not_and_parentheses(void **state) {
    (void)state;
    const char *text = "scenarios/shield/v038_holds.yaml shield holds";
    assert_true(matches("shield and holds", text));
    assert_false(matches("shield and finds", text));
    assert_true(matches("finds or holds", text));
    assert_false(matches("not shield", text));
    assert_true(matches("not finds", text));
    assert_true(matches("shield and not finds", text));
    /* not binds tighter than and, and tighter than or */
    assert_true(matches("finds and retry or shield", text));
    assert_false(matches("finds and (retry or shield)", text));
    assert_true(matches("not not shield", text));
    assert_true(matches("  ( v038 )  ", text));
}

static void test_a_keyword_inside_a_word_is_a_word(void **state) {
    (void)state;
    assert_true(matches("order", "scenarios/x/ordering.yaml"));
    assert_true(matches("android", "android"));
    assert_true(matches("notes", "release notes"));
}

static void test_malformed_expressions_say_where(void **state) {
    (void)state;
    assert_non_null(strstr(problem_of(""), "expected a word at the end at offset 0"));
    assert_non_null(strstr(problem_of("sse and"), "expected a word at the end at offset 7"));
    assert_non_null(strstr(problem_of("and sse"), "expected a word at offset 0"));
    assert_non_null(strstr(problem_of("(sse"), "expected ')' at offset 4"));
    assert_non_null(strstr(problem_of("sse )"), "expected 'and', 'or' or the end at offset 4"));
    assert_non_null(strstr(problem_of("sse retry"), "expected 'and', 'or' or the end"));
    char deep[FL_KEYWORD_DEPTH_MAX * 2 + 8];
    size_t n = 0;
    for (int i = 0; i <= FL_KEYWORD_DEPTH_MAX; i++) deep[n++] = '(';
    deep[n++] = 'x';
    deep[n] = '\0';
    assert_non_null(strstr(problem_of(deep), "nested too deeply"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_word_is_a_substring_ignoring_case),
        cmocka_unit_test(test_and_or_not_and_parentheses),
        cmocka_unit_test(test_a_keyword_inside_a_word_is_a_word),
        cmocka_unit_test(test_malformed_expressions_say_where),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
