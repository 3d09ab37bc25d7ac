/* Scheduling policies: the schedule string's format and parser, policy
 * names, and how fl_world_create and a replay treat bad or short schedules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/arena.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/prng.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"

static int arena_setup(void **state) {
    static fl_arena_t arena;
    fl_arena_init(&arena);
    *state = &arena;
    return 0;
}

static int arena_teardown(void **state) {
    fl_arena_destroy(*state);
    return 0;
}

/* --- the schedule string ------------------------------------------------- */

static void check_round_trip(fl_arena_t *arena, const uint32_t *choices, size_t count,
                             const char *expected_text) {
    const char *text = fl_schedule_format(arena, choices, count);
    assert_non_null(text);
    if (expected_text != NULL) assert_string_equal(text, expected_text);
    uint32_t *parsed = (uint32_t *)(uintptr_t)1; /* must be overwritten */
    size_t parsed_count = 12345;
    char error[256] = "";
    assert_int_equal(fl_schedule_parse(text, &parsed, &parsed_count, error, sizeof error), FL_OK);
    assert_int_equal(parsed_count, count);
    if (count > 0) {
        assert_non_null(parsed);
        assert_memory_equal(parsed, choices, count * sizeof *choices);
    }
    free(parsed);
}

static void test_format_compresses_runs(void **state) {
    fl_arena_t *arena = *state;
    check_round_trip(arena, NULL, 0, "");
    const uint32_t example[] = {0, 0, 0, 2, 1, 1};
    check_round_trip(arena, example, 6, "0*3.2.1*2");
    const uint32_t single[] = {5};
    check_round_trip(arena, single, 1, "5");
    const uint32_t no_runs[] = {0, 1, 0, 1};
    check_round_trip(arena, no_runs, 4, "0.1.0.1");
    const uint32_t largest[] = {UINT32_MAX, UINT32_MAX, 0};
    check_round_trip(arena, largest, 3, "4294967295*2.0");
    uint32_t long_run[1000];
    for (size_t i = 0; i < 1000; i++) long_run[i] = 3;
    check_round_trip(arena, long_run, 1000, "3*1000");
}

static void test_round_trip_of_seeded_choice_lists(void **state) {
    fl_arena_t *arena = *state;
    fl_prng_t prng;
    fl_prng_seed(&prng, 17, "schedules");
    static uint32_t choices[5000];
    for (int round = 0; round < 20; round++) {
        size_t count = (size_t)fl_prng_below(&prng, 5000) + 1;
        /* Mostly short runs of small indices, as real schedules are. */
        for (size_t i = 0; i < count; i++)
            choices[i] = fl_prng_below(&prng, 4) == 0 || i == 0
                             ? (uint32_t)fl_prng_below(&prng, 6)
                             : choices[i - 1];
        check_round_trip(arena, choices, count, NULL);
    }
}

static void test_parse_accepts_uncompressed_runs(void **state) {
    (void)state;
    uint32_t *choices = NULL;
    size_t count = 0;
    char error[256];
    assert_int_equal(fl_schedule_parse("1*1.1.0*2.7", &choices, &count, error, sizeof error),
                     FL_OK);
    static const uint32_t expected[] = {1, 1, 0, 0, 7};
    assert_int_equal(count, 5);
    assert_memory_equal(choices, expected, sizeof expected);
    free(choices);

    /* The empty string is the empty schedule. */
    choices = (uint32_t *)(uintptr_t)1;
    count = 99;
    assert_int_equal(fl_schedule_parse("", &choices, &count, error, sizeof error), FL_OK);
    assert_int_equal(count, 0);
    free(choices);
}

/* Each malformed string is refused with FL_EINVAL, no array, and a message
 * giving the offset where parsing stopped. */
static void test_parse_rejects_malformed(void **state) {
    (void)state;
    static const struct {
        const char *text;
        size_t offset;
    } cases[] = {
        {"1..2", 2},      /* empty token */
        {"a", 0},         /* not a number */
        {"1*", 2},        /* a star without a count */
        {"1*0", 2},       /* a zero count: the count's offset */
        {"-1", 0},        /* negative */
        {"1.", 1},        /* trailing separator */
        {".1", 0},        /* leading separator */
        {"0.1.2.", 5},    /* trailing separator after several tokens */
        {"1*2*3", 3},     /* two stars */
        {"1 2", 1},       /* a space */
        {" 1", 0},        /* leading space */
        {"4294967296", 0},/* past UINT32_MAX */
        {"1,2", 1},       /* wrong separator */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t *choices = (uint32_t *)(uintptr_t)1;
        size_t count = 99;
        char error[256] = "";
        int status = fl_schedule_parse(cases[i].text, &choices, &count, error, sizeof error);
        if (status != FL_EINVAL) fail_msg("\"%s\" was accepted (status %d)", cases[i].text, status);
        assert_null(choices);
        assert_int_equal(count, 0);
        char where[32];
        snprintf(where, sizeof where, "offset %zu", cases[i].offset);
        if (strstr(error, where) == NULL)
            fail_msg("\"%s\": expected \"%s\" in \"%s\"", cases[i].text, where, error);
        assert_non_null(strstr(error, "schedule"));
    }
}

