#include "harness/run/shrink.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "harness/run/shrinker.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

/* How many seeds of the file's range a change may look through for one
 * that still fails (the first is the current seed), and how many other
 * failing seeds' lists are shrunk as starting points. */
enum { SEEDS_TRIED_MAX = 200, SEED_STARTS_MAX = 8 };

/* Whether two failure messages say the same but for their numbers (a
 * time, a size, an id): "took 0.105s, expected at most 0.010s" is not
 * "expected status 200, got PoolTimeout", though both fail one check. */
static bool same_words(const char *a, const char *b) {
    assert(a != NULL && b != NULL);
    for (;;) {
        while ((*a >= '0' && *a <= '9') || *a == '.') a++;
        while ((*b >= '0' && *b <= '9') || *b == '.') b++;
        if (*a != *b) return false;
        if (*a == '\0') return true;
        a++, b++;
    }
}

/* The same failure: a finds file's check fails with its faults acting; a
 * holds file fails the same check; the failure says the same words as
 * the first run's; and the first failed check is the first run's, with
 * no more checks failed. A cut that breaks something else (a request made
 * before the server is ready, a step that no longer fails as expected) so
 * does not pass for the same bug. */
static bool shows(const fl__shrinker_t *sh) {
    const fl_seed_result_t *r = sh->result;
    assert(sh != NULL && r != NULL);
    if (r->checks_failed > sh->checks_failed_max || strcmp(r->failed_check, sh->first_failed) != 0)
        return false;
    if (!same_words(sh->finds ? r->target_message : r->message, sh->message)) return false;
    if (sh->finds) return r->target_failed && !r->faults_silent;
    return !r->passed && strcmp(r->failed_check, sh->out->check) == 0;
}

bool fl__shrink_run(fl__shrinker_t *sh, const fl_scenario_t *s, uint64_t seed,
                    const fl_run_config_t *config, uint32_t **list, size_t *count,
                    size_t *events) {
    assert(sh != NULL && s != NULL && config != NULL);
    int status;
    sh->out->runs++;
    if (list == NULL) {
        status = fl_scenario_run_seed(s, seed, config, sh->result);
    } else {
        fl_run_record_t record;
        status = fl_scenario_run_recorded(s, seed, config, sh->result, &record);
        free(*list);
        *list = record.choices, *count = record.choice_count;
        if (events != NULL) *events = (size_t)record.events;
        record.choices = NULL;
        fl_run_record_free(&record);
    }
    return status == FL_OK && shows(sh);
}

/* s with only the kept faults and out's network, in arena. */
static int apply(fl_arena_t *arena, const fl_scenario_t *s, const fl_shrink_result_t *r,
                 fl_scenario_t *view, char *error, size_t size) {
    assert(arena != NULL && s != NULL && r != NULL && view != NULL);
    *view = *s;
    view->network = r->network;
    view->faults = fl_arena_zalloc(arena, (s->fault_count ? s->fault_count : 1) * sizeof *view->faults);
    view->fault_count = 0;
    for (size_t i = 0; i < s->fault_count; i++)
        if (r->fault_kept[i]) view->faults[view->fault_count++] = s->faults[i];
    view->fault_plan = NULL;
    if (view->fault_count == 0) return FL_OK;
    return fl_scenario_plan_faults(arena, view, error, size);
}

/* r's scenario: source's text rendered and loaded (as s->file), or,
 * without a source, s with r's faults and network. */
static int view_of(const fl_scenario_t *s, const fl_shrink_source_t *source, uint64_t origin_seed,
                   const fl_shrink_result_t *r, fl_arena_t *arena, fl_scenario_t *view,
                   char *error, size_t size) {
    assert(s != NULL && source != NULL && r != NULL && arena != NULL && view != NULL);
    if (source->text == NULL) return apply(arena, s, r, view, error, size);
    const char *name = s->file != NULL ? s->file : "scenario";
    char *text = fl_shrink_text_render(source, name, origin_seed, r);
    if (text == NULL) return snprintf(error, size, "%s no longer parses", name), FL_EINVAL;
    int status = fl_scenario_load_string(arena, name, text, view, error, size);
    free(text);
    return status;
}

int fl__shrink_view(const fl__shrinker_t *sh, const fl_shrink_result_t *r, fl_arena_t *arena,
                    fl_scenario_t *view, char *error, size_t error_size) {
    return view_of(sh->s, &sh->source, sh->origin_seed, r, arena, view, error, error_size);
}

