/* The mock server's request-cycle rules (uvicorn's), over the simulated
 * network with a raw HTTP client. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim/asgi/log.h"
#include "sim/asgi/server.h"
#include "sim/net/simnet.h"
#include "tests/support/raw_http.h"
#include "tests/support/runtime_test.h"

typedef enum app_mode {
    APP_HELLO,             /* 200 "hello" with content-length */
    APP_ECHO_LENGTH,       /* read the whole body; answer its length (chunked) */
    APP_WAIT_DISCONNECT,   /* read the body, then receive twice more */
    APP_RESPOND_THEN_RECEIVE,
    APP_SEND_AFTER_DISCONNECT,
    APP_DOUBLE_START,
    APP_BODY_FIRST,
    APP_AFTER_COMPLETE,
    APP_NO_START,
    APP_RAISE_BEFORE_START,
    APP_RAISE_AFTER_START,
    APP_RAISE_AFTER_DISCONNECT,
    APP_SHORT_OF_LENGTH,       /* declares content-length 100, sends "hi" */
    APP_PAST_LENGTH,           /* declares 10, sends "hello" then "world!" */
    APP_SHORT_OF_LENGTH_CAUGHT, /* as APP_SHORT_OF_LENGTH, the error swallowed */
    APP_LONG_HEADER,           /* a 1000-byte header value, then "ok" */
    APP_STATUS,                /* answers the harness's status with "x" */
    APP_ECHO_TARGET,           /* answers "path|raw_path|query_string" */
} app_mode_t;

typedef struct test_app {
    fl_asgi_app_t base;
    app_mode_t mode;
    int status; /* APP_STATUS */
    /* observations */
    size_t calls;
    size_t body_bytes;
    size_t request_messages;
    size_t disconnects_seen;
    int64_t disconnect_at;
    fl_error_t *send_error;
} test_app_t;

static fl_error_t *read_body(fl_world_t *w, fl_asgi_receive_t receive, test_app_t *app) {
    for (;;) {
        fl_asgi_message_t m;
        fl_error_t *error = fl_asgi_receive(w, receive, &m);
        if (error) return error;
        if (m.type == FL_ASGI_HTTP_DISCONNECT) {
            app->disconnects_seen++;
            return NULL;
        }
        app->request_messages++;
        app->body_bytes += m.body_length;
        if (!m.more_body) return NULL;
    }
}

static fl_error_t *respond(fl_world_t *w, fl_asgi_send_t send, int status, const char *body) {
    char length[24];
    snprintf(length, sizeof length, "%zu", strlen(body));
    fl_asgi_header_t headers[] = {{"content-type", "text/plain"}, {"content-length", length}};
    fl_asgi_message_t start = fl_asgi_start(status, headers, 2);
    fl_error_t *error = fl_asgi_send(w, send, &start);
    if (error) return error;
    fl_asgi_message_t body_message = fl_asgi_body(body, strlen(body), false);
    return fl_asgi_send(w, send, &body_message);
}

