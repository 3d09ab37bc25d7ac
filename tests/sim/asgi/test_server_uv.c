/* The mock server over real sockets (libuv) with the real curl command:
 * a streaming route is received whole, and a curl killed mid-stream shows
 * in the server log as a disconnect and a cancelled body iterator. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/asgi/scripted.h"
#include "sim/asgi/server.h"
#include "sim/net/uvnet.h"
#include "tests/support/runtime_test.h"

static const char CURL[] = "/usr/bin/curl";

typedef struct curl_run {
    fl_asgi_server_t *server;
    int64_t kill_after_ns;   /* 0: let curl finish */
    char output_path[64];
    int exit_status;         /* curl's exit code, or -signal */
    bool finished;
} curl_run_t;

static pid_t start_curl(const char *url, const char *output_path) {
    pid_t pid = fork();
    if (pid == 0) {
        execl(CURL, "curl", "--silent", "--no-buffer", "--max-time", "20", "--output",
              output_path, url, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Runs curl against the server and waits for it (polling: the world's
 * clock is real time here, and waiting must not block the event loop). */
static fl_error_t *curl_task(fl_world_t *w, void *arg) {
    curl_run_t *run = arg;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/stream", fl_asgi_server_port(run->server));
    pid_t pid = start_curl(url, run->output_path);
    assert_true(pid > 0);
    int64_t started = fl_now(w);
    bool killed = false;
    for (;;) {
        int status;
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            run->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            break;
        }
        if (!killed && run->kill_after_ns > 0 && fl_now(w) - started >= run->kill_after_ns) {
            kill(pid, SIGKILL);
            killed = true;
        }
        fl_sleep(w, FL_MS(10));
    }
    /* Give the server a moment to see the connection go and clean up. */
    fl_sleep(w, FL_MS(300));
    run->finished = true;
    fl_asgi_server_stop(run->server);
    fl_world_stop(w);
    return NULL;
}

static fl_asgi_server_t *start_server(fl_world_t *w, size_t chunks, int64_t interval_ns) {
    char error[256];
    fl_net_t *net = fl_uvnet_create(w, NULL, error, sizeof error);
    if (net == NULL) fail_msg("%s", error);
    fl_scripted_step_t steps[] = {{
        .kind = FL_SCRIPTED_STREAM,
        .status = 200,
        .media_type = "text/plain",
        .stream = {.chunk_count = chunks, .interval_ns = interval_ns,
                   .variant = FL_STREAMING_TASK_GROUP, .cleanup = FL_SCRIPTED_CLEANUP_PLAIN,
                   .publish_ns = FL_MS(50)},
    }};
    fl_scripted_spec_t spec = {.name = "stream", .steps = steps, .step_count = 1};
    fl_asgi_app_t *app = fl_scripted_handler_create(w, &spec, error, sizeof error);
    if (app == NULL) fail_msg("%s", error);
    fl_asgi_server_t *server = fl_asgi_server_create(w, net, app, NULL, error, sizeof error);
    assert_non_null(server);
    assert_int_equal(fl_asgi_server_listen(server, "127.0.0.1", 0), FL_OK);
    return server;
}

static void read_file(const char *path, char *out, size_t size) {
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(out, 1, size - 1, f) : 0;
    out[n] = '\0';
    if (f) fclose(f);
}

static void test_curl_receives_the_stream(void **state) {
    (void)state;
    assert_int_equal(access(CURL, X_OK), 0); /* make deps installs curl */
    fl_world_t *w = rt_world("fifo", 1);
    curl_run_t run = {.server = start_server(w, 5, FL_MS(10))};
    snprintf(run.output_path, sizeof run.output_path, "/tmp/faultline-curl-%d.out", (int)getpid());
    fl_spawn(w, "curl", curl_task, &run);
    fl_world_run(w);
    assert_true(run.finished);
    assert_int_equal(run.exit_status, 0);
    char body[256];
    read_file(run.output_path, body, sizeof body);
    unlink(run.output_path);
    assert_string_equal(body, "chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n");
    fl_server_log_t *log = fl_asgi_server_log(run.server);
    assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_DISCONNECT, 0, NULL), 0);
    fl_world_destroy(w);
}

static void test_killed_curl_cancels_the_iterator(void **state) {
    (void)state;
    assert_int_equal(access(CURL, X_OK), 0);
    fl_world_t *w = rt_world("fifo", 1);
    curl_run_t run = {.server = start_server(w, 200, FL_MS(50)), .kill_after_ns = FL_MS(400)};
    snprintf(run.output_path, sizeof run.output_path, "/tmp/faultline-curl-%d.out", (int)getpid());
    fl_spawn(w, "curl", curl_task, &run);
    fl_world_run(w);
    unlink(run.output_path);
    assert_true(run.finished);
    assert_int_equal(run.exit_status, -SIGKILL);
    fl_server_log_t *log = fl_asgi_server_log(run.server);
    if (fl_server_log_matches(log, FL_SERVER_LOG_DISCONNECT, 0, NULL) != 1 ||
        fl_server_log_matches(log, FL_SERVER_LOG_NOTE, 0, "generator cancelled") != 1) {
        fl_server_log_print(log, stderr);
        fail_msg("the server log lacks the disconnect or the cancelled iterator");
    }
    /* The plain cleanup's publish was cancelled again: started, never done. */
    assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_CLEANUP_STARTED, 0, NULL), 1);
    assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_CLEANUP_COMPLETED, 0, NULL), 0);
    /* Nothing is logged as an error for a client that left. */
    assert_int_equal(fl_server_log_matches(log, FL_SERVER_LOG_ERROR, 0, NULL), 0);
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curl_receives_the_stream),
        cmocka_unit_test(test_killed_curl_cancels_the_iterator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
