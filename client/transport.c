/* The client's transport: see transport.h.
 *
 * Every wait is bounded by its own timeout, as a cancel scope with a
 * deadline: a scope that catches its own expiry becomes the timeout's
 * condition (ConnectTimeout, ReadTimeout, ...); a cancellation from outside
 * passes through as Cancelled, never mapped. */
#include "sim/runtime/marks.h"
#include "sim/net/protocol_state.h"
#include "client/transport.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/knobs.h"
#include "client/mapping.h"
#include "client/response_parser.h"
#include "sim/runtime/cancel.h"
#include "sim/runtime/condition.h"
#include "sim/runtime/format.h"
#include "sim/runtime/status.h"

enum {
    READ_CHUNK = 16 * 1024,
};

typedef struct origin origin_t;
typedef struct connection connection_t;

struct connection {
    origin_t *origin;
    fl_conn_t *conn;
    int64_t idle_since_ns;
    uint64_t served;        /* requests completed on it */
    uint64_t bytes_written; /* in all, so a state can turn at a byte (protocol_state.h) */
    connection_t *next_idle;
};

struct origin {
    const char *host;
    uint16_t port;
    size_t open;        /* connections open, idle or in use */
    connection_t *idle; /* most recently used first */
    size_t idle_count;
    fl_condition_t *slot_free;
    connection_t *handed; /* leak_slot_of_cancelled_waiter: the connection for a waiter */
    origin_t *next;
};

struct fl__pool {
    fl__transport_config_t config;
    origin_t *origins;
    fl__pool_stats_t stats;
};

/* A growable byte buffer (malloc'd; freed when the exchange ends). */
typedef struct bytes {
    unsigned char *data;
    size_t length;
    size_t capacity;
} bytes_t;

struct fl__exchange {
    fl__pool_t *pool;
    connection_t *connection;
    bool reused; /* the connection served requests before */
    fl_request_t *request;
    fl_response_t *response;
    fl_response_parser_t parser; /* the response's head and body, as they arrive */
    bool eof;
    bool closed;
    bytes_t pending; /* body bytes parsed, not yet handed out */
    bytes_t handed;  /* the chunk last handed out */
};

static void bytes_append(bytes_t *b, const void *data, size_t length) {
    if (b->length + length > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 256;
        while (capacity < b->length + length) capacity *= 2;
        unsigned char *grown = realloc(b->data, capacity);
        if (grown == NULL) fl__out_of_memory("client buffer");
        b->data = grown;
        b->capacity = capacity;
    }
    if (length) memcpy(b->data + b->length, data, length);
    b->length += length;
}

static void bytes_free(bytes_t *b) {
    free(b->data);
    *b = (bytes_t){0};
}

/* --- timeouts ---------------------------------------------------------------------- */

/* Maps a status from a wait under a timeout scope: the scope's own expiry
 * is the timer condition; an outside cancellation stays Cancelled. */
static fl_error_t *timed_status(fl_world_t *w, fl_cancel_scope_t *scope, int status,
                                fl_client_condition_t timer, fl_client_condition_t *other_out,
                                bool *mapped_out) {
    int result = fl_scope_exit(w, scope, status);
    *mapped_out = false;
    if (status == FL_ECANCELLED && result == FL_OK && scope->cancelled_caught) {
        *mapped_out = true;
        return fl_client_map(fl_world_arena(w), timer, NULL);
    }
    if (result == FL_ECANCELLED)
        return fl_error_from_status(fl_world_arena(w), FL_ECANCELLED, NULL);
    (void)other_out;
    return NULL;
}

/* --- parsing ------------------------------------------------------------------------ */

/* Where this end of the connection is, for the fault × state matrix. */
static void set_state(fl__exchange_t *ex, fl_protocol_state_t state) {
    assert(ex->connection != NULL && ex->connection->conn != NULL);
    fl_conn_set_protocol_state(ex->connection->conn, (int)state);
}

/* Body bytes from the parser wait in pending until handed out. */
static void keep_body(void *context, const char *data, size_t length) {
    fl__exchange_t *ex = context;
    assert(ex != NULL && (data != NULL || length == 0));
    bytes_append(&ex->pending, data, length);
}

