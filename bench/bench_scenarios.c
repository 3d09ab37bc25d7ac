/* Whole scenario runs: how many per second, and how much virtual time each
 * wall-clock second covers.
 *
 * scenario_rps_sse: runs per second of story 2 (scenarios/sse/
 * story2_plain_cleanup.yaml: an SSE endpoint streaming events, the client
 * leaving after 3), one fl_scenario_run_seed per seed over many seeds in
 * this process, with every check of the file applied, beside
 * bench/peers/starlette_peer.py driving real Starlette in-process through the
 * same shape: a StreamingResponse of an async generator of SSE events, a
 * receive that reports http.disconnect once 3 body messages were sent.
 *
 * scenario_rps_shield: the same for story 3 (scenarios/shield/
 * v038_holds.yaml: two stacked BaseHTTPMiddleware, the client's disconnect
 * racing the response start) beside the peer's two stacked
 * BaseHTTPMiddleware around a PlainTextResponse endpoint, receive giving
 * http.request then http.disconnect.
 *
 * A faultline run is a whole world: the simulated network, the mock server,
 * the client, the checks; a peer run is only the app called directly. The
 * peer's sleeps are real, so they are 0 there; faultline's are virtual (1 s
 * between SSE events) and cost nothing. What the ratio compares is the
 * machinery's cost per run.
 *
 * scenario_rps_program: runs per second of story 3's fixed middleware
 * written in the file as a program (scenarios/programs/
 * base_http_shield_start_program_holds.yaml: two stacked, the client's
 * disconnect racing the start) beside the same shape built in
 * (scenarios/shield/shield_start_holds.yaml, base_http: "shield-start"),
 * both measured here in the same process and run: the ratio is what
 * interpreting the program costs against the C model (the target is 0.7 or
 * more).
 *
 * virtual_time: simulated seconds covered per wall-clock second by a
 * scenario made of timeouts and retries (VIRTUAL_TIME_YAML: 5 attempts
 * against a route that sleeps 10 s, a 2 s read timeout; about 25 virtual
 * seconds a run). The runner does not expose fl_now at the end of a run, so
 * each seed is run twice: once timed, without a trace; once untimed, with a
 * timeline, whose last trace event's time is the run's end (runs are
 * deterministic: the two must give the same trace hash, which is checked).
 *
 * The peer needs python3-starlette and python3-anyio (`make bench-deps`);
 * without them the lines are still printed, the baseline named
 * "starlette (not installed)" with 0, so the ratio reads nan.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "harness/model/loader.h"
#include "harness/run/runner.h"
#include "harness/model/scenario.h"
#include "sim/runtime/arena.h"

static const char PYTHON[] = "/usr/bin/python3";
static const char PEER[] = "bench/peers/starlette_peer.py"; /* relative to the repository root */
static const char SSE_FILE[] = "scenarios/sse/story2_plain_cleanup.yaml";
static const char SHIELD_FILE[] = "scenarios/shield/v038_holds.yaml";
static const char PROGRAM_FILE[] = "scenarios/programs/base_http_shield_start_program_holds.yaml";
static const char BUILT_IN_FILE[] = "scenarios/shield/shield_start_holds.yaml";

enum {
    ROUNDS = 3,             /* the best round counts, on both sides */
    WARM_UP_SEEDS = 50,
    SSE_SEEDS = 5000,       /* per round */
    SHIELD_SEEDS = 20000,
    PROGRAM_SEEDS = 10000,
    PEER_SSE_RUNS = 10000,  /* per round of the peer */
    PEER_SHIELD_RUNS = 3000,
    VIRTUAL_SEEDS = 5000,
};

/* Retries against a route slower than the read timeout: each attempt waits
 * 2 s for nothing, the retry backs off (1 s, 2 s, 4 s, 8 s, jittered), the
 * last attempt fails with ReadTimeout, and the run ends when the last handler
 * finishes its 10 s sleep. */
