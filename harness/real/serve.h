/* faultline serve FILE [--listen HOST:PORT] [--duration SECONDS]
 * [--log-level L] [--log-json] [--timeout-graceful-shutdown S]: the scenario's
 * server (routes, middleware, spec version) and its faults over real sockets
 * through libuv, in real time, for real clients (curl, a browser, an HTTP
 * client under test), in memory that stays flat (docs/SERVER.md). Faults:
 * the 'at' and 'bytes' triggers with reset, close, half-close, stall and
 * delay actions; a scenario with other faults is refused with a message.
 * Runs until SIGINT or SIGTERM (a graceful shutdown, serve_shutdown.h) or
 * for --duration seconds; logs as uvicorn does on err (serve_log.h). Exit 0
 * after a clean stop, 1 after a second signal, 2 on bad arguments or a bad
 * scenario. */
#ifndef FL_HARNESS_SERVE_H
#define FL_HARNESS_SERVE_H

#include <stdio.h>

int fl_cli_serve(int argc, char **argv, FILE *out, FILE *err);

#endif /* FL_HARNESS_SERVE_H */
