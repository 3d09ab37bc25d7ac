/* XML escaping (harness/report/xml_text.c): markup characters become
 * entities, whitespace that attribute normalisation would flatten becomes
 * character references, valid UTF-8 passes, and what XML 1.0 cannot hold
 * (other controls, bytes that are not UTF-8, U+FFFE and U+FFFF) is '?'. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "harness/report/xml_text.h"

static char escaped_text[1024];

static const char *escaped(const char *text) {
    memset(escaped_text, 0, sizeof escaped_text);
    FILE *f = fmemopen(escaped_text, sizeof escaped_text - 1, "w");
    assert_non_null(f);
    fl_xml_text(f, text);
    fclose(f);
    return escaped_text;
}

static void test_markup_and_whitespace(void **state) {
    (void)state;
    assert_string_equal(escaped("plain text"), "plain text");
    assert_string_equal(escaped("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c'");
    assert_string_equal(escaped("tab\tline\ncr\r"), "tab&#9;line&#10;cr&#13;");
    assert_string_equal(escaped(""), "");
}

static void test_controls_become_question_marks(void **state) {
    (void)state;
    assert_string_equal(escaped("a\x01" "b\x1f" "c\x7f"), "a?b?c\x7f"); /* DEL is allowed */
    assert_string_equal(escaped("\x1b[31mred"), "?[31mred");
}

static void test_utf8_passes_and_what_is_not_becomes_question_marks(void **state) {
    (void)state;
    /* é, €, an emoji and U+10FFFF pass as they are. */
    assert_string_equal(escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"),
                        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
    /* A Latin-1 byte, a lone continuation byte, an overlong '/', a
     * surrogate, past U+10FFFF, a truncated sequence at the end, and the
     * two noncharacters XML refuses: one '?' per byte, the rest kept. */
    assert_string_equal(escaped("caf\xe9!"), "caf?!");
    assert_string_equal(escaped("\x80" "a"), "?a");
    assert_string_equal(escaped("\xc0\xaf"), "??");
    assert_string_equal(escaped("\xed\xa0\x80"), "???");
    assert_string_equal(escaped("\xf4\x90\x80\x80"), "????");
    assert_string_equal(escaped("ok\xe2\x82"), "ok??");
    assert_string_equal(escaped("\xef\xbf\xbe\xef\xbf\xbf"), "??????");
    /* A bad lead byte does not swallow the valid sequence after it. */
    assert_string_equal(escaped("\xff\xc3\xa9"), "?\xc3\xa9");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markup_and_whitespace),
        cmocka_unit_test(test_controls_become_question_marks),
        cmocka_unit_test(test_utf8_passes_and_what_is_not_becomes_question_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
