/* BaseHTTPMiddleware in four versions: see base_middleware.h. Python names
 * (call_next, coro, body_stream, receive_or_disconnect, send_no_error, ...)
 * are kept so the code reads next to Starlette's. */
#include "sim/asgi/base_middleware.h"

#include <assert.h>
#include <string.h>

#include "sim/asgi/responses.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/runtime.h"

/* A body is at most this many messages: an app that sends forever is a
 * livelock to report, not a loop without end. */
enum { BODY_MESSAGES_MAX = 1 << 20, STREAM_RECEIVES_MAX = 1 << 20 };

typedef struct base_middleware {
    fl_asgi_app_t app;
    fl_asgi_app_t *inner;
    fl_base_middleware_version_t version;
    fl_base_dispatch_fn dispatch;
    void *dispatch_arg;
} base_middleware_t;

/* 0.38's _CachedRequest: what wrapped_receive has told the app so far. */
typedef struct cached_request {
    bool wrapped_disconnected;
    bool wrapped_consumed;
    bool is_disconnected;
    bool stream_consumed;
} cached_request_t;

struct fl_base_request {
    base_middleware_t *middleware;
    const fl_asgi_scope_t *scope;
    fl_asgi_receive_t receive; /* the middleware's own receive */
    fl_taskgroup_t *group;
    fl_event_t *response_sent; /* 0.21 and later */
    cached_request_t cached;   /* 0.38 */
};

/* One call_next: the stream between the app's task and the response. */
typedef struct next_call next_call_t;

typedef struct body_stream {
    fl_body_iterator_t base;
    next_call_t *call;
    bool finished; /* 0.21+: the last message said more_body false: break */
} body_stream_t;

struct next_call {
    fl_base_request_t *request;
    fl_channel_t *stream;
    fl_error_t *app_exc;
    body_stream_t body;
};

static const fl_base_middleware_version_row_t *row_of(const fl_base_request_t *request) {
    assert(request != NULL && request->middleware != NULL);
    return fl_base_middleware_version_row(request->middleware->version);
}

static bool polls_with_response_sent(const fl_base_request_t *request) {
    assert(request->scope != NULL && request->receive.call != NULL);
    return row_of(request)->response_sent;
}

static fl_asgi_message_t disconnect_message(void) {
    return (fl_asgi_message_t){.type = FL_ASGI_HTTP_DISCONNECT};
}

/* --- 0.38: _CachedRequest.wrapped_receive ------------------------------------ */

static fl_error_t *receive_after_consumed(fl_base_request_t *request, fl_world_t *world,
                                          fl_asgi_message_t *message_out) {
    cached_request_t *cached = &request->cached;
    assert(cached->wrapped_consumed && !cached->wrapped_disconnected);
    assert(message_out != NULL && row_of(request)->wraps_receive);
    if (cached->is_disconnected) {
        cached->wrapped_disconnected = true;
        *message_out = disconnect_message();
        return NULL;
    }
    fl_error_t *error = fl_asgi_receive(world, request->receive, message_out);
    if (error != NULL) return error;
    if (message_out->type != FL_ASGI_HTTP_DISCONNECT)
        return fl_error_new(fl_world_arena(world), FL_ERR_RUNTIME_ERROR,
                            "Unexpected message received: %s",
                            fl_asgi_message_type_name(message_out->type));
    cached->wrapped_disconnected = true;
    assert(message_out->type == FL_ASGI_HTTP_DISCONNECT);
    return NULL;
}

/* Request.stream().__anext__(): empty chunks that are not the last are
 * skipped; after the last, one empty chunk; a disconnect raises
 * ClientDisconnect, which wrapped_receive turns into http.disconnect. */
