/* faultline new KIND NAME: every kind's starter file passes check and run
 * as written (its faults must fire: the faults-fired invariant), says
 * whether it holds or finds; an existing file stays as it was; an unknown
 * kind lists the kinds; --help explains. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli/commands.h"
#include "harness/cli/new_templates.h"
#include "tests/support/scratch.h"

enum { TEXT_MAX = 16384, PATH_MAX_TEST = 256 };

static char dir[SCRATCH_DIR_MAX];

static int setup(void **state) {
    scratch_make(dir, "new");
    *state = dir;
    return 0;
}

static void read_file(const char *path, char *text, size_t size) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, size - 1, f);
    text[n] = '\0';
    fclose(f);
}

static void test_every_kind_is_checked_and_run_as_written(void **state) {
    (void)state;
    assert_true(FL_NEW_TEMPLATE_COUNT >= 7);
    for (size_t i = 0; i < FL_NEW_TEMPLATE_COUNT; i++) {
        const fl_new_template_t *row = &FL_NEW_TEMPLATES[i];
        char name[PATH_MAX_TEST], path[PATH_MAX_TEST + 8], out[TEXT_MAX], err[TEXT_MAX];
        snprintf(name, sizeof name, "%s/starter-%s", dir, row->kind);
        snprintf(path, sizeof path, "%s.yaml", name);
        const char *new_words[] = {"new", row->kind, name};
        assert_int_equal(scratch_capture(fl_cli_new, new_words, 3, out, err, sizeof out), 0);
        assert_non_null(strstr(out, path));
        char text[TEXT_MAX];
        read_file(path, text, sizeof text);
        /* The name is the file's; the comment and the mode say what it does. */
        char expected_name[PATH_MAX_TEST];
        snprintf(expected_name, sizeof expected_name, "name: \"starter-%s\"\n", row->kind);
        assert_non_null(strstr(text, expected_name));
        assert_null(strstr(text, "@NAME@"));
        assert_int_equal(strstr(text, "mode: finds\n") != NULL, row->finds);
        assert_non_null(strstr(text, row->finds ? "It FINDS a bug" : "It HOLDS"));
        assert_non_null(strstr(text, "faults:\n"));
        const char *check_words[] = {"check", path};
        int checked = scratch_capture(fl_cli_check, check_words, 2, out, err, sizeof out);
        if (checked != 0) print_error("%s: %s\n", row->kind, err);
        assert_int_equal(checked, 0);
        const char *run_words[] = {"run", path, "--jobs", "1"};
        int ran = scratch_capture(fl_cli_run, run_words, 4, out, err, sizeof out);
        if (ran != 0) print_error("%s: %s%s\n", row->kind, out, err);
        assert_int_equal(ran, 0);
        assert_non_null(strstr(out, row->finds ? "found " : "held "));
    }
}

static void test_an_existing_file_is_not_overwritten(void **state) {
    (void)state;
    scratch_write(dir, "mine.yaml", "name: mine\n");
    char path[PATH_MAX_TEST], out[TEXT_MAX], err[TEXT_MAX], text[TEXT_MAX];
    snprintf(path, sizeof path, "%s/mine.yaml", dir);
    const char *words[] = {"new", "retry", path};
    assert_int_equal(scratch_capture(fl_cli_new, words, 3, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "not overwritten"));
    read_file(path, text, sizeof text);
    assert_string_equal(text, "name: mine\n");
}

static void test_an_unknown_kind_lists_the_kinds(void **state) {
    (void)state;
    char path[PATH_MAX_TEST], out[TEXT_MAX], err[TEXT_MAX];
    snprintf(path, sizeof path, "%s/unknown", dir);
    const char *words[] = {"new", "retries", path};
    assert_int_equal(scratch_capture(fl_cli_new, words, 3, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "unknown kind 'retries'"));
    for (size_t i = 0; i < FL_NEW_TEMPLATE_COUNT; i++)
        assert_non_null(strstr(err, FL_NEW_TEMPLATES[i].kind));
    struct stat st;
    assert_int_not_equal(stat("unknown.yaml", &st), 0);
    snprintf(path, sizeof path, "%s/unknown.yaml", dir);
    assert_int_not_equal(stat(path, &st), 0);
}

static void test_help_names_every_kind_and_a_bad_call_is_a_usage_error(void **state) {
    (void)state;
    char out[TEXT_MAX], err[TEXT_MAX];
    const char *help[] = {"new", "--help"};
    assert_int_equal(scratch_capture(fl_cli_new, help, 2, out, err, sizeof out), 0);
    assert_non_null(strstr(out, "usage: faultline new KIND NAME"));
    for (size_t i = 0; i < FL_NEW_TEMPLATE_COUNT; i++) {
        assert_non_null(strstr(out, FL_NEW_TEMPLATES[i].kind));
        assert_non_null(strstr(out, FL_NEW_TEMPLATES[i].summary));
    }
    const char *no_name[] = {"new", "retry"};
    assert_int_equal(scratch_capture(fl_cli_new, no_name, 2, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "a KIND and a NAME are needed"));
    char path[PATH_MAX_TEST];
    snprintf(path, sizeof path, "%s/two words", dir);
    const char *spaced[] = {"new", "retry", path};
    assert_int_equal(scratch_capture(fl_cli_new, spaced, 3, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "must be letters, digits"));
}

static void test_a_yml_name_is_kept_and_an_empty_or_long_name_refused(void **state) {
    (void)state;
    char path[PATH_MAX_TEST], out[TEXT_MAX], err[TEXT_MAX], text[TEXT_MAX];
    snprintf(path, sizeof path, "%s/kept.v2.yml", dir);
    const char *yml[] = {"new", "flaky", path};
    assert_int_equal(scratch_capture(fl_cli_new, yml, 3, out, err, sizeof out), 0);
    read_file(path, text, sizeof text);
    assert_non_null(strstr(text, "name: \"kept.v2\"\n"));
    snprintf(path, sizeof path, "%s/.yaml", dir);
    const char *empty[] = {"new", "flaky", path};
    assert_int_equal(scratch_capture(fl_cli_new, empty, 3, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "must be letters, digits"));
    static char long_name[5000];
    memset(long_name, 'a', sizeof long_name - 1);
    const char *too_long[] = {"new", "flaky", long_name};
    assert_int_equal(scratch_capture(fl_cli_new, too_long, 3, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "too long"));
    long_name[200] = '\0';
    assert_int_equal(scratch_capture(fl_cli_new, too_long, 3, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "the name"));
    assert_non_null(strstr(err, "too long"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_is_checked_and_run_as_written),
        cmocka_unit_test(test_an_existing_file_is_not_overwritten),
        cmocka_unit_test(test_an_unknown_kind_lists_the_kinds),
        cmocka_unit_test(test_help_names_every_kind_and_a_bad_call_is_a_usage_error),
        cmocka_unit_test(test_a_yml_name_is_kept_and_an_empty_or_long_name_refused),
    };
    return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
