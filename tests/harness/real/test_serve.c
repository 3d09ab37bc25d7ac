/* faultline serve: the scenario's server over real sockets, reached by a
 * plain blocking socket client from the parent process. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/real/serve.h"
#include "tests/support/loopback.h"

static const char SCENARIO[] =
    "name: served hello\n"
    "server:\n  routes:\n    - path: /hello\n      steps:\n        - respond: {status: 200, body: hi there}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - sleep: 0ms\n";

/* GET path; returns the bytes read (the whole response: the server closes
 * after answering a request that asks it to). */
static size_t fetch(uint16_t port, const char *path, char *out, size_t size) {
    for (int attempt = 0; attempt < 100; attempt++) { /* until the child listens */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            char request[256];
            int n = snprintf(request, sizeof request,
                             "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
            if (write(fd, request, (size_t)n) != n) return 0;
            size_t got = 0;
            ssize_t r;
            while (got < size - 1 && (r = read(fd, out + got, size - 1 - got)) > 0) got += (size_t)r;
            out[got] = '\0';
            close(fd);
            return got;
        }
        close(fd);
        usleep(20000);
    }
    return 0;
}

static void test_serve_answers_real_requests(void **state) {
    (void)state;
    char path[] = "/tmp/faultline-serve-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, SCENARIO, sizeof SCENARIO - 1), (ssize_t)(sizeof SCENARIO - 1));
    close(fd);
    uint16_t port = loopback_free_port();
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    pid_t child = fork();
    if (child == 0) {
        alarm(30);
        FILE *devnull = fopen("/dev/null", "w");
        char *argv[] = {"serve", path, "--listen", listen, "--duration", "3", NULL};
        _exit(fl_cli_serve(6, argv, devnull, stderr));
    }
    char response[2048];
    size_t got = fetch(port, "/hello", response, sizeof response);
    assert_true(got > 0);
    assert_non_null(strstr(response, "HTTP/1.1 200 OK"));
    assert_non_null(strstr(response, "hi there"));
    got = fetch(port, "/missing", response, sizeof response);
    assert_non_null(strstr(response, "HTTP/1.1 404"));
    int status;
    waitpid(child, &status, 0);
    unlink(path);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* --- the limits and timeouts, over real sockets ---------------------------------- */

/* A route that reads the whole body; the server on its default limits. */
#define UPLOAD_ROUTE                                                                               \
    "  routes:\n    - method: POST\n      path: /up\n      steps:\n"                              \
    "        - read_body: {}\n        - respond: {status: 200, body: got it}\n"                     \
    "client:\n  tasks:\n    - name: main\n      steps:\n        - sleep: 0ms\n"
static const char UPLOAD[] = "name: served upload\nserver:\n" UPLOAD_ROUTE;
/* The same with short timeouts. */
static const char GUARDED[] = "name: served with short timeouts\n"
                              "server:\n  header_timeout: 1s\n  keep_alive_timeout: 1s\n" UPLOAD_ROUTE;

typedef struct served {
    char path[32];
    uint16_t port;
    pid_t child;
} served_t;

/* Starts faultline serve on scenario for seconds, and waits until it listens. */
static void serve_start(served_t *s, const char *scenario, long seconds) {
    strcpy(s->path, "/tmp/faultline-serve-XXXXXX");
    int fd = mkstemp(s->path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, scenario, strlen(scenario)), (ssize_t)strlen(scenario));
    close(fd);
    s->port = loopback_free_port();
    char listen[32], duration[16];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", s->port);
    snprintf(duration, sizeof duration, "%ld", seconds);
    s->child = fork();
    if (s->child == 0) {
        alarm(30);
        FILE *devnull = fopen("/dev/null", "w");
        char *argv[] = {"serve", s->path, "--listen", listen, "--duration", duration, NULL};
        _exit(fl_cli_serve(6, argv, devnull, stderr));
    }
    for (int i = 0; i < 100 && !loopback_accepts(s->port); i++) loopback_sleep_ms(20);
}

