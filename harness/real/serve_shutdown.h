/* The serve command's graceful shutdown, as uvicorn's: SIGINT or SIGTERM
 * (libuv signal handles on the network's loop) stops accepting, closes idle
 * connections and lets the requests in progress finish, for at most the
 * graceful timeout; then the world stops. A second signal stops it at once.
 *
 * The signals alone (fl_shutdown_signals_t) serve a command that winds down
 * its own way (faultline proxy).
 */
#ifndef FL_HARNESS_SERVE_SHUTDOWN_H
#define FL_HARNESS_SERVE_SHUTDOWN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "harness/real/serve_log.h"
#include "sim/asgi/server.h"
#include "sim/runtime/condition.h"

/* SIGINT and SIGTERM on a world's loop: the first wakes the task waiting
 * in fl_shutdown_signals_wait; a second stops the world at once. */
typedef struct fl_shutdown_signals {
    fl_world_t *world;
    uv_signal_t interrupt;       /* SIGINT */
    uv_signal_t terminate;       /* SIGTERM */
    fl_condition_t *signalled;
    unsigned signals;            /* received so far */
    bool forced;                 /* a second signal: stopped at once */
} fl_shutdown_signals_t;

/* Installs the signal handles on the network's loop. The struct is the
 * caller's and must outlive the world (the network's teardown closes the
 * handles). */
void fl_shutdown_signals_watch(fl_shutdown_signals_t *signals, fl_world_t *world, fl_net_t *net);

/* From a task: waits for the first signal. Returns 0, or FL_ECANCELLED. */
int fl_shutdown_signals_wait(fl_shutdown_signals_t *signals);

typedef struct fl_serve_shutdown {
    fl_shutdown_signals_t signals;
    fl_asgi_server_t *server;
    const fl_serve_log_t *log;
    int64_t timeout_ns;          /* for the requests in progress */
    bool timed_out;              /* requests were still running at the timeout */
} fl_serve_shutdown_t;

/* Installs the signal handles on the network's loop and starts the task
 * that waits for them. The struct is the caller's and must outlive the
 * world (the network's teardown closes the handles). */
void fl_serve_shutdown_start(fl_serve_shutdown_t *shutdown, fl_world_t *world, fl_net_t *net,
                             fl_asgi_server_t *server, const fl_serve_log_t *log,
                             int64_t timeout_ns);

#endif /* FL_HARNESS_SERVE_SHUTDOWN_H */
