/* The mock ASGI server: see server.h. Modelled on uvicorn's httptools
 * protocol: a connection parses requests; each request is a cycle whose app
 * runs in its own task; the parser pauses after a complete request and
 * resumes when that cycle ends (keep-alive and pipelining). */
#include "sim/runtime/marks.h"
#include "sim/net/protocol_state.h"
#include "sim/asgi/server.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/asgi/request_parser.h"
#include "sim/runtime/byte_buffer.h"
#include "sim/net/http_status.h"
#include "sim/net/protocol_event.h"
#include "sim/net/request_target.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/cancel.h"
#include "sim/runtime/condition.h"
#include "sim/runtime/format.h"
#include "sim/runtime/status.h"
#include "sim/runtime/task_pool.h"

enum {
    READ_CHUNK = 16 * 1024,
};

typedef struct connection connection_t;

typedef struct cycle {
    connection_t *connection;
    uint32_t id;
    fl_asgi_scope_t scope;
    /* With release_memory: the cycle is malloc'd and its scope, and what the
     * app allocates while it runs, come from here; both go when it ends. */
    fl_arena_t *arena;
    fl_arena_t own_arena;      /* what arena points to, when it is set */
    bool more_body;            /* the request body is not complete yet */
    uint64_t body_received;    /* request body bytes handed to the cycle so far */
    bool message_event;        /* uvicorn's message_event: set on body or end */
    fl_condition_t *message_condition;
    bool disconnected;
    bool response_started;
    bool response_complete;
    bool keep_alive;
    bool head_request;
    bool http_1_0;             /* the request said HTTP/1.0: no chunks, no keep-alive */
    bool expects_continue;     /* "Expect: 100-continue", and no 100 sent yet */
    bool chunked;              /* the response uses chunked framing */
    bool body_allowed;         /* not HEAD, 204 or 304 */
    bool length_declared;      /* the app gave a content-length: the body must match it */
    uint64_t length_remaining; /* declared bytes not sent yet */
    int status;
} cycle_t;


struct connection {
    fl_asgi_server_t *server;
    fl_conn_t *conn;
    uint32_t id;
    /* It pauses after a complete request and keeps what follows. */
    fl_request_parser_t parser;
    cycle_t *cycle;            /* the request in progress */
    bool lost;                 /* the client closed or reset */
    bool stop_reading;         /* a bad request: answer it, discard the rest */
    bool reader_done;          /* the reading task has seen the end */
    /* Slowloris guards: the reader's read runs in read_scope, whose deadline
     * read_deadline computes from these; a cycle ending moves it. */
    bool in_head;              /* a request head has begun and is not complete */
    int64_t head_started_ns;   /* when it began (its first byte parsed) */
    int64_t idle_since_ns;     /* accepted, or its last cycle ended */
    fl_cancel_scope_t *read_scope; /* the reader's, while it reads; else NULL */
    /* output, drained by the writer task */
    fl_byte_buffer_t out;
    fl_byte_buffer_t write_copy; /* what the writer is writing (out may grow meanwhile) */
    char *read_buffer;         /* the reader's; freed when the connection ends, or at teardown */
    fl_byte_buffer_t body;     /* request body received, not yet given to the app */
    bool close_after_flush;
    bool writer_done;
    bool writer_closed;        /* the writer closed the socket: writer_done comes before
                                * its linger, which waits */
    unsigned apps_running;     /* cycle tasks that have not returned yet (0 or 1, and 2
                                * while one ends and the next pipelined one begins) */
    bool released;             /* ended: its buffers are freed (connection_release) */
    char peer_host[64];        /* the client's address, when the hooks can tell it */
    uint16_t peer_port;
    fl_condition_t *out_ready;
    fl_condition_t *out_drained;
    fl_condition_t *message_condition; /* release_memory: every cycle's, one at a time */
    connection_t *next;        /* all, for teardown */
    connection_t *next_free;   /* release_memory: ended, ready to be reused */
};

struct fl_asgi_server {
    fl_world_t *world;
    fl_net_t *net;
    fl_asgi_app_t *app;
    fl_asgi_server_options_t options;
    fl_server_log_t *log;
    fl_listener_t *listener;
    connection_t *connections; /* all, for teardown */
    connection_t *free_connections; /* release_memory: ended ones, reused first */
    fl_task_pool_t *pool;      /* release_memory: the tasks, reused */
    fl_condition_t *all_closed; /* notified whenever a connection ends */
    uint64_t open_connections;
    bool shutting_down;        /* fl_asgi_server_shutdown was called */
    uint32_t next_cycle;
    fl_asgi_server_stats_t stats;
};

/* --- lifetimes: what a connection and a request hold, and when it goes -------- */

/* A new cycle: in the world's arena; or, with release_memory, malloc'd with
 * an arena of its own, both freed by cycle_free when the cycle ends. */
static cycle_t *cycle_create(connection_t *c) {
    fl_asgi_server_t *server = c->server;
    fl_world_t *w = server->world;
    if (!server->options.release_memory) {
        cycle_t *cycle = fl_arena_zalloc(fl_world_arena(w), sizeof *cycle);
        cycle->message_condition = fl_condition_create(w, "request cycle", "message event");
        return cycle;
    }
    cycle_t *cycle = calloc(1, sizeof *cycle);
    if (cycle == NULL) fl__out_of_memory("request cycle");
    fl_arena_init(&cycle->own_arena);
    cycle->arena = &cycle->own_arena;
    /* One cycle at a time on a connection: its condition serves them all. */
    assert(c->message_condition != NULL);
    cycle->message_condition = c->message_condition;
    return cycle;
}

static void cycle_free(cycle_t *cycle) {
    assert(cycle != NULL);
    if (cycle->arena == NULL) return; /* the world's: it goes with the world */
    assert(cycle->arena == &cycle->own_arena);
    fl_arena_destroy(cycle->arena);
    free(cycle);
}

/* The access line's moment: a response began (uvicorn logs it there). */
static void report_response(const cycle_t *cycle, int status) {
    const fl_asgi_server_hooks_t *hooks = &cycle->connection->server->options.hooks;
    if (hooks->response != NULL) hooks->response(hooks->context, &cycle->scope, status);
}

/* Starts a server task: spawned, or with release_memory a pooled worker
 * (a spawned task's record stays for the world's life). */
static void server_spawn(fl_asgi_server_t *server, const char *name, fl_task_fn fn, void *arg) {
    assert(server != NULL && fn != NULL);
    if (server->pool != NULL)
        fl_task_pool_run(server->pool, fn, arg);
    else
        fl_spawn(server->world, name, fn, arg);
}