static fl_error_t *receive_stream_chunk(fl_base_request_t *request, fl_world_t *world,
                                        fl_asgi_message_t *message_out) {
    cached_request_t *cached = &request->cached;
    assert(!cached->wrapped_consumed && !cached->wrapped_disconnected);
    assert(message_out != NULL && row_of(request)->wraps_receive);
    for (size_t i = 0; i < STREAM_RECEIVES_MAX; i++) {
        if (cached->stream_consumed) {
            cached->wrapped_consumed = true;
            *message_out = (fl_asgi_message_t){.type = FL_ASGI_HTTP_REQUEST};
            return NULL;
        }
        fl_asgi_message_t message;
        memset(&message, 0, sizeof message);
        fl_error_t *error = fl_asgi_receive(world, request->receive, &message);
        if (error != NULL) return error;
        if (message.type == FL_ASGI_HTTP_DISCONNECT) {
            cached->is_disconnected = true;
            cached->wrapped_disconnected = true;
            *message_out = message;
            return NULL;
        }
        if (message.type != FL_ASGI_HTTP_REQUEST) continue;
        if (!message.more_body) cached->stream_consumed = true;
        if (message.body_length == 0) continue;
        assert(message.body != NULL);
        cached->wrapped_consumed = cached->stream_consumed;
        message.more_body = !cached->stream_consumed;
        *message_out = message;
        return NULL;
    }
    return fl_error_new(fl_world_arena(world), FL_ERR_RUNTIME_ERROR,
                        "request stream: more than %d receives", STREAM_RECEIVES_MAX);
}

static fl_error_t *wrapped_receive(void *context, fl_world_t *world,
                                   fl_asgi_message_t *message_out) {
    fl_base_request_t *request = context;
    assert(row_of(request)->wraps_receive);
    assert(message_out != NULL && request->receive.call != NULL);
    if (request->cached.wrapped_disconnected) {
        *message_out = disconnect_message();
        return NULL;
    }
    if (request->cached.wrapped_consumed)
        return receive_after_consumed(request, world, message_out);
    return receive_stream_chunk(request, world, message_out);
}

/* What the middleware reads the request with: request.receive before 0.38,
 * wrapped_receive from 0.38. */
static fl_asgi_receive_t request_receive(fl_base_request_t *request) {
    assert(request->receive.call != NULL);
    /* The request's own receive is never its wrapper, or the wrapper would call itself. */
    assert(request->receive.call != wrapped_receive || request->receive.context != request);
    if (row_of(request)->wraps_receive)
        return (fl_asgi_receive_t){.call = wrapped_receive, .context = request};
    return request->receive;
}

/* --- 0.21+: receive_or_disconnect -------------------------------------------- */

typedef struct disconnect_race {
    fl_base_request_t *request;
    fl_taskgroup_t *group;
} disconnect_race_t;

/* wrap(response_sent.wait): once the response is out, stop the receive. */
static fl_error_t *wait_response_sent_task(fl_world_t *world, void *arg) {
    disconnect_race_t *race = arg;
    assert(race->request->response_sent != NULL && race->group != NULL);
    int status = fl_event_wait(world, race->request->response_sent);
    if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "wait");
    assert(fl_event_is_set(race->request->response_sent));
    fl_scope_cancel(world, fl_taskgroup_scope(race->group));
    return NULL;
}

/* The group's exit waits for the cancelled waiter task: a yield even when
 * the receive returned at once, which is what gives the sender a chance. */
static fl_error_t *receive_or_disconnect(void *context, fl_world_t *world,
                                         fl_asgi_message_t *message_out) {
    fl_base_request_t *request = context;
    assert(polls_with_response_sent(request) && request->response_sent != NULL);
    assert(message_out != NULL);
    if (fl_event_is_set(request->response_sent)) {
        *message_out = disconnect_message();
        return NULL;
    }
    disconnect_race_t *race = fl_arena_zalloc(fl_world_arena(world), sizeof *race);
    race->request = request;
    race->group = fl_taskgroup_open(world, "receive_or_disconnect");
    fl_taskgroup_spawn(race->group, "wait response_sent", wait_response_sent_task, race);
    fl_asgi_message_t message;
    memset(&message, 0, sizeof message);
    fl_error_t *error = fl_asgi_receive(world, request_receive(request), &message);
    if (error == NULL) fl_scope_cancel(world, fl_taskgroup_scope(race->group));
    error = fl_error_collapse(fl_taskgroup_close(race->group, error));
    if (error != NULL) return error;
    *message_out = fl_event_is_set(request->response_sent) ? disconnect_message() : message;
    return NULL;
}

