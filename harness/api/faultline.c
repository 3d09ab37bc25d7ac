/* The public interface (include/faultline/faultline.h): a thin layer over
 * the loader (harness/model/loader.h) and the runner (harness/run/runner.h),
 * judging a seed as `faultline replay` and a range as `faultline run` do. */
#include <faultline/faultline.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/out_of_memory.h"
#include "sim/runtime/status.h"

_Static_assert((int)FAULTLINE_EINVAL == (int)FL_EINVAL, "the public codes are the library's");
_Static_assert((int)FAULTLINE_NAME_MAX >= (int)FL_RUN_NAME_MAX, "a check's name fits");
_Static_assert(FAULTLINE_MESSAGE_MAX >= sizeof ((fl_scenario_result_t *)0)->message,
               "a range's message fits");

struct faultline_scenario {
    fl_arena_t arena; /* every string and array of scenario */
    fl_scenario_t scenario;
};

int faultline_load(const char *path, faultline_scenario_t **out, char *error, size_t error_size) {
    if (out != NULL) *out = NULL;
    if (error == NULL) error_size = 0;
    if (path == NULL || out == NULL) {
        if (error_size > 0) snprintf(error, error_size, "faultline_load: no path or no out");
        return FAULTLINE_EINVAL;
    }
    faultline_scenario_t *loaded = calloc(1, sizeof *loaded);
    if (loaded == NULL) fl__out_of_memory("faultline_load");
    fl_arena_init(&loaded->arena);
    char ignored[1];
    int status = fl_scenario_load_file(&loaded->arena, path, &loaded->scenario,
                                       error_size > 0 ? error : ignored,
                                       error_size > 0 ? error_size : sizeof ignored);
    if (status != FL_OK) {
        faultline_free(loaded);
        return FAULTLINE_EINVAL;
    }
    *out = loaded;
    return FAULTLINE_OK;
}

void faultline_free(faultline_scenario_t *scenario) {
    if (scenario == NULL) return;
    fl_arena_destroy(&scenario->arena);
    free(scenario);
}

const char *faultline_name(const faultline_scenario_t *scenario) {
    assert(scenario != NULL && scenario->scenario.name != NULL);
    return scenario->scenario.name;
}

bool faultline_finds(const faultline_scenario_t *scenario) {
    assert(scenario != NULL);
    return scenario->scenario.mode == FL_SCENARIO_FINDS;
}

void faultline_seed_range(const faultline_scenario_t *scenario, uint64_t *first, uint64_t *last) {
    assert(scenario != NULL && first != NULL && last != NULL);
    *first = scenario->scenario.seed_first;
    *last = scenario->scenario.seed_last;
    assert(*first <= *last);
}

/* The verdict of a seed whose checks were judged: as replay says it. */
static faultline_verdict_t judge(const fl_scenario_t *s, const fl_seed_result_t *seed) {
    assert(s != NULL && seed != NULL);
    if (s->mode != FL_SCENARIO_FINDS) return seed->passed ? FAULTLINE_HELD : FAULTLINE_FAILED;
    /* As run counts finds: only where the faults acted. */
    return seed->target_failed && !seed->faults_silent ? FAULTLINE_FOUND : FAULTLINE_NOT_FOUND;
}

static void copy_text(char *to, size_t capacity, const char *from) {
    assert(to != NULL && capacity > 0 && from != NULL);
    snprintf(to, capacity, "%s", from);
}

int faultline_run_seed(const faultline_scenario_t *scenario, uint64_t seed, const char *policy,
                       faultline_result_t *result) {
    if (scenario == NULL || result == NULL) return FAULTLINE_EINVAL;
    memset(result, 0, sizeof *result);
    fl_seed_result_t *detail = malloc(sizeof *detail); /* ~20 KiB of texts: not on the stack */
    if (detail == NULL) fl__out_of_memory("faultline_run_seed");
    fl_run_config_t config = {.policy = policy};
    int status = fl_scenario_run_seed(&scenario->scenario, seed, &config, detail);
    assert(detail->seed == seed || status != FL_OK);
    result->verdict = status == FL_OK ? judge(&scenario->scenario, detail) : FAULTLINE_FAILED;
    result->passed = result->verdict == FAULTLINE_HELD || result->verdict == FAULTLINE_FOUND;
    result->seed = seed;
    result->seeds_run = status == FL_OK ? 1 : 0;
    result->trace_hash = detail->trace_hash;
    copy_text(result->failed_check, sizeof result->failed_check, detail->failed_check);
    copy_text(result->message, sizeof result->message, detail->message);
    free(detail);
    return status == FL_OK ? FAULTLINE_OK : FAULTLINE_EINVAL;
}

int faultline_run(const faultline_scenario_t *scenario, const char *policy,
                  faultline_result_t *result) {
    if (scenario == NULL || result == NULL) return FAULTLINE_EINVAL;
    memset(result, 0, sizeof *result);
    fl_scenario_result_t *range = malloc(sizeof *range);
    if (range == NULL) fl__out_of_memory("faultline_run");
    fl_run_config_t config = {.policy = policy};
    int status = fl_scenario_run(&scenario->scenario, &config, range);
    bool finds = scenario->scenario.mode == FL_SCENARIO_FINDS;
    if (finds) result->verdict = range->passed ? FAULTLINE_FOUND : FAULTLINE_NOT_FOUND;
    else result->verdict = range->passed ? FAULTLINE_HELD : FAULTLINE_FAILED;
    result->passed = status == FL_OK && range->passed;
    if (status != FL_OK) result->verdict = FAULTLINE_FAILED;
    result->seed = range->detail.seed;
    result->seeds_run = range->seeds_run;
    result->trace_hash = range->detail.trace_hash;
    copy_text(result->failed_check, sizeof result->failed_check, range->detail.failed_check);
    copy_text(result->message, sizeof result->message, range->message);
    free(range);
    return status == FL_OK ? FAULTLINE_OK : FAULTLINE_EINVAL;
}

const char *faultline_verdict_name(faultline_verdict_t verdict) {
    switch (verdict) {
    case FAULTLINE_HELD: return "held";
    case FAULTLINE_FAILED: return "FAILED";
    case FAULTLINE_FOUND: return "found";
    case FAULTLINE_NOT_FOUND: return "not found";
    }
    return "unknown";
}

const char *faultline_version(void) { return FAULTLINE_VERSION; }