static void release_buffers(connection_t *c) {
    fl_request_parser_release(&c->parser);
    fl_byte_buffer_free(&c->out);
    fl_byte_buffer_free(&c->write_copy);
    fl_byte_buffer_free(&c->body);
    free(c->read_buffer);
    c->read_buffer = NULL;
    if (c->cycle != NULL) cycle_free(c->cycle); /* teardown mid-request */
    c->cycle = NULL;
}

/* A connection's memory goes back once nothing uses it: its reader and its
 * writer ended and no cycle's task runs. With release_memory its record
 * (and its conditions) waits on the free list for the next connection. */
static void connection_end_if_done(connection_t *c) {
    fl_asgi_server_t *server = c->server;
    if (!c->reader_done || !c->writer_closed || c->apps_running > 0 || c->released) return;
    assert(c->cycle == NULL && c->lost && server->open_connections > 0);
    c->released = true;
    release_buffers(c);
    if (server->options.release_memory) fl_conn_release(c->conn); /* nothing here uses it again */
    server->open_connections--;
    if (server->options.hooks.connection != NULL)
        server->options.hooks.connection(server->options.hooks.context, c->peer_host, c->peer_port, false);
    if (server->all_closed != NULL) fl_condition_notify_all(server->world, server->all_closed);
    if (server->options.release_memory) {
        c->next_free = server->free_connections;
        server->free_connections = c;
    }
}

/* A record for an accepted connection: a fresh one, or with release_memory
 * an ended one, wiped but for its conditions and its place in the list. */
static connection_t *connection_record(fl_asgi_server_t *server) {
    fl_world_t *w = server->world;
    connection_t *c = server->free_connections;
    if (c == NULL) {
        c = fl_arena_zalloc(fl_world_arena(w), sizeof *c);
        c->out_ready = fl_condition_create(w, "connection", "output");
        c->out_drained = fl_condition_create(w, "connection", "output drained");
        if (server->options.release_memory)
            c->message_condition = fl_condition_create(w, "request cycle", "message event");
        c->next = server->connections;
        server->connections = c;
        return c;
    }
    assert(c->released && server->options.release_memory);
    server->free_connections = c->next_free;
    connection_t kept = *c;
    memset(c, 0, sizeof *c);
    c->out_ready = kept.out_ready;
    c->out_drained = kept.out_drained;
    c->message_condition = kept.message_condition;
    c->next = kept.next;
    return c;
}

/* --- formatting --------------------------------------------------------------- */

static void buffer_printf(fl_byte_buffer_t *b, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* Formats into a line first (the common case: a status line, a header);
 * a longer text is formatted again at its full size. It used to be cut at
 * the line's 511 bytes: a long header lost its end and its CRLF, and the
 * response head went out malformed. */
static void buffer_printf(fl_byte_buffer_t *b, const char *format, ...) {
    char line[512];
    va_list args;
    va_start(args, format);
    int n = fl_vformat(line, sizeof line, format, args);
    va_end(args);
    if (FL_NEVER(n < 0)) return; /* the formats here are literals that format */
    if ((size_t)n < sizeof line) {
        fl_byte_buffer_append(b, line, (size_t)n);
        return;
    }
    fl_byte_buffer_reserve(b, (size_t)n + 1);
    va_start(args, format);
    int again = fl_vformat(b->data + b->length, (size_t)n + 1, format, args);
    va_end(args);
    assert(again == n);
    b->length += (size_t)n;
}

/* --- output ------------------------------------------------------------------ */

static void queue_output(connection_t *c, const void *data, size_t length) {
    assert(data != NULL || length == 0);
    if (c->lost || c->writer_done) return; /* the connection is gone: nobody to tell */
    fl_byte_buffer_append(&c->out, data, length);
    assert(c->out.length >= length && c->out_ready != NULL);
    fl_condition_notify_all(c->server->world, c->out_ready);
}

static void close_after_flush(connection_t *c) {
    assert(c->server != NULL && c->out_ready != NULL);
    c->close_after_flush = true;
    fl_condition_notify_all(c->server->world, c->out_ready);
}

/* The connection went away (EOF, reset, write failure): the cycle in
 * progress is disconnected, and its receive answers http.disconnect. */
static void connection_lost(connection_t *c) {
    assert(c->server != NULL && c->conn != NULL);
    if (c->lost) return;
    c->lost = true;
    fl_world_t *w = c->server->world;
    cycle_t *cycle = c->cycle;
    if (cycle != NULL && !cycle->response_complete && !cycle->disconnected) {
        if (cycle->response_started)
            FL_MARK(ASGI_DISCONNECT_MID_RESPONSE);
        else
            FL_MARK(ASGI_DISCONNECT_BEFORE_START);
        cycle->disconnected = true;
        c->server->stats.disconnects++;
        fl_server_log_add(c->server->log, FL_SERVER_LOG_DISCONNECT, cycle->id, 0,
                          "client disconnected");
        fl_condition_notify_all(w, cycle->message_condition);
    }
    /* From here receive answers http.disconnect, every time. */
    assert(cycle == NULL || cycle->response_complete || cycle->disconnected);
    fl_condition_notify_all(w, c->out_ready);
    fl_condition_notify_all(w, c->out_drained);
}

/* Lingering close: FIN first, then wait (bounded) for the client's end
 * before closing, so a response is not lost to the RST that closing over
 * unread request bytes would cause. */
static void close_gracefully(connection_t *c, fl_world_t *w) {
    assert(c->writer_done); /* nothing is queued for a connection closing */
    assert(c->conn != NULL && c->out_ready != NULL);
    if (!c->lost && fl_conn_shutdown_write(c->conn) == FL_OK) {
        fl_cancel_scope_t linger;
        fl_scope_enter_move_on_after(w, &linger, FL_SECONDS(2));
        int status = FL_OK;
        while (!c->reader_done && !c->lost && status == FL_OK)
            status = fl_condition_wait(w, c->out_ready, "linger");
        fl_scope_exit(w, &linger, status);
    }
    fl_conn_close(c->conn);
}

static fl_error_t *writer_task(fl_world_t *w, void *arg) {
    connection_t *c = arg;
    assert(c != NULL && !c->writer_done); /* one writer per connection */
    for (;;) {
        if (c->lost) break;
        if (c->out.length > 0) {
            /* Write a copy: the buffer may grow (and move) while we block.
             * The copy belongs to the connection, so a world torn down
             * mid-write frees it too. */
            c->write_copy.length = 0;
            fl_byte_buffer_append(&c->write_copy, c->out.data, c->out.length);
            fl_byte_buffer_consume(&c->out, c->out.length);
            assert(c->out.length == 0 && c->write_copy.length > 0);
            int status = fl_conn_write(c->conn, c->write_copy.data, c->write_copy.length);
            fl_condition_notify_all(w, c->out_drained);
            if (status != FL_OK) {
                connection_lost(c);
                break;
            }
            continue;
        }
        if (c->close_after_flush) break;
        if (fl_condition_wait(w, c->out_ready, "write response") != FL_OK) break;
    }
    c->writer_done = true;
    close_gracefully(c, w);
    connection_lost(c);
    assert(c->lost && c->writer_done);
    c->writer_closed = true;
    connection_end_if_done(c);
    return NULL;
}

/* --- the cycle: receive and send --------------------------------------------- */

/* uvicorn's receive: a client that sent "Expect: 100-continue" is told to
 * send its body the first time the app asks for it, and only then, so an
 * app that answers without reading sends the final response alone. */
static void continue_if_expected(cycle_t *cycle) {
    assert(cycle != NULL && cycle->connection != NULL);
    if (!cycle->expects_continue) return;
    cycle->expects_continue = false;
    if (cycle->response_started || cycle->disconnected || cycle->connection->close_after_flush)
        return; /* too late for an interim response, as in uvicorn */
    static const char CONTINUE[] = "HTTP/1.1 100 Continue\r\n\r\n";
    queue_output(cycle->connection, CONTINUE, sizeof CONTINUE - 1);
    fl_server_log_add(cycle->connection->server->log, FL_SERVER_LOG_MESSAGE_SENT, cycle->id, 100,
                      "100 Continue");
    assert(!cycle->expects_continue);
}

static fl_error_t *cycle_receive(void *context, fl_world_t *w, fl_asgi_message_t *out) {
    cycle_t *cycle = context;
    assert(cycle != NULL && cycle->connection != NULL && out != NULL);
    assert(cycle->message_condition != NULL);
    continue_if_expected(cycle);
    /* uvicorn: wait for the message event unless disconnected or done; an
     * event that is already set returns without yielding. */
    while (!cycle->disconnected && !cycle->response_complete && !cycle->message_event) {
        int status = fl_condition_wait(w, cycle->message_condition, "receive");
        if (status != FL_OK) return fl_error_from_status(fl_world_arena(w), status, "receive");
    }
    cycle->message_event = false;
    if (cycle->disconnected || cycle->response_complete) {
        *out = (fl_asgi_message_t){.type = FL_ASGI_HTTP_DISCONNECT};
        return NULL;
    }
    /* The bytes go to the app once: from the connection's buffer, which is
     * reused, into the app's message (the request's arena, with
     * release_memory). */
    fl_byte_buffer_t *pending = &cycle->connection->body;
    size_t total = pending->length;
    unsigned char *body = total ? fl_arena_alloc(fl_world_arena(w), total) : NULL;
    if (total) memcpy(body, pending->data, total);
    fl_byte_buffer_consume(pending, total);
    /* What waits for the app is part of what arrived. */
    assert(total <= cycle->body_received && pending->length == 0);
    *out = (fl_asgi_message_t){.type = FL_ASGI_HTTP_REQUEST, .body = body, .body_length = total,
                               .more_body = cycle->more_body};
    fl_server_log_add(cycle->connection->server->log, FL_SERVER_LOG_BODY_RECEIVED, cycle->id,
                      (int64_t)total, "%zu bytes%s", total, cycle->more_body ? ", more" : "");
    return NULL;
}

/* A content-length value as a count: decimal digits only, else false. */
static bool parse_length(const char *text, uint64_t *length_out) {
    assert(text != NULL && length_out != NULL);
    uint64_t length = 0;
    if (text[0] == '\0') return false;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || length > (UINT64_MAX - 9) / 10) return false;
        length = length * 10 + (uint64_t)(*p - '0');
    }
    *length_out = length;
    return true;
}

