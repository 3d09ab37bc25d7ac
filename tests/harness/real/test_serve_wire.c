/* Fidelity on the wire: `faultline serve` and real uvicorn (Debian's
 * python3-uvicorn, h11) side by side, given the same bytes by the same raw
 * socket client, as test_serve_uvicorn.c does. Each case states what both
 * must do, and checks uvicorn does it too, so the reference is measured,
 * not remembered. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/real/serve.h"
#include "tests/support/loopback.h"

/* The same routes for both servers: / answers "ok" with a length; /close
 * says "connection: close" itself; /stream streams "ab" twice with no
 * length; POST /read reads the whole body, then answers "read"; /status
 * answers 422 and /unregistered 599, a code no registry names; /abs
 * answers "abs"; /nostart returns without starting a response. uvicorn
 * routes "/a b" and /dir/ through a Starlette 0.26 Router (its
 * redirect_slashes on, the default), as faultline's router does. */
static const char SCENARIO[] =
    "name: wire fidelity\n"
    "server:\n  routes:\n"
    "    - path: /\n      steps:\n        - respond: {status: 200, body: ok}\n"
    "    - method: POST\n      path: /\n      steps:\n        - respond: {status: 200, body: ok}\n"
    "    - path: /close\n      steps:\n"
    "        - respond: {status: 200, body: hi, headers: {connection: close}}\n"
    "    - path: /stream\n      steps:\n        - stream: {chunks: 2, text: ab}\n"
    "    - method: POST\n      path: /read\n      steps:\n        - read_body: {}\n"
    "        - respond: {status: 200, body: read}\n"
    "    - path: /status\n      steps:\n        - respond: {status: 422, body: s}\n"
    "    - path: /unregistered\n      steps:\n        - respond: {status: 599, body: s}\n"
    "    - path: /abs\n      steps:\n        - respond: {status: 200, body: abs}\n"
    "    - path: /nostart\n      steps:\n        - sleep: 0ms\n"
    "    - path: /a b\n      steps:\n        - respond: {status: 200, body: decoded}\n"
    "    - path: /dir/\n      steps:\n        - respond: {status: 200, body: dir}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - sleep: 0ms\n";

static const char UVICORN_APP[] =
    "import sys, uvicorn\n"
    "from starlette.routing import Router, Route\n"
    "from starlette.responses import PlainTextResponse\n"
    "async def decoded(request): return PlainTextResponse('decoded')\n"
    "async def directory(request): return PlainTextResponse('dir')\n"
    "router = Router([Route('/a b', decoded), Route('/dir/', directory)])\n"
    "async def app(scope, receive, send):\n"
    "    if scope['type'] != 'http': return\n"
    "    p = scope['path']\n"
    "    if p == '/nostart': return\n"
    "    if p.startswith(('/a b', '/dir')): return await router(scope, receive, send)\n"
    "    if p == '/stream':\n"
    "        await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
    "        await send({'type': 'http.response.body', 'body': b'ab', 'more_body': True})\n"
    "        await send({'type': 'http.response.body', 'body': b'ab'})\n"
    "        return\n"
    "    if p in ('/status', '/unregistered'):\n"
    "        await send({'type': 'http.response.start', 'status': 422 if p == '/status' else 599,\n"
    "                    'headers': [(b'content-length', b'1')]})\n"
    "        await send({'type': 'http.response.body', 'body': b's'})\n"
    "        return\n"
    "    if p == '/read':\n"
    "        while (await receive()).get('more_body'): pass\n"
    "    body = {'/close': b'hi', '/read': b'read', '/abs': b'abs'}.get(p, b'ok')\n"
    "    headers = [(b'content-length', str(len(body)).encode())]\n"
    "    if p == '/close': headers.append((b'connection', b'close'))\n"
    "    await send({'type': 'http.response.start', 'status': 200, 'headers': headers})\n"
    "    await send({'type': 'http.response.body', 'body': body})\n"
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='critical')\n";

