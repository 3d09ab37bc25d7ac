/* libFuzzer target: the client's URL parser (client/url.h).
 *
 * Oracles beyond "no crash": a URL that parses has a host, a path that
 * starts with '/', and a port; formatted back, it parses to the same parts
 * (so what the client sends is what it read); the formatted form and the
 * request target hold no byte a server could read differently (space,
 * controls, non-ASCII); and a refusal is an error with a message. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_text.h"

#include "client/url.h"

static void fail(const char *what, const char *text) {
    fprintf(stderr, "fuzz_url: %s for \"%s\"\n", what, text);
    abort();
}

static int plain_ascii(const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        if (*p <= ' ' || *p >= 0x7f) return 0;
    return 1;
}

static int same_url(const fl_url_t *a, const fl_url_t *b) {
    return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 &&
           a->port == b->port && a->ipv6 == b->ipv6 && strcmp(a->path, b->path) == 0 &&
           strcmp(a->query, b->query) == 0;
}

static void check_parsed(fl_arena_t *arena, const char *text, const fl_url_t *url) {
    if (url->host == NULL || url->host[0] == '\0') fail("a parsed URL without a host", text);
    if (url->path == NULL || url->path[0] != '/') fail("a path that does not start with /", text);
    if (url->port == 0) fail("port 0", text);
    const char *formatted = fl_url_format(arena, url);
    const char *target = fl_url_target(arena, url);
    if (!plain_ascii(formatted) || !plain_ascii(target))
        fail("a formatted URL with a space, control or non-ASCII byte", text);
    fl_url_t again;
    if (fl_url_parse(arena, formatted, &again) != NULL) fail("the formatted URL is refused", text);
    if (!same_url(url, &again)) fail("the formatted URL parses to other parts", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_url_t url;
    fl_error_t *error = fl_url_parse(&arena, text, &url);
    if (error == NULL) check_parsed(&arena, text, &url);
    else if (error->message == NULL || error->message[0] == '\0')
        fail("a refusal without a message", text);
    fl_arena_destroy(&arena);
    free(text);
    return 0;
}
