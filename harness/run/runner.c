/* The runner: one world per (scenario, seed, policy), built, run and
 * judged; and the seed loop over a scenario's range. See runner.h. */
#include "harness/run/runner.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "harness/check/checker.h"
#include "harness/check/expectations.h"
#include "harness/model/kinds.h"
#include "harness/report/chrome_trace.h"
#include "harness/run/run_state.h"
#include "harness/run/self_check.h"
#include "harness/run/steps.h"
#include "harness/world/build.h"
#include "sim/asgi/server.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/runtime.h"

/* Captures what print(arg, stream) writes, truncated into to. */
static void capture(char *to, size_t capacity, void (*print)(void *arg, FILE *out), void *arg) {
    assert(to != NULL && capacity > 0 && print != NULL && arg != NULL);
    char *text = NULL;
    size_t length = 0;
    FILE *stream = open_memstream(&text, &length);
    if (stream == NULL) {
        fl__copy_text(to, capacity, "(out of memory)");
        return;
    }
    print(arg, stream);
    fclose(stream);
    fl__copy_text(to, capacity, text);
    free(text);
    assert(strlen(to) < capacity);
}

static void print_server_log(void *arg, FILE *out) {
    assert(arg != NULL && out != NULL);
    fl_server_log_print(arg, out);
}

static void print_hang(void *arg, FILE *out) {
    assert(arg != NULL && out != NULL);
    fl_world_print_hang(arg, out);
}

/* --- one seed -------------------------------------------------------------------------------- */

static bool has_trace_expectation(const fl_scenario_t *s) {
    assert(s != NULL);
    assert(s->expectations != NULL || s->expectation_count == 0);
    for (size_t i = 0; i < s->expectation_count; i++)
        if (fl_expect_kind_row(s->expectations[i].kind)->reads_trace) return true;
    return false;
}

static const char *policy_of(const fl_scenario_t *s, const fl_run_config_t *config) {
    assert(s != NULL);
    if (config != NULL && config->policy != NULL) return config->policy;
    return s->policy != NULL ? s->policy : "random";
}

/* The timeline's head goes out before the world is built: the trace then
 * streams under it event by event (fl_world_set_trace_stream), so a run that
 * dies on an assertion has printed its timeline up to the crash. */
static void write_timeline_head(const fl_scenario_t *s, uint64_t seed, FILE *out,
                                const char *policy) {
    assert(s != NULL && out != NULL && policy != NULL);
    fprintf(out, "scenario %s  seed %" PRIu64 "  policy %s\n", s->name ? s->name : "(unnamed)",
            seed, policy);
    fprintf(out, "--- trace\n");
    fflush(out);
}

/* Steps' outcomes, a line each, blocks indented under their step. */
static void print_states(const fl_step_state_t *states, size_t count, int depth, FILE *out) {
    assert((states != NULL || count == 0) && depth >= 0 && out != NULL);
    for (size_t i = 0; i < count; i++) {
        const fl_step_state_t *step = &states[i];
        char outcome[320], start[32], end[32];
        fl__describe_step(step, outcome, sizeof outcome);
        fl__format_time(start, sizeof start, step->started_ns);
        fl__format_time(end, sizeof end, step->ended_ns);
        fprintf(out, "%*s%-*s %-8s %s..%s  %s", 2 * depth, "", 20 - 2 * depth, step->id,
                fl_client_step_row(step->spec->kind)->head.name, start, end, outcome);
        if (step->attempts > 1) fprintf(out, "  (%" PRIu32 " attempts)", step->attempts);
        if (step->rounds > 0) fprintf(out, "  (%" PRIu32 " rounds)", step->rounds);
        fputc('\n', out);
        for (size_t n = 0; step->error != NULL && n < step->error->note_count; n++)
            fprintf(out, "%20s note: %s\n", "", step->error->notes[n]);
        print_states(step->block_states, step->spec->block_count, depth + 1, out);
        print_states(step->handler_states, step->spec->handler_count, depth + 1, out);
        print_states(step->final_states, step->spec->final_count, depth + 1, out);
        for (size_t c = 0; c < step->spec->child_count; c++)
            print_states(step->child_states[c], step->spec->children[c].step_count, depth + 1, out);
    }
}

