/* Network benchmarks.
 *
 *   net_bulk   MB/s of a 64 MiB transfer over the simulated network (default
 *              options: segmentation on), against memcpy of the same 64 MiB
 *              between two buffers in the same chunks.
 *   net_conns  open, echo 1 KiB over, and close N connections in one world,
 *              for N = 1,000, 10,000 and 100,000: time and peak RSS per
 *              connection, each against the previous N. Ratios near 1 mean
 *              linear growth. Each N runs in its own child process, so each
 *              peak RSS is its own.
 *   uv_echo    (bench_uv.c) round trips over libuv loopback vs simulated.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/net/simnet.h"
#include "sim/runtime/runtime.h"

enum { BULK_BYTES = 64 * 1024 * 1024, CHUNK = 64 * 1024, ECHO_BYTES = 1024, CLIENTS = 100 };

static long peak_rss_kib(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

/* --- net_bulk ------------------------------------------------------------------ */

typedef struct bulk {
    fl_net_t *net;
    fl_conn_t *server_side;
    fl_event_t *accepted;
    size_t received;
} bulk_t;

static fl_error_t *bulk_receiver(fl_world_t *w, void *arg) {
    bulk_t *b = arg;
    fl_listener_t *listener;
    fl_net_listen(b->net, NULL, 80, &listener);
    fl_listener_accept(listener, &b->server_side);
    fl_event_set(w, b->accepted);
    unsigned char *buffer = malloc(CHUNK);
    size_t n;
    while (fl_conn_read(b->server_side, buffer, CHUNK, &n) == FL_OK) b->received += n;
    free(buffer);
    return NULL;
}

static fl_error_t *bulk_sender(fl_world_t *w, void *arg) {
    bulk_t *b = arg;
    fl_conn_t *conn;
    if (fl_net_connect(b->net, "server", 80, &conn) != FL_OK) return NULL;
    unsigned char *chunk = malloc(CHUNK);
    memset(chunk, 0x5a, CHUNK);
    for (size_t sent = 0; sent < BULK_BYTES; sent += CHUNK) fl_conn_write(conn, chunk, CHUNK);
    fl_conn_shutdown_write(conn);
    free(chunk);
    (void)w;
    return NULL;
}

static double bulk_seconds(void) {
    fl_world_options_t options = {.seed = 1};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    bulk_t b = {.net = fl_simnet_create(w, NULL, NULL, NULL, 0)};
    b.accepted = fl_event_create(w, "accepted");
    fl_spawn(w, "receiver", bulk_receiver, &b);
    fl_spawn(w, "sender", bulk_sender, &b);
    double start = bench_now_seconds();
    fl_world_run(w);
    double elapsed = bench_now_seconds() - start;
    if (b.received != BULK_BYTES) {
        fprintf(stderr, "bench: bulk received %zu of %d bytes\n", b.received, BULK_BYTES);
        exit(1);
    }
    fl_world_destroy(w);
    return elapsed;
}

/* The baseline copies the same 64 MiB from one buffer into another, in the
 * same chunks. (Copying 64 KiB again and again between two fixed buffers is
 * no fair floor: two malloc'd blocks a page-multiple apart alias in the
 * cache and copy at a third of the speed.) */
static double memcpy_seconds(void) {
    static unsigned char *source, *target;
    if (source == NULL) {
        source = malloc(BULK_BYTES);
        target = malloc(BULK_BYTES);
        if (source == NULL || target == NULL) exit(1);
        memset(source, 0x5a, BULK_BYTES);
        memset(target, 0, BULK_BYTES);
    }
    double start = bench_now_seconds();
    for (size_t copied = 0; copied < BULK_BYTES; copied += CHUNK) {
        memcpy(target + copied, source + copied, CHUNK);
        __asm__ volatile("" : : "r"(target) : "memory");
    }
    return bench_now_seconds() - start;
}

static void bench_bulk(void) {
    double best = 1e9, best_copy = 1e9;
    for (int round = 0; round < 5; round++) {
        double s = bulk_seconds();
        if (s < best) best = s;
        double c = memcpy_seconds();
        if (c < best_copy) best_copy = c;
    }
    double mb = BULK_BYTES / 1e6;
    bench_report("net_bulk", mb / best, "MB/s", "memcpy", mb / best_copy, "MB/s");
}

/* --- net_conns ------------------------------------------------------------------ */

typedef struct conns {
    fl_net_t *net;
    fl_event_t *listening;
    long per_client;
    long completed;
} conns_t;

static fl_error_t *echo_handler(fl_world_t *w, void *arg) {
    fl_conn_t *conn = arg;
    unsigned char buffer[ECHO_BYTES];
    size_t n;
    while (fl_conn_read(conn, buffer, sizeof buffer, &n) == FL_OK)
        if (fl_conn_write(conn, buffer, n) != FL_OK) break;
    fl_conn_close(conn);
    (void)w;
    return NULL;
}

