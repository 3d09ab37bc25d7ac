/* The connection interface: one API, two drivers.
 *
 * The simulated network (simnet.h: deterministic, virtual time, faults) and
 * real TCP through libuv (uvnet.h) both implement it; the server and the
 * client are written against this header only and never know which one they
 * run on.
 *
 * Every call that can block is a checkpoint of the calling task (see
 * world.h): it fails with FL_ECANCELLED inside a cancelled scope, which is how
 * connect, read and write timeouts work (a cancel scope with a deadline
 * around the call). Statuses: FL_EREFUSED (nothing listens), FL_ERESET (the
 * connection was reset), FL_EPIPE (writing after the peer is gone or after
 * shutdown), FL_EEOF (the peer shut down its writing side and everything
 * before it has been read), FL_ECLOSED (this endpoint was closed),
 * FL_ENOTFOUND (no such host), FL_EADDRINUSE (listening where something
 * already listens), FL_EINVAL.
 *
 * Listeners and connections are owned by their network and live until the
 * world (simulated) or the network (libuv) is destroyed; close/reset end
 * their use, not their memory.
 */
#ifndef FL_NET_H
#define FL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/runtime/world.h"

typedef struct fl_net fl_net_t;
typedef struct fl_conn fl_conn_t;
typedef struct fl_listener fl_listener_t;

/* Which end of a connection: the one that connected or the one accepted. */
typedef enum fl_side { FL_SIDE_CLIENT, FL_SIDE_SERVER } fl_side_t;

/* A byte direction of a connection. */
typedef enum fl_direction {
    FL_DIRECTION_CLIENT_TO_SERVER,
    FL_DIRECTION_SERVER_TO_CLIENT,
} fl_direction_t;

const char *fl_side_name(fl_side_t side);           /* "client", "server" */
const char *fl_direction_name(fl_direction_t dir);  /* "c2s", "s2c" */

/* The driver's operations (implemented by simnet.c and uvnet.c). */
typedef struct fl_net_ops {
    const char *name;
    int (*listen)(fl_net_t *net, const char *host, uint16_t port, fl_listener_t **out);
    int (*accept)(fl_listener_t *listener, fl_conn_t **out);
    uint16_t (*listener_port)(const fl_listener_t *listener);
    void (*close_listener)(fl_listener_t *listener);
    int (*connect)(fl_net_t *net, const char *host, uint16_t port, fl_conn_t **out);
    int (*read)(fl_conn_t *conn, void *buffer, size_t capacity, size_t *count_out);
    int (*write)(fl_conn_t *conn, const void *data, size_t length);
    int (*shutdown_write)(fl_conn_t *conn);
    void (*close)(fl_conn_t *conn);
    void (*reset)(fl_conn_t *conn);
    bool (*is_readable)(fl_conn_t *conn);
    void (*event)(fl_net_t *net, fl_conn_t *conn, const char *name);
    void (*release)(fl_conn_t *conn); /* may be NULL: the memory stays till the end */
} fl_net_ops_t;

/* The common head of every driver's network, listener and connection. */
struct fl_net {
    const fl_net_ops_t *ops;
    fl_world_t *world;
};

struct fl_listener {
    fl_net_t *net;
};

struct fl_conn {
    fl_net_t *net;
    uint32_t id;      /* 1-based, in the order connections were established */
    fl_side_t side;
    int protocol_state; /* an fl_protocol_state_t of this side (protocol_state.h) */
    /* It turns to protocol_state_next once this end has written
     * protocol_state_next_at bytes in all (0: it does not turn). */
    int protocol_state_next;
    uint64_t protocol_state_next_at;
};

/* Says which protocol state this end is in (a row of protocol_state.h on
 * the end's side); the simulated network counts faults against it. */
void fl_conn_set_protocol_state(fl_conn_t *conn, int state);

/* The same, for a write that carries two states: state until the end has
 * written at bytes in all, next from there (a request's head and body in
 * one write). */
void fl_conn_set_protocol_states(fl_conn_t *conn, int state, int next, uint64_t at);

/* Starts listening; port 0 asks for an ephemeral port (see
 * fl_listener_port). host NULL means the driver's default (127.0.0.1 for
 * libuv, "server" for the simulated network). */
int fl_net_listen(fl_net_t *net, const char *host, uint16_t port, fl_listener_t **listener_out);

/* Waits for the next incoming connection. */
int fl_listener_accept(fl_listener_t *listener, fl_conn_t **conn_out);

/* The port the listener is bound to. */
uint16_t fl_listener_port(const fl_listener_t *listener);

/* Stops listening; tasks waiting in accept get FL_ECLOSED. */
void fl_listener_close(fl_listener_t *listener);

/* Opens a connection. */
int fl_net_connect(fl_net_t *net, const char *host, uint16_t port, fl_conn_t **conn_out);

/* Reads whatever has arrived, at least one byte: returns 0 with *count_out
 * in [1, capacity], or FL_EEOF once the peer's FIN has been reached (and at
 * every later call), or an error. capacity must be > 0. */
int fl_conn_read(fl_conn_t *conn, void *buffer, size_t capacity, size_t *count_out);

/* Writes all length bytes, blocking while the send buffer is full
 * (backpressure). On an error or cancellation, the bytes accepted before it
 * stay sent. */
int fl_conn_write(fl_conn_t *conn, const void *data, size_t length);

/* Whether a read would return at once: bytes, the peer's FIN or a reset
 * have arrived (or this endpoint was closed). Never blocks and is not a
 * checkpoint. A pool asks this of an idle keep-alive connection before
 * reusing it, as httpcore asks its socket (is_readable): an idle HTTP/1.1
 * connection that is readable can only be about to report EOF or an error
 * (or carries bytes no request asked for), so it must not carry a request.
 * Bytes a stall fault still holds have not arrived. */
bool fl_conn_is_readable(fl_conn_t *conn);

/* Sends FIN after everything written so far; reading stays possible. */
int fl_conn_shutdown_write(fl_conn_t *conn);

/* Graceful close: FIN, then the endpoint is unusable (its calls return
 * FL_ECLOSED). Data arriving afterwards resets the connection, as TCP does. */
void fl_conn_close(fl_conn_t *conn);

/* Abortive close (RST, SO_LINGER 0): drops what is in flight; the peer's
 * pending and later calls fail with FL_ERESET. */
void fl_conn_reset(fl_conn_t *conn);

/* The caller is done with conn, closed or reset before, and will not touch
 * it again: a driver may reuse its memory for a later connection (the libuv
 * one does, for a connection whose other end is not its own), so that a
 * server running for days does not grow. Optional: without it a
 * connection's memory lives as long as its network. */
void fl_conn_release(fl_conn_t *conn);

/* A protocol event from the layer above, by its name in the table of
 * sim/net/protocol_event.h (any other name is a bug: asserted): fault plans
 * can trigger on the N-th occurrence. conn may be NULL for events not tied
 * to a connection. */
void fl_net_event(fl_net_t *net, fl_conn_t *conn, const char *name);

static inline uint32_t fl_conn_id(const fl_conn_t *conn) { return conn->id; }
static inline fl_side_t fl_conn_side(const fl_conn_t *conn) { return conn->side; }
static inline fl_world_t *fl_net_world(const fl_net_t *net) { return net->world; }

#endif /* FL_NET_H */