/* Each step's outcome, under the timeline: what it gave, its retries and
 * events, when it ran, and its error's notes. */
static void print_steps(const fl_run_state_t *run, FILE *out) {
    assert(run != NULL && out != NULL && run->task_count <= FL_RUN_TASKS_MAX);
    fprintf(out, "--- steps\n");
    for (size_t t = 0; t < run->task_count; t++) {
        const fl_task_state_t *task = &run->tasks[t];
        print_states(task->steps, task->spec != NULL ? task->spec->step_count : 0, 0, out);
    }
}

static void write_timeline(fl_run_state_t *run, fl_seed_result_t *result, FILE *out) {
    assert(run != NULL && run->world != NULL && result != NULL && out != NULL);
    assert(result->checks_run == 0); /* the checks follow the timeline */
    fprintf(out, "trace hash %016" PRIx64 "\n", fl_world_trace_hash(run->world));
    /* The choices made: --schedule S replays them under the replay policy. */
    fprintf(out, "schedule %s (%zu choices)\n", fl_world_schedule(run->world),
            fl_world_choice_count(run->world));
    fprintf(out, "--- server log\n%s", result->server_log);
    fprintf(out, "--- outcome %s%s\n", fl_run_outcome_name(result->outcome),
            result->client_blocked ? " (client tasks blocked)" : "");
    if (result->outcome == FL_RUN_HANG) fprintf(out, "%s", result->hang_report);
    print_steps(run, out);
    fprintf(out, "--- checks\n");
}

static fl_world_t *create_world(const fl_scenario_t *scenario, uint64_t seed,
                                const fl_run_config_t *config, const char *policy, char *error,
                                size_t error_size) {
    assert(scenario != NULL && policy != NULL && error != NULL && error_size > 0);
    assert(scenario->time_limit_ns >= 0); /* 0: the world's default */
    bool timeline = config != NULL && config->timeline != NULL;
    fl_world_options_t options = {
        .seed = seed,
        .policy = policy,
        .schedule = config != NULL ? config->schedule : NULL,
        .pct_depth = config != NULL ? config->pct_depth : 0,
        .pct_steps = config != NULL ? config->pct_steps : 0,
        .trail = config != NULL ? config->trail : NULL,
        .replay_pads_zero = config != NULL && config->replay_pads_zero,
        .time_limit_ns = scenario->time_limit_ns,
        .keep_trace = timeline || has_trace_expectation(scenario) ||
                      (config != NULL && (config->keep_trace || config->chrome_trace != NULL ||
                                          config->trace_visitor != NULL)),
    };
    return fl_world_create(&options, error, error_size);
}

static int setup_failed(fl_seed_result_t *result, const char *error) {
    assert(result != NULL && error != NULL);
    assert(!result->passed && result->checks_run == 0);
    fl__copy_text(result->failed_check, sizeof result->failed_check, "setup");
    fl__copy_text(result->message, sizeof result->message, error);
    return FL_EINVAL;
}

/* After the world ran: the outcome, the texts people read, and the checks. */
static void judge(fl_run_state_t *run, fl_seed_result_t *result, FILE *timeline) {
    assert(run != NULL && run->world != NULL && run->server != NULL && result != NULL);
    assert(run->tasks_done <= run->task_count && run->task_count <= FL_RUN_TASKS_MAX);
    assert(result->checks_run == 0 && result->checks_failed == 0);
    fl_world_t *world = run->world;
    result->trace_hash = fl_world_trace_hash(world);
    result->client_blocked = result->outcome == FL_RUN_HANG && run->tasks_done < run->task_count;
    if (result->outcome == FL_RUN_HANG)
        capture(result->hang_report, sizeof result->hang_report, print_hang, world);
    /* The server log's text is for people: captured when a timeline is
     * written or a check failed, not on every passing seed (printing it
     * was near a tenth of a short run). */
    bool log_captured = timeline != NULL;
    if (log_captured)
        capture(result->server_log, sizeof result->server_log, print_server_log,
                fl_asgi_server_log(run->server));
    if (timeline != NULL) write_timeline(run, result, timeline);
    /* Field by field: the cycle texts are written before they are read,
     * and clearing them per seed would cost more than the checks. */
    fl_checker_t checker;
    checker.run = run;
    checker.result = result;
    checker.timeline = timeline;
    checker.hang_expected_set = false;
    checker.cycles_checked = false;
    bool hang_expected = fl__check_expectations(&checker);
    fl__check_invariants(&checker, hang_expected);
    assert(result->checks_failed <= result->checks_run);
    assert((result->checks_failed == 0) == (result->failed_check[0] == '\0'));
    result->passed = result->checks_failed == 0;
    if (!log_captured && (result->checks_failed > 0 || result->target_failed))
        capture(result->server_log, sizeof result->server_log, print_server_log,
                fl_asgi_server_log(run->server));
    if (timeline != NULL)
        fprintf(timeline, "--- %s\ntrace hash %016" PRIx64 "\n",
                result->passed ? "passed" : "FAILED", result->trace_hash);
}

