/* The middleware chain: an onion built once, first listed = outermost.
 *
 * A middleware gets the request and the next link, and answers with a
 * response or an error, as httpware's middleware(request, call_next). The
 * innermost link is the client's transport. fl_client_stream does not go
 * through the chain (httpware's stream() bypasses it by design).
 */
#ifndef FL_CLIENT_MIDDLEWARE_H
#define FL_CLIENT_MIDDLEWARE_H

#include "client/message.h"

typedef struct fl_next {
    fl_error_t *(*call)(void *context, fl_world_t *world, fl_request_t *request,
                        fl_response_t **response_out);
    void *context;
} fl_next_t;

static inline fl_error_t *fl_next_call(fl_next_t next, fl_world_t *world, fl_request_t *request,
                                       fl_response_t **response_out) {
    return next.call(next.context, world, request, response_out);
}

typedef struct fl_middleware fl_middleware_t;
struct fl_middleware {
    const char *name;
    fl_error_t *(*handle)(fl_middleware_t *self, fl_world_t *world, fl_request_t *request,
                          fl_next_t next, fl_response_t **response_out);
};

#endif /* FL_CLIENT_MIDDLEWARE_H */
