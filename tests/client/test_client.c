/* The client against the mock server on the simulated network: every row
 * of the mapping table caused by the fault that really produces it, each
 * status class, keep-alive reuse, stream(), and request bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "client/client.h"
#include "client/knobs.h"
#include "client/mapping.h"
#include "sim/asgi/router.h"
#include "sim/asgi/scripted.h"
#include "sim/asgi/server.h"
#include "sim/net/simnet.h"
#include "tests/support/runtime_test.h"

/* --- the environment: a server with scripted routes, a client, faults ---------------- */

typedef struct env env_t;
typedef void (*scenario_fn)(env_t *env, fl_world_t *w);

struct env {
    fl_world_t *world;
    fl_net_t *net;
    fl_asgi_server_t *server;
    fl_client_t *client;
    scenario_fn scenario;
    /* results */
    fl_error_t *error;
    fl_response_t *response;
    int64_t ended_at;
    size_t chunks;
    size_t streamed_bytes;
    int counter; /* what a test's middleware or generator counts */
};

static void add_route(fl_world_t *w, fl_router_t *router, const char *method, const char *path,
                      const fl_scripted_step_t *steps, size_t count) {
    fl_scripted_spec_t spec = {.name = path, .steps = steps, .step_count = count};
    char error[128];
    fl_asgi_app_t *app = fl_scripted_handler_create(w, &spec, error, sizeof error);
    if (app == NULL) fail_msg("%s", error);
    fl_router_add(router, method, path, app);
}

/* httpx's reason phrase in each status error's message (the one table,
 * sim/net/http_status.h); "" for a status without one (the message then
 * ends the quote after the number). */
static const struct {
    int status;
    const char *reason;
} STATUS_REASONS[] = {
    {400, "Bad Request"},        {401, "Unauthorized"},      {403, "Forbidden"},
    {404, "Not Found"},          {405, "Method Not Allowed"}, {408, "Request Timeout"},
    {409, "Conflict"},           {413, "Request Entity Too Large"}, {422, "Unprocessable Entity"},
    {429, "Too Many Requests"},  {500, "Internal Server Error"}, {502, "Bad Gateway"},
    {503, "Service Unavailable"}, {504, "Gateway Timeout"},   {418, "I'm a Teapot"},
    {501, "Not Implemented"}, {599, ""},
};

static fl_asgi_app_t *routes(fl_world_t *w) {
    fl_router_t *router = fl_router_create(w);
    static char big[10001];
    memset(big, 'b', 10000);
    fl_scripted_step_t hello[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "hello"}};
    fl_scripted_step_t teapot[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 418, .body = "teapot"}};
    fl_scripted_step_t boom[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 500, .body = "oops"}};
    fl_scripted_step_t odd[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 599, .body = "odd"}};
    fl_scripted_step_t slow[] = {{.kind = FL_SCRIPTED_SLEEP, .duration_ns = FL_SECONDS(10)},
                                 {.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "late"}};
    fl_scripted_step_t stream[] = {{.kind = FL_SCRIPTED_STREAM, .status = 200,
                                    .stream = {.chunk_count = 5, .interval_ns = FL_MS(100)}}};
    fl_scripted_step_t upload[] = {{.kind = FL_SCRIPTED_READ_BODY},
                                   {.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "got it"}};
    fl_scripted_step_t empty[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 204}};
    fl_scripted_step_t large[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = big}};
    fl_scripted_step_t too_large[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 413, .body = "no"}};
    add_route(w, router, "GET", "/hello", hello, 1);
    add_route(w, router, "HEAD", "/hello", hello, 1);
    add_route(w, router, "GET", "/teapot", teapot, 1);
    add_route(w, router, "GET", "/boom", boom, 1);
    add_route(w, router, "GET", "/odd", odd, 1);
    add_route(w, router, "GET", "/slow", slow, 2);
    add_route(w, router, "GET", "/stream", stream, 1);
    add_route(w, router, "POST", "/upload", upload, 2);
    add_route(w, router, "GET", "/empty", empty, 1);
    add_route(w, router, "GET", "/large", large, 1);
    add_route(w, router, "POST", "/too-large", too_large, 1);
    for (size_t i = 0; i < sizeof STATUS_REASONS / sizeof STATUS_REASONS[0]; i++) {
        fl_scripted_step_t *respond = fl_arena_zalloc(fl_world_arena(w), sizeof *respond);
        *respond = (fl_scripted_step_t){.kind = FL_SCRIPTED_RESPOND,
                                        .status = STATUS_REASONS[i].status, .body = "x"};
        add_route(w, router, "GET",
                  fl_arena_printf(fl_world_arena(w), "/status/%d", STATUS_REASONS[i].status),
                  respond, 1);
    }
    return fl_router_app(router);
}

