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
    /* Program steps (sim/asgi/program.c): */
    FL_SCRIPTED_CHECKPOINT,    /* await checkpoint() */
    FL_SCRIPTED_LOG,           /* a FL_SERVER_LOG_PROGRAM entry: text */
    FL_SCRIPTED_LOG_IF_CANCELLED, /* the same, only while this task's cancellation is pending */
    FL_SCRIPTED_SEND,          /* await send(message): a raw ASGI message */
    FL_SCRIPTED_RECEIVE,       /* await receive(), or until http.disconnect */
    FL_SCRIPTED_SHIELD,        /* blocks[0] in a shielded cancel scope */
    FL_SCRIPTED_MOVE_ON_AFTER, /* blocks[0] in move_on_after(duration_ns) */
    FL_SCRIPTED_FAIL_AFTER,    /* blocks[0] in fail_after(duration_ns) */
    FL_SCRIPTED_TRY,           /* blocks: the body, excepts, then at most one finally */
    FL_SCRIPTED_TASK_GROUP,    /* blocks: children, each its own task, then the opener's body */
    FL_SCRIPTED_SPAWN,         /* blocks[0] a child of the innermost task group */
    FL_SCRIPTED_CANCEL_GROUP,  /* the innermost task group's cancel_scope.cancel() */
    FL_SCRIPTED_REPEAT,        /* blocks[0] times times, or until it raises error_kind */
    FL_SCRIPTED_CHANNEL_SEND,  /* the message in slot, into channel */
    FL_SCRIPTED_CHANNEL_RECEIVE, /* a message from channel, kept in slot */
    FL_SCRIPTED_CLOSE,         /* one end of channel */
    FL_SCRIPTED_CALL_APP,      /* middleware: await app(scope, receive, send or channel) */
    FL_SCRIPTED_WAIT_FOR,      /* asyncio.wait_for(blocks[0], duration_ns) of a version */
    FL_SCRIPTED_MATCH,         /* the first case whose value the request's gives, else default */
    FL_SCRIPTED_EVENT_SET,     /* event.set() of the event named channel */
    FL_SCRIPTED_EVENT_WAIT,    /* await event.wait() */
    FL_SCRIPTED_ACQUIRE,       /* await semaphore.acquire() (a lock's too) */
    FL_SCRIPTED_RELEASE,       /* semaphore.release() */
} fl_scripted_step_kind_t;

/* asyncio.wait_for's versions, as a row each in sim/asgi/program.c: what
 * it does when the waiting task is cancelled in the same step in which the
 * inner operation completes (CPython bpo-42130 / gh-86296). */
typedef enum fl_wait_for_version {
    FL_WAIT_FOR_3_11, /* the result wins: the cancellation is lost */
    FL_WAIT_FOR_3_12, /* the cancellation wins (3.12 rewrote it on asyncio.timeout) */
    FL_WAIT_FOR_VERSION_COUNT
} fl_wait_for_version_t;

const char *fl_wait_for_version_name(fl_wait_for_version_t version);

/* What a program's named object is. */
typedef enum fl_scripted_object_kind {
    FL_OBJECT_CHANNEL,   /* a memory object stream */
    FL_OBJECT_EVENT,     /* anyio.Event */
    FL_OBJECT_SEMAPHORE, /* anyio.Semaphore (a lock: value 1) */
} fl_scripted_object_kind_t;

/* A named object of a program's; one per call of the program. */
typedef struct fl_scripted_channel {
    const char *name;
    size_t capacity; /* CHANNEL: 0, a rendezvous, as anyio's default; SEMAPHORE: its value */
    fl_scripted_object_kind_t kind;
} fl_scripted_channel_t;

/* What a block of a step is to it. */
typedef enum fl_scripted_block_role {
    FL_BLOCK_BODY,    /* the steps the scope or try runs */
    FL_BLOCK_EXCEPT,  /* runs when the body raised error (or below); the error is handled */
    FL_BLOCK_FINALLY, /* runs however the body ended */
    FL_BLOCK_CHILD,   /* a task group's child: its own task */
    FL_BLOCK_CASE,    /* MATCH: runs when the request's value is the block's value */
    FL_BLOCK_DEFAULT, /* MATCH: runs when no case matched */
} fl_scripted_block_role_t;

