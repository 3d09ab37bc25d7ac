/* faultline proxy's state, shared by its files (cross-file internals,
 * fl__ prefixed): the proxy (proxy.c), one proxied connection and its two
 * directions (proxy_connection.c, proxy_pump.c), the actions of the fault
 * plan carried out on them (proxy_actions.c) and the log (proxy_log.c).
 *
 * A proxied connection is the client's connection, accepted, and the
 * upstream connection the proxy dialled for it. Each byte direction has a
 * reader task (it reads its source into the direction's ring as long as the
 * ring has room: a bound, past which TCP's backpressure reaches the sender)
 * and a forwarder task (it takes bytes from the ring, tells the tracker and
 * the fault plan, and writes them to its sink, carrying out what fires).
 * The connection's own task supervises the four and ends the connection.
 * All of it runs on the proxy's one world and loop: no locks.
 */
#ifndef FL_PROXY_STATE_H
#define FL_PROXY_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/proxy/http_tracker.h"
#include "harness/proxy/proxy_faults.h"
#include "harness/proxy/proxy_log.h"
#include "sim/net/net.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/condition.h"
#include "sim/runtime/task_pool.h"
#include "sim/runtime/taskgroup.h"

enum {
    FL__PROXY_RING_BYTES = 64 * 1024, /* per direction: what a stalled one holds */
    FL__PROXY_READ_BYTES = 16 * 1024, /* at most one read */
    FL__PROXY_HOST_MAX = 256,
};

/* How long an answer the proxy writes itself (answer-instead, 502) waits
 * for the client's request head, and then for the client to close. */
#define FL__PROXY_ANSWER_WAIT_NS FL_SECONDS(5)
#define FL__PROXY_LINGER_NS FL_SECONDS(2)
/* How long the upstream has to accept a connection. */
#define FL__PROXY_DIAL_NS FL_SECONDS(10)
/* How often the at-trigger task looks at the plan (the admin API changes it). */
#define FL__PROXY_PLAN_POLL_NS (FL_SECONDS(1) / 10)
/* Graceful shutdown: how long open connections may go on. */
#define FL__PROXY_GRACE_NS FL_SECONDS(5)

typedef struct fl__proxy fl__proxy_t;
typedef struct fl__proxy_connection fl__proxy_connection_t;

/* One byte direction of a proxied connection. */
typedef struct fl__proxy_direction {
    fl_direction_t direction;
    fl__proxy_connection_t *connection;
    fl_conn_t *source; /* read from */
    fl_conn_t *sink;   /* written to */
    uint8_t *ring;     /* FL__PROXY_RING_BYTES, malloc'd per connection */
    size_t head;       /* the forwarder's next byte */
    size_t count;      /* bytes read and not yet forwarded (or dropped) */
    int source_status; /* 0 while the source is open; then FL_EEOF, FL_ERESET, ... */
    bool finished;     /* the forwarder is done */
    bool dropping;     /* truncated, half-closed or its sink gone: the rest is dropped */
    bool sink_shut;    /* FIN sent to the sink */
    int64_t stall_until_ns; /* 0: not stalled; FL_TIME_NEVER: forever */
    int64_t delay_ns;       /* before each write (delay) */
    uint64_t bytes_per_second; /* 0: no limit (bandwidth) */
    bool corrupt_next;      /* flip the next byte written */
    uint64_t forwarded;     /* bytes written to the sink */
    uint64_t threshold_decided; /* forwarded + 1 where the plan last decided (0: nowhere) */
    fl_condition_t *data;   /* the forwarder waits: bytes, the end, a change */
    fl_condition_t *space;  /* the reader waits: room in the ring */
} fl__proxy_direction_t;

/* An answer the proxy gives the client itself, instead of the upstream's. */
typedef struct fl__proxy_answer {
    bool pending;
    int status;
    const char *body; /* the fault plan's, or static */
    size_t body_length;
} fl__proxy_answer_t;