static fl_error_t *scenario_task(fl_world_t *w, void *arg) {
    env_t *env = arg;
    env->scenario(env, w);
    env->ended_at = fl_now(w);
    fl_client_close(w, env->client);
    fl_asgi_server_stop(env->server);
    return NULL;
}

/* Runs scenario with the given faults (may be NULL) and client options. */
static void run(env_t *env, scenario_fn scenario, const fl_fault_spec_t *faults, size_t fault_count,
                const fl_client_options_t *client_options) {
    memset(env, 0, sizeof *env);
    env->world = rt_world("random", 3);
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(env->world));
    char error[256];
    for (size_t i = 0; i < fault_count; i++)
        if (fl_fault_plan_add(plan, &faults[i], error, sizeof error) != FL_OK) fail_msg("%s", error);
    fl_simnet_options_t net_options = fl_simnet_options_default();
    env->net = fl_simnet_create(env->world, &net_options, plan, error, sizeof error);
    env->server = fl_asgi_server_create(env->world, env->net, routes(env->world), NULL, error,
                                        sizeof error);
    assert_int_equal(fl_asgi_server_listen(env->server, "server", 80), FL_OK);
    fl_client_options_t options = client_options ? *client_options : (fl_client_options_t){0};
    options.net = env->net;
    env->client = fl_client_create(env->world, &options, error, sizeof error);
    if (env->client == NULL) fail_msg("%s", error);
    env->scenario = scenario;
    fl_spawn(env->world, "client", scenario_task, env);
    fl_world_run(env->world);
}

static void finish(env_t *env) { fl_world_destroy(env->world); }

static void get(env_t *env, fl_world_t *w, const char *url) {
    env->error = fl_client_request(w, env->client, "GET", url, NULL, 0, &env->response);
}

static void expect_error(env_t *env, fl_error_kind_t kind, const char *text) {
    if (env->error == NULL) fail_msg("expected %s, got a response", fl_error_kind_name(kind));
    if (env->error->kind != kind || (text && strstr(env->error->message, text) == NULL)) {
        fl_error_print(env->error, stderr);
        fail_msg("expected %s containing '%s'", fl_error_kind_name(kind), text ? text : "");
    }
}

/* --- plain requests ----------------------------------------------------------------------- */

static void scenario_hello(env_t *env, fl_world_t *w) { get(env, w, "http://server/hello"); }

static void test_get_reads_the_body(void **state) {
    (void)state;
    env_t env;
    run(&env, scenario_hello, NULL, 0, NULL);
    assert_null(env.error);
    assert_int_equal(env.response->status, 200);
    assert_int_equal(env.response->body_length, 5);
    assert_memory_equal(env.response->body, "hello", 5);
    assert_true(env.response->body_read);
    finish(&env);
}

static void scenario_twice(env_t *env, fl_world_t *w) {
    get(env, w, "http://server/hello");
    if (env->error == NULL) get(env, w, "http://server/hello");
}

static void test_keep_alive_reuses_the_connection(void **state) {
    (void)state;
    env_t env;
    run(&env, scenario_twice, NULL, 0, NULL);
    assert_null(env.error);
    fl_client_stats_t stats = fl_client_stats(env.client);
    assert_int_equal(stats.connections_opened, 1);
    assert_int_equal(stats.connections_reused, 1);
    assert_int_equal(fl_asgi_server_stats(env.server).connections, 1);
    finish(&env);
}

static void scenario_head(env_t *env, fl_world_t *w) {
    env->error = fl_client_request(w, env->client, "HEAD", "http://server/hello", NULL, 0,
                                   &env->response);
    if (env->error == NULL) get(env, w, "http://server/empty");
}

