/* The faults section: triggers, actions, and what the verdict needs of them. */
#include "harness/model/load_sections.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/kinds.h"
#include "sim/net/protocol_event.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

/* --- fault triggers, one row each: a trigger is the mapping whose keys
   include the row's name ------------------------------------------------------------- */

#define INTO(member) FL_INTO(fl_fault_trigger_t, member)
#define TRIGGER_CONNECTION(doc)                                                                    \
    { "connection", "integer", "0", doc, &FL_READ_UINT32, INTO(connection) }

static const fl_key_t AT_KEYS[] = {
    {"at", "duration", NULL, "the virtual time the fault fires at", &FL_READ_DURATION, INTO(at_ns)},
    FL_KEYS_END,
};

static const fl_key_t BYTES_KEYS[] = {
    {"bytes", "size", NULL, "fire when this many bytes were written in the direction",
     &FL_READ_BYTES, INTO(bytes)},
    {"direction", "c2s or s2c", NULL, "which direction counts", &FL_READ_DIRECTION,
     INTO(direction)},
    TRIGGER_CONNECTION("the connection (from 1; 0: each one)"),
    FL_KEYS_END,
};

static const fl_key_t EVENT_KEYS[] = {
    {"event", "protocol event", NULL, "the event, a row of the protocol events table",
     &FL_READ_NONEMPTY, INTO(event)},
    {"count", "integer", "1", "fire at the N-th occurrence", &FL_READ_UINT32, INTO(count)},
    TRIGGER_CONNECTION("on this connection only (0: any)"),
    FL_KEYS_END,
};

static const fl_key_t CONNECT_KEYS[] = {
    {"connect", "integer", NULL, "the connection attempt (from 1; 0: every attempt)",
     &FL_READ_UINT32, INTO(connection)},
    FL_KEYS_END,
};

#undef INTO
#undef TRIGGER_CONNECTION

/* One row a kind. */
/* clang-format off */
static const fl_fault_trigger_row_t TRIGGERS[] = {
    {{"at", "a virtual time", AT_KEYS, NULL}, FL_FAULT_TRIGGER_AT},
    {{"bytes", "bytes written in a direction of a connection", BYTES_KEYS, NULL},
     FL_FAULT_TRIGGER_BYTES},
    {{"event", "the N-th occurrence of a protocol event", EVENT_KEYS, NULL},
     FL_FAULT_TRIGGER_EVENT},
    {{"connect", "a connection attempt", CONNECT_KEYS, NULL}, FL_FAULT_TRIGGER_CONNECT},
    {{NULL, NULL, NULL, NULL}, 0},
};
/* clang-format on */

FL_KIND_ROWS(fl_fault_trigger, fl_fault_trigger_row_t, TRIGGERS)

/* The row whose name is one of the mapping's keys, or NULL. */
static const fl_fault_trigger_row_t *find_trigger(fl_yaml_reader_t *ld, fl_yaml_node_t *node) {
    assert(ld != NULL && node != NULL);
    size_t count = fl__yaml_pair_count(node);
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *key = fl__yaml_node_at(ld, node->data.mapping.pairs.start[i].key);
        if (key->type != YAML_SCALAR_NODE) continue;
        for (size_t k = 0; TRIGGERS[k].head.name != NULL; k++)
            if (strcmp(TRIGGERS[k].head.name, fl__yaml_text(key)) == 0) {
                assert(TRIGGERS[k].head.keys != NULL);
                return &TRIGGERS[k];
            }
    }
    return NULL;
}

static int parse_trigger(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                         fl_fault_trigger_t *out) {
    assert(out != NULL);
    TRY(fl__yaml_expect_mapping(ld, node, path));
    const fl_fault_trigger_row_t *row = find_trigger(ld, node);
    if (row == NULL) return FAIL(ld, node, "%s: expected one of at, bytes, event or connect", path);
    assert(strcmp(fl_fault_trigger_name(row->kind), row->head.name) == 0);
    out->kind = row->kind;
    TRY(fl__yaml_check_and_read_keys(ld, node, path, row->head.keys, out, sizeof *out));
    assert(out->kind == row->kind);
    return 0;
}

/* An action the carrier does not carry out is refused at the action. */
static int check_carrier(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                         fl_fault_carrier_t carrier, fl_fault_action_kind_t kind) {
    assert(ld != NULL && node != NULL && path != NULL);
    if (fl_fault_action_carried_by(kind, carrier)) return 0;
    if (carrier == FL_FAULT_CARRIER_SCENARIO)
        return FAIL(ld, node, "%s: '%s' is carried out by faultline proxy only", path,
                    fl_fault_action_name(kind));
    return FAIL(ld, node, "%s: '%s' acts on a simulated world's tasks or client: a proxy fault "
                "file cannot use it%s", path, fl_fault_action_name(kind),
                kind == FL_FAULT_ACTION_CLIENT_DISCONNECT ? " ({close: client} closes as the client)"
                                                          : "");
}

