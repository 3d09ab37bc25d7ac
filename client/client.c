/* The client: options, the middleware onion, status errors, and the
 * streaming API over the transport (transport.c). */
#include "client/client.h"
#include "client/error_kinds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/mapping.h"
#include "client/transport.h"
#include "sim/net/http_status.h"
#include "sim/runtime/status.h"

typedef struct link {
    fl_client_t *client;
    size_t index; /* middleware index; == count: the transport */
} link_t;

struct fl_client {
    fl__pool_t *pool;
    fl_middleware_t **middleware;
    size_t middleware_count;
    link_t *links;
    uint64_t requests;
};

#define DEFAULT_TIMEOUT FL_SECONDS(5)

static int64_t timeout_or_default(int64_t value) { return value == 0 ? DEFAULT_TIMEOUT : value; }

fl_client_t *fl_client_create(fl_world_t *world, const fl_client_options_t *options, char *error,
                              size_t error_size) {
    fl_client_error_kinds_add();
    const char *problem = NULL;
    if (options == NULL || options->net == NULL) problem = "the client needs a network";
    else if (options->middleware_count > 0 && options->middleware == NULL)
        problem = "middleware_count without middleware";
    else if (options->timeouts.connect_ns < 0 || options->timeouts.read_ns < 0 ||
             options->timeouts.write_ns < 0 || options->timeouts.pool_ns < 0)
        problem = "timeouts must not be negative";
    if (problem != NULL) {
        if (error_size > 0) snprintf(error, error_size, "client: %s", problem);
        return NULL;
    }
    fl_arena_t *arena = fl_world_arena(world);
    fl__transport_config_t config = {
        .net = options->net,
        .timeouts = {timeout_or_default(options->timeouts.connect_ns),
                     timeout_or_default(options->timeouts.read_ns),
                     timeout_or_default(options->timeouts.write_ns),
                     timeout_or_default(options->timeouts.pool_ns)},
        .max_connections = options->max_connections ? options->max_connections : 100,
        .max_idle = options->max_idle ? options->max_idle : 20,
        .idle_expiry_ns = options->idle_expiry_ns ? options->idle_expiry_ns : FL_SECONDS(5),
        .header_bytes_max = options->header_bytes_max ? options->header_bytes_max : 64 * 1024,
        .body_bytes_max = options->body_bytes_max ? options->body_bytes_max : 64 * 1024 * 1024,
        .user_agent = fl_arena_strdup(arena, options->user_agent ? options->user_agent : "faultline"),
        .knobs = options->knobs,
    };
    fl_client_t *client = fl_arena_zalloc(arena, sizeof *client);
    client->pool = fl__pool_create(world, &config);
    client->middleware_count = options->middleware_count;
    client->middleware = fl_arena_alloc(arena, (options->middleware_count + 1) * sizeof(void *));
    for (size_t i = 0; i < options->middleware_count; i++)
        client->middleware[i] = options->middleware[i];
    client->links = fl_arena_alloc(arena, (options->middleware_count + 1) * sizeof *client->links);
    for (size_t i = 0; i <= options->middleware_count; i++)
        client->links[i] = (link_t){client, i};
    return client;
}

/* --- status errors ------------------------------------------------------------------- */

/* httpx's raise_for_status wording; the error carries the response. */
static fl_error_t *status_error(fl_world_t *w, fl_response_t *response) {
    int status = response->status;
    fl_error_t *error = fl_error_new(fl_world_arena(w), fl_client_status_kind(status),
                                     "%s error '%d %s' for url '%s'",
                                     status < 500 ? "Client" : "Server", status,
                                     fl_http_reason_phrase(status),
                                     fl_url_format(fl_world_arena(w), &response->request->url));
    error->http_status = status;
    error->payload = response;
    return error;
}

/* --- bodies ---------------------------------------------------------------------------- */

fl_error_t *fl_response_next_chunk(fl_world_t *world, fl_response_t *response,
                                   const unsigned char **chunk_out, size_t *length_out,
                                   bool *done_out) {
    fl_arena_t *arena = fl_world_arena(world);
    *chunk_out = NULL;
    *length_out = 0;
    *done_out = false;
    if (response->stream_closed)
        return fl_error_new(arena, FL_ERR_STREAM_CLOSED,
                            "Attempted to read or stream content, but the stream has been closed.");
    if (response->stream_consumed || response->exchange == NULL)
        return fl_error_new(arena, FL_ERR_STREAM_CONSUMED,
                            "Attempted to read or stream some content, but the content has "
                            "already been streamed.");
    fl_error_t *error =
        fl__exchange_next_chunk(world, response->exchange, chunk_out, length_out, done_out);
    if (error != NULL || *done_out) response->stream_consumed = true;
    return error;
}

