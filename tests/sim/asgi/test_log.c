/* The server log: entries as the server writes them, and the cycle rules
 * checked over what went out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sim/asgi/log.h"
#include "tests/support/runtime_test.h"

static void start(fl_server_log_t *log, uint32_t cycle) {
    fl_server_log_add(log, FL_SERVER_LOG_MESSAGE_SENT, cycle, 200, "http.response.start %d", 200);
}

static void body(fl_server_log_t *log, uint32_t cycle, size_t length, bool more) {
    fl_server_log_add(log, FL_SERVER_LOG_MESSAGE_SENT, cycle, (int64_t)length,
                      "http.response.body %zu%s", length, more ? " more" : "");
}

static bool check(fl_server_log_t *log, char *twice, char *after) {
    return fl_server_log_check_cycles(log, twice, 160, after, 160);
}

static void test_entries_carry_kind_and_text(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_server_log_t *log = fl_server_log_create(w);
    fl_server_log_add(log, FL_SERVER_LOG_REQUEST, 3, 0, "%s %s", "GET", "/events");
    body(log, 3, 17, true);
    assert_int_equal(fl_server_log_count(log), 2);
    assert_string_equal(fl_server_log_entry(log, 0)->text, "request GET /events");
    assert_string_equal(fl_server_log_entry(log, 1)->text, "sent http.response.body 17 more");
    assert_int_equal(fl_server_log_entry(log, 1)->value, 17);
    assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_MESSAGE_SENT, 3, "17 more"), 1);
    assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_MESSAGE_SENT, 4, NULL), 0);
    /* Both were logged at virtual time 0: a window counts them or not. */
    assert_int_equal(
        fl_server_log_matches_between(log, FL_SERVER_LOG_MESSAGE_SENT, 3, NULL, 0, 0), 1);
    assert_int_equal(
        fl_server_log_matches_between(log, FL_SERVER_LOG_MESSAGE_SENT, 3, NULL, 1, 100), 0);
    assert_null(fl_server_log_entry(log, 2));
    fl_world_destroy(w);
}

static void test_well_formed_cycles_hold(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_server_log_t *log = fl_server_log_create(w);
    char twice[160], after[160];
    assert_true(check(log, twice, after)); /* empty */
    /* Two cycles interleaved (pipelined keep-alive), a streamed one and a
     * plain one; a request entry in between does not count as sent. */
    start(log, 1);
    body(log, 1, 5, true);
    start(log, 2);
    fl_server_log_add(log, FL_SERVER_LOG_REQUEST, 2, 0, "GET /");
    body(log, 1, 5, true);
    body(log, 2, 2, false);
    body(log, 1, 0, false);
    assert_true(check(log, twice, after));
    assert_string_equal(twice, "");
    assert_string_equal(after, "");
    fl_world_destroy(w);
}

static void test_a_second_start_is_reported(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_server_log_t *log = fl_server_log_create(w);
    char twice[160], after[160];
    start(log, 1);
    start(log, 7);
    start(log, 7);
    assert_false(check(log, twice, after));
    assert_string_equal(twice, "cycle 7: a second http.response.start");
    assert_string_equal(after, "");
    fl_world_destroy(w);
}

static void test_anything_after_completion_is_reported(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_server_log_t *log = fl_server_log_create(w);
    char twice[160], after[160];
    start(log, 4);
    body(log, 4, 3, false);
    body(log, 4, 9, true);
    start(log, 4); /* both rules broken: each reports its first breach */
    assert_false(check(log, twice, after));
    assert_string_equal(after, "cycle 4: \"sent http.response.body 9 more\" after the response completed");
    assert_string_equal(twice, "cycle 4: a second http.response.start");
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_carry_kind_and_text),
        cmocka_unit_test(test_well_formed_cycles_hold),
        cmocka_unit_test(test_a_second_start_is_reported),
        cmocka_unit_test(test_anything_after_completion_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