static void test_parse_error_fits_a_small_buffer(void **state) {
    (void)state;
    uint32_t *choices = NULL;
    size_t count = 0;
    char error[16];
    memset(error, 'x', sizeof error);
    assert_int_equal(fl_schedule_parse("1..2", &choices, &count, error, 8), FL_EINVAL);
    assert_int_equal(strlen(error), 7);
    for (size_t i = 8; i < sizeof error; i++) assert_int_equal(error[i], 'x');
}

static void test_policy_names(void **state) {
    (void)state;
    assert_true(fl_policy_name_valid("fifo"));
    assert_true(fl_policy_name_valid("random"));
    assert_true(fl_policy_name_valid("replay"));
    assert_false(fl_policy_name_valid("FIFO"));
    assert_false(fl_policy_name_valid(""));
    assert_true(fl_policy_name_valid("pct"));
    assert_true(fl_policy_name_valid("dfs"));
    assert_false(fl_policy_name_valid("bfs"));
    assert_false(fl_policy_name_valid("fifo "));
    assert_false(fl_policy_name_valid("rand"));
}

static void test_policy_create_directly(void **state) {
    fl_arena_t *arena = *state;
    char error[256] = "";
    fl_policy_t *fifo = fl_policy_create(arena, "fifo", NULL, error, sizeof error);
    assert_non_null(fifo);
    assert_string_equal(fifo->vtable->name, "fifo");
    fl_policy_destroy(fifo);

    fl_policy_t *replay = fl_policy_create(arena, "replay", "2*2.1", error, sizeof error);
    assert_non_null(replay);
    assert_string_equal(replay->vtable->name, "replay");
    assert_int_equal(replay->choice_count, 3);
    assert_int_equal(replay->choices[0], 2);
    assert_int_equal(replay->choices[2], 1);
    assert_int_equal(replay->position, 0);
    assert_false(replay->diverged);
    fl_policy_destroy(replay);

    assert_null(fl_policy_create(arena, "greedy", NULL, error, sizeof error));
    assert_non_null(strstr(error, "greedy"));
    assert_null(fl_policy_create(arena, "replay", "x", error, sizeof error));
    assert_non_null(strstr(error, "offset 0"));
}

/* --- worlds ------------------------------------------------------------------ */

static void test_world_refuses_unknown_policy(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1, .policy = "round-robin"};
    char error[256] = "";
    assert_null(fl_world_create(&options, error, sizeof error));
    assert_non_null(strstr(error, "round-robin"));
    assert_non_null(strstr(error, "policy"));
    /* A NULL policy means fifo. */
    options.policy = NULL;
    fl_world_t *w = fl_world_create(&options, error, sizeof error);
    assert_non_null(w);
    assert_string_equal(error, "");
    fl_world_destroy(w);
}

static void test_world_refuses_malformed_replay(void **state) {
    (void)state;
    static const char *const bad[] = {"1..2", "a", "1*", "1*0", "-1", "0."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fl_world_options_t options = {.seed = 1, .policy = "replay", .schedule = bad[i]};
        char error[256] = "";
        assert_null(fl_world_create(&options, error, sizeof error));
        assert_non_null(strstr(error, "offset"));
    }
    /* Replay without a schedule plays back nothing, which is valid. */
    fl_world_options_t options = {.seed = 1, .policy = "replay"};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    assert_non_null(w);
    assert_false(fl_world_schedule_diverged(w));
    fl_world_destroy(w);
}

/* Two tasks taking turns: every step of the run has two ready tasks. */
static fl_error_t *turn_taker(fl_world_t *w, void *arg) {
    int *steps = arg;
    for (int i = 0; i < 5; i++) {
        (*steps)++;
        fl_checkpoint(w);
    }
    return NULL;
}

typedef struct run_result {
    uint64_t hash;
    char schedule[256];
    size_t choices;
    bool diverged;
    fl_run_outcome_t outcome;
    int steps;
} run_result_t;

static run_result_t run_turns(const char *policy, uint64_t seed, const char *schedule) {
    fl_world_options_t options = {.seed = seed, .policy = policy, .schedule = schedule};
    char error[256];
    fl_world_t *w = fl_world_create(&options, error, sizeof error);
    assert_non_null(w);
    run_result_t result = {0};
    fl_spawn(w, "a", turn_taker, &result.steps);
    fl_spawn(w, "b", turn_taker, &result.steps);
    result.outcome = fl_world_run(w);
    result.hash = fl_world_trace_hash(w);
    snprintf(result.schedule, sizeof result.schedule, "%s", fl_world_schedule(w));
    result.choices = fl_world_choice_count(w);
    result.diverged = fl_world_schedule_diverged(w);
    fl_world_destroy(w);
    return result;
}

