/* One direction of a proxied connection: its reader and its forwarder
 * (proxy_state.h). The reader keeps the ring filled from the source; the
 * forwarder tells the tracker what it takes, cuts the bytes where protocol
 * events end and where bytes triggers sit, writes each piece to the sink as
 * the direction's faults say, and reports each cut to the fault plan.
 *
 * The ring never moves a byte: the reader writes only into free space and
 * the forwarder frees a piece only once its write returned, so neither
 * holds a pointer the other may overwrite.
 */
#include <assert.h>
#include <string.h>

#include "harness/proxy/proxy_state.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

/* --- the reader --------------------------------------------------------------- */

/* The source ended: a reset is passed on to the other side; the first FIN
 * says who closed. */
static void source_ended(fl__proxy_direction_t *d, int status) {
    fl__proxy_connection_t *c = d->connection;
    assert(status != FL_OK && status != FL_ECANCELLED);
    d->source_status = status;
    if (status == FL_ERESET) {
        fl__proxy_reset_both(c);
        fl__proxy_end(c, "reset", true);
    } else if (status == FL_EEOF) {
        fl__proxy_end(c, d->direction == FL_DIRECTION_CLIENT_TO_SERVER ? "client-closed"
                                                                       : "upstream-closed",
                      false);
    }
    fl__proxy_notify(c);
}

fl_error_t *fl__proxy_reader_task(fl_world_t *w, void *arg) {
    fl__proxy_direction_t *d = arg;
    assert(w != NULL && d != NULL && d->source != NULL && d->ring != NULL);
    for (;;) {
        while (d->count == FL__PROXY_RING_BYTES)
            if (fl_condition_wait(w, d->space, "room in the ring") != FL_OK) return NULL;
        size_t tail = (d->head + d->count) % FL__PROXY_RING_BYTES;
        size_t room = FL__PROXY_RING_BYTES - d->count;
        if (room > FL__PROXY_RING_BYTES - tail) room = FL__PROXY_RING_BYTES - tail;
        if (room > FL__PROXY_READ_BYTES) room = FL__PROXY_READ_BYTES;
        assert(room > 0);
        size_t got = 0;
        int status = fl_conn_read(d->source, d->ring + tail, room, &got);
        if (status == FL_ECANCELLED) return NULL;
        if (status != FL_OK) {
            source_ended(d, status);
            return NULL;
        }
        assert(got >= 1 && got <= room && d->count + got <= FL__PROXY_RING_BYTES);
        d->count += got;
        fl_condition_notify_all(w, d->data);
    }
}

/* --- writing, as the direction's faults say ---------------------------------- */

/* Waits out a stall; a stall forever waits until the connection ends (the
 * supervisor cancels the pumps). */
static int wait_unstalled(fl__proxy_direction_t *d) {
    fl_world_t *w = d->connection->proxy->world;
    for (int rounds = 0; d->stall_until_ns != 0; rounds++) {
        assert(rounds < 1000000); /* each round waits for a change */
        int status;
        if (d->stall_until_ns == FL_TIME_NEVER) {
            status = fl_condition_wait(w, d->data, "stalled");
        } else if (fl_now(w) >= d->stall_until_ns) {
            d->stall_until_ns = 0;
            status = FL_OK;
        } else {
            status = fl_sleep_until(w, d->stall_until_ns);
        }
        if (status != FL_OK) return status;
    }
    return FL_OK;
}

/* At a bandwidth limit, pieces of a twentieth of a second's worth. */
static size_t piece_size(const fl__proxy_direction_t *d, size_t length) {
    if (d->bytes_per_second == 0) return length;
    uint64_t piece = d->bytes_per_second / 20;
    if (piece == 0) piece = 1;
    return piece < length ? (size_t)piece : length;
}

