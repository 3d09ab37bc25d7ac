/* Fidelity: an app whose body does not add up to its declared
 * content-length, served by `faultline serve` and by real uvicorn (Debian's
 * python3-uvicorn) side by side, read by the same raw socket client. Both
 * must give the same status, the same declared length, the same body bytes
 * and close the connection at once rather than leave the client waiting:
 *   /short declares 100 bytes and sends 2: the 2 go out, then the close;
 *   /long declares 2 and sends 5: nothing of the body goes out, the close. */
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
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/real/serve.h"
#include "tests/support/loopback.h"

static const char SCENARIO_FILE[] = "scenarios/server/body_short_of_content_length.yaml";

/* The same two routes as an ASGI app for uvicorn. */
static const char UVICORN_APP[] =
    "import sys, uvicorn\n"
    "async def app(scope, receive, send):\n"
    "    if scope['type'] != 'http': return\n"
    "    short = scope['path'] == '/short'\n"
    "    length = b'100' if short else b'2'\n"
    "    body = b'hi' if short else b'hello'\n"
    "    await send({'type': 'http.response.start', 'status': 200,\n"
    "                'headers': [(b'content-length', length)]})\n"
    "    await send({'type': 'http.response.body', 'body': body})\n"
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='critical')\n";

typedef struct answer {
    int status;
    long declared;     /* content-length, -1: none */
    size_t body_bytes; /* after the head, until the close */
    bool closed;       /* the server closed before the 5 s read timeout */
} answer_t;

static answer_t ask(uint16_t port, const char *path) {
    answer_t a = {.status = -1, .declared = -1};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval timeout = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    char request[128];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    assert_int_equal(write(fd, request, (size_t)n), n);
    char text[4096];
    size_t got = 0;
    ssize_t r = 0;
    while (got < sizeof text - 1 && (r = read(fd, text + got, sizeof text - 1 - got)) > 0)
        got += (size_t)r;
    text[got] = '\0';
    a.closed = r == 0;
    close(fd);
    sscanf(text, "HTTP/1.1 %d", &a.status);
    const char *length = strcasestr(text, "content-length:");
    if (length != NULL) a.declared = strtol(length + strlen("content-length:"), NULL, 10);
    const char *end = strstr(text, "\r\n\r\n");
    if (end != NULL) a.body_bytes = got - (size_t)(end + 4 - text);
    return a;
}

static void wait_listening(uint16_t port) {
    for (int i = 0; i < 200 && !loopback_accepts(port); i++) loopback_sleep_ms(25);
    assert_true(loopback_accepts(port));
}

static pid_t start_faultline(uint16_t port) {
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    pid_t child = fork();
    if (child == 0) {
        alarm(60);
        FILE *devnull = fopen("/dev/null", "w");
        char *argv[] = {"serve", (char *)SCENARIO_FILE, "--listen", listen, "--duration", "20",
                        NULL};
        _exit(fl_cli_serve(6, argv, devnull, devnull));
    }
    return child;
}

static pid_t start_uvicorn(uint16_t port) {
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%u", port);
    pid_t child = fork();
    if (child == 0) {
        alarm(60);
        execl("/usr/bin/python3", "python3", "-c", UVICORN_APP, port_text, (char *)NULL);
        _exit(127);
    }
    return child;
}

static void stop(pid_t child) {
    kill(child, SIGTERM);
    int status;
    waitpid(child, &status, 0);
}

static void test_faultline_serve_refuses_as_uvicorn_does(void **state) {
    (void)state;
    if (system("/usr/bin/python3 -c 'import uvicorn' 2>/dev/null") != 0)
        fail_msg("python3-uvicorn is missing: make deps installs it");
    uint16_t faultline_port = loopback_free_port();
    pid_t faultline = start_faultline(faultline_port);
    uint16_t uvicorn_port = loopback_free_port();
    pid_t uvicorn = start_uvicorn(uvicorn_port);
    wait_listening(faultline_port);
    wait_listening(uvicorn_port);
    static const char *const paths[] = {"/short", "/long"};
    static const answer_t expected[] = {{200, 100, 2, true}, {200, 2, 0, true}};
    for (size_t i = 0; i < 2; i++) {
        answer_t ours = ask(faultline_port, paths[i]);
        answer_t real = ask(uvicorn_port, paths[i]);
        print_message("%s: faultline %d/%ld/%zu/%s, uvicorn %d/%ld/%zu/%s\n", paths[i],
                      ours.status, ours.declared, ours.body_bytes, ours.closed ? "closed" : "open",
                      real.status, real.declared, real.body_bytes, real.closed ? "closed" : "open");
        assert_int_equal(real.status, expected[i].status);
        assert_int_equal(real.declared, expected[i].declared);
        assert_int_equal(real.body_bytes, expected[i].body_bytes);
        assert_true(real.closed);
        assert_int_equal(ours.status, real.status);
        assert_int_equal(ours.declared, real.declared);
        assert_int_equal(ours.body_bytes, real.body_bytes);
        assert_int_equal(ours.closed, real.closed);
    }
    stop(faultline);
    stop(uvicorn);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faultline_serve_refuses_as_uvicorn_does),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
