/* faultline serve: the scenario's server over real sockets, reached by a
 * plain blocking socket client from the parent process. */
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
        cmocka_unit_test(test_serve_refuses_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
