/* The protocol events a fault's `event` trigger can name: one table.
 *
 * The layers above the network report these with fl_net_event when they
 * happen on a connection, and the fault plan counts them per entry. The
 * table is the contract between the two sides: the plan refuses a name that
 * is not a row (a misspelt event would otherwise never fire), and
 * fl_net_event asserts that the layer above reports only rows.
 *
 * Each row: the identifier, the name scenario files use, who reports it,
 * and where the event fires, as docs/SCENARIOS.md states it. The network defines the
 * names so that the plan can check them without knowing who reports them;
 * the reporters (sim/asgi/server.c) use the names, never their own strings.
 */
#ifndef FL_PROTOCOL_EVENT_H
#define FL_PROTOCOL_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#define FL_PROTOCOL_EVENTS(X)                                                            \
    X(SERVER_RESPONSE_START, "server.response_start", FL_REPORTER_SERVER,                \
      "the server accepted the app's http.response.start: the response head is queued "  \
      "for the connection's writer and is not on the wire yet")                          \
    X(SERVER_BODY_CHUNK, "server.body_chunk", FL_REPORTER_SERVER,                        \
      "the server accepted a non-empty http.response.body: its bytes are queued for "    \
      "the writer after everything sent before, and are not on the wire yet")            \
    X(PROXY_REQUEST_HEAD, "proxy.request_head", FL_REPORTER_PROXY,                       \
      "the proxy read a request head from the client and forwarded it upstream")         \
    X(PROXY_REQUEST_DONE, "proxy.request_done", FL_REPORTER_PROXY,                       \
      "the proxy forwarded a request's last byte upstream (the end of its body, or "     \
      "its head when it has none)")                                                      \
    X(PROXY_RESPONSE_HEAD, "proxy.response_head", FL_REPORTER_PROXY,                     \
      "the proxy forwarded a final (not 1xx) response head to the client")               \
    X(PROXY_BODY_CHUNK, "proxy.body_chunk", FL_REPORTER_PROXY,                           \
      "the proxy forwarded a response body chunk to the client: a chunk of the "         \
      "chunked transfer coding, else the body bytes of one read from upstream")          \
    X(PROXY_SSE_EVENT, "proxy.sse_event", FL_REPORTER_PROXY,                             \
      "the proxy forwarded a whole server-sent event (field lines and the blank line "   \
      "that ends them, not only comments) of a text/event-stream response")             \
    X(PROXY_RESPONSE_DONE, "proxy.response_done", FL_REPORTER_PROXY,                     \
      "the proxy forwarded a response's last byte to the client")

/* Who reports an event: the simulated server (a scenario's faults may name
 * it) or faultline proxy (a proxy fault file's may). */
typedef enum fl_event_reporter { FL_REPORTER_SERVER, FL_REPORTER_PROXY } fl_event_reporter_t;

typedef enum fl_protocol_event {
#define FL__PROTOCOL_EVENT_ENUM(id, name, reporter, where) FL_PROTOCOL_EVENT_##id,
    FL_PROTOCOL_EVENTS(FL__PROTOCOL_EVENT_ENUM)
#undef FL__PROTOCOL_EVENT_ENUM
    FL_PROTOCOL_EVENT_COUNT
} fl_protocol_event_t;

/* The name scenario files use ("server.response_start"). */
const char *fl_protocol_event_name(fl_protocol_event_t event);

/* Who reports it. */
fl_event_reporter_t fl_protocol_event_reporter(fl_protocol_event_t event);

/* Where the event fires, one sentence (for docs and messages). */
const char *fl_protocol_event_where(fl_protocol_event_t event);

/* Looks a name up; event_out may be NULL. False when no row has that name. */
bool fl_protocol_event_from_name(const char *name, fl_protocol_event_t *event_out);

/* Writes "a, b, c" (every name, in table order) into out; returns out. A
 * list that does not fit in capacity ends with "..." where it was cut. */
char *fl_protocol_event_list(char *out, size_t capacity);

/* The same, of the events one reporter reports. */
char *fl_protocol_event_list_by(fl_event_reporter_t reporter, char *out, size_t capacity);

#endif /* FL_PROTOCOL_EVENT_H */
