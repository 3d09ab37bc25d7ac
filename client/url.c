/* URLs: see url.h.
 *
 * A hand-written parser for the one shape the client sends to:
 * http://host[:port][/path][?query][#fragment]. It is strict where a lenient
 * parse could put bytes on the wire that a server would read differently
 * from the client (spaces, control characters, non-ASCII bytes), and it
 * keeps httpx's wording for the errors a user is most likely to meet.
 */
#include "client/url.h"
#include "client/error_kinds.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    URL_LENGTH_MAX = 8192,       /* longer input is refused before any parsing */
    HOST_LENGTH_MAX = 253,       /* DNS's limit for a name, without a final dot */
    LABEL_LENGTH_MAX = 63,       /* DNS's limit for one label */
    PORT_DIGITS_MAX = 5,         /* "65535" */
    IPV6_TEXT_MAX = 45,          /* INET6_ADDRSTRLEN without its NUL */
    QUOTE_LENGTH_MAX = 120,      /* how much of a bad URL a message shows */
};

/* The input being parsed, kept together so every error can quote it. */
typedef struct parse {
    fl_arena_t *arena;
    const char *text;
    size_t length;
} parse_t;

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static char to_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* The URL as a message shows it: printable ASCII as is, other bytes as \xNN,
 * cut at QUOTE_LENGTH_MAX bytes so an 8 KiB URL does not make an 8 KiB
 * message, and so a CR or LF in the input cannot break a report's lines. */
static const char *quote(fl_arena_t *arena, const char *text, size_t length) {
    char buffer[QUOTE_LENGTH_MAX * 4 + sizeof "..."];
    size_t shown = length < QUOTE_LENGTH_MAX ? length : QUOTE_LENGTH_MAX;
    size_t used = 0;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f) {
            buffer[used++] = (char)c;
        } else {
            used += (size_t)snprintf(buffer + used, sizeof buffer - used, "\\x%02x", c);
        }
    }
    if (shown < length) {
        memcpy(buffer + used, "...", 3);
        used += 3;
    }
    assert(used < sizeof buffer);
    buffer[used] = '\0';
    return fl_arena_strdup(arena, buffer);
}

