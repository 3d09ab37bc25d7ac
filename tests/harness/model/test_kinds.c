/* The tables of kinds a scenario file names: every row is whole (a name,
 * a doc, documented keys, its functions), names are unique within a table,
 * every kind of the data model has its row, and an unknown name's error
 * lists the rows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "harness/model/kinds.h"
#include "harness/model/loader.h"
#include "sim/asgi/base_middleware.h"
#include "sim/runtime/status.h"

/* Every key row has a name, a type and a doc; a NULL default means
 * required. A key read through a reader fills a field of the reader's
 * size; one read by hand names no field. */
static void assert_keys_documented(const fl_key_t *keys) {
    if (keys == NULL) return;
    for (size_t i = 0; keys[i].name != NULL; i++) {
        assert_non_null(keys[i].type);
        assert_non_null(keys[i].doc);
        assert_true(strlen(keys[i].doc) > 3);
        if (keys[i].reader != NULL)
            assert_int_equal(keys[i].size, keys[i].reader->size);
        else
            assert_true(keys[i].offset == 0 && keys[i].size == 0);
        for (size_t j = 0; j < i; j++) assert_string_not_equal(keys[i].name, keys[j].name);
    }
}

#define ASSERT_UNIQUE_NAMES(rows, count, name)                                                     \
    for (size_t i = 0; i < (count); i++)                                                           \
        for (size_t j = 0; j < i; j++) assert_string_not_equal((rows)[i].name, (rows)[j].name)

static void test_expectation_kinds(void **state) {
    (void)state;
    size_t count;
    const fl_expect_kind_row_t *rows = fl_expect_kind_rows(&count);
    assert_int_equal(count, 5);
    ASSERT_UNIQUE_NAMES(rows, count, head.name);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(rows[i].head.doc);
        assert_non_null(rows[i].parse);
        assert_non_null(rows[i].check);
        assert_non_null(rows[i].head.keys);
        assert_keys_documented(rows[i].head.keys);
        assert_ptr_equal(fl_expect_kind_row(rows[i].kind), &rows[i]);
    }
    assert_null(rows[count].head.name);
}

static void test_client_steps_and_middleware(void **state) {
    (void)state;
    size_t count;
    const fl_client_step_row_t *steps = fl_client_step_rows(&count);
    assert_int_equal(count, 9);
    ASSERT_UNIQUE_NAMES(steps, count, head.name);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(steps[i].parse);
        assert_non_null(steps[i].run);
        assert_keys_documented(steps[i].head.keys);
        assert_ptr_equal(fl_client_step_row(steps[i].kind), &steps[i]);
        /* A step that takes cancel_after has the key. */
        bool has_key = false;
        for (size_t k = 0; steps[i].head.keys != NULL && steps[i].head.keys[k].name != NULL; k++)
            has_key = has_key || strcmp(steps[i].head.keys[k].name, "cancel_after") == 0;
        assert_int_equal(has_key, steps[i].scoped);
    }
    const fl_client_layer_row_t *layers = fl_client_layer_rows(&count);
    assert_int_equal(count, 3);
    ASSERT_UNIQUE_NAMES(layers, count, head.name);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(layers[i].parse);
        assert_non_null(layers[i].build);
        assert_keys_documented(layers[i].head.keys);
        assert_ptr_equal(fl_client_layer_row(layers[i].kind), &layers[i]);
    }
}

static void test_server_tables_and_triggers(void **state) {
    (void)state;
    size_t count;
    const fl_handler_step_row_t *steps = fl_handler_step_rows(&count);
    assert_int_equal(count, 28);
    ASSERT_UNIQUE_NAMES(steps, count, head.name);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(steps[i].parse);
        assert_keys_documented(steps[i].head.keys);
        bool answers = steps[i].kind == FL_SCRIPTED_RESPOND || steps[i].kind == FL_SCRIPTED_STREAM;
        assert_int_equal(steps[i].responds, answers);
    }
    const fl_server_layer_row_t *layers = fl_server_layer_rows(&count);
    assert_int_equal(count, 4);
    ASSERT_UNIQUE_NAMES(layers, count, head.name);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(layers[i].build);
        assert_ptr_equal(fl_server_layer_row(layers[i].kind), &layers[i]);
    }
    const fl_fault_trigger_row_t *triggers = fl_fault_trigger_rows(&count);
    assert_int_equal(count, FL_FAULT_TRIGGER_COUNT);
    for (size_t i = 0; i < count; i++) {
        /* The row's name is the network's name for the trigger. */
        assert_string_equal(triggers[i].head.name, fl_fault_trigger_name(triggers[i].kind));
        assert_keys_documented(triggers[i].head.keys);
        assert_string_equal(triggers[i].head.keys[0].name, triggers[i].head.name);
    }
}

/* BaseHTTPMiddleware's versions: one row each, no two alike in what they
 * do, names round-tripping. */
static void test_base_http_versions(void **state) {
    (void)state;
    size_t count;
    const fl_base_middleware_version_row_t *rows = fl_base_middleware_version_rows(&count);
    assert_int_equal(count, 4);
    ASSERT_UNIQUE_NAMES(rows, count, name);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(rows[i].doc);
        fl_base_middleware_version_t version;
        assert_true(fl_base_middleware_version_from_name(rows[i].name, &version));
        assert_ptr_equal(fl_base_middleware_version_row(version), &rows[i]);
        for (size_t j = 0; j < i; j++)
            assert_false(rows[i].send == rows[j].send &&
                         rows[i].response_sent == rows[j].response_sent &&
                         rows[i].polls_disconnect == rows[j].polls_disconnect &&
                         rows[i].wraps_receive == rows[j].wraps_receive);
    }
}

/* An unknown name's error lists the rows, from the table. */
static void test_unknown_names_list_the_rows(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[512];
    static const char yaml[] = "name: t\nclient:\n  tasks:\n    - name: main\n      steps:\n"
                               "        - fetch: {path: /}\n";
    assert_int_equal(fl_scenario_load_string(&arena, "t.yaml", yaml, &s, error, sizeof error),
                     FL_EINVAL);
    assert_non_null(strstr(error,
                           "t.yaml:6:11: error: client.tasks[0].steps[0]: unknown step "
                           "'fetch' (expected one of: request, stream, sse, sleep, cancel, repeat, try, group, spawn)"));
    fl_arena_destroy(&arena);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expectation_kinds),
        cmocka_unit_test(test_client_steps_and_middleware),
        cmocka_unit_test(test_server_tables_and_triggers),
        cmocka_unit_test(test_unknown_names_list_the_rows),
        cmocka_unit_test(test_base_http_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
