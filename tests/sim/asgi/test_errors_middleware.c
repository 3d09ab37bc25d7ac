/* ServerErrorMiddleware and ExceptionMiddleware: a 500 before the response
 * starts, re-raising always; handlers before the start, "Caught handled
 * exception, but response already started." after it; lookup by kind
 * ancestry; Cancelled passes through. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sim/asgi/errors_middleware.h"
#include "sim/asgi/responses.h"
#include "sim/asgi/scripted.h"
#include "tests/support/asgi_app_test.h"

static fl_asgi_app_t *raising(fl_world_t *world, fl_error_kind_t kind, const char *message) {
    fl_scripted_step_t steps[] = {
        {.kind = FL_SCRIPTED_RAISE, .error_kind = kind, .error_message = message}};
    fl_scripted_spec_t spec = {.name = "raising", .steps = steps, .step_count = 1};
    return fl_scripted_handler_create(world, &spec, NULL, 0);
}

/* Streams two chunks, then its generator raises ValueError: an error raised
 * after the response started. */
static fl_asgi_app_t *failing_stream(fl_world_t *world) {
    fl_scripted_step_t steps[] = {{
        .kind = FL_SCRIPTED_STREAM, .status = 200,
        .stream = {.chunk_count = 4, .interval_ns = FL_MS(10), .fail_at_chunk = 3,
                   .fail_kind = FL_ERR_VALUE_ERROR, .fail_message = "mid-stream"},
    }};
    fl_scripted_spec_t spec = {.name = "stream", .steps = steps, .step_count = 1};
    return fl_scripted_handler_create(world, &spec, NULL, 0);
}

/* --- ServerErrorMiddleware ------------------------------------------------------ */

static void test_server_error_sends_500_before_start_and_reraises(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    fl_asgi_app_t *app = fl_server_error_middleware_create(
        h.world, raising(h.world, FL_ERR_VALUE_ERROR, "boom"), NULL, NULL);
    assert_int_equal(at_run(&h, app), FL_RUN_COMPLETED);
    assert_non_null(h.app_error);
    assert_int_equal(h.app_error->kind, FL_ERR_VALUE_ERROR);
    assert_int_equal(h.sent_count, 2);
    assert_int_equal(h.sent[0]->status, 500);
    assert_string_equal(at_body_text(&h), "Internal Server Error");
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_EXCEPTION_HANDLER,
                                  "ServerErrorMiddleware ValueError: boom (response started: no)"),
                     1);
    at_destroy(&h);
}

static void test_server_error_after_start_sends_nothing_more(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.when_empty = AT_EMPTY_BLOCK;
    fl_asgi_app_t *app =
        fl_server_error_middleware_create(h.world, failing_stream(h.world), NULL, NULL);
    assert_int_equal(at_run(&h, app), FL_RUN_COMPLETED);
    assert_int_equal(h.app_error->kind, FL_ERR_VALUE_ERROR);
    assert_int_equal(at_count_sent(&h, FL_ASGI_RESPONSE_START), 1);
    assert_int_equal(h.sent[0]->status, 200);
    assert_string_equal(at_body_text(&h), "chunk 1\nchunk 2\n");
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_EXCEPTION_HANDLER, "response started: yes"), 1);
    at_destroy(&h);
}

static fl_error_t *unavailable(void *arg, fl_world_t *world, const fl_asgi_scope_t *scope,
                               fl_error_t *error, fl_asgi_app_t **response_out) {
    (void)arg;
    (void)scope;
    assert_int_equal(error->kind, FL_ERR_OS_ERROR);
    *response_out = fl_asgi_response_app(fl_plain_text_response(world, 503, "try later"));
    return NULL;
}

static void test_server_error_uses_the_installed_handler(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    fl_asgi_app_t *app = fl_server_error_middleware_create(
        h.world, raising(h.world, FL_ERR_OS_ERROR, "db down"), unavailable, NULL);
    assert_int_equal(at_run(&h, app), FL_RUN_COMPLETED);
    assert_int_equal(h.app_error->kind, FL_ERR_OS_ERROR);
    assert_int_equal(h.sent[0]->status, 503);
    assert_string_equal(at_body_text(&h), "try later");
    at_destroy(&h);
}

/* --- ExceptionMiddleware ------------------------------------------------------------ */

static void test_handler_answers_an_error_raised_before_start(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    fl_exception_middleware_t *mw =
        fl_exception_middleware_create(h.world, raising(h.world, FL_ERR_VALUE_ERROR, "bad id"));
    assert_true(fl_exception_middleware_add_response(mw, FL_ERR_VALUE_ERROR, 400, "bad request"));
    assert_int_equal(at_run(&h, fl_exception_middleware_app(mw)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(h.sent[0]->status, 400);
    assert_string_equal(at_body_text(&h), "bad request");
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_EXCEPTION_HANDLER,
                                  "handler for ValueError ran on ValueError: bad id"),
                     1);
    at_destroy(&h);
}

