/* The HTML report (harness/report/html_report.c): text from scenario files
 * and messages is escaped, a failure's section carries its replay command,
 * its trace hash and its diagram, the same outcomes give the same bytes
 * apart from the durations, and an unwritable directory is an error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/html_report.h"

/* The page for count outcomes, malloc'd. */
static char *page(const fl_outcome_t *outcomes, const fl_html_failure_t *failures, size_t count) {
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    assert_non_null(out);
    fl_html_report_write(out, outcomes, failures, count);
    assert_int_equal(fclose(out), 0);
    assert_non_null(text);
    return text;
}

static fl_outcome_t failed_outcome(void) {
    fl_outcome_t o = {.file = "a/<fails>.yaml", .name = "fails & \"quotes\" <b>",
                      .message = "expected 201, got 200 <script>alert(1)</script>",
                      .policy = "random", .has_seed = true, .seed = 7, .has_trace_hash = true,
                      .trace_hash = UINT64_C(0x0123456789abcdef), .seed_first = 1,
                      .seed_last = 20, .seeds_run = 7, .duration_ns = 1500000};
    return o;
}

static void test_text_is_escaped(void **state) {
    (void)state;
    fl_outcome_t o = failed_outcome();
    char *text = page(&o, NULL, 1);
    assert_null(strstr(text, "<script>"));
    assert_null(strstr(text, "<fails>"));
    assert_null(strstr(text, "<b>"));
    assert_non_null(strstr(text, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(text, "fails &amp; &quot;quotes&quot; &lt;b&gt;"));
    assert_non_null(strstr(text, "a/&lt;fails&gt;.yaml"));
    free(text);
}

static void test_a_failure_has_its_replay_hash_and_diagram(void **state) {
    (void)state;
    fl_outcome_t o[2] = {failed_outcome(),
                         {.file = "b/holds.yaml", .name = "holds", .message = "held",
                          .passed = true, .seeds_run = 3, .seed_first = 1, .seed_last = 3}};
    fl_html_failure_t f[2] = {{.diagram = "<svg class=\"sequence\"><text>DIAGRAM</text></svg>"}};
    char *text = page(o, f, 2);
    const char *section = strstr(text, "<section class=\"failure\" id=\"failure-1\">");
    assert_non_null(section);
    const char *end = strstr(section, "</section>");
    assert_non_null(end);
    const char *replay = strstr(section, "faultline replay a/&lt;fails&gt;.yaml --seed 7 "
                                         "--policy random");
    const char *hash = strstr(section, "<code class=\"trace-hash\">0123456789abcdef</code>");
    const char *diagram = strstr(section, "<svg class=\"sequence\"><text>DIAGRAM</text></svg>");
    assert_true(replay != NULL && replay < end);
    assert_true(hash != NULL && hash < end);
    assert_true(diagram != NULL && diagram < end);
    assert_non_null(strstr(text, "<a href=\"#failure-1\">failed</a>"));
    assert_null(strstr(text, "id=\"failure-2\"")); /* a held file has no section */
    free(text);
}

/* A failure whose outcome names no hash shows the rerun's. */
static void test_the_rerun_hash_stands_in(void **state) {
    (void)state;
    fl_outcome_t o = failed_outcome();
    o.has_trace_hash = false;
    fl_html_failure_t f = {.has_trace_hash = true, .trace_hash = UINT64_C(0xfeedface00000001)};
    char *text = page(&o, &f, 1);
    assert_non_null(strstr(text, "<code class=\"trace-hash\">feedface00000001</code>"));
    assert_non_null(strstr(text, "No sequence diagram"));
    free(text);
}

static void test_a_crash_says_why_it_has_no_diagram(void **state) {
    (void)state;
    fl_outcome_t o = {.file = "c/crash.yaml", .name = "crash", .message = "crashed (signal 6)",
                      .ending = FL_ENDING_CRASHED, .term_signal = 6};
    char *text = page(&o, NULL, 1);
    assert_non_null(strstr(text, "faultline run c/crash.yaml --jobs 1"));
    assert_non_null(strstr(text, "it did not finish"));
    assert_non_null(strstr(text, "<td class=\"num crashed\">1</td>"));
    free(text);
}

/* The same outcomes give the same page; only a duration changes bytes. */
static void test_output_is_deterministic(void **state) {
    (void)state;
    fl_outcome_t o[2] = {failed_outcome(), failed_outcome()};
    o[1].file = "z/other.yaml";
    o[0].marks[0] = 3;
    o[1].matrix.cells[0][0].hits = 1;
    o[1].matrix.cells[0][0].seeds = 1;
    char *first = page(o, NULL, 2), *second = page(o, NULL, 2);
    assert_string_equal(first, second);
    o[0].duration_ns = 2500000;
    char *third = page(o, NULL, 2);
    assert_string_not_equal(first, third);
    assert_non_null(strstr(third, "0.002500 s"));
    free(first);
    free(second);
    free(third);
}

static void test_marks_and_matrix_are_summed(void **state) {
    (void)state;
    fl_outcome_t o[2] = {failed_outcome(), failed_outcome()};
    o[0].marks[0] = 2;
    o[1].marks[0] = 5;
    o[0].matrix.cells[0][0].hits = o[1].matrix.cells[0][0].hits = 1;
    o[0].matrix.cells[0][0].seeds = o[1].matrix.cells[0][0].seeds = 4;
    char *text = page(o, NULL, 2);
    assert_non_null(strstr(text, "<td class=\"num\">7</td><td><code>"));
    assert_non_null(strstr(text, "Coverage marks: 1 of "));
    assert_non_null(strstr(text, "Never hit: "));
    assert_non_null(strstr(text, "Fault x protocol state: 1 of "));
    assert_non_null(strstr(text, "<td class=\"num\">8</td>"));
    free(text);
}

/* Nothing is fetched: no script, stylesheet or image from elsewhere. */
static void test_the_page_is_self_contained(void **state) {
    (void)state;
    fl_outcome_t o = failed_outcome();
    fl_html_failure_t f = {.diagram = "<svg class=\"sequence\"></svg>"};
    char *text = page(&o, &f, 1);
    assert_true(strncmp(text, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(text, "<style>"));
    assert_null(strstr(text, "<link"));
    assert_null(strstr(text, "<script"));
    assert_null(strstr(text, "src="));
    assert_null(strstr(text, "href=\"http"));
    assert_non_null(strstr(text, "</html>\n"));
    free(text);
}

static void test_an_unwritable_directory_is_an_error(void **state) {
    (void)state;
    fl_outcome_t o = failed_outcome();
    char err_text[512] = "";
    FILE *err = fmemopen(err_text, sizeof err_text, "w");
    assert_non_null(err);
    assert_int_equal(fl_report_html("/nonexistent/faultline-html", &o, NULL, 1, err), -1);
    fclose(err);
    assert_non_null(strstr(err_text, "cannot write /nonexistent/faultline-html/index.html"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_is_escaped),
        cmocka_unit_test(test_a_failure_has_its_replay_hash_and_diagram),
        cmocka_unit_test(test_the_rerun_hash_stands_in),
        cmocka_unit_test(test_a_crash_says_why_it_has_no_diagram),
        cmocka_unit_test(test_output_is_deterministic),
        cmocka_unit_test(test_marks_and_matrix_are_summed),
        cmocka_unit_test(test_the_page_is_self_contained),
        cmocka_unit_test(test_an_unwritable_directory_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
