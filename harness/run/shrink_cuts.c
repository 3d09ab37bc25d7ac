/* Shrinking the scenario's text: each client task, then each top-level
 * step, is cut where the same check still fails without it, and each
 * fault's trigger value (an `at` time, a `bytes` offset, an event `count`,
 * a `connect` number) is moved earlier: its lowest value first, then a
 * binary search between it and the value written. A candidate is the
 * rendered text, loaded: a cut the loader refuses (an expectation's step,
 * a cancel's task) is no candidate. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "harness/run/shrinker.h"
#include "sim/runtime/status.h"

enum { CUTS_MAX = 256, TRIGGER_PROBES_MAX = 40 };

/* Keeps edit (in place of an edit of the same bytes, or added) when the
 * rendered file still fails at some seed, which becomes the run's. */
static bool try_edit(fl__shrinker_t *sh, fl_shrink_edit_t edit) {
    fl_shrink_result_t *candidate = malloc(sizeof *candidate);
    if (candidate == NULL) fl__out_of_memory("shrink");
    *candidate = *sh->out;
    size_t slot = 0;
    while (slot < candidate->edit_count &&
           (candidate->edits[slot].start != edit.start || candidate->edits[slot].end != edit.end))
        slot++;
    bool room = slot < FL_SHRINK_EDITS_MAX;
    if (room) candidate->edits[slot] = edit;
    if (room && slot == candidate->edit_count) candidate->edit_count++;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t view;
    char error[512];
    uint64_t seed = sh->seed;
    bool kept = room && fl__shrink_view(sh, candidate, &arena, &view, error, sizeof error) == FL_OK &&
                fl__shrink_failing_seed(sh, &view, &seed);
    fl_arena_destroy(&arena);
    if (kept) {
        sh->out->edits[slot] = edit;
        sh->out->edit_count = candidate->edit_count;
        sh->seed = seed;
    }
    free(candidate);
    return kept;
}

/* Whether bytes [start, end) touch an edit already kept. */
static bool overlaps(const fl_shrink_result_t *r, size_t start, size_t end) {
    for (size_t i = 0; i < r->edit_count; i++)
        if (start < r->edits[i].end && r->edits[i].start < end) return true;
    return false;
}

static bool try_value(fl__shrinker_t *sh, const fl_shrink_cut_t *cut, uint64_t value) {
    fl_shrink_edit_t edit = {.start = cut->start, .end = cut->end};
    snprintf(edit.text, sizeof edit.text, "%" PRIu64 "%s", value, cut->unit);
    return try_edit(sh, edit);
}

/* The trigger's lowest value, else the lowest a binary search finds
 * between it (failing) and the value written (showing the failure). */
static bool move_trigger(fl__shrinker_t *sh, const fl_shrink_cut_t *cut) {
    assert(cut->kind == FL_SHRINK_CUT_TRIGGER && cut->value > cut->low);
    if (try_value(sh, cut, cut->low)) return true;
    uint64_t failing = cut->low, showing = cut->value;
    for (int probe = 0; probe < TRIGGER_PROBES_MAX && showing - failing > 1; probe++) {
        uint64_t middle = failing + (showing - failing) / 2;
        if (try_value(sh, cut, middle))
            showing = middle;
        else
            failing = middle;
    }
    return showing < cut->value;
}

void fl__shrink_cuts(fl__shrinker_t *sh) {
    assert(sh != NULL);
    if (sh->source.text == NULL) return;
    fl_shrink_cut_t *cuts = malloc(CUTS_MAX * sizeof *cuts);
    if (cuts == NULL) fl__out_of_memory("shrink");
    size_t count = fl_shrink_text_cuts(&sh->source, cuts, CUTS_MAX);
    fl_shrink_result_t *out = sh->out;
    for (size_t i = 0; i < count; i++) {
        const fl_shrink_cut_t *cut = &cuts[i];
        if (cut->kind == FL_SHRINK_CUT_TRIGGER) {
            if (out->fault_kept[cut->fault] && move_trigger(sh, cut)) out->triggers_moved++;
            continue;
        }
        if (overlaps(out, cut->start, cut->end) ||
            !try_edit(sh, (fl_shrink_edit_t){.start = cut->start, .end = cut->end}))
            continue;
        if (cut->kind == FL_SHRINK_CUT_TASK) out->tasks_cut++;
        else out->steps_cut++;
    }
    free(cuts);
    assert(out->edit_count <= FL_SHRINK_EDITS_MAX);
}
