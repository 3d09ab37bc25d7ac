/* A Starlette-like Router: routes by method and exact path.
 *
 * Starlette's Router.app (0.20–0.42) tries each route in order: a route
 * whose path and method match handles the request; the first route whose
 * path matches with another method is remembered, and if nothing matches
 * fully it answers 405 "Method Not Allowed" with an Allow header
 * (Route.handle); with no path match at all, 404 "Not Found"
 * (Router.not_found). Both are PlainTextResponses: this router is the
 * outermost routing layer, with no "app" in the scope to raise
 * HTTPException into. A route for GET also answers HEAD, as Route adds it.
 *
 * Routes match the scope's path, which the server percent-decoded (as
 * uvicorn does); route paths are written decoded too ("/a b").
 *
 * redirect_slashes (Starlette's Router(redirect_slashes=True), its
 * default, and this router's): when no route matches the path, but one
 * matches it with a trailing '/' added (or every trailing '/' removed),
 * the answer is Starlette's RedirectResponse: 307, "content-length: 0"
 * and a location of the other path, as an absolute URL when the Host
 * header is a host (Starlette's URL(scope=...)), else the path alone (the
 * scope names no server address to fall back on), the query kept.
 * "/" itself is never redirected.
 *
 * The router lives in the world's arena; routes keep borrowed pointers to
 * their apps, and copies of the method and path.
 */
#ifndef FL_ASGI_ROUTER_H
#define FL_ASGI_ROUTER_H

#include <stdbool.h>

#include "sim/asgi/asgi.h"

enum { FL_ROUTER_ROUTES_MAX = 64 };

typedef struct fl_router fl_router_t;

fl_router_t *fl_router_create(fl_world_t *world);

/* Adds a route (method upper-case, e.g. "GET"; path exact, e.g. "/events").
 * Returns false when FL_ROUTER_ROUTES_MAX routes are there already. */
bool fl_router_add(fl_router_t *router, const char *method, const char *path, fl_asgi_app_t *app);

/* Turns Starlette's redirect_slashes on (the default) or off. */
void fl_router_set_redirect_slashes(fl_router_t *router, bool redirect_slashes);

/* The router as an app, to call or to wrap in middleware. */
fl_asgi_app_t *fl_router_app(fl_router_t *router);

#endif /* FL_ASGI_ROUTER_H */
