#include "tests/support/raw_http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/runtime/status.h"

static raw_client_t *client_of(llhttp_t *parser) { return parser->data; }

/* The reason phrase may arrive in pieces: each is appended. */
static int on_status(llhttp_t *parser, const char *at, size_t length) {
    raw_response_t *r = client_of(parser)->current;
    r->status = parser->status_code;
    size_t have = strlen(r->reason);
    size_t room = sizeof r->reason - have - 1;
    if (length > room) length = room;
    memcpy(r->reason + have, at, length);
    r->reason[have + length] = '\0';
    return 0;
}

static void append_header_text(raw_response_t *r, const char *at, size_t length) {
    size_t room = sizeof r->headers - r->headers_length - 1;
    if (length > room) length = room;
    memcpy(r->headers + r->headers_length, at, length);
    r->headers_length += length;
    r->headers[r->headers_length] = '\0';
}

static int on_header_field(llhttp_t *parser, const char *at, size_t length) {
    raw_client_t *c = client_of(parser);
    if (!c->in_field && c->current->headers_length > 0) append_header_text(c->current, "\n", 1);
    c->in_field = true;
    append_header_text(c->current, at, length);
    return 0;
}

static int on_header_value(llhttp_t *parser, const char *at, size_t length) {
    raw_client_t *c = client_of(parser);
    if (c->in_field) append_header_text(c->current, ": ", 2);
    c->in_field = false;
    append_header_text(c->current, at, length);
    return 0;
}

static int on_headers_complete(llhttp_t *parser) {
    raw_client_t *c = client_of(parser);
    c->current->status = parser->status_code;
    if (c->current->headers_length > 0) append_header_text(c->current, "\n", 1);
    return c->head_request ? 1 : 0; /* a HEAD response has no body */
}

static int on_body(llhttp_t *parser, const char *at, size_t length) {
    raw_response_t *r = client_of(parser)->current;
    size_t room = sizeof r->body - r->body_length;
    if (length > room) length = room;
    memcpy(r->body + r->body_length, at, length);
    r->body_length += length;
    return 0;
}

static int on_message_complete(llhttp_t *parser) {
    client_of(parser)->current->complete = true;
    return HPE_PAUSED;
}

int raw_connect(raw_client_t *client, fl_world_t *world, fl_net_t *net, const char *host,
                uint16_t port) {
    memset(client, 0, sizeof *client);
    client->world = world;
    llhttp_settings_init(&client->settings);
    client->settings.on_status = on_status;
    client->settings.on_header_field = on_header_field;
    client->settings.on_header_value = on_header_value;
    client->settings.on_headers_complete = on_headers_complete;
    client->settings.on_body = on_body;
    client->settings.on_message_complete = on_message_complete;
    llhttp_init(&client->parser, HTTP_RESPONSE, &client->settings);
    client->parser.data = client;
    return fl_net_connect(net, host, port, &client->conn);
}

int raw_send(raw_client_t *client, const char *bytes) {
    return fl_conn_write(client->conn, bytes, strlen(bytes));
}

/* Parses bytes; keeps what follows a complete response for the next one. */
static int parse(raw_client_t *client, const char *data, size_t length) {
    llhttp_errno_t err = llhttp_execute(&client->parser, data, length);
    if (err == HPE_PAUSED) {
        size_t used = (size_t)(llhttp_get_error_pos(&client->parser) - data);
        size_t rest = length - used;
        if (rest > sizeof client->leftover) rest = sizeof client->leftover;
        memmove(client->leftover, data + used, rest);
        client->leftover_length = rest;
        llhttp_resume(&client->parser);
        return FL_OK;
    }
    return err == HPE_OK ? FL_OK : FL_EPARSE;
}

int raw_read_response(raw_client_t *client, raw_response_t *response, bool head) {
    memset(response, 0, sizeof *response);
    client->current = response;
    client->in_field = false;
    client->head_request = head;
    if (client->leftover_length > 0) {
        char pending[sizeof client->leftover];
        size_t n = client->leftover_length;
        memcpy(pending, client->leftover, n);
        client->leftover_length = 0;
        if (parse(client, pending, n) != FL_OK) return FL_EPARSE;
    }
    /* The end of a close-delimited response was the end of the stream. */
    if (client->last_status == FL_EEOF) return FL_EEOF;
    char buffer[16384];
    while (!response->complete) {
        size_t n;
        int status = fl_conn_read(client->conn, buffer, sizeof buffer, &n);
        client->last_status = status;
        if (status == FL_EEOF) {
            /* A close-delimited body ends here; anything else is cut short.
             * Its completion pauses the parser, as every completion does. */
            llhttp_errno_t finished = llhttp_finish(&client->parser);
            if ((finished == HPE_OK || finished == HPE_PAUSED) && response->complete) break;
            return FL_EEOF;
        }
        if (status != FL_OK) return status;
        if (parse(client, buffer, n) != FL_OK) return FL_EPARSE;
    }
    return FL_OK;
}

void raw_close(raw_client_t *client) {
    if (client->conn != NULL) fl_conn_close(client->conn);
    client->conn = NULL;
}

bool raw_header(const raw_response_t *response, const char *name, char *out, size_t size) {
    size_t name_length = strlen(name);
    const char *line = response->headers;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t length = end ? (size_t)(end - line) : strlen(line);
        if (length > name_length + 1 && strncasecmp(line, name, name_length) == 0 &&
            line[name_length] == ':') {
            const char *value = line + name_length + 1;
            while (*value == ' ') value++;
            size_t value_length = length - (size_t)(value - line);
            if (value_length >= size) value_length = size - 1;
            memcpy(out, value, value_length);
            out[value_length] = '\0';
            return true;
        }
        if (!end) break;
        line = end + 1;
    }
    return false;
}
