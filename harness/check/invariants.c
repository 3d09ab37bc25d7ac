#include "harness/check/invariants.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/net/simnet.h"
#include "harness/check/checker.h"
#include "sim/asgi/log.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/runtime.h"

bool fl_invariant_no_leaked_connections(const fl_net_t *net, fl_run_outcome_t outcome,
                                        bool hang_expected, char *why, size_t capacity) {
    assert(net != NULL && why != NULL && capacity > 0);
    why[0] = '\0';
    if (hang_expected || outcome != FL_RUN_COMPLETED) return true;
    assert(outcome == FL_RUN_COMPLETED);
    uint64_t open = fl_simnet_stats(net).open_endpoints;
    if (open == 0) return true;
    snprintf(why, capacity, "%" PRIu64 " connection end%s still open when the run ended", open,
             open == 1 ? "" : "s");
    return false;
}

/* "fault 'LABEL' (faults[i] at FILE:LINE:COL)", for messages. */
void fl__describe_fault(const fl_scenario_t *s, size_t index, char *out, size_t capacity) {
    assert(s != NULL && out != NULL && capacity > 0);
    assert(index < s->fault_count && s->faults != NULL);
    const fl_scenario_fault_t *fault = &s->faults[index];
    char label[96];
    if (fault->spec.label != NULL)
        fl__copy_text(label, sizeof label, fault->spec.label);
    else
        snprintf(label, sizeof label, "fault #%zu %s->%s", index + 1,
                 fl_fault_trigger_name(fault->spec.trigger.kind),
                 fl_fault_action_name(fault->spec.action.kind));
    snprintf(out, capacity, "fault '%s' (faults[%zu] at %s:%u:%u)", label, index,
             fault->at.file ? fault->at.file : s->file, fault->at.line, fault->at.column);
}

/* A fault that never acted tested nothing: a certain fault (probability 1)
 * must act in every seed, unless the file says it may not. Faults of lower
 * probability are judged over the whole range (fl_scenario_run). Records
 * which faults acted in the result. */
static bool faults_fired(fl_checker_t *c, bool hang_expected, char *why, size_t capacity) {
    (void)hang_expected;
    assert(why != NULL && capacity > 0 && c->result->faults_fired == 0);
    const fl_scenario_t *s = c->run->scenario;
    assert(s->fault_count <= FL_SCENARIO_FAULTS_MAX);
    size_t silent = 0;
    for (size_t i = 0; i < s->fault_count; i++) {
        if (fl_simnet_fault_applied(c->run->net, (uint32_t)(i + 1)) > 0) {
            c->result->faults_fired |= UINT64_C(1) << i;
            continue;
        }
        if (s->faults[i].may_not_fire || s->faults[i].spec.trigger.probability < 1.0) continue;
        if (silent++ == 0) {
            char fault[256];
            fl__describe_fault(s, i, fault, sizeof fault);
            snprintf(why, capacity,
                     "%s never fired in seed %" PRIu64
                     " (mark it may_not_fire: true if that is meant)",
                     fault, c->result->seed);
        }
    }
    assert(silent <= s->fault_count);
    c->result->faults_silent = silent > 0;
    return silent == 0;
}

/* --- the global invariants, one row each ------------------------------------------------

   Every run is judged by each of these, in this order, after its
   expectations (docs/SCENARIOS.md, "Global invariants"). A row's function
   returns whether the invariant held, with the reason in why when not. */

typedef bool invariant_fn(fl_checker_t *c, bool hang_expected, char *why, size_t capacity);

static bool no_violations(fl_checker_t *c, bool hang_expected, char *why, size_t capacity) {
    (void)hang_expected;
    assert(c != NULL && c->run->world != NULL && why != NULL && capacity > 0);
    size_t violations = fl_world_violation_count(c->run->world);
    if (violations > 0)
        snprintf(why, capacity, "%zu runtime violations, the first: %s", violations,
                 fl_world_violation(c->run->world, 0));
    return violations == 0;
}

static bool no_unexpected_hang(fl_checker_t *c, bool hang_expected, char *why, size_t capacity) {
    assert(c != NULL && c->result != NULL && why != NULL && capacity > 0);
    assert(!c->result->client_blocked || c->result->outcome == FL_RUN_HANG);
    bool unexpected = c->result->client_blocked && !hang_expected;
    if (unexpected)
        snprintf(why, capacity, "the run hangs with client tasks blocked:\n%.560s",
                 c->result->hang_report);
    return !unexpected;
}

static bool no_limit(fl_checker_t *c, bool hang_expected, char *why, size_t capacity) {
    (void)hang_expected;
    assert(c != NULL && c->result != NULL && why != NULL && capacity > 0);
    fl_run_outcome_t outcome = c->result->outcome;
    bool limit = outcome == FL_RUN_TIME_LIMIT || outcome == FL_RUN_STEP_LIMIT;
    if (limit) snprintf(why, capacity, "the run hit the %s", fl_run_outcome_name(outcome));
    return !limit;
}