static fl_error_t *test_app_call(fl_asgi_app_t *self, fl_world_t *w, const fl_asgi_scope_t *scope,
                                 fl_asgi_receive_t receive, fl_asgi_send_t send) {
    test_app_t *app = (test_app_t *)self;
    app->calls++;
    fl_arena_t *arena = fl_world_arena(w);
    fl_asgi_message_t start = fl_asgi_start(200, NULL, 0);
    fl_asgi_message_t part = fl_asgi_body("part", 4, true);
    fl_asgi_message_t end = fl_asgi_body("", 0, false);
    fl_asgi_message_t m;
    fl_error_t *error;
    switch (app->mode) {
    case APP_HELLO: return respond(w, send, 200, "hello");
    case APP_STATUS: return respond(w, send, app->status, "x");
    case APP_ECHO_TARGET:
        return respond(w, send, 200,
                       fl_arena_printf(fl_world_arena(w), "%s|%s|%s", scope->path, scope->raw_path,
                                       scope->query_string));
    case APP_ECHO_LENGTH: {
        if ((error = read_body(w, receive, app))) return error;
        char text[32];
        snprintf(text, sizeof text, "%zu", app->body_bytes);
        if ((error = fl_asgi_send(w, send, &start))) return error;
        fl_asgi_message_t body = fl_asgi_body(text, strlen(text), false);
        return fl_asgi_send(w, send, &body);
    }
    case APP_WAIT_DISCONNECT:
        if ((error = read_body(w, receive, app))) return error;
        for (int i = 0; i < 2; i++) {
            if ((error = fl_asgi_receive(w, receive, &m))) return error;
            if (m.type == FL_ASGI_HTTP_DISCONNECT) app->disconnects_seen++;
            app->disconnect_at = fl_now(w);
        }
        return NULL;
    case APP_RESPOND_THEN_RECEIVE:
        if ((error = respond(w, send, 200, "done"))) return error;
        if ((error = fl_asgi_receive(w, receive, &m))) return error;
        if (m.type == FL_ASGI_HTTP_DISCONNECT) app->disconnects_seen++;
        app->disconnect_at = fl_now(w);
        return NULL;
    case APP_SEND_AFTER_DISCONNECT:
        if ((error = read_body(w, receive, app))) return error;
        if ((error = fl_asgi_receive(w, receive, &m))) return error; /* waits for the disconnect */
        app->send_error = fl_asgi_send(w, send, &start);
        return app->send_error;
    case APP_DOUBLE_START:
        if ((error = fl_asgi_send(w, send, &start))) return error;
        app->send_error = fl_asgi_send(w, send, &start);
        return app->send_error;
    case APP_BODY_FIRST:
        app->send_error = fl_asgi_send(w, send, &end);
        return app->send_error;
    case APP_AFTER_COMPLETE:
        if ((error = respond(w, send, 200, "ok"))) return error;
        app->send_error = fl_asgi_send(w, send, &end);
        return app->send_error;
    case APP_NO_START: return NULL;
    case APP_RAISE_BEFORE_START: return fl_error_new(arena, FL_ERR_VALUE_ERROR, "boom");
    case APP_RAISE_AFTER_START:
        if ((error = fl_asgi_send(w, send, &start))) return error;
        if ((error = fl_asgi_send(w, send, &part))) return error;
        return fl_error_new(arena, FL_ERR_VALUE_ERROR, "mid-stream");
    case APP_RAISE_AFTER_DISCONNECT:
        if ((error = read_body(w, receive, app))) return error;
        if ((error = fl_asgi_receive(w, receive, &m))) return error;
        return fl_error_new(arena, FL_ERR_VALUE_ERROR, "after the client left");
    case APP_SHORT_OF_LENGTH:
    case APP_SHORT_OF_LENGTH_CAUGHT:
    case APP_PAST_LENGTH: {
        bool past = app->mode == APP_PAST_LENGTH;
        fl_asgi_header_t declared[] = {{"content-length", past ? "10" : "100"}};
        fl_asgi_message_t declaring = fl_asgi_start(200, declared, 1);
        if ((error = fl_asgi_send(w, send, &declaring))) return error;
        fl_asgi_message_t first = past ? fl_asgi_body("hello", 5, true) : fl_asgi_body("hi", 2, false);
        app->send_error = fl_asgi_send(w, send, &first);
        if (past && app->send_error == NULL) {
            fl_asgi_message_t second = fl_asgi_body("world!", 6, false);
            app->send_error = fl_asgi_send(w, send, &second);
        }
        return app->mode == APP_SHORT_OF_LENGTH_CAUGHT ? NULL : app->send_error;
    }
    case APP_LONG_HEADER: {
        static char value[1001];
        memset(value, 'v', sizeof value - 1);
        value[sizeof value - 1] = '\0';
        fl_asgi_header_t headers[] = {{"x-long", value}, {"content-length", "2"}};
        fl_asgi_message_t long_start = fl_asgi_start(200, headers, 2);
        if ((error = fl_asgi_send(w, send, &long_start))) return error;
        fl_asgi_message_t ok = fl_asgi_body("ok", 2, false);
        return fl_asgi_send(w, send, &ok);
    }
    }
    return NULL;
}

/* --- the world of one test ------------------------------------------------------ */

typedef struct harness {
    fl_world_t *world;
    fl_net_t *net;
    fl_asgi_server_t *server;
    test_app_t app;
    int status; /* what APP_STATUS answers */
    const char *request;           /* raw bytes the client sends */
    int responses_expected;
    bool head;
    int64_t close_after_ns;        /* > 0: client closes after this long instead of reading */
    int bytes_per_second;          /* > 0: the request goes out a byte at a time (slowloris) */
    raw_response_t responses[2];
    int read_status[2];
    int responses_read;
    int64_t ended_at;              /* when the client's last read ended */
    int64_t send_failed_at;        /* when a slow send was refused (0: never) */
} harness_t;

/* Sends the request a byte every 1/bytes_per_second seconds, as a
 * slowloris client does, and stops at the first failed write. */
static void send_slowly(harness_t *h, fl_world_t *w, raw_client_t *client) {
    char one[2] = {0};
    for (const char *p = h->request; *p != '\0'; p++) {
        one[0] = *p;
        if (raw_send(client, one) != FL_OK) {
            h->send_failed_at = fl_now(w);
            return;
        }
        fl_sleep(w, FL_SECONDS(1) / h->bytes_per_second);
    }
}

