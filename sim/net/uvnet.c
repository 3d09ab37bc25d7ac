/* The libuv driver (see uvnet.h).
 *
 * Shape: libuv callbacks run only inside uv_run, which only the world's
 * driver hook (uvnet_wait) and the teardown call. Callbacks never touch a
 * task: they update the endpoint's state and notify its conditions; the
 * task, resumed by the scheduler, re-checks the state. So a task that was
 * cancelled while waiting leaves nothing behind that a callback could trip
 * on, and a request that outlives its task (a write, a connect, a name
 * lookup) owns whatever it needs to finish alone.
 *
 * Memory: the network, listeners and connections live in the world's arena
 * (net.h: they live as long as the network); read buffers, write requests
 * and name lookups are malloc'd, because they come and go with traffic, and
 * are freed by their callbacks or by the teardown.
 */
#include "sim/net/uvnet.h"

#include "sim/net/protocol_state.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "sim/runtime/assume.h"
#include "sim/runtime/runtime.h"

enum {
    READ_BUFFER_MAX = 256 * 1024, /* stop reading the socket above this many unread bytes */
    READ_CHUNK = 64 * 1024,       /* room offered to each socket read */
    WRITE_CHUNK = 64 * 1024,      /* bytes per write request */
    LISTEN_BACKLOG = 128,
    ACCEPT_QUEUE_MAX = 1024,      /* established, not yet taken by accept */
    ADDRESSES_MAX = 8,            /* addresses of a resolved name tried in turn */
};

#define DIRECTIONS 2
#define NS_PER_MS 1000000

typedef struct uvnet uvnet_t;
typedef struct uvconn uvconn_t;
typedef struct uvlistener uvlistener_t;

/* An 'at' fault: a libuv timer armed when the network is created. */
typedef struct at_fault {
    uv_timer_t timer;
    uvnet_t *net;
    fl_fault_entry_t *entry;
} at_fault_t;

/* A name lookup (malloc'd): a cancelled connect abandons it, and its
 * callback frees it then. Every one is on the network's list until freed,
 * so the teardown can cancel or free what remains. */
typedef struct lookup {
    uv_getaddrinfo_t request;
    uvnet_t *net;
    struct addrinfo *result;
    int status;
    bool done;
    bool abandoned;
    struct lookup *prev;
    struct lookup *next;
} lookup_t;

struct uvnet {
    fl_net_t base;
    uv_loop_t loop;
    uv_timer_t wake_timer;      /* armed by the driver for the world's next timer */
    uint64_t origin_ns;         /* uv_hrtime() at which world time was 0 */
    uint64_t created_ns;        /* uv_hrtime() at creation: 'at' faults count from here */
    uint32_t conn_count;        /* connection numbers given so far */
    fl_fault_entry_t *faults;   /* own copy of the plan's supported entries (arena) */
    size_t fault_count;
    uvconn_t *conns_head;       /* every established endpoint, in establishment order, */
    uvconn_t *conns_tail;       /* but those recycled */
    uvconn_t *free_conns;       /* recycled records, for conn_create */
    uvconn_t *unpaired;         /* open endpoints whose other end was not found (yet) */
    lookup_t *lookups;
    fl_condition_t *resolved;   /* notified when a name lookup completes */
    bool tearing_down;          /* the world is gone: callbacks only free */
    bool owns_driver;           /* installed as the world's driver (unset at teardown) */
};

struct uvlistener {
    fl_listener_t base;
    uvnet_t *net;
    uv_tcp_t tcp;
    fl_condition_t *acceptable;
    uvconn_t *queue_head;       /* established, waiting for accept */
    uvconn_t *queue_tail;
    size_t queue_count;
    uint16_t port;
    bool closed;
};

struct uvconn {
    fl_conn_t base;
    uvnet_t *net;
    uv_tcp_t tcp;
    uv_connect_t connect_request;
    uv_shutdown_t shutdown_request;
    fl_condition_t *readable;   /* data, EOF, RST, local close */
    fl_condition_t *writable;   /* connect and write completions, local close */
    struct sockaddr_storage local;
    struct sockaddr_storage peer;
    uvconn_t *pair;             /* the other endpoint, when it is on this network */
    uvconn_t *next;             /* the network's list */
    uvconn_t *prev;
    bool handle_closed;         /* its close callback ran */
    bool released;              /* the layer above is done with it (fl_conn_release) */
    uvconn_t *next_free;        /* released and closed: conn_create reuses it */
    uvconn_t *unpaired_prev;
    uvconn_t *unpaired_next;
    bool in_unpaired;
    uvconn_t *queue_next;       /* the listener's accept queue */
    /* Read side: bytes between start and end are received, not yet read. */
    uint8_t *buffer;
    size_t start;
    size_t end;
    size_t capacity;
    int64_t pending_since_ns;   /* when the unread bytes began waiting (for delay) */
    int read_status;            /* 0, or how the stream ended: EEOF, ERESET, EIO */
    bool reading;               /* uv_read_start is in effect */
    /* Write side. */
    int write_status;           /* 0, or EPIPE, ERESET, EIO from the socket */
    bool write_shut;            /* FIN requested (shutdown_write, close, half-close) */
    bool shutdown_pending;
    bool close_after_shutdown;  /* a graceful close waits for the FIN to go out */
    /* Lifecycle. */
    int local_status;           /* 0 while usable; ECLOSED, or ERESET after a reset fault */
    bool established;
    bool connect_done;
    bool connect_abandoned;
    int connect_status;
    /* Faults, per direction as this endpoint sees it. */
    uint64_t bytes[DIRECTIONS];       /* written (own direction) or read (the other) */
    bool started[DIRECTIONS];         /* the direction's first transfer has begun */
    int64_t hold_until_ns[DIRECTIONS]; /* stall: nothing moves before (FL_TIME_NEVER: ever) */
    int64_t delay_ns[DIRECTIONS];
    uint64_t actions;                 /* fault actions applied (a write re-paces after one) */
};

/* A write request owns a copy of its bytes and frees itself in its
 * callback, whether or not its task still waits. */
typedef struct write_wait {
    bool done;
    int status;
} write_wait_t;

typedef struct write_request {
    uv_write_t request;
    uvconn_t *conn;
    write_wait_t *wait;         /* on the waiting task's stack; NULL once it left */
    uint64_t from;              /* the direction's byte positions it covers */
    uint64_t to;
    uint8_t data[];
} write_request_t;

/* --- small helpers ------------------------------------------------------ */

static fl_world_t *net_world(const uvnet_t *net) {
    assert(net != NULL && net->base.world != NULL);
    return net->base.world;
}

/* An endpoint's head points at the network that made it. */
static fl_world_t *conn_world(const uvconn_t *conn) {
    assert(conn != NULL && conn->net != NULL && conn->base.net == &conn->net->base);
    return conn->net->base.world;
}

static int64_t clock_now(const uvnet_t *net) {
    uint64_t now_ns = uv_hrtime();
    /* The origin lies at or before creation, and uv_hrtime is monotonic. */
    assert(now_ns >= net->origin_ns);
    return (int64_t)(now_ns - net->origin_ns);
}

/* Callbacks run between the world's steps: bring its clock up to now so
 * their trace events and fault times are current. */
static void touch_clock(uvnet_t *net) { fl_world_set_time(net_world(net), clock_now(net)); }

/* detail must be a static string: the trace keeps the pointer. */
static void trace(uvnet_t *net, fl_trace_kind_t kind, uint32_t conn_id, int64_t value,
                  const char *detail) {
    assert(detail != NULL);
    assert(kind == FL_TRACE_NET || kind == FL_TRACE_FAULT); /* the kinds a network emits */
    fl_world_t *world = net_world(net);
    fl_world_trace_event(world, kind, conn_id, value, detail);
}

static void trace_conn(uvconn_t *conn, int64_t value, const char *detail) {
    /* Only an established endpoint has a number to trace under. */
    assert(conn->established && conn->base.id >= 1 && conn->base.id <= conn->net->conn_count);
    trace(conn->net, FL_TRACE_NET, conn->base.id, value, detail);
}

static fl_direction_t write_direction(const uvconn_t *conn) {
    assert(conn->base.side == FL_SIDE_CLIENT || conn->base.side == FL_SIDE_SERVER);
    return conn->base.side == FL_SIDE_CLIENT ? FL_DIRECTION_CLIENT_TO_SERVER
                                             : FL_DIRECTION_SERVER_TO_CLIENT;
}

static fl_direction_t read_direction(const uvconn_t *conn) {
    assert(conn->base.side == FL_SIDE_CLIENT || conn->base.side == FL_SIDE_SERVER);
    return conn->base.side == FL_SIDE_CLIENT ? FL_DIRECTION_SERVER_TO_CLIENT
                                             : FL_DIRECTION_CLIENT_TO_SERVER;
}

static size_t buffered(const uvconn_t *conn) {
    assert(conn->start <= conn->end && conn->end <= conn->capacity);
    return conn->end - conn->start;
}

