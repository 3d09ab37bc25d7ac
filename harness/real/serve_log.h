/* The serve command's log: uvicorn's lines on stderr, or one JSON object per
 * line for machines (--log-json).
 *
 * Text lines are uvicorn 0.17's default format, the level name and a colon
 * padded to ten columns:
 *   INFO:     127.0.0.1:55344 - "GET /x?a=1 HTTP/1.1" 200 OK     (access, at the response's start)
 *   ERROR:    Exception in ASGI application                       (then the error's
 *   ValueError: boom                                              kind and message)
 *   WARNING:  Invalid HTTP request received.
 *   TRACE:    127.0.0.1:55344 - HTTP connection made              (and "lost")
 * uvicorn prints the access lines on stdout; here every line goes to the one
 * stream given (stderr), so that stdout keeps the command's own lines.
 *
 * JSON lines (fields in this order; absent when they do not apply):
 *   {"time": 1764620000.123, "level": "INFO", "type": "access"|"connection"|"log",
 *    "message": "...", "client": "127.0.0.1:55344", "method": "GET",
 *    "path": "/x?a=1", "http_version": "1.1", "status": 200, "cycle": 3,
 *    "error": "ValueError: boom", "event": "made"|"lost"}
 * time is the wall clock in seconds since the epoch; cycle is the server's
 * request number; strings are JSON-escaped.
 *
 * Levels are uvicorn's (Python logging's numbers); a line is written when
 * its level is at least the chosen one (default info).
 */
#ifndef FL_HARNESS_SERVE_LOG_H
#define FL_HARNESS_SERVE_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/asgi/asgi.h"
#include "sim/asgi/log.h"

typedef enum fl_serve_log_level {
    FL_SERVE_LOG_TRACE = 5,
    FL_SERVE_LOG_DEBUG = 10,
    FL_SERVE_LOG_INFO = 20,
    FL_SERVE_LOG_WARNING = 30,
    FL_SERVE_LOG_ERROR = 40,
    FL_SERVE_LOG_CRITICAL = 50,
} fl_serve_log_level_t;

/* uvicorn's names: critical, error, warning, info, debug, trace. */
bool fl_serve_log_level_parse(const char *name, fl_serve_log_level_t *level_out);
bool fl_log_level_valid(const char *name);

typedef struct fl_serve_log {
    FILE *out;                   /* the caller's; flushed after each line */
    fl_serve_log_level_t level;  /* lines below it are not written */
    bool json;
} fl_serve_log_t;

/* A line of its own (startup, shutdown): client may be NULL. */
void fl_serve_log_line(const fl_serve_log_t *log, fl_serve_log_level_t level, const char *message);

/* The server's hooks (server.h) and log sink (log.h), context the log. */
void fl_serve_log_connection(void *context, const char *host, uint16_t port, bool made);
void fl_serve_log_response(void *context, const fl_asgi_scope_t *scope, int status);
void fl_serve_log_entry(void *context, const fl_server_log_entry_t *entry);

#endif /* FL_HARNESS_SERVE_LOG_H */