/* A parse that failed becomes the client error its condition maps to. */
static fl_error_t *parse_failure(fl_world_t *w, fl__exchange_t *ex,
                                 fl_response_parse_result_t result) {
    if (result == FL_RESPONSE_PARSE_OK) return NULL;
    assert(result == FL_RESPONSE_PARSE_FAILED);
    return fl_client_map(fl_world_arena(w), fl_response_parser_condition(&ex->parser),
                         fl_response_parser_detail(&ex->parser));
}

/* The state turns to reading the body when the final response's head has
 * been parsed, before any later failure in the same bytes is reported, as
 * when it turned inside llhttp's callback. */
static fl_error_t *feed(fl_world_t *w, fl__exchange_t *ex, const char *data, size_t length) {
    bool head_was_done = fl_response_parser_headers_done(&ex->parser);
    if (!head_was_done) set_state(ex, FL_PROTOCOL_STATE_CLIENT_READING_HEAD);
    fl_response_parse_result_t result = fl_response_parser_feed(&ex->parser, data, length);
    if (!head_was_done && fl_response_parser_headers_done(&ex->parser)) {
        fl_response_t *r = ex->response;
        r->status = fl_response_parser_status(&ex->parser);
        r->http_version = fl_response_parser_http_version(&ex->parser);
        set_state(ex, FL_PROTOCOL_STATE_CLIENT_READING_BODY);
    }
    return parse_failure(w, ex, result);
}

/* The connection ended (FIN): the parser says whether the response was
 * complete, and if not, which premature end it was. */
static fl_error_t *on_eof(fl_world_t *w, fl__exchange_t *ex) {
    ex->eof = true;
    return parse_failure(w, ex, fl_response_parser_finish(&ex->parser));
}

/* Reads once from the connection (under the read timeout) and parses. */
static fl_error_t *fill(fl_world_t *w, fl__exchange_t *ex) {
    if (ex->eof) return on_eof(w, ex);
    char buffer[READ_CHUNK];
    size_t n = 0;
    fl_cancel_scope_t scope;
    fl_scope_enter_move_on_after(w, &scope, ex->pool->config.timeouts.read_ns);
    int status = fl_conn_read(ex->connection->conn, buffer, sizeof buffer, &n);
    bool timed_out;
    fl_error_t *error = timed_status(w, &scope, status, FL_CLIENT_READ_TIMER, NULL, &timed_out);
    if (error != NULL) return error;
    switch (status) {
    case FL_OK: return feed(w, ex, buffer, n);
    case FL_EEOF: return on_eof(w, ex);
    default:
        return fl_client_map(fl_world_arena(w), FL_CLIENT_RESET_READING, fl_status_name(status));
    }
}

/* --- the pool -------------------------------------------------------------------------- */

fl__pool_t *fl__pool_create(fl_world_t *world, const fl__transport_config_t *config) {
    fl__pool_t *pool = fl_arena_zalloc(fl_world_arena(world), sizeof *pool);
    pool->config = *config;
    return pool;
}

static origin_t *origin_for(fl_world_t *w, fl__pool_t *pool, const fl_url_t *url) {
    for (origin_t *o = pool->origins; o != NULL; o = o->next)
        if (o->port == url->port && strcmp(o->host, url->host) == 0) return o;
    origin_t *o = fl_arena_zalloc(fl_world_arena(w), sizeof *o);
    o->host = fl_arena_strdup(fl_world_arena(w), url->host);
    o->port = url->port;
    o->slot_free = fl_condition_create(w, "connection pool", o->host);
    o->next = pool->origins;
    pool->origins = o;
    return o;
}

