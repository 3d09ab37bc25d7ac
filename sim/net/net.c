/* The connection interface's dispatch to its driver. */
#include "sim/net/net.h"

#include <assert.h>

#include "sim/net/protocol_event.h"
#include "sim/runtime/status.h"

const char *fl_side_name(fl_side_t side) { return side == FL_SIDE_CLIENT ? "client" : "server"; }

const char *fl_direction_name(fl_direction_t dir) {
    return dir == FL_DIRECTION_CLIENT_TO_SERVER ? "c2s" : "s2c";
}

int fl_net_listen(fl_net_t *net, const char *host, uint16_t port, fl_listener_t **listener_out) {
    assert(net != NULL && listener_out != NULL);
    *listener_out = NULL;
    return net->ops->listen(net, host, port, listener_out);
}

int fl_listener_accept(fl_listener_t *listener, fl_conn_t **conn_out) {
    assert(listener != NULL && conn_out != NULL);
    *conn_out = NULL;
    return listener->net->ops->accept(listener, conn_out);
}

uint16_t fl_listener_port(const fl_listener_t *listener) {
    return listener->net->ops->listener_port(listener);
}

void fl_listener_close(fl_listener_t *listener) { listener->net->ops->close_listener(listener); }

int fl_net_connect(fl_net_t *net, const char *host, uint16_t port, fl_conn_t **conn_out) {
    assert(net != NULL && conn_out != NULL);
    *conn_out = NULL;
    return net->ops->connect(net, host, port, conn_out);
}

int fl_conn_read(fl_conn_t *conn, void *buffer, size_t capacity, size_t *count_out) {
    assert(conn != NULL && buffer != NULL && count_out != NULL);
    *count_out = 0;
    if (capacity == 0) return FL_EINVAL;
    return conn->net->ops->read(conn, buffer, capacity, count_out);
}

int fl_conn_write(fl_conn_t *conn, const void *data, size_t length) {
    assert(conn != NULL && (data != NULL || length == 0));
    return conn->net->ops->write(conn, data, length);
}

bool fl_conn_is_readable(fl_conn_t *conn) {
    assert(conn != NULL && conn->net->ops->is_readable != NULL);
    return conn->net->ops->is_readable(conn);
}

int fl_conn_shutdown_write(fl_conn_t *conn) { return conn->net->ops->shutdown_write(conn); }
void fl_conn_close(fl_conn_t *conn) { conn->net->ops->close(conn); }
void fl_conn_reset(fl_conn_t *conn) { conn->net->ops->reset(conn); }

void fl_net_event(fl_net_t *net, fl_conn_t *conn, const char *name) {
    assert(net != NULL && fl_protocol_event_from_name(name, NULL) &&
           "protocol events are rows of sim/net/protocol_event.h");
    if (net->ops->event != NULL) net->ops->event(net, conn, name);
}