static int64_t max_time(int64_t a, int64_t b) { return a > b ? a : b; }

/* now + duration without overflowing past "never". */
static int64_t time_after(int64_t now_ns, int64_t duration_ns) {
    assert(now_ns >= 0 && duration_ns >= 0);
    if (duration_ns >= FL_TIME_NEVER - now_ns) return FL_TIME_NEVER;
    return now_ns + duration_ns;
}

static int status_from_uv(int uv_status) {
    assert(uv_status <= 0); /* libuv answers 0 or a negative error */
    switch (uv_status) {
    case 0: return FL_OK;
    case UV_ECONNREFUSED:
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH:
    case UV_EADDRNOTAVAIL: return FL_EREFUSED;
    case UV_ECONNRESET:
    case UV_ECONNABORTED: return FL_ERESET;
    case UV_EPIPE:
    case UV_ENOTCONN: return FL_EPIPE;
    case UV_ETIMEDOUT: return FL_ETIMEDOUT;
    case UV_ECANCELED: return FL_ECLOSED;
    case UV_EOF: return FL_EEOF;
    case UV_ENOMEM:
    case UV_ENOBUFS:
    case UV_EAI_MEMORY: return FL_ENOMEM;
    case UV_EAI_ADDRFAMILY:
    case UV_EAI_AGAIN:
    case UV_EAI_FAIL:
    case UV_EAI_FAMILY:
    case UV_EAI_NODATA:
    case UV_EAI_NONAME:
    case UV_EAI_SERVICE: return FL_ENOTFOUND;
    default: return FL_EIO;
    }
}

/* A waiting task re-checks after every notify. A deadline is a move-on
 * scope around the wait: its expiry ends the wait with 0, while an
 * enclosing cancellation still comes out as FL_ECANCELLED. */
static int wait_until(fl_world_t *world, fl_condition_t *condition, int64_t deadline_ns,
                      const char *operation) {
    assert(condition != NULL && operation != NULL);
    if (deadline_ns == FL_TIME_NEVER) return fl_condition_wait(world, condition, operation);
    assert(deadline_ns > fl_now(world));
    fl_cancel_scope_t scope;
    fl_scope_enter(world, &scope, deadline_ns, 0);
    int status = fl_condition_wait(world, condition, operation);
    status = fl_scope_exit(world, &scope, status);
    assert(status <= 0);
    return status;
}

static void wake_all(uvconn_t *conn) {
    fl_world_t *world = conn_world(conn);
    assert(conn->readable != NULL && conn->writable != NULL);
    fl_condition_notify_all(world, conn->readable);
    fl_condition_notify_all(world, conn->writable);
}

/* --- addresses ---------------------------------------------------------- */

/* Literals and "localhost" only: listen never blocks, and connect tries
 * this before a lookup. Returns 0 or FL_ENOTFOUND. */
static int parse_address(const char *host, uint16_t port, struct sockaddr_storage *out) {
    assert(host != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)out) != 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)out) != 0)
        return FL_ENOTFOUND;
    assert(out->ss_family == AF_INET || out->ss_family == AF_INET6); /* set_port relies on it */
    return FL_OK;
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
    assert(a != NULL && b != NULL);
    if (a->ss_family != b->ss_family) return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
    return false;
}

static void set_port(struct sockaddr_storage *address, uint16_t port) {
    assert(address->ss_family == AF_INET || address->ss_family == AF_INET6);
    if (address->ss_family == AF_INET) ((struct sockaddr_in *)address)->sin_port = htons(port);
    else ((struct sockaddr_in6 *)address)->sin6_port = htons(port);
}

/* --- the endpoint list and pairing --------------------------------------- */

static void unpaired_remove(uvconn_t *conn) {
    /* On the list exactly when the flag says so: the head, or after another. */
    assert(conn->in_unpaired == (conn->unpaired_prev != NULL || conn->net->unpaired == conn));
    if (!conn->in_unpaired) return;
    if (conn->unpaired_prev != NULL) conn->unpaired_prev->unpaired_next = conn->unpaired_next;
    else conn->net->unpaired = conn->unpaired_next;
    if (conn->unpaired_next != NULL) conn->unpaired_next->unpaired_prev = conn->unpaired_prev;
    conn->unpaired_prev = conn->unpaired_next = NULL;
    conn->in_unpaired = false;
    assert(conn->net->unpaired != conn);
}

static void unpaired_add(uvconn_t *conn) {
    /* Only an established endpoint whose other end is not ours (yet). */
    assert(!conn->in_unpaired && conn->established && conn->pair == NULL);
    assert(conn->unpaired_prev == NULL && conn->unpaired_next == NULL);
    conn->unpaired_next = conn->net->unpaired;
    if (conn->unpaired_next != NULL) conn->unpaired_next->unpaired_prev = conn;
    conn->net->unpaired = conn;
    conn->in_unpaired = true;
}

/* The other end of this connection, if it is an open endpoint of this
 * network: its local address is our peer's and the other way round. The
 * list holds only open, unmatched endpoints, so it stays short. */
static uvconn_t *find_pair(const uvconn_t *conn) {
    /* Asked once, while establishing, before the endpoint joins the list. */
    assert(conn->established && !conn->in_unpaired && conn->pair == NULL);
    for (uvconn_t *other = conn->net->unpaired; other != NULL; other = other->unpaired_next) {
        assert(other->in_unpaired && other->established);
        if (other->base.side != conn->base.side && same_address(&other->local, &conn->peer) &&
            same_address(&other->peer, &conn->local)) {
            assert(other != conn && other->pair == NULL);
            return other;
        }
    }
    return NULL;
}

static void record_addresses(uvconn_t *conn) {
    assert(conn->established && conn->base.id == 0); /* before it is numbered by address */
    int length = (int)sizeof conn->local;
    if (uv_tcp_getsockname(&conn->tcp, (struct sockaddr *)&conn->local, &length) != 0)
        memset(&conn->local, 0, sizeof conn->local);
    length = (int)sizeof conn->peer;
    if (uv_tcp_getpeername(&conn->tcp, (struct sockaddr *)&conn->peer, &length) != 0)
        memset(&conn->peer, 0, sizeof conn->peer);
}

static void resume_reading(uvconn_t *conn);

/* The connection exists (connected or accepted): number it, pair it with
 * its other end if that is ours, and start reading. */
static void establish(uvconn_t *conn) {
    uvnet_t *net = conn->net;
    assert(!conn->established && conn->base.id == 0);
    assert(conn->next == NULL && conn->pair == NULL && !conn->in_unpaired);
    conn->established = true;
    record_addresses(conn);
    uv_tcp_nodelay(&conn->tcp, 1);
    uvconn_t *pair = find_pair(conn);
    if (pair != NULL) {
        conn->pair = pair;
        pair->pair = conn;
        conn->base.id = pair->base.id;
        unpaired_remove(pair);
    } else {
        conn->base.id = ++net->conn_count;
        unpaired_add(conn);
    }
    conn->prev = net->conns_tail;
    if (net->conns_tail != NULL) net->conns_tail->next = conn;
    else net->conns_head = conn;
    net->conns_tail = conn;
    /* Numbered; paired both ways, one number for both ends, or unpaired. */
    assert(conn->base.id >= 1 && conn->base.id <= net->conn_count);
    assert(conn->pair == NULL ? conn->in_unpaired
                              : conn->pair->pair == conn && conn->pair->base.id == conn->base.id &&
                                    conn->pair->base.side != conn->base.side);
    resume_reading(conn);
}

/* --- closing ------------------------------------------------------------- */

/* A record nobody uses any more (released above, its handle closed, its
 * writes' and FIN's callbacks run before the close's) leaves the list for
 * conn_create to reuse. A connection with both ends here keeps its record:
 * the other end's pair points at it. */
static void recycle(uvconn_t *conn) {
    uvnet_t *net = conn->net;
    assert(conn->released && conn->handle_closed && !conn->in_unpaired);
    if (conn->pair != NULL || net->tearing_down) return;
    if (conn->prev != NULL) conn->prev->next = conn->next;
    else net->conns_head = conn->next;
    if (conn->next != NULL) conn->next->prev = conn->prev;
    else net->conns_tail = conn->prev;
    conn->next = conn->prev = NULL;
    conn->next_free = net->free_conns;
    net->free_conns = conn;
}

static void conn_closed(uv_handle_t *handle) {
    uvconn_t *conn = handle->data;
    /* Only the release functions close with this callback, after stopping reads. */
    assert(handle == (uv_handle_t *)&conn->tcp && !conn->reading);
    free(conn->buffer);
    conn->buffer = NULL;
    conn->start = conn->end = conn->capacity = 0;
    conn->handle_closed = true;
    if (conn->released) recycle(conn);
}

static void conn_release(fl_conn_t *base) {
    uvconn_t *conn = (uvconn_t *)base;
    /* Closed or reset before: the handle is closing or closed. */
    assert(conn->local_status != FL_OK && !conn->released);
    conn->released = true;
    if (conn->handle_closed) recycle(conn);
}

