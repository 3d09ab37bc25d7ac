#include "harness/run/shrink.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

enum { CHOICE_PASSES_MAX = 8 };

typedef struct shrinker {
    fl_scenario_t *s;            /* the caller's, restored at the end */
    uint64_t seed;
    fl_run_config_t config;      /* the failing run's policy and schedule */
    bool finds;
    fl_shrink_result_t *out;
    fl_seed_result_t *result;    /* malloc'd: large */
} shrinker_t;

/* The same failure: a finds file's check fails with its faults acting; a
 * holds file fails the same check. */
static bool shows(const shrinker_t *sh) {
    const fl_seed_result_t *r = sh->result;
    assert(sh != NULL && r != NULL);
    if (sh->finds) return r->target_failed && !r->faults_silent;
    return !r->passed && strcmp(r->failed_check, sh->out->check) == 0;
}

/* One run of s under config; true when it shows the failure. With list,
 * the run's whole choice list and its event count come back too. */
static bool run(shrinker_t *sh, const fl_scenario_t *s, const fl_run_config_t *config,
                uint32_t **list, size_t *count, size_t *events) {
    assert(sh != NULL && s != NULL && config != NULL);
    int status;
    sh->out->runs++;
    if (list == NULL) {
        status = fl_scenario_run_seed(s, sh->seed, config, sh->result);
    } else {
        fl_run_record_t record;
        status = fl_scenario_run_recorded(s, sh->seed, config, sh->result, &record);
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

int fl_shrink_apply(fl_arena_t *arena, const fl_scenario_t *s, const fl_shrink_result_t *result,
                    fl_scenario_t *out, char *error, size_t error_size) {
    return apply(arena, s, result, out, error, error_size);
}

/* Keeps a change to out (a fault dropped, the network simpler) when the
 * failure still shows under the failing run's own seed and policy. */
static bool try_change(shrinker_t *sh, fl_shrink_result_t *candidate) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t view;
    char error[256];
    bool kept = apply(&arena, sh->s, candidate, &view, error, sizeof error) == FL_OK &&
                run(sh, &view, &sh->config, NULL, NULL, NULL);
    fl_arena_destroy(&arena);
    if (kept) {
        memcpy(sh->out->fault_kept, candidate->fault_kept, sizeof candidate->fault_kept);
        sh->out->network = candidate->network;
    }
    return kept;
}

static void shrink_faults_and_network(shrinker_t *sh) {
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

static size_t nonzero(const uint32_t *list, size_t count) {
    size_t n = 0;
    for (size_t i = 0; i < count; i++) n += list[i] != 0;
    return n;
}

/* Replays the list with choices [first, first + count) set to 0; when the
 * failure still shows, the list becomes that run's own (the choices after
 * may have moved). */
static bool try_zero(shrinker_t *sh, const fl_scenario_t *view, size_t first, size_t count) {
    fl_shrink_result_t *out = sh->out;
    assert(first + count <= out->choice_count && count >= 1);
    uint32_t *saved = malloc(count * sizeof *saved);
    if (saved == NULL) fl__out_of_memory("shrink");
    memcpy(saved, out->choices + first, count * sizeof *saved);
    memset(out->choices + first, 0, count * sizeof *saved);
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_run_config_t replay = {.policy = "replay", .replay_pads_zero = true,
                              .schedule = fl_schedule_format(&arena, out->choices, out->choice_count)};
    uint32_t *list = NULL;
    size_t length = 0, events = 0;
    bool kept = run(sh, view, &replay, &list, &length, &events);
    if (kept) {
        free(out->choices);
        out->choices = list, out->choice_count = length, out->events_after = events;
    } else {
        memcpy(out->choices + first, saved, count * sizeof *saved);
        free(list);
    }
    free(saved);
    fl_arena_destroy(&arena);
    return kept;
}

/* Zeroes blocks of the given size (the last one shorter), from the end;
 * a block whose choices are all 0 is skipped. */
static bool zero_blocks(shrinker_t *sh, const fl_scenario_t *view, size_t block) {
    fl_shrink_result_t *out = sh->out;
    assert(block >= 1);
    bool changed = false;
    for (size_t end = out->choice_count; end > 0;) {
        size_t first = end > block ? end - block : 0;
        if (end <= out->choice_count && nonzero(out->choices + first, end - first) > 0 &&
            try_zero(sh, view, first, end - first))
            changed = true;
        end = first;
    }
    return changed;
}

/* One strategy to a fixed point: single choices first (singles_first), or
 * ddmin's chunks first (halves, quarters, ...), which clear choices that
 * only go together. */
static void zero_until_fixed(shrinker_t *sh, const fl_scenario_t *view, bool singles_first) {
    fl_shrink_result_t *out = sh->out;
    for (int pass = 0; pass < CHOICE_PASSES_MAX; pass++) {
        bool changed = false;
        if (singles_first) changed |= zero_blocks(sh, view, 1);
        for (size_t block = out->choice_count / 2; block >= 2; block /= 2)
            changed |= zero_blocks(sh, view, block);
        if (!singles_first) changed |= zero_blocks(sh, view, 1);
        if (!changed) break;
    }
}

/* Both strategies from the same list; the one that leaves fewer choices
 * not 0 wins (greedy shrinking depends on its order; runs are cheap). */
static void shrink_choices(shrinker_t *sh, const fl_scenario_t *view) {
    fl_shrink_result_t *out = sh->out;
    size_t start_count = out->choice_count, start_events = out->events_after;
    uint32_t *start = malloc((start_count ? start_count : 1) * sizeof *start);
    if (start == NULL) fl__out_of_memory("shrink");
    memcpy(start, out->choices, start_count * sizeof *start);
    zero_until_fixed(sh, view, true);
    uint32_t *first = out->choices;
    size_t first_count = out->choice_count, first_events = out->events_after;
    out->choices = start, out->choice_count = start_count, out->events_after = start_events;
    zero_until_fixed(sh, view, false);
    if (nonzero(first, first_count) <= nonzero(out->choices, out->choice_count)) {
        free(out->choices);
        out->choices = first, out->choice_count = first_count, out->events_after = first_events;
    } else {
        free(first);
    }
    out->nonzero_after = nonzero(out->choices, out->choice_count);
}

/* The final list once more, as a user will replay it (whole, so nothing
 * is padded): it must still fail; its hash and events are the answer's. */
static int confirm(shrinker_t *sh, const fl_scenario_t *view, char *error, size_t size) {
    fl_shrink_result_t *out = sh->out;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_run_config_t replay = {.policy = "replay",
                              .schedule = fl_schedule_format(&arena, out->choices, out->choice_count)};
    uint32_t *list = NULL;
    size_t count = 0;
    bool still = run(sh, view, &replay, &list, &count, &out->events_after);
    out->trace_hash = sh->result->trace_hash;
    free(list);
    fl_arena_destroy(&arena);
    if (still) return FL_OK;
    snprintf(error, size, "the shrunk schedule no longer fails when replayed");
    return FL_EINVAL;
}

/* The first run: it must fail; it names the check and the list to start. */
static int first_run(shrinker_t *sh, char *error, size_t size) {
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
    run(sh, sh->s, &sh->config, &list, &count, &events);
    sh->out->events_before = events;
    sh->out->nonzero_before = nonzero(list, count);
    free(list);
    return FL_OK;
}

int fl_shrink(fl_scenario_t *s, uint64_t seed, const fl_run_config_t *config,
              fl_shrink_result_t *out, char *error, size_t error_size) {
    assert(s != NULL && out != NULL && error != NULL && error_size > 0);
    memset(out, 0, sizeof *out);
    shrinker_t sh = {.s = s, .seed = seed, .finds = s->mode == FL_SCENARIO_FINDS, .out = out};
    if (config != NULL) sh.config = *config;
    sh.config.timeline = NULL, sh.config.chrome_trace = NULL;
    sh.result = malloc(sizeof *sh.result);
    if (sh.result == NULL) fl__out_of_memory("shrink");
    out->network = s->network;
    out->faults_before = s->fault_count;
    for (size_t i = 0; i < s->fault_count; i++) out->fault_kept[i] = true;
    int status = first_run(&sh, error, error_size);
    if (status == FL_OK) {
        shrink_faults_and_network(&sh);
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t view;
        status = apply(&arena, s, out, &view, error, error_size);
        /* The list to shrink: the simpler scenario's own run. */
        if (status == FL_OK && !run(&sh, &view, &sh.config, &out->choices, &out->choice_count,
                                    &out->events_after))
            status = FL_EINVAL, snprintf(error, error_size, "the shrunk scenario no longer fails");
        if (status == FL_OK) shrink_choices(&sh, &view);
        if (status == FL_OK) status = confirm(&sh, &view, error, error_size);
        fl_arena_destroy(&arena);
    }
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
