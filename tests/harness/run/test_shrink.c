/* Shrinking: #2516 cut down to its one fault and a choice or two, the
 * shrunk file and schedule still finding it; a fault the failure does not
 * need is dropped from the file; the leaked pool slot, which only shrinks
 * from another seed's run; client tasks and steps cut and a trigger moved
 * earlier in the file's text; a seed that does not fail is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/commands.h"
#include "harness/cli/shrink_file.h"
#include "harness/model/loader.h"
#include "harness/run/shrink.h"
#include "harness/run/shrink_text.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

static void load(fl_arena_t *arena, const char *path, fl_scenario_t *s) {
    char error[512];
    assert_int_equal(fl_scenario_load_file(arena, path, s, error, sizeof error), 0);
}

/* Shrinks path at seed into *r, and checks what every shrunk find must
 * keep: the named check, at most 5 essential events, a shrunk scenario
 * that fails at r's seed under its own policy, and a list that replays
 * the find to the same trace hash under another seed. Returns the shrunk
 * scenario's network. */
static fl_simnet_options_t shrink_and_replay(const char *path, uint64_t seed, const char *check,
                                             fl_shrink_result_t *r) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s, view;
    load(&arena, path, &s);
    char error[256];
    assert_int_equal(fl_shrink(&s, seed, NULL, r, error, sizeof error), 0);
    assert_string_equal(r->check, check);
    assert_true(r->faults_kept + r->nonzero_after <= 5);
    assert_true(r->nonzero_after < r->nonzero_before);
    assert_true(r->events_after <= r->events_before);
    assert_int_equal(fl_shrink_apply(&arena, &s, r, &view, error, sizeof error), 0);
    static fl_seed_result_t result;
    assert_int_equal(fl_scenario_run_seed(&view, r->seed, NULL, &result), 0);
    assert_true(result.target_failed && !result.faults_silent);
    fl_run_config_t replay = {.policy = "replay",
                              .schedule = fl_schedule_format(&arena, r->choices, r->choice_count)};
    assert_int_equal(fl_scenario_run_seed(&view, 12345, &replay, &result), 0);
    assert_true(result.target_failed && !result.faults_silent);
    assert_true(result.trace_hash == r->trace_hash);
    fl_simnet_options_t network = view.network;
    fl_arena_destroy(&arena);
    return network;
}

static void test_2516_shrinks_to_its_essentials(void **state) {
    (void)state;
    fl_shrink_result_t r;
    fl_simnet_options_t network =
        shrink_and_replay("scenarios/shield/v021_finds_2516.yaml", 4, "no_response_returned", &r);
    assert_int_equal(r.faults_kept, 1);
    assert_false(network.segmentation);
    fl_shrink_result_free(&r);
}

/* The leaked pool slot needs its response read in one piece: seed 17's
 * random order does not show it once segmentation is off, another seed's
 * does, and from there one scheduler pick is all it takes. */
static void test_the_leaked_slot_shrinks_through_another_seed(void **state) {
    (void)state;
    fl_shrink_result_t r;
    fl_simnet_options_t network =
        shrink_and_replay("scenarios/programs/pool_slot_leaked_finds.yaml", 17, "late_served", &r);
    assert_true(r.nonzero_before >= 10);
    assert_true(r.seed != 17);
    assert_false(network.segmentation);
    fl_shrink_result_free(&r);
}

static void test_a_seed_that_holds_is_refused(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    load(&arena, "scenarios/shield/v038_holds.yaml", &s);
    fl_shrink_result_t r;
    char error[256];
    assert_int_equal(fl_shrink(&s, 1, NULL, &r, error, sizeof error), FL_EINVAL);
    assert_non_null(strstr(error, "seed 1 does not fail: nothing to shrink"));
    fl_shrink_result_free(&r);
    fl_arena_destroy(&arena);
}

/* A shrunk file: faultline shrink's report, the file's text, and the
 * file loaded. */
typedef struct shrunk_file {
    char printed[16384], written[16384];
    fl_arena_t arena;
    fl_scenario_t scenario;
} shrunk_file_t;

