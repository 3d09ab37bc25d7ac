#include "tests/support/echo.h"

#include <stdlib.h>
#include <string.h>

#include "sim/runtime/runtime.h"

unsigned char echo_pattern(uint64_t seed, size_t i) {
    uint64_t x = seed ^ (i * 0x9e3779b97f4a7c15ULL);
    return (unsigned char)(fl_splitmix64(&x) >> 56);
}

void echo_init(echo_run_t *run, fl_world_t *world, fl_net_t *net, size_t payload_bytes,
               uint64_t pattern_seed) {
    memset(run, 0, sizeof *run);
    run->net = net;
    run->payload_bytes = payload_bytes;
    run->pattern_seed = pattern_seed;
    run->mismatch_at = SIZE_MAX;
    run->listening = fl_event_create(world, "listening");
}

fl_error_t *echo_server_task(fl_world_t *world, void *arg) {
    echo_run_t *run = arg;
    fl_listener_t *listener;
    int status = fl_net_listen(run->net, run->host, 0, &listener);
    if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "listen");
    run->port = fl_listener_port(listener);
    fl_event_set(world, run->listening);
    fl_conn_t *conn;
    status = fl_listener_accept(listener, &conn);
    fl_listener_close(listener);
    if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "accept");
    unsigned char buffer[8192];
    for (;;) {
        size_t n;
        status = fl_conn_read(conn, buffer, sizeof buffer, &n);
        if (status != FL_OK) break;
        run->server_reads++;
        run->server_bytes += n;
        status = fl_conn_write(conn, buffer, n);
        if (status != FL_OK) break;
    }
    run->server_status = status;
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *client_writer(fl_world_t *world, void *arg) {
    echo_run_t *run = arg;
    fl_conn_t *conn = run->client_conn;
    (void)world;
    size_t chunk = run->write_chunk ? run->write_chunk : 4096;
    unsigned char *buffer = malloc(chunk);
    int status = FL_OK;
    for (size_t offset = 0; offset < run->payload_bytes && status == FL_OK; offset += chunk) {
        size_t n = run->payload_bytes - offset < chunk ? run->payload_bytes - offset : chunk;
        for (size_t i = 0; i < n; i++) buffer[i] = echo_pattern(run->pattern_seed, offset + i);
        status = fl_conn_write(conn, buffer, n);
    }
    free(buffer);
    if (status == FL_OK) status = fl_conn_shutdown_write(conn);
    run->client_write_status = status;
    return NULL;
}

static fl_error_t *client_reader(fl_world_t *world, void *arg) {
    echo_run_t *run = arg;
    fl_conn_t *conn = run->client_conn;
    (void)world;
    unsigned char buffer[8192];
    int status;
    for (;;) {
        size_t n;
        status = fl_conn_read(conn, buffer, sizeof buffer, &n);
        if (status != FL_OK) break;
        for (size_t i = 0; i < n; i++) {
            size_t offset = run->client_received + i;
            if (run->mismatch_at == SIZE_MAX &&
                (offset >= run->payload_bytes || buffer[i] != echo_pattern(run->pattern_seed, offset)))
                run->mismatch_at = offset;
        }
        run->client_received += n;
    }
    run->client_read_status = status;
    return NULL;
}

fl_error_t *echo_client_task(fl_world_t *world, void *arg) {
    echo_run_t *run = arg;
    int status = fl_event_wait(world, run->listening);
    if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "wait");
    status = fl_net_connect(run->net, run->host, run->port, &run->client_conn);
    if (status != FL_OK) {
        run->client_write_status = run->client_read_status = status;
        return NULL;
    }
    fl_taskgroup_t *group = fl_taskgroup_open(world, "echo client");
    fl_taskgroup_spawn(group, "writer", client_writer, run);
    fl_taskgroup_spawn(group, "reader", client_reader, run);
    fl_error_t *error = fl_taskgroup_close(group, NULL);
    fl_conn_close(run->client_conn);
    return error;
}

bool echo_succeeded(const echo_run_t *run) {
    return run->server_status == FL_EEOF && run->client_write_status == FL_OK &&
           run->client_read_status == FL_EEOF && run->client_received == run->payload_bytes &&
           run->server_bytes == run->payload_bytes && run->mismatch_at == SIZE_MAX;
}
