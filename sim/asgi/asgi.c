#include "sim/asgi/asgi.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *fl_asgi_message_type_name(fl_asgi_message_type_t type) {
    switch (type) {
    case FL_ASGI_HTTP_REQUEST: return "http.request";
    case FL_ASGI_HTTP_DISCONNECT: return "http.disconnect";
    case FL_ASGI_RESPONSE_START: return "http.response.start";
    case FL_ASGI_RESPONSE_BODY: return "http.response.body";
    }
    return "unknown";
}

fl_asgi_message_t *fl_asgi_message_copy(fl_arena_t *arena, const fl_asgi_message_t *message) {
    assert(arena != NULL && message != NULL);
    assert(message->headers != NULL || message->header_count == 0);
    assert(message->body != NULL || message->body_length == 0);
    assert(message->type >= FL_ASGI_HTTP_REQUEST && message->type <= FL_ASGI_RESPONSE_BODY);
    fl_asgi_message_t *copy = fl_arena_alloc(arena, sizeof *copy);
    *copy = *message;
    if (message->header_count > 0) {
        fl_asgi_header_t *headers = fl_arena_alloc(arena, message->header_count * sizeof *headers);
        for (size_t i = 0; i < message->header_count; i++) {
            /* A header is a name and a value: the writers dereference both. */
            assert(message->headers[i].name != NULL && message->headers[i].value != NULL);
            headers[i].name = fl_arena_strdup(arena, message->headers[i].name);
            headers[i].value = fl_arena_strdup(arena, message->headers[i].value);
        }
        copy->headers = headers;
    }
    if (message->body_length > 0) {
        unsigned char *body = fl_arena_alloc(arena, message->body_length);
        memcpy(body, message->body, message->body_length);
        copy->body = body;
    }
    /* The copy says what the message said, in memory of its own. */
    assert(copy->header_count == message->header_count &&
           copy->body_length == message->body_length);
    assert(copy->headers != message->headers || copy->header_count == 0);
    return copy;
}

bool fl_asgi_spec_at_least(const fl_asgi_scope_t *scope, int major, int minor) {
    assert(scope != NULL && major >= 2 && minor >= 0);
    int have_major = 2, have_minor = 0;
    if (scope->spec_version != NULL) sscanf(scope->spec_version, "%d.%d", &have_major, &have_minor);
    return have_major > major || (have_major == major && have_minor >= minor);
}

const char *fl_asgi_header_get(const fl_asgi_header_t *headers, size_t count, const char *name) {
    assert(name != NULL && (headers != NULL || count == 0));
    for (size_t i = 0; i < count; i++) {
        assert(headers[i].name != NULL);
        if (strcasecmp(headers[i].name, name) == 0) return headers[i].value;
    }
    return NULL;
}
