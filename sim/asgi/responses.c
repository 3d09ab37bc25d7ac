/* Starlette's responses as ASGI apps: see responses.h for the versions. */
#include "sim/asgi/responses.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/asgi/apps_internal.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/runtime.h"

/* Bounds on what one response does: a generator that yields forever, or a
 * receive that never says disconnect, is a livelock the run should report,
 * not a loop without end. */
enum {
    STREAM_CHUNKS_MAX = 1 << 20,
    LISTEN_RECEIVES_MAX = 1 << 20,
    PING_COUNT_MAX = 1 << 20,
};

/* --- headers (Response.init_headers) -------------------------------------- */

static char *lower_copy(fl_arena_t *arena, const char *text) {
    assert(arena != NULL && text != NULL);
    char *copy = fl_arena_strdup(arena, text);
    for (char *p = copy; *p != '\0'; p++) *p = (char)tolower((unsigned char)*p);
    assert(strlen(copy) == strlen(text)); /* tolower never yields a NUL */
    return copy;
}

static const char *content_type(fl_arena_t *arena, const char *media_type) {
    assert(media_type != NULL);
    if (strncmp(media_type, "text/", 5) != 0 || strcasestr(media_type, "charset=") != NULL)
        return fl_arena_strdup(arena, media_type);
    return fl_arena_printf(arena, "%s; charset=utf-8", media_type);
}

/* Given headers come first, lower-cased; then content-length (only with a
 * body, and never for 1xx, 204, 304) and content-type, each unless given. */
static void init_headers(fl_world_t *world, fl_asgi_response_t *response,
                         const fl_asgi_header_t *headers, size_t count, const char *media_type,
                         bool has_body) {
    assert(count <= FL_RESPONSE_HEADERS_MAX);
    assert(count == 0 || headers != NULL);
    /* Once per response, after the body was copied (the length header reads it). */
    assert(response->headers == NULL && response->header_count == 0);
    assert(!has_body || response->body != NULL || response->body_length == 0);
    fl_arena_t *arena = fl_world_arena(world);
    fl_asgi_header_t *raw = fl_arena_alloc(arena, (count + 2) * sizeof *raw);
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        raw[n++] = (fl_asgi_header_t){lower_copy(arena, headers[i].name),
                                      fl_arena_strdup(arena, headers[i].value)};
    int status = response->status;
    bool length_allowed = !(status < 200 || status == 204 || status == 304);
    if (has_body && length_allowed && fl_asgi_header_get(headers, count, "content-length") == NULL)
        raw[n++] = (fl_asgi_header_t){"content-length",
                                      fl_arena_printf(arena, "%zu", response->body_length)};
    if (media_type != NULL && fl_asgi_header_get(headers, count, "content-type") == NULL)
        raw[n++] = (fl_asgi_header_t){"content-type", content_type(arena, media_type)};
    assert(n <= count + 2);
    response->headers = raw;
    response->header_count = n;
}

/* --- Response -------------------------------------------------------------- */

/* BackgroundTasks.__call__: each task in order, in the responding task. */
static fl_error_t *run_background(fl_asgi_response_t *response, fl_world_t *world,
                                  const fl_asgi_scope_t *scope) {
    assert(response->background_count <= FL_RESPONSE_BACKGROUND_MAX && scope != NULL);
    for (size_t i = 0; i < response->background_count; i++) {
        fl_background_task_t *task = &response->background[i];
        assert(task->name != NULL); /* add_background copied it, or "task" */
        FL__APP_LOG(scope, FL_SERVER_LOG_BACKGROUND, "%s", task->name);
        fl_error_t *error = task->run != NULL ? task->run(task->arg, world) : NULL;
        /* How it ended, for checks that count background tasks finished or
         * cancelled (the first entry above says it started). */
        FL__APP_LOG(scope, FL_SERVER_LOG_BACKGROUND, "%s %s", task->name,
                    error == NULL                ? "finished"
                    : fl_error_is_cancelled(error) ? "cancelled"
                                                   : "failed");
        if (error != NULL) return error;
    }
    return NULL;
}

