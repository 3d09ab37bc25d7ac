/* The coverage marks in reports: the JSON object of marks hit reads back
 * to the same counts, bad objects are refused, the missing count leaves
 * out the known-unreached, `run --marks` prints what a suite hit and what
 * it never did, and `run --require-marks` fails a suite that leaves a
 * mark unhit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/commands.h"
#include "harness/report/marks_report.h"
#include "sim/runtime/arena.h"

static void test_json_reads_back_the_counts(void **state) {
    (void)state;
    uint64_t hits[FL_MARK_COUNT] = {0};
    hits[FL_MARK_RETRY_GAVE_UP] = 3;
    hits[FL_MARK_ASGI_APP_EXCEPTION] = 12345678901ull;
    char text[4096];
    FILE *out = fmemopen(text, sizeof text, "w");
    fl_json_writer_t w;
    fl_json_init(&w, out);
    fl_marks_json_write(&w, hits);
    fclose(out);
    assert_non_null(strstr(text, "\"client.retry.gave_up\":3"));
    assert_null(strstr(text, "client.retry.retried")); /* unhit marks are left out */
    fl_arena_t arena;
    fl_arena_init(&arena);
    const fl_json_value_t *value;
    char error[128];
    assert_int_equal(fl_json_parse(&arena, text, strlen(text), &value, error, sizeof error), 0);
    uint64_t read[FL_MARK_COUNT] = {0};
    assert_true(fl_marks_json_add(value, read));
    assert_true(fl_marks_json_add(value, read)); /* adds: shards sum */
    assert_int_equal(read[FL_MARK_RETRY_GAVE_UP], 6);
    assert_int_equal(read[FL_MARK_ASGI_APP_EXCEPTION], 2 * 12345678901ull);
    assert_int_equal(read[FL_MARK_RETRY_RETRIED], 0);
    static const char *const bad[] = {"[]", "{\"client.no.such\":1}", "{\"client.retry.gave_up\":-1}",
                                      "{\"client.retry.gave_up\":\"1\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(fl_json_parse(&arena, bad[i], strlen(bad[i]), &value, error, sizeof error), 0);
        assert_false(fl_marks_json_add(value, read));
    }
    assert_false(fl_marks_json_add(NULL, read));
    fl_arena_destroy(&arena);
}

static void test_missing_leaves_out_the_known_unreached(void **state) {
    (void)state;
    uint64_t hits[FL_MARK_COUNT];
    for (unsigned m = 0; m < FL_MARK_COUNT; m++) hits[m] = 1;
    assert_int_equal(fl_marks_missing(hits), 0);
    hits[FL_MARK_RETRY_GAVE_UP] = 0;
    assert_int_equal(fl_marks_missing(hits), 1);
    assert_non_null(fl_mark_unreached_reason(FL_MARK_MAP_HOST_NOT_FOUND));
    hits[FL_MARK_MAP_HOST_NOT_FOUND] = 0;
    assert_int_equal(fl_marks_missing(hits), 1);
}

static const char HOLDS[] =
    "name: one request\nseeds: 1..3\n"
    "server:\n  routes:\n    - path: /a\n      steps:\n        - respond: {status: 200}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: a, path: /a}\n"
    "        - request: {id: b, path: /a}\n"
    "expect:\n  - step: {step: b, status: 200}\n";

static int run_with(const char *path, const char *flag, char *out_text, size_t out_size,
                    char *err_text, size_t err_size) {
    char *argv[] = {"run", (char *)path, "--jobs", "1", (char *)flag};
    FILE *out = fmemopen(out_text, out_size, "w"), *err = fmemopen(err_text, err_size, "w");
    int code = fl_cli_run(5, argv, out, err);
    fclose(out);
    fclose(err);
    return code;
}

static void test_run_reports_and_requires_marks(void **state) {
    (void)state;
    char path[] = "/tmp/faultline-marks-XXXXXX.yaml";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(HOLDS, f);
    fclose(f);
    static char out[64 * 1024], err[16 * 1024];
    assert_int_equal(run_with(path, "--marks", out, sizeof out, err, sizeof err), 0);
    /* The second request reused the first one's connection, 3 seeds. */
    assert_non_null(strstr(out, "--- coverage marks: "));
    assert_non_null(strstr(out, "         3  client.pool.reused"));
    assert_non_null(strstr(out, "--- never hit: "));
    assert_non_null(strstr(out, "  client.retry.gave_up "));
    assert_non_null(strstr(out, "known unreached: simulated hosts always resolve"));
    assert_int_equal(run_with(path, "--require-marks", out, sizeof out, err, sizeof err), 1);
    assert_null(strstr(out, "--- coverage marks: ")); /* it fails; --marks prints */
    assert_non_null(strstr(err, "coverage marks never hit (--require-marks)"));
    assert_non_null(strstr(err, " client.retry.gave_up"));
    assert_null(strstr(err, "client.map.host_not_found")); /* it has a reason */
    assert_null(strstr(err, "client.pool.reused")); /* it was hit */
    remove(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_reads_back_the_counts),
        cmocka_unit_test(test_missing_leaves_out_the_known_unreached),
        cmocka_unit_test(test_run_reports_and_requires_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
