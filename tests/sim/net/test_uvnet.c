/* The libuv driver over real loopback sockets: the connection interface's
 * semantics (net.h), the world's clock and wake-ups through the driver
 * hook, and the faults it carries out on real sockets.
 *
 * Tasks record what they saw in a fixture; the test body asserts after the
 * run (a cmocka failure must not unwind a task's stack). Timing is only
 * asserted as inherent lower bounds (a 100 ms deadline cannot fire early). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sim/net/uvnet.h"
#include "tests/support/runtime_test.h"

/* --- helpers ----------------------------------------------------------------- */

static fl_net_t *uv_net(fl_world_t *world, const fl_fault_plan_t *plan) {
    char error[256];
    fl_net_t *net = fl_uvnet_create(world, plan, error, sizeof error);
    if (net == NULL) fail_msg("fl_uvnet_create: %s", error);
    return net;
}

static fl_listener_t *uv_listen(fl_net_t *net) {
    fl_listener_t *listener = NULL;
    assert_int_equal(fl_net_listen(net, NULL, 0, &listener), FL_OK);
    assert_non_null(listener);
    assert_true(fl_listener_port(listener) > 0);
    return listener;
}

static void fill_pattern(uint8_t *data, size_t length, uint64_t seed) {
    fl_prng_t prng;
    fl_prng_seed(&prng, seed, "uvnet test pattern");
    for (size_t i = 0; i < length; i++) data[i] = (uint8_t)fl_prng_next(&prng);
}

/* Reads until the stream ends; returns how it ended (FL_EEOF, ...). */
static int read_to_end(fl_conn_t *conn, uint8_t *out, size_t capacity, size_t *count_out) {
    size_t total = 0;
    for (;;) {
        uint8_t scratch[4096];
        size_t count = 0;
        int status = fl_conn_read(conn, scratch, sizeof scratch, &count);
        if (status != FL_OK) {
            *count_out = total;
            return status;
        }
        if (out != NULL && total + count <= capacity) memcpy(out + total, scratch, count);
        total += count;
    }
}

/* Reads exactly length bytes (several reads may be needed). */
static int read_exactly(fl_conn_t *conn, uint8_t *out, size_t length) {
    size_t total = 0;
    while (total < length) {
        size_t count = 0;
        int status = fl_conn_read(conn, out + total, length - total, &count);
        if (status != FL_OK) return status;
        total += count;
    }
    return FL_OK;
}

/* Every task runs inside a fail_after scope: on a real network a broken
 * driver leaves tasks waiting on live sockets, and the run would block
 * instead of failing. The guard cancels them, and the test's assertions
 * on what they recorded fail. */
enum { GUARD_SECONDS = 10 };

typedef struct guarded {
    fl_task_fn body;
    void *arg;
} guarded_t;

static fl_error_t *guarded_body(fl_world_t *world, void *arg) {
    guarded_t *guard = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter_fail_after(world, &scope, FL_SECONDS(GUARD_SECONDS));
    fl_error_t *error = guard->body(world, guard->arg);
    (void)fl_scope_exit(world, &scope, FL_OK);
    return error;
}

static void spawn(fl_world_t *world, const char *name, fl_task_fn body, void *arg) {
    guarded_t *guard = fl_arena_alloc(fl_world_arena(world), sizeof *guard);
    *guard = (guarded_t){.body = body, .arg = arg};
    fl_spawn(world, name, guarded_body, guard);
}

static uint64_t trace_count(fl_world_t *world, fl_trace_kind_t kind) {
    return fl_world_trace(world)->kind_counts[kind];
}

static fl_fault_plan_t *plan_with(fl_world_t *world, const fl_fault_spec_t *spec) {
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(world));
    char error[256];
    if (fl_fault_plan_add(plan, spec, error, sizeof error) != FL_OK) fail_msg("%s", error);
    return plan;
}

/* One fixture for the client/server tests: each test uses what it needs. */
typedef struct pair {
    fl_net_t *net;
    fl_listener_t *listener;
    uint16_t port;
    fl_conn_t *client;
    uint8_t *sent;
    uint8_t *received;
    size_t size;
    size_t client_count;
    size_t server_count;
    int client_status[4];
    int server_status[4];
    uint32_t client_id;
    uint32_t server_id;
    int64_t elapsed_ns;
    int64_t done_at_ns;
    uint8_t small[16];
} pair_t;

static pair_t *pair_new(fl_world_t *world, const fl_fault_plan_t *plan) {
    pair_t *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->net = uv_net(world, plan);
    p->listener = uv_listen(p->net);
    p->port = fl_listener_port(p->listener);
    return p;
}

static void pair_free(pair_t *p) {
    free(p->sent);
    free(p->received);
    free(p);
}

/* Accepts one connection and closes the listener. */
static fl_conn_t *accept_one(pair_t *p) {
    fl_conn_t *conn = NULL;
    p->server_status[0] = fl_listener_accept(p->listener, &conn);
    fl_listener_close(p->listener);
    if (conn != NULL) p->server_id = fl_conn_id(conn);
    return conn;
}

static fl_conn_t *connect_one(fl_world_t *world, pair_t *p) {
    fl_conn_t *conn = NULL;
    p->client_status[0] = fl_net_connect(p->net, "127.0.0.1", p->port, &conn);
    (void)world;
    if (conn != NULL) p->client_id = fl_conn_id(conn);
    return conn;
}

/* --- echo: 1 MiB there and back ---------------------------------------------- */

enum { ECHO_SIZE = 1 << 20 };

static fl_error_t *echo_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    for (;;) {
        uint8_t chunk[16384];
        size_t count = 0;
        int status = fl_conn_read(conn, chunk, sizeof chunk, &count);
        if (status != FL_OK) {
            p->server_status[1] = status;
            break;
        }
        p->server_count += count;
        if ((status = fl_conn_write(conn, chunk, count)) != FL_OK) {
            p->server_status[2] = status;
            break;
        }
    }
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *echo_reader(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    p->client_status[2] = read_to_end(p->client, p->received, p->size, &p->client_count);
    fl_conn_close(p->client);
    return NULL;
}

static fl_error_t *echo_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    p->client = connect_one(world, p);
    if (p->client == NULL) return NULL;
    spawn(world, "client-reader", echo_reader, p);
    fl_prng_t sizes;
    fl_prng_seed(&sizes, 11, "chunk sizes");
    size_t offset = 0;
    while (offset < p->size) {
        size_t chunk = 1 + (size_t)fl_prng_below(&sizes, 32768);
        if (chunk > p->size - offset) chunk = p->size - offset;
        int status = fl_conn_write(p->client, p->sent + offset, chunk);
        if (status != FL_OK) {
            p->client_status[1] = status;
            return NULL;
        }
        offset += chunk;
    }
    p->client_status[3] = fl_conn_shutdown_write(p->client);
    return NULL;
}

static void test_echo_one_mebibyte_byte_exact(void **state) {
    (void)state;
    fl_world_t *w = rt_world("random", 3);
    pair_t *p = pair_new(w, NULL);
    p->size = ECHO_SIZE;
    p->sent = malloc(ECHO_SIZE);
    p->received = malloc(ECHO_SIZE);
    fill_pattern(p->sent, ECHO_SIZE, 42);
    spawn(w, "server", echo_server, p);
    spawn(w, "client", echo_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[0], FL_OK);
    assert_int_equal(p->client_status[1], FL_OK);
    assert_int_equal(p->client_status[3], FL_OK);
    assert_int_equal(p->server_status[0], FL_OK);
    assert_int_equal(p->server_status[1], FL_EEOF);
    assert_int_equal(p->server_status[2], FL_OK);
    assert_int_equal(p->client_status[2], FL_EEOF);
    assert_int_equal(p->server_count, ECHO_SIZE);
    assert_int_equal(p->client_count, ECHO_SIZE);
    assert_memory_equal(p->received, p->sent, ECHO_SIZE);
    /* Both ends of the first connection are this network's: one number. */
    assert_int_equal(p->client_id, 1);
    assert_int_equal(p->server_id, 1);
    assert_true(trace_count(w, FL_TRACE_NET) > 0);
    assert_int_equal(fl_world_violation_count(w), 0);
    fl_world_destroy(w);
    pair_free(p);
}