static fl_error_t *client_task(fl_world_t *w, void *arg) {
    harness_t *h = arg;
    raw_client_t client;
    if (raw_connect(&client, w, h->net, "server", 80) != FL_OK) return NULL;
    if (h->bytes_per_second > 0)
        send_slowly(h, w, &client);
    else if (h->request[0] != '\0')
        raw_send(&client, h->request);
    if (h->close_after_ns > 0) {
        fl_sleep(w, h->close_after_ns);
        raw_close(&client);
        return NULL;
    }
    for (int i = 0; i < h->responses_expected; i++) {
        h->read_status[i] = raw_read_response(&client, &h->responses[i], h->head);
        h->responses_read++;
        if (h->read_status[i] != FL_OK) break;
    }
    h->ended_at = fl_now(w);
    raw_close(&client);
    return NULL;
}

static void run(harness_t *h, app_mode_t mode, const char *request,
                const fl_asgi_server_options_t *options) {
    h->world = rt_world("random", 7);
    h->net = fl_simnet_create(h->world, NULL, NULL, NULL, 0);
    h->app = (test_app_t){.base = {"test app", test_app_call}, .mode = mode, .status = h->status};
    h->request = request;
    if (h->responses_expected == 0) h->responses_expected = 1;
    char error[128];
    h->server = fl_asgi_server_create(h->world, h->net, &h->app.base, options, error, sizeof error);
    assert_non_null(h->server);
    assert_int_equal(fl_asgi_server_listen(h->server, NULL, 80), FL_OK);
    fl_spawn(h->world, "client", client_task, h);
    fl_world_run(h->world); /* the server waits for more connections: a hang */
}

static size_t log_has(harness_t *h, fl_server_log_kind_t kind, const char *text) {
    return fl_server_log_matches(fl_asgi_server_log(h->server), kind, 0, text);
}

static void finish(harness_t *h) { fl_world_destroy(h->world); }

static const char GET[] = "GET /hello?x=1 HTTP/1.1\r\nHost: server\r\n\r\n";

/* --- tests -------------------------------------------------------------------------- */

static void test_hello(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_HELLO, GET, NULL);
    assert_int_equal(h.read_status[0], FL_OK);
    assert_int_equal(h.responses[0].status, 200);
    assert_int_equal(h.responses[0].body_length, 5);
    assert_memory_equal(h.responses[0].body, "hello", 5);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_REQUEST, "GET /hello"), 1);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_MESSAGE_SENT, "http.response.start 200"), 1);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR, NULL), 0);
    finish(&h);
}

/* The status line carries uvicorn's (h11's) reason phrase for each status
 * (sim/net/http_status.h), and an empty one for a code the table lacks. */
static void test_status_lines_carry_the_reason_phrase(void **state) {
    (void)state;
    static const struct {
        int status;
        const char *reason;
    } rows[] = {
        {200, "OK"},
        {201, "Created"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {413, "Request Entity Too Large"},
        {422, "Unprocessable Entity"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
        {418, "I'm a Teapot"},
        {512, ""},
        {599, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        harness_t h = {.status = rows[i].status};
        run(&h, APP_STATUS, GET, NULL);
        assert_int_equal(h.read_status[0], FL_OK);
        assert_int_equal(h.responses[0].status, rows[i].status);
        if (strcmp(h.responses[0].reason, rows[i].reason) != 0)
            fail_msg("%d: reason '%s', expected '%s'", rows[i].status, h.responses[0].reason,
                     rows[i].reason);
        assert_memory_equal(h.responses[0].body, "x", 1);
        finish(&h);
    }
}

static void test_keep_alive_and_pipelining(void **state) {
    (void)state;
    harness_t h = {.responses_expected = 2};
    run(&h, APP_HELLO,
        "GET /a HTTP/1.1\r\nHost: s\r\n\r\nGET /b HTTP/1.1\r\nHost: s\r\n\r\n", NULL);
    assert_int_equal(h.read_status[0], FL_OK);
    assert_int_equal(h.read_status[1], FL_OK);
    assert_memory_equal(h.responses[1].body, "hello", 5);
    fl_asgi_server_stats_t stats = fl_asgi_server_stats(h.server);
    assert_int_equal(stats.connections, 1);
    assert_int_equal(stats.requests, 2);
    assert_int_equal(fl_server_log_matches(fl_asgi_server_log(h.server), FL_SERVER_LOG_REQUEST, 2,
                                           "GET /b"), 1);
    finish(&h);
}

static void test_content_length_body_arrives_in_pieces(void **state) {
    (void)state;
    static char request[20100];
    int n = snprintf(request, sizeof request,
                     "POST /upload HTTP/1.1\r\nHost: s\r\nContent-Length: 20000\r\n\r\n");
    memset(request + n, 'x', 20000);
    request[n + 20000] = '\0';
    harness_t h = {0};
    run(&h, APP_ECHO_LENGTH, request, NULL);
    assert_int_equal(h.app.body_bytes, 20000);
    assert_true(h.app.request_messages > 1); /* segmentation split it */
    assert_int_equal(h.responses[0].status, 200);
    assert_memory_equal(h.responses[0].body, "20000", 5);
    char value[32];
    assert_true(raw_header(&h.responses[0], "transfer-encoding", value, sizeof value));
    assert_string_equal(value, "chunked");
    finish(&h);
}

static void test_chunked_request_body(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_ECHO_LENGTH,
        "POST / HTTP/1.1\r\nHost: s\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", NULL);
    assert_int_equal(h.app.body_bytes, 11);
    assert_memory_equal(h.responses[0].body, "11", 2);
    finish(&h);
}

static void test_disconnect_is_repeated(void **state) {
    (void)state;
    harness_t h = {.close_after_ns = FL_MS(100)};
    run(&h, APP_WAIT_DISCONNECT, GET, NULL);
    assert_true(h.app.disconnect_at >= FL_MS(100));
    assert_int_equal(log_has(&h, FL_SERVER_LOG_DISCONNECT, NULL), 1);
    /* The app returned without a response, but the client had left: no
     * error is logged for it. */
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR, NULL), 0);
    finish(&h);
}

