/* A scenario: everything one YAML file describes, as plain data.
 *
 * The loader (loader.h) fills it from a file, validating strictly; the
 * runner (runner.h) builds one world per (scenario, seed, policy) from it:
 * the simulated network with the faults, the mock server with its routes
 * and middleware, the client with its middleware and tasks; runs it; and
 * checks the expectations and the global invariants. The format is
 * documented in docs/SCENARIOS.md.
 *
 * Every string and array lives in the arena the scenario was loaded into.
 * Durations are virtual nanoseconds; "not set" is marked by the has_/
 * zero conventions noted per field.
 */
#ifndef FL_HARNESS_SCENARIO_H
#define FL_HARNESS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/budget.h"
#include "client/client.h"
#include "sim/asgi/base_middleware.h"
#include "sim/asgi/log.h"
#include "sim/asgi/scripted.h"
#include "sim/net/fault.h"
#include "sim/net/simnet.h"
#include "sim/runtime/trace.h"

/* Where something was written, for messages: "file:line:col". */
typedef struct fl_location {
    const char *file;
    uint32_t line;
    uint32_t column;
} fl_location_t;

typedef enum fl_scenario_mode {
    FL_SCENARIO_HOLDS, /* every seed must pass every check */
    FL_SCENARIO_FINDS, /* the named check must fail in at least one seed */
} fl_scenario_mode_t;

/* --- the server ----------------------------------------------------------------- */

typedef enum fl_server_layer_kind {
    FL_LAYER_BASE_HTTP,         /* BaseHTTPMiddleware of a version */
    FL_LAYER_SERVER_ERRORS,     /* ServerErrorMiddleware */
    FL_LAYER_EXCEPTION_HANDLER, /* ExceptionMiddleware with one handler */
    FL_LAYER_PROGRAM,           /* a middleware written as a program (sim/asgi/program.h) */
} fl_server_layer_kind_t;

typedef struct fl_server_layer {
    fl_server_layer_kind_t kind;
    fl_base_middleware_version_t version; /* BASE_HTTP */
    fl_error_kind_t handles;              /* EXCEPTION_HANDLER: the kind it catches */
    int status;                           /* EXCEPTION_HANDLER: its response */
    const char *body;
    fl_scripted_spec_t program; /* PROGRAM: its name, channels and steps */
    fl_location_t at;
} fl_server_layer_t;

typedef struct fl_route {
    const char *method; /* "GET" by default */
    const char *path;
    fl_scripted_spec_t handler; /* steps; name = path */
    fl_location_t at;
} fl_route_t;

typedef struct fl_server_spec {
    const char *spec_version;  /* "2.3" default */
    fl_server_layer_t *layers; /* outermost first */
    size_t layer_count;
    fl_route_t *routes;
    size_t route_count;
    int64_t header_timeout_ns;     /* 0: the server's 5 s; FL_TIME_NEVER: no limit */
    int64_t keep_alive_timeout_ns; /* likewise */
    bool redirect_slashes;         /* Starlette's: a 307 to the other slash ending */
} fl_server_spec_t;

/* --- the client --------------------------------------------------------------------- */

typedef enum fl_client_layer_kind {
    FL_CLIENT_LAYER_RETRY,
    FL_CLIENT_LAYER_BULKHEAD,
    FL_CLIENT_LAYER_TIMEOUT,
} fl_client_layer_kind_t;

typedef struct fl_client_layer {
    fl_client_layer_kind_t kind;
    uint32_t attempts;                /* RETRY: max attempts (0: default 3) */
    int64_t base_delay_ns;            /* RETRY: 0 = default */
    int64_t max_delay_ns;             /* RETRY: 0 = default */
    bool refuse_streamed_body;        /* RETRY: default true */
    const char *const *retry_methods; /* RETRY: NULL: httpware's idempotent methods */
    size_t retry_method_count;
    const int *retry_statuses; /* RETRY: NULL: 408 429 502 503 504 */
    size_t retry_status_count;
    bool budget;                              /* RETRY: with a RetryBudget */
    fl_retry_budget_options_t budget_options; /* RETRY: the defaults unless the file sets them */
    uint32_t max_concurrent;                  /* BULKHEAD */
    int64_t timeout_ns;                       /* BULKHEAD acquire timeout; TIMEOUT deadline */
    fl_location_t at;
} fl_client_layer_t;

