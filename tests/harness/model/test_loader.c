/* The scenario loader: a full file loads field by field, defaults apply, and
 * every class of malformed input is refused at the offending node's line and
 * column with a message that says what is wrong. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/model/loader.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"

#define MS 1000000LL
#define S 1000000000LL

static const char full_yaml[] =
    "name: retry refuses a streamed body\n"
    "tags: [retry, story1]\n"
    "mode: finds\n"
    "finds: server_bodies_differ\n"
    "seeds: 5..50\n"
    "policy: trio\n"
    "time_limit: 90s\n"
    "network: {latency: 2ms, jitter: 500us, bandwidth: 1MB, buffer: 64KiB, segmentation: false,"
    " backlog: 16}\n"
    "server:\n"
    "  spec_version: \"2.4\"\n"
    "  middleware:\n"
    "    - base_http: \"0.20\"\n"
    "    - server_errors: {}\n"
    "    - exception_handler: {error: ValueError, status: 418, body: handled}\n"
    "  routes:\n"
    "    - method: PUT\n"
    "      path: /upload\n"
    "      steps:\n"
    "        - sleep: 100ms\n"
    "        - read_body: {bytes: 10}\n"
    "        - respond: {status: 201, body: hello, media_type: text/plain, headers: {x-a: b},"
    " background: {name: audit, duration: 10ms}}\n"
    "    - path: /fail\n"
    "      steps:\n"
    "        - read_body: {}\n"
    "        - raise: {error: RuntimeError, message: boom}\n"
    "    - path: /stream\n"
    "      steps:\n"
    "        - stream: {status: 202, chunks: 5, interval: 1.5s, text: tick, sse: true, ping: 15s,"
    " fail_at: 3, fail_error: RuntimeError, fail_message: bad, variant: spec-aware,"
    " cleanup: shielded, publish: 50ms}\n"
    "client:\n"
    "  timeouts: {connect: 1s, read: 2s, write: 3s, pool: forever}\n"
    "  max_connections: 7\n"
    "  middleware:\n"
    "    - retry: {attempts: 4, base_delay: 100ms, max_delay: 5s, refuse_streamed_body: false,"
    " budget: true}\n"
    "    - bulkhead: {max_concurrent: 2, timeout: 1s}\n"
    "    - timeout: 2s\n"
    "  tasks:\n"
    "    - name: main\n"
    "      steps:\n"
    "        - request: {id: upload, method: PUT, path: /upload, stream_body: [a, b, c],"
    " headers: {x: y}, cancel_after: 150ms}\n"
    "        - stream: {id: s, path: /stream, read_chunks: 2, cancel_after: 3m}\n"
    "        - sse: {id: events, path: /events, receive: 3, owner_check: false,"
    " receive_in: other}\n"
    "        - sleep: 1s\n"
    "        - cancel: {task: other, after: 3500ms}\n"
    "    - name: other\n"
    "      steps:\n"
    "        - request: {path: /fail, body: abc}\n"
    "faults:\n"
    "  - trigger: {at: 1s}\n"
    "    action: reset\n"
    "    connection: 1\n"
    "    label: reset on start\n"
    "  - trigger: {bytes: 100, direction: s2c, connection: 2}\n"
    "    action: {stall: forever}\n"
    "  - trigger: {event: server.response_start, count: 2, connection: 0}\n"
    "    action: {close: client}\n"
    "    probability: 0.25\n"
    "    repeat: true\n"
    "    may_not_fire: true\n"
    "  - trigger: {connect: 1}\n"
    "    action: {cancel-task: app}\n"
    "  - trigger: {at: 2s}\n"
    "    action: {delay: 50ms}\n"
    "    direction: c2s\n"
    "expect:\n"
    "  - step: {step: upload, name: upload_ok, status: 200, error: ReadError, message: gone,"
    " note: not retrying, attempts: 1, events: 3, body_bytes: 5}\n"
    "  - server: {name: server_bodies_differ, log: exception-handler, text: \"No response.\","
    " count: 0, bodies_differ: true}\n"
    "  - hang: {hang: false, task: other}\n"
    "  - budget: {withdrawals: 0}\n"
    "  - step: {step: other.0, ok: true}\n"
    "  - trace: {event: fault, text: reset, count: 2}\n"
    "  - server: {log: sent, cycle: 2, count: 3}\n";

static int load(fl_arena_t *arena, const char *yaml, fl_scenario_t *out, char *error,
                size_t error_size) {
    return fl_scenario_load_string(arena, "t.yaml", yaml, out, error, error_size);
}

static void test_full_scenario_loads_every_field(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[512];
    int status = load(&arena, full_yaml, &sc, error, sizeof error);
    if (status != 0) fail_msg("%s", error);

    assert_string_equal(sc.file, "t.yaml");
    assert_string_equal(sc.name, "retry refuses a streamed body");
    assert_int_equal(sc.tag_count, 2);
    assert_string_equal(sc.tags[0], "retry");
    assert_string_equal(sc.tags[1], "story1");
    assert_int_equal(sc.mode, FL_SCENARIO_FINDS);
    assert_string_equal(sc.finds, "server_bodies_differ");
    assert_int_equal(sc.seed_first, 5);
    assert_int_equal(sc.seed_last, 50);
    assert_string_equal(sc.policy, "trio");
    assert_int_equal(sc.time_limit_ns, 90 * S);
    assert_int_equal(sc.network.latency_ns, 2 * MS);
    assert_int_equal(sc.network.latency_jitter_ns, 500000);
    assert_int_equal(sc.network.bytes_per_second, 1000000);
    assert_int_equal(sc.network.buffer_bytes, 65536);
    assert_false(sc.network.segmentation);
    assert_int_equal(sc.network.backlog, 16);

    const fl_server_spec_t *server = &sc.server;
    assert_string_equal(server->spec_version, "2.4");
    assert_int_equal(server->layer_count, 3);
    assert_int_equal(server->layers[0].kind, FL_LAYER_BASE_HTTP);
    assert_int_equal(server->layers[0].version, FL_BASE_MIDDLEWARE_0_20);
    assert_int_equal(server->layers[0].at.line, 12);
    assert_int_equal(server->layers[0].at.column, 7);
    assert_int_equal(server->layers[1].kind, FL_LAYER_SERVER_ERRORS);
    assert_int_equal(server->layers[2].kind, FL_LAYER_EXCEPTION_HANDLER);
    assert_int_equal(server->layers[2].handles, FL_ERR_VALUE_ERROR);
    assert_int_equal(server->layers[2].status, 418);
    assert_string_equal(server->layers[2].body, "handled");

    assert_int_equal(server->route_count, 3);
    const fl_route_t *upload = &server->routes[0];
    assert_string_equal(upload->method, "PUT");
    assert_string_equal(upload->path, "/upload");
    assert_string_equal(upload->handler.name, "/upload");
    assert_int_equal(upload->at.line, 16);
    assert_int_equal(upload->handler.step_count, 3);
    assert_int_equal(upload->handler.steps[0].kind, FL_SCRIPTED_SLEEP);
    assert_int_equal(upload->handler.steps[0].duration_ns, 100 * MS);
    assert_int_equal(upload->handler.steps[1].kind, FL_SCRIPTED_READ_BODY);
    assert_int_equal(upload->handler.steps[1].read_bytes, 10);
    const fl_scripted_step_t *respond = &upload->handler.steps[2];
    assert_int_equal(respond->kind, FL_SCRIPTED_RESPOND);
    assert_int_equal(respond->status, 201);
    assert_string_equal(respond->body, "hello");
    assert_string_equal(respond->media_type, "text/plain");
    assert_int_equal(respond->header_count, 1);
    assert_string_equal(respond->headers[0].name, "x-a");
    assert_string_equal(respond->headers[0].value, "b");
    assert_string_equal(respond->background_name, "audit");
    assert_int_equal(respond->background_ns, 10 * MS);

    const fl_route_t *failing = &server->routes[1];
    assert_string_equal(failing->method, "GET");
    assert_int_equal(failing->handler.steps[0].read_bytes, 0);
    assert_int_equal(failing->handler.steps[1].kind, FL_SCRIPTED_RAISE);
    assert_int_equal(failing->handler.steps[1].error_kind, FL_ERR_RUNTIME_ERROR);
    assert_string_equal(failing->handler.steps[1].error_message, "boom");

    const fl_scripted_step_t *stream = &server->routes[2].handler.steps[0];
    assert_int_equal(stream->kind, FL_SCRIPTED_STREAM);
    assert_int_equal(stream->status, 202);
    assert_int_equal(stream->stream.chunk_count, 5);
    assert_int_equal(stream->stream.interval_ns, 1500 * MS);
    assert_string_equal(stream->stream.chunk_text, "tick");
    assert_true(stream->stream.sse);
    assert_int_equal(stream->stream.ping_interval_ns, 15 * S);
    assert_int_equal(stream->stream.fail_at_chunk, 3);
    assert_int_equal(stream->stream.fail_kind, FL_ERR_RUNTIME_ERROR);
    assert_string_equal(stream->stream.fail_message, "bad");
    assert_int_equal(stream->stream.variant, FL_STREAMING_SPEC_AWARE);
    assert_int_equal(stream->stream.cleanup, FL_SCRIPTED_CLEANUP_SHIELDED);
    assert_int_equal(stream->stream.publish_ns, 50 * MS);

    const fl_client_spec_t *client = &sc.client;
    assert_int_equal(client->timeouts.connect_ns, 1 * S);
    assert_int_equal(client->timeouts.read_ns, 2 * S);
    assert_int_equal(client->timeouts.write_ns, 3 * S);
    assert_int_equal(client->timeouts.pool_ns, FL_TIME_NEVER);
    assert_int_equal(client->max_connections, 7);
    assert_int_equal(client->layer_count, 3);
    const fl_client_layer_t *retry = &client->layers[0];
    assert_int_equal(retry->kind, FL_CLIENT_LAYER_RETRY);
    assert_int_equal(retry->attempts, 4);
    assert_int_equal(retry->base_delay_ns, 100 * MS);
    assert_int_equal(retry->max_delay_ns, 5 * S);
    assert_false(retry->refuse_streamed_body);
    assert_true(retry->budget);
    assert_int_equal(client->layers[1].kind, FL_CLIENT_LAYER_BULKHEAD);
    assert_int_equal(client->layers[1].max_concurrent, 2);
    assert_int_equal(client->layers[1].timeout_ns, 1 * S);
    assert_int_equal(client->layers[2].kind, FL_CLIENT_LAYER_TIMEOUT);
    assert_int_equal(client->layers[2].timeout_ns, 2 * S);

    assert_int_equal(client->task_count, 2);
    const fl_client_task_t *main_task = &client->tasks[0];
    assert_string_equal(main_task->name, "main");
    assert_int_equal(main_task->step_count, 5);
    const fl_step_t *request = &main_task->steps[0];
    assert_int_equal(request->kind, FL_STEP_REQUEST);
    assert_string_equal(request->id, "upload");
    assert_string_equal(request->method, "PUT");
    assert_string_equal(request->path, "/upload");
    assert_null(request->body);
    assert_int_equal(request->stream_piece_count, 3);
    assert_string_equal(request->stream_body[2], "c");
    assert_int_equal(request->header_count, 1);
    assert_string_equal(request->headers[0].name, "x");
    assert_int_equal(request->cancel_after_ns, 150 * MS);
    const fl_step_t *stream_step = &main_task->steps[1];
    assert_int_equal(stream_step->kind, FL_STEP_STREAM);
    assert_string_equal(stream_step->method, "GET");
    assert_int_equal(stream_step->read_chunks, 2);
    assert_int_equal(stream_step->cancel_after_ns, 180 * S);
    const fl_step_t *sse = &main_task->steps[2];
    assert_int_equal(sse->kind, FL_STEP_SSE);
    assert_int_equal(sse->receive_count, 3);
    assert_false(sse->owner_check);
    assert_string_equal(sse->receive_in, "other");
    assert_int_equal(main_task->steps[3].kind, FL_STEP_SLEEP);
    assert_int_equal(main_task->steps[3].duration_ns, 1 * S);
    assert_string_equal(main_task->steps[3].id, "main.3");
    assert_int_equal(main_task->steps[4].kind, FL_STEP_CANCEL);
    assert_string_equal(main_task->steps[4].target_task, "other");
    assert_int_equal(main_task->steps[4].duration_ns, 3500 * MS);
    const fl_step_t *other = &client->tasks[1].steps[0];
    assert_string_equal(other->id, "other.0");
    assert_string_equal(other->body, "abc");
    assert_true(other->owner_check);

    assert_int_equal(sc.fault_count, 5);
    const fl_fault_spec_t f[5] = {sc.faults[0].spec, sc.faults[1].spec, sc.faults[2].spec,
                                  sc.faults[3].spec, sc.faults[4].spec};
    assert_false(sc.faults[0].may_not_fire);
    assert_true(sc.faults[2].may_not_fire);
    assert_int_equal(sc.faults[2].at.column, 5);
    assert_true(sc.faults[2].at.line > sc.faults[1].at.line);
    assert_int_equal(f[0].trigger.kind, FL_FAULT_TRIGGER_AT);
    assert_int_equal(f[0].trigger.at_ns, 1 * S);
    assert_int_equal(f[0].action.kind, FL_FAULT_ACTION_RESET);
    assert_int_equal(f[0].action.connection, 1);
    assert_true(f[0].trigger.probability == 1.0);
    assert_string_equal(f[0].label, "reset on start");
    assert_int_equal(f[1].trigger.kind, FL_FAULT_TRIGGER_BYTES);
    assert_int_equal(f[1].trigger.bytes, 100);
    assert_int_equal(f[1].trigger.direction, FL_DIRECTION_SERVER_TO_CLIENT);
    assert_int_equal(f[1].trigger.connection, 2);
    assert_int_equal(f[1].action.kind, FL_FAULT_ACTION_STALL);
    assert_int_equal(f[1].action.duration_ns, FL_TIME_NEVER);
    assert_null(f[1].label);
    assert_int_equal(f[2].trigger.kind, FL_FAULT_TRIGGER_EVENT);
    assert_string_equal(f[2].trigger.event, "server.response_start");
    assert_int_equal(f[2].trigger.count, 2);
    assert_true(f[2].trigger.probability == 0.25);
    assert_true(f[2].trigger.repeat);
    assert_int_equal(f[2].action.kind, FL_FAULT_ACTION_CLOSE);
    assert_int_equal(f[2].action.side, FL_SIDE_CLIENT);
    assert_int_equal(f[3].trigger.kind, FL_FAULT_TRIGGER_CONNECT);
    assert_int_equal(f[3].trigger.connection, 1);
    assert_int_equal(f[3].action.kind, FL_FAULT_ACTION_CANCEL_TASK);
    assert_string_equal(f[3].action.task, "app");
    assert_int_equal(f[4].action.kind, FL_FAULT_ACTION_DELAY);
    assert_int_equal(f[4].action.duration_ns, 50 * MS);
    assert_true(f[4].action.direction_set);
    assert_int_equal(f[4].action.direction, FL_DIRECTION_CLIENT_TO_SERVER);

    assert_int_equal(sc.expectation_count, 7);
    const fl_expectation_t *e = sc.expectations;
    assert_int_equal(e[0].kind, FL_EXPECT_STEP);
    assert_string_equal(e[0].name, "upload_ok");
    assert_string_equal(e[0].step, "upload");
    assert_int_equal(e[0].status, 200);
    assert_false(e[0].ok);
    assert_true(e[0].has_error);
    assert_int_equal(e[0].error_kind, FL_ERR_READ_ERROR);
    assert_string_equal(e[0].message, "gone");
    assert_string_equal(e[0].note, "not retrying");
    assert_int_equal(e[0].attempts, 1);
    assert_int_equal(e[0].events, 3);
    assert_int_equal(e[0].body_bytes, 5);
    assert_int_equal(e[1].kind, FL_EXPECT_SERVER);
    assert_int_equal(e[1].log_kind, FL_SERVER_LOG_EXCEPTION_HANDLER);
    assert_string_equal(e[1].log_text, "No response.");
    assert_int_equal(e[1].count, 0);
    assert_true(e[1].bodies_differ);
    assert_int_equal(e[2].kind, FL_EXPECT_HANG);
    assert_string_equal(e[2].name, "hang_2");
    assert_false(e[2].hang);
    assert_string_equal(e[2].blocked_task, "other");
    assert_int_equal(e[3].kind, FL_EXPECT_BUDGET);
    assert_string_equal(e[3].name, "budget_3");
    assert_int_equal(e[3].withdrawals, 0);
    assert_true(e[4].ok);
    assert_int_equal(e[4].events, -1);
    assert_int_equal(e[4].body_bytes, -1);
    assert_int_equal(e[4].at.line, 69);
    assert_int_equal(e[4].at.column, 5);
    assert_string_equal(e[4].at.file, "t.yaml");
    assert_int_equal(e[5].kind, FL_EXPECT_TRACE);
    assert_string_equal(e[5].name, "trace_5");
    assert_int_equal(e[5].trace_kind, FL_TRACE_FAULT);
    assert_string_equal(e[5].log_text, "reset");
    assert_int_equal(e[5].count, 2);
    assert_int_equal(e[6].log_kind, FL_SERVER_LOG_MESSAGE_SENT);
    assert_int_equal(e[6].cycle, 2);
    assert_int_equal(e[6].count, 3);
    fl_arena_destroy(&arena);
}

static void test_defaults_apply(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[512];
    int status = load(&arena,
                      "name: smallest\n"
                      "server:\n"
                      "  routes:\n"
                      "    - path: /a\n"
                      "      steps:\n"
                      "        - stream: {}\n"
                      "        \n"
                      "  middleware:\n"
                      "    - exception_handler: {}\n"
                      "    - server_errors:\n"
                      "client:\n"
                      "  middleware:\n"
                      "    - retry: {}\n"
                      "  tasks:\n"
                      "    - name: main\n"
                      "      steps:\n"
                      "        - request: {path: /missing}\n"
                      "expect:\n"
                      "  - server: {}\n"
                      "  - hang: {}\n",
                      &sc, error, sizeof error);
    if (status != 0) fail_msg("%s", error);
    assert_int_equal(sc.mode, FL_SCENARIO_HOLDS);
    assert_null(sc.finds);
    assert_int_equal(sc.tag_count, 0);
    assert_int_equal(sc.seed_first, 1);
    assert_int_equal(sc.seed_last, 200);
    assert_string_equal(sc.policy, "random");
    assert_int_equal(sc.time_limit_ns, 3600 * S);
    fl_simnet_options_t network = fl_simnet_options_default();
    assert_int_equal(sc.network.latency_ns, network.latency_ns);
    assert_int_equal(sc.network.latency_jitter_ns, network.latency_jitter_ns);
    assert_int_equal(sc.network.bytes_per_second, network.bytes_per_second);
    assert_int_equal(sc.network.buffer_bytes, network.buffer_bytes);
    assert_true(sc.network.segmentation == network.segmentation);
    assert_int_equal(sc.network.backlog, network.backlog);
    assert_string_equal(sc.server.spec_version, "2.3");
    assert_string_equal(sc.server.routes[0].method, "GET");
    const fl_scripted_stream_t *stream = &sc.server.routes[0].handler.steps[0].stream;
    assert_int_equal(stream->chunk_count, 1);
    assert_int_equal(stream->fail_at_chunk, 0);
    assert_int_equal(stream->variant, FL_STREAMING_TASK_GROUP);
    assert_int_equal(stream->cleanup, FL_SCRIPTED_CLEANUP_NONE);
    assert_int_equal(sc.server.layers[0].handles, FL_ERR_EXCEPTION);
    assert_int_equal(sc.server.layers[0].status, 500);
    assert_null(sc.server.layers[0].body);
    assert_int_equal(sc.server.layers[1].kind, FL_LAYER_SERVER_ERRORS);
    assert_int_equal(sc.client.timeouts.connect_ns, 0);
    assert_int_equal(sc.client.max_connections, 0);
    assert_int_equal(sc.client.layers[0].attempts, 0);
    assert_true(sc.client.layers[0].refuse_streamed_body);
    assert_false(sc.client.layers[0].budget);
    assert_null(sc.client.layers[0].retry_methods);  /* the middleware's defaults */
    assert_null(sc.client.layers[0].retry_statuses);
    const fl_step_t *step = &sc.client.tasks[0].steps[0];
    assert_string_equal(step->id, "main.0");
    assert_string_equal(step->method, "GET");
    assert_null(step->body);
    assert_int_equal(step->cancel_after_ns, 0);
    assert_int_equal(sc.fault_count, 0);
    assert_int_equal(sc.expectation_count, 2);
    assert_string_equal(sc.expectations[0].name, "server_0");
    assert_int_equal(sc.expectations[0].log_kind, FL_SERVER_LOG_ERROR);
    assert_null(sc.expectations[0].log_text);
    assert_int_equal(sc.expectations[0].count, -1);
    assert_string_equal(sc.expectations[1].name, "hang_1");
    assert_true(sc.expectations[1].hang);
    assert_null(sc.expectations[1].blocked_task);
    fl_arena_destroy(&arena);
}