typedef struct exchange {
    char text[8192]; /* all the server sent, NUL-terminated */
    size_t length;
    bool closed; /* the server closed before the read timeout */
} exchange_t;

/* Sends first; if rest is not NULL, reads what comes within pause_ms (into
 * the text too), then sends rest; then reads until the close or 1.5 s of
 * silence. */
static void talk(uint16_t port, const char *first, int pause_ms, const char *rest,
                 exchange_t *out) {
    memset(out, 0, sizeof *out);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(write(fd, first, strlen(first)), (ssize_t)strlen(first));
    ssize_t r = 0;
    if (rest != NULL) {
        struct timeval pause = {.tv_sec = pause_ms / 1000, .tv_usec = (pause_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &pause, sizeof pause);
        r = read(fd, out->text, sizeof out->text - 1);
        if (r > 0) out->length = (size_t)r;
        /* Not asserted: a server that answered without reading may be gone. */
        (void)!write(fd, rest, strlen(rest));
    }
    struct timeval timeout = {.tv_sec = 1, .tv_usec = 500000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    while (out->length < sizeof out->text - 1 &&
           (r = read(fd, out->text + out->length, sizeof out->text - 1 - out->length)) > 0)
        out->length += (size_t)r;
    out->text[out->length] = '\0';
    out->closed = r == 0;
    close(fd);
}

/* How many responses (status lines, 100 Continue included) the text holds. */
static int status_lines(const char *text) {
    int count = 0;
    for (const char *p = text; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++) count++;
    return count;
}

/* The body after the last head. */
static const char *last_body(const char *text) {
    const char *body = text;
    for (const char *p = text; (p = strstr(p, "\r\n\r\n")) != NULL; p += 4) body = p + 4;
    return body;
}

static void wait_listening(uint16_t port) {
    for (int i = 0; i < 200 && !loopback_accepts(port); i++) loopback_sleep_ms(25);
    assert_true(loopback_accepts(port));
}

typedef struct servers {
    char path[64];
    uint16_t ports[2]; /* faultline, uvicorn */
    pid_t children[2];
} servers_t;

static int start(void **state) {
    servers_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    signal(SIGPIPE, SIG_IGN); /* a write to a server that closed fails, not kills */
    if (system("/usr/bin/python3 -c 'import uvicorn' 2>/dev/null") != 0)
        fail_msg("python3-uvicorn is missing: make deps installs it");
    snprintf(s->path, sizeof s->path, "/tmp/faultline-wire-XXXXXX");
    int fd = mkstemp(s->path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, SCENARIO, sizeof SCENARIO - 1), (ssize_t)(sizeof SCENARIO - 1));
    close(fd);
    s->ports[0] = loopback_free_port();
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", s->ports[0]);
    if ((s->children[0] = fork()) == 0) {
        alarm(90);
        FILE *devnull = fopen("/dev/null", "w");
        char *argv[] = {"serve", s->path, "--listen", listen, "--duration", "60", NULL};
        _exit(fl_cli_serve(6, argv, devnull, devnull));
    }
    s->ports[1] = loopback_free_port();
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%u", s->ports[1]);
    if ((s->children[1] = fork()) == 0) {
        alarm(90);
        execl("/usr/bin/python3", "python3", "-c", UVICORN_APP, port_text, (char *)NULL);
        _exit(127);
    }
    wait_listening(s->ports[0]);
    wait_listening(s->ports[1]);
    *state = s;
    return 0;
}

static int stop(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        kill(s->children[i], SIGTERM);
        int status;
        waitpid(s->children[i], &status, 0);
    }
    unlink(s->path);
    free(s);
    return 0;
}

static const char *const NAMES[] = {"faultline", "uvicorn"};

/* The app's "connection: close" is honoured: its response, then the close;
 * the pipelined request after it is not answered. */
static void test_app_connection_close_is_honoured(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i], "GET /close HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
             0, NULL, &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_int_equal(status_lines(e.text), 1);
        assert_true(strncmp(e.text, "HTTP/1.1 200 OK\r\n", 17) == 0);
        assert_non_null(strcasestr(e.text, "\r\nconnection: close\r\n"));
        assert_string_equal(last_body(e.text), "hi");
        assert_true(e.closed);
    }
}

