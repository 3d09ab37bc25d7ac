/* `faultline fetch` against hostile peers over real sockets: a status line
 * without a three-digit code, an endless stream of 100 Continue, and a body
 * trickled a byte at a time that only --max-time ends.
 *
 * Each peer is a forked child with plain blocking sockets, the listening
 * socket made before the fork; it carries an alarm() and is killed at the
 * end of each test, so nothing outlives it. */
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/real/fetch.h"
#include "tests/support/loopback.h"
#include "tests/support/scratch.h"

enum {
    CHILD_ALARM_SECONDS = 60,
    OUTPUT_MAX = 64 * 1024,
    HEAD_MAX = 16 * 1024,
    REPEAT_MAX = 1000000, /* "endless": far more than any client should take */
};

/* --- the peer ----------------------------------------------------------------------- */

typedef struct peer_script {
    const char *reply;      /* sent after the request head ... */
    uint32_t repeat;        /* ... this many times (0: once), until a send fails */
    const char *trickle;    /* then these bytes, one every trickle_ms */
    long trickle_ms;
} peer_script_t;

static void run_peer(int listener, const void *arg) {
    const peer_script_t *script = arg;
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) _exit(3);
    char head[HEAD_MAX];
    (void)loopback_read_head(fd, head, sizeof head);
    uint32_t times = script->repeat > 0 ? script->repeat : 1;
    size_t length = strlen(script->reply);
    for (uint32_t i = 0; i < times; i++)
        if (send(fd, script->reply, length, MSG_NOSIGNAL) != (ssize_t)length) break;
    for (const char *p = script->trickle; p != NULL && *p != '\0'; p++) {
        loopback_sleep_ms(script->trickle_ms);
        if (send(fd, p, 1, MSG_NOSIGNAL) != 1) break;
    }
    for (;;) pause();
}

/* --- fetch, in process ---------------------------------------------------------------- */

typedef struct outcome {
    int status;
    char out[OUTPUT_MAX];
    double seconds; /* wall clock, to show a deadline held */
} outcome_t;

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* `faultline fetch --timeout 1 [--max-time M] http://127.0.0.1:PORT/` against the peer. */
static outcome_t *fetch_from_peer(const peer_script_t *script, const char *max_time) {
    static outcome_t outcome;
    loopback_peer_t peer = loopback_peer_start(run_peer, script, CHILD_ALARM_SECONDS);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", peer.port);
    const char *argv[8] = {"fetch", "--timeout", "1"};
    int argc = 3;
    if (max_time != NULL) {
        argv[argc++] = "--max-time";
        argv[argc++] = max_time;
    }
    argv[argc++] = url;
    double started = now_seconds();
    outcome.status = scratch_capture(fl_fetch_main, argv, argc, outcome.out, NULL, OUTPUT_MAX);
    outcome.seconds = now_seconds() - started;
    assert_true(peer.pid > 0);
    loopback_peer_stop(&peer);
    return &outcome;
}

static void expect_error(const outcome_t *o, const char *kind, const char *message_part) {
    char expected[128];
    snprintf(expected, sizeof expected, "{\"ok\":false,\"error\":{\"kind\":\"%s\"", kind);
    if (strstr(o->out, expected) == NULL) fail_msg("expected %s, got %s", kind, o->out);
    if (strstr(o->out, message_part) == NULL)
        fail_msg("expected '%s' in %s", message_part, o->out);
    assert_int_equal(o->status, FL_FETCH_EXIT_CLIENT_ERROR);
}

/* --- the tests ----------------------------------------------------------------------- */

/* fetch printed {"ok":true,"status":0} and {"ok":true,"status":2}. */
static void test_status_not_three_digits_is_remote_protocol_error(void **state) {
    (void)state;
    peer_script_t empty = {.reply = "HTTP/1.1 \n\n"};
    expect_error(fetch_from_peer(&empty, NULL), "RemoteProtocolError",
                 "malformed response: status code 0 is not 100..599");
    peer_script_t two = {.reply = "HTTP/1.1 2 \r\nContent-Length: 0\r\n\r\n"};
    expect_error(fetch_from_peer(&two, NULL), "RemoteProtocolError",
                 "malformed response: status code 2 is not 100..599");
    peer_script_t junk = {.reply = "\x04\x04HTTP/1.1 \n\n"};
    expect_error(fetch_from_peer(&junk, NULL), "RemoteProtocolError", "malformed response");
}

/* Each 100 Continue arrives within the read timeout: only the bound ends it. */
static void test_endless_100_continue_is_remote_protocol_error(void **state) {
    (void)state;
    peer_script_t script = {.reply = "HTTP/1.1 100 Continue\r\n\r\n", .repeat = REPEAT_MAX};
    expect_error(fetch_from_peer(&script, NULL), "RemoteProtocolError",
                 "too many interim responses");
}

/* A byte every 300 ms, each read well within --timeout 1: without
 * --max-time the 100-byte body would take 30 s; with it the fetch ends at
 * 1.5 s with the timeout middleware's TimeoutError. */
static void test_max_time_ends_a_trickled_body(void **state) {
    (void)state;
    static char trickle[101];
    memset(trickle, 'x', 100);
    peer_script_t script = {.reply = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
                            .trickle = trickle, .trickle_ms = 300};
    outcome_t *o = fetch_from_peer(&script, "1.5");
    expect_error(o, "TimeoutError", "request timed out after 1.5 s");
    assert_true(o->seconds >= 1.4 && o->seconds < 10.0);
}

/* A deadline that is not met leaves the response as it was. */
static void test_max_time_met_is_a_response(void **state) {
    (void)state;
    peer_script_t script = {.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
    outcome_t *o = fetch_from_peer(&script, "5");
    if (strstr(o->out, "{\"ok\":true,\"status\":200,") == NULL) fail_msg("got %s", o->out);
    assert_int_equal(o->status, FL_FETCH_EXIT_OK);
}

static void test_max_time_is_checked(void **state) {
    (void)state;
    fl_fetch_args_t args;
    char error[256];
    char *bad[] = {"fetch", "--max-time", "0", "http://x/"};
    assert_int_equal(fl_fetch_parse(4, bad, &args, error, sizeof error), -1);
    assert_non_null(strstr(error, "--max-time '0': expected seconds"));
    char *good[] = {"fetch", "--max-time", "2.5", "http://x/"};
    assert_int_equal(fl_fetch_parse(4, good, &args, error, sizeof error), 0);
    assert_int_equal(args.max_time_ns, 2500000000LL);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_not_three_digits_is_remote_protocol_error),
        cmocka_unit_test(test_endless_100_continue_is_remote_protocol_error),
        cmocka_unit_test(test_max_time_ends_a_trickled_body),
        cmocka_unit_test(test_max_time_met_is_a_response),
        cmocka_unit_test(test_max_time_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
