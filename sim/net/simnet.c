/* The simulated network: see simnet.h.
 *
 * A connection has two endpoints (client, server) and two pipes (c2s, s2c).
 * A pipe is a queue of segments, each stamped with the virtual time it
 * arrives; a reader sees only arrived segments. Segment payloads are
 * malloc'd (data flows through continuously, so the arena would only grow)
 * and freed when read or when the world is destroyed.
 */
#include "sim/net/simnet.h"

#include "sim/net/protocol_event.h"
#include "sim/net/protocol_state.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/assume.h"
#include "sim/runtime/condition.h"
#include "sim/runtime/status.h"
#include "sim/runtime/timer.h"

typedef struct simnet simnet_t;
typedef struct simconn simconn_t;

typedef struct segment {
    struct segment *next;
    int64_t arrive_at_ns;
    size_t length;
    size_t offset; /* bytes already read */
    bool fin;
    unsigned char data[];
} segment_t;

typedef struct pipe {
    simconn_t *conn;
    fl_direction_t direction;
    segment_t *head;
    segment_t *tail;
    size_t in_flight;          /* written, not yet read: the bounded buffer */
    int64_t link_free_at_ns;   /* bandwidth: when the last segment left */
    int64_t last_arrival_ns;   /* arrivals never overtake each other */
    int64_t extra_delay_ns;    /* delay faults */
    uint64_t bytes_per_second; /* bandwidth faults change it */
    int64_t stalled_until_ns;  /* stall faults; FL_TIME_NEVER: forever */
    uint64_t bytes_written;
    uint64_t bytes_read;
    bool write_shut;           /* FIN queued */
    bool reader_closed;        /* the reading endpoint was closed */
    bool truncated;            /* later writes vanish (a truncate fault) */
    bool corrupt_next;         /* flip the next byte written */
    /* Bytes that reach a closed reader are answered with RST, which travels
     * back to the writer: until it arrives, writes succeed (the bytes stay
     * queued, so the buffer still bounds them, as the send buffer and the
     * peer's window do); when it arrives they are dropped and writes fail
     * with FL_EPIPE. */
    bool rst_on_its_way;
    bool rst_returned;
    fl_condition_t *readable;
    fl_condition_t *writable;
    fl_timer_t arrival_timer;
    fl_timer_t rst_timer;
} pipe_t;

typedef struct endpoint {
    fl_conn_t base; /* first: an fl_conn_t * is an endpoint_t * */
    simconn_t *conn;
    bool closed;
} endpoint_t;

struct simconn {
    simnet_t *net;
    uint32_t id;
    bool reset;
    endpoint_t ends[2];  /* [FL_SIDE_CLIENT], [FL_SIDE_SERVER] */
    pipe_t pipes[2];     /* [FL_DIRECTION_CLIENT_TO_SERVER], [..._SERVER_TO_CLIENT] */
    bool *bytes_fault_done; /* per fault entry: a bytes trigger fired here */
    simconn_t *next_open;
};

typedef struct listener {
    fl_listener_t base; /* first */
    simnet_t *net;
    const char *host;
    uint16_t port;
    bool closed;
    endpoint_t **backlog; /* ring of capacity net->options.backlog */
    size_t backlog_head;
    size_t backlog_count;
    fl_condition_t *pending;
    struct listener *next;
} listener_t;

typedef struct net_fault {
    fl_fault_entry_t entry;
    simnet_t *net;
    uint64_t events_seen;
    /* Firings that acted on something: a cancel-task whose task was live, an
     * action on a connection that was open. entry.fired also counts
     * firings that found no target, which tested nothing. */
    uint64_t applied;
    fl_timer_t timer;
} net_fault_t;

struct simnet {
    fl_net_t base; /* first */
    fl_simnet_options_t options;
    listener_t *listeners;
    simconn_t *open_conns; /* every connection ever made, newest first */
    net_fault_t *faults;
    size_t fault_count;
    uint32_t connect_attempts;
    uint16_t next_ephemeral_port;
    fl_simnet_stats_t stats;
    fl_fault_hits_t fault_hits; /* each fault's action against each end's state */
};

static fl_world_t *world_of(const simnet_t *net) {
    assert(net != NULL && net->base.world != NULL);
    return net->base.world;
}

static void trace_net(simnet_t *net, uint32_t conn, int64_t value, const char *what) {
    assert(what != NULL && what[0] != '\0');
    fl_world_trace_event(world_of(net), FL_TRACE_NET, conn, value, what);
}

static const char *const write_names[2] = {"write c2s", "write s2c"};
static const char *const read_names[2] = {"read c2s", "read s2c"};
static const char *const fin_names[2] = {"fin c2s", "fin s2c"};
static const char *const rst_back_names[2] = {"rst answers c2s", "rst answers s2c"};

/* --- pipes ------------------------------------------------------------------ */

static pipe_t *write_pipe(endpoint_t *ep) {
    assert(ep->base.side == FL_SIDE_CLIENT || ep->base.side == FL_SIDE_SERVER);
    pipe_t *pipe = &ep->conn->pipes[ep->base.side == FL_SIDE_CLIENT ? FL_DIRECTION_CLIENT_TO_SERVER
                                                                    : FL_DIRECTION_SERVER_TO_CLIENT];
    assert(pipe->conn == ep->conn);
    return pipe;
}

static pipe_t *read_pipe(endpoint_t *ep) {
    assert(ep->base.side == FL_SIDE_CLIENT || ep->base.side == FL_SIDE_SERVER);
    pipe_t *pipe = &ep->conn->pipes[ep->base.side == FL_SIDE_CLIENT ? FL_DIRECTION_SERVER_TO_CLIENT
                                                                    : FL_DIRECTION_CLIENT_TO_SERVER];
    assert(pipe->conn == ep->conn);
    return pipe;
}

static bool pipe_stalled(const pipe_t *pipe, int64_t now) {
    assert(pipe->conn != NULL && now >= 0);
    return pipe->stalled_until_ns > now;
}

/* What holds of a pipe between any two of its operations, checked in O(1):
 * the queue's ends agree, the bounded buffer is respected, and a byte is
 * read only after it was written (bytes_written also counts those that
 * vanished into a truncated stream or were dropped by an RST, so it is an
 * upper bound, not a sum). */
