/* The coverage marks: one row a mark, X(ID, "name", "what reaching it
 * means", known_unreached). known_unreached is NULL, or the reason no
 * shipped suite reaches the mark; `make test` fails on a mark that no suite
 * hits unless it has a reason here. The names are the points of client/
 * and sim/asgi that a suite is written to reach; this layer counts them
 * and knows nothing else of them. */
#ifndef FL_SIM_RUNTIME_MARK_TABLE_H
#define FL_SIM_RUNTIME_MARK_TABLE_H

/* clang-format off */
#define FL_MARK_TABLE(X)                                                                           \
    /* client/transport.c: the pool */                                                             \
    X(POOL_STALE_DISCARDED, "client.pool.stale_discarded",                                         \
      "an idle pooled connection the server had closed was discarded before use", NULL)            \
    X(POOL_EXPIRED_DISCARDED, "client.pool.expired_discarded",                                     \
      "an idle pooled connection past its keep-alive expiry was discarded", NULL)                  \
    X(POOL_REUSED, "client.pool.reused", "a request went out on a pooled connection", NULL)        \
    X(EARLY_RESPONSE_BEATS_WRITE_ERROR, "client.transport.early_response",                         \
      "a response read after a write error replaced the error (a 413 before the upload ended)",    \
      NULL)                                                                                        \
    X(FAILED_CONNECTION_CLOSED, "client.transport.failed_closed",                                  \
      "an exchange that failed closed its connection instead of pooling it", NULL)                 \
    /* client/retry.c, budget, bulkhead, sse */                                                    \
    X(RETRY_STREAMED_BODY_REFUSED, "client.retry.streamed_body_refused",                           \
      "a retry was refused because the request's body was a one-shot stream", NULL)                \
    X(RETRY_GAVE_UP, "client.retry.gave_up", "retries ran out of attempts", NULL)                  \
    X(RETRY_BUDGET_REFUSED, "client.retry.budget_refused",                                         \
      "the retry budget refused a retry", NULL)                                                    \
    X(RETRY_RETRIED, "client.retry.retried", "a failed attempt was retried", NULL)                 \
    X(BULKHEAD_TIMEOUT, "client.bulkhead.timeout",                                                 \
      "a call waited for a bulkhead slot past the acquire timeout", NULL)                          \
    X(SSE_OWNER_CHECK_FAILED, "client.sse.owner_check_failed",                                     \
      "an SSE session read from another task failed fast with TaskContextError", NULL)             \
    /* client/mapping.c: each row of the condition table (FL_CLIENT_CONDITIONS) */                 \
    X(MAP_CONNECT_REFUSED, "client.map.connect_refused", "mapped: connection refused", NULL)       \
    X(MAP_HOST_NOT_FOUND, "client.map.host_not_found", "mapped: name or service not known",        \
      "simulated hosts always resolve; a name that does not needs real DNS "                      \
      "(tests/sim/net/test_uvnet.c)")                                                              \
    X(MAP_CONNECT_FAILED, "client.map.connect_failed", "mapped: could not connect",                \
      "the simulated network refuses or times out a connect; other failures come from real "      \
      "sockets only")                                                                              \
    X(MAP_CONNECT_TIMER, "client.map.connect_timer", "mapped: ConnectTimeout", NULL)               \
    X(MAP_POOL_TIMER, "client.map.pool_timer", "mapped: PoolTimeout", NULL)                        \
    X(MAP_WRITE_TIMER, "client.map.write_timer", "mapped: WriteTimeout", NULL)                     \
    X(MAP_READ_TIMER, "client.map.read_timer", "mapped: ReadTimeout", NULL)                        \
    X(MAP_RESET_WRITING, "client.map.reset_writing", "mapped: reset while sending", NULL)          \
    X(MAP_CLOSED_WRITING, "client.map.closed_writing", "mapped: closed while sending", NULL)       \
    X(MAP_RESET_READING, "client.map.reset_reading", "mapped: reset while reading", NULL)          \
    X(MAP_EOF_BEFORE_RESPONSE, "client.map.eof_before_response",                                   \
      "mapped: Server disconnected without sending a response.", NULL)                             \
    X(MAP_EOF_SHORT_BODY, "client.map.eof_short_body", "mapped: body cut short", NULL)             \
    X(MAP_EOF_MID_CHUNK, "client.map.eof_mid_chunk", "mapped: chunked body cut short", NULL)       \
    X(MAP_PARSE_ERROR, "client.map.parse_error", "mapped: malformed response", NULL)               \
    X(MAP_HEADERS_TOO_LARGE, "client.map.headers_too_large", "mapped: headers over the limit",     \
      NULL)                                                                                        \
    X(MAP_BODY_TOO_LARGE, "client.map.body_too_large", "mapped: body over the limit", NULL)        \
    /* sim/asgi/server.c: the connection and the ASGI cycle's rules */                             \
    X(ASGI_DISCONNECT_BEFORE_START, "asgi.disconnect.before_start",                                \
      "the client went away before the app sent http.response.start", NULL)                        \
    X(ASGI_DISCONNECT_MID_RESPONSE, "asgi.disconnect.mid_response",                                \
      "the client went away after the response started, before it completed", NULL)               \
    X(ASGI_SEND_DROPPED_AFTER_DISCONNECT, "asgi.send.dropped_after_disconnect",                    \
      "a send after the disconnect was dropped silently (ASGI spec before 2.4)", NULL)             \
    X(ASGI_SEND_RAISED_AFTER_DISCONNECT, "asgi.send.raised_after_disconnect",                      \
      "a send after the disconnect raised ClientDisconnect (ASGI spec 2.4)", NULL)                 \
    X(ASGI_RULE_START_EXPECTED, "asgi.rule.start_expected",                                        \
      "cycle rule: a message before http.response.start was refused", NULL)                        \
    X(ASGI_RULE_AFTER_COMPLETE, "asgi.rule.after_complete",                                        \
      "cycle rule: a message after the response completed was refused", NULL)                     \
    X(ASGI_RULE_BODY_EXPECTED, "asgi.rule.body_expected",                                          \
      "cycle rule: a second http.response.start was refused", NULL)                                \
    X(ASGI_RULE_BODY_TOO_LONG, "asgi.rule.body_too_long",                                          \
      "cycle rule: a body past the declared Content-Length was refused", NULL)                     \
    X(ASGI_RULE_BODY_TOO_SHORT, "asgi.rule.body_too_short",                                        \
      "cycle rule: the last body message fell short of the declared Content-Length", NULL)         \
    X(ASGI_RULE_RETURNED_WITHOUT_START, "asgi.rule.returned_without_start",                        \
      "cycle rule: the app returned without starting a response (500 sent)", NULL)                 \
    X(ASGI_RULE_RETURNED_WITHOUT_COMPLETE, "asgi.rule.returned_without_complete",                  \
      "cycle rule: the app returned without completing its response", NULL)                        \
    X(ASGI_APP_EXCEPTION, "asgi.app.exception", "the app raised: Exception in ASGI application",   \
      NULL)                                                                                        \
    X(ASGI_PIPELINE_OVERFLOW, "asgi.connection.pipeline_overflow",                                 \
      "a client pipelining past the limits had its connection dropped",                            \
      "a hostile-peer limit: tests/sim/asgi/test_server.c covers it; no suite pipelines")
/* clang-format on */

#endif /* FL_SIM_RUNTIME_MARK_TABLE_H */
