/* faultline schema's output: one valid JSON document whose $defs hold a
 * list for every kind table naming each of its rows, with every key of
 * every row described, and the top level's keys with no others allowed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/json/json.h"
#include "harness/model/kinds.h"
#include "harness/model/schema.h"
#include "sim/runtime/arena.h"

static fl_arena_t arena;
static char *text;

static const fl_json_value_t *parse_schema(void) {
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    assert_non_null(out);
    fl_scenario_schema_write(out);
    assert_int_equal(fclose(out), 0);
    assert_true(length > 0 && text[length - 1] == '\n');
    const fl_json_value_t *schema = NULL;
    char error[128];
    int status = fl_json_parse(&arena, text, length - 1, &schema, error, sizeof error);
    if (status != 0) fail_msg("the schema is not JSON: %s", error);
    assert_int_equal(schema->type, FL_JSON_OBJECT);
    return schema;
}

static int setup(void **state) {
    (void)state;
    fl_arena_init(&arena);
    text = NULL;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(text);
    fl_arena_destroy(&arena);
    return 0;
}

/* The row's entry under $defs/<list>/items/properties, its keys under the
 * entry's properties, each with a description. */
static void assert_row_described(const fl_json_value_t *schema, const char *list,
                                 const fl_kind_head_t *head) {
    const fl_json_value_t *rows = fl_json_get(
        fl_json_get(fl_json_get(fl_json_get(schema, "$defs"), list), "items"), "properties");
    const fl_json_value_t *row = fl_json_get(rows, head->name);
    if (row == NULL) fail_msg("%s: no row %s", list, head->name);
    assert_string_equal(fl_json_get_string(row, "description"), head->doc);
    for (size_t i = 0; head->keys != NULL && head->keys[i].name != NULL; i++) {
        const fl_json_value_t *key =
            fl_json_get(fl_json_get(row, "properties"), head->keys[i].name);
        if (key == NULL) fail_msg("%s %s: no key %s", list, head->name, head->keys[i].name);
        const char *description = fl_json_get_string(key, "description");
        assert_non_null(description);
        assert_non_null(strstr(description, head->keys[i].doc));
    }
    if (head->keys != NULL) {
        bool closed = true;
        assert_true(fl_json_get_bool(row, "additionalProperties", &closed));
        assert_false(closed);
    }
}

#define ASSERT_TABLE_DESCRIBED(schema, list, accessor)                                             \
    do {                                                                                           \
        size_t count_;                                                                             \
        const __typeof__(*accessor(&count_)) *rows_ = accessor(&count_);                           \
        assert_true(count_ > 0);                                                                   \
        for (size_t i_ = 0; i_ < count_; i_++)                                                     \
            assert_row_described(schema, list, &rows_[i_].head);                                   \
    } while (0)

static void test_every_row_of_every_table_is_described(void **state) {
    (void)state;
    const fl_json_value_t *schema = parse_schema();
    assert_string_equal(fl_json_get_string(schema, "$schema"),
                        "https://json-schema.org/draft/2020-12/schema");
    ASSERT_TABLE_DESCRIBED(schema, "expectations", fl_expect_kind_rows);
    ASSERT_TABLE_DESCRIBED(schema, "client_steps", fl_client_step_rows);
    ASSERT_TABLE_DESCRIBED(schema, "client_middleware", fl_client_layer_rows);
    ASSERT_TABLE_DESCRIBED(schema, "handler_steps", fl_handler_step_rows);
    ASSERT_TABLE_DESCRIBED(schema, "server_middleware", fl_server_layer_rows);
}

/* Each trigger row is one branch of the trigger's anyOf, requiring the
 * key that names it. */
static void test_every_trigger_is_a_branch(void **state) {
    (void)state;
    const fl_json_value_t *schema = parse_schema();
    const fl_json_value_t *branches =
        fl_json_get(fl_json_get(fl_json_get(schema, "$defs"), "trigger"), "anyOf");
    size_t count;
    const fl_fault_trigger_row_t *rows = fl_fault_trigger_rows(&count);
    assert_non_null(branches);
    assert_int_equal(branches->count, count);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(
            fl_json_get(fl_json_get(&branches->items[i], "properties"), rows[i].head.name));
        const fl_json_value_t *required = fl_json_get(&branches->items[i], "required");
        assert_non_null(required);
        bool named = false;
        for (size_t j = 0; j < required->count; j++)
            named |= strcmp(required->items[j].text, rows[i].head.name) == 0;
        assert_true(named);
    }
}

/* The top level: its keys and no others, name and client required, and a
 * default where the loader's is a value ("holds" is a name read by hand:
 * only its description says it). */
static void test_top_level_keys(void **state) {
    (void)state;
    const fl_json_value_t *schema = parse_schema();
    bool closed = true;
    assert_true(fl_json_get_bool(schema, "additionalProperties", &closed));
    assert_false(closed);
    const fl_json_value_t *properties = fl_json_get(schema, "properties");
    assert_non_null(fl_json_get(properties, "faults"));
    assert_string_equal(fl_json_get_string(fl_json_get(properties, "time_limit"), "default"), "1h");
    assert_string_equal(fl_json_get_string(fl_json_get(properties, "client"), "$ref"),
                        "#/$defs/client");
    const fl_json_value_t *required = fl_json_get(schema, "required");
    assert_non_null(required);
    assert_int_equal(required->count, 2);
    assert_string_equal(required->items[0].text, "name");
    assert_string_equal(required->items[1].text, "client");
    bool segmentation = false;
    assert_true(fl_json_get_bool(
        fl_json_get(fl_json_get(fl_json_get(fl_json_get(schema, "$defs"), "network"), "properties"),
                    "segmentation"),
        "default", &segmentation));
    assert_true(segmentation);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_row_of_every_table_is_described, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_every_trigger_is_a_branch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_top_level_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
