/* explore --policy dfs: every schedule of one seed within a delay bound.
 *
 * A schedule is the list of the scheduler's picks; index 0 is fifo's (the
 * task ready longest), index j delays j tasks, and a schedule's cost is the
 * sum of its picks (delay-bounded scheduling, Emmi, Qadeer and Rakamaric,
 * POPL 2011: a bound of k covers every schedule with k delays or fewer).
 * The explorer runs the scenario's first seed under the dfs policy with a
 * prefix, reads the run's trail (each pick and how many tasks it chose
 * among), and makes the next prefix by depth-first backtracking: the last
 * pick that can still grow within the bound grows by one, the rest of the
 * run goes back to fifo. The network's draws come from the seed, the same in
 * every run, so the answer is about the orders of the tasks: "all N
 * schedules within bound k hold" is a proof for that seed and bound, and a
 * failure comes with the full choice list that replays it. */
#include "harness/cli/explore_dfs.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/replay_command.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

enum { REPLAY_TEXT_MAX = 8192 };

static uint64_t cost_of(const uint32_t *values, size_t count) {
    assert(values != NULL || count == 0);
    uint64_t cost = 0;
    for (size_t i = 0; i < count; i++) cost += values[i];
    return cost;
}

/* The next prefix after trail, into prefix (count in *length); false when
 * every schedule within bound was run. */
static bool next_prefix(const fl_choice_trail_t *trail, uint32_t bound, uint32_t *prefix,
                        size_t *length) {
    assert(trail != NULL && prefix != NULL && length != NULL);
    uint64_t cost = cost_of(trail->values, trail->count);
    for (size_t i = trail->count; i-- > 0;) {
        cost -= trail->values[i]; /* the cost of the picks before i */
        if (trail->values[i] + 1 >= trail->widths[i]) continue;
        if (cost + trail->values[i] + 1 > bound) continue;
        memcpy(prefix, trail->values, i * sizeof *prefix);
        prefix[i] = trail->values[i] + 1;
        *length = i + 1;
        return true;
    }
    return false;
}

static bool showed(const fl_scenario_t *s, const fl_seed_result_t *r) {
    assert(s != NULL && r != NULL && (s->mode != FL_SCENARIO_FINDS || s->finds != NULL));
    if (s->mode == FL_SCENARIO_FINDS) return r->target_failed && !r->faults_silent;
    return !r->passed;
}

/* The failing run once more, recorded: its full choice list, which
 * `replay --schedule` plays back with any seed. */
static char *full_schedule(const fl_scenario_t *s, uint64_t seed, const char *prefix) {
    assert(s != NULL && prefix != NULL);
    fl_run_config_t config = {.policy = "dfs", .schedule = prefix};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("explore");
    fl_run_record_t record;
    fl_scenario_run_recorded(s, seed, &config, result, &record);
    char *schedule = record.schedule != NULL ? record.schedule : strdup("");
    record.schedule = NULL;
    fl_run_record_free(&record);
    free(result);
    if (schedule == NULL) fl__out_of_memory("explore");
    return schedule;
}

/* The first schedule that showed the bug, and the full list that replays it. */
static void print_found(const fl_scenario_t *s, const char *path, uint32_t bound, uint64_t seed,
                        uint64_t schedules, const char *prefix, const fl_choice_trail_t *trail,
                        const fl_seed_result_t *result, FILE *out) {
    assert(s != NULL && path != NULL && prefix != NULL && trail != NULL && result != NULL);
    assert(schedules >= 1 && cost_of(trail->values, trail->count) <= bound);
    bool finds = s->mode == FL_SCENARIO_FINDS;
    char *full = full_schedule(s, seed, prefix);
    fl_replay_command_t command = {.file = path, .seed = seed, .policy = "dfs", .schedule = full};
    char replay[REPLAY_TEXT_MAX];
    fprintf(out, "dfs, delay bound %u, seed %" PRIu64 ": %s at schedule %" PRIu64
                 " (picks %s, %" PRIu64 " delays)\n  %s\n  replay: %s\n",
            bound, seed, finds ? "found" : "FAILED", schedules, prefix[0] ? prefix : "fifo",
            cost_of(trail->values, trail->count),
            finds ? result->target_message : result->message,
            fl_replay_command_format(&command, replay, sizeof replay));
    free(full);
}

