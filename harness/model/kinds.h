/* The kinds a scenario file names, one table each. A row holds the kind's
 * name (what the file writes), one line of doc, its keys (fl_key_t rows:
 * name, type, default, doc) and the functions that parse it and run or
 * check it. The loader finds a kind by name in its table, and an unknown
 * name is an error listing the rows; the runner and the checker call the
 * row's function. Adding a kind is one row plus its functions; the
 * reference tables of docs/SCENARIOS.md list the same rows.
 *
 * Tables, and where their rows live:
 *   expectation kinds    model/load_expect.c     parse; check in check/expectations.c
 *   client steps         model/load_client.c     parse; run in run/steps.c
 *   client middleware    model/load_client.c     parse; build in world/build.c
 *   handler steps        model/load_server.c     parse; run in sim/asgi/scripted.c
 *   server middleware    model/load_server.c     parse; build in world/scenario_app.c
 *   fault triggers       model/load_faults.c     keys only; the network carries them out
 * and below the harness: fault actions (sim/net/fault.h), protocol events
 * (sim/net/protocol_event.h), error kinds (sim/runtime/error_kinds.h), log
 * kinds (sim/asgi/log.h), BaseHTTPMiddleware versions
 * (sim/asgi/base_middleware.h). */
#ifndef FL_HARNESS_KINDS_H
#define FL_HARNESS_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/model/scenario.h"
#include "harness/model/yaml_reader.h"

struct fl_asgi_app;
struct fl_checker;
struct fl_middleware;
struct fl_run_state;
struct fl_step_state;

/* What every row of a kind table begins with: what the file writes, one
 * line of doc, the keys of the item's value (NULL: the value is a scalar),
 * and what the item holds before its keys are read (a struct of the row's
 * item type; NULL: what the caller put there). The loader picks a row by
 * its name, checks and reads the keys the same way for every table
 * (fl__yaml_kind_item). */
typedef struct fl_kind_head {
    const char *name;
    const char *doc;
    const fl_key_t *keys;
    const void *defaults;
} fl_kind_head_t;

/* A table of rows that begin with their fl_kind_head_t and end with a row
 * whose name is NULL, as the loader reads it. */
typedef struct fl_kind_table {
    const char *what; /* the rows' kind, for messages: "client middleware" */
    const void *rows;
    size_t row_size;
    size_t count; /* rows before the end */
} fl_kind_table_t;

#define FL_KIND_TABLE(what, rows)                                                                  \
    { what, rows, sizeof rows[0], sizeof rows / sizeof rows[0] - 1 }

/* An item "- name: value" that names a row of a kind table. */
typedef struct fl_kind_item {
    size_t index;          /* the row's */
    fl_yaml_node_t *value; /* its keys checked against the row's */
    const char *path;      /* the value's: "<path>.<name>" */
    fl_location_t at;      /* where the item stands */
} fl_kind_item_t;

/* Reads an item of table: a mapping of one key, naming a row (an unknown
 * name's error lists the rows), whose value's keys the row has. With into
 * (into_size bytes, the row's item type), also fills it: the row's
 * defaults over what it holds, then the keys their readers read. */
int fl__yaml_kind_item(fl_yaml_reader_t *ld, fl_yaml_node_t *item, const char *path,
                       const fl_kind_table_t *table, void *into, size_t into_size,
                       fl_kind_item_t *out);

/* The accessors of a kind table whose rows are in their enum's order (a
 * kind is its row's index): prefix_rows(&count), and prefix_row(kind). */
#define FL_KIND_ROWS(prefix, row_type, table)                                                      \
    const row_type *prefix##_rows(size_t *count_out) {                                             \
        assert(count_out != NULL);                                                                 \
        *count_out = sizeof table / sizeof table[0] - 1;                                           \
        assert(table[*count_out].head.name == NULL);                                               \
        return table;                                                                              \
    }
#define FL_KIND_ROW(prefix, row_type, kind_type, table)                                            \
    const row_type *prefix##_row(kind_type kind) {                                                 \
        assert((size_t)kind < sizeof table / sizeof table[0] - 1);                                 \
        assert(table[kind].kind == kind);                                                          \
        return &table[kind];                                                                       \
    }

/* What a middleware table (client or server) needs besides its rows, the
 * same for both: the table the loader reads, the accessors above, and
 * prefix_item, the reader of one "- kind: value" item, which fills the
 * layer from the row's defaults and keys, sets its kind and location, and
 * runs the row's parse. */