static bool pipe_consistent(const pipe_t *pipe) {
    assert(pipe->conn != NULL && pipe == &pipe->conn->pipes[pipe->direction]);
    const simnet_t *net = pipe->conn->net;
    return (pipe->head == NULL) == (pipe->tail == NULL) &&
           (pipe->tail == NULL || pipe->tail->next == NULL) &&
           (pipe->head != NULL || pipe->in_flight == 0) &&
           pipe->in_flight <= net->options.buffer_bytes &&
           pipe->bytes_read + pipe->in_flight <= pipe->bytes_written &&
           (!pipe->rst_returned || pipe->rst_on_its_way) &&
           (!pipe->rst_on_its_way || pipe->reader_closed) &&
           (!pipe->truncated || pipe->write_shut);
}

static void arrival_fired(fl_world_t *world, fl_timer_t *timer) {
    pipe_t *pipe = timer->data;
    assert(timer == &pipe->arrival_timer);
    assert(pipe->conn != NULL && world == world_of(pipe->conn->net));
    fl_condition_notify_all(world, pipe->readable);
}

/* Arms the pipe's timer for the next instant a waiting reader could make
 * progress: the head segment's arrival, or the end of a stall. */
static void arm_arrival(pipe_t *pipe) {
    fl_world_t *w = world_of(pipe->conn->net);
    int64_t now = fl_now(w);
    if (pipe->head == NULL || pipe->stalled_until_ns == FL_TIME_NEVER) return;
    /* Arrivals never overtake each other: the head lands first. */
    assert(pipe->head->arrive_at_ns <= pipe->last_arrival_ns);
    int64_t at = pipe->head->arrive_at_ns;
    if (pipe->stalled_until_ns > at) at = pipe->stalled_until_ns;
    if (at <= now) return;
    assert(at != FL_TIME_NEVER);
    fl_world_arm_timer(w, &pipe->arrival_timer, at, arrival_fired, pipe);
}

static int64_t draw_latency(simnet_t *net) {
    /* fl_simnet_create refused negative latencies. */
    assert(net->options.latency_ns >= 0 && net->options.latency_jitter_ns >= 0);
    int64_t latency = net->options.latency_ns;
    if (net->options.latency_jitter_ns > 0)
        latency += (int64_t)fl_world_draw(world_of(net), FL_PRNG_NETWORK,
                                          (uint64_t)net->options.latency_jitter_ns + 1);
    assert(latency >= net->options.latency_ns &&
           latency - net->options.latency_ns <= net->options.latency_jitter_ns);
    return latency;
}

/* When length bytes written now arrive: after the link is free (bandwidth),
 * one latency later, never before the previous segment. */
static int64_t schedule_arrival(pipe_t *pipe, size_t length) {
    simnet_t *net = pipe->conn->net;
    int64_t now = fl_now(world_of(net));
    assert(pipe->extra_delay_ns >= 0);
    int64_t depart = now > pipe->link_free_at_ns ? now : pipe->link_free_at_ns;
    if (pipe->bytes_per_second > 0)
        depart += (int64_t)(((unsigned __int128)length * 1000000000u + pipe->bytes_per_second - 1) /
                            pipe->bytes_per_second);
    pipe->link_free_at_ns = depart;
    int64_t arrive = depart + draw_latency(net) + pipe->extra_delay_ns;
    if (arrive < pipe->last_arrival_ns) arrive = pipe->last_arrival_ns;
    pipe->last_arrival_ns = arrive;
    assert(arrive >= now && arrive >= depart);
    return arrive;
}

/* Queues data, or the FIN (fin set, length 0). Nothing follows a FIN, a
 * reset connection carries nothing, and data fits the buffer: the writer
 * waited for room. */
static void enqueue(pipe_t *pipe, const void *data, size_t length, bool fin) {
    simnet_t *net = pipe->conn->net;
    assert(fin == (length == 0));
    assert(fin == pipe->write_shut && !pipe->conn->reset);
    assert(fin || !pipe->rst_returned);
    assert(length <= net->options.buffer_bytes - pipe->in_flight);
    assert(data != NULL || length == 0);
    segment_t *seg = malloc(sizeof *seg + length);
    if (seg == NULL) fl__out_of_memory("simnet segment");
    seg->next = NULL;
    seg->length = length;
    seg->offset = 0;
    seg->fin = fin;
    if (length > 0) memcpy(seg->data, data, length);
    if (pipe->corrupt_next && length > 0) {
        /* Flip bits of the first byte: never zero, so the byte always changes. */
        seg->data[0] ^= (unsigned char)(1 + fl_world_draw(world_of(net), FL_PRNG_NETWORK, 255));
        pipe->corrupt_next = false;
    }
    seg->arrive_at_ns = schedule_arrival(pipe, length);
    if (pipe->tail != NULL)
        pipe->tail->next = seg;
    else
        pipe->head = seg;
    pipe->tail = seg;
    pipe->in_flight += length;
    if (pipe->head == seg) arm_arrival(pipe);
    fl_condition_notify_all(world_of(net), pipe->readable);
}


static void drop_segments(pipe_t *pipe) {
    segment_t *seg = pipe->head;
    size_t unread = 0; /* the walk is paid for anyway: check the count */
    while (seg != NULL) {
        segment_t *next = seg->next;
        assert(seg->offset <= seg->length && (next != NULL || seg == pipe->tail));
        unread += seg->length - seg->offset;
        free(seg);
        seg = next;
    }
    assert(unread == pipe->in_flight);
    pipe->head = pipe->tail = NULL;
    pipe->in_flight = 0;
}

/* Has the segment reached the reading endpoint's side (its receive
 * queue), as opposed to being in flight or held by a stall? */
static bool segment_arrived(const pipe_t *pipe, const segment_t *seg, int64_t now) {
    /* Arrivals never overtake each other: none lands after the last. */
    assert(seg != NULL && seg->arrive_at_ns <= pipe->last_arrival_ns);
    return !pipe_stalled(pipe, now) && seg->arrive_at_ns <= now;
}

/* Drops the segments still in flight, keeping those that have arrived (a
 * prefix: arrivals keep their order). */
static void drop_in_flight(pipe_t *pipe, int64_t now) {
    segment_t **link = &pipe->head;
    pipe->tail = NULL;
    while (*link != NULL && segment_arrived(pipe, *link, now)) {
        pipe->tail = *link;
        link = &(*link)->next;
    }
    segment_t *seg = *link;
    *link = NULL;
    while (seg != NULL) {
        segment_t *next = seg->next;
        assert(pipe->in_flight >= seg->length - seg->offset);
        pipe->in_flight -= seg->length - seg->offset;
        free(seg);
        seg = next;
    }
    assert(pipe_consistent(pipe));
}

static void notify_pipe(fl_world_t *w, pipe_t *pipe) {
    assert(pipe->readable != NULL && pipe->writable != NULL);
    assert(w == world_of(pipe->conn->net));
    fl_condition_notify_all(w, pipe->readable);
    fl_condition_notify_all(w, pipe->writable);
}