/* --- the app's send ------------------------------------------------------------ */

/* send_stream.send: the message is borrowed for the call, so the stream
 * carries a copy. */
static fl_error_t *stream_send(next_call_t *call, fl_world_t *world,
                               const fl_asgi_message_t *message) {
    assert(message != NULL && call->stream != NULL);
    assert(call->request != NULL);
    fl_arena_t *arena = fl_world_arena(world);
    int status = fl_channel_send(world, call->stream, fl_asgi_message_copy(arena, message));
    return fl_error_from_status(arena, status, "send_stream.send");
}

static fl_error_t *plain_send(void *context, fl_world_t *world, const fl_asgi_message_t *message) {
    assert(row_of(((next_call_t *)context)->request)->send == FL_BASE_SEND_PLAIN);
    return stream_send(context, world, message);
}

/* #1710: the start is ready for the receiver, so its send must not be lost
 * to a cancellation that only meant to stop the body. */
static fl_error_t *shield_start_send(void *context, fl_world_t *world,
                                     const fl_asgi_message_t *message) {
    assert(row_of(((next_call_t *)context)->request)->send == FL_BASE_SEND_SHIELD_START);
    if (message->type != FL_ASGI_RESPONSE_START) return stream_send(context, world, message);
    fl_cancel_scope_t shield;
    fl_scope_enter(world, &shield, FL_TIME_NEVER, FL_SCOPE_SHIELD);
    fl_error_t *error = stream_send(context, world, message);
    return fl_scope_exit_error(world, &shield, error);
}

/* 0.21: a closed receive side means response_sent was set. */
static fl_error_t *send_no_error(void *context, fl_world_t *world,
                                 const fl_asgi_message_t *message) {
    assert(row_of(((next_call_t *)context)->request)->send == FL_BASE_SEND_NO_ERROR);
    fl_error_t *error = stream_send(context, world, message);
    return fl_error_is(error, FL_ERR_BROKEN_RESOURCE) ? NULL : error;
}

static fl_asgi_send_t app_send(next_call_t *call) {
    assert(call != NULL && call->stream != NULL);
    switch (row_of(call->request)->send) {
    case FL_BASE_SEND_PLAIN: break;
    case FL_BASE_SEND_SHIELD_START:
        return (fl_asgi_send_t){.call = shield_start_send, .context = call};
    case FL_BASE_SEND_NO_ERROR: return (fl_asgi_send_t){.call = send_no_error, .context = call};
    }
    return (fl_asgi_send_t){.call = plain_send, .context = call};
}

static fl_asgi_receive_t app_receive(next_call_t *call) {
    assert(call != NULL && call->request != NULL);
    /* receive_or_disconnect races the event middleware_call made. */
    assert(call->request->response_sent != NULL || !polls_with_response_sent(call->request));
    if (polls_with_response_sent(call->request))
        return (fl_asgi_receive_t){.call = receive_or_disconnect, .context = call->request};
    return call->request->receive;
}

/* --- call_next ------------------------------------------------------------------ */

/* coro(): Exceptions are kept for call_next and body_stream to raise;
 * Cancelled ends the task. `async with send_stream` closes it either way. */
static fl_error_t *coro_task(fl_world_t *world, void *arg) {
    next_call_t *call = arg;
    fl_base_request_t *request = call->request;
    assert(call->stream != NULL && call->app_exc == NULL); /* one coro per call */
    fl_error_t *error = fl_asgi_call(request->middleware->inner, world, request->scope,
                                     app_receive(call), app_send(call));
    if (fl_error_is(error, FL_ERR_EXCEPTION)) {
        call->app_exc = error;
        error = NULL;
    }
    fl_channel_close_send(world, call->stream);
    /* What is left to raise here is not an Exception: Cancelled and its kin. */
    assert(error == NULL || !fl_error_is(error, FL_ERR_EXCEPTION));
    return error;
}