int fl_shrink_apply(fl_arena_t *arena, const fl_scenario_t *s, const fl_shrink_result_t *result,
                    fl_scenario_t *out, char *error, size_t error_size) {
    fl_shrink_source_t source = {0};
    if (s->file != NULL) fl_shrink_source_read(s->file, &source);
    int status = view_of(s, &source, result->seed, result, arena, out, error, error_size);
    fl_shrink_source_free(&source);
    return status;
}

/* A recorded schedule is the same under every seed: only the current one
 * is tried. */
bool fl__shrink_failing_seed(fl__shrinker_t *sh, const fl_scenario_t *view, uint64_t *seed_out) {
    assert(sh != NULL && view != NULL && seed_out != NULL);
    if (fl__shrink_run(sh, view, sh->seed, &sh->config, NULL, NULL, NULL))
        return *seed_out = sh->seed, true;
    if (sh->config.policy != NULL && strcmp(sh->config.policy, "replay") == 0) return false;
    uint64_t tried = 0;
    for (uint64_t seed = sh->s->seed_first; seed <= sh->s->seed_last && tried < SEEDS_TRIED_MAX;
         seed++, tried++) {
        if (seed != sh->seed && fl__shrink_run(sh, view, seed, &sh->config, NULL, NULL, NULL))
            return *seed_out = seed, true;
        if (seed == UINT64_MAX) break;
    }
    return false;
}

/* Keeps a change to out (a fault dropped, the network simpler) when the
 * failure still shows under the failing run's policy: with its seed, or
 * with another seed of the file's, which then becomes the run's. */
static bool try_change(fl__shrinker_t *sh, fl_shrink_result_t *candidate) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t view;
    char error[256];
    uint64_t seed = sh->seed;
    bool kept = apply(&arena, sh->s, candidate, &view, error, sizeof error) == FL_OK &&
                fl__shrink_failing_seed(sh, &view, &seed);
    fl_arena_destroy(&arena);
    if (kept) {
        memcpy(sh->out->fault_kept, candidate->fault_kept, sizeof candidate->fault_kept);
        sh->out->network = candidate->network;
        sh->seed = seed;
    }
    return kept;
}

static void shrink_faults_and_network(fl__shrinker_t *sh) {
    fl_shrink_result_t candidate = *sh->out;
    for (size_t i = 0; i < sh->s->fault_count; i++) {
        candidate = *sh->out;
        candidate.fault_kept[i] = false;
        try_change(sh, &candidate);
    }
    candidate = *sh->out;
    candidate.network.segmentation = false;
    try_change(sh, &candidate);
    candidate = *sh->out;
    candidate.network.latency_jitter_ns = 0;
    try_change(sh, &candidate);
    candidate = *sh->out;
    candidate.network.latency_ns = 0;
    try_change(sh, &candidate);
    sh->out->faults_kept = 0;
    for (size_t i = 0; i < sh->s->fault_count; i++) sh->out->faults_kept += sh->out->fault_kept[i];
}

/* Other failing seeds' lists as starting points: greedy passes end in a
 * local minimum that depends on where they start, and another seed's run
 * of the same failure may lie nearer a simpler one. The simplest wins. */
static void shrink_from_other_seeds(fl__shrinker_t *sh, const fl_scenario_t *view) {
    fl_shrink_result_t *out = sh->out;
    if (sh->config.policy != NULL && strcmp(sh->config.policy, "replay") == 0) return;
    uint32_t *best = out->choices;
    size_t best_count = out->choice_count, best_events = out->events_after, starts = 0;
    out->choices = NULL, out->choice_count = 0;
    uint64_t tried = 0;
    for (uint64_t seed = sh->s->seed_first; seed <= sh->s->seed_last && tried < SEEDS_TRIED_MAX &&
                                            starts < SEED_STARTS_MAX &&
                                            fl__shrink_nonzero(best, best_count) > 0;
         seed++, tried++) {
        if (seed != sh->seed && fl__shrink_run(sh, view, seed, &sh->config, &out->choices,
                                               &out->choice_count, &out->events_after)) {
            starts++;
            fl__shrink_choices(sh, view);
            if (fl__shrink_simpler(out->choices, out->choice_count, best, best_count)) {
                uint32_t *worse = best;
                best = out->choices, best_count = out->choice_count, best_events = out->events_after;
                out->choices = worse;
            }
        }
        if (seed == UINT64_MAX) break;
    }
    free(out->choices);
    out->choices = best, out->choice_count = best_count, out->events_after = best_events;
    out->nonzero_after = fl__shrink_nonzero(best, best_count);
}

/* The final list once more, as a user will replay it (whole, so nothing
 * is padded): it must still fail; its hash and events are the answer's. */