/* retry.methods and retry.statuses replace the defaults; [] retries none. */
static void test_retry_methods_and_statuses(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[512];
    int status = load(&arena,
                      "name: r\n"
                      "client:\n"
                      "  middleware:\n"
                      "    - retry: {methods: [POST, get], statuses: [500, 503]}\n"
                      "    - retry: {methods: [], statuses: []}\n"
                      "  tasks:\n"
                      "    - name: main\n"
                      "      steps:\n"
                      "        - request: {path: /x}\n",
                      &sc, error, sizeof error);
    if (status != 0) fail_msg("%s", error);
    const fl_client_layer_t *listed = &sc.client.layers[0];
    assert_int_equal(listed->retry_method_count, 2);
    assert_string_equal(listed->retry_methods[0], "POST");
    assert_string_equal(listed->retry_methods[1], "get");
    assert_int_equal(listed->retry_status_count, 2);
    assert_int_equal(listed->retry_statuses[0], 500);
    assert_int_equal(listed->retry_statuses[1], 503);
    const fl_client_layer_t *none = &sc.client.layers[1];
    assert_non_null(none->retry_methods); /* set, and empty: not the defaults */
    assert_int_equal(none->retry_method_count, 0);
    assert_non_null(none->retry_statuses);
    assert_int_equal(none->retry_status_count, 0);
    fl_arena_destroy(&arena);
}