static fl_error_t *close_recv_stream_task(fl_world_t *world, void *arg) {
    next_call_t *call = arg;
    assert(call->request->response_sent != NULL);
    assert(polls_with_response_sent(call->request) && call->stream != NULL);
    int status = fl_event_wait(world, call->request->response_sent);
    if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "wait");
    fl_channel_close_receive(world, call->stream);
    return NULL;
}

/* Leaving body_stream's `async with recv_stream`, however it is left. */
static fl_error_t *end_body(body_stream_t *body, fl_world_t *world, fl_error_t *error,
                            bool *done_out) {
    assert(body->call->stream != NULL && done_out != NULL);
    assert(&body->call->body == body); /* the body is the call's own */
    fl_channel_close_receive(world, body->call->stream);
    if (error != NULL) return error;
    if (body->call->app_exc != NULL) return body->call->app_exc;
    *done_out = true;
    return NULL;
}

static fl_error_t *body_stream_next(fl_body_iterator_t *self, fl_world_t *world,
                                    const void **chunk_out, size_t *length_out, bool *done_out) {
    body_stream_t *body = (body_stream_t *)self;
    assert(chunk_out != NULL && length_out != NULL && done_out != NULL);
    assert(body->call != NULL && &body->call->body == body);
    bool skip_empty = polls_with_response_sent(body->call->request);
    fl_arena_t *arena = fl_world_arena(world);
    for (size_t i = 0; !body->finished; i++) {
        /* Past the bound it is an error, as for the other bounds: it used to
         * end the loop as if the body were complete. */
        if (i == BODY_MESSAGES_MAX)
            return end_body(body, world,
                            fl_error_new(arena, FL_ERR_RUNTIME_ERROR,
                                         "body_stream: more than %d messages", BODY_MESSAGES_MAX),
                            done_out);
        void *item = NULL;
        int status = fl_channel_receive(world, body->call->stream, &item);
        if (status == FL_EENDOFSTREAM) break;
        if (status != FL_OK) {
            fl_error_t *error = fl_error_from_status(arena, status, "body_stream");
            return end_body(body, world, error, done_out);
        }
        const fl_asgi_message_t *message = item;
        if (message->type != FL_ASGI_RESPONSE_BODY)
            return end_body(body, world,
                            fl_error_new(arena, FL_ERR_ASSERTION_ERROR, "body_stream got %s",
                                         fl_asgi_message_type_name(message->type)),
                            done_out);
        if (skip_empty && !message->more_body) body->finished = true;
        if (skip_empty && message->body_length == 0) continue;
        *chunk_out = message->body;
        *length_out = message->body_length;
        return NULL;
    }
    return end_body(body, world, NULL, done_out);
}

/* 0.20–0.37 wrap the body in a StreamingResponse, which polls for
 * disconnects; 0.38.3 in a _StreamingResponse, which does not. Its headers
 * are the start's, as `response.raw_headers = message["headers"]`. */
static fl_asgi_app_t *body_response(next_call_t *call, fl_world_t *world,
                                    const fl_asgi_message_t *start) {
    assert(start->type == FL_ASGI_RESPONSE_START);
    assert(call->stream != NULL && (start->headers != NULL || start->header_count == 0));
    bool polling = row_of(call->request)->polls_disconnect;
    call->body = (body_stream_t){.base = {.next = body_stream_next}, .call = call};
    fl_streaming_response_t *response = fl_streaming_response_create(
        world, start->status, NULL, 0, NULL, &call->body.base,
        polling ? FL_STREAMING_TASK_GROUP : FL_STREAMING_NO_LISTENER);
    response->base.app.name = polling ? "StreamingResponse" : "_StreamingResponse";
    response->base.headers = (fl_asgi_header_t *)start->headers;
    response->base.header_count = start->header_count;
    return &response->base.app;
}