/* --- numbering: connections in the order they are established --------------- */

static fl_error_t *accept_twice(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    for (int i = 0; i < 2; i++) {
        fl_conn_t *conn = NULL;
        p->server_status[i] = fl_listener_accept(p->listener, &conn);
        if (conn == NULL) return NULL;
        p->small[i] = (uint8_t)fl_conn_id(conn);
        p->small[4 + i] = (uint8_t)fl_conn_side(conn);
        p->server_status[2 + i] = read_to_end(conn, NULL, 0, &p->server_count);
        fl_conn_close(conn);
    }
    fl_listener_close(p->listener);
    return NULL;
}

static fl_error_t *connect_twice(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    for (int i = 0; i < 2; i++) {
        fl_conn_t *conn = NULL;
        p->client_status[i] = fl_net_connect(p->net, "localhost", p->port, &conn);
        if (conn == NULL) return NULL;
        p->small[2 + i] = (uint8_t)fl_conn_id(conn);
        p->small[6 + i] = (uint8_t)fl_conn_side(conn);
        fl_conn_close(conn);
    }
    return NULL;
}

static void test_connections_are_numbered_in_order_on_both_ends(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    spawn(w, "server", accept_twice, p);
    spawn(w, "client", connect_twice, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(p->client_status[i], FL_OK);
        assert_int_equal(p->server_status[i], FL_OK);
        assert_int_equal(p->server_status[2 + i], FL_EEOF);
        assert_int_equal(p->small[i], i + 1);      /* server ends */
        assert_int_equal(p->small[2 + i], i + 1);  /* client ends */
        assert_int_equal(p->small[4 + i], FL_SIDE_SERVER);
        assert_int_equal(p->small[6 + i], FL_SIDE_CLIENT);
    }
    fl_world_destroy(w);
    pair_free(p);
}

/* --- connect failures -------------------------------------------------------- */

typedef struct failures {
    fl_net_t *net;
    uint16_t closed_port;
    int refused;
    int not_found;
    int listen_not_found;
    fl_conn_t *conn;
} failures_t;

static fl_error_t *connect_failures(fl_world_t *world, void *arg) {
    failures_t *f = arg;
    (void)world;
    f->refused = fl_net_connect(f->net, "127.0.0.1", f->closed_port, &f->conn);
    fl_conn_t *other = NULL;
    f->not_found = fl_net_connect(f->net, "no-such-host.invalid", 80, &other);
    if (other != NULL) f->conn = other;
    fl_listener_t *listener = NULL;
    f->listen_not_found = fl_net_listen(f->net, "no-such-host.invalid", 0, &listener);
    return NULL;
}

static void test_connect_refused_and_unknown_host(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    failures_t f = {.net = uv_net(w, NULL)};
    fl_listener_t *listener = uv_listen(f.net);
    f.closed_port = fl_listener_port(listener);
    fl_listener_close(listener); /* the port was just listened on: now nothing is */
    spawn(w, "client", connect_failures, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.refused, FL_EREFUSED);
    assert_int_equal(f.not_found, FL_ENOTFOUND);
    assert_int_equal(f.listen_not_found, FL_ENOTFOUND);
    assert_null(f.conn);
    fl_world_destroy(w);
}

/* Listening fails as bind(2) does: on a port another listener holds
 * (FL_EADDRINUSE), on an address this host does not have (FL_ENOTFOUND,
 * 192.0.2.1 is TEST-NET-1, never a local address); the listener that
 * holds the port still works afterwards. */
typedef struct listen_failures {
    fl_net_t *net;
    uint16_t taken_port;
    int in_use;
    int not_local;
    fl_listener_t *stray;
} listen_failures_t;

static fl_error_t *listen_failures(fl_world_t *world, void *arg) {
    listen_failures_t *f = arg;
    (void)world;
    f->in_use = fl_net_listen(f->net, "127.0.0.1", f->taken_port, &f->stray);
    fl_listener_t *other = NULL;
    f->not_local = fl_net_listen(f->net, "192.0.2.1", 0, &other);
    if (other != NULL) f->stray = other;
    return NULL;
}

static void test_listen_on_a_taken_port_or_a_foreign_address_fails(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    listen_failures_t f = {.net = uv_net(w, NULL)};
    fl_listener_t *holder = NULL;
    assert_int_equal(fl_net_listen(f.net, "127.0.0.1", 0, &holder), FL_OK);
    f.taken_port = fl_listener_port(holder);
    spawn(w, "listener", listen_failures, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.in_use, FL_EADDRINUSE);
    assert_int_equal(f.not_local, FL_ENOTFOUND);
    assert_null(f.stray);
    assert_int_equal(fl_listener_port(holder), f.taken_port);
    fl_listener_close(holder);
    fl_world_destroy(w);
}

/* A connect cancelled while its name (the machine's own, which the
 * thread pool resolves from /etc/hosts) is being looked up returns at once
 * with the cancellation; the lookup, abandoned, frees itself when libuv's
 * thread pool answers (the task waits for that in real time), so nothing
 * leaks under the sanitizers or valgrind. */
typedef struct abandoned_lookup {
    fl_net_t *net;
    char host[256]; /* the machine's name: not a literal, so it is looked up */
    fl_cancel_scope_t scope;
    bool scope_entered;
    int connect_status;
    int scope_status;
    uint64_t blocks_at_cancel; /* task blocks traced when the canceller acts */
} abandoned_lookup_t;

static fl_error_t *resolve_then_give_up(fl_world_t *world, void *arg) {
    abandoned_lookup_t *a = arg;
    fl_scope_enter(world, &a->scope, FL_TIME_NEVER, 0);
    a->scope_entered = true;
    fl_conn_t *conn = NULL;
    a->connect_status = fl_net_connect(a->net, a->host, 9, &conn);
    if (conn != NULL) fl_conn_close(conn);
    a->scope_status = fl_scope_exit(world, &a->scope, a->connect_status);
    fl_sleep(world, FL_MS(200)); /* the thread pool answers meanwhile */
    return NULL;
}

/* Runs once the resolver is inside connect (its checkpoint let this task
 * run once; the second turn comes when the resolver waits for the name). */
static fl_error_t *cancel_the_resolver(fl_world_t *world, void *arg) {
    abandoned_lookup_t *a = arg;
    fl_checkpoint(world);
    a->blocks_at_cancel = trace_count(world, FL_TRACE_BLOCK);
    if (a->scope_entered) fl_scope_cancel(world, &a->scope);
    return NULL;
}

static void test_connect_cancelled_during_the_name_lookup(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    abandoned_lookup_t a = {.net = uv_net(w, NULL)};
    if (gethostname(a.host, sizeof a.host) != 0) skip();
    a.host[sizeof a.host - 1] = '\0';
    fl_spawn(w, "resolver", resolve_then_give_up, &a);
    fl_spawn(w, "canceller", cancel_the_resolver, &a);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    /* The one block so far is the resolver's wait for the name: the
       cancellation reached it there, not at connect's first checkpoint. */
    assert_int_equal(a.blocks_at_cancel, 1);
    assert_int_equal(a.connect_status, FL_ECANCELLED);
    assert_int_equal(a.scope_status, FL_OK); /* the scope caught its own cancellation */
    fl_world_destroy(w);
}

