/* `faultline fetch`, in process: argument errors and --help; real requests
 * over libuv to a refused port, to Debian's python3 http.server and to the
 * mock server (in a child process with its own world): success, 404, a
 * server that closes mid-body, a slow one, a 503 with --retry. Every JSON
 * line is checked by Python's json module.
 *
 * Children are killed at the end of each test and carry their own alarm()
 * (it survives exec), so nothing outlives the test; every wait is bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/real/fetch.h"
#include "tests/support/loopback.h"
#include "tests/support/scratch.h"
#include "sim/asgi/router.h"
#include "sim/asgi/scripted.h"
#include "sim/asgi/server.h"
#include "sim/net/uvnet.h"
#include "sim/runtime/runtime.h"

static const char PYTHON[] = "/usr/bin/python3";

enum {
    CHILD_ALARM_SECONDS = 60, /* a child lives at most this long, whatever happens */
    WAIT_READY_MS = 15000,    /* a server must accept within this */
    OUTPUT_MAX = 64 * 1024,
};

/* --- running the command in process --------------------------------------------------- */

typedef struct outcome {
    int status;
    char out[OUTPUT_MAX];
    char err[OUTPUT_MAX];
} outcome_t;

/* Runs `faultline fetch ARGS...` (NULL-terminated) with out and err captured. */
static outcome_t *fetch(const char *first, ...) {
    static outcome_t outcome;
    const char *argv[SCRATCH_WORDS_MAX] = {"fetch"};
    int argc = 1;
    va_list args;
    va_start(args, first);
    for (const char *arg = first; arg != NULL; arg = va_arg(args, const char *)) {
        assert_true(argc < SCRATCH_WORDS_MAX - 1);
        argv[argc++] = arg;
    }
    va_end(args);
    outcome.status =
        scratch_capture(fl_fetch_main, argv, argc, outcome.out, outcome.err, OUTPUT_MAX);
    return &outcome;
}

/* The line must be one line of JSON of the documented shape: Python's json
 * module parses it and checks the keys and their types. */
static void assert_json_line(const char *text) {
    size_t length = strlen(text);
    assert_true(length > 1);
    assert_int_equal(text[length - 1], '\n');
    assert_null(memchr(text, '\n', length - 1));
    static const char check[] =
        "import json, sys\n"
        "d = json.loads(sys.stdin.read())\n"
        "assert isinstance(d['ok'], bool) and isinstance(d['attempts'], int)\n"
        "if d['ok']:\n"
        "    assert set(d) == {'ok', 'status', 'headers', 'body_bytes', 'attempts'}\n"
        "    assert isinstance(d['status'], int) and isinstance(d['body_bytes'], int)\n"
        "    assert all(isinstance(k, str) and k == k.lower() and isinstance(v, str)\n"
        "               for k, v in d['headers'].items())\n"
        "else:\n"
        "    e = d['error']\n"
        "    assert isinstance(e['kind'], str) and isinstance(e['message'], str)\n"
        "    assert all(isinstance(a, str) for a in e['ancestors'])\n"
        "    assert all(isinstance(n, str) for n in e['notes'])\n"
        "    assert 'Exception' not in e['ancestors'] and 'BaseError' not in e['ancestors']\n";
    char command[sizeof check + 64];
    snprintf(command, sizeof command, "%s -c \"$FL_JSON_CHECK\"", PYTHON);
    setenv("FL_JSON_CHECK", check, 1);
    FILE *python = popen(command, "w");
    assert_non_null(python);
    fwrite(text, 1, length, python);
    int status = pclose(python);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail_msg("not the JSON line expected: %s", text);
}