static void stop_reading(uvconn_t *conn) {
    assert(!conn->reading || conn->established); /* reading starts in establish */
    if (!conn->reading) return;
    uv_read_stop((uv_stream_t *)&conn->tcp);
    conn->reading = false;
}

static void shutdown_done(uv_shutdown_t *request, int uv_status) {
    uvconn_t *conn = request->data;
    (void)uv_status; /* a FIN that could not go out changes nothing now */
    assert(request == &conn->shutdown_request && conn->established);
    assert(conn->shutdown_pending && conn->write_shut);
    conn->shutdown_pending = false;
    if (conn->close_after_shutdown && !uv_is_closing((uv_handle_t *)&conn->tcp))
        uv_close((uv_handle_t *)&conn->tcp, conn_closed);
}

/* Queues the FIN after every pending write. */
static int start_shutdown(uvconn_t *conn) {
    assert(!conn->write_shut && !conn->shutdown_pending && conn->established);
    assert(conn->shutdown_request.data == NULL); /* one FIN per endpoint */
    conn->write_shut = true;
    trace_conn(conn, 0, "fin");
    conn->shutdown_request.data = conn;
    int rc = uv_shutdown(&conn->shutdown_request, (uv_stream_t *)&conn->tcp, shutdown_done);
    if (rc != 0) return status_from_uv(rc);
    conn->shutdown_pending = true;
    return FL_OK;
}

/* FIN after the pending writes, then the handle closes. */
static void release_gracefully(uvconn_t *conn) {
    assert(conn->local_status != FL_OK); /* only through end_endpoint */
    assert(conn->established);
    unpaired_remove(conn);
    stop_reading(conn);
    if (uv_is_closing((uv_handle_t *)&conn->tcp)) return;
    bool broken = conn->read_status == FL_ERESET || conn->write_status != FL_OK;
    if (!conn->write_shut && conn->established && !broken) (void)start_shutdown(conn);
    if (conn->shutdown_pending) conn->close_after_shutdown = true;
    else uv_close((uv_handle_t *)&conn->tcp, conn_closed);
    /* The handle closes now, or once the FIN went out. */
    assert(conn->shutdown_pending ? conn->close_after_shutdown
                                  : uv_is_closing((uv_handle_t *)&conn->tcp));
}

/* RST: SO_LINGER 0, then close. uv_tcp_close_reset refuses a handle whose
 * FIN is still queued, so that case sets the option itself. */
static void release_abortively(uvconn_t *conn) {
    /* Through end_endpoint, or an accepted socket that never became one. */
    assert(conn->local_status != FL_OK || !conn->established);
    unpaired_remove(conn);
    stop_reading(conn);
    conn->start = conn->end = 0; /* what was not read is dropped, as RST does */
    uv_handle_t *handle = (uv_handle_t *)&conn->tcp;
    if (uv_is_closing(handle)) return;
    if (uv_tcp_close_reset(&conn->tcp, conn_closed) == 0) return;
    uv_os_fd_t fd;
    if (uv_fileno(handle, &fd) == 0) {
        struct linger linger = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
    }
    uv_close(handle, conn_closed);
}

/* Ends the endpoint's use: its calls return local_status from now on. */
static void end_endpoint(uvconn_t *conn, int local_status, bool abortive) {
    assert(local_status == FL_ECLOSED || local_status == FL_ERESET);
    assert(conn->established); /* only endpoints that were handed out or queued end */
    if (conn->local_status != FL_OK) return;
    conn->local_status = local_status;
    if (abortive) release_abortively(conn);
    else release_gracefully(conn);
    assert(!conn->reading && !conn->in_unpaired);
    wake_all(conn);
}

/* --- faults -------------------------------------------------------------- */

static bool fault_supported(const fl_fault_entry_t *entry) {
    fl_fault_trigger_kind_t trigger = entry->spec.trigger.kind;
    /* The plan validated its entries: both kinds are rows of their tables. */
    assert(trigger < FL_FAULT_TRIGGER_COUNT && entry->spec.action.kind < FL_FAULT_ACTION_COUNT);
    if (trigger != FL_FAULT_TRIGGER_AT && trigger != FL_FAULT_TRIGGER_BYTES) return false;
    switch (entry->spec.action.kind) {
    case FL_FAULT_ACTION_RESET:
    case FL_FAULT_ACTION_CLOSE:
    case FL_FAULT_ACTION_HALF_CLOSE:
    case FL_FAULT_ACTION_STALL:
    case FL_FAULT_ACTION_DELAY: return true;
    default: return false;
    }
}

/* Bytes triggers for a direction are counted by the writing endpoint, and
 * by the reading one only when the writer is not ours: each threshold is
 * reached once per connection. */
static bool counts_bytes(const uvconn_t *conn, fl_direction_t direction) {
    assert(direction == FL_DIRECTION_CLIENT_TO_SERVER ||
           direction == FL_DIRECTION_SERVER_TO_CLIENT);
    return direction == write_direction(conn) || conn->pair == NULL;
}

static bool bytes_entry_applies(const fl_fault_entry_t *entry, const uvconn_t *conn,
                                fl_direction_t direction) {
    const fl_fault_trigger_t *trigger = &entry->spec.trigger;
    /* One of this network's own entries, asked about an endpoint that counts. */
    assert(entry->index >= 1 && entry->index <= conn->net->fault_count &&
           entry == &conn->net->faults[entry->index - 1]);
    assert(conn->established);
    return trigger->kind == FL_FAULT_TRIGGER_BYTES && !entry->spent &&
           trigger->direction == direction &&
           (trigger->connection == FL_FAULT_EVERY_CONNECTION ||
            trigger->connection == conn->base.id);
}

/* Which local endpoints an action acts on (uvnet.h). */
static bool action_targets(const fl_fault_entry_t *entry, const uvconn_t *conn) {
    const fl_fault_action_t *action = &entry->spec.action;
    assert(conn->established && conn->local_status == FL_OK); /* apply_action checked */
    switch (action->kind) {
    case FL_FAULT_ACTION_RESET: return true;
    case FL_FAULT_ACTION_CLOSE:
    case FL_FAULT_ACTION_HALF_CLOSE: return conn->base.side == action->side;
    case FL_FAULT_ACTION_STALL:
    case FL_FAULT_ACTION_DELAY:
        return read_direction(conn) == fl_fault_action_direction(entry) || conn->pair == NULL;
    default: FL_UNREACHABLE(); /* copy_faults refused every other action */
    }
}

static void apply_action(const fl_fault_entry_t *entry, uvconn_t *conn) {
    assert(entry->fired >= 1 && conn->established);
    if (conn->local_status != FL_OK || !action_targets(entry, conn)) return;
    conn->actions++;
    const fl_fault_action_t *action = &entry->spec.action;
    fl_direction_t direction = fl_fault_action_direction(entry);
    switch (action->kind) {
    case FL_FAULT_ACTION_RESET:
        trace_conn(conn, 0, "reset");
        end_endpoint(conn, FL_ERESET, true);
        assert(conn->local_status == FL_ERESET && buffered(conn) == 0);
        break;
    case FL_FAULT_ACTION_CLOSE:
        trace_conn(conn, 0, "close");
        end_endpoint(conn, FL_ECLOSED, false);
        assert(conn->local_status == FL_ECLOSED);
        break;
    case FL_FAULT_ACTION_HALF_CLOSE:
        if (!conn->write_shut) (void)start_shutdown(conn);
        assert(conn->write_shut);
        wake_all(conn);
        break;
    case FL_FAULT_ACTION_STALL:
        conn->hold_until_ns[direction] =
            time_after(fl_now(conn_world(conn)), action->duration_ns);
        assert(conn->hold_until_ns[direction] > fl_now(conn_world(conn))); /* duration > 0 */
        break;
    case FL_FAULT_ACTION_DELAY: conn->delay_ns[direction] = action->duration_ns; break;
    default: FL_UNREACHABLE(); /* action_targets has the same cases */
    }
}

static void trace_firing(uvnet_t *net, const fl_fault_entry_t *entry, uint32_t conn_id) {
    assert(entry->fired >= 1 && entry->index >= 1 && entry->index <= net->fault_count);
    trace(net, FL_TRACE_FAULT, conn_id, entry->index,
          fl_fault_action_name(entry->spec.action.kind));
}

/* A bytes threshold was reached on this endpoint: act on it and on its
 * other end if that is ours too. */
static void fire_on_connection(const fl_fault_entry_t *entry, uvconn_t *conn) {
    assert(entry->spec.trigger.kind == FL_FAULT_TRIGGER_BYTES);
    assert(conn->pair == NULL || conn->pair->pair == conn);
    trace_firing(conn->net, entry, conn->base.id);
    apply_action(entry, conn);
    if (conn->pair != NULL) apply_action(entry, conn->pair);
}

