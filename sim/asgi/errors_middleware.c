/* ServerErrorMiddleware and ExceptionMiddleware: see errors_middleware.h. */
#include "sim/asgi/errors_middleware.h"

#include <assert.h>

#include "sim/asgi/apps_internal.h"
#include "sim/asgi/responses.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/runtime.h"

/* --- the send wrapper both use ---------------------------------------------- */

typedef struct tracking_send {
    fl_asgi_send_t inner;
    bool started;
} tracking_send_t;

/* Starlette sets response_started before awaiting the send. */
static fl_error_t *tracking_send_call(void *context, fl_world_t *world,
                                      const fl_asgi_message_t *message) {
    tracking_send_t *tracker = context;
    assert(tracker != NULL && tracker->inner.call != NULL && message != NULL);
    if (message->type == FL_ASGI_RESPONSE_START) tracker->started = true;
    return fl_asgi_send(world, tracker->inner, message);
}

static tracking_send_t *tracking_send_new(fl_world_t *world, fl_asgi_send_t inner,
                                          fl_asgi_send_t *wrapped_out) {
    assert(inner.call != NULL && wrapped_out != NULL);
    tracking_send_t *tracker = fl_arena_zalloc(fl_world_arena(world), sizeof *tracker);
    tracker->inner = inner;
    *wrapped_out = (fl_asgi_send_t){.call = tracking_send_call, .context = tracker};
    return tracker;
}

/* --- ServerErrorMiddleware ---------------------------------------------------- */

typedef struct server_error_middleware {
    fl_asgi_app_t app;
    fl_asgi_app_t *inner;
    fl_error_handler_fn handler;
    void *handler_arg;
} server_error_middleware_t;

static fl_error_t *error_response(server_error_middleware_t *middleware, fl_world_t *world,
                                  const fl_asgi_scope_t *scope, fl_error_t *error,
                                  fl_asgi_app_t **response_out) {
    assert(error != NULL && response_out != NULL && scope != NULL);
    /* Only an Exception reaches a handler: Cancelled passes through. */
    assert(fl_error_is(error, FL_ERR_EXCEPTION) && *response_out == NULL);
    if (middleware->handler != NULL)
        return middleware->handler(middleware->handler_arg, world, scope, error, response_out);
    *response_out = fl_asgi_response_app(fl_plain_text_response(world, 500, "Internal Server Error"));
    return NULL;
}

static fl_error_t *server_error_call(fl_asgi_app_t *self, fl_world_t *world,
                                     const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                                     fl_asgi_send_t send) {
    assert(self != NULL && self->call == server_error_call);
    server_error_middleware_t *middleware = (server_error_middleware_t *)self;
    assert(middleware->inner != NULL && scope != NULL);
    fl_asgi_send_t wrapped;
    tracking_send_t *tracker = tracking_send_new(world, send, &wrapped);
    fl_error_t *error = fl_asgi_call(middleware->inner, world, scope, receive, wrapped);
    if (!fl_error_is(error, FL_ERR_EXCEPTION)) return error;
    FL__APP_LOG(scope, FL_SERVER_LOG_EXCEPTION_HANDLER,
                "ServerErrorMiddleware %s: %s (response started: %s)",
                fl_error_kind_name(error->kind), error->message, tracker->started ? "yes" : "no");
    fl_asgi_app_t *response = NULL;
    fl_error_t *handler_error = error_response(middleware, world, scope, error, &response);
    if (handler_error != NULL) return handler_error;
    if (!tracker->started && response != NULL) {
        fl_error_t *send_error = fl_asgi_call(response, world, scope, receive, send);
        if (send_error != NULL) return send_error;
    }
    return error;
}

fl_asgi_app_t *fl_server_error_middleware_create(fl_world_t *world, fl_asgi_app_t *app,
                                                 fl_error_handler_fn handler, void *handler_arg) {
    assert(world != NULL && app != NULL && app->call != NULL);
    server_error_middleware_t *middleware =
        fl_arena_zalloc(fl_world_arena(world), sizeof *middleware);
    middleware->app = (fl_asgi_app_t){.name = "ServerErrorMiddleware", .call = server_error_call};
    middleware->inner = app;
    middleware->handler = handler;
    middleware->handler_arg = handler_arg;
    return &middleware->app;
}

/* --- ExceptionMiddleware --------------------------------------------------------- */

typedef struct handler_entry {
    fl_error_kind_t kind;
    fl_error_handler_fn handler;
    void *arg;
} handler_entry_t;

struct fl_exception_middleware {
    fl_asgi_app_t app;
    fl_world_t *world;
    fl_asgi_app_t *inner;
    handler_entry_t handlers[FL_EXCEPTION_HANDLERS_MAX];
    size_t handler_count;
};

static const handler_entry_t *find_exact(const fl_exception_middleware_t *middleware,
                                         fl_error_kind_t kind) {
    assert(middleware != NULL && kind < FL_ERR_KIND_COUNT);
    assert(middleware->handler_count <= FL_EXCEPTION_HANDLERS_MAX);
    for (size_t i = 0; i < middleware->handler_count; i++)
        if (middleware->handlers[i].kind == kind) return &middleware->handlers[i];
    return NULL;
}

/* _lookup_exception_handler: the most specific registered ancestor. The
 * tree's root is its own parent, which ends the walk. */