typedef enum fl_step_kind {
    FL_STEP_REQUEST, /* a request through the chain, body read whole */
    FL_STEP_STREAM,  /* stream(): read chunks (all, or read_chunks) then close */
    FL_STEP_SSE,     /* an SSE session: connect, receive, close */
    FL_STEP_SLEEP,
    FL_STEP_CANCEL, /* cancel another task (by name) */
    FL_STEP_REPEAT, /* the block, times times, or until an error kind or a success */
    FL_STEP_TRY,    /* the block; handler when it failed with except_error; then final */
    FL_STEP_GROUP,  /* children, each its own task in one task group, waited for */
    FL_STEP_SPAWN,  /* start_soon: one more task (children[0]) in an enclosing running group */
} fl_step_kind_t;

struct fl_step;

/* A task group's child in a client task: a name and its steps. */
typedef struct fl_client_child {
    const char *name;
    const struct fl_step *steps;
    size_t step_count;
} fl_client_child_t;

typedef struct fl_step {
    fl_step_kind_t kind;
    const char *id;                  /* for expectations; default "<task>.<index>" */
    const char *method;              /* REQUEST, STREAM: default GET */
    const char *path;                /* REQUEST, STREAM, SSE (the host is the server) */
    const fl_asgi_header_t *headers; /* REQUEST, STREAM */
    size_t header_count;
    const char *body;               /* REQUEST: a bytes body, or NULL */
    const char *const *stream_body; /* REQUEST: pieces of a one-shot stream body */
    size_t stream_piece_count;
    size_t stream_body_fails_at; /* REQUEST: the body's generator raises ValueError instead of
                                    * giving piece k (1-based; 0: never) */
    size_t read_chunks;          /* STREAM: 0 = read to the end */
    size_t raise_after;          /* STREAM: the caller raises ValueError inside the stream
                                    * block after this many chunks; 0: never */
    int64_t cancel_after_ns;     /* REQUEST, STREAM, SSE: a move_on scope; 0 = none */
    size_t receive_count;        /* SSE: events to receive (0: until end) */
    bool owner_check;            /* SSE: default true */
    const char *receive_in;      /* SSE: receive from this task (NULL: the same) */
    const char *last_event_id;   /* SSE: sent as Last-Event-ID; may name an earlier result */
    int64_t duration_ns;         /* SLEEP, and CANCEL's delay */
    const char *target_task;     /* CANCEL */
    /* Steps that nest: a block ends at its first failing step, whose error
     * is the block's (a step at a task's top level fails alone). */
    const struct fl_step *block; /* REPEAT's round, TRY's body, STREAM's block (run while open) */
    size_t block_count;
    const struct fl_step *handler; /* TRY: except's steps */
    size_t handler_count;
    bool has_except;
    fl_error_kind_t except_error;  /* TRY: what except handles (or below) */
    const struct fl_step *final;   /* TRY: finally's steps */
    size_t final_count;
    uint32_t times;                /* REPEAT: rounds at most (0: until ... only) */
    bool until_ok;                 /* REPEAT: stop after a round without error */
    bool has_until_error;
    fl_error_kind_t until_error;   /* REPEAT: stop, without error, at a round failing so */
    const fl_client_child_t *children; /* GROUP; SPAWN: the one task it starts */
    size_t child_count;
    const char *into_id;               /* SPAWN: the enclosing group's id (NULL: the nearest) */
    const struct fl_step *into;        /* SPAWN: that group, resolved when the file is checked */
    fl_location_t at;
} fl_step_t;

enum { FL_SCENARIO_STEP_DEPTH_MAX = 8, /* client blocks inside blocks */
       FL_RUN_GROUP_CHILDREN_MAX = 16 };

typedef struct fl_client_task {
    const char *name;
    fl_step_t *steps;
    size_t step_count;
    fl_location_t at;
} fl_client_task_t;

typedef struct fl_client_spec {
    fl_timeouts_t timeouts; /* 0 = the client's defaults */
    size_t max_connections;
    int64_t idle_expiry_ns;  /* 0: the client's 5 s */
    size_t header_bytes_max; /* 0: the client's 64 KiB */
    size_t body_bytes_max;   /* 0: the client's 64 MiB */
    uint32_t knobs; /* client/knobs.h: buggy variants turned on */
    fl_client_layer_t *layers; /* outermost first */
    size_t layer_count;
    fl_client_task_t *tasks;
    size_t task_count;
} fl_client_spec_t;