static void expect_error(const outcome_t *o, const char *kind, const char *ancestors,
                         const char *message_part) {
    assert_int_equal(o->status, FL_FETCH_EXIT_CLIENT_ERROR);
    assert_json_line(o->out);
    assert_string_equal(o->err, "");
    char expected[256];
    snprintf(expected, sizeof expected, "{\"ok\":false,");
    assert_memory_equal(o->out, expected, strlen(expected));
    snprintf(expected, sizeof expected, "\"error\":{\"kind\":\"%s\",\"ancestors\":%s,", kind,
             ancestors);
    if (strstr(o->out, expected) == NULL) fail_msg("expected %s in %s", expected, o->out);
    if (message_part != NULL && strstr(o->out, message_part) == NULL)
        fail_msg("expected '%s' in %s", message_part, o->out);
}

/* --- arguments ------------------------------------------------------------------------ */

static void expect_usage_error(const outcome_t *o, const char *message_part) {
    assert_int_equal(o->status, FL_FETCH_EXIT_USAGE);
    assert_string_equal(o->out, "");
    assert_non_null(strstr(o->err, "usage: faultline fetch"));
    if (strstr(o->err, message_part) == NULL) fail_msg("expected '%s' in: %s", message_part, o->err);
}

static void test_bad_arguments_exit_2_with_usage(void **state) {
    (void)state;
    expect_usage_error(fetch(NULL), "no URL given");
    expect_usage_error(fetch("--bogus", "http://x/", NULL), "unknown option '--bogus'");
    expect_usage_error(fetch("http://x/", "-X", NULL), "-X needs a value");
    expect_usage_error(fetch("http://a/", "http://b/", NULL), "more than one URL");
    expect_usage_error(fetch("-H", "no colon", "http://x/", NULL), "expected 'Name: value'");
    expect_usage_error(fetch("-H", "bad name: v", "http://x/", NULL), "invalid header");
    expect_usage_error(fetch("-d", "a", "--stream-body", "5", "http://x/", NULL),
                       "a body was already given");
    expect_usage_error(fetch("--stream-body", "-1", "http://x/", NULL), "--stream-body '-1'");
    expect_usage_error(fetch("--stream-body", "12x", "http://x/", NULL), "--stream-body '12x'");
    expect_usage_error(fetch("--timeout", "0", "http://x/", NULL), "--timeout '0'");
    expect_usage_error(fetch("--timeout", "nan", "http://x/", NULL), "--timeout 'nan'");
    expect_usage_error(fetch("--timeout", "1e3", "http://x/", NULL), "--timeout '1e3'");
    expect_usage_error(fetch("--timeout", "90000", "http://x/", NULL), "--timeout '90000'");
    expect_usage_error(fetch("--retry", "0", "http://x/", NULL), "--retry '0'");
    expect_usage_error(fetch("--retry", "101", "http://x/", NULL), "--retry '101'");
    expect_usage_error(fetch("-d", "@", "http://x/", NULL), "no file name");
    /* An unreadable body file names the file. */
    expect_usage_error(fetch("-d", "@/nonexistent/faultline-body", "http://x/", NULL),
                       "/nonexistent/faultline-body");
}

static void test_help_prints_usage_on_out(void **state) {
    (void)state;
    outcome_t *o = fetch("--help", NULL);
    assert_int_equal(o->status, FL_FETCH_EXIT_OK);
    assert_non_null(strstr(o->out, "usage: faultline fetch"));
    assert_string_equal(o->err, "");
    o = fetch("-h", "http://ignored/", NULL);
    assert_int_equal(o->status, FL_FETCH_EXIT_OK);
    assert_non_null(strstr(o->out, "--stream-body"));
}

static void test_parse_reads_every_option(void **state) {
    (void)state;
    char *argv[] = {"fetch", "-X", "PUT", "-H", "A: 1", "--header", "B: 2", "--stream-body",
                    "1000", "--timeout", "0.25", "--retry", "4", "--", "-odd-url"};
    fl_fetch_args_t args;
    char error[128];
    assert_int_equal(fl_fetch_parse(sizeof argv / sizeof argv[0], argv, &args, error, sizeof error), 0);
    assert_string_equal(args.method, "PUT");
    assert_int_equal(args.header_count, 2);
    assert_string_equal(args.headers[1], "B: 2");
    assert_int_equal(args.body, FL_FETCH_BODY_STREAM);
    assert_int_equal(args.stream_bytes, 1000);
    assert_int_equal(args.timeout_ns, FL_MS(250));
    assert_int_equal(args.retry_attempts, 4);
    assert_string_equal(args.url, "-odd-url");
}

