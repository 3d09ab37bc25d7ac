/* faultline proxy: its arguments, its world and its lifecycle (proxy.h).
 *
 * The proxy is a faultline world on the libuv network (uvnet.h) with no
 * fault plan of its own: the proxy carries out its faults itself. Its
 * tasks: the acceptor, one task per connection (proxy_connection.c), the
 * at-trigger timer, the shutdown watcher and the --duration timer; with
 * --admin, faultline's own server on a second listener serves the admin API
 * (admin_app.h) in the same world.
 */
#include "harness/proxy/proxy.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "harness/cli/options.h"
#include "harness/proxy/admin_app.h"
#include "harness/proxy/proxy_address.h"
#include "harness/proxy/proxy_state.h"
#include "harness/real/serve_shutdown.h"
#include "sim/asgi/server.h"
#include "sim/net/uvnet.h"
#include "sim/runtime/cancel.h"
#include "sim/runtime/status.h"

static const char *USAGE =
    "usage: faultline proxy --listen HOST:PORT --upstream HOST:PORT [FAULTS.yaml]\n"
    "                       [--admin HOST:PORT] [--log FILE] [--seed N] [--allow-remote]\n"
    "                       [--duration SECONDS]\n"
    "  a proxy for HTTP/1.1 over real sockets: it forwards every byte between the\n"
    "  clients that connect to --listen and --upstream, unchanged in both directions,\n"
    "  until a fault of FAULTS.yaml fires (the scenario files' `faults:` list, with\n"
    "  the proxy.* events and the answer-instead action; docs/PROXY.md). Without a\n"
    "  file it only forwards. Port 0 on --listen picks a free port.\n"
    "  It writes one JSON line per connection and per fault fired, then a summary, on\n"
    "  stdout or --log FILE; the first line says where it listens. --seed seeds the\n"
    "  faults' probabilities. It listens on loopback only unless --allow-remote.\n"
    "  Runs until SIGINT or SIGTERM (stops accepting, lets open connections finish for\n"
    "  up to 5 s, then resets them; a second signal stops at once) or --duration S.\n"
    "  Exit 0 after a clean stop, 1 after a second signal, 2 on bad arguments or file.\n";

typedef struct proxy_args {
    const char *faults_file; /* NULL: forward only */
    fl_proxy_address_t listen, upstream, admin;
    bool has_admin;
    const char *log_path;
    uint64_t seed;
    uint64_t duration_s; /* 0: until a signal */
} proxy_args_t;

static int usage_error(FILE *err, const char *message) {
    fprintf(err, "faultline proxy: %s\n", message);
    fl_options_print_synopsis(err, "proxy", USAGE);
    return 2;
}

/* One HOST:PORT option: required or not, loopback or not. */
static int parse_address(const char *name, const char *value, bool loopback_only,
                         fl_proxy_address_t *out, FILE *err) {
    char message[512];
    if (!fl_proxy_address_parse(value, out)) {
        snprintf(message, sizeof message, "%s takes HOST:PORT, got '%s'", name, value);
        return usage_error(err, message);
    }
    if (loopback_only && !fl_proxy_address_is_loopback(out->host)) {
        fprintf(err,
                "faultline proxy: %s %s is not a loopback address (add --allow-remote to "
                "listen there)\n",
                name, value);
        return 2;
    }
    return 0;
}

static int parse(int argc, char **argv, proxy_args_t *a, FILE *err) {
    memset(a, 0, sizeof *a);
    fl_options_t o;
    int status = fl_options_parse(argc, argv, &o, USAGE, FL_ACCEPTS_PROXY, err);
    if (status != 0) return status;
    if (o.path_count > 1) return usage_error(err, "one fault file at most");
    if (o.listen == NULL) return usage_error(err, "--listen HOST:PORT is required");
    if (o.upstream == NULL) return usage_error(err, "--upstream HOST:PORT is required");
    a->faults_file = o.path_count == 1 ? o.paths[0] : NULL;
    status = parse_address("--listen", o.listen, !o.allow_remote, &a->listen, err);
    if (status == 0) status = parse_address("--upstream", o.upstream, false, &a->upstream, err);
    if (status == 0 && a->upstream.port == 0)
        status = usage_error(err, "--upstream needs a port from 1 to 65535");
    a->has_admin = o.admin != NULL;
    if (status == 0 && a->has_admin)
        status = parse_address("--admin", o.admin, !o.allow_remote, &a->admin, err);
    if (status != 0) return status;
    a->log_path = o.log;
    a->seed = o.has_seed ? o.seed : 1;
    a->duration_s = o.duration_seconds;
    return 0;
}

