/* One proxied connection from accept to its closed line: the connect
 * triggers, the upstream dial (a 502 when it fails), the four pump tasks
 * in a task group, and the supervisor that decides when it is over.
 *
 * Memory: a connection's record (with its conditions) is reused for later
 * connections; its rings are malloc'd and its runtime objects (the task
 * group, the pump tasks) come from an arena of its own; both are freed when
 * it ends, so a proxy that runs for days does not grow.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/proxy/proxy_address.h"
#include "harness/proxy/proxy_state.h"
#include "sim/net/uvnet.h"
#include "sim/runtime/cancel.h"
#include "sim/runtime/out_of_memory.h"
#include "sim/runtime/status.h"

void fl__proxy_notify(fl__proxy_connection_t *c) {
    fl_world_t *w = c->proxy->world;
    fl_condition_notify_all(w, c->changed);
    fl_condition_notify_all(w, c->c2s.data);
    fl_condition_notify_all(w, c->s2c.data);
}

void fl__proxy_end(fl__proxy_connection_t *c, const char *end, bool at_once) {
    assert(c != NULL && end != NULL);
    if (c->end == NULL) c->end = end;
    if (at_once) c->ending = true;
    fl__proxy_notify(c);
}

void fl__proxy_reset_both(fl__proxy_connection_t *c) {
    if (!c->client_done) fl_conn_reset(c->client);
    if (c->upstream != NULL && !c->upstream_done) fl_conn_reset(c->upstream);
    c->client_done = true;
    c->upstream_done = c->upstream != NULL;
}

void fl__proxy_connection_abort(fl__proxy_connection_t *c, const char *end) {
    assert(c != NULL && c->open && end != NULL);
    fl__proxy_reset_both(c);
    c->end = NULL; /* the shutdown's reason wins: it is what ended it */
    fl__proxy_end(c, end, true);
}

/* --- the record ------------------------------------------------------------------ */

static void direction_init(fl__proxy_connection_t *c, fl__proxy_direction_t *d,
                           fl_direction_t direction) {
    fl_condition_t *data = d->data, *space = d->space;
    *d = (fl__proxy_direction_t){.direction = direction, .connection = c, .data = data,
                                 .space = space};
    d->ring = malloc(FL__PROXY_RING_BYTES);
    if (d->ring == NULL) fl__out_of_memory("proxy ring");
}

/* A fresh record, or an ended one wiped but for its conditions. From the
 * acceptor task (no arena of its own: the conditions are the world's). */
static fl__proxy_connection_t *connection_record(fl__proxy_t *proxy) {
    fl_world_t *w = proxy->world;
    fl__proxy_connection_t *c = proxy->free_connections;
    if (c == NULL) {
        c = fl_arena_zalloc(fl_world_arena(w), sizeof *c);
        c->changed = fl_condition_create(w, "proxy connection", "changed");
        c->c2s.data = fl_condition_create(w, "proxy connection", "c2s bytes");
        c->c2s.space = fl_condition_create(w, "proxy connection", "c2s room");
        c->s2c.data = fl_condition_create(w, "proxy connection", "s2c bytes");
        c->s2c.space = fl_condition_create(w, "proxy connection", "s2c room");
    } else {
        proxy->free_connections = c->next_free;
    }
    fl__proxy_connection_t kept = *c;
    memset(c, 0, sizeof *c);
    c->changed = kept.changed;
    c->c2s.data = kept.c2s.data;
    c->c2s.space = kept.c2s.space;
    c->s2c.data = kept.s2c.data;
    c->s2c.space = kept.s2c.space;
    direction_init(c, &c->c2s, FL_DIRECTION_CLIENT_TO_SERVER);
    direction_init(c, &c->s2c, FL_DIRECTION_SERVER_TO_CLIENT);
    return c;
}

static void link_open(fl__proxy_t *proxy, fl__proxy_connection_t *c) {
    c->open = true;
    c->next_open = proxy->open_connections;
    if (c->next_open != NULL) c->next_open->previous_open = c;
    proxy->open_connections = c;
    proxy->open_count++;
}

static void unlink_open(fl__proxy_t *proxy, fl__proxy_connection_t *c) {
    assert(c->open && proxy->open_count > 0);
    if (c->previous_open != NULL) c->previous_open->next_open = c->next_open;
    else proxy->open_connections = c->next_open;
    if (c->next_open != NULL) c->next_open->previous_open = c->previous_open;
    c->open = false;
    proxy->open_count--;
}

/* --- answers the proxy gives itself ----------------------------------------------- */

/* Reads the client's request until its head is complete (or the client
 * ends it, or the wait runs out): an answer goes after the request head. */