static fl_error_t *acceptor(fl_world_t *w, void *arg) {
    conns_t *c = arg;
    fl_listener_t *listener;
    fl_net_listen(c->net, NULL, 80, &listener);
    fl_event_set(w, c->listening);
    for (long i = 0; i < c->per_client * CLIENTS; i++) {
        fl_conn_t *conn;
        if (fl_listener_accept(listener, &conn) != FL_OK) break;
        fl_spawn(w, "handler", echo_handler, conn);
    }
    fl_listener_close(listener);
    return NULL;
}

static fl_error_t *echo_client(fl_world_t *w, void *arg) {
    conns_t *c = arg;
    fl_event_wait(w, c->listening);
    unsigned char payload[ECHO_BYTES], back[ECHO_BYTES];
    memset(payload, 'e', sizeof payload);
    for (long i = 0; i < c->per_client; i++) {
        fl_conn_t *conn;
        if (fl_net_connect(c->net, "server", 80, &conn) != FL_OK) continue;
        fl_conn_write(conn, payload, sizeof payload);
        fl_conn_shutdown_write(conn);
        size_t got = 0, n;
        while (fl_conn_read(conn, back + got, sizeof back - got, &n) == FL_OK && got + n <= sizeof back)
            got += n;
        fl_conn_close(conn);
        if (got == sizeof back) c->completed++;
    }
    return NULL;
}

/* In a child process: prints "<seconds> <rss KiB growth>" for n connections. */
static void conns_child(long n, int fd) {
    long rss_before = peak_rss_kib();
    fl_world_options_t options = {.seed = 1, .step_limit = UINT64_MAX / 2,
                                  .time_limit_ns = FL_SECONDS(1000000)};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    fl_simnet_options_t net_options = fl_simnet_options_default();
    conns_t c = {.net = fl_simnet_create(w, &net_options, NULL, NULL, 0), .per_client = n / CLIENTS};
    c.listening = fl_event_create(w, "listening");
    fl_spawn(w, "acceptor", acceptor, &c);
    for (int i = 0; i < CLIENTS; i++) fl_spawn(w, "client", echo_client, &c);
    double start = bench_now_seconds();
    fl_run_outcome_t outcome = fl_world_run(w);
    double elapsed = bench_now_seconds() - start;
    long rss_after = peak_rss_kib();
    if (outcome != FL_RUN_COMPLETED || c.completed != n) {
        fprintf(stderr, "bench: net_conns %ld: %s, %ld completed\n", n,
                fl_run_outcome_name(outcome), c.completed);
        _exit(1);
    }
    dprintf(fd, "%.9f %ld\n", elapsed, rss_after - rss_before);
    fl_world_destroy(w);
    _exit(0);
}

static int conns_measure(long n, double *seconds, long *rss_kib) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        conns_child(n, fds[1]);
    }
    close(fds[1]);
    char line[128] = {0};
    ssize_t got = read(fds[0], line, sizeof line - 1);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return sscanf(line, "%lf %ld", seconds, rss_kib) == 2 ? 0 : -1;
}

static void bench_conns(void) {
    long sizes[] = {1000, 10000, 100000};
    double per_conn_us[3];
    double per_conn_bytes[3];
    for (int i = 0; i < 3; i++) {
        double seconds;
        long rss;
        if (conns_measure(sizes[i], &seconds, &rss) != 0) {
            fprintf(stderr, "bench: net_conns %ld failed\n", sizes[i]);
            exit(1);
        }
        per_conn_us[i] = seconds * 1e6 / (double)sizes[i];
        per_conn_bytes[i] = (double)rss * 1024.0 / (double)sizes[i];
        printf("net_conns_%ld: %.3f s total, peak RSS +%.1f MiB\n", sizes[i], seconds,
               (double)rss / 1024.0);
    }
    char figure[64], baseline[64];
    for (int i = 1; i < 3; i++) {
        snprintf(figure, sizeof figure, "net_conns_time_%ld", sizes[i]);
        snprintf(baseline, sizeof baseline, "net_conns_time_%ld", sizes[i - 1]);
        bench_report(figure, per_conn_us[i], "us/conn", baseline, per_conn_us[i - 1], "us/conn");
    }
    for (int i = 1; i < 3; i++) {
        snprintf(figure, sizeof figure, "net_conns_rss_%ld", sizes[i]);
        snprintf(baseline, sizeof baseline, "net_conns_rss_%ld", sizes[i - 1]);
        bench_report(figure, per_conn_bytes[i], "bytes/conn", baseline, per_conn_bytes[i - 1],
                     "bytes/conn");
    }
}

int main(void) {
    bench_bulk();
    bench_conns();
    return 0;
}