/* A streamed response (no content-length) to HTTP/1.0 is delimited by the
 * close (RFC 9112 §6.1): no transfer-encoding, the body raw, then the close. */
static void test_http_1_0_stream_is_close_delimited(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i], "GET /stream HTTP/1.0\r\n\r\n", 0, NULL, &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_int_equal(status_lines(e.text), 1);
        assert_true(strncmp(e.text, "HTTP/1.1 200 OK\r\n", 17) == 0);
        assert_null(strcasestr(e.text, "transfer-encoding"));
        assert_null(strcasestr(e.text, "content-length"));
        assert_non_null(strcasestr(e.text, "\r\nconnection: close\r\n"));
        assert_string_equal(last_body(e.text), "abab");
        assert_true(e.closed);
    }
}

/* HTTP/1.0 asking for keep-alive is still closed after its response, with
 * "connection: close" said (h11 never keeps 1.0 alive); what it pipelined
 * after is not answered. uvicorn answers that with a 400 instead of the
 * first response; faultline answers the first and only the first. */
static void test_http_1_0_keep_alive_is_closed(void **state) {
    servers_t *s = *state;
    static const char *const requests[] = {
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
    };
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 2; i++) {
            exchange_t e;
            talk(s->ports[i], requests[r], 0, NULL, &e);
            print_message("%s: %s\n", NAMES[i], e.text);
            assert_int_equal(status_lines(e.text), 1);
            assert_true(e.closed);
            if (r == 1 && i == 1) continue; /* uvicorn's 400, above */
            assert_true(strncmp(e.text, "HTTP/1.1 200 OK\r\n", 17) == 0);
            assert_non_null(strcasestr(e.text, "\r\nconnection: close\r\n"));
            assert_string_equal(last_body(e.text), "ok");
        }
    }
}

/* "Expect: 100-continue": the 100 comes when the app first asks for the
 * body, so a client that waits for it (curl) sends the body at once. The
 * client here waits 500 ms before sending it: the 100 must have come. */
static void test_continue_when_the_app_reads(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i],
             "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
             "Expect: 100-continue\r\n\r\n",
             500, "abc", &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_int_equal(status_lines(e.text), 2);
        assert_true(strncmp(e.text, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", 42) == 0);
        assert_string_equal(last_body(e.text), "read");
    }
}

/* The 100 is sent even when the body came with the head (uvicorn sends it
 * so too), and never to HTTP/1.0, which knows no interim responses. */
static void test_continue_with_the_body_and_not_for_1_0(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i],
             "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
             "Expect: 100-continue\r\n\r\nabc",
             0, NULL, &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_true(strncmp(e.text, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", 42) == 0);
        talk(s->ports[i],
             "POST /read HTTP/1.0\r\nContent-Length: 3\r\n"
             "Expect: 100-continue\r\n\r\n",
             500, "abc", &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_int_equal(status_lines(e.text), 1);
        assert_true(strncmp(e.text, "HTTP/1.1 200 OK\r\n", 17) == 0);
        assert_true(e.closed);
    }
}

/* An app that answers without reading: the final response alone, no 100. */
static void test_no_continue_when_the_app_does_not_read(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i],
             "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
             "Expect: 100-continue\r\n\r\n",
             500, "abc", &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_int_equal(status_lines(e.text), 1);
        assert_true(strncmp(e.text, "HTTP/1.1 200 OK\r\n", 17) == 0);
        assert_string_equal(last_body(e.text), "ok");
    }
}

/* curl sends Expect for a large body (7.88: over 1 MiB; older ones over
 * 1 KiB) and waits for the 100 (up to --expect100-timeout) before the
 * body: the server's 100 Continue is in curl's own account of the
 * exchange, before the final 200. Without it curl would wait out the
 * timeout and send anyway, and no 100 would be there. */
