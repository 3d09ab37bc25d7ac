/* faultline proxy in this process, over real sockets: an upstream peer and
 * a client are forked children; the client sends SIGINT to this process
 * once it has its answer, so fl_cli_proxy returns. Checked: a response
 * larger than the proxy's rings comes through byte for byte, a refused
 * upstream gets the client a 502, the log's lines (connection open and
 * closed, the summary), and HOST:PORT parsing with its loopback rule.
 * tests/harness/proxy/test_proxy.sh drives the binary with curl and Python. */
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

#include "harness/proxy/proxy.h"
#include "harness/proxy/proxy_address.h"
#include "tests/support/loopback.h"

enum { BODY_BYTES = 300 * 1024, RESULT_MAX = 512 * 1024 };

static const char REQUEST[] = "GET /big HTTP/1.1\r\nhost: upstream\r\n\r\n";

/* The response the upstream peer gives: a head and BODY_BYTES of a pattern. */
static size_t upstream_response(char *out, size_t size) {
    int head = snprintf(out, size, "HTTP/1.1 200 OK\r\ncontent-length: %d\r\nconnection: close\r\n\r\n",
                        BODY_BYTES);
    assert_true(head > 0 && (size_t)head + BODY_BYTES <= size);
    for (size_t i = 0; i < BODY_BYTES; i++) out[head + i] = (char)('a' + (i * 7 + i / 997) % 26);
    return (size_t)head + BODY_BYTES;
}

/* One connection: the head read, the response written, then close. */
static void serve_once(int listener, const void *arg) {
    (void)arg;
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) return;
    static char head[4096], response[RESULT_MAX];
    if (loopback_read_head(fd, head, sizeof head) < 0) return;
    size_t length = upstream_response(response, sizeof response);
    for (size_t sent = 0; sent < length;) {
        ssize_t n = send(fd, response + sent, length - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += (size_t)n;
    }
    close(fd);
}

/* A socket connected to the proxy: retried until it listens. */
static int connect_when_listening(uint16_t port) {
    for (int attempt = 0; attempt < 400; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) return fd;
        close(fd);
        loopback_sleep_ms(10);
    }
    return -1;
}

/* The client child: the request, everything until EOF into result_path,
 * then SIGINT to the proxy (its parent). */
static void client_child(uint16_t proxy_port, const char *result_path) {
    alarm(30);
    static char result[RESULT_MAX];
    size_t have = 0;
    int fd = connect_when_listening(proxy_port);
    if (fd >= 0 && send(fd, REQUEST, sizeof REQUEST - 1, MSG_NOSIGNAL) > 0) {
        ssize_t n;
        while (have < sizeof result && (n = recv(fd, result + have, sizeof result - have, 0)) > 0)
            have += (size_t)n;
        close(fd);
    }
    FILE *out = fopen(result_path, "wb");
    if (out != NULL) {
        fwrite(result, 1, have, out);
        fclose(out);
    }
    kill(getppid(), SIGINT);
    _exit(0);
}

typedef struct proxy_run {
    int status;
    char log[8192];
    char *result; /* malloc'd */
    size_t result_length;
} proxy_run_t;

static void read_file(const char *path, char *out, size_t size, size_t *length) {
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    *length = fread(out, 1, size - 1, in);
    out[*length] = '\0';
    fclose(in);
    unlink(path);
}

/* Runs the proxy from 127.0.0.1:PORT to upstream_port until the client's SIGINT. */
static void run_proxy(uint16_t upstream_port, proxy_run_t *run) {
    uint16_t port = loopback_free_port();
    char listen[32], upstream[32], log_path[] = "/tmp/faultline-proxy-log-XXXXXX",
                                   result_path[] = "/tmp/faultline-proxy-result-XXXXXX";
    close(mkstemp(log_path));
    close(mkstemp(result_path));
    snprintf(listen, sizeof listen, "127.0.0.1:%u", (unsigned)port);
    snprintf(upstream, sizeof upstream, "127.0.0.1:%u", (unsigned)upstream_port);
    fflush(NULL);
    pid_t client = fork();
    assert_true(client >= 0);
    if (client == 0) client_child(port, result_path);
    char *argv[] = {"proxy", "--listen", listen, "--upstream", upstream, "--log", log_path, NULL};
    FILE *out = tmpfile(), *err = tmpfile();
    run->status = fl_cli_proxy(7, argv, out, err);
    fclose(out);
    fclose(err);
    assert_int_equal(waitpid(client, NULL, 0), client);
    size_t log_length;
    read_file(log_path, run->log, sizeof run->log, &log_length);
    run->result = malloc(RESULT_MAX + 1);
    assert_non_null(run->result);
    read_file(result_path, run->result, RESULT_MAX + 1, &run->result_length);
}

