/* Shrinking a run's choice list, as Hypothesis's reducer works on one
 * recorded sequence (MacIver and Donaldson, ECOOP 2020): a candidate list
 * is replayed (past its end every choice is 0), and when the failure still
 * shows and the run's own list is simpler (fl__shrink_simpler), that list
 * becomes the current one. The passes: blocks set to 0 (single choices and
 * ddmin's halves, quarters, ...), blocks deleted (the rest shifted left),
 * each value lowered by binary search toward 0, and adjacent pairs sorted.
 * A choice's meaning is its position, so a pass that changes one choice
 * may move every later one: only replaying tells, and runs are cheap. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/shrinker.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

enum { CHOICE_PASSES_MAX = 8, DELETE_BLOCK_MAX = 2 };

size_t fl__shrink_nonzero(const uint32_t *list, size_t count) {
    size_t n = 0;
    for (size_t i = 0; i < count; i++) n += list[i] != 0;
    return n;
}

static uint64_t sum_of(const uint32_t *list, size_t count) {
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) sum += list[i];
    return sum;
}

bool fl__shrink_simpler(const uint32_t *a, size_t a_count, const uint32_t *b, size_t b_count) {
    assert((a != NULL || a_count == 0) && (b != NULL || b_count == 0));
    size_t a_nonzero = fl__shrink_nonzero(a, a_count), b_nonzero = fl__shrink_nonzero(b, b_count);
    if (a_nonzero != b_nonzero) return a_nonzero < b_nonzero;
    uint64_t a_sum = sum_of(a, a_count), b_sum = sum_of(b, b_count);
    if (a_sum != b_sum) return a_sum < b_sum;
    if (a_count != b_count) return a_count < b_count;
    for (size_t i = 0; i < a_count; i++)
        if (a[i] != b[i]) return a[i] < b[i];
    return false;
}

static uint32_t *copy_of(const fl_shrink_result_t *out) {
    uint32_t *copy = malloc((out->choice_count ? out->choice_count : 1) * sizeof *copy);
    if (copy == NULL) fl__out_of_memory("shrink");
    memcpy(copy, out->choices, out->choice_count * sizeof *copy);
    return copy;
}

/* Replays candidate (count choices; taken and freed); true when the run
 * shows the failure with a simpler list, which becomes the current one. */
static bool try_list(fl__shrinker_t *sh, const fl_scenario_t *view, uint32_t *candidate,
                     size_t count) {
    fl_shrink_result_t *out = sh->out;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_run_config_t replay = {.policy = "replay", .replay_pads_zero = true,
                              .schedule = fl_schedule_format(&arena, candidate, count)};
    uint32_t *list = NULL;
    size_t length = 0, events = 0;
    bool kept = fl__shrink_run(sh, view, sh->seed, &replay, &list, &length, &events) &&
                fl__shrink_simpler(list, length, out->choices, out->choice_count);
    if (kept) {
        free(out->choices);
        out->choices = list, out->choice_count = length, out->events_after = events;
    } else {
        free(list);
    }
    free(candidate);
    fl_arena_destroy(&arena);
    return kept;
}

/* Sets blocks of the given size (the last one shorter) to 0, from the
 * end; a block whose choices are all 0 is skipped. */
static bool zero_blocks(fl__shrinker_t *sh, const fl_scenario_t *view, size_t block) {
    fl_shrink_result_t *out = sh->out;
    assert(block >= 1);
    bool changed = false;
    for (size_t end = out->choice_count; end > 0;) {
        size_t first = end > block ? end - block : 0;
        if (end <= out->choice_count && fl__shrink_nonzero(out->choices + first, end - first) > 0) {
            uint32_t *candidate = copy_of(out);
            memset(candidate + first, 0, (end - first) * sizeof *candidate);
            changed |= try_list(sh, view, candidate, out->choice_count);
        }
        end = first;
    }
    return changed;
}

/* Deletes blocks of the given size, from the end: the choices after move
 * one block to the left, so a run that needed one choice fewer fits. */
