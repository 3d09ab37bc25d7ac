/* The client's HTTP/1.1 response parser, as a unit of its own.
 *
 * It owns the llhttp parser and the state of one response: the status
 * (100..599 only; llhttp lets "HTTP/1.1 \n", status 0, and two-digit ones
 * through), the version, the headers, the framing (Content-Length or
 * chunked), the header and body byte limits, interim 1xx responses
 * (skipped, their headers dropped, at most FL_RESPONSE_INTERIM_MAX of them,
 * so an endless stream of 100 Continue cannot keep an exchange reading
 * forever), HEAD (no body whatever the headers say), the pause once the
 * response is complete, and bytes past it (leftover: the connection cannot
 * be reused). At the connection's end, fl_response_parser_finish says
 * whether the response was complete (a close-delimited body ends there)
 * and, if not, which kind of premature end it was.
 *
 * It knows nothing of worlds, connections or timeouts: the transport
 * (transport.c) reads under its timeouts, feeds what it read, and maps a
 * failure's condition and detail with fl_client_map; a fuzz harness or a
 * unit test feeds bytes directly, with no world, pool or task to build.
 * That is why it is separate.
 *
 * Failures are reported as a condition of client/mapping.h and a detail
 * (NULL, or text for fl_client_map: llhttp's reason, a limit's words,
 * received/expected counts). A failed feed is final: every later feed
 * fails the same way, whatever the bytes.
 *
 * Memory: the caller owns the struct (it must not move after init, since
 * llhttp points back at it) and the headers object, which it creates in
 * an arena (fl_headers_create); the parser adds the final response's
 * headers to it. The parser mallocs its own buffers for a header being
 * assembled; fl_response_parser_release frees them.
 */
#ifndef FL_CLIENT_RESPONSE_PARSER_H
#define FL_CLIENT_RESPONSE_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/headers.h"
#include "client/mapping.h"
#include "llhttp.h"
#include "sim/runtime/byte_buffer.h"

enum {
    /* A peer may send 100 Continue and 103 Early Hints before the final
     * response, but never needs many. */
    FL_RESPONSE_INTERIM_MAX = 16,
    FL_RESPONSE_STATUS_MIN = 100, /* llhttp takes a status of 1 or 2 digits; HTTP has 3 */
    FL_RESPONSE_STATUS_MAX = 599,
};

typedef struct fl_response_parser_config {
    size_t header_bytes_max; /* header names and values of one response; > 0 */
    size_t body_bytes_max;   /* body bytes; > 0 */
    bool head_request;       /* the request was HEAD: the response has no body */
    fl_headers_t *headers;   /* the caller's: receives the final response's headers */
    /* Body bytes as they are parsed (chunked framing removed), valid during
     * the call; NULL drops them. */
    void (*body)(void *context, const char *data, size_t length);
    void *body_context;
} fl_response_parser_config_t;

typedef enum fl_response_parse_result {
    FL_RESPONSE_PARSE_OK,     /* the bytes were taken: see headers_done, message_done */
    FL_RESPONSE_PARSE_FAILED, /* see fl_response_parser_condition and _detail */
} fl_response_parse_result_t;

/* The parser's state; read it through the functions below. */
typedef struct fl_response_parser {
    llhttp_t llhttp;
    fl_response_parser_config_t config;
    bool informational; /* the message being parsed is a 1xx */
    bool headers_done;  /* the final response's head is in */
    bool message_done;  /* the final response is complete: the parser is paused */
    bool any_bytes;     /* something was fed */
    bool leftover;      /* bytes past the response were fed */
    bool failed;        /* a feed failed: final */
    int status;
    const char *http_version;
    size_t header_bytes;
    fl_byte_buffer_t field;
    fl_byte_buffer_t value;
    uint64_t body_received;
    int64_t content_length; /* -1: none declared */
    bool chunked;
    uint32_t interim_responses; /* 1xx responses skipped so far */
    fl_client_condition_t condition;
    const char *detail; /* NULL, detail_text or llhttp's reason */
    char detail_text[96];
} fl_response_parser_t;

/* Prepares parser (caller-owned) for one response; config is copied. */
void fl_response_parser_init(fl_response_parser_t *parser,
                             const fl_response_parser_config_t *config);

/* Frees the parser's buffers. It may be initialised again afterwards. */
void fl_response_parser_release(fl_response_parser_t *parser);

/* Parses length bytes. Bytes past a complete response are not parsed:
 * they make it leftover. */
fl_response_parse_result_t fl_response_parser_feed(fl_response_parser_t *parser, const char *data,
                                                   size_t length);

/* The connection ended. OK when the response is complete (a body with no
 * declared length ends here); else FAILED with the kind of premature end:
 * EOF_BEFORE_RESPONSE (no byte at all), PARSE_ERROR (the head was cut
 * short), EOF_MID_CHUNK, or EOF_SHORT_BODY (received and expected counts
 * in the detail). */
fl_response_parse_result_t fl_response_parser_finish(fl_response_parser_t *parser);

/* After FAILED: what went wrong, and the detail for fl_client_map (NULL or
 * text owned by the parser or llhttp, valid until the parser is released). */
fl_client_condition_t fl_response_parser_condition(const fl_response_parser_t *parser);
const char *fl_response_parser_detail(const fl_response_parser_t *parser);

bool fl_response_parser_headers_done(const fl_response_parser_t *parser);
bool fl_response_parser_message_done(const fl_response_parser_t *parser);
bool fl_response_parser_leftover(const fl_response_parser_t *parser);

/* The final response's status (100..599) and version ("1.0" or "1.1");
 * only once headers_done. */
int fl_response_parser_status(const fl_response_parser_t *parser);
const char *fl_response_parser_http_version(const fl_response_parser_t *parser);

/* Whether HTTP lets the connection carry another request after this
 * response (llhttp's should_keep_alive: version and Connection header). */
bool fl_response_parser_keep_alive(const fl_response_parser_t *parser);

#endif /* FL_CLIENT_RESPONSE_PARSER_H */
