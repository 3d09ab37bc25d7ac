/* HOST:PORT and loopback: see proxy_address.h. */
#include "harness/proxy/proxy_address.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool parse_port(const char *text, uint16_t *port) {
    if (!isdigit((unsigned char)text[0]) || strlen(text) > 5) return false;
    char *end;
    long value = strtol(text, &end, 10);
    if (*end != '\0' || value < 0 || value > 65535) return false;
    *port = (uint16_t)value;
    return true;
}

bool fl_proxy_address_parse(const char *text, fl_proxy_address_t *out) {
    assert(text != NULL && out != NULL);
    const char *host = text, *host_end, *port;
    if (text[0] == '[') {
        host = text + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL || host_end[1] != ':') return false;
        port = host_end + 2;
    } else {
        host_end = strrchr(text, ':');
        if (host_end == NULL) return false;
        port = host_end + 1;
        /* An IPv6 literal needs its brackets: "::1:80" says nothing clear. */
        if (memchr(text, ':', (size_t)(host_end - text)) != NULL) return false;
    }
    size_t length = (size_t)(host_end - host);
    if (length == 0 || length >= sizeof out->host || !parse_port(port, &out->port)) return false;
    memcpy(out->host, host, length);
    out->host[length] = '\0';
    return true;
}

bool fl_proxy_address_is_loopback(const char *host) {
    assert(host != NULL);
    if (strcasecmp(host, "localhost") == 0) return true;
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    struct in6_addr v6;
    if (inet_pton(AF_INET6, host, &v6) == 1) return memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
    return false;
}

void fl_proxy_address_format(const char *host, uint16_t port, char *text, size_t size) {
    assert(host != NULL && text != NULL && size > 0);
    snprintf(text, size, strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
}
