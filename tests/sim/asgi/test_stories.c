/* Stories 2 and 3 end to end: the mock server on the simulated network, a
 * raw HTTP client, and the Starlette-like apps.
 *
 * Story 3 (seed 002, Starlette #1634): two stacked BaseHTTPMiddleware; the
 * client sends its request and goes away at once, so the disconnect races
 * the response start. 0.20 shows "No response returned." even in asyncio's
 * order (fifo) and the random policy finds it at once; shield-start and
 * 0.38 never show it, under random or Trio-style schedules. 0.21 never shows
 * it in asyncio's order, which is why its fix looked complete, but other
 * schedules still lose the race: its inner StreamingResponse still polls
 * for the disconnect and can cancel the start in flight. That is Starlette
 * #2516, which 0.38.3 (#2620) fixed by not polling; faultline finds it.
 *
 * Story 2 (seed 001): an SSE endpoint behind an exception handler; the
 * client leaves after 3 events. The body iterator is cancelled at its
 * pending await, the exception handler never sees it, the plain cleanup's
 * await is cancelled again (publish lost), the shielded and spawned ones
 * complete. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim/asgi/base_middleware.h"
#include "sim/asgi/errors_middleware.h"
#include "sim/asgi/scripted.h"
#include "sim/asgi/server.h"
#include "sim/net/simnet.h"
#include "tests/support/raw_http.h"
#include "tests/support/runtime_test.h"

static const char GET[] = "GET / HTTP/1.1\r\nHost: server\r\n\r\n";

/* --- story 3 ------------------------------------------------------------------------ */

static fl_error_t *hang_up_client(fl_world_t *w, void *arg) {
    fl_net_t *net = arg;
    raw_client_t client;
    if (raw_connect(&client, w, net, "server", 80) != FL_OK) return NULL;
    raw_send(&client, GET);
    raw_close(&client); /* gone before the response can start */
    return NULL;
}

static fl_asgi_app_t *hello_endpoint(fl_world_t *w) {
    fl_scripted_step_t steps[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "hi"}};
    fl_scripted_spec_t spec = {.name = "hello", .steps = steps, .step_count = 1};
    char error[128];
    fl_asgi_app_t *app = fl_scripted_handler_create(w, &spec, error, sizeof error);
    if (app == NULL) fail_msg("%s", error);
    return app;
}

/* One run; returns whether the server logged "No response returned.". */
static bool story3_run(fl_base_middleware_version_t version, const char *policy, uint64_t seed) {
    fl_world_t *w = rt_world(policy, seed);
    fl_net_t *net = fl_simnet_create(w, NULL, NULL, NULL, 0);
    fl_asgi_app_t *inner = fl_base_middleware_create(w, hello_endpoint(w), version, NULL, NULL);
    fl_asgi_app_t *outer = fl_base_middleware_create(w, inner, version, NULL, NULL);
    fl_asgi_server_t *server = fl_asgi_server_create(w, net, outer, NULL, NULL, 0);
    assert_int_equal(fl_asgi_server_listen(server, NULL, 80), FL_OK);
    fl_spawn(w, "client", hang_up_client, net);
    fl_world_run(w);
    bool bug = fl_server_log_matches(fl_asgi_server_log(server), FL_SERVER_LOG_ERROR, 0,
                                     "RuntimeError: No response returned.") > 0;
    fl_world_destroy(w);
    return bug;
}

static bool story3_shows_bug(fl_base_middleware_version_t version, uint64_t seed) {
    return story3_run(version, "random", seed);
}

/* The first seed (1..limit) whose run shows the bug, or 0. */
static uint64_t first_seed_showing(fl_base_middleware_version_t version, const char *policy,
                                   uint64_t limit) {
    for (uint64_t seed = 1; seed <= limit; seed++)
        if (story3_run(version, policy, seed)) return seed;
    return 0;
}

static void test_story3_0_20_shows_no_response_returned(void **state) {
    (void)state;
    uint64_t found_at = 0;
    for (uint64_t seed = 1; seed <= 1000 && found_at == 0; seed++)
        if (story3_shows_bug(FL_BASE_MIDDLEWARE_0_20, seed)) found_at = seed;
    printf("story 3 (server): 0.20 shows \"No response returned.\" at seed %llu\n",
           (unsigned long long)found_at);
    assert_true(found_at > 0);
    /* The finding replays: the same seed shows it again. */
    assert_true(story3_shows_bug(FL_BASE_MIDDLEWARE_0_20, found_at));
}

static void never_shows_bug(fl_base_middleware_version_t version) {
    const char *policies[] = {"random", "trio"};
    for (size_t p = 0; p < 2; p++) {
        uint64_t seed = first_seed_showing(version, policies[p], 10000);
        if (seed != 0)
            fail_msg("%s showed \"No response returned.\" with policy %s at seed %llu",
                     fl_base_middleware_version_name(version), policies[p],
                     (unsigned long long)seed);
    }
    assert_false(story3_run(version, "fifo", 1));
}

static void test_story3_0_20_shows_it_in_asyncio_order_too(void **state) {
    (void)state;
    assert_true(story3_run(FL_BASE_MIDDLEWARE_0_20, "fifo", 1));
}

static void test_story3_shield_start_never_shows_it(void **state) {
    (void)state;
    never_shows_bug(FL_BASE_MIDDLEWARE_SHIELD_START);
}

static void test_story3_0_38_never_shows_it(void **state) {
    (void)state;
    never_shows_bug(FL_BASE_MIDDLEWARE_0_38);
}