#define FL_LAYER_TABLE(prefix, what, row_type, kind_type, layer_type, table)                       \
    static const fl_kind_table_t prefix##_table = FL_KIND_TABLE(what, table);                      \
    FL_KIND_ROWS(prefix, row_type, table)                                                          \
    FL_KIND_ROW(prefix, row_type, kind_type, table)                                                \
    static int prefix##_item(fl_yaml_reader_t *ld, fl_yaml_node_t *item, const char *path,         \
                             layer_type *out) {                                                    \
        fl_kind_item_t it;                                                                         \
        TRY(fl__yaml_kind_item(ld, item, path, &prefix##_table, out, sizeof *out, &it));           \
        const row_type *row = &table[it.index];                                                    \
        assert(row == prefix##_row(row->kind)); /* a row's kind is its index */                    \
        out->kind = row->kind;                                                                     \
        out->at = it.at;                                                                           \
        return row->parse(ld, it.value, it.path, out);                                             \
    }

/* --- expectation kinds --------------------------------------------------------------- */

/* Fills out from the item's value: its keys checked against the row's,
 * "name" and the keys a key reads already read (over the row's defaults);
 * client is the scenario's, for references. */
typedef int fl_expect_parse_fn(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                               const fl_client_spec_t *client, fl_expectation_t *out);

/* True when the expectation holds after the run; else false with why. */
typedef bool fl_expect_check_fn(const struct fl_checker *c, const fl_expectation_t *e, char *why,
                                size_t capacity);

typedef struct fl_expect_kind_row {
    fl_kind_head_t head;
    fl_expect_kind_t kind;
    fl_expect_parse_fn *parse;
    fl_expect_check_fn *check;
    bool reads_trace; /* its check reads the trace's records: the run keeps them */
} fl_expect_kind_row_t;

/* The table, in the order the docs list it (count in *count_out). */
const fl_expect_kind_row_t *fl_expect_kind_rows(size_t *count_out);

/* The row of kind. */
const fl_expect_kind_row_t *fl_expect_kind_row(fl_expect_kind_t kind);

/* --- client middleware --------------------------------------------------------------- */

/* Fills out from the item's value: a mapping whose keys were checked
 * against the row's and, those a key reads, read (over the row's
 * defaults); or a scalar when the row has no keys. */
typedef int fl_client_layer_parse_fn(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                                     fl_client_layer_t *out);

/* Builds the middleware in the run's world; NULL with a message in error. */
typedef struct fl_middleware *fl_client_layer_build_fn(struct fl_run_state *run,
                                                       const fl_client_layer_t *layer, char *error,
                                                       size_t error_size);

typedef struct fl_client_layer_row {
    fl_kind_head_t head;
    fl_client_layer_kind_t kind;
    fl_client_layer_parse_fn *parse;
    fl_client_layer_build_fn *build;
} fl_client_layer_row_t;

const fl_client_layer_row_t *fl_client_layer_rows(size_t *count_out);
const fl_client_layer_row_t *fl_client_layer_row(fl_client_layer_kind_t kind);

/* --- client steps -------------------------------------------------------------------- */

/* Fills out from the step's value ("id" already read; keys checked). */
typedef int fl_client_step_parse_fn(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                                    fl_step_t *out);

/* Runs the step on its task, recording the outcome in step. */
typedef void fl_client_step_run_fn(struct fl_run_state *run, struct fl_step_state *step);

typedef struct fl_client_step_row {
    fl_kind_head_t head;
    fl_step_kind_t kind;
    bool scoped; /* takes cancel_after: the run wraps it in a move_on scope */
    fl_client_step_parse_fn *parse;
    fl_client_step_run_fn *run;
} fl_client_step_row_t;

const fl_client_step_row_t *fl_client_step_rows(size_t *count_out);
const fl_client_step_row_t *fl_client_step_row(fl_step_kind_t kind);

/* --- handler steps ------------------------------------------------------------------- */

/* Fills out from the step's value: the keys a key reads, checked and read
 * with the row's before (over its defaults), are there; the rest are the
 * function's to read. A scalar value when the row has no keys. */
typedef int fl_handler_step_parse_fn(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                                     fl_scripted_step_t *out);

typedef struct fl_handler_step_row {
    fl_kind_head_t head;
    fl_scripted_step_kind_t kind; /* how sim/asgi/scripted.c runs it */
    bool responds;                /* it answers the request: no step may follow it */
    fl_handler_step_parse_fn *parse;
} fl_handler_step_row_t;

const fl_handler_step_row_t *fl_handler_step_rows(size_t *count_out);

/* --- server middleware --------------------------------------------------------------- */

/* As a client layer's: the keys a key reads are read (over the row's
 * defaults) before it runs. */
typedef int fl_server_layer_parse_fn(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                                     fl_server_layer_t *out);

/* Wraps app in the layer; NULL with a message in error. */
typedef struct fl_asgi_app *fl_server_layer_build_fn(fl_world_t *world, struct fl_asgi_app *app,
                                                     const fl_server_layer_t *layer, char *error,
                                                     size_t error_size);

typedef struct fl_server_layer_row {
    fl_kind_head_t head;
    fl_server_layer_kind_t kind;
    fl_server_layer_parse_fn *parse;
    fl_server_layer_build_fn *build;
} fl_server_layer_row_t;

const fl_server_layer_row_t *fl_server_layer_rows(size_t *count_out);
const fl_server_layer_row_t *fl_server_layer_row(fl_server_layer_kind_t kind);

/* --- fault triggers ------------------------------------------------------------------ */

/* A trigger's keys are all it has: the loader reads them into its
 * fl_fault_trigger_t through their readers. */
typedef struct fl_fault_trigger_row {
    fl_kind_head_t head; /* also the key that names the trigger in its mapping */
    fl_fault_trigger_kind_t kind;
} fl_fault_trigger_row_t;

const fl_fault_trigger_row_t *fl_fault_trigger_rows(size_t *count_out);

#endif /* FL_HARNESS_KINDS_H */
