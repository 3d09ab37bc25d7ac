/* The mock ASGI server: HTTP/1.1 over the connection interface, with
 * uvicorn's request-cycle rules.
 *
 * One protocol task per connection reads requests and parses them with
 * request_parser.h (over llhttp: Content-Length and chunked bodies,
 * keep-alive, pipelining; 400 and close on a malformed request, 431 past
 * the header limit, 413 past the body limit: at once for a declared length
 * past it, as the bytes arrive for a chunked body; a head that does not
 * complete within the header timeout, or a connection idle past the
 * keep-alive timeout, is closed without an answer), builds the scope, and
 * runs app(scope, receive, send) in a task per request (named "app"). A
 * writer task per connection drains what send queued, as uvicorn's
 * transport does.
 *
 *   receive  http.request messages with the body as it arrives and
 *            more_body; once the client has disconnected or the response has
 *            completed, http.disconnect, every time. Like uvicorn's, it does
 *            not yield when a message is ready.
 *   send     the first message must be http.response.start; then body
 *            messages; anything after completion is a RuntimeError
 *            ("Unexpected ASGI message ... after response already
 *            completed."). After a disconnect: dropped silently (spec 2.3)
 *            or a ClientDisconnect error (spec 2.4), per server option.
 *            Blocks only while the connection's output buffer is above its
 *            high-water mark (backpressure).
 *
 * App outcomes: returning without starting a response gives a 500 and the log
 * line "ASGI callable returned without starting response."; raising before
 * the start gives a 500 and "Exception in ASGI application"; raising after it
 * closes the connection (the client sees a truncated body). Returning
 * without a complete response is not logged for a client that already
 * disconnected; an exception is logged either way, as uvicorn does.
 *
 * The server reports "server.response_start" and "server.body_chunk" to the
 * network (fl_net_event), so fault plans can trigger on them. Everything the
 * server does goes into its log (log.h). The server lives in the world.
 */
#ifndef FL_ASGI_SERVER_H
#define FL_ASGI_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/asgi/asgi.h"
#include "sim/asgi/log.h"
#include "sim/net/net.h"

typedef struct fl_asgi_server fl_asgi_server_t;

/* What a host process (the serve command) hears from the server; every
 * member may be NULL. Strings are only valid during the call. */
typedef struct fl_asgi_server_hooks {
    void *context;
    /* The client's address of an accepted connection, for the scope's client
     * and the hooks below; false leaves the scope's made-up one. */
    bool (*peer)(const fl_conn_t *conn, char *host, size_t host_size, uint16_t *port_out);
    /* A connection was accepted (made) or has ended and released its memory. */
    void (*connection)(void *context, const char *host, uint16_t port, bool made);
    /* A response began, with this status (the app's, or the server's 500). */
    void (*response)(void *context, const fl_asgi_scope_t *scope, int status);
} fl_asgi_server_hooks_t;

typedef struct fl_asgi_server_options {
    const char *spec_version;     /* "2.3" (default) or "2.4" */
    size_t header_bytes_max;      /* request line + headers; 0: 16 KiB */
    size_t body_bytes_max;        /* request body; 0: 8 MiB */
    size_t write_buffer_high;     /* send waits above this; 0: 64 KiB */
    bool no_keep_alive;           /* close after every response */
    /* Slowloris guards, on the world's clock (virtual in the simulated
     * network, real over libuv). 0: the default; negative or FL_TIME_NEVER:
     * no limit. */
    int64_t header_timeout_ns;     /* a request head must complete within this of its
                                    * first byte, else the connection closes; 0: 5 s */
    int64_t keep_alive_timeout_ns; /* a connection with no request in progress closes
                                    * after this long idle (uvicorn's
                                    * timeout_keep_alive); 0: 5 s */
    /* For a server that runs for days (faultline serve): an ended
     * connection's buffers are freed and its record reused; a request's
     * scope, body and whatever the app allocates while it runs live in an
     * arena of the request's own, freed when it ends (fl_task_set_arena);
     * the server's tasks come from a pool (task_pool.h). Not for simulated
     * runs: pooled tasks trace differently. The server's log still grows
     * unless it has a sink (fl_server_log_set_sink). */
    bool release_memory;
    fl_asgi_server_hooks_t hooks;
} fl_asgi_server_options_t;

/* Creates a server for app on net. options may be NULL. Returns NULL with a
 * message in error for an invalid option (an unknown spec version). */
fl_asgi_server_t *fl_asgi_server_create(fl_world_t *world, fl_net_t *net, fl_asgi_app_t *app,
                                        const fl_asgi_server_options_t *options, char *error,
                                        size_t error_size);

/* Listens and starts the acceptor task ("server"). Port 0 picks one. */
int fl_asgi_server_listen(fl_asgi_server_t *server, const char *host, uint16_t port);
uint16_t fl_asgi_server_port(const fl_asgi_server_t *server);

/* Stops accepting (the acceptor ends); open connections go on. */
void fl_asgi_server_stop(fl_asgi_server_t *server);

/* A graceful shutdown, as uvicorn's on SIGTERM: stops accepting, closes the
 * connections that are idle or in a request head, and lets each request in
 * progress finish, its connection closing after the response (a pipelined
 * request behind it is not answered). */
void fl_asgi_server_shutdown(fl_asgi_server_t *server);

/* Connections accepted that have not ended yet. */
uint64_t fl_asgi_server_open_connections(const fl_asgi_server_t *server);

/* Waits until no connection is open; a checkpoint (FL_ECANCELLED in a
 * cancelled scope: how a shutdown's time limit works). */
int fl_asgi_server_wait_closed(fl_asgi_server_t *server);

fl_server_log_t *fl_asgi_server_log(fl_asgi_server_t *server);

typedef struct fl_asgi_server_stats {
    uint64_t connections;
    uint64_t requests;
    uint64_t responses_completed;
    uint64_t disconnects;     /* cycles whose client went away mid-cycle */
    uint64_t bad_requests;    /* 400/413/431 */
    uint64_t timeouts;        /* connections closed by the header or keep-alive timeout */
} fl_asgi_server_stats_t;

fl_asgi_server_stats_t fl_asgi_server_stats(const fl_asgi_server_t *server);

#endif /* FL_ASGI_SERVER_H */