static void read_request_head(fl__proxy_connection_t *c) {
    fl_world_t *w = c->proxy->world;
    fl_cancel_scope_t limit;
    fl_scope_enter_move_on_after(w, &limit, FL__PROXY_ANSWER_WAIT_NS);
    bool head = false;
    for (int reads = 0; !head && reads < 1024; reads++) {
        size_t got = 0;
        if (fl_conn_read(c->client, c->c2s.ring, FL__PROXY_READ_BYTES, &got) != FL_OK) break;
        for (size_t offset = 0; offset < got && !head;) {
            fl_http_tracker_event_t events[FL_HTTP_TRACKER_EVENTS_MAX];
            size_t count = 0, fed = 0;
            char error[160];
            int status = fl_http_tracker_feed(&c->tracker, FL_DIRECTION_CLIENT_TO_SERVER,
                                              c->c2s.ring + offset, got - offset, events, &count,
                                              &fed, error, sizeof error);
            for (size_t i = 0; i < count; i++)
                head = head || events[i].event == FL_PROTOCOL_EVENT_PROXY_REQUEST_HEAD;
            if (status != FL_OK || fed == 0) head = true; /* not HTTP: answer at once */
            offset += fed;
        }
    }
    (void)fl_scope_exit(w, &limit, FL_OK);
    if (head) c->requests++;
}

/* Lets the client read the answer before the socket goes: its FIN, then
 * whatever it still sends is read and dropped, for a while. */
static void linger(fl__proxy_connection_t *c) {
    fl_world_t *w = c->proxy->world;
    fl_cancel_scope_t limit;
    fl_scope_enter_move_on_after(w, &limit, FL__PROXY_LINGER_NS);
    size_t got = 0;
    for (int reads = 0; reads < 4096; reads++)
        if (fl_conn_read(c->client, c->c2s.ring, FL__PROXY_READ_BYTES, &got) != FL_OK) break;
    (void)fl_scope_exit(w, &limit, FL_OK);
}

/* An answer with no upstream to it (answer-instead on connect, or the
 * upstream refused): after the request head, then FIN and linger. */
static void answer_alone(fl__proxy_connection_t *c) {
    assert(c->answer.pending);
    read_request_head(c);
    fl__proxy_send_answer(c);
    linger(c);
}

/* The upstream could not be dialled: the client gets 502. */
static void answer_bad_gateway(fl__proxy_connection_t *c, int status) {
    fl__proxy_t *proxy = c->proxy;
    const char *why = status == FL_EREFUSED    ? "refused the connection"
                      : status == FL_ETIMEDOUT ? "did not accept the connection in time"
                                               : fl_status_message(status);
    char *body = fl_arena_printf(&c->arena, "faultline proxy: upstream %s:%u %s",
                                 proxy->upstream_host, proxy->upstream_port, why);
    c->answer = (fl__proxy_answer_t){.pending = true, .status = 502, .body = body,
                                     .body_length = strlen(body)};
    fl__proxy_end(c, "upstream-refused", false);
    answer_alone(c);
}

/* --- the pumps and their supervisor ----------------------------------------------- */

static bool stalled_forever(const fl__proxy_direction_t *d) {
    return d->stall_until_ns == FL_TIME_NEVER && !d->finished;
}

/* Over: both directions done; or a direction stalled forever that can
 * never go on (its source ended, or the other direction is done); or an
 * answer's linger ran out; or a fault or reset ended it. */
static bool connection_over(fl__proxy_connection_t *c) {
    if (c->ending || (c->c2s.finished && c->s2c.finished)) return true;
    if (c->linger_until_ns != 0 && fl_now(c->proxy->world) >= c->linger_until_ns) return true;
    fl__proxy_direction_t *both[2] = {&c->c2s, &c->s2c};
    for (size_t i = 0; i < 2; i++)
        if (stalled_forever(both[i]) &&
            (both[i]->source_status != FL_OK || fl__proxy_other(both[i])->finished))
            return true;
    return false;
}

static void supervise(fl__proxy_connection_t *c) {
    fl_world_t *w = c->proxy->world;
    while (!connection_over(c)) {
        fl_cancel_scope_t limit;
        fl_scope_enter(w, &limit, c->linger_until_ns != 0 ? c->linger_until_ns : FL_TIME_NEVER, 0);
        int status = fl_condition_wait(w, c->changed, "the connection to end");
        status = fl_scope_exit(w, &limit, status);
        if (status != FL_OK) return; /* the world is going */
    }
}

/* The pumps' tasks and group come from the connection's arena; nothing
 * else may (the network's records are the world's, reused). */