/* A name that is not a literal goes through the asynchronous lookup: the
 * machine's own host name, listened on every IPv4 address. */
static fl_error_t *connect_by_name(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    char host[256];
    if (gethostname(host, sizeof host) != 0) return NULL;
    host[sizeof host - 1] = '\0';
    fl_conn_t *conn = NULL;
    p->client_status[0] = fl_net_connect(p->net, host, p->port, &conn);
    if (conn == NULL) return NULL;
    p->client_status[1] = fl_conn_write(conn, "name", 4);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *accept_and_read_name(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    p->server_status[1] = read_exactly(conn, p->small, 4);
    fl_conn_close(conn);
    return NULL;
}

static bool host_name_resolves_to_ipv4(void) {
    char host[256];
    if (gethostname(host, sizeof host) != 0) return false;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *result = NULL;
    if (getaddrinfo(host, NULL, &hints, &result) != 0) return false;
    freeaddrinfo(result);
    return true;
}

static void test_connect_resolves_a_host_name(void **state) {
    (void)state;
    if (!host_name_resolves_to_ipv4()) skip();
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = calloc(1, sizeof *p);
    p->net = uv_net(w, NULL);
    assert_int_equal(fl_net_listen(p->net, "0.0.0.0", 0, &p->listener), FL_OK);
    p->port = fl_listener_port(p->listener);
    spawn(w, "server", accept_and_read_name, p);
    spawn(w, "client", connect_by_name, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[0], FL_OK);
    assert_int_equal(p->client_status[1], FL_OK);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_memory_equal(p->small, "name", 4);
    fl_world_destroy(w);
    pair_free(p);
}

/* IPv6 literals listen and connect too (skipped where ::1 is missing). */
static fl_error_t *connect_ipv6(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = NULL;
    p->client_status[0] = fl_net_connect(p->net, "::1", p->port, &conn);
    if (conn == NULL) return NULL;
    p->client_id = fl_conn_id(conn);
    p->client_status[1] = fl_conn_write(conn, "name", 4);
    fl_conn_close(conn);
    return NULL;
}

static void test_ipv6_loopback(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = calloc(1, sizeof *p);
    p->net = uv_net(w, NULL);
    if (fl_net_listen(p->net, "::1", 0, &p->listener) != FL_OK) {
        fl_world_destroy(w);
        pair_free(p);
        skip();
    }
    p->port = fl_listener_port(p->listener);
    spawn(w, "server", accept_and_read_name, p);
    spawn(w, "client", connect_ipv6, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[0], FL_OK);
    assert_int_equal(p->client_status[1], FL_OK);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_memory_equal(p->small, "name", 4);
    assert_int_equal(p->server_id, 1); /* both ends matched over IPv6 too */
    assert_int_equal(p->client_id, 1);
    fl_world_destroy(w);
    pair_free(p);
}

/* --- reset ------------------------------------------------------------------- */

static fl_error_t *reset_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    p->server_status[1] = read_exactly(conn, p->small, 10);
    fl_conn_reset(conn);
    size_t count = 0;
    p->server_status[2] = fl_conn_read(conn, p->small, 1, &count);
    p->server_status[3] = fl_conn_write(conn, "x", 1);
    return NULL;
}

static fl_error_t *reset_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    p->client_status[1] = fl_conn_write(conn, "0123456789", 10);
    uint8_t byte;
    size_t count = 0;
    p->client_status[2] = fl_conn_read(conn, &byte, 1, &count);
    p->client_status[3] = fl_conn_write(conn, "after", 5);
    fl_conn_close(conn);
    return NULL;
}

/* After a connection's end, shutting down writing says how it ended: the
 * endpoint that reset itself is closed (FL_ECLOSED), the peer that read
 * the RST gets FL_ERESET (no FIN after a RST); a reset after a close does
 * nothing. */
