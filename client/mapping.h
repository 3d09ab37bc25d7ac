/* The one mapping from transport and protocol conditions to client errors
 * (DESIGN.md §6), as a table: each condition, its error kind and the
 * message (httpx's wording where httpx has one). The transport reports a
 * condition; this table decides what the caller sees. Cancelled is never
 * mapped: it is not a condition.
 */
#ifndef FL_CLIENT_MAPPING_H
#define FL_CLIENT_MAPPING_H

#include "sim/runtime/arena.h"
#include "client/error_kinds.h"
#include "sim/runtime/error.h"

/* X(CONDITION, KIND, "message") */
#define FL_CLIENT_CONDITIONS(X)                                                                   \
    X(CONNECT_REFUSED, CONNECT_ERROR, "connection refused")                                       \
    X(HOST_NOT_FOUND, CONNECT_ERROR, "name or service not known")                                 \
    X(CONNECT_FAILED, CONNECT_ERROR, "could not connect")                                         \
    X(CONNECT_TIMER, CONNECT_TIMEOUT, "timed out while connecting")                               \
    X(POOL_TIMER, POOL_TIMEOUT, "timed out waiting for a connection from the pool")               \
    X(WRITE_TIMER, WRITE_TIMEOUT, "timed out while sending the request")                          \
    X(READ_TIMER, READ_TIMEOUT, "timed out while reading the response")                           \
    X(RESET_WRITING, WRITE_ERROR, "connection reset while sending the request")                   \
    X(CLOSED_WRITING, WRITE_ERROR, "connection closed while sending the request")                 \
    X(RESET_READING, READ_ERROR, "connection reset while reading the response")                   \
    X(EOF_BEFORE_RESPONSE, REMOTE_PROTOCOL_ERROR, "Server disconnected without sending a response.") \
    X(EOF_SHORT_BODY, REMOTE_PROTOCOL_ERROR,                                                      \
      "peer closed connection without sending complete message body")                             \
    X(EOF_MID_CHUNK, REMOTE_PROTOCOL_ERROR,                                                       \
      "peer closed connection without sending complete message body: incomplete chunked read")    \
    X(PARSE_ERROR, REMOTE_PROTOCOL_ERROR, "malformed response")                                   \
    X(HEADERS_TOO_LARGE, REMOTE_PROTOCOL_ERROR, "response headers exceed the limit")              \
    X(BODY_TOO_LARGE, REMOTE_PROTOCOL_ERROR, "response body exceeds the limit")

typedef enum fl_client_condition {
#define FL__CLIENT_CONDITION_ENUM(id, kind, message) FL_CLIENT_##id,
    FL_CLIENT_CONDITIONS(FL__CLIENT_CONDITION_ENUM)
#undef FL__CLIENT_CONDITION_ENUM
    FL_CLIENT_CONDITION_COUNT
} fl_client_condition_t;

/* The kind a condition maps to. */
fl_error_kind_t fl_client_condition_kind(fl_client_condition_t condition);
const char *fl_client_condition_message(fl_client_condition_t condition);

/* Builds the error: the table's message, then ": detail" when detail is
 * given (a host, llhttp's reason, received/expected counts). */
fl_error_t *fl_client_map(fl_arena_t *arena, fl_client_condition_t condition, const char *detail);

/* The StatusError subclass for a status code: 400 BadRequest ... 504
 * GatewayTimeout; ClientStatusError / ServerStatusError for other 4xx/5xx. */
fl_error_kind_t fl_client_status_kind(int status);

#endif /* FL_CLIENT_MAPPING_H */