static fl_error_t *send_response_start(fl_world_t *world, fl_asgi_send_t send,
                                       const fl_asgi_response_t *response) {
    assert(send.call != NULL && response != NULL);
    assert(response->headers != NULL || response->header_count == 0);
    return fl__send_start(world, send, response->status, response->headers,
                          response->header_count);
}

/* Response.__call__: start, the whole body, then the background tasks. */
static fl_error_t *response_call(fl_asgi_app_t *self, fl_world_t *world,
                                 const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                                 fl_asgi_send_t send) {
    (void)receive;
    assert(self != NULL && self->call == response_call); /* a plain response, not a subtype */
    fl_asgi_response_t *response = (fl_asgi_response_t *)self;
    assert(response->body != NULL || response->body_length == 0);
    fl_error_t *error = send_response_start(world, send, response);
    if (error == NULL)
        error = fl__send_body(world, send, response->body, response->body_length, false);
    if (error == NULL) error = run_background(response, world, scope);
    return error;
}

fl_asgi_response_t *fl_asgi_response_create(fl_world_t *world, int status, const fl_asgi_header_t *headers,
                                  size_t header_count, const char *media_type, const void *body,
                                  size_t body_length) {
    assert(world != NULL && (body != NULL || body_length == 0));
    fl_arena_t *arena = fl_world_arena(world);
    fl_asgi_response_t *response = fl_arena_zalloc(arena, sizeof *response);
    response->app = (fl_asgi_app_t){.name = "Response", .call = response_call};
    response->status = status;
    if (body_length > 0) {
        unsigned char *copy = fl_arena_alloc(arena, body_length);
        memcpy(copy, body, body_length);
        response->body = copy;
    }
    response->body_length = body_length;
    init_headers(world, response, headers, header_count, media_type, true);
    /* The given headers, then content-length and content-type at most. */
    assert(response->header_count >= header_count && response->header_count <= header_count + 2);
    return response;
}

fl_asgi_response_t *fl_plain_text_response(fl_world_t *world, int status, const char *text) {
    assert(world != NULL && text != NULL);
    fl_asgi_response_t *response =
        fl_asgi_response_create(world, status, NULL, 0, "text/plain", text, strlen(text));
    assert(response->header_count >= 1); /* content-type at least */
    response->app.name = "PlainTextResponse";
    return response;
}

bool fl_asgi_response_add_background(fl_world_t *world, fl_asgi_response_t *response, const char *name,
                                fl_background_fn run, void *arg) {
    assert(world != NULL);
    assert(response != NULL && response->background_count <= FL_RESPONSE_BACKGROUND_MAX);
    if (response->background_count == FL_RESPONSE_BACKGROUND_MAX) return false;
    response->background[response->background_count++] = (fl_background_task_t){
        .name = fl_arena_strdup(fl_world_arena(world), name ? name : "task"),
        .run = run,
        .arg = arg,
    };
    return true;
}

/* --- StreamingResponse ------------------------------------------------------ */

/* One call of a streaming response: what its tasks share. */
typedef struct stream_run {
    fl_streaming_response_t *response;
    const fl_asgi_scope_t *scope;
    fl_asgi_receive_t receive;
    fl_asgi_send_t send;
    fl_taskgroup_t *group;
    fl_lock_t *send_lock; /* SSE: sse-starlette's _send_lock, else NULL */
    bool active;          /* SSE: cleared when the final body goes out; pings stop */
} stream_run_t;

const char *fl_streaming_variant_name(fl_streaming_variant_t variant) {
    switch (variant) {
    case FL_STREAMING_TASK_GROUP: return "task-group";
    case FL_STREAMING_SPEC_AWARE: return "spec-aware";
    case FL_STREAMING_NO_LISTENER: return "no-listener";
    }
    return "unknown";
}