/* Whether a comma-separated header value lists token, in any case, as
 * RFC 9110 §5.6.1 lists go ("keep-alive, Close" lists close). */
static bool value_has_token(const char *value, const char *token) {
    assert(value != NULL && token != NULL && token[0] != '\0');
    size_t token_length = strlen(token);
    const char *p = value;
    for (size_t items = 0; *p != '\0' && items < FL_REQUEST_HEADERS_MAX * 64; items++) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *end = p;
        while (*end != '\0' && *end != ',') end++;
        const char *last = end;
        while (last > p && (last[-1] == ' ' || last[-1] == '\t')) last--;
        if ((size_t)(last - p) == token_length && strncasecmp(p, token, token_length) == 0)
            return true;
        p = end;
    }
    return false;
}

static void write_start(cycle_t *cycle, const fl_asgi_message_t *m) {
    connection_t *c = cycle->connection;
    /* Once per cycle, before any body: the framing is not chosen yet. */
    assert(cycle->response_started && !cycle->response_complete);
    assert(!cycle->chunked && !cycle->length_declared && !cycle->body_allowed);
    assert(m->type == FL_ASGI_RESPONSE_START && (m->headers != NULL || m->header_count == 0));
    fl_byte_buffer_t head = {0};
    buffer_printf(&head, "HTTP/1.1 %d %s\r\n", m->status, fl_http_reason_phrase(m->status));
    bool has_length = false;
    bool app_closes = false; /* the app said "connection: close" itself */
    for (size_t i = 0; i < m->header_count; i++) {
        if (strcasecmp(m->headers[i].name, "content-length") == 0) {
            /* The first one counts, as in uvicorn. */
            if (!has_length)
                cycle->length_declared = parse_length(m->headers[i].value, &cycle->length_remaining);
            has_length = true;
        }
        /* The app's "connection: close" is honoured, as h11 does in uvicorn
         * (RFC 9112 §9.6): the connection closes after this response. */
        if (strcasecmp(m->headers[i].name, "connection") == 0 &&
            value_has_token(m->headers[i].value, "close")) {
            cycle->keep_alive = false;
            app_closes = true;
        }
        buffer_printf(&head, "%s: %s\r\n", m->headers[i].name, m->headers[i].value);
    }
    cycle->body_allowed = !cycle->head_request && m->status != 204 && m->status != 304 &&
                          m->status >= 200;
    if (!cycle->body_allowed) cycle->length_declared = false; /* no body to count */
    /* A body of no declared length is chunked, but an HTTP/1.0 client knows
     * no chunks (RFC 9112 §6.1): its body is delimited by the close, which
     * keep_alive, false for 1.0, brings after the last byte. */
    if (!has_length && cycle->body_allowed && !cycle->http_1_0) {
        cycle->chunked = true;
        buffer_printf(&head, "transfer-encoding: chunked\r\n");
    }
    assert(!cycle->http_1_0 || (!cycle->keep_alive && !cycle->chunked));
    if (!cycle->keep_alive && !app_closes) buffer_printf(&head, "connection: close\r\n");
    fl_byte_buffer_append(&head, "\r\n", 2);
    /* One framing at most: a declared length or chunks, never both. */
    assert(!(cycle->chunked && cycle->length_declared));
    assert(head.length >= 4 && memcmp(head.data + head.length - 4, "\r\n\r\n", 4) == 0);
    fl_conn_set_protocol_state(c->conn, (int)FL_PROTOCOL_STATE_SERVER_AFTER_START);
    queue_output(c, head.data, head.length);
    fl_byte_buffer_free(&head);
}