fl_error_t *fl_response_read(fl_world_t *world, fl_response_t *response) {
    if (response->body_read) return NULL;
    unsigned char *body = NULL;
    size_t length = 0, capacity = 0;
    fl_error_t *error = NULL;
    for (;;) {
        const unsigned char *chunk;
        size_t n;
        bool done;
        error = fl_response_next_chunk(world, response, &chunk, &n, &done);
        if (error != NULL || done) break;
        if (length + n > capacity) {
            capacity = capacity ? capacity * 2 : 4096;
            while (capacity < length + n) capacity *= 2;
            unsigned char *grown = realloc(body, capacity);
            if (grown == NULL) fl__out_of_memory("response body");
            body = grown;
        }
        memcpy(body + length, chunk, n);
        length += n;
    }
    if (error == NULL) {
        response->body = fl_arena_alloc(fl_world_arena(world), length ? length : 1);
        if (length) memcpy(response->body, body, length);
        response->body_length = length;
        response->body_read = true;
    }
    free(body);
    return error;
}

void fl_response_close(fl_world_t *world, fl_response_t *response) {
    if (response->exchange != NULL) fl__exchange_close(world, response->exchange);
    if (!response->stream_consumed) response->stream_closed = true;
}

/* --- sending ------------------------------------------------------------------------------ */

static fl_error_t *transport_send(fl_world_t *w, fl_client_t *client, fl_request_t *request,
                                  fl_response_t **response_out) {
    client->requests++;
    fl_response_t *response;
    fl_error_t *error = fl__transport_open(w, client->pool, request, &response);
    if (error != NULL) return error;
    error = fl_response_read(w, response);
    if (error != NULL) return error;
    if (response->status >= 400) return status_error(w, response);
    *response_out = response;
    return NULL;
}

static fl_error_t *link_call(void *context, fl_world_t *w, fl_request_t *request,
                             fl_response_t **response_out) {
    link_t *link = context;
    fl_client_t *client = link->client;
    if (link->index == client->middleware_count)
        return transport_send(w, client, request, response_out);
    fl_middleware_t *middleware = client->middleware[link->index];
    fl_next_t next = {link_call, &client->links[link->index + 1]};
    return middleware->handle(middleware, w, request, next, response_out);
}

fl_error_t *fl_client_send(fl_world_t *world, fl_client_t *client, fl_request_t *request,
                           fl_response_t **response_out) {
    *response_out = NULL;
    return link_call(&client->links[0], world, request, response_out);
}

fl_error_t *fl_client_request(fl_world_t *world, fl_client_t *client, const char *method,
                              const char *url, const void *body, size_t body_length,
                              fl_response_t **response_out) {
    fl_request_t *request;
    fl_error_t *error = fl_request_create(fl_world_arena(world), method, url, &request);
    if (error != NULL) return error;
    if (body != NULL) fl_request_set_body(fl_world_arena(world), request, body, body_length);
    return fl_client_send(world, client, request, response_out);
}

fl_error_t *fl_client_stream(fl_world_t *world, fl_client_t *client, fl_request_t *request,
                             fl_response_t **response_out) {
    *response_out = NULL;
    client->requests++;
    fl_response_t *response;
    fl_error_t *error = fl__transport_open(world, client->pool, request, &response);
    if (error != NULL) return error;
    response->streamed = true;
    if (response->status >= 400) {
        /* httpware: raise with the body pre-read, so error->payload works. */
        error = fl_response_read(world, response);
        fl_response_close(world, response);
        return error != NULL ? error : status_error(world, response);
    }
    *response_out = response;
    return NULL;
}

void fl_client_close(fl_world_t *world, fl_client_t *client) {
    fl__pool_close_all(world, client->pool);
}

fl_client_stats_t fl_client_stats(const fl_client_t *client) {
    fl__pool_stats_t pool = fl__pool_stats(client->pool);
    return (fl_client_stats_t){
        .requests = client->requests,
        .connections_opened = pool.connections_opened,
        .connections_reused = pool.connections_reused,
        .idle_discarded_stale = pool.idle_discarded_stale,
        .idle_discarded_expired = pool.idle_discarded_expired,
    };
}
