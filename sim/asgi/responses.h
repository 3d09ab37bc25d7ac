/* Starlette's responses, as ASGI apps: a plain Response, StreamingResponse
 * (in its task-group and spec-2.4 shapes, and the no-listener shape that
 * BaseHTTPMiddleware returns from 0.38.3), an EventSourceResponse after
 * sse-starlette, and background tasks.
 *
 * A response is an app: call it with fl_asgi_call(&response->app, ...) (or
 * fl_asgi_response_app) and it sends its messages, as `await response(scope,
 * receive, send)` does in Starlette. Every response lives in the world's
 * arena; a response may be called once per request cycle.
 *
 * Versions followed: Response and BackgroundTasks as in Starlette 0.20–0.42;
 * StreamingResponse.__call__ as in 0.13.3–0.41 (task group) and 0.42
 * (#2732: spec >= 2.4 streams directly and turns an OSError into
 * ClientDisconnect); EventSourceResponse and ServerSentEvent.encode as in
 * sse-starlette 1.6–2.1.
 */
#ifndef FL_ASGI_RESPONSES_H
#define FL_ASGI_RESPONSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/asgi/asgi.h"

/* --- body iterators ------------------------------------------------------ */

/* The body of a StreamingResponse: an app's async generator. next produces
 * the next chunk (*chunk_out, *length_out, borrowed until the next call) or
 * sets *done_out. It may block; whatever it awaits is a checkpoint, and when
 * the checkpoint fails with FL_ECANCELLED the generator sees Cancelled at
 * that pending await: it may run cleanup, and must return a Cancelled error
 * (or another error, as a generator that raises from its except block).
 * Any error it returns ends the stream. Embed it first in a larger struct to
 * carry state. */
typedef struct fl_body_iterator fl_body_iterator_t;
struct fl_body_iterator {
    fl_error_t *(*next)(fl_body_iterator_t *self, fl_world_t *world, const void **chunk_out,
                        size_t *length_out, bool *done_out);
};

/* --- background tasks ---------------------------------------------------- */

/* A background task runs after the response's last message was sent, in the
 * same task (Starlette's BackgroundTasks: one after another, in order). run
 * may block; NULL only records that the task ran. */
typedef fl_error_t *(*fl_background_fn)(void *arg, fl_world_t *world);

enum { FL_RESPONSE_BACKGROUND_MAX = 8, FL_RESPONSE_HEADERS_MAX = 32 };

/* --- the plain response -------------------------------------------------- */

typedef struct fl_background_task {
    const char *name;   /* recorded as FL_SERVER_LOG_BACKGROUND "background <name>" */
    fl_background_fn run;
    void *arg;
} fl_background_task_t;

/* Fields are read-only after creation, except through the functions below. */
typedef struct fl_asgi_response {
    fl_asgi_app_t app;              /* first: a response is an ASGI app */
    int status;
    fl_asgi_header_t *headers;      /* raw headers after init_headers (arena) */
    size_t header_count;
    const unsigned char *body;      /* plain responses only (arena copy) */
    size_t body_length;
    fl_background_task_t background[FL_RESPONSE_BACKGROUND_MAX];
    size_t background_count;
} fl_asgi_response_t;

/* Response(content, status_code, headers, media_type): one
 * http.response.start and one http.response.body. Headers are lower-cased
 * and copied; like Starlette's init_headers, content-length is added unless
 * given (and unless the status is 1xx, 204 or 304), and content-type from
 * media_type (NULL: none; text/ types get "; charset=utf-8") unless given.
 * At most FL_RESPONSE_HEADERS_MAX headers. The body is copied. */
fl_asgi_response_t *fl_asgi_response_create(fl_world_t *world, int status, const fl_asgi_header_t *headers,
                                  size_t header_count, const char *media_type, const void *body,
                                  size_t body_length);

/* PlainTextResponse(text, status_code): media type text/plain. */
fl_asgi_response_t *fl_plain_text_response(fl_world_t *world, int status, const char *text);

/* Adds a background task (BackgroundTasks.add_task). The name is copied.
 * Returns false when FL_RESPONSE_BACKGROUND_MAX are already there. */
