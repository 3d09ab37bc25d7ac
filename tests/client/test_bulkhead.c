/* Bulkhead (client/bulkhead.c) against a scripted innermost link, in
 * worlds: BulkheadFull at the exact virtual acquire timeout, FIFO hand-off
 * of freed slots, fail-fast and wait-forever timeouts, the slot given back
 * after a response, an error and a cancellation (checked with fail-fast
 * callers, so a leaked slot would show as BulkheadFull), and the cap on
 * calls in flight. Tasks only record; tests assert after the run. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/bulkhead.h"
#include "client/message.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"
#include "tests/support/fake_next.h"
#include "tests/support/runtime_test.h"

enum { CALLERS_MAX = 12 };

typedef struct harness harness_t;

typedef struct caller {
    harness_t *h;
    int64_t arrive_ns;      /* starts its call at this virtual instant */
    int64_t cancel_at_ns;   /* > 0: the canceller cancels it then */
    fl_task_t *task;
    fl_request_t request;
    fl_error_t *error;
    fl_response_t *response;
    bool finished;
    int64_t finished_ns;
    size_t slots_free_after; /* the bulkhead's free slots right after */
} caller_t;

struct harness {
    fl_world_t *world;
    fl_middleware_t *bulkhead;
    fake_next_t fake;
    fl_response_t ok;
    caller_t callers[CALLERS_MAX];
    size_t caller_count;
};

static void harness_init(harness_t *h, size_t max_concurrent, int64_t acquire_timeout_ns) {
    memset(h, 0, sizeof *h);
    h->world = rt_world("fifo", 1);
    fl_bulkhead_options_t options = fl_bulkhead_options_default();
    options.max_concurrent = max_concurrent;
    options.acquire_timeout_ns = acquire_timeout_ns;
    options.name = "test bulkhead";
    char message[128] = "";
    h->bulkhead = fl_bulkhead_create(h->world, &options, message, sizeof message);
    if (h->bulkhead == NULL) fail_msg("fl_bulkhead_create: %s", message);
    h->ok.status = 200;
}

static caller_t *add_caller(harness_t *h, int64_t arrive_ns) {
    assert_true(h->caller_count < CALLERS_MAX);
    caller_t *c = &h->callers[h->caller_count++];
    c->h = h;
    c->arrive_ns = arrive_ns;
    c->request = (fl_request_t){.method = "GET", .attempt = 1};
    return c;
}

static fl_error_t *caller_body(fl_world_t *w, void *arg) {
    caller_t *c = arg;
    if (c->arrive_ns > 0) fl_sleep_until(w, c->arrive_ns);
    fl_middleware_t *bulkhead = c->h->bulkhead;
    c->error = bulkhead->handle(bulkhead, w, &c->request, fake_next_link(&c->h->fake), &c->response);
    c->finished = true;
    c->finished_ns = fl_now(w);
    c->slots_free_after = fl_bulkhead_stats(bulkhead).slots_free;
    return NULL;
}

static fl_error_t *canceller_body(fl_world_t *w, void *arg) {
    caller_t *c = arg;
    fl_sleep_until(w, c->cancel_at_ns);
    fl_task_cancel(w, c->task);
    return NULL;
}

static void harness_run(harness_t *h) {
    for (size_t i = 0; i < h->caller_count; i++) {
        char name[32];
        snprintf(name, sizeof name, "caller%zu", i);
        h->callers[i].task = fl_spawn(h->world, name, caller_body, &h->callers[i]);
    }
    for (size_t i = 0; i < h->caller_count; i++)
        if (h->callers[i].cancel_at_ns > 0)
            fl_spawn(h->world, "canceller", canceller_body, &h->callers[i]);
    assert_int_equal(fl_world_run(h->world), FL_RUN_COMPLETED);
    for (size_t i = 0; i < h->caller_count; i++) assert_true(h->callers[i].finished);
    assert_int_equal(fl_world_violation_count(h->world), 0);
}

static void step_ok_after(harness_t *h, int64_t delay_ns) {
    fake_next_add(&h->fake, (fake_step_t){.delay_ns = delay_ns, .response = &h->ok});
}

static void assert_all_slots_back(harness_t *h, size_t max_concurrent) {
    fl_bulkhead_stats_t stats = fl_bulkhead_stats(h->bulkhead);
    assert_int_equal(stats.in_flight, 0);
    assert_int_equal(stats.slots_free, max_concurrent);
    assert_int_equal(stats.admitted, stats.released);
}

/* --- options -------------------------------------------------------------------- */

