/* Scripted handlers: steps, fail-at-chunk, background, spec validation, and
 * story 2 (DESIGN.md §1, seed 001): an SSE endpoint behind exception
 * handlers whose client leaves after three events. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim/asgi/errors_middleware.h"
#include "sim/asgi/router.h"
#include "sim/asgi/scripted.h"
#include "tests/support/asgi_app_test.h"

static fl_asgi_app_t *handler(fl_world_t *world, const char *name, const fl_scripted_step_t *steps,
                              size_t count) {
    fl_scripted_spec_t spec = {.name = name, .steps = steps, .step_count = count};
    char error[128] = "";
    fl_asgi_app_t *app = fl_scripted_handler_create(world, &spec, error, sizeof error);
    if (app == NULL) fail_msg("scripted handler: %s", error);
    return app;
}

/* --- story 2 ----------------------------------------------------------------- */

typedef struct story2_result {
    size_t chunks;
    const char *body;
    size_t finals;
    size_t saw_cancelled;
    size_t handler_calls;
    size_t cleanup_started;
    size_t cleanup_completed;
    int64_t app_done_ns;
    int64_t completed_ns;
} story2_result_t;

/* ServerErrorMiddleware(ExceptionMiddleware(Router(GET /events -> SSE
 * endpoint))), with a global handler for Exception, as FastAPI apps have
 * it. Events every second; the client disconnects after the third. */
static story2_result_t story2_run(fl_scripted_cleanup_t cleanup, const char *policy,
                                  uint64_t seed) {
    at_harness_t h;
    at_init(&h, policy, seed);
    h.scope.path = "/events";
    at_push_request(&h, NULL, false);
    at_disconnect_after_chunks(&h, 3);
    fl_scripted_step_t steps[] = {{
        .kind = FL_SCRIPTED_STREAM, .status = 200,
        .stream = {.chunk_count = 10, .interval_ns = FL_SECONDS(1), .sse = true,
                   .cleanup = cleanup, .publish_ns = FL_MS(500)},
    }};
    fl_router_t *router = fl_router_create(h.world);
    fl_router_add(router, "GET", "/events", handler(h.world, "sse", steps, 1));
    fl_exception_middleware_t *handlers =
        fl_exception_middleware_create(h.world, fl_router_app(router));
    assert_true(fl_exception_middleware_add_response(handlers, FL_ERR_EXCEPTION, 500, "handled"));
    fl_asgi_app_t *app = fl_server_error_middleware_create(
        h.world, fl_exception_middleware_app(handlers), NULL, NULL);
    assert_int_equal(at_run(&h, app), FL_RUN_COMPLETED);
    assert_true(h.app_done);
    assert_null(h.app_error);
    size_t completed = at_log_index(&h, FL_SERVER_LOG_CLEANUP_COMPLETED, NULL);
    story2_result_t result = {
        .chunks = h.chunks_sent,
        .body = at_body_text(&h),
        .finals = at_log_count(&h, FL_SERVER_LOG_MESSAGE_SENT, "final"),
        .saw_cancelled = at_log_count(&h, FL_SERVER_LOG_NOTE, "generator cancelled after 3 chunks"),
        .handler_calls = at_log_count(&h, FL_SERVER_LOG_EXCEPTION_HANDLER, NULL),
        .cleanup_started = at_log_count(&h, FL_SERVER_LOG_CLEANUP_STARTED, NULL),
        .cleanup_completed = at_log_count(&h, FL_SERVER_LOG_CLEANUP_COMPLETED, NULL),
        .app_done_ns = h.app_done_ns,
        .completed_ns = completed == SIZE_MAX
                            ? -1
                            : fl_server_log_entry(h.log, completed)->time_ns,
    };
    static const char three_events[] =
        "data: chunk 1\r\n\r\ndata: chunk 2\r\n\r\ndata: chunk 3\r\n\r\n";
    result.body = strcmp(result.body, three_events) == 0 ? "three events" : "unexpected body";
    at_destroy(&h);
    return result;
}

