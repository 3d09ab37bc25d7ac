/* The scenario file's JSON Schema, written from the loader's tables (see
 * schema.h for what it refuses and what it leaves to the loader). */
#include "harness/model/schema.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/error_kinds.h"
#include "harness/json/json.h"
#include "harness/model/kinds.h"
#include "harness/model/load_sections.h"
#include "sim/net/fault.h"
#include "sim/runtime/error.h"

typedef fl_json_writer_t writer_t;

/* What a key's reader accepts, as the schema says it. Numbers and text
 * with a unit are both allowed where the loader reads the scalar's text:
 * YAML gives the schema 250 or "250ms" for what the loader reads alike. */
typedef enum value_kind {
    VALUE_OPEN,     /* a reader of its own: the loader judges */
    VALUE_TEXT,     /* any scalar */
    VALUE_BOOL,     /* true or false */
    VALUE_DURATION, /* 0, 250ms, 1.5s */
    VALUE_DURATION_OR_FOREVER,
    VALUE_COUNT, /* decimal digits */
    VALUE_POSITIVE_COUNT,
    VALUE_SIZE, /* 65536, 64KiB */
    VALUE_STATUS,
    VALUE_DIRECTION,
    VALUE_ERROR_KIND,     /* a name of the error-kind tree */
    VALUE_EXCEPTION_KIND, /* one under Exception */
    VALUE_NAME,           /* one of the reader's names */
    VALUE_INTEGER,        /* decimal digits, maybe signed (a key read by hand) */
    VALUE_SCALARS,        /* a list of scalars */
} value_kind_t;

static const struct {
    const fl_key_reader_t *reader;
    value_kind_t kind;
} READER_VALUES[] = {
    {&FL_READ_STRING, VALUE_TEXT},
    {&FL_READ_NONEMPTY, VALUE_TEXT},
    {&FL_READ_DURATION, VALUE_DURATION},
    {&FL_READ_POSITIVE_DURATION, VALUE_DURATION},
    {&FL_READ_DURATION_OR_FOREVER, VALUE_DURATION_OR_FOREVER},
    {&FL_READ_COUNT, VALUE_COUNT},
    {&FL_READ_POSITIVE_COUNT, VALUE_POSITIVE_COUNT},
    {&FL_READ_WHOLE, VALUE_COUNT},
    {&FL_READ_UINT32, VALUE_COUNT},
    {&FL_READ_POSITIVE_UINT32, VALUE_POSITIVE_COUNT},
    {&FL_READ_BOOL, VALUE_BOOL},
    {&FL_READ_BYTES, VALUE_SIZE},
    {&FL_READ_SIZE, VALUE_SIZE},
    {&FL_READ_POSITIVE_SIZE, VALUE_SIZE},
    {&FL_READ_STATUS, VALUE_STATUS},
    {&FL_READ_ERROR_KIND, VALUE_ERROR_KIND},
    {&FL_READ_EXCEPTION_KIND, VALUE_EXCEPTION_KIND},
    {&FL_READ_DIRECTION, VALUE_DIRECTION},
};

/* Where a key read by hand holds something the schema describes: by the
 * type its row gives (anywhere), or by its name in one section. */
static const struct {
    const char *type;
    const char *def;
} HELD_BY_TYPE[] = {
    {"list of client steps", "client_steps"},
    {"list of handler steps", "handler_steps"},
    {"list of response steps", "handler_steps"},
    {"list of client middleware", "client_middleware"},
    {"list of server middleware", "server_middleware"},
    {"list of tasks", "tasks"},
    {"list of routes", "routes"},
    {"list of expectations", "expectations"},
    {"list of faults", "faults"},
    {"headers", "headers"},
};

static const struct {
    const char *section;
    const char *name;
    const char *def;
} HELD_BY_NAME[] = {
    {"scenario", "network", "network"}, {"scenario", "server", "server"},
    {"scenario", "client", "client"},   {"client", "timeouts", "timeouts"},
    {"fault", "trigger", "trigger"},    {"fault", "action", "action"},
};