/* An InvalidURL error: "Invalid URL '<url>': <reason>". */
static fl_error_t *invalid(const parse_t *parse, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static fl_error_t *invalid(const parse_t *parse, const char *format, ...) {
    va_list args;
    va_start(args, format);
    const char *reason = fl_arena_vprintf(parse->arena, format, args);
    va_end(args);
    return fl_error_new(parse->arena, FL_ERR_INVALID_URL, "Invalid URL '%s': %s",
                        quote(parse->arena, parse->text, parse->length), reason);
}

static const char *copy_range(fl_arena_t *arena, const char *start, size_t length) {
    char *copy = fl_arena_alloc(arena, length + 1);
    memcpy(copy, start, length);
    copy[length] = '\0';
    return copy;
}

/* Bytes that can never stand in a request line unencoded: space, controls,
 * DEL and anything outside ASCII. httpx percent-encodes some of them; here
 * the caller must, so that what is sent is exactly what was written. */
static fl_error_t *check_characters(const parse_t *parse) {
    for (size_t i = 0; i < parse->length; i++) {
        unsigned char c = (unsigned char)parse->text[i];
        if (c <= 0x20 || c >= 0x7f)
            return invalid(parse, "invalid character \\x%02x at offset %zu", c, i);
    }
    return NULL;
}

/* RFC 3986's scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) then ':'.
 * Without one the URL is missing its protocol, as httpx says; with one
 * other than http (compared without case) it is unsupported. Sets *end_out
 * to the index of the ':'. */
static fl_error_t *parse_scheme(const parse_t *parse, const char **scheme_out, size_t *end_out) {
    const char *text = parse->text;
    size_t i = 0;
    if (is_alpha(text[0])) {
        while (i < parse->length && (is_alpha(text[i]) || is_digit(text[i]) || text[i] == '+' ||
                                     text[i] == '-' || text[i] == '.'))
            i++;
    }
    if (i == 0 || i == parse->length || text[i] != ':') {
        return fl_error_new(parse->arena, FL_ERR_UNSUPPORTED_PROTOCOL,
                            "Request URL is missing an 'http://' or 'https://' protocol.");
    }
    char *scheme = fl_arena_alloc(parse->arena, i + 1);
    for (size_t k = 0; k < i; k++) scheme[k] = to_lower(text[k]);
    scheme[i] = '\0';
    if (strcmp(scheme, "http") != 0) {
        return fl_error_new(parse->arena, FL_ERR_UNSUPPORTED_PROTOCOL,
                            "Request URL has an unsupported protocol '%s://'.", scheme);
    }
    *scheme_out = scheme;
    *end_out = i;
    return NULL;
}

/* Four dot-separated groups of one to three digits: the shape httpx (and
 * RFC 3986's IPv4address) treats as an address rather than a name, so
 * "256.1.1.1" is an invalid address, not a host called that. */
static bool looks_like_ipv4(const char *host, size_t length) {
    size_t groups = 0;
    size_t digits = 0;
    for (size_t i = 0; i < length; i++) {
        if (is_digit(host[i])) {
            if (++digits > 3) return false;
        } else if (host[i] == '.' && digits > 0) {
            groups++;
            digits = 0;
        } else {
            return false;
        }
    }
    return groups == 3 && digits > 0;
}

static fl_error_t *check_ipv4(const parse_t *parse, const char *host, size_t length) {
    char buffer[sizeof "255.255.255.255"];
    assert(length < sizeof buffer);
    memcpy(buffer, host, length);
    buffer[length] = '\0';
    struct in_addr address;
    if (inet_pton(AF_INET, buffer, &address) != 1)
        return invalid(parse, "invalid IPv4 address '%s'", buffer);
    return NULL;
}

/* A name: letters, digits, '-' and '.', in labels of 1 to 63 characters (a
 * single final dot, as in "example.com.", is allowed); or an IPv4 literal. */
static fl_error_t *check_host(const parse_t *parse, const char *host, size_t length) {
    assert(length > 0);
    if (looks_like_ipv4(host, length)) return check_ipv4(parse, host, length);
    size_t name_length = host[length - 1] == '.' ? length - 1 : length;
    if (name_length > HOST_LENGTH_MAX)
        return invalid(parse, "host longer than %d characters", HOST_LENGTH_MAX);
    size_t label = 0;
    for (size_t i = 0; i < name_length; i++) {
        char c = host[i];
        if (c == '.') {
            if (label == 0) return invalid(parse, "empty label in host");
            label = 0;
        } else if (is_alpha(c) || is_digit(c) || c == '-') {
            if (++label > LABEL_LENGTH_MAX)
                return invalid(parse, "host label longer than %d characters", LABEL_LENGTH_MAX);
        } else {
            return invalid(parse, "invalid character '%c' in host", c);
        }
    }
    if (label == 0) return invalid(parse, "empty label in host");
    return NULL;
}

/* A bracketed IPv6 literal "[...]", checked by inet_pton; zone identifiers
 * ("%25eth0") are not accepted. *length_inout enters as the authority's
 * length and leaves as the literal's, brackets included. */
static fl_error_t *parse_ipv6(const parse_t *parse, const char *authority, size_t *length_inout,
                              fl_url_t *url) {
    assert(authority[0] == '[');
    const char *close = memchr(authority, ']', *length_inout);
    if (close == NULL) return invalid(parse, "unbalanced brackets in host");
    size_t inner = (size_t)(close - authority) - 1;
    if (inner == 0) return invalid(parse, "no host");
    if (inner > IPV6_TEXT_MAX) return invalid(parse, "invalid IPv6 address");
    char buffer[IPV6_TEXT_MAX + 1];
    memcpy(buffer, authority + 1, inner);
    buffer[inner] = '\0';
    struct in6_addr address;
    if (inet_pton(AF_INET6, buffer, &address) != 1)
        return invalid(parse, "invalid IPv6 address '[%s]'", buffer);
    url->host = fl_arena_strdup(parse->arena, buffer);
    url->ipv6 = true;
    *length_inout = inner + 2;
    return NULL;
}

/* A decimal port from 1 to 65535; leading zeros are allowed ("080" is 80),
 * as int() allows them in httpx. */
static fl_error_t *parse_port(const parse_t *parse, const char *text, size_t length,
                              fl_url_t *url) {
    unsigned long value = 0;
    bool valid = length > 0;
    for (size_t i = 0; valid && i < length; i++) {
        valid = is_digit(text[i]) && (value = value * 10 + (unsigned long)(text[i] - '0')) <= 65535;
    }
    if (!valid || value == 0) {
        size_t shown = length < PORT_DIGITS_MAX * 4 ? length : PORT_DIGITS_MAX * 4;
        return invalid(parse, "invalid port '%.*s'", (int)shown, text);
    }
    url->port = (uint16_t)value;
    url->port_given = true;
    return NULL;
}

/* host[:port], with no userinfo. */
static fl_error_t *parse_authority(const parse_t *parse, const char *authority, size_t length,
                                   fl_url_t *url) {
    if (memchr(authority, '@', length) != NULL)
        return invalid(parse, "credentials in the URL (userinfo) are not supported");
    if (length == 0) return invalid(parse, "no host");
    size_t host_length = length;
    fl_error_t *error = NULL;
    if (authority[0] == '[') {
        error = parse_ipv6(parse, authority, &host_length, url);
        if (error != NULL) return error;
        if (host_length < length && authority[host_length] != ':')
            return invalid(parse, "unexpected characters after the IPv6 address");
    } else {
        if (memchr(authority, '[', length) != NULL || memchr(authority, ']', length) != NULL)
            return invalid(parse, "unbalanced brackets in host");
        const char *colon = memchr(authority, ':', length);
        if (colon != NULL) host_length = (size_t)(colon - authority);
        if (host_length == 0) return invalid(parse, "no host");
        error = check_host(parse, authority, host_length);
        if (error != NULL) return error;
        url->host = copy_range(parse->arena, authority, host_length);
    }
    url->port = 80;
    url->port_given = false;
    if (host_length == length) return NULL;
    assert(authority[host_length] == ':');
    return parse_port(parse, authority + host_length + 1, length - host_length - 1, url);
}

/* [/path][?query][#fragment] from start; the fragment is dropped (it never
 * goes on the wire). */
static void parse_path_and_query(const parse_t *parse, size_t start, fl_url_t *url) {
    const char *text = parse->text;
    size_t end = start;
    while (end < parse->length && text[end] != '?' && text[end] != '#') end++;
    assert(end == start || text[start] == '/');
    url->path = end == start ? fl_arena_strdup(parse->arena, "/")
                             : copy_range(parse->arena, text + start, end - start);
    url->query = "";
    if (end < parse->length && text[end] == '?') {
        size_t query_start = end + 1;
        size_t query_end = query_start;
        while (query_end < parse->length && text[query_end] != '#') query_end++;
        url->query = copy_range(parse->arena, text + query_start, query_end - query_start);
    }
}

fl_error_t *fl_url_parse(fl_arena_t *arena, const char *text, fl_url_t *url_out) {
    fl_client_error_kinds_add();
    assert(arena != NULL && text != NULL && url_out != NULL);
    parse_t parse = {.arena = arena, .text = text, .length = strnlen(text, URL_LENGTH_MAX + 1)};
    if (parse.length > URL_LENGTH_MAX)
        return invalid(&parse, "URL too long (more than %d bytes)", URL_LENGTH_MAX);
    if (parse.length == 0) return invalid(&parse, "empty");
    fl_error_t *error = check_characters(&parse);
    if (error != NULL) return error;

    fl_url_t url = {0};
    size_t colon = 0;
    error = parse_scheme(&parse, &url.scheme, &colon);
    if (error != NULL) return error;
    /* "http:" must be followed by "//" and an authority: "http:/x" and
     * "http:x" have no host. */
    if (strncmp(text + colon, "://", 3) != 0) return invalid(&parse, "no host");
    size_t authority_start = colon + 3;
    size_t authority_end = authority_start;
    while (authority_end < parse.length && text[authority_end] != '/' &&
           text[authority_end] != '?' && text[authority_end] != '#')
        authority_end++;
    error = parse_authority(&parse, text + authority_start, authority_end - authority_start, &url);
    if (error != NULL) return error;
    parse_path_and_query(&parse, authority_end, &url);

    assert(url.host != NULL && url.host[0] != '\0' && url.port != 0);
    assert(url.path[0] == '/' && url.query != NULL);
    *url_out = url;
    return NULL;
}

const char *fl_url_target(fl_arena_t *arena, const fl_url_t *url) {
    assert(arena != NULL && url != NULL && url->path != NULL && url->query != NULL);
    if (url->query[0] == '\0') return fl_arena_strdup(arena, url->path);
    return fl_arena_printf(arena, "%s?%s", url->path, url->query);
}

/* host, bracketed for IPv6, with ":port" when show_port. */
static const char *host_and_port(fl_arena_t *arena, const fl_url_t *url, bool show_port) {
    assert(url->host != NULL);
    const char *open = url->ipv6 ? "[" : "";
    const char *close = url->ipv6 ? "]" : "";
    if (!show_port) return fl_arena_printf(arena, "%s%s%s", open, url->host, close);
    return fl_arena_printf(arena, "%s%s%s:%u", open, url->host, close, (unsigned)url->port);
}

const char *fl_url_authority(fl_arena_t *arena, const fl_url_t *url) {
    assert(arena != NULL && url != NULL);
    return host_and_port(arena, url, url->port != 80);
}

const char *fl_url_format(fl_arena_t *arena, const fl_url_t *url) {
    assert(arena != NULL && url != NULL && url->scheme != NULL);
    /* A port the URL named is kept, even 80, so the text reads back as written. */
    const char *authority = host_and_port(arena, url, url->port_given || url->port != 80);
    return fl_arena_printf(arena, "%s://%s%s", url->scheme, authority, fl_url_target(arena, url));
}
