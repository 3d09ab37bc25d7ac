/* The simulated network: exact bytes under random segmentation and latency,
 * FIN after data, RST, backpressure, deadlines, determinism, and every fault
 * trigger and action observed from both ends. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sim/net/simnet.h"
#include "tests/support/echo.h"
#include "tests/support/runtime_test.h"

/* --- helpers ------------------------------------------------------------------ */

static fl_net_t *make_net(fl_world_t *w, const fl_simnet_options_t *options,
                          const fl_fault_plan_t *plan) {
    char error[256];
    fl_net_t *net = fl_simnet_create(w, options, plan, error, sizeof error);
    if (net == NULL) fail_msg("%s", error);
    return net;
}

static void add_fault(fl_fault_plan_t *plan, fl_fault_spec_t spec) {
    char error[256];
    if (fl_fault_plan_add(plan, &spec, error, sizeof error) != FL_OK) fail_msg("%s", error);
}

/* A scripted exchange: the server accepts one connection, optionally writes
 * a reply, then reads until EOF/error; the client connects, optionally
 * writes, then reads until EOF/error. Times and statuses are recorded. */
typedef struct exchange {
    fl_net_t *net;
    fl_event_t *listening;
    uint16_t port;
    const char *request;       /* client -> server */
    size_t request_repeat;     /* write the request this many times (0: once) */
    const char *reply;         /* server -> client, written after accept */
    bool server_shutdown_after_reply;
    bool server_emits_event;   /* emit "server.response_start" before the reply */
    int64_t client_read_deadline_ns; /* 0: none */
    int64_t server_read_delay_ns;    /* sleep before the server starts reading */
    /* results */
    char server_got[4096];
    size_t server_got_len;
    char client_got[4096];
    size_t client_got_len;
    int server_read_status;
    int server_write_status;
    int client_connect_status;
    int client_write_status;
    int client_read_status;
    int client_scope_status;
    int64_t client_connected_at;
    int64_t client_first_byte_at;
    int64_t client_read_ended_at;
    int64_t client_write_done_at;
    int64_t server_read_ended_at;
} exchange_t;

static fl_error_t *exchange_server(fl_world_t *w, void *arg) {
    exchange_t *x = arg;
    fl_listener_t *listener;
    assert_int_equal(fl_net_listen(x->net, NULL, 80, &listener), FL_OK);
    x->port = fl_listener_port(listener);
    fl_event_set(w, x->listening);
    fl_conn_t *conn;
    if (fl_listener_accept(listener, &conn) != FL_OK) return NULL;
    if (x->reply != NULL) {
        if (x->server_emits_event) fl_net_event(x->net, conn, "server.response_start");
        x->server_write_status = fl_conn_write(conn, x->reply, strlen(x->reply));
        if (x->server_shutdown_after_reply) fl_conn_shutdown_write(conn);
    }
    if (x->server_read_delay_ns) fl_sleep(w, x->server_read_delay_ns);
    for (;;) {
        size_t n;
        size_t room = sizeof x->server_got - x->server_got_len;
        if (room == 0) room = 1;
        char scratch[1];
        char *into = x->server_got_len < sizeof x->server_got ? x->server_got + x->server_got_len
                                                               : scratch;
        x->server_read_status = fl_conn_read(conn, into, room, &n);
        if (x->server_read_status != FL_OK) break;
        if (into != scratch) x->server_got_len += n;
    }
    x->server_read_ended_at = fl_now(w);
    fl_conn_close(conn);
    return NULL;
}

static fl_error_t *exchange_client(fl_world_t *w, void *arg) {
    exchange_t *x = arg;
    fl_event_wait(w, x->listening);
    fl_conn_t *conn;
    x->client_connect_status = fl_net_connect(x->net, "server", x->port, &conn);
    if (x->client_connect_status != FL_OK) return NULL;
    x->client_connected_at = fl_now(w);
    if (x->request != NULL) {
        size_t times = x->request_repeat ? x->request_repeat : 1;
        for (size_t i = 0; i < times && x->client_write_status == FL_OK; i++)
            x->client_write_status = fl_conn_write(conn, x->request, strlen(x->request));
        x->client_write_done_at = fl_now(w);
        if (x->client_write_status == FL_OK) fl_conn_shutdown_write(conn);
    }
    fl_cancel_scope_t scope;
    if (x->client_read_deadline_ns) fl_scope_enter_fail_after(w, &scope, x->client_read_deadline_ns);
    for (;;) {
        size_t n;
        x->client_read_status = fl_conn_read(conn, x->client_got + x->client_got_len,
                                             sizeof x->client_got - x->client_got_len, &n);
        if (x->client_read_status != FL_OK) break;
        if (x->client_got_len == 0) x->client_first_byte_at = fl_now(w);
        x->client_got_len += n;
    }
    x->client_read_ended_at = fl_now(w);
    if (x->client_read_deadline_ns)
        x->client_scope_status = fl_scope_exit(w, &scope, x->client_read_status);
    fl_conn_close(conn);
    return NULL;
}

static fl_world_t *run_exchange(exchange_t *x, const fl_simnet_options_t *options,
                                const fl_fault_plan_t *plan, uint64_t seed) {
    fl_world_t *w = rt_world("random", seed);
    x->net = make_net(w, options, plan);
    x->listening = fl_event_create(w, "listening");
    fl_spawn(w, "server", exchange_server, x);
    fl_spawn(w, "client", exchange_client, x);
    fl_run_outcome_t outcome = fl_world_run(w);
    if (outcome != FL_RUN_COMPLETED) {
        fl_world_print_hang(w, stderr);
        fail_msg("run ended: %s", fl_run_outcome_name(outcome));
    }
    return w;
}

static fl_simnet_options_t quiet_options(void) {
    fl_simnet_options_t o = fl_simnet_options_default();
    o.segmentation = false;
    return o;
}

/* --- echo --------------------------------------------------------------------- */

static fl_world_t *run_echo(echo_run_t *run, uint64_t seed, size_t bytes,
                            const fl_simnet_options_t *options) {
    fl_world_t *w = rt_world("random", seed);
    fl_net_t *net = make_net(w, options, NULL);
    echo_init(run, w, net, bytes, seed);
    run->write_chunk = 1000 + seed % 3000;
    fl_spawn(w, "server", echo_server_task, run);
    fl_spawn(w, "client", echo_client_task, run);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    return w;
}

static void test_echo_is_exact_over_1000_seeds(void **state) {
    (void)state;
    fl_simnet_options_t options = fl_simnet_options_default();
    options.latency_jitter_ns = FL_MS(5);
    options.buffer_bytes = 8192;
    size_t split_reads = 0;
    for (uint64_t seed = 1; seed <= 1000; seed++) {
        echo_run_t run;
        fl_world_t *w = run_echo(&run, seed, 20000 + seed * 7, &options);
        if (!echo_succeeded(&run))
            fail_msg("seed %llu: received %zu of %zu, mismatch at %zu, statuses %d/%d/%d",
                     (unsigned long long)seed, run.client_received, run.payload_bytes,
                     run.mismatch_at, run.server_status, run.client_write_status,
                     run.client_read_status);
        /* Segmentation really split the stream: more reads than writes. */
        if (run.server_reads > run.payload_bytes / run.write_chunk + 1) split_reads++;
        fl_world_destroy(w);
    }
    assert_true(split_reads > 900);
}

static void test_same_seed_same_hash_other_seed_other_hash(void **state) {
    (void)state;
    fl_simnet_options_t options = fl_simnet_options_default();
    options.latency_jitter_ns = FL_MS(3);
    uint64_t hashes[3];
    uint64_t seeds[3] = {42, 42, 43};
    for (int i = 0; i < 3; i++) {
        echo_run_t run;
        fl_world_t *w = run_echo(&run, seeds[i], 50000, &options);
        assert_true(echo_succeeded(&run));
        hashes[i] = fl_world_trace_hash(w);
        fl_world_destroy(w);
    }
    assert_int_equal(hashes[0], hashes[1]);
    assert_true(hashes[0] != hashes[2]);
}

/* --- stream semantics ------------------------------------------------------------ */

