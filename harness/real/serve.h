/* faultline serve FILE [--listen HOST:PORT] [--duration SECONDS]: the
 * scenario's server (routes, middleware, spec version) and its faults over
 * real sockets through libuv, in real time, for real clients (curl, a
 * browser, an HTTP client under test). Faults: the 'at' and 'bytes' triggers
 * with reset, close, half-close, stall and delay actions; a scenario with
 * other faults is refused with a message. Runs until interrupted, or for
 * --duration seconds. Exit 0 after a clean stop, 2 on bad arguments or a
 * bad scenario. */
#ifndef FL_HARNESS_SERVE_H
#define FL_HARNESS_SERVE_H

#include <stdio.h>

int fl_cli_serve(int argc, char **argv, FILE *out, FILE *err);

#endif /* FL_HARNESS_SERVE_H */
