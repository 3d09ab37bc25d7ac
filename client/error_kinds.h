/* The client's error kinds, as a tree below the runtime's: X(ENUM, "Name",
 * PARENT), httpware's shape with httpx's leaf names (DESIGN.md section 6).
 * Their numbers follow the runtime's (FL_ERR_RUNTIME_KINDS_END); the client
 * adds the table to the error tree (fl_client_error_kinds_add) before it
 * makes or names one, so the runtime knows none of these names. */
#ifndef FL_CLIENT_ERROR_KINDS_H
#define FL_CLIENT_ERROR_KINDS_H

#include "sim/runtime/error.h"

#define FL_CLIENT_ERROR_KINDS(X)                                               \
    X(CLIENT_ERROR, "ClientError", EXCEPTION)                                  \
    X(TRANSPORT_ERROR, "TransportError", CLIENT_ERROR)                         \
    X(NETWORK_ERROR, "NetworkError", TRANSPORT_ERROR)                          \
    X(CONNECT_ERROR, "ConnectError", NETWORK_ERROR)                            \
    X(READ_ERROR, "ReadError", NETWORK_ERROR)                                  \
    X(WRITE_ERROR, "WriteError", NETWORK_ERROR)                                \
    X(CLOSE_ERROR, "CloseError", NETWORK_ERROR)                                \
    X(PROTOCOL_ERROR, "ProtocolError", TRANSPORT_ERROR)                        \
    X(LOCAL_PROTOCOL_ERROR, "LocalProtocolError", PROTOCOL_ERROR)              \
    X(REMOTE_PROTOCOL_ERROR, "RemoteProtocolError", PROTOCOL_ERROR)            \
    X(UNSUPPORTED_PROTOCOL, "UnsupportedProtocol", TRANSPORT_ERROR)            \
    X(INVALID_URL, "InvalidURL", TRANSPORT_ERROR)                              \
    X(DECODING_ERROR, "DecodingError", TRANSPORT_ERROR)                        \
    X(TIMEOUT_ERROR, "TimeoutError", CLIENT_ERROR)                             \
    X(CONNECT_TIMEOUT, "ConnectTimeout", TIMEOUT_ERROR)                        \
    X(READ_TIMEOUT, "ReadTimeout", TIMEOUT_ERROR)                              \
    X(WRITE_TIMEOUT, "WriteTimeout", TIMEOUT_ERROR)                            \
    X(POOL_TIMEOUT, "PoolTimeout", TIMEOUT_ERROR)                              \
    X(STATUS_ERROR, "StatusError", CLIENT_ERROR)                               \
    X(CLIENT_STATUS_ERROR, "ClientStatusError", STATUS_ERROR)                  \
    X(BAD_REQUEST, "BadRequest", CLIENT_STATUS_ERROR)                          \
    X(UNAUTHORIZED, "Unauthorized", CLIENT_STATUS_ERROR)                       \
    X(FORBIDDEN, "Forbidden", CLIENT_STATUS_ERROR)                             \
    X(NOT_FOUND, "NotFound", CLIENT_STATUS_ERROR)                              \
    X(CONFLICT, "Conflict", CLIENT_STATUS_ERROR)                               \
    X(UNPROCESSABLE_ENTITY, "UnprocessableEntity", CLIENT_STATUS_ERROR)        \
    X(RATE_LIMITED, "RateLimited", CLIENT_STATUS_ERROR)                        \
    X(SERVER_STATUS_ERROR, "ServerStatusError", STATUS_ERROR)                  \
    X(INTERNAL_SERVER, "InternalServer", SERVER_STATUS_ERROR)                  \
    X(BAD_GATEWAY, "BadGateway", SERVER_STATUS_ERROR)                          \
    X(SERVICE_UNAVAILABLE, "ServiceUnavailable", SERVER_STATUS_ERROR)          \
    X(GATEWAY_TIMEOUT, "GatewayTimeout", SERVER_STATUS_ERROR)                  \
    X(STREAM_ERROR, "StreamError", CLIENT_ERROR)                               \
    X(STREAM_CONSUMED, "StreamConsumed", STREAM_ERROR)                         \
    X(STREAM_CLOSED, "StreamClosed", STREAM_ERROR)                             \
    X(RESPONSE_NOT_READ, "ResponseNotRead", STREAM_ERROR)                      \
    X(RETRY_BUDGET_EXHAUSTED, "RetryBudgetExhausted", CLIENT_ERROR)            \
    X(BULKHEAD_FULL, "BulkheadFull", CLIENT_ERROR)                             \
    X(TASK_CONTEXT_ERROR, "TaskContextError", CLIENT_ERROR)

enum fl_client_error_kind {
    FL__CLIENT_ERROR_KINDS_BEFORE = FL_ERR_RUNTIME_KINDS_END - 1,
#define FL__CLIENT_ERROR_KIND_ENUM(id, name, parent) FL_ERR_##id,
    FL_CLIENT_ERROR_KINDS(FL__CLIENT_ERROR_KIND_ENUM)
#undef FL__CLIENT_ERROR_KIND_ENUM
    FL_ERR_CLIENT_KINDS_END
};

/* Adds the client's kinds to the error tree; idempotent. Every client entry
 * point calls it, so a caller needs it only to name a client kind before
 * using the client (the scenario loader does). */
void fl_client_error_kinds_add(void);

#endif /* FL_CLIENT_ERROR_KINDS_H */
