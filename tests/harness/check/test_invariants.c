/* The global invariants judged on worlds built by hand, so each can be
 * seen to fail: a run whose tasks all finished with a connection left open
 * leaks it; closed, it does not; a hang is not judged. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "harness/check/invariants.h"
#include "sim/net/simnet.h"
#include "tests/support/runtime_test.h"

typedef struct pair {
    fl_net_t *net;
    bool close_client, close_server;
    bool block_forever; /* the server then waits forever: a hang */
} pair_t;

/* The server accepts one connection; the client connects. Each
 * end is closed or not as the pair says, then both tasks end. */
static fl_error_t *server_task(fl_world_t *w, void *arg) {
    pair_t *p = arg;
    fl_listener_t *listener;
    assert_int_equal(fl_net_listen(p->net, NULL, 80, &listener), FL_OK);
    fl_conn_t *conn;
    assert_int_equal(fl_listener_accept(listener, &conn), FL_OK);
    fl_listener_close(listener);
    if (p->close_server) fl_conn_close(conn);
    if (p->block_forever) fl_sleep_forever(w);
    return NULL;
}

static fl_error_t *client_task(fl_world_t *w, void *arg) {
    pair_t *p = arg;
    fl_sleep(w, FL_MS(1)); /* after the server listens */
    fl_conn_t *conn;
    assert_int_equal(fl_net_connect(p->net, NULL, 80, &conn), FL_OK);
    if (p->close_client) fl_conn_close(conn);
    return NULL;
}

static bool judge(pair_t pair, char *why, size_t capacity, fl_run_outcome_t *outcome_out) {
    fl_world_t *w = rt_world("fifo", 1);
    char error[256];
    pair.net = fl_simnet_create(w, NULL, NULL, error, sizeof error);
    assert_non_null(pair.net);
    fl_spawn(w, "server", server_task, &pair);
    fl_spawn(w, "client", client_task, &pair);
    *outcome_out = fl_world_run(w);
    bool held = fl_invariant_no_leaked_connections(pair.net, *outcome_out, false, why, capacity);
    fl_world_destroy(w);
    return held;
}

static void test_open_connection_ends_are_a_leak(void **state) {
    (void)state;
    char why[256];
    fl_run_outcome_t outcome;
    assert_false(judge((pair_t){0}, why, sizeof why, &outcome));
    assert_int_equal(outcome, FL_RUN_COMPLETED);
    assert_string_equal(why, "2 connection ends still open when the run ended");
    assert_false(judge((pair_t){.close_client = true}, why, sizeof why, &outcome));
    assert_string_equal(why, "1 connection end still open when the run ended");
}

static void test_closed_connections_hold(void **state) {
    (void)state;
    char why[256];
    fl_run_outcome_t outcome;
    assert_true(judge((pair_t){.close_client = true, .close_server = true}, why, sizeof why,
                      &outcome));
    assert_int_equal(outcome, FL_RUN_COMPLETED);
    assert_string_equal(why, "");
}

/* A run that did not complete still has tasks holding connections: not
 * judged here (no-leaked-tasks and no-unexpected-hang judge it). */
static void test_a_hang_is_not_judged(void **state) {
    (void)state;
    char why[256];
    fl_run_outcome_t outcome;
    assert_true(judge((pair_t){.block_forever = true}, why, sizeof why, &outcome));
    assert_int_equal(outcome, FL_RUN_HANG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_connection_ends_are_a_leak),
        cmocka_unit_test(test_closed_connections_hold),
        cmocka_unit_test(test_a_hang_is_not_judged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