/* 0.21's fix holds in asyncio's order only (Starlette #2516). */
static void test_story3_0_21_holds_only_in_asyncio_order(void **state) {
    (void)state;
    assert_false(story3_run(FL_BASE_MIDDLEWARE_0_21, "fifo", 1));
    uint64_t random_seed = first_seed_showing(FL_BASE_MIDDLEWARE_0_21, "random", 1000);
    uint64_t trio_seed = first_seed_showing(FL_BASE_MIDDLEWARE_0_21, "trio", 1000);
    printf("story 3 (server): 0.21 shows \"No response returned.\" at random seed %llu, "
           "trio seed %llu (Starlette #2516)\n",
           (unsigned long long)random_seed, (unsigned long long)trio_seed);
    assert_true(random_seed > 0);
    assert_true(trio_seed > 0);
}

/* --- story 2 ------------------------------------------------------------------------ */

static size_t count_events(const char *text, size_t length) {
    size_t events = 0;
    for (size_t i = 0; i + 5 <= length; i++)
        if (memcmp(text + i, "data:", 5) == 0) events++;
    return events;
}

static fl_error_t *sse_client(fl_world_t *w, void *arg) {
    fl_net_t *net = arg;
    raw_client_t client;
    if (raw_connect(&client, w, net, "server", 80) != FL_OK) return NULL;
    raw_send(&client, GET);
    char received[8192];
    size_t length = 0;
    while (count_events(received, length) < 3 && length < sizeof received) {
        size_t n;
        if (fl_conn_read(client.conn, received + length, sizeof received - length, &n) != FL_OK)
            break;
        length += n;
    }
    raw_close(&client); /* leave after 3 events */
    return NULL;
}

static fl_error_t *global_handler(void *arg, fl_world_t *w, const fl_asgi_scope_t *scope,
                                  fl_error_t *error, fl_asgi_app_t **response_out) {
    (void)arg, (void)scope, (void)error;
    fl_asgi_response_t *response = fl_plain_text_response(w, 500, "handled");
    *response_out = fl_asgi_response_app(response);
    return NULL;
}

static fl_server_log_t *run_story2(fl_world_t *w, fl_scripted_cleanup_t cleanup) {
    fl_net_t *net = fl_simnet_create(w, NULL, NULL, NULL, 0);
    fl_scripted_step_t steps[] = {{
        .kind = FL_SCRIPTED_STREAM,
        .status = 200,
        .stream = {.chunk_count = 20, .interval_ns = FL_SECONDS(1), .sse = true,
                   .cleanup = cleanup, .publish_ns = FL_MS(100),
                   .variant = FL_STREAMING_TASK_GROUP},
    }};
    fl_scripted_spec_t spec = {.name = "answer", .steps = steps, .step_count = 1};
    char error[128];
    fl_asgi_app_t *endpoint = fl_scripted_handler_create(w, &spec, error, sizeof error);
    if (endpoint == NULL) fail_msg("%s", error);
    fl_exception_middleware_t *handlers = fl_exception_middleware_create(w, endpoint);
    fl_exception_middleware_add(handlers, FL_ERR_EXCEPTION, global_handler, NULL);
    fl_asgi_server_t *server =
        fl_asgi_server_create(w, net, fl_exception_middleware_app(handlers), NULL, NULL, 0);
    assert_int_equal(fl_asgi_server_listen(server, NULL, 80), FL_OK);
    fl_spawn(w, "client", sse_client, net);
    fl_world_run(w);
    return fl_asgi_server_log(server);
}

static void expect_story2(fl_scripted_cleanup_t cleanup, bool completes) {
    for (uint64_t seed = 1; seed <= 20; seed++) {
        fl_world_t *w = rt_world("random", seed);
        fl_server_log_t *log = run_story2(w, cleanup);
        if (fl_server_log_matches(log, FL_SERVER_LOG_NOTE, 0, "generator cancelled after 3") != 1)
            fl_server_log_print(log, stderr);
        assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_NOTE, 0,
                                               "generator cancelled after 3"), 1);
        assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_DISCONNECT, 0, NULL), 1);
        assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_EXCEPTION_HANDLER, 0, NULL), 0);
        assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_CLEANUP_STARTED, 0, NULL), 1);
        assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_CLEANUP_COMPLETED, 0, NULL),
                         completes ? 1 : 0);
        fl_world_destroy(w);
    }
}

static void test_story2_plain_cleanup_is_cancelled_again(void **state) {
    (void)state;
    expect_story2(FL_SCRIPTED_CLEANUP_PLAIN, false);
}

static void test_story2_shielded_cleanup_completes(void **state) {
    (void)state;
    expect_story2(FL_SCRIPTED_CLEANUP_SHIELDED, true);
}

static void test_story2_spawned_cleanup_completes(void **state) {
    (void)state;
    expect_story2(FL_SCRIPTED_CLEANUP_SPAWNED, true);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_story3_0_20_shows_no_response_returned),
        cmocka_unit_test(test_story3_0_20_shows_it_in_asyncio_order_too),
        cmocka_unit_test(test_story3_shield_start_never_shows_it),
        cmocka_unit_test(test_story3_0_38_never_shows_it),
        cmocka_unit_test(test_story3_0_21_holds_only_in_asyncio_order),
        cmocka_unit_test(test_story2_plain_cleanup_is_cancelled_again),
        cmocka_unit_test(test_story2_shielded_cleanup_completes),
        cmocka_unit_test(test_story2_spawned_cleanup_completes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
