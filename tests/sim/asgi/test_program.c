/* Handler programs (sim/asgi/program.c) at the ASGI level: kept messages
 * through a channel and back, a match on the method, and the runtime error
 * each step raises when what it names is not there. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim/asgi/scripted.h"
#include "tests/support/asgi_app_test.h"

static fl_asgi_app_t *handler(at_harness_t *h, const fl_scripted_spec_t *spec) {
    char error[160];
    fl_asgi_app_t *app = fl_scripted_handler_create(h->world, spec, error, sizeof error);
    if (app == NULL) fail_msg("%s", error);
    return app;
}

/* The request goes into a channel and comes back out under another name;
 * the response's body is the body of the message that came back. */
static void test_a_kept_message_goes_through_a_channel(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    at_push_request(&h, "ping", false);
    static const fl_scripted_channel_t channels[] = {{.name = "box", .capacity = 1}};
    static const fl_scripted_step_t steps[] = {
        {.kind = FL_SCRIPTED_RECEIVE, .slot = "request"},
        {.kind = FL_SCRIPTED_CHECKPOINT},
        {.kind = FL_SCRIPTED_CHANNEL_SEND, .channel = "box", .slot = "request"},
        {.kind = FL_SCRIPTED_CHANNEL_RECEIVE, .channel = "box", .slot = "back"},
        {.kind = FL_SCRIPTED_CLOSE, .channel = "box", .close_receive = true},
        {.kind = FL_SCRIPTED_SEND, .message = FL_ASGI_RESPONSE_START, .status = 202},
        {.kind = FL_SCRIPTED_SEND, .message = FL_ASGI_RESPONSE_BODY, .body_from = "back"},
    };
    fl_scripted_spec_t spec = {.name = "relay", .steps = steps, .step_count = 7,
                               .channels = channels, .channel_count = 1};
    assert_int_equal(at_run(&h, handler(&h, &spec)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(h.sent[0]->status, 202);
    assert_string_equal(at_body_text(&h), "ping");
    at_destroy(&h);
}

/* A match on the method runs the case of the request's method only. */
static void test_match_on_the_method_runs_its_case(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    static const fl_scripted_step_t log_post[] = {{.kind = FL_SCRIPTED_LOG, .text = "was POST"}};
    static const fl_scripted_step_t log_get[] = {{.kind = FL_SCRIPTED_LOG, .text = "was GET"}};
    static const fl_scripted_step_t log_other[] = {{.kind = FL_SCRIPTED_LOG, .text = "was other"}};
    static const fl_scripted_block_t cases[] = {
        {.role = FL_BLOCK_CASE, .value = "POST", .steps = log_post, .step_count = 1},
        {.role = FL_BLOCK_CASE, .value = "GET", .steps = log_get, .step_count = 1},
        {.role = FL_BLOCK_DEFAULT, .steps = log_other, .step_count = 1},
    };
    static const fl_scripted_step_t steps[] = {
        {.kind = FL_SCRIPTED_MATCH, .match_on = FL_MATCH_METHOD, .blocks = cases, .block_count = 3},
        {.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "ok"},
    };
    fl_scripted_spec_t spec = {.name = "by-method", .steps = steps, .step_count = 2};
    assert_int_equal(at_run(&h, handler(&h, &spec)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_string_equal(h.scope.method, "GET");
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_PROGRAM, "was GET"), 1);
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_PROGRAM, "was POST"), 0);
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_PROGRAM, "was other"), 0);
    at_destroy(&h);
}

/* One step that names what the program does not have, and the error the
 * handler raises for it: a RuntimeError naming the handler and the name. */
typedef struct missing {
    fl_scripted_step_t step;
    const char *message;
} missing_t;

static void test_a_step_naming_what_is_not_there_raises(void **state) {
    (void)state;
    static const fl_scripted_channel_t channels[] = {{.name = "box"},
                                                     {.name = "go", .kind = FL_OBJECT_EVENT}};
    const missing_t rows[] = {
        {{.kind = FL_SCRIPTED_EVENT_SET, .channel = "box"}, "h: no event named 'box'"},
        {{.kind = FL_SCRIPTED_EVENT_WAIT, .channel = "nope"}, "h: no event named 'nope'"},
        {{.kind = FL_SCRIPTED_ACQUIRE, .channel = "go"}, "h: no semaphore named 'go'"},
        {{.kind = FL_SCRIPTED_RELEASE, .channel = "nope"}, "h: no semaphore named 'nope'"},
        {{.kind = FL_SCRIPTED_CHANNEL_SEND, .channel = "box", .slot = "m"},
         "h: no message kept as 'm'"},
        {{.kind = FL_SCRIPTED_CHANNEL_RECEIVE, .channel = "go", .slot = "m"},
         "h: no channel named 'go'"},
        {{.kind = FL_SCRIPTED_SEND, .message = FL_ASGI_RESPONSE_BODY, .body_from = "m"},
         "h: no message kept as 'm'"},
        {{.kind = FL_SCRIPTED_SEND, .slot = "m"}, "h: no message kept as 'm'"},
        {{.kind = FL_SCRIPTED_CALL_APP}, "h: outside a middleware 'call_app'"},
        {{.kind = FL_SCRIPTED_CANCEL_GROUP}, "h: outside a task group 'cancel_group'"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        at_harness_t h;
        at_init(&h, "fifo", 1);
        fl_scripted_step_t steps[] = {rows[i].step,
                                      {.kind = FL_SCRIPTED_RESPOND, .status = 200}};
        fl_scripted_spec_t spec = {.name = "h", .steps = steps, .step_count = 2,
                                   .channels = channels, .channel_count = 2};
        assert_int_equal(at_run(&h, handler(&h, &spec)), FL_RUN_COMPLETED);
        if (h.app_error == NULL) fail_msg("row %zu: no error", i);
        if (h.app_error->kind != FL_ERR_RUNTIME_ERROR ||
            strcmp(h.app_error->message, rows[i].message) != 0)
            fail_msg("row %zu: %s \"%s\", expected RuntimeError \"%s\"", i,
                     fl_error_kind_name(h.app_error->kind), h.app_error->message, rows[i].message);
        assert_int_equal(h.sent_count, 0); /* the response after it never ran */
        at_destroy(&h);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_kept_message_goes_through_a_channel),
        cmocka_unit_test(test_match_on_the_method_runs_its_case),
        cmocka_unit_test(test_a_step_naming_what_is_not_there_raises),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
