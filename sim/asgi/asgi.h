/* The ASGI-like interface between the mock server and its apps.
 *
 * An app is called once per request cycle with the request's scope and two
 * callables, receive and send, as an ASGI app is:
 *
 *     app(scope, receive, send)
 *
 * Messages are C structs for the four HTTP message types. Everything is
 * borrowed: a message passed to send is valid only during that call (whoever
 * keeps it copies it with fl_asgi_message_copy); a message filled by receive
 * stays valid until the world is destroyed. Errors are fl_error_t objects,
 * as Python exceptions: Cancelled for cancellation, RuntimeError for protocol
 * misuse ("Unexpected ASGI message ..."), ClientDisconnect for a send after
 * the client left under spec 2.4.
 *
 * Apps are structs that start with fl_asgi_app_t and are composed by
 * wrapping (middleware holds the app it calls). They live in the world's
 * arena.
 */
#ifndef FL_ASGI_H
#define FL_ASGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/runtime/error.h"
#include "sim/runtime/world.h"

typedef struct fl_server_log fl_server_log_t;

typedef struct fl_asgi_header {
    const char *name;  /* lower-case, as ASGI gives them */
    const char *value;
} fl_asgi_header_t;

typedef enum fl_asgi_message_type {
    FL_ASGI_HTTP_REQUEST,
    FL_ASGI_HTTP_DISCONNECT,
    FL_ASGI_RESPONSE_START,
    FL_ASGI_RESPONSE_BODY,
} fl_asgi_message_type_t;

/* "http.request", "http.disconnect", "http.response.start", "http.response.body" */
const char *fl_asgi_message_type_name(fl_asgi_message_type_t type);

typedef struct fl_asgi_message {
    fl_asgi_message_type_t type;
    int status;                        /* response.start */
    const fl_asgi_header_t *headers;   /* response.start */
    size_t header_count;
    const unsigned char *body;         /* request, response.body */
    size_t body_length;
    bool more_body;                    /* request, response.body */
} fl_asgi_message_t;

/* A deep copy in the arena (headers and body included). */
fl_asgi_message_t *fl_asgi_message_copy(fl_arena_t *arena, const fl_asgi_message_t *message);

/* Convenience constructors (borrowed pointers; nothing is copied). */
static inline fl_asgi_message_t fl_asgi_start(int status, const fl_asgi_header_t *headers,
                                              size_t header_count) {
    return (fl_asgi_message_t){.type = FL_ASGI_RESPONSE_START, .status = status,
                               .headers = headers, .header_count = header_count};
}
static inline fl_asgi_message_t fl_asgi_body(const void *body, size_t length, bool more_body) {
    return (fl_asgi_message_t){.type = FL_ASGI_RESPONSE_BODY, .body = body, .body_length = length,
                               .more_body = more_body};
}

typedef struct fl_asgi_scope {
    const char *type;               /* "http" */
    const char *spec_version;       /* "2.3" or "2.4" */
    const char *http_version;       /* "1.1" or "1.0" */
    const char *method;
    const char *path;               /* decoded path, no query */
    const char *raw_path;           /* the path as sent (no query); NULL: same as path */
    const char *query_string;       /* raw, without '?'; "" if none */
    const fl_asgi_header_t *headers;
    size_t header_count;
    const char *client_host;
    uint16_t client_port;
    uint32_t connection_id;         /* the network's connection number */
    uint32_t cycle_id;              /* the server's request number, from 1 */
    fl_server_log_t *log;           /* the server's log: apps record what they do */
    void *state;                    /* per-cycle slot for apps (router match, ...) */
} fl_asgi_scope_t;

/* True when scope's spec_version is at least major.minor. */
bool fl_asgi_spec_at_least(const fl_asgi_scope_t *scope, int major, int minor);

/* The value of a request header (case-insensitive name), or NULL. */
const char *fl_asgi_header_get(const fl_asgi_header_t *headers, size_t count, const char *name);

/* The callables. Each is a checkpoint of the calling task. */
typedef struct fl_asgi_receive {
    fl_error_t *(*call)(void *context, fl_world_t *world, fl_asgi_message_t *message_out);
    void *context;
} fl_asgi_receive_t;

typedef struct fl_asgi_send {
    fl_error_t *(*call)(void *context, fl_world_t *world, const fl_asgi_message_t *message);
    void *context;
} fl_asgi_send_t;

typedef struct fl_asgi_app fl_asgi_app_t;
struct fl_asgi_app {
    const char *name; /* for the log and the trace: "router", "BaseHTTPMiddleware(0.20)" */
    fl_error_t *(*call)(fl_asgi_app_t *self, fl_world_t *world, const fl_asgi_scope_t *scope,
                        fl_asgi_receive_t receive, fl_asgi_send_t send);
};

static inline fl_error_t *fl_asgi_receive(fl_world_t *world, fl_asgi_receive_t receive,
                                          fl_asgi_message_t *message_out) {
    return receive.call(receive.context, world, message_out);
}

static inline fl_error_t *fl_asgi_send(fl_world_t *world, fl_asgi_send_t send,
                                       const fl_asgi_message_t *message) {
    return send.call(send.context, world, message);
}

static inline fl_error_t *fl_asgi_call(fl_asgi_app_t *app, fl_world_t *world,
                                       const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                                       fl_asgi_send_t send) {
    return app->call(app, world, scope, receive, send);
}

#endif /* FL_ASGI_H */