static const char VIRTUAL_TIME_YAML[] =
    "name: \"retries against a slow route\"\n"
    "seeds: 1..200\n"
    "server:\n"
    "  routes:\n"
    "    - path: /slow\n"
    "      steps:\n"
    "        - sleep: 10s\n"
    "        - respond: {status: 200, body: late}\n"
    "client:\n"
    "  timeouts: {read: 2s}\n"
    "  middleware:\n"
    "    - retry: {attempts: 5, base_delay: 1s, max_delay: 8s}\n"
    "  tasks:\n"
    "    - name: main\n"
    "      steps:\n"
    "        - request: {id: call, path: /slow}\n"
    "expect:\n"
    "  - step: {step: call, error: ReadTimeout, attempts: 5}\n"
    "  - server: {name: five_requests, log: request, count: 5}\n";

static fl_seed_result_t result; /* large: kept off the stack */

static void load_file(fl_arena_t *arena, const char *path, fl_scenario_t *scenario) {
    char error[512];
    if (fl_scenario_load_file(arena, path, scenario, error, sizeof error) != 0) {
        fprintf(stderr, "bench_scenarios: %s\n", error);
        exit(1);
    }
}

static void run_one(const fl_scenario_t *scenario, uint64_t seed, const fl_run_config_t *config) {
    if (fl_scenario_run_seed(scenario, seed, config, &result) != 0 || !result.passed) {
        fprintf(stderr, "bench_scenarios: %s seed %" PRIu64 " failed: %s: %s\n", scenario->file,
                seed, result.failed_check, result.message);
        exit(1);
    }
}

/* Seeds first..first+count-1, each checked; returns the wall-clock seconds. */
static double run_seeds(const fl_scenario_t *scenario, uint64_t first, uint64_t count) {
    double start = bench_now_seconds();
    for (uint64_t seed = first; seed < first + count; seed++) run_one(scenario, seed, NULL);
    return bench_now_seconds() - start;
}

/* The best of ROUNDS rounds of count seeds (the same seeds each round). */
static double scenario_runs_per_second(const fl_scenario_t *scenario, uint64_t count) {
    run_seeds(scenario, 1, WARM_UP_SEEDS);
    double best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        double rate = (double)count / run_seeds(scenario, 1, count);
        if (rate > best) best = rate;
    }
    return best;
}

/* --- the Starlette peer --------------------------------------------------------------------- */

static bool starlette_installed(void) {
    char command[160];
    snprintf(command, sizeof command, "%s -c 'import starlette, anyio' >/dev/null 2>&1", PYTHON);
    return access(PYTHON, X_OK) == 0 && access(PEER, R_OK) == 0 && system(command) == 0;
}

static double peer_runs_per_second(const char *shape, int runs) {
    char command[256];
    snprintf(command, sizeof command, "%s %s %s %d 2>&1", PYTHON, PEER, shape, runs);
    double best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        double rate = bench_run_and_parse(command, "runs/s:", true);
        if (rate > best) best = rate;
    }
    return best;
}

static void report_rps(void) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sse, shield;
    load_file(&arena, SSE_FILE, &sse);
    load_file(&arena, SHIELD_FILE, &shield);
    double sse_rate = scenario_runs_per_second(&sse, SSE_SEEDS);
    double shield_rate = scenario_runs_per_second(&shield, SHIELD_SEEDS);
    fl_arena_destroy(&arena);

    bool have_peer = starlette_installed();
    fflush(stdout);
    if (!have_peer)
        fprintf(stderr, "bench_scenarios: python3-starlette or python3-anyio is not installed "
                        "(make bench-deps): no baseline\n");
    double sse_peer = have_peer ? peer_runs_per_second("sse", PEER_SSE_RUNS) : 0;
    double shield_peer = have_peer ? peer_runs_per_second("shield", PEER_SHIELD_RUNS) : 0;
    const char *name = have_peer ? "starlette" : "starlette (not installed)";
    bench_report("scenario_rps_sse", sse_rate, "runs/s", name, sse_peer, "runs/s");
    bench_report("scenario_rps_shield", shield_rate, "runs/s", name, shield_peer, "runs/s");
}

