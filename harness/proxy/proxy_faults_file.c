/* The fault file's form, both ways: reading a proxy fault file or an admin
 * API body into the plan, through the scenario loader's own fault parser
 * (harness/model/load_faults.c, fl__load_fault), and writing the plan back
 * in that form for the admin API's list. */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/model/load_sections.h"
#include "harness/proxy/proxy_faults_internal.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"

/* A proxy fault file's top level: the faults, and what they are for. */
static const fl_key_t FILE_KEYS[] = {
    {"description", "string", "none", "what the fault file is for", FL_BY_HAND},
    {"faults", "list of faults", NULL, "the faults, as a scenario file's faults", FL_BY_HAND},
    FL_KEYS_END,
};

/* Where a reading puts the faults it adds, and their ids. */
typedef struct reading {
    fl_proxy_faults_t *faults;
    uint32_t *ids; /* NULL: not wanted */
    size_t *id_count;
} reading_t;

/* The plan holds at most FL_PROXY_FAULTS_MAX: count more is refused at
 * the node at, before any is read. */
static int check_room(fl_yaml_reader_t *ld, fl_yaml_node_t *at, size_t count,
                      const fl_proxy_faults_t *faults) {
    assert(ld != NULL && at != NULL && faults != NULL);
    size_t room = FL_PROXY_FAULTS_MAX - fl_proxy_faults_count(faults);
    if (count <= room) return 0;
    return FAIL(ld, at, "faults: %zu faults, but the proxy holds at most %d at a time (%zu now)",
                count, FL_PROXY_FAULTS_MAX, fl_proxy_faults_count(faults));
}

/* Reads count fault nodes (faults[i] in messages), then adds them all: a
 * refused one leaves the plan as it was. */
static int add_faults(fl_yaml_reader_t *ld, fl_yaml_node_t *const *items, size_t count,
                      reading_t *r) {
    assert(ld != NULL && items != NULL && r != NULL);
    assert(count <= FL_PROXY_FAULTS_MAX - fl_proxy_faults_count(r->faults)); /* check_room */
    fl_fault_plan_t *plan = fl_fault_plan_create(ld->arena);
    fl_scenario_fault_t *read = fl_arena_zalloc(ld->arena, (count + 1) * sizeof *read);
    for (size_t i = 0; i < count; i++)
        TRY(fl__load_fault(ld, items[i], fl__yaml_index_path(ld, "faults", i),
                           FL_FAULT_CARRIER_PROXY, NULL, plan, &read[i]));
    assert(plan->count == count);
    for (size_t i = 0; i < count; i++) {
        /* The file's own label, or none: the plan names it by its id. */
        uint32_t id = fl__proxy_faults_add(r->faults, &plan->entries[i], read[i].spec.label);
        if (r->ids != NULL) r->ids[(*r->id_count)++] = id;
    }
    return 0;
}

/* A sequence's items, as add_faults takes them. */
static int add_fault_list(fl_yaml_reader_t *ld, fl_yaml_node_t *list, reading_t *r) {
    TRY(fl__yaml_expect_sequence(ld, list, "faults"));
    size_t count = fl__yaml_sequence_count(list);
    TRY(check_room(ld, list, count, r->faults));
    fl_yaml_node_t **items = fl_arena_zalloc(ld->arena, (count + 1) * sizeof *items);
    for (size_t i = 0; i < count; i++) items[i] = fl__yaml_sequence_item(ld, list, i);
    return add_faults(ld, items, count, r);
}

static int parse_file(fl_yaml_reader_t *ld, fl_yaml_node_t *root, void *context) {
    assert(ld != NULL && root != NULL && context != NULL);
    if (root->type != YAML_MAPPING_NODE)
        return FAIL(ld, root, "a fault file: expected a mapping with faults (and a description)");
    TRY(fl__yaml_check_keys(ld, root, "", FILE_KEYS));
    fl_yaml_node_t *v = fl__yaml_get(ld, root, "description");
    const char *description;
    if (v != NULL) TRY(fl__yaml_string(ld, v, "description", &description));
    TRY(fl__yaml_require(ld, root, "faults", "the fault file", &v));
    return add_fault_list(ld, v, context);
}

int fl_proxy_faults_load_file(fl_proxy_faults_t *faults, const char *path, char *error,
                              size_t error_size) {
    assert(faults != NULL && path != NULL && (error != NULL || error_size == 0));
    fl_arena_t arena;
    fl_arena_init(&arena);
    reading_t reading = {.faults = faults};
    int status = fl__yaml_load_file(&arena, path, "fault file", parse_file, &reading, NULL,
                                    error, error_size);
    fl_arena_destroy(&arena);
    assert(status == 0 || status == FL_EINVAL || status == FL_ENOTFOUND);
    return status;
}