/* What every cleanup shares: three events, then Cancelled at the pending
 * await of the generator; no final body; no exception handler involved. */
static void assert_story2_common(const story2_result_t *r) {
    assert_int_equal(r->chunks, 3);
    assert_string_equal(r->body, "three events");
    assert_int_equal(r->finals, 0);
    assert_int_equal(r->saw_cancelled, 1);
    assert_int_equal(r->handler_calls, 0);
    assert_int_equal(r->cleanup_started, 1);
}

static void test_story2_plain_cleanup_is_cancelled_again(void **state) {
    (void)state;
    for (uint64_t seed = 0; seed <= 200; seed++) {
        story2_result_t r = story2_run(FL_SCRIPTED_CLEANUP_PLAIN, seed ? "random" : "fifo", seed);
        assert_story2_common(&r);
        assert_int_equal(r.cleanup_completed, 0); /* the publish is lost */
        assert_int_equal(r.app_done_ns, FL_SECONDS(2));
    }
}

static void test_story2_shielded_cleanup_completes(void **state) {
    (void)state;
    for (uint64_t seed = 0; seed <= 200; seed++) {
        story2_result_t r =
            story2_run(FL_SCRIPTED_CLEANUP_SHIELDED, seed ? "random" : "fifo", seed);
        assert_story2_common(&r);
        assert_int_equal(r.cleanup_completed, 1);
        /* The shield holds the response's task group open until it is done. */
        assert_int_equal(r.completed_ns, FL_SECONDS(2) + FL_MS(500));
        assert_int_equal(r.app_done_ns, FL_SECONDS(2) + FL_MS(500));
    }
}

static void test_story2_spawned_cleanup_completes_after_the_app(void **state) {
    (void)state;
    for (uint64_t seed = 0; seed <= 200; seed++) {
        story2_result_t r = story2_run(FL_SCRIPTED_CLEANUP_SPAWNED, seed ? "random" : "fifo", seed);
        assert_story2_common(&r);
        assert_int_equal(r.cleanup_completed, 1);
        assert_int_equal(r.app_done_ns, FL_SECONDS(2));
        assert_int_equal(r.completed_ns, FL_SECONDS(2) + FL_MS(500));
    }
}

/* --- the other steps ------------------------------------------------------------ */

static void test_fail_at_chunk_raises_from_the_generator(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.when_empty = AT_EMPTY_BLOCK;
    fl_scripted_step_t steps[] = {{
        .kind = FL_SCRIPTED_STREAM, .status = 200, .media_type = "text/plain",
        .stream = {.chunk_count = 5, .interval_ns = FL_MS(100), .fail_at_chunk = 3,
                   .fail_kind = FL_ERR_VALUE_ERROR, .fail_message = "broken generator"},
    }};
    assert_int_equal(at_run(&h, handler(h.world, "stream", steps, 1)), FL_RUN_COMPLETED);
    assert_non_null(h.app_error);
    assert_int_equal(h.app_error->kind, FL_ERR_VALUE_ERROR); /* collapsed, not a GroupError */
    assert_string_equal(h.app_error->message, "broken generator");
    assert_string_equal(at_body_text(&h), "chunk 1\nchunk 2\n");
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_MESSAGE_SENT, "final"), 0);
    assert_int_equal(h.app_done_ns, FL_MS(200));
    /* An error is not a cancellation: no cleanup runs. */
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_NOTE, "cancelled"), 0);
    at_destroy(&h);
}