/* Fires the entries whose threshold lies in (from, to]; with first set, a
 * threshold of 0 counts too (the direction's first transfer). */
static void fire_crossings(uvconn_t *conn, fl_direction_t direction, uint64_t from, uint64_t to,
                           bool first) {
    uvnet_t *net = conn->net;
    assert(from <= to && (!first || (from == 0 && to == 0)));
    if (!counts_bytes(conn, direction)) return;
    fl_world_t *world = net_world(net);
    for (size_t i = 0; i < net->fault_count; i++) {
        fl_fault_entry_t *entry = &net->faults[i];
        assert(entry->index == i + 1); /* copy_faults kept the plan's numbering */
        if (!bytes_entry_applies(entry, conn, direction)) continue;
        uint64_t threshold = entry->spec.trigger.bytes;
        bool crossed = (threshold > from || (first && threshold == 0)) && threshold <= to;
        if (crossed && fl_fault_entry_reached(entry, world)) fire_on_connection(entry, conn);
    }
}

static void fire_first_crossing(uvconn_t *conn, fl_direction_t direction) {
    if (conn->started[direction]) return;
    /* Every transfer starts here first: nothing moved in the direction yet. */
    assert(conn->bytes[direction] == 0);
    conn->started[direction] = true;
    fire_crossings(conn, direction, 0, 0, true);
}

/* How many bytes may move in the direction before the next threshold. */
static uint64_t bytes_to_next_threshold(const uvconn_t *conn, fl_direction_t direction) {
    uint64_t limit = UINT64_MAX;
    /* Read and write fire a direction's 0-threshold before they move bytes. */
    assert(conn->started[direction]);
    if (!counts_bytes(conn, direction)) return limit;
    uint64_t position = conn->bytes[direction];
    for (size_t i = 0; i < conn->net->fault_count; i++) {
        const fl_fault_entry_t *entry = &conn->net->faults[i];
        if (!bytes_entry_applies(entry, conn, direction)) continue;
        uint64_t threshold = entry->spec.trigger.bytes;
        if (threshold > position && threshold - position < limit) limit = threshold - position;
    }
    assert(limit >= 1); /* a threshold at the position itself has fired */
    return limit;
}

static void at_fault_fired(uv_timer_t *timer);

static void arm_at_fault(at_fault_t *fault) {
    assert(fault->entry->spec.trigger.kind == FL_FAULT_TRIGGER_AT && fault->timer.data == fault);
    assert(!fault->net->tearing_down && fault->entry->spec.trigger.at_ns >= 0);
    int64_t elapsed_ns = (int64_t)(uv_hrtime() - fault->net->created_ns);
    int64_t remaining_ns = fault->entry->spec.trigger.at_ns - elapsed_ns;
    uint64_t timeout_ms = remaining_ns <= 0 ? 0 : (uint64_t)(remaining_ns + NS_PER_MS - 1) / NS_PER_MS;
    uv_update_time(&fault->net->loop);
    uv_timer_start(&fault->timer, at_fault_fired, timeout_ms, 0);
}

/* libuv's timers have millisecond steps on a cached clock: a timer may
 * fire a little early, and then it is armed again for the rest. */
static void at_fault_fired(uv_timer_t *timer) {
    at_fault_t *fault = timer->data;
    assert(timer == &fault->timer);
    assert(fault->entry->spec.trigger.kind == FL_FAULT_TRIGGER_AT && !fault->entry->spent);
    uvnet_t *net = fault->net;
    if (net->tearing_down) return;
    if ((int64_t)(uv_hrtime() - net->created_ns) < fault->entry->spec.trigger.at_ns) {
        arm_at_fault(fault);
        return;
    }
    touch_clock(net);
    if (!fl_fault_entry_reached(fault->entry, net_world(net))) return;
    assert(fault->entry->spent); /* an 'at' trigger cannot repeat: it fired once */
    uint32_t target = fault->entry->spec.action.connection;
    trace_firing(net, fault->entry, target);
    for (uvconn_t *conn = net->conns_head; conn != NULL; conn = conn->next)
        if (target == FL_FAULT_EVERY_CONNECTION || conn->base.id == target)
            apply_action(fault->entry, conn);
}

/* Copies the supported entries (with fresh counters) and arms the 'at'
 * ones. Returns false with a message for an entry it cannot carry out. */
static bool copy_faults(uvnet_t *net, const fl_fault_plan_t *plan, char *error,
                        size_t error_size) {
    assert(net->faults == NULL && net->fault_count == 0); /* copied once, at creation */
    assert(error != NULL || error_size == 0);
    if (plan == NULL || plan->count == 0) return true;
    for (size_t i = 0; i < plan->count; i++) {
        const fl_fault_entry_t *entry = &plan->entries[i];
        if (fault_supported(entry)) continue;
        if (error_size > 0)
            snprintf(error, error_size,
                     "fault #%u (%s -> %s) is not supported on the real network: libuv carries "
                     "out 'at' and 'bytes' triggers with reset, close, half-close, stall, delay",
                     entry->index, fl_fault_trigger_name(entry->spec.trigger.kind),
                     fl_fault_action_name(entry->spec.action.kind));
        return false;
    }
    fl_arena_t *arena = fl_world_arena(net_world(net));
    net->faults = fl_arena_alloc(arena, plan->count * sizeof *net->faults);
    for (size_t i = 0; i < plan->count; i++) {
        net->faults[i] = plan->entries[i];
        net->faults[i].reached = net->faults[i].fired = 0;
        net->faults[i].spent = false;
        assert(fault_supported(&net->faults[i]) && net->faults[i].index == i + 1);
    }
    net->fault_count = plan->count;
    return true;
}

static void arm_at_faults(uvnet_t *net) {
    assert(net->fault_count == 0 || net->faults != NULL);
    fl_arena_t *arena = fl_world_arena(net_world(net));
    for (size_t i = 0; i < net->fault_count; i++) {
        if (net->faults[i].spec.trigger.kind != FL_FAULT_TRIGGER_AT) continue;
        at_fault_t *fault = fl_arena_zalloc(arena, sizeof *fault);
        fault->net = net;
        fault->entry = &net->faults[i];
        assert(fault->entry->index == i + 1);
        int rc = uv_timer_init(&net->loop, &fault->timer);
        assert(rc == 0);
        (void)rc;
        fault->timer.data = fault;
        arm_at_fault(fault);
    }
}

/* --- reading ------------------------------------------------------------- */

/* Room for one socket read at the end of the buffer: slide the unread
 * bytes to the front, grow only when that is not enough. */
static void make_room(uvconn_t *conn) {
    assert(buffered(conn) < READ_BUFFER_MAX); /* reading stopped at the maximum */
    if (conn->capacity - conn->end >= READ_CHUNK) return;
    if (conn->start > 0) {
        memmove(conn->buffer, conn->buffer + conn->start, buffered(conn));
        conn->end -= conn->start;
        conn->start = 0;
    }
    if (conn->capacity - conn->end >= READ_CHUNK) return;
    size_t capacity = conn->end + READ_CHUNK;
    assert(capacity <= READ_BUFFER_MAX + READ_CHUNK); /* reading stops above the maximum */
    uint8_t *grown = realloc(conn->buffer, capacity);
    if (grown == NULL) fl__out_of_memory("uvnet read buffer");
    conn->buffer = grown;
    conn->capacity = capacity;
    assert(conn->capacity - conn->end >= READ_CHUNK);
}

static void read_alloc(uv_handle_t *handle, size_t suggested_size, uv_buf_t *out) {
    uvconn_t *conn = handle->data;
    (void)suggested_size;
    /* libuv asks only while a read is started, which establish began. */
    assert(handle == (uv_handle_t *)&conn->tcp && conn->reading);
    make_room(conn);
    *out = uv_buf_init((char *)conn->buffer + conn->end, (unsigned)(conn->capacity - conn->end));
    assert(out->len >= READ_CHUNK);
}

static void bytes_arrived(uvconn_t *conn, size_t count) {
    assert(count > 0 && count <= conn->capacity - conn->end);
    /* Bytes come only while reading, which stops when the endpoint or stream ends. */
    assert(conn->reading && conn->read_status == FL_OK && conn->local_status == FL_OK);
    if (buffered(conn) == 0) conn->pending_since_ns = fl_now(conn_world(conn));
    conn->end += count;
    assert(conn->end <= conn->capacity);
    if (buffered(conn) >= READ_BUFFER_MAX) stop_reading(conn); /* backpressure */
}

/* What an EOF from libuv was. libuv reports UV_EOF without reading again
 * when poll says POLLHUP after a short read (uv__stream_io), and a peer's
 * RST right behind its last bytes raises POLLHUP too: the ECONNRESET is
 * then still pending on the socket, unread. SO_ERROR reads it, so bytes
 * followed at once by a reset end in a reset, as a blocking recv reports
 * them, not in a clean close. Only ECONNRESET: Linux records an RST after
 * the peer's FIN as EPIPE (tcp_reset in CLOSE_WAIT), and that stream did
 * end in a clean close first. */
