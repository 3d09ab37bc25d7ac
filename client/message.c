/* Requests and responses: see message.h. */
#include "client/message.h"
#include "client/error_kinds.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

enum { METHOD_QUOTE_MAX = 40 }; /* how much of a bad method a message shows */

/* RFC 7230's tchar: a method is a token. */
static bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool valid_method(const char *method) {
    if (method == NULL || method[0] == '\0') return false;
    for (const char *p = method; *p != '\0'; p++)
        if (!is_tchar(*p)) return false;
    return true;
}

/* The method as a message shows it: bytes outside printable ASCII as \xNN,
 * cut at METHOD_QUOTE_MAX bytes, so a CR or LF cannot break a report. */
static const char *quote_method(fl_arena_t *arena, const char *method) {
    if (method == NULL) return "(null)";
    char buffer[METHOD_QUOTE_MAX * 4 + sizeof "..."];
    size_t used = 0;
    size_t i = 0;
    for (; method[i] != '\0' && i < METHOD_QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)method[i];
        if (c >= 0x20 && c < 0x7f) {
            buffer[used++] = (char)c;
        } else {
            used += (size_t)snprintf(buffer + used, sizeof buffer - used, "\\x%02x", c);
        }
    }
    if (method[i] != '\0') {
        memcpy(buffer + used, "...", 3);
        used += 3;
    }
    assert(used < sizeof buffer);
    buffer[used] = '\0';
    return fl_arena_strdup(arena, buffer);
}

fl_error_t *fl_request_create(fl_arena_t *arena, const char *method, const char *url,
                              fl_request_t **request_out) {
    fl_client_error_kinds_add();
    assert(arena != NULL && url != NULL && request_out != NULL);
    *request_out = NULL;
    /* h11 refuses such a method when the request is sent; refusing it here
     * gives the same kind before anything touches the network. */
    if (!valid_method(method)) {
        return fl_error_new(arena, FL_ERR_LOCAL_PROTOCOL_ERROR, "Invalid HTTP method '%s'",
                            quote_method(arena, method));
    }
    fl_url_t parsed;
    fl_error_t *error = fl_url_parse(arena, url, &parsed);
    if (error != NULL) return error;

    fl_request_t *request = fl_arena_zalloc(arena, sizeof *request);
    request->method = fl_arena_strdup(arena, method);
    request->url = parsed;
    request->headers = fl_headers_create(arena);
    request->body = NULL;
    request->body_length = 0;
    request->stream = NULL;
    request->streaming_body = false;
    request->attempt = 1;
    *request_out = request;
    return NULL;
}

void fl_request_set_body(fl_arena_t *arena, fl_request_t *request, const void *body, size_t length) {
    assert(arena != NULL && request != NULL);
    assert(body != NULL || length == 0);
    /* A request has bytes or a stream, never both: a stream may already be
     * partly consumed, and the marker must keep saying so. */
    assert(request->stream == NULL && !request->streaming_body);
    if (body == NULL) {
        request->body = NULL;
        request->body_length = 0;
        return;
    }
    /* An empty body is a body (it is sent with Content-Length: 0), so it
     * gets a pointer of its own too. */
    unsigned char *copy = fl_arena_alloc(arena, length);
    if (length > 0) memcpy(copy, body, length);
    request->body = copy;
    request->body_length = length;
}

void fl_request_set_stream(fl_request_t *request, fl_body_source_t *source) {
    assert(request != NULL && source != NULL && source->next != NULL);
    assert(request->body == NULL);
    request->stream = source;
    request->streaming_body = true;
}

fl_error_t *fl_response_body(fl_arena_t *arena, const fl_response_t *response,
                             const unsigned char **body_out, size_t *length_out) {
    assert(arena != NULL && response != NULL && body_out != NULL && length_out != NULL);
    *body_out = NULL;
    *length_out = 0;
    if (response->streamed && !response->body_read) {
        return fl_error_new(arena, FL_ERR_RESPONSE_NOT_READ,
                            "Attempted to access streaming response content, without having "
                            "called `read()`.");
    }
    assert(response->body != NULL || response->body_length == 0);
    *body_out = response->body;
    *length_out = response->body_length;
    return NULL;
}