/* RST: what is in flight is lost; what has arrived stays readable (Linux
 * keeps the receive queue), then reads fail with FL_ERESET, or end with
 * FL_EEOF where a FIN had arrived first; writes fail at once. */
static void reset_connection(simconn_t *conn) {
    assert(conn != NULL && conn->id >= 1);
    if (conn->reset) return;
    conn->reset = true;
    conn->net->stats.resets++;
    fl_world_t *w = world_of(conn->net);
    int64_t now = fl_now(w);
    for (int d = 0; d < 2; d++) {
        drop_in_flight(&conn->pipes[d], now);
        fl_world_disarm_timer(w, &conn->pipes[d].arrival_timer);
        fl_world_disarm_timer(w, &conn->pipes[d].rst_timer);
        notify_pipe(w, &conn->pipes[d]);
        /* Only what has arrived survives, and nothing is on its way. */
        assert(conn->pipes[d].tail == NULL || segment_arrived(&conn->pipes[d], conn->pipes[d].tail, now));
        assert(!fl_timer_armed(&conn->pipes[d].arrival_timer));
    }
    trace_net(conn->net, conn->id, 0, "rst");
}

static void rst_returned_fired(fl_world_t *world, fl_timer_t *timer) {
    pipe_t *pipe = timer->data;
    assert(timer == &pipe->rst_timer && pipe->reader_closed);
    assert(pipe->rst_on_its_way && !pipe->rst_returned && !pipe->conn->reset);
    pipe->rst_returned = true;
    drop_segments(pipe);
    fl_world_disarm_timer(world, &pipe->arrival_timer);
    trace_net(pipe->conn->net, pipe->conn->id, 0, rst_back_names[pipe->direction]);
    notify_pipe(world, pipe);
}

/* Bytes of this pipe land at lands_at_ns on a closed reader, which answers
 * with RST: it reaches the writer one trip later, after the FIN the reader
 * sent when it closed (the reverse direction keeps its order). Only the
 * first such RST matters. */
static void send_rst_back(pipe_t *pipe, int64_t lands_at_ns) {
    assert(pipe->reader_closed);
    if (pipe->rst_on_its_way || pipe->conn->reset || lands_at_ns == FL_TIME_NEVER) return;
    simconn_t *conn = pipe->conn;
    const pipe_t *reverse = &conn->pipes[1 - pipe->direction];
    int64_t back = lands_at_ns + draw_latency(conn->net);
    if (back < reverse->last_arrival_ns) back = reverse->last_arrival_ns;
    assert(back >= lands_at_ns);
    pipe->rst_on_its_way = true;
    fl_world_arm_timer(world_of(conn->net), &pipe->rst_timer, back, rst_returned_fired, pipe);
}

/* When bytes that arrive (unstalled) at arrive_at_ns reach the reader: a
 * stall holds them until it ends, or forever. */
static int64_t landing_time(const pipe_t *pipe, int64_t arrive_at_ns) {
    assert(arrive_at_ns <= pipe->last_arrival_ns);
    if (pipe->stalled_until_ns == FL_TIME_NEVER) return FL_TIME_NEVER;
    int64_t lands_at = pipe->stalled_until_ns > arrive_at_ns ? pipe->stalled_until_ns : arrive_at_ns;
    assert(lands_at >= arrive_at_ns);
    return lands_at;
}

static void shut_write(pipe_t *pipe) {
    assert(pipe_consistent(pipe));
    if (pipe->write_shut) return;
    /* Every caller checks first: a reset connection sends no FIN. */
    assert(!pipe->conn->reset);
    pipe->write_shut = true;
    enqueue(pipe, NULL, 0, true);
    assert(pipe->tail != NULL && pipe->tail->fin);
    trace_net(pipe->conn->net, pipe->conn->id, 0, fin_names[pipe->direction]);
}

/* Graceful close of one endpoint, as TCP does it: unread data that has
 * arrived means RST instead of FIN; otherwise FIN, and bytes still in
 * flight towards this endpoint (or written later) land on a closed socket,
 * which answers them with RST. */
static void close_endpoint(endpoint_t *ep) {
    assert(ep->conn != NULL && ep == &ep->conn->ends[ep->base.side]);
    if (ep->closed) return;
    simconn_t *conn = ep->conn;
    fl_world_t *w = world_of(conn->net);
    int64_t now = fl_now(w);
    ep->closed = true;
    trace_net(conn->net, conn->id, ep->base.side, ep->base.side == FL_SIDE_CLIENT
                                                      ? "close client" : "close server");
    pipe_t *incoming = read_pipe(ep);
    incoming->reader_closed = true;
    segment_t *head = incoming->head;
    if (!conn->reset && head != NULL && !head->fin && segment_arrived(incoming, head, now)) {
        reset_connection(conn);
    } else if (!conn->reset) {
        shut_write(write_pipe(ep));
        if (head != NULL && !head->fin) send_rst_back(incoming, landing_time(incoming, head->arrive_at_ns));
    }
    notify_pipe(w, incoming);
    notify_pipe(w, write_pipe(ep));
    /* A closed endpoint has sent its FIN, or the connection is reset. */
    assert(ep->closed && incoming->reader_closed && (conn->reset || write_pipe(ep)->write_shut));
}

/* --- faults ------------------------------------------------------------------- */

static void apply_to_connection(net_fault_t *fault, simconn_t *conn);

static void apply_action(net_fault_t *fault, simconn_t *conn) {
    simnet_t *net = fault->net;
    fl_world_t *w = world_of(net);
    const fl_fault_action_t *action = &fault->entry.spec.action;
    /* Only after fl_fault_entry_reached said yes; refuse acts in connect_faults. */
    assert(fault->entry.fired > fault->applied);
    assert(action->kind != FL_FAULT_ACTION_REFUSE);
    assert(conn == NULL || conn->net == net);
    net->stats.faults_fired++;
    fl_world_trace_event(w, FL_TRACE_FAULT, conn ? conn->id : 0, fault->entry.index,
                         fault->entry.spec.label);
    if (action->kind == FL_FAULT_ACTION_CANCEL_TASK) {
        fl_task_t *task = fl_world_find_task(w, action->task);
        if (task != NULL) {
            fl_task_cancel(w, task);
            fault->applied++;
        } else {
            trace_net(net, 0, fault->entry.index, "fault: no such task");
        }
        return;
    }
    if (conn == NULL) {
        /* An at-trigger without a connection acts on every open one. */
        bool any = false;
        for (simconn_t *c = net->open_conns; c != NULL; c = c->next_open)
            if (!c->reset && !(c->ends[0].closed && c->ends[1].closed)) {
                apply_to_connection(fault, c);
                any = true;
            }
        if (any) fault->applied++;
        else trace_net(net, 0, fault->entry.index, "fault: no open connection");
        return;
    }
    apply_to_connection(fault, conn);
    fault->applied++;
}