static void test_unusable_urls_are_client_errors(void **state) {
    (void)state;
    outcome_t *o = fetch("https://example.invalid/", NULL);
    expect_error(o, "UnsupportedProtocol", "[\"TransportError\",\"ClientError\"]", "'https://'");
    assert_non_null(strstr(o->out, "\"attempts\":0}"));
    o = fetch("http://", NULL);
    expect_error(o, "InvalidURL", "[\"TransportError\",\"ClientError\"]", NULL);
    o = fetch("-X", "BAD METHOD", "http://x/", NULL);
    expect_error(o, "LocalProtocolError", "[\"ProtocolError\",\"TransportError\",\"ClientError\"]",
                 NULL);
}

static void test_error_json_escapes_and_lists_notes(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_error_t *cause = fl_error_new(&arena, FL_ERR_READ_TIMEOUT, "slow");
    fl_error_t *error = fl_error_new(&arena, FL_ERR_RETRY_BUDGET_EXHAUSTED, "say \"no\"\n\x01");
    error->cause = cause;
    fl_error_add_note(&arena, error, "a\\b");
    fl_error_add_note(&arena, error, "second");
    char text[1024] = {0};
    FILE *out = fmemopen(text, sizeof text - 1, "w");
    assert_non_null(out);
    fl_fetch_write_error(out, error, 7);
    fclose(out);
    assert_json_line(text);
    assert_string_equal(text,
                        "{\"ok\":false,\"error\":{\"kind\":\"RetryBudgetExhausted\",\"ancestors\":"
                        "[\"ClientError\"],\"message\":\"say \\\"no\\\"\\n\\u0001\",\"notes\":"
                        "[\"a\\\\b\",\"second\"],\"cause\":{\"kind\":\"ReadTimeout\",\"ancestors\":"
                        "[\"TimeoutError\",\"ClientError\"],\"message\":\"slow\",\"notes\":[]}},"
                        "\"attempts\":7}\n");
    fl_arena_destroy(&arena);
}

/* --- ports and children ------------------------------------------------------------- */

/* Waits (bounded) until port accepts; fails the test if the child died. */
static void wait_until_accepting(pid_t child, uint16_t port) {
    for (int waited = 0; waited < WAIT_READY_MS; waited += 20) {
        if (loopback_accepts(port)) return;
        int status;
        if (waitpid(child, &status, WNOHANG) == child) fail_msg("the server exited before accepting");
        loopback_sleep_ms(20);
    }
    fail_msg("the server did not accept on port %u within %d ms", port, WAIT_READY_MS);
}

/* The children a test started and has not stopped yet: the teardown stops
 * them when a failed assertion left the test early. */
enum { CHILDREN_MAX = 4 };
static pid_t children[CHILDREN_MAX];
static size_t child_count;

static void track_child(pid_t child) {
    assert_true(child_count < CHILDREN_MAX);
    children[child_count++] = child;
}

static void stop_child(pid_t child) {
    kill(child, SIGKILL);
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) continue;
    for (size_t i = 0; i < child_count; i++) {
        if (children[i] == child) {
            children[i] = children[--child_count];
            break;
        }
    }
}

static int stop_children(void **state) {
    (void)state;
    while (child_count > 0) stop_child(children[child_count - 1]);
    return 0;
}

static void test_refused_port_is_connect_error(void **state) {
    (void)state;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", loopback_free_port());
    outcome_t *o = fetch(url, NULL);
    expect_error(o, "ConnectError", "[\"NetworkError\",\"TransportError\",\"ClientError\"]",
                 "connection refused");
    assert_non_null(strstr(o->out, "\"notes\":[]},\"attempts\":1}"));
}

