#include "harness/real/serve.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/options.h"
#include "harness/model/loader.h"
#include "harness/real/serve_log.h"
#include "harness/real/serve_shutdown.h"
#include "harness/world/scenario_app.h"
#include "sim/asgi/server.h"
#include "sim/net/uvnet.h"
#include "sim/runtime/status.h"

static const char *USAGE =
    "usage: faultline serve FILE [--listen HOST:PORT] [--duration SECONDS]\n"
    "                       [--log-level LEVEL] [--log-json] [--timeout-graceful-shutdown S]\n"
    "  serves the scenario's routes over real sockets (default 127.0.0.1:8000), with its\n"
    "  time and byte faults; runs until SIGINT or SIGTERM, or for --duration seconds.\n"
    "  A signal stops accepting and lets requests in progress finish, for at most\n"
    "  --timeout-graceful-shutdown seconds (default 30); a second signal stops at once.\n"
    "  The log goes to stderr as uvicorn's does: --log-level critical, error, warning,\n"
    "  info (default), debug or trace; --log-json writes one JSON object per line.\n";

enum { GRACEFUL_TIMEOUT_DEFAULT_S = 30 };

typedef struct serve_args {
    const char *file;
    char host[64];
    uint16_t port;
    long duration_s; /* 0: until interrupted */
    int64_t graceful_timeout_ns;
    fl_serve_log_t log;
} serve_args_t;

