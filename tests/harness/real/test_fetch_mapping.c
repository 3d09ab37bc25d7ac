/* The mapping matrix (the scenarios in scenarios/mapping) checked over real sockets:
 * for each cell that a misbehaving loopback server can reproduce, the
 * server does to `faultline fetch` what the cell's fault does to the
 * simulated client, and the error kind must be the one the cell expects.
 *
 * The server is a forked child with plain blocking sockets; the listening
 * socket is made before the fork, so there is nothing to wait for. The
 * child carries an alarm() and is killed at the end of each test.
 *
 * Cells not reproduced here, and why (docs/NETWORK.md has the table):
 * - reset_writing_headers: the client writes its head in one call, which a
 *   real peer cannot cut in the middle; a reset before it races with it,
 *   after it is reset_awaiting_response (ReadError).
 * - corrupt_request_line, corrupt_request_body: flipping a byte of the
 *   client's request in flight needs a man in the middle; what the client
 *   then sees is the server's answer (400 or 200), not a transport error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/real/fetch.h"
#include "tests/support/loopback.h"
#include "tests/support/scratch.h"

enum {
    CHILD_ALARM_SECONDS = 60,
    OUTPUT_MAX = 64 * 1024,
    HEAD_MAX = 16 * 1024,
    /* Larger than loopback's socket buffers (send and receive, autotuned to
     * a few MiB each), so a server that stops reading blocks the upload. */
    UPLOAD_BYTES = 32 << 20,
};

/* --- the misbehaving server ---------------------------------------------------------- */

typedef enum peer_end {
    END_CLOSE,            /* close(): FIN, or RST over unread bytes */
    END_RESET,            /* SO_LINGER 0, close(): RST */
    END_SHUT_WRITE,       /* shutdown(SHUT_WR), then read to the client's end */
    END_SILENCE,          /* nothing more, until killed */
} peer_end_t;

typedef struct peer_script {
    bool fin_at_accept;        /* shutdown(SHUT_WR) and close() before reading a byte */
    bool read_nothing;         /* never read */
    size_t body_bytes_to_read; /* after the head */
    long delay_ms;             /* before the reply (and the end) */
    const char *reply;         /* raw bytes sent after reading */
    size_t reply_length;       /* 0: strlen(reply) */
    peer_end_t end;
} peer_script_t;

static void read_head_and_body(int fd, const peer_script_t *script) {
    char buffer[HEAD_MAX];
    /* The head: until the blank line (the client writes it in one call). */
    long seen = loopback_read_head(fd, buffer, sizeof buffer);
    if (seen < 0) return;
    size_t body_seen = (size_t)seen;
    size_t wanted = script->body_bytes_to_read;
    while (body_seen < wanted) {
        size_t room = wanted - body_seen < sizeof buffer ? wanted - body_seen : sizeof buffer;
        ssize_t n = recv(fd, buffer, room, 0);
        if (n <= 0) return;
        body_seen += (size_t)n;
    }
}

static void run_peer(int listener, const void *arg) {
    const peer_script_t *script = arg;
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) _exit(3);
    if (script->fin_at_accept) {
        shutdown(fd, SHUT_WR);
        close(fd);
        for (;;) pause();
    }
    if (!script->read_nothing) read_head_and_body(fd, script);
    if (script->delay_ms > 0) loopback_sleep_ms(script->delay_ms);
    if (script->reply != NULL) {
        size_t length = script->reply_length ? script->reply_length : strlen(script->reply);
        if (send(fd, script->reply, length, MSG_NOSIGNAL) != (ssize_t)length) _exit(4);
        loopback_sleep_ms(50); /* the reply arrives before whatever ends it */
    }
    switch (script->end) {
    case END_CLOSE: close(fd); break;
    case END_RESET: {
        struct linger abortive = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
        close(fd);
        break;
    }
    case END_SHUT_WRITE: {
        shutdown(fd, SHUT_WR);
        char drain[4096];
        while (recv(fd, drain, sizeof drain, 0) > 0) {
        }
        close(fd);
        break;
    }
    case END_SILENCE: break;
    }
    for (;;) pause();
}

/* --- fetch, in process --------------------------------------------------------------- */

typedef struct outcome {
    int status;
    char out[OUTPUT_MAX];
} outcome_t;

/* A file of UPLOAD_BYTES bytes for `-d @FILE`, made once. */
static const char *upload_file(void) {
    static char path[] = "/tmp/faultline-upload-XXXXXX";
    static bool made;
    if (made) return path;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static char block[1 << 16];
    memset(block, 'u', sizeof block);
    for (size_t written = 0; written < UPLOAD_BYTES; written += sizeof block)
        assert_int_equal(write(fd, block, sizeof block), (ssize_t)sizeof block);
    close(fd);
    made = true;
    return path;
}

typedef enum upload { UPLOAD_NONE, UPLOAD_SMALL, UPLOAD_LARGE } upload_t;