static fl_error_t *reset_after_one_byte(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    p->server_status[1] = read_exactly(conn, p->small, 1);
    fl_conn_reset(conn);
    p->server_status[2] = fl_conn_shutdown_write(conn);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *write_then_meet_the_reset(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    p->client_status[1] = fl_conn_write(conn, "a", 1);
    uint8_t byte;
    size_t count = 0;
    p->client_status[2] = fl_conn_read(conn, &byte, 1, &count);
    p->client_status[3] = fl_conn_shutdown_write(conn);
    fl_conn_close(conn);
    fl_conn_reset(conn);
    return NULL;
}

static void test_shutdown_after_the_end_says_how_it_ended(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    spawn(w, "server", reset_after_one_byte, p);
    spawn(w, "client", write_then_meet_the_reset, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_int_equal(p->small[0], 'a');
    assert_int_equal(p->server_status[2], FL_ECLOSED);
    assert_int_equal(p->client_status[1], FL_OK);
    assert_int_equal(p->client_status[2], FL_ERESET);
    assert_int_equal(p->client_status[3], FL_ERESET);
    fl_world_destroy(w);
    pair_free(p);
}

static void test_reset_fails_the_peers_read_and_write(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    spawn(w, "server", reset_server, p);
    spawn(w, "client", reset_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_memory_equal(p->small, "0123456789", 10);
    assert_int_equal(p->server_status[2], FL_ECLOSED); /* its own endpoint is gone */
    assert_int_equal(p->server_status[3], FL_ECLOSED);
    assert_int_equal(p->client_status[1], FL_OK);
    assert_int_equal(p->client_status[2], FL_ERESET);
    assert_int_equal(p->client_status[3], FL_ERESET);
    fl_world_destroy(w);
    pair_free(p);
}

/* --- FIN after data ---------------------------------------------------------- */

enum { FIN_SIZE = 6000 };

static fl_error_t *fin_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    size_t offsets[] = {0, 1000, 3000, FIN_SIZE};
    for (int i = 0; i < 3; i++) {
        int status = fl_conn_write(conn, p->sent + offsets[i], offsets[i + 1] - offsets[i]);
        if (status != FL_OK) p->server_status[1] = status;
    }
    p->server_status[2] = fl_conn_shutdown_write(conn);
    p->server_status[3] = fl_conn_write(conn, "late", 4); /* after FIN: EPIPE */
    size_t count = 0;
    int end = read_to_end(conn, NULL, 0, &count);
    p->server_count = count;
    p->server_status[0] = end; /* the client's close: EEOF */
    p->small[0] = (uint8_t)(fl_conn_shutdown_write(conn) == FL_OK); /* idempotent */
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *fin_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    p->client_status[1] = read_to_end(conn, p->received, p->size, &p->client_count);
    size_t count = 0;
    uint8_t byte;
    p->client_status[2] = fl_conn_read(conn, &byte, 1, &count); /* EOF again */
    fl_conn_close(conn);
    p->client_status[3] = fl_conn_read(conn, &byte, 1, &count);
    p->small[1] = (uint8_t)(fl_conn_write(conn, "x", 1) == FL_ECLOSED);
    return NULL;
}

static void test_fin_after_data_gives_every_byte_then_eof(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    p->size = FIN_SIZE;
    p->sent = malloc(FIN_SIZE);
    p->received = malloc(FIN_SIZE);
    fill_pattern(p->sent, FIN_SIZE, 7);
    spawn(w, "server", fin_server, p);
    spawn(w, "client", fin_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_int_equal(p->server_status[2], FL_OK);
    assert_int_equal(p->server_status[3], FL_EPIPE);
    assert_int_equal(p->server_status[0], FL_EEOF);
    assert_int_equal(p->server_count, 0);
    assert_int_equal(p->client_status[1], FL_EEOF);
    assert_int_equal(p->client_count, FIN_SIZE);
    assert_memory_equal(p->received, p->sent, FIN_SIZE);
    assert_int_equal(p->client_status[2], FL_EEOF);
    assert_int_equal(p->client_status[3], FL_ECLOSED);
    assert_true(p->small[0]);
    assert_true(p->small[1]);
    fl_world_destroy(w);
    pair_free(p);
}

/* --- a slow reader: the read buffer's backpressure ---------------------------- */

enum { SLOW_SIZE = 3 << 20 };

static fl_error_t *bulk_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    p->server_status[1] = fl_conn_write(conn, p->sent, p->size);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *slow_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    p->client_status[1] = fl_sleep(world, FL_MS(100)); /* let the buffers fill */
    p->client_status[2] = read_to_end(conn, p->received, p->size, &p->client_count);
    fl_conn_close(conn);
    return NULL;
}

static void test_slow_reader_gets_every_byte(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    p->size = SLOW_SIZE;
    p->sent = malloc(SLOW_SIZE);
    p->received = malloc(SLOW_SIZE);
    fill_pattern(p->sent, SLOW_SIZE, 9);
    spawn(w, "server", bulk_server, p);
    spawn(w, "client", slow_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_int_equal(p->client_status[2], FL_EEOF);
    assert_int_equal(p->client_count, SLOW_SIZE);
    assert_memory_equal(p->received, p->sent, SLOW_SIZE);
    fl_world_destroy(w);
    pair_free(p);
}

/* --- a read deadline --------------------------------------------------------- */

static fl_error_t *ping_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    uint8_t ping[4];
    p->server_status[1] = read_exactly(conn, ping, 4);
    if (p->server_status[1] == FL_OK && memcmp(ping, "ping", 4) == 0)
        p->server_status[2] = fl_conn_write(conn, "pong", 4);
    size_t count = 0;
    p->server_status[3] = read_to_end(conn, NULL, 0, &count);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *deadline_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    int64_t started_ns = fl_now(world);
    fl_cancel_scope_t scope;
    fl_scope_enter_fail_after(world, &scope, FL_MS(100));
    uint8_t byte;
    size_t count = 0;
    p->client_status[1] = fl_conn_read(conn, &byte, 1, &count);
    p->client_status[2] = fl_scope_exit(world, &scope, p->client_status[1]);
    p->elapsed_ns = fl_now(world) - started_ns;
    /* The cancelled read left the connection as it was. */
    p->client_status[3] = fl_conn_write(conn, "ping", 4);
    if (p->client_status[3] == FL_OK) p->client_status[0] = read_exactly(conn, p->small, 4);
    fl_conn_close(conn);
    return NULL;
}

static void test_read_deadline_cancels_and_leaves_the_connection_usable(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    spawn(w, "server", ping_server, p);
    spawn(w, "client", deadline_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[1], FL_ECANCELLED);
    assert_int_equal(p->client_status[2], FL_ETIMEDOUT);
    assert_true(p->elapsed_ns >= FL_MS(100));
    assert_int_equal(p->client_status[3], FL_OK);
    assert_int_equal(p->client_status[0], FL_OK);
    assert_memory_equal(p->small, "pong", 4);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_int_equal(p->server_status[2], FL_OK);
    assert_int_equal(p->server_status[3], FL_EEOF);
    fl_world_destroy(w);
    pair_free(p);
}

/* --- a write blocked by backpressure, cancelled -------------------------------- */

enum { BLOCK_SIZE = 1 << 20, BLOCKS_MAX = 64 };

static fl_error_t *sleepy_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    p->server_status[1] = fl_sleep(world, FL_MS(300)); /* never reads */
    fl_conn_reset(conn);
    return NULL;
}

static fl_error_t *flooding_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    int64_t started_ns = fl_now(world);
    fl_cancel_scope_t scope;
    fl_scope_enter_move_on_after(world, &scope, FL_MS(100));
    int status = FL_OK;
    for (size_t i = 0; i < BLOCKS_MAX && status == FL_OK; i++) {
        status = fl_conn_write(conn, p->sent, BLOCK_SIZE);
        if (status == FL_OK) p->client_count += BLOCK_SIZE;
    }
    p->client_status[1] = status;
    p->client_status[2] = fl_scope_exit(world, &scope, status);
    p->elapsed_ns = fl_now(world) - started_ns;
    fl_conn_close(conn); /* a write request is still in flight: it frees itself */
    return NULL;
}

static void test_cancelled_write_blocked_by_backpressure(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    p->sent = calloc(1, BLOCK_SIZE);
    spawn(w, "server", sleepy_server, p);
    spawn(w, "client", flooding_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[1], FL_ECANCELLED);
    assert_int_equal(p->client_status[2], FL_OK); /* move_on caught it */
    assert_true(p->elapsed_ns >= FL_MS(100));
    assert_true(p->client_count < (size_t)BLOCKS_MAX * BLOCK_SIZE);
    fl_world_destroy(w); /* valgrind and ASan check the request was freed */
    pair_free(p);
}

/* --- listeners --------------------------------------------------------------- */

static fl_error_t *accept_until_closed(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = NULL;
    p->server_status[0] = fl_listener_accept(p->listener, &conn);
    p->server_status[1] = fl_listener_accept(p->listener, &conn);
    return NULL;
}

static fl_error_t *close_listener_later(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    p->client_status[0] = fl_sleep(world, FL_MS(20));
    fl_listener_close(p->listener);
    return NULL;
}

static fl_error_t *accept_with_deadline(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter_move_on_after(world, &scope, FL_MS(10));
    fl_conn_t *conn = NULL;
    p->server_status[2] = fl_listener_accept(p->listener, &conn);
    p->server_status[3] = fl_scope_exit(world, &scope, p->server_status[2]);
    return NULL;
}

/* Closing a listener closes the connections it never accepted (their
 * clients read the end of the stream); a second close does nothing. */
static fl_error_t *connect_and_read_until_closed(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    p->client_status[0] = fl_net_connect(p->net, "127.0.0.1", p->port, &p->client);
    if (p->client == NULL) return NULL;
    size_t count = 0;
    p->client_status[1] = read_to_end(p->client, NULL, 0, &count);
    p->client_count = count;
    p->done_at_ns = fl_now(world);
    fl_conn_close(p->client);
    p->client = NULL;
    return NULL;
}

static fl_error_t *close_listener_unaccepted(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    p->server_status[0] = fl_sleep(world, FL_MS(100)); /* the connection is queued by now */
    fl_listener_close(p->listener);
    fl_listener_close(p->listener);
    return NULL;
}

static void test_closing_a_listener_closes_the_connections_it_never_accepted(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    spawn(w, "client", connect_and_read_until_closed, p);
    spawn(w, "closer", close_listener_unaccepted, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[0], FL_OK);
    assert_int_equal(p->server_status[0], FL_OK);
    assert_int_equal(p->client_status[1], FL_EEOF);
    assert_int_equal(p->client_count, 0);
    assert_true(p->done_at_ns >= FL_MS(100)); /* not before the listener closed */
    fl_world_destroy(w);
    pair_free(p);
}

/* Every call checks for cancellation first: in a cancelled scope, read,
 * write and accept return FL_ECANCELLED and do nothing. A write of no
 * bytes sends nothing: the first byte the server reads is the later 'z'. */
