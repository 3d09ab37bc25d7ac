/* The Chrome trace of a run, read back with the JSON reader: processes and
 * threads named, run slices and waits that never overlap on a thread,
 * wake flows whose ends meet, the fault and the ASGI messages as instants,
 * and the same bytes from the same seed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/json/json.h"
#include "harness/model/loader.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"

/* A reset in the middle of the response body: the fault fires on
 * connection 1 while the server's writer sends. */
static const char RESET_MID_BODY[] =
    "name: a reset mid-body\n"
    "seeds: 1..3\n"
    "server:\n  routes:\n    - path: /big\n      steps:\n"
    "        - respond: {status: 200, body: \"" /* 300 bytes, more than the fault's 150 */
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    "bbbbbbbbbbbb\"}\n"
    "faults:\n  - trigger: {bytes: 150, direction: s2c}\n    action: reset\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n"
    "        - request: {id: call, path: /big}\n"
    "expect:\n  - step: {step: call, error: ReadError}\n";

/* The trace of one seed, as a malloc'd string in *text_out. */
static size_t trace_of(const char *yaml, uint64_t seed, char **text_out) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    assert_int_equal(fl_scenario_load_string(&arena, "trace.yaml", yaml, &s, error, sizeof error),
                     FL_OK);
    size_t length = 0;
    FILE *out = open_memstream(text_out, &length);
    assert_non_null(out);
    fl_run_config_t config = {.keep_trace = true, .chrome_trace = out};
    fl_seed_result_t *result = malloc(sizeof *result);
    assert_non_null(result);
    assert_int_equal(fl_scenario_run_seed(&s, seed, &config, result), FL_OK);
    assert_true(result->passed);
    free(result);
    fclose(out);
    fl_arena_destroy(&arena);
    return length;
}

static const fl_json_value_t *events_of(fl_arena_t *arena, const char *text, size_t length) {
    const fl_json_value_t *root = NULL;
    char error[256];
    assert_int_equal(fl_json_parse(arena, text, length, &root, error, sizeof error), 0);
    const fl_json_value_t *events = fl_json_get(root, "traceEvents");
    assert_non_null(events);
    assert_int_equal(events->type, FL_JSON_ARRAY);
    return events;
}

static const char *ph_of(const fl_json_value_t *e) {
    const char *ph = fl_json_get_string(e, "ph");
    assert_non_null(ph);
    return ph;
}

static uint64_t u64_of(const fl_json_value_t *e, const char *key) {
    uint64_t value = 0;
    assert_true(fl_json_get_u64(e, key, &value));
    return value;
}

/* Microseconds, whole or with three decimals, as nanoseconds. */
static int64_t ns_of(const fl_json_value_t *e, const char *key) {
    const fl_json_value_t *number = fl_json_get(e, key);
    assert_non_null(number);
    assert_int_equal(number->type, FL_JSON_NUMBER);
    assert_true(number->text[0] != '-');
    const char *point = strchr(number->text, '.');
    if (point == NULL) return strtoll(number->text, NULL, 10) * 1000;
    assert_int_equal(strlen(point), 4);
    assert_true(strcmp(point, ".000") != 0); /* whole ones are integers */
    return strtoll(number->text, NULL, 10) * 1000 + strtoll(point + 1, NULL, 10);
}

/* The name a metadata event gives its pid (process) or pid and tid. */
static bool named(const fl_json_value_t *events, const char *what, uint64_t pid,
                  const char *name_part) {
    for (size_t i = 0; i < events->count; i++) {
        const fl_json_value_t *e = &events->items[i];
        if (strcmp(ph_of(e), "M") != 0 || strcmp(fl_json_get_string(e, "name"), what) != 0)
            continue;
        const char *name = fl_json_get_string(fl_json_get(e, "args"), "name");
        if (u64_of(e, "pid") == pid && name != NULL && strstr(name, name_part) != NULL)
            return true;
    }
    return false;
}

static void test_processes_and_threads_are_named(void **state) {
    (void)state;
    char *text = NULL;
    size_t length = trace_of(RESET_MID_BODY, 1, &text);
    fl_arena_t arena;
    fl_arena_init(&arena);
    const fl_json_value_t *events = events_of(&arena, text, length);
    assert_true(named(events, "process_name", 1, "client"));
    assert_true(named(events, "process_name", 2, "network"));
    assert_true(named(events, "process_name", 3, "server"));
    assert_true(named(events, "process_name", 4, "scheduler"));
    /* Tasks go to their side: the client task, the server's tasks. */
    assert_true(named(events, "thread_name", 1, " main"));
    assert_true(named(events, "thread_name", 3, " server"));
    assert_true(named(events, "thread_name", 3, " http-connection"));
    assert_true(named(events, "thread_name", 3, " app"));
    assert_false(named(events, "thread_name", 1, " http-connection"));
    assert_true(named(events, "thread_name", 2, "conn #1"));
    /* Perfetto would read "ns" there as the unit of ts: microseconds it is. */
    assert_null(strstr(text, "displayTimeUnit"));
    fl_arena_destroy(&arena);
    free(text);
}

/* Per thread, in file order, each complete event starts where or after the
 * one before it ended: run slices and waits alternate, never overlap. */