/* The matrix's count: the action met each end in the state it was in. */
static void count_in_matrix(simnet_t *net, fl_fault_action_kind_t action, const simconn_t *conn) {
    assert((unsigned)action < FL_FAULT_ACTION_COUNT);
    for (int side = 0; side < 2; side++) {
        int state = (int)FL_PROTOCOL_STATE_CLIENT_CONNECTING;
        if (conn != NULL) {
            const fl_conn_t *end = &conn->ends[side].base;
            const pipe_t *written = &conn->pipes[side == FL_SIDE_CLIENT ? FL_DIRECTION_CLIENT_TO_SERVER
                                                                        : FL_DIRECTION_SERVER_TO_CLIENT];
            state = end->protocol_state_next_at > 0 &&
                            written->bytes_written >= end->protocol_state_next_at
                        ? end->protocol_state_next
                        : end->protocol_state;
        }
        assert(state >= 0 && state < FL_PROTOCOL_STATE_COUNT);
        fl_fault_hits_count(&net->fault_hits, (fl_protocol_state_t)state, action);
        if (conn == NULL) return; /* a connect attempt has no server end yet */
    }
}

static void apply_to_connection(net_fault_t *fault, simconn_t *conn) {
    fl_world_t *w = world_of(fault->net);
    const fl_fault_action_t *action = &fault->entry.spec.action;
    count_in_matrix(fault->net, action->kind, conn);
    pipe_t *pipe = &conn->pipes[fl_fault_action_direction(&fault->entry)];
    int64_t now = fl_now(w);
    assert(conn->id >= 1 && conn->id <= fault->net->stats.connections);
    /* conn->ends is indexed by the side (the loader gives client or server). */
    assert(action->side == FL_SIDE_CLIENT || action->side == FL_SIDE_SERVER);
    switch (action->kind) {
    case FL_FAULT_ACTION_RESET: reset_connection(conn); break;
    case FL_FAULT_ACTION_CLOSE: close_endpoint(&conn->ends[action->side]); break;
    case FL_FAULT_ACTION_CLIENT_DISCONNECT: close_endpoint(&conn->ends[FL_SIDE_CLIENT]); break;
    case FL_FAULT_ACTION_HALF_CLOSE: {
        endpoint_t *ep = &conn->ends[action->side];
        if (!ep->closed && !conn->reset) shut_write(write_pipe(ep));
        break;
    }
    case FL_FAULT_ACTION_STALL:
        pipe->stalled_until_ns =
            action->duration_ns == FL_TIME_NEVER ? FL_TIME_NEVER : now + action->duration_ns;
        assert(pipe_stalled(pipe, now)); /* the plan asks for a positive duration */
        arm_arrival(pipe);
        break;
    case FL_FAULT_ACTION_DELAY: pipe->extra_delay_ns += action->duration_ns; break;
    case FL_FAULT_ACTION_BANDWIDTH: pipe->bytes_per_second = action->bytes_per_second; break;
    case FL_FAULT_ACTION_TRUNCATE:
        if (!pipe->write_shut && !conn->reset) {
            shut_write(pipe);
            pipe->truncated = true;
        }
        break;
    case FL_FAULT_ACTION_CORRUPT: pipe->corrupt_next = true; break;
    case FL_FAULT_ACTION_REFUSE:         /* connect_faults */
    case FL_FAULT_ACTION_CANCEL_TASK:    /* apply_action */
    case FL_FAULT_ACTION_ANSWER_INSTEAD: /* faultline proxy's: fl_simnet_create refused it */
    case FL_FAULT_ACTION_COUNT: FL_UNREACHABLE();
    }
}

static void at_fault_fired(fl_world_t *world, fl_timer_t *timer) {
    (void)world;
    net_fault_t *fault = timer->data;
    assert(timer == &fault->timer && fault->entry.spec.trigger.kind == FL_FAULT_TRIGGER_AT);
    assert(world == world_of(fault->net));
    if (!fl_fault_entry_reached(&fault->entry, world_of(fault->net))) return;
    simconn_t *target = NULL;
    uint32_t wanted = fault->entry.spec.action.connection;
    if (wanted != FL_FAULT_EVERY_CONNECTION) {
        for (simconn_t *c = fault->net->open_conns; c != NULL; c = c->next_open)
            if (c->id == wanted) target = c;
        if (target == NULL) {
            trace_net(fault->net, wanted, fault->entry.index, "fault: no such connection");
            return;
        }
    }
    apply_action(fault, target);
}

/* Bytes triggers on this pipe: the next threshold above the bytes written so
 * far, so a write can stop exactly there. UINT64_MAX when none. */
static uint64_t next_threshold(pipe_t *pipe) {
    simnet_t *net = pipe->conn->net;
    uint64_t best = UINT64_MAX;
    assert(pipe->conn->bytes_fault_done != NULL); /* new_connection sized it to the plan */
    for (size_t i = 0; i < net->fault_count; i++) {
        const fl_fault_trigger_t *t = &net->faults[i].entry.spec.trigger;
        if (t->kind != FL_FAULT_TRIGGER_BYTES || t->direction != pipe->direction) continue;
        if (t->connection != FL_FAULT_EVERY_CONNECTION && t->connection != pipe->conn->id) continue;
        if (pipe->conn->bytes_fault_done[i]) continue;
        if (t->bytes >= pipe->bytes_written && t->bytes < best) best = t->bytes;
    }
    assert(best == UINT64_MAX || best >= pipe->bytes_written);
    return best;
}

/* Fires the bytes triggers whose threshold the pipe has just reached. */
static void fire_bytes_triggers(pipe_t *pipe) {
    simnet_t *net = pipe->conn->net;
    assert(pipe->conn->bytes_fault_done != NULL && pipe_consistent(pipe));
    for (size_t i = 0; i < net->fault_count; i++) {
        net_fault_t *fault = &net->faults[i];
        const fl_fault_trigger_t *t = &fault->entry.spec.trigger;
        if (t->kind != FL_FAULT_TRIGGER_BYTES || t->direction != pipe->direction) continue;
        if (t->connection != FL_FAULT_EVERY_CONNECTION && t->connection != pipe->conn->id) continue;
        if (pipe->conn->bytes_fault_done[i] || t->bytes != pipe->bytes_written) continue;
        assert(fault->entry.index == i + 1);
        pipe->conn->bytes_fault_done[i] = true;
        if (fl_fault_entry_reached(&fault->entry, world_of(net))) apply_action(fault, pipe->conn);
    }
}