static fl_error_t *cancelled_calls_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = NULL;
    p->server_status[0] = fl_listener_accept(p->listener, &conn);
    if (conn == NULL) return NULL;
    fl_cancel_scope_t scope;
    fl_scope_enter(world, &scope, FL_TIME_NEVER, 0);
    fl_scope_cancel(world, &scope);
    fl_conn_t *other = NULL;
    p->server_status[1] = fl_listener_accept(p->listener, &other);
    (void)fl_scope_exit(world, &scope, p->server_status[1]);
    fl_listener_close(p->listener);
    p->server_status[2] = read_exactly(conn, p->small, 1);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *cancelled_calls_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    p->client_status[1] = fl_conn_write(conn, NULL, 0);
    fl_cancel_scope_t scope;
    fl_scope_enter(world, &scope, FL_TIME_NEVER, 0);
    fl_scope_cancel(world, &scope);
    uint8_t byte;
    size_t count = 99;
    p->client_status[2] = fl_conn_read(conn, &byte, 1, &count);
    p->client_count = count;
    p->client_status[3] = fl_conn_write(conn, "y", 1);
    (void)fl_scope_exit(world, &scope, p->client_status[3]);
    p->client_status[0] = fl_conn_write(conn, "z", 1);
    fl_conn_close(conn);
    return NULL;
}

static void test_calls_in_a_cancelled_scope_do_nothing(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    spawn(w, "server", cancelled_calls_server, p);
    spawn(w, "client", cancelled_calls_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->server_status[0], FL_OK);
    assert_int_equal(p->server_status[1], FL_ECANCELLED);
    assert_int_equal(p->client_status[1], FL_OK);
    assert_int_equal(p->client_status[2], FL_ECANCELLED);
    assert_int_equal(p->client_count, 0);
    assert_int_equal(p->client_status[3], FL_ECANCELLED);
    assert_int_equal(p->client_status[0], FL_OK);
    assert_int_equal(p->server_status[2], FL_OK);
    assert_int_equal(p->small[0], 'z');
    fl_world_destroy(w);
    pair_free(p);
}

/* Connections that arrive before the server accepts wait in order: the
 * server accepts them first to last. */
static fl_error_t *two_clients(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *first = NULL, *second = NULL;
    p->client_status[0] = fl_net_connect(p->net, "127.0.0.1", p->port, &first);
    p->client_status[1] = fl_net_connect(p->net, "127.0.0.1", p->port, &second);
    if (first != NULL) p->small[0] = (uint8_t)fl_conn_id(first);
    if (second != NULL) p->small[1] = (uint8_t)fl_conn_id(second);
    fl_sleep(world, FL_MS(300)); /* until the server accepted both */
    if (first != NULL) fl_conn_close(first);
    if (second != NULL) fl_conn_close(second);
    return NULL;
}

static fl_error_t *late_acceptor(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    p->server_status[3] = fl_sleep(world, FL_MS(100)); /* both are queued by now */
    for (int i = 0; i < 2; i++) {
        fl_conn_t *conn = NULL;
        p->server_status[i] = fl_listener_accept(p->listener, &conn);
        if (conn == NULL) break;
        p->small[2 + i] = (uint8_t)fl_conn_id(conn);
        fl_conn_close(conn);
    }
    fl_listener_close(p->listener);
    return NULL;
}

static void test_queued_connections_are_accepted_in_order(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    spawn(w, "client", two_clients, p);
    spawn(w, "server", late_acceptor, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[0], FL_OK);
    assert_int_equal(p->client_status[1], FL_OK);
    assert_int_equal(p->server_status[3], FL_OK);
    assert_int_equal(p->server_status[0], FL_OK);
    assert_int_equal(p->server_status[1], FL_OK);
    /* Both ends of a connection share its number; first in, first out. */
    assert_int_equal(p->small[2], p->small[0]);
    assert_int_equal(p->small[3], p->small[1]);
    assert_true(p->small[0] < p->small[1]);
    fl_world_destroy(w);
    pair_free(p);
}

static void test_accept_wakes_on_close_and_on_cancellation(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    pair_t *p = pair_new(w, NULL);
    spawn(w, "acceptor", accept_until_closed, p);
    spawn(w, "impatient", accept_with_deadline, p);
    spawn(w, "closer", close_listener_later, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->server_status[2], FL_ECANCELLED);
    assert_int_equal(p->server_status[3], FL_OK);
    assert_int_equal(p->server_status[0], FL_ECLOSED);
    assert_int_equal(p->server_status[1], FL_ECLOSED);
    assert_true(fl_now(w) >= FL_MS(20));
    fl_world_destroy(w);
    pair_free(p);
}

/* --- the driver with tasks that only sleep ------------------------------------- */

typedef struct sleeper {
    rt_log_t log;
    int64_t woke_ns[2];
} sleeper_t;

static fl_error_t *sleep_long(fl_world_t *world, void *arg) {
    sleeper_t *s = arg;
    if (fl_sleep(world, FL_MS(30)) == FL_OK) rt_log_add(&s->log, "long");
    s->woke_ns[1] = fl_now(world);
    return NULL;
}

static fl_error_t *sleep_short(fl_world_t *world, void *arg) {
    sleeper_t *s = arg;
    if (fl_sleep(world, FL_MS(10)) == FL_OK) rt_log_add(&s->log, "short");
    s->woke_ns[0] = fl_now(world);
    return NULL;
}

static void test_tasks_that_only_sleep_complete_in_real_time(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    sleeper_t s = {0};
    uv_net(w, NULL);
    spawn(w, "long", sleep_long, &s);
    spawn(w, "short", sleep_short, &s);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(rt_log_text(&s.log), "short,long");
    assert_true(s.woke_ns[0] >= FL_MS(10));
    assert_true(s.woke_ns[1] >= FL_MS(30));
    fl_world_destroy(w);
}

static fl_error_t *wait_forever(fl_world_t *world, void *arg) {
    (void)arg;
    fl_condition_t *never = fl_condition_create(world, "test", "never notified");
    fl_condition_wait(world, never, "wait");
    return NULL;
}

/* With no socket and no timer, nothing can wake the task: a hang, not a
 * loop that blocks forever. */
static void test_nothing_outside_is_a_hang(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    uv_net(w, NULL);
    fl_spawn(w, "stuck", wait_forever, NULL); /* unguarded: no timer at all */
    assert_int_equal(fl_world_run(w), FL_RUN_HANG);
    fl_world_destroy(w);
}

/* --- faults -------------------------------------------------------------------- */

static void test_unsupported_faults_are_refused(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_EVENT,
                                          .event = "server.response_start"},
                              .action = {.kind = FL_FAULT_ACTION_RESET, .connection = 1}});
    char error[256];
    assert_null(fl_uvnet_create(w, plan, error, sizeof error));
    assert_non_null(strstr(error, "not supported on the real network"));
    assert_non_null(strstr(error, "event -> reset"));
    plan = plan_with(w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .bytes = 5},
                                           .action = {.kind = FL_FAULT_ACTION_CORRUPT}});
    assert_null(fl_uvnet_create(w, plan, error, sizeof error));
    assert_non_null(strstr(error, "bytes -> corrupt"));
    assert_null(fl_uvnet_create(w, plan, NULL, 0)); /* refused without a message too */
    fl_world_destroy(w);
}

/* An empty plan is no plan; a second network in the same world is refused,
 * with or without a message, and the first one stays the world's. */
static void test_an_empty_plan_and_one_network_per_world(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_net_t *net = uv_net(w, fl_fault_plan_create(fl_world_arena(w)));
    char error[256] = "";
    assert_null(fl_uvnet_create(w, NULL, error, sizeof error));
    assert_string_equal(error, "the world already has a driver: one libuv network per world");
    assert_null(fl_uvnet_create(w, NULL, NULL, 0));
    fl_listener_t *listener = NULL;
    assert_int_equal(fl_net_listen(net, NULL, 0, &listener), FL_OK);
    fl_listener_close(listener);
    fl_world_destroy(w);
}