static int eof_or_pending_error(uvconn_t *conn) {
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&conn->tcp, &fd) != 0) return UV_EOF;
    int pending = 0;
    socklen_t length = sizeof pending;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) != 0) return UV_EOF;
    return pending == ECONNRESET ? UV_ECONNRESET : UV_EOF;
}

static void stream_ended(uvconn_t *conn, int uv_status) {
    assert(uv_status < 0 && conn->read_status == FL_OK);
    assert(conn->established && conn->reading);
    stop_reading(conn);
    if (uv_status == UV_EOF) uv_status = eof_or_pending_error(conn);
    if (uv_status == UV_EOF) {
        conn->read_status = FL_EEOF;
        trace_conn(conn, 0, "eof");
        return;
    }
    conn->read_status = status_from_uv(uv_status);
    if (conn->read_status != FL_ERESET) conn->read_status = FL_EIO;
    conn->start = conn->end = 0; /* RST drops what was not read yet */
    if (conn->write_status == FL_OK) conn->write_status = conn->read_status;
    assert(buffered(conn) == 0 && conn->write_status != FL_OK);
    trace_conn(conn, 0, conn->read_status == FL_ERESET ? "rst" : "read-error");
}

static void read_done(uv_stream_t *stream, ssize_t count, const uv_buf_t *buf) {
    uvconn_t *conn = stream->data;
    (void)buf; /* it points into conn->buffer */
    assert(stream == (uv_stream_t *)&conn->tcp);
    if (count == 0 || conn->net->tearing_down) return;
    /* The bytes landed where read_alloc offered room. */
    assert(count < 0 || buf->base == (char *)conn->buffer + conn->end);
    touch_clock(conn->net);
    if (count > 0) bytes_arrived(conn, (size_t)count);
    else stream_ended(conn, (int)count);
    wake_all(conn);
}

static void resume_reading(uvconn_t *conn) {
    assert(conn->established);
    if (conn->reading || conn->read_status != FL_OK || conn->local_status != FL_OK) return;
    if (buffered(conn) >= READ_BUFFER_MAX) return;
    int rc = uv_read_start((uv_stream_t *)&conn->tcp, read_alloc, read_done);
    if (rc == 0) conn->reading = true;
    else conn->read_status = status_from_uv(rc) == FL_ERESET ? FL_ERESET : FL_EIO;
    assert(conn->reading || conn->read_status != FL_OK); /* reading, or the stream has ended */
}

/* The instant the next read may deliver: a stall holds everything in the
 * direction; a delay holds bytes until they waited that long. */
static int64_t read_ready_at(const uvconn_t *conn) {
    fl_direction_t direction = read_direction(conn);
    assert(conn->delay_ns[direction] >= 0 && conn->pending_since_ns >= 0);
    int64_t at = conn->hold_until_ns[direction];
    if (buffered(conn) > 0 && conn->delay_ns[direction] > 0)
        at = max_time(at, time_after(conn->pending_since_ns, conn->delay_ns[direction]));
    return at;
}

/* Hands over up to capacity bytes, stopping at the next bytes threshold
 * so that its action runs before the bytes after it. */
static int deliver(uvconn_t *conn, void *out, size_t capacity, size_t *count_out) {
    assert(capacity > 0 && buffered(conn) > 0);
    assert(conn->local_status == FL_OK && out != NULL && count_out != NULL);
    fl_direction_t direction = read_direction(conn);
    size_t count = buffered(conn) < capacity ? buffered(conn) : capacity;
    uint64_t limit = bytes_to_next_threshold(conn, direction);
    if (count > limit) count = (size_t)limit;
    assert(count > 0 && count <= capacity);
    memcpy(out, conn->buffer + conn->start, count);
    conn->start += count;
    if (conn->start == conn->end) conn->start = conn->end = 0;
    conn->pending_since_ns = fl_now(conn_world(conn));
    uint64_t before = conn->bytes[direction];
    conn->bytes[direction] += count;
    *count_out = count;
    trace_conn(conn, (int64_t)count, "read");
    resume_reading(conn);
    fire_crossings(conn, direction, before, conn->bytes[direction], false);
    return FL_OK;
}

static int conn_read(fl_conn_t *base, void *out, size_t capacity, size_t *count_out) {
    uvconn_t *conn = (uvconn_t *)base;
    assert(capacity > 0 && conn->established);
    assert(out != NULL && count_out != NULL && conn->base.id >= 1);
    fl_world_t *world = conn_world(conn);
    int status = fl_checkpoint(world);
    if (status != FL_OK) return status;
    fire_first_crossing(conn, read_direction(conn));
    for (;;) {
        /* An endpoint ends closed or reset (end_endpoint). */
        assert(conn->local_status == FL_OK || conn->local_status == FL_ECLOSED ||
               conn->local_status == FL_ERESET);
        if (conn->local_status != FL_OK) return conn->local_status;
        int64_t ready_at = read_ready_at(conn);
        if (ready_at > fl_now(world)) {
            status = wait_until(world, conn->readable, ready_at, "read");
        } else if (buffered(conn) > 0) {
            return deliver(conn, out, capacity, count_out);
        } else if (conn->read_status != FL_OK) {
            /* How a stream ends (stream_ended, resume_reading). */
            assert(conn->read_status == FL_EEOF || conn->read_status == FL_ERESET ||
                   conn->read_status == FL_EIO);
            return conn->read_status;
        } else {
            status = fl_condition_wait(world, conn->readable, "read");
        }
        if (status != FL_OK) return status;
    }
}

/* Non-blocking: whether conn_read would return at once (see net.h). What
 * libuv's read callback already took is in the buffer or read_status; a
 * byte, FIN or RST the kernel holds but no callback has seen yet (callbacks
 * run only when the world waits) is found by polling the socket with no
 * timeout. poll, not a MSG_PEEK recv: a recv would consume a pending
 * ECONNRESET, and the next read would report EOF instead of the reset. A
 * stall fault holds everything in the direction, so nothing has arrived. */
static bool conn_is_readable(fl_conn_t *base) {
    uvconn_t *conn = (uvconn_t *)base;
    assert(conn->established && conn->base.id >= 1);
    if (conn->local_status != FL_OK) return true;
    if (conn->hold_until_ns[read_direction(conn)] > fl_now(conn_world(conn))) return false;
    if (buffered(conn) > 0 || conn->read_status != FL_OK) return true;
    uv_os_fd_t fd;
    if (uv_fileno((const uv_handle_t *)&conn->tcp, &fd) != 0) return true;
    struct pollfd probe = {.fd = fd, .events = POLLIN | POLLRDHUP};
    int ready;
    do ready = poll(&probe, 1, 0);
    while (ready < 0 && errno == EINTR);
    return ready != 0; /* an error of poll itself: let the read report it */
}

/* --- writing ------------------------------------------------------------- */

static int write_state(const uvconn_t *conn) {
    assert(conn->local_status <= 0 && conn->write_status <= 0);
    if (conn->local_status != FL_OK) return conn->local_status;
    if (conn->write_shut) return FL_EPIPE;
    return conn->write_status;
}

static void write_done(uv_write_t *request, int uv_status) {
    write_request_t *write = (write_request_t *)request;
    uvconn_t *conn = write->conn;
    assert(conn->established); /* only an established endpoint writes */
    assert(write->from < write->to && write->to <= conn->bytes[write_direction(conn)]);
    assert(write->to - write->from <= WRITE_CHUNK); /* one chunk per request */
    if (!conn->net->tearing_down) {
        touch_clock(conn->net);
        int status = status_from_uv(uv_status);
        if (uv_status == UV_ECANCELED && conn->local_status != FL_OK) status = conn->local_status;
        else if (status != FL_OK && conn->write_status == FL_OK) conn->write_status = status;
        if (write->wait != NULL) {
            write->wait->done = true;
            write->wait->status = status;
        }
        fl_condition_notify_all(conn_world(conn), conn->writable);
        if (uv_status == 0)
            fire_crossings(conn, write_direction(conn), write->from, write->to, false);
    }
    free(write);
}

/* Sends one chunk and waits until the kernel took it. On cancellation the
 * request goes on alone and frees itself. */
static int write_chunk(uvconn_t *conn, const uint8_t *data, size_t length) {
    fl_world_t *world = conn_world(conn);
    fl_direction_t direction = write_direction(conn);
    assert(length > 0 && length <= WRITE_CHUNK);
    assert(write_state(conn) == FL_OK); /* wait_writable said so, and nothing ran since */
    write_request_t *write = malloc(sizeof *write + length);
    if (write == NULL) fl__out_of_memory("uvnet write");
    memcpy(write->data, data, length);
    write_wait_t wait = {0};
    write->conn = conn;
    write->wait = &wait;
    uv_buf_t buf = uv_buf_init((char *)write->data, (unsigned)length);
    int rc = uv_write(&write->request, (uv_stream_t *)&conn->tcp, &buf, 1, write_done);
    if (rc != 0) {
        free(write);
        conn->write_status = status_from_uv(rc);
        return conn->write_status;
    }
    write->from = conn->bytes[direction];
    conn->bytes[direction] += length;
    write->to = conn->bytes[direction];
    trace_conn(conn, (int64_t)length, "write");
    while (!wait.done) {
        int status = fl_condition_wait(world, conn->writable, "write");
        if (status == FL_OK && !wait.done && conn->local_status != FL_OK)
            status = conn->local_status;
        if (status != FL_OK) {
            write->wait = NULL;
            return status;
        }
    }
    return wait.status;
}

