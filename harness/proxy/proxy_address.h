/* The HOST:PORT arguments of faultline proxy: "127.0.0.1:8080",
 * "localhost:0", "[::1]:8080", "example.org:80", and whether a host is a
 * loopback one (127.0.0.0/8, ::1, localhost), where the proxy listens
 * unless --allow-remote. */
#ifndef FL_PROXY_ADDRESS_H
#define FL_PROXY_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fl_proxy_address {
    char host[256]; /* without brackets */
    uint16_t port;  /* 0..65535: 0 asks the kernel for a free one (listen only) */
} fl_proxy_address_t;

/* Parses text into out; false when it is not HOST:PORT (a port out of
 * range, no host, an unclosed bracket). */
bool fl_proxy_address_parse(const char *text, fl_proxy_address_t *out);

bool fl_proxy_address_is_loopback(const char *host);

/* "host:port", or "[host]:port" for an IPv6 host, into text. */
void fl_proxy_address_format(const char *host, uint16_t port, char *text, size_t size);

#endif /* FL_PROXY_ADDRESS_H */
