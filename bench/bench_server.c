/* server_rps: requests per second through the mock ASGI server on the
 * simulated network, keep-alive, from a raw client writing requests one at
 * a time; then the same with the endpoint behind one BaseHTTPMiddleware
 * (Starlette 0.38 behaviour). The ratio is the middleware's cost.
 *
 * serve_rss: `faultline serve` (fl_cli_serve in a child process) over real
 * sockets: its RSS after 1,000 requests on 1,000 connections, and after
 * 100,000 requests on 1,000 more (99 each, keep-alive). A ratio near 1 is
 * memory that stays flat. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/real/serve.h"

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

/* --- serve_rss ------------------------------------------------------------- */

static const char SERVE_SCENARIO[] =
    "name: serve rss\nserver:\n  routes:\n    - path: /\n      steps:\n"
    "        - respond: {status: 200, body: ok}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - sleep: 0ms\n";

/* One keep-alive connection, requests requests on it; false on a failure. */
static bool raw_requests(uint16_t port, long requests) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        if (fd >= 0) close(fd);
        return false;
    }
    bool ok = true;
    for (long i = 0; i < requests && ok; i++) {
        ok = write(fd, REQUEST, sizeof REQUEST - 1) == (ssize_t)(sizeof REQUEST - 1);
        char reply[1024];
        size_t have = 0;
        while (ok && (have < sizeof EXPECTED_TAIL - 1 ||
                      memcmp(reply + have - (sizeof EXPECTED_TAIL - 1), EXPECTED_TAIL,
                             sizeof EXPECTED_TAIL - 1) != 0)) {
            ssize_t n = read(fd, reply + have, sizeof reply - have);
            ok = n > 0 && have + (size_t)n < sizeof reply;
            if (ok) have += (size_t)n;
        }
    }
    close(fd);
    return ok;
}

static double rss_kib(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    double kib = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %lf", &kib) == 1) break;
    if (f != NULL) fclose(f);
    return kib;
}

static bool load(uint16_t port, long connections, long requests_each) {
    for (long i = 0; i < connections; i++)
        if (!raw_requests(port, requests_each)) return false;
    return true;
}

static void serve_rss(void) {
    char file[] = "/tmp/faultline-serve-rss-XXXXXX";
    int fd = mkstemp(file);
    if (fd < 0 || write(fd, SERVE_SCENARIO, sizeof SERVE_SCENARIO - 1) < 0) exit(1);
    close(fd);
    uint16_t port = (uint16_t)(20000 + getpid() % 20000);
    char listen_arg[32];
    snprintf(listen_arg, sizeof listen_arg, "127.0.0.1:%u", (unsigned)port);
    pid_t child = fork();
    if (child == 0) {
        char *argv[] = {"serve", file, "--listen", listen_arg, "--log-level", "critical", NULL};
        FILE *null = fopen("/dev/null", "w");
        _exit(fl_cli_serve(6, argv, null, null));
    }
    bool up = false;
    for (int i = 0; i < 200 && !up; i++, usleep(10000)) up = raw_requests(port, 1);
    bool ok = up && load(port, 999, 1);
    double first = rss_kib(child);
    ok = ok && load(port, 1000, 99);
    double after = rss_kib(child);
    kill(child, SIGTERM);
    int status;
    waitpid(child, &status, 0);
    unlink(file);
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: serve_rss: the server failed (up %d, exit %d)\n", up, status);
        exit(1);
    }
    bench_report("serve_rss_100000_requests", after, "KiB", "serve_rss_1000_requests", first,
                 "KiB");
}

int main(void) {
    serve_rss();
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
