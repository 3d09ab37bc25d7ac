/* A --json line read back whole (fl_outcome_json_read_line, for merge):
 * what is written reads back so that writing it again gives the same
 * bytes, for a timeout with --seeds and a schedule, a crash without a
 * signal and an invalid file; and a line that is not an outcome's says
 * why. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/outcome_json.h"
#include "sim/runtime/arena.h"

/* The outcome's line, malloc'd. Not inlined: GCC 12 then takes a pointer
 * into the line for one to open_memstream's local (-Wdangling-pointer). */
__attribute__((noinline)) static char *line_of(const fl_outcome_t *r) {
    char *text = NULL;
    size_t length = 0;
    FILE *f = open_memstream(&text, &length);
    fl_json_writer_t w;
    fl_json_init(&w, f);
    fl_outcome_json_write(&w, r);
    fclose(f);
    return text;
}

/* Parses text and reads it into back (zeroed first); the problem when not. */
static const char *read_back(const char *text, fl_outcome_t *back, fl_arena_t *strings) {
    fl_arena_t scratch;
    fl_arena_init(&scratch);
    const fl_json_value_t *value;
    assert_int_equal(fl_json_parse(&scratch, text, strlen(text), &value, NULL, 0), 0);
    memset(back, 0, sizeof *back);
    const char *problem = NULL;
    bool ok = fl_outcome_json_read_line(value, back, strings, &problem);
    fl_arena_destroy(&scratch);
    assert_true(ok == (problem == NULL));
    return problem;
}

/* Written, read back, written again: the same bytes. */
static void check_round_trip(const fl_outcome_t *r, fl_outcome_t *back, fl_arena_t *strings) {
    char *first = line_of(r);
    assert_null(read_back(first, back, strings));
    char *second = line_of(back);
    assert_string_equal(second, first);
    free(first);
    free(second);
}

static void test_a_timeout_with_seeds_and_a_schedule_reads_back_whole(void **state) {
    (void)state;
    fl_outcome_t r = {.file = "s/slow.yaml", .name = "slow", .message = "timed out: killed",
                      .policy = "replay", .schedule = "0*3.1", .has_seeds = true,
                      .seed_first = 5, .seed_last = 9, .ending = FL_ENDING_TIMEOUT,
                      .duration_ns = UINT64_C(301234567000)};
    r.marks[0] = 3;
    fl_arena_t strings;
    fl_arena_init(&strings);
    fl_outcome_t back;
    check_round_trip(&r, &back, &strings);
    assert_string_equal(back.file, "s/slow.yaml");
    assert_string_equal(back.schedule, "0*3.1");
    assert_int_equal(back.ending, FL_ENDING_TIMEOUT);
    assert_true(back.has_seeds); /* from its replay: faultline run ... --seeds 5..9 */
    assert_int_equal(back.duration_ns, UINT64_C(301234567000));
    assert_int_equal(back.marks[0], 3);
    fl_outcome_free(&back);
    fl_arena_destroy(&strings);
}

static void test_a_crash_without_a_signal_keeps_its_exit_code(void **state) {
    (void)state;
    fl_outcome_t r = {.file = "c.yaml", .message = "worker exited 3 without a result",
                      .ending = FL_ENDING_CRASHED, .exit_status = 3, .seed_first = 1,
                      .seed_last = 20};
    fl_arena_t strings;
    fl_arena_init(&strings);
    fl_outcome_t back;
    check_round_trip(&r, &back, &strings);
    assert_int_equal(back.exit_status, 3);
    assert_int_equal(back.term_signal, 0);
    char text[256];
    FILE *out = fmemopen(text, sizeof text, "w");
    fl_outcome_print(&back, out);
    fclose(out);
    assert_non_null(strstr(text, "CRASHED c.yaml (exit 3, no result)\n"));
    fl_outcome_free(&back);
    fl_arena_destroy(&strings);
}

static void test_an_invalid_file_keeps_its_given_range(void **state) {
    (void)state;
    fl_outcome_t r = {.file = "bad.yaml", .load_error = true, .message = "bad.yaml:1:1: error",
                      .has_seeds = true, .seed_first = 2, .seed_last = 4};
    fl_arena_t strings;
    fl_arena_init(&strings);
    fl_outcome_t back;
    check_round_trip(&r, &back, &strings);
    assert_true(back.has_seeds && back.load_error);
    assert_null(back.name);
    fl_outcome_free(&back);
    fl_arena_destroy(&strings);
}

/* text with its first from replaced by to, malloc'd; text is freed. */
static char *edited(char *text, const char *from, const char *to) {
    const char *at = strstr(text, from);
    if (at == NULL) fail_msg("no %s in %s", from, text);
    size_t head = (size_t)(at - text), n = strlen(from), m = strlen(to);
    size_t tail = strlen(text) - head - n;
    char *out = malloc(head + m + tail + 1);
    assert_non_null(out);
    memcpy(out, text, head);
    memcpy(out + head, to, m);
    memcpy(out + head + m, text + head + n, tail + 1);
    free(text);
    return out;
}

static void test_a_line_that_is_not_an_outcome_says_why(void **state) {
    (void)state;
    fl_outcome_t r = {.file = "f.yaml", .name = "f", .message = "failed at seed 2", .policy =
                      "random", .has_seed = true, .seed = 2, .seed_first = 1, .seed_last = 3};
    fl_arena_t strings;
    fl_arena_init(&strings);
    fl_outcome_t back;
    struct { const char *from, *to, *problem; } edits[] = {
        {"\"duration_s\":0.000000", "\"duration_s\":1e3", "duration_s"},
        {"\"crashed\":false,\"timed_out\":false", "\"crashed\":true,\"timed_out\":true",
         "crashed and timed_out"},
        {"\"passed\":false,\"invalid\":false", "\"passed\":true,\"invalid\":true", "contradict"},
        {"\"crashed\":false", "\"crashed\":true", "replay"}, /* a crash replays as a run */
        {"\"passed\":false", "\"passed\":true", "contradict"}, /* held, yet a seed */
        {"--seed 2", "--seed 7", "replay"},
        {"\"file\":\"f.yaml\"", "\"file\":7", "file"},
        {"\"marks\":{}", "\"marks\":[]", "missing or of the wrong type"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *text = edited(line_of(&r), edits[i].from, edits[i].to);
        const char *problem = read_back(text, &back, &strings);
        if (problem == NULL || strstr(problem, edits[i].problem) == NULL)
            fail_msg("edit %zu: %s", i, problem ? problem : "read as an outcome");
        assert_null(back.file); /* left zeroed */
        free(text);
    }
    fl_arena_destroy(&strings);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_timeout_with_seeds_and_a_schedule_reads_back_whole),
        cmocka_unit_test(test_a_crash_without_a_signal_keeps_its_exit_code),
        cmocka_unit_test(test_an_invalid_file_keeps_its_given_range),
        cmocka_unit_test(test_a_line_that_is_not_an_outcome_says_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
