/* Requests and responses.
 *
 * A request's body is either bytes or a one-shot stream (a generator
 * callback): a stream can be consumed once, so a request built with one
 * carries the streaming-body marker (httpware's
 * request.extensions["httpware.streaming_body"]), which retry reads before
 * deciding anything. Stream bodies go out with Transfer-Encoding: chunked.
 *
 * A response is read whole by fl_client_send; fl_client_stream returns it
 * with the headers read and the body still on the connection, to be read
 * chunk by chunk and closed. Requests and responses live in the world's
 * arena.
 */
#ifndef FL_CLIENT_MESSAGE_H
#define FL_CLIENT_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/headers.h"
#include "client/url.h"
#include "client/error_kinds.h"
#include "sim/runtime/error.h"
#include "sim/runtime/world.h"

/* A one-shot body: next gives the following chunk (it may block: it is the
 * caller's async generator); *done_out true marks the end (with a last chunk,
 * possibly empty). After the end, or an error, the source is consumed. */
typedef struct fl_body_source {
    fl_error_t *(*next)(void *context, fl_world_t *world, const void **chunk_out,
                        size_t *length_out, bool *done_out);
    void *context;
} fl_body_source_t;

typedef struct fl_request {
    const char *method;
    fl_url_t url;
    fl_headers_t *headers;
    const unsigned char *body;     /* a bytes body (NULL: none) */
    size_t body_length;
    fl_body_source_t *stream;      /* a one-shot stream body (NULL: none) */
    bool streaming_body;           /* the marker: the body cannot be replayed */
    uint32_t attempt;              /* 1 for the first try; retry counts up */
} fl_request_t;

/* Builds a request in the arena; errors are InvalidURL/UnsupportedProtocol
 * from the URL, or LocalProtocolError for an invalid method. */
fl_error_t *fl_request_create(fl_arena_t *arena, const char *method, const char *url,
                              fl_request_t **request_out);

/* Sets a bytes body (copied into the arena; a NULL body with length 0
 * means none, a non-NULL one with length 0 is an empty body). A request has
 * bytes or a stream, not both: setting both is asserted against. */
void fl_request_set_body(fl_arena_t *arena, fl_request_t *request, const void *body, size_t length);

/* Sets a one-shot stream body and the streaming-body marker (the only
 * function that sets it). The source is not copied: it must live as long as
 * the request. */
void fl_request_set_stream(fl_request_t *request, fl_body_source_t *source);

typedef struct fl__exchange fl__exchange_t; /* the connection a streamed body is read from */

typedef struct fl_response {
    int status;
    const char *reason;
    const char *http_version;      /* "1.1" or "1.0" */
    fl_headers_t *headers;
    unsigned char *body;           /* the whole body, once read */
    size_t body_length;
    bool body_read;                /* the whole body is in body */
    bool streamed;                 /* from fl_client_stream */
    bool stream_consumed;          /* every chunk has been read */
    bool stream_closed;            /* closed before or after reading */
    fl_request_t *request;
    fl__exchange_t *exchange;      /* while streaming: the open connection */
} fl_response_t;

/* The body of a response read whole (ResponseNotRead for a streamed one
 * whose body was not read yet; the error is allocated in arena). */
fl_error_t *fl_response_body(fl_arena_t *arena, const fl_response_t *response,
                             const unsigned char **body_out, size_t *length_out);

#endif /* FL_CLIENT_MESSAGE_H */
