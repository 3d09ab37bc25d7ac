/* server_rps: requests per second through the mock ASGI server on the
 * simulated network, keep-alive, from a raw client writing requests one at
 * a time; then the same with the endpoint behind one BaseHTTPMiddleware
 * (Starlette 0.38 behaviour). The ratio is the middleware's cost. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "sim/asgi/base_middleware.h"
#include "sim/asgi/server.h"
#include "sim/net/simnet.h"
#include "sim/runtime/runtime.h"

static const char REQUEST[] = "GET / HTTP/1.1\r\nHost: server\r\n\r\n";
static const char EXPECTED_TAIL[] = "\r\n\r\nok";

/* The endpoint: 200 "ok" with a content-length. */
static fl_error_t *endpoint_call(fl_asgi_app_t *self, fl_world_t *w, const fl_asgi_scope_t *scope,
                                 fl_asgi_receive_t receive, fl_asgi_send_t send) {
    (void)self, (void)scope, (void)receive;
    static const fl_asgi_header_t headers[] = {{"content-length", "2"}};
    fl_asgi_message_t start = fl_asgi_start(200, headers, 1);
    fl_error_t *error = fl_asgi_send(w, send, &start);
    if (error) return error;
    fl_asgi_message_t body = fl_asgi_body("ok", 2, false);
    return fl_asgi_send(w, send, &body);
}

typedef struct client {
    fl_net_t *net;
    long requests;
    long completed;
} client_t;

static fl_error_t *client_task(fl_world_t *w, void *arg) {
    client_t *c = arg;
    (void)w;
    fl_conn_t *conn;
    if (fl_net_connect(c->net, "server", 80, &conn) != FL_OK) return NULL;
    for (long i = 0; i < c->requests; i++) {
        if (fl_conn_write(conn, REQUEST, sizeof REQUEST - 1) != FL_OK) break;
        if (bench_read_response(conn, EXPECTED_TAIL) != FL_OK) break;
        c->completed++;
    }
    fl_conn_close(conn);
    return NULL;
}

static double requests_per_second(bool middleware, long requests) {
    fl_world_options_t options = {.seed = 1, .step_limit = UINT64_MAX / 2,
                                  .time_limit_ns = FL_SECONDS(1000000)};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    fl_simnet_options_t net_options = fl_simnet_options_default();
    net_options.segmentation = false;
    fl_net_t *net = fl_simnet_create(w, &net_options, NULL, NULL, 0);
    static fl_asgi_app_t endpoint = {"endpoint", endpoint_call};
    fl_asgi_app_t *app = middleware
                             ? fl_base_middleware_create(w, &endpoint, FL_BASE_MIDDLEWARE_0_38, NULL, NULL)
                             : &endpoint;
    fl_asgi_server_t *server = fl_asgi_server_create(w, net, app, NULL, NULL, 0);
    if (server == NULL || fl_asgi_server_listen(server, NULL, 80) != FL_OK) exit(1);
    client_t c = {.net = net, .requests = requests};
    fl_spawn(w, "client", client_task, &c);
    double start = bench_now_seconds();
    fl_world_run(w); /* ends as a hang: the server waits for connections */
    double elapsed = bench_now_seconds() - start;
    fl_world_destroy(w);
    if (c.completed != requests) {
        fprintf(stderr, "bench: server_rps completed %ld of %ld requests\n", c.completed, requests);
        exit(1);
    }
    return (double)requests / elapsed;
}

int main(void) {
    double plain = 0, wrapped = 0;
    for (int round = 0; round < 3; round++) {
        double p = requests_per_second(false, 50000);
        if (p > plain) plain = p;
        double m = requests_per_second(true, 50000);
        if (m > wrapped) wrapped = m;
    }
    bench_report("server_rps_middleware", wrapped, "requests/s", "server_rps_plain", plain,
                 "requests/s");
    return 0;
}