static void test_curl_upload_gets_its_100_continue(void **state) {
    servers_t *s = *state;
    if (system("command -v curl >/dev/null") != 0) skip();
    char command[512];
    snprintf(command, sizeof command,
             "f=$(mktemp) && head -c 2000000 /dev/zero > \"$f\" && "
             "curl -sv -o /dev/null --expect100-timeout 30 --max-time 60 "
             "--data-binary @\"$f\" http://127.0.0.1:%u/read 2>&1; rm -f \"$f\"",
             s->ports[0]);
    FILE *out = popen(command, "r");
    assert_non_null(out);
    static char said[65536];
    size_t n = fread(said, 1, sizeof said - 1, out);
    said[n] = '\0';
    pclose(out);
    const char *expect = strstr(said, "> Expect: 100-continue");
    const char *continued = strstr(said, "< HTTP/1.1 100 Continue");
    const char *final = strstr(said, "< HTTP/1.1 200 OK");
    if (expect == NULL || continued == NULL || final == NULL) print_message("%s\n", said);
    assert_non_null(expect);
    assert_non_null(continued);
    assert_non_null(final);
    assert_true(expect < continued && continued < final);
}

/* The status line's reason phrase is uvicorn's, from the one table
 * (sim/net/http_status.h); a code outside it gets an empty phrase. */
static void test_reason_phrases_are_uvicorns(void **state) {
    servers_t *s = *state;
    static const char *const paths[] = {"/status", "/unregistered"};
    static const char *const lines[] = {"HTTP/1.1 422 Unprocessable Entity\r\n",
                                        "HTTP/1.1 599 \r\n"};
    for (int p = 0; p < 2; p++) {
        for (int i = 0; i < 2; i++) {
            char request[128];
            snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[p]);
            exchange_t e;
            talk(s->ports[i], request, 0, NULL, &e);
            print_message("%s: %.40s\n", NAMES[i], e.text);
            assert_true(strncmp(e.text, lines[p], strlen(lines[p])) == 0);
            assert_string_equal(last_body(e.text), "s");
        }
    }
}

/* Both answer a refused request with uvicorn's 400 and close. */
static void assert_refused_400(const exchange_t *e) {
    assert_int_equal(status_lines(e->text), 1);
    assert_true(strncmp(e->text, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
    assert_string_equal(last_body(e->text), "Invalid HTTP request received.");
    assert_true(e->closed);
}

/* RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400 (h11 says so). */
static void test_http_1_1_without_host_is_400(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i], "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 0, NULL, &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_refused_400(&e);
    }
}

/* Content-Length with Transfer-Encoding (RFC 9112 §6.1, a smuggling
 * shape): faultline answers 400 and closes (llhttp refuses it). Where we
 * differ: uvicorn's h11 (0.14) frames the body by the chunks, ignores the
 * length and answers 200 on a connection kept open. */
static void test_content_length_with_transfer_encoding_is_400(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i],
             "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
             "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
             0, NULL, &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        if (i == 0) {
            assert_refused_400(&e);
            continue;
        }
        assert_int_equal(status_lines(e.text), 1);
        assert_true(strncmp(e.text, "HTTP/1.1 200 OK\r\n", 17) == 0);
        assert_string_equal(last_body(e.text), "ok");
        assert_false(e.closed);
    }
}

/* RFC 9112 §5.1: whitespace between a header name and its colon is a 400
 * (h11 refuses it; llhttp alone would let a space through). */
static void test_whitespace_before_the_colon_is_400(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i], "GET / HTTP/1.1\r\nHost: x\r\nFoo : y\r\n\r\n", 0, NULL, &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_refused_400(&e);
    }
}

/* Where we differ, measured: a method llhttp does not know (FOO, a valid
 * token) and HTTP/1.2 are refused by faultline with 400 and the close
 * (llhttp knows its methods by name, and 1.0 and 1.1 only, with none of its
 * lenient flags set); uvicorn's h11 takes any token as a method and 1.2 as
 * 1.1, answering the app's 200 on a connection kept open. */
