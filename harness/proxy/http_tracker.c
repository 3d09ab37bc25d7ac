/* The proxy's HTTP/1.1 tracker: see http_tracker.h.
 *
 * llhttp calls the callbacks below; llhttp does not say where in the bytes
 * a callback without data (a head's end, a chunk's end, a message's end)
 * happens, so such a callback queues its events and returns HPE_PAUSED:
 * llhttp then stops right after the element's last byte, llhttp_get_error_pos
 * says where, and the feed reports the queued events there and resumes. A
 * pause stops llhttp after the byte whoever split the input, which is what
 * makes the offsets independent of the split. Body bytes come with their
 * place (on_body), so the SSE scan reports events as it finds them.
 *
 * A feed never holds more events than its array: it stops before bytes
 * that fewer than FREE_EVENTS_MIN free slots could not take, and hands
 * llhttp an event-stream body in slices short enough that their events fit.
 * It never stops at the end of its bytes, though: the events there (a
 * request's end after its head) must not wait for bytes that may never
 * come, so each run leaves room for them. */
#include "harness/proxy/http_tracker.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

/* The most events one pause reports: an SSE event, the body chunk it ends
 * and the response's end; or a bodiless response's head and end. The most
 * at one offset, over all of its pauses, is the same: a head's pause and
 * its message's end (2), or one pause of 3, and a body chunk is either
 * reported by a pause or by the feed's end (FINAL_RESERVE: what a run
 * leaves free for the rest of the events at its last offset, then that). */
enum { PAUSE_EVENTS_MAX = 3, OFFSET_EVENTS_MAX = 3, FINAL_RESERVE = OFFSET_EVENTS_MAX + 1 };

/* k bytes of an event stream end at most k / 2 + 1 events (after the first,
 * each needs a line's byte and its blank line's); a slice of
 * 2 * (free - SLICE_RESERVE) bytes leaves room for those, a pause's events
 * and FINAL_RESERVE. */
enum {
    SLICE_RESERVE = 1 + PAUSE_EVENTS_MAX + FINAL_RESERVE,
    FREE_EVENTS_MIN = SLICE_RESERVE + 1,
};

static const char CONTENT_TYPE[] = "content-type";
static const char EVENT_STREAM[] = "text/event-stream";

_Static_assert(sizeof CONTENT_TYPE - 1 < UINT8_MAX, "field_length saturates past the name");
_Static_assert((int)FL_HTTP_TRACKER_EVENTS_MAX > (int)FREE_EVENTS_MIN, "a feed reports some events");

static fl_http_tracker_direction_t *direction_of(llhttp_t *llhttp) {
    assert(llhttp != NULL && llhttp->data != NULL);
    return llhttp->data;
}

static fl_http_tracker_direction_t *other_direction(fl_http_tracker_direction_t *dir) {
    fl_http_tracker_t *t = dir->tracker;
    return dir == &t->request ? &t->response : &t->request;
}

/* --- events ------------------------------------------------------------------------- */

/* Where the tracker's counts move: when an event is reported, so that the
 * predicates agree with the events the proxy has seen. */
static void note_event(fl_http_tracker_t *t, fl_protocol_event_t event) {
    if (event == FL_PROTOCOL_EVENT_PROXY_RESPONSE_HEAD) t->response_started = true;
    if (event == FL_PROTOCOL_EVENT_PROXY_RESPONSE_DONE) {
        t->response_started = false;
        t->responses_done++;
    }
}

static void emit(fl_http_tracker_direction_t *dir, fl_protocol_event_t event, size_t offset) {
    assert(fl_protocol_event_reporter(event) == FL_REPORTER_PROXY);
    assert(dir->events != NULL && offset <= dir->feed_length);
    assert(dir->event_count == 0 || dir->events[dir->event_count - 1].offset <= offset);
    /* The reserve kept by the feed loop makes room: overflowing is a bug. */
    if (FL_NEVER(dir->event_count >= dir->event_capacity)) return;
    dir->events[dir->event_count++] = (fl_http_tracker_event_t){.event = event, .offset = offset};
    note_event(dir->tracker, event);
}