/* bytes c2s 1000 -> reset, both ends in this world: the client's write
 * crosses the threshold, so exactly 1000 bytes are handed to the kernel
 * before both endpoints reset. */
static fl_error_t *drain_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    p->server_status[1] = read_to_end(conn, NULL, 0, &p->server_count);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *chunked_writer(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    uint8_t chunk[300] = {0};
    size_t writes = 0;
    int status = FL_OK;
    while (writes < 10 && (status = fl_conn_write(conn, chunk, sizeof chunk)) == FL_OK) writes++;
    p->client_count = writes;
    p->client_status[1] = status;
    size_t count = 0;
    p->client_status[2] = fl_conn_read(conn, chunk, sizeof chunk, &count);
    fl_conn_close(conn);
    return NULL;
}

static void test_bytes_fault_resets_after_exactly_the_threshold(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .connection = 1,
                                          .direction = FL_DIRECTION_CLIENT_TO_SERVER,
                                          .bytes = 1000},
                              .action = {.kind = FL_FAULT_ACTION_RESET}});
    pair_t *p = pair_new(w, plan);
    spawn(w, "server", drain_server, p);
    spawn(w, "client", chunked_writer, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_count, 3);          /* 900 bytes, then 100 of the fourth write */
    assert_int_equal(p->client_status[1], FL_ERESET);
    assert_int_equal(p->client_status[2], FL_ERESET);
    assert_true(p->server_count <= 1000);          /* a reset drops what was not read */
    assert_int_equal(p->server_status[1], FL_ERESET);
    assert_int_equal(trace_count(w, FL_TRACE_FAULT), 1);
    /* The plan is the caller's: its counters are untouched. */
    assert_int_equal(plan->entries[0].reached, 0);
    assert_int_equal(plan->entries[0].fired, 0);
    assert_false(plan->entries[0].spent);
    fl_world_destroy(w);
    pair_free(p);
}

/* The same threshold counted by a reading server whose client is a plain
 * socket in another thread: the server reads exactly 1000 bytes, then its
 * reset reaches the peer as ECONNRESET. */
typedef struct peer {
    uint16_t port;
    ssize_t received;
    int receive_errno;
    bool connected;
} peer_t;

static void *peer_main(void *arg) {
    peer_t *peer = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return NULL;
    struct timeval timeout = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(peer->port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) {
        peer->connected = true;
        static const uint8_t data[5000];
        size_t sent = 0;
        while (sent < sizeof data) {
            ssize_t n = send(fd, data + sent, sizeof data - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += (size_t)n;
        }
        uint8_t byte;
        peer->received = recv(fd, &byte, 1, 0);
        peer->receive_errno = errno;
    }
    close(fd);
    return NULL;
}

static void test_bytes_fault_on_the_reading_side_stops_at_the_threshold(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                          .connection = FL_FAULT_EVERY_CONNECTION,
                                          .direction = FL_DIRECTION_CLIENT_TO_SERVER,
                                          .bytes = 1000},
                              .action = {.kind = FL_FAULT_ACTION_RESET}});
    pair_t *p = pair_new(w, plan);
    peer_t peer = {.port = p->port, .received = 99};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, peer_main, &peer), 0);
    spawn(w, "server", drain_server, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_true(peer.connected);
    assert_int_equal(p->server_count, 1000);
    assert_int_equal(p->server_status[1], FL_ERESET);
    assert_int_equal(peer.received, -1);
    assert_int_equal(peer.receive_errno, ECONNRESET);
    fl_world_destroy(w);
    pair_free(p);
}

/* A delay whose receiving endpoint is not on this network (a plain socket
 * in another thread) acts on the sending one instead: each of the
 * server's write calls waits the delay before it starts (uvnet.h), and
 * every byte still arrives. */
typedef struct reading_peer {
    uint16_t port;
    char got[8];
    size_t got_length;
    bool connected;
} reading_peer_t;

static void *reading_peer_main(void *arg) {
    reading_peer_t *peer = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return NULL;
    struct timeval timeout = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(peer->port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) {
        peer->connected = true;
        while (peer->got_length < sizeof peer->got) {
            ssize_t n = recv(fd, peer->got + peer->got_length, sizeof peer->got - peer->got_length, 0);
            if (n <= 0) break;
            peer->got_length += (size_t)n;
        }
    }
    close(fd);
    return NULL;
}

static fl_error_t *write_twice_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    int64_t started = fl_now(world);
    p->server_status[1] = fl_conn_write(conn, "a", 1);
    p->server_status[2] = fl_conn_write(conn, "b", 1);
    p->elapsed_ns = fl_now(world) - started;
    fl_conn_close(conn);
    return NULL;
}

static void test_delay_toward_a_foreign_peer_holds_each_write(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                          .connection = FL_FAULT_EVERY_CONNECTION,
                                          .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 0},
                              .action = {.kind = FL_FAULT_ACTION_DELAY,
                                         .duration_ns = FL_MS(150)}});
    pair_t *p = pair_new(w, plan);
    reading_peer_t peer = {.port = p->port};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, reading_peer_main, &peer), 0);
    spawn(w, "server", write_twice_server, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_true(peer.connected);
    assert_int_equal(p->server_status[0], FL_OK);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_int_equal(p->server_status[2], FL_OK);
    assert_true(p->elapsed_ns >= FL_MS(300)); /* two write calls, 150 ms before each */
    assert_int_equal(peer.got_length, 2);
    assert_memory_equal(peer.got, "ab", 2);
    assert_int_equal(trace_count(w, FL_TRACE_FAULT), 1);
    fl_world_destroy(w);
    pair_free(p);
}

/* A stall toward a foreign peer holds the sending endpoint's writes until
 * it ends; the bytes then go out whole. */
static void test_stall_toward_a_foreign_peer_holds_the_writes(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                          .connection = FL_FAULT_EVERY_CONNECTION,
                                          .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 0},
                              .action = {.kind = FL_FAULT_ACTION_STALL,
                                         .duration_ns = FL_MS(200)}});
    pair_t *p = pair_new(w, plan);
    reading_peer_t peer = {.port = p->port};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, reading_peer_main, &peer), 0);
    spawn(w, "server", write_twice_server, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_int_equal(p->server_status[2], FL_OK);
    assert_true(p->elapsed_ns >= FL_MS(200));
    assert_int_equal(peer.got_length, 2);
    assert_memory_equal(peer.got, "ab", 2);
    fl_world_destroy(w);
    pair_free(p);
}

/* is_readable against a plain socket peer: false while the peer is quiet;
 * true once its byte, FIN or RST reached the kernel, even before any libuv
 * callback ran (the task blocks the process without letting the world wait,
 * so only a peek at the socket can tell); true on a closed endpoint. */
typedef struct readable_probe {
    int listen_fd;
    uint16_t port;
    bool reset_instead;        /* the peer closes with SO_LINGER 0: RST */
    bool answers[4];
    int read_status[2];
} readable_probe_t;

static void block_process_ms(long ms) {
    struct timespec pause = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) continue;
}