static void test_a_large_response_passes_unchanged(void **state) {
    (void)state;
    loopback_peer_t upstream = loopback_peer_start(serve_once, NULL, 30);
    proxy_run_t run;
    run_proxy(upstream.port, &run);
    loopback_peer_stop(&upstream);
    static char expected[RESULT_MAX];
    size_t expected_length = upstream_response(expected, sizeof expected);
    assert_int_equal(run.status, 0);
    assert_int_equal(run.result_length, expected_length);
    assert_memory_equal(run.result, expected, expected_length);
    free(run.result);
    assert_non_null(strstr(run.log, "{\"event\":\"listening\",\"listen\":\"127.0.0.1:"));
    assert_non_null(strstr(run.log, "{\"event\":\"connection\",\"connection\":1,\"state\":\"open\""));
    char closed[160];
    snprintf(closed, sizeof closed, "\"state\":\"closed\",\"c2s_bytes\":%zu,\"s2c_bytes\":%zu,",
             sizeof REQUEST - 1, expected_length);
    assert_non_null(strstr(run.log, closed));
    assert_non_null(strstr(run.log, "\"end\":\"upstream-closed\""));
    assert_non_null(strstr(run.log, "{\"event\":\"summary\",\"connections\":1,"));
}

static void test_a_refused_upstream_gets_the_client_a_502(void **state) {
    (void)state;
    uint16_t nobody = loopback_free_port();
    proxy_run_t run;
    run_proxy(nobody, &run);
    assert_int_equal(run.status, 0);
    char body[128];
    snprintf(body, sizeof body, "\r\n\r\nfaultline proxy: upstream 127.0.0.1:%u refused the connection",
             (unsigned)nobody);
    assert_true(strncmp(run.result, "HTTP/1.1 502 Bad Gateway\r\n", 26) == 0);
    assert_non_null(strstr(run.result, "connection: close\r\n"));
    size_t body_length = strlen(body);
    assert_true(run.result_length >= body_length);
    assert_memory_equal(run.result + run.result_length - body_length, body, body_length);
    free(run.result);
    assert_non_null(strstr(run.log, "\"end\":\"upstream-refused\""));
}

static void test_addresses_and_the_loopback_rule(void **state) {
    (void)state;
    fl_proxy_address_t a;
    assert_true(fl_proxy_address_parse("127.0.0.1:8080", &a));
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 8080);
    assert_true(fl_proxy_address_parse("[::1]:0", &a));
    assert_string_equal(a.host, "::1");
    assert_int_equal(a.port, 0);
    assert_true(fl_proxy_address_parse("localhost:65535", &a));
    assert_false(fl_proxy_address_parse("localhost", &a));
    assert_false(fl_proxy_address_parse(":80", &a));
    assert_false(fl_proxy_address_parse("h:65536", &a));
    assert_false(fl_proxy_address_parse("h:-1", &a));
    assert_false(fl_proxy_address_parse("::1:80", &a));
    assert_false(fl_proxy_address_parse("[::1:80", &a));
    assert_true(fl_proxy_address_is_loopback("127.0.0.1"));
    assert_true(fl_proxy_address_is_loopback("127.255.0.9"));
    assert_true(fl_proxy_address_is_loopback("::1"));
    assert_true(fl_proxy_address_is_loopback("LOCALHOST"));
    assert_false(fl_proxy_address_is_loopback("0.0.0.0"));
    assert_false(fl_proxy_address_is_loopback("128.0.0.1"));
    assert_false(fl_proxy_address_is_loopback("::"));
    assert_false(fl_proxy_address_is_loopback("example.org"));
    char text[64];
    fl_proxy_address_format("::1", 80, text, sizeof text);
    assert_string_equal(text, "[::1]:80");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_large_response_passes_unchanged),
        cmocka_unit_test(test_a_refused_upstream_gets_the_client_a_502),
        cmocka_unit_test(test_addresses_and_the_loopback_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