static void test_retry_gives_up_after_its_attempts(void **state) {
    (void)state;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", loopback_free_port());
    outcome_t *o = fetch("--retry", "3", "--timeout", "2", url, NULL);
    expect_error(o, "ConnectError", "[\"NetworkError\",\"TransportError\",\"ClientError\"]",
                 "faultline: gave up after 3 attempts");
    assert_non_null(strstr(o->out, "\"attempts\":3}"));
}

/* --- Debian's python3 http.server ----------------------------------------------------- */

typedef struct python_server {
    pid_t pid;
    uint16_t port;
    char directory[64];
    char file[96];
} python_server_t;

static void python_server_start(python_server_t *server) {
    assert_int_equal(access(PYTHON, X_OK), 0);
    snprintf(server->directory, sizeof server->directory, "/tmp/faultline-fetch-XXXXXX");
    assert_non_null(mkdtemp(server->directory));
    snprintf(server->file, sizeof server->file, "%s/hello.txt", server->directory);
    FILE *file = fopen(server->file, "wb");
    assert_non_null(file);
    for (int i = 0; i < 1000; i++) fputs("hello, world\n", file); /* 13,000 bytes */
    fclose(file);
    server->port = loopback_free_port();
    char port[8];
    snprintf(port, sizeof port, "%u", server->port);
    fflush(NULL); /* nothing buffered may be written twice */
    server->pid = fork();
    assert_true(server->pid >= 0);
    if (server->pid == 0) {
        alarm(CHILD_ALARM_SECONDS);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execl(PYTHON, "python3", "-m", "http.server", "--bind", "127.0.0.1", port, "--directory",
              server->directory, (char *)NULL);
        _exit(127);
    }
    track_child(server->pid);
    wait_until_accepting(server->pid, server->port);
}

static void python_server_stop(python_server_t *server) {
    stop_child(server->pid);
    unlink(server->file);
    rmdir(server->directory);
}

static void test_python_server_file_and_missing_file(void **state) {
    (void)state;
    python_server_t server;
    python_server_start(&server);
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hello.txt", server.port);
    outcome_t *o = fetch("--timeout", "10", url, NULL);
    assert_int_equal(o->status, FL_FETCH_EXIT_OK);
    assert_json_line(o->out);
    assert_string_equal(o->err, "");
    assert_memory_equal(o->out, "{\"ok\":true,\"status\":200,\"headers\":{", 35);
    assert_non_null(strstr(o->out, "\"content-length\":\"13000\""));
    assert_non_null(strstr(o->out, "\"server\":\"SimpleHTTP/"));
    assert_non_null(strstr(o->out, "},\"body_bytes\":13000,\"attempts\":1}\n"));

    snprintf(url, sizeof url, "http://127.0.0.1:%u/missing.txt", server.port);
    o = fetch("--timeout", "10", url, NULL);
    expect_error(o, "NotFound", "[\"ClientStatusError\",\"StatusError\",\"ClientError\"]",
                 "Client error '404 Not Found'");
    assert_non_null(strstr(o->out, "{\"ok\":false,\"status\":404,"));

    /* http.server has no POST: 501, a ServerStatusError; the body came from the file. */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hello.txt", server.port);
    char data[128];
    snprintf(data, sizeof data, "@%s", server.file);
    o = fetch("--timeout", "10", "-d", data, url, NULL);
    expect_error(o, "ServerStatusError", "[\"StatusError\",\"ClientError\"]", "'501");
    python_server_stop(&server);
}

/* --- the mock server, in a child with its own world over uvnet ------------------------ */