#define COUNT_OF(array) (sizeof(array) / sizeof(array)[0])

/* What a key read by hand holds, where its type says it plainly (a wider
 * kind than its parser's: "duration" may also be forever). */
static const struct {
    const char *type;
    value_kind_t kind;
} HAND_VALUES[] = {
    {"string", VALUE_TEXT},
    {"duration", VALUE_DURATION_OR_FOREVER},
    {"size", VALUE_SIZE},
    {"error kind", VALUE_ERROR_KIND},
    {"list of strings", VALUE_SCALARS},
    {"list of names", VALUE_SCALARS},
    {"list of methods", VALUE_SCALARS},
    {"list of statuses", VALUE_SCALARS},
};

static value_kind_t hand_value_kind(const char *type) {
    if (strncmp(type, "integer", strlen("integer")) == 0) return VALUE_INTEGER;
    for (size_t i = 0; i < COUNT_OF(HAND_VALUES); i++)
        if (strcmp(HAND_VALUES[i].type, type) == 0) return HAND_VALUES[i].kind;
    return VALUE_OPEN;
}

static value_kind_t value_kind_of(const fl_key_reader_t *reader, const char *type) {
    if (reader == NULL) return hand_value_kind(type);
    if (reader->read == NULL) return VALUE_NAME;
    for (size_t i = 0; i < COUNT_OF(READER_VALUES); i++)
        if (READER_VALUES[i].reader == reader) return READER_VALUES[i].kind;
    return VALUE_OPEN;
}

static const char *held_def(const char *section, const fl_key_t *key) {
    assert(section != NULL && key != NULL && key->type != NULL);
    for (size_t i = 0; i < COUNT_OF(HELD_BY_TYPE); i++)
        if (strcmp(HELD_BY_TYPE[i].type, key->type) == 0) return HELD_BY_TYPE[i].def;
    for (size_t i = 0; i < COUNT_OF(HELD_BY_NAME); i++)
        if (strcmp(HELD_BY_NAME[i].section, section) == 0 &&
            strcmp(HELD_BY_NAME[i].name, key->name) == 0)
            return HELD_BY_NAME[i].def;
    return NULL;
}

static void write_ref(writer_t *w, const char *def) {
    char target[64];
    int length = snprintf(target, sizeof target, "#/$defs/%s", def);
    assert(length > 0 && (size_t)length < sizeof target);
    fl_json_key(w, "$ref");
    fl_json_string(w, target);
}

static void write_types(writer_t *w, const char *const *types, size_t count) {
    fl_json_key(w, "type");
    fl_json_array_begin(w);
    for (size_t i = 0; i < count; i++) fl_json_string(w, types[i]);
    fl_json_array_end(w);
}

static const char *const SCALAR_TYPES[] = {"string", "number", "boolean"};

/* {"anyOf": [{"type": "number", "minimum": minimum}, {"type": "string",
 * "pattern": pattern}]}: a number YAML read as one, or the text. */
static void write_number_or_text(writer_t *w, int64_t minimum, bool integer, const char *pattern) {
    fl_json_key(w, "anyOf");
    fl_json_array_begin(w);
    fl_json_object_begin(w);
    fl_json_key(w, "type");
    fl_json_string(w, integer ? "integer" : "number");
    fl_json_key(w, "minimum");
    fl_json_int(w, minimum);
    fl_json_object_end(w);
    fl_json_object_begin(w);
    fl_json_key(w, "type");
    fl_json_string(w, "string");
    fl_json_key(w, "pattern");
    fl_json_string(w, pattern);
    fl_json_object_end(w);
    fl_json_array_end(w);
}

/* Every error kind the runtime and the client name (only Exception's
 * descendants for exception_only), as the loader reads them. */
static void write_error_kinds(writer_t *w, bool exception_only) {
    fl_client_error_kinds_add(); /* files name the client's kinds too */
    fl_json_key(w, "enum");
    fl_json_array_begin(w);
    fl_error_kind_t kind;
    for (size_t i = 0; fl_error_kind_at(i, &kind); i++)
        if (!exception_only || fl_error_kind_is(kind, FL_ERR_EXCEPTION))
            fl_json_string(w, fl_error_kind_name(kind));
    fl_json_array_end(w);
}