bool fl_asgi_response_add_background(fl_world_t *world, fl_asgi_response_t *response, const char *name,
                                fl_background_fn run, void *arg);

static inline fl_asgi_app_t *fl_asgi_response_app(fl_asgi_response_t *response) { return &response->app; }

/* --- StreamingResponse --------------------------------------------------- */

typedef enum fl_streaming_variant {
    /* Starlette 0.13.3–0.41 (and every version below spec 2.4): stream_response
     * runs as a task next to listen_for_disconnect in one task group;
     * whichever ends first cancels the group's scope. */
    FL_STREAMING_TASK_GROUP,
    /* Starlette 0.42 (#2732): at spec >= 2.4 call stream_response directly,
     * no listener, and turn an OSError from send into ClientDisconnect; below
     * 2.4 the task group as above. */
    FL_STREAMING_SPEC_AWARE,
    /* BaseHTTPMiddleware's _StreamingResponse from 0.38.3 (#2620): start, the
     * chunks and the final body, no listener, errors unchanged. */
    FL_STREAMING_NO_LISTENER,
} fl_streaming_variant_t;

const char *fl_streaming_variant_name(fl_streaming_variant_t variant);
/* The variant named name ("task-group", "spec-aware", "no-listener"). */
bool fl_streaming_variant_from_name(const char *name, fl_streaming_variant_t *variant_out);

typedef struct fl_streaming_response {
    fl_asgi_response_t base;             /* body unused */
    fl_body_iterator_t *iterator;   /* borrowed; must outlive the call */
    fl_streaming_variant_t variant;
    int64_t ping_interval_ns;       /* > 0: sse-starlette's ping task (SSE only) */
} fl_streaming_response_t;

/* StreamingResponse(content=iterator, status_code, headers, media_type).
 * No content-length is added (there is no body); headers as for
 * fl_asgi_response_create. The iterator is borrowed. */
fl_streaming_response_t *fl_streaming_response_create(fl_world_t *world, int status,
                                                      const fl_asgi_header_t *headers,
                                                      size_t header_count, const char *media_type,
                                                      fl_body_iterator_t *iterator,
                                                      fl_streaming_variant_t variant);

/* --- server-sent events (sse-starlette) ---------------------------------- */

/* One event; NULL fields and has_retry == false are left out. */
typedef struct fl_sse_event {
    const char *data;
    const char *event;
    const char *id;
    const char *comment;
    bool has_retry;
    int64_t retry_ms;
} fl_sse_event_t;

/* ServerSentEvent.encode: ": comment" lines, "id: ", "event: " (line
 * breaks removed), one "data: " line per line of data (split on \r\n, \r or
 * \n), "retry: ", then an empty line; every line ends with sep (NULL:
 * "\r\n"). Returns the text in the arena (NUL-terminated) and its length. */
char *fl_sse_encode(fl_arena_t *arena, const fl_sse_event_t *event, const char *sep,
                    size_t *length_out);

/* The events of an EventSourceResponse: the app's async generator of
 * events, with the same cancellation contract as fl_body_iterator_t. The
 * event's strings are borrowed until the next call. */
typedef struct fl_sse_source fl_sse_source_t;
struct fl_sse_source {
    fl_error_t *(*next)(fl_sse_source_t *self, fl_world_t *world, fl_sse_event_t *event_out,
                        bool *done_out);
};

#define FL_SSE_PING_DEFAULT_NS FL_SECONDS(15)

/* EventSourceResponse(source, status_code, ping=interval): media type
 * text/event-stream, headers cache-control: no-cache, connection:
 * keep-alive, x-accel-buffering: no. Called, it runs stream_response, a ping
 * task (every ping_interval_ns, <= 0: 15 s, sends ": ping - <virtual
 * seconds>" under a send lock while the stream is active) and
 * listen_for_disconnect in one task group, whichever ends first cancelling
 * it (sse-starlette; it has no spec-2.4 branch). */
fl_streaming_response_t *fl_sse_response_create(fl_world_t *world, int status,
                                                fl_sse_source_t *source, int64_t ping_interval_ns);

#endif /* FL_ASGI_RESPONSES_H */