uint64_t fl__proxy_time_ms(const fl__proxy_t *proxy) {
    int64_t elapsed = fl_now(proxy->world) - proxy->started_ns;
    return elapsed > 0 ? (uint64_t)elapsed / 1000000u : 0;
}

/* --- the proxy's tasks ------------------------------------------------------------- */

static fl_error_t *acceptor_task(fl_world_t *w, void *arg) {
    fl__proxy_t *proxy = arg;
    assert(w != NULL && proxy != NULL && proxy->listener != NULL);
    for (;;) {
        fl_conn_t *client;
        if (fl_listener_accept(proxy->listener, &client) != FL_OK) return NULL;
        assert(fl_conn_side(client) == FL_SIDE_SERVER);
        fl__proxy_connection_start(proxy, client);
    }
}

/* The at-triggers: sleeps till the plan's next time, then carries out what
 * is due on the connections it names. The admin API may add an earlier
 * time meanwhile: the plan is looked at again at least every
 * FL__PROXY_PLAN_POLL_NS. */
static fl_error_t *timer_task(fl_world_t *w, void *arg) {
    fl__proxy_t *proxy = arg;
    assert(w != NULL && proxy != NULL);
    for (;;) {
        int64_t next = fl_proxy_faults_next_at(proxy->faults);
        int64_t poll = fl_now(w) + FL__PROXY_PLAN_POLL_NS;
        int64_t due = next > INT64_MAX - proxy->started_ns ? INT64_MAX : proxy->started_ns + next;
        fl_cancel_scope_t until;
        fl_scope_enter(w, &until, due < poll ? due : poll, 0);
        int status = fl_condition_wait(w, proxy->plan_changed, "the next fault time");
        if (fl_scope_exit(w, &until, status) != FL_OK) return NULL;
        fl_proxy_firing_t firings[FL_PROXY_FIRINGS_MAX];
        size_t count =
            fl_proxy_faults_time(proxy->faults, fl_now(w) - proxy->started_ns, firings);
        fl__proxy_act_on_open(proxy, firings, count);
    }
}

/* Waits until no connection is open; false when the wait ran out. */
static bool wait_all_closed(fl__proxy_t *proxy, int64_t limit_ns) {
    fl_world_t *w = proxy->world;
    fl_cancel_scope_t limit;
    fl_scope_enter_move_on_after(w, &limit, limit_ns);
    int status = FL_OK;
    while (proxy->open_count > 0 && status == FL_OK)
        status = fl_condition_wait(w, proxy->all_closed, "connections to close");
    (void)fl_scope_exit(w, &limit, status);
    return proxy->open_count == 0;
}

/* Stops accepting, lets the open connections finish for the grace period,
 * resets those still open, and stops the world. */
static void wind_down(fl__proxy_t *proxy) {
    if (proxy->shutting_down) return;
    proxy->shutting_down = true;
    fl_listener_close(proxy->listener);
    if (proxy->admin != NULL) fl_asgi_server_stop(proxy->admin);
    if (!wait_all_closed(proxy, FL__PROXY_GRACE_NS)) {
        fl__proxy_connection_t *next;
        for (fl__proxy_connection_t *c = proxy->open_connections; c != NULL; c = next) {
            next = c->next_open;
            fl__proxy_connection_abort(c, "shutdown");
        }
        (void)wait_all_closed(proxy, FL__PROXY_GRACE_NS);
    }
    fl_world_stop(proxy->world);
}

typedef struct shutdown_watch {
    fl__proxy_t *proxy;
    fl_shutdown_signals_t signals;
} shutdown_watch_t;

static fl_error_t *signal_task(fl_world_t *w, void *arg) {
    shutdown_watch_t *watch = arg;
    assert(w != NULL && watch != NULL);
    if (fl_shutdown_signals_wait(&watch->signals) == FL_OK) wind_down(watch->proxy);
    return NULL;
}