static void test_fin_arrives_after_the_data(void **state) {
    (void)state;
    exchange_t x = {.reply = "first part, second part, third part",
                    .server_shutdown_after_reply = true};
    fl_simnet_options_t options = fl_simnet_options_default();
    options.latency_jitter_ns = FL_MS(10);
    fl_world_t *w = run_exchange(&x, &options, NULL, 7);
    assert_int_equal(x.client_read_status, FL_EEOF);
    assert_int_equal(x.client_got_len, strlen(x.reply));
    assert_memory_equal(x.client_got, x.reply, x.client_got_len);
    fl_world_destroy(w);
}

/* is_readable never blocks and answers what a read would do at once: false
 * while nothing has arrived (bytes in flight, a stall holding them), true
 * once bytes, the FIN or a reset are there, and on a closed endpoint. */
typedef struct readable_probe {
    fl_net_t *net;
    fl_event_t *listening;
    fl_event_t *go;            /* the server writes and closes once set */
    bool reset_instead;        /* the server resets instead of closing */
    bool answers[8];
    int read_status;
    int64_t probe_times[8];
} readable_probe_t;

static fl_error_t *probe_server(fl_world_t *w, void *arg) {
    readable_probe_t *p = arg;
    fl_listener_t *listener;
    assert_int_equal(fl_net_listen(p->net, NULL, 80, &listener), FL_OK);
    fl_event_set(w, p->listening);
    fl_conn_t *conn;
    if (fl_listener_accept(listener, &conn) != FL_OK) return NULL;
    fl_event_wait(w, p->go);
    if (p->reset_instead) {
        fl_conn_reset(conn);
    } else {
        fl_conn_write(conn, "x", 1);
        fl_conn_close(conn);
    }
    fl_listener_close(listener);
    return NULL;
}

static fl_error_t *probe_client(fl_world_t *w, void *arg) {
    readable_probe_t *p = arg;
    fl_event_wait(w, p->listening);
    fl_conn_t *conn;
    assert_int_equal(fl_net_connect(p->net, "server", 80, &conn), FL_OK);
    fl_sleep(w, FL_MS(5));
    p->answers[0] = fl_conn_is_readable(conn); /* nothing sent yet */
    fl_event_set(w, p->go);
    fl_sleep(w, FL_MS(5)); /* the server acted; latency is 10 ms */
    p->answers[1] = fl_conn_is_readable(conn);
    fl_sleep(w, FL_MS(10));
    p->answers[2] = fl_conn_is_readable(conn);
    char byte;
    size_t n;
    p->read_status = fl_conn_read(conn, &byte, 1, &n);
    p->answers[3] = fl_conn_is_readable(conn); /* the FIN is next (or the reset stays) */
    fl_conn_close(conn);
    p->answers[4] = fl_conn_is_readable(conn);
    return NULL;
}

static void run_probe(readable_probe_t *p, fl_world_t **world_out) {
    fl_world_t *w = rt_world("random", 5);
    fl_simnet_options_t options = quiet_options();
    options.latency_ns = FL_MS(10);
    p->net = make_net(w, &options, NULL);
    p->listening = fl_event_create(w, "listening");
    p->go = fl_event_create(w, "go");
    fl_spawn(w, "server", probe_server, p);
    fl_spawn(w, "client", probe_client, p);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    *world_out = w;
}

static void test_is_readable_reports_arrivals_without_blocking(void **state) {
    (void)state;
    readable_probe_t p = {0};
    fl_world_t *w;
    run_probe(&p, &w);
    assert_false(p.answers[0]);
    assert_false(p.answers[1]); /* "x" and the FIN are still in flight */
    assert_true(p.answers[2]);
    assert_int_equal(p.read_status, FL_OK);
    assert_true(p.answers[3]);  /* only the FIN is left: a read would say EOF */
    assert_true(p.answers[4]);  /* a closed endpoint answers at once (FL_ECLOSED) */
    fl_world_destroy(w);

    readable_probe_t reset = {.reset_instead = true};
    run_probe(&reset, &w);
    assert_false(reset.answers[0]);
    assert_true(reset.answers[1]); /* a reset fails both ends at once */
    assert_int_equal(reset.read_status, FL_ERESET);
    fl_world_destroy(w);
}

/* EOF is sticky: every read after the FIN says so. */
static fl_error_t *read_eof_twice(fl_world_t *w, void *arg) {
    exchange_t *x = arg;
    fl_event_wait(w, x->listening);
    fl_conn_t *conn;
    assert_int_equal(fl_net_connect(x->net, "server", x->port, &conn), FL_OK);
    fl_conn_shutdown_write(conn);
    char buffer[64];
    size_t n;
    while ((x->client_read_status = fl_conn_read(conn, buffer, sizeof buffer, &n)) == FL_OK) {
    }
    x->client_scope_status = fl_conn_read(conn, buffer, sizeof buffer, &n);
    fl_conn_close(conn);
    return NULL;
}

static void test_eof_repeats(void **state) {
    (void)state;
    exchange_t x = {.reply = "bye", .server_shutdown_after_reply = true};
    fl_world_t *w = rt_world("fifo", 1);
    x.net = make_net(w, NULL, NULL);
    x.listening = fl_event_create(w, "listening");
    fl_spawn(w, "server", exchange_server, &x);
    fl_spawn(w, "client", read_eof_twice, &x);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(x.client_read_status, FL_EEOF);
    assert_int_equal(x.client_scope_status, FL_EEOF);
    assert_int_equal(x.server_read_status, FL_EEOF);
    fl_world_destroy(w);
}

/* RST drops what is in flight: with 100 ms latency, a reset right after a
 * write means the bytes never arrive, and both ends fail. */
static fl_error_t *write_then_reset(fl_world_t *w, void *arg) {
    exchange_t *x = arg;
    fl_listener_t *listener;
    fl_net_listen(x->net, NULL, 80, &listener);
    x->port = 80;
    fl_event_set(w, x->listening);
    fl_conn_t *conn;
    fl_listener_accept(listener, &conn);
    x->server_write_status = fl_conn_write(conn, "never seen", 10);
    fl_conn_reset(conn);
    size_t n;
    char buffer[8];
    x->server_read_status = fl_conn_read(conn, buffer, sizeof buffer, &n);
    return NULL;
}

static void test_reset_drops_in_flight_data(void **state) {
    (void)state;
    exchange_t x = {0};
    fl_simnet_options_t options = quiet_options();
    options.latency_ns = FL_MS(100);
    fl_world_t *w = rt_world("fifo", 1);
    x.net = make_net(w, &options, NULL);
    x.listening = fl_event_create(w, "listening");
    fl_spawn(w, "server", write_then_reset, &x);
    fl_spawn(w, "client", exchange_client, &x);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(x.server_write_status, FL_OK);
    assert_int_equal(x.client_read_status, FL_ERESET);
    assert_int_equal(x.client_got_len, 0);
    assert_int_equal(x.server_read_status, FL_ECLOSED); /* the resetting end is closed */
    assert_int_equal(fl_simnet_stats(x.net).resets, 1);
    fl_world_destroy(w);
}

/* --- closed peers and RST, as Linux TCP behaves on loopback --------------------
 *
 * Measured with plain sockets (Linux 6.x): a write to a peer that closed
 * (its FIN received) succeeds; the closed peer answers the bytes with RST;
 * after that RST, writes fail with EPIPE and reads still give what arrived,
 * then EOF (the FIN came first). A peer that half-closed still receives.
 * Closing over unread data sends RST instead of FIN; an RST leaves the bytes
 * that had already arrived readable, then reads fail with ECONNRESET. */

typedef struct peers {
    fl_net_t *net;
    fl_conn_t *client;
    fl_conn_t *server;
} peers_t;

/* Listens, connects and accepts from one task: the connection exists at
 * one latency, both ends in hand. */
static void open_peers(fl_world_t *w, peers_t *p) {
    (void)w;
    fl_listener_t *listener;
    assert_int_equal(fl_net_listen(p->net, NULL, 80, &listener), FL_OK);
    assert_int_equal(fl_net_connect(p->net, "server", 80, &p->client), FL_OK);
    assert_int_equal(fl_listener_accept(listener, &p->server), FL_OK);
    fl_listener_close(listener);
}