static void queue(fl_http_tracker_direction_t *dir, fl_protocol_event_t event) {
    assert(dir->queued_count < sizeof dir->queued / sizeof dir->queued[0]);
    dir->queued[dir->queued_count++] = event;
}

/* The queued events happened where llhttp paused: at offset. A tunnel's
 * response ends with the HTTP on the connection, both ways. */
static void report_queued(fl_http_tracker_direction_t *dir, size_t offset) {
    assert(dir->queued_count <= PAUSE_EVENTS_MAX);
    bool ended = false;
    for (size_t i = 0; i < dir->queued_count; i++) {
        emit(dir, dir->queued[i], offset);
        ended = ended || dir->queued[i] == FL_PROTOCOL_EVENT_PROXY_RESPONSE_DONE;
    }
    dir->queued_count = 0;
    if (ended && dir->tunnel_after) {
        dir->opaque = true;
        other_direction(dir)->opaque = true;
    }
}

/* The identity body bytes of this feed end at body_chunk_offset. */
static void report_body_chunk(fl_http_tracker_direction_t *dir) {
    if (!dir->body_chunk_pending) return;
    dir->body_chunk_pending = false;
    emit(dir, FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK, dir->body_chunk_offset);
}

/* --- requests and the responses that answer them --------------------------------- */

/* A request head was read: HEAD and CONNECT are remembered by number,
 * since their responses are framed otherwise. */
static void remember_request(fl_http_tracker_t *t, uint8_t method) {
    uint64_t number = t->requests++;
    if (method != HTTP_HEAD && method != HTTP_CONNECT) return;
    if (t->special_count == FL_HTTP_TRACKER_SPECIAL_REQUESTS_MAX) {
        t->response.opaque = true; /* which response answers which is lost */
        return;
    }
    size_t at = (t->special_first + t->special_count) % FL_HTTP_TRACKER_SPECIAL_REQUESTS_MAX;
    t->special[at].request = number;
    t->special[at].method = method;
    t->special_count++;
    assert(t->special_count <= FL_HTTP_TRACKER_SPECIAL_REQUESTS_MAX);
}

/* A final response head was read: the method of the request it answers
 * (the next in order; HTTP_GET standing for every plain one). Entries of
 * requests answered before their head was read (an early response) go. */
static uint8_t answered_method(fl_http_tracker_t *t) {
    uint64_t number = t->final_responses++;
    while (t->special_count > 0 && t->special[t->special_first].request <= number) {
        bool match = t->special[t->special_first].request == number;
        uint8_t method = t->special[t->special_first].method;
        t->special_first = (t->special_first + 1) % FL_HTTP_TRACKER_SPECIAL_REQUESTS_MAX;
        t->special_count--;
        if (match) return method;
    }
    return HTTP_GET;
}

/* --- the SSE scan ------------------------------------------------------------------- */

typedef enum sse_step {
    SSE_NOTHING,
    SSE_EVENT_BEFORE, /* an event ended before this byte (its blank line's CR) */
    SSE_EVENT_AFTER,  /* an event ended with this byte */
} sse_step_t;

static void sse_reset(fl_http_tracker_sse_t *s) {
    *s = (fl_http_tracker_sse_t){.line_empty = true};
}

/* One byte of the decoded body. Lines end with LF, CRLF or CR; a blank
 * line ends a block, which is an event if a line of it is not a comment
 * (":"). At most one event ends per byte: after one, the block is empty. */
static sse_step_t sse_scan_byte(fl_http_tracker_sse_t *s, uint8_t byte) {
    sse_step_t step = SSE_NOTHING;
    if (s->after_cr) {
        bool event_waits = s->event_after_cr;
        s->after_cr = s->event_after_cr = false;
        if (byte == '\n') return event_waits ? SSE_EVENT_AFTER : SSE_NOTHING; /* CRLF's LF */
        if (event_waits) step = SSE_EVENT_BEFORE;
    }
    if (byte == '\r' || byte == '\n') {
        bool blank = s->line_empty;
        s->line_empty = true;
        s->after_cr = byte == '\r';
        if (!blank || !s->block_has_field) return step;
        assert(step == SSE_NOTHING); /* an event just ended: the block was empty */
        s->block_has_field = false;
        if (byte == '\n') return SSE_EVENT_AFTER;
        s->event_after_cr = true; /* whether an LF belongs to it, the next byte says */
        return SSE_NOTHING;
    }
    if (s->line_empty && byte != ':') s->block_has_field = true;
    s->line_empty = false;
    return step;
}

