/* The transport's pool rules, httpcore's (0.16): an idle keep-alive
 * connection that the server has closed (its FIN or RST arrived) or that
 * outlived the keep-alive expiry is discarded at checkout, and the request
 * goes out on a new connection, whatever the method and the body; once any
 * byte of a request was written, the transport never sends it again, only
 * the retry middleware may (idempotent methods by default).
 *
 * The server is a raw one on the simulated network, so each test says
 * exactly when it closes: after every response, or instead of answering
 * the k-th request of a connection (with a FIN or an RST), and what it
 * answers: OK, or hostile bytes (a status that is not three digits, an
 * endless stream of 100 Continue). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "client/retry.h"
#include "sim/net/simnet.h"
#include "tests/support/runtime_test.h"

enum { REQUEST_BYTES_MAX = 8192, CONNECTIONS_MAX = 8 };

/* --- the raw server -------------------------------------------------------------- */

typedef struct raw_server {
    fl_net_t *net;
    fl_listener_t *listener;
    /* behaviour */
    bool close_after_response;  /* FIN after every response (a stale idle connection) */
    int64_t close_delay_ns;     /* ... this long after the response */
    uint32_t silent_on;         /* k: read the k-th request of a connection, then end it
                                   without a response (0: answer every request) */
    bool silent_reset;          /* end it with an RST rather than a FIN */
    const char *reply;          /* the bytes of every response (NULL: OK_RESPONSE) ... */
    uint32_t reply_repeat;      /* ... sent this many times (0: once); the writes stop
                                   at the first that fails (the client hung up) */
    const char *reply_after;    /* then these bytes, when not NULL */
    /* observations */
    uint32_t connections;
    uint32_t requests;          /* requests read whole, head and body */
    char last_request_line[128];
    size_t last_body_length;
    char last_body[256];
} raw_server_t;

typedef struct request_buffer {
    char data[REQUEST_BYTES_MAX];
    size_t length;
} request_buffer_t;

static int fill(fl_conn_t *conn, request_buffer_t *b) {
    if (b->length == sizeof b->data) return FL_ELIMIT;
    size_t n = 0;
    int status = fl_conn_read(conn, b->data + b->length, sizeof b->data - b->length, &n);
    if (status == FL_OK) b->length += n;
    return status;
}

static char *find(request_buffer_t *b, size_t from, const char *needle) {
    size_t needle_length = strlen(needle);
    for (size_t i = from; i + needle_length <= b->length; i++)
        if (memcmp(b->data + i, needle, needle_length) == 0) return b->data + i;
    return NULL;
}

/* Reads one whole request (Content-Length or chunked body) and drops it
 * from the buffer; returns the read status that stopped it, else FL_OK. */
static int read_request(raw_server_t *server, fl_conn_t *conn, request_buffer_t *b) {
    char *head_end;
    while ((head_end = find(b, 0, "\r\n\r\n")) == NULL) {
        int status = fill(conn, b);
        if (status != FL_OK) return status;
    }
    size_t head_length = (size_t)(head_end - b->data) + 4;
    char *line_end = find(b, 0, "\r\n");
    size_t line_length = (size_t)(line_end - b->data);
    if (line_length >= sizeof server->last_request_line) line_length = sizeof server->last_request_line - 1;
    memcpy(server->last_request_line, b->data, line_length);
    server->last_request_line[line_length] = '\0';
    b->data[head_length - 1] = '\0'; /* the head as a string, for the header lookups */
    bool chunked = strstr(b->data, "Transfer-Encoding: chunked") != NULL;
    const char *length_header = strstr(b->data, "Content-Length: ");
    b->data[head_length - 1] = '\n';
    size_t body_end;
    if (chunked) {
        char *last;
        while ((last = find(b, head_length, "0\r\n\r\n")) == NULL) {
            int status = fill(conn, b);
            if (status != FL_OK) return status;
        }
        body_end = (size_t)(last - b->data) + 5;
    } else {
        size_t content_length = length_header ? (size_t)strtoul(length_header + 16, NULL, 10) : 0;
        while (b->length < head_length + content_length) {
            int status = fill(conn, b);
            if (status != FL_OK) return status;
        }
        body_end = head_length + content_length;
    }
    /* The body as the caller wrote it: for a chunked one, the data of each
     * chunk without the size lines and CRLFs around it. */
    server->last_body_length = 0;
    size_t at = head_length;
    while (at < body_end) {
        size_t size = chunked ? (size_t)strtoul(b->data + at, NULL, 16) : body_end - at;
        if (chunked) {
            if (size == 0) break;
            at = (size_t)(find(b, at, "\r\n") - b->data) + 2;
        }
        size_t room = sizeof server->last_body - 1 - server->last_body_length;
        size_t copied = size < room ? size : room;
        memcpy(server->last_body + server->last_body_length, b->data + at, copied);
        server->last_body_length += copied;
        at += size + (chunked ? 2 : 0);
    }
    server->last_body[server->last_body_length] = '\0';
    memmove(b->data, b->data + body_end, b->length - body_end);
    b->length -= body_end;
    server->requests++;
    return FL_OK;
}