static void test_durations_and_sizes(void **state) {
    (void)state;
    static const struct {
        const char *text;
        int64_t ns;
    } cases[] = {{"0", 0},          {"500ns", 500},       {"100us", 100000},
                 {"250ms", 250 * MS}, {"1.5s", 1500 * MS}, {"3m", 180 * S},
                 {"1h", 3600 * S},  {"0.001s", 1 * MS},   {"2.5us", 2500}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        char yaml[256], error[512];
        snprintf(yaml, sizeof yaml,
                 "name: d\ntime_limit: 1h\nnetwork: {latency: %s, buffer: 1MiB, bandwidth: 2KB}\n"
                 "client: {tasks: [{name: m, steps: [{sleep: 1s}]}]}\n",
                 cases[i].text);
        fl_scenario_t sc;
        int status = load(&arena, yaml, &sc, error, sizeof error);
        if (status != 0) fail_msg("%s: %s", cases[i].text, error);
        assert_int_equal(sc.network.latency_ns, cases[i].ns);
        assert_int_equal(sc.network.buffer_bytes, 1 << 20);
        assert_int_equal(sc.network.bytes_per_second, 2000);
        fl_arena_destroy(&arena);
    }
}

/* --- malformed input ------------------------------------------------------------------ */

#define N "name: t\n"
/* A valid client block of five lines; step id "r". */
#define C                                                                                  \
    "client:\n"                                                                            \
    "  tasks:\n"                                                                           \
    "    - name: main\n"                                                               \
    "      steps:\n"                                                                       \
    "        - request: {id: r, path: /x}\n"

