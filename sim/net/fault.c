#include "sim/net/fault.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/net/protocol_event.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/prng.h"
#include "sim/runtime/status.h"

static const char *const trigger_names[FL_FAULT_TRIGGER_COUNT] = {
#define FL__FAULT_TRIGGER_NAME(id, name) [FL_FAULT_TRIGGER_##id] = name,
    FL_FAULT_TRIGGERS(FL__FAULT_TRIGGER_NAME)
#undef FL__FAULT_TRIGGER_NAME
};

static const char *const action_names[FL_FAULT_ACTION_COUNT] = {
#define FL__FAULT_ACTION_NAME(id, name, carriers) [FL_FAULT_ACTION_##id] = name,
    FL_FAULT_ACTIONS(FL__FAULT_ACTION_NAME)
#undef FL__FAULT_ACTION_NAME
};

static const fl_fault_carrier_t action_carriers[FL_FAULT_ACTION_COUNT] = {
#define FL__FAULT_ACTION_CARRIERS(id, name, carriers) [FL_FAULT_ACTION_##id] = carriers,
    FL_FAULT_ACTIONS(FL__FAULT_ACTION_CARRIERS)
#undef FL__FAULT_ACTION_CARRIERS
};

const char *fl_fault_trigger_name(fl_fault_trigger_kind_t kind) {
    return kind < FL_FAULT_TRIGGER_COUNT ? trigger_names[kind] : "unknown";
}

const char *fl_fault_action_name(fl_fault_action_kind_t kind) {
    return kind < FL_FAULT_ACTION_COUNT ? action_names[kind] : "unknown";
}

bool fl_fault_trigger_from_name(const char *name, fl_fault_trigger_kind_t *kind_out) {
    assert(name != NULL && kind_out != NULL);
    for (int k = 0; k < FL_FAULT_TRIGGER_COUNT; k++)
        if (strcmp(trigger_names[k], name) == 0) {
            *kind_out = (fl_fault_trigger_kind_t)k;
            return true;
        }
    return false;
}

bool fl_fault_action_from_name(const char *name, fl_fault_action_kind_t *kind_out) {
    assert(name != NULL && kind_out != NULL);
    for (int k = 0; k < FL_FAULT_ACTION_COUNT; k++)
        if (strcmp(action_names[k], name) == 0) {
            *kind_out = (fl_fault_action_kind_t)k;
            return true;
        }
    return false;
}

bool fl_fault_action_carried_by(fl_fault_action_kind_t kind, fl_fault_carrier_t carrier) {
    assert(kind < FL_FAULT_ACTION_COUNT);
    assert(carrier == FL_FAULT_CARRIER_SCENARIO || carrier == FL_FAULT_CARRIER_PROXY);
    return (action_carriers[kind] & carrier) != 0;
}

fl_fault_plan_t *fl_fault_plan_create(fl_arena_t *arena) {
    assert(arena != NULL);
    fl_fault_plan_t *plan = fl_arena_zalloc(arena, sizeof *plan);
    plan->arena = arena;
    return plan;
}

/* Actions that act on one connection need a trigger that names one, or an
 * explicit connection on an at-trigger. */
static bool action_needs_connection(fl_fault_action_kind_t kind) {
    assert(kind < FL_FAULT_ACTION_COUNT); /* validate checked the range first */
    switch (kind) {
    case FL_FAULT_ACTION_REFUSE:
    case FL_FAULT_ACTION_CANCEL_TASK: return false;
    default: return true;
    }
}

