/* Timeout (client/timeout.c) against a scripted innermost link, in worlds:
 * a response in time passes, expiry gives a TimeoutError at the exact
 * virtual deadline with the message and cause chain, inner errors and a
 * Cancelled from outside pass unchanged (the same object), the deadline
 * bounds a whole Retry loop when placed outside it, and nothing of the
 * scope outlives the call. Tasks only record; tests assert after the run. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/headers.h"
#include "client/message.h"
#include "client/retry.h"
#include "client/timeout.h"
#include "sim/runtime/cancel.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"
#include "tests/support/fake_next.h"
#include "tests/support/runtime_test.h"

typedef struct harness {
    fl_world_t *world;
    fl_middleware_t *timeout;
    fake_next_t fake;
    fl_next_t next;        /* what the timeout wraps: the fake unless set */
    fl_request_t request;
    fl_response_t ok;
    fl_error_t *error;
    fl_response_t *response;
    bool finished;
    int64_t finished_ns;
    int64_t cancel_at_ns;  /* > 0: the caller's task is cancelled then */
    fl_task_t *caller_task;
    int sleep_after_status; /* a 1 s sleep after the call: was it cancelled? */
    int64_t sleep_after_end_ns;
} harness_t;

static void harness_init(harness_t *h, int64_t timeout_ns) {
    memset(h, 0, sizeof *h);
    h->world = rt_world("fifo", 1);
    fl_timeout_options_t options = {.timeout_ns = timeout_ns};
    char message[128] = "";
    h->timeout = fl_timeout_create(h->world, &options, message, sizeof message);
    if (h->timeout == NULL) fail_msg("fl_timeout_create: %s", message);
    h->next = fake_next_link(&h->fake);
    h->request = (fl_request_t){.method = "GET", .attempt = 1};
    h->ok.status = 200;
}

static fl_error_t *caller(fl_world_t *w, void *arg) {
    harness_t *h = arg;
    h->error = h->timeout->handle(h->timeout, w, &h->request, h->next, &h->response);
    h->finished = true;
    h->finished_ns = fl_now(w);
    if (h->cancel_at_ns == 0) {
        /* The scope is gone: a later sleep past the deadline is not cut. */
        h->sleep_after_status = fl_sleep(w, FL_SECONDS(1));
        h->sleep_after_end_ns = fl_now(w);
    }
    return NULL;
}

static fl_error_t *canceller(fl_world_t *w, void *arg) {
    harness_t *h = arg;
    fl_sleep(w, h->cancel_at_ns);
    fl_task_cancel(w, h->caller_task);
    return NULL;
}

static void harness_run(harness_t *h) {
    h->caller_task = fl_spawn(h->world, "caller", caller, h);
    if (h->cancel_at_ns > 0) fl_spawn(h->world, "canceller", canceller, h);
    assert_int_equal(fl_world_run(h->world), FL_RUN_COMPLETED);
    assert_true(h->finished);
    assert_int_equal(fl_world_violation_count(h->world), 0);
}

static void test_options(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    char message[128];
    assert_null(fl_timeout_create(w, NULL, message, sizeof message));
    fl_timeout_options_t options = {.timeout_ns = 0};
    assert_null(fl_timeout_create(w, &options, message, sizeof message));
    assert_string_equal(message, "timeout: timeout must be > 0");
    options.timeout_ns = -5;
    assert_null(fl_timeout_create(w, &options, message, sizeof message));
    options.timeout_ns = 1;
    fl_middleware_t *timeout = fl_timeout_create(w, &options, NULL, 0);
    assert_non_null(timeout);
    assert_string_equal(timeout->name, "timeout");
    fl_world_destroy(w);
}

static void test_a_response_in_time_passes(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, FL_SECONDS(2));
    fake_next_add(&h.fake, (fake_step_t){.delay_ns = FL_MS(1999), .response = &h.ok});
    harness_run(&h);
    assert_null(h.error);
    assert_ptr_equal(h.response, &h.ok);
    assert_int_equal(h.finished_ns, FL_MS(1999));
    assert_false(h.fake.calls[0].cancelled);
    assert_int_equal(h.sleep_after_status, FL_OK);
    assert_int_equal(fl_timeout_stats(h.timeout).expired, 0);
    fl_world_destroy(h.world);
}