/* Scans body bytes at (in the feed). In a chunked body, an event that ends
 * with the chunk's data waits for the chunk's CRLF (on_chunk_complete), so
 * that the proxy cuts between whole chunks. */
static void scan_event_stream(fl_http_tracker_direction_t *dir, const uint8_t *at, size_t length) {
    assert(at >= dir->feed_data && at + length <= dir->feed_data + dir->feed_length);
    size_t start = (size_t)(at - dir->feed_data);
    for (size_t i = 0; i < length; i++) {
        sse_step_t step = sse_scan_byte(&dir->sse, at[i]);
        if (step == SSE_NOTHING) continue;
        bool ends_chunk = dir->chunked && i + 1 == length && dir->chunk_remaining == 0;
        if (step == SSE_EVENT_AFTER && ends_chunk) {
            dir->sse.event_at_chunk_end = true;
            continue;
        }
        emit(dir, FL_PROTOCOL_EVENT_PROXY_SSE_EVENT, start + i + (step == SSE_EVENT_AFTER));
    }
}

/* --- Content-Type ------------------------------------------------------------------- */

static uint8_t ascii_lower(uint8_t c) {
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* "text/event-stream", any case, optional whitespace and parameters. A
 * value cut at the buffer's end matches only if its type came whole. */
static bool is_event_stream(const char *value, size_t length, bool cut) {
    size_t from = 0, to = 0;
    while (to < length && value[to] != ';') to++;
    if (to == length && cut) return false;
    while (from < to && (value[from] == ' ' || value[from] == '\t')) from++;
    while (to > from && (value[to - 1] == ' ' || value[to - 1] == '\t')) to--;
    if (to - from != sizeof EVENT_STREAM - 1) return false;
    for (size_t i = 0; i < to - from; i++)
        if (ascii_lower((uint8_t)value[from + i]) != (uint8_t)EVENT_STREAM[i]) return false;
    return true;
}

static int on_header_field(llhttp_t *llhttp, const char *at, size_t length) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    for (size_t i = 0; i < length && !dir->field_differs; i++) {
        size_t n = dir->field_length;
        dir->field_differs = n >= sizeof CONTENT_TYPE - 1 ||
                             ascii_lower((uint8_t)at[i]) != (uint8_t)CONTENT_TYPE[n];
        if (!dir->field_differs) dir->field_length++;
    }
    assert(dir->field_length <= sizeof CONTENT_TYPE - 1);
    return 0;
}

static int on_header_value(llhttp_t *llhttp, const char *at, size_t length) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    size_t room = sizeof dir->value - dir->value_length;
    size_t kept = length < room ? length : room;
    memcpy(dir->value + dir->value_length, at, kept);
    dir->value_length = (uint8_t)(dir->value_length + kept);
    dir->value_overflow = dir->value_overflow || kept < length;
    assert(dir->value_length <= sizeof dir->value);
    return 0;
}

static int on_header_value_complete(llhttp_t *llhttp) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    if (!dir->field_differs && dir->field_length == sizeof CONTENT_TYPE - 1)
        dir->content_type_event_stream =
            is_event_stream(dir->value, dir->value_length, dir->value_overflow);
    dir->field_length = dir->value_length = 0;
    dir->field_differs = dir->value_overflow = false;
    return 0;
}

/* --- llhttp's callbacks ------------------------------------------------------------- */

static int on_message_begin(llhttp_t *llhttp) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    assert(dir->queued_count == 0 && !dir->body_chunk_pending);
    dir->final_response = dir->tunnel_after = dir->event_stream = dir->chunked = false;
    dir->chunk_size = dir->chunk_remaining = 0;
    sse_reset(&dir->sse);
    dir->field_length = dir->value_length = 0;
    dir->field_differs = dir->value_overflow = dir->content_type_event_stream = false;
    return 0;
}