static fl_world_t *run_peers(fl_task_fn body, peers_t *p) {
    fl_simnet_options_t options = quiet_options();
    options.latency_ns = FL_MS(10);
    fl_world_t *w = rt_world("fifo", 1);
    p->net = make_net(w, &options, NULL);
    fl_spawn(w, "peers", body, p);
    fl_run_outcome_t outcome = fl_world_run(w);
    if (outcome != FL_RUN_COMPLETED) {
        fl_world_print_hang(w, stderr);
        fail_msg("run ended: %s", fl_run_outcome_name(outcome));
    }
    return w;
}

typedef struct closed_peer_results {
    peers_t peers;
    int first_read, first_write, second_write, write_after_rst, read_after_rst;
    size_t server_got;
    char server_data[16];
    int server_read, server_second_read;
} closed_peer_results_t;

static fl_error_t *write_to_closed_peer(fl_world_t *w, void *arg) {
    closed_peer_results_t *r = arg;
    open_peers(w, &r->peers);              /* t = 10 ms */
    fl_conn_close(r->peers.server);        /* FIN reaches the client at 20 ms */
    fl_sleep(w, FL_MS(20));                /* t = 30 ms */
    char buffer[16];
    size_t n;
    r->first_read = fl_conn_read(r->peers.client, buffer, sizeof buffer, &n);
    r->first_write = fl_conn_write(r->peers.client, "abc", 3); /* lands at 40, RST back at 50 */
    fl_sleep(w, FL_MS(5));
    r->second_write = fl_conn_write(r->peers.client, "def", 3); /* the RST is still on its way */
    fl_sleep(w, FL_MS(25));                /* t = 60 ms */
    r->write_after_rst = fl_conn_write(r->peers.client, "ghi", 3);
    r->read_after_rst = fl_conn_read(r->peers.client, buffer, sizeof buffer, &n);
    fl_conn_close(r->peers.client);
    return NULL;
}

static void test_write_to_a_closed_peer_succeeds_until_its_rst_returns(void **state) {
    (void)state;
    closed_peer_results_t r = {0};
    fl_world_t *w = run_peers(write_to_closed_peer, &r.peers);
    assert_int_equal(r.first_read, FL_EEOF);
    assert_int_equal(r.first_write, FL_OK);
    assert_int_equal(r.second_write, FL_OK);
    assert_int_equal(r.write_after_rst, FL_EPIPE);
    assert_int_equal(r.read_after_rst, FL_EEOF); /* the FIN came before the RST */
    fl_world_destroy(w);
}

static fl_error_t *write_to_half_closed_peer(fl_world_t *w, void *arg) {
    closed_peer_results_t *r = arg;
    open_peers(w, &r->peers);
    assert_int_equal(fl_conn_shutdown_write(r->peers.server), FL_OK);
    fl_sleep(w, FL_MS(20));
    char buffer[16];
    size_t n;
    r->first_read = fl_conn_read(r->peers.client, buffer, sizeof buffer, &n);
    r->first_write = fl_conn_write(r->peers.client, "abc", 3);
    r->server_read = fl_conn_read(r->peers.server, r->server_data, sizeof r->server_data, &n);
    r->server_got = n;
    fl_sleep(w, FL_MS(30));
    r->second_write = fl_conn_write(r->peers.client, "def", 3);
    r->server_second_read = fl_conn_read(r->peers.server, r->server_data + r->server_got,
                                         sizeof r->server_data - r->server_got, &n);
    r->server_got += n;
    fl_conn_close(r->peers.client);
    fl_conn_close(r->peers.server);
    return NULL;
}

static void test_a_half_closed_peer_still_receives(void **state) {
    (void)state;
    closed_peer_results_t r = {0};
    fl_world_t *w = run_peers(write_to_half_closed_peer, &r.peers);
    assert_int_equal(r.first_read, FL_EEOF);
    assert_int_equal(r.first_write, FL_OK);
    assert_int_equal(r.second_write, FL_OK);
    assert_int_equal(r.server_read, FL_OK);
    assert_int_equal(r.server_second_read, FL_OK);
    assert_int_equal(r.server_got, 6);
    assert_memory_equal(r.server_data, "abcdef", 6);
    fl_world_destroy(w);
}

static fl_error_t *close_over_arrived_data(fl_world_t *w, void *arg) {
    closed_peer_results_t *r = arg;
    open_peers(w, &r->peers);
    assert_int_equal(fl_conn_write(r->peers.client, "abc", 3), FL_OK);
    fl_sleep(w, FL_MS(20));                /* arrived at 20, unread */
    fl_conn_close(r->peers.server);        /* RST instead of FIN */
    char buffer[16];
    size_t n;
    r->first_read = fl_conn_read(r->peers.client, buffer, sizeof buffer, &n);
    r->first_write = fl_conn_write(r->peers.client, "def", 3);
    fl_conn_close(r->peers.client);
    return NULL;
}

static void test_closing_over_arrived_unread_data_resets_at_once(void **state) {
    (void)state;
    closed_peer_results_t r = {0};
    fl_world_t *w = run_peers(close_over_arrived_data, &r.peers);
    assert_int_equal(r.first_read, FL_ERESET);
    assert_int_equal(r.first_write, FL_ERESET);
    assert_int_equal(fl_simnet_stats(r.peers.net).resets, 1);
    fl_world_destroy(w);
}

static fl_error_t *close_with_data_in_flight(fl_world_t *w, void *arg) {
    closed_peer_results_t *r = arg;
    open_peers(w, &r->peers);              /* t = 10 ms */
    assert_int_equal(fl_conn_write(r->peers.client, "abc", 3), FL_OK); /* lands at 20 */
    fl_sleep(w, FL_MS(5));
    fl_conn_close(r->peers.server);        /* t = 15: nothing has arrived: FIN (client, 25) */
    fl_sleep(w, FL_MS(1));
    r->first_write = fl_conn_write(r->peers.client, "def", 3); /* the RST (back at 30) is not here */
    fl_sleep(w, FL_MS(24));                /* t = 40 */
    char buffer[16];
    size_t n;
    r->first_read = fl_conn_read(r->peers.client, buffer, sizeof buffer, &n);
    r->write_after_rst = fl_conn_write(r->peers.client, "ghi", 3);
    fl_conn_close(r->peers.client);
    return NULL;
}

static void test_closing_with_data_in_flight_sends_fin_then_rst(void **state) {
    (void)state;
    closed_peer_results_t r = {0};
    fl_world_t *w = run_peers(close_with_data_in_flight, &r.peers);
    assert_int_equal(r.first_write, FL_OK);
    assert_int_equal(r.first_read, FL_EEOF);
    assert_int_equal(r.write_after_rst, FL_EPIPE);
    fl_world_destroy(w);
}

/* A long upload into a closed peer: the buffer still bounds what is
 * accepted before the RST returns, and the blocked write then fails. */
static fl_error_t *long_write_to_closed_peer(fl_world_t *w, void *arg) {
    closed_peer_results_t *r = arg;
    open_peers(w, &r->peers);              /* t = 10 ms */
    fl_conn_close(r->peers.server);
    static char upload[10 * 1024];
    memset(upload, 'u', sizeof upload);
    r->first_write = fl_conn_write(r->peers.client, upload, sizeof upload);
    r->server_got = (size_t)fl_now(w);     /* when the write returned */
    fl_conn_close(r->peers.client);
    return NULL;
}

static void test_a_long_write_to_a_closed_peer_fails_when_the_rst_returns(void **state) {
    (void)state;
    closed_peer_results_t r = {0};
    fl_simnet_options_t options = quiet_options();
    options.latency_ns = FL_MS(10);
    options.buffer_bytes = 1024;
    fl_world_t *w = rt_world("fifo", 1);
    r.peers.net = make_net(w, &options, NULL);
    fl_spawn(w, "peers", long_write_to_closed_peer, &r.peers);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(r.first_write, FL_EPIPE);
    assert_int_equal(r.server_got, FL_MS(30)); /* lands at 20, the RST is back at 30 */
    fl_world_destroy(w);
}