static void test_replay_of_a_recorded_schedule_matches(void **state) {
    (void)state;
    run_result_t original = run_turns("random", 5, NULL);
    assert_int_equal(original.outcome, FL_RUN_COMPLETED);
    assert_true(original.choices > 0);
    assert_false(original.diverged); /* only replay diverges */
    run_result_t replayed = run_turns("replay", 999, original.schedule);
    assert_int_equal(replayed.outcome, FL_RUN_COMPLETED);
    assert_false(replayed.diverged);
    assert_int_equal(replayed.choices, original.choices);
    assert_string_equal(replayed.schedule, original.schedule);
    assert_true(replayed.hash == original.hash);

    /* Fifo always picks index 0. */
    run_result_t fifo = run_turns("fifo", 5, NULL);
    char expected[32];
    snprintf(expected, sizeof expected, "0*%zu", fifo.choices);
    assert_string_equal(fifo.schedule, expected);
}

/* pct: between change points the highest-priority task runs on, so a
 * schedule is long runs of one task; the same seed gives the same run,
 * another seed other priorities; depth 1 has no change point at all. */
static void test_pct_runs_by_priority(void **state) {
    (void)state;
    run_result_t a = run_turns("pct", 7, NULL), again = run_turns("pct", 7, NULL);
    assert_int_equal(a.outcome, FL_RUN_COMPLETED);
    assert_string_equal(a.schedule, again.schedule);
    assert_true(a.hash == again.hash);
    bool differs = false;
    for (uint64_t seed = 1; seed <= 20 && !differs; seed++)
        differs = strcmp(run_turns("pct", seed, NULL).schedule, a.schedule) != 0;
    assert_true(differs);
    /* A replay of pct's schedule is the same run. */
    run_result_t replayed = run_turns("replay", 99, a.schedule);
    assert_false(replayed.diverged);
    assert_true(replayed.hash == a.hash);
}

static void test_pct_change_points(void **state) {
    fl_arena_t *arena = *state;
    char error[64];
    fl_policy_t *p = fl_policy_create(arena, "pct", NULL, error, sizeof error);
    assert_non_null(p);
    fl_policy_set_pct(p, 0, 0);
    assert_int_equal(p->pct_depth, FL_PCT_DEPTH_DEFAULT);
    assert_int_equal(p->pct_steps, FL_PCT_STEPS_DEFAULT);
    fl_policy_set_pct(p, 1, 10);
    assert_int_equal(p->pct_depth, 1);
    fl_policy_destroy(p);
    /* Depth 1: priorities alone, so two turn-takers each run to the end in
     * one stretch: the schedule is one index repeated, then the other. */
    fl_world_options_t options = {.seed = 3, .policy = "pct", .pct_depth = 1};
    fl_world_t *w = fl_world_create(&options, error, sizeof error);
    assert_non_null(w);
    int steps = 0;
    fl_spawn(w, "a", turn_taker, &steps);
    fl_spawn(w, "b", turn_taker, &steps);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    const char *schedule = fl_world_schedule(w);
    assert_non_null(strchr(schedule, '*'));
    assert_null(strchr(strchr(schedule, '*'), '.')); /* one stretch: "i*n" */
    fl_world_destroy(w);
}

static void test_replay_past_the_end_diverges(void **state) {
    (void)state;
    run_result_t full = run_turns("fifo", 1, NULL);
    assert_true(full.choices > 2);
    /* One choice recorded, many needed: the run still completes (replay
     * falls back to fifo) but says it diverged. */
    run_result_t shorter = run_turns("replay", 1, "0");
    assert_int_equal(shorter.outcome, FL_RUN_COMPLETED);
    assert_true(shorter.diverged);
    assert_int_equal(shorter.choices, full.choices);
    assert_int_equal(shorter.steps, 10);

    run_result_t empty = run_turns("replay", 1, "");
    assert_true(empty.diverged);

    /* A recorded index that no longer fits diverges too. */
    char out_of_range[64];
    snprintf(out_of_range, sizeof out_of_range, "7*%zu", full.choices);
    run_result_t wide = run_turns("replay", 1, out_of_range);
    assert_int_equal(wide.outcome, FL_RUN_COMPLETED);
    assert_true(wide.diverged);

    /* Exactly the recorded length does not diverge. */
    run_result_t exact = run_turns("replay", 1, full.schedule);
    assert_false(exact.diverged);
    assert_true(exact.hash == full.hash);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_format_compresses_runs, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_of_seeded_choice_lists, arena_setup,
                                        arena_teardown),
        cmocka_unit_test(test_parse_accepts_uncompressed_runs),
        cmocka_unit_test(test_parse_rejects_malformed),
        cmocka_unit_test(test_parse_error_fits_a_small_buffer),
        cmocka_unit_test(test_policy_names),
        cmocka_unit_test_setup_teardown(test_policy_create_directly, arena_setup, arena_teardown),
        cmocka_unit_test(test_world_refuses_unknown_policy),
        cmocka_unit_test(test_world_refuses_malformed_replay),
        cmocka_unit_test(test_replay_of_a_recorded_schedule_matches),
        cmocka_unit_test(test_replay_past_the_end_diverges),
        cmocka_unit_test(test_pct_runs_by_priority),
        cmocka_unit_test_setup_teardown(test_pct_change_points, arena_setup, arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
