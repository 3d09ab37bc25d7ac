/* Request targets: the split into raw path and query, and the path decoded
 * as uvicorn's urllib.parse.unquote decodes it (the expected bytes are
 * what Python 3.11's unquote gives for each). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/net/request_target.h"

static void assert_split(const char *target, const char *raw_path, const char *query) {
    fl_request_target_t parts;
    fl_request_target_split(target, &parts);
    assert_int_equal(parts.raw_path_length, strlen(raw_path));
    assert_memory_equal(parts.raw_path, raw_path, parts.raw_path_length);
    assert_int_equal(parts.query_length, strlen(query));
    assert_memory_equal(parts.query, query, parts.query_length);
}

/* raw_path stops at the first '?'; the query is all after it, raw. */
static void test_origin_form_splits_at_the_question_mark(void **state) {
    (void)state;
    assert_split("/", "/", "");
    assert_split("/a%20b/c?x=%20&y", "/a%20b/c", "x=%20&y");
    assert_split("/a?b?c", "/a", "b?c");
    assert_split("/a?", "/a", "");
    assert_split("*", "*", "");
}

/* RFC 9112 §3.2.2: an absolute-form target's path is taken from it, "/"
 * when it has none; a path that only looks like a scheme is not one. */
static void test_absolute_form_gives_its_path(void **state) {
    (void)state;
    assert_split("http://example.com/abs/p?q=1", "/abs/p", "q=1");
    assert_split("HTTP://example.com:8080/x", "/x", "");
    assert_split("http://example.com", "/", "");
    assert_split("http://example.com?q", "/", "q");
    assert_split("svn+ssh://h/r", "/r", "");
    assert_split("/http://x/y", "/http://x/y", "");
    assert_split("1http://x/y", "1http://x/y", "");
}

static void assert_decoded(const char *raw, const char *expected) {
    char out[FL_PERCENT_DECODED_MAX(64)];
    assert_true(strlen(raw) <= 64);
    size_t length = fl_percent_decode_path(raw, strlen(raw), out, sizeof out);
    assert_int_equal(length, strlen(expected));
    assert_string_equal(out, expected);
}

/* Python's unquote, byte for byte: escapes decoded in any case, a bad or
 * cut escape kept, '+' kept, and each invalid UTF-8 sequence (a maximal
 * valid prefix, or a byte that cannot start one) replaced by one U+FFFD. */
static void test_decoding_is_unquotes(void **state) {
    (void)state;
    assert_decoded("/a%20b/%2Fc", "/a b//c");
    assert_decoded("/caf%C3%A9", "/caf\xc3\xa9");
    assert_decoded("/%e2%82%ac", "/\xe2\x82\xac");
    assert_decoded("/%F0%9F%98%80", "/\xf0\x9f\x98\x80");
    assert_decoded("/a%zz%4", "/a%zz%4");
    assert_decoded("/%", "/%");
    assert_decoded("/a+b", "/a+b");
    assert_decoded("/%E2%82", "/\xef\xbf\xbd");
    assert_decoded("/%E2%82x", "/\xef\xbf\xbdx");
    assert_decoded("/%C0%AF", "/\xef\xbf\xbd\xef\xbf\xbd");
    assert_decoded("/%ED%A0%80", "/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_decoded("/%F4%90%80%80", "/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_decoded("/%FF", "/\xef\xbf\xbd");
    assert_decoded("/%C3", "/\xef\xbf\xbd");
    assert_decoded("", "");
}

/* Where we differ: "%00" stays as sent, since the path is a C string. */
static void test_an_escaped_nul_is_kept(void **state) {
    (void)state;
    assert_decoded("/a%00b", "/a%00b");
}

/* The most a decoding can grow: raw bytes that are no UTF-8 each become
 * U+FFFD's three bytes, which FL_PERCENT_DECODED_MAX allows for. */
static void test_the_decoded_size_bound_holds(void **state) {
    (void)state;
    char raw[16];
    memset(raw, 0xFF, sizeof raw);
    char out[FL_PERCENT_DECODED_MAX(sizeof raw)];
    assert_int_equal(fl_percent_decode_path(raw, sizeof raw, out, sizeof out), 3 * sizeof raw);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_origin_form_splits_at_the_question_mark),
        cmocka_unit_test(test_absolute_form_gives_its_path),
        cmocka_unit_test(test_decoding_is_unquotes),
        cmocka_unit_test(test_an_escaped_nul_is_kept),
        cmocka_unit_test(test_the_decoded_size_bound_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