static void test_receive_after_completion_is_disconnect(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_RESPOND_THEN_RECEIVE, GET, NULL);
    assert_int_equal(h.app.disconnects_seen, 1);
    assert_int_equal(h.read_status[0], FL_OK);
    finish(&h);
}

static void test_send_after_disconnect_is_dropped_under_2_3(void **state) {
    (void)state;
    harness_t h = {.close_after_ns = FL_MS(10)};
    run(&h, APP_SEND_AFTER_DISCONNECT, GET, &(fl_asgi_server_options_t){.spec_version = "2.3"});
    assert_null(h.app.send_error);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR, NULL), 0);
    finish(&h);
}

static void test_send_after_disconnect_raises_under_2_4(void **state) {
    (void)state;
    harness_t h = {.close_after_ns = FL_MS(10)};
    run(&h, APP_SEND_AFTER_DISCONNECT, GET, &(fl_asgi_server_options_t){.spec_version = "2.4"});
    assert_non_null(h.app.send_error);
    assert_int_equal(h.app.send_error->kind, FL_ERR_CLIENT_DISCONNECT);
    assert_true(fl_error_is(h.app.send_error, FL_ERR_OS_ERROR));
    finish(&h);
}

static void test_second_start_is_an_error(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_DOUBLE_START, GET, NULL);
    assert_non_null(h.app.send_error);
    assert_string_equal(h.app.send_error->message,
                        "Expected ASGI message 'http.response.body', but got 'http.response.start'.");
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR, "Exception in ASGI application"), 1);
    assert_int_equal(h.read_status[0], FL_EEOF); /* started, then cut off */
    finish(&h);
}

static void test_body_before_start_is_an_error(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_BODY_FIRST, GET, NULL);
    assert_string_equal(h.app.send_error->message,
                        "Expected ASGI message 'http.response.start', but got 'http.response.body'.");
    assert_int_equal(h.responses[0].status, 500);
    finish(&h);
}

static void test_message_after_completion_is_an_error(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_AFTER_COMPLETE, GET, NULL);
    assert_non_null(h.app.send_error);
    assert_string_equal(h.app.send_error->message,
                        "Unexpected ASGI message 'http.response.body' sent, after response already "
                        "completed.");
    assert_int_equal(h.responses[0].status, 200); /* the real response went out */
    finish(&h);
}

static void test_return_without_start_gives_500(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_NO_START, GET, NULL);
    assert_int_equal(h.responses[0].status, 500);
    assert_memory_equal(h.responses[0].body, "Internal Server Error", 21);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR,
                             "ASGI callable returned without starting response."), 1);
    finish(&h);
}

static void test_raise_before_start_gives_500(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_RAISE_BEFORE_START, GET, NULL);
    assert_int_equal(h.responses[0].status, 500);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR,
                             "Exception in ASGI application: ValueError: boom"), 1);
    finish(&h);
}

static void test_raise_after_start_truncates(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_RAISE_AFTER_START, GET, NULL);
    assert_int_equal(h.read_status[0], FL_EEOF);
    assert_false(h.responses[0].complete);
    assert_int_equal(h.responses[0].status, 200);
    assert_int_equal(h.responses[0].body_length, 4); /* "part", then nothing */
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR, "ValueError: mid-stream"), 1);
    finish(&h);
}

/* An exception is logged even when the client has already left (uvicorn:
 * that is how "No response returned." reached users' logs); no 500 is sent
 * to nobody. */