/* An admin API body: one fault object, or an array of them. */
static int parse_body(fl_yaml_reader_t *ld, fl_yaml_node_t *root, void *context) {
    assert(ld != NULL && root != NULL && context != NULL);
    if (root->type == YAML_SEQUENCE_NODE) return add_fault_list(ld, root, context);
    if (root->type != YAML_MAPPING_NODE)
        return FAIL(ld, root, "faults: expected a fault object or an array of them");
    reading_t *r = context;
    TRY(check_room(ld, root, 1, r->faults));
    return add_faults(ld, &root, 1, r);
}

/* The body has no file name, and the API's error names the place by its
 * path ("faults[0].action: ..."): the prefix "body:L:C: error: " goes. */
static void drop_position(char *error) {
    const char *marker = strstr(error, ": error: ");
    if (marker == NULL) return;
    const char *message = marker + strlen(": error: ");
    memmove(error, message, strlen(message) + 1);
}

int fl_proxy_faults_add_json(fl_proxy_faults_t *faults, const char *text, size_t length,
                             uint32_t *ids, size_t *id_count, char *error, size_t error_size) {
    assert(faults != NULL && text != NULL && ids != NULL && id_count != NULL);
    assert(error != NULL || error_size == 0);
    *id_count = 0;
    fl_arena_t arena;
    fl_arena_init(&arena);
    /* libyaml reads up to a NUL: the body is copied to end with one. */
    char *copy = fl_arena_alloc(&arena, length + 1);
    memcpy(copy, text, length);
    copy[length] = '\0';
    reading_t reading = {.faults = faults, .ids = ids, .id_count = id_count};
    int status = fl__yaml_load_text(&arena, "body", copy, length, "body", parse_body, &reading,
                                    NULL, error, error_size);
    fl_arena_destroy(&arena);
    if (status != 0 && error_size > 0) drop_position(error);
    assert(status == 0 || *id_count == 0); /* all or none */
    assert(status == 0 || status == FL_EINVAL);
    return status;
}

/* --- writing the plan, in the file's form ----------------------------------- */

/* A duration as the loader reads it: the largest unit that is exact. */
static void write_duration(fl_json_writer_t *w, int64_t ns) {
    assert(w != NULL && ns >= 0);
    if (ns == FL_TIME_NEVER) {
        fl_json_string(w, "forever");
        return;
    }
    static const struct {
        int64_t ns;
        const char *unit;
    } UNITS[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}, {1, "ns"}};
    char text[40] = "";
    for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++)
        if (ns % UNITS[i].ns == 0) {
            snprintf(text, sizeof text, "%" PRId64 "%s", ns / UNITS[i].ns, UNITS[i].unit);
            break;
        }
    assert(text[0] != '\0'); /* every duration is a whole number of ns */
    fl_json_string(w, text);
}

/* A probability with the digits it needs (0.5, not 0.500000). */
static void write_probability(fl_json_writer_t *w, double p) {
    assert(p > 0.0 && p <= 1.0);
    unsigned digits = 1;
    int64_t scale = 10, scaled = llround(p * 10.0);
    while (digits < 9 && fabs(p * (double)scale - (double)scaled) > 1e-9) {
        digits++;
        scale *= 10;
        scaled = llround(p * (double)scale);
    }
    fl_json_decimal(w, scaled, digits);
}

static void write_trigger(fl_json_writer_t *w, const fl_fault_trigger_t *t) {
    fl_json_object_begin(w);
    fl_json_key(w, fl_fault_trigger_name(t->kind));
    switch (t->kind) {
    case FL_FAULT_TRIGGER_AT: write_duration(w, t->at_ns); break;
    case FL_FAULT_TRIGGER_BYTES:
        fl_json_uint(w, t->bytes);
        fl_json_key(w, "direction");
        fl_json_string(w, fl_direction_name(t->direction));
        break;
    case FL_FAULT_TRIGGER_EVENT:
        fl_json_string(w, t->event);
        fl_json_key(w, "count");
        fl_json_uint(w, t->count);
        break;
    case FL_FAULT_TRIGGER_CONNECT: fl_json_uint(w, t->connection); break;
    case FL_FAULT_TRIGGER_COUNT: FL_UNREACHABLE();
    }
    /* bytes and event triggers watch a connection (0: every one). */
    if (t->kind == FL_FAULT_TRIGGER_BYTES || t->kind == FL_FAULT_TRIGGER_EVENT) {
        fl_json_key(w, "connection");
        fl_json_uint(w, t->connection);
    }
    fl_json_object_end(w);
}