static void write_body(cycle_t *cycle, const fl_asgi_message_t *m) {
    connection_t *c = cycle->connection;
    assert(cycle->response_started && !cycle->response_complete);
    assert(m->type == FL_ASGI_RESPONSE_BODY && (m->body != NULL || m->body_length == 0));
    /* write_start chose a framing only for a response that may have a body. */
    assert(!cycle->chunked || cycle->body_allowed);
    assert(!cycle->length_declared || cycle->body_allowed);
    if (!cycle->body_allowed) return; /* HEAD, 204, 304: HTTP has no body to send */
    if (m->more_body) fl_conn_set_protocol_state(c->conn, (int)FL_PROTOCOL_STATE_SERVER_STREAMING);
    if (cycle->chunked) {
        if (m->body_length > 0) {
            char size_line[32];
            int n = fl_format(size_line, sizeof size_line, "%zx\r\n", m->body_length);
            assert(n > 0 && (size_t)n < sizeof size_line);
            queue_output(c, size_line, (size_t)n);
            queue_output(c, m->body, m->body_length);
            queue_output(c, "\r\n", 2);
        }
        if (!m->more_body) queue_output(c, "0\r\n\r\n", 5);
    } else if (m->body_length > 0) {
        queue_output(c, m->body, m->body_length);
    }
}

static void cycle_complete(cycle_t *cycle) {
    connection_t *c = cycle->connection;
    assert(cycle->response_started && !cycle->response_complete && !cycle->disconnected);
    assert(!cycle->length_declared || cycle->length_remaining == 0);
    cycle->response_complete = true;
    fl_conn_set_protocol_state(c->conn, (int)FL_PROTOCOL_STATE_SERVER_AFTER_COMPLETION);
    c->server->stats.responses_completed++;
    fl_condition_notify_all(c->server->world, cycle->message_condition);
    if (!cycle->keep_alive) close_after_flush(c);
}

/* Backpressure: wait while the output is above the high-water mark. */
static int wait_for_drain(cycle_t *cycle, fl_world_t *w) {
    connection_t *c = cycle->connection;
    assert(c->server->options.write_buffer_high > 0);
    while (!c->lost && c->out.length > c->server->options.write_buffer_high) {
        int status = fl_condition_wait(w, c->out_drained, "drain");
        if (status != FL_OK) return status;
    }
    assert(c->lost || c->out.length <= c->server->options.write_buffer_high);
    return FL_OK;
}

/* The first message of a cycle: it must be the start. */
static fl_error_t *send_start(cycle_t *cycle, fl_arena_t *arena, const fl_asgi_message_t *m) {
    connection_t *c = cycle->connection;
    assert(!cycle->response_started && !cycle->disconnected);
    if (m->type != FL_ASGI_RESPONSE_START) {
        FL_MARK(ASGI_RULE_START_EXPECTED);
        return fl_error_new(arena, FL_ERR_RUNTIME_ERROR,
                            "Expected ASGI message 'http.response.start', but got '%s'.",
                            fl_asgi_message_type_name(m->type));
    }
    cycle->response_started = true;
    cycle->status = m->status;
    fl_server_log_add(c->server->log, FL_SERVER_LOG_MESSAGE_SENT, cycle->id, m->status,
                      "http.response.start %d", m->status);
    write_start(cycle, m);
    report_response(cycle, m->status);
    fl_net_event(c->server->net, c->conn,
                 fl_protocol_event_name(FL_PROTOCOL_EVENT_SERVER_RESPONSE_START));
    assert(cycle->response_started && !cycle->response_complete);
    return NULL;
}

/* A message after the start: a body, within the declared length. */
static fl_error_t *send_body(cycle_t *cycle, fl_arena_t *arena, const fl_asgi_message_t *m) {
    connection_t *c = cycle->connection;
    assert(cycle->response_started && !cycle->disconnected);
    const char *type = fl_asgi_message_type_name(m->type);
    if (cycle->response_complete) {
        FL_MARK(ASGI_RULE_AFTER_COMPLETE);
        return fl_error_new(arena, FL_ERR_RUNTIME_ERROR,
                            "Unexpected ASGI message '%s' sent, after response already completed.",
                            type);
    }
    if (m->type != FL_ASGI_RESPONSE_BODY) {
        FL_MARK(ASGI_RULE_BODY_EXPECTED);
        return fl_error_new(arena, FL_ERR_RUNTIME_ERROR,
                            "Expected ASGI message 'http.response.body', but got '%s'.", type);
    }
    /* uvicorn's httptools protocol: a body past the declared length is
     * refused before a byte of it is written (h11 words it "Too much data
     * for declared Content-Length"). The error goes to the app; if it
     * propagates, the cycle logs it and closes the connection. */
    if (cycle->length_declared && m->body_length > cycle->length_remaining) {
        FL_MARK(ASGI_RULE_BODY_TOO_LONG);
        return fl_error_new(arena, FL_ERR_RUNTIME_ERROR,
                            "Response content longer than Content-Length");
    }
    if (cycle->length_declared) cycle->length_remaining -= m->body_length;
    assert(!cycle->response_complete);
    fl_server_log_add(c->server->log, FL_SERVER_LOG_MESSAGE_SENT, cycle->id,
                      (int64_t)m->body_length, "http.response.body %zu%s", m->body_length,
                      m->more_body ? " more" : "");
    write_body(cycle, m);
    if (m->body_length > 0)
        fl_net_event(c->server->net, c->conn,
                     fl_protocol_event_name(FL_PROTOCOL_EVENT_SERVER_BODY_CHUNK));
    /* The last message short of the declared length: what was sent stays
     * sent, the response is not complete (h11: "Too little data for
     * declared Content-Length"). */
    if (!m->more_body && cycle->length_declared && cycle->length_remaining != 0) {
        FL_MARK(ASGI_RULE_BODY_TOO_SHORT);
        return fl_error_new(arena, FL_ERR_RUNTIME_ERROR,
                            "Response content shorter than Content-Length");
    }
    if (!m->more_body) cycle_complete(cycle);
    return NULL;
}

