/* The connection interface's own rules (sim/net/net.c), over the simulated
 * network: the names of sides and directions, and a read into no room,
 * which is refused before the driver is asked and loses no byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sim/net/simnet.h"
#include "tests/support/runtime_test.h"

static void test_side_and_direction_names(void **state) {
    (void)state;
    assert_string_equal(fl_side_name(FL_SIDE_CLIENT), "client");
    assert_string_equal(fl_side_name(FL_SIDE_SERVER), "server");
    assert_string_equal(fl_direction_name(FL_DIRECTION_CLIENT_TO_SERVER), "c2s");
    assert_string_equal(fl_direction_name(FL_DIRECTION_SERVER_TO_CLIENT), "s2c");
}

typedef struct zero_read {
    fl_net_t *net;
    fl_event_t *listening;
    int empty_status;   /* the read with capacity 0 */
    size_t empty_count; /* what it reported read */
    int read_status;    /* the read after it */
    char got[8];
    size_t got_count;
} zero_read_t;

static fl_error_t *zero_read_server(fl_world_t *w, void *arg) {
    zero_read_t *z = arg;
    fl_listener_t *listener;
    assert_int_equal(fl_net_listen(z->net, NULL, 80, &listener), FL_OK);
    fl_event_set(w, z->listening);
    fl_conn_t *conn;
    assert_int_equal(fl_listener_accept(listener, &conn), FL_OK);
    assert_int_equal(fl_conn_write(conn, "hi", 2), FL_OK);
    assert_int_equal(fl_conn_shutdown_write(conn), FL_OK);
    fl_conn_close(conn);
    fl_listener_close(listener);
    return NULL;
}

static fl_error_t *zero_read_client(fl_world_t *w, void *arg) {
    zero_read_t *z = arg;
    fl_event_wait(w, z->listening);
    fl_conn_t *conn;
    assert_int_equal(fl_net_connect(z->net, "server", 80, &conn), FL_OK);
    char buffer[8];
    z->empty_count = 99;
    z->empty_status = fl_conn_read(conn, buffer, 0, &z->empty_count);
    z->read_status = FL_OK;
    while (z->read_status == FL_OK && z->got_count < sizeof z->got) {
        size_t n = 0;
        z->read_status = fl_conn_read(conn, z->got + z->got_count, sizeof z->got - z->got_count, &n);
        z->got_count += n;
    }
    fl_conn_close(conn);
    return NULL;
}

static void test_read_into_no_room_is_refused_and_loses_nothing(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_simnet_options_t options = fl_simnet_options_default();
    char error[256];
    zero_read_t z = {.net = fl_simnet_create(w, &options, NULL, error, sizeof error)};
    if (z.net == NULL) fail_msg("%s", error);
    z.listening = fl_event_create(w, "listening");
    fl_spawn(w, "server", zero_read_server, &z);
    fl_spawn(w, "client", zero_read_client, &z);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(z.empty_status, FL_EINVAL);
    assert_int_equal(z.empty_count, 0);
    assert_int_equal(z.read_status, FL_EEOF);
    assert_int_equal(z.got_count, 2);
    assert_memory_equal(z.got, "hi", 2);
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_side_and_direction_names),
        cmocka_unit_test(test_read_into_no_room_is_refused_and_loses_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