static void test_options(void **state) {
    (void)state;
    fl_bulkhead_options_t options = fl_bulkhead_options_default();
    assert_int_equal(options.max_concurrent, 0);
    assert_int_equal(options.acquire_timeout_ns, FL_SECONDS(1));
    fl_world_t *w = rt_world("fifo", 1);
    char message[128];
    assert_null(fl_bulkhead_create(w, NULL, message, sizeof message));
    assert_null(fl_bulkhead_create(w, &options, message, sizeof message));
    assert_string_equal(message, "bulkhead: max_concurrent must be 1..1000000");
    options.max_concurrent = 2;
    options.acquire_timeout_ns = -1;
    assert_null(fl_bulkhead_create(w, &options, message, sizeof message));
    options.acquire_timeout_ns = FL_SECONDS(1);
    fl_middleware_t *bulkhead = fl_bulkhead_create(w, &options, message, sizeof message);
    assert_non_null(bulkhead);
    assert_string_equal(bulkhead->name, "bulkhead");
    assert_int_equal(fl_bulkhead_stats(bulkhead).slots_free, 2);
    fl_world_destroy(w);
}

/* --- full ------------------------------------------------------------------------ */

/* Two slots, each held 5 s; the third caller waits its 1 s and gets
 * BulkheadFull at exactly 1 s, without reaching the link. */
static void test_full_at_the_exact_acquire_timeout(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 2, FL_SECONDS(1));
    step_ok_after(&h, FL_SECONDS(5));
    for (int i = 0; i < 3; i++) add_caller(&h, 0);
    harness_run(&h);
    for (int i = 0; i < 2; i++) {
        assert_null(h.callers[i].error);
        assert_ptr_equal(h.callers[i].response, &h.ok);
        assert_int_equal(h.callers[i].finished_ns, FL_SECONDS(5));
    }
    caller_t *third = &h.callers[2];
    assert_non_null(third->error);
    assert_int_equal(third->error->kind, FL_ERR_BULKHEAD_FULL);
    assert_true(fl_error_is(third->error, FL_ERR_CLIENT_ERROR));
    assert_string_equal(third->error->message, "bulkhead full: 2 calls in flight");
    assert_null(third->response);
    assert_int_equal(third->finished_ns, FL_SECONDS(1));
    assert_int_equal(h.fake.call_count, 2);
    assert_int_equal(h.fake.in_flight_max, 2);
    fl_bulkhead_stats_t stats = fl_bulkhead_stats(h.bulkhead);
    assert_int_equal(stats.admitted, 2);
    assert_int_equal(stats.rejected, 1);
    assert_int_equal(stats.in_flight_max, 2);
    assert_all_slots_back(&h, 2);
    fl_world_destroy(h.world);
}

static void test_a_freed_slot_goes_to_the_waiter_before_its_timeout(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, FL_SECONDS(1));
    step_ok_after(&h, FL_MS(500));
    add_caller(&h, 0);
    add_caller(&h, 0);
    harness_run(&h);
    assert_null(h.callers[1].error);
    assert_int_equal(h.fake.calls[1].started_ns, FL_MS(500));
    assert_int_equal(h.callers[1].finished_ns, FL_SECONDS(1));
    assert_int_equal(fl_bulkhead_stats(h.bulkhead).rejected, 0);
    assert_all_slots_back(&h, 1);
    fl_world_destroy(h.world);
}

static void test_zero_timeout_fails_fast_and_never_waits_forever(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, 0);
    step_ok_after(&h, FL_SECONDS(3));
    add_caller(&h, 0);
    add_caller(&h, FL_SECONDS(1));
    harness_run(&h);
    assert_int_equal(h.callers[1].error->kind, FL_ERR_BULKHEAD_FULL);
    assert_string_equal(h.callers[1].error->message, "bulkhead full: 1 calls in flight");
    assert_int_equal(h.callers[1].finished_ns, FL_SECONDS(1));
    fl_world_destroy(h.world);

    harness_init(&h, 1, FL_TIME_NEVER);
    step_ok_after(&h, FL_SECONDS(30));
    add_caller(&h, 0);
    add_caller(&h, FL_SECONDS(1));
    harness_run(&h);
    assert_null(h.callers[1].error);
    assert_int_equal(h.fake.calls[1].started_ns, FL_SECONDS(30));
    assert_int_equal(h.callers[1].finished_ns, FL_SECONDS(60));
    fl_world_destroy(h.world);
}

/* --- the slot comes back --------------------------------------------------------------- */

/* One slot, fail-fast callers one after the other: a response at 1 s, a
 * ReadError at 3 s, a cancellation at 5 s while inside the link, then a
 * fourth caller at 6 s who must find the slot free. */
