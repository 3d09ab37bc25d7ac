/* Graceful shutdown on a signal: see serve_shutdown.h. */
#include "harness/real/serve_shutdown.h"

#include <assert.h>
#include <signal.h>
#include <stdio.h>

#include "sim/net/uvnet.h"
#include "sim/runtime/cancel.h"
#include "sim/runtime/status.h"

/* From the loop, outside the world's tasks: the first signal wakes the
 * shutdown task; a second one (uvicorn's "CTRL+C to force quit") stops the
 * world where it is. */
static void on_signal(uv_signal_t *handle, int signum) {
    fl_shutdown_signals_t *signals = handle->data;
    assert(signals != NULL && (signum == SIGINT || signum == SIGTERM));
    (void)signum;
    signals->signals++;
    if (signals->signals == 1) {
        fl_condition_notify_all(signals->world, signals->signalled);
        return;
    }
    signals->forced = true;
    fl_world_stop(signals->world);
}

int fl_shutdown_signals_wait(fl_shutdown_signals_t *signals) {
    assert(signals != NULL && signals->signalled != NULL);
    while (signals->signals == 0) {
        int status = fl_condition_wait(signals->world, signals->signalled, "signal");
        if (status != FL_OK) return status;
    }
    return FL_OK;
}

static fl_error_t *shutdown_task(fl_world_t *w, void *arg) {
    fl_serve_shutdown_t *shutdown = arg;
    assert(shutdown != NULL && shutdown->signals.world == w);
    if (fl_shutdown_signals_wait(&shutdown->signals) != FL_OK) return NULL;
    fl_serve_log_line(shutdown->log, FL_SERVE_LOG_INFO, "Shutting down");
    fl_asgi_server_shutdown(shutdown->server);
    if (fl_asgi_server_open_connections(shutdown->server) > 0) {
        fl_serve_log_line(shutdown->log, FL_SERVE_LOG_INFO,
                          "Waiting for connections to close. (CTRL+C to force quit)");
        fl_cancel_scope_t limit;
        fl_scope_enter_move_on_after(w, &limit, shutdown->timeout_ns);
        int status = fl_asgi_server_wait_closed(shutdown->server);
        fl_scope_exit(w, &limit, status);
        shutdown->timed_out = limit.cancelled_caught;
        if (shutdown->timed_out) {
            char line[160];
            snprintf(line, sizeof line,
                     "Cancel %llu running connection(s), timeout graceful shutdown exceeded",
                     (unsigned long long)fl_asgi_server_open_connections(shutdown->server));
            fl_serve_log_line(shutdown->log, FL_SERVE_LOG_WARNING, line);
        }
    }
    fl_world_stop(w);
    return NULL;
}

static void watch(fl_shutdown_signals_t *signals, uv_loop_t *loop, uv_signal_t *handle,
                  int signum) {
    int rc = uv_signal_init(loop, handle);
    assert(rc == 0);
    handle->data = signals;
    rc = uv_signal_start(handle, on_signal, signum);
    assert(rc == 0 && "SIGINT and SIGTERM can be watched");
    (void)rc;
    uv_unref((uv_handle_t *)handle); /* a signal handle alone keeps no loop running */
}

void fl_shutdown_signals_watch(fl_shutdown_signals_t *signals, fl_world_t *world, fl_net_t *net) {
    assert(signals != NULL && world != NULL && net != NULL);
    *signals = (fl_shutdown_signals_t){.world = world};
    signals->signalled = fl_condition_create(world, "shutdown", "signal");
    uv_loop_t *loop = fl_uvnet_loop(net);
    watch(signals, loop, &signals->interrupt, SIGINT);
    watch(signals, loop, &signals->terminate, SIGTERM);
}

void fl_serve_shutdown_start(fl_serve_shutdown_t *shutdown, fl_world_t *world, fl_net_t *net,
                             fl_asgi_server_t *server, const fl_serve_log_t *log,
                             int64_t timeout_ns) {
    assert(shutdown != NULL && world != NULL && net != NULL && server != NULL && log != NULL);
    assert(timeout_ns >= 0);
    *shutdown = (fl_serve_shutdown_t){.server = server, .log = log, .timeout_ns = timeout_ns};
    fl_shutdown_signals_watch(&shutdown->signals, world, net);
    fl_spawn(world, "shutdown", shutdown_task, shutdown);
}