static fl_error_t *probe_client(fl_world_t *world, void *arg) {
    readable_probe_t *p = arg;
    fl_net_t *net = uv_net(world, NULL);
    fl_conn_t *conn = NULL;
    if (fl_net_connect(net, "127.0.0.1", p->port, &conn) != FL_OK) return NULL;
    int peer = accept(p->listen_fd, NULL, NULL); /* the handshake is done: no wait */
    if (peer < 0) return NULL;
    block_process_ms(20);
    p->answers[0] = fl_conn_is_readable(conn);
    if (p->reset_instead) {
        struct linger abortive = {.l_onoff = 1, .l_linger = 0};
        setsockopt(peer, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    } else {
        (void)!send(peer, "x", 1, MSG_NOSIGNAL);
    }
    close(peer);
    block_process_ms(50);
    p->answers[1] = fl_conn_is_readable(conn);
    uint8_t byte;
    size_t count = 0;
    p->read_status[0] = fl_conn_read(conn, &byte, 1, &count);
    p->answers[2] = fl_conn_is_readable(conn);
    p->read_status[1] = fl_conn_read(conn, &byte, 1, &count);
    fl_conn_close(conn);
    p->answers[3] = fl_conn_is_readable(conn);
    return NULL;
}

static void run_probe(readable_probe_t *p) {
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(p->listen_fd >= 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    assert_int_equal(bind(p->listen_fd, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(p->listen_fd, 4), 0);
    assert_int_equal(getsockname(p->listen_fd, (struct sockaddr *)&address, &size), 0);
    p->port = ntohs(address.sin_port);
    fl_world_t *w = rt_world("fifo", 1);
    spawn(w, "client", probe_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    fl_world_destroy(w);
    close(p->listen_fd);
}

static void test_is_readable_sees_the_peers_byte_fin_and_reset(void **state) {
    (void)state;
    readable_probe_t fin = {0};
    run_probe(&fin);
    assert_false(fin.answers[0]);
    assert_true(fin.answers[1]);
    assert_int_equal(fin.read_status[0], FL_OK);
    assert_true(fin.answers[2]); /* the FIN is next */
    assert_int_equal(fin.read_status[1], FL_EEOF);
    assert_true(fin.answers[3]);

    readable_probe_t reset = {.reset_instead = true};
    run_probe(&reset);
    assert_false(reset.answers[0]);
    assert_true(reset.answers[1]);
    assert_int_equal(reset.read_status[0], FL_ERESET); /* asking did not consume the reset */
    assert_true(reset.answers[2]);
}

/* Bytes and, right behind them, the peer's RST, both in the kernel before
 * the client reads: the read ends in the reset, as a blocking recv reports
 * it, never in a clean EOF. libuv reports UV_EOF on POLLHUP after a short
 * read without reading the pending ECONNRESET; it came out as EOF about
 * one read in two. */
static fl_error_t *data_then_reset_client(fl_world_t *world, void *arg) {
    readable_probe_t *p = arg;
    fl_net_t *net = uv_net(world, NULL);
    fl_conn_t *conn = NULL;
    if (fl_net_connect(net, "127.0.0.1", p->port, &conn) != FL_OK) return NULL;
    int peer = accept(p->listen_fd, NULL, NULL);
    if (peer < 0) return NULL;
    struct linger abortive = {.l_onoff = 1, .l_linger = 0};
    setsockopt(peer, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    (void)!send(peer, "HTTP/", 5, MSG_NOSIGNAL);
    close(peer);
    block_process_ms(10);
    uint8_t bytes[16];
    size_t count = 0;
    p->read_status[0] = fl_conn_read(conn, bytes, sizeof bytes, &count);
    if (p->read_status[0] == FL_OK)
        p->read_status[1] = fl_conn_read(conn, bytes, sizeof bytes, &count);
    fl_conn_close(conn);
    return NULL;
}

static void test_bytes_then_a_reset_end_in_the_reset(void **state) {
    (void)state;
    for (int round = 0; round < 20; round++) {
        readable_probe_t p = {0};
        p.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(p.listen_fd >= 0);
        struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        assert_int_equal(bind(p.listen_fd, (struct sockaddr *)&address, sizeof address), 0);
        assert_int_equal(listen(p.listen_fd, 4), 0);
        assert_int_equal(getsockname(p.listen_fd, (struct sockaddr *)&address, &size), 0);
        p.port = ntohs(address.sin_port);
        fl_world_t *w = rt_world("fifo", 1);
        spawn(w, "client", data_then_reset_client, &p);
        assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
        fl_world_destroy(w);
        close(p.listen_fd);
        /* The reset drops what was not read (net.h): no bytes, then no EOF. */
        if (p.read_status[0] != FL_ERESET)
            fail_msg("round %d: read %s, then %s", round, fl_status_name(p.read_status[0]),
                     fl_status_name(p.read_status[1]));
    }
}

/* at 200 ms -> close on the server side: the client reads EOF. */
static fl_error_t *idle_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    uint8_t byte;
    size_t count = 0;
    p->server_status[1] = fl_conn_read(conn, &byte, 1, &count);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *eof_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    uint8_t byte;
    size_t count = 0;
    p->client_status[1] = fl_conn_read(conn, &byte, 1, &count);
    p->done_at_ns = fl_now(world);
    fl_conn_close(conn);
    return NULL;
}

static void test_at_fault_closes_the_server_end(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_MS(200)},
                              .action = {.kind = FL_FAULT_ACTION_CLOSE, .side = FL_SIDE_SERVER}});
    pair_t *p = pair_new(w, plan);
    spawn(w, "server", idle_server, p);
    spawn(w, "client", eof_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[1], FL_EEOF);
    assert_true(p->done_at_ns >= FL_MS(200));
    assert_int_equal(p->server_status[1], FL_ECLOSED);
    assert_int_equal(trace_count(w, FL_TRACE_FAULT), 1);
    fl_world_destroy(w);
    pair_free(p);
}

/* The same at-fault on a named connection and the client's side: the
 * client's own endpoint closes (its read fails with FL_ECLOSED), the
 * server's is left alone and reads the client's FIN. */
static void test_at_fault_on_a_named_connection_closes_the_client_end(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_MS(200)},
                              .action = {.kind = FL_FAULT_ACTION_CLOSE, .side = FL_SIDE_CLIENT,
                                         .connection = 1}});
    pair_t *p = pair_new(w, plan);
    spawn(w, "server", idle_server, p);
    spawn(w, "client", eof_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[1], FL_ECLOSED);
    assert_true(p->done_at_ns >= FL_MS(200));
    assert_int_equal(p->server_status[1], FL_EEOF);
    assert_int_equal(trace_count(w, FL_TRACE_FAULT), 1);
    fl_world_destroy(w);
    pair_free(p);
}

/* bytes s2c 1 -> stall 300 ms: after the first byte the client's reads
 * stop; a 100 ms read deadline expires, a later read gets everything. */
static fl_error_t *hello_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    p->server_status[1] = fl_conn_write(conn, "hello", 5);
    size_t count = 0;
    p->server_status[2] = read_to_end(conn, NULL, 0, &count);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *stalled_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    int64_t started_ns = fl_now(world);
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    fl_cancel_scope_t scope;
    fl_scope_enter_fail_after(world, &scope, FL_MS(100));
    size_t count = 0;
    p->client_status[1] = fl_conn_read(conn, p->small, sizeof p->small, &count);
    p->client_status[2] = fl_scope_exit(world, &scope, p->client_status[1]);
    p->client_status[3] = read_exactly(conn, p->small, 5);
    p->elapsed_ns = fl_now(world) - started_ns;
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *stalled_for_ever_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    int64_t started_ns = fl_now(world);
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    fl_cancel_scope_t scope;
    fl_scope_enter_fail_after(world, &scope, FL_MS(200));
    p->client_status[1] = read_exactly(conn, p->small, 5);
    p->client_status[2] = fl_scope_exit(world, &scope, p->client_status[1]);
    p->elapsed_ns = fl_now(world) - started_ns;
    fl_conn_close(conn);
    return NULL;
}

/* A stall for ever holds the reads until the reader's own deadline: the
 * hold never ends by itself. */