static int on_request_headers_complete(llhttp_t *llhttp) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    remember_request(dir->tracker, llhttp->method);
    queue(dir, FL_PROTOCOL_EVENT_PROXY_REQUEST_HEAD);
    return HPE_PAUSED;
}

static int on_request_message_complete(llhttp_t *llhttp) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    dir->messages++;
    queue(dir, FL_PROTOCOL_EVENT_PROXY_REQUEST_DONE);
    return HPE_PAUSED;
}

/* llhttp: returning 1 means "no body", as a response to HEAD, a 1xx, 204
 * and 304 have whatever their headers say (llhttp reads a body there if
 * told of one); the message then ends at once, at the same byte, so a
 * bodiless response's head is reported with its end. */
static int on_response_headers_complete(llhttp_t *llhttp) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    int status = llhttp->status_code;
    if (status >= 100 && status < 200 && status != 101) return 1; /* interim */
    uint8_t method = answered_method(dir->tracker);
    dir->final_response = true;
    queue(dir, FL_PROTOCOL_EVENT_PROXY_RESPONSE_HEAD);
    dir->tunnel_after = status == 101 || (method == HTTP_CONNECT && status / 100 == 2);
    if (dir->tunnel_after || method == HTTP_HEAD || status == 204 || status == 304) return 1;
    dir->chunked = (llhttp->flags & F_CHUNKED) != 0;
    dir->event_stream = dir->content_type_event_stream;
    return HPE_PAUSED;
}

static int on_body(llhttp_t *llhttp, const char *at, size_t length) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    assert(dir->final_response && length > 0);
    if (dir->chunked) {
        assert(length <= dir->chunk_remaining);
        dir->chunk_remaining -= length;
    }
    if (dir->event_stream) scan_event_stream(dir, (const uint8_t *)at, length);
    if (!dir->chunked) {
        dir->body_chunk_pending = true;
        dir->body_chunk_offset = (size_t)((const uint8_t *)at + length - dir->feed_data);
    }
    return 0;
}

static int on_chunk_header(llhttp_t *llhttp) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    assert(dir->chunked && dir->chunk_remaining == 0);
    dir->chunk_size = dir->chunk_remaining = llhttp->content_length;
    return 0;
}

/* After a chunk's CRLF (the last chunk's: after the trailers). */
static int on_chunk_complete(llhttp_t *llhttp) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    assert(dir->chunk_remaining == 0);
    if (dir->chunk_size == 0) return 0; /* the last chunk: the response's end follows */
    if (dir->sse.event_at_chunk_end || dir->sse.event_after_cr)
        queue(dir, FL_PROTOCOL_EVENT_PROXY_SSE_EVENT);
    /* A CR that ended the chunk still makes a next chunk's LF part of it. */
    dir->sse.event_at_chunk_end = dir->sse.event_after_cr = false;
    queue(dir, FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK);
    return HPE_PAUSED;
}

static int on_response_message_complete(llhttp_t *llhttp) {
    fl_http_tracker_direction_t *dir = direction_of(llhttp);
    if (!dir->final_response) return 0; /* a 1xx: the final response follows */
    if (dir->sse.event_after_cr) queue(dir, FL_PROTOCOL_EVENT_PROXY_SSE_EVENT); /* nothing follows */
    dir->sse.event_after_cr = false;
    if (dir->body_chunk_pending) queue(dir, FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK);
    dir->body_chunk_pending = false;
    queue(dir, FL_PROTOCOL_EVENT_PROXY_RESPONSE_DONE);
    dir->messages++;
    return HPE_PAUSED;
}

