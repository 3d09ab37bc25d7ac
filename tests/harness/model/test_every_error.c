/* fl_scenario_check_file reports a file's every error at once: each list
 * item and section is read on after one fails, each error is the one the
 * first-error loader gives for a file with that mistake alone, errors that
 * would only be consequences of another are not reported, and the list is
 * bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/model/loader.h"
#include "harness/model/yaml_reader.h"
#include "sim/runtime/status.h"

/* Writes text to a new temporary file; its path in path (capacity 64). */
static void write_temporary(char *path, const char *text) {
    strcpy(path, "/tmp/faultline_every_error_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Checks the file text; its errors into error, their number returned. */
static size_t check_text(const char *text, char *path, char *error, size_t error_size) {
    write_temporary(path, text);
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    size_t count = 99;
    int status = fl_scenario_check_file(&arena, path, &s, error, error_size, &count);
    assert_int_equal(status, count == 0 ? FL_OK : FL_EINVAL);
    fl_arena_destroy(&arena);
    return count;
}

/* The first-error loader's message for text. */
static void first_error(const char *text, char *error, size_t error_size) {
    char path[64];
    write_temporary(path, text);
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    assert_int_equal(fl_scenario_load_file(&arena, path, &s, error, error_size), FL_EINVAL);
    fl_arena_destroy(&arena);
    unlink(path);
}

#define SERVER_OK "server:\n  routes:\n    - path: /a\n      responses: [{respond: {status: 200}}]\n"
#define ROUTE_BAD "    - path: b\n      responses: [{respond: {status: 200}}]\n"
#define ROUTE_GOOD "    - path: /b\n      responses: [{respond: {status: 200}}]\n"
#define CLIENT_HEAD "client:\n  tasks:\n    - name: main\n      steps:\n"
#define STEP_OK "        - request: {path: /a}\n"
#define STEP_BAD_KEY "        - request: {path: /a, methd: GET}\n"
#define STEP_BAD_SLEEP "        - sleep: {duration: 1parsec}\n"
#define STEP_GOOD_SLEEP "        - sleep: {duration: 1s}\n"
#define FAULT_BAD "faults:\n  - trigger: {at: 1s}\n    action: rest\n"
#define EXPECT_BAD "expect:\n  - step: {step: main.0, status: 2000}\n"

/* Three mistakes in three places: three errors, in the order read, each the
 * message a file with that one mistake gets from fl_scenario_load_file. */
static void test_each_mistake_is_reported_as_alone(void **state) {
    (void)state;
    static const char *const mistakes[][2] = {
        /* the mistake, the file with only it (the same lines, so the
           same line numbers) */
        {"route", "name: t\n" SERVER_OK ROUTE_BAD CLIENT_HEAD STEP_OK STEP_GOOD_SLEEP},
        {"step key", "name: t\n" SERVER_OK ROUTE_GOOD CLIENT_HEAD STEP_BAD_KEY STEP_GOOD_SLEEP},
        {"sleep", "name: t\n" SERVER_OK ROUTE_GOOD CLIENT_HEAD STEP_OK STEP_BAD_SLEEP},
    };
    const char *all = "name: t\n" SERVER_OK ROUTE_BAD CLIENT_HEAD STEP_BAD_KEY STEP_BAD_SLEEP;
    char path[64], error[8192];
    assert_int_equal(check_text(all, path, error, sizeof error), 3);
    unlink(path);
    char *line = error;
    for (size_t i = 0; i < sizeof mistakes / sizeof mistakes[0]; i++) {
        char alone[1024];
        first_error(mistakes[i][1], alone, sizeof alone);
        char *end = strchr(line, '\n');
        size_t length = end ? (size_t)(end - line) : strlen(line);
        /* The messages name the file; the two files' names differ. */
        const char *where = strchr(alone, ':');
        const char *got = memchr(line, ':', length);
        assert_non_null(where);
        assert_non_null(got);
        if (strncmp(got, where, strlen(where)) != 0)
            fail_msg("%s: got '%.*s', alone '%s'", mistakes[i][0], (int)length, line, alone);
        assert_int_equal((size_t)(line + length - got), strlen(where));
        line = end ? end + 1 : line + length;
    }
    assert_int_equal(*line, '\0');
}

/* The first-error loader stops where it did. */
static void test_the_first_error_loader_still_stops_at_the_first(void **state) {
    (void)state;
    char error[4096];
    first_error("name: t\n" SERVER_OK ROUTE_BAD CLIENT_HEAD STEP_BAD_KEY, error, sizeof error);
    assert_null(strchr(error, '\n'));
    assert_non_null(strstr(error, "server.routes[1].path"));
}

/* Faults and expectations name the client's tasks and steps: when the
 * client did not load they are not judged (their errors could be
 * consequences); when it did, their own errors are each reported. */
static void test_consequences_are_not_reported(void **state) {
    (void)state;
    char path[64], error[8192];
    const char *client_bad = "name: t\n" SERVER_OK CLIENT_HEAD STEP_BAD_KEY FAULT_BAD EXPECT_BAD;
    assert_int_equal(check_text(client_bad, path, error, sizeof error), 1);
    unlink(path);
    assert_non_null(strstr(error, "methd"));
    assert_null(strstr(error, "rest"));

    const char *client_ok = "name: t\n" SERVER_OK CLIENT_HEAD STEP_OK FAULT_BAD
        "  - trigger: {at: -1s}\n    action: reset\n" EXPECT_BAD;
    assert_int_equal(check_text(client_ok, path, error, sizeof error), 3);
    assert_non_null(strstr(error, "faults[1].trigger"));
    unlink(path);
    assert_non_null(strstr(error, "unknown fault action 'rest'"));
    assert_non_null(strstr(error, "\n"));
    assert_non_null(strstr(strchr(error, '\n'), "expect[0]"));
}

/* A duplicate is judged among items that all loaded: a route that failed
 * does not make the next look like a duplicate, and a real duplicate is
 * reported besides another route's error. */
static void test_duplicates_among_items_that_loaded(void **state) {
    (void)state;
    char path[64], error[8192];
    const char *text = "name: t\n" SERVER_OK "    - path: /a\n      responses: [{respond: {}}]\n"
                       CLIENT_HEAD STEP_BAD_SLEEP;
    assert_int_equal(check_text(text, path, error, sizeof error), 2);
    unlink(path);
    assert_non_null(strstr(error, "duplicate route GET /a"));
    assert_non_null(strstr(error, "sleep"));
}

/* A file that does not parse as YAML, or cannot be read, has one error. */
static void test_syntax_errors_and_unreadable_files_are_one_error(void **state) {
    (void)state;
    char path[64], error[1024], alone[1024];
    const char *text = "name: t\nclient: [unclosed\n";
    assert_int_equal(check_text(text, path, error, sizeof error), 1);
    unlink(path);
    first_error(text, alone, sizeof alone);
    assert_string_equal(strchr(error, ':'), strchr(alone, ':'));

    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    size_t count = 0;
    assert_int_equal(fl_scenario_check_file(&arena, "/nonexistent/x.yaml", &s, error, sizeof error,
                                            &count),
                     FL_EINVAL);
    assert_int_equal(count, 1);
    assert_non_null(strstr(error, "/nonexistent/x.yaml: error: cannot open: "));
    fl_arena_destroy(&arena);
}

/* 25 bad routes: the first FL_YAML_ERRORS_MAX are listed, the rest
 * counted; a buffer too small for them all lists what fits whole. */
static void test_the_list_is_bounded(void **state) {
    (void)state;
    size_t capacity = 64 * 1024;
    char *text = malloc(capacity);
    assert_non_null(text);
    size_t used = (size_t)snprintf(text, capacity, "name: t\nserver:\n  routes:\n");
    for (int i = 0; i < 25; i++)
        used += (size_t)snprintf(text + used, capacity - used,
                                 "    - path: r%d\n      responses: [{respond: {}}]\n", i);
    snprintf(text + used, capacity - used, CLIENT_HEAD STEP_OK);
    char path[64], error[8192];
    assert_int_equal(check_text(text, path, error, sizeof error), 25);
    size_t lines = 0;
    for (const char *c = error; *c; c++) lines += *c == '\n';
    assert_int_equal(lines, FL_YAML_ERRORS_MAX); /* 20 errors and the count */
    assert_non_null(strstr(error, "\n(and 5 more errors)"));
    assert_null(strstr(error, "routes[20]"));

    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    size_t count = 0;
    char small[600];
    assert_int_equal(fl_scenario_check_file(&arena, path, &s, small, sizeof small, &count),
                     FL_EINVAL);
    assert_int_equal(count, 25);
    assert_true(strlen(small) < sizeof small);
    assert_non_null(strstr(small, "routes[0]"));
    assert_non_null(strstr(small, " more errors)"));
    fl_arena_destroy(&arena);
    unlink(path);
    free(text);
}

/* A file without mistakes loads as fl_scenario_load_file loads it. */
static void test_a_valid_file_has_no_errors(void **state) {
    (void)state;
    char path[64], error[1024];
    write_temporary(path, "name: fine\n" SERVER_OK CLIENT_HEAD STEP_OK);
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    size_t count = 99;
    assert_int_equal(fl_scenario_check_file(&arena, path, &s, error, sizeof error, &count), FL_OK);
    assert_int_equal(count, 0);
    assert_string_equal(s.name, "fine");
    assert_int_equal(s.server.route_count, 1);
    assert_int_equal(s.client.tasks[0].step_count, 1);
    fl_arena_destroy(&arena);
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_mistake_is_reported_as_alone),
        cmocka_unit_test(test_the_first_error_loader_still_stops_at_the_first),
        cmocka_unit_test(test_consequences_are_not_reported),
        cmocka_unit_test(test_duplicates_among_items_that_loaded),
        cmocka_unit_test(test_syntax_errors_and_unreadable_files_are_one_error),
        cmocka_unit_test(test_the_list_is_bounded),
        cmocka_unit_test(test_a_valid_file_has_no_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