/* answer-instead's value: the response the proxy writes in the server's
 * place. */
static const fl_key_t ANSWER_KEYS[] = {
    {"status", "100..599", "503", "the response's status", &FL_READ_STATUS,
     FL_INTO(fl_fault_action_t, answer_status)},
    {"body", "string", "\"\"", "the response's body (text/plain)", &FL_READ_STRING,
     FL_INTO(fl_fault_action_t, answer_body)},
    FL_KEYS_END,
};

static int parse_action(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                        fl_fault_carrier_t carrier, fl_fault_action_t *out) {
    assert(ld != NULL && node != NULL && path != NULL && out != NULL);
    fl_yaml_node_t *name_node = node, *value = NULL;
    if (node->type == YAML_MAPPING_NODE) {
        if (fl__yaml_pair_count(node) != 1)
            return FAIL(ld, node, "%s: expected a name or a one-key mapping", path);
        name_node = fl__yaml_node_at(ld, node->data.mapping.pairs.start[0].key);
        value = fl__yaml_node_at(ld, node->data.mapping.pairs.start[0].value);
    }
    TRY(fl__yaml_expect_scalar(ld, name_node, path, "an action name"));
    if (!fl_fault_action_from_name(fl__yaml_text(name_node), &out->kind)) {
        fl_name_list_t names = fl__name_list_for(fl__yaml_text(name_node));
        for (int i = 0; i < FL_FAULT_ACTION_COUNT; i++)
            fl__name_list_add(&names, ", ", fl_fault_action_name((fl_fault_action_kind_t)i));
        return FAIL(ld, name_node, "%s: unknown fault action '%s' (%sexpected one of: %s)", path,
                    fl__yaml_text(name_node), fl__name_list_hint(ld, &names), names.text);
    }
    /* Before its value: what the carrier cannot do needs no value read. */
    TRY(check_carrier(ld, node, path, carrier, out->kind));
    const char *inner = fl__yaml_child_path(ld, path, fl__yaml_text(name_node));
    assert(name_node->type == YAML_SCALAR_NODE && inner != NULL);
    switch (out->kind) {
    case FL_FAULT_ACTION_STALL:
        if (value == NULL) return FAIL(ld, node, "%s: stall needs a duration ({stall: 1s})", path);
        return fl__yaml_duration_ex(ld, value, inner, true, &out->duration_ns);
    case FL_FAULT_ACTION_DELAY:
        if (value == NULL)
            return FAIL(ld, node, "%s: delay needs a duration ({delay: 50ms})", path);
        return fl__yaml_duration(ld, value, inner, &out->duration_ns);
    case FL_FAULT_ACTION_BANDWIDTH:
        if (value == NULL)
            return FAIL(ld, node, "%s: bandwidth needs bytes per second ({bandwidth: 1000})", path);
        return fl__yaml_bytes(ld, value, inner, &out->bytes_per_second);
    case FL_FAULT_ACTION_CLOSE:
    case FL_FAULT_ACTION_HALF_CLOSE:
        out->side = FL_SIDE_SERVER;
        return value == NULL ? 0 : fl__yaml_side(ld, value, inner, &out->side);
    case FL_FAULT_ACTION_TRUNCATE:
    case FL_FAULT_ACTION_CORRUPT:
        if (value == NULL) return 0;
        out->direction_set = true;
        return fl__yaml_direction(ld, value, inner, &out->direction);
    case FL_FAULT_ACTION_CANCEL_TASK:
        if (value == NULL) return FAIL(ld, node, "%s: cancel-task needs a task name", path);
        return fl__yaml_nonempty(ld, value, inner, &out->task);
    case FL_FAULT_ACTION_ANSWER_INSTEAD:
        out->answer_status = FL_FAULT_ANSWER_STATUS_DEFAULT;
        out->answer_body = "";
        if (value == NULL) return 0;
        return fl__yaml_check_and_read_keys(ld, value, inner, ANSWER_KEYS, out, sizeof *out);
    default:
        if (value != NULL)
            return FAIL(ld, value, "%s: '%s' takes no value", path, fl__yaml_text(name_node));
        return 0;
    }
}

/* The tasks the world runs besides the client's, by the names their layers
 * spawn them with: what a cancel-task fault may name. A name here that no
 * layer spawns any more is caught at run time too: a cancel-task that finds
 * no live task does not count as fired, so faults-fired fails. */
