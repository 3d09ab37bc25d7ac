#include "harness/run/self_check.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/status.h"

bool fl__self_check_sampled(uint64_t seed, uint32_t per_million) {
    assert(per_million <= 1000000);
    if (per_million == 0) return false;
    /* splitmix64's finalizer: neighbouring seeds land far apart. */
    uint64_t z = seed + UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    return z % 1000000 < per_million;
}

/* One more run of seed, its timeline into a malloc'd text (or none). */
static uint64_t rerun(const fl_scenario_t *scenario, uint64_t seed, const fl_run_config_t *config,
                      char **timeline_out) {
    assert(scenario != NULL && config != NULL);
    fl_run_config_t again = *config;
    again.chrome_trace = NULL;
    again.timeline = NULL;
    again.self_check_per_million = 0;
    again.trail = NULL; /* the explorer's trail is the first run's */
    size_t length = 0;
    if (timeline_out != NULL) {
        again.timeline = open_memstream(timeline_out, &length);
        if (again.timeline == NULL) fl__out_of_memory("self-check");
    }
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("self-check");
    fl_scenario_run_seed(scenario, seed, &again, result);
    assert(result->seed == seed);
    uint64_t hash = result->trace_hash;
    free(result);
    if (again.timeline != NULL) fclose(again.timeline);
    return hash;
}

/* The first line where two timelines differ, quoted into message. */
static void first_difference(const char *a, const char *b, char *out, size_t size) {
    assert(a != NULL && b != NULL && out != NULL);
    size_t line = 1;
    const char *a_line = a, *b_line = b; /* where the current line starts */
    while (*a != '\0' && *a == *b) {
        if (*a == '\n') line++, a_line = a + 1, b_line = b + 1;
        a++, b++;
    }
    int a_length = (int)strcspn(a_line, "\n"), b_length = (int)strcspn(b_line, "\n");
    snprintf(out, size, "first difference at timeline line %zu: '%.*s' then '%.*s'", line,
             a_length > 160 ? 160 : a_length, a_line, b_length > 160 ? 160 : b_length, b_line);
}

bool fl__self_check_seed(const fl_scenario_t *scenario, uint64_t seed,
                         const fl_run_config_t *config, uint64_t expected, char *message,
                         size_t size) {
    assert(scenario != NULL && config != NULL && message != NULL && size > 0);
    uint64_t again = rerun(scenario, seed, config, NULL);
    if (again == expected) return true;
    /* Two more runs, with their timelines, to show where they part. */
    char *first = NULL, *second = NULL;
    rerun(scenario, seed, config, &first);
    rerun(scenario, seed, config, &second);
    char where[400] = "the timelines agree: the difference is in the untraced part";
    if (strcmp(first, second) != 0) first_difference(first, second, where, sizeof where);
    snprintf(message, size,
             "nondeterminism: seed %" PRIu64 " ran twice with trace hashes %016" PRIx64
             " and %016" PRIx64 "; %s",
             seed, expected, again, where);
    free(first);
    free(second);
    return false;
}
