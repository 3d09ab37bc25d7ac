/* The JSON writer: commas and nesting, and strings escaped so that any bytes
 * come out as valid JSON on one line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/json/json.h"

/* What the writer wrote into a memory stream, NUL-terminated. */
typedef struct capture {
    char *text;
    size_t length;
    FILE *stream;
} capture_t;

static void capture_open(capture_t *capture) {
    memset(capture, 0, sizeof *capture);
    capture->stream = open_memstream(&capture->text, &capture->length);
    assert_non_null(capture->stream);
}

static const char *capture_close(capture_t *capture) {
    fclose(capture->stream);
    return capture->text;
}

static const char *escaped(const char *text, size_t length) {
    static char result[256];
    capture_t capture;
    capture_open(&capture);
    fl_json_write_escaped(capture.stream, text, length);
    snprintf(result, sizeof result, "%s", capture_close(&capture));
    free(capture.text);
    return result;
}

static void test_plain_text_is_quoted(void **state) {
    (void)state;
    assert_string_equal(escaped("hello", 5), "\"hello\"");
    assert_string_equal(escaped("", 0), "\"\"");
}

static void test_quotes_backslashes_and_controls_are_escaped(void **state) {
    (void)state;
    assert_string_equal(escaped("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    assert_string_equal(escaped("\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"");
    assert_string_equal(escaped("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"");
    assert_string_equal(escaped("a\0b", 3), "\"a\\u0000b\"");
}

static void test_utf8_passes_and_invalid_bytes_become_replacement(void **state) {
    (void)state;
    /* é (2 bytes), € (3), 😀 (4) pass unchanged. */
    assert_string_equal(escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
                        "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* A lone continuation byte, a Latin-1 byte, an overlong '/', a surrogate,
     * a code point past U+10FFFF and a truncated sequence. */
    assert_string_equal(escaped("\x80", 1), "\"\\ufffd\"");
    assert_string_equal(escaped("caf\xe9", 4), "\"caf\\ufffd\"");
    assert_string_equal(escaped("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
    assert_string_equal(escaped("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
    assert_string_equal(escaped("\xf4\x90\x80\x80", 4), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    assert_string_equal(escaped("\xe2\x82", 2), "\"\\ufffd\\ufffd\"");
}

static void test_writer_places_commas_and_nesting(void **state) {
    (void)state;
    capture_t capture;
    capture_open(&capture);
    fl_json_writer_t json;
    fl_json_init(&json, capture.stream);
    fl_json_object_begin(&json);
    fl_json_key(&json, "ok");
    fl_json_bool(&json, false);
    fl_json_key(&json, "n");
    fl_json_int(&json, -3);
    fl_json_key(&json, "list");
    fl_json_array_begin(&json);
    fl_json_uint(&json, 18446744073709551615u);
    fl_json_string(&json, "x");
    fl_json_null(&json);
    fl_json_array_begin(&json);
    fl_json_array_end(&json);
    fl_json_object_begin(&json);
    fl_json_object_end(&json);
    fl_json_array_end(&json);
    fl_json_key(&json, "joined");
    fl_json_string_begin(&json);
    fl_json_string_append(&json, "a", 1);
    fl_json_string_append(&json, ", ", 2);
    fl_json_string_append(&json, "\"b\"", 3);
    fl_json_string_end(&json);
    fl_json_key(&json, "k\ney");
    fl_json_string(&json, NULL);
    assert_false(fl_json_complete(&json));
    fl_json_object_end(&json);
    assert_true(fl_json_complete(&json));
    assert_string_equal(capture_close(&capture),
                        "{\"ok\":false,\"n\":-3,\"list\":[18446744073709551615,\"x\",null,[],{}],"
                        "\"joined\":\"a, \\\"b\\\"\",\"k\\ney\":null}");
    free(capture.text);
}

/* Fixed-point numbers keep every digit and their leading zeros. */
static void test_fixed_point_numbers(void **state) {
    (void)state;
    capture_t capture;
    capture_open(&capture);
    fl_json_writer_t json;
    fl_json_init(&json, capture.stream);
    fl_json_array_begin(&json);
    fl_json_fixed(&json, 1500, 3);
    fl_json_fixed(&json, 42, 6);
    fl_json_fixed(&json, 0, 1);
    fl_json_fixed(&json, 18446744073709551615u, 18);
    fl_json_array_end(&json);
    assert_true(fl_json_complete(&json));
    assert_string_equal(capture_close(&capture),
                        "[1.500,0.000042,0.0,18.446744073709551615]");
    free(capture.text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_is_quoted),
        cmocka_unit_test(test_quotes_backslashes_and_controls_are_escaped),
        cmocka_unit_test(test_utf8_passes_and_invalid_bytes_become_replacement),
        cmocka_unit_test(test_writer_places_commas_and_nesting),
        cmocka_unit_test(test_fixed_point_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
