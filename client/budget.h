/* RetryBudget: a Finagle-style bound on the share of calls that may retry,
 * as httpware's RetryBudget, over the world's virtual clock.
 *
 * Each CALL deposits once (fl_retry_budget_deposit, done by retry.c when a
 * call enters the Retry middleware, not per attempt); each retry must
 * withdraw one token first (fl_retry_budget_try_withdraw). Both are counted
 * in a sliding window of ttl of virtual time: an event made at instant t
 * counts while now - ttl <= t, that is up to and including t + ttl, and no
 * longer from t + ttl + 1 ns (httpware's purge keeps entries at exactly
 * now - ttl).
 *
 * The exact arithmetic, all in integers (no floating point):
 *
 *   reserve  = floor(min_retries_per_second * ttl_ns / 10^9)
 *   earned   = ceil(deposits * percent_can_retry / 100)
 *            = (deposits * percent_can_retry + 99) / 100
 *   ceiling  = earned + reserve
 *   try_withdraw succeeds, and records a withdrawal now, iff
 *            withdrawals < ceiling
 *   available = ceiling - withdrawals, or 0 when withdrawals >= ceiling
 *
 * where deposits and withdrawals are the counts inside the window at the
 * instant of the call. With the defaults (ttl 10 s, 10 retries/s, 20 %):
 * reserve = 100, and 6 deposits earn ceil(1.2) = 2 more tokens.
 *
 * Memory is bounded: each window is a ring of at most instants_max
 * (instant, count) runs, events at the same instant sharing one run. The
 * counts are exact while a window holds at most instants_max distinct
 * instants; past that, the two oldest runs are merged into the later one's
 * instant, so the older run's events stay counted until that later instant
 * expires (they outlive ttl by the gap between the two instants: a budget
 * that errs on the side of allowing too many tokens for a moment, never of
 * losing events). The budget lives in the world's arena.
 */
#ifndef FL_CLIENT_BUDGET_H
#define FL_CLIENT_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/runtime/world.h"

typedef struct fl_retry_budget fl_retry_budget_t;

/* Bounds on the options (create refuses values outside them). */
#define FL_RETRY_BUDGET_TTL_MAX_NS FL_SECONDS(3600)
#define FL_RETRY_BUDGET_MIN_RETRIES_PER_SECOND_MAX 1000000u
#define FL_RETRY_BUDGET_PERCENT_MAX 1000u /* Finagle allows up to 1000 % */
#define FL_RETRY_BUDGET_INSTANTS_MAX 1000000u

typedef struct fl_retry_budget_options {
    int64_t ttl_ns;                  /* window length: > 0, <= 1 hour; default 10 s */
    uint32_t min_retries_per_second; /* the reserve's rate; default 10 */
    uint32_t percent_can_retry;      /* in percent (20 = 20 %), <= 1000; default 20 */
    size_t instants_max;             /* runs per window ring, >= 2; default 1024 */
} fl_retry_budget_options_t;

/* httpware's defaults: ttl 10 s, 10 retries/s, 20 %; 1024 instants. */
fl_retry_budget_options_t fl_retry_budget_options_default(void);

/* Creates a budget in the world's arena (options NULL: the defaults).
 * Returns NULL and writes a message into error (if not NULL, capacity
 * error_size) when an option is outside its bounds. */
fl_retry_budget_t *fl_retry_budget_create(fl_world_t *world,
                                          const fl_retry_budget_options_t *options,
                                          char *error, size_t error_size);

/* Records one call at the current virtual time. */
void fl_retry_budget_deposit(fl_world_t *world, fl_retry_budget_t *budget);

/* Spends one token for a retry if the budget allows one now (see the
 * arithmetic above); returns false, recording nothing, when it does not. */
bool fl_retry_budget_try_withdraw(fl_world_t *world, fl_retry_budget_t *budget);

/* Tokens a retry could withdraw now (ceiling - withdrawals, or 0). */
uint64_t fl_retry_budget_available(fl_world_t *world, fl_retry_budget_t *budget);

typedef struct fl_retry_budget_stats {
    uint64_t deposits_in_window;     /* as of the call's instant */
    uint64_t withdrawals_in_window;
    uint64_t available;              /* as fl_retry_budget_available */
    uint64_t reserve;                /* floor(min_retries_per_second * ttl) */
    uint64_t deposits_total;         /* since creation */
    uint64_t withdrawals_total;
    uint64_t refusals_total;         /* try_withdraw that returned false */
} fl_retry_budget_stats_t;

/* The counts as of now (expired events are dropped first). */
fl_retry_budget_stats_t fl_retry_budget_stats(fl_world_t *world, fl_retry_budget_t *budget);

/* The options the budget was created with. */
fl_retry_budget_options_t fl_retry_budget_options(const fl_retry_budget_t *budget);

#endif /* FL_CLIENT_BUDGET_H */
