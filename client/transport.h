/* The client's transport (internal to client/): a keep-alive pool of
 * HTTP/1.1 connections per origin, and exchanges (one request and its
 * response) on them. client.c builds the public API on top. */
#ifndef FL_CLIENT_TRANSPORT_H
#define FL_CLIENT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client.h"

typedef struct fl__pool fl__pool_t;

typedef struct fl__transport_config {
    fl_net_t *net;
    fl_timeouts_t timeouts;       /* resolved: no zeroes */
    size_t max_connections;
    size_t max_idle;
    int64_t idle_expiry_ns;
    size_t header_bytes_max;
    size_t body_bytes_max;
    const char *user_agent;
    uint32_t knobs; /* client/knobs.h */
} fl__transport_config_t;

fl__pool_t *fl__pool_create(fl_world_t *world, const fl__transport_config_t *config);

/* Sends the request and reads the response's head; the body stays on the
 * exchange (response->exchange) until read or closed. */
fl_error_t *fl__transport_open(fl_world_t *world, fl__pool_t *pool, fl_request_t *request,
                               fl_response_t **response_out);

/* The next chunk of the body (valid until the next call); *done_out at the
 * end, when the connection has gone back to the pool. */
fl_error_t *fl__exchange_next_chunk(fl_world_t *world, fl__exchange_t *exchange,
                                    const unsigned char **chunk_out, size_t *length_out,
                                    bool *done_out);

/* Ends the exchange: the connection is reused only if the body was read to
 * its end and the server keeps it alive. Idempotent. */
void fl__exchange_close(fl_world_t *world, fl__exchange_t *exchange);

void fl__pool_close_all(fl_world_t *world, fl__pool_t *pool);

typedef struct fl__pool_stats {
    uint64_t connections_opened;
    uint64_t connections_reused;
    uint64_t idle_discarded_stale;   /* readable at checkout: the server had closed it */
    uint64_t idle_discarded_expired; /* idle for idle_expiry_ns or longer at checkout */
} fl__pool_stats_t;

fl__pool_stats_t fl__pool_stats(const fl__pool_t *pool);

#endif /* FL_CLIENT_TRANSPORT_H */