static fl_error_t *connect_new(fl_world_t *w, fl__pool_t *pool, origin_t *o, connection_t **out) {
    fl_cancel_scope_t scope;
    fl_scope_enter_move_on_after(w, &scope, pool->config.timeouts.connect_ns);
    fl_conn_t *conn = NULL;
    int status = fl_net_connect(pool->config.net, o->host, o->port, &conn);
    bool timed_out;
    fl_error_t *error = timed_status(w, &scope, status, FL_CLIENT_CONNECT_TIMER, NULL, &timed_out);
    if (error == NULL && status != FL_OK) {
        char where[300];
        snprintf(where, sizeof where, "%s:%u", o->host, o->port);
        fl_client_condition_t condition = status == FL_EREFUSED    ? FL_CLIENT_CONNECT_REFUSED
                                          : status == FL_ENOTFOUND ? FL_CLIENT_HOST_NOT_FOUND
                                                                   : FL_CLIENT_CONNECT_FAILED;
        error = fl_client_map(fl_world_arena(w), condition, where);
    }
    if (error != NULL) return error;
    connection_t *c = fl_arena_zalloc(fl_world_arena(w), sizeof *c);
    c->origin = o;
    c->conn = conn;
    pool->stats.connections_opened++;
    *out = c;
    return NULL;
}

static void trace_pool(fl_world_t *w, const connection_t *c, const char *what) {
    fl_world_trace_event(w, FL_TRACE_CLIENT, fl_conn_id(c->conn), (int64_t)c->served, what);
}

/* The most recently used idle connection that may carry a request, as
 * httpcore checks out: one idle for the keep-alive expiry or longer is
 * closed; so is one that is readable, because an idle HTTP/1.1 connection
 * has nothing to say: what arrived is the server's FIN or RST (it closed
 * its end, usually its own idle timeout), or bytes no request asked for.
 * A request written on it would be lost, and could not be sent again. */
static connection_t *take_idle(fl_world_t *w, fl__pool_t *pool, origin_t *o) {
    while (o->idle != NULL) {
        assert(o->idle_count > 0 && o->open >= o->idle_count);
        connection_t *c = o->idle;
        o->idle = c->next_idle;
        o->idle_count--;
        bool expired = fl_now(w) - c->idle_since_ns >= pool->config.idle_expiry_ns;
        if (!expired && !fl_conn_is_readable(c->conn)) return c;
        if (expired) {
            FL_MARK(POOL_EXPIRED_DISCARDED);
            pool->stats.idle_discarded_expired++;
        } else {
            FL_MARK(POOL_STALE_DISCARDED);
            pool->stats.idle_discarded_stale++;
        }
        trace_pool(w, c, expired ? "pool-discard-expired" : "pool-discard-stale");
        fl_conn_close(c->conn);
        o->open--;
    }
    return NULL;
}

/* A connection for the URL's origin: an idle one, a new one, or (when
 * max_connections are open) the next one freed, within the pool timeout. */
static fl_error_t *acquire(fl_world_t *w, fl__pool_t *pool, const fl_url_t *url, connection_t **out,
                           bool *reused_out) {
    origin_t *o = origin_for(w, pool, url);
    int64_t deadline = pool->config.timeouts.pool_ns == FL_TIME_NEVER
                           ? FL_TIME_NEVER
                           : fl_now(w) + pool->config.timeouts.pool_ns;
    for (;;) {
        connection_t *c = take_idle(w, pool, o);
        if (c != NULL) {
            FL_MARK(POOL_REUSED);
            pool->stats.connections_reused++;
            *reused_out = true;
            *out = c;
            return NULL;
        }
        if (o->open < pool->config.max_connections) {
            o->open++;
            fl_error_t *error = connect_new(w, pool, o, out);
            if (error != NULL) {
                o->open--;
                fl_condition_notify_one(w, o->slot_free);
                return error;
            }
            *reused_out = false;
            return NULL;
        }
        fl_cancel_scope_t scope;
        fl_scope_enter(w, &scope, deadline, 0);
        int status = fl_condition_wait(w, o->slot_free, "pool slot");
        connection_t *handed = status == FL_OK ? o->handed : NULL;
        if (handed != NULL) o->handed = NULL;
        bool timed_out;
        fl_error_t *error = timed_status(w, &scope, status, FL_CLIENT_POOL_TIMER, NULL, &timed_out);
        if (error != NULL) return error;
        if (handed != NULL && fl_task_cancel_pending(fl_current_task(w)))
            /* The knob's bug: cancelled with a connection in hand, the
             * request leaves, and the connection and its slot with it. */
            return fl_error_new(fl_world_arena(w), FL_ERR_CANCELLED,
                                "cancelled while a connection was handed to it");
        if (handed != NULL) {
            FL_MARK(POOL_REUSED);
            pool->stats.connections_reused++;
            *reused_out = true;
            *out = handed;
            return NULL;
        }
    }
}