static const char OK_RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

static int write_reply(const raw_server_t *server, fl_conn_t *conn) {
    const char *reply = server->reply != NULL ? server->reply : OK_RESPONSE;
    uint32_t times = server->reply_repeat > 0 ? server->reply_repeat : 1;
    for (uint32_t i = 0; i < times; i++) {
        int status = fl_conn_write(conn, reply, strlen(reply));
        if (status != FL_OK) return status;
    }
    if (server->reply_after == NULL) return FL_OK;
    return fl_conn_write(conn, server->reply_after, strlen(server->reply_after));
}

static void serve_connection(fl_world_t *w, raw_server_t *server, fl_conn_t *conn) {
    request_buffer_t *buffer = calloc(1, sizeof *buffer);
    assert_non_null(buffer);
    for (uint32_t k = 1;; k++) {
        if (read_request(server, conn, buffer) != FL_OK) break;
        if (k == server->silent_on) {
            if (server->silent_reset) fl_conn_reset(conn);
            break;
        }
        if (write_reply(server, conn) != FL_OK) break;
        if (server->close_after_response) {
            if (server->close_delay_ns > 0) fl_sleep(w, server->close_delay_ns);
            break;
        }
    }
    fl_conn_close(conn);
    free(buffer);
}

static fl_error_t *raw_server_task(fl_world_t *w, void *arg) {
    raw_server_t *server = arg;
    for (uint32_t i = 0; i < CONNECTIONS_MAX; i++) {
        fl_conn_t *conn;
        if (fl_listener_accept(server->listener, &conn) != FL_OK) break;
        server->connections++;
        serve_connection(w, server, conn);
    }
    return NULL;
}

/* --- the client ------------------------------------------------------------------ */

typedef struct outcome {
    fl_error_t *error;         /* of the last request */
    fl_response_t *response;
    fl_client_stats_t stats;
    uint64_t attempts;         /* the retry middleware's, when there is one */
} outcome_t;

typedef struct plan {
    const char *methods[2];    /* the two requests, one after the other */
    const char *body;          /* the second request's body: bytes, or ... */
    bool stream_body;          /* ... as a one-shot stream of three pieces */
    int64_t pause_ns;          /* between the two requests */
    fl_middleware_t *retry;    /* NULL: no middleware */
    int64_t idle_expiry_ns;    /* 0: the default */
} plan_t;

typedef struct run {
    raw_server_t server;
    plan_t plan;
    fl_client_t *client;
    outcome_t outcome;
} run_t;

typedef struct pieces {
    fl_body_source_t source;
    int next;
} pieces_t;

static fl_error_t *next_piece(void *context, fl_world_t *w, const void **chunk, size_t *length,
                              bool *done) {
    (void)w;
    static const char *const parts[] = {"first,", "second,", "third"};
    pieces_t *p = context;
    if (p->next == 3) {
        *done = true;
        return NULL;
    }
    *chunk = parts[p->next];
    *length = strlen(parts[p->next]);
    p->next++;
    return NULL;
}