static void test_head_and_204_have_no_body(void **state) {
    (void)state;
    env_t env;
    run(&env, scenario_head, NULL, 0, NULL);
    assert_null(env.error);
    assert_int_equal(env.response->status, 204);
    assert_int_equal(env.response->body_length, 0);
    finish(&env);
}

/* --- status classes -------------------------------------------------------------------------- */

static void scenario_status(env_t *env, fl_world_t *w) {
    static const char *const paths[] = {"/missing", "/teapot", "/boom", "/odd"};
    static const fl_error_kind_t kinds[] = {FL_ERR_NOT_FOUND, FL_ERR_CLIENT_STATUS_ERROR,
                                            FL_ERR_INTERNAL_SERVER, FL_ERR_SERVER_STATUS_ERROR};
    for (int i = 0; i < 4; i++) {
        char url[64];
        snprintf(url, sizeof url, "http://server%s", paths[i]);
        get(env, w, url);
        if (env->error == NULL || env->error->kind != kinds[i]) {
            env->counter = -1 - i;
            return;
        }
        fl_response_t *r = env->error->payload;
        if (r == NULL || !r->body_read || r->status != env->error->http_status) {
            env->counter = -100 - i;
            return;
        }
        env->counter++;
    }
}

static void test_status_classes(void **state) {
    (void)state;
    env_t env;
    run(&env, scenario_status, NULL, 0, NULL);
    assert_int_equal(env.counter, 4);
    /* The last error is a 599: ServerStatusError, a StatusError and a ClientError. */
    assert_true(fl_error_is(env.error, FL_ERR_STATUS_ERROR));
    assert_true(fl_error_is(env.error, FL_ERR_CLIENT_ERROR));
    assert_non_null(strstr(env.error->message, "Server error '599"));
    fl_response_t *r = env.error->payload;
    assert_memory_equal(r->body, "odd", 3);
    finish(&env);
}

/* Each status error says "Client error" or "Server error", the code and its
 * reason, and is the status's own subclass. env->counter counts the statuses
 * that were so; the first that was not stops the scenario. */
static void scenario_status_reasons(env_t *env, fl_world_t *w) {
    for (size_t i = 0; i < sizeof STATUS_REASONS / sizeof STATUS_REASONS[0]; i++) {
        int status = STATUS_REASONS[i].status;
        char url[64], expected[96];
        snprintf(url, sizeof url, "http://server/status/%d", status);
        snprintf(expected, sizeof expected, "%s error '%d %s' for url '%s'",
                 status < 500 ? "Client" : "Server", status, STATUS_REASONS[i].reason, url);
        get(env, w, url);
        if (env->error == NULL || env->error->kind != fl_client_status_kind(status) ||
            env->error->http_status != status || strcmp(env->error->message, expected) != 0)
            return;
        env->counter++;
    }
}

static void test_status_errors_name_the_reason(void **state) {
    (void)state;
    env_t env;
    run(&env, scenario_status_reasons, NULL, 0, NULL);
    size_t count = sizeof STATUS_REASONS / sizeof STATUS_REASONS[0];
    if ((size_t)env.counter != count) {
        if (env.error != NULL) fl_error_print(env.error, stderr);
        fail_msg("status %d: not the expected error", STATUS_REASONS[env.counter].status);
    }
    assert_int_equal(env.error->kind, FL_ERR_SERVER_STATUS_ERROR); /* the last: 501 */
    finish(&env);
}

/* --- the mapping table, fault by fault ------------------------------------------------------- */

static void scenario_refused(env_t *env, fl_world_t *w) { get(env, w, "http://server:81/hello"); }

static void test_refused_is_connect_error(void **state) {
    (void)state;
    env_t env;
    run(&env, scenario_refused, NULL, 0, NULL);
    expect_error(&env, FL_ERR_CONNECT_ERROR, "server:81");
    assert_true(fl_error_is(env.error, FL_ERR_NETWORK_ERROR));
    finish(&env);
}