static void release(fl_world_t *w, fl__pool_t *pool, connection_t *c, bool reusable) {
    origin_t *o = c->origin;
    bool hand_over =
        (pool->config.knobs & fl_client_knob_bit(FL_KNOB_LEAK_SLOT_OF_CANCELLED_WAITER));
    if (hand_over && reusable && o->handed == NULL && fl_condition_waiting(o->slot_free) > 0) {
        o->handed = c;
        fl_condition_notify_one(w, o->slot_free);
        return;
    }
    if (reusable && o->idle_count < pool->config.max_idle) {
        fl_conn_set_protocol_state(c->conn, (int)FL_PROTOCOL_STATE_CLIENT_IDLE_IN_POOL);
        c->idle_since_ns = fl_now(w);
        c->next_idle = o->idle;
        o->idle = c;
        o->idle_count++;
    } else {
        fl_conn_close(c->conn);
        o->open--;
    }
    fl_condition_notify_one(w, o->slot_free);
}

void fl__pool_close_all(fl_world_t *w, fl__pool_t *pool) {
    for (origin_t *o = pool->origins; o != NULL; o = o->next) {
        connection_t *c;
        while ((c = o->idle) != NULL) {
            o->idle = c->next_idle;
            o->idle_count--;
            fl_conn_close(c->conn);
            o->open--;
        }
        fl_condition_notify_all(w, o->slot_free);
    }
}

fl__pool_stats_t fl__pool_stats(const fl__pool_t *pool) { return pool->stats; }

/* --- writing the request -------------------------------------------------------------- */

static fl_error_t *write_all(fl_world_t *w, fl__exchange_t *ex, const void *data, size_t length) {
    if (length == 0) return NULL;
    fl_cancel_scope_t scope;
    fl_scope_enter_move_on_after(w, &scope, ex->pool->config.timeouts.write_ns);
    int status = fl_conn_write(ex->connection->conn, data, length);
    if (status == FL_OK) ex->connection->bytes_written += length;
    bool timed_out;
    fl_error_t *error = timed_status(w, &scope, status, FL_CLIENT_WRITE_TIMER, NULL, &timed_out);
    if (error != NULL || status == FL_OK) return error;
    return fl_client_map(fl_world_arena(w),
                         status == FL_ERESET ? FL_CLIENT_RESET_WRITING : FL_CLIENT_CLOSED_WRITING,
                         fl_status_name(status));
}

