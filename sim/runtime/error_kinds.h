/* The one table of error kinds, as a tree: X(ENUM, "Name", PARENT).
 *
 * The shape follows Python: BaseError is the root; Cancelled sits beside
 * Exception (it is not an Exception, so nothing that catches errors catches
 * it); the client's tree is httpware's with httpx's leaf names. Names are
 * unique: scenario files refer to kinds by name, and a name matches a kind
 * and all its descendants, as isinstance does.
 */
#ifndef FL_ERROR_KINDS_H
#define FL_ERROR_KINDS_H

#define FL_ERROR_KINDS(X)                                                      \
    X(BASE_ERROR, "BaseError", BASE_ERROR)                                     \
    X(CANCELLED, "Cancelled", BASE_ERROR)                                      \
    X(EXCEPTION, "Exception", BASE_ERROR)                                      \
    /* runtime */                                                              \
    X(GROUP_ERROR, "GroupError", EXCEPTION)                                    \
    X(RUNTIME_ERROR, "RuntimeError", EXCEPTION)                                \
    X(ASSERTION_ERROR, "AssertionError", EXCEPTION)                            \
    X(VALUE_ERROR, "ValueError", EXCEPTION)                                    \
    X(DEADLINE_EXCEEDED, "DeadlineExceeded", EXCEPTION)                        \
    X(END_OF_STREAM, "EndOfStream", EXCEPTION)                                 \
    X(BROKEN_RESOURCE, "BrokenResourceError", EXCEPTION)                       \
    X(CLOSED_RESOURCE, "ClosedResourceError", EXCEPTION)                       \
    X(WOULD_BLOCK, "WouldBlock", EXCEPTION)                                    \
    X(OS_ERROR, "OSError", EXCEPTION)                                          \
    X(CLIENT_DISCONNECT, "ClientDisconnect", OS_ERROR)                         \
    /* the client's tree (DESIGN.md section 6) */                              \
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

#endif /* FL_ERROR_KINDS_H */
