/* The state of one run while its world lives: the scenario, the world's
 * parts (network, server, client, budgets) and each client task's steps
 * with their outcomes. Built by world/build.c, driven by run/steps.c,
 * judged by check/. Internal to the harness. */
#ifndef FL_HARNESS_RUN_STATE_H
#define FL_HARNESS_RUN_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client.h"
#include "client/retry.h"
#include "client/sse.h"
#include "harness/model/scenario.h"
#include "sim/asgi/server.h"
#include "sim/net/net.h"
#include "sim/runtime/runtime.h"

enum { FL_RUN_TASKS_MAX = 64, FL_RUN_LAYERS_MAX = 16, FL_RUN_BODY_KEPT_MAX = 64 * 1024 };

/* One step's outcome, kept while the world lives. */
typedef struct fl_step_state {
    const fl_step_t *spec;
    const char *id;
    bool ran;
    bool moved_on;          /* its cancel_after scope expired */
    fl_error_t *error;
    int status;
    int64_t body_bytes;
    uint32_t attempts;
    int64_t events;
    size_t chunks;               /* STREAM: non-empty chunks read */
    const unsigned char *body;   /* the body read (a stream's: its first FL_RUN_BODY_KEPT_MAX bytes) */
    size_t body_length;
    const fl_headers_t *headers; /* the response's, when there was one */
    int64_t started_ns; /* the virtual time it started and ended */
    int64_t ended_ns;
    uint32_t rounds; /* REPEAT: rounds run */
    const char *last_event_id; /* SSE: the last event id received (kept across rounds) */
    uint64_t comments;         /* SSE: comment lines received */
    uint64_t pings;            /* SSE: of them, pings */
    /* Nested steps' states, parallel to the spec's blocks. */
    struct fl_step_state *block_states;
    struct fl_step_state *handler_states;
    struct fl_step_state *final_states;
    struct fl_step_state **child_states; /* GROUP: each child's steps; SPAWN: its task's */
    fl_taskgroup_t *open_group;          /* GROUP: its group while the step runs */
    bool spawned_running;                /* SPAWN: the task it started has not ended */
    /* SSE with receive_in: the hand-off between the owner and the receiver */
    fl_event_t *connected;
    fl_event_t *received;
    fl_sse_session_t *session;
} fl_step_state_t;

typedef struct fl_run_state fl_run_state_t;

typedef struct fl_task_state {
    fl_run_state_t *run;
    const char *name;
    const fl_client_task_t *spec;  /* NULL: a receiver with no steps */
    fl_step_state_t *steps;
    fl_task_t *task;
    bool done;
} fl_task_state_t;

struct fl_run_state {
    const fl_scenario_t *scenario;
    fl_world_t *world;
    fl_net_t *net;
    fl_asgi_server_t *server;
    fl_client_t *client;
    fl_retry_budget_t *budgets[FL_RUN_LAYERS_MAX];
    size_t budget_count;
    /* Only the entries below task_count are valid: the runner does not
     * clear the table (fl_scenario_run_seed), add_task writes each whole.
     * A field added after it must be cleared there by hand. */
    fl_task_state_t tasks[FL_RUN_TASKS_MAX];
    size_t task_count;
    size_t tasks_done;
};

#endif /* FL_HARNESS_RUN_STATE_H */