static int confirm(fl__shrinker_t *sh, const fl_scenario_t *view, char *error, size_t size) {
    fl_shrink_result_t *out = sh->out;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_run_config_t replay = {.policy = "replay",
                              .schedule = fl_schedule_format(&arena, out->choices, out->choice_count)};
    uint32_t *list = NULL;
    size_t count = 0;
    bool still = fl__shrink_run(sh, view, sh->seed, &replay, &list, &count, &out->events_after);
    out->trace_hash = sh->result->trace_hash;
    out->seed = sh->seed;
    free(list);
    fl_arena_destroy(&arena);
    if (still) return FL_OK;
    snprintf(error, size, "the shrunk schedule no longer fails when replayed");
    return FL_EINVAL;
}

/* The first run: it must fail; it names the check and the list to start. */
static int first_run(fl__shrinker_t *sh, char *error, size_t size) {
    uint32_t *list = NULL;
    size_t count = 0, events = 0;
    int status = fl_scenario_run_seed(sh->s, sh->seed, &sh->config, sh->result);
    bool failed = status == FL_OK &&
                  (sh->finds ? sh->result->target_failed && !sh->result->faults_silent
                             : !sh->result->passed);
    if (!failed) {
        snprintf(error, size, "seed %llu does not %s: nothing to shrink",
                 (unsigned long long)sh->seed, sh->finds ? "find the bug" : "fail");
        return FL_EINVAL;
    }
    snprintf(sh->out->check, sizeof sh->out->check, "%s",
             sh->finds ? sh->s->finds : sh->result->failed_check);
    sh->checks_failed_max = sh->result->checks_failed;
    snprintf(sh->first_failed, sizeof sh->first_failed, "%s", sh->result->failed_check);
    snprintf(sh->message, sizeof sh->message, "%s",
             sh->finds ? sh->result->target_message : sh->result->message);
    fl__shrink_run(sh, sh->s, sh->seed, &sh->config, &list, &count, &events);
    sh->out->events_before = events;
    sh->out->nonzero_before = fl__shrink_nonzero(list, count);
    free(list);
    return FL_OK;
}

/* The choice list of the shrunk scenario, shrunk from its own run and
 * from other seeds' runs, then confirmed. */
static int shrink_schedule(fl__shrinker_t *sh, char *error, size_t error_size) {
    fl_shrink_result_t *out = sh->out;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t view;
    int status = fl__shrink_view(sh, out, &arena, &view, error, error_size);
    if (status == FL_OK && !fl__shrink_run(sh, &view, sh->seed, &sh->config, &out->choices,
                                           &out->choice_count, &out->events_after))
        status = FL_EINVAL, snprintf(error, error_size, "the shrunk scenario no longer fails");
    if (status == FL_OK) {
        fl__shrink_choices(sh, &view);
        shrink_from_other_seeds(sh, &view);
        status = confirm(sh, &view, error, error_size);
    }
    fl_arena_destroy(&arena);
    return status;
}

int fl_shrink(fl_scenario_t *s, uint64_t seed, const fl_run_config_t *config,
              fl_shrink_result_t *out, char *error, size_t error_size) {
    assert(s != NULL && out != NULL && error != NULL && error_size > 0);
    memset(out, 0, sizeof *out);
    fl__shrinker_t sh = {.s = s, .seed = seed, .finds = s->mode == FL_SCENARIO_FINDS, .out = out,
                         .origin_seed = seed};
    /* Without the file's text (a scenario built in C) nothing is cut. */
    if (s->file != NULL) fl_shrink_source_read(s->file, &sh.source);
    if (config != NULL) sh.config = *config;
    sh.config.timeline = NULL, sh.config.chrome_trace = NULL;
    sh.result = malloc(sizeof *sh.result);
    if (sh.result == NULL) fl__out_of_memory("shrink");
    out->network = s->network;
    out->faults_before = s->fault_count;
    out->seed = seed;
    for (size_t i = 0; i < s->fault_count; i++) out->fault_kept[i] = true;
    int status = first_run(&sh, error, error_size);
    if (status == FL_OK) {
        shrink_faults_and_network(&sh);
        fl__shrink_cuts(&sh);
        status = shrink_schedule(&sh, error, error_size);
    }
    fl_shrink_source_free(&sh.source);
    free(sh.result);
    assert(status != FL_OK || out->faults_kept <= out->faults_before);
    return status;
}

void fl_shrink_result_free(fl_shrink_result_t *result) {
    assert(result != NULL);
    free(result->choices);
    result->choices = NULL;
    result->choice_count = 0;
}