static fl_error_t *receive_start(next_call_t *call, fl_world_t *world,
                                 fl_asgi_app_t **response_out) {
    fl_arena_t *arena = fl_world_arena(world);
    assert(response_out != NULL && call->stream != NULL);
    void *item = NULL;
    int status = fl_channel_receive(world, call->stream, &item);
    if (status == FL_EENDOFSTREAM) {
        if (call->app_exc != NULL) return call->app_exc;
        return fl_error_new(arena, FL_ERR_RUNTIME_ERROR, "No response returned.");
    }
    if (status != FL_OK) return fl_error_from_status(arena, status, "call_next");
    const fl_asgi_message_t *message = item;
    if (message->type != FL_ASGI_RESPONSE_START)
        return fl_error_new(arena, FL_ERR_ASSERTION_ERROR, "call_next got %s",
                            fl_asgi_message_type_name(message->type));
    *response_out = body_response(call, world, message);
    assert(*response_out != NULL);
    return NULL;
}

fl_error_t *fl_base_call_next(fl_world_t *world, fl_base_request_t *request,
                              fl_asgi_app_t **response_out) {
    assert(request != NULL && response_out != NULL && request->group != NULL);
    /* middleware_call made the event for the versions that poll it. */
    assert(request->response_sent != NULL || !polls_with_response_sent(request));
    next_call_t *call = fl_arena_zalloc(fl_world_arena(world), sizeof *call);
    call->request = request;
    call->stream = fl_channel_create(world, 0, "BaseHTTPMiddleware stream");
    if (polls_with_response_sent(request))
        fl_taskgroup_spawn(request->group, "close_recv_stream_on_response_sent",
                           close_recv_stream_task, call);
    fl_taskgroup_spawn(request->group, "call_next coro", coro_task, call);
    fl_error_t *error = receive_start(call, world, response_out);
    /* Either a response over the body or an error, never neither. */
    assert(error != NULL || *response_out != NULL);
    return error;
}

fl_error_t *fl_base_dispatch_call_next(void *arg, fl_world_t *world, fl_base_request_t *request,
                                       fl_asgi_app_t **response_out) {
    (void)arg;
    assert(request != NULL && response_out != NULL);
    return fl_base_call_next(world, request, response_out);
}

const fl_asgi_scope_t *fl_base_request_scope(const fl_base_request_t *request) {
    assert(request != NULL && request->scope != NULL);
    return request->scope;
}

/* --- __call__ ---------------------------------------------------------------------- */

static fl_error_t *dispatch_and_respond(fl_base_request_t *request, fl_world_t *world,
                                        fl_asgi_send_t send) {
    base_middleware_t *middleware = request->middleware;
    assert(middleware->dispatch != NULL && request->group != NULL);
    assert(request->response_sent != NULL || !polls_with_response_sent(request));
    fl_asgi_app_t *response = NULL;
    fl_error_t *error = middleware->dispatch(middleware->dispatch_arg, world, request, &response);
    if (error != NULL) return error;
    if (response == NULL)
        return fl_error_new(fl_world_arena(world), FL_ERR_RUNTIME_ERROR,
                            "dispatch returned no response");
    return fl_asgi_call(response, world, request->scope, request_receive(request), send);
}

