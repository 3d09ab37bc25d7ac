/* The trace: a hash that fingerprints the exact event sequence, optional
 * records, per-kind counts, and the world's printed timeline. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <assert.h>
#include <signal.h>

#include "sim/runtime/trace.h"
#include "sim/runtime/world.h"
#include "tests/support/child_process.h"

typedef struct event_spec {
    int64_t time_ns;
    fl_trace_kind_t kind;
    uint32_t task;
    uint32_t object;
    int64_t value;
    const char *detail;
} event_spec_t;

/* A small run's worth of events, touching every field. */
static const event_spec_t base_events[] = {
    {0, FL_TRACE_SPAWN, 1, 0, 0, "main"},
    {0, FL_TRACE_SPAWN, 2, 1, 0, "worker"},
    {0, FL_TRACE_RUN, 1, 0, 0, NULL},
    {0, FL_TRACE_BLOCK, 1, 3, 0, "sleep"},
    {0, FL_TRACE_CHOICE, 0, 2, 1, NULL},
    {FL_MS(5), FL_TRACE_TIMER, 0, 0, FL_MS(5), NULL},
    {FL_MS(5), FL_TRACE_WAKE, 1, 0, -2, NULL},
    {FL_MS(5), FL_TRACE_DONE, 1, 0, 1, "ValueError"},
};
enum { BASE_COUNT = sizeof base_events / sizeof base_events[0] };

static uint64_t hash_of(const event_spec_t *events, size_t count, bool keep) {
    fl_trace_t trace;
    fl_trace_init(&trace, keep);
    for (size_t i = 0; i < count; i++)
        fl_trace_emit(&trace, events[i].time_ns, events[i].kind, events[i].task, events[i].object,
                      events[i].value, events[i].detail);
    uint64_t hash = fl_trace_hash(&trace);
    fl_trace_destroy(&trace);
    return hash;
}

static void test_hash_is_deterministic(void **state) {
    (void)state;
    uint64_t a = hash_of(base_events, BASE_COUNT, false);
    uint64_t b = hash_of(base_events, BASE_COUNT, false);
    assert_true(a == b);
    /* Detail is hashed by content, not by address. */
    char copy[] = "worker";
    event_spec_t moved[BASE_COUNT];
    memcpy(moved, base_events, sizeof moved);
    moved[1].detail = copy;
    assert_true(hash_of(moved, BASE_COUNT, false) == a);
    /* An empty trace has a hash too, different from a non-empty one. */
    assert_true(hash_of(base_events, 0, false) != a);
    assert_true(hash_of(base_events, 0, false) == hash_of(NULL, 0, true));
}

/* Changes one field of one event and checks the hash notices. */
static void test_hash_changes_with_every_field(void **state) {
    (void)state;
    const uint64_t base = hash_of(base_events, BASE_COUNT, false);
    for (size_t index = 0; index < BASE_COUNT; index++) {
        for (int field = 0; field < 6; field++) {
            event_spec_t changed[BASE_COUNT];
            memcpy(changed, base_events, sizeof changed);
            event_spec_t *e = &changed[index];
            switch (field) {
            case 0: e->time_ns += 1; break;
            case 1: e->kind = e->kind == FL_TRACE_NOTE ? FL_TRACE_ERROR : FL_TRACE_NOTE; break;
            case 2: e->task += 1; break;
            case 3: e->object += 1; break;
            case 4: e->value += 1; break;
            case 5: e->detail = e->detail == NULL ? "x" : NULL; break;
            }
            if (hash_of(changed, BASE_COUNT, false) == base)
                fail_msg("changing field %d of event %zu kept the hash", field, index);
        }
        /* A detail with different text, and a detail that is empty rather
         * than absent. */
        event_spec_t changed[BASE_COUNT];
        memcpy(changed, base_events, sizeof changed);
        changed[index].detail = changed[index].detail ? "other" : "";
        assert_true(hash_of(changed, BASE_COUNT, false) != base);
    }
    /* High bits of the wide fields count too. */
    event_spec_t changed[BASE_COUNT];
    memcpy(changed, base_events, sizeof changed);
    changed[5].value += (int64_t)1 << 40;
    assert_true(hash_of(changed, BASE_COUNT, false) != base);
    memcpy(changed, base_events, sizeof changed);
    changed[5].time_ns += (int64_t)1 << 40;
    assert_true(hash_of(changed, BASE_COUNT, false) != base);
    memcpy(changed, base_events, sizeof changed);
    changed[3].object |= 1u << 31;
    assert_true(hash_of(changed, BASE_COUNT, false) != base);
}