typedef struct reset_results {
    peers_t peers;
    bool fin_first;
    int first_read, second_read, write_status;
    size_t got;
    char data[16];
} reset_results_t;

static fl_error_t *reset_after_arrival(fl_world_t *w, void *arg) {
    reset_results_t *r = arg;
    open_peers(w, &r->peers);
    assert_int_equal(fl_conn_write(r->peers.server, "hello", 5), FL_OK); /* lands at 20 */
    if (r->fin_first) assert_int_equal(fl_conn_shutdown_write(r->peers.server), FL_OK);
    fl_sleep(w, FL_MS(20));
    fl_conn_reset(r->peers.server);
    fl_sleep(w, FL_MS(20));
    size_t n = 0;
    r->first_read = fl_conn_read(r->peers.client, r->data, sizeof r->data, &n);
    r->got = n;
    r->second_read = fl_conn_read(r->peers.client, r->data, sizeof r->data, &n);
    r->write_status = fl_conn_write(r->peers.client, "x", 1);
    fl_conn_close(r->peers.client);
    return NULL;
}

static void test_reset_leaves_arrived_data_readable(void **state) {
    (void)state;
    reset_results_t r = {0};
    fl_world_t *w = run_peers(reset_after_arrival, &r.peers);
    assert_int_equal(r.first_read, FL_OK);
    assert_int_equal(r.got, 5);
    assert_memory_equal(r.data, "hello", 5);
    assert_int_equal(r.second_read, FL_ERESET);
    assert_int_equal(r.write_status, FL_ERESET);
    fl_world_destroy(w);
}

static void test_reset_after_fin_reads_as_eof(void **state) {
    (void)state;
    reset_results_t r = {.fin_first = true};
    fl_world_t *w = run_peers(reset_after_arrival, &r.peers);
    assert_int_equal(r.first_read, FL_OK);
    assert_int_equal(r.got, 5);
    assert_int_equal(r.second_read, FL_EEOF);
    assert_int_equal(r.write_status, FL_ERESET);
    fl_world_destroy(w);
}

/* Backpressure: a 1 KiB buffer and a server that starts reading after 1 s:
 * the client's 10 KiB write cannot complete before then. */
static void test_backpressure_blocks_the_writer(void **state) {
    (void)state;
    exchange_t x = {.request = "0123456789", .request_repeat = 1024,
                    .server_read_delay_ns = FL_SECONDS(1), .reply = "ok"};
    fl_simnet_options_t options = quiet_options();
    options.buffer_bytes = 1024;
    options.latency_ns = FL_MS(1);
    fl_fault_plan_t *plan = NULL;
    fl_world_t *w = rt_world("fifo", 1);
    x.net = make_net(w, &options, plan);
    x.listening = fl_event_create(w, "listening");
    fl_spawn(w, "server", exchange_server, &x);
    fl_spawn(w, "client", exchange_client, &x);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(x.client_write_status, FL_OK);
    assert_true(x.client_write_done_at >= FL_SECONDS(1));
    assert_int_equal(x.server_got_len, 4096); /* all it keeps; it read all 10 KiB */
    assert_int_equal(x.server_read_status, FL_EEOF);
    fl_world_destroy(w);
}

/* Connection ends stay counted open until their owner closes them (a reset
 * one too: its descriptor is still held); a connection never accepted is
 * the kernel's, and goes with the listener. */
typedef struct open_ends {
    fl_net_t *net;
    uint64_t after_connect, after_client_close, after_server_close, after_listener_close;
} open_ends_t;

static fl_error_t *open_ends_task(fl_world_t *w, void *arg) {
    (void)w;
    open_ends_t *o = arg;
    fl_listener_t *listener = NULL;
    fl_conn_t *client = NULL, *server = NULL, *unaccepted = NULL;
    assert_int_equal(fl_net_listen(o->net, NULL, 80, &listener), FL_OK);
    assert_int_equal(fl_net_connect(o->net, "server", 80, &client), FL_OK);
    assert_int_equal(fl_listener_accept(listener, &server), FL_OK);
    o->after_connect = fl_simnet_stats(o->net).open_endpoints;
    fl_conn_reset(client);
    fl_conn_close(client);
    o->after_client_close = fl_simnet_stats(o->net).open_endpoints;
    fl_conn_close(server);
    o->after_server_close = fl_simnet_stats(o->net).open_endpoints;
    assert_int_equal(fl_net_connect(o->net, "server", 80, &unaccepted), FL_OK);
    fl_listener_close(listener);
    fl_conn_close(unaccepted);
    o->after_listener_close = fl_simnet_stats(o->net).open_endpoints;
    return NULL;
}

static void test_open_endpoints_are_counted_until_closed(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    open_ends_t o = {.net = make_net(w, NULL, NULL)};
    fl_spawn(w, "owner", open_ends_task, &o);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(o.after_connect, 2);
    assert_int_equal(o.after_client_close, 1); /* reset, then closed: the server's end is left */
    assert_int_equal(o.after_server_close, 0);
    assert_int_equal(o.after_listener_close, 0);
    fl_world_destroy(w);
}

/* Port 0 picks from 49152-65535 in order, wrapping within the range past
 * ports still in use; with every one taken, FL_EADDRINUSE (the counter used
 * to run on past 65535 into 0, 1, 2..., and port 0 means "pick one"). */
typedef struct ephemeral_run {
    fl_net_t *net;
    int exhausted_status;
    uint16_t first;
    uint16_t last;
    uint16_t reused;
    bool distinct_and_in_range;
} ephemeral_run_t;

static fl_error_t *ephemeral_task(fl_world_t *w, void *arg) {
    (void)w;
    ephemeral_run_t *run = arg;
    enum { RANGE = 65535 - 49152 + 1 };
    static fl_listener_t *listeners[RANGE];
    static bool seen[RANGE];
    memset(seen, 0, sizeof seen);
    run->distinct_and_in_range = true;
    for (size_t i = 0; i < RANGE; i++) {
        if (fl_net_listen(run->net, NULL, 0, &listeners[i]) != FL_OK) {
            run->distinct_and_in_range = false;
            return NULL;
        }
        uint16_t port = fl_listener_port(listeners[i]);
        if (port < 49152 || seen[port - 49152]) run->distinct_and_in_range = false;
        else seen[port - 49152] = true;
    }
    run->first = fl_listener_port(listeners[0]);
    run->last = fl_listener_port(listeners[RANGE - 1]);
    fl_listener_t *extra = NULL;
    run->exhausted_status = fl_net_listen(run->net, NULL, 0, &extra);
    fl_listener_close(listeners[100]); /* frees 49252 */
    if (fl_net_listen(run->net, NULL, 0, &extra) == FL_OK) run->reused = fl_listener_port(extra);
    return NULL;
}

static void test_ephemeral_ports_wrap_within_their_range(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_simnet_options_t options = fl_simnet_options_default();
    options.backlog = 1;
    ephemeral_run_t run = {.net = make_net(w, &options, NULL)};
    fl_spawn(w, "listener", ephemeral_task, &run);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_true(run.distinct_and_in_range);
    assert_int_equal(run.first, 49152);
    assert_int_equal(run.last, 65535);
    assert_int_equal(run.exhausted_status, FL_EADDRINUSE);
    assert_int_equal(run.reused, 49252);
    fl_world_destroy(w);
}

static void test_connect_where_nothing_listens_is_refused(void **state) {
    (void)state;
    exchange_t x = {.port = 81};
    fl_world_t *w = rt_world("fifo", 1);
    x.net = make_net(w, NULL, NULL);
    x.listening = fl_event_create(w, "listening");
    fl_event_set(w, x.listening);
    fl_spawn(w, "client", exchange_client, &x);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(x.client_connect_status, FL_EREFUSED);
    assert_int_equal(fl_simnet_stats(x.net).refused, 1);
    fl_world_destroy(w);
}