/* The link would take 10 s; at 2 s its wait is cancelled and the call ends
 * with TimeoutError <- DeadlineExceeded <- Cancelled. */
static void test_expiry_is_a_timeout_error_at_the_deadline(void **state) {
    (void)state;
    const struct {
        int64_t timeout_ns;
        const char *message;
    } cases[] = {
        {FL_SECONDS(2), "request timed out after 2 s"},
        {FL_MS(2500), "request timed out after 2.5 s"},
        {FL_MS(100), "request timed out after 0.1 s"},
        {FL_SECONDS(1) + 1, "request timed out after 1.000000001 s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        harness_t h;
        harness_init(&h, cases[i].timeout_ns);
        fake_next_add(&h.fake, (fake_step_t){.delay_ns = FL_SECONDS(10), .response = &h.ok});
        harness_run(&h);
        assert_non_null(h.error);
        assert_int_equal(h.error->kind, FL_ERR_TIMEOUT_ERROR);
        assert_true(fl_error_is(h.error, FL_ERR_CLIENT_ERROR));
        assert_string_equal(h.error->message, cases[i].message);
        assert_null(h.response);
        assert_int_equal(h.finished_ns, cases[i].timeout_ns);
        assert_true(h.fake.calls[0].cancelled);
        assert_int_equal(h.fake.calls[0].ended_ns, cases[i].timeout_ns);
        assert_non_null(h.error->cause);
        assert_int_equal(h.error->cause->kind, FL_ERR_DEADLINE_EXCEEDED);
        assert_ptr_equal(h.error->cause->cause, h.fake.calls[0].returned);
        assert_true(fl_error_is_cancelled(h.fake.calls[0].returned));
        /* The scope is gone with the call: the next sleep runs its full 1 s. */
        assert_int_equal(h.sleep_after_status, FL_OK);
        assert_int_equal(h.sleep_after_end_ns, cases[i].timeout_ns + FL_SECONDS(1));
        assert_int_equal(fl_timeout_stats(h.timeout).expired, 1);
        fl_world_destroy(h.world);
    }
}

static void test_inner_errors_pass_unchanged(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, FL_SECONDS(5));
    fl_error_t *inner = fl_error_new(fl_world_arena(h.world), FL_ERR_READ_TIMEOUT, "read timed out");
    fake_next_add(&h.fake, (fake_step_t){.delay_ns = FL_SECONDS(1), .error = inner});
    harness_run(&h);
    assert_ptr_equal(h.error, inner);
    assert_int_equal(inner->note_count, 0);
    assert_int_equal(h.finished_ns, FL_SECONDS(1));
    assert_int_equal(fl_timeout_stats(h.timeout).expired, 0);
    fl_world_destroy(h.world);
}

/* The task is cancelled from outside at 1 s, before the 5 s deadline:
 * the link's Cancelled comes back as is. */
static void test_cancelled_from_outside_passes_unchanged(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, FL_SECONDS(5));
    fake_next_add(&h.fake, (fake_step_t){.block_forever = true});
    h.cancel_at_ns = FL_SECONDS(1);
    harness_run(&h);
    assert_ptr_equal(h.error, h.fake.calls[0].returned);
    assert_true(fl_error_is_cancelled(h.error));
    assert_int_equal(h.error->kind, FL_ERR_CANCELLED);
    assert_null(h.error->cause);
    assert_int_equal(h.finished_ns, FL_SECONDS(1));
    assert_int_equal(fl_timeout_stats(h.timeout).expired, 0);
    fl_world_destroy(h.world);
}

/* An enclosing scope cancelled at the very instant of the deadline: the
 * outer cancellation wins (Trio's rule) and Cancelled passes unchanged. */
typedef struct outer_case {
    harness_t *h;
    fl_cancel_scope_t *scope;
} outer_case_t;