/* --- the connection interface ------------------------------------------------- */

static int endpoint_usable(endpoint_t *ep) {
    assert(ep->conn != NULL && ep->base.id == ep->conn->id);
    assert(ep == &ep->conn->ends[ep->base.side]);
    if (ep->closed) return FL_ECLOSED;
    if (ep->conn->reset) return FL_ERESET;
    return FL_OK;
}

/* Whether the writing side of the pipe still takes bytes (they may vanish
 * into a truncated stream): not after this end's FIN, and not once the RST
 * a closed reader answered with has come back. */
static int pipe_writable(const pipe_t *pipe) {
    /* An RST comes back only from a closed reader. */
    assert(!pipe->rst_returned || (pipe->rst_on_its_way && pipe->reader_closed));
    assert(!pipe->conn->reset); /* endpoint_usable answered the reset first */
    if (pipe->write_shut && !pipe->truncated) return FL_EPIPE;
    if (pipe->reader_closed && pipe->rst_returned) return FL_EPIPE;
    return FL_OK;
}

static int sim_write(fl_conn_t *base, const void *data, size_t length) {
    endpoint_t *ep = (endpoint_t *)base;
    assert(ep->conn != NULL && ep == &ep->conn->ends[base->side]);
    simnet_t *net = ep->conn->net;
    fl_world_t *w = world_of(net);
    int status = fl_checkpoint(w);
    if (status != FL_OK) return status;
    pipe_t *pipe = write_pipe(ep);
    const unsigned char *bytes = data;
    for (;;) {
        assert(pipe_consistent(pipe));
        if ((status = endpoint_usable(ep)) != FL_OK) return status;
        if ((status = pipe_writable(pipe)) != FL_OK) return status;
        fire_bytes_triggers(pipe); /* a threshold at the current offset (0 included) */
        /* What fired may have closed, reset or half-closed this end. */
        if ((status = endpoint_usable(ep)) != FL_OK) return status;
        if ((status = pipe_writable(pipe)) != FL_OK) return status;
        if (length == 0) return FL_OK;
        if (pipe->truncated) {
            /* The stream was cut: the writer cannot tell, the bytes vanish. */
            pipe->bytes_written += length;
            return FL_OK;
        }
        size_t space = net->options.buffer_bytes - pipe->in_flight;
        if (space == 0) {
            status = fl_condition_wait(w, pipe->writable, "write");
            if (status != FL_OK) return status;
            continue;
        }
        size_t chunk = length < space ? length : space;
        uint64_t threshold = next_threshold(pipe);
        if (threshold != UINT64_MAX && threshold - pipe->bytes_written < chunk)
            chunk = (size_t)(threshold - pipe->bytes_written);
        /* fire_bytes_triggers above marked every threshold at this offset
         * done, so the next one lies ahead. */
        if (FL_NEVER(chunk == 0)) continue;
        assert(chunk <= space && chunk <= length);
        enqueue(pipe, bytes, chunk, false);
        /* The peer closed: the kernel accepts the bytes all the same; they
         * land on a closed socket, which answers with RST. */
        if (pipe->reader_closed)
            send_rst_back(pipe, landing_time(pipe, pipe->tail->arrive_at_ns));
        pipe->bytes_written += chunk;
        trace_net(net, ep->conn->id, (int64_t)chunk, write_names[pipe->direction]);
        bytes += chunk;
        length -= chunk;
    }
}

/* Bytes that have arrived and may be read now (stopping at a FIN). */
static size_t arrived_bytes(const pipe_t *pipe, int64_t now, bool *fin_next) {
    assert(fin_next != NULL && !pipe_stalled(pipe, now));
    size_t total = 0;
    *fin_next = false;
    for (const segment_t *seg = pipe->head; seg != NULL && seg->arrive_at_ns <= now;
         seg = seg->next) {
        if (seg->fin) {
            *fin_next = total == 0;
            break;
        }
        total += seg->length - seg->offset;
    }
    assert(total <= pipe->in_flight);
    return total;
}

static size_t take_bytes(pipe_t *pipe, unsigned char *out, size_t wanted) {
    assert(wanted > 0 && wanted <= pipe->in_flight);
    size_t copied = 0;
    while (copied < wanted) {
        segment_t *seg = pipe->head;
        assert(seg != NULL && !seg->fin);
        size_t n = seg->length - seg->offset;
        if (n > wanted - copied) n = wanted - copied;
        memcpy(out + copied, seg->data + seg->offset, n);
        seg->offset += n;
        copied += n;
        if (seg->offset == seg->length) {
            pipe->head = seg->next;
            if (pipe->head == NULL) pipe->tail = NULL;
            free(seg);
        }
    }
    assert(copied == wanted);
    pipe->in_flight -= copied;
    pipe->bytes_read += copied;
    assert(pipe_consistent(pipe));
    return copied;
}

static int sim_read(fl_conn_t *base, void *buffer, size_t capacity, size_t *count_out) {
    endpoint_t *ep = (endpoint_t *)base;
    assert(capacity > 0 && ep->conn != NULL && ep == &ep->conn->ends[base->side]);
    simnet_t *net = ep->conn->net;
    fl_world_t *w = world_of(net);
    int status = fl_checkpoint(w);
    if (status != FL_OK) return status;
    pipe_t *pipe = read_pipe(ep);
    for (;;) {
        if (ep->closed) return FL_ECLOSED;
        int64_t now = fl_now(w);
        if (!pipe_stalled(pipe, now)) {
            bool fin_next;
            size_t available = arrived_bytes(pipe, now, &fin_next);
            if (fin_next) {
                trace_net(net, ep->conn->id, 0, "eof");
                return FL_EEOF;
            }
            if (available > 0) {
                size_t wanted = available < capacity ? available : capacity;
                if (net->options.segmentation && wanted > 1)
                    wanted = 1 + (size_t)fl_world_draw(world_of(net), FL_PRNG_NETWORK, wanted);
                *count_out = take_bytes(pipe, buffer, wanted);
                assert(*count_out >= 1 && *count_out <= capacity);
                net->stats.bytes_delivered += *count_out;
                trace_net(net, ep->conn->id, (int64_t)*count_out, read_names[pipe->direction]);
                fl_condition_notify_all(w, pipe->writable);
                arm_arrival(pipe);
                return FL_OK;
            }
        }
        /* After an RST, what had arrived is read first (above). */
        if (ep->conn->reset) return FL_ERESET;
        arm_arrival(pipe);
        status = fl_condition_wait(w, pipe->readable, "read");
        if (status != FL_OK) return status;
    }
}

