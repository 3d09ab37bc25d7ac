/* The server's memory over a long run on real sockets, by its counters, not
 * by time: with release_memory (what `faultline serve` sets), 500 more
 * connections of two requests each (one an upload of 64 KiB) leave the
 * world's task count, the world's arena and the heap in use where 50 left
 * them. Without it each connection kept ~14 KB and each request ~2 KB
 * (and each upload twice its body) until the world ended; this test fails
 * then. The client is a child process on raw sockets, told by a pipe when
 * to start its second round, so the counters are read between rounds, with
 * every connection closed. The same holds behind two BaseHTTPMiddleware
 * layers, whose task-group tasks and their channels, events and groups once
 * stayed in the world's arena and task table: ~2.8 KB a request. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/asgi/base_middleware.h"
#include "sim/asgi/server.h"
#include "sim/net/uvnet.h"
#include "sim/runtime/runtime.h"

enum { ROUND_ONE = 50, ROUND_TWO = 500, UPLOAD_BYTES = 64 * 1024 };

/* Reads the whole body, then answers "ok". */
static fl_error_t *endpoint_call(fl_asgi_app_t *self, fl_world_t *w, const fl_asgi_scope_t *scope,
                                 fl_asgi_receive_t receive, fl_asgi_send_t send) {
    (void)self, (void)scope;
    for (int i = 0; i < 1000; i++) {
        fl_asgi_message_t m;
        fl_error_t *error = fl_asgi_receive(w, receive, &m);
        if (error != NULL) return error;
        if (m.type != FL_ASGI_HTTP_REQUEST || !m.more_body) break;
    }
    static const fl_asgi_header_t headers[] = {{"content-length", "2"}};
    fl_asgi_message_t start = fl_asgi_start(200, headers, 1);
    fl_error_t *error = fl_asgi_send(w, send, &start);
    if (error != NULL) return error;
    fl_asgi_message_t body = fl_asgi_body("ok", 2, false);
    return fl_asgi_send(w, send, &body);
}

static bool read_reply(int fd) {
    char reply[512];
    size_t have = 0;
    while (have < 4 || memcmp(reply + have - 4, "\r\nok", 4) != 0) {
        ssize_t n = read(fd, reply + have, sizeof reply - have);
        if (n <= 0 || have + (size_t)n >= sizeof reply) return false;
        have += (size_t)n;
    }
    return true;
}