static void test_exception_after_client_left_is_logged(void **state) {
    (void)state;
    harness_t h = {.close_after_ns = FL_MS(10)};
    run(&h, APP_RAISE_AFTER_DISCONNECT, GET, NULL);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR,
                             "Exception in ASGI application: ValueError: after the client left"), 1);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_DISCONNECT, NULL), 1);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_MESSAGE_SENT, NULL), 0);
    finish(&h);
}

/* uvicorn (httptools) refuses a body that does not add up to the declared
 * content-length: send raises RuntimeError into the app, which (not catching
 * it) ends with "Exception in ASGI application" logged and the connection
 * closed, so the client sees the body cut short at once instead of waiting
 * for bytes that never come. */
static void test_body_short_of_content_length_is_refused(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_SHORT_OF_LENGTH, GET, NULL);
    assert_non_null(h.app.send_error);
    assert_int_equal(h.app.send_error->kind, FL_ERR_RUNTIME_ERROR);
    assert_string_equal(h.app.send_error->message, "Response content shorter than Content-Length");
    assert_int_equal(h.read_status[0], FL_EEOF);
    assert_false(h.responses[0].complete);
    assert_int_equal(h.responses[0].body_length, 2);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR,
                             "Exception in ASGI application: RuntimeError: "
                             "Response content shorter than Content-Length"), 1);
    finish(&h);
}

/* Too much: the chunk that would pass the declared length is not written. */
static void test_body_past_content_length_is_refused(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_PAST_LENGTH, GET, NULL);
    assert_non_null(h.app.send_error);
    assert_int_equal(h.app.send_error->kind, FL_ERR_RUNTIME_ERROR);
    assert_string_equal(h.app.send_error->message, "Response content longer than Content-Length");
    assert_int_equal(h.read_status[0], FL_EEOF);
    assert_false(h.responses[0].complete);
    assert_int_equal(h.responses[0].body_length, 5);
    assert_memory_equal(h.responses[0].body, "hello", 5);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR,
                             "RuntimeError: Response content longer than Content-Length"), 1);
    finish(&h);
}

/* An app that swallows the error has still not completed its response. */
static void test_body_short_of_content_length_caught_still_closes(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_SHORT_OF_LENGTH_CAUGHT, GET, NULL);
    assert_non_null(h.app.send_error);
    assert_int_equal(h.read_status[0], FL_EEOF);
    assert_int_equal(h.responses[0].body_length, 2);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR,
                             "ASGI callable returned without completing response."), 1);
    finish(&h);
}

static void test_malformed_request_gets_400(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_HELLO, "GARBAGE\r\n\r\n", NULL);
    assert_int_equal(h.responses[0].status, 400);
    assert_int_equal(h.app.calls, 0);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR, "Invalid HTTP request received."), 1);
    finish(&h);
}

/* The server's refusal, framed as uvicorn's (h11) send_400_response: the
 * content type, "Connection: close", no length: the close delimits it. */
static void test_a_refusal_is_framed_as_uvicorns(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_HELLO, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", NULL);
    assert_int_equal(h.responses[0].status, 400);
    assert_string_equal(h.responses[0].headers,
                        "content-type: text/plain; charset=utf-8\nConnection: close\n");
    assert_int_equal(h.responses[0].body_length, 30);
    assert_memory_equal(h.responses[0].body, "Invalid HTTP request received.", 30);
    assert_int_equal(h.app.calls, 0);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR, "(duplicate Host header)"), 1);
    finish(&h);
}

/* uvicorn's send_500_response goes out as an app's response would: chunked
 * to HTTP/1.1, close-delimited to HTTP/1.0, with "connection: close". */
static void test_the_500_is_framed_as_uvicorns(void **state) {
    (void)state;
    static const struct {
        const char *request, *headers;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: s\r\n\r\n",
         "content-type: text/plain; charset=utf-8\nconnection: close\n"
         "transfer-encoding: chunked\n"},
        {"GET / HTTP/1.0\r\n\r\n", "content-type: text/plain; charset=utf-8\nconnection: close\n"},
    };
    for (size_t i = 0; i < 2; i++) {
        harness_t h = {.responses_expected = 2};
        run(&h, APP_NO_START, cases[i].request, NULL);
        assert_int_equal(h.read_status[0], FL_OK);
        assert_int_equal(h.responses[0].status, 500);
        assert_string_equal(h.responses[0].headers, cases[i].headers);
        assert_int_equal(h.responses[0].body_length, 21);
        assert_memory_equal(h.responses[0].body, "Internal Server Error", 21);
        assert_int_equal(h.read_status[1], FL_EEOF); /* and closed */
        finish(&h);
    }
}

/* The scope's path is decoded as uvicorn's unquote(raw_path); raw_path is
 * the target as sent up to '?'; an absolute-form target gives its path. */
