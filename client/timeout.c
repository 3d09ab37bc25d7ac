/* Timeout: see timeout.h. */
#include "client/timeout.h"
#include "client/error_kinds.h"

#include <assert.h>
#include <stdio.h>

#include "sim/runtime/cancel.h"

typedef struct timeout {
    fl_middleware_t base; /* first: handle() gets a pointer to it */
    int64_t timeout_ns;
    const char *seconds_text; /* the timeout as "2.5", for the message */
    fl_timeout_stats_t stats;
} timeout_t;

/* Seconds with up to nine decimals, trailing zeros dropped: "2", "2.5",
 * "0.001". Integer arithmetic only, so the text never depends on rounding. */
static const char *seconds_text(fl_arena_t *arena, int64_t duration_ns) {
    int64_t whole = duration_ns / FL_SECONDS(1);
    int64_t fraction = duration_ns % FL_SECONDS(1);
    if (fraction == 0) return fl_arena_printf(arena, "%lld", (long long)whole);
    int digits = 9;
    while (fraction % 10 == 0) {
        fraction /= 10;
        digits--;
    }
    return fl_arena_printf(arena, "%lld.%0*lld", (long long)whole, digits, (long long)fraction);
}

static timeout_t *timeout_from(const fl_middleware_t *middleware);

static fl_error_t *timeout_handle(fl_middleware_t *self, fl_world_t *world, fl_request_t *request,
                                  fl_next_t next, fl_response_t **response_out) {
    timeout_t *timeout = timeout_from(self);
    assert(world != NULL && request != NULL && response_out != NULL);
    *response_out = NULL;
    timeout->stats.calls++;
    fl_cancel_scope_t scope;
    fl_scope_enter_fail_after(world, &scope, timeout->timeout_ns);
    fl_error_t *inner = fl_next_call(next, world, request, response_out);
    fl_error_t *error = fl_scope_exit_error(world, &scope, inner);
    /* Only our own expiry is rewritten: exit gives DeadlineExceeded exactly
     * when this scope's deadline caught the Cancelled that next returned. */
    if (error != NULL && error != inner && fl_error_is(error, FL_ERR_DEADLINE_EXCEEDED) &&
        scope.deadline_reached) {
        fl_error_t *expired = fl_error_new(fl_world_arena(world), FL_ERR_TIMEOUT_ERROR,
                                           "request timed out after %s s", timeout->seconds_text);
        expired->cause = error;
        timeout->stats.expired++;
        fl_world_trace_event(world, FL_TRACE_CLIENT, scope.id, timeout->timeout_ns,
                             "timeout-expired");
        error = expired;
    }
    if (error != NULL) *response_out = NULL;
    return error;
}

static timeout_t *timeout_from(const fl_middleware_t *middleware) {
    assert(middleware != NULL && middleware->handle == timeout_handle);
    return (timeout_t *)middleware;
}

fl_middleware_t *fl_timeout_create(fl_world_t *world, const fl_timeout_options_t *options,
                                   char *error, size_t error_size) {
    fl_client_error_kinds_add();
    assert(world != NULL);
    if (options == NULL || options->timeout_ns <= 0) {
        if (error != NULL && error_size > 0) snprintf(error, error_size, "timeout: timeout must be > 0");
        return NULL;
    }
    fl_arena_t *arena = fl_world_arena(world);
    timeout_t *timeout = fl_arena_zalloc(arena, sizeof *timeout);
    timeout->base = (fl_middleware_t){.name = "timeout", .handle = timeout_handle};
    timeout->timeout_ns = options->timeout_ns;
    timeout->seconds_text = seconds_text(arena, options->timeout_ns);
    return &timeout->base;
}

fl_timeout_stats_t fl_timeout_stats(const fl_middleware_t *middleware) {
    return timeout_from(middleware)->stats;
}