bool fl_streaming_variant_from_name(const char *name, fl_streaming_variant_t *variant_out) {
    assert(name != NULL && variant_out != NULL);
    for (int v = FL_STREAMING_TASK_GROUP; v <= FL_STREAMING_NO_LISTENER; v++) {
        if (strcmp(name, fl_streaming_variant_name((fl_streaming_variant_t)v)) != 0) continue;
        *variant_out = (fl_streaming_variant_t)v;
        return true;
    }
    return false;
}

static fl_error_t *send_chunks(stream_run_t *run, fl_world_t *world) {
    assert(run != NULL && run->send.call != NULL);
    fl_body_iterator_t *iterator = run->response->iterator;
    assert(iterator != NULL && iterator->next != NULL);
    for (size_t i = 0; i < STREAM_CHUNKS_MAX; i++) {
        const void *chunk = NULL;
        size_t length = 0;
        bool done = false;
        fl_error_t *error = iterator->next(iterator, world, &chunk, &length, &done);
        if (error != NULL || done) return error;
        assert(chunk != NULL || length == 0);
        error = fl__send_body(world, run->send, chunk, length, true);
        if (error != NULL) return error;
    }
    return fl_error_new(fl_world_arena(world), FL_ERR_RUNTIME_ERROR,
                        "body iterator yielded more than %d chunks", STREAM_CHUNKS_MAX);
}

/* sse-starlette sends the final message under the send lock and clears
 * `active` first, so a ping never follows the end of the body. */
static fl_error_t *send_final(stream_run_t *run, fl_world_t *world) {
    assert(run->send_lock == NULL || run->response->ping_interval_ns > 0);
    assert(run->active); /* the final body goes out once: only this clears active */
    if (run->send_lock == NULL) return fl__send_body(world, run->send, "", 0, false);
    int status = fl_lock_acquire(world, run->send_lock);
    if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "send lock");
    run->active = false;
    fl_error_t *error = fl__send_body(world, run->send, "", 0, false);
    fl_lock_release(world, run->send_lock);
    return error;
}

/* StreamingResponse.stream_response. */
static fl_error_t *stream_response(stream_run_t *run, fl_world_t *world) {
    assert(run != NULL && run->response != NULL && run->send.call != NULL);
    assert(run->active); /* one stream_response per call */
    fl_error_t *error = send_response_start(world, run->send, &run->response->base);
    if (error == NULL) error = send_chunks(run, world);
    if (error == NULL) error = send_final(run, world);
    return error;
}

/* StreamingResponse.listen_for_disconnect: every message but
 * http.disconnect (the request body included) is dropped. */
static fl_error_t *listen_for_disconnect(stream_run_t *run, fl_world_t *world) {
    assert(run->receive.call != NULL && run->group != NULL);
    for (size_t i = 0; i < LISTEN_RECEIVES_MAX; i++) {
        fl_asgi_message_t message;
        memset(&message, 0, sizeof message);
        fl_error_t *error = fl_asgi_receive(world, run->receive, &message);
        if (error != NULL) return error;
        if (message.type == FL_ASGI_HTTP_DISCONNECT) return NULL;
        assert(message.body != NULL || message.body_length == 0);
    }
    return fl_error_new(fl_world_arena(world), FL_ERR_RUNTIME_ERROR,
                        "no http.disconnect after %d receives", LISTEN_RECEIVES_MAX);
}

static void cancel_group(stream_run_t *run, fl_world_t *world) {
    assert(world != NULL && run->group != NULL);
    /* Only the task-group shapes have a group to cancel. */
    assert(run->response->variant != FL_STREAMING_NO_LISTENER);
    fl_scope_cancel(world, fl_taskgroup_scope(run->group));
}

/* wrap(stream_response): whichever side ends first cancels the group. An
 * error skips the cancel, as in Python: the group cancels on errors. */
static fl_error_t *stream_task(fl_world_t *world, void *arg) {
    stream_run_t *run = arg;
    assert(run != NULL && run->group != NULL); /* spawned into the call's group */
    fl_error_t *error = stream_response(run, world);
    if (error == NULL) cancel_group(run, world);
    return error;
}

