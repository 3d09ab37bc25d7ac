/* Real sockets on 127.0.0.1 for the tests that start a server in a child
 * process (faultline serve, the fetch command's peers). */
#ifndef FL_TESTS_SUPPORT_LOOPBACK_H
#define FL_TESTS_SUPPORT_LOOPBACK_H

#include <stdbool.h>
#include <stdint.h>

/* A port that was free a moment ago (bound to 0, read back, closed).
 * Aborts when the machine has no loopback socket to give. */
uint16_t loopback_free_port(void);

/* Whether something accepts a TCP connection on 127.0.0.1:port now. */
bool loopback_accepts(uint16_t port);

/* Waits ms milliseconds of wall-clock time (for a child process to start
 * listening; never used to measure anything). */
void loopback_sleep_ms(long ms);

#endif /* FL_TESTS_SUPPORT_LOOPBACK_H */