static fl_error_t *send_one(fl_world_t *w, run_t *run, const char *method, bool with_body) {
    fl_request_t *request;
    fl_error_t *error = fl_request_create(fl_world_arena(w), method, "http://raw/items", &request);
    assert_null(error);
    if (with_body && run->plan.stream_body) {
        pieces_t *pieces = fl_arena_zalloc(fl_world_arena(w), sizeof *pieces);
        pieces->source = (fl_body_source_t){next_piece, pieces};
        fl_request_set_stream(request, &pieces->source);
    } else if (with_body && run->plan.body != NULL) {
        fl_request_set_body(fl_world_arena(w), request, run->plan.body, strlen(run->plan.body));
    }
    return fl_client_send(w, run->client, request, &run->outcome.response);
}

static fl_error_t *client_task(fl_world_t *w, void *arg) {
    run_t *run = arg;
    fl_error_t *first = send_one(w, run, run->plan.methods[0], false);
    if (first != NULL) {
        run->outcome.error = first;
    } else {
        if (run->plan.pause_ns > 0) fl_sleep(w, run->plan.pause_ns);
        if (run->plan.retry != NULL) run->outcome.attempts = fl_retry_stats(run->plan.retry).attempts;
        run->outcome.error = send_one(w, run, run->plan.methods[1], true);
        if (run->plan.retry != NULL)
            run->outcome.attempts = fl_retry_stats(run->plan.retry).attempts - run->outcome.attempts;
    }
    run->outcome.stats = fl_client_stats(run->client);
    fl_client_close(w, run->client);
    fl_listener_close(run->server.listener);
    return NULL;
}

/* Runs the plan against the server; the world is left for finish(). */
static fl_world_t *run_plan(run_t *run, uint64_t seed, fl_middleware_t *(*make_retry)(fl_world_t *)) {
    fl_world_t *w = rt_world("random", seed);
    char error[256];
    fl_simnet_options_t options = fl_simnet_options_default();
    run->server.net = fl_simnet_create(w, &options, NULL, error, sizeof error);
    assert_non_null(run->server.net);
    assert_int_equal(fl_net_listen(run->server.net, "raw", 80, &run->server.listener), FL_OK);
    if (make_retry != NULL) run->plan.retry = make_retry(w);
    fl_middleware_t *chain[1] = {run->plan.retry};
    fl_client_options_t client_options = {.net = run->server.net,
                                          .idle_expiry_ns = run->plan.idle_expiry_ns,
                                          .middleware = run->plan.retry ? chain : NULL,
                                          .middleware_count = run->plan.retry ? 1 : 0};
    run->client = fl_client_create(w, &client_options, error, sizeof error);
    assert_non_null(run->client);
    fl_spawn(w, "raw server", raw_server_task, &run->server);
    fl_spawn(w, "client", client_task, run);
    fl_run_outcome_t ended = fl_world_run(w);
    if (ended != FL_RUN_COMPLETED) {
        fl_world_print_hang(w, stderr);
        fail_msg("run ended: %s", fl_run_outcome_name(ended));
    }
    return w;
}

static void expect_ok(const outcome_t *o) {
    if (o->error != NULL) {
        fl_error_print(o->error, stderr);
        fail_msg("expected a response");
    }
    assert_int_equal(o->response->status, 200);
}

static void expect_error(const outcome_t *o, fl_error_kind_t kind, const char *text) {
    if (o->error == NULL) fail_msg("expected %s, got a response", fl_error_kind_name(kind));
    if (o->error->kind != kind || (text != NULL && strstr(o->error->message, text) == NULL)) {
        fl_error_print(o->error, stderr);
        fail_msg("expected %s '%s'", fl_error_kind_name(kind), text ? text : "");
    }
}

static const uint64_t SEEDS = 20; /* schedules and segmentations vary with the seed */

/* --- (a) a stale idle connection is discarded at checkout -------------------------- */

typedef struct body_case {
    const char *method;
    const char *body;
    bool stream_body;
    const char *received;  /* what the server must get whole */
} body_case_t;

static const body_case_t body_cases[] = {
    {"GET", NULL, false, ""},
    {"POST", "payload=1", false, "payload=1"},
    {"PUT", NULL, true, "first,second,third"},
};

