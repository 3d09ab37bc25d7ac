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
 *     more events are reported.
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
 * passed to this feed (1 <= offset <= length). */
typedef struct fl_http_tracker_event {
    fl_protocol_event_t event; /* a FL_REPORTER_PROXY row */
    size_t offset;
} fl_http_tracker_event_t;

/* At most this many events from one feed; a feed that would report more
 * stops early and says how much it consumed (the caller feeds the rest). */
enum { FL_HTTP_TRACKER_EVENTS_MAX = 32 };

typedef struct fl_http_tracker_direction {
    llhttp_t parser;
    llhttp_settings_t settings;
    bool opaque;               /* malformed, upgraded or tunnelled: no more events */
    uint64_t bytes;            /* fed so far */
    uint64_t messages;         /* complete messages */
    /* the implementation adds its own state here: SSE line scanning, the
       pending chunk-end event, the events of the feed in progress */
} fl_http_tracker_direction_t;

typedef struct fl_http_tracker {
    fl_http_tracker_direction_t request;  /* c2s */
    fl_http_tracker_direction_t response; /* s2c */
    /* the implementation adds the rest: the methods of requests whose
       responses have not begun (HEAD has no response body), and whatever
       else matching needs */
} fl_http_tracker_t;

void fl_http_tracker_init(fl_http_tracker_t *tracker);

/* Feeds bytes of one direction. Writes at most FL_HTTP_TRACKER_EVENTS_MAX
 * events, in order of offset, into events and their number into
 * *event_count, and the bytes consumed into *consumed (length unless the
 * events filled up). Returns 0, or FL_EPARSE the first time the direction
 * turns out malformed (the reason into error; events before the bad byte
 * are still reported). */
int fl_http_tracker_feed(fl_http_tracker_t *tracker, fl_direction_t direction,
                         const uint8_t *data, size_t length, fl_http_tracker_event_t *events,
                         size_t *event_count, size_t *consumed, char *error,
                         size_t error_size);

/* The upstream closed its side: a close-delimited response ends here.
 * Returns the number of events (0 or 1: proxy.response_done) written into
 * events, all with offset 0. */
size_t fl_http_tracker_close(fl_http_tracker_t *tracker, fl_direction_t direction,
                             fl_http_tracker_event_t *events);

/* True while a response is owed or in progress (a request was read whose
 * response has not ended): what answer-instead needs to know. */
bool fl_http_tracker_response_pending(const fl_http_tracker_t *tracker);

/* True while a response has begun reaching the client (its head forwarded)
 * and has not ended. */
bool fl_http_tracker_response_started(const fl_http_tracker_t *tracker);

#endif /* FL_PROXY_HTTP_TRACKER_H */