static void write_names(writer_t *w, const fl_key_reader_t *reader) {
    assert(reader != NULL && reader->name_of != NULL && reader->count > 0);
    fl_json_key(w, "enum");
    fl_json_array_begin(w);
    for (int i = 0; i < reader->count; i++) fl_json_string(w, reader->name_of(i));
    fl_json_array_end(w);
}

/* The patterns are looser than the loader (a unit it does not know
 * passes): they catch a word where a number is due, not every typo. */
#define NUMBER_WITH_UNIT "^[0-9]+(\\.[0-9]*)?\\s*[A-Za-z\\u00b5]*$"

static void write_value_type(writer_t *w, value_kind_t kind, const fl_key_reader_t *reader) {
    static const char *const BOOLEAN[] = {"boolean"};
    static const char *const DIRECTIONS[] = {"c2s", "s2c"};
    switch (kind) {
    case VALUE_OPEN: return;
    case VALUE_TEXT: write_types(w, SCALAR_TYPES, COUNT_OF(SCALAR_TYPES)); return;
    case VALUE_BOOL: write_types(w, BOOLEAN, 1); return;
    case VALUE_DURATION: write_number_or_text(w, 0, false, NUMBER_WITH_UNIT); return;
    case VALUE_DURATION_OR_FOREVER:
        write_number_or_text(w, 0, false, NUMBER_WITH_UNIT "|^forever$");
        return;
    case VALUE_COUNT: write_number_or_text(w, 0, true, "^[0-9]+$"); return;
    case VALUE_POSITIVE_COUNT: write_number_or_text(w, 1, true, "^[0-9]+$"); return;
    case VALUE_SIZE: write_number_or_text(w, 0, false, NUMBER_WITH_UNIT "|^unlimited$"); return;
    case VALUE_STATUS: write_number_or_text(w, 100, true, "^[1-5][0-9][0-9]$"); return;
    case VALUE_DIRECTION:
        fl_json_key(w, "enum");
        fl_json_array_begin(w);
        for (size_t i = 0; i < COUNT_OF(DIRECTIONS); i++) fl_json_string(w, DIRECTIONS[i]);
        fl_json_array_end(w);
        return;
    case VALUE_NAME: write_names(w, reader); return;
    case VALUE_ERROR_KIND: write_error_kinds(w, false); return;
    case VALUE_INTEGER:
        fl_json_key(w, "anyOf");
        fl_json_array_begin(w);
        fl_json_object_begin(w);
        fl_json_key(w, "type");
        fl_json_string(w, "integer");
        fl_json_object_end(w);
        fl_json_object_begin(w);
        fl_json_key(w, "type");
        fl_json_string(w, "string");
        fl_json_key(w, "pattern");
        fl_json_string(w, "^-?[0-9]+$");
        fl_json_object_end(w);
        fl_json_array_end(w);
        return;
    case VALUE_SCALARS:
        fl_json_key(w, "type");
        fl_json_string(w, "array");
        fl_json_key(w, "items");
        fl_json_object_begin(w);
        write_types(w, SCALAR_TYPES, COUNT_OF(SCALAR_TYPES));
        fl_json_object_end(w);
        return;
    case VALUE_EXCEPTION_KIND: write_error_kinds(w, true); return;
    }
    assert(false && "a value kind has its schema");
}

static bool all_digits(const char *text) {
    if (text[0] == '\0') return false;
    for (const char *c = text; *c != '\0'; c++)
        if (*c < '0' || *c > '9') return false;
    return true;
}

static bool is_name_of(const fl_key_reader_t *reader, const char *text) {
    for (int i = 0; i < reader->count; i++)
        if (strcmp(reader->name_of(i), text) == 0) return true;
    return false;
}

/* "default": the key's default where it is a value the key takes (a
 * default that says what happens, "none" or "the trigger's", is only in
 * the description). */