static fl_error_t *send_ping(stream_run_t *run, fl_world_t *world) {
    assert(run->send_lock != NULL); /* pings share the body's send lock */
    assert(run->response->ping_interval_ns > 0 && run->send.call != NULL);
    fl_arena_t *arena = fl_world_arena(world);
    int64_t now = fl_now(world);
    /* sse-starlette stamps the ping with datetime.utcnow(); virtual time
     * keeps the bytes deterministic. */
    fl_sse_event_t ping = {.comment = fl_arena_printf(arena, "ping - %lld.%06lld",
                                                      (long long)(now / FL_SECONDS(1)),
                                                      (long long)(now % FL_SECONDS(1) / 1000))};
    size_t length = 0;
    char *text = fl_sse_encode(arena, &ping, NULL, &length);
    assert(text != NULL && length > 0 && text[0] == ':'); /* a comment line */
    int status = fl_lock_acquire(world, run->send_lock);
    if (status != FL_OK) return fl_error_from_status(arena, status, "send lock");
    fl_error_t *error = run->active ? fl__send_body(world, run->send, text, length, true) : NULL;
    fl_lock_release(world, run->send_lock);
    return error;
}

/* wrap(EventSourceResponse._ping): a comment every interval while active.
 * Past PING_COUNT_MAX it is an error, as for the body's bounds: it used to
 * stop quietly and cancel the group, ending the response as if its body had
 * finished. */
static fl_error_t *ping_task(fl_world_t *world, void *arg) {
    stream_run_t *run = arg;
    assert(run->response->ping_interval_ns > 0);
    assert(run->send_lock != NULL && run->group != NULL); /* stream_in_task_group made both */
    for (size_t i = 0; run->active; i++) {
        if (i == PING_COUNT_MAX)
            return fl_error_new(fl_world_arena(world), FL_ERR_RUNTIME_ERROR,
                                "ping: more than %d pings", PING_COUNT_MAX);
        int status = fl_sleep(world, run->response->ping_interval_ns);
        if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "ping");
        fl_error_t *error = send_ping(run, world);
        if (error != NULL) return error;
    }
    cancel_group(run, world);
    return NULL;
}

/* StreamingResponse.__call__ below spec 2.4 (and EventSourceResponse):
 * stream_response (and the ping) as tasks, listen_for_disconnect in the
 * opening task. The lone error of the group is raised bare: anyio 3 does so
 * itself (Starlette < 0.38), collapse_excgroups does it under anyio 4. */
static fl_error_t *stream_in_task_group(stream_run_t *run, fl_world_t *world) {
    assert(run->group == NULL && run->send_lock == NULL); /* one group per call */
    assert(run->active && run->receive.call != NULL);
    bool pinging = run->response->ping_interval_ns > 0;
    if (pinging) run->send_lock = fl_lock_create(world, "sse send lock");
    run->group = fl_taskgroup_open(world, "StreamingResponse");
    fl_taskgroup_spawn(run->group, "stream_response", stream_task, run);
    if (pinging) fl_taskgroup_spawn(run->group, "sse ping", ping_task, run);
    fl_error_t *error = listen_for_disconnect(run, world);
    if (error == NULL) cancel_group(run, world);
    return fl_error_collapse(fl_taskgroup_close(run->group, error));
}

/* Starlette 0.42 at spec >= 2.4: the server raises OSError from a send
 * after a disconnect, so no listener is needed. */
static fl_error_t *stream_direct(stream_run_t *run, fl_world_t *world) {
    assert(run->response->variant == FL_STREAMING_SPEC_AWARE);
    assert(run->group == NULL && fl_asgi_spec_at_least(run->scope, 2, 4)); /* no listener */
    fl_error_t *error = stream_response(run, world);
    if (!fl_error_is(error, FL_ERR_OS_ERROR)) return error;
    fl_error_t *disconnect = fl_error_new(fl_world_arena(world), FL_ERR_CLIENT_DISCONNECT,
                                          "client disconnected while streaming");
    disconnect->cause = error;
    return disconnect;
}

