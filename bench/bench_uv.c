/* uv_echo: round trips per second of a 64-byte ping-pong over libuv
 * loopback (real sockets, real time), against the same code over the
 * simulated network in the same run. The code is written once against the
 * connection interface; only the network differs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "sim/net/simnet.h"
#include "sim/net/uvnet.h"
#include "sim/runtime/runtime.h"

enum { MESSAGE = 64 };

typedef struct pingpong {
    fl_net_t *net;
    fl_event_t *listening;
    uint16_t port;
    long rounds;
    long completed;
} pingpong_t;

static int read_exactly(fl_conn_t *conn, unsigned char *buffer, size_t length) {
    size_t got = 0;
    while (got < length) {
        size_t n;
        int status = fl_conn_read(conn, buffer + got, length - got, &n);
        if (status != FL_OK) return status;
        got += n;
    }
    return FL_OK;
}

static fl_error_t *pong(fl_world_t *w, void *arg) {
    pingpong_t *p = arg;
    fl_listener_t *listener;
    if (fl_net_listen(p->net, NULL, 0, &listener) != FL_OK) return NULL;
    p->port = fl_listener_port(listener);
    fl_event_set(w, p->listening);
    fl_conn_t *conn;
    int status = fl_listener_accept(listener, &conn);
    fl_listener_close(listener);
    if (status != FL_OK) return NULL;
    unsigned char buffer[MESSAGE];
    while (read_exactly(conn, buffer, MESSAGE) == FL_OK)
        if (fl_conn_write(conn, buffer, MESSAGE) != FL_OK) break;
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *ping(fl_world_t *w, void *arg) {
    pingpong_t *p = arg;
    fl_event_wait(w, p->listening);
    fl_conn_t *conn;
    if (fl_net_connect(p->net, NULL, p->port, &conn) != FL_OK) return NULL;
    unsigned char buffer[MESSAGE];
    memset(buffer, 'p', sizeof buffer);
    for (long i = 0; i < p->rounds; i++) {
        if (fl_conn_write(conn, buffer, MESSAGE) != FL_OK) break;
        if (read_exactly(conn, buffer, MESSAGE) != FL_OK) break;
        p->completed++;
    }
    fl_conn_close(conn);
    return NULL;
}

/* Round trips per second; real says which network. */
static double round_trips(bool real, long rounds) {
    fl_world_options_t options = {.seed = 1, .step_limit = UINT64_MAX / 2,
                                  .time_limit_ns = FL_SECONDS(1000000)};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    char error[256] = "";
    pingpong_t p = {.rounds = rounds};
    p.net = real ? fl_uvnet_create(w, NULL, error, sizeof error)
                 : fl_simnet_create(w, NULL, NULL, error, sizeof error);
    if (p.net == NULL) {
        fprintf(stderr, "bench: %s\n", error);
        exit(1);
    }
    p.listening = fl_event_create(w, "listening");
    fl_spawn(w, "pong", pong, &p);
    fl_spawn(w, "ping", ping, &p);
    double start = bench_now_seconds();
    fl_world_run(w);
    double elapsed = bench_now_seconds() - start;
    fl_world_destroy(w);
    if (p.completed != rounds) {
        fprintf(stderr, "bench: uv_echo completed %ld of %ld round trips\n", p.completed, rounds);
        exit(1);
    }
    return (double)rounds / elapsed;
}

int main(void) {
    double best_real = 0, best_sim = 0;
    for (int round = 0; round < 3; round++) {
        double r = round_trips(true, 20000);
        if (r > best_real) best_real = r;
        double s = round_trips(false, 200000);
        if (s > best_sim) best_sim = s;
    }
    bench_report("uv_echo", best_real, "round trips/s", "simulated", best_sim, "round trips/s");
    return 0;
}