/* Details are hashed a word at a time: a change in any byte of a long
 * detail, in its last partial word, or in its length must still show. */
static void test_hash_changes_with_every_byte_of_a_detail(void **state) {
    (void)state;
    static const char text[] = "sent http.response.body cycle 1 more_body=true 19 bytes";
    const size_t length = sizeof text - 1;
    event_spec_t changed[BASE_COUNT];
    memcpy(changed, base_events, sizeof changed);
    changed[2].detail = text;
    const uint64_t base = hash_of(changed, BASE_COUNT, false);
    for (size_t i = 0; i < length; i++) {
        char copy[sizeof text];
        memcpy(copy, text, sizeof text);
        copy[i] ^= 0x01;
        changed[2].detail = copy;
        if (hash_of(changed, BASE_COUNT, false) == base) fail_msg("byte %zu did not count", i);
    }
    for (size_t cut = 0; cut < length; cut++) {
        char prefix[sizeof text];
        memcpy(prefix, text, cut);
        prefix[cut] = '\0';
        changed[2].detail = prefix;
        if (hash_of(changed, BASE_COUNT, false) == base) fail_msg("prefix %zu kept the hash", cut);
    }
    /* "ab" then "c" is not "a" then "bc". */
    event_spec_t split[BASE_COUNT];
    memcpy(split, base_events, sizeof split);
    split[1].detail = "ab";
    split[2].detail = "c";
    const uint64_t one = hash_of(split, BASE_COUNT, false);
    split[1].detail = "a";
    split[2].detail = "bc";
    assert_true(hash_of(split, BASE_COUNT, false) != one);
}

static void test_hash_changes_with_order_and_length(void **state) {
    (void)state;
    const uint64_t base = hash_of(base_events, BASE_COUNT, false);
    for (size_t i = 0; i + 1 < BASE_COUNT; i++) {
        event_spec_t swapped[BASE_COUNT];
        memcpy(swapped, base_events, sizeof swapped);
        event_spec_t t = swapped[i];
        swapped[i] = swapped[i + 1];
        swapped[i + 1] = t;
        if (hash_of(swapped, BASE_COUNT, false) == base)
            fail_msg("swapping events %zu and %zu kept the hash", i, i + 1);
    }
    /* A prefix, and a sequence with one event repeated, differ too. */
    assert_true(hash_of(base_events, BASE_COUNT - 1, false) != base);
    event_spec_t longer[BASE_COUNT + 1];
    memcpy(longer, base_events, sizeof base_events);
    longer[BASE_COUNT] = base_events[BASE_COUNT - 1];
    assert_true(hash_of(longer, BASE_COUNT + 1, false) != base);
}

/* Object and value are hashed as separate words: an object bit cannot be
 * cancelled by a value bit (object 1, value 7 once collided with object 0,
 * value 2^32 + 7). */
static void test_object_and_value_do_not_cancel_out(void **state) {
    (void)state;
    fl_trace_t a, b;
    fl_trace_init(&a, false);
    fl_trace_init(&b, false);
    fl_trace_emit(&a, 0, FL_TRACE_NET, 1, 1, 7, NULL);
    fl_trace_emit(&b, 0, FL_TRACE_NET, 1, 0, ((int64_t)1 << 32) | 7, NULL);
    assert_true(fl_trace_hash(&a) != fl_trace_hash(&b));
    fl_trace_destroy(&a);
    fl_trace_destroy(&b);
}

static void test_keep_events_false_keeps_only_the_hash(void **state) {
    (void)state;
    fl_trace_t kept, bare;
    fl_trace_init(&kept, true);
    fl_trace_init(&bare, false);
    for (size_t i = 0; i < BASE_COUNT; i++) {
        const event_spec_t *e = &base_events[i];
        fl_trace_emit(&kept, e->time_ns, e->kind, e->task, e->object, e->value, e->detail);
        fl_trace_emit(&bare, e->time_ns, e->kind, e->task, e->object, e->value, e->detail);
    }
    assert_true(fl_trace_hash(&kept) == fl_trace_hash(&bare));
    assert_int_equal(fl_trace_count(&bare), BASE_COUNT);
    assert_int_equal(fl_trace_count(&kept), BASE_COUNT);
    size_t count = 99;
    assert_null(fl_trace_events(&bare, &count));
    assert_int_equal(count, 0);
    assert_memory_equal(kept.kind_counts, bare.kind_counts, sizeof kept.kind_counts);
    fl_trace_destroy(&kept);
    fl_trace_destroy(&bare);
}

