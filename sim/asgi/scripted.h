/* Scripted handlers: the endpoints scenario files describe, built from a
 * plain struct of steps (DESIGN.md §5).
 *
 * A handler is Starlette's request_response(endpoint) around an endpoint
 * that runs its steps in order: it records FL_SERVER_LOG_HANDLER "<name>",
 * sleeps, reads the body, raises, and ends with at most one response step
 * (a plain response, or a streaming one whose body is a scripted async
 * generator), which it then calls: `response = await f(request); await
 * response(scope, receive, send)`. A handler whose steps end without a
 * response step returns without starting one.
 *
 * The scripted generator produces chunk 1 at once and sleeps `interval_ns`
 * before each later chunk. fail_at_chunk = k makes it raise (fail_kind,
 * fail_message) instead of producing chunk k. When a sleep is cancelled
 * (the client left and the StreamingResponse cancelled its group), it
 * records FL_SERVER_LOG_NOTE "<name>: generator cancelled after <n> chunks"
 * and runs its cleanup, which awaits a "publish" effect (a sleep of
 * publish_ns):
 * - PLAIN: awaited in place. The enclosing scope is still cancelled
 *   (level-triggered), so the publish is cancelled too: CLEANUP_STARTED is
 *   recorded, CLEANUP_COMPLETED never.
 * - SHIELDED: awaited inside a shielded cancel scope: it completes.
 * - SPAWNED: handed to a new top-level task (asyncio's create_task /
 *   run_coroutine_threadsafe): it completes after the response has ended.
 * Then the generator re-raises Cancelled.
 *
 * The handler copies its spec (steps, strings, headers) into the world's
 * arena, so the caller may free it after fl_scripted_handler_create.
 */
#ifndef FL_ASGI_SCRIPTED_H
#define FL_ASGI_SCRIPTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/asgi/asgi.h"
#include "sim/asgi/responses.h"

typedef enum fl_scripted_step_kind {
    FL_SCRIPTED_SLEEP,     /* sleep duration_ns (0: a checkpoint) */
    FL_SCRIPTED_READ_BODY, /* read the whole body, or until read_bytes arrived */
    FL_SCRIPTED_RAISE,     /* raise error_kind(error_message) */
    FL_SCRIPTED_RESPOND,   /* a plain Response; ends the steps */
    FL_SCRIPTED_STREAM,    /* a StreamingResponse or EventSourceResponse; ends the steps */
} fl_scripted_step_kind_t;

typedef enum fl_scripted_cleanup {
    FL_SCRIPTED_CLEANUP_NONE,
    FL_SCRIPTED_CLEANUP_PLAIN,
    FL_SCRIPTED_CLEANUP_SHIELDED,
    FL_SCRIPTED_CLEANUP_SPAWNED,
} fl_scripted_cleanup_t;

/* "none", "plain", "shielded", "spawned". */
const char *fl_scripted_cleanup_name(fl_scripted_cleanup_t cleanup);
bool fl_scripted_cleanup_from_name(const char *name, fl_scripted_cleanup_t *cleanup_out);

typedef struct fl_scripted_stream {
    size_t chunk_count;
    int64_t interval_ns;
    const char *chunk_text;        /* NULL: "chunk <i>\n" (SSE data: "chunk <i>") */
    size_t fail_at_chunk;          /* 1-based; 0: never */
    fl_error_kind_t fail_kind;     /* e.g. FL_ERR_VALUE_ERROR */
    const char *fail_message;      /* NULL: "chunk <k> failed" */
    bool sse;                      /* EventSourceResponse: each chunk one event */
    int64_t ping_interval_ns;      /* SSE; <= 0: 15 s */
    fl_streaming_variant_t variant; /* plain streams only */
    fl_scripted_cleanup_t cleanup;
    int64_t publish_ns;
} fl_scripted_stream_t;

typedef struct fl_scripted_step {
    fl_scripted_step_kind_t kind;
    int64_t duration_ns;             /* SLEEP */
    size_t read_bytes;               /* READ_BODY; 0: the whole body */
    fl_error_kind_t error_kind;      /* RAISE */
    const char *error_message;       /* RAISE; NULL: "scripted error" */
    int status;                      /* RESPOND, STREAM; 0: 200 */
    const fl_asgi_header_t *headers; /* RESPOND, STREAM (not SSE) */
    size_t header_count;
    const char *media_type;          /* RESPOND (NULL: text/plain), STREAM (NULL: none) */
    const char *body;                /* RESPOND; NULL: empty */
    const char *background_name;     /* RESPOND, STREAM: a background task, or NULL */
    int64_t background_ns;           /* how long it sleeps */
    fl_scripted_stream_t stream;     /* STREAM */
} fl_scripted_step_t;

enum { FL_SCRIPTED_STEPS_MAX = 16 };

typedef struct fl_scripted_spec {
    const char *name;
    const fl_scripted_step_t *steps;
    size_t step_count;
} fl_scripted_spec_t;

/* Builds the handler. Returns NULL and writes a message into error (if not
 * NULL, capacity error_size) when the spec is invalid: more than
 * FL_SCRIPTED_STEPS_MAX steps, a step after a response step, a negative
 * duration, more than FL_RESPONSE_HEADERS_MAX headers, fail_at_chunk past
 * chunk_count, an error kind that is not an Exception, or a step kind,
 * cleanup or streaming variant outside its enum. */
fl_asgi_app_t *fl_scripted_handler_create(fl_world_t *world, const fl_scripted_spec_t *spec,
                                          char *error, size_t error_size);

#endif /* FL_ASGI_SCRIPTED_H */
