/* fl_vformat gives exactly what vsnprintf gives, for the conversions it
 * handles itself and for those it hands over, at every buffer size. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "sim/runtime/format.h"

/* Formats with both, at sizes 0..full+1, and compares text and result. */
static void check(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void check(const char *format, ...) {
    char expected[512], actual[512];
    va_list args;
    va_start(args, format);
    va_list copy;
    va_copy(copy, args);
    int want = vsnprintf(expected, sizeof expected, format, copy);
    va_end(copy);
    assert_true(want >= 0 && (size_t)want < sizeof expected);
    for (size_t size = 0; size <= (size_t)want + 1; size++) {
        char reference[512];
        memset(reference, '#', sizeof reference);
        memset(actual, '#', sizeof actual);
        va_copy(copy, args);
        int reference_n = vsnprintf(size ? reference : NULL, size, format, copy);
        va_end(copy);
        va_copy(copy, args);
        int got = fl_vformat(size ? actual : NULL, size, format, copy);
        va_end(copy);
        if (got != reference_n) fail_msg("\"%s\" size %zu: %d, expected %d", format, size, got, reference_n);
        /* The bytes written, the NUL, and nothing past it. */
        if (memcmp(actual, reference, size + 1 < sizeof actual ? size + 1 : sizeof actual) != 0)
            fail_msg("\"%s\" size %zu: \"%.*s\", expected \"%.*s\"", format, size, (int)size, actual,
                     (int)size, reference);
    }
    va_end(args);
}

static void test_the_native_conversions_match_vsnprintf(void **state) {
    (void)state;
    assert_true(fl_format_is_native("plain %s %d %u %x %zu %zx %lld %" PRIu64 " %.*s %c %%"));
    check("no conversions at all");
    check("%s", "");
    check("%s and %s", "one", "two");
    check("%c%c%c", 'a', 'b', 'c');
    check("100%% sure");
    check("%d %d %d %i", 0, -1, INT_MAX, INT_MIN);
    check("%u %x %x", UINT_MAX, 0u, 0xdeadbeefu);
    check("%ld %lu %lx", LONG_MIN, ULONG_MAX, 255ul);
    check("%lld %llu %llx", LLONG_MIN, ULLONG_MAX, 0x1234567890abcdefull);
    check("%zu %zx %zd", SIZE_MAX, (size_t)4096, (ptrdiff_t)-42);
    check("%jd %ju", INTMAX_MIN, UINTMAX_MAX);
    check("%" PRId64 " %" PRIu64 " %" PRIx64, INT64_MIN, UINT64_MAX, UINT64_C(0xabc));
    check("HTTP/1.1 %d %s\r\n", 200, "OK");
    check("%zx\r\n", (size_t)17);
    check("%.*s|", 3, "abcdef");
    check("%.*s|", 10, "abc");
    check("%.*s|", -1, "abc");
    check("%.*s|", 0, "abc");
    check("ends with text %d tail", 7);
}

static void test_other_conversions_are_handed_to_vsnprintf(void **state) {
    (void)state;
    assert_false(fl_format_is_native("%5d"));
    assert_false(fl_format_is_native("%-22s"));
    assert_false(fl_format_is_native("%09lld"));
    assert_false(fl_format_is_native("%.3f"));
    assert_false(fl_format_is_native("%p"));
    assert_false(fl_format_is_native("%hhu"));
    assert_false(fl_format_is_native("ok %s then %X"));
    check("%5d|%-5d|%05d", 42, 42, 42);
    check("%-22s|", "t1:server");
    check("%4lld.%09lld", 12LL, 345LL);
    check("%.3f %g", 1.5, 0.25);
    check("%s %02x %X", "mixed", 7u, 255u);
    check("%.2s", "abcdef");
}

/* A text longer than any stack buffer a caller might use. */
static void test_long_texts(void **state) {
    (void)state;
    char long_text[400];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    check("<%s>", long_text);
    check("%s%s", long_text, "!");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_native_conversions_match_vsnprintf),
        cmocka_unit_test(test_other_conversions_are_handed_to_vsnprintf),
        cmocka_unit_test(test_long_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