/* --- expectations ------------------------------------------------------------------ */

/* A window of virtual time in ns; an end not given is not checked. */
typedef struct fl_time_window {
    bool has_min, has_max;
    int64_t min_ns;
    int64_t max_ns;
} fl_time_window_t;

typedef enum fl_expect_kind {
    FL_EXPECT_STEP,   /* a client step's outcome */
    FL_EXPECT_SERVER, /* the server's log */
    FL_EXPECT_HANG,   /* the run hangs (or not), optionally naming a task */
    FL_EXPECT_BUDGET, /* retry budget withdrawals */
    FL_EXPECT_TRACE,  /* trace events of a kind */
} fl_expect_kind_t;

typedef struct fl_expectation {
    fl_expect_kind_t kind;
    const char *name; /* the check's name, for reports and finds: */
    /* STEP */
    const char *step; /* the step id */
    int status;       /* 0: not checked */
    bool ok;          /* expect success (no error) */
    bool moved_on;    /* expect the step's cancel_after to have expired */
    bool has_error;   /* expect an error of error_kind (or below) */
    fl_error_kind_t error_kind;
    const char *message; /* substring of the error's message */
    const char *note;    /* substring of one of its notes */
    uint32_t attempts;   /* retry attempts, 0: not checked */
    int64_t events;      /* SSE events received, -1: not checked */
    int64_t body_bytes;  /* -1: not checked */
    fl_time_window_t ended;   /* when the step ended (the key "at") */
    const char *body;          /* the body read equals it */
    const char *body_contains; /* the body read contains it */
    const fl_asgi_header_t *headers; /* the response has each with this value */
    size_t header_count;
    int64_t chunks;            /* stream chunks read; -1: not checked */
    int64_t comments;          /* SSE comment lines; -1: not checked */
    int64_t pings;             /* SSE pings among them; -1: not checked */
    const char *last_event_id; /* the last SSE event id received */
    const char *note_absent;   /* no note of the error contains it */
    bool has_cause;
    fl_error_kind_t cause;     /* the error's cause chain has one of this kind (or below) */
    fl_time_window_t elapsed; /* how long it took */
    /* SERVER */
    fl_server_log_kind_t log_kind;
    const char *log_text; /* substring; NULL: any (also TRACE: of the detail) */
    uint32_t cycle;       /* the request cycle (1 = the first); 0: any */
    int64_t count;        /* exactly this many; -1: at least one (also TRACE) */
    bool bodies_differ;   /* the server received different bodies (story 1) */
    /* HANG */
    bool hang;
    const char *blocked_task; /* a task the hang report must name */
    /* BUDGET */
    int64_t withdrawals;
    /* TRACE */
    fl_trace_kind_t trace_kind;
    const char *trace_line; /* a substring of the event's timeline line */
    fl_location_t at;
} fl_expectation_t;

/* --- faults ----------------------------------------------------------------------------- */

/* At most this many faults per scenario: the runner keeps which fired in a
 * seed as one bit each. */
#define FL_SCENARIO_FAULTS_MAX 64

typedef struct fl_scenario_fault {
    fl_fault_spec_t spec;
    bool may_not_fire; /* a "maybe": the faults-fired check does not require it */
    fl_location_t at;
} fl_scenario_fault_t;

/* --- the scenario ---------------------------------------------------------------------- */

typedef struct fl_scenario {
    const char *file;
    const char *name;
    const char *const *tags;
    size_t tag_count;
    fl_scenario_mode_t mode;
    const char *finds;           /* FINDS: the check that must fail somewhere */
    uint64_t seed_first;         /* default 1 */
    uint64_t seed_last;          /* default 200 */
    const char *policy;          /* default "random" */
    int64_t time_limit_ns;       /* default 1 hour */
    fl_simnet_options_t network; /* default fl_simnet_options_default() */
    fl_server_spec_t server;
    fl_client_spec_t client;
    fl_scenario_fault_t *faults;   /* at most FL_SCENARIO_FAULTS_MAX */
    size_t fault_count;
    /* The faults as one validated plan, built once when the file is loaded
     * (or by fl_scenario_plan_faults for a scenario built in C): every run's
     * network and serve's take it as it is. NULL when there are no faults. */
    const fl_fault_plan_t *fault_plan;
    fl_expectation_t *expectations;
    size_t expectation_count;
} fl_scenario_t;

#endif /* FL_HARNESS_SCENARIO_H */