static fl_error_t *streaming_call(fl_asgi_app_t *self, fl_world_t *world,
                                  const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                                  fl_asgi_send_t send) {
    assert(self != NULL && self->call == streaming_call && scope != NULL);
    fl_streaming_response_t *response = (fl_streaming_response_t *)self;
    /* As fl_streaming_response_create checked: the switch below has a case for it. */
    assert(response->iterator != NULL && response->variant >= FL_STREAMING_TASK_GROUP &&
           response->variant <= FL_STREAMING_NO_LISTENER);
    stream_run_t *run = fl_arena_zalloc(fl_world_arena(world), sizeof *run);
    *run = (stream_run_t){.response = response, .scope = scope, .receive = receive,
                          .send = send, .active = true};
    fl_error_t *error = NULL;
    switch (response->variant) {
    case FL_STREAMING_TASK_GROUP: error = stream_in_task_group(run, world); break;
    case FL_STREAMING_SPEC_AWARE:
        error = fl_asgi_spec_at_least(scope, 2, 4) ? stream_direct(run, world)
                                                   : stream_in_task_group(run, world);
        break;
    case FL_STREAMING_NO_LISTENER: error = stream_response(run, world); break;
    }
    if (error == NULL) error = run_background(&response->base, world, scope);
    return error;
}

fl_streaming_response_t *fl_streaming_response_create(fl_world_t *world, int status,
                                                      const fl_asgi_header_t *headers,
                                                      size_t header_count, const char *media_type,
                                                      fl_body_iterator_t *iterator,
                                                      fl_streaming_variant_t variant) {
    assert(iterator != NULL && iterator->next != NULL);
    assert(variant == FL_STREAMING_TASK_GROUP || variant == FL_STREAMING_SPEC_AWARE ||
           variant == FL_STREAMING_NO_LISTENER);
    fl_streaming_response_t *response =
        fl_arena_zalloc(fl_world_arena(world), sizeof *response);
    response->base.app = (fl_asgi_app_t){.name = "StreamingResponse", .call = streaming_call};
    response->base.status = status;
    response->iterator = iterator;
    response->variant = variant;
    init_headers(world, &response->base, headers, header_count, media_type, false);
    /* No body, so no content-length: a content-type at most is added. */
    assert(response->base.header_count >= header_count &&
           response->base.header_count <= header_count + 1);
    return response;
}

/* --- server-sent events ------------------------------------------------------ */

/* Counts what the text needs and writes what fits: encode runs twice, once
 * to size the arena buffer and once to fill it. */
typedef struct text_writer {
    char *data;
    size_t length;
    size_t capacity;
} text_writer_t;

/* The sizing pass (data NULL) only counts; the filling pass always fits,
 * since it writes what the sizing pass counted. */
static void put_bytes(text_writer_t *w, const char *bytes, size_t count) {
    assert(w != NULL && (bytes != NULL || count == 0));
    if (w->data != NULL) {
        assert(w->length + count <= w->capacity);
        memcpy(w->data + w->length, bytes, count);
    }
    w->length += count;
}

static void put_text(text_writer_t *w, const char *text) { put_bytes(w, text, strlen(text)); }

/* LINE_SEP_EXPR.sub("", field + value): one line, breaks removed. */
static void put_single_line(text_writer_t *w, const char *field, const char *value,
                            const char *sep) {
    put_text(w, field);
    for (const char *p = value; *p != '\0'; p++)
        if (*p != '\r' && *p != '\n') put_bytes(w, p, 1);
    put_text(w, sep);
}

/* LINE_SEP_EXPR.split(value): one prefixed line per piece, so "a\n" gives
 * "a" and "" as Python's re.split does. Ends at the string's NUL. */
