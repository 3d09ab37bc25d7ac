/* Bulkhead: see bulkhead.h. */
#include "sim/runtime/marks.h"
#include "client/bulkhead.h"
#include "client/error_kinds.h"

#include <assert.h>
#include <stdio.h>

#include "sim/runtime/semaphore.h"
#include "sim/runtime/status.h"

typedef struct bulkhead {
    fl_middleware_t base; /* first: handle() gets a pointer to it */
    size_t max_concurrent;
    int64_t acquire_timeout_ns;
    fl_semaphore_t *semaphore;
    fl_bulkhead_stats_t stats;
} bulkhead_t;

fl_bulkhead_options_t fl_bulkhead_options_default(void) {
    return (fl_bulkhead_options_t){
        .max_concurrent = 0,
        .acquire_timeout_ns = FL_SECONDS(1),
        .name = NULL,
    };
}

static bool refuse(char *error, size_t error_size, const char *message) {
    if (error != NULL && error_size > 0) snprintf(error, error_size, "bulkhead: %s", message);
    return false;
}

static bool options_valid(const fl_bulkhead_options_t *options, char *error, size_t error_size) {
    if (options == NULL) return refuse(error, error_size, "options are required");
    if (options->max_concurrent < 1 || options->max_concurrent > FL_BULKHEAD_CONCURRENT_MAX)
        return refuse(error, error_size, "max_concurrent must be 1..1000000");
    if (options->acquire_timeout_ns < 0)
        return refuse(error, error_size, "acquire_timeout must be >= 0");
    return true;
}

static bulkhead_t *bulkhead_from(const fl_middleware_t *middleware);

static void trace_full(fl_world_t *world, size_t in_flight) {
    fl_world_trace_event(world, FL_TRACE_CLIENT, 0, (int64_t)in_flight, "bulkhead-full");
}

static fl_error_t *bulkhead_handle(fl_middleware_t *self, fl_world_t *world,
                                   fl_request_t *request, fl_next_t next,
                                   fl_response_t **response_out) {
    bulkhead_t *bulkhead = bulkhead_from(self);
    assert(world != NULL && request != NULL && response_out != NULL);
    *response_out = NULL;
    fl_arena_t *arena = fl_world_arena(world);
    int status = fl_semaphore_acquire(world, bulkhead->semaphore, bulkhead->acquire_timeout_ns);
    if (status == FL_ETIMEDOUT) {
        FL_MARK(BULKHEAD_TIMEOUT);
        bulkhead->stats.rejected++;
        trace_full(world, bulkhead->stats.in_flight);
        fl_error_t *error = fl_error_new(arena, FL_ERR_BULKHEAD_FULL,
                                         "bulkhead full: %zu calls in flight",
                                         bulkhead->stats.in_flight);
        error->status = status;
        return error;
    }
    if (status != FL_OK) {
        bulkhead->stats.cancelled_waiting++;
        return fl_error_from_status(arena, status, "bulkhead acquire");
    }
    bulkhead->stats.admitted++;
    bulkhead->stats.in_flight++;
    assert(bulkhead->stats.in_flight <= bulkhead->max_concurrent);
    if (bulkhead->stats.in_flight > bulkhead->stats.in_flight_max)
        bulkhead->stats.in_flight_max = bulkhead->stats.in_flight;

    fl_error_t *error = fl_next_call(next, world, request, response_out);

    /* Every way next can end is this return: the slot goes back for a
     * response, an error and Cancelled alike. Release does not block. */
    assert(bulkhead->stats.in_flight > 0);
    bulkhead->stats.in_flight--;
    bulkhead->stats.released++;
    fl_semaphore_release(world, bulkhead->semaphore);
    if (error != NULL) *response_out = NULL;
    return error;
}

static bulkhead_t *bulkhead_from(const fl_middleware_t *middleware) {
    assert(middleware != NULL && middleware->handle == bulkhead_handle);
    return (bulkhead_t *)middleware;
}

fl_middleware_t *fl_bulkhead_create(fl_world_t *world, const fl_bulkhead_options_t *options,
                                    char *error, size_t error_size) {
    fl_client_error_kinds_add();
    assert(world != NULL);
    if (!options_valid(options, error, error_size)) return NULL;
    bulkhead_t *bulkhead = fl_arena_zalloc(fl_world_arena(world), sizeof *bulkhead);
    bulkhead->base = (fl_middleware_t){.name = "bulkhead", .handle = bulkhead_handle};
    bulkhead->max_concurrent = options->max_concurrent;
    bulkhead->acquire_timeout_ns = options->acquire_timeout_ns;
    bulkhead->semaphore = fl_semaphore_create(world, options->max_concurrent,
                                              options->name != NULL ? options->name : "bulkhead");
    return &bulkhead->base;
}

fl_bulkhead_stats_t fl_bulkhead_stats(const fl_middleware_t *middleware) {
    const bulkhead_t *bulkhead = bulkhead_from(middleware);
    fl_bulkhead_stats_t stats = bulkhead->stats;
    stats.slots_free = fl_semaphore_value(bulkhead->semaphore);
    return stats;
}
