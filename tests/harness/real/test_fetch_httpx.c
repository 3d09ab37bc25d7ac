/* Fidelity, measured: Debian's httpx (0.23, httpcore 0.16) and faultline's
 * client (`faultline fetch --repeat 2`, over libuv) against the same raw
 * socket server that misbehaves on purpose, and the same outcome required
 * of both: each request's status or error kind, the number of connections
 * the server accepted and of requests it read.
 *
 *   (a) stale: the server answers each request, then closes (its FIN rides
 *       on the response's last segment, so it has arrived when the client
 *       asks again). The second request must go out on a new connection,
 *       for a GET, a POST with bytes and a PUT with a one-shot stream.
 *   (b) silent: the server answers the first request of a connection, reads
 *       the second whole and closes without a response. The second request
 *       must fail with RemoteProtocolError and never be sent again.
 *
 * The server is a child process (plain sockets, one connection at a time)
 * that reports each accept and each request read on a pipe; the children
 * carry their own alarm() and are killed at the end of each test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/real/fetch.h"

static const char PYTHON[] = "/usr/bin/python3";

enum {
    CHILD_ALARM_SECONDS = 60, /* a child lives at most this long, whatever happens */
    OUTPUT_MAX = 16 * 1024,
    REQUEST_BYTES_MAX = 16 * 1024,
    REQUESTS = 2,             /* per client run: the first opens, the second reuses */
};

/* --- the misbehaving server -------------------------------------------------------- */

typedef enum server_mode {
    MODE_STALE,  /* (a): answer, then close the connection */
    MODE_SILENT, /* (b): answer the first request, read the second, close */
} server_mode_t;

typedef struct request_buffer {
    char data[REQUEST_BYTES_MAX];
    size_t length;
} request_buffer_t;

static const char *find(const request_buffer_t *b, size_t from, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= b->length; i++)
        if (memcmp(b->data + i, needle, n) == 0) return b->data + i;
    return NULL;
}

static bool fill(int fd, request_buffer_t *b) {
    if (b->length == sizeof b->data) return false;
    ssize_t n = recv(fd, b->data + b->length, sizeof b->data - b->length, 0);
    if (n <= 0) return false;
    b->length += (size_t)n;
    return true;
}

/* Reads one whole request (Content-Length or chunked) and drops it from the
 * buffer; false when the connection ended first. */
static bool read_request(int fd, request_buffer_t *b) {
    const char *head_end;
    while ((head_end = find(b, 0, "\r\n\r\n")) == NULL)
        if (!fill(fd, b)) return false;
    size_t head_length = (size_t)(head_end - b->data) + 4;
    char head[REQUEST_BYTES_MAX + 1];
    memcpy(head, b->data, head_length);
    head[head_length] = '\0';
    for (char *p = head; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    size_t end;
    if (strstr(head, "transfer-encoding: chunked") != NULL) {
        const char *last;
        while ((last = find(b, head_length, "0\r\n\r\n")) == NULL)
            if (!fill(fd, b)) return false;
        end = (size_t)(last - b->data) + 5;
    } else {
        const char *length = strstr(head, "content-length: ");
        size_t content_length = length ? (size_t)strtoul(length + 16, NULL, 10) : 0;
        while (b->length < head_length + content_length)
            if (!fill(fd, b)) return false;
        end = head_length + content_length;
    }
    memmove(b->data, b->data + end, b->length - end);
    b->length -= end;
    return true;
}

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

static void send_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
        if (n <= 0) return;
        data += n;
        length -= (size_t)n;
    }
}

/* Answers, then closes with the FIN on the response's own segment: corked,
 * the response waits in the socket until shutdown() appends the FIN and
 * pushes both, so a client that has the response has the FIN too. */
static void answer_and_close(int fd) {
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
    send_all(fd, RESPONSE, strlen(RESPONSE));
    shutdown(fd, SHUT_WR);
}

static void report(int events, char what) {
    if (write(events, &what, 1) != 1) _exit(4);
}

static void serve_connection(int fd, server_mode_t mode, int events) {
    request_buffer_t *buffer = calloc(1, sizeof *buffer);
    if (buffer == NULL) _exit(3);
    for (int k = 1; read_request(fd, buffer); k++) {
        report(events, 'R');
        if (mode == MODE_STALE) {
            answer_and_close(fd);
            break;
        }
        if (k == 2) break; /* MODE_SILENT: read the second, answer nothing */
        send_all(fd, RESPONSE, strlen(RESPONSE));
    }
    close(fd);
    free(buffer);
}

static void server_child(int listen_fd, server_mode_t mode, int events) {
    alarm(CHILD_ALARM_SECONDS);
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            _exit(2);
        }
        report(events, 'C');
        serve_connection(fd, mode, events);
    }
}

typedef struct server {
    pid_t pid;
    uint16_t port;
    int events; /* read end: 'C' per connection accepted, 'R' per request read */
} server_t;

static pid_t running_child = -1;