static void run_pumps(fl__proxy_connection_t *c) {
    fl_world_t *w = c->proxy->world;
    fl_task_t *self = fl_current_task(w);
    fl_task_set_arena(self, &c->arena);
    c->c2s.source = c->client;
    c->c2s.sink = c->upstream;
    c->s2c.source = c->upstream;
    c->s2c.sink = c->client;
    c->group = fl_taskgroup_open(w, "proxy connection");
    fl_taskgroup_spawn(c->group, "proxy c2s reader", fl__proxy_reader_task, &c->c2s);
    fl_taskgroup_spawn(c->group, "proxy s2c reader", fl__proxy_reader_task, &c->s2c);
    fl_taskgroup_spawn(c->group, "proxy c2s forwarder", fl__proxy_forwarder_task, &c->c2s);
    fl_taskgroup_spawn(c->group, "proxy s2c forwarder", fl__proxy_forwarder_task, &c->s2c);
    supervise(c);
    fl_scope_cancel(w, fl_taskgroup_scope(c->group));
    (void)fl_taskgroup_close(c->group, NULL); /* the pumps return no errors */
    c->group = NULL;
    fl_task_set_arena(self, NULL);
}

/* Dials the upstream, for at most FL__PROXY_DIAL_NS (a host that drops
 * SYNs would hold the client for the kernel's minutes). */
static int dial(fl__proxy_connection_t *c) {
    fl__proxy_t *proxy = c->proxy;
    fl_cancel_scope_t limit;
    fl_scope_enter_move_on_after(proxy->world, &limit, FL__PROXY_DIAL_NS);
    int status =
        fl_net_connect(proxy->net, proxy->upstream_host, proxy->upstream_port, &c->upstream);
    status = fl_scope_exit(proxy->world, &limit, status);
    /* The scope's own cancellation comes back as 0, with no connection. */
    if (status == FL_OK && c->upstream == NULL) status = FL_ETIMEDOUT;
    if (status != FL_OK) c->upstream = NULL;
    return status;
}

/* Connect triggers, the dial, the pumps. */
static void run_connection(fl__proxy_connection_t *c) {
    fl__proxy_t *proxy = c->proxy;
    fl_proxy_firing_t firings[FL_PROXY_FIRINGS_MAX];
    size_t count = fl_proxy_faults_open(proxy->faults, c->id, firings);
    fl__proxy_act(c, firings, count, NULL);
    if (c->ending) return; /* refused or reset */
    if (c->answer.pending) {
        answer_alone(c);
        return;
    }
    int status = dial(c);
    if (status != FL_OK) {
        answer_bad_gateway(c, status);
        return;
    }
    run_pumps(c);
}

/* --- its end ----------------------------------------------------------------------- */

static void close_sockets(fl__proxy_connection_t *c) {
    if (!c->client_done) fl_conn_close(c->client);
    if (c->upstream != NULL && !c->upstream_done) fl_conn_close(c->upstream);
    c->client_done = true;
    fl_conn_release(c->client);
    if (c->upstream != NULL) fl_conn_release(c->upstream);
}

static void finish(fl__proxy_connection_t *c) {
    fl__proxy_t *proxy = c->proxy;
    close_sockets(c);
    fl_proxy_faults_close(proxy->faults, c->id);
    fl_proxy_log_counts_t counts = {.c2s_bytes = c->c2s.forwarded, .s2c_bytes = c->s2c.forwarded,
                                    .requests = c->requests, .responses = c->responses,
                                    .faults = c->faults};
    fl_proxy_log_closed(&proxy->log, c->id, &counts, c->end ? c->end : "client-closed",
                        fl__proxy_time_ms(proxy));
    proxy->totals.requests += c->requests;
    proxy->totals.responses += c->responses;
    proxy->totals.c2s_bytes += c->c2s.forwarded;
    proxy->totals.s2c_bytes += c->s2c.forwarded;
    free(c->c2s.ring);
    free(c->s2c.ring);
    c->c2s.ring = c->s2c.ring = NULL;
    unlink_open(proxy, c);
    c->next_free = proxy->free_connections;
    proxy->free_connections = c;
    fl_condition_notify_all(proxy->world, proxy->all_closed);
}

static fl_error_t *connection_task(fl_world_t *w, void *arg) {
    fl__proxy_connection_t *c = arg;
    assert(w != NULL && c != NULL && c->open);
    fl_arena_init(&c->arena);
    run_connection(c);
    fl_arena_destroy(&c->arena);
    finish(c);
    return NULL;
}

void fl__proxy_connection_start(fl__proxy_t *proxy, fl_conn_t *client) {
    assert(proxy != NULL && client != NULL);
    fl__proxy_connection_t *c = connection_record(proxy);
    c->proxy = proxy;
    c->client = client;
    c->id = ++proxy->last_connection;
    fl_http_tracker_init(&c->tracker);
    char host[FL__PROXY_HOST_MAX];
    uint16_t port = 0;
    if (!fl_uvnet_peer(client, host, sizeof host, &port)) snprintf(host, sizeof host, "?");
    fl_proxy_address_format(host, port, c->client_address, sizeof c->client_address);
    link_open(proxy, c);
    proxy->totals.connections++;
    fl_proxy_log_opened(&proxy->log, c->id, c->client_address, fl__proxy_time_ms(proxy));
    fl_task_pool_run(proxy->pool, connection_task, c);
}