typedef struct bad_case {
    const char *yaml;
    int line;
    int column;
    const char *message;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    /* syntax */
    {"name: [unclosed\n", 2, 1, "YAML syntax: did not find expected ',' or ']'"},
    {"", 1, 1, "the scenario is empty"},
    {"- a\n", 1, 1, "scenario: expected a mapping"},
    /* unknown and duplicate keys */
    {N "retries: 3\n" C, 2, 1, "unknown key 'retries'"},
    {N C "  middleware:\n    - retry: {retires: 3}\n", 8, 15,
     "unknown key 'retires' in client.middleware[0].retry"},
    {N "name: u\n" C, 2, 1, "duplicate key 'name' in scenario"},
    {N C "  middleware:\n    - retry: {atempts: 3}\n", 8, 15,
     "unknown key 'atempts' in client.middleware[0].retry (did you mean 'attempts'? the keys: "
     "attempts, base_delay, max_delay, refuse_streamed_body, methods, statuses, budget)"},
    {N "seed: 1..3\n" C, 2, 1, "unknown key 'seed' (did you mean 'seeds'? the keys: name, tags"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - read_body: {byte: 3}\n" C, 6,
     23, "unknown key 'byte' in server.routes[0].steps[0].read_body (did you mean 'bytes'?"},
    /* missing required keys */
    {C, 1, 1, "missing required key 'name' in scenario"},
    {N, 1, 1, "missing required key 'client' in scenario"},
    {N "server:\n  routes:\n    - method: GET\n" C, 4, 7,
     "missing required key 'path' in server.routes[0]"},
    {N "client:\n  tasks:\n    - name: main\n", 4, 7,
     "missing required key 'steps' in client.tasks[0]"},
    {N "client:\n  tasks: []\n", 3, 10, "client.tasks: at least one task is needed"},
    {N C "faults:\n  - trigger: {bytes: 100}\n    action: reset\n", 8, 14,
     "missing required key 'direction' in faults[0].trigger"},
    {N "mode: finds\n" C, 1, 1, "missing required key 'finds' in scenario"},
    /* wrong types */
    {N "network: 5\n" C, 2, 10, "network: expected a mapping"},
    {N "network: {backlog: many}\n" C, 2, 20, "network.backlog: expected an integer, not 'many'"},
    {N "network: {segmentation: maybe}\n" C, 2, 25, "expected true or false, not 'maybe'"},
    {N "tags: [a, {b: c}]\n" C, 2, 11, "tags[1]: expected a string"},
    {N "client:\n  tasks: {name: main}\n", 3, 10, "client.tasks: expected a list"},
    {N C "expect:\n  - step: {step: r}\n    server: {}\n", 8, 5,
     "expect[0]: expected a one-key mapping naming the expectation"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - respond: {status: 999}\n" C,
     6, 29, "status: 999 is out of range (100..599)"},
    /* durations and sizes */
    {N "time_limit: 5 sec\n" C, 2, 13,
     "time_limit: bad duration '5 sec': use 250ms, 2s, 1.5s, 3m, or 100us/500ns"},
    {N "network: {latency: 1.5ns}\n" C, 2, 20, "bad duration '1.5ns'"},
    {N "network: {buffer: 64KB2}\n" C, 2, 19, "network.buffer: bad size '64KB2'"},
    {N C "faults:\n  - trigger: {at: 1s}\n    action: {stall: soon}\n", 9, 21,
     "bad duration 'soon': use 250ms, 2s, 1.5s, 3m, or 100us/500ns (or forever)"},
    /* enum values */
    {N "policy: lifo\n" C, 2, 9, "policy: unknown policy 'lifo' (did you mean 'fifo'? expected one of: fifo, random, trio)"},
    {N "mode: maybe\n" C, 2, 7, "mode: unknown mode 'maybe'"},
    {N "server: {spec_version: \"3.0\"}\n" C, 2, 24, "unknown spec version '3.0'"},
    {N "server:\n  middleware:\n    - base_http: \"0.99\"\n" C, 4, 18,
     "server.middleware[0].base_http: unknown version '0.99'"},
    {N "server:\n  middleware:\n    - gzip: {}\n" C, 4, 7, "unknown server middleware 'gzip'"},
    {N "server:\n  middleware:\n    - exception_handler: {error: Oops}\n" C, 4, 34,
     "unknown error kind 'Oops'"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - raise: {error: Cancelled}\n" C,
     6, 26, "'Cancelled' is not an Exception"},
    {N C "expect:\n  - server: {log: oops}\n", 8, 19, "unknown log kind 'oops'"},
    {N C "expect:\n  - trace: {event: teleport}\n", 8, 20, "unknown trace event kind 'teleport'"},
    {N C "expect:\n  - trace: {text: x}\n", 8, 12, "missing required key 'event' in expect[0].trace"},
    {N C "expect:\n  - server: {cycle: -1}\n", 8, 21, "cycle"},
    /* program steps */
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - shield: [{respond: {status: 200}}]\n" C, 6, 20,
     "a response step stands only at a route handler's top level"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - try: {steps: [{checkpoint: {}}]}\n" C, 6, 16,
     "give except, finally or both"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - send: {type: http.request}\n" C, 6, 24,
     "an app sends http.response.start or http.response.body"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - send: {type: http.response.start, body: x}\n" C, 6, 17,
     "body does not belong in http.response.start"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - receive: {until: http.request}\n" C, 6, 28,
     "only http.disconnect is waited for"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - task_group: {children: []}\n" C, 6, 34, "1..16 children"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - try: {steps: [], except: [{error: Nope, steps: []}]}\n" C, 6, 45,
     "unknown error kind 'Nope'"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - move_on_after: {steps: []}\n" C, 6, 26,
     "missing required key 'duration'"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - shield: [{shield: [{shield: [{shield: [{shield: [{shield: [{shield: [{shield: [{shield: []}]}]}]}]}]}]}]}]\n" C, 6, 89, "blocks nested deeper than 8"},
    {N "server:\n  routes:\n    - path: /a\n      responses: [{sleep: 1s}]\n" C, 5, 19,
     "expected respond or stream"},
    {N "server:\n  routes:\n    - path: /a\n      steps: [{respond: {}}]\n      responses: "
       "[{respond: {}}]\n" C, 6, 18, "the steps already respond"},
    {N "client:\n  knobs: [leaky_pool]\n  tasks: [{name: m, steps: [{sleep: 1s}]}]\n", 3, 11,
     "client.knobs[0]: unknown client knob 'leaky_pool' (expected one of: reuse_cancelled_stream, leak_slot_of_cancelled_waiter)"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - match: {on: header, cases: []}\n" C, 6, 18,
     "header names the header of on: header"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - match: {on: weather, cases: []}\n" C, 6, 23,
     "unknown match subject 'weather' (expected one of: count, method, header)"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - wait_for: {version: \"3.10\", steps: []}\n" C, 6, 31,
     "unknown wait_for version '3.10' (did you mean '3.11'? expected one of: 3.11, 3.12)"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - channel_receive: {channel: inner, as: m}\n" C, 6, 38,
     "no channel named 'inner' (the program's channels: none)"},
    {N "server:\n  routes:\n    - path: /a\n      channels: [{name: c}, {name: c}]\n" C, 5, 29,
     "a second channel named 'c'"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - repeat: {steps: []}\n" C, 6, 19, "give times or until_error"},
    {N "server:\n  middleware:\n    - program: {name: p, steps: [{respond: {}}]}\n" C, 4, 34,
     "a response step stands only at a route handler's top level"},
    {N "client:\n  tasks:\n    - name: m\n      steps:\n        - repeat: {steps: [{sleep: 1s}]}\n",
     6, 19, "give times, until_ok or until_error"},
    {N "client:\n  tasks:\n    - name: m\n      steps:\n        - try: {steps: [{sleep: 1s}]}\n", 6, 16,
     "give except, finally or both"},
    {N "client:\n  tasks:\n    - name: m\n      steps:\n        - try: {steps: [{sse: {path: /e, "
       "receive_in: m}}], finally: []}\n", 6, 25, "receive_in only at a task's top level"},
    {N "client:\n  tasks:\n    - name: m\n      steps:\n        - group: {children: []}\n", 6, 29,
     "client.tasks[0].steps[0].group.children: 1..16 children"},
    {N "client:\n  tasks:\n    - name: m\n      steps:\n        - spawn: {name: x, steps: [{sleep: 1s}]}\n",
     6, 11, "client.tasks[0]: step 'm.0': spawn outside any group"},
    {N "client:\n  tasks:\n    - name: m\n      steps:\n        - group: {id: g, children: [{name: c, steps: "
       "[{spawn: {into: h, name: x, steps: [{sleep: 1s}]}}]}]}\n",
     6, 55, "step 'c.0': into names no group around it: 'h'"},
    {N "client:\n  tasks:\n    - name: m\n      steps:\n        - group: {children: [{name: c, steps: "
       "[{spawn: {name: x, steps: []}}]}]}\n",
     6, 73, "spawn.steps: at least one step"},
    /* time windows */
    {N C "expect:\n  - step: {step: r, elapsed: {}}\n", 8, 30,
     "expect[0].step.elapsed: give min, max or both"},
    {N C "expect:\n  - step: {step: r, at: {min: 2s, max: 1s}}\n", 8, 25,
     "expect[0].step.at: min is above max"},
    {N C "expect:\n  - step: {step: r, at: {after: 1s}}\n", 8, 26, "unknown key 'after'"},
    {N C "faults:\n  - trigger: {when: 1s}\n    action: reset\n", 8, 14,
     "expected one of at, bytes, event or connect"},
    {N C "faults:\n  - trigger: {at: 1s}\n    action: explode\n", 9, 13,
     "unknown fault action 'explode' (expected one of: refuse, reset, close"},
    /* a likely misspelling is named; no close name lists them all */
    {N C "faults:\n  - trigger: {at: 1s}\n    action: rest\n", 9, 13,
     "unknown fault action 'rest' (did you mean 'reset'? expected one of: refuse, reset,"},
    {N "client:\n  tasks:\n    - name: main\n      steps:\n        - reqest: {path: /}\n", 6, 11,
     "unknown step 'reqest' (did you mean 'request'? expected one of: request, stream"},
    {N C "expect:\n  - setp: {step: main.0}\n", 8, 5,
     "unknown expectation 'setp' (did you mean 'step'? expected one of: step, server"},
    {N "server:\n  middleware:\n    - exception_handler: {error: ReadTimeOut}\n" C, 4, 34,
     "unknown error kind 'ReadTimeOut' (did you mean 'ReadTimeout'? expected one of: "},
    {N "server:\n  middleware:\n    - exception_handler: {error: valueerror}\n" C, 4, 34,
     "unknown error kind 'valueerror' (did you mean 'ValueError'?"},
    {N "server:\n  middleware:\n    - exception_handler: {error: Oops}\n" C, 4, 34,
     "unknown error kind 'Oops' (expected one of: "},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - dance: {}\n" C, 6, 11,
     "unknown handler step 'dance'"},
    {N "client:\n  tasks:\n    - name: main\n      steps:\n        - fetch: {path: /}\n", 6, 11,
     "unknown step 'fetch'"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - stream: {variant: odd}\n" C,
     6, 29, "unknown streaming variant 'odd'"},
    /* references */
    {N C "expect:\n  - step: {step: nope}\n", 8, 18, "expect[0].step.step: no step has the id 'nope'"},
    {N "client:\n  tasks:\n    - name: main\n      steps:\n        - cancel: {task: ghost}\n", 6, 11,
     "cancel names no task 'ghost'"},
    {N "mode: finds\nfinds: nothing\n" C, 3, 8, "finds: no expectation is named 'nothing'"},
    {N "finds: x\n" C, 2, 8, "finds: only meaningful with mode: finds"},
    {N C "expect:\n  - hang: {task: nobody}\n", 8, 18, "no task is named 'nobody'"},
    {N "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: r, path: /a}\n"
       "        - request: {id: r, path: /b}\n",
     7, 11, "duplicate step id 'r'"},
    {N C "expect:\n  - budget: {withdrawals: 0}\n  - hang: {name: budget_0}\n", 9, 5,
     "duplicate expectation name 'budget_0'"},
    /* ranges and numbers */
    {N "seeds: 9..3\n" C, 2, 8, "seeds: the range '9..3' is empty: A must be <= B"},
    {N "seeds: one\n" C, 2, 8, "seeds: bad seed range 'one'"},
    {N C "faults:\n  - trigger: {at: 1s}\n    action: reset\n    probability: 1.5\n", 10, 18,
     "faults[0].probability: must be above 0 and at most 1"},
    {N C "middleware:\n", 7, 1, "unknown key 'middleware'"},
    {N C "  middleware:\n    - retry: {attempts: 0}\n", 8, 25, "attempts: must be 1..100"},
    {N C "  middleware:\n    - retry: {budget: {ttl: 0s}}\n", 8, 29, "budget.ttl: must be above 0 and at most 1h"},
    {N C "  middleware:\n    - retry: {budget: [1]}\n", 8, 23, "budget: expected true, false or a mapping"},
    {N C "  middleware:\n    - retry: {budget: {percent: 5}}\n", 8, 24, "unknown key 'percent'"},
    {N C "  middleware:\n    - retry: {methods: POST}\n", 8, 24, "methods: expected a list"},
    {N C "  middleware:\n    - retry: {methods: [GET, \"\"]}\n", 8, 30,
     "methods[1]: must be 1..32 characters"},
    {N C "  middleware:\n    - retry: {methods: [A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q]}\n",
     8, 24, "methods: at most 16 methods"},
    {N C "  middleware:\n    - retry: {statuses: [503, 99]}\n", 8, 31, "statuses[1]"},
    {N C "  middleware:\n    - retry: {statuses: [five]}\n", 8, 26, "statuses[0]"},
    {N C "  middleware:\n    - retry: {statuses: 503}\n", 8, 25, "statuses: expected a list"},
    {N "client:\n  tasks:\n    - name: main\n      steps:\n"
       "        - request: {path: /x, stream_body_fails_at: 1}\n", 6, 53, "needs a stream_body"},
    {N "client:\n  tasks:\n    - name: main\n      steps:\n"
       "        - request: {path: /x, stream_body: [a], stream_body_fails_at: 3}\n", 6, 71,
     "stream_body_fails_at: must be 1..2"},
    {N "client:\n  tasks:\n    - name: main\n      steps:\n"
       "        - stream: {path: /x, raise_after: 0}\n", 6, 43, "raise_after: must be at least 1"},
    {N C "expect:\n  - step: {step: r, moved_on: true}\n", 8, 31, "step 'r' has no cancel_after to expire"},
    /* fault plans (fl_fault_plan_add) */
    {N C "faults:\n  - trigger: {at: 1s}\n    action: refuse\n", 8, 5,
     "faults[0]: fault #1 (at -> refuse): 'refuse' acts on a connect attempt"},
    {N C "faults:\n  - trigger: {at: 1s}\n    action: reset\n    repeat: true\n", 8, 5,
     "cannot repeat"},
    /* a scenario's events are the server's: the list names no proxy event */
    {N C "faults:\n  - trigger: {event: server.respons_start}\n    action: reset\n", 8, 22,
     "faults[0].trigger.event: unknown protocol event 'server.respons_start' (did you mean "
     "'server.response_start'? the events: server.response_start, server.body_chunk)"},
    /* what faultline proxy alone carries out */
    {N C "faults:\n  - trigger: {event: proxy.sse_event}\n    action: reset\n", 8, 22,
     "faults[0].trigger.event: 'proxy.sse_event' is reported by faultline proxy only (a "
     "scenario's events: server.response_start, server.body_chunk)"},
    {N C "faults:\n  - trigger: {connect: 1}\n    action: {answer-instead: {status: 503}}\n", 9,
     13, "faults[0].action: 'answer-instead' is carried out by faultline proxy only"},
    {N C "faults:\n  - trigger: {connect: 1}\n    action: answer-instead\n", 9, 13,
     "faults[0].action: 'answer-instead' is carried out by faultline proxy only"},
    {N C "faults:\n  - trigger: {at: 1s}\n    action: {cancel-task: ghost}\n", 9, 13,
     "faults[0].action: cancel-task names no task 'ghost' (the client's tasks: main; the "
     "server's: server, http-connection"},
    {N C "faults:\n  - trigger: {at: 1s}\n    action: reset\n    may_not_fire: perhaps\n", 10, 19,
     "expected true or false, not 'perhaps'"},
    {N "seeds: 1..99999999999999999999\n" C, 2, 8,
     "seeds: '99999999999999999999' is past the largest seed (18446744073709551615)"},
    {N "seeds: 99999999999999999999\n" C, 2, 8, "is past the largest seed"},
    {N "seeds: 18446744073709551616..18446744073709551617\n" C, 2, 8, "is past the largest seed"},
    /* hostile text: the first document alone would load, and its rest was once ignored */
    {N C "---\nname: u\n", 7, 1, "a second YAML document: a scenario file holds one"},
    {N C "...\n---\n", 8, 1, "a second YAML document"},
    {N "client: \xff\xfe\n", 2, 9, "the scenario is not text: invalid leading UTF-8 octet"},
    {N "seeds: 1.. 5\n" C, 2, 8, "seeds: bad seed range '1.. 5'"},
    {N "seeds: 1 ..5\n" C, 2, 8, "seeds: bad seed range '1 ..5'"},
    /* other rules */
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - respond: {}\n        - sleep: 1s\n" C,
     7, 11, "server.routes[0].steps[1]: a step after the response step"},
    {N "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {path: /a, body: x,"
       " stream_body: [y]}\n",
     6, 53, "give either body or stream_body, not both"},
    {N "server:\n  routes:\n    - path: /a\n      steps:\n        - stream: {chunks: 2, fail_at: 3}\n" C,
     6, 40, "server.routes[0].steps[0].stream: fail_at 3 is past the last chunk (2)"},
};