static fl_error_t *duration_task(fl_world_t *w, void *arg) {
    fl__proxy_t *proxy = arg;
    assert(w != NULL && proxy != NULL && proxy->duration_ns > 0);
    if (fl_sleep(w, proxy->duration_ns) == FL_OK) wind_down(proxy);
    return NULL;
}

/* --- the command ------------------------------------------------------------------- */

/* GET /stats: the totals of the ended connections and the counts so far of
 * the open ones. */
static void admin_stats(void *context, fl_proxy_admin_stats_t *out) {
    const fl__proxy_t *proxy = context;
    assert(proxy != NULL && out != NULL);
    *out = (fl_proxy_admin_stats_t){.connections = proxy->totals.connections,
                                    .open = proxy->open_count,
                                    .requests = proxy->totals.requests,
                                    .responses = proxy->totals.responses,
                                    .c2s_bytes = proxy->totals.c2s_bytes,
                                    .s2c_bytes = proxy->totals.s2c_bytes};
    for (const fl__proxy_connection_t *c = proxy->open_connections; c != NULL; c = c->next_open) {
        out->requests += c->requests;
        out->responses += c->responses;
        out->c2s_bytes += c->c2s.forwarded;
        out->s2c_bytes += c->s2c.forwarded;
    }
}

/* The admin API: faultline's own server, on a second listener of the same
 * world, serving the admin app over the proxy's plan. */
static int start_admin(fl__proxy_t *proxy, const fl_proxy_address_t *admin, FILE *err) {
    assert(proxy != NULL && admin != NULL);
    char error[512];
    fl_asgi_app_t *app = fl_proxy_admin_app(proxy->world, proxy->faults, admin_stats, proxy);
    fl_asgi_server_options_t options = {.release_memory = true};
    proxy->admin = fl_asgi_server_create(proxy->world, proxy->net, app, &options, error,
                                         sizeof error);
    assert(proxy->admin != NULL && "the options are constant and valid");
    int status = fl_asgi_server_listen(proxy->admin, admin->host, admin->port);
    if (status != FL_OK) {
        fprintf(err, "faultline proxy: cannot listen on --admin %s:%u: %s\n", admin->host,
                (unsigned)admin->port, fl_status_message(status));
        return 2;
    }
    return 0;
}

/* The world, its network, the log and the listener; 0 or the exit status. */
static int start(fl__proxy_t *proxy, const proxy_args_t *a, FILE *out, FILE *err) {
    char error[512];
    /* Real time: no virtual limit worth having; a year is "until stopped". */
    fl_world_options_t options = {.seed = 1, .policy = "fifo", .time_limit_ns = FL_SECONDS(31536000),
                                  .step_limit = UINT64_MAX / 2, .schedule_unkept = true};
    proxy->world = fl_world_create(&options, error, sizeof error);
    assert(proxy->world != NULL && "the options are constant and valid");
    proxy->net = fl_uvnet_create(proxy->world, NULL, error, sizeof error);
    if (proxy->net == NULL) {
        fprintf(err, "faultline proxy: %s\n", error);
        return 2;
    }
    /* A connection's tasks and runtime objects go with its arena. */
    fl_world_set_release_memory(proxy->world, true);
    proxy->started_ns = fl_now(proxy->world);
    proxy->pool = fl_task_pool_create(proxy->world, "proxy connection");
    proxy->all_closed = fl_condition_create(proxy->world, "proxy", "connections closed");
    proxy->plan_changed = fl_condition_create(proxy->world, "proxy", "plan changed");
    if (fl_proxy_log_open(&proxy->log, a->log_path, out) != 0) {
        fprintf(err, "faultline proxy: cannot write --log %s: %s\n", a->log_path, strerror(errno));
        return 2;
    }
    int status = fl_net_listen(proxy->net, a->listen.host, a->listen.port, &proxy->listener);
    if (status != FL_OK) {
        fprintf(err, "faultline proxy: cannot listen on %s:%u: %s\n", a->listen.host,
                (unsigned)a->listen.port, fl_status_message(status));
        return 2;
    }
    if (a->has_admin) return start_admin(proxy, &a->admin, err);
    return 0;
}