/* The most specific registered ancestor wins, as the MRO walk does. */
static void test_lookup_walks_up_the_kind_tree(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    fl_exception_middleware_t *mw = fl_exception_middleware_create(
        h.world, raising(h.world, FL_ERR_CLIENT_DISCONNECT, "gone"));
    assert_true(fl_exception_middleware_add_response(mw, FL_ERR_EXCEPTION, 500, "generic"));
    assert_true(fl_exception_middleware_add_response(mw, FL_ERR_OS_ERROR, 502, "os"));
    assert_int_equal(at_run(&h, fl_exception_middleware_app(mw)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(h.sent[0]->status, 502);
    at_destroy(&h);
}

static void test_unhandled_kinds_propagate_unchanged(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    fl_exception_middleware_t *mw =
        fl_exception_middleware_create(h.world, raising(h.world, FL_ERR_VALUE_ERROR, "v"));
    assert_true(fl_exception_middleware_add_response(mw, FL_ERR_OS_ERROR, 502, "os"));
    assert_false(fl_exception_middleware_add_response(mw, FL_ERR_CANCELLED, 499, "no"));
    assert_int_equal(at_run(&h, fl_exception_middleware_app(mw)), FL_RUN_COMPLETED);
    assert_int_equal(h.app_error->kind, FL_ERR_VALUE_ERROR);
    assert_string_equal(h.app_error->message, "v");
    assert_int_equal(h.sent_count, 0);
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_EXCEPTION_HANDLER, NULL), 0);
    at_destroy(&h);
}

/* After the start a handler cannot answer: RuntimeError, caused by the
 * original error, which ServerErrorMiddleware re-raises without a 500. */
static void test_error_after_start_is_caught_handled_runtime_error(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.when_empty = AT_EMPTY_BLOCK;
    fl_exception_middleware_t *mw =
        fl_exception_middleware_create(h.world, failing_stream(h.world));
    assert_true(fl_exception_middleware_add_response(mw, FL_ERR_VALUE_ERROR, 400, "bad"));
    fl_asgi_app_t *app = fl_server_error_middleware_create(
        h.world, fl_exception_middleware_app(mw), NULL, NULL);
    assert_int_equal(at_run(&h, app), FL_RUN_COMPLETED);
    assert_non_null(h.app_error);
    assert_int_equal(h.app_error->kind, FL_ERR_RUNTIME_ERROR);
    assert_string_equal(h.app_error->message,
                        "Caught handled exception, but response already started.");
    assert_non_null(h.app_error->cause);
    assert_int_equal(h.app_error->cause->kind, FL_ERR_VALUE_ERROR);
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_EXCEPTION_HANDLER, "handler for"), 0);
    assert_int_equal(at_count_sent(&h, FL_ASGI_RESPONSE_START), 1);
    assert_int_equal(h.sent[0]->status, 200);
    at_destroy(&h);
}

/* Cancelled is not an Exception: a handler for Exception never sees it. */
static fl_error_t *cancel_app_later(fl_world_t *world, void *arg) {
    (void)arg;
    int status = fl_sleep(world, FL_SECONDS(1));
    if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "canceller");
    fl_task_t *app = fl_world_find_task(world, "app");
    assert_non_null(app);
    fl_task_cancel(world, app);
    return NULL;
}

static void test_cancelled_passes_through(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.when_empty = AT_EMPTY_BLOCK;
    fl_scripted_step_t steps[] = {{.kind = FL_SCRIPTED_READ_BODY}}; /* blocks in receive */
    fl_scripted_spec_t spec = {.name = "reader", .steps = steps, .step_count = 1};
    fl_exception_middleware_t *mw = fl_exception_middleware_create(
        h.world, fl_scripted_handler_create(h.world, &spec, NULL, 0));
    assert_true(fl_exception_middleware_add_response(mw, FL_ERR_EXCEPTION, 500, "x"));
    fl_asgi_app_t *app = fl_server_error_middleware_create(
        h.world, fl_exception_middleware_app(mw), NULL, NULL);
    fl_spawn(h.world, "canceller", cancel_app_later, NULL);
    assert_int_equal(at_run(&h, app), FL_RUN_COMPLETED);
    assert_true(fl_error_is_cancelled(h.app_error));
    assert_int_equal(h.app_done_ns, FL_SECONDS(1));
    assert_int_equal(h.sent_count, 0);
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_EXCEPTION_HANDLER, NULL), 0);
    at_destroy(&h);
}

static fl_error_t *raising_handler(void *arg, fl_world_t *world, const fl_asgi_scope_t *scope,
                                   fl_error_t *error, fl_asgi_app_t **response_out) {
    (void)arg;
    (void)scope;
    (void)response_out;
    fl_error_t *own = fl_error_new(fl_world_arena(world), FL_ERR_RUNTIME_ERROR, "handler failed");
    own->cause = error;
    return own;
}

static void test_a_raising_handler_replaces_the_error(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    fl_exception_middleware_t *mw =
        fl_exception_middleware_create(h.world, raising(h.world, FL_ERR_VALUE_ERROR, "v"));
    assert_true(fl_exception_middleware_add(mw, FL_ERR_VALUE_ERROR, raising_handler, NULL));
    assert_int_equal(at_run(&h, fl_exception_middleware_app(mw)), FL_RUN_COMPLETED);
    assert_int_equal(h.app_error->kind, FL_ERR_RUNTIME_ERROR);
    assert_int_equal(h.app_error->cause->kind, FL_ERR_VALUE_ERROR);
    assert_int_equal(h.sent_count, 0);
    at_destroy(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_error_sends_500_before_start_and_reraises),
        cmocka_unit_test(test_server_error_after_start_sends_nothing_more),
        cmocka_unit_test(test_server_error_uses_the_installed_handler),
        cmocka_unit_test(test_handler_answers_an_error_raised_before_start),
        cmocka_unit_test(test_lookup_walks_up_the_kind_tree),
        cmocka_unit_test(test_unhandled_kinds_propagate_unchanged),
        cmocka_unit_test(test_error_after_start_is_caught_handled_runtime_error),
        cmocka_unit_test(test_cancelled_passes_through),
        cmocka_unit_test(test_a_raising_handler_replaces_the_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