int fl__proxy_write(fl__proxy_direction_t *d, const uint8_t *data, size_t length) {
    assert(d != NULL && d->sink != NULL && (data != NULL || length == 0));
    fl_world_t *w = d->connection->proxy->world;
    int status = wait_unstalled(d);
    if (status == FL_OK && d->delay_ns > 0 && length > 0) status = fl_sleep(w, d->delay_ns);
    size_t done = 0;
    while (status == FL_OK && done < length) {
        size_t piece = piece_size(d, length - done);
        if (d->corrupt_next) {
            /* Every bit of one byte flipped: it always changes. */
            uint8_t flipped = (uint8_t)~data[done];
            d->corrupt_next = false;
            piece = 1;
            status = fl_conn_write(d->sink, &flipped, 1);
        } else {
            status = fl_conn_write(d->sink, data + done, piece);
        }
        if (status != FL_OK) break;
        done += piece;
        d->forwarded += piece;
        if (d->bytes_per_second > 0)
            status = fl_sleep(w, (int64_t)(piece * 1000000000ull / d->bytes_per_second));
    }
    assert(done <= length);
    return status;
}

/* --- the forwarder ------------------------------------------------------------- */

/* The plan decides on the bytes threshold the direction is at, once. */
static void reach_threshold(fl__proxy_direction_t *d) {
    fl__proxy_connection_t *c = d->connection;
    if (d->threshold_decided == d->forwarded + 1) return;
    d->threshold_decided = d->forwarded + 1;
    fl_proxy_firing_t firings[FL_PROXY_FIRINGS_MAX];
    size_t count =
        fl_proxy_faults_bytes(c->proxy->faults, c->id, d->direction, d->forwarded, firings);
    fl__proxy_act(c, firings, count, d);
}

/* Forwards data[0..length) cut at the bytes triggers of the direction:
 * exactly up to each threshold, then the plan decides (a threshold at the
 * bytes forwarded so far is decided before the next byte). */
static int forward_bytes(fl__proxy_direction_t *d, const uint8_t *data, size_t length) {
    fl__proxy_connection_t *c = d->connection;
    size_t done = 0;
    for (;;) {
        if (d->dropping || c->ending) return FL_OK;
        uint64_t threshold =
            fl_proxy_faults_next_bytes(c->proxy->faults, c->id, d->direction, d->forwarded);
        if (threshold == d->forwarded && d->threshold_decided != d->forwarded + 1) {
            reach_threshold(d);
            continue;
        }
        if (done == length) return FL_OK;
        size_t piece = length - done;
        if (threshold > d->forwarded && threshold - d->forwarded < piece)
            piece = (size_t)(threshold - d->forwarded);
        int status = fl__proxy_write(d, data + done, piece);
        if (status != FL_OK) return status;
        done += piece;
        if (d->forwarded == threshold) reach_threshold(d);
    }
}

static bool answers(const fl_proxy_firing_t *firings, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (firings[i].action.kind == FL_FAULT_ACTION_ANSWER_INSTEAD) return true;
    return false;
}

static void count_event(fl__proxy_connection_t *c, fl_protocol_event_t event) {
    if (event == FL_PROTOCOL_EVENT_PROXY_REQUEST_HEAD) c->requests++;
    if (event == FL_PROTOCOL_EVENT_PROXY_RESPONSE_HEAD) c->responses++;
}

/* Forwards one contiguous piece of the ring: fed to the tracker, cut at
 * the events it reports. An answer-instead firing withholds the event's
 * bytes (and the rest). *consumed: the bytes dealt with. */
static int forward_region(fl__proxy_direction_t *d, const uint8_t *data, size_t length,
                          size_t *consumed) {
    fl__proxy_connection_t *c = d->connection;
    fl_http_tracker_event_t events[FL_HTTP_TRACKER_EVENTS_MAX];
    size_t event_count = 0, fed = 0;
    char error[160];
    /* Malformed HTTP is forwarded as it is: the tracker goes opaque. */
    (void)fl_http_tracker_feed(&c->tracker, d->direction, data, length, events, &event_count,
                               &fed, error, sizeof error);
    assert(fed <= length && event_count <= FL_HTTP_TRACKER_EVENTS_MAX);
    *consumed = fed;
    size_t done = 0;
    for (size_t i = 0; i < event_count; i++) {
        size_t offset = events[i].offset;
        assert(offset >= done && offset <= fed);
        fl_proxy_firing_t firings[FL_PROXY_FIRINGS_MAX];
        size_t count = fl_proxy_faults_event(c->proxy->faults, c->id, events[i].event, firings);
        count_event(c, events[i].event);
        if (answers(firings, count)) {
            fl__proxy_act(c, firings, count, d);
            return FL_OK;
        }
        int status = forward_bytes(d, data + done, offset - done);
        if (status != FL_OK) return status;
        done = offset;
        fl__proxy_act(c, firings, count, d);
    }
    return forward_bytes(d, data + done, fed - done);
}

