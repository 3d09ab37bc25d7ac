/* What faultline proxy knows of the HTTP/1.1 it forwards: one tracker per
 * proxied connection follows both directions with llhttp (a request parser
 * on the client's bytes, a response parser on the upstream's) and says where
 * in the bytes each protocol event of the proxy's rows (protocol_event.h,
 * FL_REPORTER_PROXY) ends. It never changes a byte: the proxy forwards what
 * it read, and cuts it at an event's offset when a fault fires there.
 *
 * What it follows:
 *   - keep-alive and pipelining: requests one after another on one
 *     connection; responses are matched to requests in order (a response to
 *     HEAD, and 1xx, 204 and 304 responses, have no body whatever their
 *     headers say);
 *   - bodies framed by Content-Length, by the chunked transfer coding, or
 *     (responses) by the connection's close, which fl_http_tracker_close
 *     reports;
 *   - 1xx interim responses (100 Continue, 103 Early Hints): they are not
 *     proxy.response_head, the final response after them is;
 *   - text/event-stream responses: each server-sent event, a block of lines
 *     ended by a blank line (LF, CRLF or CR line ends) in the decoded body,
 *     with at least one line that is not a comment (": ping" alone is not
 *     an event). When an event ends where a chunk's data ends, its offset is
 *     after that chunk's closing CRLF, so that forwarding up to the event
 *     leaves the client with whole chunks;
 *   - an Upgrade (101) or CONNECT: from then on the bytes are opaque and no
 *     more events are reported. The client's side is opaque from the end
 *     of a request that asks for an Upgrade or CONNECT (llhttp cannot know
 *     what follows it): should the server decline, the connection's later
 *     requests go unreported, their responses still are.
 *
 * Malformed HTTP in one direction is reported once (fl_http_tracker_feed
 * returns FL_EPARSE with llhttp's reason); the tracker then stops following
 * that direction and the proxy forwards the rest as opaque bytes: a proxy
 * that tests a server's handling of bad input must pass bad input through.
 *
 * Pure: no world, no sockets, no allocation after init; fed in any split
 * (the same bytes cut at every byte give the same events at the same
 * absolute offsets).
 */
#ifndef FL_PROXY_HTTP_TRACKER_H
#define FL_PROXY_HTTP_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llhttp.h"
#include "sim/net/net.h"
#include "sim/net/protocol_event.h"

/* One event, where it ends: after the byte at offset - 1 of the bytes
 * passed to this feed (0 <= offset <= length). Offset 0 is where the
 * previous feed ended: an event whose end only this feed's first byte could
 * show (an SSE event's blank line ended by a CR, whose LF, if one follows,
 * belongs to it), or that a feed stopped by full events left to this one.
 * The proxy has forwarded it already and acts before forwarding more. */
typedef struct fl_http_tracker_event {
    fl_protocol_event_t event; /* a FL_REPORTER_PROXY row */
    size_t offset;
} fl_http_tracker_event_t;

/* At most this many events from one feed; a feed that would report more
 * stops early and says how much it consumed (the caller feeds the rest). */
enum { FL_HTTP_TRACKER_EVENTS_MAX = 32, FL_HTTP_TRACKER_CLOSE_EVENTS_MAX = 2 };

/* At most this many HEAD and CONNECT requests (whose responses are framed
 * otherwise) waiting for their responses; one more and the tracker stops
 * following the responses (opaque), since it could no longer tell which
 * answers which. Other methods take no room. */
enum { FL_HTTP_TRACKER_SPECIAL_REQUESTS_MAX = 64 };

/* A text/event-stream body's scan between bytes. */
typedef struct fl_http_tracker_sse {
    bool line_empty;         /* no byte of the current line yet */
    bool block_has_field;    /* the block has a line that is not a comment */
    bool after_cr;           /* the last byte was a CR: an LF now ends nothing new */
    bool event_after_cr;     /* that CR ended an event's blank line: the event ends
                                after the LF if one comes, else before the next byte */
    bool event_at_chunk_end; /* an event ended with its chunk's data: reported after
                                the chunk's CRLF */
} fl_http_tracker_sse_t;

struct fl_http_tracker;