static void test_the_scope_has_the_decoded_path_and_the_raw_one(void **state) {
    (void)state;
    static const struct {
        const char *target, *echo;
    } cases[] = {
        {"/a%20b/%2Fc?x=%20", "/a b//c|/a%20b/%2Fc|x=%20"},
        {"/caf%C3%A9", "/caf\xc3\xa9|/caf%C3%A9|"},
        {"http://example.com/abs/p?q=1", "/abs/p|/abs/p|q=1"},
        {"http://example.com", "/|/|"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char request[256];
        snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: s\r\n\r\n", cases[i].target);
        harness_t h = {0};
        run(&h, APP_ECHO_TARGET, request, NULL);
        assert_int_equal(h.responses[0].status, 200);
        assert_int_equal(h.responses[0].body_length, strlen(cases[i].echo));
        assert_memory_equal(h.responses[0].body, cases[i].echo, strlen(cases[i].echo));
        finish(&h);
    }
}

static void test_header_limit_gives_431(void **state) {
    (void)state;
    static char request[4096];
    int n = snprintf(request, sizeof request, "GET / HTTP/1.1\r\nX-Big: ");
    memset(request + n, 'a', 2000);
    strcpy(request + n + 2000, "\r\n\r\n");
    harness_t h = {0};
    run(&h, APP_HELLO, request, &(fl_asgi_server_options_t){.header_bytes_max = 1024});
    assert_int_equal(h.responses[0].status, 431);
    assert_int_equal(h.app.calls, 0);
    finish(&h);
}

static void test_body_limit_gives_413(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_ECHO_LENGTH, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
        &(fl_asgi_server_options_t){.body_bytes_max = 1000});
    assert_int_equal(h.responses[0].status, 413);
    finish(&h);
}

/* A chunked body declares no length: the limit is counted as it arrives.
 * It used to be checked against Content-Length only, so a chunked body of
 * any size went through. */
static void test_chunked_body_past_the_limit_gives_413(void **state) {
    (void)state;
    harness_t h = {0};
    fl_asgi_server_options_t options = {.body_bytes_max = 4};
    run(&h, APP_ECHO_LENGTH,
        "POST /e HTTP/1.1\r\nHost: s\r\nTransfer-Encoding: chunked\r\n\r\n"
        "a\r\n0123456789\r\n0\r\n\r\n",
        &options);
    assert_int_equal(h.read_status[0], FL_OK);
    assert_int_equal(h.responses[0].status, 413);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR, "Request body too large"), 1);
    assert_int_equal(fl_asgi_server_stats(h.server).bad_requests, 1);
    finish(&h);
}

/* A declared length past the limit is refused before a byte of the body:
 * 413 with h11's reason phrase, then the connection closes. The largest
 * length a header can hold (2^64 - 1) used to be taken for "no length": the
 * app waited for a body that could never be held and nothing was answered. */
static void test_declared_length_past_the_limit_gets_413_at_once(void **state) {
    (void)state;
    static const char *const lengths[] = {"18446744073709551615", "8388609"};
    for (size_t i = 0; i < 2; i++) {
        char request[128];
        snprintf(request, sizeof request,
                 "POST /up HTTP/1.1\r\nHost: s\r\nContent-Length: %s\r\n\r\n", lengths[i]);
        harness_t h = {.responses_expected = 2};
        run(&h, APP_ECHO_LENGTH, request, NULL);
        assert_int_equal(h.read_status[0], FL_OK);
        assert_int_equal(h.responses[0].status, 413);
        assert_string_equal(h.responses[0].reason, "Request Entity Too Large");
        assert_int_equal(h.read_status[1], FL_EEOF); /* and closed */
        assert_int_equal(h.app.calls, 0);
        assert_true(h.ended_at < FL_SECONDS(1)); /* at once, not after a timeout */
        finish(&h);
    }
}

/* Slowloris: a head sent a byte a second never completes within the header
 * timeout (5 s from its first byte by default); the connection is closed
 * then, without an answer, and the app is never called. */
static void test_slow_request_head_is_closed_after_the_header_timeout(void **state) {
    (void)state;
    harness_t h = {.bytes_per_second = 1};
    run(&h, APP_HELLO, GET, NULL);
    assert_int_not_equal(h.read_status[0], FL_OK);
    assert_int_equal(h.app.calls, 0);
    assert_int_equal(fl_asgi_server_stats(h.server).timeouts, 1);
    assert_int_equal(fl_server_log_matches_between(fl_asgi_server_log(h.server), FL_SERVER_LOG_NOTE,
                                                   0, "Request head not complete after 5000 ms",
                                                   FL_SECONDS(5), FL_SECONDS(6)), 1);
    /* Cut off long before the head's 41 bytes could all go out. */
    assert_true(h.send_failed_at > FL_SECONDS(5) && h.send_failed_at < FL_SECONDS(10));
    finish(&h);
}