/* A stalled peer plus a read deadline: timed out at the exact virtual time. */
static void test_stalled_peer_and_read_deadline(void **state) {
    (void)state;
    exchange_t x = {.reply = "late", .client_read_deadline_ns = FL_MS(250)};
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, (fl_fault_spec_t){
                        .trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .connection = 1,
                                    .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 0},
                        .action = {.kind = FL_FAULT_ACTION_STALL, .duration_ns = FL_TIME_NEVER}});
    x.net = make_net(w, NULL, plan);
    x.listening = fl_event_create(w, "listening");
    fl_spawn(w, "server", exchange_server, &x);
    fl_spawn(w, "client", exchange_client, &x);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(x.client_read_status, FL_ECANCELLED);
    assert_int_equal(x.client_scope_status, FL_ETIMEDOUT);
    assert_int_equal(x.client_read_ended_at, x.client_connected_at + FL_MS(250));
    assert_int_equal(x.client_got_len, 0);
    assert_int_equal(fl_simnet_fault_fired(x.net, 1), 1);
    fl_world_destroy(w);
}

/* --- faults ----------------------------------------------------------------------- */

static fl_world_t *exchange_expecting(exchange_t *x, fl_fault_spec_t spec, uint64_t seed,
                                      fl_run_outcome_t expected) {
    fl_world_t *w = rt_world("random", seed);
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, spec);
    x->net = make_net(w, NULL, plan);
    x->listening = fl_event_create(w, "listening");
    fl_spawn(w, "server", exchange_server, x);
    fl_spawn(w, "client", exchange_client, x);
    fl_run_outcome_t outcome = fl_world_run(w);
    if (outcome != expected) {
        fl_world_print_hang(w, stderr);
        fail_msg("run ended: %s", fl_run_outcome_name(outcome));
    }
    return w;
}

static fl_world_t *exchange_with(exchange_t *x, fl_fault_spec_t spec, uint64_t seed) {
    return exchange_expecting(x, spec, seed, FL_RUN_COMPLETED);
}

static void test_connect_refuse_fault(void **state) {
    (void)state;
    exchange_t x = {.reply = "hi", .server_shutdown_after_reply = true};
    /* The refused client gives up; the server waits in accept for ever. */
    fl_world_t *w = exchange_expecting(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT, .connection = 1},
                          .action = {.kind = FL_FAULT_ACTION_REFUSE}}, 1, FL_RUN_HANG);
    assert_int_equal(x.client_connect_status, FL_EREFUSED);
    assert_int_equal(fl_simnet_fault_fired(x.net, 1), 1);
    assert_int_equal(fl_world_trace(w)->kind_counts[FL_TRACE_FAULT], 1);
    fl_world_destroy(w);
}

static void test_connect_stall_fault(void **state) {
    (void)state;
    exchange_t x = {.reply = "hi", .server_shutdown_after_reply = true};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT},
                          .action = {.kind = FL_FAULT_ACTION_STALL, .duration_ns = FL_SECONDS(5)}},
        1);
    assert_int_equal(x.client_connect_status, FL_OK);
    assert_true(x.client_connected_at >= FL_SECONDS(5));
    assert_int_equal(x.client_read_status, FL_EEOF);
    fl_world_destroy(w);
}

static void test_bytes_reset_fault(void **state) {
    (void)state;
    exchange_t x = {.request = "0123456789", .request_repeat = 50};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .connection = 1,
                                      .direction = FL_DIRECTION_CLIENT_TO_SERVER, .bytes = 100},
                          .action = {.kind = FL_FAULT_ACTION_RESET}}, 3);
    /* The writer reached 100 bytes exactly and then the connection died. */
    assert_true(x.client_write_status == FL_ERESET);
    assert_int_equal(x.server_read_status, FL_ERESET);
    assert_true(x.server_got_len <= 100);
    assert_int_equal(x.client_read_status, FL_ERESET);
    fl_world_destroy(w);
}

static void test_bytes_truncate_fault(void **state) {
    (void)state;
    exchange_t x = {.reply = "0123456789abcdefghijklmnopqrstuvwxyz"};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                      .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 10},
                          .action = {.kind = FL_FAULT_ACTION_TRUNCATE}}, 3);
    assert_int_equal(x.server_write_status, FL_OK); /* the writer cannot tell */
    assert_int_equal(x.client_read_status, FL_EEOF);
    assert_int_equal(x.client_got_len, 10);
    assert_memory_equal(x.client_got, "0123456789", 10);
    fl_world_destroy(w);
}

static void test_bytes_corrupt_fault(void **state) {
    (void)state;
    exchange_t x = {.request = "abcdefghijklmnopqrstuvwxyz"};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                      .direction = FL_DIRECTION_CLIENT_TO_SERVER, .bytes = 5},
                          .action = {.kind = FL_FAULT_ACTION_CORRUPT}}, 3);
    assert_int_equal(x.server_got_len, 26);
    assert_memory_equal(x.server_got, "abcde", 5);
    assert_true(x.server_got[5] != 'f');
    assert_memory_equal(x.server_got + 6, "ghijklmnopqrstuvwxyz", 20);
    fl_world_destroy(w);
}

static void test_at_close_fault(void **state) {
    (void)state;
    exchange_t x = {0};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_SECONDS(2)},
                          .action = {.kind = FL_FAULT_ACTION_CLOSE, .side = FL_SIDE_SERVER,
                                     .connection = 1}}, 1);
    assert_int_equal(x.client_read_status, FL_EEOF);
    assert_int_equal(x.client_read_ended_at, FL_SECONDS(2) + FL_MS(1)); /* FIN's latency */
    assert_int_equal(x.server_read_status, FL_ECLOSED);
    fl_world_destroy(w);
}

static void test_at_fault_on_missing_connection_is_traced(void **state) {
    (void)state;
    exchange_t x = {.reply = "x", .server_shutdown_after_reply = true};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = 0},
                          .action = {.kind = FL_FAULT_ACTION_RESET, .connection = 7}}, 1);
    assert_int_equal(x.client_read_status, FL_EEOF); /* nothing happened to connection 1 */
    assert_int_equal(fl_simnet_stats(x.net).faults_fired, 0);
    fl_world_destroy(w);
}

static void test_half_close_fault(void **state) {
    (void)state;
    exchange_t x = {.reply = "still talking", .server_read_delay_ns = FL_MS(10)};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_MS(5)},
                          .action = {.kind = FL_FAULT_ACTION_HALF_CLOSE, .side = FL_SIDE_CLIENT,
                                     .connection = 1}}, 1);
    /* The server sees the client's FIN; the client still got the reply. */
    assert_int_equal(x.server_read_status, FL_EEOF);
    assert_int_equal(x.client_got_len, strlen("still talking"));
    fl_world_destroy(w);
}

/* A half-close of the writing end in the middle of a write (a bytes
 * trigger on the direction it writes): the FIN goes out at the threshold and
 * the rest of the write fails with FL_EPIPE, as a write after shutdown does.
 * The write used to queue one more chunk after the FIN before it noticed:
 * bytes behind a FIN, never readable, holding buffer room. */
static void test_half_close_of_the_writer_mid_write_fails_the_write(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        exchange_t x = {.request = "01234567890123456789012345678901234567890123456789"};
        fl_world_t *w = exchange_with(&x,
            (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .connection = 1,
                                          .direction = FL_DIRECTION_CLIENT_TO_SERVER, .bytes = 25},
                              .action = {.kind = FL_FAULT_ACTION_HALF_CLOSE,
                                         .side = FL_SIDE_CLIENT}}, seed);
        assert_int_equal(x.client_write_status, FL_EPIPE);
        assert_int_equal(x.server_got_len, 25);
        assert_memory_equal(x.server_got, "0123456789012345678901234", 25);
        assert_int_equal(x.server_read_status, FL_EEOF);
        assert_int_equal(fl_simnet_fault_fired(x.net, 1), 1);
        /* The trace's writes after the FIN: none. */
        const fl_trace_t *trace = fl_world_trace(w);
        bool fin_seen = false;
        int64_t written_after_fin = 0;
        for (size_t i = 0; i < trace->count && i < trace->event_limit; i++) {
            const fl_trace_event_t *e = &trace->events[i];
            if (e->kind != FL_TRACE_NET || e->detail == NULL) continue;
            if (strcmp(e->detail, "fin c2s") == 0) fin_seen = true;
            if (fin_seen && strcmp(e->detail, "write c2s") == 0) written_after_fin += e->value;
        }
        assert_true(fin_seen);
        assert_int_equal(written_after_fin, 0);
        fl_world_destroy(w);
    }
}

