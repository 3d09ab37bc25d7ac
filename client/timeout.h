/* Timeout: an overall deadline per call, as httpware's Timeout middleware.
 *
 * next runs inside a fail_after cancel scope of timeout (virtual time), so
 * the deadline bounds everything next does: placed outside Retry it covers
 * every attempt and every backoff sleep. When the deadline fires, the
 * checkpoint next is blocked in fails with Cancelled; when next returns it,
 * the call ends with a TimeoutError (kind FL_ERR_TIMEOUT_ERROR, the base of
 * ConnectTimeout and the rest, as httpware raises its own TimeoutError),
 * message "request timed out after X s", whose cause is the scope's
 * DeadlineExceeded, itself caused by the Cancelled.
 *
 * Everything else passes through unchanged, the same object: a response, an
 * inner error (a ReadTimeout from the transport stays a ReadTimeout), and a
 * Cancelled that comes from outside (an enclosing scope or the task being
 * cancelled), even when the deadline fired too (Trio's rule: the outer
 * cancellation wins). The middleware lives in the world's arena.
 */
#ifndef FL_CLIENT_TIMEOUT_H
#define FL_CLIENT_TIMEOUT_H

#include <stddef.h>
#include <stdint.h>

#include "client/middleware.h"

typedef struct fl_timeout_options {
    int64_t timeout_ns; /* required: > 0 (no default, as httpware) */
} fl_timeout_options_t;

/* Creates the middleware in the world's arena. Returns NULL and writes a
 * message into error (if not NULL, capacity error_size) when options is NULL
 * or the timeout is not > 0. */
fl_middleware_t *fl_timeout_create(fl_world_t *world, const fl_timeout_options_t *options,
                                   char *error, size_t error_size);

typedef struct fl_timeout_stats {
    uint64_t calls;
    uint64_t expired; /* calls that ended with this middleware's TimeoutError */
} fl_timeout_stats_t;

/* The counters of a middleware made by fl_timeout_create. */
fl_timeout_stats_t fl_timeout_stats(const fl_middleware_t *timeout);

#endif /* FL_CLIENT_TIMEOUT_H */
