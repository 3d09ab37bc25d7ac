#include "harness/world/scenario_app.h"

#include <stdio.h>

#include "sim/asgi/errors_middleware.h"
#include "sim/asgi/router.h"

fl_asgi_app_t *fl_scenario_server_app(fl_world_t *w, const fl_server_spec_t *spec, char *error,
                                      size_t error_size) {
    fl_router_t *router = fl_router_create(w);
    for (size_t i = 0; i < spec->route_count; i++) {
        const fl_route_t *route = &spec->routes[i];
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
    for (size_t i = spec->layer_count; i-- > 0;) {
        const fl_server_layer_t *layer = &spec->layers[i];
        switch (layer->kind) {
        case FL_LAYER_BASE_HTTP:
            app = fl_base_middleware_create(w, app, layer->version, NULL, NULL);
            break;
        case FL_LAYER_SERVER_ERRORS: app = fl_server_error_middleware_create(w, app, NULL, NULL); break;
        case FL_LAYER_EXCEPTION_HANDLER: {
            fl_exception_middleware_t *handlers = fl_exception_middleware_create(w, app);
            if (!fl_exception_middleware_add_response(handlers, layer->handles,
                                                      layer->status ? layer->status : 500,
                                                      layer->body ? layer->body : "")) {
                snprintf(error, error_size, "server layer %zu: %s cannot be handled", i + 1,
                         fl_error_kind_name(layer->handles));
                return NULL;
            }
            app = fl_exception_middleware_app(handlers);
            break;
        }
        }
    }
    return app;
}