/* `faultline fetch --timeout 1 [-d ...] http://127.0.0.1:PORT/path`. */
static outcome_t *fetch_from(uint16_t port, const char *path, upload_t upload) {
    static outcome_t outcome;
    static char small[5001];
    memset(small, 'u', sizeof small - 1);
    static char large[64];
    snprintf(large, sizeof large, "@%s", upload == UPLOAD_LARGE ? upload_file() : "");
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    const char *argv[8] = {"fetch", "--timeout", "1"};
    int argc = 3;
    if (upload != UPLOAD_NONE) {
        argv[argc++] = "-d";
        argv[argc++] = upload == UPLOAD_SMALL ? small : large;
    }
    argv[argc++] = url;
    outcome.status = scratch_capture(fl_fetch_main, argv, argc, outcome.out, NULL, OUTPUT_MAX);
    return &outcome;
}

static void expect_kind(const outcome_t *o, const char *cell, const char *kind,
                        const char *message_part) {
    char expected[128];
    snprintf(expected, sizeof expected, "\"error\":{\"kind\":\"%s\"", kind);
    if (strstr(o->out, expected) == NULL)
        fail_msg("%s: expected %s over real sockets, got %s", cell, kind, o->out);
    if (message_part != NULL && strstr(o->out, message_part) == NULL)
        fail_msg("%s: expected '%s' in %s", cell, message_part, o->out);
    assert_int_equal(o->status, FL_FETCH_EXIT_CLIENT_ERROR);
}

/* One cell: the peer plays the fault, fetch must end with the cell's kind. */
static void check_cell(const char *cell, const peer_script_t *script, const char *path,
                       upload_t upload, const char *kind, const char *message_part) {
    loopback_peer_t peer = loopback_peer_start(run_peer, script, CHILD_ALARM_SECONDS);
    outcome_t *o = fetch_from(peer.port, path, upload);
    loopback_peer_stop(&peer);
    expect_kind(o, cell, kind, message_part);
}

static const char NO_RESPONSE[] = "Server disconnected without sending a response.";
static const char BIG_HEAD[] = "HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n";

/* --- connecting ---------------------------------------------------------------------- */

static void test_connect_refused(void **state) {
    (void)state;
    outcome_t *o = fetch_from(loopback_free_port(), "/hello", UPLOAD_NONE);
    expect_kind(o, "connect_refused_fault", "ConnectError", NULL);
}

/* A listener whose accept queue is full drops the SYN: the connect hangs. */
static void test_connect_stalled(void **state) {
    (void)state;
    uint16_t port;
    int listener = loopback_listen(0, &port);
    int fillers[3];
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int i = 0; i < 3; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        assert_true(fillers[i] >= 0);
        int status = connect(fillers[i], (struct sockaddr *)&address, sizeof address);
        assert_true(status == 0 || errno == EINPROGRESS);
    }
    loopback_sleep_ms(100);
    outcome_t *o = fetch_from(port, "/hello", UPLOAD_NONE);
    for (int i = 0; i < 3; i++) close(fillers[i]);
    close(listener);
    expect_kind(o, "connect_stalled", "ConnectTimeout", NULL);
}

/* --- writing ------------------------------------------------------------------------- */

/* The server's FIN comes first; the bytes the client writes then land on a
 * closed socket, whose RST arrives after the last write: the client reads
 * the FIN. */
static void test_close_writing_headers(void **state) {
    (void)state;
    peer_script_t script = {.fin_at_accept = true};
    check_cell("close_writing_headers", &script, "/hello", UPLOAD_NONE, "RemoteProtocolError",
               NO_RESPONSE);
}

static void test_close_after_upload(void **state) {
    (void)state;
    peer_script_t script = {.fin_at_accept = true};
    check_cell("close_after_upload", &script, "/upload", UPLOAD_SMALL, "RemoteProtocolError",
               NO_RESPONSE);
}

/* Mid-upload: the close over unread bytes is an RST, which fails the write
 * still in progress. */
static void test_close_writing_body(void **state) {
    (void)state;
    peer_script_t script = {.body_bytes_to_read = 1000, .end = END_CLOSE};
    check_cell("close_writing_body", &script, "/upload", UPLOAD_LARGE, "WriteError", NULL);
}

static void test_reset_writing_body(void **state) {
    (void)state;
    peer_script_t script = {.body_bytes_to_read = 1000, .end = END_RESET};
    check_cell("reset_writing_body", &script, "/upload", UPLOAD_LARGE, "WriteError", NULL);
}

static void test_stalled_writing(void **state) {
    (void)state;
    peer_script_t script = {.body_bytes_to_read = 1000, .end = END_SILENCE};
    check_cell("stalled_writing", &script, "/upload", UPLOAD_LARGE, "WriteTimeout", NULL);
}

/* The head fits the socket buffers: a server that never reads leaves the
 * client waiting for the response. */
static void test_stall_writing_headers(void **state) {
    (void)state;
    peer_script_t script = {.read_nothing = true, .end = END_SILENCE};
    check_cell("stall_writing_headers", &script, "/hello", UPLOAD_NONE, "ReadTimeout", NULL);
}

/* --- awaiting the response ------------------------------------------------------------ */