/* Per call, a delay fault makes the write wait before its first chunk, and
 * again after a fault acted on the endpoint in the middle of it. */
typedef struct write_pacing {
    uint64_t actions;
    int64_t not_before_ns;
} write_pacing_t;

static int wait_writable(uvconn_t *conn, write_pacing_t *pacing) {
    fl_world_t *world = conn_world(conn);
    fl_direction_t direction = write_direction(conn);
    assert(pacing != NULL && conn->delay_ns[direction] >= 0);
    for (;;) {
        int status = write_state(conn);
        if (status != FL_OK) return status;
        if (pacing->actions != conn->actions) {
            pacing->actions = conn->actions;
            pacing->not_before_ns = time_after(fl_now(world), conn->delay_ns[direction]);
            assert(pacing->not_before_ns >= fl_now(world));
        }
        int64_t ready_at = max_time(conn->hold_until_ns[direction], pacing->not_before_ns);
        if (ready_at <= fl_now(world)) return FL_OK;
        status = wait_until(world, conn->writable, ready_at, "write");
        if (status != FL_OK) return status;
    }
}

static int conn_write(fl_conn_t *base, const void *data, size_t length) {
    uvconn_t *conn = (uvconn_t *)base;
    assert(conn->established && (data != NULL || length == 0));
    fl_world_t *world = conn_world(conn);
    int status = fl_checkpoint(world);
    if (status != FL_OK) return status;
    if (length == 0) return write_state(conn);
    fl_direction_t direction = write_direction(conn);
    fire_first_crossing(conn, direction);
    write_pacing_t pacing = {.actions = conn->actions - 1}; /* apply the delay once now */
    size_t done = 0;
    while (done < length) {
        status = wait_writable(conn, &pacing);
        if (status != FL_OK) return status;
        size_t chunk = length - done < WRITE_CHUNK ? length - done : WRITE_CHUNK;
        uint64_t limit = bytes_to_next_threshold(conn, direction);
        if (chunk > limit) chunk = (size_t)limit;
        assert(chunk > 0 && chunk <= length - done);
        status = write_chunk(conn, (const uint8_t *)data + done, chunk);
        if (status != FL_OK) return status;
        done += chunk;
    }
    assert(done == length);
    return FL_OK;
}

static int conn_shutdown_write(fl_conn_t *base) {
    uvconn_t *conn = (uvconn_t *)base;
    assert(conn->established);
    if (conn->local_status != FL_OK) return conn->local_status;
    if (conn->write_shut) return FL_OK;
    if (conn->write_status != FL_OK) return conn->write_status; /* no FIN after a RST */
    int status = start_shutdown(conn);
    assert(conn->write_shut); /* even a FIN that failed to queue ends the writing */
    fl_condition_notify_all(conn_world(conn), conn->writable); /* held writers: EPIPE */
    return status;
}

static void conn_close(fl_conn_t *base) {
    uvconn_t *conn = (uvconn_t *)base;
    assert(conn->established);
    if (conn->local_status != FL_OK) return;
    trace_conn(conn, 0, "close");
    end_endpoint(conn, FL_ECLOSED, false);
    assert(conn->local_status == FL_ECLOSED);
}

static void conn_reset(fl_conn_t *base) {
    uvconn_t *conn = (uvconn_t *)base;
    assert(conn->established);
    if (conn->local_status != FL_OK) return;
    trace_conn(conn, 0, "reset");
    end_endpoint(conn, FL_ECLOSED, true);
    assert(conn->local_status == FL_ECLOSED && buffered(conn) == 0);
}

/* --- connections: create, accept, connect -------------------------------- */

static uvconn_t *conn_create(uvnet_t *net, fl_side_t side) {
    assert(side == FL_SIDE_CLIENT || side == FL_SIDE_SERVER);
    assert(!net->tearing_down);
    fl_world_t *world = net_world(net);
    uvconn_t *conn = net->free_conns;
    if (conn != NULL) { /* wiped but for its conditions, which nothing waits on */
        net->free_conns = conn->next_free;
        fl_condition_t *readable = conn->readable, *writable = conn->writable;
        assert(fl_condition_waiting(readable) == 0 && fl_condition_waiting(writable) == 0);
        memset(conn, 0, sizeof *conn);
        conn->readable = readable;
        conn->writable = writable;
    } else {
        conn = fl_arena_zalloc(fl_world_arena(world), sizeof *conn);
        const char *name = side == FL_SIDE_CLIENT ? "client" : "server";
        conn->readable = fl_condition_create(world, "connection", name);
        conn->writable = fl_condition_create(world, "connection", name);
    }
    conn->base.net = &net->base;
    conn->base.side = side;
    conn->base.protocol_state = (int)fl_protocol_state_initial(side);
    conn->net = net;
    int rc = uv_tcp_init(&net->loop, &conn->tcp);
    assert(rc == 0); /* only bad flags make it fail */
    (void)rc;
    conn->tcp.data = conn;
    return conn;
}

/* The accept queue's ends and its count agree. */
static bool queue_consistent(const uvlistener_t *listener) {
    return (listener->queue_head == NULL) == (listener->queue_tail == NULL) &&
           (listener->queue_head == NULL) == (listener->queue_count == 0) &&
           (listener->queue_tail == NULL || listener->queue_tail->queue_next == NULL) &&
           listener->queue_count <= ACCEPT_QUEUE_MAX;
}

static void connection_arrived(uv_stream_t *server, int uv_status) {
    uvlistener_t *listener = server->data;
    assert(server == (uv_stream_t *)&listener->tcp);
    uvnet_t *net = listener->net;
    if (net->tearing_down || listener->closed) return;
    touch_clock(net);
    if (uv_status != 0) {
        trace(net, FL_TRACE_NET, 0, status_from_uv(uv_status), "accept-error");
        return;
    }
    uvconn_t *conn = conn_create(net, FL_SIDE_SERVER);
    int rc = uv_accept(server, (uv_stream_t *)&conn->tcp);
    if (rc != 0) { /* the peer gave up between the kernel's accept and ours */
        uv_close((uv_handle_t *)&conn->tcp, NULL);
        trace(net, FL_TRACE_NET, 0, status_from_uv(rc), "accept-failed");
        return;
    }
    if (listener->queue_count >= ACCEPT_QUEUE_MAX) { /* the backlog is full: refuse it */
        release_abortively(conn);
        trace(net, FL_TRACE_NET, 0, listener->port, "accept-overflow");
        return;
    }
    establish(conn);
    trace_conn(conn, listener->port, "established");
    if (listener->queue_tail != NULL) listener->queue_tail->queue_next = conn;
    else listener->queue_head = conn;
    listener->queue_tail = conn;
    listener->queue_count++;
    assert(listener->queue_count <= ACCEPT_QUEUE_MAX && conn->queue_next == NULL);
    assert(queue_consistent(listener));
    fl_condition_notify_all(net_world(net), listener->acceptable);
}

static uvconn_t *dequeue(uvlistener_t *listener) {
    assert(queue_consistent(listener));
    uvconn_t *conn = listener->queue_head;
    if (conn == NULL) return NULL;
    listener->queue_head = conn->queue_next;
    if (listener->queue_head == NULL) listener->queue_tail = NULL;
    conn->queue_next = NULL;
    assert(listener->queue_count > 0);
    listener->queue_count--;
    assert(queue_consistent(listener) && conn->established);
    return conn;
}

static int listener_accept(fl_listener_t *base, fl_conn_t **out) {
    uvlistener_t *listener = (uvlistener_t *)base;
    assert(out != NULL && listener->net != NULL && &listener->net->base == base->net);
    fl_world_t *world = net_world(listener->net);
    int status = fl_checkpoint(world);
    if (status != FL_OK) return status;
    for (;;) {
        if (listener->closed) return FL_ECLOSED;
        uvconn_t *conn = dequeue(listener);
        if (conn != NULL) {
            assert(conn->established && conn->base.side == FL_SIDE_SERVER);
            assert(conn->base.id >= 1 && conn->base.net == base->net);
            trace_conn(conn, listener->port, "accept");
            *out = &conn->base;
            return FL_OK;
        }
        status = fl_condition_wait(world, listener->acceptable, "accept");
        if (status != FL_OK) return status;
    }
}

