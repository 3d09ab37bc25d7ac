/* RetryBudget: see budget.h for the semantics and the exact arithmetic. */
#include "client/budget.h"
#include "client/error_kinds.h"

#include <assert.h>
#include <stdio.h>

/* One instant of a window and how many events happened at it. */
typedef struct budget_run {
    int64_t at_ns;
    uint64_t count;
} budget_run_t;

/* A ring of runs, oldest at head; total is the sum of their counts. */
typedef struct budget_window {
    budget_run_t *runs;
    size_t capacity;
    size_t head;
    size_t length;
    uint64_t total;
} budget_window_t;

struct fl_retry_budget {
    fl_world_t *world;
    fl_retry_budget_options_t options;
    uint64_t reserve;
    budget_window_t deposits;
    budget_window_t withdrawals;
    uint64_t deposits_total;
    uint64_t withdrawals_total;
    uint64_t refusals_total;
};

fl_retry_budget_options_t fl_retry_budget_options_default(void) {
    return (fl_retry_budget_options_t){
        .ttl_ns = FL_SECONDS(10),
        .min_retries_per_second = 10,
        .percent_can_retry = 20,
        .instants_max = 1024,
    };
}

static bool refuse(char *error, size_t error_size, const char *message) {
    if (error != NULL && error_size > 0) snprintf(error, error_size, "retry budget: %s", message);
    return false;
}

static bool options_valid(const fl_retry_budget_options_t *options, char *error,
                          size_t error_size) {
    if (options->ttl_ns <= 0 || options->ttl_ns > FL_RETRY_BUDGET_TTL_MAX_NS)
        return refuse(error, error_size, "ttl must be > 0 and at most 1 hour");
    if (options->min_retries_per_second > FL_RETRY_BUDGET_MIN_RETRIES_PER_SECOND_MAX)
        return refuse(error, error_size, "min_retries_per_second must be at most 1000000");
    if (options->percent_can_retry > FL_RETRY_BUDGET_PERCENT_MAX)
        return refuse(error, error_size, "percent_can_retry must be at most 1000");
    if (options->instants_max < 2 || options->instants_max > FL_RETRY_BUDGET_INSTANTS_MAX)
        return refuse(error, error_size, "instants_max must be between 2 and 1000000");
    return true;
}

static void window_init(fl_arena_t *arena, budget_window_t *window, size_t capacity) {
    window->runs = fl_arena_zalloc(arena, sizeof *window->runs * capacity);
    window->capacity = capacity;
    window->head = 0;
    window->length = 0;
    window->total = 0;
}

static budget_run_t *window_at(budget_window_t *window, size_t index) {
    assert(index < window->length);
    return &window->runs[(window->head + index) % window->capacity];
}

/* Drops the runs older than now - ttl (an instant exactly at now - ttl
 * still counts). Each run is dropped once, so the loop is bounded by the
 * ring's capacity. */
static void window_purge(budget_window_t *window, int64_t now_ns, int64_t ttl_ns) {
    int64_t cutoff_ns = now_ns - ttl_ns;
    while (window->length > 0 && window_at(window, 0)->at_ns < cutoff_ns) {
        budget_run_t *oldest = window_at(window, 0);
        assert(window->total >= oldest->count);
        window->total -= oldest->count;
        window->head = (window->head + 1) % window->capacity;
        window->length--;
    }
}

static void window_add(budget_window_t *window, int64_t now_ns) {
    if (window->length > 0) {
        budget_run_t *newest = window_at(window, window->length - 1);
        assert(newest->at_ns <= now_ns); /* virtual time never goes back */
        if (newest->at_ns == now_ns) {
            newest->count++;
            window->total++;
            return;
        }
    }
    if (window->length == window->capacity) {
        /* Full: fold the oldest run into the next one (see budget.h). */
        budget_run_t *oldest = window_at(window, 0);
        window_at(window, 1)->count += oldest->count;
        window->head = (window->head + 1) % window->capacity;
        window->length--;
    }
    size_t slot = (window->head + window->length) % window->capacity;
    window->runs[slot] = (budget_run_t){.at_ns = now_ns, .count = 1};
    window->length++;
    window->total++;
}

fl_retry_budget_t *fl_retry_budget_create(fl_world_t *world,
                                          const fl_retry_budget_options_t *options,
                                          char *error, size_t error_size) {
    fl_client_error_kinds_add();
    assert(world != NULL);
    fl_retry_budget_options_t chosen =
        options != NULL ? *options : fl_retry_budget_options_default();
    if (!options_valid(&chosen, error, error_size)) return NULL;
    fl_arena_t *arena = fl_world_arena(world);
    fl_retry_budget_t *budget = fl_arena_zalloc(arena, sizeof *budget);
    budget->world = world;
    budget->options = chosen;
    /* Bounded by the validation: 10^6 per second * 3.6 * 10^12 ns < 2^64. */
    budget->reserve = (uint64_t)chosen.min_retries_per_second * (uint64_t)chosen.ttl_ns /
                      (uint64_t)FL_SECONDS(1);
    window_init(arena, &budget->deposits, chosen.instants_max);
    window_init(arena, &budget->withdrawals, chosen.instants_max);
    return budget;
}

static void purge(fl_world_t *world, fl_retry_budget_t *budget) {
    assert(budget->world == world);
    int64_t now_ns = fl_now(world);
    window_purge(&budget->deposits, now_ns, budget->options.ttl_ns);
    window_purge(&budget->withdrawals, now_ns, budget->options.ttl_ns);
}

static uint64_t ceiling(const fl_retry_budget_t *budget) {
    uint64_t percent = budget->options.percent_can_retry;
    uint64_t earned = (budget->deposits.total * percent + 99) / 100;
    return earned + budget->reserve;
}

void fl_retry_budget_deposit(fl_world_t *world, fl_retry_budget_t *budget) {
    purge(world, budget);
    window_add(&budget->deposits, fl_now(world));
    budget->deposits_total++;
}

bool fl_retry_budget_try_withdraw(fl_world_t *world, fl_retry_budget_t *budget) {
    purge(world, budget);
    if (budget->withdrawals.total >= ceiling(budget)) {
        budget->refusals_total++;
        return false;
    }
    window_add(&budget->withdrawals, fl_now(world));
    budget->withdrawals_total++;
    return true;
}

uint64_t fl_retry_budget_available(fl_world_t *world, fl_retry_budget_t *budget) {
    purge(world, budget);
    uint64_t limit = ceiling(budget);
    return budget->withdrawals.total >= limit ? 0 : limit - budget->withdrawals.total;
}

fl_retry_budget_stats_t fl_retry_budget_stats(fl_world_t *world, fl_retry_budget_t *budget) {
    uint64_t available = fl_retry_budget_available(world, budget);
    return (fl_retry_budget_stats_t){
        .deposits_in_window = budget->deposits.total,
        .withdrawals_in_window = budget->withdrawals.total,
        .available = available,
        .reserve = budget->reserve,
        .deposits_total = budget->deposits_total,
        .withdrawals_total = budget->withdrawals_total,
        .refusals_total = budget->refusals_total,
    };
}

fl_retry_budget_options_t fl_retry_budget_options(const fl_retry_budget_t *budget) {
    return budget->options;
}