typedef struct fl_http_tracker_direction {
    llhttp_t parser;
    llhttp_settings_t settings;
    bool opaque;               /* malformed, upgraded or tunnelled: no more events */
    uint64_t bytes;            /* fed so far */
    uint64_t messages;         /* complete messages (requests; final responses) */
    /* The rest is the implementation's. */
    struct fl_http_tracker *tracker; /* the owner: llhttp's data points at the direction */
    fl_direction_t direction;
    /* the message in progress */
    bool final_response;       /* a final (not 1xx) response's head was read */
    bool tunnel_after;         /* 101, or 2xx to CONNECT: what follows is not HTTP */
    bool event_stream;         /* a text/event-stream body: scanned for events */
    bool chunked;
    bool body_chunk_pending;   /* identity body bytes of this feed not yet reported */
    size_t body_chunk_offset;  /* where they end */
    uint64_t chunk_size, chunk_remaining;
    fl_http_tracker_sse_t sse;
    /* the header being read, as far as Content-Type needs it */
    uint8_t field_length;      /* saturates past "content-type" */
    bool field_differs;        /* the name so far is not a prefix of "content-type" */
    uint8_t value_length;
    bool value_overflow;
    char value[48];
    bool content_type_event_stream;
    /* events a callback found, reported where llhttp pauses next */
    fl_protocol_event_t queued[4];
    uint8_t queued_count;
    /* the feed in progress (NULL between feeds) */
    const uint8_t *feed_data;
    size_t feed_length;
    fl_http_tracker_event_t *events;
    size_t event_count, event_capacity;
} fl_http_tracker_direction_t;

typedef struct fl_http_tracker {
    fl_http_tracker_direction_t request;  /* c2s */
    fl_http_tracker_direction_t response; /* s2c */
    /* The rest is the implementation's: HEAD and CONNECT requests whose
       responses have not begun, by their number (from 0, in order), in a
       ring; the others are plain. */
    struct {
        uint64_t request;
        uint8_t method; /* llhttp_method_t: HTTP_HEAD or HTTP_CONNECT */
    } special[FL_HTTP_TRACKER_SPECIAL_REQUESTS_MAX];
    size_t special_first, special_count;
    uint64_t requests;         /* request heads read */
    uint64_t final_responses;  /* final response heads read */
    uint64_t responses_done;   /* final responses ended */
    bool response_started;     /* a final response head reported, its end not yet */
} fl_http_tracker_t;

/* Sets up both directions. The tracker must not move afterwards (llhttp
 * holds pointers into it); nothing to release. */
void fl_http_tracker_init(fl_http_tracker_t *tracker);

/* Feeds bytes of one direction. Writes at most FL_HTTP_TRACKER_EVENTS_MAX
 * events, in order of offset, into events and their number into
 * *event_count, and the bytes consumed into *consumed (length unless the
 * events came near filling up: then more than 0, and the caller feeds the
 * rest). Events at one offset come in the order: proxy.sse_event,
 * proxy.body_chunk, proxy.response_head, proxy.response_done (a request's
 * head before its end). A body framed by Content-Length or by the close
 * has one proxy.body_chunk per feed, where its bytes in the feed end (so
 * those, unlike every other event, depend on the split). Returns 0, or
 * FL_EPARSE the first time the direction turns out malformed ("malformed
 * response at byte N: " and llhttp's reason into error; events before the
 * bad byte are still reported). */
int fl_http_tracker_feed(fl_http_tracker_t *tracker, fl_direction_t direction,
                         const uint8_t *data, size_t length, fl_http_tracker_event_t *events,
                         size_t *event_count, size_t *consumed, char *error,
                         size_t error_size);

/* The upstream closed its side: a close-delimited response ends here.
 * Returns the number of events (at most FL_HTTP_TRACKER_CLOSE_EVENTS_MAX:
 * an SSE event whose blank line ended in the stream's last byte, a CR, then
 * proxy.response_done) written into events, all with offset 0. The
 * direction is opaque afterwards. On the client's direction: 0 events (a
 * request is never close-delimited). */
size_t fl_http_tracker_close(fl_http_tracker_t *tracker, fl_direction_t direction,
                             fl_http_tracker_event_t *events);

/* True while a response is owed or in progress (a request was read whose
 * response has not ended): what answer-instead needs to know. Both
 * predicates speak of every byte fed so far, the whole of the last feed
 * (not only up to one of its events). */
bool fl_http_tracker_response_pending(const fl_http_tracker_t *tracker);

/* True while a response has begun reaching the client (its head forwarded)
 * and has not ended. */
bool fl_http_tracker_response_started(const fl_http_tracker_t *tracker);

#endif /* FL_PROXY_HTTP_TRACKER_H */