static void test_stream_completes_with_a_final_body_then_background(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.when_empty = AT_EMPTY_BLOCK; /* the client stays */
    fl_scripted_step_t steps[] = {{
        .kind = FL_SCRIPTED_STREAM, .status = 201, .background_name = "audit",
        .background_ns = FL_SECONDS(3),
        .stream = {.chunk_count = 3, .interval_ns = FL_SECONDS(1), .chunk_text = "x"},
    }};
    assert_int_equal(at_run(&h, handler(h.world, "stream", steps, 1)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(h.sent[0]->status, 201);
    assert_null(at_sent_header(&h, 0, "content-length"));
    assert_string_equal(at_body_text(&h), "xxx");
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_MESSAGE_SENT, "final"), 1);
    size_t final = at_log_index(&h, FL_SERVER_LOG_MESSAGE_SENT, "final");
    size_t background = at_log_index(&h, FL_SERVER_LOG_BACKGROUND, "audit");
    assert_true(background != SIZE_MAX && background > final);
    assert_int_equal(h.app_done_ns, FL_SECONDS(2) + FL_SECONDS(3));
    at_destroy(&h);
}

static void test_sleep_read_and_respond(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    at_push_request(&h, "abc", true);
    at_push_request(&h, "defg", true);
    at_push_request(&h, "", false);
    fl_asgi_header_t headers[] = {{"X-Trace", "7"}};
    fl_scripted_step_t steps[] = {
        {.kind = FL_SCRIPTED_SLEEP, .duration_ns = FL_MS(250)},
        {.kind = FL_SCRIPTED_READ_BODY},
        {.kind = FL_SCRIPTED_RESPOND, .status = 202, .headers = headers, .header_count = 1,
         .body = "ok"},
    };
    assert_int_equal(at_run(&h, handler(h.world, "upload", steps, 3)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_HANDLER, "upload"), 1);
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_NOTE, "upload: read 7 bytes"), 1);
    assert_int_equal(h.sent_count, 2);
    assert_int_equal(h.sent[0]->status, 202);
    assert_string_equal(at_sent_header(&h, 0, "x-trace"), "7");
    assert_string_equal(at_sent_header(&h, 0, "content-type"), "text/plain; charset=utf-8");
    assert_string_equal(at_body_text(&h), "ok");
    assert_int_equal(h.app_done_ns, FL_MS(250));
    at_destroy(&h);
}

static void test_read_n_bytes_stops_early(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    at_push_request(&h, "abc", true);
    at_push_request(&h, "defg", true);
    h.when_empty = AT_EMPTY_BLOCK; /* reading on would hang */
    fl_scripted_step_t steps[] = {
        {.kind = FL_SCRIPTED_READ_BODY, .read_bytes = 5},
        {.kind = FL_SCRIPTED_RESPOND, .status = 200},
    };
    assert_int_equal(at_run(&h, handler(h.world, "partial", steps, 2)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_NOTE, "read 7 bytes"), 1);
    assert_int_equal(h.receive_count, 2);
    at_destroy(&h);
}

static void test_read_body_after_disconnect_raises_client_disconnect(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    at_push_request(&h, "abc", true);
    at_push_disconnect(&h);
    fl_scripted_step_t steps[] = {
        {.kind = FL_SCRIPTED_READ_BODY},
        {.kind = FL_SCRIPTED_RESPOND, .status = 200},
    };
    assert_int_equal(at_run(&h, handler(h.world, "upload", steps, 2)), FL_RUN_COMPLETED);
    assert_non_null(h.app_error);
    assert_int_equal(h.app_error->kind, FL_ERR_CLIENT_DISCONNECT);
    assert_int_equal(h.sent_count, 0);
    at_destroy(&h);
}

