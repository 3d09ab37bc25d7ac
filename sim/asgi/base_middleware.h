/* Starlette's BaseHTTPMiddleware, in the versions story 3 (DESIGN.md §1)
 * compares. The version is chosen per instance, so stacks can mix them.
 *
 * Every version runs the wrapped app in a task of the middleware's task
 * group (call_next's coro), which sends its messages into a memory stream
 * (an fl_channel of capacity 0: send checkpoints first, then hands over);
 * call_next waits for http.response.start and returns a streaming response
 * over the body messages that follow. End of stream before a start raises
 * the app's error, else RuntimeError("No response returned.").
 *
 * - FL_BASE_MIDDLEWARE_0_20 (Starlette 0.15–0.20): the app gets the request's
 *   receive and the stream's plain send; the response is a StreamingResponse
 *   in the task-group variant (it polls for disconnects); body_stream yields
 *   every body message until end of stream; after the response the group's
 *   scope is cancelled. The bug (#1634): when the client disconnects, an
 *   inner StreamingResponse cancels its scope, the start that it was about
 *   to send into an outer middleware's stream fails at the send checkpoint,
 *   the inner app returns, and the outer call_next gets end of stream.
 * - FL_BASE_MIDDLEWARE_SHIELD_START (the #1706/#1710 proposal): 0.20, with
 *   http.response.start sent into the stream inside a shielded cancel scope.
 * - FL_BASE_MIDDLEWARE_0_21 (Starlette 0.21–0.37, #1715): a response_sent
 *   event; the app receives through receive_or_disconnect (a task group
 *   racing the request's receive against response_sent) and sends through
 *   send_no_error (BrokenResourceError swallowed); a task closes the
 *   receive side of the stream once the response is sent; body_stream skips
 *   empty bodies and stops after more_body false (as #1715 wrote it and
 *   0.29 restored it, #2194; 0.23.1–0.28 read on to end of stream); the
 *   response is still a task-group StreamingResponse. The group is not
 *   cancelled at the end: response_sent is set instead. The race narrows
 *   but stays (#2516, still reported on 0.37.1; see the story-3 tests).
 * - FL_BASE_MIDDLEWARE_0_38 (Starlette 0.38.3, #2620): 0.21 plus
 *   _CachedRequest's wrapped_receive, and call_next returns a
 *   _StreamingResponse that does not poll for disconnects (start, the
 *   chunks, the final body).
 *
 * In every version the group's lone error is raised bare (anyio 3 before
 * 0.38, collapse_excgroups from 0.38). The middleware lives in the world's
 * arena and borrows the app it wraps; any app may be wrapped, another
 * middleware included.
 */
#ifndef FL_ASGI_BASE_MIDDLEWARE_H
#define FL_ASGI_BASE_MIDDLEWARE_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/asgi/asgi.h"

typedef enum fl_base_middleware_version {
    FL_BASE_MIDDLEWARE_0_20,
    FL_BASE_MIDDLEWARE_SHIELD_START,
    FL_BASE_MIDDLEWARE_0_21,
    FL_BASE_MIDDLEWARE_0_38,
} fl_base_middleware_version_t;

/* How the inner app's send delivers into call_next's stream. */
typedef enum fl_base_send_rule {
    FL_BASE_SEND_PLAIN,        /* a checkpoint, then the stream: a cancelled scope loses it */
    FL_BASE_SEND_SHIELD_START, /* http.response.start inside a shielded scope (fix A) */
    FL_BASE_SEND_NO_ERROR,     /* a closed receive side is not an error (0.21's send_no_error) */
} fl_base_send_rule_t;

/* One row per version: its name and what it does, as behaviour columns the
 * middleware reads instead of comparing versions. A new version whose
 * behaviour is a combination of these is one row. */
typedef struct fl_base_middleware_version_row {
    const char *name;                    /* what scenario files write */
    fl_base_middleware_version_t version;
    const char *doc;
    fl_base_send_rule_t send;
    bool response_sent;    /* receive_or_disconnect races the response_sent event (0.21+) */
    bool polls_disconnect; /* the body's StreamingResponse listens for disconnects (< 0.38.3) */
    bool wraps_receive;    /* the request's body is cached and re-read (wrapped_receive, 0.38) */
} fl_base_middleware_version_row_t;

/* The table (count in *count_out), and one version's row. */
const fl_base_middleware_version_row_t *fl_base_middleware_version_rows(size_t *count_out);
const fl_base_middleware_version_row_t *fl_base_middleware_version_row(
    fl_base_middleware_version_t version);

/* "0.20", "shield-start", "0.21", "0.38" (the names scenario files use). */
const char *fl_base_middleware_version_name(fl_base_middleware_version_t version);
bool fl_base_middleware_version_from_name(const char *name,
                                          fl_base_middleware_version_t *version_out);

/* One call of the middleware: Starlette's Request plus the call_next it
 * hands to dispatch. Valid during the call only. */
typedef struct fl_base_request fl_base_request_t;

const fl_asgi_scope_t *fl_base_request_scope(const fl_base_request_t *request);

/* dispatch(request, call_next): returns the response to send (an app, see
 * responses.h; usually what fl_base_call_next gave) through *response_out,
 * or an error. It may block. */
typedef fl_error_t *(*fl_base_dispatch_fn)(void *arg, fl_world_t *world,
                                           fl_base_request_t *request,
                                           fl_asgi_app_t **response_out);

/* call_next(request): runs the wrapped app in the middleware's task group
 * and waits for its http.response.start. On success *response_out is the
 * streaming response over its body; on failure the app's error, or
 * RuntimeError "No response returned.", or Cancelled. */
fl_error_t *fl_base_call_next(fl_world_t *world, fl_base_request_t *request,
                              fl_asgi_app_t **response_out);

/* The default dispatch: `return await call_next(request)`. */
fl_error_t *fl_base_dispatch_call_next(void *arg, fl_world_t *world, fl_base_request_t *request,
                                       fl_asgi_app_t **response_out);

/* BaseHTTPMiddleware(app, dispatch). dispatch NULL: the default. The app's
 * name reads "BaseHTTPMiddleware(0.20)" and so on. */
fl_asgi_app_t *fl_base_middleware_create(fl_world_t *world, fl_asgi_app_t *app,
                                         fl_base_middleware_version_t version,
                                         fl_base_dispatch_fn dispatch, void *dispatch_arg);

#endif /* FL_ASGI_BASE_MIDDLEWARE_H */