static void test_stale_idle_connection_is_discarded_at_checkout(void **state) {
    (void)state;
    for (size_t c = 0; c < sizeof body_cases / sizeof body_cases[0]; c++) {
        for (uint64_t seed = 1; seed <= SEEDS; seed++) {
            const body_case_t *bc = &body_cases[c];
            run_t run = {.server = {.close_after_response = true},
                         .plan = {.methods = {"GET", bc->method}, .body = bc->body,
                                  .stream_body = bc->stream_body}};
            fl_world_t *w = run_plan(&run, seed, NULL);
            expect_ok(&run.outcome);
            assert_int_equal(run.server.connections, 2);
            assert_int_equal(run.server.requests, 2);
            assert_string_equal(run.server.last_body, bc->received);
            assert_int_equal(run.outcome.stats.connections_opened, 2);
            assert_int_equal(run.outcome.stats.connections_reused, 0);
            assert_int_equal(run.outcome.stats.idle_discarded_stale, 1);
            fl_world_destroy(w);
        }
    }
}

/* The server closes 10 ms after its response, the client asks again 50 ms
 * later: the FIN waits in the idle connection, and checkout finds it. */
static void test_connection_closed_while_idle_is_discarded(void **state) {
    (void)state;
    run_t run = {.server = {.close_after_response = true, .close_delay_ns = FL_MS(10)},
                 .plan = {.methods = {"GET", "PUT"}, .stream_body = true, .pause_ns = FL_MS(50)}};
    fl_world_t *w = run_plan(&run, 3, NULL);
    expect_ok(&run.outcome);
    assert_int_equal(run.server.connections, 2);
    assert_string_equal(run.server.last_body, "first,second,third");
    assert_int_equal(run.outcome.stats.idle_discarded_stale, 1);
    fl_world_destroy(w);
}

/* Keep-alive expiry (httpcore's keepalive_expiry, 5 s by default): an idle
 * connection older than it is closed at checkout, not reused, though the
 * server would still take it; younger ones are reused. */
static void test_expired_idle_connection_is_discarded(void **state) {
    (void)state;
    run_t run = {.plan = {.methods = {"GET", "GET"}, .pause_ns = FL_SECONDS(6)}};
    fl_world_t *w = run_plan(&run, 1, NULL);
    expect_ok(&run.outcome);
    assert_int_equal(run.server.connections, 2);
    assert_int_equal(run.outcome.stats.connections_reused, 0);
    assert_int_equal(run.outcome.stats.idle_discarded_expired, 1);
    fl_world_destroy(w);

    run_t young = {.plan = {.methods = {"GET", "GET"}, .pause_ns = FL_SECONDS(4)}};
    w = run_plan(&young, 1, NULL);
    expect_ok(&young.outcome);
    assert_int_equal(young.server.connections, 1);
    assert_int_equal(young.outcome.stats.connections_reused, 1);
    fl_world_destroy(w);

    run_t custom = {.plan = {.methods = {"GET", "GET"}, .pause_ns = FL_SECONDS(2),
                             .idle_expiry_ns = FL_SECONDS(1)}};
    w = run_plan(&custom, 1, NULL);
    assert_int_equal(custom.server.connections, 2);
    assert_int_equal(custom.outcome.stats.idle_discarded_expired, 1);
    fl_world_destroy(w);
}

/* --- (b) the server closes after reading the request: no re-send ------------------- */

static void test_close_after_the_request_is_never_resent(void **state) {
    (void)state;
    static const char *const methods[] = {"GET", "POST"};
    for (size_t m = 0; m < 2; m++) {
        for (uint64_t seed = 1; seed <= SEEDS; seed++) {
            /* On a reused connection: the second request is read, then FIN. */
            run_t run = {.server = {.silent_on = 2},
                         .plan = {.methods = {"GET", methods[m]}, .body = "payload=1"}};
            fl_world_t *w = run_plan(&run, seed, NULL);
            expect_error(&run.outcome, FL_ERR_REMOTE_PROTOCOL_ERROR,
                         "Server disconnected without sending a response.");
            assert_int_equal(run.server.connections, 1);
            assert_int_equal(run.server.requests, 2); /* the second one once */
            assert_int_equal(run.outcome.stats.connections_opened, 1);
            fl_world_destroy(w);
        }
    }
}