/* The cycle rules as the wire saw them. The server refuses to break them,
 * so a failure here is a server bug, not an app's. One pass over the log
 * answers both rules; the second row reads what the first found. */
static void check_cycles_once(fl_checker_t *c) {
    assert(c != NULL && c->run != NULL && c->run->server != NULL);
    if (c->cycles_checked) return;
    fl_server_log_check_cycles(fl_asgi_server_log(c->run->server), c->second_start,
                               sizeof c->second_start, c->after_completion,
                               sizeof c->after_completion);
    assert(strlen(c->second_start) < sizeof c->second_start);
    assert(strlen(c->after_completion) < sizeof c->after_completion);
    c->cycles_checked = true;
}

static bool one_start_per_cycle(fl_checker_t *c, bool hang_expected, char *why, size_t capacity) {
    (void)hang_expected;
    check_cycles_once(c);
    assert(c->cycles_checked);
    fl__copy_text(why, capacity, c->second_start);
    return c->second_start[0] == '\0';
}

static bool nothing_after_completion(fl_checker_t *c, bool hang_expected, char *why,
                                     size_t capacity) {
    (void)hang_expected;
    check_cycles_once(c);
    assert(c->cycles_checked);
    fl__copy_text(why, capacity, c->after_completion);
    return c->after_completion[0] == '\0';
}

/* Tasks and connections left over when the run ended. A run whose client
 * is done stops the server, so every task should finish (the run ends
 * COMPLETED) and every connection end be closed. When a hang is expected
 * the client itself is blocked and nothing is shut down: not checked. */
static bool no_leaked_tasks(fl_checker_t *c, bool hang_expected, char *why, size_t capacity) {
    const fl_seed_result_t *result = c->result;
    assert(result != NULL && why != NULL && capacity > 0);
    assert(!result->client_blocked || result->outcome == FL_RUN_HANG);
    bool tasks_left = !hang_expected && result->outcome == FL_RUN_HANG && !result->client_blocked;
    if (tasks_left)
        snprintf(why, capacity, "the client finished, other tasks stayed blocked:\n%.560s",
                 result->hang_report);
    return !tasks_left;
}

static bool no_leaked_connections(fl_checker_t *c, bool hang_expected, char *why, size_t capacity) {
    assert(c != NULL && c->run != NULL && c->run->net != NULL && c->result != NULL);
    return fl_invariant_no_leaked_connections(c->run->net, c->result->outcome, hang_expected, why,
                                              capacity);
}

static bool task_errors_observed(fl_checker_t *c, bool hang_expected, char *why, size_t capacity) {
    (void)hang_expected;
    assert(c != NULL && c->run->world != NULL && why != NULL && capacity > 0);
    const fl_task_t *unobserved = NULL;
    size_t count = fl_world_unobserved_errors(c->run->world, &unobserved);
    if (count > 0) {
        assert(unobserved != NULL);
        fl_error_t *error = fl_task_error((fl_task_t *)unobserved);
        assert(error != NULL && error->message != NULL); /* an unobserved error exists */
        snprintf(why, capacity, "%zu task errors nobody observed, the first: task %u (%s): %s: %s",
                 count, fl_task_id(unobserved), fl_task_name(unobserved),
                 fl_error_kind_name(error->kind), error->message);
    }
    return count == 0;
}

typedef struct invariant_row {
    const char *name;
    invariant_fn *holds;
} invariant_row_t;

static const invariant_row_t INVARIANTS[] = {
    {"no-violations", no_violations},
    {"no-unexpected-hang", no_unexpected_hang},
    {"no-limit", no_limit},
    {"faults-fired", faults_fired},
    {"one-start-per-cycle", one_start_per_cycle},
    {"nothing-after-completion", nothing_after_completion},
    {"no-leaked-tasks", no_leaked_tasks},
    {"no-leaked-connections", no_leaked_connections},
    {"task-errors-observed", task_errors_observed},
};

const char *fl_invariant_name(size_t index) {
    return index < sizeof INVARIANTS / sizeof INVARIANTS[0] ? INVARIANTS[index].name : NULL;
}

void fl__check_invariants(fl_checker_t *c, bool hang_expected) {
    assert(c != NULL && c->run != NULL && c->result != NULL);
    size_t checks_before = c->result->checks_run;
    for (size_t i = 0; i < sizeof INVARIANTS / sizeof INVARIANTS[0]; i++) {
        assert(INVARIANTS[i].name != NULL && INVARIANTS[i].holds != NULL);
        char why[FL_RUN_MESSAGE_MAX]; /* only its start cleared: see expectations.c */
        why[0] = '\0';
        bool held = INVARIANTS[i].holds(c, hang_expected, why, sizeof why);
        fl__check_verdict(c, INVARIANTS[i].name, held, why);
        assert(held || why[0] != '\0'); /* a failed invariant says why */
    }
    assert(c->result->checks_run == checks_before + sizeof INVARIANTS / sizeof INVARIANTS[0]);
    (void)checks_before;
}
