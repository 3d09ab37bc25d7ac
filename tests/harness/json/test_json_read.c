/* The JSON reader: every value type, escapes to UTF-8, exact integers,
 * lookups, and malformed input refused with its offset; and what the
 * writer writes reads back the same. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/json/json.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"

static fl_arena_t arena;

static int setup(void **state) {
    (void)state;
    fl_arena_init(&arena);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    fl_arena_destroy(&arena);
    return 0;
}

static const fl_json_value_t *parse_ok(const char *text) {
    const fl_json_value_t *v = NULL;
    char error[128];
    if (fl_json_parse(&arena, text, strlen(text), &v, error, sizeof error) != 0)
        fail_msg("'%s': %s", text, error);
    assert_non_null(v);
    return v;
}

static void test_every_type(void **state) {
    (void)state;
    const fl_json_value_t *v =
        parse_ok(" {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"d\"}, \"e\": []} ");
    assert_int_equal(v->type, FL_JSON_OBJECT);
    assert_int_equal(v->count, 3);
    const fl_json_value_t *a = fl_json_get(v, "a");
    assert_int_equal(a->type, FL_JSON_ARRAY);
    assert_int_equal(a->count, 5);
    assert_int_equal(a->items[0].type, FL_JSON_NUMBER);
    assert_string_equal(a->items[1].text, "-2.5e3");
    assert_true(a->items[2].boolean);
    assert_int_equal(a->items[3].type, FL_JSON_BOOL);
    assert_false(a->items[3].boolean);
    assert_int_equal(a->items[4].type, FL_JSON_NULL);
    assert_string_equal(fl_json_get_string(fl_json_get(v, "b"), "c"), "d");
    assert_int_equal(fl_json_get(v, "e")->count, 0);
    assert_null(fl_json_get(v, "missing"));
    assert_null(fl_json_get(a, "a")); /* not an object */
}

static void test_strings_decode_escapes_to_utf8(void **state) {
    (void)state;
    const fl_json_value_t *v = parse_ok("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 \\u0000x\"");
    assert_int_equal(v->type, FL_JSON_STRING);
    static const char expected[] = "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xf0\x9f\x98\x80 \0x";
    assert_int_equal(v->length, sizeof expected - 1);
    assert_memory_equal(v->text, expected, sizeof expected - 1);
}

static void test_integers_read_back_exactly(void **state) {
    (void)state;
    const fl_json_value_t *v =
        parse_ok("{\"max\": 18446744073709551615, \"over\": 18446744073709551616, \"neg\": -1, "
                 "\"frac\": 1.5, \"s\": \"7\", \"t\": true}");
    uint64_t n = 0;
    assert_true(fl_json_get_u64(v, "max", &n));
    assert_true(n == UINT64_MAX);
    assert_false(fl_json_get_u64(v, "over", &n));
    assert_false(fl_json_get_u64(v, "neg", &n));
    assert_false(fl_json_get_u64(v, "frac", &n));
    assert_false(fl_json_get_u64(v, "s", &n));
    bool b = false;
    assert_true(fl_json_get_bool(v, "t", &b));
    assert_true(b);
    assert_false(fl_json_get_bool(v, "s", &b));
    assert_null(fl_json_get_string(v, "t"));
}

static void test_malformed_input_is_refused_with_its_offset(void **state) {
    (void)state;
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        {"", "offset 0: expected a value, got the end"},
        {"{", "offset 1: expected a key"},
        {"{\"a\" 1}", "offset 5: expected ':'"},
        {"[1 2]", "offset 3: expected ',' or ']'"},
        {"[1,]", "offset 3: expected a value"},
        {"\"abc", "offset 4: unterminated string"},
        {"\"a\nb\"", "offset 2: control character in a string"},
        {"\"\\x\"", "offset 2: bad escape '\\x'"},
        {"\"\\u12\"", "bad \\u escape"},
        {"\"\\ud800\"", "high surrogate without its low half"},
        {"\"\\udc00\"", "lone low surrogate"},
        {"01", "leading zero"},
        {"1.", "digits expected after '.'"},
        {"1e", "digits expected in the exponent"},
        {"-", "expected a value"},
        {"tru", "expected a value"},
        {"{} x", "offset 3: trailing text after the value"},
        {"[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]", "nested deeper than 16"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const fl_json_value_t *v = (const fl_json_value_t *)1;
        char error[128];
        int status = fl_json_parse(&arena, cases[i].text, strlen(cases[i].text), &v, error,
                                   sizeof error);
        if (status != FL_EINVAL || v != NULL || strstr(error, cases[i].error) == NULL)
            fail_msg("case %zu '%s': status %d, error '%s', expected '%s'", i, cases[i].text,
                     status, error, cases[i].error);
    }
}

/* What the writer writes, the reader reads: bytes that are not UTF-8
 * come back as U+FFFD, everything else unchanged. */
static void test_the_writers_output_reads_back(void **state) {
    (void)state;
    char buffer[512];
    FILE *f = fmemopen(buffer, sizeof buffer, "w");
    fl_json_writer_t w;
    fl_json_init(&w, f);
    fl_json_object_begin(&w);
    fl_json_key(&w, "text");
    fl_json_string_n(&w, "a\"\\\x01\xff\n", 6);
    fl_json_key(&w, "n");
    fl_json_uint(&w, UINT64_MAX);
    fl_json_key(&w, "list");
    fl_json_array_begin(&w);
    fl_json_int(&w, -7);
    fl_json_bool(&w, false);
    fl_json_array_end(&w);
    fl_json_object_end(&w);
    fclose(f);
    const fl_json_value_t *v = parse_ok(buffer);
    assert_string_equal(fl_json_get_string(v, "text"), "a\"\\\x01\xef\xbf\xbd\n");
    uint64_t n;
    assert_true(fl_json_get_u64(v, "n", &n));
    assert_true(n == UINT64_MAX);
    assert_string_equal(fl_json_get(v, "list")->items[0].text, "-7");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings_decode_escapes_to_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integers_read_back_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_input_is_refused_with_its_offset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_writers_output_reads_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