static void log_listening(const fl__proxy_t *proxy, const proxy_args_t *a) {
    char listen[300], upstream[300], admin[300];
    fl_proxy_address_format(a->listen.host, fl_listener_port(proxy->listener), listen,
                            sizeof listen);
    fl_proxy_address_format(a->upstream.host, a->upstream.port, upstream, sizeof upstream);
    if (proxy->admin != NULL)
        fl_proxy_address_format(a->admin.host, fl_asgi_server_port(proxy->admin), admin,
                                sizeof admin);
    fl_proxy_log_listening(&proxy->log, listen, upstream, proxy->admin ? admin : NULL,
                           fl_proxy_faults_count(proxy->faults));
}

static void log_summary(const fl__proxy_t *proxy) {
    fl_proxy_log_counts_t counts = {.c2s_bytes = proxy->totals.c2s_bytes,
                                    .s2c_bytes = proxy->totals.s2c_bytes,
                                    .requests = proxy->totals.requests,
                                    .responses = proxy->totals.responses,
                                    .faults = fl_proxy_faults_fired(proxy->faults)};
    fl_proxy_log_summary(&proxy->log, proxy->totals.connections, &counts);
}

/* Connections still open when the world stopped (a second signal stops
 * it at once): each gets its closed line, and the summary counts it; the
 * world's end closes their sockets. */
static void log_unfinished(fl__proxy_t *proxy) {
    for (const fl__proxy_connection_t *c = proxy->open_connections; c != NULL; c = c->next_open) {
        fl_proxy_log_counts_t counts = {.c2s_bytes = c->c2s.forwarded,
                                        .s2c_bytes = c->s2c.forwarded,
                                        .requests = c->requests,
                                        .responses = c->responses,
                                        .faults = c->faults};
        fl_proxy_log_closed(&proxy->log, c->id, &counts, "shutdown", fl__proxy_time_ms(proxy));
        proxy->totals.requests += c->requests;
        proxy->totals.responses += c->responses;
        proxy->totals.c2s_bytes += c->c2s.forwarded;
        proxy->totals.s2c_bytes += c->s2c.forwarded;
    }
}

/* Runs the started proxy until it winds down; the exit status. */
static int run(fl__proxy_t *proxy) {
    fl_world_t *w = proxy->world;
    shutdown_watch_t watch = {.proxy = proxy};
    fl_shutdown_signals_watch(&watch.signals, w, proxy->net);
    fl_spawn(w, "proxy signals", signal_task, &watch);
    fl_spawn(w, "proxy acceptor", acceptor_task, proxy);
    fl_spawn(w, "proxy fault timer", timer_task, proxy);
    if (proxy->duration_ns > 0) fl_spawn(w, "proxy duration", duration_task, proxy);
    fl_world_run(w);
    log_unfinished(proxy);
    log_summary(proxy);
    /* The world goes here, while watch (its signal handles) still lives. */
    fl_world_destroy(w);
    proxy->world = NULL;
    return watch.signals.forced ? 1 : 0;
}

int fl_cli_proxy(int argc, char **argv, FILE *out, FILE *err) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) {
        fputs(USAGE, out);
        return 0;
    }
    proxy_args_t a;
    int status = parse(argc, argv, &a, err);
    if (status != 0) return status;
    fl__proxy_t proxy = {.faults = fl_proxy_faults_create(a.seed),
                         .duration_ns = FL_SECONDS(a.duration_s),
                         .upstream_port = a.upstream.port};
    snprintf(proxy.upstream_host, sizeof proxy.upstream_host, "%s", a.upstream.host);
    char error[1024];
    if (a.faults_file != NULL &&
        fl_proxy_faults_load_file(proxy.faults, a.faults_file, error, sizeof error) != FL_OK) {
        fprintf(err, "%s\n", error);
        status = 2;
    }
    if (status == 0) status = start(&proxy, &a, out, err);
    if (status == 0) {
        log_listening(&proxy, &a);
        status = run(&proxy);
    }
    if (proxy.world != NULL) fl_world_destroy(proxy.world);
    fl_proxy_log_close(&proxy.log);
    fl_proxy_faults_destroy(proxy.faults);
    return status;
}