static void test_events_are_returned_in_order(void **state) {
    (void)state;
    fl_trace_t trace;
    fl_trace_init(&trace, true);
    size_t count = 99;
    assert_null(fl_trace_events(&trace, &count));
    assert_int_equal(count, 0);
    /* Enough events to grow the record array a few times. */
    enum { EVENTS = 1000 };
    for (int i = 0; i < EVENTS; i++) {
        const event_spec_t *e = &base_events[i % BASE_COUNT];
        fl_trace_emit(&trace, i, e->kind, e->task, (uint32_t)i, e->value, e->detail);
    }
    const fl_trace_event_t *events = fl_trace_events(&trace, &count);
    assert_non_null(events);
    assert_int_equal(count, EVENTS);
    for (int i = 0; i < EVENTS; i++) {
        const event_spec_t *e = &base_events[i % BASE_COUNT];
        assert_int_equal(events[i].time_ns, i);
        assert_int_equal(events[i].kind, e->kind);
        assert_int_equal(events[i].task, e->task);
        assert_int_equal(events[i].object, i);
        assert_int_equal(events[i].value, e->value);
        assert_ptr_equal(events[i].detail, e->detail);
    }
    fl_trace_destroy(&trace);
}

static void test_kind_counts(void **state) {
    (void)state;
    fl_trace_t trace;
    fl_trace_init(&trace, false);
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < BASE_COUNT; i++) {
            const event_spec_t *e = &base_events[i];
            fl_trace_emit(&trace, e->time_ns, e->kind, e->task, e->object, e->value, e->detail);
        }
    assert_int_equal(trace.kind_counts[FL_TRACE_SPAWN], 6);
    assert_int_equal(trace.kind_counts[FL_TRACE_RUN], 3);
    assert_int_equal(trace.kind_counts[FL_TRACE_BLOCK], 3);
    assert_int_equal(trace.kind_counts[FL_TRACE_CHOICE], 3);
    assert_int_equal(trace.kind_counts[FL_TRACE_TIMER], 3);
    assert_int_equal(trace.kind_counts[FL_TRACE_WAKE], 3);
    assert_int_equal(trace.kind_counts[FL_TRACE_DONE], 3);
    assert_int_equal(trace.kind_counts[FL_TRACE_YIELD], 0);
    assert_int_equal(trace.kind_counts[FL_TRACE_NOTE], 0);
    uint64_t total = 0;
    for (int k = 0; k < FL_TRACE_KIND_COUNT; k++) total += trace.kind_counts[k];
    assert_int_equal(total, fl_trace_count(&trace));
    fl_trace_destroy(&trace);
}

static void test_kind_names(void **state) {
    (void)state;
    assert_string_equal(fl_trace_kind_name(FL_TRACE_SPAWN), "spawn");
    assert_string_equal(fl_trace_kind_name(FL_TRACE_RUN), "run");
    assert_string_equal(fl_trace_kind_name(FL_TRACE_DONE), "done");
    assert_string_equal(fl_trace_kind_name(FL_TRACE_SCOPE_CANCEL), "cancel");
    assert_string_equal(fl_trace_kind_name(FL_TRACE_GROUP_ERROR), "group-error");
    assert_string_equal(fl_trace_kind_name(FL_TRACE_NOTE), "note");
    for (int k = 0; k < FL_TRACE_KIND_COUNT; k++) {
        const char *name = fl_trace_kind_name((fl_trace_kind_t)k);
        assert_non_null(name);
        assert_true(strlen(name) > 0);
        for (int j = k + 1; j < FL_TRACE_KIND_COUNT; j++)
            assert_string_not_equal(name, fl_trace_kind_name((fl_trace_kind_t)j));
    }
}

/* --- the world's timeline ---------------------------------------------- */

static fl_error_t *napper(fl_world_t *w, void *arg) {
    (void)arg;
    fl_sleep(w, FL_MS(1500));
    return NULL;
}

