/* Exploration: how many schedules per second systematic exploration runs.
 *
 * explore_dfs: schedules per second of `explore --policy dfs --bound 3` on
 * the shield shape (scenarios/shield/v038_holds.yaml: two stacked
 * BaseHTTPMiddleware, the client's disconnect racing the response start;
 * 4,281 schedules of seed 1 within 3 delays), each a whole run with every
 * check, beside the same file's random-policy runs per second measured in
 * the same process: the ratio is what a dfs step costs over a plain run
 * (the prefix, the trail and the backtracking).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "harness/cli/explore_dfs.h"
#include "harness/model/loader.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"

static const char SHIELD_FILE[] = "scenarios/shield/v038_holds.yaml";
enum { ROUNDS = 3, RANDOM_SEEDS = 4000, DFS_BOUND = 3 };

static fl_seed_result_t result; /* large: kept off the stack */

/* One exploration; returns the schedules it ran (from its answer line). */
static uint64_t explore_once(const fl_scenario_t *s) {
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    FILE *err = fopen("/dev/null", "w");
    if (out == NULL || err == NULL || fl__explore_dfs(s, SHIELD_FILE, DFS_BOUND, 1000000, out, err) != 0) {
        fprintf(stderr, "bench_explore: dfs on %s did not hold\n", SHIELD_FILE);
        exit(1);
    }
    fclose(out);
    fclose(err);
    uint64_t schedules = 0;
    const char *all = strstr(text, ": all ");
    if (all == NULL || sscanf(all, ": all %" SCNu64, &schedules) != 1 || schedules == 0) {
        fprintf(stderr, "bench_explore: no schedule count in: %s\n", text);
        exit(1);
    }
    free(text);
    return schedules;
}

static double best_dfs_rate(const fl_scenario_t *s) {
    double best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        double start = bench_now_seconds();
        uint64_t schedules = explore_once(s);
        double rate = (double)schedules / (bench_now_seconds() - start);
        if (rate > best) best = rate;
    }
    return best;
}

static double best_random_rate(const fl_scenario_t *s) {
    fl_run_config_t config = {.policy = "random"};
    double best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        double start = bench_now_seconds();
        for (uint64_t seed = 1; seed <= RANDOM_SEEDS; seed++)
            if (fl_scenario_run_seed(s, seed, &config, &result) != 0 || !result.passed) {
                fprintf(stderr, "bench_explore: seed %" PRIu64 " failed\n", seed);
                exit(1);
            }
        double rate = RANDOM_SEEDS / (bench_now_seconds() - start);
        if (rate > best) best = rate;
    }
    return best;
}

int main(void) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[512];
    if (fl_scenario_load_file(&arena, SHIELD_FILE, &s, error, sizeof error) != 0) {
        fprintf(stderr, "bench_explore: %s\n", error);
        return 1;
    }
    double random_rate = best_random_rate(&s);
    double dfs_rate = best_dfs_rate(&s);
    bench_report("explore_dfs", dfs_rate, "schedules/s", "random runs", random_rate, "runs/s");
    fl_arena_destroy(&arena);
    return 0;
}
