/* libFuzzer target: the schedule (choice list) parser, fl_schedule_parse.
 *
 * Oracles: a parsed list formats back to a string that parses to the same
 * list (format is the parser's inverse on its image), and a refusal says
 * where. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_text.h"

#include "sim/runtime/arena.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

/* Past this many choices the round trip is skipped: formatting reserves 33
 * bytes a choice, so a 16 M-choice list ("0*16777216", allowed) would cost
 * half a gigabyte a run and the fuzzer would crawl. */
enum { ROUND_TRIP_CHOICES_MAX = 1 << 16 };

static void fail(const char *what, const char *text) {
    fprintf(stderr, "fuzz_schedule: %s for \"%s\"\n", what, text);
    abort();
}

static void check_round_trip(const char *text, const uint32_t *choices, size_t count) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    const char *formatted = fl_schedule_format(&arena, choices, count);
    uint32_t *again = NULL;
    size_t again_count = 0;
    char error[256];
    if (fl_schedule_parse(formatted, &again, &again_count, error, sizeof error) != FL_OK)
        fail("the formatted list does not parse", text);
    if (again_count != count || (count > 0 && memcmp(again, choices, count * sizeof *again) != 0))
        fail("the formatted list parses to another list", text);
    free(again);
    fl_arena_destroy(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    uint32_t *choices = NULL;
    size_t count = 0;
    char error[256];
    error[0] = '\0';
    int status = fl_schedule_parse(text, &choices, &count, error, sizeof error);
    if (status == FL_OK) {
        if (count <= ROUND_TRIP_CHOICES_MAX) check_round_trip(text, choices, count);
    } else if (status != FL_EINVAL || error[0] == '\0') {
        fail("a refusal without a reason", text);
    }
    free(choices);
    free(text);
    return 0;
}