static void test_malformed_inputs_are_refused_where_they_are(void **state) {
    (void)state;
    size_t count = sizeof bad_cases / sizeof bad_cases[0];
    assert_true(count >= 30);
    size_t failures = 0;
    for (size_t i = 0; i < count; i++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t sc;
        char error[512] = "";
        int status = load(&arena, bad_cases[i].yaml, &sc, error, sizeof error);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "t.yaml:%d:%d: error: ", bad_cases[i].line,
                 bad_cases[i].column);
        if (status != FL_EINVAL || strncmp(error, prefix, strlen(prefix)) != 0 ||
            strstr(error + strlen(prefix), bad_cases[i].message) == NULL)
        {
            print_error("case %zu: status %d, got \"%s\", expected \"%s%s\"\n", i, status, error,
                        prefix, bad_cases[i].message);
            failures++;
        }
        fl_arena_destroy(&arena);
    }
    assert_int_equal(failures, 0);
}

static void test_error_is_truncated_safely(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[12];
    assert_int_equal(load(&arena, "x: 1\n", &sc, error, sizeof error), FL_EINVAL);
    assert_string_equal(error, "t.yaml:1:1:");
    assert_int_equal(load(&arena, "x: 1\n", &sc, NULL, 0), FL_EINVAL);
    fl_arena_destroy(&arena);
}

