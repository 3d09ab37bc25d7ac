/* The HTTP client (httpware-like), over either network.
 *
 *   fl_client_send    through the middleware chain to the transport; the
 *                     body is read whole; 4xx/5xx raise the StatusError
 *                     subclass for the code (StatusError itself for others),
 *                     carrying the response (payload) with its body read
 *   fl_client_stream  bypasses the chain; returns once the headers are in;
 *                     4xx/5xx raise as above with the body pre-read; then
 *                     fl_response_next_chunk until done, and fl_response_close
 *
 * The transport: HTTP/1.1 with a keep-alive pool per origin (max
 * connections, max idle, idle expiry, pool timeout); responses parsed with
 * llhttp (Content-Length, chunked, close-delimited, HEAD, 204, 304, 1xx
 * skipped; header and body limits); timeouts connect/read/write/pool as
 * cancel-scope deadlines. As httpcore: an idle connection past the expiry,
 * or readable (the server closed it), is discarded at checkout; a request
 * is written once, and only the retry middleware may send it again. Errors go through one mapping table (mapping.h);
 * Cancelled is never mapped and passes through, and so do the caller's own
 * errors (a stream body's generator failing).
 *
 * The client lives in the world's arena.
 */
#ifndef FL_CLIENT_CLIENT_H
#define FL_CLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/message.h"
#include "client/middleware.h"
#include "sim/net/net.h"

typedef struct fl_client fl_client_t;

/* Each 0 means the default (httpx's: 5 s); FL_TIME_NEVER means none. */
typedef struct fl_timeouts {
    int64_t connect_ns;
    int64_t read_ns;
    int64_t write_ns;
    int64_t pool_ns;
} fl_timeouts_t;

typedef struct fl_client_options {
    fl_net_t *net;
    fl_timeouts_t timeouts;
    size_t max_connections;       /* per origin; 0: 100 */
    size_t max_idle;              /* per origin; 0: 20 */
    int64_t idle_expiry_ns;       /* 0: 5 s */
    size_t header_bytes_max;      /* 0: 64 KiB */
    size_t body_bytes_max;        /* 0: 64 MiB */
    fl_middleware_t *const *middleware; /* first = outermost */
    size_t middleware_count;
    const char *user_agent;       /* NULL: "faultline" */
    uint32_t knobs;               /* buggy variants turned on: client/knobs.h bits */
} fl_client_options_t;

/* Creates a client; NULL with a message for invalid options. */
fl_client_t *fl_client_create(fl_world_t *world, const fl_client_options_t *options,
                              char *error, size_t error_size);

fl_error_t *fl_client_send(fl_world_t *world, fl_client_t *client, fl_request_t *request,
                           fl_response_t **response_out);

/* Convenience: builds the request (body may be NULL) and sends it. */
fl_error_t *fl_client_request(fl_world_t *world, fl_client_t *client, const char *method,
                              const char *url, const void *body, size_t body_length,
                              fl_response_t **response_out);

fl_error_t *fl_client_stream(fl_world_t *world, fl_client_t *client, fl_request_t *request,
                             fl_response_t **response_out);

/* The next chunk of a streamed body: *done_out once it ended (chunk empty).
 * Transport errors while reading are mapped (ReadError, RemoteProtocolError,
 * ReadTimeout); StreamConsumed after the end, StreamClosed after close. */
fl_error_t *fl_response_next_chunk(fl_world_t *world, fl_response_t *response,
                                   const unsigned char **chunk_out, size_t *length_out,
                                   bool *done_out);

/* Reads the rest of a streamed body into response->body. */
fl_error_t *fl_response_read(fl_world_t *world, fl_response_t *response);

/* Ends a streamed response: the connection goes back to the pool if the
 * body was read to the end, else it is closed. Idempotent. */
void fl_response_close(fl_world_t *world, fl_response_t *response);

/* Closes every pooled connection. */
void fl_client_close(fl_world_t *world, fl_client_t *client);

typedef struct fl_client_stats {
    uint64_t requests;            /* reached the transport */
    uint64_t connections_opened;
    uint64_t connections_reused;
    uint64_t idle_discarded_stale;   /* idle connections found closed by the server at checkout */
    uint64_t idle_discarded_expired; /* idle connections past the keep-alive expiry at checkout */
} fl_client_stats_t;

fl_client_stats_t fl_client_stats(const fl_client_t *client);

#endif /* FL_CLIENT_CLIENT_H */
