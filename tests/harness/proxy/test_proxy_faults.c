/* The proxy's fault plan (harness/proxy/proxy_faults.h): fault files and
 * admin API bodies read by the scenario loader's fault parser, refused at
 * their place when a proxy cannot carry them out; and the decisions, by
 * the scenario files' rules, on connections, events, bytes and time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "harness/proxy/proxy_faults.h"
#include "harness/proxy/proxy_faults_internal.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"
#include "tests/support/scratch.h"

static char dir[SCRATCH_DIR_MAX];
static char error[1024];
static fl_proxy_firing_t out[FL_PROXY_FIRINGS_MAX];

static int setup(void **state) {
    *state = dir;
    scratch_make(dir, "proxy-faults");
    return 0;
}

/* Writes text as a fault file and loads it into faults. */
static int load(fl_proxy_faults_t *faults, const char *text) {
    scratch_write(dir, "faults.yaml", text);
    char path[SCRATCH_DIR_MAX + 32];
    snprintf(path, sizeof path, "%s/faults.yaml", dir);
    error[0] = '\0';
    return fl_proxy_faults_load_file(faults, path, error, sizeof error);
}

/* A plan of one file's faults; the test fails when it does not load. */
static fl_proxy_faults_t *plan_of(const char *text, uint64_t seed) {
    fl_proxy_faults_t *faults = fl_proxy_faults_create(seed);
    int status = load(faults, text);
    if (status != 0) print_error("%s\n", error);
    assert_int_equal(status, 0);
    return faults;
}

static int add_json(fl_proxy_faults_t *faults, const char *json, uint32_t *ids, size_t *count) {
    error[0] = '\0';
    return fl_proxy_faults_add_json(faults, json, strlen(json), ids, count, error, sizeof error);
}

/* The plan's admin API list, as text. */
static const char *listing(const fl_proxy_faults_t *faults) {
    static char text[16 * 1024];
    FILE *f = fmemopen(text, sizeof text, "w");
    assert_non_null(f);
    fl_json_writer_t json;
    fl_json_init(&json, f);
    fl_proxy_faults_write_json(faults, &json);
    assert_true(fl_json_complete(&json));
    fclose(f);
    return text;
}

static void test_a_file_holds_every_trigger_kind(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = plan_of("description: one of each\n"
                                        "faults:\n"
                                        "  - trigger: {at: 1500ms}\n"
                                        "    action: reset\n"
                                        "  - trigger: {bytes: 100, direction: s2c}\n"
                                        "    action: {stall: forever}\n"
                                        "    probability: 0.5\n"
                                        "  - trigger: {event: proxy.sse_event, count: 3}\n"
                                        "    action: {truncate: s2c}\n"
                                        "    label: third event\n"
                                        "  - trigger: {connect: 2}\n"
                                        "    action: {answer-instead: {status: 429, body: busy}}\n",
                                        1);
    assert_int_equal(fl_proxy_faults_count(faults), 4);
    assert_string_equal(
        listing(faults),
        "[{\"id\":1,\"label\":\"fault #1 at->reset\",\"trigger\":{\"at\":\"1500ms\"},"
        "\"action\":\"reset\",\"reached\":0,\"fired\":0},"
        "{\"id\":2,\"label\":\"fault #2 bytes->stall\",\"trigger\":{\"bytes\":100,\"direction\":"
        "\"s2c\",\"connection\":0},\"action\":{\"stall\":\"forever\"},\"probability\":0.5,"
        "\"reached\":0,\"fired\":0},"
        "{\"id\":3,\"label\":\"third event\",\"trigger\":{\"event\":\"proxy.sse_event\",\"count\":3,"
        "\"connection\":0},\"action\":{\"truncate\":\"s2c\"},\"reached\":0,\"fired\":0},"
        "{\"id\":4,\"label\":\"fault #4 connect->answer-instead\",\"trigger\":{\"connect\":2},"
        "\"action\":{\"answer-instead\":{\"status\":429,\"body\":\"busy\"}},\"reached\":0,"
        "\"fired\":0}]");
    fl_proxy_faults_destroy(faults);
}

/* Each action's value, and a fault's own keys, come back as a file
 * writes them. */
