/* Starlette's error handling middleware: ServerErrorMiddleware (the
 * outermost layer) and ExceptionMiddleware (the exception handlers).
 *
 * Both catch only Exceptions: Cancelled (which is not an Exception) passes
 * through untouched, so neither ever sees a client disconnect that cancels a
 * streaming body. Both track whether http.response.start went out through
 * them; the flag is set before the send is awaited, as in Starlette, so a
 * start whose send failed still counts as started.
 *
 * - ServerErrorMiddleware (Starlette 0.20–0.42, errors.py): on an Exception
 *   from the app it records an FL_SERVER_LOG_EXCEPTION_HANDLER entry, builds
 *   the error response (the handler's, or PlainTextResponse("Internal Server
 *   Error", 500)), sends it only if the response has not started, and then
 *   re-raises the error ("We always continue to raise the exception"), so
 *   the server logs it and, after a start, closes the connection.
 * - ExceptionMiddleware (exceptions.py 0.20; _exception_handler.py 0.28+):
 *   looks the error's kind up in its table, walking up the kind tree as
 *   _lookup_exception_handler walks the MRO. No handler: re-raise. A handler
 *   but the response already started: RuntimeError("Caught handled
 *   exception, but response already started.") caused by the error, and the
 *   handler is not called. Otherwise it records FL_SERVER_LOG_EXCEPTION_HANDLER,
 *   calls the handler and sends the response it returns (none: nothing, as
 *   0.28+ allows).
 *
 * Middleware lives in the world's arena and borrows the app it wraps.
 */
#ifndef FL_ASGI_ERRORS_MIDDLEWARE_H
#define FL_ASGI_ERRORS_MIDDLEWARE_H

#include <stdbool.h>

#include "sim/asgi/asgi.h"

/* An exception handler: builds the response for error (a response app, see
 * responses.h) into *response_out, or returns an error of its own (which
 * replaces the original, as a handler that raises does). It may block. */
typedef fl_error_t *(*fl_error_handler_fn)(void *arg, fl_world_t *world,
                                           const fl_asgi_scope_t *scope, fl_error_t *error,
                                           fl_asgi_app_t **response_out);

/* ServerErrorMiddleware(app, handler). handler NULL: the default 500. */
fl_asgi_app_t *fl_server_error_middleware_create(fl_world_t *world, fl_asgi_app_t *app,
                                                 fl_error_handler_fn handler, void *handler_arg);

enum { FL_EXCEPTION_HANDLERS_MAX = 16 };

typedef struct fl_exception_middleware fl_exception_middleware_t;

fl_exception_middleware_t *fl_exception_middleware_create(fl_world_t *world, fl_asgi_app_t *app);

/* Registers (or replaces) the handler for kind and its descendants, unless
 * a more specific kind has its own. Returns false when the table is full or
 * kind is not an Exception (Cancelled cannot be handled, as in Starlette). */
bool fl_exception_middleware_add(fl_exception_middleware_t *middleware, fl_error_kind_t kind,
                                 fl_error_handler_fn handler, void *arg);

/* A handler that answers PlainTextResponse(text, status) (text copied). */
bool fl_exception_middleware_add_response(fl_exception_middleware_t *middleware,
                                          fl_error_kind_t kind, int status, const char *text);

fl_asgi_app_t *fl_exception_middleware_app(fl_exception_middleware_t *middleware);

#endif /* FL_ASGI_ERRORS_MIDDLEWARE_H */
