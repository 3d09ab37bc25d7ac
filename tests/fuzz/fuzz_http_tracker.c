/* libFuzzer target: the proxy's HTTP/1.1 tracker (harness/proxy/http_tracker.h),
 * fed both directions of one connection with no world.
 *
 * The input: a byte that seeds the cuts, then the client's bytes, a NUL,
 * and the upstream's (no NUL: only the client's). Each run feeds all of the
 * client's bytes, then the upstream's, then closes the upstream. Oracles
 * beyond "no crash":
 * - each feed: at most FL_HTTP_TRACKER_EVENTS_MAX events, offsets within
 *   what it consumed and in order, something consumed, and a feed that
 *   stops early has its events near full; a close gives at most
 *   FL_HTTP_TRACKER_CLOSE_EVENTS_MAX events, at offset 0;
 * - absolute offsets never go back, across the feeds of a direction;
 * - FL_EPARSE at most once a direction, with a message;
 * - the same bytes fed whole and cut into pieces (lengths drawn from the
 *   seed) give the same events at the same absolute offsets and the same
 *   errors, body chunks aside (a body framed by length or close has one a
 *   feed); the whole run's body chunk ends are among the cut run's unless
 *   a whole feed stopped early (its stop adds one);
 * - a third run, the two directions' pieces interleaved, keeps the
 *   per-feed promises (its events may differ: a response can come before
 *   the HEAD request it answers). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/proxy/http_tracker.h"
#include "sim/runtime/status.h"

enum { RECORDED_MAX = 1 << 16 }; /* more are counted, not compared */

typedef struct recorded {
    fl_protocol_event_t event;
    uint64_t at;
} recorded_t;

typedef struct trace {
    recorded_t events[RECORDED_MAX];
    size_t count;
    uint64_t last_at; /* of the last event */
    uint64_t fed;
    int parse_errors;
    bool stopped_early; /* a feed took less than it was given */
    char error[256];
} trace_t;

typedef struct run {
    fl_http_tracker_t tracker;
    trace_t c2s, s2c;
} run_t;

static run_t whole, cut, interleaved;

static void fail(const char *what) {
    fprintf(stderr, "fuzz_http_tracker: %s\n", what);
    abort();
}

static void record(trace_t *t, fl_protocol_event_t event, uint64_t at) {
    if (t->count > 0 && at < t->last_at) fail("an absolute offset went back");
    if (t->count < RECORDED_MAX) t->events[t->count] = (recorded_t){event, at};
    t->count++;
    t->last_at = at;
}

static void check_feed(const fl_http_tracker_event_t *events, size_t count, size_t consumed,
                       size_t length, int status, const char *error) {
    if (status != 0 && status != FL_EPARSE) fail("a feed returned neither 0 nor FL_EPARSE");
    if (status == FL_EPARSE && error[0] == '\0') fail("a parse error without a message");
    if (consumed > length || (consumed == 0 && length > 0)) fail("consumed out of range");
    if (count > FL_HTTP_TRACKER_EVENTS_MAX) fail("more events than the array holds");
    if (consumed < length && count < FL_HTTP_TRACKER_EVENTS_MAX / 2)
        fail("a feed stopped early with room for events");
    for (size_t i = 0; i < count; i++) {
        if (events[i].offset > consumed) fail("an event past the bytes consumed");
        if (i > 0 && events[i].offset < events[i - 1].offset) fail("events out of order");
        if (fl_protocol_event_reporter(events[i].event) != FL_REPORTER_PROXY)
            fail("an event that is not the proxy's");
    }
}

/* Feeds one read, again while the tracker stops early. */
static void feed_read(run_t *r, fl_direction_t direction, const uint8_t *bytes, size_t length) {
    trace_t *t = direction == FL_DIRECTION_CLIENT_TO_SERVER ? &r->c2s : &r->s2c;
    size_t at = 0;
    do {
        fl_http_tracker_event_t events[FL_HTTP_TRACKER_EVENTS_MAX];
        size_t count = 0, consumed = 0;
        char error[256] = "";
        int status = fl_http_tracker_feed(&r->tracker, direction, bytes + at, length - at, events,
                                          &count, &consumed, error, sizeof error);
        check_feed(events, count, consumed, length - at, status, error);
        for (size_t i = 0; i < count; i++) record(t, events[i].event, t->fed + events[i].offset);
        if (status == FL_EPARSE && ++t->parse_errors > 1) fail("a second parse error");
        if (status == FL_EPARSE) snprintf(t->error, sizeof t->error, "%s", error);
        t->stopped_early = t->stopped_early || consumed < length - at;
        t->fed += consumed;
        at += consumed;
    } while (at < length);
}

static void close_upstream(run_t *r) {
    fl_http_tracker_event_t events[FL_HTTP_TRACKER_CLOSE_EVENTS_MAX];
    size_t count = fl_http_tracker_close(&r->tracker, FL_DIRECTION_SERVER_TO_CLIENT, events);
    if (count > FL_HTTP_TRACKER_CLOSE_EVENTS_MAX) fail("a close gave too many events");
    for (size_t i = 0; i < count; i++) {
        if (events[i].offset != 0) fail("a close's event not at offset 0");
        record(&r->s2c, events[i].event, r->s2c.fed);
    }
}