static void test_event_reset_fault(void **state) {
    (void)state;
    exchange_t x = {.reply = "HTTP/1.1 200 OK", .server_emits_event = true};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_EVENT,
                                      .event = "server.response_start"},
                          .action = {.kind = FL_FAULT_ACTION_RESET}}, 1);
    assert_int_equal(x.server_write_status, FL_ERESET);
    assert_int_equal(x.client_read_status, FL_ERESET);
    assert_int_equal(x.client_got_len, 0);
    fl_world_destroy(w);
}

static void test_event_on_nth_occurrence(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, (fl_fault_spec_t){
                        .trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = "server.body_chunk",
                                    .count = 3},
                        .action = {.kind = FL_FAULT_ACTION_CANCEL_TASK, .task = "nobody"}});
    fl_net_t *net = make_net(w, NULL, plan);
    fl_net_event(net, NULL, "server.body_chunk");
    fl_net_event(net, NULL, "server.body_chunk");
    fl_net_event(net, NULL, "server.response_start"); /* another event */
    assert_int_equal(fl_simnet_fault_fired(net, 1), 0);
    fl_net_event(net, NULL, "server.body_chunk");
    assert_int_equal(fl_simnet_fault_fired(net, 1), 1);
    fl_net_event(net, NULL, "server.body_chunk");
    assert_int_equal(fl_simnet_fault_fired(net, 1), 1); /* one-shot */
    fl_world_destroy(w);
}

static void test_delay_fault(void **state) {
    (void)state;
    exchange_t plain = {.reply = "r", .server_shutdown_after_reply = true};
    fl_world_t *w0 = run_exchange(&plain, NULL, NULL, 1);
    int64_t baseline = plain.client_first_byte_at;
    fl_world_destroy(w0);
    /* The delay applies from the first reply byte on. */
    exchange_t y = {.reply = "r", .server_shutdown_after_reply = true};
    fl_world_t *w = exchange_with(&y,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                      .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 0},
                          .action = {.kind = FL_FAULT_ACTION_DELAY, .duration_ns = FL_MS(500)}},
        1);
    assert_int_equal(y.client_first_byte_at, baseline + FL_MS(500));
    fl_world_destroy(w);
}

static void test_bandwidth_fault(void **state) {
    (void)state;
    char reply[2001];
    memset(reply, 'b', 2000);
    reply[2000] = '\0';
    exchange_t x = {.reply = reply, .server_shutdown_after_reply = true};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                      .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 0},
                          .action = {.kind = FL_FAULT_ACTION_BANDWIDTH, .bytes_per_second = 1000}},
        1);
    assert_int_equal(x.client_got_len, 2000);
    assert_true(x.client_read_ended_at >= x.client_connected_at + FL_SECONDS(2));
    fl_world_destroy(w);
}

static void test_stall_for_a_while(void **state) {
    (void)state;
    exchange_t x = {.reply = "slow", .server_shutdown_after_reply = true};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                      .direction = FL_DIRECTION_SERVER_TO_CLIENT, .bytes = 0},
                          .action = {.kind = FL_FAULT_ACTION_STALL, .duration_ns = FL_SECONDS(1)}},
        1);
    assert_int_equal(x.client_got_len, 4);
    assert_true(x.client_first_byte_at >= FL_SECONDS(1));
    assert_int_equal(x.client_read_status, FL_EEOF);
    fl_world_destroy(w);
}

static fl_error_t *sleepy(fl_world_t *w, void *arg) {
    int *status = arg;
    *status = fl_sleep(w, FL_SECONDS(30));
    return NULL;
}

static void test_cancel_task_fault(void **state) {
    (void)state;
    int sleep_status = 99;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, (fl_fault_spec_t){
                        .trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_SECONDS(1)},
                        .action = {.kind = FL_FAULT_ACTION_CANCEL_TASK, .task = "sleepy"}});
    make_net(w, NULL, plan);
    fl_spawn(w, "sleepy", sleepy, &sleep_status);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(sleep_status, FL_ECANCELLED);
    assert_int_equal(fl_now(w), FL_SECONDS(1));
    fl_world_destroy(w);
}

/* A connect trigger may cancel a task instead of acting on the attempt:
 * the task is cancelled and the connection goes through. */
static void test_connect_cancel_task_fault(void **state) {
    (void)state;
    int sleep_status = 99;
    exchange_t x = {.reply = "hi", .server_shutdown_after_reply = true};
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT},
                                      .action = {.kind = FL_FAULT_ACTION_CANCEL_TASK,
                                                 .task = "sleepy"}});
    x.net = make_net(w, NULL, plan);
    x.listening = fl_event_create(w, "listening");
    fl_spawn(w, "sleepy", sleepy, &sleep_status);
    fl_spawn(w, "server", exchange_server, &x);
    fl_spawn(w, "client", exchange_client, &x);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(sleep_status, FL_ECANCELLED);
    assert_int_equal(x.client_connect_status, FL_OK);
    assert_int_equal(x.client_got_len, 2);
    assert_int_equal(fl_simnet_fault_applied(x.net, 1), 1);
    assert_true(fl_now(w) < FL_SECONDS(30));
    fl_world_destroy(w);
}

/* An at-trigger for every connection when none is open, and an event
 * reported without a connection for a fault that acts on one: both are
 * reached and traced, and neither acts. */
typedef struct eventful {
    fl_net_t *net;
} eventful_t;

static fl_error_t *report_event_without_connection(fl_world_t *w, void *arg) {
    eventful_t *e = arg;
    fl_net_event(e->net, NULL, "server.response_start");
    fl_sleep(w, FL_SECONDS(2));
    return NULL;
}

static void test_faults_with_nothing_to_act_on_do_not_act(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_SECONDS(1)},
                                      .action = {.kind = FL_FAULT_ACTION_RESET}});
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_EVENT,
                                                  .event = "server.response_start"},
                                      .action = {.kind = FL_FAULT_ACTION_RESET}});
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_EVENT,
                                                  .event = "server.response_start",
                                                  .connection = 3},
                                      .action = {.kind = FL_FAULT_ACTION_RESET}});
    eventful_t e = {.net = make_net(w, NULL, plan)};
    fl_spawn(w, "reporter", report_event_without_connection, &e);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    for (uint32_t index = 1; index <= 3; index++)
        assert_int_equal(fl_simnet_fault_applied(e.net, index), 0);
    fl_world_destroy(w);
}

/* Several connect attempts in turn, against a listener that accepts
 * `accepts` of them (accept_all) or none until it closes, twice (the
 * second close does nothing). */
typedef struct attempts {
    fl_net_t *net;
    fl_event_t *listening;
    fl_event_t *done;
    bool accept_all;
    size_t accepts; /* accept_all: how many the server accepts */
    size_t count;
    int status[3];
    int read_status; /* the first connection's read, when none was accepted */
} attempts_t;

static fl_error_t *attempts_server(fl_world_t *w, void *arg) {
    attempts_t *a = arg;
    fl_listener_t *listener;
    assert_int_equal(fl_net_listen(a->net, NULL, 80, &listener), FL_OK);
    fl_event_set(w, a->listening);
    if (a->accept_all) {
        for (size_t i = 0; i < a->accepts; i++) {
            fl_conn_t *conn;
            if (fl_listener_accept(listener, &conn) != FL_OK) break;
            fl_conn_close(conn);
        }
    } else {
        fl_event_wait(w, a->done);
    }
    fl_listener_close(listener);
    fl_listener_close(listener);
    return NULL;
}