/* Every schedule ran (or the cap stopped it) without the bug. */
static void print_exhausted(const fl_scenario_t *s, uint32_t bound, uint64_t seed,
                            uint64_t schedules, uint64_t longest, bool capped, FILE *out) {
    assert(s != NULL && out != NULL && schedules >= 1);
    const char *verdict = s->mode == FL_SCENARIO_FINDS ? "none finds the bug" : "every one holds";
    fprintf(out, "dfs, delay bound %u, seed %" PRIu64 ": %s %" PRIu64
                 " schedules (up to %" PRIu64 " picks each): %s%s\n",
            bound, seed, capped ? "stopped after" : "all", schedules, longest, verdict,
            capped ? " so far (--runs caps it)" : "");
}

/* Room in *prefix for count picks. */
static void reserve(uint32_t **prefix, size_t *capacity, size_t count) {
    assert(prefix != NULL && capacity != NULL);
    if (count <= *capacity) return;
    uint32_t *grown = realloc(*prefix, count * sizeof **prefix);
    if (grown == NULL) fl__out_of_memory("explore"); /* *prefix still held */
    *prefix = grown;
    *capacity = count;
}

/* After one schedule: the answer's exit code when this one decides (it
 * showed the bug, or none is left within the bound or the cap), else -1
 * with the next prefix made. */
static int step(const fl_scenario_t *s, const char *path, uint32_t bound, uint64_t seed,
                uint64_t max_schedules, uint64_t schedules, uint64_t longest, const char *text,
                const fl_choice_trail_t *trail, const fl_seed_result_t *result, uint32_t **prefix,
                size_t *capacity, size_t *length, FILE *out) {
    assert(schedules >= 1 && schedules <= max_schedules);
    bool finds = s->mode == FL_SCENARIO_FINDS;
    if (showed(s, result)) {
        print_found(s, path, bound, seed, schedules, text, trail, result, out);
        return finds ? FL_EXIT_HELD : FL_EXIT_FAILED;
    }
    reserve(prefix, capacity, trail->count);
    bool more = next_prefix(trail, bound, *prefix, length);
    if (more && schedules < max_schedules) return -1;
    print_exhausted(s, bound, seed, schedules, longest, more, out);
    return finds ? FL_EXIT_FAILED : FL_EXIT_HELD;
}

int fl__explore_dfs(const fl_scenario_t *s, const char *path, uint32_t bound,
                    uint64_t max_schedules, FILE *out, FILE *err) {
    assert(s != NULL && path != NULL && out != NULL && err != NULL && max_schedules >= 1);
    uint64_t seed = s->seed_first, schedules = 0, longest = 0;
    uint32_t *prefix = NULL;
    size_t length = 0, capacity = 0;
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("explore");
    int code = -1;
    while (code < 0) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        const char *text = fl_schedule_format(&arena, prefix, length);
        fl_choice_trail_t trail = {0};
        fl_run_config_t config = {.policy = "dfs", .schedule = text, .trail = &trail};
        if (fl_scenario_run_seed(s, seed, &config, result) != FL_OK) {
            fprintf(err, "faultline explore: seed %" PRIu64 ": cannot run: %s\n", seed,
                    result->message);
            code = FL_EXIT_ERROR;
        } else {
            schedules++;
            if (trail.count > longest) longest = trail.count;
            code = step(s, path, bound, seed, max_schedules, schedules, longest, text, &trail,
                        result, &prefix, &capacity, &length, out);
        }
        fl_choice_trail_free(&trail);
        fl_arena_destroy(&arena);
    }
    free(prefix);
    free(result);
    assert(code == FL_EXIT_HELD || code == FL_EXIT_FAILED || code == FL_EXIT_ERROR);
    return code;
}