static void test_unknown_method_and_http_1_2_differ(void **state) {
    servers_t *s = *state;
    static const char *const requests[] = {
        "FOO / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.2\r\nHost: x\r\n\r\n",
    };
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 2; i++) {
            exchange_t e;
            talk(s->ports[i], requests[r], 0, NULL, &e);
            print_message("%s: %s\n", NAMES[i], e.text);
            if (i == 0) {
                assert_refused_400(&e);
                continue;
            }
            assert_true(strncmp(e.text, "HTTP/1.1 200 OK\r\n", 17) == 0);
            assert_string_equal(last_body(e.text), "ok");
            assert_false(e.closed);
        }
    }
}

/* What a server sent, less uvicorn's "date" and "server" headers (which
 * faultline does not send), for comparing the rest byte for byte. */
static void without_date_and_server(const char *text, char *out, size_t size) {
    size_t used = 0;
    const char *head_end = strstr(text, "\r\n\r\n");
    for (const char *line = text; *line != '\0';) {
        const char *end = strstr(line, "\r\n");
        end = end != NULL ? end + 2 : line + strlen(line);
        bool in_head = head_end != NULL && line <= head_end;
        bool dropped = in_head && (strncasecmp(line, "date:", 5) == 0 ||
                                   strncasecmp(line, "server:", 7) == 0);
        if (!dropped) {
            size_t length = (size_t)(end - line);
            assert_true(used + length < size);
            memcpy(out + used, line, length);
            used += length;
        }
        line = end;
    }
    out[used] = '\0';
}

/* Both servers' whole answers to request, compared without uvicorn's
 * date and server headers and without regard to case (h11 writes
 * "Transfer-Encoding" and, in a response it closes, "Connection"). */
static void assert_same_answer(const servers_t *s, const char *request, const char *expected) {
    static char answers[2][8192];
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i], request, 0, NULL, &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        without_date_and_server(e.text, answers[i], sizeof answers[i]);
        assert_true(e.closed);
    }
    assert_true(strcasecmp(answers[0], answers[1]) == 0);
    assert_true(strcasecmp(answers[0], expected) == 0);
}

/* RFC 9112 §3.2: two Host headers (the same value or not) are a 400, the
 * same bytes from both. */
static void test_duplicate_host_is_400(void **state) {
    servers_t *s = *state;
    static const char REFUSED[] = "HTTP/1.1 400 Bad Request\r\n"
                                  "content-type: text/plain; charset=utf-8\r\n"
                                  "Connection: close\r\n\r\nInvalid HTTP request received.";
    assert_same_answer(s, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", REFUSED);
    assert_same_answer(s, "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", REFUSED);
}

/* The server's own 500 (the app returned without a response) is uvicorn's
 * send_500_response: chunked to HTTP/1.1, close-delimited to 1.0. */
static void test_the_500_is_uvicorns(void **state) {
    servers_t *s = *state;
    assert_same_answer(s, "GET /nostart HTTP/1.1\r\nHost: x\r\n\r\n",
                       "HTTP/1.1 500 Internal Server Error\r\n"
                       "content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
                       "transfer-encoding: chunked\r\n\r\n"
                       "15\r\nInternal Server Error\r\n0\r\n\r\n");
    assert_same_answer(s, "GET /nostart HTTP/1.0\r\n\r\n",
                       "HTTP/1.1 500 Internal Server Error\r\n"
                       "content-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\n"
                       "Internal Server Error");
}

/* The path is percent-decoded before routing, as uvicorn's unquote does
 * and Starlette's Router then matches: "/a%20b" is the route "/a b". */
static void test_routes_match_the_decoded_path(void **state) {
    servers_t *s = *state;
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i], "GET /a%20b HTTP/1.1\r\nHost: x\r\n\r\n", 0, NULL, &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_true(strncmp(e.text, "HTTP/1.1 200 OK\r\n", 17) == 0);
        assert_string_equal(last_body(e.text), "decoded");
    }
}

