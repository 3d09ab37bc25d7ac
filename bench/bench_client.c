/* The client's speed.
 *
 * client_rps: keep-alive GETs per second by faultline's client over real
 * sockets (uvnet), one connection, one request at a time, against nginx on
 * 127.0.0.1 (started here: `return 200 "ok"`), beside wrk -t1 -c1 against
 * the same server in the same run (client_rps), and beside Python's httpx,
 * one httpx.Client in a loop (client_rps_vs_httpx).
 *
 * client_sim_rps: the same GETs through the client and the mock server (a
 * scripted 200 "ok" handler) on the simulated network, against the same
 * requests written by a raw socket client (one fixed request string, the
 * response recognised by its "\r\n\r\nok" tail, as server_rps does) to the
 * same server on the same network: the ratio is the client's own cost.
 *
 * nginx, wrk and httpx come from `make bench-deps`. When one is missing, its
 * line is still printed, the baseline named "<tool> (not installed)" with 0,
 * so the ratio reads nan.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "client/client.h"
#include "sim/asgi/scripted.h"
#include "sim/asgi/server.h"
#include "sim/net/simnet.h"
#include "sim/net/uvnet.h"
#include "sim/runtime/runtime.h"

static const char NGINX[] = "/usr/sbin/nginx";
static const char WRK[] = "/usr/bin/wrk";
static const char PYTHON[] = "/usr/bin/python3";
static const char WORK_DIR[] = "build/bench/nginx"; /* relative to the repository root */

enum {
    REAL_REQUESTS = 20000,   /* per round of client_rps */
    SIM_REQUESTS = 50000,    /* per round of client_sim_rps */
    ROUNDS = 3,              /* the best round counts */
    READY_WAIT_MS = 10000,
    BASELINE_SECONDS = 3,    /* wrk's and httpx's run */
};

/* --- nginx -------------------------------------------------------------------------- */

static uint16_t free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0 ||
        getsockname(fd, (struct sockaddr *)&address, &size) != 0) {
        perror("bench_client: a free port");
        exit(1);
    }
    close(fd);
    return ntohs(address.sin_port);
}

static bool accepts(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool connected = connect(fd, (struct sockaddr *)&address, sizeof address) == 0;
    close(fd);
    return connected;
}

static void sleep_ms(long ms) {
    struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) continue;
}

/* With two CPUs or more, nginx runs on the first and every client (this
 * process, and wrk and python, which inherit it) on the second: loopback
 * round trips cost very different amounts depending on whether the two ends
 * share a CPU, and without pinning the scheduler's placement, not the
 * client, decides the ratio. */
static bool pin_to_cpu(int cpu) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2) return false;
    int seen = 0;
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, &allowed)) continue;
        if (seen++ == cpu) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(i, &one);
            return sched_setaffinity(0, sizeof one, &one) == 0;
        }
    }
    return false;
}

static void make_directory(const char *path) {
    char partial[512];
    snprintf(partial, sizeof partial, "%s", path);
    for (char *p = partial + 1; *p != '\0'; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(partial, 0755);
        *p = '/';
    }
    if (mkdir(partial, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "bench_client: mkdir %s: %s\n", partial, strerror(errno));
        exit(1);
    }
}

/* Writes the configuration: one worker, no daemon, every path under the
 * prefix (so nothing needs /var), no access log. */
static void write_nginx_config(const char *prefix, const char *config_path, uint16_t port) {
    FILE *config = fopen(config_path, "w");
    if (config == NULL) {
        fprintf(stderr, "bench_client: %s: %s\n", config_path, strerror(errno));
        exit(1);
    }
    fprintf(config,
            "daemon off;\n"
            "master_process off;\n"
            "worker_processes 1;\n"
            "pid %s/nginx.pid;\n"
            "error_log %s/error.log;\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            "    access_log off;\n"
            "    client_body_temp_path %s/client_body;\n"
            "    proxy_temp_path %s/proxy;\n"
            "    fastcgi_temp_path %s/fastcgi;\n"
            "    uwsgi_temp_path %s/uwsgi;\n"
            "    scgi_temp_path %s/scgi;\n"
            "    keepalive_requests 10000000;\n"
            "    server {\n"
            "        listen 127.0.0.1:%u;\n"
            "        location / { return 200 \"ok\"; }\n"
            "    }\n"
            "}\n",
            prefix, prefix, prefix, prefix, prefix, prefix, prefix, port);
    fclose(config);
}