static int sim_shutdown_write(fl_conn_t *base) {
    endpoint_t *ep = (endpoint_t *)base;
    assert(ep->conn != NULL && ep == &ep->conn->ends[base->side]);
    int status = endpoint_usable(ep);
    if (status != FL_OK) return status;
    shut_write(write_pipe(ep));
    assert(write_pipe(ep)->write_shut);
    return FL_OK;
}

static void sim_close(fl_conn_t *base) {
    endpoint_t *ep = (endpoint_t *)base;
    assert(ep->conn != NULL && ep == &ep->conn->ends[base->side]);
    close_endpoint(ep);
    assert(ep->closed);
}

static void sim_reset(fl_conn_t *base) {
    endpoint_t *ep = (endpoint_t *)base;
    assert(ep->conn != NULL && ep == &ep->conn->ends[base->side]);
    if (ep->closed) return;
    ep->closed = true;
    reset_connection(ep->conn);
    assert(ep->conn->reset);
}

/* --- listeners and connecting ------------------------------------------------- */

static listener_t *find_listener(simnet_t *net, const char *host, uint16_t port) {
    assert(host != NULL);
    for (listener_t *l = net->listeners; l != NULL; l = l->next) {
        assert(l->net == net && l->host != NULL);
        if (!l->closed && l->port == port && strcmp(l->host, host) == 0) return l;
    }
    return NULL;
}

/* The IANA dynamic range, as Linux hands out with ip_local_port_range
 * widened to it. */
enum { EPHEMERAL_PORT_FIRST = 49152, EPHEMERAL_PORT_LAST = 65535 };

/* Ephemeral ports, deterministically in order, wrapping within the range and
 * skipping those in use. FL_EADDRINUSE once every one is taken (the counter
 * used to run on past 65535 into 0, 1, 2...: port 0 is "pick one", the others
 * are not ephemeral). */
static int pick_ephemeral_port(simnet_t *net, const char *host, uint16_t *port_out) {
    assert(host != NULL && port_out != NULL);
    for (unsigned probe = 0; probe <= EPHEMERAL_PORT_LAST - EPHEMERAL_PORT_FIRST; probe++) {
        uint16_t port = net->next_ephemeral_port;
        assert(port >= EPHEMERAL_PORT_FIRST);
        net->next_ephemeral_port =
            port == EPHEMERAL_PORT_LAST ? EPHEMERAL_PORT_FIRST : (uint16_t)(port + 1);
        if (find_listener(net, host, port) == NULL) {
            *port_out = port;
            return FL_OK;
        }
    }
    trace_net(net, 0, 0, "listen: no ephemeral port left");
    return FL_EADDRINUSE;
}

static int sim_listen(fl_net_t *base, const char *host, uint16_t port, fl_listener_t **out) {
    simnet_t *net = (simnet_t *)base;
    fl_world_t *w = world_of(net);
    if (host == NULL) host = "server";
    if (port == 0) {
        int status = pick_ephemeral_port(net, host, &port);
        if (status != FL_OK) return status;
        assert(port != 0);
    } else if (find_listener(net, host, port) != NULL) {
        return FL_EADDRINUSE;
    }
    fl_arena_t *arena = fl_world_arena(w);
    listener_t *l = fl_arena_zalloc(arena, sizeof *l);
    l->base.net = base;
    l->net = net;
    l->host = fl_arena_strdup(arena, host);
    l->port = port;
    l->backlog = fl_arena_alloc(arena, net->options.backlog * sizeof *l->backlog);
    l->pending = fl_condition_create(w, "listener", l->host);
    l->next = net->listeners;
    net->listeners = l;
    assert(find_listener(net, host, port) == l); /* connects to host:port now find it */
    trace_net(net, 0, port, "listen");
    *out = &l->base;
    return FL_OK;
}

static int sim_accept(fl_listener_t *base, fl_conn_t **out) {
    listener_t *l = (listener_t *)base;
    assert(out != NULL && l->net != NULL && &l->net->base == base->net);
    fl_world_t *w = world_of(l->net);
    int status = fl_checkpoint(w);
    if (status != FL_OK) return status;
    for (;;) {
        assert(l->backlog_count <= l->net->options.backlog && l->backlog_head < l->net->options.backlog);
        if (l->closed) return FL_ECLOSED;
        if (l->backlog_count > 0) {
            endpoint_t *ep = l->backlog[l->backlog_head];
            /* A fault may have closed or reset it already: accept hands it
             * over all the same, and its calls report that. */
            assert(ep == &ep->conn->ends[FL_SIDE_SERVER]);
            l->backlog_head = (l->backlog_head + 1) % l->net->options.backlog;
            l->backlog_count--;
            trace_net(l->net, ep->conn->id, 0, "accept");
            *out = &ep->base;
            return FL_OK;
        }
        status = fl_condition_wait(w, l->pending, "accept");
        if (status != FL_OK) return status;
    }
}

static uint16_t sim_listener_port(const fl_listener_t *base) {
    const listener_t *l = (const listener_t *)base;
    assert(l->net != NULL && l->port != 0); /* port 0 was replaced by an ephemeral one */
    return l->port;
}

static void sim_close_listener(fl_listener_t *base) {
    listener_t *l = (listener_t *)base;
    if (l->closed) return;
    l->closed = true;
    /* Connections that were never accepted are refused now (RST). */
    while (l->backlog_count > 0) {
        endpoint_t *ep = l->backlog[l->backlog_head];
        assert(ep == &ep->conn->ends[FL_SIDE_SERVER]); /* as sim_accept finds it */
        l->backlog_head = (l->backlog_head + 1) % l->net->options.backlog;
        l->backlog_count--;
        reset_connection(ep->conn);
        ep->closed = true; /* no task ever owned it: the kernel discards it */
    }
    assert(l->backlog_count == 0);
    fl_condition_notify_all(world_of(l->net), l->pending);
    trace_net(l->net, 0, l->port, "unlisten");
}

