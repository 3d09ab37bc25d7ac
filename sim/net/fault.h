/* Fault plans: (trigger, action) entries that a scenario builds and a
 * network driver carries out.
 *
 * Triggers:
 *   at          virtual time t (real time since the network started, on libuv)
 *   bytes       after N bytes in one direction of connection k (0: every one)
 *   event       the N-th occurrence of a named protocol event that a layer
 *               above reports with fl_net_event ("server.response_start")
 *   connect     the k-th connection attempt (0: every attempt)
 * Any trigger may carry a probability (drawn from the network's PRNG stream
 * each time the trigger is reached); event and connect triggers may repeat
 * (fire every time they are reached, not only the first). A bytes trigger
 * fires once per matching connection: on connection 0 ("every"), once on
 * each.
 *
 * Actions: refuse a connect, reset, close (FIN from one side), half-close,
 * stall a direction (for a time or forever), add delay, limit bandwidth,
 * truncate a direction, corrupt one byte, cancel a named task, client
 * disconnect; answer the client instead of the server (faultline proxy
 * only: the action table says who carries each out). Each firing is
 * recorded in the trace with what it hit.
 *
 * A plan is validated entry by entry when it is built: an entry that cannot
 * make sense (an unknown trigger or action name, a negative time, a missing
 * event name, an action that needs a connection on a trigger that has none)
 * is refused then, with a message, never discovered in the middle of a run.
 * The plan lives in the arena it was created with.
 */
#ifndef FL_FAULT_H
#define FL_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/net/net.h"
#include "sim/runtime/arena.h"

#define FL_FAULT_TRIGGERS(X)                                                   \
    X(AT, "at")                                                                \
    X(BYTES, "bytes")                                                          \
    X(EVENT, "event")                                                          \
    X(CONNECT, "connect")

/* Who carries an action out: the simulated world (a scenario file's
 * faults), faultline proxy (a proxy fault file's), or both. A loader
 * refuses an action its carrier does not have, at the action. */
typedef enum fl_fault_carrier {
    FL_FAULT_CARRIER_SCENARIO = 1,
    FL_FAULT_CARRIER_PROXY = 2,
    FL_FAULT_CARRIER_BOTH = FL_FAULT_CARRIER_SCENARIO | FL_FAULT_CARRIER_PROXY,
} fl_fault_carrier_t;

/* X(ID, name, carriers) */
#define FL_FAULT_ACTIONS(X)                                                    \
    X(REFUSE, "refuse", FL_FAULT_CARRIER_BOTH)                                 \
    X(RESET, "reset", FL_FAULT_CARRIER_BOTH)                                   \
    X(CLOSE, "close", FL_FAULT_CARRIER_BOTH)                                   \
    X(HALF_CLOSE, "half-close", FL_FAULT_CARRIER_BOTH)                         \
    X(STALL, "stall", FL_FAULT_CARRIER_BOTH)                                   \
    X(DELAY, "delay", FL_FAULT_CARRIER_BOTH)                                   \
    X(BANDWIDTH, "bandwidth", FL_FAULT_CARRIER_BOTH)                           \
    X(TRUNCATE, "truncate", FL_FAULT_CARRIER_BOTH)                             \
    X(CORRUPT, "corrupt", FL_FAULT_CARRIER_BOTH)                               \
    X(CANCEL_TASK, "cancel-task", FL_FAULT_CARRIER_SCENARIO)                   \
    X(CLIENT_DISCONNECT, "client-disconnect", FL_FAULT_CARRIER_SCENARIO)       \
    X(ANSWER_INSTEAD, "answer-instead", FL_FAULT_CARRIER_PROXY)

typedef enum fl_fault_trigger_kind {
#define FL__FAULT_TRIGGER_ENUM(id, name) FL_FAULT_TRIGGER_##id,
    FL_FAULT_TRIGGERS(FL__FAULT_TRIGGER_ENUM)
#undef FL__FAULT_TRIGGER_ENUM
    FL_FAULT_TRIGGER_COUNT
} fl_fault_trigger_kind_t;

typedef enum fl_fault_action_kind {
#define FL__FAULT_ACTION_ENUM(id, name, carriers) FL_FAULT_ACTION_##id,
    FL_FAULT_ACTIONS(FL__FAULT_ACTION_ENUM)
#undef FL__FAULT_ACTION_ENUM
    FL_FAULT_ACTION_COUNT
} fl_fault_action_kind_t;