/* HOST:PORT into a; false when it is not one. */
static bool parse_listen(const char *value, serve_args_t *a) {
    assert(value != NULL && a != NULL);
    const char *colon = strrchr(value, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (colon == NULL || colon == value || (size_t)(colon - value) >= sizeof a->host ||
        *end != '\0' || port < 1 || port > 65535)
        return false;
    memcpy(a->host, value, (size_t)(colon - value));
    a->host[colon - value] = '\0';
    a->port = (uint16_t)port;
    return true;
}

static int parse(int argc, char **argv, serve_args_t *a, FILE *err) {
    assert(argc >= 1 && argv != NULL && a != NULL && err != NULL);
    memset(a, 0, sizeof *a);
    strcpy(a->host, "127.0.0.1");
    a->port = 8000;
    a->log = (fl_serve_log_t){.out = err, .level = FL_SERVE_LOG_INFO};
    fl_options_t o;
    int status = fl_options_parse(argc, argv, &o, USAGE, FL_ACCEPTS_SERVE, err);
    if (status != 0) return status;
    if (o.path_count != 1) {
        fprintf(err, "faultline serve: one scenario file only\n");
        fl_options_print_synopsis(err, "serve", USAGE);
        return 2;
    }
    a->file = o.paths[0];
    if (o.listen != NULL && !parse_listen(o.listen, a)) {
        fprintf(err, "faultline serve: --listen takes HOST:PORT, got '%s'\n", o.listen);
        fl_options_print_synopsis(err, "serve", USAGE);
        return 2;
    }
    a->duration_s = (long)o.duration_seconds;
    uint64_t graceful_s = o.has_graceful_timeout ? o.graceful_timeout_seconds
                                                 : GRACEFUL_TIMEOUT_DEFAULT_S;
    a->graceful_timeout_ns = FL_SECONDS(graceful_s);
    if (o.log_level != NULL && !fl_serve_log_level_parse(o.log_level, &a->log.level))
        assert(!"options.c checked the level");
    a->log.json = o.log_json;
    assert(a->port >= 1 && a->duration_s >= 0 && strlen(a->host) < sizeof a->host);
    return 0;
}

static fl_error_t *stop_after(fl_world_t *w, void *arg) {
    assert(w != NULL && arg != NULL);
    long seconds = *(long *)arg;
    assert(seconds > 0);
    fl_sleep(w, FL_SECONDS(seconds));
    fl_world_stop(w);
    return NULL;
}

/* The server for the scenario on net, as a long run wants it: memory given
 * back as connections and requests end, the log streamed, not kept. */
static fl_asgi_server_t *create_server(fl_world_t *w, fl_net_t *net, const fl_scenario_t *s,
                                       serve_args_t *a, char *error, size_t error_size) {
    fl_asgi_app_t *app = fl_scenario_server_app(w, &s->server, error, error_size);
    if (app == NULL) return NULL;
    fl_asgi_server_options_t server_options = {
        .spec_version = s->server.spec_version,
        .header_timeout_ns = s->server.header_timeout_ns,
        .keep_alive_timeout_ns = s->server.keep_alive_timeout_ns,
        .release_memory = true,
        .hooks = {.context = &a->log, .peer = fl_uvnet_peer,
                  .connection = fl_serve_log_connection, .response = fl_serve_log_response}};
    fl_asgi_server_t *server =
        fl_asgi_server_create(w, net, app, &server_options, error, error_size);
    if (server != NULL)
        fl_server_log_set_sink(fl_asgi_server_log(server), fl_serve_log_entry, &a->log);
    return server;
}

/* What the run did, on out and in the log; the exit status. */
static int summarise(fl_asgi_server_t *server, fl_net_t *net, const fl_serve_shutdown_t *shutdown,
                     const serve_args_t *a, FILE *out) {
    fl_asgi_server_stats_t stats = fl_asgi_server_stats(server);
    fprintf(out, "served %llu requests on %llu connections (%llu responses completed, "
                 "%llu faults fired)\n",
            (unsigned long long)stats.requests, (unsigned long long)stats.connections,
            (unsigned long long)stats.responses_completed,
            (unsigned long long)fl_uvnet_faults_fired(net));
    fflush(out);
    char line[64];
    snprintf(line, sizeof line, "Finished server process [%ld]", (long)getpid());
    fl_serve_log_line(&a->log, FL_SERVE_LOG_INFO, line);
    return shutdown->signals.forced ? 1 : 0;
}

int fl_cli_serve(int argc, char **argv, FILE *out, FILE *err) {
    assert(out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) {
        fputs(USAGE, out);
        return 0;
    }
    serve_args_t a;
    int status = parse(argc, argv, &a, err);
    if (status != 0) return status;
    assert(a.file != NULL);
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    if (fl_scenario_load_file(&arena, a.file, &s, error, sizeof error) != FL_OK) {
        fprintf(err, "%s\n", error);
        fl_arena_destroy(&arena);
        return 2;
    }
    /* Real time: no virtual limit worth having; a year is "until stopped". */
    fl_world_options_t options = {.seed = 1, .policy = "fifo", .time_limit_ns = FL_SECONDS(31536000),
                                  .step_limit = UINT64_MAX / 2, .schedule_unkept = true};
    fl_world_t *w = fl_world_create(&options, error, sizeof error);
    assert(w != NULL && "the options are constant and valid");
    fl_net_t *net = fl_uvnet_create(w, s.fault_plan, error, sizeof error);
    fl_asgi_server_t *server = net ? create_server(w, net, &s, &a, error, sizeof error) : NULL;
    if (server == NULL) {
        fprintf(err, "faultline serve: %s: %s\n", a.file, error);
        fl_world_destroy(w);
        fl_arena_destroy(&arena);
        return 2;
    }
    status = fl_asgi_server_listen(server, a.host, a.port);
    if (status != FL_OK) {
        fprintf(err, "faultline serve: cannot listen on %s:%u: %s\n", a.host, a.port,
                fl_status_message(status));
        fl_world_destroy(w);
        fl_arena_destroy(&arena);
        return 2;
    }
    /* The port is given (1..65535), so the listener holds that one. */
    assert(fl_asgi_server_port(server) == a.port);
    char line[160];
    snprintf(line, sizeof line, "Started server process [%ld]", (long)getpid());
    fl_serve_log_line(&a.log, FL_SERVE_LOG_INFO, line);
    fprintf(out, "serving '%s' on http://%s:%u/ (%zu routes, %zu faults)\n", s.name, a.host,
            fl_asgi_server_port(server), s.server.route_count, s.fault_count);
    fflush(out);
    fl_serve_shutdown_t shutdown;
    fl_serve_shutdown_start(&shutdown, w, net, server, &a.log, a.graceful_timeout_ns);
    if (a.duration_s > 0) fl_spawn(w, "serve timer", stop_after, &a.duration_s);
    fl_world_run(w);
    status = summarise(server, net, &shutdown, &a, out);
    fl_world_destroy(w);
    fl_arena_destroy(&arena);
    return status;
}
