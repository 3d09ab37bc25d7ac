/* The runner: one world per (scenario, seed, policy), built from the plain
 * data of scenario.h, run, and checked.
 *
 * A run wires, in one world: the simulated network (scenario->network, with
 * the fault plan), the mock server on host "server" port 80 (a router of
 * scripted handlers wrapped in the server layers, outermost first), the
 * client over the same network (its layers outermost first: retry with an
 * optional budget, bulkhead, timeout), and one task per client task that
 * runs its steps in order. The last client task to finish stops the server
 * and closes the client, so a run whose tasks all finish ends COMPLETED;
 * a run whose client tasks are blocked ends as a hang, reported by name.
 *
 * Then the expectations are checked in the order written, then the global
 * invariants: "no-violations" (the runtime noticed none), "no-unexpected-
 * hang" (a client task still blocked at the end, unless a HANG expectation
 * wants one), "no-limit" (neither the time nor the step limit was hit).
 * A finds scenario may name an invariant as its target too.
 *
 * Conventions the runner applies to the data (the loader fills defaults, but
 * structs built in C may leave them zero):
 * - policy NULL: "random"; seed range 0..0: 1..200;
 * - network.buffer_bytes 0: the whole of fl_simnet_options_default();
 * - a step id NULL: "<task>.<index>" with index from 1;
 * - a task named by an SSE step's receive_in that is not a client task is
 *   spawned with no steps of its own; a receiving task runs its own steps
 *   first, then receives for each SSE step that names it, in scenario order;
 * - attempts are the request's own attempt counter (request->attempt, which
 *   retry counts up), exact per step even when tasks share the middleware;
 * - bodies_differ: for each route (the REQUEST log text "METHOD /path"),
 *   the bytes the app received per cycle (sum of the BODY_RECEIVED values)
 *   are compared; the check passes when some route saw two different sizes.
 *   The scripted handler must read the body (a READ_BODY step) for the
 *   server to deliver it.
 *
 * Determinism: nothing here reads a clock or draws randomness; the same
 * (scenario, seed, policy, schedule) gives the same result and the same
 * timeline bytes. Results hold fixed-size, truncated texts: the caller owns
 * them and frees nothing.
 */
#ifndef FL_HARNESS_RUNNER_H
#define FL_HARNESS_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/model/scenario.h"
#include "sim/net/protocol_state.h"
#include "sim/runtime/world.h"

/* Called once a run has ended and been judged, with its world still
 * alive: its kept trace (fl_world_trace) and its tasks' names can be read
 * here, never later (the details live in the world's arena). */
typedef void (*fl_trace_visit_fn)(void *context, fl_world_t *world);

typedef struct fl_run_config {
    const char *policy;      /* NULL: the scenario's */
    const char *schedule;    /* with policy "replay": the schedule to play back */
    uint32_t pct_depth;      /* with policy "pct": d (0: 3) */
    uint32_t pct_steps;      /* with policy "pct": the choices change points fall among (0: 64) */
    uint32_t self_check_per_million; /* passing seeds run again to check their hash */
    struct fl_choice_trail *trail; /* with policy "dfs": the run's picks go here */
    bool replay_pads_zero;   /* with policy "replay": a choice past the schedule is 0 */
    bool keep_trace;         /* keep the trace (forced on when timeline is set) */
    bool has_seed_range;     /* override the scenario's seed range */
    uint64_t seed_first;
    uint64_t seed_last;
    FILE *timeline;          /* NULL: none; else each seed's timeline is written here */
    FILE *chrome_trace;      /* NULL: none; else the run's trace as Chrome trace-event
                                JSON (one seed: meant for replay) */
    fl_trace_visit_fn trace_visitor; /* NULL: none; else called with the world (keeps the
                                        trace), for reports drawn from it */
    void *trace_visitor_context;
} fl_run_config_t;

enum {
    FL_RUN_NAME_MAX = 128,
    FL_RUN_MESSAGE_MAX = 640,
    FL_RUN_LOG_TEXT_MAX = 16384,
    FL_RUN_HANG_TEXT_MAX = 4096,
};