static fl_error_t *attempts_client(fl_world_t *w, void *arg) {
    attempts_t *a = arg;
    fl_event_wait(w, a->listening);
    fl_conn_t *conns[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < a->count; i++)
        a->status[i] = fl_net_connect(a->net, "server", 80, &conns[i]);
    fl_event_set(w, a->done);
    if (!a->accept_all && conns[0] != NULL) {
        char byte;
        size_t n;
        a->read_status = fl_conn_read(conns[0], &byte, 1, &n);
    }
    for (size_t i = 0; i < a->count; i++)
        if (conns[i] != NULL) fl_conn_close(conns[i]);
    return NULL;
}

static fl_world_t *run_attempts(attempts_t *a, const fl_simnet_options_t *options,
                                const fl_fault_plan_t *plan) {
    fl_world_t *w = rt_world("fifo", 1);
    a->net = make_net(w, options, plan);
    a->listening = fl_event_create(w, "listening");
    a->done = fl_event_create(w, "done");
    fl_spawn(w, "server", attempts_server, a);
    fl_spawn(w, "client", attempts_client, a);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    return w;
}

/* A connect trigger that names an attempt acts on that attempt only. */
static void test_connect_fault_on_the_second_attempt_only(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT, .connection = 2},
                                      .action = {.kind = FL_FAULT_ACTION_REFUSE}});
    attempts_t a = {.accept_all = true, .count = 3, .accepts = 2};
    a.net = make_net(w, NULL, plan);
    a.listening = fl_event_create(w, "listening");
    a.done = fl_event_create(w, "done");
    fl_spawn(w, "server", attempts_server, &a);
    fl_spawn(w, "client", attempts_client, &a);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(a.status[0], FL_OK);
    assert_int_equal(a.status[1], FL_EREFUSED);
    assert_int_equal(a.status[2], FL_OK);
    assert_int_equal(fl_simnet_fault_fired(a.net, 1), 1);
    assert_int_equal(fl_simnet_stats(a.net).refused, 1);
    fl_world_destroy(w);
}

/* A full backlog refuses the next attempt; closing the listener resets the
 * connection it never accepted. */
static void test_a_full_backlog_refuses_and_closing_resets_the_queued(void **state) {
    (void)state;
    fl_simnet_options_t options = fl_simnet_options_default();
    options.backlog = 1;
    attempts_t a = {.count = 2};
    fl_world_t *w = run_attempts(&a, &options, NULL);
    assert_int_equal(a.status[0], FL_OK);
    assert_int_equal(a.status[1], FL_EREFUSED);
    assert_int_equal(a.read_status, FL_ERESET);
    assert_int_equal(fl_simnet_stats(a.net).refused, 1);
    fl_world_destroy(w);
}

/* A bytes trigger on another connection does not act on this one. */
static void test_bytes_fault_for_another_connection_leaves_this_one(void **state) {
    (void)state;
    exchange_t x = {.request = "hello", .reply = "world", .server_shutdown_after_reply = true};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .connection = 2,
                                      .direction = FL_DIRECTION_CLIENT_TO_SERVER, .bytes = 2},
                          .action = {.kind = FL_FAULT_ACTION_RESET}}, 1);
    assert_int_equal(x.client_read_status, FL_EEOF);
    assert_int_equal(x.client_got_len, 5);
    assert_memory_equal(x.client_got, "world", 5);
    assert_int_equal(x.server_got_len, 5);
    assert_int_equal(fl_simnet_fault_fired(x.net, 1), 0);
    fl_world_destroy(w);
}

/* A connect cancelled during its handshake (one latency to the server)
 * returns the cancellation and makes no connection. */
typedef struct impatient {
    fl_net_t *net;
    int connect_status;
    int scope_status;
    fl_conn_t *conn;
} impatient_t;

static fl_error_t *listen_only(fl_world_t *w, void *arg) {
    impatient_t *i = arg;
    fl_listener_t *listener;
    assert_int_equal(fl_net_listen(i->net, NULL, 80, &listener), FL_OK);
    fl_sleep(w, FL_SECONDS(1));
    fl_listener_close(listener);
    return NULL;
}

static fl_error_t *connect_impatiently(fl_world_t *w, void *arg) {
    impatient_t *i = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter_move_on_after(w, &scope, FL_US(500)); /* half the 1 ms latency */
    i->connect_status = fl_net_connect(i->net, "server", 80, &i->conn);
    i->scope_status = fl_scope_exit(w, &scope, i->connect_status);
    return NULL;
}

static void test_connect_cancelled_during_the_handshake(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    impatient_t i = {.net = make_net(w, NULL, NULL)};
    fl_spawn(w, "server", listen_only, &i);
    fl_spawn(w, "client", connect_impatiently, &i);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(i.connect_status, FL_ECANCELLED);
    assert_int_equal(i.scope_status, FL_OK);
    assert_null(i.conn);
    assert_int_equal(fl_simnet_stats(i.net).refused, 0);
    fl_world_destroy(w);
}

/* Faults that come after a reset find nothing left to do: a half-close
 * or a truncate of the reset connection changes nothing (both ends still
 * read the reset), and an at-trigger for every connection finds none open. */
static void test_faults_after_a_reset_change_nothing(void **state) {
    (void)state;
    int sleep_status = 99;
    exchange_t x = {.reply = "hi"};
    fl_world_t *w = rt_world("fifo", 1);
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_SECONDS(1)},
                                      .action = {.kind = FL_FAULT_ACTION_RESET, .connection = 1}});
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_SECONDS(2)},
                                      .action = {.kind = FL_FAULT_ACTION_HALF_CLOSE,
                                                 .side = FL_SIDE_SERVER, .connection = 1}});
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_SECONDS(2)},
                                      .action = {.kind = FL_FAULT_ACTION_TRUNCATE, .connection = 1}});
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = FL_SECONDS(2)},
                                      .action = {.kind = FL_FAULT_ACTION_CLOSE,
                                                 .side = FL_SIDE_CLIENT}});
    x.net = make_net(w, NULL, plan);
    x.listening = fl_event_create(w, "listening");
    fl_spawn(w, "server", exchange_server, &x);
    fl_spawn(w, "client", exchange_client, &x);
    fl_spawn(w, "sleepy", sleepy, &sleep_status); /* keeps the world past 2 s */
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(x.client_got_len, 2);
    assert_int_equal(x.client_read_status, FL_ERESET);
    assert_int_equal(x.server_read_status, FL_ERESET);
    assert_int_equal(x.client_read_ended_at, FL_SECONDS(1));
    assert_int_equal(fl_simnet_fault_applied(x.net, 1), 1);
    assert_int_equal(fl_simnet_fault_applied(x.net, 4), 0); /* no open connection */
    assert_int_equal(sleep_status, FL_OK);
    fl_world_destroy(w);
}

/* Accept checks for cancellation first and while it waits; after a close,
 * shutting down writing says the endpoint is closed and a reset does
 * nothing (the peer reads the FIN, not a reset). */
typedef struct after_end {
    fl_net_t *net;
    fl_event_t *ready;
    int accept_cancelled;  /* accept in a cancelled scope */
    int accept_timed_out;  /* accept that waited past its deadline */
    int accept_scope;      /* that scope's exit */
    int shutdown_after_close;
    int client_read;
} after_end_t;

static fl_error_t *after_end_server(fl_world_t *w, void *arg) {
    after_end_t *a = arg;
    fl_listener_t *listener;
    assert_int_equal(fl_net_listen(a->net, NULL, 80, &listener), FL_OK);
    fl_conn_t *conn = NULL;
    fl_cancel_scope_t scope;
    fl_scope_enter(w, &scope, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &scope);
    a->accept_cancelled = fl_listener_accept(listener, &conn);
    (void)fl_scope_exit(w, &scope, a->accept_cancelled);
    fl_scope_enter_move_on_after(w, &scope, FL_MS(5));
    a->accept_timed_out = fl_listener_accept(listener, &conn);
    a->accept_scope = fl_scope_exit(w, &scope, a->accept_timed_out);
    fl_event_set(w, a->ready);
    if (fl_listener_accept(listener, &conn) != FL_OK) return NULL;
    fl_conn_close(conn);
    a->shutdown_after_close = fl_conn_shutdown_write(conn);
    fl_conn_reset(conn);
    fl_listener_close(listener);
    return NULL;
}