static void test_the_list_writes_each_form(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = plan_of("faults:\n"
                                        "  - trigger: {at: 250us}\n"
                                        "    action: {close: client}\n"
                                        "    connection: 3\n"
                                        "  - trigger: {event: proxy.response_head, connection: 2}\n"
                                        "    action: {delay: 2s}\n"
                                        "    direction: c2s\n"
                                        "    repeat: true\n"
                                        "  - trigger: {bytes: 1KiB, direction: c2s}\n"
                                        "    action: {bandwidth: 1000}\n"
                                        "    probability: 0.125\n"
                                        "  - trigger: {at: 1s}\n"
                                        "    action: corrupt\n"
                                        "    connection: 1\n",
                                        1);
    assert_string_equal(
        listing(faults),
        "[{\"id\":1,\"label\":\"fault #1 at->close\",\"trigger\":{\"at\":\"250us\"},"
        "\"action\":{\"close\":\"client\"},\"connection\":3,\"reached\":0,\"fired\":0},"
        "{\"id\":2,\"label\":\"fault #2 event->delay\",\"trigger\":{\"event\":"
        "\"proxy.response_head\",\"count\":1,\"connection\":2},\"action\":{\"delay\":\"2s\"},"
        "\"direction\":\"c2s\",\"repeat\":true,\"reached\":0,\"fired\":0},"
        "{\"id\":3,\"label\":\"fault #3 bytes->bandwidth\",\"trigger\":{\"bytes\":1024,"
        "\"direction\":\"c2s\",\"connection\":0},\"action\":{\"bandwidth\":1000},"
        "\"probability\":0.125,\"reached\":0,\"fired\":0},"
        "{\"id\":4,\"label\":\"fault #4 at->corrupt\",\"trigger\":{\"at\":\"1s\"},"
        "\"action\":\"corrupt\",\"connection\":1,\"reached\":0,\"fired\":0}]");
    fl_proxy_faults_destroy(faults);
}

static void test_a_connect_trigger_fires_on_its_connection(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = plan_of("faults:\n"
                                        "  - trigger: {connect: 2}\n"
                                        "    action: refuse\n"
                                        "  - trigger: {connect: 0}\n"
                                        "    action: answer-instead\n",
                                        1);
    /* Connection 1: only the every-connection fault, once (not repeat). */
    assert_int_equal(fl_proxy_faults_open(faults, 1, out), 1);
    assert_int_equal(out[0].fault_id, 2);
    assert_int_equal(out[0].connection, 1);
    assert_int_equal(out[0].trigger, FL_FAULT_TRIGGER_CONNECT);
    assert_int_equal(out[0].action.kind, FL_FAULT_ACTION_ANSWER_INSTEAD);
    assert_int_equal(out[0].action.answer_status, 503); /* the defaults */
    assert_string_equal(out[0].action.answer_body, "");
    assert_int_equal(fl_proxy_faults_open(faults, 2, out), 1);
    assert_int_equal(out[0].fault_id, 1);
    assert_string_equal(out[0].label, "fault #1 connect->refuse");
    assert_int_equal(fl_proxy_faults_open(faults, 3, out), 0);
    assert_int_equal(fl_proxy_faults_fired(faults), 2);
    fl_proxy_faults_destroy(faults);
}

static void test_repeat_fires_on_every_connection(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = plan_of("faults:\n"
                                        "  - trigger: {connect: 0}\n"
                                        "    action: {stall: 1s}\n"
                                        "    repeat: true\n",
                                        1);
    for (uint32_t c = 1; c <= 5; c++) {
        assert_int_equal(fl_proxy_faults_open(faults, c, out), 1);
        assert_int_equal(out[0].connection, c);
        assert_int_equal(out[0].action.duration_ns, 1000000000);
        fl_proxy_faults_close(faults, c);
    }
    assert_int_equal(fl_proxy_faults_fired(faults), 5);
    fl_proxy_faults_destroy(faults);
}

/* How many of n events of one kind on connection fire. */
static size_t events(fl_proxy_faults_t *faults, uint32_t connection, fl_protocol_event_t event,
                     size_t n) {
    size_t fired = 0;
    for (size_t i = 0; i < n; i++) fired += fl_proxy_faults_event(faults, connection, event, out);
    return fired;
}