static void test_close_after_the_first_request_of_a_connection(void **state) {
    (void)state;
    run_t run = {.server = {.silent_on = 1}, .plan = {.methods = {"POST", "POST"}}};
    fl_world_t *w = run_plan(&run, 1, NULL);
    expect_error(&run.outcome, FL_ERR_REMOTE_PROTOCOL_ERROR,
                 "Server disconnected without sending a response.");
    assert_int_equal(run.server.connections, 1);
    assert_int_equal(run.server.requests, 1);
    fl_world_destroy(w);
}

/* A reset instead of the FIN is a ReadError, not re-sent either. */
static void test_reset_after_the_request_is_never_resent(void **state) {
    (void)state;
    run_t run = {.server = {.silent_on = 2, .silent_reset = true},
                 .plan = {.methods = {"GET", "GET"}}};
    fl_world_t *w = run_plan(&run, 1, NULL);
    expect_error(&run.outcome, FL_ERR_READ_ERROR, NULL);
    assert_int_equal(run.server.connections, 1);
    assert_int_equal(run.server.requests, 2);
    fl_world_destroy(w);
}

/* --- only the retry middleware tries again ------------------------------------------ */

static fl_middleware_t *default_retry(fl_world_t *w) {
    fl_retry_options_t options = fl_retry_options_default();
    options.base_delay_ns = FL_MS(10);
    return fl_retry_create(w, &options, NULL, 0);
}

static fl_middleware_t *post_only_retry(fl_world_t *w) {
    static const char *const post[] = {"POST"};
    fl_retry_options_t options = fl_retry_options_default();
    options.base_delay_ns = FL_MS(10);
    options.retry_methods = post;
    options.retry_method_count = 1;
    return fl_retry_create(w, &options, NULL, 0);
}

/* The reset is a ReadError (a NetworkError): the middleware retries the
 * GET on a new connection, and the server answers it there. */
static void test_retry_middleware_retries_get_on_a_new_connection(void **state) {
    (void)state;
    run_t run = {.server = {.silent_on = 2, .silent_reset = true},
                 .plan = {.methods = {"GET", "GET"}}};
    fl_world_t *w = run_plan(&run, 1, default_retry);
    expect_ok(&run.outcome);
    assert_int_equal(run.outcome.attempts, 2);
    assert_int_equal(run.server.connections, 2);
    assert_int_equal(run.server.requests, 3);
    fl_world_destroy(w);
}

static void test_retry_middleware_leaves_post_alone(void **state) {
    (void)state;
    run_t run = {.server = {.silent_on = 2, .silent_reset = true},
                 .plan = {.methods = {"GET", "POST"}, .body = "payload=1"}};
    fl_world_t *w = run_plan(&run, 1, default_retry);
    expect_error(&run.outcome, FL_ERR_READ_ERROR, NULL);
    assert_int_equal(run.outcome.attempts, 1);
    assert_int_equal(run.server.connections, 1);
    assert_int_equal(run.server.requests, 2);
    assert_int_equal(run.outcome.error->note_count, 0); /* returned as it came */
    fl_world_destroy(w);
}

static void test_retry_methods_option_makes_post_retried(void **state) {
    (void)state;
    run_t run = {.server = {.silent_on = 2, .silent_reset = true},
                 .plan = {.methods = {"GET", "POST"}, .body = "payload=1"}};
    fl_world_t *w = run_plan(&run, 1, post_only_retry);
    expect_ok(&run.outcome);
    assert_int_equal(run.outcome.attempts, 2);
    assert_int_equal(run.server.connections, 2);
    assert_int_equal(run.server.requests, 3);
    assert_string_equal(run.server.last_body, "payload=1");
    fl_world_destroy(w);
}

/* httpware retries NetworkError and TimeoutError only: the FIN's
 * RemoteProtocolError ends even a GET after one attempt. */
static void test_retry_middleware_does_not_retry_remote_protocol_error(void **state) {
    (void)state;
    run_t run = {.server = {.silent_on = 2}, .plan = {.methods = {"GET", "GET"}}};
    fl_world_t *w = run_plan(&run, 1, default_retry);
    expect_error(&run.outcome, FL_ERR_REMOTE_PROTOCOL_ERROR, NULL);
    assert_int_equal(run.outcome.attempts, 1);
    assert_int_equal(run.server.connections, 1);
    assert_int_equal(run.server.requests, 2);
    fl_world_destroy(w);
}

/* --- (e) hostile responses: a status that is not three digits, endless 1xx ----------- */