/* The error kinds of steps (and of their blocks), into set. */
static void collect_errors(const fl_step_state_t *states, size_t count, fl_error_kind_set_t *set) {
    assert((states != NULL || count == 0) && set != NULL);
    for (size_t i = 0; i < count; i++) {
        const fl_step_state_t *step = &states[i];
        if (step->error != NULL) fl_error_kind_set_add(set, step->error->kind);
        collect_errors(step->block_states, step->spec->block_count, set);
        collect_errors(step->handler_states, step->spec->handler_count, set);
        collect_errors(step->final_states, step->spec->final_count, set);
        for (size_t c = 0; c < step->spec->child_count; c++)
            collect_errors(step->child_states[c], step->spec->children[c].step_count, set);
    }
}

/* What the faults met, for the fault × protocol-state matrix. */
static void record_matrix(const fl_run_state_t *run, fl_seed_result_t *result) {
    assert(run != NULL && run->net != NULL && result != NULL);
    const fl_fault_hits_t *hits = fl_simnet_fault_hits(run->net);
    result->fault_hits.total = hits->total;
    if (hits->total > 0) result->fault_hits = *hits;
    for (size_t t = 0; t < run->task_count; t++) {
        const fl_task_state_t *task = &run->tasks[t];
        collect_errors(task->steps, task->spec != NULL ? task->spec->step_count : 0,
                       &result->errors);
    }
}

int fl_scenario_run_seed(const fl_scenario_t *scenario, uint64_t seed,
                         const fl_run_config_t *config, fl_seed_result_t *result) {
    assert(scenario != NULL && result != NULL);
    /* Everything but the two large texts, which only need to read empty:
     * clearing 20 KiB per seed showed in the profile of short runs. */
    memset(result, 0, offsetof(fl_seed_result_t, server_log));
    result->server_log[0] = '\0';
    result->hang_report[0] = '\0';
    result->seed = seed;
    const char *policy = policy_of(scenario, config);
    FILE *timeline = config != NULL ? config->timeline : NULL;
    char error[FL_RUN_MESSAGE_MAX] = "";
    fl_world_t *world = create_world(scenario, seed, config, policy, error, sizeof error);
    if (world == NULL) return setup_failed(result, error);
    /* The run's state is large (the task table): it lives on the heap for
     * the run, never in the world's arena where it would outlive nothing.
     * All but the task table is cleared: add_task writes each entry whole
     * before task_count covers it, and clearing 3 KiB per seed was 2% of a
     * short run. */
    fl_run_state_t *run = malloc(sizeof *run);
    if (run == NULL) fl__out_of_memory("run");
    memset(run, 0, offsetof(fl_run_state_t, tasks));
    run->task_count = 0;
    run->tasks_done = 0;
    run->scenario = scenario;
    run->world = world;
    if (timeline != NULL) {
        write_timeline_head(scenario, seed, timeline, policy);
        fl_world_set_trace_stream(world, timeline);
    }
    int status = fl__world_build(run, error, sizeof error);
    if (status == FL_OK) status = fl__run_spawn_tasks(run, error, sizeof error);
    if (status != FL_OK) {
        free(run);
        fl_world_destroy(world);
        return setup_failed(result, error);
    }
    result->outcome = fl_world_run(world);
    fl_world_set_trace_stream(world, NULL);
    assert(run->tasks_done <= run->task_count);
    judge(run, result, timeline);
    record_matrix(run, result);
    result->choices = fl_world_choice_count(world);
    result->tasks = fl_world_task_count(world);
    assert(result->passed == (result->checks_failed == 0));
    if (config != NULL && config->chrome_trace != NULL)
        fl_chrome_trace_write(world, config->chrome_trace);
    if (config != NULL && config->trace_visitor != NULL)
        config->trace_visitor(config->trace_visitor_context, world);
    free(run);
    fl_world_destroy(world);
    return FL_OK;
}