static void report_program(void) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t program, built_in;
    load_file(&arena, PROGRAM_FILE, &program);
    load_file(&arena, BUILT_IN_FILE, &built_in);
    double program_rate = scenario_runs_per_second(&program, PROGRAM_SEEDS);
    double built_in_rate = scenario_runs_per_second(&built_in, PROGRAM_SEEDS);
    fl_arena_destroy(&arena);
    fflush(stdout);
    bench_report("scenario_rps_program", program_rate, "runs/s", "built-in shield-start",
                 built_in_rate, "runs/s");
}

/* --- virtual time ------------------------------------------------------------------------------ */

/* The time of the last trace event in a timeline (fl_world_print_trace's
 * lines start with "SECONDS.NANOSECONDS"), in nanoseconds. */
static int64_t timeline_end_ns(const char *timeline) {
    const char *trace = strstr(timeline, "--- trace\n");
    const char *end = trace != NULL ? strstr(trace, "\ntrace hash ") : NULL;
    if (trace == NULL || end == NULL) return -1;
    int64_t last = -1;
    for (const char *line = trace + strlen("--- trace\n"); line < end;) {
        long long seconds, nanoseconds;
        if (sscanf(line, " %lld.%9lld", &seconds, &nanoseconds) == 2) {
            int64_t t = (int64_t)seconds * 1000000000 + nanoseconds;
            if (t > last) last = t;
        } else if (strncmp(line, "(", 1) == 0) {
            return -1; /* "(N events not kept)": the end is not in the record */
        }
        const char *next = strchr(line, '\n');
        if (next == NULL) break;
        line = next + 1;
    }
    return last;
}

/* Runs seed with a timeline and returns where its virtual clock ended. */
static int64_t virtual_end_ns(const fl_scenario_t *scenario, uint64_t seed, uint64_t expect_hash) {
    char *text = NULL;
    size_t size = 0;
    FILE *timeline = open_memstream(&text, &size);
    if (timeline == NULL) {
        perror("bench_scenarios: open_memstream");
        exit(1);
    }
    fl_run_config_t config = {.timeline = timeline};
    run_one(scenario, seed, &config);
    fclose(timeline);
    int64_t end = timeline_end_ns(text);
    free(text);
    if (end < 0 || result.trace_hash != expect_hash) {
        fprintf(stderr, "bench_scenarios: virtual_time: seed %" PRIu64 ": %s\n", seed,
                end < 0 ? "no end time in the timeline" : "the traced run differs from the timed one");
        exit(1);
    }
    return end;
}

static void report_virtual_time(void) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t scenario;
    char error[512];
    if (fl_scenario_load_string(&arena, "virtual_time.yaml", VIRTUAL_TIME_YAML, &scenario, error,
                                sizeof error) != 0) {
        fprintf(stderr, "bench_scenarios: %s\n", error);
        exit(1);
    }
    static uint64_t hashes[VIRTUAL_SEEDS];
    run_seeds(&scenario, 1, WARM_UP_SEEDS);
    double wall = 0;
    for (uint64_t seed = 1; seed <= VIRTUAL_SEEDS; seed++) {
        double start = bench_now_seconds();
        run_one(&scenario, seed, NULL);
        wall += bench_now_seconds() - start;
        hashes[seed - 1] = result.trace_hash;
    }
    double virtual_seconds = 0;
    for (uint64_t seed = 1; seed <= VIRTUAL_SEEDS; seed++)
        virtual_seconds += (double)virtual_end_ns(&scenario, seed, hashes[seed - 1]) / 1e9;
    fl_arena_destroy(&arena);
    fflush(stdout);
    fprintf(stderr, "bench_scenarios: virtual_time: %d runs, %.1f virtual s (%.2f per run) in %.3f s\n",
            VIRTUAL_SEEDS, virtual_seconds, virtual_seconds / VIRTUAL_SEEDS, wall);
    double ratio = virtual_seconds / wall;
    bench_report("virtual_time", ratio, "virtual-s/s", "wall-clock", 1, "s/s");
}

int main(void) {
    report_rps();
    report_program();
    report_virtual_time();
    return 0;
}
