/* The server's observable log: what happened, per request cycle, for tests
 * and (later) scenario expectations. The server records requests, messages
 * sent, bodies received, disconnects and errors; apps record what they do
 * (handler calls, cleanups started and completed, background tasks, what an
 * exception handler saw) through the scope's log.
 *
 * Entries keep the order they happened in; texts are copied into the
 * world's arena. The log lives as long as its world.
 */
#ifndef FL_SERVER_LOG_H
#define FL_SERVER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/runtime/error.h"
#include "sim/runtime/world.h"

#define FL_SERVER_LOG_KINDS(X)                                                 \
    X(REQUEST, "request")           /* text: "GET /path" */                   \
    X(BODY_RECEIVED, "body")        /* value: bytes delivered to the app */    \
    X(MESSAGE_SENT, "sent")         /* text: message type; value: status */   \
    X(DISCONNECT, "disconnect")     /* the client went away mid-cycle */       \
    X(ERROR, "error")               /* text: the log line; error_kind set */   \
    X(HANDLER, "handler")           /* an app or handler ran: text says which */ \
    X(CLEANUP_STARTED, "cleanup-started")                                      \
    X(CLEANUP_COMPLETED, "cleanup-completed")                                  \
    X(BACKGROUND, "background")     /* a background task ran */                \
    X(EXCEPTION_HANDLER, "exception-handler")                                  \
    X(NOTE, "note")                                                            \
    X(PROGRAM, "log")               /* a program's own log step: text */

typedef enum fl_server_log_kind {
#define FL__SERVER_LOG_ENUM(id, name) FL_SERVER_LOG_##id,
    FL_SERVER_LOG_KINDS(FL__SERVER_LOG_ENUM)
#undef FL__SERVER_LOG_ENUM
    FL_SERVER_LOG_KIND_COUNT
} fl_server_log_kind_t;

typedef struct fl_server_log_entry {
    fl_server_log_kind_t kind;
    uint32_t cycle;        /* 0: not tied to a cycle */
    int64_t time_ns;
    int64_t value;
    bool has_error_kind;
    fl_error_kind_t error_kind;
    const char *text;      /* arena; never NULL */
} fl_server_log_entry_t;

typedef struct fl_server_log fl_server_log_t;

const char *fl_server_log_kind_name(fl_server_log_kind_t kind);

/* Creates an empty log in the world. */
fl_server_log_t *fl_server_log_create(fl_world_t *world);

/* Where a long-running server's log goes instead of being kept: from
 * fl_server_log_set_sink on, each entry is traced and handed to sink as it
 * is made, then forgotten (fl_server_log_count stops growing). The entry
 * and its text are valid during the call only; a text past 255 bytes (1023
 * for an error) is cut. sink NULL keeps entries again. */
typedef void (*fl_server_log_sink_fn)(void *context, const fl_server_log_entry_t *entry);
void fl_server_log_set_sink(fl_server_log_t *log, fl_server_log_sink_fn sink, void *context);

/* Appends an entry (also traced as an "asgi" event). */
void fl_server_log_add(fl_server_log_t *log, fl_server_log_kind_t kind, uint32_t cycle,
                       int64_t value, const char *format, ...)
    __attribute__((format(printf, 5, 6)));

/* Appends an ERROR entry for an error object ("Exception in ASGI application:
 * ValueError: boom" style): text = prefix + kind + message. */
void fl_server_log_error(fl_server_log_t *log, uint32_t cycle, const char *prefix,
                         const fl_error_t *error);

size_t fl_server_log_count(const fl_server_log_t *log);
const fl_server_log_entry_t *fl_server_log_entry(const fl_server_log_t *log, size_t index);

/* How many entries of kind (in any cycle if cycle is 0) contain text (NULL:
 * any text). */
size_t fl_server_log_matches(const fl_server_log_t *log, fl_server_log_kind_t kind,
                             uint32_t cycle, const char *text);

/* The same, of the entries logged at from_ns..to_ns (virtual time, both
 * included). */
size_t fl_server_log_matches_between(const fl_server_log_t *log, fl_server_log_kind_t kind,
                                     uint32_t cycle, const char *text, int64_t from_ns,
                                     int64_t to_ns);

/* The cycle rules as the log saw what went out: one http.response.start per
 * cycle, and nothing sent once a cycle's final body message was. Returns
 * true when both hold; otherwise describes the first breach of each rule in
 * second_start / after_completion (left empty when that rule held). */
bool fl_server_log_check_cycles(const fl_server_log_t *log, char *second_start,
                                size_t second_start_size, char *after_completion,
                                size_t after_completion_size);

/* Writes the log, one entry per line. */
void fl_server_log_print(const fl_server_log_t *log, FILE *out);

#endif /* FL_SERVER_LOG_H */
