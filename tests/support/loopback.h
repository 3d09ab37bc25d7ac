/* Real sockets on 127.0.0.1 for the tests that start a server in a child
 * process (faultline serve, the fetch command's peers). */
#ifndef FL_TESTS_SUPPORT_LOOPBACK_H
#define FL_TESTS_SUPPORT_LOOPBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A port that was free a moment ago (bound to 0, read back, closed).
 * Aborts when the machine has no loopback socket to give. */
uint16_t loopback_free_port(void);

/* Whether something accepts a TCP connection on 127.0.0.1:port now. */
bool loopback_accepts(uint16_t port);

/* Waits ms milliseconds of wall-clock time (for a child process to start
 * listening; never used to measure anything). */
void loopback_sleep_ms(long ms);

/* A socket listening on 127.0.0.1, backlog deep, on a port of the
 * kernel's choosing (in *port_out). Aborts when it cannot. */
int loopback_listen(int backlog, uint16_t *port_out);

/* Reads from fd into buffer (size bytes, kept NUL-terminated) until the
 * blank line that ends a request head. Returns how many bytes after it
 * (of the body) came with the head, or -1 when the connection ended, or
 * the buffer filled, before it. */
long loopback_read_head(int fd, char *buffer, size_t size);

/* A peer: a child process serving on a loopback port of its own. */
typedef struct loopback_peer {
    pid_t pid; /* 0: not running */
    uint16_t port;
} loopback_peer_t;

typedef void loopback_serve_fn(int listener, const void *arg);

/* Forks a peer that runs serve(listener, arg) on a fresh listener (backlog
 * 4), then exits; an alarm of alarm_seconds ends a peer that never does.
 * The parent keeps no copy of the listener. Aborts when it cannot. */
loopback_peer_t loopback_peer_start(loopback_serve_fn *serve, const void *arg,
                                    unsigned alarm_seconds);

/* Kills the peer and reaps it; nothing when it is not running. */
void loopback_peer_stop(loopback_peer_t *peer);

#endif /* FL_TESTS_SUPPORT_LOOPBACK_H */