static fl_error_t *yielder(fl_world_t *w, void *arg) {
    (void)arg;
    fl_checkpoint(w);
    return NULL;
}

static fl_world_t *small_run(bool keep_trace) {
    fl_world_options_t options = {.seed = 3, .policy = "fifo", .keep_trace = keep_trace};
    char error[256];
    fl_world_t *w = fl_world_create(&options, error, sizeof error);
    assert_non_null(w);
    fl_spawn(w, "napper", napper, NULL);
    fl_spawn(w, "yielder", yielder, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    return w;
}

static char *print_trace(fl_world_t *w) {
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    fl_world_print_trace(w, out);
    fclose(out);
    assert_non_null(text);
    return text;
}

static void test_print_trace_lists_the_run(void **state) {
    (void)state;
    fl_world_t *w = small_run(true);
    char *text = print_trace(w);

    const char *spawn_napper = strstr(text, "t1:napper");
    assert_non_null(spawn_napper);
    assert_non_null(strstr(text, "spawn"));
    assert_non_null(strstr(text, "run"));
    assert_non_null(strstr(text, "block"));
    assert_non_null(strstr(text, "t2:yielder"));
    assert_non_null(strstr(text, "yield"));
    assert_non_null(strstr(text, "timer"));
    assert_non_null(strstr(text, "done"));
    /* The napper's wake is at virtual 1.5 s. */
    assert_non_null(strstr(text, "   1.500000000"));

    /* One line per kept event, then the hash line. */
    size_t kept = 0;
    fl_trace_events(fl_world_trace(w), &kept);
    assert_true(kept > 0);
    size_t lines = 0;
    for (const char *p = text; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, kept + 1);

    /* Spawn lines come first, in spawn order; the run ends with a done. */
    const char *first_newline = strchr(text, '\n');
    assert_non_null(first_newline);
    assert_true(spawn_napper < first_newline);
    assert_non_null(strstr(text, "spawn"));
    assert_true(strstr(text, "spawn") < first_newline);

    char expected[64];
    snprintf(expected, sizeof expected, "trace hash %016" PRIx64 "\n", fl_world_trace_hash(w));
    size_t length = strlen(text), tail = strlen(expected);
    assert_true(length > tail);
    assert_string_equal(text + length - tail, expected);
    assert_int_equal(strlen(expected), strlen("trace hash ") + 16 + 1);
    free(text);
    fl_world_destroy(w);
}

static void test_print_trace_events_in_kind_order(void **state) {
    (void)state;
    fl_world_t *w = small_run(true);
    size_t count = 0;
    const fl_trace_event_t *events = fl_trace_events(fl_world_trace(w), &count);
    assert_non_null(events);
    /* Each task: spawn before its first run, and done is its last event. */
    for (uint32_t task = 1; task <= 2; task++) {
        size_t spawn = SIZE_MAX, first_run = SIZE_MAX, done = SIZE_MAX, last = 0;
        for (size_t i = 0; i < count; i++) {
            if (events[i].task != task) continue;
            last = i;
            if (events[i].kind == FL_TRACE_SPAWN && spawn == SIZE_MAX) spawn = i;
            if (events[i].kind == FL_TRACE_RUN && first_run == SIZE_MAX) first_run = i;
            if (events[i].kind == FL_TRACE_DONE) done = i;
        }
        assert_true(spawn < first_run);
        assert_true(first_run < done);
        assert_int_equal(done, last);
        assert_int_equal(events[done].value, 0); /* ended without an error */
    }
    /* Times never go backwards. */
    for (size_t i = 1; i < count; i++) assert_true(events[i].time_ns >= events[i - 1].time_ns);
    assert_int_equal(events[count - 1].time_ns, FL_MS(1500));
    fl_world_destroy(w);
}

static void test_world_hash_is_independent_of_keeping(void **state) {
    (void)state;
    fl_world_t *kept = small_run(true);
    fl_world_t *bare = small_run(false);
    fl_world_t *again = small_run(false);
    assert_true(fl_world_trace_hash(kept) == fl_world_trace_hash(bare));
    assert_true(fl_world_trace_hash(bare) == fl_world_trace_hash(again));
    assert_true(fl_world_trace_hash(kept) == fl_trace_hash(fl_world_trace(kept)));

    /* Without records the timeline says so and still ends with the hash. */
    char *text = print_trace(bare);
    char expected[128];
    snprintf(expected, sizeof expected, "(%" PRIu64 " events not kept)\ntrace hash %016" PRIx64 "\n",
             fl_trace_count(fl_world_trace(bare)), fl_world_trace_hash(bare));
    assert_string_equal(text, expected);
    free(text);
    fl_world_destroy(kept);
    fl_world_destroy(bare);
    fl_world_destroy(again);
}

/* --- the streamed timeline --------------------------------------------------- */

/* The streamed lines are the printed timeline's, minus its hash line. */
static void test_stream_writes_the_timeline_as_it_goes(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 3, .policy = "fifo", .keep_trace = true};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    assert_non_null(w);
    char *streamed = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&streamed, &size);
    assert_non_null(stream);
    fl_world_set_trace_stream(w, stream);
    fl_spawn(w, "napper", napper, NULL);
    fl_spawn(w, "yielder", yielder, NULL);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    fl_world_set_trace_stream(w, NULL);
    fl_trace_emit(fl_world_trace(w), fl_now(w), FL_TRACE_NOTE, 0, 0, 0, "after the stream");
    fclose(stream);

    char *printed = print_trace(w);
    char *hash_line = strstr(printed, "trace hash ");
    assert_non_null(hash_line);
    /* The note recorded after the stream was removed is printed, not streamed. */
    char *note_line = strstr(printed, "after the stream");
    assert_non_null(note_line);
    while (note_line > printed && note_line[-1] != '\n') note_line--;
    *note_line = '\0';
    assert_string_equal(streamed, printed);
    free(printed);
    free(streamed);
    fl_world_destroy(w);
}