static void serve_finish(served_t *s) {
    int status;
    waitpid(s->child, &status, 0);
    unlink(s->path);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A connected socket whose reads give up after 4 s (a hang fails the test). */
static int connect_to(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval limit = {.tv_sec = 4};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    return fd;
}

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Reads until the server closes (0 returned) or the read times out (-1);
 * what came is in out. */
static ssize_t read_until_closed(int fd, char *out, size_t size) {
    size_t got = 0;
    ssize_t r = 1; /* out full before the end: reported as still open */
    while (got < size - 1 && (r = read(fd, out + got, size - 1 - got)) > 0) got += (size_t)r;
    out[got] = '\0';
    return r;
}

/* Content-Length 2^64 - 1 gets 413 at once, and the connection closes. It
 * used to pass for "no length": the route waited for a body forever. */
static void test_serve_refuses_a_huge_declared_length_at_once(void **state) {
    (void)state;
    served_t s;
    serve_start(&s, UPLOAD, 4);
    int fd = connect_to(s.port);
    const char request[] = "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\n";
    assert_int_equal(write(fd, request, sizeof request - 1), (ssize_t)(sizeof request - 1));
    char response[1024];
    /* A server that waited for the body would answer nothing until serve's
     * 4 s end: the 413 below is the answer coming at once. */
    assert_int_equal(read_until_closed(fd, response, sizeof response), 0);
    assert_non_null(strstr(response, "HTTP/1.1 413 Request Entity Too Large"));
    close(fd);
    serve_finish(&s);
}

/* A chunked upload far past the 8 MiB limit is counted as it arrives: 413
 * once the limit is passed, and the server never holds much more than the
 * limit (it used to buffer the whole body: 256 MB took 530 MB). */
static void test_serve_counts_a_chunked_upload_against_the_limit(void **state) {
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    served_t s;
    serve_start(&s, UPLOAD, 4);
    int fd = connect_to(s.port);
    const char head[] = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_int_equal(write(fd, head, sizeof head - 1), (ssize_t)(sizeof head - 1));
    static char chunk[65536 + 16];
    int n = snprintf(chunk, sizeof chunk, "10000\r\n");
    memset(chunk + n, 'x', 65536);
    memcpy(chunk + n + 65536, "\r\n", 2);
    size_t chunk_length = (size_t)n + 65536 + 2;
    size_t sent = 0;
    struct pollfd answer = {.fd = fd, .events = POLLIN};
    /* Up to 64 MiB, stopping as soon as the server answers. */
    while (sent < 64u * 1024 * 1024 && poll(&answer, 1, 0) == 0) {
        if (write(fd, chunk, chunk_length) != (ssize_t)chunk_length) break;
        sent += 65536;
    }
    char response[1024];
    read_until_closed(fd, response, sizeof response);
    assert_non_null(strstr(response, "HTTP/1.1 413 Request Entity Too Large"));
    assert_true(sent < 32u * 1024 * 1024); /* answered long before the end */
    char status_path[64], line[256];
    snprintf(status_path, sizeof status_path, "/proc/%d/status", (int)s.child);
    FILE *status = fopen(status_path, "r");
    long peak_kb = 0;
    while (status && fgets(line, sizeof line, status))
        if (sscanf(line, "VmHWM: %ld kB", &peak_kb) == 1) break;
    if (status) fclose(status);
    /* The limit's copies, not the body's. Under valgrind the forked server
     * carries valgrind's own memory, so there only the answer is checked. */
    if (!RUNNING_ON_VALGRIND) assert_true(peak_kb > 0 && peak_kb < 64 * 1024);
    close(fd);
    serve_finish(&s);
}

/* Slowloris over real sockets: half a head, then nothing, is closed after
 * the scenario's header timeout (1 s of real time); a connection that never
 * sends a request, after its keep-alive timeout. */
static void test_serve_closes_slow_and_idle_connections(void **state) {
    (void)state;
    served_t s;
    serve_start(&s, GUARDED, 5);
    int slow = connect_to(s.port);
    int idle = connect_to(s.port);
    double started = seconds_now();
    const char half[] = "POST /up HTTP/1.1\r\nHost: x\r\n";
    assert_int_equal(write(slow, half, sizeof half - 1), (ssize_t)(sizeof half - 1));
    char response[256];
    assert_int_equal(read_until_closed(slow, response, sizeof response), 0);
    double slow_closed = seconds_now() - started;
    assert_int_equal(read_until_closed(idle, response, sizeof response), 0);
    double idle_closed = seconds_now() - started;
    /* After the 1 s timeout, and well before serve's own end at 5 s (a
     * close then would be the process leaving, not the timeout). */
    assert_true(slow_closed >= 0.9 && slow_closed < 4.5);
    assert_true(idle_closed >= 0.9 && idle_closed < 4.5);
    assert_string_equal(response, ""); /* closed without an answer */
    close(slow);
    close(idle);
    serve_finish(&s);
}

static void test_serve_refuses_bad_arguments(void **state) {
    (void)state;
    FILE *devnull = fopen("/dev/null", "w");
    char *no_file[] = {"serve", NULL};
    assert_int_equal(fl_cli_serve(1, no_file, devnull, devnull), 2);
    char *bad_listen[] = {"serve", "x.yaml", "--listen", "nowhere", NULL};
    assert_int_equal(fl_cli_serve(4, bad_listen, devnull, devnull), 2);
    char *missing[] = {"serve", "/nonexistent/scenario.yaml", NULL};
    assert_int_equal(fl_cli_serve(2, missing, devnull, devnull), 2);
    fclose(devnull);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_answers_real_requests),
        cmocka_unit_test(test_serve_refuses_a_huge_declared_length_at_once),
        cmocka_unit_test(test_serve_counts_a_chunked_upload_against_the_limit),
        cmocka_unit_test(test_serve_closes_slow_and_idle_connections),
        cmocka_unit_test(test_serve_refuses_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