/* Half a head, then nothing: closed once the (option's) header timeout
 * passes. */
static void test_half_a_head_is_closed_after_the_option_timeout(void **state) {
    (void)state;
    harness_t h = {0};
    fl_asgi_server_options_t options = {.header_timeout_ns = FL_SECONDS(2),
                                        .keep_alive_timeout_ns = FL_SECONDS(60)};
    run(&h, APP_HELLO, "GET /hello HTTP/1.1\r\nHost: s\r\n", &options);
    assert_int_equal(h.read_status[0], FL_EEOF);
    assert_true(h.ended_at >= FL_SECONDS(2) && h.ended_at < FL_SECONDS(3));
    assert_int_equal(h.app.calls, 0);
    finish(&h);
}

/* A head that completes in time is answered, however slowly it came. */
static void test_slow_head_within_the_timeout_is_answered(void **state) {
    (void)state;
    harness_t h = {.bytes_per_second = 10};
    run(&h, APP_HELLO, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", NULL);
    assert_int_equal(h.read_status[0], FL_OK);
    assert_int_equal(h.responses[0].status, 200);
    finish(&h);
}

/* uvicorn's timeout_keep_alive (5 s): a connection with no request in
 * progress is closed after that long idle, whether it never sent a request
 * or is between two. */
static void test_idle_connection_is_closed_after_the_keep_alive_timeout(void **state) {
    (void)state;
    harness_t never = {0};
    run(&never, APP_HELLO, "", NULL);
    assert_int_equal(never.read_status[0], FL_EEOF);
    assert_true(never.ended_at >= FL_SECONDS(5) && never.ended_at < FL_SECONDS(6));
    assert_int_equal(fl_asgi_server_stats(never.server).timeouts, 1);
    assert_int_equal(log_has(&never, FL_SERVER_LOG_NOTE, "keep-alive"), 1);
    finish(&never);
    harness_t between = {.responses_expected = 2};
    run(&between, APP_HELLO, GET, &(fl_asgi_server_options_t){.keep_alive_timeout_ns = FL_SECONDS(3)});
    assert_int_equal(between.read_status[0], FL_OK);
    assert_int_equal(between.read_status[1], FL_EEOF);
    assert_true(between.ended_at >= FL_SECONDS(3) && between.ended_at < FL_SECONDS(4));
    finish(&between);
}

/* A negative timeout is no limit: the idle connection stays open until the
 * client leaves. */
static void test_negative_timeouts_are_no_limit(void **state) {
    (void)state;
    harness_t h = {.close_after_ns = FL_SECONDS(30)};
    fl_asgi_server_options_t options = {.header_timeout_ns = -1, .keep_alive_timeout_ns = -1};
    run(&h, APP_HELLO, "GET / HTTP/1.1\r\n", &options);
    assert_int_equal(fl_asgi_server_stats(h.server).timeouts, 0);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_NOTE, NULL), 0);
    finish(&h);
}

static void test_head_has_no_body(void **state) {
    (void)state;
    harness_t h = {.head = true};
    run(&h, APP_ECHO_LENGTH, "HEAD / HTTP/1.1\r\nHost: s\r\n\r\n", NULL);
    assert_int_equal(h.read_status[0], FL_OK);
    assert_int_equal(h.responses[0].status, 200);
    assert_int_equal(h.responses[0].body_length, 0);
    finish(&h);
}

static void test_invalid_spec_version_is_refused(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_net_t *net = fl_simnet_create(w, NULL, NULL, NULL, 0);
    test_app_t app = {.base = {"test app", test_app_call}};
    char error[128];
    assert_null(fl_asgi_server_create(w, net, &app.base,
                                      &(fl_asgi_server_options_t){.spec_version = "3.0"}, error,
                                      sizeof error));
    assert_non_null(strstr(error, "unknown ASGI spec version '3.0'"));
    fl_world_destroy(w);
}

/* Entries read "kind text" whatever the text's length: short texts take a
 * one-pass path, long ones are formatted again at full size. */
/* A header line longer than the server's line buffer goes out whole. It
 * used to be cut at 511 bytes, CRLF and all, and the response head was
 * malformed. */
static void test_a_long_response_header_goes_out_whole(void **state) {
    (void)state;
    harness_t h = {0};
    run(&h, APP_LONG_HEADER, GET, NULL);
    assert_int_equal(h.read_status[0], FL_OK);
    assert_int_equal(h.responses[0].status, 200);
    char value[1100];
    assert_true(raw_header(&h.responses[0], "x-long", value, sizeof value));
    assert_int_equal(strlen(value), 1000);
    assert_int_equal(strspn(value, "v"), 1000);
    assert_memory_equal(h.responses[0].body, "ok", 2);
    finish(&h);
}