/* What a match step looks at in the request. */
typedef enum fl_scripted_match_on {
    FL_MATCH_COUNT,  /* the route's request count, from 1: "1", "2", ... */
    FL_MATCH_METHOD, /* the request's method */
    FL_MATCH_HEADER, /* a request header's value (match_header); absent: no case matches */
    FL_MATCH_ON_COUNT
} fl_scripted_match_on_t;

const char *fl_scripted_match_on_name(fl_scripted_match_on_t on);

struct fl_scripted_step;

typedef struct fl_scripted_block {
    fl_scripted_block_role_t role;
    const char *name;      /* CHILD: its task's name (NULL: "<handler> child <i>") */
    fl_error_kind_t error; /* EXCEPT: the kind caught, with those below it */
    const char *value;     /* CASE: the value it matches */
    const struct fl_scripted_step *steps;
    size_t step_count;
} fl_scripted_block_t;

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
    bool sse_ids;                  /* SSE: event i carries the id "<i>" */
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
    const char *text;                /* LOG */
    fl_asgi_message_type_t message;  /* SEND: start (status, headers) or body (body) */
    bool more_body;                  /* SEND body */
    bool until_disconnect;           /* RECEIVE: receive until http.disconnect */
    const fl_scripted_block_t *blocks; /* SHIELD .. TASK_GROUP */
    size_t block_count;
    bool cancel_on_first_done;       /* TASK_GROUP: StreamingResponse's wrap() */
    bool lone_error_bare;            /* TASK_GROUP: a lone error unwrapped, as anyio 3 raised it */
    const char *channel;             /* CHANNEL_*, CLOSE, CALL_APP (NULL: the program's send) */
    const char *slot;                /* CHANNEL_RECEIVE: keeps it; CHANNEL_SEND, SEND: sends it */
    const char *body_from;           /* SEND body: the body of the message in this slot */
    bool close_receive;              /* CLOSE: the receive end (else the send end) */
    bool shield_start;               /* CALL_APP: the start goes into the channel shielded */
    uint32_t times;                  /* REPEAT: 0: until error_kind is raised */
    fl_wait_for_version_t wait_for;  /* WAIT_FOR */
    fl_scripted_match_on_t match_on; /* MATCH */
    const char *match_header;        /* MATCH on a header: its name */
} fl_scripted_step_t;

/* Per list of steps; blocks nest at most FL_SCRIPTED_DEPTH_MAX deep. */
enum { FL_SCRIPTED_STEPS_MAX = 16, FL_SCRIPTED_BLOCKS_MAX = 16, FL_SCRIPTED_DEPTH_MAX = 8 };

typedef struct fl_scripted_spec {
    const char *name;
    const fl_scripted_step_t *steps;
    size_t step_count;
    /* Answers in turn (WireMock's scenarios): call k (from 1) of the
     * handler ends with responses[min(k, count) - 1], after its steps,
     * which then must not end with a response of their own. */
    const fl_scripted_step_t *responses;
    size_t response_count;
    const fl_scripted_channel_t *channels; /* made anew for each call */
    size_t channel_count;
} fl_scripted_spec_t;

enum { FL_SCRIPTED_CHANNELS_MAX = 16, FL_SCRIPTED_SLOTS_MAX = 16 };

/* A middleware written as a program (DESIGN.md §7): spec's steps run for
 * each call with app as the inner app, which call_app calls; a response
 * step may not stand in it. NULL with a message in error when the spec is
 * invalid. */
fl_asgi_app_t *fl_program_middleware_create(fl_world_t *world, fl_asgi_app_t *app,
                                            const fl_scripted_spec_t *spec, char *error,
                                            size_t error_size);

/* Builds the handler. Returns NULL and writes a message into error (if not
 * NULL, capacity error_size) when the spec is invalid: more than
 * FL_SCRIPTED_STEPS_MAX steps, a step after a response step, a negative
 * duration, more than FL_RESPONSE_HEADERS_MAX headers, fail_at_chunk past
 * chunk_count, an error kind that is not an Exception, or a step kind,
 * cleanup or streaming variant outside its enum. */
fl_asgi_app_t *fl_scripted_handler_create(fl_world_t *world, const fl_scripted_spec_t *spec,
                                          char *error, size_t error_size);

#endif /* FL_ASGI_SCRIPTED_H */