/* What one seed did. Texts are NUL-terminated and truncated to fit. */
typedef struct fl_seed_result {
    uint64_t seed;
    bool passed;                        /* every check held */
    fl_run_outcome_t outcome;           /* as fl_world_run returned it */
    bool client_blocked;                /* a hang with a client task not done */
    uint64_t trace_hash;
    size_t checks_run;
    size_t checks_failed;
    char failed_check[FL_RUN_NAME_MAX]; /* the first failed check's name, or "" */
    char message[FL_RUN_MESSAGE_MAX];   /* and why: "step upload: expected ..." */
    uint64_t faults_fired;              /* bit i: the scenario's faults[i] acted in this seed */
    bool faults_silent;                 /* a fault that had to act in this seed did not
                                         * (faults-fired failed): no find counts here */
    bool target_failed;                 /* finds: the named check failed */
    char target_message[FL_RUN_MESSAGE_MAX];
    fl_error_kind_set_t errors;         /* the kinds the client's steps ended with */
    size_t choices;                     /* scheduling choices made (the schedule's length) */
    size_t tasks;                       /* tasks spawned */
    char server_log[FL_RUN_LOG_TEXT_MAX];   /* fl_server_log_print: with a timeline, or when a check failed */
    char hang_report[FL_RUN_HANG_TEXT_MAX]; /* fl_world_print_hang, on a hang only */
    /* The faults' actions against each end's state; its counts are written
     * only when total > 0, so a seed without faults copies nothing. */
    fl_fault_hits_t fault_hits;
} fl_seed_result_t;

/* Runs scenario once with seed. config may be NULL (the scenario's policy,
 * no trace, no timeline). Returns 0 when the run was made (the checks'
 * verdict is in result->passed), or FL_EINVAL when the world could not be
 * built (an invalid option, a handler the scripted module refuses): then
 * result->message says why and result->passed is false. */
int fl_scenario_run_seed(const fl_scenario_t *scenario, uint64_t seed,
                         const fl_run_config_t *config, fl_seed_result_t *result);

typedef struct fl_scenario_result {
    bool passed;              /* holds: every seed passed; finds: found */
    uint64_t seeds_run;
    uint64_t seed;            /* holds: the first failing seed; finds: where found; else 0 */
    char message[FL_RUN_MESSAGE_MAX + 64];
    fl_seed_result_t detail;  /* the seed named above, or the last seed run */
    fl_fault_matrix_t matrix; /* over the seeds run: seeds, and the error kinds in them */
    uint64_t seeds_self_checked; /* seeds run twice to check their hash (self_check.h) */
} fl_scenario_result_t;

/* What a run's world recorded, read before the world goes: the choice
 * list (the schedule) and how many trace events it made. */
typedef struct fl_run_record {
    char *schedule;  /* malloc'd: as fl_world_schedule gives it */
    uint32_t *choices; /* malloc'd: the same list, parsed */
    size_t choice_count;
    uint64_t events;
} fl_run_record_t;

/* fl_scenario_run_seed, and the run's record into *record (free it with
 * fl_run_record_free). config's trace_visitor is the record's own. */
int fl_scenario_run_recorded(const fl_scenario_t *scenario, uint64_t seed,
                             const fl_run_config_t *config, fl_seed_result_t *result,
                             fl_run_record_t *record);
void fl_run_record_free(fl_run_record_t *record);

/* Runs the scenario over its seed range (or config's). Holds: stops at the
 * first failing seed. Finds: stops at the first seed where the check named
 * by scenario->finds fails ("found at seed S"); none is "not found in N
 * seeds", a failure. Returns 0, or FL_EINVAL for a world that cannot be
 * built or an empty range (message in result). */
int fl_scenario_run(const fl_scenario_t *scenario, const fl_run_config_t *config,
                    fl_scenario_result_t *result);

#endif /* FL_HARNESS_RUNNER_H */