static void init_pipe(simnet_t *net, simconn_t *conn, fl_direction_t direction) {
    assert(direction == FL_DIRECTION_CLIENT_TO_SERVER || direction == FL_DIRECTION_SERVER_TO_CLIENT);
    pipe_t *pipe = &conn->pipes[direction];
    fl_world_t *w = world_of(net);
    assert(pipe->conn == NULL && conn->net == net); /* a fresh connection, once per pipe */
    pipe->conn = conn;
    pipe->direction = direction;
    pipe->bytes_per_second = net->options.bytes_per_second;
    pipe->readable = fl_condition_create(w, "connection", direction == FL_DIRECTION_CLIENT_TO_SERVER
                                                              ? "c2s readable" : "s2c readable");
    pipe->writable = fl_condition_create(w, "connection", direction == FL_DIRECTION_CLIENT_TO_SERVER
                                                              ? "c2s writable" : "s2c writable");
    fl_timer_init(&pipe->arrival_timer);
    fl_timer_init(&pipe->rst_timer);
}

static simconn_t *new_connection(simnet_t *net) {
    fl_arena_t *arena = fl_world_arena(world_of(net));
    simconn_t *conn = fl_arena_zalloc(arena, sizeof *conn);
    conn->net = net;
    assert(net->stats.connections < UINT32_MAX); /* ids are 32-bit */
    conn->id = (uint32_t)++net->stats.connections;
    for (int side = 0; side < 2; side++) {
        conn->ends[side].conn = conn;
        conn->ends[side].base.net = &net->base;
        conn->ends[side].base.id = conn->id;
        conn->ends[side].base.side = (fl_side_t)side;
        conn->ends[side].base.protocol_state = (int)fl_protocol_state_initial((fl_side_t)side);
    }
    init_pipe(net, conn, FL_DIRECTION_CLIENT_TO_SERVER);
    init_pipe(net, conn, FL_DIRECTION_SERVER_TO_CLIENT);
    conn->bytes_fault_done = fl_arena_zalloc(arena, (net->fault_count ? net->fault_count : 1) *
                                                        sizeof *conn->bytes_fault_done);
    conn->next_open = net->open_conns;
    net->open_conns = conn;
    assert(pipe_consistent(&conn->pipes[0]) && pipe_consistent(&conn->pipes[1]));
    return conn;
}

/* Connect triggers: refuse, stall the attempt, or cancel a task. Returns the
 * status the attempt ends with, or 1 to go on. */
static int connect_faults(simnet_t *net, uint32_t attempt) {
    fl_world_t *w = world_of(net);
    assert(attempt >= 1 && attempt == net->connect_attempts);
    for (size_t i = 0; i < net->fault_count; i++) {
        net_fault_t *fault = &net->faults[i];
        const fl_fault_trigger_t *t = &fault->entry.spec.trigger;
        if (t->kind != FL_FAULT_TRIGGER_CONNECT) continue;
        if (t->connection != FL_FAULT_EVERY_CONNECTION && t->connection != attempt) continue;
        if (!fl_fault_entry_reached(&fault->entry, world_of(net))) continue;
        const fl_fault_action_t *action = &fault->entry.spec.action;
        if (action->kind == FL_FAULT_ACTION_CANCEL_TASK) {
            apply_action(fault, NULL);
            continue;
        }
        /* The plan allows refuse, stall and cancel-task on connect triggers. */
        assert(action->kind == FL_FAULT_ACTION_REFUSE || action->kind == FL_FAULT_ACTION_STALL);
        net->stats.faults_fired++;
        fl_world_trace_event(w, FL_TRACE_FAULT, 0, fault->entry.index, fault->entry.spec.label);
        fault->applied++;
        count_in_matrix(net, action->kind, NULL);
        if (action->kind == FL_FAULT_ACTION_REFUSE) return FL_EREFUSED;
        int status = action->duration_ns == FL_TIME_NEVER ? fl_sleep_forever(w)
                                                          : fl_sleep(w, action->duration_ns);
        if (status != FL_OK) return status;
    }
    return 1;
}

static int sim_connect(fl_net_t *base, const char *host, uint16_t port, fl_conn_t **out) {
    simnet_t *net = (simnet_t *)base;
    fl_world_t *w = world_of(net);
    if (host == NULL) host = "server";
    int status = fl_checkpoint(w);
    if (status != FL_OK) return status;
    uint32_t attempt = ++net->connect_attempts;
    status = connect_faults(net, attempt);
    if (status != 1) {
        if (status == FL_EREFUSED) net->stats.refused++;
        return status;
    }
    /* The handshake: one trip to the server before the connection exists. */
    status = fl_sleep(w, draw_latency(net));
    if (status != FL_OK) return status;
    listener_t *l = find_listener(net, host, port);
    if (l == NULL || l->backlog_count == net->options.backlog) {
        net->stats.refused++;
        trace_net(net, 0, port, "refused");
        return FL_EREFUSED;
    }
    assert(l->backlog_count < net->options.backlog);
    simconn_t *conn = new_connection(net);
    l->backlog[(l->backlog_head + l->backlog_count++) % net->options.backlog] =
        &conn->ends[FL_SIDE_SERVER];
    assert(l->backlog_count <= net->options.backlog && !conn->reset);
    fl_condition_notify_one(w, l->pending);
    trace_net(net, conn->id, port, "connect");
    *out = &conn->ends[FL_SIDE_CLIENT].base;
    return FL_OK;
}

static void sim_event(fl_net_t *base, fl_conn_t *conn_base, const char *name) {
    simnet_t *net = (simnet_t *)base;
    simconn_t *conn = conn_base ? ((endpoint_t *)conn_base)->conn : NULL;
    assert(name != NULL && (conn_base == NULL || conn_base->net == base));
    for (size_t i = 0; i < net->fault_count; i++) {
        net_fault_t *fault = &net->faults[i];
        const fl_fault_trigger_t *t = &fault->entry.spec.trigger;
        if (t->kind != FL_FAULT_TRIGGER_EVENT) continue;
        assert(t->event != NULL); /* the plan refused an event trigger without one */
        if (strcmp(t->event, name) != 0) continue;
        if (t->connection != FL_FAULT_EVERY_CONNECTION && (conn == NULL || conn->id != t->connection))
            continue;
        fault->events_seen++;
        bool due = t->repeat ? fault->events_seen >= t->count : fault->events_seen == t->count;
        if (due && fl_fault_entry_reached(&fault->entry, world_of(net))) {
            if (conn == NULL && fault->entry.spec.action.kind != FL_FAULT_ACTION_CANCEL_TASK) {
                trace_net(net, 0, fault->entry.index, "fault: event has no connection");
                continue;
            }
            apply_action(fault, conn);
        }
    }
}

/* Non-blocking: whether sim_read would return at once (see net.h). A pipe
 * under a stall holds its bytes and its FIN, so nothing has arrived. */