struct fl__proxy_connection {
    fl__proxy_t *proxy;
    uint32_t id;
    fl_conn_t *client;
    fl_conn_t *upstream; /* NULL until dialled */
    bool client_done, upstream_done; /* closed or reset by the proxy */
    char client_address[FL__PROXY_HOST_MAX + 8];
    fl__proxy_direction_t c2s, s2c;
    fl_http_tracker_t tracker;
    uint64_t requests, responses, faults;
    const char *end;     /* why it ended: the first reason recorded */
    bool ending;         /* the supervisor ends it at once */
    int64_t linger_until_ns; /* after an answer: the client has till then to close */
    fl__proxy_answer_t answer;
    fl_condition_t *changed; /* the supervisor waits on it */
    fl_taskgroup_t *group;   /* the four pump tasks */
    fl_arena_t arena;        /* the connection's runtime objects, freed at its end */
    fl__proxy_connection_t *next_open, *previous_open;
    fl__proxy_connection_t *next_free;
    bool open;
};

typedef struct fl__proxy_totals {
    uint64_t connections, requests, responses, c2s_bytes, s2c_bytes;
} fl__proxy_totals_t;

struct fl__proxy {
    fl_world_t *world;
    fl_net_t *net;
    fl_listener_t *listener;
    struct fl_asgi_server *admin; /* --admin: the admin API's server, or NULL */
    fl_proxy_faults_t *faults;
    fl_proxy_log_t log;
    char upstream_host[FL__PROXY_HOST_MAX];
    uint16_t upstream_port;
    int64_t started_ns;       /* the world's clock when the proxy started */
    int64_t duration_ns;      /* --duration (0: until a signal) */
    uint32_t last_connection; /* numbered from 1 */
    fl__proxy_connection_t *open_connections;
    fl__proxy_connection_t *free_connections;
    uint64_t open_count;
    fl__proxy_totals_t totals;
    fl_task_pool_t *pool;
    fl_condition_t *all_closed;   /* notified whenever a connection ends */
    fl_condition_t *plan_changed; /* the at-trigger task's: the plan's times moved */
    bool shutting_down;
};

/* Milliseconds of real time since the proxy started, for the log. */
uint64_t fl__proxy_time_ms(const fl__proxy_t *proxy);

/* The connection accepted on client: its task runs it to its end (dial,
 * pumps, log) and gives its record back. From the acceptor task. */
void fl__proxy_connection_start(fl__proxy_t *proxy, fl_conn_t *client);

/* Ends an open connection at once with a reset of both sockets (the
 * shutdown's grace ran out), end says why. Not a checkpoint. */
void fl__proxy_connection_abort(fl__proxy_connection_t *c, const char *end);

/* The reader and forwarder tasks of a direction (proxy_pump.c). */
fl_error_t *fl__proxy_reader_task(fl_world_t *world, void *arg);
fl_error_t *fl__proxy_forwarder_task(fl_world_t *world, void *arg);

/* Writes the bytes to the direction's sink as its faults say (delay,
 * bandwidth, corrupt); the pump's and the answer's only way out. */
int fl__proxy_write(fl__proxy_direction_t *d, const uint8_t *data, size_t length);

/* Writes c's pending answer to the client: "HTTP/1.1 503 Service
 * Unavailable", content-length, content-type, connection: close, the body;
 * then FIN. Counted as s2c bytes. Blocks (a checkpoint). */
void fl__proxy_send_answer(fl__proxy_connection_t *c);

/* Carries out firings on c (a firing's connection 0 is c). from is the
 * direction whose forwarder asks, or NULL (the connection's task, the
 * at-trigger task). Not a checkpoint: what needs a write (an answer) is
 * left to the tasks, which see it in c's state. */
void fl__proxy_act(fl__proxy_connection_t *c, const fl_proxy_firing_t *firings, size_t count,
                   fl__proxy_direction_t *from);

/* The firings of at-triggers, on every open connection they name. */
void fl__proxy_act_on_open(fl__proxy_t *proxy, const fl_proxy_firing_t *firings, size_t count);

/* Records why c ends (the first reason stays) and wakes its supervisor. */
void fl__proxy_end(fl__proxy_connection_t *c, const char *end, bool at_once);

/* Resets the connection's sockets that are still open. */
void fl__proxy_reset_both(fl__proxy_connection_t *c);

/* Wakes every task of c that waits on its state. */
void fl__proxy_notify(fl__proxy_connection_t *c);

static inline fl__proxy_direction_t *fl__proxy_other(fl__proxy_direction_t *d) {
    fl__proxy_connection_t *c = d->connection;
    return d == &c->c2s ? &c->s2c : &c->c2s;
}

#endif /* FL_PROXY_STATE_H */