static void write_default(writer_t *w, value_kind_t kind, const fl_key_t *key) {
    const char *text = key->fallback;
    if (text == NULL) return;
    bool number = all_digits(text), with_unit = text[0] >= '0' && text[0] <= '9';
    bool written =
        (kind == VALUE_BOOL && (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)) ||
        ((kind == VALUE_COUNT || kind == VALUE_POSITIVE_COUNT || kind == VALUE_STATUS ||
          kind == VALUE_INTEGER) &&
         number) ||
        ((kind == VALUE_DURATION || kind == VALUE_DURATION_OR_FOREVER || kind == VALUE_SIZE) &&
         with_unit) ||
        (kind == VALUE_DIRECTION && (strcmp(text, "c2s") == 0 || strcmp(text, "s2c") == 0)) ||
        (kind == VALUE_NAME && is_name_of(key->reader, text));
    if (!written) return;
    fl_json_key(w, "default");
    if (kind == VALUE_BOOL)
        fl_json_bool(w, strcmp(text, "true") == 0);
    else if (number)
        fl_json_int(w, (int64_t)strtoll(text, NULL, 10));
    else
        fl_json_string(w, text);
}

/* "<doc> (<type>; default <default>)", or "...; required)". */
static void write_key_description(writer_t *w, const fl_key_t *key) {
    char text[512];
    int length =
        key->fallback != NULL
            ? snprintf(text, sizeof text, "%s (%s; default %s)", key->doc, key->type, key->fallback)
            : snprintf(text, sizeof text, "%s (%s; required)", key->doc, key->type);
    assert(length > 0);
    fl_json_key(w, "description");
    fl_json_string(w, text);
}

/* The schema of one key's value, in section (for the keys read by hand). */
static void write_key(writer_t *w, const char *section, const fl_key_t *key) {
    assert(key != NULL && key->name != NULL && key->doc != NULL);
    fl_json_key(w, key->name);
    fl_json_object_begin(w);
    write_key_description(w, key);
    const char *def = key->reader == NULL ? held_def(section, key) : NULL;
    if (def != NULL) write_ref(w, def);
    value_kind_t kind = def == NULL ? value_kind_of(key->reader, key->type) : VALUE_OPEN;
    write_value_type(w, kind, key->reader);
    write_default(w, kind, key);
    fl_json_object_end(w);
}

/* A mapping of keys (NULL: none): each with its schema, those without a
 * default required, no other key allowed. nullable: an empty value
 * ("- server_errors:") is the empty mapping. */
static void write_mapping(writer_t *w, const char *section, const fl_key_t *keys, bool nullable) {
    static const char *const OBJECT_OR_NULL[] = {"object", "null"};
    write_types(w, OBJECT_OR_NULL, nullable ? 2 : 1);
    fl_json_key(w, "properties");
    fl_json_object_begin(w);
    for (size_t i = 0; keys != NULL && keys[i].name != NULL; i++) write_key(w, section, &keys[i]);
    fl_json_object_end(w);
    fl_json_key(w, "additionalProperties");
    fl_json_bool(w, false);
    size_t required = 0;
    for (size_t i = 0; keys != NULL && keys[i].name != NULL; i++)
        if (keys[i].fallback == NULL) {
            if (required++ == 0) {
                fl_json_key(w, "required");
                fl_json_array_begin(w);
            }
            fl_json_string(w, keys[i].name);
        }
    if (required > 0) fl_json_array_end(w);
}

/* A mapping of one key: a "- kind: value" item, an action's mapping. */
static void write_one_key_mapping(writer_t *w) {
    fl_json_key(w, "type");
    fl_json_string(w, "object");
    fl_json_key(w, "minProperties");
    fl_json_int(w, 1);
    fl_json_key(w, "maxProperties");
    fl_json_int(w, 1);
}

/* A list as the loader bounds it; the items' schema comes next. */
static void write_list_head(writer_t *w) {
    fl_json_key(w, "type");
    fl_json_string(w, "array");
    fl_json_key(w, "maxItems");
    fl_json_int(w, LIST_MAX);
    fl_json_key(w, "items");
}