static const char *const server_task_names[] = {
    "server",          /* the acceptor (sim/asgi/server.c) */
    "http-connection", /* a connection's reader and request cycles */
    "http-writer",     /* a connection's writer */
    "app",             /* the app of the current request cycle */
    "stream_response", /* StreamingResponse's sender (sim/asgi/responses.c) */
    "sse ping",        /* an SSE response's pinger */
    "call_next coro",  /* BaseHTTPMiddleware's inner app (sim/asgi/base_middleware.c) */
    "sse reader",      /* the SSE session client's reader (client/sse.c) */
    NULL,
};

static bool is_server_task(const char *name) {
    assert(name != NULL);
    for (size_t i = 0; server_task_names[i] != NULL; i++)
        if (strcmp(server_task_names[i], name) == 0) return true;
    return false;
}

/* A cancel-task naming no task would never fire: refused with the names. */
static int check_cancel_target(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                               const fl_client_spec_t *client, const char *target) {
    assert(ld != NULL && node != NULL && path != NULL && client != NULL && target != NULL);
    assert(client->tasks != NULL || client->task_count == 0);
    if (fl__client_find_task(client, target) != NULL || is_server_task(target)) return 0;
    fl_name_list_t names = {.used = 0};
    for (size_t i = 0; i < client->task_count; i++)
        fl__name_list_add(&names, ", ", client->tasks[i].name);
    for (size_t i = 0; server_task_names[i] != NULL; i++)
        fl__name_list_add(&names, i ? ", " : "; the server's: ", server_task_names[i]);
    return FAIL(ld, node, "%s: cancel-task names no task '%s' (the client's tasks: %s)", path,
                target, names.text);
}

/* 0 < p <= 1, as a number. */
static int read_probability(fl_yaml_reader_t *ld, fl_yaml_node_t *v, const char *path,
                            void *field) {
    double *out = field;
    assert(ld != NULL && v != NULL && path != NULL && out != NULL);
    TRY(fl__yaml_expect_scalar(ld, v, path, "a number"));
    char *end = NULL;
    double p = strtod(fl__yaml_text(v), &end);
    if (fl__yaml_text(v)[0] == '\0' || *end != '\0' || isnan(p))
        return FAIL(ld, v, "%s: expected a number, not '%s'", path, fl__yaml_text(v));
    if (!(p > 0.0 && p <= 1.0)) return FAIL(ld, v, "%s: must be above 0 and at most 1", path);
    assert(end != NULL && end > fl__yaml_text(v));
    *out = p;
    return 0;
}

static const fl_key_reader_t READ_PROBABILITY = {.read = read_probability, .size = sizeof(double)};

#define INTO(member) FL_INTO(fl_scenario_fault_t, member)

static const fl_key_t FAULT_KEYS[] = {
    {"trigger", "mapping", NULL, "when the fault fires: at, bytes, event or connect", FL_BY_HAND},
    {"action", "name or one-key mapping", NULL, "what it does", FL_BY_HAND},
    {"connection", "integer", "0", "for at-triggers: the connection acted on (0: every open one)",
     &FL_READ_UINT32, INTO(spec.action.connection)},
    {"direction", "c2s or s2c", "the trigger's, else s2c",
     "the direction stall, delay, bandwidth, truncate and corrupt act on", &FL_READ_DIRECTION,
     INTO(spec.action.direction)},
    {"probability", "number 0 < p <= 1", "1", "the chance the trigger fires when reached (seeded)",
     &READ_PROBABILITY, INTO(spec.trigger.probability)},
    {"repeat", "bool", "false", "event and connect triggers fire every time reached", &FL_READ_BOOL,
     INTO(spec.trigger.repeat)},
    {"label", "string", "fault #i trigger->action", "the fault's name in traces and messages",
     &FL_READ_STRING, INTO(spec.label)},
    {"may_not_fire", "bool", "false", "a \"maybe\": faults-fired does not require it",
     &FL_READ_BOOL, INTO(may_not_fire)},
    FL_KEYS_END,
};

const fl_key_t *fl__fault_keys(void) { return FAULT_KEYS; }

#undef INTO

/* The reporter whose events a carrier's faults may name. */
static fl_event_reporter_t reporter_of(fl_fault_carrier_t carrier) {
    assert(carrier == FL_FAULT_CARRIER_SCENARIO || carrier == FL_FAULT_CARRIER_PROXY);
    return carrier == FL_FAULT_CARRIER_PROXY ? FL_REPORTER_PROXY : FL_REPORTER_SERVER;
}

/* An event no layer of the carrier reports would never fire: refused at
 * the name, listing the carrier's events only (the others are no help). */