static fl_asgi_app_t *mock_routes(fl_world_t *w) {
    static const fl_asgi_header_t headers[] = {
        {"x-dup", "first"}, {"x-quote", "say \"hi\" \\ there"}, {"x-dup", "second"}};
    fl_scripted_step_t hello[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "hello",
                                   .headers = headers, .header_count = 3}};
    fl_scripted_step_t cut[] = {{.kind = FL_SCRIPTED_STREAM, .status = 200,
                                 .stream = {.chunk_count = 5, .interval_ns = FL_MS(5),
                                            .fail_at_chunk = 3, .fail_kind = FL_ERR_VALUE_ERROR}}};
    fl_scripted_step_t slow[] = {{.kind = FL_SCRIPTED_SLEEP, .duration_ns = FL_SECONDS(20)},
                                 {.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "late"}};
    fl_scripted_step_t busy[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 503, .body = "busy"}};
    fl_scripted_step_t upload[] = {{.kind = FL_SCRIPTED_READ_BODY},
                                   {.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "got it"}};
    struct { const char *method, *path; fl_scripted_step_t *steps; size_t count; } routes[] = {
        {"GET", "/hello", hello, 1}, {"GET", "/cut", cut, 1}, {"GET", "/slow", slow, 2},
        {"GET", "/busy", busy, 1},   {"POST", "/upload", upload, 2},
    };
    fl_router_t *router = fl_router_create(w);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        fl_scripted_spec_t spec = {.name = routes[i].path, .steps = routes[i].steps,
                                   .step_count = routes[i].count};
        fl_asgi_app_t *app = fl_scripted_handler_create(w, &spec, NULL, 0);
        if (app == NULL) _exit(3);
        fl_router_add(router, routes[i].method, routes[i].path, app);
    }
    return fl_router_app(router);
}

/* The child: a world with the mock server over uvnet; writes its port to
 * the pipe, then serves until killed (or its alarm). */
static void mock_server_child(int port_pipe) {
    alarm(CHILD_ALARM_SECONDS);
    fl_world_options_t options = {.seed = 1, .time_limit_ns = FL_SECONDS(3600),
                                  .step_limit = UINT64_MAX / 2};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    fl_net_t *net = w ? fl_uvnet_create(w, NULL, NULL, 0) : NULL;
    fl_asgi_server_t *server = net ? fl_asgi_server_create(w, net, mock_routes(w), NULL, NULL, 0) : NULL;
    if (server == NULL || fl_asgi_server_listen(server, "127.0.0.1", 0) != FL_OK) _exit(2);
    uint16_t port = fl_asgi_server_port(server);
    if (write(port_pipe, &port, sizeof port) != (ssize_t)sizeof port) _exit(2);
    close(port_pipe);
    fl_world_run(w);
    _exit(0);
}

typedef struct mock_server {
    pid_t pid;
    uint16_t port;
} mock_server_t;

static void mock_server_start(mock_server_t *server) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL); /* nothing buffered may be written twice */
    server->pid = fork();
    assert_true(server->pid >= 0);
    if (server->pid == 0) {
        close(fds[0]);
        mock_server_child(fds[1]);
    }
    track_child(server->pid);
    close(fds[1]);
    struct pollfd ready = {.fd = fds[0], .events = POLLIN};
    if (poll(&ready, 1, WAIT_READY_MS) != 1 ||
        read(fds[0], &server->port, sizeof server->port) != (ssize_t)sizeof server->port) {
        stop_child(server->pid);
        fail_msg("the mock server did not report its port");
    }
    close(fds[0]);
    wait_until_accepting(server->pid, server->port);
}

static const char *mock_url(const mock_server_t *server, const char *path) {
    static char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", server->port, path);
    return url;
}

static void test_mock_server_headers_are_joined_and_escaped(void **state) {
    (void)state;
    mock_server_t server;
    mock_server_start(&server);
    outcome_t *o = fetch(mock_url(&server, "/hello"), NULL);
    assert_int_equal(o->status, FL_FETCH_EXIT_OK);
    assert_json_line(o->out);
    assert_non_null(strstr(o->out, "\"x-dup\":\"first, second\""));
    assert_non_null(strstr(o->out, "\"x-quote\":\"say \\\"hi\\\" \\\\ there\""));
    assert_non_null(strstr(o->out, "\"body_bytes\":5,\"attempts\":1}"));
    stop_child(server.pid);
}

