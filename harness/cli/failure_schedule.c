#include "harness/cli/failure_schedule.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/failure_rerun.h"
#include "harness/model/loader.h"
#include "harness/report/replay_command.h"
#include "harness/run/runner.h"
#include "sim/runtime/status.h"

static bool wanted(const fl_outcome_t *r) {
    assert(r != NULL && r->file != NULL);
    return fl_failure_rerunnable(r) && r->has_seed && r->schedule == NULL &&
           fl_replay_needs_schedule(r->policy);
}

/* The recorded rerun of s at r's seed: its list (malloc'd) when it fails
 * again, else NULL. */
static char *rerun_schedule(const fl_scenario_t *s, const fl_outcome_t *r, const fl_options_t *o) {
    fl_run_config_t config = fl_options_run_config(o);
    config.policy = r->policy;
    config.has_seed_range = false;
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("run");
    fl_run_record_t record;
    char *schedule = NULL;
    if (fl_scenario_run_recorded(s, r->seed, &config, result, &record) == FL_OK &&
        !result->passed)
        schedule = record.schedule, record.schedule = NULL;
    fl_run_record_free(&record);
    free(result);
    return schedule;
}

void fl_failure_schedule_fill(fl_outcome_t *r, const fl_options_t *o, fl_arena_t *strings) {
    assert(r != NULL && o != NULL && strings != NULL);
    if (!wanted(r)) return;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    if (fl_scenario_load_file(&arena, r->file, &s, error, sizeof error) == FL_OK) {
        char *schedule = rerun_schedule(&s, r, o);
        if (schedule != NULL) r->schedule = fl_arena_strdup(strings, schedule);
        free(schedule);
    }
    fl_arena_destroy(&arena);
    assert(r->schedule == NULL || r->policy != NULL);
}