/* A client that pipelines past the limit (header + body maximum) while a
 * cycle runs is dropped, and the log says why. */
static void test_pipelining_past_the_limit_is_dropped_and_logged(void **state) {
    (void)state;
    harness_t h = {0};
    fl_asgi_server_options_t options = {.header_bytes_max = 64, .body_bytes_max = 64};
    run(&h, APP_WAIT_DISCONNECT,
        "GET /1 HTTP/1.1\r\nHost: s\r\n\r\n"
        "GET /2 HTTP/1.1\r\nHost: s\r\n\r\nGET /3 HTTP/1.1\r\nHost: s\r\n\r\n"
        "GET /4 HTTP/1.1\r\nHost: s\r\n\r\nGET /5 HTTP/1.1\r\nHost: s\r\n\r\n"
        "GET /6 HTTP/1.1\r\nHost: s\r\n\r\nGET /7 HTTP/1.1\r\nHost: s\r\n\r\n",
        &options);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_ERROR, "Too much pipelined data"), 1);
    assert_int_equal(log_has(&h, FL_SERVER_LOG_DISCONNECT, NULL), 1);
    assert_int_equal(fl_asgi_server_stats(h.server).requests, 1);
    finish(&h);
}

static void test_log_entries_keep_short_and_long_texts(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_server_log_t *log = fl_server_log_create(w);
    char long_text[700];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    fl_server_log_add(log, FL_SERVER_LOG_NOTE, 1, 0, "short %d", 7);
    fl_server_log_add(log, FL_SERVER_LOG_NOTE, 2, 0, "long %s!", long_text);
    assert_int_equal(fl_server_log_count(log), 2);
    assert_string_equal(fl_server_log_entry(log, 0)->text, "note short 7");
    const char *text = fl_server_log_entry(log, 1)->text;
    assert_int_equal(strlen(text), strlen("note long !") + strlen(long_text));
    assert_int_equal(strncmp(text, "note long xxx", 13), 0);
    assert_int_equal(text[strlen(text) - 1], '!');
    assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_NOTE, 0, "short"), 1);
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello),
        cmocka_unit_test(test_status_lines_carry_the_reason_phrase),
        cmocka_unit_test(test_log_entries_keep_short_and_long_texts),
        cmocka_unit_test(test_keep_alive_and_pipelining),
        cmocka_unit_test(test_a_long_response_header_goes_out_whole),
        cmocka_unit_test(test_pipelining_past_the_limit_is_dropped_and_logged),
        cmocka_unit_test(test_content_length_body_arrives_in_pieces),
        cmocka_unit_test(test_chunked_request_body),
        cmocka_unit_test(test_disconnect_is_repeated),
        cmocka_unit_test(test_receive_after_completion_is_disconnect),
        cmocka_unit_test(test_send_after_disconnect_is_dropped_under_2_3),
        cmocka_unit_test(test_send_after_disconnect_raises_under_2_4),
        cmocka_unit_test(test_second_start_is_an_error),
        cmocka_unit_test(test_body_before_start_is_an_error),
        cmocka_unit_test(test_message_after_completion_is_an_error),
        cmocka_unit_test(test_return_without_start_gives_500),
        cmocka_unit_test(test_raise_before_start_gives_500),
        cmocka_unit_test(test_raise_after_start_truncates),
        cmocka_unit_test(test_exception_after_client_left_is_logged),
        cmocka_unit_test(test_body_short_of_content_length_is_refused),
        cmocka_unit_test(test_body_past_content_length_is_refused),
        cmocka_unit_test(test_body_short_of_content_length_caught_still_closes),
        cmocka_unit_test(test_malformed_request_gets_400),
        cmocka_unit_test(test_a_refusal_is_framed_as_uvicorns),
        cmocka_unit_test(test_the_500_is_framed_as_uvicorns),
        cmocka_unit_test(test_the_scope_has_the_decoded_path_and_the_raw_one),
        cmocka_unit_test(test_header_limit_gives_431),
        cmocka_unit_test(test_body_limit_gives_413),
        cmocka_unit_test(test_chunked_body_past_the_limit_gives_413),
        cmocka_unit_test(test_declared_length_past_the_limit_gets_413_at_once),
        cmocka_unit_test(test_slow_request_head_is_closed_after_the_header_timeout),
        cmocka_unit_test(test_half_a_head_is_closed_after_the_option_timeout),
        cmocka_unit_test(test_slow_head_within_the_timeout_is_answered),
        cmocka_unit_test(test_idle_connection_is_closed_after_the_keep_alive_timeout),
        cmocka_unit_test(test_negative_timeouts_are_no_limit),
        cmocka_unit_test(test_head_has_no_body),
        cmocka_unit_test(test_invalid_spec_version_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