static void test_stall_for_ever_holds_reads_until_the_readers_deadline(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .connection = 1,
                                          .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 1},
                              .action = {.kind = FL_FAULT_ACTION_STALL,
                                         .duration_ns = FL_TIME_NEVER}});
    pair_t *p = pair_new(w, plan);
    spawn(w, "server", hello_server, p);
    spawn(w, "client", stalled_for_ever_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_int_equal(p->client_status[1], FL_ECANCELLED);
    assert_int_equal(p->client_status[2], FL_ETIMEDOUT);
    assert_true(p->elapsed_ns >= FL_MS(200));
    fl_world_destroy(w);
    pair_free(p);
}

static void test_stall_holds_reads_past_a_deadline(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .connection = 1,
                                          .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 1},
                              .action = {.kind = FL_FAULT_ACTION_STALL,
                                         .duration_ns = FL_MS(300)}});
    pair_t *p = pair_new(w, plan);
    spawn(w, "server", hello_server, p);
    spawn(w, "client", stalled_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->server_status[1], FL_OK);
    assert_int_equal(p->client_status[1], FL_ECANCELLED);
    assert_int_equal(p->client_status[2], FL_ETIMEDOUT);
    assert_int_equal(p->client_status[3], FL_OK);
    assert_memory_equal(p->small, "hello", 5);
    assert_true(p->elapsed_ns >= FL_MS(300));
    assert_int_equal(p->server_status[2], FL_EEOF);
    fl_world_destroy(w);
    pair_free(p);
}

/* bytes s2c 1 -> delay 150 ms: each of the client's two deliveries waits. */
static fl_error_t *turn_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    uint8_t byte = 0;
    p->server_status[1] = fl_conn_write(conn, "a", 1);
    if (p->server_status[1] == FL_OK) p->server_status[2] = read_exactly(conn, &byte, 1);
    if (byte == 'b') p->server_status[3] = fl_conn_write(conn, "c", 1);
    size_t count = 0;
    p->server_status[0] = read_to_end(conn, NULL, 0, &count);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *turn_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    int64_t started_ns = fl_now(world);
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    p->client_status[1] = read_exactly(conn, &p->small[0], 1);
    p->client_status[2] = fl_conn_write(conn, "b", 1);
    p->client_status[3] = read_exactly(conn, &p->small[1], 1);
    p->elapsed_ns = fl_now(world) - started_ns;
    fl_conn_close(conn);
    return NULL;
}

static void test_delay_holds_each_read_delivery(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .connection = 1,
                                          .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 1},
                              .action = {.kind = FL_FAULT_ACTION_DELAY,
                                         .duration_ns = FL_MS(150)}});
    pair_t *p = pair_new(w, plan);
    spawn(w, "server", turn_server, p);
    spawn(w, "client", turn_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->client_status[1], FL_OK);
    assert_int_equal(p->client_status[2], FL_OK);
    assert_int_equal(p->client_status[3], FL_OK);
    assert_memory_equal(p->small, "ac", 2);
    assert_true(p->elapsed_ns >= FL_MS(300)); /* two deliveries, 150 ms each */
    assert_int_equal(p->server_status[3], FL_OK);
    assert_int_equal(p->server_status[0], FL_EEOF);
    fl_world_destroy(w);
    pair_free(p);
}

/* bytes s2c 5 -> half-close on the server: the server's write stops after
 * 5 bytes with EPIPE, the client reads those 5 then EOF, and the server
 * still reads what the client sends afterwards. */
static fl_error_t *half_closed_server(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    (void)world;
    fl_conn_t *conn = accept_one(p);
    if (conn == NULL) return NULL;
    p->server_status[1] = fl_conn_write(conn, "0123456789", 10);
    p->server_status[2] = read_to_end(conn, &p->small[8], 4, &p->server_count);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *half_closed_client(fl_world_t *world, void *arg) {
    pair_t *p = arg;
    fl_conn_t *conn = connect_one(world, p);
    if (conn == NULL) return NULL;
    p->client_status[1] = read_to_end(conn, p->small, 8, &p->client_count);
    p->client_status[2] = fl_conn_write(conn, "x", 1);
    fl_conn_close(conn);
    return NULL;
}

static void test_half_close_fault_ends_the_servers_writing_only(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = plan_with(
        w, &(fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .connection = 1,
                                          .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 5},
                              .action = {.kind = FL_FAULT_ACTION_HALF_CLOSE,
                                         .side = FL_SIDE_SERVER}});
    pair_t *p = pair_new(w, plan);
    spawn(w, "server", half_closed_server, p);
    spawn(w, "client", half_closed_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(p->server_status[1], FL_EPIPE);
    assert_int_equal(p->client_status[1], FL_EEOF);
    assert_int_equal(p->client_count, 5);
    assert_memory_equal(p->small, "01234", 5);
    assert_int_equal(p->client_status[2], FL_OK);
    assert_int_equal(p->server_status[2], FL_EEOF);
    assert_int_equal(p->server_count, 1);
    assert_int_equal(p->small[8], 'x');
    fl_world_destroy(w);
    pair_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_one_mebibyte_byte_exact),
        cmocka_unit_test(test_connections_are_numbered_in_order_on_both_ends),
        cmocka_unit_test(test_connect_refused_and_unknown_host),
        cmocka_unit_test(test_listen_on_a_taken_port_or_a_foreign_address_fails),
        cmocka_unit_test(test_connect_cancelled_during_the_name_lookup),
        cmocka_unit_test(test_connect_resolves_a_host_name),
        cmocka_unit_test(test_ipv6_loopback),
        cmocka_unit_test(test_reset_fails_the_peers_read_and_write),
        cmocka_unit_test(test_shutdown_after_the_end_says_how_it_ended),
        cmocka_unit_test(test_fin_after_data_gives_every_byte_then_eof),
        cmocka_unit_test(test_slow_reader_gets_every_byte),
        cmocka_unit_test(test_read_deadline_cancels_and_leaves_the_connection_usable),
        cmocka_unit_test(test_cancelled_write_blocked_by_backpressure),
        cmocka_unit_test(test_accept_wakes_on_close_and_on_cancellation),
        cmocka_unit_test(test_calls_in_a_cancelled_scope_do_nothing),
        cmocka_unit_test(test_queued_connections_are_accepted_in_order),
        cmocka_unit_test(test_closing_a_listener_closes_the_connections_it_never_accepted),
        cmocka_unit_test(test_tasks_that_only_sleep_complete_in_real_time),
        cmocka_unit_test(test_nothing_outside_is_a_hang),
        cmocka_unit_test(test_unsupported_faults_are_refused),
        cmocka_unit_test(test_an_empty_plan_and_one_network_per_world),
        cmocka_unit_test(test_bytes_fault_resets_after_exactly_the_threshold),
        cmocka_unit_test(test_bytes_fault_on_the_reading_side_stops_at_the_threshold),
        cmocka_unit_test(test_delay_toward_a_foreign_peer_holds_each_write),
        cmocka_unit_test(test_stall_toward_a_foreign_peer_holds_the_writes),
        cmocka_unit_test(test_is_readable_sees_the_peers_byte_fin_and_reset),
        cmocka_unit_test(test_bytes_then_a_reset_end_in_the_reset),
        cmocka_unit_test(test_at_fault_closes_the_server_end),
        cmocka_unit_test(test_at_fault_on_a_named_connection_closes_the_client_end),
        cmocka_unit_test(test_stall_holds_reads_past_a_deadline),
        cmocka_unit_test(test_stall_for_ever_holds_reads_until_the_readers_deadline),
        cmocka_unit_test(test_delay_holds_each_read_delivery),
        cmocka_unit_test(test_half_close_fault_ends_the_servers_writing_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