static fl_error_t *cycle_send(void *context, fl_world_t *w, const fl_asgi_message_t *m) {
    cycle_t *cycle = context;
    fl_arena_t *arena = fl_world_arena(w);
    assert(m != NULL);
    /* The cycle's states only go forward: started, then complete. */
    assert(cycle->response_started || (!cycle->response_complete && !cycle->length_declared));
    int status = wait_for_drain(cycle, w);
    if (status != FL_OK) return fl_error_from_status(arena, status, "send");
    if (cycle->disconnected) {
        if (fl_asgi_spec_at_least(&cycle->scope, 2, 4)) {
            FL_MARK(ASGI_SEND_RAISED_AFTER_DISCONNECT);
            return fl_error_new(arena, FL_ERR_CLIENT_DISCONNECT,
                                "client disconnected before '%s' was sent",
                                fl_asgi_message_type_name(m->type));
        }
        FL_MARK(ASGI_SEND_DROPPED_AFTER_DISCONNECT);
        return NULL; /* spec 2.0-2.3: dropped silently */
    }
    return cycle->response_started ? send_body(cycle, arena, m) : send_start(cycle, arena, m);
}

/* --- running the app ------------------------------------------------------------ */

/* A request refused before its app answered, framed as uvicorn's h11
 * protocol frames its 400 (send_400_response): these two headers, no
 * length, the text, then the close, which delimits it (RFC 9112 §6.3). */
static void send_refusal(connection_t *c, int status, const char *text) {
    assert(status >= 400 && status <= 599 && text != NULL);
    fl_byte_buffer_t out = {0};
    buffer_printf(&out,
                  "HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
                  "Connection: close\r\n\r\n%s",
                  status, fl_http_reason_phrase(status), text);
    assert(out.length > strlen(text));
    queue_output(c, out.data, out.length);
    fl_byte_buffer_free(&out);
    close_after_flush(c);
}

/* uvicorn's send_500_response sends its 500 as an app would, so it is
 * framed as the app's responses are: chunks, or for HTTP/1.0 the close
 * (RFC 9112 §6.1); its "connection: close" then closes the connection.
 * A HEAD gets the head alone. The bytes only: it is the server's answer,
 * not the app's, so it is not logged as a message sent. */
static void send_500(cycle_t *cycle) {
    assert(!cycle->response_started && !cycle->disconnected);
    static const char TEXT[] = "Internal Server Error";
    fl_byte_buffer_t out = {0};
    buffer_printf(&out, "HTTP/1.1 500 %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
                  "connection: close\r\n%s\r\n", fl_http_reason_phrase(500),
                  cycle->http_1_0 ? "" : "transfer-encoding: chunked\r\n");
    if (!cycle->head_request && cycle->http_1_0) buffer_printf(&out, "%s", TEXT);
    if (!cycle->head_request && !cycle->http_1_0)
        buffer_printf(&out, "%zx\r\n%s\r\n0\r\n\r\n", sizeof TEXT - 1, TEXT);
    assert(out.length > 0);
    queue_output(cycle->connection, out.data, out.length);
    fl_byte_buffer_free(&out);
    close_after_flush(cycle->connection);
}

static void handle_refusal(connection_t *c, int refusal);

/* When the reader's current read must end, by the connection's state: no
 * limit while a request is being answered (uvicorn has none for the app or
 * the body) or the connection is closing; the header timeout from a head's
 * first byte; else the keep-alive timeout from when it went idle. */
static int64_t read_deadline(const connection_t *c) {
    const fl_asgi_server_options_t *o = &c->server->options;
    assert(o->header_timeout_ns != 0 && o->keep_alive_timeout_ns != 0); /* defaults applied */
    if (c->cycle != NULL || c->stop_reading || c->close_after_flush || c->lost)
        return FL_TIME_NEVER;
    if (c->server->shutting_down) return fl_now(c->server->world); /* idle: closes now */
    if (c->in_head)
        return o->header_timeout_ns < 0 ? FL_TIME_NEVER : c->head_started_ns + o->header_timeout_ns;
    return o->keep_alive_timeout_ns < 0 ? FL_TIME_NEVER
                                        : c->idle_since_ns + o->keep_alive_timeout_ns;
}

/* The reader may be blocked in a read whose deadline was set while a cycle
 * ran (none): give it the one the connection's new state calls for. */
static void move_read_deadline(connection_t *c) {
    assert(c->server != NULL);
    if (c->read_scope != NULL) fl_scope_set_deadline(c->server->world, c->read_scope, read_deadline(c));
}

/* After a cycle: go on with the next pipelined request, or close. */
static void cycle_finished(cycle_t *cycle) {
    connection_t *c = cycle->connection;
    /* One request at a time: the parser waits for this cycle to end. */
    assert(c->cycle == cycle);
    c->cycle = NULL;
    c->idle_since_ns = fl_now(c->server->world);
    /* What is left of a body no cycle waits for is not the app's, nor held
     * to its limit. */
    if (cycle->more_body) fl_request_parser_discard_body(&c->parser);
    if (c->lost || c->close_after_flush) return;
    if (!cycle->response_complete || cycle->more_body || !cycle->keep_alive) {
        /* The rest of this request (a body the app never read) is read and
         * dropped until the client's end, while the answer goes out. */
        c->stop_reading = true;
        close_after_flush(c);
        return;
    }
    assert(!c->stop_reading);
    if (fl_request_parser_paused(&c->parser))
        handle_refusal(c, fl_request_parser_resume(&c->parser));
    move_read_deadline(c);
}