static void test_slot_is_freed_on_success_error_and_cancellation(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, 0);
    fl_error_t *read_error = fl_error_new(fl_world_arena(h.world), FL_ERR_READ_ERROR, "reset");
    step_ok_after(&h, FL_SECONDS(1));
    fake_next_add(&h.fake, (fake_step_t){.delay_ns = FL_SECONDS(1), .error = read_error});
    fake_next_add(&h.fake, (fake_step_t){.block_forever = true});
    step_ok_after(&h, FL_SECONDS(1));
    caller_t *success = add_caller(&h, 0);
    caller_t *failure = add_caller(&h, FL_SECONDS(2));
    caller_t *cancelled = add_caller(&h, FL_SECONDS(4));
    cancelled->cancel_at_ns = FL_SECONDS(5);
    caller_t *after = add_caller(&h, FL_SECONDS(6));
    harness_run(&h);

    assert_null(success->error);
    assert_int_equal(success->finished_ns, FL_SECONDS(1));
    assert_int_equal(success->slots_free_after, 1);

    assert_ptr_equal(failure->error, read_error);
    assert_null(failure->response);
    assert_int_equal(failure->finished_ns, FL_SECONDS(3));
    assert_int_equal(failure->slots_free_after, 1);

    assert_true(fl_error_is_cancelled(cancelled->error));
    assert_ptr_equal(cancelled->error, h.fake.calls[2].returned); /* unchanged */
    assert_true(h.fake.calls[2].cancelled);
    assert_int_equal(cancelled->finished_ns, FL_SECONDS(5));
    assert_int_equal(cancelled->slots_free_after, 1);

    assert_null(after->error);
    assert_int_equal(after->finished_ns, FL_SECONDS(7));
    assert_int_equal(h.fake.call_count, 4);
    fl_bulkhead_stats_t stats = fl_bulkhead_stats(h.bulkhead);
    assert_int_equal(stats.admitted, 4);
    assert_int_equal(stats.released, 4);
    assert_int_equal(stats.rejected, 0);
    assert_all_slots_back(&h, 1);
    fl_world_destroy(h.world);
}

/* Cancelled while waiting for a slot: Cancelled, not BulkheadFull, and the
 * slot count is untouched (the holder's release still frees it). */
static void test_cancelled_while_waiting_is_not_full(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, FL_SECONDS(10));
    step_ok_after(&h, FL_SECONDS(5));
    add_caller(&h, 0);
    caller_t *waiter = add_caller(&h, 0);
    waiter->cancel_at_ns = FL_SECONDS(1);
    caller_t *later = add_caller(&h, FL_SECONDS(6));
    harness_run(&h);
    assert_true(fl_error_is_cancelled(waiter->error));
    assert_int_equal(waiter->finished_ns, FL_SECONDS(1));
    assert_null(later->error);
    assert_int_equal(later->finished_ns, FL_SECONDS(11));
    assert_int_equal(h.fake.call_count, 2);
    fl_bulkhead_stats_t stats = fl_bulkhead_stats(h.bulkhead);
    assert_int_equal(stats.rejected, 0);
    assert_int_equal(stats.cancelled_waiting, 1);
    assert_all_slots_back(&h, 1);
    fl_world_destroy(h.world);
}

/* Ten callers, three slots, 1 s each, no timeout: never more than three in
 * the link, admitted in arrival order (three per second). */
static void test_in_flight_never_exceeds_the_limit(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 3, FL_TIME_NEVER);
    step_ok_after(&h, FL_SECONDS(1));
    for (int i = 0; i < 10; i++) add_caller(&h, 0);
    harness_run(&h);
    assert_int_equal(h.fake.in_flight_max, 3);
    for (int i = 0; i < 10; i++) {
        assert_null(h.callers[i].error);
        assert_int_equal(h.callers[i].finished_ns, FL_SECONDS(i / 3 + 1));
    }
    fl_bulkhead_stats_t stats = fl_bulkhead_stats(h.bulkhead);
    assert_int_equal(stats.in_flight_max, 3);
    assert_int_equal(stats.admitted, 10);
    assert_all_slots_back(&h, 3);
    fl_world_destroy(h.world);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_full_at_the_exact_acquire_timeout),
        cmocka_unit_test(test_a_freed_slot_goes_to_the_waiter_before_its_timeout),
        cmocka_unit_test(test_zero_timeout_fails_fast_and_never_waits_forever),
        cmocka_unit_test(test_slot_is_freed_on_success_error_and_cancellation),
        cmocka_unit_test(test_cancelled_while_waiting_is_not_full),
        cmocka_unit_test(test_in_flight_never_exceeds_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
