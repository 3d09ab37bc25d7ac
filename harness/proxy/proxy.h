/* faultline proxy --listen HOST:PORT --upstream HOST:PORT [FAULTS.yaml]
 * [--admin HOST:PORT] [--log FILE] [--seed N] [--allow-remote]
 * [--duration SECONDS]: a TCP proxy for HTTP/1.1 over real sockets (the
 * libuv network) that forwards every byte unchanged, in both directions,
 * until a fault of the fault file fires (proxy_faults.h decides, the
 * tracker, http_tracker.h, says where the protocol's events end, and
 * proxy_actions.c carries each action out). One JSON line per connection
 * and per fault fired, and a summary at the end (proxy_log.h).
 *
 * Loopback only unless --allow-remote. Runs until SIGINT or SIGTERM (stop
 * accepting, let open connections finish for up to 5 s, then reset them)
 * or for --duration seconds. Exit 0 after a clean stop, 1 after a second
 * signal, 2 on bad arguments or a bad fault file. docs/PROXY.md.
 */
#ifndef FL_PROXY_H
#define FL_PROXY_H

#include <stdio.h>

int fl_cli_proxy(int argc, char **argv, FILE *out, FILE *err);

#endif /* FL_PROXY_H */