static fl_error_t *cycle_task(fl_world_t *w, void *arg) {
    cycle_t *cycle = arg;
    connection_t *c = cycle->connection;
    /* The parser waits for this cycle: it is the connection's only one. */
    assert(c != NULL && c->cycle == cycle);
    fl_server_log_t *log = c->server->log;
    fl_conn_set_protocol_state(c->conn, (int)FL_PROTOCOL_STATE_SERVER_BEFORE_START);
    fl_task_t *self = fl_current_task(w);
    if (cycle->arena != NULL) fl_task_set_arena(self, cycle->arena);
    fl_error_t *error =
        fl_asgi_call(c->server->app, w, &cycle->scope,
                     (fl_asgi_receive_t){cycle_receive, cycle}, (fl_asgi_send_t){cycle_send, cycle});
    if (cycle->arena != NULL) fl_task_set_arena(self, NULL);
    if (error != NULL) {
        /* uvicorn logs an exception whether or not the client is still there:
         * that is how "No response returned." reached users' logs. */
        FL_MARK(ASGI_APP_EXCEPTION);
        fl_server_log_error(log, cycle->id, "Exception in ASGI application", error);
        if (!cycle->response_started && !cycle->disconnected) {
            report_response(cycle, 500);
            send_500(cycle);
        } else {
            close_after_flush(c); /* the client sees the body cut short */
        }
    } else if (!cycle->response_started && !cycle->disconnected) {
        FL_MARK(ASGI_RULE_RETURNED_WITHOUT_START);
        fl_server_log_add(log, FL_SERVER_LOG_ERROR, cycle->id, 0,
                          "ASGI callable returned without starting response.");
        report_response(cycle, 500);
        send_500(cycle);
    } else if (!cycle->response_complete && !cycle->disconnected) {
        FL_MARK(ASGI_RULE_RETURNED_WITHOUT_COMPLETE);
        fl_server_log_add(log, FL_SERVER_LOG_ERROR, cycle->id, 0,
                          "ASGI callable returned without completing response.");
        close_after_flush(c);
    }
    cycle_finished(cycle);
    assert(c->cycle != cycle && c->apps_running > 0);
    cycle_free(cycle); /* the error, too, if it was the request's */
    c->apps_running--;
    connection_end_if_done(c);
    return NULL; /* the app's error is handled here: logged and answered */
}

/* --- parsing: the request parser's events -------------------------------------- */

static void request_begun(void *context) {
    connection_t *c = context;
    /* The previous request's cycle has finished (the parser was paused). */
    assert(c->cycle == NULL && !c->stop_reading);
    c->in_head = true;
    c->head_started_ns = fl_now(c->server->world);
}

static void build_scope(connection_t *c, cycle_t *cycle, const fl_request_head_t *head) {
    assert(c->cycle == NULL && cycle->connection == c && cycle->id > 0);
    assert(head->header_count <= FL_REQUEST_HEADERS_MAX);
    fl_arena_t *arena = cycle->arena ? cycle->arena : fl_world_arena(c->server->world);
    fl_request_target_t target;
    fl_request_target_split(head->target, &target);
    fl_asgi_scope_t *s = &cycle->scope;
    s->type = "http";
    s->spec_version = c->server->options.spec_version;
    s->http_version = head->http_version;
    s->method = head->method;
    s->raw_path = fl_arena_printf(arena, "%.*s", (int)target.raw_path_length, target.raw_path);
    /* uvicorn's unquote(raw_path): Starlette routes on the decoded path. */
    size_t decoded_size = FL_PERCENT_DECODED_MAX(target.raw_path_length);
    char *path = fl_arena_alloc(arena, decoded_size);
    fl_percent_decode_path(target.raw_path, target.raw_path_length, path, decoded_size);
    s->path = path;
    s->query_string = fl_arena_printf(arena, "%.*s", (int)target.query_length, target.query);
    size_t slots = head->header_count ? head->header_count : 1;
    fl_asgi_header_t *headers = fl_arena_alloc(arena, slots * sizeof *headers);
    for (size_t i = 0; i < head->header_count; i++) {
        const char *raw_name, *value;
        fl_request_parser_header(&c->parser, i, &raw_name, &value);
        char *name = fl_arena_strdup(arena, raw_name);
        for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
        headers[i].name = name;
        headers[i].value = fl_arena_strdup(arena, value);
    }
    s->headers = headers;
    s->header_count = head->header_count;
    s->client_host = c->peer_host[0] != '\0' ? c->peer_host : "client";
    s->client_port = c->peer_host[0] != '\0' ? c->peer_port : (uint16_t)(40000 + c->id % 20000);
    s->connection_id = c->id;
    s->cycle_id = cycle->id;
    s->log = c->server->log;
}

/* Whether the request asks for a 100 (RFC 9110 §10.1.1: "100-continue", in
 * any case); h11 ignores it from HTTP/1.0, and so does the caller. */
static bool expects_continue(const fl_asgi_scope_t *scope) {
    assert(scope->headers != NULL || scope->header_count == 0);
    for (size_t i = 0; i < scope->header_count; i++)
        if (strcmp(scope->headers[i].name, "expect") == 0 &&
            strcasecmp(scope->headers[i].value, "100-continue") == 0)
            return true;
    return false;
}

/* The head is in: a cycle, and its app task. A request the parser refuses
 * for its declared length (head->refusal_status, 413) still gets its cycle
 * numbered and its scope built, as it did before the parser was a unit of
 * its own: the ids of what follows depend on it. Its app never starts. */
static void request_head(void *context, const fl_request_head_t *head) {
    connection_t *c = context;
    fl_asgi_server_t *server = c->server;
    assert(c->cycle == NULL && head != NULL);
    c->in_head = false;
    cycle_t *cycle = cycle_create(c);
    cycle->connection = c;
    cycle->id = ++server->next_cycle;
    cycle->more_body = true;
    /* HTTP/1.0 is never kept alive, even when it asks with "Connection:
     * keep-alive": h11, and so uvicorn, does the same. */
    cycle->http_1_0 = strcmp(head->http_version, "1.0") == 0;
    cycle->keep_alive = head->keep_alive && !cycle->http_1_0 && !server->options.no_keep_alive;
    /* A server shutting down answers what it has and closes, as uvicorn does. */
    if (server->shutting_down) cycle->keep_alive = false;
    build_scope(c, cycle, head);
    cycle->head_request = strcmp(cycle->scope.method, "HEAD") == 0;
    cycle->expects_continue = !cycle->http_1_0 && expects_continue(&cycle->scope);
    if (head->refusal_status != 0) {
        cycle_free(cycle);
        return;
    }
    c->cycle = cycle;
    c->body.length = 0; /* what a previous cycle left unread is not this one's */
    server->stats.requests++;
    fl_server_log_add(server->log, FL_SERVER_LOG_REQUEST, cycle->id, 0, "%s %s",
                      cycle->scope.method, cycle->scope.path);
    c->apps_running++;
    server_spawn(server, "app", cycle_task, cycle);
    assert(c->cycle == cycle && cycle->more_body && !cycle->response_started);
}

static void request_body(void *context, const char *data, size_t length) {
    connection_t *c = context;
    cycle_t *cycle = c->cycle;
    /* A cycle that ended before its body was in told the parser to drop
     * the rest (fl_request_parser_discard_body). */
    assert(cycle != NULL && cycle->more_body && data != NULL);
    cycle->body_received += length;
    fl_world_t *w = c->server->world;
    fl_byte_buffer_append(&c->body, data, length);
    assert(c->body.length >= length);
    cycle->message_event = true;
    fl_condition_notify_all(w, cycle->message_condition);
}

