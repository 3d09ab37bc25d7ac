/* The reason-phrase table against what Debian's uvicorn sends: Python's
 * http.HTTPStatus, code by code from 100 to 599 (a code Python does not
 * know gets "", as uvicorn sends it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/net/http_status.h"

static const char PYTHON[] = "/usr/bin/python3 -c 'import http\n"
                             "for s in http.HTTPStatus:\n"
                             "    print(s.value, s.phrase)'";

static void test_phrases_are_pythons(void **state) {
    (void)state;
    FILE *out = popen(PYTHON, "r");
    assert_non_null(out);
    static char expected[600][64];
    char line[128];
    int rows = 0;
    while (fgets(line, sizeof line, out) != NULL && rows < 600) {
        int code = 0, used = 0;
        assert_int_equal(sscanf(line, "%d %n", &code, &used), 1);
        assert_true(code >= 100 && code <= 599);
        line[strcspn(line, "\n")] = '\0';
        snprintf(expected[code], sizeof expected[code], "%s", line + used);
        rows++;
    }
    assert_int_equal(pclose(out), 0);
    assert_true(rows > 50); /* Python answered with its table */
    for (int code = 100; code <= 599; code++) {
        if (strcmp(fl_http_reason_phrase(code), expected[code]) != 0)
            fail_msg("%d: '%s', Python says '%s'", code, fl_http_reason_phrase(code),
                     expected[code]);
    }
}

static void test_outside_the_table(void **state) {
    (void)state;
    assert_string_equal(fl_http_reason_phrase(0), "");
    assert_string_equal(fl_http_reason_phrase(-1), "");
    assert_string_equal(fl_http_reason_phrase(99), "");
    assert_string_equal(fl_http_reason_phrase(512), "");
    assert_string_equal(fl_http_reason_phrase(1000), "");
    assert_string_equal(fl_http_reason_phrase(100), "Continue");
    assert_string_equal(fl_http_reason_phrase(511), "Network Authentication Required");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrases_are_pythons),
        cmocka_unit_test(test_outside_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