static fl_error_t *outer_caller(fl_world_t *w, void *arg) {
    outer_case_t *c = arg;
    harness_t *h = c->h;
    fl_scope_enter(w, c->scope, FL_TIME_NEVER, 0);
    h->error = h->timeout->handle(h->timeout, w, &h->request, h->next, &h->response);
    h->finished_ns = fl_now(w);
    fl_error_t *after = fl_scope_exit_error(w, c->scope, h->error);
    h->finished = after == NULL; /* the outer scope caught its own Cancelled */
    return NULL;
}

static fl_error_t *outer_canceller(fl_world_t *w, void *arg) {
    outer_case_t *c = arg;
    fl_sleep(w, FL_SECONDS(2));
    fl_scope_cancel(w, c->scope);
    return NULL;
}

static void test_outer_cancellation_at_the_deadline_wins(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, FL_SECONDS(2));
    fake_next_add(&h.fake, (fake_step_t){.block_forever = true});
    fl_cancel_scope_t scope;
    outer_case_t c = {&h, &scope};
    /* The canceller's sleep is armed first, so at 2 s it fires before the
     * deadline timer: both cancellations are in place when the link wakes. */
    fl_spawn(h.world, "canceller", outer_canceller, &c);
    fl_spawn(h.world, "caller", outer_caller, &c);
    assert_int_equal(fl_world_run(h.world), FL_RUN_COMPLETED);
    assert_true(h.finished);
    assert_ptr_equal(h.error, h.fake.calls[0].returned);
    assert_true(fl_error_is_cancelled(h.error));
    assert_int_equal(h.finished_ns, FL_SECONDS(2));
    assert_int_equal(fl_timeout_stats(h.timeout).expired, 0);
    fl_world_destroy(h.world);
}

/* Outside Retry, the deadline bounds every attempt and backoff: 503s with
 * Retry-After 3 at 0 s and 3 s, then the backoff to 6 s is cut at 5 s. */
static void test_deadline_bounds_a_whole_retry_loop(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, FL_SECONDS(5));
    fl_arena_t *arena = fl_world_arena(h.world);
    fl_retry_options_t options = fl_retry_options_default();
    options.max_attempts = 5;
    fl_middleware_t *retry = fl_retry_create(h.world, &options, NULL, 0);
    assert_non_null(retry);
    for (int i = 0; i < 5; i++) {
        fl_response_t *response = fl_arena_zalloc(arena, sizeof *response);
        response->status = 503;
        response->headers = fl_headers_create(arena);
        assert_true(fl_headers_add(response->headers, "Retry-After", "3"));
        fl_error_t *error = fl_error_new(arena, FL_ERR_SERVICE_UNAVAILABLE, "503");
        error->http_status = 503;
        error->payload = response;
        fake_next_add(&h.fake, (fake_step_t){.error = error});
    }
    chain_link_t link;
    h.next = chain_link(&link, retry, fake_next_link(&h.fake));
    harness_run(&h);
    assert_int_equal(h.fake.call_count, 2);
    assert_int_equal(h.fake.calls[0].started_ns, 0);
    assert_int_equal(h.fake.calls[1].started_ns, FL_SECONDS(3));
    assert_non_null(h.error);
    assert_int_equal(h.error->kind, FL_ERR_TIMEOUT_ERROR);
    assert_string_equal(h.error->message, "request timed out after 5 s");
    assert_int_equal(h.finished_ns, FL_SECONDS(5));
    fl_retry_stats_t stats = fl_retry_stats(retry);
    assert_int_equal(stats.attempts, 2);
    assert_int_equal(stats.retries, 1);
    fl_world_destroy(h.world);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_a_response_in_time_passes),
        cmocka_unit_test(test_expiry_is_a_timeout_error_at_the_deadline),
        cmocka_unit_test(test_inner_errors_pass_unchanged),
        cmocka_unit_test(test_cancelled_from_outside_passes_unchanged),
        cmocka_unit_test(test_outer_cancellation_at_the_deadline_wins),
        cmocka_unit_test(test_deadline_bounds_a_whole_retry_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
