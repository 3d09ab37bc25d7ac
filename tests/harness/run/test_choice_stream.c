/* One choice stream: the schedule a run prints holds every decision it
 * made (scheduler picks, segmentation, jitter, corruption, fault
 * probabilities, retry jitter), so replaying it under any other seed gives
 * the same trace hash, and a different seed without it gives another. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"

/* Every kind of draw: jitter on each segment, segmentation, a fault of
 * probability 0.5 (may not fire), corruption, and the retry's backoff. */
static const char DRAWS[] =
    "name: every draw\nseeds: 1..5\n"
    "network: {latency: 1ms, jitter: 1ms}\n"
    "server:\n  routes:\n    - path: /a\n      steps:\n        - respond: {status: 200, body: "
    "\"abcdefghijklmnopqrstuvwxyz\"}\n"
    "    - path: /flaky\n      responses:\n        - respond: {status: 503}\n"
    "        - respond: {status: 200}\n"
    "faults:\n  - trigger: {event: server.body_chunk}\n    action: corrupt\n    probability: 0.5\n"
    "    may_not_fire: true\n"
    "client:\n  middleware:\n    - retry: {attempts: 3}\n"
    "  tasks:\n    - name: main\n      steps:\n        - request: {id: a, path: /a}\n"
    "        - request: {id: b, path: /flaky}\n"
    "expect:\n  - step: {step: b, status: 200}\n";

typedef struct run_print {
    uint64_t hash;
    char schedule[8192];
} run_print_t;

static void run_once(const fl_scenario_t *s, uint64_t seed, const char *schedule,
                     run_print_t *out) {
    char *text = NULL;
    size_t length = 0;
    FILE *timeline = open_memstream(&text, &length);
    assert_non_null(timeline);
    fl_run_config_t config = {.policy = schedule ? "replay" : "random", .schedule = schedule,
                              .timeline = timeline};
    static fl_seed_result_t result;
    assert_int_equal(fl_scenario_run_seed(s, seed, &config, &result), 0);
    fclose(timeline);
    out->hash = result.trace_hash;
    const char *line = strstr(text, "\nschedule ");
    assert_non_null(line);
    assert_int_equal(sscanf(line, "\nschedule %8191s", out->schedule), 1);
    free(text);
}

static void test_the_list_alone_replays_the_run(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[512];
    assert_int_equal(fl_scenario_load_string(&arena, "t.yaml", DRAWS, &s, error, sizeof error), 0);
    for (uint64_t seed = 1; seed <= 8; seed++) {
        static run_print_t original, other, replayed;
        run_once(&s, seed, NULL, &original);
        run_once(&s, seed + 1000, NULL, &other);
        assert_true(other.hash != original.hash); /* the seed matters without the list */
        run_once(&s, seed + 1000, original.schedule, &replayed);
        assert_true(replayed.hash == original.hash);
        assert_string_equal(replayed.schedule, original.schedule);
    }
    fl_arena_destroy(&arena);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_list_alone_replays_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