static size_t next_piece(uint32_t *seed, size_t left) {
    *seed = *seed * 1103515245u + 12345u;
    uint32_t pick = (*seed >> 16) & 0xff;
    size_t piece = pick < 96 ? 1 : pick < 192 ? 1 + pick % 16 : 1 + (size_t)pick * 4;
    return piece < left ? piece : left;
}

static void reset(run_t *r) {
    fl_http_tracker_init(&r->tracker);
    r->c2s.count = r->s2c.count = 0;
    r->c2s.fed = r->s2c.fed = r->c2s.last_at = r->s2c.last_at = 0;
    r->c2s.parse_errors = r->s2c.parse_errors = 0;
    r->c2s.stopped_early = r->s2c.stopped_early = false;
    r->c2s.error[0] = r->s2c.error[0] = '\0';
}

static void feed_in_pieces(run_t *r, fl_direction_t direction, const uint8_t *bytes, size_t length,
                           uint32_t *seed) {
    for (size_t at = 0, piece; at < length; at += piece) {
        piece = next_piece(seed, length - at);
        feed_read(r, direction, bytes + at, piece);
    }
}

static void feed_interleaved(run_t *r, const uint8_t *c2s, size_t c2s_length, const uint8_t *s2c,
                             size_t s2c_length, uint32_t seed) {
    size_t a = 0, b = 0;
    while (a < c2s_length || b < s2c_length) {
        size_t piece = next_piece(&seed, a < c2s_length ? c2s_length - a : s2c_length - b);
        bool client = a < c2s_length && (b == s2c_length || (seed & 0x100) != 0);
        if (!client && piece > s2c_length - b) piece = s2c_length - b;
        if (client) {
            feed_read(r, FL_DIRECTION_CLIENT_TO_SERVER, c2s + a, piece);
            a += piece;
        } else {
            feed_read(r, FL_DIRECTION_SERVER_TO_CLIENT, s2c + b, piece);
            b += piece;
        }
    }
    close_upstream(r);
}

static bool has_chunk_at(const trace_t *t, uint64_t at) {
    for (size_t i = 0; i < t->count && i < RECORDED_MAX; i++)
        if (t->events[i].event == FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK && t->events[i].at == at)
            return true;
    return false;
}

static void compare(const trace_t *a, const trace_t *b) {
    if (a->parse_errors != b->parse_errors || strcmp(a->error, b->error) != 0) {
        fprintf(stderr, "whole: %s; cut: %s\n", a->error, b->error);
        fail("whole and cut give other errors");
    }
    if (a->count > RECORDED_MAX || b->count > RECORDED_MAX) return;
    size_t i = 0, j = 0;
    for (;;) {
        while (i < a->count && a->events[i].event == FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK) i++;
        while (j < b->count && b->events[j].event == FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK) j++;
        if (i == a->count || j == b->count) break;
        if (a->events[i].event != b->events[j].event || a->events[i].at != b->events[j].at) {
            fprintf(stderr, "whole: %s at %llu; cut: %s at %llu\n",
                    fl_protocol_event_name(a->events[i].event), (unsigned long long)a->events[i].at,
                    fl_protocol_event_name(b->events[j].event), (unsigned long long)b->events[j].at);
            fail("whole and cut give other events");
        }
        i++, j++;
    }
    if (i != a->count || j != b->count) fail("whole and cut give a different number of events");
    for (size_t k = 0; !a->stopped_early && k < a->count; k++)
        if (a->events[k].event == FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK &&
            !has_chunk_at(b, a->events[k].at))
            fail("a body chunk end of the whole run is not among the cut run's");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint32_t seed = data[0];
    const uint8_t *c2s = data + 1;
    const uint8_t *nul = memchr(c2s, 0, size - 1);
    size_t c2s_length = nul != NULL ? (size_t)(nul - c2s) : size - 1;
    const uint8_t *s2c = nul != NULL ? nul + 1 : data + size;
    size_t s2c_length = (size_t)(data + size - s2c);

    reset(&whole);
    if (c2s_length > 0) feed_read(&whole, FL_DIRECTION_CLIENT_TO_SERVER, c2s, c2s_length);
    if (s2c_length > 0) feed_read(&whole, FL_DIRECTION_SERVER_TO_CLIENT, s2c, s2c_length);
    close_upstream(&whole);

    reset(&cut);
    uint32_t cuts = seed;
    feed_in_pieces(&cut, FL_DIRECTION_CLIENT_TO_SERVER, c2s, c2s_length, &cuts);
    feed_in_pieces(&cut, FL_DIRECTION_SERVER_TO_CLIENT, s2c, s2c_length, &cuts);
    close_upstream(&cut);
    compare(&whole.c2s, &cut.c2s);
    compare(&whole.s2c, &cut.s2c);

    reset(&interleaved);
    feed_interleaved(&interleaved, c2s, c2s_length, s2c, s2c_length, seed);
    return 0;
}