/* Shrinks the file at path at seed with faultline shrink into the one
 * shrunk_file_t (finish it with finds_alone). */
static shrunk_file_t *shrink_path(const char *path, const char *seed) {
    static shrunk_file_t shrunk;
    char out[] = "/tmp/faultline-shrunk-XXXXXX.yaml";
    int fd = mkstemps(out, 5);
    assert_true(fd >= 0);
    close(fd);
    char *argv[] = {"shrink", (char *)path, "--seed", (char *)seed, "--out", out};
    static char err[4096];
    FILE *o = fmemopen(shrunk.printed, sizeof shrunk.printed, "w"), *e = fmemopen(err, sizeof err, "w");
    assert_int_equal(fl_cli_shrink(6, argv, o, e), 0);
    fclose(o);
    fclose(e);
    fl_arena_init(&shrunk.arena);
    load(&shrunk.arena, out, &shrunk.scenario);
    fl_shrink_source_t written;
    assert_int_equal(fl_shrink_source_read(out, &written), 0);
    snprintf(shrunk.written, sizeof shrunk.written, "%s", written.text);
    fl_shrink_source_free(&written);
    remove(out);
    return &shrunk;
}

/* The shrunk file run alone, under its own seeds and policy, still finds
 * its bug; then it is freed. */
static void finds_alone(shrunk_file_t *shrunk) {
    static fl_scenario_result_t result;
    assert_int_equal(fl_scenario_run(&shrunk->scenario, NULL, &result), 0);
    assert_true(result.passed); /* found */
    fl_arena_destroy(&shrunk->arena);
}

/* shrink_faults.yaml: the fault the failure needs stays, the other one's
 * lines go, seeds and network are the shrunk run's, and it still finds
 * the bug. */
static void test_the_shrunk_file(void **state) {
    (void)state;
    shrunk_file_t *shrunk = shrink_path("tests/harness/run/shrink_faults.yaml", "2");
    assert_non_null(strstr(shrunk->printed, "1 of 2 faults"));
    assert_non_null(strstr(shrunk->printed, "  fault the reset\n"));
    assert_non_null(strstr(shrunk->printed, " events -> "));
    const fl_scenario_t *s = &shrunk->scenario;
    assert_int_equal(s->fault_count, 1);
    assert_string_equal(s->faults[0].spec.label, "the reset");
    assert_int_equal(s->seed_first, 2);
    assert_int_equal(s->seed_last, 2);
    assert_int_equal(s->network.latency_jitter_ns, 0);
    finds_alone(shrunk);
}

/* shrink_cuts.yaml: a task and a step the failure does not need are cut
 * (a block item and a flow item), a byte trigger moves from 120 to 0, a
 * step an expectation names stays, and the comments and the rest stay as
 * written. */
static void test_tasks_steps_and_triggers_are_cut(void **state) {
    (void)state;
    shrunk_file_t *shrunk = shrink_path("tests/harness/run/shrink_cuts.yaml", "2");
    assert_non_null(strstr(shrunk->printed, "cut 1 client task and 1 step, moved 1 trigger earlier\n"));
    const fl_client_spec_t *client = &shrunk->scenario.client;
    assert_int_equal(client->task_count, 1);
    assert_string_equal(client->tasks[0].name, "main");
    assert_int_equal(client->tasks[0].step_count, 1);
    assert_string_equal(client->tasks[0].steps[0].id, "a");
    assert_non_null(strstr(shrunk->written, "# A reset partway into the response"));
    assert_non_null(strstr(shrunk->written, "    trigger: {bytes: 0, direction: s2c}\n"));
    assert_non_null(strstr(shrunk->written, "      steps: [{request: {id: a, path: /a}}]\n"));
    assert_null(strstr(shrunk->written, "- name: idle"));
    finds_alone(shrunk);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_2516_shrinks_to_its_essentials),
        cmocka_unit_test(test_the_leaked_slot_shrinks_through_another_seed),
        cmocka_unit_test(test_a_seed_that_holds_is_refused),
        cmocka_unit_test(test_the_shrunk_file),
        cmocka_unit_test(test_tasks_steps_and_triggers_are_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