static const char *validate(const fl_fault_spec_t *spec) {
    assert(spec != NULL);
    const fl_fault_trigger_t *t = &spec->trigger;
    const fl_fault_action_t *a = &spec->action;
    if (t->kind >= FL_FAULT_TRIGGER_COUNT) return "unknown trigger";
    if (a->kind >= FL_FAULT_ACTION_COUNT) return "unknown action";
    if (!(t->probability >= 0.0 && t->probability <= 1.0) || isnan(t->probability))
        return "probability must be between 0 and 1";
    if (t->connection > FL_FAULT_CONNECTIONS_MAX) return "connection number out of range";
    switch (t->kind) {
    case FL_FAULT_TRIGGER_AT:
        if (t->at_ns < 0) return "trigger time is negative";
        if (t->repeat) return "an 'at' trigger happens once and cannot repeat";
        break;
    case FL_FAULT_TRIGGER_BYTES:
        if (t->repeat)
            return "a 'bytes' trigger fires once per connection (connection 0: on every one) "
                   "and cannot repeat";
        if (t->direction != FL_DIRECTION_CLIENT_TO_SERVER &&
            t->direction != FL_DIRECTION_SERVER_TO_CLIENT)
            return "bytes trigger needs a direction (c2s or s2c)";
        break;
    case FL_FAULT_TRIGGER_EVENT:
        if (t->event == NULL || t->event[0] == '\0') return "event trigger needs an event name";
        break;
    case FL_FAULT_TRIGGER_CONNECT: break;
    case FL_FAULT_TRIGGER_COUNT: FL_UNREACHABLE(); /* refused above */
    }
    if (a->kind == FL_FAULT_ACTION_REFUSE && t->kind != FL_FAULT_TRIGGER_CONNECT)
        return "'refuse' acts on a connect attempt: use a 'connect' trigger";
    if (t->kind == FL_FAULT_TRIGGER_CONNECT && a->kind != FL_FAULT_ACTION_REFUSE &&
        a->kind != FL_FAULT_ACTION_STALL && a->kind != FL_FAULT_ACTION_CANCEL_TASK &&
        a->kind != FL_FAULT_ACTION_ANSWER_INSTEAD)
        return "a 'connect' trigger takes 'refuse' or 'stall', and 'cancel-task' in a scenario "
               "or 'answer-instead' in a proxy fault file";
    if (a->connection > FL_FAULT_CONNECTIONS_MAX) return "action connection out of range";
    if (action_needs_connection(a->kind) && t->kind == FL_FAULT_TRIGGER_AT &&
        a->connection == FL_FAULT_EVERY_CONNECTION && a->kind == FL_FAULT_ACTION_CORRUPT)
        return "'corrupt' at a time needs the connection it hits";
    switch (a->kind) {
    case FL_FAULT_ACTION_STALL:
        if (a->duration_ns <= 0) return "stall needs a positive duration (or forever)";
        break;
    case FL_FAULT_ACTION_DELAY:
        if (a->duration_ns <= 0 || a->duration_ns == INT64_MAX)
            return "delay needs a positive, finite duration";
        break;
    case FL_FAULT_ACTION_BANDWIDTH:
        if (a->bytes_per_second == 0) return "bandwidth needs a positive bytes-per-second";
        break;
    case FL_FAULT_ACTION_CANCEL_TASK:
        if (a->task == NULL || a->task[0] == '\0') return "cancel-task needs a task name";
        break;
    case FL_FAULT_ACTION_ANSWER_INSTEAD:
        if (a->answer_status != 0 && (a->answer_status < 100 || a->answer_status > 599))
            return "answer-instead needs a status from 100 to 599";
        break;
    default: break;
    }
    return NULL;
}

/* The proxy answers the client in place of a request (or of a response not
 * yet forwarded): only at a connect or before a response head went out. */
static const char *validate_answer_trigger(const fl_fault_spec_t *spec) {
    assert(spec != NULL && spec->action.kind == FL_FAULT_ACTION_ANSWER_INSTEAD);
    const fl_fault_trigger_t *t = &spec->trigger;
    if (t->kind == FL_FAULT_TRIGGER_CONNECT) return NULL;
    fl_protocol_event_t event;
    if (t->kind == FL_FAULT_TRIGGER_EVENT && fl_protocol_event_from_name(t->event, &event) &&
        (event == FL_PROTOCOL_EVENT_PROXY_REQUEST_HEAD ||
         event == FL_PROTOCOL_EVENT_PROXY_REQUEST_DONE ||
         event == FL_PROTOCOL_EVENT_PROXY_RESPONSE_HEAD))
        return NULL;
    return "'answer-instead' takes a connect trigger or the event proxy.request_head, "
           "proxy.request_done or proxy.response_head";
}