static uint16_t listener_port(const fl_listener_t *base) {
    const uvlistener_t *listener = (const uvlistener_t *)base;
    /* Handed out only after bind_and_listen read the bound port. */
    assert(listener->net != NULL && listener->port != 0);
    return listener->port;
}

/* Connections established but never accepted are closed with it. */
static void listener_close(fl_listener_t *base) {
    uvlistener_t *listener = (uvlistener_t *)base;
    assert(listener->net != NULL && !listener->net->tearing_down);
    if (listener->closed) return;
    listener->closed = true;
    uv_close((uv_handle_t *)&listener->tcp, NULL);
    trace(listener->net, FL_TRACE_NET, 0, listener->port, "listen-close");
    uvconn_t *conn;
    while ((conn = dequeue(listener)) != NULL) conn_close(&conn->base);
    assert(listener->queue_count == 0 && listener->queue_head == NULL);
    fl_condition_notify_all(net_world(listener->net), listener->acceptable);
}

/* Binding fails for an address this host does not have (no such local
 * host: FL_ENOTFOUND) or one in use (FL_EADDRINUSE). */
static int listen_status(int uv_status) {
    assert(uv_status < 0); /* only a failed bind or listen asks */
    if (uv_status == UV_EADDRNOTAVAIL || uv_status == UV_EAFNOSUPPORT) return FL_ENOTFOUND;
    if (uv_status == UV_EADDRINUSE) return FL_EADDRINUSE;
    return status_from_uv(uv_status) == FL_ENOMEM ? FL_ENOMEM : FL_EIO;
}

static int bind_and_listen(uvlistener_t *listener, const struct sockaddr_storage *address) {
    int rc = uv_tcp_bind(&listener->tcp, (const struct sockaddr *)address, 0);
    if (rc == 0) rc = uv_listen((uv_stream_t *)&listener->tcp, LISTEN_BACKLOG, connection_arrived);
    struct sockaddr_storage bound;
    int length = (int)sizeof bound;
    if (rc == 0) rc = uv_tcp_getsockname(&listener->tcp, (struct sockaddr *)&bound, &length);
    if (rc != 0) return rc;
    assert(bound.ss_family == AF_INET || bound.ss_family == AF_INET6);
    listener->port = bound.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&bound)->sin_port)
                                                : ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    assert(listener->port != 0); /* a bound socket has its port, asked-for or ephemeral */
    return 0;
}

static int net_listen(fl_net_t *base, const char *host, uint16_t port, fl_listener_t **out) {
    uvnet_t *net = (uvnet_t *)base;
    assert(out != NULL && !net->tearing_down);
    fl_world_t *world = net_world(net);
    struct sockaddr_storage address;
    if (parse_address(host != NULL ? host : "127.0.0.1", port, &address) != FL_OK) {
        trace(net, FL_TRACE_NET, 0, port, "listen-not-found");
        return FL_ENOTFOUND;
    }
    uvlistener_t *listener = fl_arena_zalloc(fl_world_arena(world), sizeof *listener);
    listener->base.net = base;
    listener->net = net;
    listener->acceptable = fl_condition_create(world, "listener", "accept");
    int rc = uv_tcp_init(&net->loop, &listener->tcp);
    assert(rc == 0);
    listener->tcp.data = listener;
    rc = bind_and_listen(listener, &address);
    if (rc != 0) {
        listener->closed = true;
        uv_close((uv_handle_t *)&listener->tcp, NULL);
        trace(net, FL_TRACE_NET, 0, port, "listen-failed");
        return listen_status(rc);
    }
    trace(net, FL_TRACE_NET, 0, listener->port, "listen");
    assert(!listener->closed && listener->port != 0 && queue_consistent(listener));
    *out = &listener->base;
    return FL_OK;
}

static void connect_done(uv_connect_t *request, int uv_status) {
    uvconn_t *conn = request->data;
    assert(request == &conn->connect_request && conn->base.side == FL_SIDE_CLIENT);
    uvnet_t *net = conn->net;
    if (net->tearing_down) return;
    assert(!conn->connect_done && !conn->established);
    touch_clock(net);
    conn->connect_done = true;
    conn->connect_status = status_from_uv(uv_status);
    if (uv_status != 0 || conn->connect_abandoned) {
        /* Nobody will use it: a cancelled connect that went through is
         * closed at once and never numbered. */
        if (!uv_is_closing((uv_handle_t *)&conn->tcp)) uv_close((uv_handle_t *)&conn->tcp, NULL);
    } else {
        establish(conn);
    }
    fl_condition_notify_all(net_world(net), conn->writable);
}

static int connect_address(uvnet_t *net, const struct sockaddr_storage *address,
                           uvconn_t **out) {
    fl_world_t *world = net_world(net);
    assert(address->ss_family == AF_INET || address->ss_family == AF_INET6);
    assert(out != NULL);
    uvconn_t *conn = conn_create(net, FL_SIDE_CLIENT);
    conn->connect_request.data = conn;
    int rc = uv_tcp_connect(&conn->connect_request, &conn->tcp, (const struct sockaddr *)address,
                            connect_done);
    if (rc != 0) {
        uv_close((uv_handle_t *)&conn->tcp, NULL);
        return status_from_uv(rc);
    }
    while (!conn->connect_done) {
        int status = fl_condition_wait(world, conn->writable, "connect");
        if (status != FL_OK) {
            conn->connect_abandoned = true;
            return status;
        }
    }
    assert(conn->connect_done && !conn->connect_abandoned);
    if (conn->connect_status != FL_OK) return conn->connect_status;
    assert(conn->established && conn->base.id >= 1);
    *out = conn;
    return FL_OK;
}

/* --- name lookups --------------------------------------------------------- */

static void lookup_free(lookup_t *lookup) {
    uvnet_t *net = lookup->net;
    assert(lookup->prev != NULL || net->lookups == lookup);
    assert(lookup->next == NULL || lookup->next->prev == lookup);
    if (lookup->prev != NULL) lookup->prev->next = lookup->next;
    else net->lookups = lookup->next;
    if (lookup->next != NULL) lookup->next->prev = lookup->prev;
    uv_freeaddrinfo(lookup->result);
    free(lookup);
}

static void lookup_done(uv_getaddrinfo_t *request, int uv_status, struct addrinfo *result) {
    lookup_t *lookup = request->data;
    assert(request == &lookup->request && !lookup->done);
    lookup->result = result;
    lookup->status = status_from_uv(uv_status);
    assert((uv_status == 0) == (lookup->status == FL_OK)); /* lookup_name reads it so */
    lookup->done = true;
    if (lookup->abandoned) {
        lookup_free(lookup);
        return;
    }
    if (lookup->net->tearing_down) return; /* the teardown frees it */
    touch_clock(lookup->net);
    fl_condition_notify_all(net_world(lookup->net), lookup->net->resolved);
}

static size_t copy_addresses(const lookup_t *lookup, uint16_t port,
                             struct sockaddr_storage out[ADDRESSES_MAX]) {
    assert(lookup->done && lookup->status == FL_OK); /* only a lookup that succeeded */
    size_t count = 0;
    for (const struct addrinfo *ai = lookup->result; ai != NULL && count < ADDRESSES_MAX;
         ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        if (ai->ai_addrlen > sizeof out[count]) continue;
        memset(&out[count], 0, sizeof out[count]);
        memcpy(&out[count], ai->ai_addr, ai->ai_addrlen);
        set_port(&out[count], port);
        count++;
    }
    /* Addresses past ADDRESSES_MAX are not tried (uvnet.h says so). */
    assert(count <= ADDRESSES_MAX);
    return count;
}

/* Resolves a name without blocking the thread: the task waits on the
 * network's condition while libuv's thread pool looks it up. */
static int lookup_name(uvnet_t *net, const char *host, uint16_t port,
                       struct sockaddr_storage out[ADDRESSES_MAX], size_t *count_out) {
    fl_world_t *world = net_world(net);
    assert(host != NULL && out != NULL && count_out != NULL);
    lookup_t *lookup = calloc(1, sizeof *lookup);
    if (lookup == NULL) fl__out_of_memory("uvnet lookup");
    lookup->net = net;
    lookup->request.data = lookup;
    lookup->next = net->lookups;
    if (lookup->next != NULL) lookup->next->prev = lookup;
    net->lookups = lookup;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_protocol = IPPROTO_TCP};
    int rc = uv_getaddrinfo(&net->loop, &lookup->request, lookup_done, host, NULL, &hints);
    if (rc != 0) {
        lookup_free(lookup);
        return status_from_uv(rc);
    }
    while (!lookup->done) {
        int status = fl_condition_wait(world, net->resolved, "resolve");
        if (status != FL_OK) {
            lookup->abandoned = true;
            return status;
        }
    }
    assert(lookup->done && !lookup->abandoned);
    int status = lookup->status;
    *count_out = status == FL_OK ? copy_addresses(lookup, port, out) : 0;
    lookup_free(lookup);
    if (status == FL_OK && *count_out == 0) status = FL_ENOTFOUND;
    assert(status != FL_OK || (*count_out >= 1 && *count_out <= ADDRESSES_MAX));
    return status;
}