static const fl_kind_head_t *head_at(const fl_kind_table_t *table, size_t index) {
    assert(index < table->count);
    return (const fl_kind_head_t *)((const char *)table->rows + index * table->row_size);
}

/* A list of "- kind: value" items, each a mapping of one key naming a
 * row of table, whose value is the row's mapping (open when the row has
 * no keys). */
static void write_kind_list(writer_t *w, const char *def, const fl_kind_table_t *table) {
    fl_json_key(w, def);
    fl_json_object_begin(w);
    write_list_head(w);
    fl_json_object_begin(w);
    write_one_key_mapping(w);
    fl_json_key(w, "properties");
    fl_json_object_begin(w);
    for (size_t i = 0; i < table->count; i++) {
        const fl_kind_head_t *head = head_at(table, i);
        fl_json_key(w, head->name);
        fl_json_object_begin(w);
        fl_json_key(w, "description");
        fl_json_string(w, head->doc);
        /* A row without keys reads its value by hand: a scalar, or a list
         * (shield's steps); the loader judges it. */
        if (head->keys != NULL) write_mapping(w, table->what, head->keys, true);
        fl_json_object_end(w);
    }
    fl_json_object_end(w);
    fl_json_key(w, "additionalProperties");
    fl_json_bool(w, false);
    fl_json_object_end(w);
    fl_json_object_end(w);
}

/* "def": a mapping of keys, the section's. */
static void write_mapping_def(writer_t *w, const char *def, const char *doc, const fl_key_t *keys,
                              bool nullable) {
    fl_json_key(w, def);
    fl_json_object_begin(w);
    fl_json_key(w, "description");
    fl_json_string(w, doc);
    write_mapping(w, def, keys, nullable);
    fl_json_object_end(w);
}

/* "def": a list of item_def. */
static void write_list_def(writer_t *w, const char *def, const char *item_def) {
    fl_json_key(w, def);
    fl_json_object_begin(w);
    write_list_head(w);
    fl_json_object_begin(w);
    write_ref(w, item_def);
    fl_json_object_end(w);
    fl_json_object_end(w);
}

/* A trigger is the mapping of one trigger row's keys, the row's name among
 * them. */
static void write_trigger_def(writer_t *w) {
    size_t count;
    const fl_fault_trigger_row_t *rows = fl_fault_trigger_rows(&count);
    fl_json_key(w, "trigger");
    fl_json_object_begin(w);
    fl_json_key(w, "description");
    fl_json_string(w, "when the fault fires: at, bytes, event or connect");
    fl_json_key(w, "anyOf");
    fl_json_array_begin(w);
    for (size_t i = 0; i < count; i++) {
        fl_json_object_begin(w);
        fl_json_key(w, "description");
        fl_json_string(w, rows[i].head.doc);
        write_mapping(w, "trigger", rows[i].head.keys, false);
        fl_json_object_end(w);
    }
    fl_json_array_end(w);
    fl_json_object_end(w);
}

/* A scenario file's actions: not those only faultline proxy carries out,
 * which the loader refuses in a scenario. */
static void write_action_names(writer_t *w) {
    fl_json_array_begin(w);
    for (int i = 0; i < FL_FAULT_ACTION_COUNT; i++)
        if (fl_fault_action_carried_by((fl_fault_action_kind_t)i, FL_FAULT_CARRIER_SCENARIO))
            fl_json_string(w, fl_fault_action_name((fl_fault_action_kind_t)i));
    fl_json_array_end(w);
}

/* An action is its name, or a mapping of its name to its value (which the
 * loader reads by the action). */
static void write_action_def(writer_t *w) {
    fl_json_key(w, "action");
    fl_json_object_begin(w);
    fl_json_key(w, "anyOf");
    fl_json_array_begin(w);
    fl_json_object_begin(w);
    fl_json_key(w, "enum");
    write_action_names(w);
    fl_json_object_end(w);
    fl_json_object_begin(w);
    write_one_key_mapping(w);
    fl_json_key(w, "propertyNames");
    fl_json_object_begin(w);
    fl_json_key(w, "enum");
    write_action_names(w);
    fl_json_object_end(w);
    fl_json_object_end(w);
    fl_json_array_end(w);
    fl_json_object_end(w);
}

