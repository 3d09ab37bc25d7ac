/* The same echo client and server code (tests/support/echo.c), written
 * against the connection interface only, over both drivers: the simulated
 * network with random segmentation and latency, and real sockets on an
 * ephemeral 127.0.0.1 port through libuv. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sim/net/simnet.h"
#include "sim/net/uvnet.h"
#include "tests/support/echo.h"
#include "tests/support/runtime_test.h"

static void run_echo(fl_world_t *w, fl_net_t *net, size_t bytes, uint64_t seed) {
    echo_run_t run;
    echo_init(&run, w, net, bytes, seed);
    run.write_chunk = 7919; /* a prime, so chunks never line up with buffers */
    fl_spawn(w, "server", echo_server_task, &run);
    fl_spawn(w, "client", echo_client_task, &run);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    if (!echo_succeeded(&run))
        fail_msg("echo over %s: received %zu of %zu, mismatch at %zu, statuses %d/%d/%d",
                 net->ops->name, run.client_received, run.payload_bytes, run.mismatch_at,
                 run.server_status, run.client_write_status, run.client_read_status);
}

static void test_echo_over_the_simulated_network(void **state) {
    (void)state;
    fl_simnet_options_t options = fl_simnet_options_default();
    options.latency_jitter_ns = FL_MS(2);
    for (uint64_t seed = 1; seed <= 50; seed++) {
        fl_world_t *w = rt_world("random", seed);
        run_echo(w, fl_simnet_create(w, &options, NULL, NULL, 0), 1 << 20, seed);
        fl_world_destroy(w);
    }
}

static void test_echo_over_libuv_loopback(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    char error[256];
    fl_net_t *net = fl_uvnet_create(w, NULL, error, sizeof error);
    if (net == NULL) fail_msg("%s", error);
    run_echo(w, net, 1 << 20, 99);
    fl_world_destroy(w);
}

/* One driver per world: a second libuv network is refused, and the first
 * keeps working. Listening twice on one address is FL_EADDRINUSE on both
 * networks. */
static fl_error_t *listen_twice(fl_world_t *w, void *arg) {
    fl_net_t *net = arg;
    (void)w;
    fl_listener_t *first, *second;
    assert_int_equal(fl_net_listen(net, NULL, 0, &first), FL_OK);
    assert_int_equal(fl_net_listen(net, NULL, fl_listener_port(first), &second), FL_EADDRINUSE);
    fl_listener_close(first);
    return NULL;
}

static void test_one_driver_per_world_and_address_in_use(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    char error[256];
    fl_net_t *net = fl_uvnet_create(w, NULL, error, sizeof error);
    assert_non_null(net);
    assert_null(fl_uvnet_create(w, NULL, error, sizeof error));
    assert_non_null(strstr(error, "already has a driver"));
    run_echo(w, net, 64 * 1024, 5); /* the first network still works */
    fl_spawn(w, "listener", listen_twice, net);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    fl_world_destroy(w);

    w = rt_world("fifo", 1);
    fl_spawn(w, "listener", listen_twice, fl_simnet_create(w, NULL, NULL, NULL, 0));
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_over_the_simulated_network),
        cmocka_unit_test(test_echo_over_libuv_loopback),
        cmocka_unit_test(test_one_driver_per_world_and_address_in_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
