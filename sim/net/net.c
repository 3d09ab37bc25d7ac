/* The connection interface's dispatch to its driver. */
#include "sim/net/net.h"

#include <assert.h>

#include "sim/net/protocol_event.h"
#include "sim/net/protocol_state.h"
#include "sim/runtime/status.h"

/* The dispatch is where both drivers meet the layers above, so it checks
 * the contract of net.h once for both: what a call may be given, and what a
 * driver may answer. */

const char *fl_side_name(fl_side_t side) {
    assert(side == FL_SIDE_CLIENT || side == FL_SIDE_SERVER);
    return side == FL_SIDE_CLIENT ? "client" : "server";
}

const char *fl_direction_name(fl_direction_t dir) {
    assert(dir == FL_DIRECTION_CLIENT_TO_SERVER || dir == FL_DIRECTION_SERVER_TO_CLIENT);
    return dir == FL_DIRECTION_CLIENT_TO_SERVER ? "c2s" : "s2c";
}

void fl_conn_set_protocol_state(fl_conn_t *conn, int state) {
    assert(conn != NULL && state >= 0 && state < FL_PROTOCOL_STATE_COUNT);
    assert(fl_protocol_state_side((fl_protocol_state_t)state) == conn->side);
    conn->protocol_state = state;
    conn->protocol_state_next_at = 0;
}

void fl_conn_set_protocol_states(fl_conn_t *conn, int state, int next, uint64_t at) {
    fl_conn_set_protocol_state(conn, state);
    assert(next >= 0 && next < FL_PROTOCOL_STATE_COUNT && at > 0);
    assert(fl_protocol_state_side((fl_protocol_state_t)next) == conn->side);
    conn->protocol_state_next = next;
    conn->protocol_state_next_at = at;
}

/* A connection a driver hands out: its own, numbered, on the side asked. */
static bool conn_handed_out(const fl_conn_t *conn, const fl_net_t *net, fl_side_t side) {
    return conn != NULL && conn->net == net && conn->id >= 1 && conn->side == side;
}

/* A connection in use: numbered, on a side, and on the network whose
 * driver answers for it. */
static bool conn_well_formed(const fl_conn_t *conn) {
    return conn != NULL && conn->net != NULL && conn->net->ops != NULL && conn->id >= 1 &&
           (conn->side == FL_SIDE_CLIENT || conn->side == FL_SIDE_SERVER);
}

int fl_net_listen(fl_net_t *net, const char *host, uint16_t port, fl_listener_t **listener_out) {
    assert(net != NULL && listener_out != NULL && net->ops->listen != NULL);
    *listener_out = NULL;
    int status = net->ops->listen(net, host, port, listener_out);
    assert(status <= 0);
    assert(status == FL_OK ? *listener_out != NULL && (*listener_out)->net == net
                           : *listener_out == NULL);
    return status;
}

int fl_listener_accept(fl_listener_t *listener, fl_conn_t **conn_out) {
    assert(listener != NULL && conn_out != NULL);
    assert(listener->net != NULL && listener->net->ops->accept != NULL);
    *conn_out = NULL;
    int status = listener->net->ops->accept(listener, conn_out);
    assert(status <= 0);
    assert(status == FL_OK ? conn_handed_out(*conn_out, listener->net, FL_SIDE_SERVER)
                           : *conn_out == NULL);
    return status;
}

uint16_t fl_listener_port(const fl_listener_t *listener) {
    assert(listener != NULL && listener->net != NULL);
    uint16_t port = listener->net->ops->listener_port(listener);
    /* A listener is bound: port 0 was replaced by the one the driver chose. */
    assert(port != 0);
    return port;
}

void fl_listener_close(fl_listener_t *listener) {
    assert(listener != NULL && listener->net != NULL);
    assert(listener->net->ops->close_listener != NULL);
    listener->net->ops->close_listener(listener);
}

int fl_net_connect(fl_net_t *net, const char *host, uint16_t port, fl_conn_t **conn_out) {
    assert(net != NULL && conn_out != NULL);
    assert(net->ops != NULL && net->ops->connect != NULL && net->world != NULL);
    *conn_out = NULL;
    int status = net->ops->connect(net, host, port, conn_out);
    assert(status <= 0);
    assert(status == FL_OK ? conn_handed_out(*conn_out, net, FL_SIDE_CLIENT) : *conn_out == NULL);
    return status;
}

int fl_conn_read(fl_conn_t *conn, void *buffer, size_t capacity, size_t *count_out) {
    assert(conn != NULL && buffer != NULL && count_out != NULL);
    assert(conn_well_formed(conn));
    *count_out = 0;
    if (capacity == 0) return FL_EINVAL;
    int status = conn->net->ops->read(conn, buffer, capacity, count_out);
    /* At least one byte and at most capacity, or nothing and a status. */
    assert(status <= 0);
    assert(status != FL_EPIPE); /* EPIPE answers writes only */
    assert(status == FL_OK ? *count_out >= 1 && *count_out <= capacity : *count_out == 0);
    return status;
}

int fl_conn_write(fl_conn_t *conn, const void *data, size_t length) {
    assert(conn != NULL && (data != NULL || length == 0));
    assert(conn_well_formed(conn));
    int status = conn->net->ops->write(conn, data, length);
    assert(status <= 0);
    assert(status != FL_EEOF); /* EEOF answers reads only */
    return status;
}

bool fl_conn_is_readable(fl_conn_t *conn) {
    assert(conn != NULL && conn->net->ops->is_readable != NULL);
    assert(conn_well_formed(conn));
    return conn->net->ops->is_readable(conn);
}

int fl_conn_shutdown_write(fl_conn_t *conn) {
    assert(conn != NULL);
    assert(conn_well_formed(conn));
    int status = conn->net->ops->shutdown_write(conn);
    assert(status <= 0);
    assert(status != FL_EEOF); /* EEOF answers reads only */
    return status;
}

void fl_conn_close(fl_conn_t *conn) {
    assert(conn != NULL);
    assert(conn_well_formed(conn));
    conn->net->ops->close(conn);
}

void fl_conn_reset(fl_conn_t *conn) {
    assert(conn != NULL);
    assert(conn_well_formed(conn));
    conn->net->ops->reset(conn);
}

void fl_conn_release(fl_conn_t *conn) {
    assert(conn != NULL);
    assert(conn_well_formed(conn));
    if (conn->net->ops->release != NULL) conn->net->ops->release(conn);
}

void fl_net_event(fl_net_t *net, fl_conn_t *conn, const char *name) {
    assert(net != NULL && fl_protocol_event_from_name(name, NULL) &&
           "protocol events are rows of sim/net/protocol_event.h");
    assert(conn == NULL || (conn->net == net && conn_well_formed(conn)));
    if (net->ops->event != NULL) net->ops->event(net, conn, name);
}