/* Headers: a mapping of name to scalar value (an empty one is ""), at
 * most HEADERS_MAX. */
static void write_headers_def(writer_t *w) {
    static const char *const SCALAR_OR_NULL[] = {"string", "number", "boolean", "null"};
    fl_json_key(w, "headers");
    fl_json_object_begin(w);
    fl_json_key(w, "type");
    fl_json_string(w, "object");
    fl_json_key(w, "maxProperties");
    fl_json_int(w, HEADERS_MAX);
    fl_json_key(w, "additionalProperties");
    fl_json_object_begin(w);
    write_types(w, SCALAR_OR_NULL, COUNT_OF(SCALAR_OR_NULL));
    fl_json_object_end(w);
    fl_json_object_end(w);
}

/* Each kind table's list, from its rows' accessor. */
static void write_kind_defs(writer_t *w) {
    size_t n;
    const void *rows = fl_expect_kind_rows(&n);
    write_kind_list(w, "expectations",
                    &(fl_kind_table_t){"expectation", rows, sizeof(fl_expect_kind_row_t), n});
    rows = fl_client_step_rows(&n);
    write_kind_list(w, "client_steps",
                    &(fl_kind_table_t){"client step", rows, sizeof(fl_client_step_row_t), n});
    rows = fl_client_layer_rows(&n);
    write_kind_list(
        w, "client_middleware",
        &(fl_kind_table_t){"client middleware", rows, sizeof(fl_client_layer_row_t), n});
    rows = fl_handler_step_rows(&n);
    write_kind_list(w, "handler_steps",
                    &(fl_kind_table_t){"handler step", rows, sizeof(fl_handler_step_row_t), n});
    rows = fl_server_layer_rows(&n);
    write_kind_list(
        w, "server_middleware",
        &(fl_kind_table_t){"server middleware", rows, sizeof(fl_server_layer_row_t), n});
}

static void write_defs(writer_t *w) {
    fl_json_key(w, "$defs");
    fl_json_object_begin(w);
    write_mapping_def(w, "network", "the simulated network", fl__network_keys(), false);
    write_mapping_def(w, "client", "the client and its tasks", fl__client_keys(), false);
    write_mapping_def(w, "timeouts", "the client's timeouts", fl__timeout_keys(), false);
    write_mapping_def(w, "task", "a client task", fl__task_keys(), false);
    write_list_def(w, "tasks", "task");
    write_mapping_def(w, "server", "the server: its routes, middleware and limits",
                      fl__server_keys(), false);
    write_mapping_def(w, "route", "a route and its handler", fl__route_keys(), false);
    write_list_def(w, "routes", "route");
    write_mapping_def(w, "fault", "a fault: its trigger and action", fl__fault_keys(), false);
    write_list_def(w, "faults", "fault");
    write_trigger_def(w);
    write_action_def(w);
    write_headers_def(w);
    write_kind_defs(w);
    fl_json_object_end(w);
}

void fl_scenario_schema_write(FILE *out) {
    assert(out != NULL);
    writer_t w;
    fl_json_init(&w, out);
    fl_json_object_begin(&w);
    fl_json_key(&w, "$schema");
    fl_json_string(&w, "https://json-schema.org/draft/2020-12/schema");
    fl_json_key(&w, "title");
    fl_json_string(&w, "faultline scenario file");
    fl_json_key(&w, "description");
    fl_json_string(&w, "A scenario: a client, a server, faults and expectations "
                       "(docs/SCENARIOS.md). `faultline check FILE` is the judge.");
    write_mapping(&w, "scenario", fl__root_keys(), false);
    write_defs(&w);
    fl_json_object_end(&w);
    assert(fl_json_complete(&w));
    fputc('\n', out);
}