static void test_an_event_fires_at_its_count_over_every_connection(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = plan_of("faults:\n"
                                        "  - trigger: {event: proxy.sse_event, count: 3}\n"
                                        "    action: reset\n",
                                        1);
    fl_proxy_faults_open(faults, 1, out);
    fl_proxy_faults_open(faults, 2, out);
    /* Other events do not count; the 3rd SSE event is on connection 2. */
    assert_int_equal(events(faults, 1, FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK, 5), 0);
    assert_int_equal(events(faults, 1, FL_PROTOCOL_EVENT_PROXY_SSE_EVENT, 2), 0);
    assert_int_equal(fl_proxy_faults_event(faults, 2, FL_PROTOCOL_EVENT_PROXY_SSE_EVENT, out), 1);
    assert_int_equal(out[0].connection, 2);
    assert_int_equal(out[0].action.direction, FL_DIRECTION_SERVER_TO_CLIENT); /* the default */
    /* One-shot: the 4th and later do not fire. */
    assert_int_equal(events(faults, 1, FL_PROTOCOL_EVENT_PROXY_SSE_EVENT, 3), 0);
    assert_non_null(strstr(listing(faults), "\"reached\":1,\"fired\":1"));
    fl_proxy_faults_destroy(faults);
}

static void test_an_event_on_one_connection_with_repeat(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = plan_of("faults:\n"
                                        "  - trigger: {event: proxy.body_chunk, count: 2, "
                                        "connection: 2}\n"
                                        "    action: corrupt\n"
                                        "    repeat: true\n",
                                        1);
    /* Connection 1's chunks are not watched: 2's 2nd, 3rd and 4th fire. */
    assert_int_equal(events(faults, 1, FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK, 4), 0);
    assert_int_equal(events(faults, 2, FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK, 1), 0);
    assert_int_equal(events(faults, 2, FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK, 3), 3);
    assert_int_equal(out[0].connection, 2);
    assert_int_equal(fl_proxy_faults_fired(faults), 3);
    fl_proxy_faults_destroy(faults);
}

static void test_bytes_thresholds_fire_once_per_connection(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = plan_of("faults:\n"
                                        "  - trigger: {bytes: 100, direction: s2c}\n"
                                        "    action: {stall: 2s}\n"
                                        "  - trigger: {bytes: 40, direction: c2s, connection: 2}\n"
                                        "    action: half-close\n",
                                        1);
    for (uint32_t c = 1; c <= 2; c++) {
        fl_proxy_faults_open(faults, c, out);
        assert_int_equal(fl_proxy_faults_next_bytes(faults, c, FL_DIRECTION_SERVER_TO_CLIENT, 0),
                         100);
        assert_int_equal(fl_proxy_faults_bytes(faults, c, FL_DIRECTION_SERVER_TO_CLIENT, 99, out),
                         0);
        assert_int_equal(fl_proxy_faults_bytes(faults, c, FL_DIRECTION_SERVER_TO_CLIENT, 100, out),
                         1);
        /* The trigger's direction is the stall's. */
        assert_int_equal(out[0].action.direction, FL_DIRECTION_SERVER_TO_CLIENT);
        assert_int_equal(fl_proxy_faults_next_bytes(faults, c, FL_DIRECTION_SERVER_TO_CLIENT, 100),
                         UINT64_MAX);
        assert_int_equal(fl_proxy_faults_bytes(faults, c, FL_DIRECTION_SERVER_TO_CLIENT, 500, out),
                         0);
    }
    /* The c2s threshold watches connection 2 only, once. */
    assert_int_equal(fl_proxy_faults_next_bytes(faults, 1, FL_DIRECTION_CLIENT_TO_SERVER, 0),
                     UINT64_MAX);
    assert_int_equal(fl_proxy_faults_next_bytes(faults, 2, FL_DIRECTION_CLIENT_TO_SERVER, 0), 40);
    /* A pump that went past the threshold still fires it. */
    assert_int_equal(fl_proxy_faults_bytes(faults, 2, FL_DIRECTION_CLIENT_TO_SERVER, 45, out), 1);
    assert_int_equal(out[0].action.kind, FL_FAULT_ACTION_HALF_CLOSE);
    assert_int_equal(fl_proxy_faults_fired(faults), 3);
    /* A connection not open has no thresholds. */
    assert_int_equal(fl_proxy_faults_next_bytes(faults, 9, FL_DIRECTION_SERVER_TO_CLIENT, 0),
                     UINT64_MAX);
    fl_proxy_faults_destroy(faults);
}