static void test_mock_server_closing_mid_body_is_remote_protocol_error(void **state) {
    (void)state;
    mock_server_t server;
    mock_server_start(&server);
    outcome_t *o = fetch("--timeout", "10", mock_url(&server, "/cut"), NULL);
    expect_error(o, "RemoteProtocolError", "[\"ProtocolError\",\"TransportError\",\"ClientError\"]",
                 "incomplete chunked read");
    assert_non_null(strstr(o->out, "\"attempts\":1}"));
    stop_child(server.pid);
}

static void test_slow_server_is_read_timeout(void **state) {
    (void)state;
    mock_server_t server;
    mock_server_start(&server);
    outcome_t *o = fetch("--timeout", "0.3", mock_url(&server, "/slow"), NULL);
    expect_error(o, "ReadTimeout", "[\"TimeoutError\",\"ClientError\"]", NULL);
    stop_child(server.pid);
}

static void test_retry_on_503_counts_attempts(void **state) {
    (void)state;
    mock_server_t server;
    mock_server_start(&server);
    outcome_t *o = fetch("--retry", "3", mock_url(&server, "/busy"), NULL);
    expect_error(o, "ServiceUnavailable", "[\"ServerStatusError\",\"StatusError\",\"ClientError\"]",
                 "faultline: gave up after 3 attempts");
    assert_non_null(strstr(o->out, "{\"ok\":false,\"status\":503,\"body_bytes\":4,"));
    assert_non_null(strstr(o->out, "\"attempts\":3}"));
    stop_child(server.pid);
}

static void test_bodies_go_out(void **state) {
    (void)state;
    mock_server_t server;
    mock_server_start(&server);
    const char *url = mock_url(&server, "/upload");
    /* -d implies POST, as curl does; --stream-body goes out chunked. */
    outcome_t *o = fetch("-d", "some bytes", url, NULL);
    assert_int_equal(o->status, FL_FETCH_EXIT_OK);
    assert_json_line(o->out);
    assert_non_null(strstr(o->out, "\"body_bytes\":6,"));
    o = fetch("--stream-body", "300000", "-H", "Content-Type: application/octet-stream", url, NULL);
    assert_int_equal(o->status, FL_FETCH_EXIT_OK);
    assert_json_line(o->out);
    assert_non_null(strstr(o->out, "\"status\":200,"));
    o = fetch("-X", "POST", "--stream-body", "0", url, NULL);
    assert_int_equal(o->status, FL_FETCH_EXIT_OK);
    /* A one-shot stream is never replayed: with --retry against a refused
     * port the streamed-body note ends it after one attempt. */
    char refused[64];
    snprintf(refused, sizeof refused, "http://127.0.0.1:%u/", loopback_free_port());
    o = fetch("-X", "PUT", "--retry", "3", "--stream-body", "10", refused, NULL);
    expect_error(o, "ConnectError", "[\"NetworkError\",\"TransportError\",\"ClientError\"]",
                 "not retrying");
    assert_non_null(strstr(o->out, "\"attempts\":1}"));
    stop_child(server.pid);
}

int main(void) {
    /* Belt and braces: the whole binary ends within this, whatever hangs. */
    alarm(240);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_arguments_exit_2_with_usage),
        cmocka_unit_test(test_help_prints_usage_on_out),
        cmocka_unit_test(test_parse_reads_every_option),
        cmocka_unit_test(test_unusable_urls_are_client_errors),
        cmocka_unit_test(test_error_json_escapes_and_lists_notes),
        cmocka_unit_test(test_refused_port_is_connect_error),
        cmocka_unit_test(test_retry_gives_up_after_its_attempts),
        cmocka_unit_test_teardown(test_python_server_file_and_missing_file, stop_children),
        cmocka_unit_test_teardown(test_mock_server_headers_are_joined_and_escaped, stop_children),
        cmocka_unit_test_teardown(test_mock_server_closing_mid_body_is_remote_protocol_error, stop_children),
        cmocka_unit_test_teardown(test_slow_server_is_read_timeout, stop_children),
        cmocka_unit_test_teardown(test_retry_on_503_counts_attempts, stop_children),
        cmocka_unit_test_teardown(test_bodies_go_out, stop_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