static fl_error_t *middleware_call(fl_asgi_app_t *self, fl_world_t *world,
                                   const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                                   fl_asgi_send_t send) {
    assert(self != NULL && self->call == middleware_call);
    base_middleware_t *middleware = (base_middleware_t *)self;
    assert(scope != NULL && scope->type != NULL);
    assert(middleware->inner != NULL && middleware->dispatch != NULL);
    if (strcmp(scope->type, "http") != 0)
        return fl_asgi_call(middleware->inner, world, scope, receive, send);
    fl_base_request_t *request = fl_arena_zalloc(fl_world_arena(world), sizeof *request);
    *request = (fl_base_request_t){.middleware = middleware, .scope = scope, .receive = receive};
    if (polls_with_response_sent(request))
        request->response_sent = fl_event_create(world, "response_sent");
    request->group = fl_taskgroup_open(world, middleware->app.name);
    fl_error_t *error = dispatch_and_respond(request, world, send);
    if (error == NULL && request->response_sent != NULL)
        fl_event_set(world, request->response_sent);
    else if (error == NULL)
        fl_scope_cancel(world, fl_taskgroup_scope(request->group));
    return fl_error_collapse(fl_taskgroup_close(request->group, error));
}

static const fl_base_middleware_version_row_t VERSIONS[] = {
    {"0.20", FL_BASE_MIDDLEWARE_0_20, "Starlette 0.15-0.20: the buggy send (#1634)",
     FL_BASE_SEND_PLAIN, false, true, false},
    {"shield-start", FL_BASE_MIDDLEWARE_SHIELD_START,
     "0.20 with http.response.start sent in a shielded scope (#1706/#1710)",
     FL_BASE_SEND_SHIELD_START, false, true, false},
    {"0.21", FL_BASE_MIDDLEWARE_0_21, "0.21: response_sent, receive_or_disconnect, send_no_error",
     FL_BASE_SEND_NO_ERROR, true, true, false},
    {"0.38", FL_BASE_MIDDLEWARE_0_38, "0.38.3: no disconnect polling, the request body cached",
     FL_BASE_SEND_NO_ERROR, true, false, true},
};

enum { VERSION_COUNT = sizeof VERSIONS / sizeof VERSIONS[0] };

const fl_base_middleware_version_row_t *fl_base_middleware_version_rows(size_t *count_out) {
    assert(count_out != NULL);
    assert(VERSION_COUNT > 0);
    *count_out = VERSION_COUNT;
    return VERSIONS;
}

const fl_base_middleware_version_row_t *fl_base_middleware_version_row(
    fl_base_middleware_version_t version) {
    /* The rows are in the enum's order: a version is its row's index (every
     * send and receive asks, so no search). */
    assert((size_t)version < VERSION_COUNT && VERSIONS[version].version == version);
    return &VERSIONS[version];
}

const char *fl_base_middleware_version_name(fl_base_middleware_version_t version) {
    const char *name = fl_base_middleware_version_row(version)->name;
    assert(name != NULL);
    return name;
}

bool fl_base_middleware_version_from_name(const char *name,
                                          fl_base_middleware_version_t *version_out) {
    assert(name != NULL && version_out != NULL);
    for (size_t i = 0; i < VERSION_COUNT; i++) {
        if (strcmp(name, VERSIONS[i].name) != 0) continue;
        /* The versions are distinct: the row found by name is the row of its version. */
        assert(fl_base_middleware_version_row(VERSIONS[i].version) == &VERSIONS[i]);
        *version_out = VERSIONS[i].version;

        return true;
    }
    return false;
}

fl_asgi_app_t *fl_base_middleware_create(fl_world_t *world, fl_asgi_app_t *app,
                                         fl_base_middleware_version_t version,
                                         fl_base_dispatch_fn dispatch, void *dispatch_arg) {
    assert(app != NULL && app->call != NULL);
    assert(fl_base_middleware_version_row(version) != NULL);
    fl_arena_t *arena = fl_world_arena(world);
    base_middleware_t *middleware = fl_arena_zalloc(arena, sizeof *middleware);
    middleware->app = (fl_asgi_app_t){
        .name = fl_arena_printf(arena, "BaseHTTPMiddleware(%s)",
                                fl_base_middleware_version_name(version)),
        .call = middleware_call,
    };
    middleware->inner = app;
    middleware->version = version;
    middleware->dispatch = dispatch != NULL ? dispatch : fl_base_dispatch_call_next;
    middleware->dispatch_arg = dispatch_arg;
    return &middleware->app;
}