/* A task that records a little, then fails an assertion of its own. */
static fl_error_t *doomed(fl_world_t *w, void *arg) {
    (void)arg;
    fl_sleep(w, FL_MS(2));
    assert(fl_now(w) == 0 && "the test's deliberate assertion");
    return NULL;
}

static void run_doomed_world(void *arg) {
    (void)arg;
    fl_world_options_t options = {.seed = 1, .policy = "fifo"};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    fl_world_set_trace_stream(w, stdout);
    fl_spawn(w, "doomed", doomed, NULL);
    fl_world_run(w);
}

/* A run that aborts inside a task has already written its timeline up to
 * the crash: nothing is left in a stdio buffer, and the records do not
 * need to be kept for it. */
static void test_stream_survives_an_assertion_in_a_task(void **state) {
    (void)state;
    static child_result_t child;
    child_run(run_doomed_world, NULL, &child);
    assert_false(child.exited);
    assert_int_equal(child.signal, SIGABRT);
    assert_non_null(strstr(child.err, "the test's deliberate assertion"));
    const char *expected[] = {
        "   0.000000000  t1:doomed              spawn       doomed\n",
        "   0.000000000  t1:doomed              block       sleep\n",
        "   0.002000000  -                      timer       =2000000\n",
        "   0.002000000  t1:doomed              wake\n",
        "   0.002000000  t1:doomed              run\n",
    };
    const char *at = child.out;
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const char *line = strstr(at, expected[i]);
        if (line == NULL) fail_msg("line %zu missing from:\n%s", i, child.out);
        at = line + strlen(expected[i]);
    }
    /* The run never finished: no done line, and the stream has no hash. */
    assert_null(strstr(child.out, "done"));
    assert_null(strstr(child.out, "trace hash"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_deterministic),
        cmocka_unit_test(test_hash_changes_with_every_field),
        cmocka_unit_test(test_hash_changes_with_every_byte_of_a_detail),
        cmocka_unit_test(test_hash_changes_with_order_and_length),
        cmocka_unit_test(test_object_and_value_do_not_cancel_out),
        cmocka_unit_test(test_keep_events_false_keeps_only_the_hash),
        cmocka_unit_test(test_events_are_returned_in_order),
        cmocka_unit_test(test_kind_counts),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_print_trace_lists_the_run),
        cmocka_unit_test(test_print_trace_events_in_kind_order),
        cmocka_unit_test(test_world_hash_is_independent_of_keeping),
        cmocka_unit_test(test_stream_writes_the_timeline_as_it_goes),
        cmocka_unit_test(test_stream_survives_an_assertion_in_a_task),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