static void test_a_fault_added_later_spares_open_connections(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
    uint32_t ids[FL_PROXY_FAULTS_MAX];
    size_t count;
    fl_proxy_faults_open(faults, 1, out);
    assert_int_equal(add_json(faults, "{\"trigger\": {\"bytes\": 0, \"direction\": \"c2s\"}, "
                                      "\"action\": \"reset\"}", ids, &count), 0);
    assert_int_equal(fl_proxy_faults_next_bytes(faults, 1, FL_DIRECTION_CLIENT_TO_SERVER, 0),
                     UINT64_MAX);
    assert_int_equal(fl_proxy_faults_bytes(faults, 1, FL_DIRECTION_CLIENT_TO_SERVER, 10, out), 0);
    fl_proxy_faults_open(faults, 2, out);
    assert_int_equal(fl_proxy_faults_next_bytes(faults, 2, FL_DIRECTION_CLIENT_TO_SERVER, 0), 0);
    assert_int_equal(fl_proxy_faults_bytes(faults, 2, FL_DIRECTION_CLIENT_TO_SERVER, 0, out), 1);
    fl_proxy_faults_destroy(faults);
}

static void test_at_triggers_fire_once_on_open_connections(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = plan_of("faults:\n"
                                        "  - trigger: {at: 1s}\n"
                                        "    action: reset\n"
                                        "  - trigger: {at: 2s}\n"
                                        "    action: close\n"
                                        "    connection: 5\n",
                                        1);
    assert_int_equal(fl_proxy_faults_next_at(faults), 1000000000);
    assert_int_equal(fl_proxy_faults_time(faults, 999999999, out), 0);
    fl_proxy_faults_open(faults, 1, out);
    assert_int_equal(fl_proxy_faults_time(faults, 1000000000, out), 1);
    assert_int_equal(out[0].connection, 0); /* every open one */
    assert_int_equal(out[0].trigger, FL_FAULT_TRIGGER_AT);
    assert_int_equal(fl_proxy_faults_next_at(faults), 2000000000);
    /* Connection 5 is not open at 2 s: reached, not fired, and done. */
    assert_int_equal(fl_proxy_faults_time(faults, 3000000000, out), 0);
    assert_int_equal(fl_proxy_faults_next_at(faults), INT64_MAX);
    assert_non_null(strstr(listing(faults), "\"connection\":5,\"reached\":1,\"fired\":0"));
    fl_proxy_faults_open(faults, 5, out);
    assert_int_equal(fl_proxy_faults_time(faults, 4000000000, out), 0);
    assert_int_equal(fl_proxy_faults_fired(faults), 1);
    fl_proxy_faults_destroy(faults);
}

/* Which of 200 body chunks fire, as bits, under seed. */
static void draw_200(uint64_t seed, uint8_t fired[200], size_t *total) {
    fl_proxy_faults_t *faults = plan_of("faults:\n"
                                        "  - trigger: {event: proxy.body_chunk}\n"
                                        "    action: corrupt\n"
                                        "    repeat: true\n"
                                        "    probability: 0.5\n",
                                        seed);
    *total = 0;
    for (size_t i = 0; i < 200; i++) {
        fired[i] = (uint8_t)fl_proxy_faults_event(faults, 1, FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK,
                                                  out);
        *total += fired[i];
    }
    assert_int_equal(fl_proxy_faults_fired(faults), *total);
    fl_proxy_faults_destroy(faults);
}

static void test_probability_is_drawn_from_the_seed(void **state) {
    (void)state;
    uint8_t first[200], again[200], other[200];
    size_t n_first, n_again, n_other;
    draw_200(7, first, &n_first);
    draw_200(7, again, &n_again);
    draw_200(8, other, &n_other);
    assert_true(n_first > 0 && n_first < 200); /* some, not all */
    assert_int_equal(n_first, n_again);
    assert_memory_equal(first, again, sizeof first); /* same seed, same firings */
    assert_memory_not_equal(first, other, sizeof first);
}

