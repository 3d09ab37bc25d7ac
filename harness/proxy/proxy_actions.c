/* What each fault action does to a proxied connection (the contract's
 * table, docs/PROXY.md): one function per action, none of which blocks.
 * What needs the sockets over time (a stall, a delay, a bandwidth, a byte
 * to corrupt, an answer to write) is left in the direction's or the
 * connection's state for its pump tasks, which are woken to see it.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "harness/proxy/proxy_state.h"
#include "sim/net/http_status.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

static fl__proxy_direction_t *direction_of(fl__proxy_connection_t *c, fl_direction_t direction) {
    return direction == FL_DIRECTION_CLIENT_TO_SERVER ? &c->c2s : &c->s2c;
}

/* FIN on the direction's sink, and the rest of it dropped: truncate, and
 * half-close (the side that half-closes is the direction's sender). */
static void cut_direction(fl__proxy_connection_t *c, fl__proxy_direction_t *d) {
    d->dropping = true;
    if (!d->sink_shut && d->sink != NULL) (void)fl_conn_shutdown_write(d->sink);
    d->sink_shut = true;
    (void)c;
}

/* As if one side closed: FIN to the other after what was forwarded, and
 * both sockets closed. */
static void close_connection(fl__proxy_connection_t *c, fl_side_t side) {
    fl_conn_t *first = side == FL_SIDE_SERVER ? c->client : c->upstream;
    fl_conn_t *second = side == FL_SIDE_SERVER ? c->upstream : c->client;
    if (first != NULL) fl_conn_close(first);
    if (second != NULL) fl_conn_close(second);
    c->client_done = true;
    c->upstream_done = c->upstream != NULL;
    fl__proxy_end(c, "fault", true);
}

/* The answer's body is copied: the plan's may go (the admin API removes
 * the fault) before the answer is written. */
static void answer_instead(fl__proxy_connection_t *c, const fl_fault_action_t *action) {
    const char *body = action->answer_body ? action->answer_body : "";
    c->answer = (fl__proxy_answer_t){.pending = true,
                                     .status = action->answer_status,
                                     .body = fl_arena_strdup(&c->arena, body),
                                     .body_length = strlen(body)};
    if (c->answer.status == 0) c->answer.status = FL_FAULT_ANSWER_STATUS_DEFAULT;
    /* The upstream gets nothing more, and gives nothing more. */
    if (c->upstream != NULL && !c->upstream_done) fl_conn_close(c->upstream);
    c->upstream_done = c->upstream != NULL;
    c->c2s.dropping = true;
    c->s2c.dropping = true;
    fl__proxy_end(c, "fault", false);
}

static void stall(fl__proxy_connection_t *c, fl__proxy_direction_t *d, int64_t duration_ns) {
    int64_t now = fl_now(c->proxy->world);
    d->stall_until_ns = duration_ns == FL_TIME_NEVER || duration_ns > FL_TIME_NEVER - now
                            ? FL_TIME_NEVER
                            : now + duration_ns;
    if (d->stall_until_ns == 0) d->stall_until_ns = 1; /* 0 says "not stalled" */
}

static void act_one(fl__proxy_connection_t *c, const fl_fault_action_t *action) {
    fl__proxy_direction_t *d = direction_of(c, action->direction);
    switch (action->kind) {
    case FL_FAULT_ACTION_REFUSE:
        fl__proxy_reset_both(c);
        fl__proxy_end(c, "refused", true);
        break;
    case FL_FAULT_ACTION_RESET:
        fl__proxy_reset_both(c);
        fl__proxy_end(c, "reset", true);
        break;
    case FL_FAULT_ACTION_CLOSE: close_connection(c, action->side); break;
    case FL_FAULT_ACTION_HALF_CLOSE:
        cut_direction(c, action->side == FL_SIDE_SERVER ? &c->s2c : &c->c2s);
        break;
    case FL_FAULT_ACTION_TRUNCATE: cut_direction(c, d); break;
    case FL_FAULT_ACTION_STALL: stall(c, d, action->duration_ns); break;
    case FL_FAULT_ACTION_DELAY: d->delay_ns = action->duration_ns; break;
    case FL_FAULT_ACTION_BANDWIDTH: d->bytes_per_second = action->bytes_per_second; break;
    case FL_FAULT_ACTION_CORRUPT: d->corrupt_next = true; break;
    case FL_FAULT_ACTION_ANSWER_INSTEAD: answer_instead(c, action); break;
    default:
        /* cancel-task and client-disconnect: refused when the file is read. */
        (void)FL_NEVER(true);
        break;
    }
}

void fl__proxy_act(fl__proxy_connection_t *c, const fl_proxy_firing_t *firings, size_t count,
                   fl__proxy_direction_t *from) {
    assert(c != NULL && (firings != NULL || count == 0));
    assert(from == NULL || from == &c->c2s || from == &c->s2c);
    for (size_t i = 0; i < count && c->open; i++) {
        const fl_proxy_firing_t *f = &firings[i];
        c->faults++;
        fl_proxy_log_counts_t counts = {.c2s_bytes = c->c2s.forwarded,
                                        .s2c_bytes = c->s2c.forwarded};
        fl_proxy_log_fault(&c->proxy->log, f->fault_id, f->label, c->id,
                           fl_fault_trigger_name(f->trigger), fl_fault_action_name(f->action.kind),
                           &counts, fl__proxy_time_ms(c->proxy));
        /* A connection a fault ended takes no more actions, but its firings are logged. */
        if (!c->ending) act_one(c, &f->action);
    }
    fl__proxy_notify(c);
}

void fl__proxy_act_on_open(fl__proxy_t *proxy, const fl_proxy_firing_t *firings, size_t count) {
    assert(proxy != NULL && (firings != NULL || count == 0));
    for (size_t i = 0; i < count; i++) {
        fl__proxy_connection_t *next;
        for (fl__proxy_connection_t *c = proxy->open_connections; c != NULL; c = next) {
            next = c->next_open;
            if (firings[i].connection == 0 || firings[i].connection == c->id)
                fl__proxy_act(c, &firings[i], 1, NULL);
        }
    }
}

static int answer_head(const fl__proxy_answer_t *answer, char *head, size_t size) {
    assert(answer != NULL && head != NULL && size >= 128);
    assert(answer->status >= 100 && answer->status <= 599);
    const char *reason = fl_http_reason_phrase(answer->status);
    int length = snprintf(head, size,
                          "HTTP/1.1 %d %s\r\ncontent-length: %zu\r\n"
                          "content-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\n",
                          answer->status, reason ? reason : "Unknown", answer->body_length);
    assert(length > 0 && (size_t)length < size);
    return length;
}

void fl__proxy_send_answer(fl__proxy_connection_t *c) {
    assert(c != NULL && c->answer.pending && c->answer.body != NULL);
    c->answer.pending = false;
    char head[256];
    int length = answer_head(&c->answer, head, sizeof head);
    if (fl_conn_write(c->client, head, (size_t)length) == FL_OK &&
        fl_conn_write(c->client, c->answer.body, c->answer.body_length) == FL_OK)
        c->s2c.forwarded += (uint64_t)length + c->answer.body_length;
    c->s2c.sink_shut = true;
    (void)fl_conn_shutdown_write(c->client);
}