/* Connections are numbered from 1 in the order they are established;
 * connect attempts from 1 in the order they are made. */
#define FL_FAULT_EVERY_CONNECTION 0u
#define FL_FAULT_CONNECTIONS_MAX 1000000u

typedef struct fl_fault_trigger {
    fl_fault_trigger_kind_t kind;
    int64_t at_ns;             /* at */
    uint32_t connection;       /* bytes, event (0: any), connect (attempt; 0: every) */
    fl_direction_t direction;  /* bytes */
    uint64_t bytes;            /* bytes: fire when this many have been written */
    const char *event;         /* event: its name */
    uint32_t count;            /* event: the N-th occurrence (1 = first; 0 treated as 1) */
    double probability;        /* 0 < p <= 1; 0 in a spec means 1 */
    bool repeat;
} fl_fault_trigger_t;

typedef struct fl_fault_action {
    fl_fault_action_kind_t kind;
    fl_side_t side;            /* close, half-close: which end acts */
    fl_direction_t direction;  /* stall, delay, bandwidth, truncate, corrupt */
    bool direction_set;        /* false: take the trigger's direction (bytes), else s2c */
    int64_t duration_ns;       /* stall (FL_TIME_NEVER: forever), delay */
    uint64_t bytes_per_second; /* bandwidth */
    const char *task;          /* cancel-task: the task's name */
    uint32_t connection;       /* for at-triggers: which connection (0: every open one) */
    int answer_status;         /* answer-instead: 100..599 (0 in a spec means 503) */
    const char *answer_body;   /* answer-instead: the body (NULL means "") */
} fl_fault_action_t;

typedef struct fl_fault_spec {
    fl_fault_trigger_t trigger;
    fl_fault_action_t action;
    const char *label;         /* shown in the trace; NULL: "fault #i" */
} fl_fault_spec_t;

typedef struct fl_fault_entry {
    fl_fault_spec_t spec;      /* strings copied into the plan's arena */
    uint32_t index;            /* 1-based position in the plan */
    uint64_t reached;          /* times the trigger was reached */
    uint64_t fired;            /* times the action ran */
    bool spent;                /* one-shot and fired */
} fl_fault_entry_t;

typedef struct fl_fault_plan {
    fl_arena_t *arena;
    fl_fault_entry_t *entries; /* arena, grown by copying */
    size_t count;
    size_t capacity;
} fl_fault_plan_t;

const char *fl_fault_trigger_name(fl_fault_trigger_kind_t kind);
const char *fl_fault_action_name(fl_fault_action_kind_t kind);
bool fl_fault_trigger_from_name(const char *name, fl_fault_trigger_kind_t *kind_out);
bool fl_fault_action_from_name(const char *name, fl_fault_action_kind_t *kind_out);

/* Whether carrier (one of SCENARIO or PROXY) carries the action out. */
bool fl_fault_action_carried_by(fl_fault_action_kind_t kind, fl_fault_carrier_t carrier);

/* The response answer-instead writes when its spec gives no status. */
enum { FL_FAULT_ANSWER_STATUS_DEFAULT = 503 };

/* Creates an empty plan in the arena. */
fl_fault_plan_t *fl_fault_plan_create(fl_arena_t *arena);

/* Validates spec and appends it. Returns 0, or FL_EINVAL with a message in
 * error (which names the entry's position) and the plan unchanged. */
int fl_fault_plan_add(fl_fault_plan_t *plan, const fl_fault_spec_t *spec, char *error,
                      size_t error_size);

/* The direction an action acts on (its own, or its bytes trigger's). */
fl_direction_t fl_fault_action_direction(const fl_fault_entry_t *entry);

/* Decides whether a reached trigger fires: counts the reach, applies the
 * probability (drawing from prng only when 0 < p < 1) and the one-shot rule.
 * Drivers call it each time an entry's trigger condition is met. */
bool fl_fault_entry_reached(fl_fault_entry_t *entry, fl_world_t *world);

/* The same rule for a driver outside a world (faultline proxy): draw(context)
 * returns a uniform number in [0, 1), called only when 0 < p < 1. */
typedef double fl_fault_draw_fn(void *context);
bool fl_fault_entry_reached_by(fl_fault_entry_t *entry, fl_fault_draw_fn *draw, void *context);

#endif /* FL_FAULT_H */
