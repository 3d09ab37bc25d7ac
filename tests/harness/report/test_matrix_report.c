/* The fault × protocol-state matrix in reports: a run fills it from the
 * faults themselves (a reset as the response starts meets the client
 * awaiting and the server after start, and the client sees ReadError), its
 * JSON reads back to the same cells, bad arrays are refused, and
 * `run --matrix` prints the table with the error kinds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/error_kinds.h"
#include "harness/cli/commands.h"
#include "harness/model/loader.h"
#include "harness/report/matrix_report.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"

static const char RESET_AT_START[] =
    "name: reset as the response starts\nseeds: 1..5\n"
    "server:\n  routes:\n    - path: /a\n      steps:\n        - respond: {status: 200, body: hi}\n"
    "faults:\n  - trigger: {event: server.response_start}\n    action: reset\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: a, path: /a}\n"
    "expect:\n  - step: {step: a, error: ReadError}\n";

static void run_file(fl_scenario_result_t *result) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[512];
    assert_int_equal(fl_scenario_load_string(&arena, "t.yaml", RESET_AT_START, &s, error, sizeof error), 0);
    assert_int_equal(fl_scenario_run(&s, NULL, result), 0);
    assert_true(result->passed);
    fl_arena_destroy(&arena);
}

static void test_a_run_fills_the_cells_its_faults_met(void **state) {
    (void)state;
    static fl_scenario_result_t result;
    run_file(&result);
    const fl_fault_matrix_cell_t *client =
        &result.matrix.cells[FL_PROTOCOL_STATE_CLIENT_AWAITING][FL_FAULT_ACTION_RESET];
    const fl_fault_matrix_cell_t *server =
        &result.matrix.cells[FL_PROTOCOL_STATE_SERVER_AFTER_START][FL_FAULT_ACTION_RESET];
    assert_int_equal(client->seeds, 5);
    assert_int_equal(client->hits, 5);
    assert_int_equal(server->seeds, 5);
    assert_true(fl_error_kind_set_has(&client->errors, FL_ERR_READ_ERROR));
    assert_false(fl_error_kind_set_has(&client->errors, FL_ERR_WRITE_ERROR));
    size_t reached = 0;
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++) reached += result.matrix.cells[s][a].hits > 0;
    assert_int_equal(reached, 2); /* one fault, two ends */
}

/* A bytes body shares the head's write: a fault past the head's bytes meets
 * the client writing its body, one inside them the head. */
static void test_a_write_turns_from_head_to_body(void **state) {
    (void)state;
    static const char *const cases[][2] = {{"20", "writing head"}, {"400", "writing body"}};
    for (size_t i = 0; i < 2; i++) {
        char text[2048], body[600];
        memset(body, 'u', sizeof body - 1);
        body[sizeof body - 1] = '\0';
        snprintf(text, sizeof text,
                 "name: reset mid-request\nseeds: 1..3\n"
                 "server:\n  routes:\n    - method: POST\n      path: /u\n      steps:\n"
                 "        - read_body: {}\n        - respond: {status: 200}\n"
                 "faults:\n  - trigger: {bytes: %s, direction: c2s}\n    action: reset\n"
                 "client:\n  tasks:\n    - name: main\n      steps:\n"
                 "        - request: {id: u, method: POST, path: /u, body: %s}\n"
                 "expect:\n  - step: {step: u, error: WriteError}\n",
                 cases[i][0], body);
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t s;
        char error[512];
        assert_int_equal(fl_scenario_load_string(&arena, "t.yaml", text, &s, error, sizeof error), 0);
        static fl_scenario_result_t result;
        assert_int_equal(fl_scenario_run(&s, NULL, &result), 0);
        assert_true(result.passed);
        fl_protocol_state_t want = i == 0 ? FL_PROTOCOL_STATE_CLIENT_WRITING_HEAD
                                          : FL_PROTOCOL_STATE_CLIENT_WRITING_BODY;
        fl_protocol_state_t other = i == 0 ? FL_PROTOCOL_STATE_CLIENT_WRITING_BODY
                                           : FL_PROTOCOL_STATE_CLIENT_WRITING_HEAD;
        assert_string_equal(fl_protocol_state_name(want), cases[i][1]);
        assert_int_equal(result.matrix.cells[want][FL_FAULT_ACTION_RESET].seeds, 3);
        assert_int_equal(result.matrix.cells[other][FL_FAULT_ACTION_RESET].seeds, 0);
        fl_arena_destroy(&arena);
    }
}