static void init_direction(fl_http_tracker_t *t, fl_http_tracker_direction_t *dir,
                           fl_direction_t direction) {
    bool request = direction == FL_DIRECTION_CLIENT_TO_SERVER;
    dir->tracker = t;
    dir->direction = direction;
    llhttp_settings_init(&dir->settings);
    dir->settings.on_message_begin = on_message_begin;
    if (request) {
        dir->settings.on_headers_complete = on_request_headers_complete;
        dir->settings.on_message_complete = on_request_message_complete;
    } else {
        dir->settings.on_header_field = on_header_field;
        dir->settings.on_header_value = on_header_value;
        dir->settings.on_header_value_complete = on_header_value_complete;
        dir->settings.on_headers_complete = on_response_headers_complete;
        dir->settings.on_body = on_body;
        dir->settings.on_chunk_header = on_chunk_header;
        dir->settings.on_chunk_complete = on_chunk_complete;
        dir->settings.on_message_complete = on_response_message_complete;
    }
    llhttp_init(&dir->parser, request ? HTTP_REQUEST : HTTP_RESPONSE, &dir->settings);
    dir->parser.data = dir;
    sse_reset(&dir->sse);
}

void fl_http_tracker_init(fl_http_tracker_t *tracker) {
    assert(tracker != NULL);
    memset(tracker, 0, sizeof *tracker);
    init_direction(tracker, &tracker->request, FL_DIRECTION_CLIENT_TO_SERVER);
    init_direction(tracker, &tracker->response, FL_DIRECTION_SERVER_TO_CLIENT);
    assert(!tracker->request.opaque && !tracker->response.opaque);
}

/* --- feeding ------------------------------------------------------------------------ */

static fl_http_tracker_direction_t *direction_named(fl_http_tracker_t *t, fl_direction_t d) {
    assert(d == FL_DIRECTION_CLIENT_TO_SERVER || d == FL_DIRECTION_SERVER_TO_CLIENT);
    return d == FL_DIRECTION_CLIENT_TO_SERVER ? &t->request : &t->response;
}

static void begin_feed(fl_http_tracker_direction_t *dir, const uint8_t *data, size_t length,
                       fl_http_tracker_event_t *events, size_t capacity) {
    assert(dir->events == NULL && dir->queued_count == 0); /* feeds do not nest */
    dir->feed_data = data;
    dir->feed_length = length;
    dir->events = events;
    dir->event_count = 0;
    dir->event_capacity = capacity;
}

static size_t end_feed(fl_http_tracker_direction_t *dir) {
    assert(!dir->body_chunk_pending && dir->queued_count == 0);
    size_t count = dir->event_count;
    dir->feed_data = NULL;
    dir->events = NULL;
    dir->feed_length = dir->event_count = dir->event_capacity = 0;
    return count;
}

/* The first failure: the direction is opaque from here on. */
static int refuse(fl_http_tracker_direction_t *dir, llhttp_errno_t err, char *error,
                  size_t error_size) {
    const char *pos = llhttp_get_error_pos(&dir->parser);
    size_t at = pos != NULL ? (size_t)((const uint8_t *)pos - dir->feed_data) : 0;
    assert(at <= dir->feed_length);
    const char *reason = llhttp_get_error_reason(&dir->parser);
    if (error_size > 0)
        snprintf(error, error_size, "malformed %s at byte %" PRIu64 ": %s",
                 dir->direction == FL_DIRECTION_CLIENT_TO_SERVER ? "request" : "response",
                 dir->bytes + at, reason != NULL ? reason : llhttp_errno_name(err));
    dir->opaque = true;
    dir->queued_count = 0;
    return FL_EPARSE;
}

/* How many bytes llhttp may take in one run: all but in an event-stream
 * body, whose events must fit in the room left. */
static size_t slice_length(const fl_http_tracker_direction_t *dir, size_t position) {
    size_t rest = dir->feed_length - position;
    size_t room = dir->event_capacity - dir->event_count;
    assert(room >= FREE_EVENTS_MIN);
    if (!dir->event_stream) return rest;
    size_t slice = 2 * (room - SLICE_RESERVE);
    return rest < slice ? rest : slice;
}

