/* faultline run --html DIR: DIR/index.html with a sequence diagram for
 * each failing seed, run again in this process whether the seeds ran here
 * or in workers; a directory that cannot be made is exit 2 before anything
 * runs; the same run writes the same page but for its durations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/commands.h"
#include "tests/support/scratch.h"

static char dir[SCRATCH_DIR_MAX];

static int setup(void **state) {
    *state = dir;
    scratch_make(dir, "html");
    scratch_use_worker_exe();
    scratch_write(dir, "holds.yaml", SCRATCH_HOLDS);
    scratch_write(dir, "wrong.yaml", SCRATCH_WRONG_STATUS);
    return 0;
}

static int run(const char *const *words, int count, char *out_text, char *err_text, size_t size) {
    return scratch_capture(fl_cli_run, words, count, out_text, err_text, size);
}

/* The page at path, malloc'd. */
static char *read_page(const char *path) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static const size_t most = 1 << 20;
    char *text = malloc(most);
    assert_non_null(text);
    size_t length = fread(text, 1, most - 1, f);
    fclose(f);
    text[length] = '\0';
    assert_true(length > 0 && length < most - 1);
    return text;
}

/* Blanks every duration ("0.001234 s") so two pages can be compared. */
static void blank_durations(char *text) {
    for (char *p = text; (p = strstr(p, " s</td>")) != NULL; p++)
        for (char *q = p - 1; q >= text && q[0] != '>'; q--) *q = '#';
}

static void check_page(const char *jobs) {
    char html[160], page_path[200], out[8192], err[8192];
    snprintf(html, sizeof html, "%s/html-%s/nested", dir, jobs);
    snprintf(page_path, sizeof page_path, "%s/index.html", html);
    const char *words[] = {"run", dir, "--jobs", jobs, "--html", html};
    assert_int_equal(run(words, 6, out, err, sizeof out), 1);
    assert_non_null(strstr(out, page_path)); /* run says where it is */
    char *text = read_page(page_path);
    const char *section = strstr(text, "<section class=\"failure\"");
    assert_non_null(section);
    assert_non_null(strstr(section, "wrong.yaml --seed 4 --policy random"));
    assert_non_null(strstr(section, "<code class=\"trace-hash\">"));
    assert_non_null(strstr(section, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sequence\""));
    assert_non_null(strstr(section, "<title>t2 main</title>"));
    assert_non_null(strstr(section, "<title>t1 server</title>"));
    assert_non_null(strstr(text, "hello holds"));
    free(text);
}

static void test_a_diagram_per_failure_here(void **state) {
    (void)state;
    check_page("1");
}

static void test_a_diagram_per_failure_with_workers(void **state) {
    (void)state;
    if (getenv("FAULTLINE_WORKER_EXE") == NULL) skip(); /* needs build/faultline */
    check_page("2");
}

static void test_the_same_run_writes_the_same_page(void **state) {
    (void)state;
    char first[160], second[160], out[8192], err[8192];
    snprintf(first, sizeof first, "%s/first", dir);
    snprintf(second, sizeof second, "%s/second", dir);
    const char *a[] = {"run", dir, "--jobs", "1", "--html", first};
    const char *b[] = {"run", dir, "--jobs", "1", "--html", second};
    assert_int_equal(run(a, 6, out, err, sizeof out), 1);
    assert_int_equal(run(b, 6, out, err, sizeof out), 1);
    snprintf(first + strlen(first), sizeof first - strlen(first), "/index.html");
    snprintf(second + strlen(second), sizeof second - strlen(second), "/index.html");
    char *one = read_page(first), *two = read_page(second);
    blank_durations(one);
    blank_durations(two);
    assert_string_equal(one, two);
    free(one);
    free(two);
}

static void test_a_directory_that_cannot_be_made_is_exit_2(void **state) {
    (void)state;
    char html[160], file[160], out[8192], err[8192];
    snprintf(file, sizeof file, "%s/wrong.yaml", dir);
    snprintf(html, sizeof html, "%s/wrong.yaml/report", dir); /* under a file */
    const char *words[] = {"run", file, "--jobs", "1", "--html", html};
    assert_int_equal(run(words, 6, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "--html"));
    assert_non_null(strstr(err, "cannot make the directory"));
    assert_null(strstr(out, "FAILED")); /* nothing ran */
}

static void test_html_needs_a_directory(void **state) {
    (void)state;
    char out[8192], err[8192];
    const char *words[] = {"run", dir, "--jobs", "1", "--html"};
    assert_int_equal(run(words, 5, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "--html needs a value (a directory to write index.html into)"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_diagram_per_failure_here, setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_a_diagram_per_failure_with_workers, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_the_same_run_writes_the_same_page, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_a_directory_that_cannot_be_made_is_exit_2, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_html_needs_a_directory, setup, scratch_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
