#include "harness/real/serve.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "harness/world/scenario_app.h"
#include "sim/asgi/server.h"
#include "sim/net/uvnet.h"
#include "sim/runtime/status.h"

static const char *USAGE =
    "usage: faultline serve FILE [--listen HOST:PORT] [--duration SECONDS]\n"
    "  serves the scenario's routes over real sockets (default 127.0.0.1:8000), with its\n"
    "  time and byte faults; runs until interrupted, or for --duration seconds.\n";

typedef struct serve_args {
    const char *file;
    char host[64];
    uint16_t port;
    long duration_s; /* 0: until interrupted */
} serve_args_t;

static int parse(int argc, char **argv, serve_args_t *a, FILE *err) {
    assert(argc >= 1 && argv != NULL && a != NULL && err != NULL);
    memset(a, 0, sizeof *a);
    strcpy(a->host, "127.0.0.1");
    a->port = 8000;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--listen") == 0 && value != NULL) {
            const char *colon = strrchr(value, ':');
            char *end;
            long port = colon ? strtol(colon + 1, &end, 10) : -1;
            if (colon == NULL || colon == value || (size_t)(colon - value) >= sizeof a->host ||
                *end != '\0' || port < 1 || port > 65535) {
                fprintf(err, "faultline serve: --listen takes HOST:PORT, got '%s'\n%s", value, USAGE);
                return 2;
            }
            memcpy(a->host, value, (size_t)(colon - value));
            a->host[colon - value] = '\0';
            a->port = (uint16_t)port;
            i++;
        } else if (strcmp(argv[i], "--duration") == 0 && value != NULL) {
            char *end;
            a->duration_s = strtol(value, &end, 10);
            if (*end != '\0' || a->duration_s < 1 || a->duration_s > 86400 * 365) {
                fprintf(err, "faultline serve: --duration takes whole seconds, got '%s'\n%s", value,
                        USAGE);
                return 2;
            }
            i++;
        } else if (argv[i][0] == '-') {
            fprintf(err, "faultline serve: unknown or incomplete option '%s'\n%s", argv[i], USAGE);
            return 2;
        } else if (a->file == NULL) {
            a->file = argv[i];
        } else {
            fprintf(err, "faultline serve: one scenario file only\n%s", USAGE);
            return 2;
        }
    }
    if (a->file == NULL) {
        fprintf(err, "faultline serve: no scenario file given\n%s", USAGE);
        return 2;
    }
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

int fl_cli_serve(int argc, char **argv, FILE *out, FILE *err) {
    assert(out != NULL && err != NULL);
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
                                  .step_limit = UINT64_MAX / 2};
    fl_world_t *w = fl_world_create(&options, error, sizeof error);
    assert(w != NULL && "the options are constant and valid");
    fl_net_t *net = fl_uvnet_create(w, s.fault_plan, error, sizeof error);
    fl_asgi_app_t *app = net ? fl_scenario_server_app(w, &s.server, error, sizeof error) : NULL;
    fl_asgi_server_options_t server_options = {
        .spec_version = s.server.spec_version,
        .header_timeout_ns = s.server.header_timeout_ns,
        .keep_alive_timeout_ns = s.server.keep_alive_timeout_ns};
    fl_asgi_server_t *server =
        app ? fl_asgi_server_create(w, net, app, &server_options, error, sizeof error) : NULL;
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
    fprintf(out, "serving '%s' on http://%s:%u/ (%zu routes, %zu faults)\n", s.name, a.host,
            fl_asgi_server_port(server), s.server.route_count, s.fault_count);
    fflush(out);
    if (a.duration_s > 0) fl_spawn(w, "serve timer", stop_after, &a.duration_s);
    fl_world_run(w);
    fl_asgi_server_stats_t stats = fl_asgi_server_stats(server);
    fprintf(out, "served %llu requests on %llu connections\n", (unsigned long long)stats.requests,
            (unsigned long long)stats.connections);
    fl_world_destroy(w);
    fl_arena_destroy(&arena);
    return 0;
}
