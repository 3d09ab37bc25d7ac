/* Bulkhead: httpware's concurrency limiter, over a runtime semaphore.
 *
 * At most max_concurrent calls run next at once. A call first takes a slot,
 * waiting at most acquire_timeout (FIFO among waiters); when none comes in
 * time it fails with a BulkheadFull error, message "bulkhead full: N calls
 * in flight" (N: the calls holding a slot at that instant), without calling
 * next. Cancelled while waiting gives Cancelled, not BulkheadFull. The slot
 * is given back however next ends: a response, an error, or Cancelled (in C
 * every exit of next is a return, so the one release after it covers them
 * all; the tests check each).
 *
 * The bulkhead is the shareable unit, as in httpware: pass the same
 * middleware to several clients of one world for a joint cap. It lives in
 * the world's arena.
 */
#ifndef FL_CLIENT_BULKHEAD_H
#define FL_CLIENT_BULKHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "client/middleware.h"

#define FL_BULKHEAD_CONCURRENT_MAX 1000000u

typedef struct fl_bulkhead_options {
    size_t max_concurrent;      /* required: 1..1000000 (no default, as httpware) */
    int64_t acquire_timeout_ns; /* default 1 s; 0: fail fast; FL_TIME_NEVER: wait forever */
    const char *name;           /* the semaphore's name in hang reports; NULL: "bulkhead" */
} fl_bulkhead_options_t;

/* max_concurrent 0 (must be set), acquire timeout 1 s, no name. */
fl_bulkhead_options_t fl_bulkhead_options_default(void);

/* Creates the middleware in the world's arena. Returns NULL and writes a
 * message into error (if not NULL, capacity error_size) for invalid options
 * (options NULL is invalid: max_concurrent has no default). */
fl_middleware_t *fl_bulkhead_create(fl_world_t *world, const fl_bulkhead_options_t *options,
                                    char *error, size_t error_size);

typedef struct fl_bulkhead_stats {
    size_t in_flight;      /* calls holding a slot now */
    size_t in_flight_max;  /* the most at any instant */
    size_t slots_free;     /* the semaphore's value now */
    uint64_t admitted;     /* calls that got a slot */
    uint64_t released;     /* slots given back */
    uint64_t rejected;     /* BulkheadFull errors */
    uint64_t cancelled_waiting; /* Cancelled while waiting for a slot */
} fl_bulkhead_stats_t;

/* The counters of a middleware made by fl_bulkhead_create. */
fl_bulkhead_stats_t fl_bulkhead_stats(const fl_middleware_t *bulkhead);

#endif /* FL_CLIENT_BULKHEAD_H */
