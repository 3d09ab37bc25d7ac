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

/* Reads count fault nodes (faults[i] in messages), then adds them all: a
 * refused one leaves the plan as it was. at: the node a count over the
 * cap is reported at. */
static int add_faults(fl_yaml_reader_t *ld, fl_yaml_node_t *at, fl_yaml_node_t *const *items,
                      size_t count, reading_t *r) {
    assert(ld != NULL && at != NULL && (items != NULL || count == 0) && r != NULL);
    size_t room = FL_PROXY_FAULTS_MAX - fl_proxy_faults_count(r->faults);
    if (count > room)
        return FAIL(ld, at, "faults: %zu faults, but the proxy holds at most %d at a time (%zu now)",
                    count, FL_PROXY_FAULTS_MAX, fl_proxy_faults_count(r->faults));
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
    /* More than the cap is refused before a node is read. */
    if (count > FL_PROXY_FAULTS_MAX) return add_faults(ld, list, NULL, count, r);
    fl_yaml_node_t **items = fl_arena_zalloc(ld->arena, (count + 1) * sizeof *items);
    for (size_t i = 0; i < count; i++) items[i] = fl__yaml_sequence_item(ld, list, i);
    return add_faults(ld, list, items, count, r);
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
    int status = fl__yaml_load_file(&arena, path, "fault file", parse_file, &reading, error,
                                    error_size);
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
    return add_faults(ld, root, &root, 1, context);
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
                                    error, error_size);
    fl_arena_destroy(&arena);
    if (status != 0 && error_size > 0) drop_position(error);
    assert(status == 0 || *id_count == 0); /* all or none */
    assert(status == 0 || status == FL_EINVAL);
    return status;
}