/* --- a whole scenario -------------------------------------------------------------------------- */

/* The faults that must act in at least one seed of the range, as a bit
 * mask over the scenario's faults (those of probability 1 must act in each
 * seed: check_faults_fired). */
static uint64_t faults_required_some_seed(const fl_scenario_t *s) {
    assert(s != NULL);
    assert(s->fault_count <= FL_SCENARIO_FAULTS_MAX); /* one bit each */
    uint64_t mask = 0;
    for (size_t i = 0; i < s->fault_count; i++)
        if (!s->faults[i].may_not_fire && s->faults[i].spec.trigger.probability < 1.0)
            mask |= UINT64_C(1) << i;
    return mask;
}

/* Holds, after every seed passed: a fault of lower probability that acted
 * in none of them was never tested. Returns false (with the message) then. */
static bool range_faults_fired(const fl_scenario_t *s, uint64_t fired, uint64_t first,
                               uint64_t last, fl_scenario_result_t *result) {
    assert(s != NULL && result != NULL && first <= last);
    uint64_t silent = faults_required_some_seed(s) & ~fired;
    if (silent == 0) return true;
    size_t index = 0;
    while (!(silent & (UINT64_C(1) << index))) index++;
    assert(index < s->fault_count);
    char fault[256];
    fl__describe_fault(s, index, fault, sizeof fault);
    result->seed = first;
    snprintf(result->message, sizeof result->message,
             "faults-fired: %s (probability %g) never fired in seeds %" PRIu64 "..%" PRIu64
             " (more seeds, a higher probability, or may_not_fire: true)",
             fault, s->faults[index].spec.trigger.probability, first, last);
    return false;
}

/* Every seed of the range ran without a verdict: held (if every fault
 * acted somewhere), or not found. */
static void finish_range(const fl_scenario_t *scenario, uint64_t fired,
                         uint64_t found_without_faults, uint64_t first, uint64_t last,
                         fl_scenario_result_t *result) {
    assert(scenario != NULL && result != NULL && first <= last);
    assert(result->seeds_run == last - first + 1 && !result->passed);
    bool finds = scenario->mode == FL_SCENARIO_FINDS;
    const char *seeds_word = result->seeds_run == 1 ? "seed" : "seeds";
    const char *target = scenario->finds ? scenario->finds : "(no check named)";
    if (finds && found_without_faults > 0)
        snprintf(result->message, sizeof result->message,
                 "%s not found in %" PRIu64 " %s (it failed in %" PRIu64
                 " where a fault never fired: see faults-fired)",
                 target, result->seeds_run, seeds_word, found_without_faults);
    else if (finds)
        snprintf(result->message, sizeof result->message, "%s not found in %" PRIu64 " %s", target,
                 result->seeds_run, seeds_word);
    else if (!range_faults_fired(scenario, fired, first, last, result))
        return;
    else
        snprintf(result->message, sizeof result->message,
                 "held over %" PRIu64 " %s (%" PRIu64 "..%" PRIu64 ")", result->seeds_run,
                 seeds_word, first, last);
    result->passed = !finds;
}

/* Runs the seed again; false (the scenario failed, with why) when its
 * hash differs. */
static bool self_check(const fl_scenario_t *scenario, uint64_t seed, const fl_run_config_t *config,
                       fl_scenario_result_t *result) {
    assert(scenario != NULL && result != NULL && result->detail.seed == seed);
    fl_run_config_t plain = {0};
    result->seeds_self_checked++;
    char why[FL_RUN_MESSAGE_MAX];
    if (fl__self_check_seed(scenario, seed, config != NULL ? config : &plain,
                            result->detail.trace_hash, why, sizeof why))
        return true;
    result->passed = false;
    result->seed = seed;
    snprintf(result->message, sizeof result->message, "failed at seed %" PRIu64 ": %s", seed, why);
    return false;
}