/* Starlette's redirect_slashes, on by default in both: /dir finds only
 * /dir/, so a 307 to it, as an absolute URL from the Host, query kept,
 * with no body; "/a b/" finds "/a b" and the location is quoted again. */
static void test_redirect_slashes_is_starlettes(void **state) {
    servers_t *s = *state;
    static const char *const requests[] = {
        "GET /dir?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
        "GET /a%20b/ HTTP/1.1\r\nHost: h\r\n\r\n",
    };
    static const char *const locations[] = {
        "\r\nlocation: http://example.com:8080/dir/?x=1\r\n",
        "\r\nlocation: http://h/a%20b\r\n",
    };
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 2; i++) {
            exchange_t e;
            talk(s->ports[i], requests[r], 0, NULL, &e);
            print_message("%s: %s\n", NAMES[i], e.text);
            static const char REDIRECT[] = "HTTP/1.1 307 Temporary Redirect\r\n";
            assert_true(strncmp(e.text, REDIRECT, strlen(REDIRECT)) == 0);
            assert_non_null(strcasestr(e.text, locations[r]));
            assert_non_null(strcasestr(e.text, "\r\ncontent-length: 0\r\n"));
            assert_string_equal(last_body(e.text), "");
            assert_false(e.closed);
        }
    }
}

/* Where we differ: an absolute-form target (RFC 9112 §3.2.2, which a
 * server must accept) is routed by its path here, /abs; uvicorn passes the
 * whole URL on as the path, which no route has (this app answers "ok"). */
static void test_absolute_form_differs(void **state) {
    servers_t *s = *state;
    static const char *const bodies[] = {"abs", "ok"};
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i], "GET http://x/abs HTTP/1.1\r\nHost: x\r\n\r\n", 0, NULL, &e);
        print_message("%s: %s\n", NAMES[i], e.text);
        assert_true(strncmp(e.text, "HTTP/1.1 200 OK\r\n", 17) == 0);
        assert_string_equal(last_body(e.text), bodies[i]);
    }
}

/* Both refuse, framed alike (uvicorn's send_400_response); the status
 * differs: faultline says which (status_line), uvicorn 400. faultline
 * closes after the client's end (a lingering close); uvicorn closes at
 * once, so a client still sending may see a reset instead of the end. */
