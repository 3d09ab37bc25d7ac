/* A raw HTTP/1.1 test client over the connection interface: it writes the
 * bytes it is given and parses what comes back with llhttp, so tests see
 * exactly what a client would (statuses, headers, bodies, truncation). */
#ifndef FL_TEST_RAW_HTTP_H
#define FL_TEST_RAW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llhttp.h"
#include "sim/net/net.h"

enum { RAW_BODY_MAX = 256 * 1024, RAW_HEADERS_MAX = 4096 };

typedef struct raw_response {
    int status;
    char reason[64];               /* the status line's reason phrase, as sent */
    char headers[RAW_HEADERS_MAX]; /* "name: value\n" lines, names as sent */
    size_t headers_length;
    unsigned char body[RAW_BODY_MAX];
    size_t body_length;
    bool complete;                 /* the whole message was parsed */
} raw_response_t;

typedef struct raw_client {
    fl_world_t *world;
    fl_conn_t *conn;
    llhttp_t parser;
    llhttp_settings_t settings;
    raw_response_t *current;
    bool in_field;
    bool head_request;
    int last_status;               /* the last read's status (FL_EEOF, ...) */
    char leftover[8192];
    size_t leftover_length;
} raw_client_t;

/* Connects; returns the network status. */
int raw_connect(raw_client_t *client, fl_world_t *world, fl_net_t *net, const char *host,
                uint16_t port);

/* Writes request bytes (a whole request, several, or a fragment). */
int raw_send(raw_client_t *client, const char *bytes);

/* Reads until one response is complete or the connection ends; returns 0
 * when complete, else the read status that ended it (FL_EEOF, FL_ERESET,
 * FL_EPARSE for a malformed response). head: the request was HEAD. */
int raw_read_response(raw_client_t *client, raw_response_t *response, bool head);

void raw_close(raw_client_t *client);

/* The value of a response header (case-insensitive), copied into out. */
bool raw_header(const raw_response_t *response, const char *name, char *out, size_t size);

#endif /* FL_TEST_RAW_HTTP_H */