/* The value of an action written as a one-key mapping. */
static void write_action_value(fl_json_writer_t *w, const fl_fault_action_t *a) {
    switch (a->kind) {
    case FL_FAULT_ACTION_CLOSE:
    case FL_FAULT_ACTION_HALF_CLOSE: fl_json_string(w, fl_side_name(a->side)); break;
    case FL_FAULT_ACTION_STALL:
    case FL_FAULT_ACTION_DELAY: write_duration(w, a->duration_ns); break;
    case FL_FAULT_ACTION_BANDWIDTH: fl_json_uint(w, a->bytes_per_second); break;
    case FL_FAULT_ACTION_TRUNCATE:
    case FL_FAULT_ACTION_CORRUPT: fl_json_string(w, fl_direction_name(a->direction)); break;
    case FL_FAULT_ACTION_ANSWER_INSTEAD:
        fl_json_object_begin(w);
        fl_json_key(w, "status");
        fl_json_int(w, a->answer_status);
        fl_json_key(w, "body");
        fl_json_string(w, a->answer_body != NULL ? a->answer_body : "");
        fl_json_object_end(w);
        break;
    case FL_FAULT_ACTION_REFUSE:
    case FL_FAULT_ACTION_RESET:
    case FL_FAULT_ACTION_CANCEL_TASK:
    case FL_FAULT_ACTION_CLIENT_DISCONNECT:
    case FL_FAULT_ACTION_COUNT: FL_UNREACHABLE(); /* write_action writes these bare */
    }
}

static void write_action(fl_json_writer_t *w, const fl_fault_action_t *a) {
    bool directed = a->kind == FL_FAULT_ACTION_TRUNCATE || a->kind == FL_FAULT_ACTION_CORRUPT;
    bool bare = a->kind == FL_FAULT_ACTION_REFUSE || a->kind == FL_FAULT_ACTION_RESET ||
                a->kind == FL_FAULT_ACTION_CANCEL_TASK ||
                a->kind == FL_FAULT_ACTION_CLIENT_DISCONNECT || (directed && !a->direction_set);
    if (bare) {
        fl_json_string(w, fl_fault_action_name(a->kind));
        return;
    }
    fl_json_object_begin(w);
    fl_json_key(w, fl_fault_action_name(a->kind));
    write_action_value(w, a);
    fl_json_object_end(w);
}

/* The fault's own keys besides trigger and action, where they are not
 * their defaults. */
static void write_fault_keys(fl_json_writer_t *w, const fl_fault_spec_t *spec) {
    const fl_fault_action_t *a = &spec->action;
    if (spec->trigger.kind == FL_FAULT_TRIGGER_AT && a->connection != 0) {
        fl_json_key(w, "connection");
        fl_json_uint(w, a->connection);
    }
    bool own_direction = a->kind == FL_FAULT_ACTION_STALL || a->kind == FL_FAULT_ACTION_DELAY ||
                         a->kind == FL_FAULT_ACTION_BANDWIDTH;
    if (own_direction && a->direction_set) {
        fl_json_key(w, "direction");
        fl_json_string(w, fl_direction_name(a->direction));
    }
    if (spec->trigger.probability < 1.0) {
        fl_json_key(w, "probability");
        write_probability(w, spec->trigger.probability);
    }
    if (spec->trigger.repeat) {
        fl_json_key(w, "repeat");
        fl_json_bool(w, true);
    }
}

void fl_proxy_faults_write_json(const fl_proxy_faults_t *faults, fl_json_writer_t *json) {
    assert(faults != NULL && json != NULL);
    size_t depth = json->depth;
    fl_json_array_begin(json);
    for (size_t i = 0; i < faults->count; i++) {
        const proxy_fault_t *fault = &faults->slots[faults->order[i]];
        assert(fault->live);
        fl_json_object_begin(json);
        fl_json_key(json, "id");
        fl_json_uint(json, fault->id);
        fl_json_key(json, "label");
        fl_json_string(json, fault->entry.spec.label);
        fl_json_key(json, "trigger");
        write_trigger(json, &fault->entry.spec.trigger);
        fl_json_key(json, "action");
        write_action(json, &fault->entry.spec.action);
        write_fault_keys(json, &fault->entry.spec);
        fl_json_key(json, "reached");
        fl_json_uint(json, fault->entry.reached);
        fl_json_key(json, "fired");
        fl_json_uint(json, fault->entry.fired);
        fl_json_object_end(json);
    }
    fl_json_array_end(json);
    assert(json->depth == depth);
}