static void test_stalled_connect_is_connect_timeout(void **state) {
    (void)state;
    env_t env;
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT},
                             .action = {.kind = FL_FAULT_ACTION_STALL, .duration_ns = FL_TIME_NEVER}};
    fl_client_options_t options = {.timeouts = {.connect_ns = FL_SECONDS(2)}};
    run(&env, scenario_hello, &fault, 1, &options);
    expect_error(&env, FL_ERR_CONNECT_TIMEOUT, NULL);
    assert_int_equal(env.ended_at, FL_SECONDS(2));
    finish(&env);
}

static void test_reset_while_reading_is_read_error(void **state) {
    (void)state;
    env_t env;
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = "server.response_start"},
                             .action = {.kind = FL_FAULT_ACTION_RESET}};
    run(&env, scenario_hello, &fault, 1, NULL);
    expect_error(&env, FL_ERR_READ_ERROR, NULL);
    finish(&env);
}

static void scenario_upload(env_t *env, fl_world_t *w) {
    static char body[200000];
    memset(body, 'u', sizeof body);
    env->error = fl_client_request(w, env->client, "POST", "http://server/upload", body,
                                   sizeof body, &env->response);
}

static void test_reset_while_writing_is_write_error(void **state) {
    (void)state;
    env_t env;
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                         .direction = FL_DIRECTION_CLIENT_TO_SERVER, .bytes = 5000},
                             .action = {.kind = FL_FAULT_ACTION_RESET}};
    run(&env, scenario_upload, &fault, 1, NULL);
    expect_error(&env, FL_ERR_WRITE_ERROR, NULL);
    finish(&env);
}

static void test_stalled_write_is_write_timeout(void **state) {
    (void)state;
    env_t env;
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                         .direction = FL_DIRECTION_CLIENT_TO_SERVER, .bytes = 1000},
                             .action = {.kind = FL_FAULT_ACTION_STALL, .duration_ns = FL_TIME_NEVER}};
    fl_client_options_t options = {.timeouts = {.write_ns = FL_SECONDS(3)}};
    run(&env, scenario_upload, &fault, 1, &options);
    expect_error(&env, FL_ERR_WRITE_TIMEOUT, NULL);
    assert_true(fl_error_is(env.error, FL_ERR_TIMEOUT_ERROR));
    finish(&env);
}

static void test_close_before_response_is_remote_protocol_error(void **state) {
    (void)state;
    env_t env;
    /* The server closes as its first response byte would go out. */
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                         .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 0},
                             .action = {.kind = FL_FAULT_ACTION_TRUNCATE}};
    run(&env, scenario_hello, &fault, 1, NULL);
    expect_error(&env, FL_ERR_REMOTE_PROTOCOL_ERROR, "Server disconnected without sending a response.");
    finish(&env);
}

static void scenario_large(env_t *env, fl_world_t *w) { get(env, w, "http://server/large"); }

static void test_short_body_is_remote_protocol_error(void **state) {
    (void)state;
    env_t env;
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                         .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 2000},
                             .action = {.kind = FL_FAULT_ACTION_TRUNCATE}};
    run(&env, scenario_large, &fault, 1, NULL);
    expect_error(&env, FL_ERR_REMOTE_PROTOCOL_ERROR, "expected 10000");
    assert_non_null(strstr(env.error->message, "received"));
    finish(&env);
}

static void scenario_stream_read(env_t *env, fl_world_t *w) { get(env, w, "http://server/stream"); }

static void test_cut_chunked_body_is_remote_protocol_error(void **state) {
    (void)state;
    env_t env;
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = "server.body_chunk",
                                         .count = 2},
                             .action = {.kind = FL_FAULT_ACTION_TRUNCATE}};
    run(&env, scenario_stream_read, &fault, 1, NULL);
    expect_error(&env, FL_ERR_REMOTE_PROTOCOL_ERROR, "incomplete chunked read");
    finish(&env);
}

static void test_corrupt_status_line_is_parse_error(void **state) {
    (void)state;
    env_t env;
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                         .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 0},
                             .action = {.kind = FL_FAULT_ACTION_CORRUPT}};
    run(&env, scenario_hello, &fault, 1, NULL);
    expect_error(&env, FL_ERR_REMOTE_PROTOCOL_ERROR, "malformed response");
    finish(&env);
}

static void scenario_slow(env_t *env, fl_world_t *w) { get(env, w, "http://server/slow"); }