static const handler_entry_t *lookup(const fl_exception_middleware_t *middleware,
                                     fl_error_kind_t kind) {
    assert(middleware != NULL && kind < FL_ERR_KIND_COUNT);
    for (int depth = 0; depth < FL_ERR_KIND_COUNT; depth++) {
        const handler_entry_t *entry = find_exact(middleware, kind);
        if (entry != NULL) return entry;
        fl_error_kind_t parent = fl_error_kind_parent(kind);
        assert(parent < FL_ERR_KIND_COUNT);
        if (parent == kind) return NULL;
        kind = parent;
    }
    /* A path longer than the number of kinds: error_kinds.h has a cycle. */
    FL_UNREACHABLE();
}

static fl_error_t *run_handler(const handler_entry_t *entry, fl_world_t *world,
                               const fl_asgi_scope_t *scope, fl_error_t *error,
                               fl_asgi_receive_t receive, fl_asgi_send_t sender) {
    assert(entry->handler != NULL && fl_error_is(error, entry->kind));
    assert(scope != NULL && sender.call != NULL);
    FL__APP_LOG(scope, FL_SERVER_LOG_EXCEPTION_HANDLER, "handler for %s ran on %s: %s",
                fl_error_kind_name(entry->kind), fl_error_kind_name(error->kind), error->message);
    fl_asgi_app_t *response = NULL;
    fl_error_t *handler_error = entry->handler(entry->arg, world, scope, error, &response);
    if (handler_error != NULL || response == NULL) return handler_error;
    return fl_asgi_call(response, world, scope, receive, sender);
}

static fl_error_t *exception_call(fl_asgi_app_t *self, fl_world_t *world,
                                  const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                                  fl_asgi_send_t send) {
    assert(self != NULL && self->call == exception_call);
    fl_exception_middleware_t *middleware = (fl_exception_middleware_t *)self;
    assert(middleware->inner != NULL && scope != NULL);
    fl_asgi_send_t sender;
    tracking_send_t *tracker = tracking_send_new(world, send, &sender);
    fl_error_t *error = fl_asgi_call(middleware->inner, world, scope, receive, sender);
    if (!fl_error_is(error, FL_ERR_EXCEPTION)) return error;
    const handler_entry_t *entry = lookup(middleware, error->kind);
    if (entry == NULL) return error;
    /* The entry is the error's kind or an ancestor, as _lookup_exception_handler finds. */
    assert(fl_error_is(error, entry->kind) && fl_error_kind_is(entry->kind, FL_ERR_EXCEPTION));
    if (tracker->started) {
        fl_error_t *runtime = fl_error_new(fl_world_arena(world), FL_ERR_RUNTIME_ERROR,
                                           "Caught handled exception, but response already "
                                           "started.");
        runtime->cause = error;
        return runtime;
    }
    return run_handler(entry, world, scope, error, receive, sender);
}

fl_exception_middleware_t *fl_exception_middleware_create(fl_world_t *world, fl_asgi_app_t *app) {
    assert(world != NULL && app != NULL && app->call != NULL);
    fl_exception_middleware_t *middleware =
        fl_arena_zalloc(fl_world_arena(world), sizeof *middleware);
    middleware->app = (fl_asgi_app_t){.name = "ExceptionMiddleware", .call = exception_call};
    middleware->world = world;
    middleware->inner = app;
    return middleware;
}

bool fl_exception_middleware_add(fl_exception_middleware_t *middleware, fl_error_kind_t kind,
                                 fl_error_handler_fn handler, void *arg) {
    assert(middleware != NULL && handler != NULL && kind < FL_ERR_KIND_COUNT);
    assert(middleware->handler_count <= FL_EXCEPTION_HANDLERS_MAX);
    if (!fl_error_kind_is(kind, FL_ERR_EXCEPTION)) return false;
    handler_entry_t *entry = (handler_entry_t *)find_exact(middleware, kind);
    if (entry == NULL) {
        if (middleware->handler_count == FL_EXCEPTION_HANDLERS_MAX) return false;
        entry = &middleware->handlers[middleware->handler_count++];
    }
    *entry = (handler_entry_t){.kind = kind, .handler = handler, .arg = arg};
    /* One entry per kind: a kind registered again replaced its entry. */
    assert(middleware->handler_count <= FL_EXCEPTION_HANDLERS_MAX &&
           find_exact(middleware, kind) == entry);
    return true;
}

typedef struct canned_response {
    int status;
    const char *text;
} canned_response_t;

static fl_error_t *canned_handler(void *arg, fl_world_t *world, const fl_asgi_scope_t *scope,
                                  fl_error_t *error, fl_asgi_app_t **response_out) {
    (void)scope;
    (void)error;
    const canned_response_t *canned = arg;
    assert(canned != NULL && canned->text != NULL && response_out != NULL);
    *response_out = fl_asgi_response_app(fl_plain_text_response(world, canned->status, canned->text));
    return NULL;
}

bool fl_exception_middleware_add_response(fl_exception_middleware_t *middleware,
                                          fl_error_kind_t kind, int status, const char *text) {
    assert(middleware != NULL && text != NULL);
    assert(middleware->world != NULL && middleware->app.call == exception_call);
    fl_arena_t *arena = fl_world_arena(middleware->world);
    canned_response_t *canned = fl_arena_zalloc(arena, sizeof *canned);
    *canned = (canned_response_t){.status = status, .text = fl_arena_strdup(arena, text)};
    return fl_exception_middleware_add(middleware, kind, canned_handler, canned);
}

fl_asgi_app_t *fl_exception_middleware_app(fl_exception_middleware_t *middleware) {
    assert(middleware != NULL && middleware->app.call == exception_call);
    return &middleware->app;
}