static void request_complete(void *context) {
    connection_t *c = context;
    cycle_t *cycle = c->cycle;
    /* The app answered and returned before the body was in (the connection
     * closes after the answer): the rest was read and dropped, as uvicorn
     * does, and nothing more is read. */
    if (cycle == NULL) {
        c->stop_reading = true;
        return;
    }
    assert(cycle->more_body && fl_request_parser_paused(&c->parser));
    cycle->more_body = false;
    cycle->message_event = true;
    fl_condition_notify_all(c->server->world, cycle->message_condition);
    assert(!cycle->more_body && cycle->message_event);
}

/* The body of the server's own refusal: uvicorn's for a 400; for the
 * refusals uvicorn has no status of its own for, what went wrong. */
static const char *refusal_text(int status) {
    switch (status) {
    case 413: return "Request body too large.";
    case 414: return "Request target too long.";
    case 431: return "Request header fields too large.";
    case 501: return "Unsupported transfer coding.";
    default: assert(status == 400); return "Invalid HTTP request received.";
    }
}

static void bad_request(connection_t *c, int status) {
    fl_asgi_server_t *server = c->server;
    assert(status == 400 || status == 413 || status == 414 || status == 431 || status == 501);
    assert(!c->stop_reading); /* one bad request per connection: reading stops after it */
    server->stats.bad_requests++;
    const char *why = refusal_text(status);
    fl_server_log_add(server->log, FL_SERVER_LOG_ERROR, c->cycle ? c->cycle->id : 0, status,
                      "%s (%s)", why, fl_request_parser_refusal_reason(&c->parser));
    if (c->cycle != NULL && c->cycle->response_started) {
        close_after_flush(c);
        return;
    }
    send_refusal(c, status, why);
}

/* What the parser said of the bytes it was given: 0, or a refusal, which
 * is answered, and ends the reading. */
static void handle_refusal(connection_t *c, int refusal) {
    if (refusal == 0) return;
    bad_request(c, refusal);
    if (c->cycle != NULL) {
        /* The app may be waiting for a body that will never come. */
        c->cycle->disconnected = true;
        fl_condition_notify_all(c->server->world, c->cycle->message_condition);
    }
    c->stop_reading = true;
}

/* Feeds bytes to the parser; bytes that arrive while a request is being
 * answered wait in it (it is paused). */
static void feed(connection_t *c, const char *data, size_t length) {
    assert(data != NULL && length > 0 && !c->stop_reading);
    handle_refusal(c, fl_request_parser_feed(&c->parser, data, length));
}

/* One read, ended early by the header or keep-alive timeout (read_deadline);
 * *timed_out says that happened (the status is then FL_OK and nothing was
 * read). Cancellation leaves unread bytes where they were. */
static int read_in_time(connection_t *c, fl_world_t *w, size_t *n, bool *timed_out) {
    assert(c->read_scope == NULL && n != NULL && timed_out != NULL);
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, read_deadline(c), 0);
    c->read_scope = &scope;
    int status = fl_conn_read(c->conn, c->read_buffer, READ_CHUNK, n);
    c->read_scope = NULL;
    status = fl_scope_exit(w, &scope, status);
    *timed_out = scope.cancelled_caught;
    assert(!*timed_out || status == FL_OK);
    return status;
}

/* The header or keep-alive timeout fired: closed without an answer (uvicorn
 * closes an idle keep-alive connection so; a head that never completes has
 * no request to answer), and the log says which. */
static void timed_out(connection_t *c) {
    fl_asgi_server_t *server = c->server;
    /* read_deadline sets none while a cycle runs; a new cycle comes only from
     * the reader itself or with the deadline moved (cycle_finished). */
    assert(c->cycle == NULL && !c->lost);
    if (server->shutting_down) { /* not a timeout: the server closes what is idle */
        c->stop_reading = true;
        close_after_flush(c);
        return;
    }
    server->stats.timeouts++;
    if (c->in_head)
        fl_server_log_add(server->log, FL_SERVER_LOG_NOTE, 0, server->options.header_timeout_ns,
                          "Request head not complete after %lld ms: connection closed.",
                          (long long)(server->options.header_timeout_ns / FL_MS(1)));
    else
        fl_server_log_add(server->log, FL_SERVER_LOG_NOTE, 0, server->options.keep_alive_timeout_ns,
                          "Idle for the keep-alive timeout (%lld ms): connection closed.",
                          (long long)(server->options.keep_alive_timeout_ns / FL_MS(1)));
    c->stop_reading = true;
    close_after_flush(c);
    assert(c->close_after_flush && server->stats.timeouts <= server->stats.connections);
}

static fl_error_t *connection_task(fl_world_t *w, void *arg) {
    connection_t *c = arg;
    char *chunk = c->read_buffer;
    assert(chunk != NULL && !c->reader_done); /* one reader per connection */
    while (!c->lost) {
        size_t n;
        bool late;
        int status = read_in_time(c, w, &n, &late);
        if (late) {
            timed_out(c);
            break;
        }
        if (status != FL_OK) {
            bool idle = c->cycle == NULL && fl_request_parser_pending(&c->parser) == 0;
            if (status == FL_EEOF && (c->stop_reading || idle))
                close_after_flush(c); /* an idle connection closed, or a rejected one drained */
            else
                connection_lost(c);
            break;
        }
        assert(n > 0 && n <= READ_CHUNK);
        /* Reading stops only where the connection closes after its answer. */
        assert(!c->stop_reading || c->close_after_flush || c->lost);
        if (c->stop_reading) continue; /* a rejected request: discard the rest */
        feed(c, chunk, n);
        size_t pending_max = c->server->options.header_bytes_max + c->server->options.body_bytes_max;
        size_t pending = fl_request_parser_pending(&c->parser);
        if (pending > pending_max) {
            /* A client that pipelines without limit: dropped, and said so. */
            FL_MARK(ASGI_PIPELINE_OVERFLOW);
            fl_server_log_add(c->server->log, FL_SERVER_LOG_ERROR, c->cycle ? c->cycle->id : 0,
                              (int64_t)pending,
                              "Too much pipelined data (%zu bytes waiting, at most %zu): "
                              "connection dropped.", pending, pending_max);
            connection_lost(c);
            break;
        }
    }
    c->reader_done = true;
    fl_condition_notify_all(w, c->out_ready);
    connection_end_if_done(c);
    return NULL;
}

/* --- the acceptor ------------------------------------------------------------------ */