static void test_slow_server_is_read_timeout(void **state) {
    (void)state;
    env_t env;
    fl_client_options_t options = {.timeouts = {.read_ns = FL_SECONDS(1)}};
    run(&env, scenario_slow, NULL, 0, &options);
    expect_error(&env, FL_ERR_READ_TIMEOUT, NULL);
    assert_true(env.ended_at >= FL_SECONDS(1) && env.ended_at < FL_SECONDS(2));
    finish(&env);
}

/* Pool: one connection allowed; a streamed response holds it; the second
 * request waits for the pool timeout. */
static void scenario_pool(env_t *env, fl_world_t *w) {
    fl_request_t *request;
    fl_request_create(fl_world_arena(w), "GET", "http://server/stream", &request);
    fl_response_t *held;
    env->error = fl_client_stream(w, env->client, request, &held);
    if (env->error != NULL) return;
    get(env, w, "http://server/hello");
    fl_response_close(w, held);
}

static void test_exhausted_pool_is_pool_timeout(void **state) {
    (void)state;
    env_t env;
    fl_client_options_t options = {.max_connections = 1, .timeouts = {.pool_ns = FL_MS(500)}};
    run(&env, scenario_pool, NULL, 0, &options);
    expect_error(&env, FL_ERR_POOL_TIMEOUT, NULL);
    finish(&env);
}

/* With the pool-slot knob on (client/knobs.h), a released connection is
 * handed straight to the task waiting for a slot. A waiter that is not
 * cancelled takes it and is answered over it: the knob's leak is only a
 * cancelled waiter's. */
static fl_error_t *get_hello_child(fl_world_t *w, void *arg) {
    env_t *env = arg;
    fl_response_t *response = NULL;
    fl_error_t *error =
        fl_client_request(w, env->client, "GET", "http://server/hello", NULL, 0, &response);
    if (error == NULL && response->status == 200 && response->body_length == 5) env->counter++;
    return error;
}

static void scenario_two_for_one_slot(env_t *env, fl_world_t *w) {
    fl_taskgroup_t *group = fl_taskgroup_open(w, "requests");
    fl_taskgroup_spawn(group, "first", get_hello_child, env);
    fl_taskgroup_spawn(group, "second", get_hello_child, env);
    env->error = fl_error_collapse(fl_taskgroup_close(group, NULL));
}

static void test_a_handed_over_connection_serves_its_waiter(void **state) {
    (void)state;
    env_t env;
    fl_client_options_t options = {
        .max_connections = 1,
        .knobs = fl_client_knob_bit(FL_KNOB_LEAK_SLOT_OF_CANCELLED_WAITER)};
    run(&env, scenario_two_for_one_slot, NULL, 0, &options);
    assert_null(env.error);
    assert_int_equal(env.counter, 2);
    fl_client_stats_t stats = fl_client_stats(env.client);
    assert_int_equal(stats.connections_opened, 1);
    assert_int_equal(stats.connections_reused, 1);
    assert_int_equal(fl_asgi_server_stats(env.server).connections, 1);
    finish(&env);
}

/* --- stream() --------------------------------------------------------------------------- */

typedef struct counting_middleware {
    fl_middleware_t base;
    env_t *env;
} counting_middleware_t;

static fl_error_t *count_calls(fl_middleware_t *self, fl_world_t *w, fl_request_t *request,
                               fl_next_t next, fl_response_t **response_out) {
    ((counting_middleware_t *)self)->env->counter++;
    return fl_next_call(next, w, request, response_out);
}

static void scenario_stream(env_t *env, fl_world_t *w) {
    fl_request_t *request;
    fl_request_create(fl_world_arena(w), "GET", "http://server/stream", &request);
    fl_response_t *response;
    env->error = fl_client_stream(w, env->client, request, &response);
    if (env->error != NULL) return;
    env->response = response;
    for (;;) {
        const unsigned char *chunk;
        size_t n;
        bool done;
        env->error = fl_response_next_chunk(w, response, &chunk, &n, &done);
        if (env->error != NULL || done) break;
        env->chunks++;
        env->streamed_bytes += n;
    }
    if (env->error == NULL) {
        const unsigned char *chunk;
        size_t n;
        bool done;
        fl_error_t *again = fl_response_next_chunk(w, response, &chunk, &n, &done);
        env->counter += again != NULL && again->kind == FL_ERR_STREAM_CONSUMED ? 100 : 0;
    }
    fl_response_close(w, response);
}