/* Starts nginx as a child; returns its pid once it accepts, or -1. */
static pid_t start_nginx(uint16_t port) {
    char prefix[512], config_path[600], error_log[600];
    if (getcwd(prefix, sizeof prefix - sizeof WORK_DIR - 1) == NULL) return -1;
    strcat(prefix, "/");
    strcat(prefix, WORK_DIR);
    make_directory(prefix);
    snprintf(config_path, sizeof config_path, "%s/nginx.conf", prefix);
    snprintf(error_log, sizeof error_log, "%s/error.log", prefix);
    write_nginx_config(prefix, config_path, port);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        alarm(600); /* never outlives a stuck bench */
        pin_to_cpu(0);
        execl(NGINX, "nginx", "-e", error_log, "-c", config_path, "-p", prefix, (char *)NULL);
        _exit(127);
    }
    for (int waited = 0; waited < READY_WAIT_MS; waited += 20) {
        if (accepts(port)) return pid;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "bench_client: nginx exited (see %s)\n", error_log);
            return -1;
        }
        sleep_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fprintf(stderr, "bench_client: nginx did not accept on port %u\n", port);
    return -1;
}

static void stop_child(pid_t pid) {
    kill(pid, SIGTERM);
    for (int waited = 0; waited < 2000; waited += 10) {
        if (waitpid(pid, NULL, WNOHANG) == pid) return;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* --- the faultline client over uvnet -------------------------------------------------- */

typedef struct real_run {
    const char *url;
    long requests;
    long completed;
    double elapsed_seconds;
    fl_client_stats_t stats;
} real_run_t;

static fl_error_t *real_client_task(fl_world_t *w, void *arg) {
    real_run_t *run = arg;
    char error[256];
    fl_net_t *net = fl_uvnet_create(w, NULL, error, sizeof error);
    if (net == NULL) {
        fprintf(stderr, "bench_client: %s\n", error);
        exit(1);
    }
    fl_client_options_t options = {.net = net};
    fl_client_t *client = fl_client_create(w, &options, error, sizeof error);
    if (client == NULL) {
        fprintf(stderr, "bench_client: %s\n", error);
        exit(1);
    }
    /* The first request opens the connection; it is not timed. */
    fl_response_t *response;
    if (fl_client_request(w, client, "GET", run->url, NULL, 0, &response) != NULL) return NULL;
    double start = bench_now_seconds();
    for (long i = 0; i < run->requests; i++) {
        fl_error_t *failure = fl_client_request(w, client, "GET", run->url, NULL, 0, &response);
        if (failure != NULL) {
            fl_error_print(failure, stderr);
            break;
        }
        if (response->status != 200 || response->body_length != 2) break;
        run->completed++;
    }
    run->elapsed_seconds = bench_now_seconds() - start;
    run->stats = fl_client_stats(client);
    fl_client_close(w, client);
    return NULL;
}

static double client_requests_per_second(uint16_t port) {
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    fl_world_options_t options = {.seed = 1, .step_limit = UINT64_MAX / 2,
                                  .time_limit_ns = FL_SECONDS(1000000)};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    real_run_t run = {.url = url, .requests = REAL_REQUESTS};
    fl_spawn(w, "client", real_client_task, &run);
    fl_world_run(w);
    fl_world_destroy(w);
    if (run.completed != run.requests || run.stats.connections_opened != 1) {
        fprintf(stderr, "bench_client: client_rps completed %ld of %ld requests on %llu connections\n",
                run.completed, run.requests, (unsigned long long)run.stats.connections_opened);
        exit(1);
    }
    return (double)run.requests / run.elapsed_seconds;
}

/* --- baselines: wrk and httpx ----------------------------------------------------------- */

static double wrk_requests_per_second(uint16_t port) {
    char command[256];
    snprintf(command, sizeof command, "%s -t1 -c1 -d%ds http://127.0.0.1:%u/ 2>&1", WRK,
             BASELINE_SECONDS, port);
    return bench_run_and_parse(command, "Requests/sec:", false);
}

/* One httpx.Client (trust_env off: no proxy from the environment), a
 * warm-up, then GETs for BASELINE_SECONDS. */
static const char HTTPX_LOOP[] =
    "import sys, time, httpx\n"
    "url, seconds = sys.argv[1], float(sys.argv[2])\n"
    "with httpx.Client(trust_env=False) as client:\n"
    "    for _ in range(200):\n"
    "        assert client.get(url).content == b'ok'\n"
    "    count, start = 0, time.perf_counter()\n"
    "    while True:\n"
    "        client.get(url)\n"
    "        count += 1\n"
    "        if count % 100 == 0 and time.perf_counter() - start >= seconds:\n"
    "            break\n"
    "    print('rps:', count / (time.perf_counter() - start))\n";

static double httpx_requests_per_second(uint16_t port) {
    char script_path[600], command[1400];
    if (getcwd(script_path, sizeof script_path - sizeof WORK_DIR - 20) == NULL) return 0;
    strcat(script_path, "/");
    strcat(script_path, WORK_DIR);
    strcat(script_path, "/httpx_loop.py");
    FILE *script = fopen(script_path, "w");
    if (script == NULL) return 0;
    fputs(HTTPX_LOOP, script);
    fclose(script);
    snprintf(command, sizeof command, "%s %s http://127.0.0.1:%u/ %d 2>&1", PYTHON, script_path,
             port, BASELINE_SECONDS);
    return bench_run_and_parse(command, "rps:", false);
}

static bool httpx_installed(void) {
    char command[128];
    snprintf(command, sizeof command, "%s -c 'import httpx' >/dev/null 2>&1", PYTHON);
    return access(PYTHON, X_OK) == 0 && system(command) == 0;
}

static void report_real(void) {
    bool have_nginx = access(NGINX, X_OK) == 0;
    bool have_wrk = access(WRK, X_OK) == 0;
    bool have_httpx = httpx_installed();
    if (!have_nginx) {
        fprintf(stderr, "bench_client: nginx is not installed (make bench-deps): no client_rps\n");
        bench_report("client_rps", 0, "requests/s", "wrk (nginx not installed)", 0, "requests/s");
        bench_report("client_rps_vs_httpx", 0, "requests/s", "httpx (nginx not installed)", 0,
                     "requests/s");
        return;
    }
    uint16_t port = free_port();
    cpu_set_t original;
    bool restore = sched_getaffinity(0, sizeof original, &original) == 0;
    pid_t nginx = start_nginx(port);
    if (nginx < 0) exit(1);
    pin_to_cpu(1);
    double best = 0;
    for (int round = 0; round < ROUNDS; round++) {
        double rps = client_requests_per_second(port);
        if (rps > best) best = rps;
    }
    double wrk = have_wrk ? wrk_requests_per_second(port) : 0;
    double httpx = have_httpx ? httpx_requests_per_second(port) : 0;
    stop_child(nginx);
    if (restore) sched_setaffinity(0, sizeof original, &original);
    bench_report("client_rps", best, "requests/s", have_wrk ? "wrk" : "wrk (not installed)", wrk,
                 "requests/s");
    bench_report("client_rps_vs_httpx", best, "requests/s",
                 have_httpx ? "httpx" : "httpx (not installed)", httpx, "requests/s");
}

/* --- the simulated network: client vs raw requests --------------------------------------- */

static const char RAW_REQUEST[] = "GET / HTTP/1.1\r\nHost: server\r\n\r\n";
static const char RAW_TAIL[] = "\r\n\r\nok";

typedef struct sim_run {
    fl_net_t *net;
    fl_asgi_server_t *server;
    bool raw;
    long requests;
    long completed;
    double elapsed_seconds;
} sim_run_t;

static void raw_requests(fl_world_t *w, sim_run_t *run) {
    (void)w;
    fl_conn_t *conn;
    if (fl_net_connect(run->net, "server", 80, &conn) != FL_OK) return;
    double start = bench_now_seconds();
    for (long i = 0; i < run->requests; i++) {
        if (fl_conn_write(conn, RAW_REQUEST, sizeof RAW_REQUEST - 1) != FL_OK) break;
        if (bench_read_response(conn, RAW_TAIL) != FL_OK) break;
        run->completed++;
    }
    run->elapsed_seconds = bench_now_seconds() - start;
    fl_conn_close(conn);
}

static void client_requests(fl_world_t *w, sim_run_t *run) {
    fl_client_options_t options = {.net = run->net};
    fl_client_t *client = fl_client_create(w, &options, NULL, 0);
    if (client == NULL) return;
    double start = bench_now_seconds();
    for (long i = 0; i < run->requests; i++) {
        fl_response_t *response;
        if (fl_client_request(w, client, "GET", "http://server/", NULL, 0, &response) != NULL) break;
        if (response->status != 200 || response->body_length != 2) break;
        run->completed++;
    }
    run->elapsed_seconds = bench_now_seconds() - start;
    fl_client_close(w, client);
}

static fl_error_t *sim_task(fl_world_t *w, void *arg) {
    sim_run_t *run = arg;
    if (run->raw) raw_requests(w, run);
    else client_requests(w, run);
    fl_asgi_server_stop(run->server);
    return NULL;
}

static double sim_requests_per_second(bool raw, long requests) {
    fl_world_options_t options = {.seed = 1, .step_limit = UINT64_MAX / 2,
                                  .time_limit_ns = FL_SECONDS(1000000)};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    fl_simnet_options_t net_options = fl_simnet_options_default();
    net_options.segmentation = false;
    sim_run_t run = {.raw = raw, .requests = requests};
    run.net = fl_simnet_create(w, &net_options, NULL, NULL, 0);
    fl_scripted_step_t steps[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "ok"}};
    fl_scripted_spec_t spec = {.name = "ok", .steps = steps, .step_count = 1};
    fl_asgi_app_t *app = fl_scripted_handler_create(w, &spec, NULL, 0);
    run.server = app ? fl_asgi_server_create(w, run.net, app, NULL, NULL, 0) : NULL;
    if (run.server == NULL || fl_asgi_server_listen(run.server, "server", 80) != FL_OK) exit(1);
    fl_spawn(w, "client", sim_task, &run);
    fl_world_run(w); /* ends once the server's connection tasks see the close */
    fl_world_destroy(w);
    if (run.completed != requests) {
        fprintf(stderr, "bench_client: client_sim_rps (%s) completed %ld of %ld requests\n",
                raw ? "raw" : "client", run.completed, requests);
        exit(1);
    }
    return (double)requests / run.elapsed_seconds;
}

static void report_sim(void) {
    double client = 0, raw = 0;
    for (int round = 0; round < ROUNDS; round++) {
        double c = sim_requests_per_second(false, SIM_REQUESTS);
        if (c > client) client = c;
        double r = sim_requests_per_second(true, SIM_REQUESTS);
        if (r > raw) raw = r;
    }
    bench_report("client_sim_rps", client, "requests/s", "raw_client", raw, "requests/s");
}

int main(void) {
    report_real();
    report_sim();
    return 0;
}