static bool has_body_method(const char *method) {
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

static void build_head(fl_world_t *w, fl__exchange_t *ex, bytes_t *head) {
    fl_request_t *r = ex->request;
    fl_arena_t *arena = fl_world_arena(w);
    char line[512];
    int n = fl_format(line, sizeof line, "%s %s HTTP/1.1\r\n", r->method,
                      fl_url_target(arena, &r->url));
    bytes_append(head, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    fl_headers_t *h = r->headers;
    if (fl_headers_get(h, "host") == NULL) {
        const char *authority = fl_url_authority(arena, &r->url);
        bytes_append(head, "Host: ", 6);
        bytes_append(head, authority, strlen(authority));
        bytes_append(head, "\r\n", 2);
    }
    for (size_t i = 0; i < fl_headers_count(h); i++) {
        const char *name = fl_headers_name(h, i), *value = fl_headers_value(h, i);
        bytes_append(head, name, strlen(name));
        bytes_append(head, ": ", 2);
        bytes_append(head, value, strlen(value));
        bytes_append(head, "\r\n", 2);
    }
    if (fl_headers_get(h, "user-agent") == NULL) {
        n = fl_format(line, sizeof line, "User-Agent: %s\r\n", ex->pool->config.user_agent);
        bytes_append(head, line, (size_t)n);
    }
    if (fl_headers_get(h, "accept") == NULL) bytes_append(head, "Accept: */*\r\n", 13);
    if (r->stream != NULL) {
        bytes_append(head, "Transfer-Encoding: chunked\r\n", 28);
    } else if (r->body_length > 0 || has_body_method(r->method)) {
        n = fl_format(line, sizeof line, "Content-Length: %zu\r\n", r->body_length);
        bytes_append(head, line, (size_t)n);
    }
    bytes_append(head, "\r\n", 2);
}

/* A one-shot stream goes out chunked. Its generator's errors are the
 * caller's own: they pass unchanged. A consumed stream gives nothing more,
 * which is how a retried stream body arrives empty (story 1's bug). */
static fl_error_t *write_stream(fl_world_t *w, fl__exchange_t *ex, bool *caller_error) {
    fl_body_source_t *source = ex->request->stream;
    for (;;) {
        const void *chunk = NULL;
        size_t length = 0;
        bool done = false;
        fl_error_t *error = source->next(source->context, w, &chunk, &length, &done);
        if (error != NULL) {
            *caller_error = true;
            return error;
        }
        if (length > 0) {
            char size_line[32];
            int n = fl_format(size_line, sizeof size_line, "%zx\r\n", length);
            if ((error = write_all(w, ex, size_line, (size_t)n))) return error;
            if ((error = write_all(w, ex, chunk, length))) return error;
            if ((error = write_all(w, ex, "\r\n", 2))) return error;
        }
        if (done) return write_all(w, ex, "0\r\n\r\n", 5);
    }
}

static fl_error_t *read_head(fl_world_t *w, fl__exchange_t *ex) {
    while (!fl_response_parser_headers_done(&ex->parser)) {
        fl_error_t *error = fill(w, ex);
        if (error != NULL) return error;
    }
    return NULL;
}

/* A bytes body goes out in one write with the head; the end's state turns
 * from writing head to writing body at the body's first byte, so a fault
 * that splits the write still meets the right one. */
static fl_error_t *send_request(fl_world_t *w, fl__exchange_t *ex, bool *caller_error) {
    bytes_t head = {0};
    build_head(w, ex, &head);
    const fl_request_t *r = ex->request;
    if (r->stream == NULL && r->body_length > 0)
        fl_conn_set_protocol_states(ex->connection->conn, FL_PROTOCOL_STATE_CLIENT_WRITING_HEAD,
                                    FL_PROTOCOL_STATE_CLIENT_WRITING_BODY,
                                    ex->connection->bytes_written + head.length);
    else
        set_state(ex, FL_PROTOCOL_STATE_CLIENT_WRITING_HEAD);
    if (r->stream == NULL && r->body_length > 0) bytes_append(&head, r->body, r->body_length);
    fl_error_t *error = write_all(w, ex, head.data, head.length);
    bytes_free(&head);
    if (error == NULL && r->stream != NULL) {
        set_state(ex, FL_PROTOCOL_STATE_CLIENT_WRITING_BODY);
        error = write_stream(w, ex, caller_error);
    }
    if (error == NULL) set_state(ex, FL_PROTOCOL_STATE_CLIENT_AWAITING);
    return error;
}

/* --- exchanges -------------------------------------------------------------------------- */

static fl__exchange_t *exchange_create(fl_world_t *w, fl__pool_t *pool, fl_request_t *request) {
    fl__exchange_t *ex = fl_arena_zalloc(fl_world_arena(w), sizeof *ex);
    ex->pool = pool;
    ex->request = request;
    fl_response_t *r = fl_arena_zalloc(fl_world_arena(w), sizeof *r);
    r->headers = fl_headers_create(fl_world_arena(w));
    r->request = request;
    r->exchange = ex;
    ex->response = r;
    fl_response_parser_init(&ex->parser,
                            &(fl_response_parser_config_t){
                                .header_bytes_max = pool->config.header_bytes_max,
                                .body_bytes_max = pool->config.body_bytes_max,
                                .head_request = strcmp(request->method, "HEAD") == 0,
                                .headers = r->headers,
                                .body = keep_body,
                                .body_context = ex,
                            });
    return ex;
}

static void exchange_free_buffers(fl__exchange_t *ex) {
    fl_response_parser_release(&ex->parser);
    bytes_free(&ex->pending);
    bytes_free(&ex->handed);
}

void fl__exchange_close(fl_world_t *w, fl__exchange_t *ex) {
    if (ex == NULL || ex->closed) return;
    ex->closed = true;
    const fl_response_parser_t *parser = &ex->parser;
    bool reusable = fl_response_parser_message_done(parser) && !ex->eof &&
                    !fl_response_parser_leftover(parser) && fl_response_parser_keep_alive(parser);
    /* The knob's bug: a cancelled stream's connection goes back unfinished. */
    if ((ex->pool->config.knobs & fl_client_knob_bit(FL_KNOB_REUSE_CANCELLED_STREAM)) &&
        !fl_response_parser_message_done(parser) && !ex->eof &&
        !fl_response_parser_leftover(parser) && fl_response_parser_headers_done(parser) &&
        fl_task_cancel_pending(fl_current_task(w)))
        reusable = true;
    if (ex->connection != NULL) {
        if (reusable) ex->connection->served++;
        release(w, ex->pool, ex->connection, reusable);
    }
    ex->connection = NULL;
    ex->response->exchange = NULL;
    exchange_free_buffers(ex);
}

/* Sends the request on a connection and reads the response's head. There
 * is exactly one attempt: once a byte of the request may have been written
 * the server may have acted on it, so sending it again is the retry
 * middleware's decision (idempotent methods), never the transport's. A
 * connection the server had closed while idle is caught before, at checkout
 * (take_idle), when nothing has been written yet. */
fl_error_t *fl__transport_open(fl_world_t *w, fl__pool_t *pool, fl_request_t *request,
                               fl_response_t **response_out) {
    assert(w != NULL && pool != NULL && request != NULL && response_out != NULL);
    fl__exchange_t *ex = exchange_create(w, pool, request);
    fl_error_t *error = acquire(w, pool, &request->url, &ex->connection, &ex->reused);
    if (error != NULL) {
        ex->closed = true;
        exchange_free_buffers(ex);
        return error;
    }
    bool caller_error = false;
    error = send_request(w, ex, &caller_error);
    if (error != NULL && !caller_error && !fl_error_is_cancelled(error) &&
        fl_error_is(error, FL_ERR_WRITE_ERROR)) {
        /* The server may have answered before the upload finished (a 413):
         * its response beats the write error, as in httpx. */
        fl_error_t *read_error = read_head(w, ex);
        if (read_error == NULL) {
            FL_MARK(EARLY_RESPONSE_BEATS_WRITE_ERROR);
            error = NULL;
        }
    }
    if (error == NULL) error = read_head(w, ex);
    if (error != NULL) {
        ex->eof = true; /* never reuse a connection that failed */
        FL_MARK(FAILED_CONNECTION_CLOSED);
        fl__exchange_close(w, ex);
        return error;
    }
    *response_out = ex->response;
    return NULL;
}

fl_error_t *fl__exchange_next_chunk(fl_world_t *w, fl__exchange_t *ex,
                                    const unsigned char **chunk_out, size_t *length_out,
                                    bool *done_out) {
    *chunk_out = NULL;
    *length_out = 0;
    *done_out = false;
    for (;;) {
        if (ex->pending.length > 0) {
            /* Hand out what is parsed; it stays valid until the next call. */
            bytes_t swap = ex->handed;
            ex->handed = ex->pending;
            ex->pending = swap;
            ex->pending.length = 0;
            *chunk_out = ex->handed.data;
            *length_out = ex->handed.length;
            return NULL;
        }
        if (fl_response_parser_message_done(&ex->parser)) {
            *done_out = true;
            fl__exchange_close(w, ex);
            return NULL;
        }
        fl_error_t *error = fill(w, ex);
        if (error != NULL) {
            /* A failed read ends the connection; a cancelled one too,
             * unless the reuse_cancelled_stream knob's bug is on. */
            bool knob = ex->pool->config.knobs & fl_client_knob_bit(FL_KNOB_REUSE_CANCELLED_STREAM);
            if (!knob || !fl_error_is_cancelled(error)) ex->eof = true;
            fl__exchange_close(w, ex);
            return error;
        }
    }
}