/* One connection: a GET, then a POST of UPLOAD_BYTES, keep-alive. */
static bool one_connection(uint16_t port) {
    static char upload[UPLOAD_BYTES];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) return false;
    static const char GET[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    char post[128];
    int head = snprintf(post, sizeof post,
                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", UPLOAD_BYTES);
    bool ok = write(fd, GET, sizeof GET - 1) == (ssize_t)(sizeof GET - 1) && read_reply(fd) &&
              write(fd, post, (size_t)head) == head &&
              write(fd, upload, sizeof upload) == (ssize_t)sizeof upload && read_reply(fd);
    close(fd);
    return ok;
}

static void client_main(uint16_t port, int go) {
    bool ok = true;
    for (int i = 0; i < ROUND_ONE && ok; i++) ok = one_connection(port);
    char byte;
    if (read(go, &byte, 1) != 1) _exit(3);
    for (int i = 0; i < ROUND_TWO && ok; i++) ok = one_connection(port);
    _exit(ok ? 0 : 1);
}

typedef struct counters {
    size_t tasks;
    size_t arena_bytes;
    size_t heap_bytes;
} counters_t;

typedef struct watch {
    fl_asgi_server_t *server;
    int go;             /* the pipe's write end: starts the client's second round */
    counters_t after_one, after_two;
} watch_t;

static counters_t read_counters(fl_world_t *w) {
    return (counters_t){.tasks = fl_world_task_count(w),
                        .arena_bytes = fl_world_arena(w)->bytes_reserved,
                        .heap_bytes = mallinfo2().uordblks};
}

/* Polls (the clock is real here) until this many requests were served and
 * every connection has ended; gives up after 60 s. */
static void wait_for(fl_world_t *w, watch_t *watch, uint64_t requests) {
    for (int i = 0; i < 6000; i++) {
        if (fl_asgi_server_stats(watch->server).requests >= requests &&
            fl_asgi_server_open_connections(watch->server) == 0)
            return;
        fl_sleep(w, FL_MS(10));
    }
    fail_msg("the client did not finish: %llu requests",
             (unsigned long long)fl_asgi_server_stats(watch->server).requests);
}

static fl_error_t *watch_task(fl_world_t *w, void *arg) {
    watch_t *watch = arg;
    wait_for(w, watch, 2 * ROUND_ONE);
    watch->after_one = read_counters(w);
    assert_int_equal(write(watch->go, "g", 1), 1);
    wait_for(w, watch, 2 * (ROUND_ONE + ROUND_TWO));
    watch->after_two = read_counters(w);
    fl_world_stop(w);
    return NULL;
}

static void discard(void *context, const fl_server_log_entry_t *entry) {
    (void)context, (void)entry;
}

/* The app served: the endpoint, or the endpoint behind two middleware layers. */
static fl_asgi_app_t *served_app(fl_world_t *w, bool behind_middleware) {
    static fl_asgi_app_t endpoint = {"endpoint", endpoint_call};
    if (!behind_middleware) return &endpoint;
    const fl_base_middleware_version_t version = FL_BASE_MIDDLEWARE_0_38;
    fl_asgi_app_t *inner = fl_base_middleware_create(w, &endpoint, version, NULL, NULL);
    return fl_base_middleware_create(w, inner, version, NULL, NULL);
}

static void run(bool release_memory, bool behind_middleware, watch_t *watch) {
    fl_world_options_t options = {.seed = 1, .time_limit_ns = FL_SECONDS(3600),
                                  .step_limit = UINT64_MAX / 2, .schedule_unkept = true};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    char error[256];
    fl_net_t *net = fl_uvnet_create(w, NULL, error, sizeof error);
    if (net == NULL) fail_msg("%s", error);
    fl_asgi_server_options_t server_options = {.release_memory = release_memory};
    watch->server = fl_asgi_server_create(w, net, served_app(w, behind_middleware),
                                          &server_options, error, sizeof error);
    assert_non_null(watch->server);
    assert_int_equal(fl_asgi_server_listen(watch->server, "127.0.0.1", 0), FL_OK);
    /* The log would keep every request's entries: streamed nowhere. */
    fl_server_log_set_sink(fl_asgi_server_log(watch->server), discard, NULL);
    int pipe_ends[2];
    assert_int_equal(pipe(pipe_ends), 0);
    pid_t child = fork();
    if (child == 0) {
        close(pipe_ends[1]);
        client_main(fl_asgi_server_port(watch->server), pipe_ends[0]);
    }
    close(pipe_ends[0]);
    watch->go = pipe_ends[1];
    fl_spawn(w, "watch", watch_task, watch);
    fl_world_run(w);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(watch->go);
    fl_world_destroy(w);
}

static void assert_flat(const watch_t *watch) {
    /* The pool's workers: as many as ran at once, not one per task started. */
    assert_true(watch->after_two.tasks <= watch->after_one.tasks + 6);
    /* The world's arena: not one more chunk's worth (16 KiB) per 100 connections. */
    assert_true(watch->after_two.arena_bytes <= watch->after_one.arena_bytes + 64 * 1024);
    /* The heap: a connection's buffers and an upload's body go back. */
    assert_true(watch->after_two.heap_bytes <= watch->after_one.heap_bytes + 256 * 1024);
}

static void test_ten_times_the_connections_leave_the_counters_flat(void **state) {
    (void)state;
    watch_t watch = {0};
    run(true, false, &watch);
    assert_flat(&watch);
}

static void test_behind_two_middleware_layers_the_counters_stay_flat(void **state) {
    (void)state;
    watch_t watch = {0};
    run(true, true, &watch);
    print_message("behind two BaseHTTPMiddleware 0.38: %zu -> %zu tasks, %zu -> %zu arena bytes, "
                  "%zu -> %zu heap bytes\n",
                  watch.after_one.tasks, watch.after_two.tasks, watch.after_one.arena_bytes,
                  watch.after_two.arena_bytes, watch.after_one.heap_bytes,
                  watch.after_two.heap_bytes);
    assert_flat(&watch);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ten_times_the_connections_leave_the_counters_flat),
        cmocka_unit_test(test_behind_two_middleware_layers_the_counters_stay_flat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
