/* The sections of a scenario file, one parser each (model/load_*.c), as
 * the top level (model/loader.c) calls them. Internal to model/. */
#ifndef FL_HARNESS_LOAD_SECTIONS_H
#define FL_HARNESS_LOAD_SECTIONS_H

#include "harness/model/key_readers.h"
#include "harness/model/kinds.h"
#include "harness/model/scenario.h"
#include "harness/model/yaml_reader.h"

/* A file's one YAML document, as the scenario loader reads it: text of
 * length bytes (text[length] == '\0') checked for shape, parsed by libyaml
 * and its root handed to parse with context; what names the document in
 * messages ("the scenario is empty"). file names it in messages and
 * locations, and must live as long as what parse keeps. errors, when not
 * NULL, collects every error (fl__yaml_go_on). Returns parse's status, or
 * FL_EINVAL with "FILE:LINE:COL: error: ..." in error. */
typedef int fl_yaml_root_fn(fl_yaml_reader_t *ld, fl_yaml_node_t *root, void *context);
int fl__yaml_load_text(fl_arena_t *arena, const char *file, const char *text, size_t length,
                       const char *what, fl_yaml_root_fn *parse, void *context,
                       fl_yaml_errors_t *errors, char *error, size_t error_size);

/* The same, of the regular file at path (at most 4 MiB): FL_ENOTFOUND when
 * there is none, FL_EINVAL when it cannot be read ("PATH: error: ..."). */
int fl__yaml_load_file(fl_arena_t *arena, const char *path, const char *what,
                       fl_yaml_root_fn *parse, void *context, fl_yaml_errors_t *errors,
                       char *error, size_t error_size);

/* server: routes with their handler steps, middleware layers, spec version. */
int fl__load_server(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_server_spec_t *out);

/* client: timeouts, middleware layers, tasks with their steps. */
int fl__load_client(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_client_spec_t *out);

/* faults: after the client, whose task names cancel-task may name. */
int fl__load_faults(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_scenario_t *out);

/* One fault (a mapping at path) for carrier: a scenario's (client: the
 * tasks cancel-task may name) or a proxy fault file's (client NULL). It
 * refuses an action or protocol event the carrier has not, and adds the
 * fault to plan (in ld's arena); *fault keeps the spec as the file gave it
 * (label NULL when it gave none) and its location. faultline proxy's
 * loader (harness/proxy/proxy_faults.c) reads its list with it. */
int fl__load_fault(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                   fl_fault_carrier_t carrier, const fl_client_spec_t *client,
                   fl_fault_plan_t *plan, fl_scenario_fault_t *fault);

/* expect: after the client, whose step ids expectations name. */
int fl__load_expectations(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_scenario_t *out);

/* A list of handler steps at path, nested blocks and all; top_level: the
 * handler's own list, the only one a response step may end. */
int fl__load_handler_steps(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                           bool top_level, const fl_scripted_step_t **steps_out,
                           size_t *count_out);

/* The program steps' rows' functions (model/load_program.c). */
fl_handler_step_parse_fn fl__parse_checkpoint_step, fl__parse_log_step, fl__parse_send_step,
    fl__parse_receive_step, fl__parse_shield_step, fl__parse_timed_step, fl__parse_try_step,
    fl__parse_task_group_step, fl__parse_spawn_step, fl__parse_repeat_step,
    fl__parse_channel_step, fl__parse_wait_for_step, fl__parse_match_step, fl__parse_sync_step;
extern const fl_scripted_step_t FL__WAIT_FOR_DEFAULTS;
extern const fl_key_t FL__SEND_KEYS[], FL__RECEIVE_KEYS[], FL__TIMED_KEYS[], FL__TRY_KEYS[],
    FL__TASK_GROUP_KEYS[], FL__NO_KEYS[], FL__REPEAT_KEYS[], FL__CHANNEL_SEND_KEYS[],
    FL__CHANNEL_RECEIVE_KEYS[], FL__CLOSE_KEYS[], FL__CALL_APP_KEYS[], FL__CHILD_KEYS[], FL__WAIT_FOR_KEYS[], FL__MATCH_KEYS[];

/* channels: [{name, capacity}], a program's; they are in ld while its
 * steps are read, which name them. */
int fl__load_objects(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                     fl_scripted_object_kind_t kind, bool lock, fl_scripted_spec_t *out);

/* A program's (or route's) channels, events, semaphores and locks keys,
 * each a list, read from the mapping node into out. */
int fl__load_program_objects(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                             fl_scripted_spec_t *out);

/* A program's steps into out, its channels (read before) in view. */
int fl__load_program_steps(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                           bool top_level, fl_scripted_spec_t *out);

/* The program middleware row's keys and parse function. */
extern const fl_key_t FL__PROGRAM_KEYS[];
fl_server_layer_parse_fn fl__parse_program_layer;

/* A list of client steps at path (blocks and all); prefix names their
 * default ids ("<prefix>.<index>"). */
int fl__load_client_steps(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                          const char *prefix, const fl_step_t **steps_out, size_t *count_out);

/* A client task by name, a step by id; NULL when there is none. */
const fl_client_task_t *fl__client_find_task(const fl_client_spec_t *client, const char *name);
const fl_step_t *fl__client_find_step(const fl_client_spec_t *client, const char *id);

/* The key tables of the file's mappings that are no kind's row: the top
 * level, network, client, a task, client.timeouts, a route and a fault
 * (model/schema.c writes them into the scenario file's JSON Schema). */
const fl_key_t *fl__root_keys(void);
const fl_key_t *fl__network_keys(void);
const fl_key_t *fl__client_keys(void);
const fl_key_t *fl__task_keys(void);
const fl_key_t *fl__timeout_keys(void);
const fl_key_t *fl__route_keys(void);
const fl_key_t *fl__server_keys(void);
const fl_key_t *fl__fault_keys(void);

#endif /* FL_HARNESS_LOAD_SECTIONS_H */