/* A response holds at most FL_RESPONSE_HEADERS_MAX headers: more is a load
 * error, not a run that cannot start. */
static void test_response_headers_are_bounded_at_load(void **state) {
    (void)state;
    for (int count = 32; count <= 33; count++) {
        char yaml[4096];
        int n = snprintf(yaml, sizeof yaml,
                         "name: t\nserver:\n  routes:\n    - path: /a\n      steps:\n"
                         "        - respond:\n            headers:\n");
        for (int i = 0; i < count; i++)
            n += snprintf(yaml + n, sizeof yaml - (size_t)n, "              x-h%d: v\n", i);
        snprintf(yaml + n, sizeof yaml - (size_t)n,
                 "client:\n  tasks: [{name: m, steps: [{request: {path: /a}}]}]\n");
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t s;
        char error[256] = "";
        int status = load(&arena, yaml, &s, error, sizeof error);
        if (count == 32) assert_int_equal(status, 0);
        else assert_non_null(strstr(error, "more than 32 headers in a response"));
        fl_arena_destroy(&arena);
    }
}

/* An alias is the node it names: a list of 1,024 aliased steps of 64
 * headers each, named by 1,024 tasks (44 KB of text), once expanded past
 * the arena's 3 GiB cap and aborted. Each use of an alias counts toward the
 * document's node budget, and past it the load fails at the node it was
 * reading. */
