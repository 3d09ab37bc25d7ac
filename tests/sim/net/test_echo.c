/* The same echo client and server code (tests/support/echo.c), written
 * against the connection interface only, over both drivers: the simulated
 * network with random segmentation and latency, and real sockets on an
 * ephemeral 127.0.0.1 port through libuv. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_over_the_simulated_network),
        cmocka_unit_test(test_echo_over_libuv_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