static fl_error_t *after_end_client(fl_world_t *w, void *arg) {
    after_end_t *a = arg;
    fl_event_wait(w, a->ready);
    fl_conn_t *conn;
    if (fl_net_connect(a->net, "server", 80, &conn) != FL_OK) return NULL;
    char byte;
    size_t n;
    a->client_read = fl_conn_read(conn, &byte, 1, &n);
    fl_conn_close(conn);
    return NULL;
}

static void test_accept_cancelled_and_calls_after_a_close(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    after_end_t a = {.net = make_net(w, NULL, NULL)};
    a.ready = fl_event_create(w, "ready");
    fl_spawn(w, "server", after_end_server, &a);
    fl_spawn(w, "client", after_end_client, &a);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(a.accept_cancelled, FL_ECANCELLED);
    assert_int_equal(a.accept_timed_out, FL_ECANCELLED);
    assert_int_equal(a.accept_scope, FL_OK);
    assert_int_equal(a.shutdown_after_close, FL_ECLOSED);
    assert_int_equal(a.client_read, FL_EEOF);
    fl_world_destroy(w);
}

static void test_client_disconnect_fault(void **state) {
    (void)state;
    exchange_t x = {.reply = "data", .server_emits_event = true, .server_read_delay_ns = FL_MS(50)};
    fl_world_t *w = exchange_with(&x,
        (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_EVENT,
                                      .event = "server.response_start"},
                          .action = {.kind = FL_FAULT_ACTION_CLIENT_DISCONNECT}}, 1);
    /* The client's endpoint is gone: its read fails as closed; the server,
     * writing into a closed peer, sees the connection reset, and its read
     * fails too. */
    assert_int_equal(x.client_read_status, FL_ECLOSED);
    assert_true(x.server_write_status == FL_EPIPE || x.server_write_status == FL_OK);
    assert_true(x.server_read_status == FL_ERESET || x.server_read_status == FL_EEOF);
    fl_world_destroy(w);
}

static void test_probability_is_seeded(void **state) {
    (void)state;
    uint64_t fired[2];
    for (int round = 0; round < 2; round++) {
        fl_world_t *w = rt_world("fifo", 99);
        fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
        add_fault(plan, (fl_fault_spec_t){
                            .trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = "server.body_chunk",
                                        .probability = 0.3, .repeat = true},
                            .action = {.kind = FL_FAULT_ACTION_CANCEL_TASK, .task = "nobody"}});
        fl_net_t *net = make_net(w, NULL, plan);
        for (int i = 0; i < 1000; i++) fl_net_event(net, NULL, "server.body_chunk");
        fired[round] = fl_simnet_fault_fired(net, 1);
        fl_world_destroy(w);
    }
    assert_int_equal(fired[0], fired[1]);
    assert_true(fired[0] > 200 && fired[0] < 400);
}

static void test_invalid_options_are_refused(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    fl_simnet_options_t options = fl_simnet_options_default();
    options.buffer_bytes = 0;
    char error[256];
    assert_null(fl_simnet_create(w, &options, NULL, error, sizeof error));
    assert_non_null(strstr(error, "buffer_bytes"));
    options = fl_simnet_options_default();
    options.latency_ns = -1;
    assert_null(fl_simnet_create(w, &options, NULL, error, sizeof error));
    assert_non_null(strstr(error, "latency"));
    options = fl_simnet_options_default();
    options.latency_jitter_ns = -1;
    assert_null(fl_simnet_create(w, &options, NULL, error, sizeof error));
    assert_string_equal(error, "simulated network: latency must not be negative");
    options = fl_simnet_options_default();
    options.backlog = 0;
    assert_null(fl_simnet_create(w, &options, NULL, error, sizeof error));
    assert_string_equal(error, "simulated network: backlog must be positive");
    assert_null(fl_simnet_create(w, &options, NULL, NULL, 0)); /* refused without a message */
    fl_world_destroy(w);
}

/* A plan built in C that holds what only faultline proxy carries out is
 * refused as the scenario loader refuses it: it would never act here. */
static void test_the_proxys_faults_are_refused(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    char error[256];
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, (fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT},
                                      .action = {.kind = FL_FAULT_ACTION_ANSWER_INSTEAD}});
    assert_null(fl_simnet_create(w, NULL, plan, error, sizeof error));
    assert_string_equal(error, "simulated network: fault #1: 'answer-instead' is carried out by "
                               "faultline proxy only");
    plan = fl_fault_plan_create(fl_world_arena(w));
    add_fault(plan, (fl_fault_spec_t){
                        .trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = "proxy.sse_event"},
                        .action = {.kind = FL_FAULT_ACTION_RESET}});
    assert_null(fl_simnet_create(w, NULL, plan, error, sizeof error));
    assert_string_equal(error, "simulated network: fault #1: 'proxy.sse_event' is carried out by "
                               "faultline proxy only");
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_proxys_faults_are_refused),
        cmocka_unit_test(test_echo_is_exact_over_1000_seeds),
        cmocka_unit_test(test_same_seed_same_hash_other_seed_other_hash),
        cmocka_unit_test(test_fin_arrives_after_the_data),
        cmocka_unit_test(test_eof_repeats),
        cmocka_unit_test(test_is_readable_reports_arrivals_without_blocking),
        cmocka_unit_test(test_reset_drops_in_flight_data),
        cmocka_unit_test(test_write_to_a_closed_peer_succeeds_until_its_rst_returns),
        cmocka_unit_test(test_a_half_closed_peer_still_receives),
        cmocka_unit_test(test_closing_over_arrived_unread_data_resets_at_once),
        cmocka_unit_test(test_closing_with_data_in_flight_sends_fin_then_rst),
        cmocka_unit_test(test_a_long_write_to_a_closed_peer_fails_when_the_rst_returns),
        cmocka_unit_test(test_reset_leaves_arrived_data_readable),
        cmocka_unit_test(test_reset_after_fin_reads_as_eof),
        cmocka_unit_test(test_backpressure_blocks_the_writer),
        cmocka_unit_test(test_open_endpoints_are_counted_until_closed),
        cmocka_unit_test(test_connect_where_nothing_listens_is_refused),
        cmocka_unit_test(test_ephemeral_ports_wrap_within_their_range),
        cmocka_unit_test(test_stalled_peer_and_read_deadline),
        cmocka_unit_test(test_connect_refuse_fault),
        cmocka_unit_test(test_connect_stall_fault),
        cmocka_unit_test(test_bytes_reset_fault),
        cmocka_unit_test(test_bytes_truncate_fault),
        cmocka_unit_test(test_bytes_corrupt_fault),
        cmocka_unit_test(test_at_close_fault),
        cmocka_unit_test(test_at_fault_on_missing_connection_is_traced),
        cmocka_unit_test(test_half_close_fault),
        cmocka_unit_test(test_half_close_of_the_writer_mid_write_fails_the_write),
        cmocka_unit_test(test_event_reset_fault),
        cmocka_unit_test(test_event_on_nth_occurrence),
        cmocka_unit_test(test_delay_fault),
        cmocka_unit_test(test_bandwidth_fault),
        cmocka_unit_test(test_stall_for_a_while),
        cmocka_unit_test(test_cancel_task_fault),
        cmocka_unit_test(test_connect_cancel_task_fault),
        cmocka_unit_test(test_bytes_fault_for_another_connection_leaves_this_one),
        cmocka_unit_test(test_connect_cancelled_during_the_handshake),
        cmocka_unit_test(test_faults_after_a_reset_change_nothing),
        cmocka_unit_test(test_accept_cancelled_and_calls_after_a_close),
        cmocka_unit_test(test_connect_fault_on_the_second_attempt_only),
        cmocka_unit_test(test_a_full_backlog_refuses_and_closing_resets_the_queued),
        cmocka_unit_test(test_faults_with_nothing_to_act_on_do_not_act),
        cmocka_unit_test(test_client_disconnect_fault),
        cmocka_unit_test(test_probability_is_seeded),
        cmocka_unit_test(test_invalid_options_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