static void server_start(server_t *server, server_mode_t mode) {
    int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(listen_fd >= 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    assert_int_equal(bind(listen_fd, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(listen_fd, 16), 0);
    assert_int_equal(getsockname(listen_fd, (struct sockaddr *)&address, &size), 0);
    server->port = ntohs(address.sin_port);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL); /* nothing buffered may be written twice */
    server->pid = fork();
    assert_true(server->pid >= 0);
    if (server->pid == 0) {
        close(fds[0]);
        server_child(listen_fd, mode, fds[1]);
    }
    running_child = server->pid;
    close(fds[1]);
    close(listen_fd); /* the child listens; the port is bound already */
    server->events = fds[0];
}

typedef struct counts {
    int connections;
    int requests;
} counts_t;

/* Stops the server and counts what it reported (the pipe's write end dies
 * with the child, so the read ends at its last report). */
static counts_t server_stop(server_t *server) {
    kill(server->pid, SIGKILL);
    int status;
    while (waitpid(server->pid, &status, 0) < 0 && errno == EINTR) continue;
    running_child = -1;
    counts_t counts = {0};
    char events[256];
    ssize_t n;
    while ((n = read(server->events, events, sizeof events)) > 0)
        for (ssize_t i = 0; i < n; i++) {
            counts.connections += events[i] == 'C';
            counts.requests += events[i] == 'R';
        }
    close(server->events);
    return counts;
}

static int stop_running_child(void **state) {
    (void)state;
    if (running_child > 0) {
        kill(running_child, SIGKILL);
        waitpid(running_child, NULL, 0);
        running_child = -1;
    }
    return 0;
}

/* --- the two clients ------------------------------------------------------------- */

typedef enum body_kind { BODY_NONE, BODY_BYTES, BODY_STREAM } body_kind_t;

static const char *const body_kind_names[] = {"none", "bytes", "stream"};

/* What a run saw: "ok 200" or "error RemoteProtocolError", one per
 * request, joined with "; ". */
typedef struct outcomes {
    char text[OUTPUT_MAX];
} outcomes_t;

static void append(outcomes_t *o, const char *item) {
    size_t used = strlen(o->text);
    snprintf(o->text + used, sizeof o->text - used, "%s%s", used ? "; " : "", item);
}

/* httpx, one Client, the same request twice. The stream body is a
 * generator: httpx sends it chunked, as faultline does. */
static const char HTTPX_SCRIPT[] =
    "import sys, httpx\n"
    "url, method, body = sys.argv[1], sys.argv[2], sys.argv[3]\n"
    "def pieces():\n"
    "    yield b'first,'; yield b'second,'; yield b'third'\n"
    "with httpx.Client(timeout=10) as client:\n"
    "    for _ in range(int(sys.argv[4])):\n"
    "        content = {'none': None, 'bytes': b'payload=1', 'stream': None}[body]\n"
    "        if body == 'stream': content = pieces()\n"
    "        try:\n"
    "            print('ok', client.request(method, url, content=content).status_code)\n"
    "        except httpx.HTTPError as e:\n"
    "            print('error', type(e).__name__)\n";

static void run_httpx(uint16_t port, const char *method, body_kind_t body, outcomes_t *out) {
    char command[256];
    snprintf(command, sizeof command, "%s -c \"$FL_HTTPX_SCRIPT\" http://127.0.0.1:%u/items %s %s %d",
             PYTHON, port, method, body_kind_names[body], REQUESTS);
    setenv("FL_HTTPX_SCRIPT", HTTPX_SCRIPT, 1);
    fflush(NULL);
    FILE *python = popen(command, "r");
    assert_non_null(python);
    char line[256];
    while (fgets(line, sizeof line, python) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        append(out, line);
    }
    int status = pclose(python);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail_msg("the httpx script failed: %s", out->text);
}

/* Each JSON line of `faultline fetch` as "ok STATUS" or "error KIND". */
static void summarize_fetch_line(const char *line, outcomes_t *out) {
    char item[128];
    const char *kind = strstr(line, "\"error\":{\"kind\":\"");
    if (strncmp(line, "{\"ok\":true,\"status\":", 20) == 0) {
        snprintf(item, sizeof item, "ok %d", atoi(line + 20));
    } else if (kind != NULL) {
        kind += strlen("\"error\":{\"kind\":\"");
        snprintf(item, sizeof item, "error %.*s", (int)strcspn(kind, "\""), kind);
    } else {
        fail_msg("not a fetch line: %s", line);
    }
    append(out, item);
}

static void run_faultline(uint16_t port, const char *method, body_kind_t body, outcomes_t *out) {
    char url[64], repeat[8];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/items", port);
    snprintf(repeat, sizeof repeat, "%d", REQUESTS);
    char *argv[12] = {"fetch", "--timeout", "10", "--repeat", repeat, "-X", (char *)method};
    int argc = 7;
    if (body == BODY_BYTES) {
        argv[argc++] = "-d";
        argv[argc++] = "payload=1";
    } else if (body == BODY_STREAM) {
        argv[argc++] = "--stream-body";
        argv[argc++] = "18";
    }
    argv[argc++] = url;
    FILE *stdout_file = tmpfile(), *stderr_file = tmpfile();
    assert_non_null(stdout_file);
    assert_non_null(stderr_file);
    (void)fl_fetch_main(argc, argv, stdout_file, stderr_file);
    rewind(stdout_file);
    char line[OUTPUT_MAX];
    while (fgets(line, sizeof line, stdout_file) != NULL) summarize_fetch_line(line, out);
    fclose(stdout_file);
    fclose(stderr_file);
}

/* --- the comparison -------------------------------------------------------------- */

typedef struct measured {
    outcomes_t outcomes;
    counts_t counts;
} measured_t;

typedef void (*client_fn)(uint16_t port, const char *method, body_kind_t body, outcomes_t *out);

static measured_t measure(client_fn client, server_mode_t mode, const char *method,
                          body_kind_t body) {
    measured_t m = {0};
    server_t server;
    server_start(&server, mode);
    client(server.port, method, body, &m.outcomes);
    m.counts = server_stop(&server);
    return m;
}

/* Both clients, the same server behaviour: the same outcome, and the one
 * the rule says (expected), printed for the record. */
static void compare(server_mode_t mode, const char *method, body_kind_t body,
                    const char *expected, int connections, int requests) {
    measured_t httpx = measure(run_httpx, mode, method, body);
    measured_t faultline = measure(run_faultline, mode, method, body);
    printf("# %s %s %s: httpx [%s] %d connections %d requests; faultline [%s] %d connections %d requests\n",
           mode == MODE_STALE ? "stale" : "silent", method, body_kind_names[body],
           httpx.outcomes.text, httpx.counts.connections, httpx.counts.requests,
           faultline.outcomes.text, faultline.counts.connections, faultline.counts.requests);
    assert_string_equal(httpx.outcomes.text, expected);
    assert_int_equal(httpx.counts.connections, connections);
    assert_int_equal(httpx.counts.requests, requests);
    assert_string_equal(faultline.outcomes.text, httpx.outcomes.text);
    assert_int_equal(faultline.counts.connections, httpx.counts.connections);
    assert_int_equal(faultline.counts.requests, httpx.counts.requests);
}

static void require_httpx(void) {
    char command[128];
    snprintf(command, sizeof command, "%s -c 'import httpx' 2>/dev/null", PYTHON);
    if (system(command) != 0) fail_msg("%s cannot import httpx: install python3-httpx (make deps)", PYTHON);
}

/* --repeat, the option these comparisons need: parsed, bounded, in --help. */
static void test_repeat_option_is_parsed_and_bounded(void **state) {
    (void)state;
    fl_fetch_args_t args;
    char error[128];
    char *twice[] = {"fetch", "--repeat", "2", "http://x/"};
    assert_int_equal(fl_fetch_parse(4, twice, &args, error, sizeof error), 0);
    assert_int_equal(args.repeat, 2);
    char *plain[] = {"fetch", "http://x/"};
    assert_int_equal(fl_fetch_parse(2, plain, &args, error, sizeof error), 0);
    assert_int_equal(args.repeat, 0); /* one request */
    static const char *const bad[] = {"0", "101", "-1", "two", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"fetch", "--repeat", (char *)bad[i], "http://x/"};
        assert_int_equal(fl_fetch_parse(4, argv, &args, error, sizeof error), -1);
        assert_non_null(strstr(error, "--repeat"));
    }
    char *missing[] = {"fetch", "http://x/", "--repeat"};
    assert_int_equal(fl_fetch_parse(3, missing, &args, error, sizeof error), -1);
    assert_non_null(strstr(error, "--repeat needs a value"));
    FILE *out = tmpfile();
    assert_non_null(out);
    fl_fetch_usage(out);
    rewind(out);
    char usage[4096];
    usage[fread(usage, 1, sizeof usage - 1, out)] = '\0';
    fclose(out);
    assert_non_null(strstr(usage, "--repeat N"));
}

static void test_stale_idle_connection_goes_out_anew_like_httpx(void **state) {
    (void)state;
    require_httpx();
    compare(MODE_STALE, "GET", BODY_NONE, "ok 200; ok 200", 2, 2);
    compare(MODE_STALE, "POST", BODY_BYTES, "ok 200; ok 200", 2, 2);
    compare(MODE_STALE, "PUT", BODY_STREAM, "ok 200; ok 200", 2, 2);
}

static void test_close_without_response_is_not_resent_like_httpx(void **state) {
    (void)state;
    require_httpx();
    compare(MODE_SILENT, "GET", BODY_NONE, "ok 200; error RemoteProtocolError", 1, 2);
    compare(MODE_SILENT, "POST", BODY_BYTES, "ok 200; error RemoteProtocolError", 1, 2);
}

int main(void) {
    /* Belt and braces: the whole binary ends within this, whatever hangs. */
    alarm(240);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeat_option_is_parsed_and_bounded),
        cmocka_unit_test_teardown(test_stale_idle_connection_goes_out_anew_like_httpx,
                                  stop_running_child),
        cmocka_unit_test_teardown(test_close_without_response_is_not_resent_like_httpx,
                                  stop_running_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