static void test_alias_bombs_are_refused_at_the_node_budget(void **state) {
    (void)state;
    size_t size = 64 * 1024, n = 0;
    char *yaml = malloc(size);
    assert_non_null(yaml);
    n += (size_t)snprintf(yaml + n, size - n,
                          "name: bomb\nclient:\n  tasks:\n    - name: t0\n      steps: &S\n"
                          "        - &s {request: {path: /a, headers: {");
    for (int i = 0; i < 64; i++)
        n += (size_t)snprintf(yaml + n, size - n, "%sx%d: v", i ? ", " : "", i);
    n += (size_t)snprintf(yaml + n, size - n, "}}}\n");
    for (int i = 1; i < 1024; i++) n += (size_t)snprintf(yaml + n, size - n, "        - *s\n");
    for (int i = 1; i < 1024; i++)
        n += (size_t)snprintf(yaml + n, size - n, "    - {name: t%d, steps: *S}\n", i);
    assert_true(n < size);
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[512] = "";
    assert_int_equal(load(&arena, yaml, &sc, error, sizeof error), FL_EINVAL);
    /* The headers mapping the budget ran out in is the anchored one, on line 6. */
    assert_non_null(strstr(error, "t.yaml:6:"));
    assert_non_null(strstr(error, ".request.headers: the scenario expands to more than 1000000 "
                                  "nodes (each use of an alias counts in full)"));
    fl_arena_destroy(&arena);
    /* A few uses of an alias are an ordinary scenario. */
    fl_arena_init(&arena);
    static const char few[] = "name: t\nclient:\n  tasks:\n    - &t {name: a, steps: "
                              "[&s {request: {path: /a}}, *s]}\n    - {name: b, steps: [*s, *s]}\n";
    assert_int_equal(load(&arena, few, &sc, error, sizeof error), 0);
    assert_int_equal(sc.client.task_count, 2);
    fl_arena_destroy(&arena);
    free(yaml);
}

/* libyaml's document loader takes time that grows with the square of the
 * nesting depth (40,000 flow levels: 16 s). Past 256 levels, flow or block,
 * the text is refused before the document is built, at the level that is
 * one too deep. */
static void test_deep_nesting_is_refused_before_the_document_is_built(void **state) {
    (void)state;
    enum { LEVELS = 40000 };
    char *yaml = malloc(2 * LEVELS + 64);
    assert_non_null(yaml);
    int n = sprintf(yaml, "name: t\nclient: ");
    memset(yaml + n, '[', LEVELS);
    memset(yaml + n + LEVELS, ']', LEVELS);
    strcpy(yaml + n + 2 * LEVELS, "\n");
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[512] = "";
    assert_int_equal(load(&arena, yaml, &sc, error, sizeof error), FL_EINVAL);
    /* The root mapping is level 1; the 256th '[' (column 264) is level 257. */
    assert_string_equal(error, "t.yaml:2:264: error: nested more than 256 levels deep");
    /* Block nesting counts the same way. */
    n = sprintf(yaml, "name: t\nclient:\n");
    for (int level = 0; level < 300; level++)
        n += sprintf(yaml + n, "%*s-\n", level + 1, ""); /* each item a list one deeper */
    assert_int_equal(load(&arena, yaml, &sc, error, sizeof error), FL_EINVAL);
    assert_non_null(strstr(error, "nested more than 256 levels deep"));
    /* 255 levels are only as wrong as their content. */
    n = sprintf(yaml, "name: t\nclient: ");
    memset(yaml + n, '[', 254);
    memset(yaml + n + 254, ']', 254);
    strcpy(yaml + n + 2 * 254, "\n");
    assert_int_equal(load(&arena, yaml, &sc, error, sizeof error), FL_EINVAL);
    assert_non_null(strstr(error, "t.yaml:2:9: error: client: expected a mapping"));
    fl_arena_destroy(&arena);
    free(yaml);
}