/* A write that failed: a reset is passed on; a sink that is gone makes the
 * rest of the direction dropped. False when the forwarder must stop. */
static bool sink_failed(fl__proxy_direction_t *d, int status) {
    assert(status != FL_OK);
    if (status == FL_ECANCELLED) return false;
    if (status == FL_ERESET) {
        fl__proxy_reset_both(d->connection);
        fl__proxy_end(d->connection, "reset", true);
        return false;
    }
    d->dropping = true;
    return true;
}

/* The source's FIN, after its bytes: a close-delimited response ends; the
 * FIN goes on to the sink. */
static void end_of_stream(fl__proxy_direction_t *d) {
    fl__proxy_connection_t *c = d->connection;
    if (d->source_status == FL_EEOF && d->direction == FL_DIRECTION_SERVER_TO_CLIENT) {
        fl_http_tracker_event_t events[1];
        size_t count = fl_http_tracker_close(&c->tracker, d->direction, events);
        for (size_t i = 0; i < count; i++) {
            fl_proxy_firing_t firings[FL_PROXY_FIRINGS_MAX];
            size_t fired = fl_proxy_faults_event(c->proxy->faults, c->id, events[i].event, firings);
            fl__proxy_act(c, firings, fired, d);
        }
    }
    if (d->source_status == FL_EEOF && !d->sink_shut && !c->ending) {
        d->sink_shut = true;
        (void)fl_conn_shutdown_write(d->sink);
    }
}

/* The client gets the proxy's answer instead of the upstream's: see
 * proxy_actions.c, which closed the upstream and left the answer here. */
static void write_answer(fl__proxy_direction_t *d) {
    fl__proxy_connection_t *c = d->connection;
    assert(d == &c->s2c && c->answer.pending);
    d->dropping = true;
    fl__proxy_send_answer(c);
    c->linger_until_ns = fl_now(c->proxy->world) + FL__PROXY_LINGER_NS;
}

static bool has_work(const fl__proxy_direction_t *d) {
    return d->count > 0 || d->source_status != FL_OK || d->connection->answer.pending;
}

fl_error_t *fl__proxy_forwarder_task(fl_world_t *w, void *arg) {
    fl__proxy_direction_t *d = arg;
    fl__proxy_connection_t *c = d->connection;
    assert(w != NULL && d->sink != NULL && d->ring != NULL);
    int status = FL_OK;
    for (;;) {
        while (!has_work(d))
            if ((status = fl_condition_wait(w, d->data, "bytes to forward")) != FL_OK) return NULL;
        if (d == &c->s2c && c->answer.pending) {
            write_answer(d);
            break;
        }
        if (d->count == 0) break; /* the source ended, every byte dealt with */
        size_t piece = d->count;
        if (piece > FL__PROXY_RING_BYTES - d->head) piece = FL__PROXY_RING_BYTES - d->head;
        size_t consumed = piece;
        if (!d->dropping && !c->ending)
            status = forward_region(d, d->ring + d->head, piece, &consumed);
        if (status != FL_OK && !sink_failed(d, status)) return NULL;
        /* A failed write, or a tracker that took nothing: the piece is dropped. */
        if (status != FL_OK || FL_NEVER(consumed == 0)) consumed = piece;
        status = FL_OK;
        assert(consumed <= piece);
        d->head = (d->head + consumed) % FL__PROXY_RING_BYTES;
        d->count -= consumed;
        fl_condition_notify_all(w, d->space);
    }
    end_of_stream(d);
    d->finished = true;
    fl__proxy_notify(c);
    return NULL;
}