static void test_raise_step_and_no_response(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    fl_scripted_step_t steps[] = {
        {.kind = FL_SCRIPTED_RAISE, .error_kind = FL_ERR_VALUE_ERROR, .error_message = "nope"}};
    assert_int_equal(at_run(&h, handler(h.world, "raise", steps, 1)), FL_RUN_COMPLETED);
    assert_int_equal(h.app_error->kind, FL_ERR_VALUE_ERROR);
    assert_string_equal(h.app_error->message, "nope");
    at_destroy(&h);

    at_init(&h, "fifo", 1);
    assert_int_equal(at_run(&h, handler(h.world, "silent", NULL, 0)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(h.sent_count, 0);
    at_destroy(&h);
}

static void test_invalid_specs_are_refused(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1};
    fl_world_t *world = fl_world_create(&options, NULL, 0);
    char error[128];
    fl_scripted_step_t after_response[] = {
        {.kind = FL_SCRIPTED_RESPOND, .status = 200},
        {.kind = FL_SCRIPTED_SLEEP, .duration_ns = 1},
    };
    fl_scripted_spec_t spec = {.name = "bad", .steps = after_response, .step_count = 2};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    assert_string_equal(error, "step 1: steps after a response");
    fl_scripted_step_t fail_past_end[] = {{
        .kind = FL_SCRIPTED_STREAM, .stream = {.chunk_count = 2, .fail_at_chunk = 3,
                                               .fail_kind = FL_ERR_VALUE_ERROR},
    }};
    spec = (fl_scripted_spec_t){.name = "bad", .steps = fail_past_end, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    fl_scripted_step_t raise_cancelled[] = {
        {.kind = FL_SCRIPTED_RAISE, .error_kind = FL_ERR_CANCELLED}};
    spec = (fl_scripted_spec_t){.name = "bad", .steps = raise_cancelled, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    fl_scripted_step_t negative[] = {{.kind = FL_SCRIPTED_SLEEP, .duration_ns = -1}};
    spec = (fl_scripted_spec_t){.name = "bad", .steps = negative, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, NULL, 0));
    /* Kinds outside their enums are refused when the handler is built, not
     * met in the middle of a run. */
    fl_scripted_step_t unknown_kind[] = {{.kind = (fl_scripted_step_kind_t)99}};
    spec = (fl_scripted_spec_t){.name = "bad", .steps = unknown_kind, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    assert_string_equal(error, "step 0: unknown step kind 99");
    fl_scripted_step_t unknown_cleanup[] = {{
        .kind = FL_SCRIPTED_STREAM, .stream = {.chunk_count = 1, .cleanup = (fl_scripted_cleanup_t)7}}};
    spec = (fl_scripted_spec_t){.name = "bad", .steps = unknown_cleanup, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    assert_string_equal(error, "step 0: unknown cleanup 7");
    fl_world_destroy(world);
}

/* Program specs are refused when the handler is built: blocks out of
 * place, a response inside a block, nesting past the bound, a send of a
 * request message, responses in turn that do not respond. */
static void test_invalid_program_specs_are_refused(void **state) {
    (void)state;
    char error[256];
    fl_world_options_t options = {.seed = 1};
    fl_world_t *world = fl_world_create(&options, NULL, 0);
    fl_scripted_step_t respond[] = {{.kind = FL_SCRIPTED_RESPOND}};
    fl_scripted_block_t responding = {.role = FL_BLOCK_BODY, .steps = respond, .step_count = 1};
    fl_scripted_step_t shield[] = {{.kind = FL_SCRIPTED_SHIELD, .blocks = &responding,
                                    .block_count = 1}};
    fl_scripted_spec_t spec = {.name = "bad", .steps = shield, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    assert_string_equal(error, "step 0: a response step inside a block");
    fl_scripted_block_t child = {.role = FL_BLOCK_CHILD};
    fl_scripted_step_t misplaced[] = {{.kind = FL_SCRIPTED_SHIELD, .blocks = &child,
                                       .block_count = 1}};
    spec = (fl_scripted_spec_t){.name = "bad", .steps = misplaced, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    assert_string_equal(error, "step 0: block 0 out of place");
    fl_scripted_step_t no_blocks[] = {{.kind = FL_SCRIPTED_TRY}};
    spec = (fl_scripted_spec_t){.name = "bad", .steps = no_blocks, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    assert_string_equal(error, "step 0: 1..16 blocks");
    /* Nine shields, one inside the next: one past the bound. */
    fl_scripted_step_t nest[9];
    fl_scripted_block_t bodies[9];
    for (int i = 8; i >= 0; i--) {
        bodies[i] = (fl_scripted_block_t){.role = FL_BLOCK_BODY, .steps = i < 8 ? &nest[i + 1] : NULL,
                                          .step_count = i < 8 ? 1 : 0};
        nest[i] = (fl_scripted_step_t){.kind = FL_SCRIPTED_SHIELD, .blocks = &bodies[i],
                                       .block_count = 1};
    }
    spec = (fl_scripted_spec_t){.name = "bad", .steps = nest, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    assert_string_equal(error, "step 0: blocks nested deeper than 8");
    spec.steps = &nest[1]; /* eight deep: within the bound */
    assert_non_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    fl_scripted_step_t send_request[] = {{.kind = FL_SCRIPTED_SEND,
                                          .message = FL_ASGI_HTTP_REQUEST}};
    spec = (fl_scripted_spec_t){.name = "bad", .steps = send_request, .step_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    assert_string_equal(error, "step 0: send sends a response message");
    fl_scripted_step_t sleep[] = {{.kind = FL_SCRIPTED_SLEEP}};
    spec = (fl_scripted_spec_t){.name = "bad", .responses = sleep, .response_count = 1};
    assert_null(fl_scripted_handler_create(world, &spec, error, sizeof error));
    assert_string_equal(error, "response 0: not a response step");
    fl_world_destroy(world);
}

/* One refusal per rule of validate(), each with the message that names
 * it: a spec that breaks exactly one rule is refused for that rule. */
typedef struct refusal {
    fl_scripted_spec_t spec;
    const char *error;
} refusal_t;

static void test_each_rule_of_a_spec_is_refused_with_its_message(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1};
    fl_world_t *world = fl_world_create(&options, NULL, 0);
    static const fl_scripted_step_t bad_variant[] = {{
        .kind = FL_SCRIPTED_STREAM, .stream = {.chunk_count = 1, .variant = (fl_streaming_variant_t)9}}};
    static const fl_scripted_step_t negative_interval[] = {{
        .kind = FL_SCRIPTED_STREAM, .stream = {.chunk_count = 1, .interval_ns = -1}}};
    static const fl_scripted_step_t negative_publish[] = {{
        .kind = FL_SCRIPTED_STREAM, .stream = {.chunk_count = 1, .publish_ns = -1}}};
    static const fl_scripted_step_t fail_with_cancelled[] = {{
        .kind = FL_SCRIPTED_STREAM,
        .stream = {.chunk_count = 2, .fail_at_chunk = 1, .fail_kind = FL_ERR_CANCELLED}}};
    static const fl_scripted_step_t negative_background[] = {
        {.kind = FL_SCRIPTED_RESPOND, .background_ns = -1}};
    static const fl_scripted_step_t too_many_headers[] = {
        {.kind = FL_SCRIPTED_RESPOND, .header_count = FL_RESPONSE_HEADERS_MAX + 1}};
    static const fl_scripted_step_t set_nothing[] = {{.kind = FL_SCRIPTED_EVENT_SET}};
    static const fl_scripted_step_t send_no_slot[] = {
        {.kind = FL_SCRIPTED_CHANNEL_SEND, .channel = "c"}};
    static const fl_scripted_step_t receive_no_channel[] = {
        {.kind = FL_SCRIPTED_CHANNEL_RECEIVE, .slot = "m"}};
    static const fl_scripted_step_t close_no_channel[] = {{.kind = FL_SCRIPTED_CLOSE}};
    static const fl_scripted_block_t default_only[] = {{.role = FL_BLOCK_DEFAULT}};
    static const fl_scripted_step_t match_header_unnamed[] = {
        {.kind = FL_SCRIPTED_MATCH, .match_on = FL_MATCH_HEADER, .blocks = default_only,
         .block_count = 1}};
    static const fl_scripted_step_t match_named_not_header[] = {
        {.kind = FL_SCRIPTED_MATCH, .match_on = FL_MATCH_METHOD, .match_header = "x-a",
         .blocks = default_only, .block_count = 1}};
    static const fl_scripted_step_t match_on_unknown[] = {
        {.kind = FL_SCRIPTED_MATCH, .match_on = (fl_scripted_match_on_t)7,
         .blocks = default_only, .block_count = 1}};
    static const fl_scripted_block_t case_without_value[] = {{.role = FL_BLOCK_CASE}};
    static const fl_scripted_step_t match_case_no_value[] = {
        {.kind = FL_SCRIPTED_MATCH, .blocks = case_without_value, .block_count = 1}};
    static const fl_scripted_block_t body_only[] = {{.role = FL_BLOCK_BODY}};
    static const fl_scripted_step_t wait_for_unknown[] = {
        {.kind = FL_SCRIPTED_WAIT_FOR, .wait_for = (fl_wait_for_version_t)5, .blocks = body_only,
         .block_count = 1}};
    static const fl_scripted_step_t try_body_only[] = {
        {.kind = FL_SCRIPTED_TRY, .blocks = body_only, .block_count = 1}};
    static const fl_scripted_step_t sleep_with_block[] = {
        {.kind = FL_SCRIPTED_SLEEP, .blocks = body_only, .block_count = 1}};
    static const fl_scripted_step_t sleeps[FL_SCRIPTED_STEPS_MAX + 1] = {{.kind = FL_SCRIPTED_SLEEP}};
    static const fl_scripted_channel_t unnamed[] = {{.name = NULL}};
    static const fl_scripted_channel_t too_deep[] = {
        {.name = "c", .capacity = (size_t)FL_CHANNEL_CAPACITY_MAX + 1}};
    static const fl_scripted_step_t respond[] = {{.kind = FL_SCRIPTED_RESPOND}};
    char past_steps[64], capacity[96];
    snprintf(past_steps, sizeof past_steps, "%d steps (at most %d)", FL_SCRIPTED_STEPS_MAX + 1,
             FL_SCRIPTED_STEPS_MAX);
    snprintf(capacity, sizeof capacity, "channel 0: a name and a capacity up to %zu",
             (size_t)FL_CHANNEL_CAPACITY_MAX);
    const refusal_t rows[] = {
        {{.steps = bad_variant, .step_count = 1}, "step 0: unknown streaming variant 9"},
        {{.steps = negative_interval, .step_count = 1}, "step 0: negative duration"},
        {{.steps = negative_publish, .step_count = 1}, "step 0: negative duration"},
        {{.steps = fail_with_cancelled, .step_count = 1}, "step 0: fail_kind is not an Exception"},
        {{.steps = negative_background, .step_count = 1}, "step 0: negative duration"},
        {{.steps = too_many_headers, .step_count = 1}, "step 0: too many headers"},
        {{.steps = set_nothing, .step_count = 1}, "step 0: names no event or semaphore"},
        {{.steps = send_no_slot, .step_count = 1},
         "step 0: a channel step names a channel and a slot"},
        {{.steps = receive_no_channel, .step_count = 1},
         "step 0: a channel step names a channel and a slot"},
        {{.steps = close_no_channel, .step_count = 1},
         "step 0: a channel step names a channel and a slot"},
        {{.steps = match_header_unnamed, .step_count = 1},
         "step 0: a match on count, method or a header"},
        {{.steps = match_named_not_header, .step_count = 1},
         "step 0: a match on count, method or a header"},
        {{.steps = match_on_unknown, .step_count = 1},
         "step 0: a match on count, method or a header"},
        {{.steps = match_case_no_value, .step_count = 1}, "step 0: block 0 out of place"},
        {{.steps = wait_for_unknown, .step_count = 1}, "step 0: unknown wait_for version 5"},
        {{.steps = try_body_only, .step_count = 1}, "step 0: try needs an except or a finally"},
        {{.steps = sleep_with_block, .step_count = 1}, "step 0: blocks"},
        {{.steps = sleeps, .step_count = FL_SCRIPTED_STEPS_MAX + 1}, past_steps},
        {{.channels = unnamed, .channel_count = 1}, capacity},
        {{.channels = too_deep, .channel_count = 1}, capacity},
        {{.channels = unnamed, .channel_count = FL_SCRIPTED_CHANNELS_MAX + 1}, "at most 16 channels"},
        {{.channel_count = 1}, "at most 16 channels"},
        {{.response_count = 1}, "1..16 responses in turn"},
        {{.responses = respond, .response_count = FL_SCRIPTED_STEPS_MAX + 1},
         "1..16 responses in turn"},
        {{.steps = respond, .step_count = 1, .responses = respond, .response_count = 1},
         "steps that respond, and responses in turn"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char error[160] = "";
        if (fl_scripted_handler_create(world, &rows[i].spec, error, sizeof error) != NULL)
            fail_msg("row %zu: accepted, expected \"%s\"", i, rows[i].error);
        if (strcmp(error, rows[i].error) != 0)
            fail_msg("row %zu: \"%s\", expected \"%s\"", i, error, rows[i].error);
    }
    fl_world_destroy(world);
}

/* A middleware program calls the app that responds; it never responds
 * itself, whether in its steps or in answers in turn. */
static void test_a_middleware_program_that_responds_is_refused(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1};
    fl_world_t *world = fl_world_create(&options, NULL, 0);
    fl_scripted_step_t respond[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 200}};
    fl_scripted_spec_t app_spec = {.name = "app", .steps = respond, .step_count = 1};
    fl_asgi_app_t *app = fl_scripted_handler_create(world, &app_spec, NULL, 0);
    assert_non_null(app);
    const char *expected =
        "a middleware program does not respond itself: call_app calls the app that does";
    fl_scripted_spec_t responding = {.name = "mw", .steps = respond, .step_count = 1};
    char error[160] = "";
    assert_null(fl_program_middleware_create(world, app, &responding, error, sizeof error));
    assert_string_equal(error, expected);
    fl_scripted_step_t sleep[] = {{.kind = FL_SCRIPTED_SLEEP}};
    fl_scripted_spec_t in_turn = {.name = "mw", .steps = sleep, .step_count = 1,
                                  .responses = respond, .response_count = 1};
    error[0] = '\0';
    assert_null(fl_program_middleware_create(world, app, &in_turn, error, sizeof error));
    assert_string_equal(error, expected);
    fl_scripted_step_t call_app[] = {{.kind = FL_SCRIPTED_CALL_APP}};
    fl_scripted_spec_t passing = {.name = "mw", .steps = call_app, .step_count = 1};
    assert_non_null(fl_program_middleware_create(world, app, &passing, error, sizeof error));
    fl_world_destroy(world);
}

static void test_cleanup_names_round_trip(void **state) {
    (void)state;
    for (int i = FL_SCRIPTED_CLEANUP_NONE; i <= FL_SCRIPTED_CLEANUP_SPAWNED; i++) {
        fl_scripted_cleanup_t parsed;
        assert_true(fl_scripted_cleanup_from_name(
            fl_scripted_cleanup_name((fl_scripted_cleanup_t)i), &parsed));
        assert_int_equal(parsed, i);
    }
    fl_scripted_cleanup_t unused;
    assert_false(fl_scripted_cleanup_from_name("later", &unused));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_story2_plain_cleanup_is_cancelled_again),
        cmocka_unit_test(test_story2_shielded_cleanup_completes),
        cmocka_unit_test(test_story2_spawned_cleanup_completes_after_the_app),
        cmocka_unit_test(test_fail_at_chunk_raises_from_the_generator),
        cmocka_unit_test(test_stream_completes_with_a_final_body_then_background),
        cmocka_unit_test(test_sleep_read_and_respond),
        cmocka_unit_test(test_read_n_bytes_stops_early),
        cmocka_unit_test(test_read_body_after_disconnect_raises_client_disconnect),
        cmocka_unit_test(test_raise_step_and_no_response),
        cmocka_unit_test(test_invalid_specs_are_refused),
        cmocka_unit_test(test_invalid_program_specs_are_refused),
        cmocka_unit_test(test_each_rule_of_a_spec_is_refused_with_its_message),
        cmocka_unit_test(test_a_middleware_program_that_responds_is_refused),
        cmocka_unit_test(test_cleanup_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