static void put_split_lines(text_writer_t *w, const char *prefix, const char *value,
                            const char *sep) {
    const char *start = value;
    for (;;) {
        size_t piece = strcspn(start, "\r\n");
        put_text(w, prefix);
        put_bytes(w, start, piece);
        put_text(w, sep);
        const char *p = start + piece;
        if (*p == '\0') return;
        start = p + ((p[0] == '\r' && p[1] == '\n') ? 2 : 1);
    }
}

static void encode_event(text_writer_t *w, const fl_sse_event_t *event, const char *sep) {
    assert(w != NULL && event != NULL && sep != NULL);
    assert(w->length == 0); /* each pass encodes one event from the start */
    if (event->comment != NULL) put_split_lines(w, ": ", event->comment, sep);
    if (event->id != NULL) put_single_line(w, "id: ", event->id, sep);
    if (event->event != NULL) put_single_line(w, "event: ", event->event, sep);
    if (event->data != NULL) put_split_lines(w, "data: ", event->data, sep);
    if (event->has_retry) {
        char retry[48];
        int n = snprintf(retry, sizeof retry, "retry: %lld", (long long)event->retry_ms);
        assert(n > 0 && (size_t)n < sizeof retry); /* 20 digits at most */
        (void)n;
        put_text(w, retry);
        put_text(w, sep);
    }
    put_text(w, sep);
}

char *fl_sse_encode(fl_arena_t *arena, const fl_sse_event_t *event, const char *sep,
                    size_t *length_out) {
    assert(event != NULL && length_out != NULL);
    if (sep == NULL) sep = "\r\n";
    text_writer_t sizing = {0};
    encode_event(&sizing, event, sep);
    text_writer_t writer = {.data = fl_arena_alloc(arena, sizing.length + 1),
                            .capacity = sizing.length};
    encode_event(&writer, event, sep);
    assert(writer.length == sizing.length);
    writer.data[writer.length] = '\0';
    *length_out = writer.length;
    return writer.data;
}

/* ensure_bytes over the app's event generator. */
typedef struct sse_iterator {
    fl_body_iterator_t base;
    fl_sse_source_t *source;
} sse_iterator_t;

static fl_error_t *sse_next(fl_body_iterator_t *self, fl_world_t *world, const void **chunk_out,
                            size_t *length_out, bool *done_out) {
    assert(self != NULL && self->next == sse_next);
    assert(chunk_out != NULL && length_out != NULL && done_out != NULL);
    sse_iterator_t *iterator = (sse_iterator_t *)self;
    fl_sse_event_t event;
    memset(&event, 0, sizeof event);
    fl_error_t *error = iterator->source->next(iterator->source, world, &event, done_out);
    if (error != NULL || *done_out) return error;
    *chunk_out = fl_sse_encode(fl_world_arena(world), &event, NULL, length_out);
    assert(*chunk_out != NULL && *length_out >= 2); /* at least the closing "\r\n" */
    return NULL;
}

fl_streaming_response_t *fl_sse_response_create(fl_world_t *world, int status,
                                                fl_sse_source_t *source, int64_t ping_interval_ns) {
    assert(world != NULL && source != NULL && source->next != NULL);
    static const fl_asgi_header_t sse_headers[] = {
        {"cache-control", "no-cache"},
        {"connection", "keep-alive"},
        {"x-accel-buffering", "no"},
    };
    sse_iterator_t *iterator = fl_arena_zalloc(fl_world_arena(world), sizeof *iterator);
    *iterator = (sse_iterator_t){.base = {.next = sse_next}, .source = source};
    fl_streaming_response_t *response = fl_streaming_response_create(
        world, status, sse_headers, sizeof sse_headers / sizeof sse_headers[0],
        "text/event-stream", &iterator->base, FL_STREAMING_TASK_GROUP);
    response->base.app.name = "EventSourceResponse";
    response->ping_interval_ns = ping_interval_ns > 0 ? ping_interval_ns : FL_SSE_PING_DEFAULT_NS;
    return response;
}
