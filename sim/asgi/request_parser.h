/* The mock server's HTTP/1.1 request parser, as a unit of its own.
 *
 * It turns the bytes a client sent into events, with the server's limits
 * and refusals, and knows nothing of worlds, tasks, cycles or clocks: the
 * server (server.c) feeds it what it reads and runs the ASGI cycle on its
 * events; a fuzz harness or a unit test feeds it bytes directly, with no
 * world, pool or acceptor task to build. That is why it is separate.
 *
 * Events, in order, for each request (a sink's callback may be NULL):
 *
 *   begin     the request's first byte was parsed.
 *   head      the request line and headers are complete, within the header
 *             limits; method, target, version and header pairs are in the
 *             head (and fl_request_parser_header). head->refusal_status is
 *             413 when a declared Content-Length is over the body limit:
 *             the request is refused once the callback returns (as h11
 *             does, before a byte of the body), and no more events follow.
 *   body      bytes of the body, as they arrive (chunked framing removed).
 *             The body limit is counted as they arrive, so a chunked body,
 *             whose length no header declared, is held to it too.
 *   complete  the request (and its body) is complete. The parser then
 *             pauses: bytes fed while paused are kept, not parsed, until
 *             fl_request_parser_resume, so pipelined requests wait for the
 *             one being answered (as uvicorn's httptools protocol does).
 *
 * Refusals: a malformed request is 400 (an HTTP/1.1 request without Host,
 * or one with more than one Host, included: RFC 9112 §3.2, as h11 does); a
 * transfer coding other than exactly "chunked" is 501 (RFC 9112 §6.1; h11
 * takes chunked alone); a head past header_bytes_max (the request line and
 * header lines in their plain form, as h11 counts its 16 KiB) is 414 when the
 * limit is passed in the target, else 431, as is a head past HEADERS_MAX
 * headers; a body past body_bytes_max is 413. The first refusal is final:
 * every later feed returns it again, whatever the bytes.
 *
 * Memory: the caller owns the struct (it must not move after init, since
 * llhttp points back at it); the parser mallocs its own buffers, which
 * fl_request_parser_release frees. Nothing comes from an arena.
 */
#ifndef FL_ASGI_REQUEST_PARSER_H
#define FL_ASGI_REQUEST_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llhttp.h"
#include "sim/runtime/byte_buffer.h"

enum {
    /* A request with more headers than this is refused with a 431. */
    FL_REQUEST_HEADERS_MAX = 100,
};

typedef struct fl_request_limits {
    size_t header_bytes_max; /* request line + headers; > 0 */
    size_t body_bytes_max;   /* request body; > 0 */
} fl_request_limits_t;

/* A request's head, as the head event hands it out. The strings belong to
 * the parser and stay valid until the next request begins or the parser is
 * released. */
typedef struct fl_request_head {
    const char *method;       /* "GET", ... (llhttp's name) */
    const char *target;       /* the request target as sent: path, '?', query */
    const char *http_version; /* "1.0" or "1.1" */
    bool keep_alive;          /* HTTP/1.1 without "Connection: close", or 1.0 with keep-alive */
    size_t header_count;      /* pairs, read with fl_request_parser_header */
    int refusal_status;       /* 0, or 413: refused after this event */
} fl_request_head_t;

typedef struct fl_request_sink {
    void *context;
    void (*begin)(void *context);
    void (*head)(void *context, const fl_request_head_t *head);
    void (*body)(void *context, const char *data, size_t length);
    void (*complete)(void *context);
} fl_request_sink_t;

typedef enum fl_request_header_state {
    FL_REQUEST_AT_URL,
    FL_REQUEST_AT_FIELD,
    FL_REQUEST_AT_VALUE,
} fl_request_header_state_t;

/* The parser's state; read it through the functions below. */
typedef struct fl_request_parser {
    llhttp_t llhttp;
    fl_request_limits_t limits;
    fl_request_sink_t sink;
    /* the request being parsed: url and "name\0value\0" pairs */
    fl_byte_buffer_t scratch;
    fl_request_header_state_t header_state;
    size_t header_name_at[FL_REQUEST_HEADERS_MAX];
    size_t header_value_at[FL_REQUEST_HEADERS_MAX];
    size_t header_count;
    uint64_t body_received;   /* this request's body bytes so far */
    bool discarding_body;     /* the rest of this body is dropped, uncounted */
    bool paused;              /* after a complete request, until resumed */
    fl_byte_buffer_t pending; /* bytes fed while paused */
    int refusal_status;       /* 0, or the final refusal: 400, 413, 414, 431, 501 */
    const char *refusal_reason; /* a refusal of ours (not llhttp's): why */
} fl_request_parser_t;

/* Prepares parser (caller-owned) with the limits and the sink, which is
 * copied. */
void fl_request_parser_init(fl_request_parser_t *parser, const fl_request_limits_t *limits,
                            const fl_request_sink_t *sink);

/* Frees the parser's buffers. It may be initialised again afterwards. */
void fl_request_parser_release(fl_request_parser_t *parser);

/* Parses length bytes (none is fine), calling the sink as requests go by;
 * while paused, keeps them for fl_request_parser_resume. Returns 0, or the
 * refusal status (400, 413, 414, 431, 501) once a request was refused. */
int fl_request_parser_feed(fl_request_parser_t *parser, const char *data, size_t length);

/* Ends the pause after a complete request and parses the bytes kept
 * meanwhile (which may pause it again). Returns as fl_request_parser_feed. */
int fl_request_parser_resume(fl_request_parser_t *parser);

/* The rest of the current request's body is not wanted (it was answered
 * already): it is parsed and dropped, neither handed out nor counted
 * against the limit. Its completion is still reported. */
void fl_request_parser_discard_body(fl_request_parser_t *parser);

/* True between a complete request and fl_request_parser_resume. */
bool fl_request_parser_paused(const fl_request_parser_t *parser);

/* Bytes fed while paused, not parsed yet. */
size_t fl_request_parser_pending(const fl_request_parser_t *parser);

/* The index-th header of the current request's head (index < its
 * header_count), as sent (names keep their case; a header without a value
 * has ""). Valid from the head event until the next request begins. */
void fl_request_parser_header(const fl_request_parser_t *parser, size_t index,
                              const char **name_out, const char **value_out);

/* Why the request was refused: "limit" for a 413, 414 or 431; for a 400
 * or 501, the parser's own reason ("missing Host header", "duplicate Host
 * header", "unsupported Transfer-Encoding") or llhttp's. Only after a
 * refusal. */
const char *fl_request_parser_refusal_reason(const fl_request_parser_t *parser);

#endif /* FL_ASGI_REQUEST_PARSER_H */