static void test_json_reads_back_the_cells(void **state) {
    (void)state;
    static fl_scenario_result_t result;
    static fl_fault_matrix_t read;
    run_file(&result);
    char text[8192];
    FILE *out = fmemopen(text, sizeof text, "w");
    fl_json_writer_t w;
    fl_json_init(&w, out);
    fl_matrix_json_write(&w, &result.matrix);
    fclose(out);
    assert_non_null(strstr(text, "\"state\":\"awaiting\",\"side\":\"client\",\"action\":\"reset\""));
    assert_non_null(strstr(text, "\"errors\":[\"ReadError\"]"));
    fl_arena_t arena;
    fl_arena_init(&arena);
    const fl_json_value_t *value;
    char error[128];
    assert_int_equal(fl_json_parse(&arena, text, strlen(text), &value, error, sizeof error), 0);
    memset(&read, 0, sizeof read);
    assert_true(fl_matrix_json_add(value, &read));
    assert_memory_equal(&read, &result.matrix, sizeof read);
    static const char *const bad[] = {
        "{}", "[1]", "[{\"state\":\"nowhere\",\"side\":\"client\",\"action\":\"reset\",\"hits\":1,\"seeds\":1,\"errors\":[]}]",
        "[{\"state\":\"awaiting\",\"side\":\"server\",\"action\":\"reset\",\"hits\":1,\"seeds\":1,\"errors\":[]}]",
        "[{\"state\":\"awaiting\",\"side\":\"client\",\"action\":\"explode\",\"hits\":1,\"seeds\":1,\"errors\":[]}]",
        "[{\"state\":\"awaiting\",\"side\":\"client\",\"action\":\"reset\",\"hits\":1,\"seeds\":1,\"errors\":[\"Nope\"]}]",
        "[{\"state\":\"awaiting\",\"side\":\"client\",\"action\":\"reset\",\"seeds\":1,\"errors\":[]}]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(fl_json_parse(&arena, bad[i], strlen(bad[i]), &value, error, sizeof error), 0);
        assert_false(fl_matrix_json_add(value, &read));
    }
    fl_arena_destroy(&arena);
}

static void test_run_prints_the_table(void **state) {
    (void)state;
    char path[] = "/tmp/faultline-matrix-XXXXXX.yaml";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(RESET_AT_START, f);
    fclose(f);
    static char out[32 * 1024], err[4096];
    char *argv[] = {"run", path, "--jobs", "1", "--matrix"};
    FILE *o = fmemopen(out, sizeof out, "w"), *e = fmemopen(err, sizeof err, "w");
    assert_int_equal(fl_cli_run(5, argv, o, e), 0);
    fclose(o);
    fclose(e);
    assert_non_null(strstr(out, "--- fault x protocol state: 2 of 120 cells reached"));
    assert_non_null(strstr(out, "client awaiting               .     5"));
    assert_non_null(strstr(out, "  client awaiting x reset: 5 seeds -> ReadError\n"));
    assert_non_null(strstr(out, "  server after start x reset: 5 seeds -> ReadError\n"));
    remove(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_run_fills_the_cells_its_faults_met),
        cmocka_unit_test(test_a_write_turns_from_head_to_body),
        cmocka_unit_test(test_json_reads_back_the_cells),
        cmocka_unit_test(test_run_prints_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