int fl_scenario_run(const fl_scenario_t *scenario, const fl_run_config_t *config,
                    fl_scenario_result_t *result) {
    assert(scenario != NULL && result != NULL);
    assert(scenario->mode == FL_SCENARIO_HOLDS || scenario->mode == FL_SCENARIO_FINDS);
    memset(result, 0, sizeof *result);
    uint64_t first = scenario->seed_first, last = scenario->seed_last;
    if (config != NULL && config->has_seed_range)
        first = config->seed_first, last = config->seed_last;
    if (last < first) {
        snprintf(result->message, sizeof result->message, "empty seed range %" PRIu64 "..%" PRIu64,
                 first, last);
        return FL_EINVAL;
    }
    bool finds = scenario->mode == FL_SCENARIO_FINDS;
    uint64_t fired = 0;
    uint64_t found_without_faults = 0;
    /* The loop is bounded by the range; a seed at UINT64_MAX ends it too. */
    for (uint64_t seed = first;; seed++) {
        assert(seed >= first && seed <= last);
        int status = fl_scenario_run_seed(scenario, seed, config, &result->detail);
        result->seeds_run++;
        assert(result->detail.seed == seed);

        if (status != FL_OK) {
            result->seed = seed;
            snprintf(result->message, sizeof result->message, "seed %" PRIu64 ": cannot run: %s",
                     seed, result->detail.message);
            return status;
        }
        fired |= result->detail.faults_fired;
        fl_fault_matrix_add_seed(&result->matrix, &result->detail.fault_hits,
                                 &result->detail.errors);
        /* A bug shown in a seed where its faults did not act was not shown
         * by them: that seed does not count as a find. */
        bool faults_acted = !result->detail.faults_silent;
        if (finds && result->detail.target_failed && !faults_acted) found_without_faults++;
        bool decides = finds ? result->detail.target_failed && faults_acted
                             : !result->detail.passed;
        /* The seed a user is told to replay must replay: it is checked. */
        if ((decides || (config != NULL &&
                         fl__self_check_sampled(seed, config->self_check_per_million))) &&
            !self_check(scenario, seed, config, result))
            return FL_OK;
        if (decides && finds) {
            result->passed = true;
            result->seed = seed;
            snprintf(result->message, sizeof result->message, "found at seed %" PRIu64 ": %s", seed,
                     result->detail.target_message);
            return FL_OK;
        }
        if (decides) {
            result->seed = seed;
            snprintf(result->message, sizeof result->message, "failed at seed %" PRIu64 ": %s",
                     seed, result->detail.message);
            return FL_OK;
        }
        if (seed == last) break;
    }
    finish_range(scenario, fired, found_without_faults, first, last, result);
    return FL_OK;
}

/* --- a run's record -------------------------------------------------------------------- */

static void keep_record(void *context, fl_world_t *world) {
    fl_run_record_t *record = context;
    assert(record != NULL && world != NULL && record->schedule == NULL);
    record->schedule = strdup(fl_world_schedule(world));
    if (record->schedule == NULL) fl__out_of_memory("run record");
    char error[128];
    int status = fl_schedule_parse(record->schedule, &record->choices, &record->choice_count,
                                   error, sizeof error);
    assert(status == FL_OK); /* the world wrote it */
    (void)status;
    record->events = fl_trace_count(fl_world_trace(world));
}

int fl_scenario_run_recorded(const fl_scenario_t *scenario, uint64_t seed,
                             const fl_run_config_t *config, fl_seed_result_t *result,
                             fl_run_record_t *record) {
    assert(scenario != NULL && result != NULL && record != NULL);
    *record = (fl_run_record_t){0};
    fl_run_config_t recorded = config != NULL ? *config : (fl_run_config_t){0};
    recorded.trace_visitor = keep_record;
    recorded.trace_visitor_context = record;
    int status = fl_scenario_run_seed(scenario, seed, &recorded, result);
    assert(status != FL_OK || record->schedule != NULL);
    return status;
}

void fl_run_record_free(fl_run_record_t *record) {
    assert(record != NULL);
    free(record->schedule);
    free(record->choices);
    *record = (fl_run_record_t){0};
}
