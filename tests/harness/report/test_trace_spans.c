/* A trace read as spans: slices end where their task blocks, yields or
 * ends; waits end at the next run; wakes and spawns lead to the run they
 * caused; the acceptor and its descendants are the server side. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness/report/trace_spans.h"

#define E(time, kind, task, object, detail) {time, FL_TRACE_##kind, task, object, 0, detail}

/* Task 1 accepts (the server), task 2 is a client task; each spawns a
 * child; 2 wakes 1, 1 blocks for good at the end. */
static const fl_trace_event_t EVENTS[] = {
    E(0, SPAWN, 1, 0, "server"),     /* 0 */
    E(0, SPAWN, 2, 0, "main"),       /* 1 */
    E(0, RUN, 1, 0, NULL),           /* 2 */
    E(0, BLOCK, 1, 5, "accept"),     /* 3 */
    E(0, RUN, 2, 0, NULL),           /* 4 */
    E(0, SPAWN, 3, 2, "child"),      /* 5 */
    E(0, WAKE, 1, 0, NULL),          /* 6 */
    E(0, YIELD, 2, 0, NULL),         /* 7 */
    E(0, RUN, 1, 0, NULL),           /* 8 */
    E(0, SPAWN, 4, 1, "connection"), /* 9 */
    E(0, NET, 1, 7, "accept"),       /* 10 */
    E(0, BLOCK, 1, 9, "read"),       /* 11 */
    E(0, RUN, 3, 0, NULL),           /* 12 */
    E(0, DONE, 3, 0, NULL),          /* 13 */
    E(1000, TIMER, 0, 0, NULL),      /* 14 */
};
enum { EVENT_COUNT = sizeof EVENTS / sizeof EVENTS[0] };

static void test_sides_follow_the_acceptor(void **state) {
    (void)state;
    fl_trace_spans_t spans;
    fl_trace_spans_build(&spans, EVENTS, EVENT_COUNT, 4);
    assert_int_equal(spans.side_of_task[0], FL_TRACE_SIDE_SCHEDULER);
    assert_int_equal(spans.side_of_task[1], FL_TRACE_SIDE_SERVER);
    assert_int_equal(spans.side_of_task[2], FL_TRACE_SIDE_CLIENT);
    assert_int_equal(spans.side_of_task[3], FL_TRACE_SIDE_CLIENT); /* 2's child */
    assert_int_equal(spans.side_of_task[4], FL_TRACE_SIDE_SERVER); /* 1's child */
    assert_int_equal(spans.connection_max, 7);
    assert_true(spans.connection_seen[7]);
    assert_false(spans.connection_seen[0]);
    fl_trace_spans_free(&spans);
}

static void test_slices_and_waits_end_where_they_should(void **state) {
    (void)state;
    fl_trace_spans_t spans;
    fl_trace_spans_build(&spans, EVENTS, EVENT_COUNT, 4);
    assert_int_equal(spans.end_of[2], 3);  /* run until the block */
    assert_int_equal(spans.end_of[3], 8);  /* blocked until the next run */
    assert_int_equal(spans.end_of[4], 7);  /* run until the yield */
    assert_int_equal(spans.end_of[8], 11);
    assert_int_equal(spans.end_of[11], FL_TRACE_SPAN_NONE); /* never woken */
    assert_int_equal(spans.end_of[12], 13); /* run until done */
    assert_int_equal(spans.running[5], 2);
    assert_int_equal(spans.running[6], 2);
    assert_int_equal(spans.running[10], 1);
    assert_int_equal(spans.running[14], 0); /* the timer fires between runs */
    assert_int_equal(fl_trace_spans_end_ns(&spans), 1000);
    fl_trace_spans_free(&spans);
}

static void test_causes_lead_to_the_run_they_readied(void **state) {
    (void)state;
    fl_trace_spans_t spans;
    fl_trace_spans_build(&spans, EVENTS, EVENT_COUNT, 4);
    assert_int_equal(spans.cause_of[8], 6); /* 2 woke 1 */
    assert_int_equal(spans.end_of[6], 8);
    assert_int_equal(spans.cause_of[12], 5); /* 2 spawned 3 */
    assert_int_equal(spans.end_of[5], 12);
    assert_int_equal(spans.cause_of[4], 1); /* spawned before any run */
    assert_int_equal(spans.end_of[9], FL_TRACE_SPAN_NONE); /* 4 never ran */
    assert_int_equal(spans.cause_of[2], 0);
    fl_trace_spans_free(&spans);
}

static void test_an_empty_trace_has_no_spans(void **state) {
    (void)state;
    fl_trace_spans_t spans;
    fl_trace_spans_build(&spans, NULL, 0, 0);
    assert_int_equal(spans.count, 0);
    assert_int_equal(spans.side_of_task[0], FL_TRACE_SIDE_SCHEDULER);
    assert_int_equal(fl_trace_spans_end_ns(&spans), 0);
    fl_trace_spans_free(&spans);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sides_follow_the_acceptor),
        cmocka_unit_test(test_slices_and_waits_end_where_they_should),
        cmocka_unit_test(test_causes_lead_to_the_run_they_readied),
        cmocka_unit_test(test_an_empty_trace_has_no_spans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
