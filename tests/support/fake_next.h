/* A scripted innermost link for the middleware tests, standing in for the
 * client's transport: each call of the link plays the next scripted step
 * (wait a while in virtual time, or block until cancelled; then answer with
 * a response or return an error object as is) and records what it saw: the
 * virtual times it started and ended, request->attempt, and whether its
 * wait was cancelled. Calls past the script replay its last step.
 *
 * Also a chain link, to put one middleware in front of another link (the
 * client's onion, for tests that stack middleware without a client). */
#ifndef FL_TEST_FAKE_NEXT_H
#define FL_TEST_FAKE_NEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/middleware.h"

enum { FAKE_STEPS_MAX = 32, FAKE_CALLS_MAX = 64 };

typedef struct fake_step {
    int64_t delay_ns;        /* waits this long first; 0: answers at once */
    bool block_forever;      /* waits until cancelled (fl_sleep_forever) */
    fl_error_t *error;       /* returned as is, when not NULL */
    fl_response_t *response; /* returned otherwise */
} fake_step_t;

typedef struct fake_call {
    int64_t started_ns;
    int64_t ended_ns;
    uint32_t request_attempt; /* request->attempt when the call began */
    uint32_t task_id;
    bool cancelled;           /* its wait failed with Cancelled */
    fl_error_t *returned;     /* the error it returned, or NULL */
} fake_call_t;

typedef struct fake_next {
    fake_step_t steps[FAKE_STEPS_MAX];
    size_t step_count;
    fake_call_t calls[FAKE_CALLS_MAX];
    size_t call_count;
    size_t in_flight;
    size_t in_flight_max;
} fake_next_t;

/* Appends a step (aborts when the script is full). */
void fake_next_add(fake_next_t *fake, fake_step_t step);

/* The link that plays fake's script. */
fl_next_t fake_next_link(fake_next_t *fake);

typedef struct chain_link {
    fl_middleware_t *middleware;
    fl_next_t next;
} chain_link_t;

/* A link that calls middleware with next; link must outlive its use. */
fl_next_t chain_link(chain_link_t *link, fl_middleware_t *middleware, fl_next_t next);

#endif /* FL_TEST_FAKE_NEXT_H */