/* Writes length bytes of text to a new temporary file; its path in path. */
static void write_temporary(char *path, const char *text, size_t length) {
    strcpy(path, "/tmp/faultline_loader_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, length), (ssize_t)length);
    close(fd);
}

/* A file's bytes are all read: a NUL byte once ended the text libyaml saw,
 * so what followed it was ignored, and a binary file was "empty". */
static void test_binary_content_is_refused_where_it_is(void **state) {
    (void)state;
    static const char after[] = "name: t\nclient:\n"
                                "  tasks: [{name: m, steps: [{request: {path: /a}}]}]\n"
                                "\0bogus: [\n";
    static const char binary[] = "\0\x01\x02\xff\xfe";
    const struct {
        const char *text;
        size_t length;
        const char *where;
    } cases[] = {{after, sizeof after - 1, ":4:1: error: binary content at 4:1 (a NUL byte)"},
                 {binary, sizeof binary - 1, ":1:1: error: binary content at 1:1 (a NUL byte): "
                                             "the scenario is not text"},
                 {"name: \xc3\xa9t\xc3\xa9\0", 12, ":1:10: error: binary content at 1:10"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[64], expected[128];
        write_temporary(path, cases[i].text, cases[i].length);
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t sc;
        char error[512] = "";
        assert_int_equal(fl_scenario_load_file(&arena, path, &sc, error, sizeof error), FL_EINVAL);
        snprintf(expected, sizeof expected, "%s%s", path, cases[i].where);
        if (strncmp(error, expected, strlen(expected)) != 0)
            fail_msg("case %zu: got \"%s\", expected \"%s\"", i, error, expected);
        unlink(path);
        fl_arena_destroy(&arena);
    }
}

/* A FIFO named *.yaml once blocked the open forever; a directory or a
 * device is no scenario either. Each is refused without reading. */
static void test_files_that_are_not_regular_are_refused(void **state) {
    (void)state;
    char fifo[] = "/tmp/faultline_fifo_XXXXXX";
    assert_non_null(mkdtemp(fifo));
    char path[64];
    snprintf(path, sizeof path, "%s/p.yaml", fifo);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(10); /* before the fix this open never returned: fail, do not hang */
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[512] = "", expected[128];
    assert_int_equal(fl_scenario_load_file(&arena, path, &sc, error, sizeof error), FL_EINVAL);
    snprintf(expected, sizeof expected, "%s: error: is a FIFO, not a regular file", path);
    assert_string_equal(error, expected);
    assert_int_equal(fl_scenario_load_file(&arena, fifo, &sc, error, sizeof error), FL_EINVAL);
    assert_non_null(strstr(error, "is a directory, not a scenario file"));
    assert_int_equal(fl_scenario_load_file(&arena, "/dev/zero", &sc, error, sizeof error),
                     FL_EINVAL);
    assert_string_equal(error, "/dev/zero: error: is not a regular file");
    alarm(0);
    fl_arena_destroy(&arena);
    unlink(path);
    rmdir(fifo);
}

/* Found by tests/fuzz/fuzz_loader: "- retry:" with no value is a null that
 * stands for an empty mapping (the retry layer with its defaults); reading
 * its keys asserted a mapping and aborted. Loads with the defaults now, and
 * a layer whose key needs a value still says so. */
static void test_a_middleware_layer_without_a_value_takes_its_defaults(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[512];
    const char *yaml = "name: n\n"
                       "client:\n"
                       "  middleware:\n"
                       "    - retry:\n"
                       "  tasks:\n"
                       "    - name: main\n"
                       "      steps:\n"
                       "        - request: {method: GET, path: /}\n";
    int status = load(&arena, yaml, &sc, error, sizeof error);
    if (status != 0) fail_msg("%s", error);
    assert_int_equal(sc.client.layer_count, 1);
    assert_int_equal(sc.client.layers[0].kind, FL_CLIENT_LAYER_RETRY);
    assert_int_equal(sc.client.layers[0].attempts, 0);
    assert_true(sc.client.layers[0].refuse_streamed_body);
    fl_arena_destroy(&arena);
}

static void test_load_file(void **state) {
    (void)state;
    char path[] = "/tmp/faultline_loader_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *file = fdopen(fd, "w");
    assert_non_null(file);
    fputs(full_yaml, file);
    fclose(file);

    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[512];
    int status = fl_scenario_load_file(&arena, path, &sc, error, sizeof error);
    if (status != 0) fail_msg("%s", error);
    assert_string_equal(sc.file, path);
    assert_ptr_not_equal(sc.file, path);
    assert_string_equal(sc.name, "retry refuses a streamed body");
    assert_string_equal(sc.expectations[4].at.file, path);

    file = fopen(path, "w");
    assert_non_null(file);
    fputs("name: t\nclient: 3\n", file);
    fclose(file);
    assert_int_equal(fl_scenario_load_file(&arena, path, &sc, error, sizeof error), FL_EINVAL);
    char expected[128];
    snprintf(expected, sizeof expected, "%s:2:9: error: client: expected a mapping", path);
    assert_string_equal(error, expected);
    unlink(path);
    fl_arena_destroy(&arena);
}

static void test_missing_file(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t sc;
    char error[512];
    assert_int_equal(fl_scenario_load_file(&arena, "/nonexistent/x.yaml", &sc, error, sizeof error),
                     FL_EINVAL);
    assert_non_null(strstr(error, "/nonexistent/x.yaml: error: cannot open: "));
    fl_arena_destroy(&arena);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_scenario_loads_every_field),
        cmocka_unit_test(test_defaults_apply),
        cmocka_unit_test(test_retry_methods_and_statuses),
        cmocka_unit_test(test_durations_and_sizes),
        cmocka_unit_test(test_malformed_inputs_are_refused_where_they_are),
        cmocka_unit_test(test_error_is_truncated_safely),
        cmocka_unit_test(test_response_headers_are_bounded_at_load),
        cmocka_unit_test(test_alias_bombs_are_refused_at_the_node_budget),
        cmocka_unit_test(test_deep_nesting_is_refused_before_the_document_is_built),
        cmocka_unit_test(test_binary_content_is_refused_where_it_is),
        cmocka_unit_test(test_files_that_are_not_regular_are_refused),
        cmocka_unit_test(test_a_middleware_layer_without_a_value_takes_its_defaults),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