static void test_close_awaiting_response(void **state) {
    (void)state;
    peer_script_t script = {.delay_ms = 200, .end = END_CLOSE};
    check_cell("close_awaiting_response", &script, "/slow", UPLOAD_NONE, "RemoteProtocolError",
               NO_RESPONSE);
}

static void test_close_before_response(void **state) {
    (void)state;
    peer_script_t script = {.end = END_SHUT_WRITE};
    check_cell("close_before_response", &script, "/hello", UPLOAD_NONE, "RemoteProtocolError",
               NO_RESPONSE);
}

static void test_reset_awaiting_response(void **state) {
    (void)state;
    peer_script_t script = {.end = END_RESET};
    check_cell("reset_awaiting_response", &script, "/hello", UPLOAD_NONE, "ReadError", NULL);
    script.delay_ms = 200;
    check_cell("reset_awaiting_response_slow", &script, "/slow", UPLOAD_NONE, "ReadError", NULL);
}

static void test_stalled_response(void **state) {
    (void)state;
    peer_script_t script = {.end = END_SILENCE};
    check_cell("stalled_response", &script, "/hello", UPLOAD_NONE, "ReadTimeout", NULL);
    check_cell("slow_server", &script, "/slow", UPLOAD_NONE, "ReadTimeout", NULL);
}

/* --- reading the response -------------------------------------------------------------- */

static void test_reset_reading_headers(void **state) {
    (void)state;
    peer_script_t script = {.reply = "HTTP/", .end = END_RESET};
    check_cell("reset_reading_headers", &script, "/hello", UPLOAD_NONE, "ReadError", NULL);
}

static char *big_reply(size_t body_bytes, bool corrupt) {
    static char reply[1024];
    size_t head = strlen(BIG_HEAD);
    memcpy(reply, BIG_HEAD, head);
    memset(reply + head, 'b', body_bytes);
    if (corrupt) reply[300] ^= 0x20; /* byte 300 of the stream, in the body, as the cell */
    reply[head + body_bytes] = '\0';
    return reply;
}

static void test_reset_reading_body(void **state) {
    (void)state;
    peer_script_t script = {.reply = big_reply(100, false), .end = END_RESET};
    check_cell("reset_reading_body", &script, "/big", UPLOAD_NONE, "ReadError", NULL);
}

static void test_truncated_body(void **state) {
    (void)state;
    peer_script_t script = {.reply = big_reply(100, false), .end = END_CLOSE};
    check_cell("truncated_body", &script, "/big", UPLOAD_NONE, "RemoteProtocolError",
               "peer closed connection without sending complete message body");
}

static void test_stall_reading_body(void **state) {
    (void)state;
    peer_script_t script = {.reply = big_reply(100, false), .end = END_SILENCE};
    check_cell("stall_reading_body", &script, "/big", UPLOAD_NONE, "ReadTimeout", NULL);
}

static void test_corrupt_status_line(void **state) {
    (void)state;
    peer_script_t script = {.reply = "JTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
                            .end = END_SILENCE};
    check_cell("corrupt_status_line", &script, "/hello", UPLOAD_NONE, "RemoteProtocolError", NULL);
}

/* A flipped byte in the body goes unnoticed: HTTP/1.1 has no checksum. */
static void test_corrupt_response_body(void **state) {
    (void)state;
    peer_script_t script = {.reply = big_reply(500, true), .end = END_SILENCE};
    loopback_peer_t peer = loopback_peer_start(run_peer, &script, CHILD_ALARM_SECONDS);
    outcome_t *o = fetch_from(peer.port, "/big", UPLOAD_NONE);
    loopback_peer_stop(&peer);
    if (strstr(o->out, "\"ok\":true,\"status\":200,") == NULL ||
        strstr(o->out, "\"body_bytes\":500,") == NULL)
        fail_msg("corrupt_response_body: expected 200 with 500 bytes, got %s", o->out);
    assert_int_equal(o->status, FL_FETCH_EXIT_OK);
}

static int remove_upload(void **state) {
    (void)state;
    char *path = (char *)upload_file();
    unlink(path);
    return 0;
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_connect_stalled),
        cmocka_unit_test(test_close_writing_headers),
        cmocka_unit_test(test_close_after_upload),
        cmocka_unit_test(test_close_writing_body),
        cmocka_unit_test(test_reset_writing_body),
        cmocka_unit_test(test_stalled_writing),
        cmocka_unit_test(test_stall_writing_headers),
        cmocka_unit_test(test_close_awaiting_response),
        cmocka_unit_test(test_close_before_response),
        cmocka_unit_test(test_reset_awaiting_response),
        cmocka_unit_test(test_stalled_response),
        cmocka_unit_test(test_reset_reading_headers),
        cmocka_unit_test(test_reset_reading_body),
        cmocka_unit_test(test_truncated_body),
        cmocka_unit_test(test_stall_reading_body),
        cmocka_unit_test(test_corrupt_status_line),
        cmocka_unit_test(test_corrupt_response_body),
    };
    return cmocka_run_group_tests(tests, NULL, remove_upload);
}