static int check_event(fl_yaml_reader_t *ld, fl_yaml_node_t *trigger, const char *path,
                       fl_fault_carrier_t carrier, const char *event) {
    assert(ld != NULL && trigger != NULL && path != NULL && event != NULL);
    fl_yaml_node_t *node = fl__yaml_get(ld, trigger, "event");
    assert(node != NULL); /* parse_trigger read the event from it */
    fl_event_reporter_t wanted = reporter_of(carrier);
    fl_name_list_t names = fl__name_list_for(event);
    for (int e = 0; e < FL_PROTOCOL_EVENT_COUNT; e++)
        if (fl_protocol_event_reporter((fl_protocol_event_t)e) == wanted)
            fl__name_list_add(&names, ", ", fl_protocol_event_name((fl_protocol_event_t)e));
    fl_protocol_event_t found;
    const char *events_path = fl__yaml_child_path(ld, path, "event");
    if (!fl_protocol_event_from_name(event, &found))
        return FAIL(ld, node, "%s: unknown protocol event '%s' (%sthe events: %s)", events_path,
                    event, fl__name_list_hint(ld, &names), names.text);
    if (fl_protocol_event_reporter(found) != wanted)
        return FAIL(ld, node, "%s: '%s' is reported by %s only (%s events: %s)", events_path,
                    event, wanted == FL_REPORTER_PROXY ? "the simulated server" : "faultline proxy",
                    wanted == FL_REPORTER_PROXY ? "a proxy fault file's" : "a scenario's",
                    names.text);
    return 0;
}

int fl__load_fault(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                   fl_fault_carrier_t carrier, const fl_client_spec_t *client,
                   fl_fault_plan_t *plan, fl_scenario_fault_t *fault) {
    assert(plan != NULL && fault != NULL && (client != NULL || carrier == FL_FAULT_CARRIER_PROXY));
    TRY(fl__yaml_check_keys(ld, node, path, FAULT_KEYS));
    fault->at = fl__yaml_location(ld, node);
    fl_fault_spec_t *out = &fault->spec;
    fl_yaml_node_t *v;
    TRY(fl__yaml_require(ld, node, "trigger", path, &v));
    const char *trigger_path = fl__yaml_child_path(ld, path, "trigger");
    TRY(parse_trigger(ld, v, trigger_path, &out->trigger));
    if (out->trigger.kind == FL_FAULT_TRIGGER_EVENT)
        TRY(check_event(ld, v, trigger_path, carrier, out->trigger.event));
    TRY(fl__yaml_require(ld, node, "action", path, &v));
    const char *action_path = fl__yaml_child_path(ld, path, "action");
    TRY(parse_action(ld, v, action_path, carrier, &out->action));
    if (out->action.kind == FL_FAULT_ACTION_CANCEL_TASK)
        TRY(check_cancel_target(ld, v, action_path, client, out->action.task));
    fl_yaml_node_t *maybe = fl__yaml_get(ld, node, "may_not_fire");
    if (maybe != NULL && carrier == FL_FAULT_CARRIER_PROXY)
        return FAIL(ld, maybe, "%s: may_not_fire excuses a fault from a scenario's verdict: a "
                    "proxy has none", fl__yaml_child_path(ld, path, "may_not_fire"));
    out->trigger.probability = 1.0;
    TRY(fl__yaml_read_keys(ld, node, path, FAULT_KEYS, fault, sizeof *fault));
    if (fl__yaml_get(ld, node, "direction") != NULL) out->action.direction_set = true;
    assert(out->trigger.probability > 0.0 && out->trigger.probability <= 1.0);
    char message[640];
    if (fl_fault_plan_add(plan, out, message, sizeof message) != 0)
        return FAIL(ld, node, "%s: %s", path, message);
    return 0;
}

int fl__load_faults(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_scenario_t *out) {
    assert(ld != NULL && node != NULL && out != NULL);
    TRY(fl__yaml_expect_sequence(ld, node, "faults"));
    fl_fault_plan_t *plan = fl_fault_plan_create(ld->arena);
    out->fault_count = fl__yaml_sequence_count(node);
    if (out->fault_count > FL_SCENARIO_FAULTS_MAX)
        return FAIL(ld, node, "faults: %zu faults, at most %d in one scenario", out->fault_count,
                    FL_SCENARIO_FAULTS_MAX);
    assert(out->fault_count <= FL_SCENARIO_FAULTS_MAX);
    out->faults = fl_arena_zalloc(ld->arena, (out->fault_count + 1) * sizeof *out->faults);
    bool failed = false; /* a fault failed: the others are read, the section fails */
    for (size_t i = 0; i < out->fault_count; i++)
        TRY(fl__yaml_go_on(ld,
                           fl__load_fault(ld, fl__yaml_sequence_item(ld, node, i),
                                          fl__yaml_index_path(ld, "faults", i),
                                          FL_FAULT_CARRIER_SCENARIO, &out->client, plan,
                                          &out->faults[i]),
                           &failed));
    assert(out->faults != NULL);
    out->fault_plan = plan;
    return failed ? FL_EINVAL : 0;
}