/* Runs llhttp over the feed, pause by pause; *used: the bytes it took. */
static int run_parser(fl_http_tracker_direction_t *dir, size_t *used, char *error,
                      size_t error_size) {
    size_t position = 0;
    /* Each run takes bytes or pauses with events, and events are bounded. */
    size_t runs_max = dir->feed_length + dir->event_capacity + 2;
    for (size_t run = 0; !dir->opaque; run++) {
        if (FL_NEVER(run > runs_max)) break;
        size_t room = dir->event_capacity - dir->event_count;
        bool bytes_left = position < dir->feed_length;
        if (bytes_left && room < FREE_EVENTS_MIN) break; /* full: the caller feeds the rest */
        assert(bytes_left || room >= 1); /* FINAL_RESERVE kept the last body chunk its slot */
        size_t slice = bytes_left ? slice_length(dir, position) : 0;
        const char *from = (const char *)dir->feed_data + position;
        llhttp_errno_t err = llhttp_execute(&dir->parser, from, slice);
        if (err == HPE_OK) {
            position += slice;
            if (position == dir->feed_length) break;
            continue;
        }
        if (err == HPE_PAUSED) {
            const uint8_t *pos = (const uint8_t *)llhttp_get_error_pos(&dir->parser);
            assert(pos >= dir->feed_data + position && pos <= dir->feed_data + dir->feed_length);
            position = (size_t)(pos - dir->feed_data);
            llhttp_resume(&dir->parser);
            report_queued(dir, position);
            continue;
        }
        if (err != HPE_PAUSED_UPGRADE) return refuse(dir, err, error, error_size);
        dir->opaque = true; /* an Upgrade or CONNECT request: not HTTP from here */
    }
    if (dir->opaque) position = dir->feed_length;
    *used = position;
    return 0;
}

int fl_http_tracker_feed(fl_http_tracker_t *tracker, fl_direction_t direction,
                         const uint8_t *data, size_t length, fl_http_tracker_event_t *events,
                         size_t *event_count, size_t *consumed, char *error,
                         size_t error_size) {
    assert(tracker != NULL && (data != NULL || length == 0) && events != NULL);
    assert(event_count != NULL && consumed != NULL && (error != NULL || error_size == 0));
    static const uint8_t nothing[1];
    fl_http_tracker_direction_t *dir = direction_named(tracker, direction);
    /* Offsets are counted from data: never from a null pointer. */
    begin_feed(dir, data != NULL ? data : nothing, length, events, FL_HTTP_TRACKER_EVENTS_MAX);
    size_t used = length;
    int status = 0;
    if (!dir->opaque) status = run_parser(dir, &used, error, error_size);
    if (status != 0) used = length; /* the rest passes as opaque bytes */
    report_body_chunk(dir);
    dir->bytes += used;
    *consumed = used;
    *event_count = end_feed(dir);
    assert(*consumed <= length && (*consumed > 0 || length == 0));
    assert(*event_count <= FL_HTTP_TRACKER_EVENTS_MAX);
    return status;
}

size_t fl_http_tracker_close(fl_http_tracker_t *tracker, fl_direction_t direction,
                             fl_http_tracker_event_t *events) {
    assert(tracker != NULL && events != NULL);
    fl_http_tracker_direction_t *dir = direction_named(tracker, direction);
    begin_feed(dir, NULL, 0, events, FL_HTTP_TRACKER_CLOSE_EVENTS_MAX);
    if (!dir->opaque && direction == FL_DIRECTION_SERVER_TO_CLIENT) {
        /* An event whose blank line's CR was the last byte is whole now. */
        if (dir->sse.event_after_cr) emit(dir, FL_PROTOCOL_EVENT_PROXY_SSE_EVENT, 0);
        dir->sse.event_after_cr = false;
        /* A close-delimited body ends: llhttp_finish runs on_message_complete,
         * whose events are reported here; any other state has none. */
        (void)llhttp_finish(&dir->parser);
        report_queued(dir, 0);
    }
    dir->opaque = true;
    size_t count = end_feed(dir);
    assert(count <= FL_HTTP_TRACKER_CLOSE_EVENTS_MAX);
    return count;
}

bool fl_http_tracker_response_pending(const fl_http_tracker_t *tracker) {
    assert(tracker != NULL);
    return tracker->requests > tracker->responses_done || tracker->response_started;
}

bool fl_http_tracker_response_started(const fl_http_tracker_t *tracker) {
    assert(tracker != NULL);
    assert(!tracker->response_started || tracker->final_responses > tracker->responses_done);
    return tracker->response_started;
}
