/* Helpers shared by the Starlette-like apps (responses, router, middleware,
 * scripted handlers). Internal to sim/asgi: not part of any public API. */
#ifndef FL_ASGI_APPS_INTERNAL_H
#define FL_ASGI_APPS_INTERNAL_H

#include "sim/asgi/asgi.h"
#include "sim/asgi/log.h"

/* Records an entry in the cycle's server log. A scope without a log (an app
 * called outside the server, by a test that does not care) records nothing,
 * so apps never have to check. */
#define FL__APP_LOG(scope, kind, ...)                                                  \
    do {                                                                               \
        if ((scope)->log != NULL)                                                      \
            fl_server_log_add((scope)->log, (kind), (scope)->cycle_id, 0, __VA_ARGS__); \
    } while (0)

static inline fl_error_t *fl__send_start(fl_world_t *world, fl_asgi_send_t send, int status,
                                         const fl_asgi_header_t *headers, size_t header_count) {
    fl_asgi_message_t message = fl_asgi_start(status, headers, header_count);
    return fl_asgi_send(world, send, &message);
}

static inline fl_error_t *fl__send_body(fl_world_t *world, fl_asgi_send_t send, const void *body,
                                        size_t length, bool more_body) {
    fl_asgi_message_t message = fl_asgi_body(body, length, more_body);
    return fl_asgi_send(world, send, &message);
}

#endif /* FL_ASGI_APPS_INTERNAL_H */