static bool delete_blocks(fl__shrinker_t *sh, const fl_scenario_t *view, size_t block) {
    fl_shrink_result_t *out = sh->out;
    assert(block >= 1);
    bool changed = false;
    for (size_t end = out->choice_count; end >= block && end > 0; end--) {
        if (end > out->choice_count) continue;
        size_t first = end - block;
        uint32_t *candidate = copy_of(out);
        memmove(candidate + first, candidate + end, (out->choice_count - end) * sizeof *candidate);
        changed |= try_list(sh, view, candidate, out->choice_count - block);
    }
    return changed;
}

/* Lowers each choice above 1 by binary search between 0 (the zero pass's
 * business) and its value: a segmentation split or a jitter needs a small
 * value where it cannot be 0. */
static bool lower_each(fl__shrinker_t *sh, const fl_scenario_t *view) {
    fl_shrink_result_t *out = sh->out;
    bool changed = false;
    for (size_t i = out->choice_count; i-- > 0;) {
        if (i >= out->choice_count || out->choices[i] <= 1) continue;
        uint32_t low = 0, high = out->choices[i];
        while (high - low > 1 && i < out->choice_count) {
            uint32_t middle = low + (high - low) / 2;
            uint32_t *candidate = copy_of(out);
            candidate[i] = middle;
            if (try_list(sh, view, candidate, out->choice_count))
                high = middle, changed = true;
            else
                low = middle;
        }
    }
    return changed;
}

/* Swaps each adjacent pair that is out of order: the same choices, the
 * smaller first, is lexicographically simpler. */
static bool sort_pairs(fl__shrinker_t *sh, const fl_scenario_t *view) {
    fl_shrink_result_t *out = sh->out;
    bool changed = false;
    for (size_t i = 0; i + 1 < out->choice_count; i++) {
        if (out->choices[i] <= out->choices[i + 1]) continue;
        uint32_t *candidate = copy_of(out);
        candidate[i] = out->choices[i + 1], candidate[i + 1] = out->choices[i];
        changed |= try_list(sh, view, candidate, out->choice_count);
    }
    return changed;
}

/* Every pass to a fixed point: single choices first (singles_first), or
 * ddmin's chunks first, which clear choices that only go together. */
static void passes_until_fixed(fl__shrinker_t *sh, const fl_scenario_t *view, bool singles_first) {
    fl_shrink_result_t *out = sh->out;
    for (int pass = 0; pass < CHOICE_PASSES_MAX; pass++) {
        bool changed = false;
        if (singles_first) changed |= zero_blocks(sh, view, 1);
        for (size_t block = out->choice_count / 2; block >= 2; block /= 2)
            changed |= zero_blocks(sh, view, block);
        if (!singles_first) changed |= zero_blocks(sh, view, 1);
        for (size_t block = 1; block <= DELETE_BLOCK_MAX; block++)
            changed |= delete_blocks(sh, view, block);
        changed |= lower_each(sh, view);
        changed |= sort_pairs(sh, view);
        if (!changed) break;
    }
}

/* Both orders from the same list; the simpler answer wins (greedy
 * shrinking depends on its order). */
void fl__shrink_choices(fl__shrinker_t *sh, const fl_scenario_t *view) {
    fl_shrink_result_t *out = sh->out;
    assert(sh != NULL && view != NULL);
    size_t start_count = out->choice_count, start_events = out->events_after;
    uint32_t *start = copy_of(out);
    passes_until_fixed(sh, view, true);
    uint32_t *first = out->choices;
    size_t first_count = out->choice_count, first_events = out->events_after;
    out->choices = start, out->choice_count = start_count, out->events_after = start_events;
    passes_until_fixed(sh, view, false);
    if (!fl__shrink_simpler(out->choices, out->choice_count, first, first_count)) {
        free(out->choices);
        out->choices = first, out->choice_count = first_count, out->events_after = first_events;
    } else {
        free(first);
    }
    out->nonzero_after = fl__shrink_nonzero(out->choices, out->choice_count);
    assert(out->nonzero_after <= start_count);
}