int fl_fault_plan_add(fl_fault_plan_t *plan, const fl_fault_spec_t *spec, char *error,
                      size_t error_size) {
    assert(plan != NULL && spec != NULL && plan->count <= plan->capacity);
    assert(error != NULL || error_size == 0);
    const char *problem = validate(spec);
    /* A name no layer reports would never fire: refused here, with the
     * names that exist. */
    char unknown_event[512];
    if (problem == NULL && spec->trigger.kind == FL_FAULT_TRIGGER_EVENT &&
        !fl_protocol_event_from_name(spec->trigger.event, NULL)) {
        char names[400];
        snprintf(unknown_event, sizeof unknown_event, "unknown protocol event '%.60s' (the events: %s)",
                 spec->trigger.event, fl_protocol_event_list(names, sizeof names));
        problem = unknown_event;
    }
    if (problem == NULL && spec->action.kind == FL_FAULT_ACTION_ANSWER_INSTEAD)
        problem = validate_answer_trigger(spec);
    if (problem != NULL) {
        if (error_size > 0)
            snprintf(error, error_size, "fault #%zu (%s -> %s): %s", plan->count + 1,
                     fl_fault_trigger_name(spec->trigger.kind),
                     fl_fault_action_name(spec->action.kind), problem);
        return FL_EINVAL;
    }
    if (plan->count == plan->capacity) {
        size_t capacity = plan->capacity ? plan->capacity * 2 : 8;
        assert(capacity > plan->capacity); /* the doubling did not wrap */
        fl_fault_entry_t *grown = fl_arena_alloc(plan->arena, capacity * sizeof *grown);
        if (plan->count) memcpy(grown, plan->entries, plan->count * sizeof *grown);
        plan->entries = grown;
        plan->capacity = capacity;
    }
    fl_fault_entry_t *entry = &plan->entries[plan->count];
    *entry = (fl_fault_entry_t){.spec = *spec, .index = (uint32_t)plan->count + 1};
    fl_fault_spec_t *copy = &entry->spec;
    copy->trigger.event = fl_arena_strdup(plan->arena, spec->trigger.event);
    copy->action.task = fl_arena_strdup(plan->arena, spec->action.task);
    copy->action.answer_body = fl_arena_strdup(plan->arena, spec->action.answer_body);
    if (copy->action.kind == FL_FAULT_ACTION_ANSWER_INSTEAD) {
        if (copy->action.answer_status == 0)
            copy->action.answer_status = FL_FAULT_ANSWER_STATUS_DEFAULT;
        if (copy->action.answer_body == NULL) copy->action.answer_body = "";
    }
    copy->label = spec->label != NULL
                      ? fl_arena_strdup(plan->arena, spec->label)
                      : fl_arena_printf(plan->arena, "fault #%u %s->%s", entry->index,
                                        fl_fault_trigger_name(spec->trigger.kind),
                                        fl_fault_action_name(spec->action.kind));
    if (copy->trigger.probability == 0.0) copy->trigger.probability = 1.0;
    if (copy->trigger.count == 0) copy->trigger.count = 1;
    plan->count++;
    /* What the drivers rely on: a probability to draw against, a count to
     * reach, and entries numbered by their position. */
    assert(copy->trigger.probability > 0.0 && copy->trigger.probability <= 1.0);
    assert(copy->trigger.count >= 1 && entry->index == plan->count);
    assert(copy->label != NULL && plan->count <= plan->capacity);
    return FL_OK;
}

fl_direction_t fl_fault_action_direction(const fl_fault_entry_t *entry) {
    assert(entry != NULL);
    if (entry->spec.action.direction_set) return entry->spec.action.direction;
    if (entry->spec.trigger.kind == FL_FAULT_TRIGGER_BYTES) {
        /* validate refused a bytes trigger without a direction */
        assert(entry->spec.trigger.direction == FL_DIRECTION_CLIENT_TO_SERVER ||
               entry->spec.trigger.direction == FL_DIRECTION_SERVER_TO_CLIENT);
        return entry->spec.trigger.direction;
    }
    return FL_DIRECTION_SERVER_TO_CLIENT;
}

/* Draws through the world: the choice list records it, and replays it. */
static double draw_from_world(void *context) {
    return fl_world_draw_unit(context, FL_PRNG_NETWORK);
}

bool fl_fault_entry_reached(fl_fault_entry_t *entry, fl_world_t *world) {
    assert(entry != NULL);
    return fl_fault_entry_reached_by(entry, draw_from_world, world);
}

bool fl_fault_entry_reached_by(fl_fault_entry_t *entry, fl_fault_draw_fn *draw, void *context) {
    assert(entry != NULL && draw != NULL && entry->fired <= entry->reached);
    /* A spent entry fired once and never again. */
    assert(!entry->spent || entry->fired == 1);
    if (entry->spent) return false;
    entry->reached++;
    double p = entry->spec.trigger.probability;
    assert(p > 0.0 && p <= 1.0 && (p == 1.0 || context != NULL));
    if (p < 1.0 && !(draw(context) < p)) return false;
    entry->fired++;
    /* A bytes trigger on every connection fires once on each: the driver
     * keeps that per connection, so the entry itself is never spent. */
    bool every_connection = entry->spec.trigger.kind == FL_FAULT_TRIGGER_BYTES &&
                            entry->spec.trigger.connection == FL_FAULT_EVERY_CONNECTION;
    if (!entry->spec.trigger.repeat && !every_connection) entry->spent = true;
    assert(entry->fired <= entry->reached && (!entry->spent || entry->fired == 1));
    return true;
}
