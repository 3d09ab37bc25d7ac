#include "harness/cli/failure_rerun.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#include "harness/model/loader.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"

bool fl_failure_rerunnable(const fl_outcome_t *r) {
    assert(r != NULL && r->file != NULL);
    return !r->passed && !r->load_error && r->ending == FL_ENDING_RAN;
}

int fl_failure_rerun(const fl_outcome_t *r, const char *option, fl_trace_visit_fn visit,
                     void *context, FILE *err) {
    assert(r != NULL && option != NULL && visit != NULL && err != NULL);
    assert(fl_failure_rerunnable(r));
    fl_replay_command_t command = fl_outcome_replay_command(r);
    assert(!command.whole_run && !command.check_only); /* only runs with a verdict come here */
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    int status = 0;
    if (fl_scenario_load_file(&arena, r->file, &s, error, sizeof error) != FL_OK) {
        fprintf(err, "faultline run: %s: %s no longer loads: %s\n", option, r->file, error);
        fl_arena_destroy(&arena);
        return 2;
    }
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("failure rerun");
    /* A schedule (a pct or dfs failure's list) is played by replay. */
    fl_run_config_t config = {.policy = command.schedule != NULL ? "replay" : command.policy,
                              .schedule = command.schedule,
                              .keep_trace = true, .trace_visitor = visit,
                              .trace_visitor_context = context};
    if (fl_scenario_run_seed(&s, command.seed, &config, result) != FL_OK) {
        fprintf(err, "faultline run: %s: %s seed %" PRIu64 " cannot run: %s\n", option, r->file,
                command.seed, result->message);
        status = 2;
    }
    assert(result->seed == command.seed);
    free(result);
    fl_arena_destroy(&arena);
    return status;
}