static counting_middleware_t counter_middleware;
static fl_middleware_t *const counter_chain[] = {&counter_middleware.base};

static void test_stream_reads_chunks_and_bypasses_middleware(void **state) {
    (void)state;
    env_t env;
    counter_middleware = (counting_middleware_t){{"counter", count_calls}, &env};
    fl_client_options_t options = {.middleware = counter_chain, .middleware_count = 1};
    run(&env, scenario_stream, NULL, 0, &options);
    assert_null(env.error);
    assert_int_equal(env.streamed_bytes, strlen("chunk 1\n") * 5);
    assert_true(env.chunks >= 1);
    assert_int_equal(env.counter, 100); /* StreamConsumed after the end; the middleware never ran */
    finish(&env);
}

static void scenario_stream_error(env_t *env, fl_world_t *w) {
    fl_request_t *request;
    fl_request_create(fl_world_arena(w), "GET", "http://server/boom", &request);
    fl_response_t *response;
    env->error = fl_client_stream(w, env->client, request, &response);
}

static void test_stream_auto_raises_with_body(void **state) {
    (void)state;
    env_t env;
    run(&env, scenario_stream_error, NULL, 0, NULL);
    expect_error(&env, FL_ERR_INTERNAL_SERVER, NULL);
    fl_response_t *r = env.error->payload;
    assert_true(r->body_read);
    assert_memory_equal(r->body, "oops", 4);
    finish(&env);
}

static void test_stream_maps_errors_mid_body(void **state) {
    (void)state;
    env_t env;
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = "server.body_chunk",
                                         .count = 3},
                             .action = {.kind = FL_FAULT_ACTION_RESET}};
    run(&env, scenario_stream, &fault, 1, NULL);
    expect_error(&env, FL_ERR_READ_ERROR, NULL);
    assert_true(env.streamed_bytes > 0);
    finish(&env);
}

/* Cancellation while streaming passes through as Cancelled, never mapped. */
static void scenario_stream_cancelled(env_t *env, fl_world_t *w) {
    fl_cancel_scope_t scope;
    fl_scope_enter_move_on_after(w, &scope, FL_MS(150));
    scenario_stream(env, w);
    env->counter = fl_error_is_cancelled(env->error) ? 1 : 0;
    fl_scope_exit_error(w, &scope, env->error);
}

static void test_stream_cancellation_is_not_mapped(void **state) {
    (void)state;
    env_t env;
    run(&env, scenario_stream_cancelled, NULL, 0, NULL);
    assert_int_equal(env.counter, 1);
    finish(&env);
}

/* --- request bodies -------------------------------------------------------------------------- */

typedef struct pieces {
    fl_body_source_t source;
    int next_piece;
    bool fail;
} pieces_t;

static fl_error_t *next_piece(void *context, fl_world_t *w, const void **chunk, size_t *length,
                              bool *done) {
    pieces_t *p = context;
    static const char *const parts[] = {"first,", "second,", "third"};
    if (p->fail && p->next_piece == 1)
        return fl_error_new(fl_world_arena(w), FL_ERR_VALUE_ERROR, "the generator broke");
    if (p->next_piece >= 3) {
        *done = true;
        return NULL;
    }
    *chunk = parts[p->next_piece];
    *length = strlen(parts[p->next_piece]);
    p->next_piece++;
    return NULL;
}

static pieces_t pieces;

static void scenario_stream_body(env_t *env, fl_world_t *w) {
    fl_request_t *request;
    fl_request_create(fl_world_arena(w), "POST", "http://server/upload", &request);
    pieces.source = (fl_body_source_t){next_piece, &pieces};
    fl_request_set_stream(request, &pieces.source);
    env->error = fl_client_send(w, env->client, request, &env->response);
}

static void test_stream_body_goes_out_chunked(void **state) {
    (void)state;
    env_t env;
    pieces = (pieces_t){0};
    run(&env, scenario_stream_body, NULL, 0, NULL);
    assert_null(env.error);
    assert_int_equal(env.response->status, 200);
    assert_int_equal(fl_server_log_matches(fl_asgi_server_log(env.server), FL_SERVER_LOG_NOTE, 0,
                                           "read 18 bytes"), 1);
    finish(&env);
}