/* llhttp accepts a status line with an empty or short code; the client
 * must not take it as a response of status 0 or 2. The junk bytes before
 * the status line are a fuzzer's find: llhttp refuses them itself. */
static void test_status_outside_100_to_599_is_remote_protocol_error(void **state) {
    (void)state;
    static const struct {
        const char *reply;
        const char *message;
    } cases[] = {
        {"HTTP/1.1 \n\n", "status code 0 is not 100..599"},
        {"HTTP/1.1 \r\n\r\n", "status code 0 is not 100..599"},
        {"\x04\x04HTTP/1.1 \n\n", "malformed response"},
        {"HTTP/1.1 2 \r\nContent-Length: 0\r\n\r\n", "status code 2 is not 100..599"},
        {"HTTP/1.1 99 Low\r\nContent-Length: 0\r\n\r\n", "status code 99 is not 100..599"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        run_t run = {.server = {.reply = cases[c].reply}, .plan = {.methods = {"GET", "GET"}}};
        fl_world_t *w = run_plan(&run, 1, NULL);
        expect_error(&run.outcome, FL_ERR_REMOTE_PROTOCOL_ERROR, cases[c].message);
        assert_non_null(strstr(run.outcome.error->message, "malformed response"));
        fl_world_destroy(w);
    }
}

/* The bounds themselves are statuses: 100 is interim, 599 final. */
static void test_status_599_is_a_response(void **state) {
    (void)state;
    run_t run = {.server = {.reply = "HTTP/1.1 100 Continue\r\n\r\n"
                                     "HTTP/1.1 599 Odd\r\nContent-Length: 0\r\n\r\n"},
                 .plan = {.methods = {"GET", "GET"}}};
    fl_world_t *w = run_plan(&run, 1, NULL);
    expect_error(&run.outcome, FL_ERR_SERVER_STATUS_ERROR, NULL);
    assert_int_equal(run.outcome.error->http_status, 599);
    fl_world_destroy(w);
}

static const char CONTINUE[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* A peer that answers with 100 Continue for ever: the exchange ends after
 * the 17th, not at the read timeout (each one arrives well within it). */
static void test_endless_interim_responses_are_remote_protocol_error(void **state) {
    (void)state;
    run_t run = {.server = {.reply = CONTINUE, .reply_repeat = 100000},
                 .plan = {.methods = {"GET", "GET"}}};
    fl_world_t *w = run_plan(&run, 1, NULL);
    expect_error(&run.outcome, FL_ERR_REMOTE_PROTOCOL_ERROR, "too many interim responses");
    assert_int_equal(run.server.requests, 1);
    fl_world_destroy(w);
}

/* Sixteen interim responses are still allowed before the final one. */
static void test_sixteen_interim_responses_are_skipped(void **state) {
    (void)state;
    run_t run = {.server = {.reply = CONTINUE, .reply_repeat = 16, .reply_after = OK_RESPONSE},
                 .plan = {.methods = {"GET", "GET"}}};
    fl_world_t *w = run_plan(&run, 1, NULL);
    expect_ok(&run.outcome);
    assert_int_equal(run.server.requests, 2);
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stale_idle_connection_is_discarded_at_checkout),
        cmocka_unit_test(test_connection_closed_while_idle_is_discarded),
        cmocka_unit_test(test_expired_idle_connection_is_discarded),
        cmocka_unit_test(test_close_after_the_request_is_never_resent),
        cmocka_unit_test(test_close_after_the_first_request_of_a_connection),
        cmocka_unit_test(test_reset_after_the_request_is_never_resent),
        cmocka_unit_test(test_retry_middleware_retries_get_on_a_new_connection),
        cmocka_unit_test(test_retry_middleware_leaves_post_alone),
        cmocka_unit_test(test_retry_methods_option_makes_post_retried),
        cmocka_unit_test(test_retry_middleware_does_not_retry_remote_protocol_error),
        cmocka_unit_test(test_status_outside_100_to_599_is_remote_protocol_error),
        cmocka_unit_test(test_status_599_is_a_response),
        cmocka_unit_test(test_endless_interim_responses_are_remote_protocol_error),
        cmocka_unit_test(test_sixteen_interim_responses_are_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
