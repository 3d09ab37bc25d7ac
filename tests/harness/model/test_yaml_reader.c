/* The reader's list of names for messages: separators between names only,
 * and a list too long for its buffer ends with "..." after the last name
 * that fit, never a name cut in two. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "harness/model/yaml_reader.h"

static void test_names_are_joined(void **state) {
    (void)state;
    fl_name_list_t list = {.used = 0};
    fl__name_list_add(&list, ", ", "a");
    fl__name_list_add(&list, ", ", "bb");
    fl__name_list_add(&list, "; then: ", "c");
    assert_string_equal(list.text, "a, bb; then: c");
    assert_int_equal(list.used, strlen(list.text));
}

static void test_a_long_list_ends_in_dots(void **state) {
    (void)state;
    fl_name_list_t list = {.used = 0};
    for (int i = 0; i < 200; i++) fl__name_list_add(&list, ", ", "name");
    size_t length = strlen(list.text);
    assert_true(length < sizeof list.text);
    assert_true(list.full);
    assert_string_equal(list.text + length - 9, ", name...");
    size_t before = list.used;
    fl__name_list_add(&list, ", ", "more");
    assert_int_equal(list.used, before); /* full stays full */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_are_joined),
        cmocka_unit_test(test_a_long_list_ends_in_dots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