static void test_generator_error_passes_unchanged(void **state) {
    (void)state;
    env_t env;
    pieces = (pieces_t){.fail = true};
    run(&env, scenario_stream_body, NULL, 0, NULL);
    expect_error(&env, FL_ERR_VALUE_ERROR, "the generator broke");
    finish(&env);
}

/* --- a raw server for what the mock server never sends ---------------------------------- */

typedef struct raw_server {
    fl_net_t *net;
    const char *reply;   /* raw bytes, sent after the request head */
    bool close_after;    /* FIN after the reply: a close-delimited body */
} raw_server_t;

static raw_server_t raw;

static fl_error_t *raw_server_task(fl_world_t *w, void *arg) {
    raw_server_t *r = arg;
    (void)w;
    fl_listener_t *listener;
    if (fl_net_listen(r->net, "raw", 80, &listener) != FL_OK) return NULL;
    fl_conn_t *conn;
    if (fl_listener_accept(listener, &conn) != FL_OK) return NULL;
    char head[4096];
    size_t length = 0, n;
    while (length < sizeof head - 1 &&
           fl_conn_read(conn, head + length, sizeof head - 1 - length, &n) == FL_OK) {
        length += n;
        head[length] = '\0';
        if (strstr(head, "\r\n\r\n") != NULL) break;
    }
    fl_conn_write(conn, r->reply, strlen(r->reply));
    if (r->close_after) fl_conn_close(conn);
    else fl_sleep(w, FL_SECONDS(60));
    fl_listener_close(listener);
    return NULL;
}

static void scenario_raw(env_t *env, fl_world_t *w) {
    raw.net = env->net;
    fl_spawn(w, "raw server", raw_server_task, &raw);
    get(env, w, "http://raw/");
}

static void test_interim_responses_are_skipped_and_close_delimits(void **state) {
    (void)state;
    env_t env;
    raw = (raw_server_t){.reply = "HTTP/1.1 100 Continue\r\n\r\n"
                                  "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                                  "HTTP/1.1 200 OK\r\nX-Final: yes\r\nConnection: close\r\n\r\n"
                                  "everything until the end",
                         .close_after = true};
    run(&env, scenario_raw, NULL, 0, NULL);
    if (env.error != NULL) fl_error_print(env.error, stderr);
    assert_null(env.error);
    assert_int_equal(env.response->status, 200);
    assert_string_equal(fl_headers_get(env.response->headers, "x-final"), "yes");
    assert_null(fl_headers_get(env.response->headers, "link")); /* the 103's headers are gone */
    assert_int_equal(env.response->body_length, strlen("everything until the end"));
    finish(&env);
}

static void test_header_limit_is_remote_protocol_error(void **state) {
    (void)state;
    env_t env;
    static char reply[4096];
    int n = snprintf(reply, sizeof reply, "HTTP/1.1 200 OK\r\nX-Big: ");
    memset(reply + n, 'h', 2000);
    strcpy(reply + n + 2000, "\r\nContent-Length: 0\r\n\r\n");
    raw = (raw_server_t){.reply = reply};
    fl_client_options_t options = {.header_bytes_max = 1024};
    run(&env, scenario_raw, NULL, 0, &options);
    expect_error(&env, FL_ERR_REMOTE_PROTOCOL_ERROR, "headers exceed the limit");
    finish(&env);
}

static void test_body_limit_is_remote_protocol_error(void **state) {
    (void)state;
    env_t env;
    fl_client_options_t options = {.body_bytes_max = 1000};
    run(&env, scenario_large, NULL, 0, &options);
    expect_error(&env, FL_ERR_REMOTE_PROTOCOL_ERROR, "body exceeds the limit");
    finish(&env);
}

static void scenario_closed_stream(env_t *env, fl_world_t *w) {
    fl_request_t *request;
    fl_request_create(fl_world_arena(w), "GET", "http://server/stream", &request);
    fl_response_t *response;
    env->error = fl_client_stream(w, env->client, request, &response);
    if (env->error != NULL) return;
    fl_response_close(w, response);
    const unsigned char *chunk;
    size_t n;
    bool done;
    env->error = fl_response_next_chunk(w, response, &chunk, &n, &done);
}

