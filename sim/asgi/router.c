/* Router: see router.h. */
#include "sim/asgi/router.h"

#include <assert.h>
#include <stdbool.h>
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
    bool redirect_slashes;
};

typedef enum match { MATCH_NONE, MATCH_PARTIAL, MATCH_FULL } match_t;

/* Route.matches: the path decides; the method only makes it FULL. */
static match_t route_matches(const route_t *route, const fl_asgi_scope_t *scope, const char *path) {
    assert(route->path != NULL && route->method != NULL && route->app != NULL);
    assert(path != NULL && scope->method != NULL); /* router_call checked */
    if (strcmp(route->path, path) != 0) return MATCH_NONE;
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

/* The path with a '/' added, or with every trailing '/' removed, as
 * Starlette's Router tries it for redirect_slashes. */
static const char *other_slash_path(fl_arena_t *arena, const char *path) {
    assert(path != NULL && strcmp(path, "/") != 0);
    size_t length = strlen(path);
    if (length == 0 || path[length - 1] != '/') return fl_arena_printf(arena, "%s/", path);
    while (length > 0 && path[length - 1] == '/') length--;
    return fl_arena_printf(arena, "%.*s", (int)length, path);
}

/* Starlette's _HOST_RE: a name (letters, digits, '.', '-') or a bracketed
 * IPv6 address, then an optional port. Only such a Host makes the
 * redirect's URL absolute. */
static bool host_is_a_host(const char *host) {
    assert(host != NULL);
    const char *p = host;
    if (*p == '[') {
        p += 1 + strspn(p + 1, "0123456789abcdefABCDEF:.");
        if (*p++ != ']') return false;
    } else {
        size_t name = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
        if (name == 0) return false;
        p += name;
    }
    if (*p == ':') {
        size_t digits = strspn(p + 1, "0123456789");
        if (digits == 0) return false;
        p += 1 + digits;
    }
    return *p == '\0';
}

/* quote(url, safe=":/%#?=@[]!$&'()*+,;"), as RedirectResponse sets its
 * location: every other byte but letters, digits and "_.-~" escaped. */
static const char *quote_location(fl_arena_t *arena, const char *url) {
    assert(url != NULL);
    static const char SAFE[] = "_.-~:/%#?=@[]!$&'()*+,;";
    size_t length = strlen(url);
    char *out = fl_arena_alloc(arena, 3 * length + 1);
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr(SAFE, *p) != NULL;
        if (plain) {
            out[used++] = (char)*p;
        } else {
            static const char HEX[] = "0123456789ABCDEF";
            out[used++] = '%';
            out[used++] = HEX[*p >> 4];
            out[used++] = HEX[*p & 15];
        }
    }
    assert(used <= 3 * length);
    out[used] = '\0';
    return out;
}

static fl_error_t *redirect(fl_world_t *world, const fl_asgi_scope_t *scope, const char *path,
                            fl_asgi_receive_t receive, fl_asgi_send_t send) {
    assert(scope->query_string != NULL && path != NULL);
    fl_arena_t *arena = fl_world_arena(world);
    const char *host = fl_asgi_header_get(scope->headers, scope->header_count, "host");
    const char *query = scope->query_string;
    const char *url = host != NULL && host_is_a_host(host)
                          ? fl_arena_printf(arena, "http://%s%s%s%s", host, path, *query ? "?" : "",
                                            query)
                          : fl_arena_printf(arena, "%s%s%s", path, *query ? "?" : "", query);
    /* Starlette's order: the length Response adds, then the location. */
    fl_asgi_header_t headers[] = {{"content-length", "0"}, {"location", quote_location(arena, url)}};
    fl_asgi_response_t *response = fl_asgi_response_create(world, 307, headers, 2, NULL, "", 0);
    return fl_asgi_call(fl_asgi_response_app(response), world, scope, receive, send);
}

/* With redirect_slashes, the path with the other ending, if a route
 * matches it (by path: any method will do, as in Starlette); else NULL. */
static const char *redirect_path(const fl_router_t *router, const fl_asgi_scope_t *scope) {
    if (!router->redirect_slashes || strcmp(scope->path, "/") == 0) return NULL;
    const char *other = other_slash_path(fl_world_arena(router->world), scope->path);
    for (size_t i = 0; i < router->route_count; i++)
        if (route_matches(&router->routes[i], scope, other) != MATCH_NONE) return other;
    return NULL;
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
        match_t match = route_matches(route, scope, scope->path);
        if (match == MATCH_FULL) return fl_asgi_call(route->app, world, scope, receive, send);
        if (match == MATCH_PARTIAL && partial == NULL) partial = route;
    }
    if (partial != NULL) return method_not_allowed(world, partial, scope, receive, send);
    const char *other = redirect_path(router, scope);
    if (other != NULL) return redirect(world, scope, other, receive, send);
    return not_found(world, scope, receive, send);
}

fl_router_t *fl_router_create(fl_world_t *world) {
    assert(world != NULL);
    fl_router_t *router = fl_arena_zalloc(fl_world_arena(world), sizeof *router);
    router->app = (fl_asgi_app_t){.name = "Router", .call = router_call};
    router->world = world;
    router->redirect_slashes = true; /* Starlette's default */
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

void fl_router_set_redirect_slashes(fl_router_t *router, bool redirect_slashes) {
    assert(router != NULL && router->app.call == router_call);
    router->redirect_slashes = redirect_slashes;
}

fl_asgi_app_t *fl_router_app(fl_router_t *router) {
    assert(router != NULL && router->app.call == router_call);
    return &router->app;
}

