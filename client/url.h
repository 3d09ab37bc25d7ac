/* URLs for the client: scheme, host, port, path, query.
 *
 * http only (https is UnsupportedProtocol: the client has no TLS); hosts are
 * names, IPv4 literals or bracketed IPv6 literals ("[::1]"); the port
 * defaults to 80. The path keeps its percent-encoding as given ("/" when
 * empty); the query is without its '?'. Everything is copied into the
 * arena.
 */
#ifndef FL_CLIENT_URL_H
#define FL_CLIENT_URL_H

#include <stdbool.h>
#include <stdint.h>

#include "client/error_kinds.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/error.h"

typedef struct fl_url {
    const char *scheme;  /* "http" */
    const char *host;    /* without brackets for IPv6 */
    uint16_t port;
    bool port_given;     /* the URL named the port */
    bool ipv6;           /* host is an IPv6 literal */
    const char *path;    /* "/..." */
    const char *query;   /* "" when none */
} fl_url_t;

/* Parses text. Returns NULL on success, or an InvalidURL error (empty, no
 * host, userinfo, bad host or port, bad characters: space, controls,
 * non-ASCII; unbalanced brackets; longer than 8 KiB) whose message quotes
 * the URL ("Invalid URL '...': no host"), or an UnsupportedProtocol error (a
 * scheme other than http, or none) in httpx's words, which quote the scheme
 * ("Request URL has an unsupported protocol 'https://'."). */
fl_error_t *fl_url_parse(fl_arena_t *arena, const char *text, fl_url_t *url_out);

/* The request target: path plus "?query" when there is one. */
const char *fl_url_target(fl_arena_t *arena, const fl_url_t *url);

/* The Host header's value: host (bracketed for IPv6) plus ":port" unless 80. */
const char *fl_url_authority(fl_arena_t *arena, const fl_url_t *url);

/* Formats the whole URL back ("http://host:port/path?query"). */
const char *fl_url_format(fl_arena_t *arena, const fl_url_t *url);

#endif /* FL_CLIENT_URL_H */
