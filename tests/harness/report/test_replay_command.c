/* The one replay-command formatter: each form, with and without its
 * options, and truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "harness/report/replay_command.h"

static void test_a_seed_replays_with_its_policy_and_schedule(void **state) {
    (void)state;
    char text[256];
    fl_replay_command_t c = {.file = "s/a.yaml", .seed = 7};
    assert_string_equal(fl_replay_command_format(&c, text, sizeof text),
                        "faultline replay s/a.yaml --seed 7 --policy random");
    c.policy = "replay";
    c.schedule = "0*3.1";
    assert_string_equal(fl_replay_command_format(&c, text, sizeof text),
                        "faultline replay s/a.yaml --seed 7 --policy replay --schedule 0*3.1");
}

/* A pct (or dfs) failure's list is played by the replay policy: --schedule
 * takes no other, and the list alone reproduces the run. */
static void test_a_schedule_is_replayed_whatever_policy_made_it(void **state) {
    (void)state;
    char text[256];
    fl_replay_command_t c = {.file = "s/a.yaml", .seed = 5, .policy = "pct", .schedule = "0*4.2"};
    assert_string_equal(fl_replay_command_format(&c, text, sizeof text),
                        "faultline replay s/a.yaml --seed 5 --policy replay --schedule 0*4.2");
    c.whole_run = true;
    assert_string_equal(fl_replay_command_format(&c, text, sizeof text),
                        "faultline run s/a.yaml --jobs 1 --policy replay --schedule 0*4.2");
}

static void test_a_crash_runs_the_file_again_in_one_process(void **state) {
    (void)state;
    char text[256];
    fl_replay_command_t c = {.file = "s/a.yaml", .whole_run = true};
    assert_string_equal(fl_replay_command_format(&c, text, sizeof text),
                        "faultline run s/a.yaml --jobs 1");
    c.has_seeds = true;
    c.seed_first = 3;
    c.seed_last = 9;
    c.policy = "trio";
    assert_string_equal(fl_replay_command_format(&c, text, sizeof text),
                        "faultline run s/a.yaml --jobs 1 --seeds 3..9 --policy trio");
}

static void test_a_file_that_does_not_load_is_checked(void **state) {
    (void)state;
    char text[256];
    fl_replay_command_t c = {.file = "s/bad.yaml", .check_only = true, .seed = 4};
    assert_string_equal(fl_replay_command_format(&c, text, sizeof text),
                        "faultline check s/bad.yaml");
}

static void test_truncated_to_fit(void **state) {
    (void)state;
    char text[20];
    fl_replay_command_t c = {.file = "scenarios/a/very/long/path.yaml", .seed = 1,
                             .schedule = "1.2.3"};
    fl_replay_command_format(&c, text, sizeof text);
    assert_int_equal(strlen(text), sizeof text - 1);
    assert_memory_equal(text, "faultline replay sc", sizeof text - 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_seed_replays_with_its_policy_and_schedule),
        cmocka_unit_test(test_a_schedule_is_replayed_whatever_policy_made_it),
        cmocka_unit_test(test_a_crash_runs_the_file_again_in_one_process),
        cmocka_unit_test(test_a_file_that_does_not_load_is_checked),
        cmocka_unit_test(test_truncated_to_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