static int net_connect(fl_net_t *base, const char *host, uint16_t port, fl_conn_t **out) {
    uvnet_t *net = (uvnet_t *)base;
    assert(out != NULL && !net->tearing_down);
    int status = fl_checkpoint(net_world(net));
    if (status != FL_OK) return status;
    struct sockaddr_storage addresses[ADDRESSES_MAX];
    size_t count = 1;
    if (host == NULL) host = "127.0.0.1";
    if (parse_address(host, port, &addresses[0]) != FL_OK)
        status = lookup_name(net, host, port, addresses, &count);
    if (status != FL_OK) {
        if (status == FL_ENOTFOUND) trace(net, FL_TRACE_NET, 0, port, "not-found");
        return status;
    }
    assert(count >= 1 && count <= ADDRESSES_MAX);
    for (size_t i = 0; i < count; i++) {
        uvconn_t *conn = NULL;
        status = connect_address(net, &addresses[i], &conn);
        if (status == FL_OK) {
            assert(conn != NULL && conn->base.side == FL_SIDE_CLIENT);
            trace_conn(conn, port, "connect");
            *out = &conn->base;
            return FL_OK;
        }
        if (status == FL_ECANCELLED) return status;
    }
    assert(status != FL_OK); /* every address was tried and failed */
    trace(net, FL_TRACE_NET, 0, port, status == FL_EREFUSED ? "refused" : "connect-failed");
    return status;
}

/* Event triggers are refused at creation, so protocol events mean nothing here. */
static void net_event(fl_net_t *net, fl_conn_t *conn, const char *name) {
    assert(net != NULL && name != NULL && (conn == NULL || conn->net == net));
    (void)net;
    (void)conn;
    (void)name;
}

static const fl_net_ops_t uvnet_ops = {
    .name = "libuv",
    .listen = net_listen,
    .accept = listener_accept,
    .listener_port = listener_port,
    .close_listener = listener_close,
    .connect = net_connect,
    .read = conn_read,
    .write = conn_write,
    .shutdown_write = conn_shutdown_write,
    .close = conn_close,
    .reset = conn_reset,
    .is_readable = conn_is_readable,
    .event = net_event,
    .release = conn_release,
};

/* --- the driver ------------------------------------------------------------ */

static void wake_timer_fired(uv_timer_t *timer) { (void)timer; /* only ends uv_run */ }

/* Runs the loop once: until an outside event, or the world's next timer
 * (rounded up to libuv's millisecond; a little early is fine, the world
 * calls again for the rest). True while something outside the world (a
 * socket, a request, a fault timer) can still wake a task.
 *
 * UV_RUN_ONCE runs the timers that are due before it polls, and then polls
 * with the timeout of the timers left: a wake timer already due by then (a
 * world timer that passed while tasks ran, or one due within the
 * millisecond libuv rounds to) would fire first and leave the poll with no
 * timeout at all, blocking on the sockets past the world's timer. So a due
 * timer polls without blocking, and the wake timer repeats, so that it is
 * still armed for the poll if libuv's clock passed it in between. */
static bool uvnet_wait(fl_world_t *world, void *context, int64_t next_timer_ns) {
    uvnet_t *net = context;
    assert(net_world(net) == world && !net->tearing_down);
    assert(net->owns_driver); /* the world calls only the driver it installed */
    uv_run_mode mode = UV_RUN_ONCE;
    if (next_timer_ns != FL_TIME_NEVER) {
        int64_t remaining_ns = next_timer_ns - clock_now(net);
        uint64_t timeout_ms =
            remaining_ns <= 0 ? 0 : (uint64_t)(remaining_ns + NS_PER_MS - 1) / NS_PER_MS;
        if (timeout_ms == 0) {
            mode = UV_RUN_NOWAIT;
        } else {
            uv_update_time(&net->loop);
            uv_timer_start(&net->wake_timer, wake_timer_fired, timeout_ms, timeout_ms);
        }
    }
    uv_run(&net->loop, mode);
    uv_timer_stop(&net->wake_timer);
    fl_world_set_time(world, clock_now(net));
    return uv_loop_alive(&net->loop) != 0;
}

static void close_handle(uv_handle_t *handle, void *arg) {
    assert(handle != NULL && arg == NULL);
    (void)arg;
    if (!uv_is_closing(handle)) uv_close(handle, NULL);
}

/* World teardown: the tasks are gone, so callbacks from here on only free.
 * Cancels lookups still queued, closes every handle (pending writes and
 * connects complete as cancelled and free themselves) and runs the loop
 * until all of it is done. */
static void uvnet_destroy(void *arg) {
    uvnet_t *net = arg;
    assert(net != NULL && !net->tearing_down); /* torn down once */
    net->tearing_down = true;
    for (lookup_t *lookup = net->lookups; lookup != NULL; lookup = lookup->next)
        if (!lookup->done) (void)uv_cancel((uv_req_t *)&lookup->request);
    uv_walk(&net->loop, close_handle, NULL);
    uv_run(&net->loop, UV_RUN_DEFAULT);
    while (net->lookups != NULL) lookup_free(net->lookups); /* done, never collected */
    for (uvconn_t *conn = net->conns_head; conn != NULL; conn = conn->next) {
        assert(conn->net == net && conn->established); /* the list holds established ends */
        free(conn->buffer);
        conn->buffer = NULL;
    }
    int rc = uv_loop_close(&net->loop);
    assert(rc == 0 && "a libuv handle survived the network's teardown");
    (void)rc;
    if (net->owns_driver) fl_world_set_driver(net_world(net), NULL);
}

/* libuv leaves SIGPIPE to the application; a write to a reset socket must
 * come back as EPIPE instead of ending the process. A handler someone else
 * installed is left alone. */
static void ignore_sigpipe(void) {
    struct sigaction current;
    if (sigaction(SIGPIPE, NULL, &current) == 0 && current.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
}

fl_net_t *fl_uvnet_create(fl_world_t *world, const fl_fault_plan_t *faults, char *error,
                          size_t error_size) {
    assert(world != NULL);
    assert(error != NULL || error_size == 0);
    if (error_size > 0) error[0] = '\0';
    uvnet_t *net = fl_arena_zalloc(fl_world_arena(world), sizeof *net);
    net->base.ops = &uvnet_ops;
    net->base.world = world;
    if (!copy_faults(net, faults, error, error_size)) return NULL;
    assert(net->fault_count == (faults != NULL ? faults->count : 0));
    int rc = uv_loop_init(&net->loop);
    if (rc != 0) {
        if (error_size > 0) snprintf(error, error_size, "uv_loop_init: %s", uv_strerror(rc));
        return NULL;
    }
    rc = uv_timer_init(&net->loop, &net->wake_timer);
    assert(rc == 0);
    net->created_ns = uv_hrtime();
    net->origin_ns = net->created_ns - (uint64_t)fl_now(world);
    net->resolved = fl_condition_create(world, "network", "resolve");
    ignore_sigpipe();
    arm_at_faults(net);
    if (fl_world_set_driver(world, &(fl_world_driver_t){.wait = uvnet_wait, .context = net}) !=
        FL_OK) {
        if (error_size > 0)
            snprintf(error, error_size, "the world already has a driver: one libuv network per world");
        uvnet_destroy(net); /* owns_driver is false: the world's driver stays */
        return NULL;
    }
    net->owns_driver = true;
    fl_world_defer(world, uvnet_destroy, net);
    return &net->base;
}

/* --- for the serve command: the loop, peers, faults fired ---------------- */

struct uv_loop_s *fl_uvnet_loop(fl_net_t *net) {
    assert(net != NULL && net->ops == &uvnet_ops);
    return &((uvnet_t *)net)->loop;
}

bool fl_uvnet_peer(const fl_conn_t *conn, char *host, size_t host_size, uint16_t *port_out) {
    assert(conn != NULL && host != NULL && host_size > 0 && port_out != NULL);
    if (conn->net->ops != &uvnet_ops) return false;
    const uvconn_t *c = (const uvconn_t *)conn;
    const struct sockaddr *peer = (const struct sockaddr *)&c->peer;
    int rc = UV_EINVAL;
    if (peer->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)peer;
        rc = uv_ip4_name(in, host, host_size);
        *port_out = ntohs(in->sin_port);
    } else if (peer->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)peer;
        rc = uv_ip6_name(in6, host, host_size);
        *port_out = ntohs(in6->sin6_port);
    }
    return rc == 0;
}

uint64_t fl_uvnet_faults_fired(const fl_net_t *net) {
    assert(net != NULL && net->ops == &uvnet_ops);
    const uvnet_t *uv = (const uvnet_t *)net;
    uint64_t fired = 0;
    for (size_t i = 0; i < uv->fault_count; i++) fired += uv->faults[i].fired;
    return fired;
}