static void test_ids_count_from_one_and_are_never_reused(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
    uint32_t ids[FL_PROXY_FAULTS_MAX];
    size_t count;
    const char *one = "{\"trigger\": {\"connect\": 0}, \"action\": \"refuse\"}";
    assert_int_equal(add_json(faults, one, ids, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(ids[0], 1);
    assert_int_equal(add_json(faults, "[{\"trigger\": {\"at\": \"1s\"}, \"action\": \"reset\"},"
                                      " {\"trigger\": {\"event\": \"proxy.request_head\"},"
                                      " \"action\": {\"answer-instead\": {\"status\": 404}}}]",
                              ids, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 3);
    assert_true(fl_proxy_faults_remove(faults, 2));
    assert_false(fl_proxy_faults_remove(faults, 2));
    assert_false(fl_proxy_faults_remove(faults, 99));
    assert_int_equal(fl_proxy_faults_count(faults), 2);
    assert_int_equal(add_json(faults, one, ids, &count), 0);
    assert_int_equal(ids[0], 4); /* not 2 again, though its slot is free */
    assert_non_null(strstr(listing(faults), "\"label\":\"fault #4 connect->refuse\""));
    fl_proxy_faults_clear(faults);
    assert_int_equal(fl_proxy_faults_count(faults), 0);
    assert_string_equal(listing(faults), "[]");
    assert_int_equal(add_json(faults, one, ids, &count), 0);
    assert_int_equal(ids[0], 5);
    fl_proxy_faults_destroy(faults);
}

static void test_a_bad_body_adds_none(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
    uint32_t ids[FL_PROXY_FAULTS_MAX];
    size_t count = 99;
    assert_int_equal(add_json(faults, "[{\"trigger\": {\"connect\": 1}, \"action\": \"refuse\"},"
                                      " {\"trigger\": {\"connect\": 2}, \"action\": \"rest\"}]",
                              ids, &count), FL_EINVAL);
    assert_int_equal(count, 0);
    assert_int_equal(fl_proxy_faults_count(faults), 0);
    /* The API's message names the place by its path, without a position. */
    assert_non_null(strstr(error, "faults[1].action: unknown fault action 'rest' (did you mean "
                                  "'reset'?"));
    assert_true(strncmp(error, "faults[1].action: ", 18) == 0);
    assert_int_equal(add_json(faults, "42", ids, &count), FL_EINVAL);
    assert_string_equal(error, "faults: expected a fault object or an array of them");
    assert_int_equal(add_json(faults, "{\"trigger\": ", ids, &count), FL_EINVAL);
    assert_non_null(strstr(error, "YAML syntax"));
    assert_int_equal(add_json(faults, "{\"trigger\": {\"connect\": 1}, \"action\": \"cancel-task\"}",
                              ids, &count), FL_EINVAL);
    assert_non_null(strstr(error, "faults[0].action: 'cancel-task' acts on a simulated world"));
    /* Nothing was spent on the refusals: the first fault added is 1. */
    assert_int_equal(add_json(faults, "[]", ids, &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(add_json(faults, "{\"trigger\": {\"connect\": 1}, \"action\": \"refuse\"}",
                              ids, &count), 0);
    assert_int_equal(ids[0], 1);
    fl_proxy_faults_destroy(faults);
}

/* A JSON array of n faults. */
static char *array_of(size_t n) {
    static const char item[] = "{\"trigger\": {\"connect\": 0}, \"action\": \"refuse\"}";
    char *text = malloc(n * (sizeof item + 2) + 3);
    assert_non_null(text);
    strcpy(text, "[");
    for (size_t i = 0; i < n; i++) strcat(strcat(text, i ? ", " : ""), item);
    strcat(text, "]");
    return text;
}

static void test_the_plan_holds_at_most_its_cap(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
    uint32_t ids[FL_PROXY_FAULTS_MAX];
    size_t count;
    char *too_many = array_of(FL_PROXY_FAULTS_MAX + 1), *all = array_of(FL_PROXY_FAULTS_MAX);
    assert_int_equal(add_json(faults, too_many, ids, &count), FL_EINVAL);
    assert_non_null(strstr(error, "faults: 65 faults, but the proxy holds at most 64 at a time"));
    assert_int_equal(add_json(faults, all, ids, &count), 0);
    assert_int_equal(count, FL_PROXY_FAULTS_MAX);
    assert_int_equal(ids[FL_PROXY_FAULTS_MAX - 1], FL_PROXY_FAULTS_MAX);
    assert_int_equal(add_json(faults, "[{\"trigger\": {\"connect\": 0}, \"action\": \"refuse\"}]",
                              ids, &count), FL_EINVAL);
    assert_non_null(strstr(error, "at most 64 at a time (64 now)"));
    assert_true(fl_proxy_faults_remove(faults, 10));
    assert_int_equal(add_json(faults, "{\"trigger\": {\"connect\": 0}, \"action\": \"refuse\"}",
                              ids, &count), 0);
    assert_int_equal(ids[0], FL_PROXY_FAULTS_MAX + 1);
    /* Every one fires, each once, within the firings' room. */
    assert_int_equal(fl_proxy_faults_open(faults, 1, out), FL_PROXY_FIRINGS_MAX);
    free(too_many);
    free(all);
    fl_proxy_faults_destroy(faults);
}

static void test_memory_follows_the_open_connections(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = plan_of("faults:\n"
                                        "  - trigger: {bytes: 1, direction: s2c}\n"
                                        "    action: reset\n",
                                        1);
    size_t capacity;
    for (uint32_t c = 1; c <= 100000; c++) {
        fl_proxy_faults_open(faults, c, out);
        assert_int_equal(fl_proxy_faults_bytes(faults, c, FL_DIRECTION_SERVER_TO_CLIENT, 1, out), 1);
        fl_proxy_faults_close(faults, c);
    }
    assert_int_equal(fl__proxy_faults_open_count(faults, &capacity), 0);
    assert_true(capacity <= 16);
    for (uint32_t c = 100001; c <= 110000; c++) fl_proxy_faults_open(faults, c, out);
    assert_int_equal(fl__proxy_faults_open_count(faults, &capacity), 10000);
    for (uint32_t c = 100001; c <= 110000; c++) fl_proxy_faults_close(faults, c);
    fl_proxy_faults_close(faults, 100001); /* again: nothing */
    assert_int_equal(fl__proxy_faults_open_count(faults, &capacity), 0);
    assert_true(capacity <= 128);
    fl_proxy_faults_destroy(faults);
}

/* A refused fault file: its message, at its line and column. */
typedef struct refusal {
    const char *text;
    int line, column;
    const char *message;
} refusal_t;

#define CONNECT "faults:\n  - trigger: {connect: 1}\n    action: "

static const refusal_t refusals[] = {
    {"fautls: []\n", 1, 1, "unknown key 'fautls' (did you mean 'faults'?"},
    {"description: x\n", 1, 1, "missing required key 'faults' in the fault file"},
    {"- faults\n", 1, 1, "a fault file: expected a mapping"},
    {"faults: {}\n", 1, 9, "faults: expected a list"},
    {"faults: [\n", 2, 1, "YAML syntax"},
    {CONNECT "{cancel-task: app}\n", 3, 13,
     "faults[0].action: 'cancel-task' acts on a simulated world's tasks or client"},
    {CONNECT "client-disconnect\n", 3, 13, "({close: client} closes as the client)"},
    {CONNECT "rest\n", 3, 13, "unknown fault action 'rest' (did you mean 'reset'?"},
    {CONNECT "{answer-instead: {status: 700}}\n", 3, 39, "faults[0].action.answer-instead.status"},
    {CONNECT "{answer-instead: {stauts: 404}}\n", 3, 31, "unknown key 'stauts'"},
    {CONNECT "refuse\n    may_not_fire: true\n", 4, 19, "faults[0].may_not_fire: may_not_fire"},
    {"faults:\n  - trigger: {event: server.body_chunk}\n    action: reset\n", 2, 22,
     "faults[0].trigger.event: 'server.body_chunk' is reported by the simulated server only (a "
     "proxy fault file's events: proxy.request_head, proxy.request_done, proxy.response_head, "
     "proxy.body_chunk, proxy.sse_event, proxy.response_done)"},
    {"faults:\n  - trigger: {event: proxy.sse_evnt}\n    action: reset\n", 2, 22,
     "unknown protocol event 'proxy.sse_evnt' (did you mean 'proxy.sse_event'? the events: "
     "proxy.request_head"},
    {"faults:\n  - trigger: {event: proxy.body_chunk}\n    action: answer-instead\n", 2, 5,
     "'answer-instead' takes a connect trigger or the event proxy.request_head"},
    {"faults:\n  - trigger: {bytes: 1, direction: s2c}\n    action: answer-instead\n", 2, 5,
     "'answer-instead' takes a connect trigger"},
};

static void test_every_refusal_names_its_place(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
        int status = load(faults, refusals[i].text);
        char place[SCRATCH_DIR_MAX + 64];
        snprintf(place, sizeof place, "%s/faults.yaml:%d:%d: error: ", dir, refusals[i].line,
                 refusals[i].column);
        if (status != FL_EINVAL || strncmp(error, place, strlen(place)) != 0 ||
            strstr(error, refusals[i].message) == NULL)
            fail_msg("case %zu: got %d '%s', wanted %s%s", i, status, error, place,
                     refusals[i].message);
        assert_int_equal(fl_proxy_faults_count(faults), 0); /* all or none */
        fl_proxy_faults_destroy(faults);
    }
}

static void test_a_missing_file_is_not_found(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
    error[0] = '\0';
    assert_int_equal(fl_proxy_faults_load_file(faults, "/nonexistent/faults.yaml", error,
                                               sizeof error), FL_ENOTFOUND);
    assert_string_equal(error, "/nonexistent/faults.yaml: error: cannot open: No such file or "
                               "directory");
    assert_int_equal(fl_proxy_faults_load_file(faults, dir, error, sizeof error), FL_EINVAL);
    assert_non_null(strstr(error, "is a directory"));
    fl_proxy_faults_destroy(faults);
}

/* The other side of the line: a scenario file refuses what only the proxy
 * carries out. */
static void test_a_scenario_refuses_the_proxys_faults(void **state) {
    (void)state;
    static const char head[] = "name: t\nclient:\n  tasks:\n    - name: main\n      steps:\n"
                               "        - request: {path: /}\n";
    static const char *const faults[][2] = {
        {"faults:\n  - trigger: {connect: 1}\n    action: answer-instead\n",
         "t.yaml:9:13: error: faults[0].action: 'answer-instead' is carried out by faultline "
         "proxy only"},
        {"faults:\n  - trigger: {event: proxy.response_head}\n    action: reset\n",
         "t.yaml:8:22: error: faults[0].trigger.event: 'proxy.response_head' is reported by "
         "faultline proxy only (a scenario's events: server.response_start, server.body_chunk)"},
    };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", head, faults[i][0]);
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t scenario;
        assert_int_equal(fl_scenario_load_string(&arena, "t.yaml", text, &scenario, error,
                                                 sizeof error), FL_EINVAL);
        assert_string_equal(error, faults[i][1]);
        fl_arena_destroy(&arena);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_file_holds_every_trigger_kind),
        cmocka_unit_test(test_the_list_writes_each_form),
        cmocka_unit_test(test_a_connect_trigger_fires_on_its_connection),
        cmocka_unit_test(test_repeat_fires_on_every_connection),
        cmocka_unit_test(test_an_event_fires_at_its_count_over_every_connection),
        cmocka_unit_test(test_an_event_on_one_connection_with_repeat),
        cmocka_unit_test(test_bytes_thresholds_fire_once_per_connection),
        cmocka_unit_test(test_a_fault_added_later_spares_open_connections),
        cmocka_unit_test(test_at_triggers_fire_once_on_open_connections),
        cmocka_unit_test(test_probability_is_drawn_from_the_seed),
        cmocka_unit_test(test_ids_count_from_one_and_are_never_reused),
        cmocka_unit_test(test_a_bad_body_adds_none),
        cmocka_unit_test(test_the_plan_holds_at_most_its_cap),
        cmocka_unit_test(test_memory_follows_the_open_connections),
        cmocka_unit_test(test_every_refusal_names_its_place),
        cmocka_unit_test(test_a_missing_file_is_not_found),
        cmocka_unit_test(test_a_scenario_refuses_the_proxys_faults),
    };
    return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
