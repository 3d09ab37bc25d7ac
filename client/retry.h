/* Retry: httpware's retry middleware (0.5.0), over virtual time.
 *
 * A call runs next up to max_attempts times. Before the first attempt it
 * deposits once into the budget, if there is one (per call, not per
 * attempt). After each failed attempt the checks run in exactly this order
 * (DESIGN.md section 6):
 *
 *   1. not retryable: the error is returned as is (the same object, no
 *      note). Retryable means: the method is in retry_methods (compared
 *      ignoring case) AND the error is a NetworkError or TimeoutError kind,
 *      or a StatusError kind whose status is in retry_statuses. Everything
 *      else is not: a bare TransportError, ProtocolError, InvalidURL,
 *      UnsupportedProtocol, DecodingError, other ClientErrors, the caller's
 *      own errors, and Cancelled, which is never retried and never touched.
 *   2. streamed body (request->streaming_body, with refuse_streamed_body):
 *      the note FL_RETRY_NOTE_STREAMED_BODY is added (PEP 678) and the error
 *      returned, before the budget is consulted: no token is spent.
 *   3. last attempt (the attempt number equals max_attempts): the note
 *      "faultline: gave up after N attempts" ("1 attempt" for N = 1) is
 *      added and the error returned.
 *   4. budget refuses (fl_retry_budget_try_withdraw false): a
 *      RetryBudgetExhausted error is returned, message "retry budget
 *      exhausted after N attempts" (likewise "1 attempt"), cause = the
 *      last error, http_status and payload (the response) copied from it
 *      when it was a StatusError.
 *   5. otherwise: sleep the delay (fl_sleep, virtual time), increment
 *      request->attempt, and try again. Cancelled during the sleep ends the
 *      call with Cancelled at once.
 *
 * The delay after failed attempt n (1-based):
 *   - a StatusError whose response (payload) has a Retry-After header that
 *     parses, with respect_retry_after: that delay, capped at max_delay; no
 *     random number is drawn;
 *   - else full jitter: cap = min(max_delay, base_delay * 2^(n-1)) and the
 *     delay is fl_prng_below(client stream, cap + 1) nanoseconds: uniform over
 *     the integers of [0, cap], one draw from fl_world_prng(world,
 *     FL_PRNG_CLIENT) per backoff.
 *
 * Retry-After (RFC 9110 section 10.2.3) is either delta-seconds (digits,
 * optionally signed; negative values count as 0, as httpware's int() parse
 * and clamp) or an HTTP-date in any of the three forms (IMF-fixdate "Thu, 01
 * Jan 2026 00:00:05 GMT", RFC 850 "Thursday, 01-Jan-26 00:00:05 GMT" with a
 * two-digit year read as Python's email.utils does (69-99: 19yy, else
 * 20yy), asctime "Thu Jan  1 00:00:05 2026"); a trailing zone may be GMT,
 * UTC, UT, Z or a numeric +hhmm/-hhmm offset. A date is relative to the
 * virtual clock: virtual time 0 is FL_RETRY_VIRTUAL_EPOCH_UNIX_S,
 * 2026-01-01T00:00:00Z, so the delay is date - (epoch + now), at least 0.
 * Anything else is ignored and the jitter applies.
 *
 * With refuse_streamed_body false (the httpware < 0.5.0 behaviour, for the
 * buggy variant of story 1), a streamed-body request is retried like any
 * other: the transport then re-sends a stream that is already consumed.
 *
 * The middleware and its copies of the options live in the world's arena;
 * it borrows the budget, which must belong to the same world.
 */
#ifndef FL_CLIENT_RETRY_H
#define FL_CLIENT_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/budget.h"
#include "client/middleware.h"

#define FL_RETRY_NOTE_STREAMED_BODY \
    "faultline: not retrying — request body is a stream that cannot replay across attempts"
/* The give-up note is "faultline: gave up after N attempts" ("after 1
 * attempt" when N is 1). */
#define FL_RETRY_NOTE_GAVE_UP_PREFIX "faultline: gave up after "

/* Virtual time 0 as Unix time: 2026-01-01T00:00:00Z. */
#define FL_RETRY_VIRTUAL_EPOCH_UNIX_S INT64_C(1767225600)

/* Bounds on the options (create refuses values outside them). */
#define FL_RETRY_ATTEMPTS_MAX 100u
#define FL_RETRY_DELAY_MAX_NS FL_SECONDS(86400)
#define FL_RETRY_STATUSES_MAX 32u
#define FL_RETRY_METHODS_MAX 16u
#define FL_RETRY_METHOD_LENGTH_MAX 32u

typedef struct fl_retry_options {
    uint32_t max_attempts;            /* 1..100; default 3 */
    int64_t base_delay_ns;            /* >= 0; default 100 ms */
    int64_t max_delay_ns;             /* 0..1 day; default 5 s */
    const int *retry_statuses;        /* NULL: 408 429 502 503 504 */
    size_t retry_status_count;        /* at most 32, each 100..599 */
    const char *const *retry_methods; /* NULL: GET HEAD OPTIONS PUT DELETE TRACE */
    size_t retry_method_count;        /* at most 16, each 1..32 characters */
    bool respect_retry_after;         /* default true */
    bool refuse_streamed_body;        /* default true; false reproduces the bug */
    fl_retry_budget_t *budget;        /* NULL: no budget, retries are not rationed */
} fl_retry_options_t;

/* httpware's defaults (see the fields), no budget. */
fl_retry_options_t fl_retry_options_default(void);

/* Creates the middleware in the world's arena (options NULL: the
 * defaults); the status and method lists are copied. Returns NULL and
 * writes a message into error (if not NULL, capacity error_size) when an
 * option is outside its bounds. */
fl_middleware_t *fl_retry_create(fl_world_t *world, const fl_retry_options_t *options,
                                 char *error, size_t error_size);

typedef struct fl_retry_stats {
    uint64_t calls;                  /* calls that entered the middleware */
    uint64_t attempts;               /* calls of next */
    uint64_t retries;                /* backoffs slept before another attempt */
    uint64_t streamed_body_refusals; /* check 2 refused */
    uint64_t streamed_body_retries;  /* retries of streamed bodies (refusal off) */
    uint64_t gave_up;                /* check 3 ended a call */
    uint64_t budget_exhausted;       /* check 4 ended a call */
    int64_t backoff_total_ns;        /* sum of the delays slept */
    int64_t last_delay_ns;           /* the latest delay chosen, or -1 */
} fl_retry_stats_t;

/* The counters of a middleware made by fl_retry_create. */
fl_retry_stats_t fl_retry_stats(const fl_middleware_t *retry);

/* Parses a Retry-After value as described above, relative to virtual time
 * now_ns. Returns true and the delay (>= 0, not capped) on success, false
 * when the value is neither delta-seconds nor an HTTP-date. Huge values
 * saturate at FL_RETRY_DELAY_MAX_NS. */
bool fl_retry_after_parse(const char *value, int64_t now_ns, int64_t *delay_ns_out);

/* Whether the retry middleware would consider this error retryable for
 * this method under these options (check 1 alone). */
bool fl_retry_is_retryable(const fl_middleware_t *retry, const char *method,
                           const fl_error_t *error);

#endif /* FL_CLIENT_RETRY_H */
