#include "harness/world/scenario_app.h"

#include <assert.h>
#include <stdio.h>

#include "harness/model/kinds.h"
#include "harness/world/layer_kinds.h"

#include "sim/asgi/errors_middleware.h"
#include "sim/asgi/router.h"

fl_asgi_app_t *fl__build_base_http_layer(fl_world_t *w, fl_asgi_app_t *app,
                                         const fl_server_layer_t *layer, char *error,
                                         size_t error_size) {
    (void)error, (void)error_size; /* it cannot fail */
    assert(layer->kind == FL_LAYER_BASE_HTTP);
    return fl_base_middleware_create(w, app, layer->version, NULL, NULL);
}

fl_asgi_app_t *fl__build_server_errors_layer(fl_world_t *w, fl_asgi_app_t *app,
                                             const fl_server_layer_t *layer, char *error,
                                             size_t error_size) {
    (void)error, (void)error_size; /* it cannot fail */
    assert(layer->kind == FL_LAYER_SERVER_ERRORS);
    return fl_server_error_middleware_create(w, app, NULL, NULL);
}

fl_asgi_app_t *fl__build_exception_handler_layer(fl_world_t *w, fl_asgi_app_t *app,
                                                 const fl_server_layer_t *layer, char *error,
                                                 size_t error_size) {
    assert(w != NULL && app != NULL && layer != NULL && error != NULL && error_size > 0);
    assert(layer->kind == FL_LAYER_EXCEPTION_HANDLER);
    assert(layer->status == 0 || (layer->status >= 100 && layer->status <= 599)); /* 0: 500 */
    fl_exception_middleware_t *handlers = fl_exception_middleware_create(w, app);
    assert(handlers != NULL);
    if (!fl_exception_middleware_add_response(handlers, layer->handles,
                                              layer->status ? layer->status : 500,
                                              layer->body ? layer->body : "")) {
        snprintf(error, error_size, "server middleware: %s cannot be handled",
                 fl_error_kind_name(layer->handles));
        return NULL;
    }
    return fl_exception_middleware_app(handlers);
}

fl_asgi_app_t *fl__build_program_layer(fl_world_t *w, fl_asgi_app_t *app,
                                       const fl_server_layer_t *layer, char *error,
                                       size_t error_size) {
    assert(layer->kind == FL_LAYER_PROGRAM && layer->program.name != NULL);
    return fl_program_middleware_create(w, app, &layer->program, error, error_size);
}

fl_asgi_app_t *fl_scenario_server_app(fl_world_t *w, const fl_server_spec_t *spec, char *error,
                                      size_t error_size) {
    assert(w != NULL && spec != NULL && error != NULL && error_size > 0);
    assert(spec->routes != NULL || spec->route_count == 0);
    assert(spec->layers != NULL || spec->layer_count == 0);
    fl_router_t *router = fl_router_create(w);
    assert(router != NULL);
    fl_router_set_redirect_slashes(router, spec->redirect_slashes);
    for (size_t i = 0; i < spec->route_count; i++) {
        const fl_route_t *route = &spec->routes[i];
        assert(route->path != NULL);

        fl_scripted_spec_t handler = route->handler;
        if (handler.name == NULL) handler.name = route->path;
        fl_asgi_app_t *app = fl_scripted_handler_create(w, &handler, error, error_size);
        if (app == NULL) return NULL;
        if (!fl_router_add(router, route->method ? route->method : "GET", route->path, app)) {
            snprintf(error, error_size, "too many routes (at most %d)", FL_ROUTER_ROUTES_MAX);
            return NULL;
        }
    }
    /* Layers are listed outermost first, so the app is built inside-out. */
    fl_asgi_app_t *app = fl_router_app(router);
    for (size_t i = spec->layer_count; i-- > 0 && app != NULL;) {
        const fl_server_layer_t *layer = &spec->layers[i];
        fl_asgi_app_t *inner = app;
        /* A builder gets a world, the app it wraps and its layer, and gives
         * the wrapped app, or NULL with a message in error. */
        app = fl_server_layer_row(layer->kind)->build(w, inner, layer, error, error_size);
        assert(app != inner);
    }
    return app;
}