static fl_error_t *acceptor_task(fl_world_t *w, void *arg) {
    fl_asgi_server_t *server = arg;
    assert(server != NULL && server->listener != NULL);
    for (;;) {
        fl_conn_t *conn;
        int status = fl_listener_accept(server->listener, &conn);
        if (status != FL_OK) break;
        assert(fl_conn_side(conn) == FL_SIDE_SERVER);
        connection_t *c = connection_record(server);
        c->server = server;
        c->conn = conn;
        c->id = fl_conn_id(conn);
        c->idle_since_ns = fl_now(w);
        fl_request_parser_init(&c->parser,
                               &(fl_request_limits_t){server->options.header_bytes_max,
                                                      server->options.body_bytes_max},
                               &(fl_request_sink_t){c, request_begun, request_head, request_body,
                                                    request_complete});
        c->read_buffer = malloc(READ_CHUNK);
        if (c->read_buffer == NULL) fl__out_of_memory("server read");
        server->stats.connections++;
        server->open_connections++;
        if (server->options.hooks.peer != NULL &&
            !server->options.hooks.peer(conn, c->peer_host, sizeof c->peer_host, &c->peer_port))
            c->peer_host[0] = '\0';
        if (server->options.hooks.connection != NULL)
            server->options.hooks.connection(server->options.hooks.context, c->peer_host, c->peer_port, true);
        server_spawn(server, "http-connection", connection_task, c);
        server_spawn(server, "http-writer", writer_task, c);
    }
    return NULL;
}

static void server_cleanup(void *arg) {
    fl_asgi_server_t *server = arg;
    assert(server != NULL && server->world != NULL);
    for (connection_t *c = server->connections; c != NULL; c = c->next) {
        assert(c->server == server);
        if (!c->released) release_buffers(c);
    }
}

fl_asgi_server_t *fl_asgi_server_create(fl_world_t *world, fl_net_t *net, fl_asgi_app_t *app,
                                        const fl_asgi_server_options_t *options, char *error,
                                        size_t error_size) {
    assert(world != NULL && net != NULL && app != NULL && app->call != NULL);
    assert(error != NULL || error_size == 0);
    fl_asgi_server_options_t chosen = options ? *options : (fl_asgi_server_options_t){0};
    if (chosen.spec_version == NULL) chosen.spec_version = "2.3";
    if (strcmp(chosen.spec_version, "2.3") != 0 && strcmp(chosen.spec_version, "2.4") != 0 &&
        strcmp(chosen.spec_version, "2.0") != 0) {
        if (error_size) snprintf(error, error_size,
                                 "server: unknown ASGI spec version '%s' (expected 2.3 or 2.4)",
                                 chosen.spec_version);
        return NULL;
    }
    if (chosen.header_bytes_max == 0) chosen.header_bytes_max = 16 * 1024;
    if (chosen.body_bytes_max == 0) chosen.body_bytes_max = 8 * 1024 * 1024;
    if (chosen.write_buffer_high == 0) chosen.write_buffer_high = 64 * 1024;
    if (chosen.header_timeout_ns == 0) chosen.header_timeout_ns = FL_SECONDS(5);
    if (chosen.keep_alive_timeout_ns == 0) chosen.keep_alive_timeout_ns = FL_SECONDS(5);
    /* "forever" is no limit: kept negative so that no deadline sum overflows. */
    if (chosen.header_timeout_ns == FL_TIME_NEVER) chosen.header_timeout_ns = -1;
    if (chosen.keep_alive_timeout_ns == FL_TIME_NEVER) chosen.keep_alive_timeout_ns = -1;
    fl_asgi_server_t *server = fl_arena_zalloc(fl_world_arena(world), sizeof *server);
    server->world = world;
    server->net = net;
    server->app = app;
    server->options = chosen;
    server->options.spec_version = fl_arena_strdup(fl_world_arena(world), chosen.spec_version);
    server->log = fl_server_log_create(world);
    if (chosen.release_memory) {
        server->pool = fl_task_pool_create(world, "server worker");
        /* A request's tasks and runtime objects (a middleware's) go with its arena too. */
        fl_world_set_release_memory(world, true);
    }
    fl_world_defer(world, server_cleanup, server);
    return server;
}

int fl_asgi_server_listen(fl_asgi_server_t *server, const char *host, uint16_t port) {
    assert(server != NULL && server->listener == NULL); /* one listener, one acceptor */
    int status = fl_net_listen(server->net, host, port, &server->listener);
    if (status != FL_OK) return status;
    assert(server->listener != NULL); /* the acceptor task asserts it too */
    fl_spawn(server->world, "server", acceptor_task, server);
    return FL_OK;
}

uint16_t fl_asgi_server_port(const fl_asgi_server_t *server) {
    assert(server != NULL);
    return server->listener ? fl_listener_port(server->listener) : 0;
}

void fl_asgi_server_stop(fl_asgi_server_t *server) {
    assert(server != NULL);
    if (server->listener != NULL) fl_listener_close(server->listener);
}

void fl_asgi_server_shutdown(fl_asgi_server_t *server) {
    assert(server != NULL);
    fl_asgi_server_stop(server);
    if (server->shutting_down) return;
    server->shutting_down = true;
    for (connection_t *c = server->connections; c != NULL; c = c->next) {
        if (c->released) continue;
        if (c->cycle != NULL)
            c->cycle->keep_alive = false; /* closes once its response is out */
        else
            move_read_deadline(c); /* idle or in a head: closes now (read_deadline) */
    }
    assert(server->shutting_down);
}

uint64_t fl_asgi_server_open_connections(const fl_asgi_server_t *server) {
    assert(server != NULL && server->open_connections <= server->stats.connections);
    return server->open_connections;
}

int fl_asgi_server_wait_closed(fl_asgi_server_t *server) {
    assert(server != NULL);
    /* Made on first use: a condition takes an object id, and simulated runs
     * that never wait here keep theirs. */
    if (server->all_closed == NULL)
        server->all_closed = fl_condition_create(server->world, "server", "connections closed");
    while (server->open_connections > 0) {
        int status = fl_condition_wait(server->world, server->all_closed, "connections to close");
        if (status != FL_OK) return status;
    }
    return FL_OK;
}

fl_server_log_t *fl_asgi_server_log(fl_asgi_server_t *server) {
    assert(server != NULL && server->log != NULL);
    return server->log;
}

fl_asgi_server_stats_t fl_asgi_server_stats(const fl_asgi_server_t *server) {
    assert(server != NULL);
    /* Each request is one cycle: it completes, or is cut short, once. */
    assert(server->stats.responses_completed <= server->stats.requests);
    assert(server->stats.disconnects <= server->stats.requests);
    assert(server->stats.timeouts <= server->stats.connections); /* one close each */
    return server->stats;
}