static bool sim_is_readable(fl_conn_t *base) {
    endpoint_t *ep = (endpoint_t *)base;
    assert(ep->conn != NULL && ep == &ep->conn->ends[base->side]);
    if (endpoint_usable(ep) != FL_OK) return true;
    const pipe_t *pipe = read_pipe(ep);
    assert(pipe_consistent(pipe));
    int64_t now = fl_now(world_of(ep->conn->net));
    if (pipe_stalled(pipe, now)) return false;
    return pipe->head != NULL && pipe->head->arrive_at_ns <= now;
}

static const fl_net_ops_t simnet_ops = {
    .name = "sim",
    .listen = sim_listen,
    .accept = sim_accept,
    .listener_port = sim_listener_port,
    .close_listener = sim_close_listener,
    .connect = sim_connect,
    .read = sim_read,
    .write = sim_write,
    .shutdown_write = sim_shutdown_write,
    .close = sim_close,
    .reset = sim_reset,
    .is_readable = sim_is_readable,
    .event = sim_event,
};

/* --- creation ----------------------------------------------------------------- */

fl_simnet_options_t fl_simnet_options_default(void) {
    return (fl_simnet_options_t){
        .latency_ns = FL_MS(1),
        .latency_jitter_ns = 0,
        .bytes_per_second = 0,
        .buffer_bytes = 64 * 1024,
        .segmentation = true,
        .backlog = 128,
    };
}

static void simnet_cleanup(void *arg) {
    simnet_t *net = arg;
    assert(net != NULL && net->base.ops == &simnet_ops);
    for (simconn_t *c = net->open_conns; c != NULL; c = c->next_open) {
        assert(c->net == net);
        drop_segments(&c->pipes[0]);

        drop_segments(&c->pipes[1]);
    }
}

/* A fault only faultline proxy carries out (an answer-instead, a proxy.*
 * event no simulated layer reports) would never act here: refused, as the
 * scenario loader refuses it, for plans built in C. NULL: none. */
static const char *proxy_only_fault(const fl_fault_plan_t *faults, char *why, size_t why_size) {
    assert(why != NULL && why_size > 0);
    for (size_t i = 0; faults != NULL && i < faults->count; i++) {
        const fl_fault_spec_t *spec = &faults->entries[i].spec;
        fl_protocol_event_t event;
        bool proxy_event = spec->trigger.kind == FL_FAULT_TRIGGER_EVENT &&
                           fl_protocol_event_from_name(spec->trigger.event, &event) &&
                           fl_protocol_event_reporter(event) == FL_REPORTER_PROXY;
        if (!proxy_event &&
            fl_fault_action_carried_by(spec->action.kind, FL_FAULT_CARRIER_SCENARIO))
            continue;
        snprintf(why, why_size, "fault #%u: '%s' is carried out by faultline proxy only",
                 faults->entries[i].index,
                 proxy_event ? spec->trigger.event : fl_fault_action_name(spec->action.kind));
        return why;
    }
    return NULL;
}

fl_net_t *fl_simnet_create(fl_world_t *world, const fl_simnet_options_t *options,
                           const fl_fault_plan_t *faults, char *error, size_t error_size) {
    assert(world != NULL && (error != NULL || error_size == 0));
    assert(faults == NULL || faults->count <= faults->capacity);
    fl_simnet_options_t chosen = options ? *options : fl_simnet_options_default();
    const char *problem = NULL;
    if (chosen.latency_ns < 0 || chosen.latency_jitter_ns < 0)
        problem = "latency must not be negative";
    else if (chosen.buffer_bytes == 0)
        problem = "buffer_bytes must be positive";
    else if (chosen.backlog == 0)
        problem = "backlog must be positive";
    char why[160];
    if (problem == NULL) problem = proxy_only_fault(faults, why, sizeof why);
    if (problem != NULL) {
        if (error_size > 0) snprintf(error, error_size, "simulated network: %s", problem);
        return NULL;
    }
    fl_arena_t *arena = fl_world_arena(world);
    simnet_t *net = fl_arena_zalloc(arena, sizeof *net);
    net->base.ops = &simnet_ops;
    net->base.world = world;
    net->options = chosen;
    net->next_ephemeral_port = EPHEMERAL_PORT_FIRST;
    if (faults != NULL && faults->count > 0) {
        net->fault_count = faults->count;
        net->faults = fl_arena_zalloc(arena, faults->count * sizeof *net->faults);
        for (size_t i = 0; i < faults->count; i++) {
            net_fault_t *fault = &net->faults[i];
            fault->entry = faults->entries[i];
            assert(fault->entry.index == i + 1); /* the plan numbers entries in order */
            fault->net = net;
            fl_timer_init(&fault->timer);
            if (fault->entry.spec.trigger.kind == FL_FAULT_TRIGGER_AT)
                fl_world_arm_timer(world, &fault->timer, fault->entry.spec.trigger.at_ns,
                                   at_fault_fired, fault);
        }
    }
    fl_world_defer(world, simnet_cleanup, net);
    return &net->base;
}

fl_simnet_stats_t fl_simnet_stats(const fl_net_t *base) {
    const simnet_t *net = (const simnet_t *)base;
    assert(base != NULL && base->ops == &simnet_ops); /* not a libuv network */
    fl_simnet_stats_t stats = net->stats;
    for (const simconn_t *c = net->open_conns; c != NULL; c = c->next_open)
        stats.open_endpoints += !c->ends[0].closed + !c->ends[1].closed;
    assert(stats.open_endpoints <= 2 * stats.connections);
    return stats;
}

const fl_fault_hits_t *fl_simnet_fault_hits(const fl_net_t *base) {
    const simnet_t *net = (const simnet_t *)base;
    assert(base != NULL && base->ops == &simnet_ops); /* not a libuv network */
    return &net->fault_hits;
}

uint64_t fl_simnet_fault_fired(const fl_net_t *base, uint32_t index) {
    const simnet_t *net = (const simnet_t *)base;
    /* As fl_simnet_fault_applied: asking about a fault the plan does not
     * have is a bug in the caller, not a fault that never fired. */
    assert(base != NULL && base->ops == &simnet_ops);
    assert(index >= 1 && index <= net->fault_count);
    return net->faults[index - 1].entry.fired;
}

uint64_t fl_simnet_fault_applied(const fl_net_t *base, uint32_t index) {
    const simnet_t *net = (const simnet_t *)base;
    assert(base != NULL && base->ops == &simnet_ops);
    assert(index >= 1 && index <= net->fault_count);
    /* A firing that acted on something was a firing. */
    assert(net->faults[index - 1].applied <= net->faults[index - 1].entry.fired);
    return net->faults[index - 1].applied;
}