static void test_reading_a_closed_stream_is_stream_closed(void **state) {
    (void)state;
    env_t env;
    run(&env, scenario_closed_stream, NULL, 0, NULL);
    expect_error(&env, FL_ERR_STREAM_CLOSED, NULL);
    finish(&env);
}

/* The server answers 413 at once; the client's writing side is then shut,
 * so the upload fails: the server's answer beats the write error. */
static void scenario_rejected_upload(env_t *env, fl_world_t *w) {
    static char body[200000];
    memset(body, 'u', sizeof body);
    env->error = fl_client_request(w, env->client, "POST", "http://server/too-large", body,
                                   sizeof body, &env->response);
}

static void test_early_answer_beats_the_write_error(void **state) {
    (void)state;
    env_t env;
    fl_fault_spec_t fault = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = "server.response_start"},
                             .action = {.kind = FL_FAULT_ACTION_HALF_CLOSE, .side = FL_SIDE_CLIENT}};
    run(&env, scenario_rejected_upload, &fault, 1, NULL);
    expect_error(&env, FL_ERR_CLIENT_STATUS_ERROR, "413");
    assert_int_equal(env.error->http_status, 413);
    finish(&env);
}

static void test_mapping_table_is_complete(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    for (int c = 0; c < FL_CLIENT_CONDITION_COUNT; c++) {
        fl_error_t *e = fl_client_map(&arena, (fl_client_condition_t)c, "detail");
        assert_true(fl_error_is(e, FL_ERR_CLIENT_ERROR));
        assert_non_null(strstr(e->message, ": detail"));
    }
    assert_int_equal(fl_client_status_kind(404), FL_ERR_NOT_FOUND);
    assert_int_equal(fl_client_status_kind(429), FL_ERR_RATE_LIMITED);
    assert_int_equal(fl_client_status_kind(504), FL_ERR_GATEWAY_TIMEOUT);
    assert_int_equal(fl_client_status_kind(451), FL_ERR_CLIENT_STATUS_ERROR);
    fl_arena_destroy(&arena);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_reads_the_body),
        cmocka_unit_test(test_keep_alive_reuses_the_connection),
        cmocka_unit_test(test_head_and_204_have_no_body),
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_status_errors_name_the_reason),
        cmocka_unit_test(test_refused_is_connect_error),
        cmocka_unit_test(test_stalled_connect_is_connect_timeout),
        cmocka_unit_test(test_reset_while_reading_is_read_error),
        cmocka_unit_test(test_reset_while_writing_is_write_error),
        cmocka_unit_test(test_stalled_write_is_write_timeout),
        cmocka_unit_test(test_close_before_response_is_remote_protocol_error),
        cmocka_unit_test(test_short_body_is_remote_protocol_error),
        cmocka_unit_test(test_cut_chunked_body_is_remote_protocol_error),
        cmocka_unit_test(test_corrupt_status_line_is_parse_error),
        cmocka_unit_test(test_slow_server_is_read_timeout),
        cmocka_unit_test(test_exhausted_pool_is_pool_timeout),
        cmocka_unit_test(test_a_handed_over_connection_serves_its_waiter),
        cmocka_unit_test(test_stream_reads_chunks_and_bypasses_middleware),
        cmocka_unit_test(test_stream_auto_raises_with_body),
        cmocka_unit_test(test_stream_maps_errors_mid_body),
        cmocka_unit_test(test_stream_cancellation_is_not_mapped),
        cmocka_unit_test(test_stream_body_goes_out_chunked),
        cmocka_unit_test(test_generator_error_passes_unchanged),
        cmocka_unit_test(test_interim_responses_are_skipped_and_close_delimits),
        cmocka_unit_test(test_header_limit_is_remote_protocol_error),
        cmocka_unit_test(test_body_limit_is_remote_protocol_error),
        cmocka_unit_test(test_reading_a_closed_stream_is_stream_closed),
        cmocka_unit_test(test_early_answer_beats_the_write_error),
        cmocka_unit_test(test_mapping_table_is_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