static void assert_refused_as(const exchange_t *e, int server, const char *status_line,
                              const char *text) {
    assert_int_equal(status_lines(e->text), 1);
    assert_non_null(strstr(e->text, "\r\ncontent-type: text/plain; charset=utf-8\r\n"
                                    "Connection: close\r\n\r\n"));
    if (server == 1) {
        assert_true(strncmp(e->text, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
        assert_string_equal(last_body(e->text), "Invalid HTTP request received.");
        return;
    }
    assert_true(e->closed);
    assert_true(strncmp(e->text, status_line, strlen(status_line)) == 0);
    assert_string_equal(last_body(e->text), text);
}

/* Where we differ, measured: a head past 16 KiB while incomplete (h11's
 * max_incomplete_event_size) is refused by both, uvicorn with a 400 (it
 * drops h11's 431 hint); faultline says 414 when the limit is passed in
 * the request target and 431 in the headers, as RFC 9112 §3 and RFC 6585
 * §5 name them. The first 17,000 bytes go first, the rest after. */
static void test_head_limits_differ_in_status_only(void **state) {
    servers_t *s = *state;
    static char target[17100], headers[17100];
    size_t at = (size_t)snprintf(target, sizeof target, "GET /");
    memset(target + at, 'a', 17000 - at);
    target[17000] = '\0';
    at = (size_t)snprintf(headers, sizeof headers, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; at < 17000; i++)
        at += (size_t)snprintf(headers + at, sizeof headers - at, "X-%03d: %0100d\r\n", i, 0);
    for (int i = 0; i < 2; i++) {
        exchange_t e;
        talk(s->ports[i], target, 300, " HTTP/1.1\r\nHost: x\r\n\r\n", &e);
        print_message("%s: %.120s\n", NAMES[i], e.text);
        assert_refused_as(&e, i, "HTTP/1.1 414 Request-URI Too Long\r\n", "Request target too long.");
        talk(s->ports[i], headers, 300, "\r\n", &e);
        print_message("%s: %.120s\n", NAMES[i], e.text);
        assert_refused_as(&e, i, "HTTP/1.1 431 Request Header Fields Too Large\r\n",
                          "Request header fields too large.");
    }
}

/* Where we differ, measured: a transfer coding other than chunked (h11
 * takes that one alone) is refused by both, uvicorn with 400 (h11 hints
 * 501), faultline with 501, RFC 9112 §6.1's status. */
static void test_unknown_transfer_coding_differs_in_status_only(void **state) {
    servers_t *s = *state;
    static const char *const requests[] = {
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    };
    for (size_t r = 0; r < sizeof requests / sizeof *requests; r++) {
        for (int i = 0; i < 2; i++) {
            exchange_t e;
            talk(s->ports[i], requests[r], 0, NULL, &e);
            print_message("%s: %s\n", NAMES[i], e.text);
            assert_refused_as(&e, i, "HTTP/1.1 501 Not Implemented\r\n",
                              "Unsupported transfer coding.");
        }
    }
}

/* The body limit (8 MiB) is held the same whether the body is sized by
 * Content-Length or chunked: curl uploading 9 MB either way gets 413.
 * uvicorn has no body limit, so faultline alone. */
static void test_body_limit_holds_for_length_and_chunks(void **state) {
    servers_t *s = *state;
    if (system("command -v curl >/dev/null") != 0) skip();
    static const char *const framings[] = {"", "-H 'Transfer-Encoding: chunked'"};
    for (int f = 0; f < 2; f++) {
        char command[512];
        snprintf(command, sizeof command,
                 "f=$(mktemp) && head -c 9000000 /dev/zero > \"$f\" && "
                 "curl -s -o /dev/null -w '%%{http_code}' --max-time 60 %s "
                 "--data-binary @\"$f\" http://127.0.0.1:%u/read; rm -f \"$f\"",
                 framings[f], s->ports[0]);
        FILE *out = popen(command, "r");
        assert_non_null(out);
        char code[16] = {0};
        size_t n = fread(code, 1, sizeof code - 1, out);
        pclose(out);
        code[n] = '\0';
        print_message("faultline, %s: %s\n", f ? "chunked" : "content-length", code);
        assert_string_equal(code, "413");
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_connection_close_is_honoured),
        cmocka_unit_test(test_http_1_0_stream_is_close_delimited),
        cmocka_unit_test(test_http_1_0_keep_alive_is_closed),
        cmocka_unit_test(test_continue_when_the_app_reads),
        cmocka_unit_test(test_continue_with_the_body_and_not_for_1_0),
        cmocka_unit_test(test_no_continue_when_the_app_does_not_read),
        cmocka_unit_test(test_curl_upload_gets_its_100_continue),
        cmocka_unit_test(test_reason_phrases_are_uvicorns),
        cmocka_unit_test(test_http_1_1_without_host_is_400),
        cmocka_unit_test(test_content_length_with_transfer_encoding_is_400),
        cmocka_unit_test(test_whitespace_before_the_colon_is_400),
        cmocka_unit_test(test_unknown_method_and_http_1_2_differ),
        cmocka_unit_test(test_duplicate_host_is_400),
        cmocka_unit_test(test_the_500_is_uvicorns),
        cmocka_unit_test(test_routes_match_the_decoded_path),
        cmocka_unit_test(test_redirect_slashes_is_starlettes),
        cmocka_unit_test(test_absolute_form_differs),
        cmocka_unit_test(test_head_limits_differ_in_status_only),
        cmocka_unit_test(test_unknown_transfer_coding_differs_in_status_only),
        cmocka_unit_test(test_body_limit_holds_for_length_and_chunks),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