static void test_slices_never_overlap_on_a_thread(void **state) {
    (void)state;
    char *text = NULL;
    size_t length = trace_of(RESET_MID_BODY, 2, &text);
    fl_arena_t arena;
    fl_arena_init(&arena);
    const fl_json_value_t *events = events_of(&arena, text, length);
    enum { LANES = 64 };
    int64_t end_ns[LANES] = {0};
    size_t runs = 0, waits_with_time = 0;
    for (size_t i = 0; i < events->count; i++) {
        const fl_json_value_t *e = &events->items[i];
        if (strcmp(ph_of(e), "X") != 0) continue;
        uint64_t tid = u64_of(e, "tid");
        assert_true(tid > 0 && tid < LANES); /* only tasks have slices */
        int64_t ts = ns_of(e, "ts"), dur = ns_of(e, "dur");
        assert_true(dur >= 0);
        assert_true(ts >= end_ns[tid]);
        end_ns[tid] = ts + dur;
        const char *name = fl_json_get_string(e, "name");
        if (strcmp(name, "run") == 0) runs++;
        if (strncmp(name, "blocked: ", 9) == 0 && dur > 0) waits_with_time++;
        assert_non_null(fl_json_get_string(fl_json_get(e, "args"), "ends"));
    }
    assert_true(runs > 10);
    assert_true(waits_with_time > 0); /* the client waits for its response */
    fl_arena_destroy(&arena);
    free(text);
}

/* Every flow's end has its start before it, with the same id, name and
 * category, and the run slice it binds to comes next on its thread. */
static void test_wake_flows_pair_up(void **state) {
    (void)state;
    char *text = NULL;
    size_t length = trace_of(RESET_MID_BODY, 3, &text);
    fl_arena_t arena;
    fl_arena_init(&arena);
    const fl_json_value_t *events = events_of(&arena, text, length);
    size_t pairs = 0, across = 0;
    for (size_t i = 0; i < events->count; i++) {
        const fl_json_value_t *f = &events->items[i];
        if (strcmp(ph_of(f), "f") != 0) continue;
        const fl_json_value_t *s = NULL;
        for (size_t j = 0; j < i && s == NULL; j++) {
            const fl_json_value_t *c = &events->items[j];
            if (strcmp(ph_of(c), "s") == 0 && u64_of(c, "id") == u64_of(f, "id")) s = c;
        }
        assert_non_null(s);
        assert_string_equal(fl_json_get_string(s, "name"), fl_json_get_string(f, "name"));
        assert_string_equal(fl_json_get_string(s, "cat"), fl_json_get_string(f, "cat"));
        assert_true(ns_of(s, "ts") <= ns_of(f, "ts"));
        assert_true(i + 1 < events->count);
        const fl_json_value_t *run = &events->items[i + 1];
        assert_string_equal(ph_of(run), "X");
        assert_string_equal(fl_json_get_string(run, "name"), "run");
        assert_int_equal(u64_of(run, "tid"), u64_of(f, "tid"));
        assert_int_equal(ns_of(run, "ts"), ns_of(f, "ts"));
        if (u64_of(s, "tid") != u64_of(f, "tid")) across++;
        pairs++;
    }
    assert_true(pairs > 5);
    assert_true(across == pairs); /* no task wakes itself */
    fl_arena_destroy(&arena);
    free(text);
}

static size_t instants(const fl_json_value_t *events, const char *cat, uint64_t pid) {
    size_t count = 0;
    for (size_t i = 0; i < events->count; i++) {
        const fl_json_value_t *e = &events->items[i];
        const char *c = fl_json_get_string(e, "cat");
        if (strcmp(ph_of(e), "i") == 0 && c != NULL && strcmp(c, cat) == 0 &&
            u64_of(e, "pid") == pid)
            count++;
    }
    return count;
}

static void test_fault_and_asgi_messages_are_instants(void **state) {
    (void)state;
    char *text = NULL;
    size_t length = trace_of(RESET_MID_BODY, 1, &text);
    fl_arena_t arena;
    fl_arena_init(&arena);
    const fl_json_value_t *events = events_of(&arena, text, length);
    assert_int_equal(instants(events, "fault", 2), 1); /* on its connection */
    assert_int_equal(instants(events, "fault", 3), 1); /* and on the server's writer */
    assert_true(instants(events, "asgi", 3) >= 2);     /* the request, the response start */
    assert_true(instants(events, "net", 2) > 3);
    assert_int_equal(instants(events, "asgi", 1), 0);
    assert_non_null(strstr(text, "\"name\":\"fault: "));
    fl_arena_destroy(&arena);
    free(text);
}

static void test_same_seed_same_bytes(void **state) {
    (void)state;
    char *first = NULL, *second = NULL, *other = NULL;
    size_t first_length = trace_of(RESET_MID_BODY, 2, &first);
    size_t second_length = trace_of(RESET_MID_BODY, 2, &second);
    size_t other_length = trace_of(RESET_MID_BODY, 3, &other);
    assert_int_equal(first_length, second_length);
    assert_memory_equal(first, second, first_length);
    /* Another seed is another schedule: the trace says so. */
    assert_true(other_length != first_length || memcmp(first, other, first_length) != 0);
    free(first);
    free(second);
    free(other);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_processes_and_threads_are_named),
        cmocka_unit_test(test_slices_never_overlap_on_a_thread),
        cmocka_unit_test(test_wake_flows_pair_up),
        cmocka_unit_test(test_fault_and_asgi_messages_are_instants),
        cmocka_unit_test(test_same_seed_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
