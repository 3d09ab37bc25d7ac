/* Router: see router.h. */
#include "sim/asgi/router.h"

#include <assert.h>
#include <string.h>

#include "sim/asgi/apps_internal.h"
#include "sim/asgi/responses.h"

typedef struct route {
    const char *method;
    const char *path;
    fl_asgi_app_t *app;
} route_t;

struct fl_router {
    fl_asgi_app_t app; /* first: the router is an app */
    fl_world_t *world;
    route_t routes[FL_ROUTER_ROUTES_MAX];
    size_t route_count;
};

typedef enum match { MATCH_NONE, MATCH_PARTIAL, MATCH_FULL } match_t;

/* Route.matches: the path decides; the method only makes it FULL. */
static match_t route_matches(const route_t *route, const fl_asgi_scope_t *scope) {
    assert(route->path != NULL && route->method != NULL && route->app != NULL);
    assert(scope->path != NULL && scope->method != NULL); /* router_call checked */
    if (strcmp(route->path, scope->path) != 0) return MATCH_NONE;
    if (strcmp(route->method, scope->method) == 0) return MATCH_FULL;
    bool head_for_get = strcmp(route->method, "GET") == 0 && strcmp(scope->method, "HEAD") == 0;
    return head_for_get ? MATCH_FULL : MATCH_PARTIAL;
}

/* Route.handle for a method the route does not serve. */
static fl_error_t *method_not_allowed(fl_world_t *world, const route_t *route,
                                      const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                                      fl_asgi_send_t send) {
    assert(route->method != NULL && route->app != NULL && scope->method != NULL);
    /* The remembered route matched the path only: MATCH_PARTIAL. */
    assert(strcmp(route->path, scope->path) == 0 && strcmp(route->method, scope->method) != 0);
    const char *allow = strcmp(route->method, "GET") == 0 ? "GET, HEAD" : route->method;
    fl_asgi_header_t headers[] = {{"allow", allow}};
    static const char text[] = "Method Not Allowed";
    fl_asgi_response_t *response =
        fl_asgi_response_create(world, 405, headers, 1, "text/plain", text, sizeof text - 1);
    return fl_asgi_call(fl_asgi_response_app(response), world, scope, receive, send);
}

static fl_error_t *not_found(fl_world_t *world, const fl_asgi_scope_t *scope,
                             fl_asgi_receive_t receive, fl_asgi_send_t send) {
    assert(scope != NULL && scope->path != NULL);
    fl_asgi_response_t *response = fl_plain_text_response(world, 404, "Not Found");
    return fl_asgi_call(fl_asgi_response_app(response), world, scope, receive, send);
}

static fl_error_t *router_call(fl_asgi_app_t *self, fl_world_t *world,
                               const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                               fl_asgi_send_t send) {
    assert(self != NULL && self->call == router_call);
    fl_router_t *router = (fl_router_t *)self;
    assert(scope->path != NULL && scope->method != NULL);
    assert(router->world != NULL && router->route_count <= FL_ROUTER_ROUTES_MAX);
    const route_t *partial = NULL;
    for (size_t i = 0; i < router->route_count; i++) {
        const route_t *route = &router->routes[i];
        match_t match = route_matches(route, scope);
        if (match == MATCH_FULL) return fl_asgi_call(route->app, world, scope, receive, send);
        if (match == MATCH_PARTIAL && partial == NULL) partial = route;
    }
    if (partial != NULL) return method_not_allowed(world, partial, scope, receive, send);
    return not_found(world, scope, receive, send);
}

fl_router_t *fl_router_create(fl_world_t *world) {
    assert(world != NULL);
    fl_router_t *router = fl_arena_zalloc(fl_world_arena(world), sizeof *router);
    router->app = (fl_asgi_app_t){.name = "Router", .call = router_call};
    router->world = world;
    assert(router->route_count == 0);
    return router;
}

bool fl_router_add(fl_router_t *router, const char *method, const char *path, fl_asgi_app_t *app) {
    assert(router != NULL && method != NULL && path != NULL && app != NULL);
    assert(router->route_count <= FL_ROUTER_ROUTES_MAX);
    if (router->route_count == FL_ROUTER_ROUTES_MAX) return false;
    fl_arena_t *arena = fl_world_arena(router->world);
    router->routes[router->route_count++] = (route_t){
        .method = fl_arena_strdup(arena, method),
        .path = fl_arena_strdup(arena, path),
        .app = app,
    };
    return true;
}

fl_asgi_app_t *fl_router_app(fl_router_t *router) {
    assert(router != NULL && router->app.call == router_call);
    return &router->app;
}

