/* The server section: routes, handler steps, middleware layers. */
#include "harness/model/load_sections.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/kinds.h"
#include "harness/world/layer_kinds.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

/* --- server middleware, one row each ----------------------------------------------- */

/* A scalar value: the version, a row of sim/asgi/base_middleware.h. */
static int parse_base_http_layer(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                 fl_server_layer_t *out) {
    assert(out != NULL && out->kind == FL_LAYER_BASE_HTTP);
    TRY(fl__yaml_expect_scalar(ld, value, inner, "a version name"));
    if (fl_base_middleware_version_from_name(fl__yaml_text(value), &out->version)) return 0;
    size_t count;
    const fl_base_middleware_version_row_t *rows = fl_base_middleware_version_rows(&count);
    assert(rows != NULL && count > 0);
    fl_name_list_t names = fl__name_list_for(fl__yaml_text(value));
    for (size_t i = 0; i < count; i++) fl__name_list_add(&names, ", ", rows[i].name);
    return FAIL(ld, value, "%s: unknown version '%s' (%sexpected one of: %s)", inner,
                fl__yaml_text(value), fl__name_list_hint(ld, &names), names.text);
}

static const fl_key_t NO_KEYS[] = {
    FL_KEYS_END,
};

static int parse_server_errors_layer(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                     fl_server_layer_t *out) {
    (void)ld, (void)value, (void)inner, (void)out;
    assert(out != NULL && out->kind == FL_LAYER_SERVER_ERRORS);
    return 0;
}

static const fl_key_t EXCEPTION_HANDLER_KEYS[] = {
    {"error", "error kind", "Exception", "the kind the handler catches", &FL_READ_ERROR_KIND,
     FL_INTO(fl_server_layer_t, handles)},
    {"status", "integer 100..599", "500", "its response's status", &FL_READ_STATUS,
     FL_INTO(fl_server_layer_t, status)},
    {"body", "string", "empty", "its response's body", &FL_READ_STRING,
     FL_INTO(fl_server_layer_t, body)},
    FL_KEYS_END,
};

/* An exception handler before its keys are read: a 500 for any Exception. */
static const fl_server_layer_t EXCEPTION_HANDLER_DEFAULTS = {.handles = FL_ERR_EXCEPTION,
                                                             .status = 500};

static int parse_exception_handler_layer(fl_yaml_reader_t *ld, fl_yaml_node_t *value,
                                         const char *inner, fl_server_layer_t *out) {
    assert(ld != NULL && value != NULL && inner != NULL && out != NULL);
    assert(out->kind == FL_LAYER_EXCEPTION_HANDLER);
    assert(out->status >= 100 && out->status <= 599);
    return 0;
}

/* One row a kind. */
/* clang-format off */
static const fl_server_layer_row_t SERVER_LAYERS[] = {
    {{"base_http", "BaseHTTPMiddleware of a version (a name)", NULL, NULL},
     FL_LAYER_BASE_HTTP, parse_base_http_layer, fl__build_base_http_layer},
    {{"server_errors", "ServerErrorMiddleware", NO_KEYS, NULL},
     FL_LAYER_SERVER_ERRORS, parse_server_errors_layer, fl__build_server_errors_layer},
    {{"exception_handler", "ExceptionMiddleware with one handler", EXCEPTION_HANDLER_KEYS,
      &EXCEPTION_HANDLER_DEFAULTS},
     FL_LAYER_EXCEPTION_HANDLER, parse_exception_handler_layer, fl__build_exception_handler_layer},
    {{"program", "a middleware written as a program: {name, channels, steps}", FL__PROGRAM_KEYS,
      NULL},
     FL_LAYER_PROGRAM, fl__parse_program_layer, fl__build_program_layer},
    {{NULL, NULL, NULL, NULL}, 0, NULL, NULL},
};
/* clang-format on */

FL_LAYER_TABLE(fl_server_layer, "server middleware", fl_server_layer_row_t, fl_server_layer_kind_t,
               fl_server_layer_t, SERVER_LAYERS)

/* --- handler steps, one row each --------------------------------------------------- */

static const fl_key_t BACKGROUND_KEYS[] = {
    {"name", "string", NULL, "the background task's name in the server log", &FL_READ_NONEMPTY,
     FL_INTO(fl_scripted_step_t, background_name)},
    {"duration", "duration", "0", "how long it runs", &FL_READ_DURATION,
     FL_INTO(fl_scripted_step_t, background_ns)},
    FL_KEYS_END,
};

/* The keys a response step shares, read into its fl_scripted_step_t. */
#define RESPONSE_STATUS                                                                            \
    {                                                                                              \
        "status", "integer 100..599", "200", "the response status", &FL_READ_STATUS,               \
            FL_INTO(fl_scripted_step_t, status)                                                    \
    }
#define RESPONSE_MEDIA_TYPE(fallback)                                                              \
    {                                                                                              \
        "media_type", "string", fallback, "the content type", &FL_READ_STRING,                     \
            FL_INTO(fl_scripted_step_t, media_type)                                                \
    }

static const fl_key_t RESPOND_KEYS[] = {
    RESPONSE_STATUS,
    {"body", "string", "empty", "the response body", &FL_READ_STRING,
     FL_INTO(fl_scripted_step_t, body)},
    RESPONSE_MEDIA_TYPE("text/plain"),
    {"headers", "headers", "none", "response headers (a content-length here is held to)",
     FL_BY_HAND},
    {"background", "mapping", "none", "a background task: {name, duration}", FL_BY_HAND},
    FL_KEYS_END,
};

/* Reads headers and background, the keys a response step reads by hand. */
static int parse_response_extras(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                                 fl_scripted_step_t *out) {
    assert(ld != NULL && value != NULL && path != NULL && out != NULL);
    fl_yaml_node_t *v;
    if ((v = fl__yaml_get(ld, value, "headers")))
        TRY(fl__yaml_response_headers(ld, v, fl__yaml_child_path(ld, path, "headers"),
                                      &out->headers, &out->header_count));
    if ((v = fl__yaml_get(ld, value, "background")))
        TRY(fl__yaml_check_and_read_keys(ld, v, fl__yaml_child_path(ld, path, "background"),
                                         BACKGROUND_KEYS, out, sizeof *out));
    assert(out->header_count <= HEADERS_MAX && out->background_ns >= 0);
    return 0;
}

static int parse_respond(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                         fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_RESPOND);
    return parse_response_extras(ld, value, path, out);
}

FL_NAMED_KEY_READER(READ_VARIANT, fl_streaming_variant_t, "streaming variant",
                    FL_STREAMING_NO_LISTENER + 1, fl_streaming_variant_name);
FL_NAMED_KEY_READER(READ_CLEANUP, fl_scripted_cleanup_t, "cleanup", FL_SCRIPTED_CLEANUP_SPAWNED + 1,
                    fl_scripted_cleanup_name);

#define STREAM_INTO(member) FL_INTO(fl_scripted_step_t, stream.member)

static const fl_key_t STREAM_KEYS[] = {
    RESPONSE_STATUS,
    {"chunks", "integer", "1", "chunks the body iterator gives", &FL_READ_COUNT,
     STREAM_INTO(chunk_count)},
    {"interval", "duration", "0", "sleep before each chunk after the first", &FL_READ_DURATION,
     STREAM_INTO(interval_ns)},
    {"text", "string", "chunk <i>", "each chunk's text", &FL_READ_STRING, STREAM_INTO(chunk_text)},
    {"sse", "bool", "false", "an EventSourceResponse: chunks as SSE events", &FL_READ_BOOL,
     STREAM_INTO(sse)},
    {"ids", "bool", "false", "SSE: event i carries the id i (from 1)", &FL_READ_BOOL,
     STREAM_INTO(sse_ids)},
    {"ping", "duration", "15s", "SSE ping interval", &FL_READ_DURATION,
     STREAM_INTO(ping_interval_ns)},
    {"fail_at", "integer", "0", "raise instead of producing chunk k (0: never)", FL_BY_HAND},
    {"fail_error", "error kind", "ValueError", "what the iterator raises (an Exception)",
     &FL_READ_EXCEPTION_KIND, STREAM_INTO(fail_kind)},
    {"fail_message", "string", "chunk <k> failed", "its message", &FL_READ_STRING,
     STREAM_INTO(fail_message)},
    {"variant", "streaming variant", "task-group", "task-group, spec-aware or no-listener",
     &READ_VARIANT, STREAM_INTO(variant)},
    {"cleanup", "cleanup", "none", "on cancellation: none, plain, shielded or spawned",
     &READ_CLEANUP, STREAM_INTO(cleanup)},
    {"publish", "duration", "0", "the cleanup's publish effect's duration", &FL_READ_DURATION,
     STREAM_INTO(publish_ns)},
    {"headers", "headers", "none", "response headers", FL_BY_HAND},
    RESPONSE_MEDIA_TYPE("none"),
    FL_KEYS_END,
};

#undef STREAM_INTO

/* A stream before its keys are read: one chunk; a failing one raises
 * ValueError. */
static const fl_scripted_step_t STREAM_DEFAULTS = {
    .stream = {.chunk_count = 1, .fail_kind = FL_ERR_VALUE_ERROR}};

static int parse_stream(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                        fl_scripted_step_t *out) {
    assert(ld != NULL && value != NULL && path != NULL && out != NULL);
    assert(out->kind == FL_SCRIPTED_STREAM);
    fl_scripted_stream_t *s = &out->stream;
    fl_yaml_node_t *v = fl__yaml_get(ld, value, "fail_at");
    if (v != NULL) {
        TRY(fl__yaml_count(ld, v, fl__yaml_child_path(ld, path, "fail_at"), &s->fail_at_chunk));
        if (s->fail_at_chunk > s->chunk_count)
            return FAIL(ld, v, "%s: fail_at %zu is past the last chunk (%zu)", path,
                        s->fail_at_chunk, s->chunk_count);
    }
    TRY(parse_response_extras(ld, value, path, out));
    assert(s->fail_at_chunk <= s->chunk_count);
    assert(fl_error_kind_is(s->fail_kind, FL_ERR_EXCEPTION));
    return 0;
}

/* A scalar value: how long (0: a checkpoint). */
static int parse_sleep_handler_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                    fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_SLEEP);
    return fl__yaml_duration(ld, value, inner, &out->duration_ns);
}

static const fl_key_t READ_BODY_KEYS[] = {
    {"bytes", "size", "all", "read until this many bytes arrived", &FL_READ_SIZE,
     FL_INTO(fl_scripted_step_t, read_bytes)},
    FL_KEYS_END,
};

static int parse_read_body_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                fl_scripted_step_t *out) {
    assert(inner != NULL && out != NULL);
    (void)ld, (void)value;
    assert(out->kind == FL_SCRIPTED_READ_BODY);
    return 0; /* bytes, its one key, is read with the row's keys */
}

static const fl_key_t RAISE_KEYS[] = {
    {"error", "error kind", "ValueError", "the Exception kind raised", &FL_READ_EXCEPTION_KIND,
     FL_INTO(fl_scripted_step_t, error_kind)},
    {"message", "string", "scripted error", "its message", &FL_READ_STRING,
     FL_INTO(fl_scripted_step_t, error_message)},
    FL_KEYS_END,
};

/* A raise before its keys are read: a ValueError. */
static const fl_scripted_step_t RAISE_DEFAULTS = {.error_kind = FL_ERR_VALUE_ERROR};

static int parse_raise_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                            fl_scripted_step_t *out) {
    assert(ld != NULL && value != NULL && inner != NULL && out != NULL);
    assert(out->kind == FL_SCRIPTED_RAISE);
    assert(fl_error_kind_is(out->error_kind, FL_ERR_EXCEPTION));
    return 0;
}

/* One row a kind. */
/* clang-format off */
static const fl_handler_step_row_t HANDLER_STEPS[] = {
    {{"sleep", "sleep (a duration; 0: a checkpoint)", NULL, NULL},
     FL_SCRIPTED_SLEEP, false, parse_sleep_handler_step},
    {{"read_body", "read the whole body, or until SIZE bytes arrived", READ_BODY_KEYS, NULL},
     FL_SCRIPTED_READ_BODY, false, parse_read_body_step},
    {{"raise", "raise an Exception kind", RAISE_KEYS, &RAISE_DEFAULTS},
     FL_SCRIPTED_RAISE, false, parse_raise_step},
    {{"respond", "a plain Response", RESPOND_KEYS, NULL}, FL_SCRIPTED_RESPOND, true, parse_respond},
    {{"stream", "a StreamingResponse, or an EventSourceResponse", STREAM_KEYS, &STREAM_DEFAULTS},
     FL_SCRIPTED_STREAM, true, parse_stream},
    {{"checkpoint", "await checkpoint() (the value: {})", FL__NO_KEYS, NULL},
     FL_SCRIPTED_CHECKPOINT, false, fl__parse_checkpoint_step},
    {{"log", "an entry of the server log, kind log (the value: its text)", NULL, NULL},
     FL_SCRIPTED_LOG, false, fl__parse_log_step},
    {{"log_if_cancelled", "the same, only while this task's cancellation is pending", NULL, NULL},
     FL_SCRIPTED_LOG_IF_CANCELLED, false, fl__parse_log_step},
    {{"send", "await send(message): a raw http.response.start or .body", FL__SEND_KEYS, NULL},
     FL_SCRIPTED_SEND, false, fl__parse_send_step},
    {{"receive", "await receive(), or until http.disconnect", FL__RECEIVE_KEYS, NULL},
     FL_SCRIPTED_RECEIVE, false, fl__parse_receive_step},
    {{"shield", "the steps (the value) in a shielded cancel scope", NULL, NULL},
     FL_SCRIPTED_SHIELD, false, fl__parse_shield_step},
    {{"move_on_after", "the steps in move_on_after(duration)", FL__TIMED_KEYS, NULL},
     FL_SCRIPTED_MOVE_ON_AFTER, false, fl__parse_timed_step},
    {{"fail_after", "the steps in fail_after(duration): DeadlineExceeded", FL__TIMED_KEYS, NULL},
     FL_SCRIPTED_FAIL_AFTER, false, fl__parse_timed_step},
    {{"try", "try: steps, except handlers, finally", FL__TRY_KEYS, NULL},
     FL_SCRIPTED_TRY, false, fl__parse_try_step},
    {{"task_group", "a task group: children, then the opener's steps", FL__TASK_GROUP_KEYS, NULL},
     FL_SCRIPTED_TASK_GROUP, false, fl__parse_task_group_step},
    {{"spawn", "tg.start_soon: a child of the innermost task group", FL__CHILD_KEYS, NULL},
     FL_SCRIPTED_SPAWN, false, fl__parse_spawn_step},
    {{"cancel_group", "the innermost task group's cancel_scope.cancel()", FL__NO_KEYS, NULL},
     FL_SCRIPTED_CANCEL_GROUP, false, fl__parse_checkpoint_step},
    {{"repeat", "the steps times times, or until an error kind", FL__REPEAT_KEYS, NULL},
     FL_SCRIPTED_REPEAT, false, fl__parse_repeat_step},
    {{"channel_send", "a kept message into a channel", FL__CHANNEL_SEND_KEYS, NULL},
     FL_SCRIPTED_CHANNEL_SEND, false, fl__parse_channel_step},
    {{"channel_receive", "a message from a channel, kept by name", FL__CHANNEL_RECEIVE_KEYS, NULL},
     FL_SCRIPTED_CHANNEL_RECEIVE, false, fl__parse_channel_step},
    {{"close", "close one end of a channel", FL__CLOSE_KEYS, NULL},
     FL_SCRIPTED_CLOSE, false, fl__parse_channel_step},
    {{"call_app", "middleware: await app(scope, receive, send)", FL__CALL_APP_KEYS, NULL},
     FL_SCRIPTED_CALL_APP, false, fl__parse_channel_step},
    {{"wait_for", "asyncio.wait_for of a version: the steps as a task, waited for",
      FL__WAIT_FOR_KEYS, &FL__WAIT_FOR_DEFAULTS},
     FL_SCRIPTED_WAIT_FOR, false, fl__parse_wait_for_step},
    {{"match", "the steps of the case the request's count, method or header matches",
      FL__MATCH_KEYS, NULL},
     FL_SCRIPTED_MATCH, false, fl__parse_match_step},
    {{"set", "event.set() of a program's event (the value: its name)", NULL, NULL},
     FL_SCRIPTED_EVENT_SET, false, fl__parse_sync_step},
    {{"wait", "await event.wait() (the value: the event's name)", NULL, NULL},
     FL_SCRIPTED_EVENT_WAIT, false, fl__parse_sync_step},
    {{"acquire", "await semaphore.acquire(), a lock's too (the value: its name)", NULL, NULL},
     FL_SCRIPTED_ACQUIRE, false, fl__parse_sync_step},
    {{"release", "semaphore.release() (the value: its name)", NULL, NULL},
     FL_SCRIPTED_RELEASE, false, fl__parse_sync_step},
    {{NULL, NULL, NULL, NULL}, 0, false, NULL},
};
/* clang-format on */

static const fl_kind_table_t HANDLER_STEP_TABLE = FL_KIND_TABLE("handler step", HANDLER_STEPS);

FL_KIND_ROWS(fl_handler_step, fl_handler_step_row_t, HANDLER_STEPS)

static int parse_handler_step(fl_yaml_reader_t *ld, fl_yaml_node_t *item, const char *path,
                              fl_scripted_step_t *out, bool *responds_out) {
    assert(out != NULL && responds_out != NULL);
    assert(!*responds_out); /* no step follows the one that responds */
    fl_kind_item_t it;
    TRY(fl__yaml_kind_item(ld, item, path, &HANDLER_STEP_TABLE, out, sizeof *out, &it));
    const fl_handler_step_row_t *row = &HANDLER_STEPS[it.index];
    assert(row->parse != NULL);
    out->kind = row->kind;
    *responds_out = row->responds;
    return row->parse(ld, it.value, it.path, out);
}

int fl__load_handler_steps(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                           bool top_level, const fl_scripted_step_t **steps_out,
                           size_t *count_out) {
    assert(ld != NULL && node != NULL && path != NULL && steps_out != NULL && count_out != NULL);
    TRY(fl__yaml_expect_sequence(ld, node, path));
    size_t count = fl__yaml_sequence_count(node);
    if (count > FL_SCRIPTED_STEPS_MAX)
        return FAIL(ld, node, "%s: more than %d steps", path, FL_SCRIPTED_STEPS_MAX);
    /* A block's steps are read inside its step's: a depth bound keeps a
     * hostile file from nesting the loader off its stack. */
    if (ld->depth >= FL_SCRIPTED_DEPTH_MAX)
        return FAIL(ld, node, "%s: blocks nested deeper than %d", path, FL_SCRIPTED_DEPTH_MAX);
    ld->depth++;
    fl_scripted_step_t *steps = fl_arena_zalloc(ld->arena, (count ? count : 1) * sizeof *steps);
    bool responded = false; /* a step that answers ends the list */
    int status = 0;
    for (size_t i = 0; i < count && status == 0; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, node, i);
        const char *item_path = fl__yaml_index_path(ld, path, i);
        if (responded) status = FAIL(ld, item, "%s: a step after the response step", item_path);
        if (status == 0) status = parse_handler_step(ld, item, item_path, &steps[i], &responded);
        if (status == 0 && responded && !top_level)
            status =
                FAIL(ld, item, "%s: a response step stands only at a route handler's top level",
                     item_path);
    }
    ld->depth--;
    TRY(status);
    *steps_out = steps;
    *count_out = count;
    return 0;
}

/* responses: [respond | stream, ...], the answers in turn; the handler's
 * steps then run first and must not answer themselves. */
static int parse_responses(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                           fl_scripted_spec_t *handler) {
    assert(ld != NULL && node != NULL && path != NULL && handler != NULL);
    TRY(fl__yaml_expect_sequence(ld, node, path));
    size_t count = fl__yaml_sequence_count(node);
    if (count == 0 || count > FL_SCRIPTED_STEPS_MAX)
        return FAIL(ld, node, "%s: 1..%d responses", path, FL_SCRIPTED_STEPS_MAX);
    if (handler->step_count > 0 &&
        (handler->steps[handler->step_count - 1].kind == FL_SCRIPTED_RESPOND ||
         handler->steps[handler->step_count - 1].kind == FL_SCRIPTED_STREAM))
        return FAIL(ld, node, "%s: the steps already respond", path);
    fl_scripted_step_t *responses = fl_arena_zalloc(ld->arena, count * sizeof *responses);
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, node, i);
        const char *item_path = fl__yaml_index_path(ld, path, i);
        bool responds = false;
        TRY(parse_handler_step(ld, item, item_path, &responses[i], &responds));
        if (!responds) return FAIL(ld, item, "%s: expected respond or stream", item_path);
    }
    handler->responses = responses;
    handler->response_count = count;
    return 0;
}

static const fl_key_t ROUTE_KEYS[] = {
    {"method", "string", "GET", "the request method routed", &FL_READ_NONEMPTY,
     FL_INTO(fl_route_t, method)},
    {"path", "string", NULL, "the path routed, starting with /", &FL_READ_NONEMPTY,
     FL_INTO(fl_route_t, path)},
    {"steps", "list of handler steps", "none", "the handler, at most 16 steps", FL_BY_HAND},
    {"channels", "list of {name, capacity}", "none",
     "the handler's channels, made anew for each request", FL_BY_HAND},
    {"events", "list of names", "none", "the handler's events, made anew for each request",
     FL_BY_HAND},
    {"semaphores", "list of {name, value}", "none", "the handler's semaphores", FL_BY_HAND},
    {"locks", "list of names", "none", "the handler's locks (semaphores of value 1)", FL_BY_HAND},
    {"responses", "list of response steps", "none",
     "answers in turn: request k gets the k-th, the last repeats (after the steps)", FL_BY_HAND},
    FL_KEYS_END,
};

const fl_key_t *fl__route_keys(void) { return ROUTE_KEYS; }

static int parse_route(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                       fl_route_t *out) {
    assert(out != NULL);
    out->at = fl__yaml_location(ld, node);
    out->method = "GET";
    TRY(fl__yaml_check_and_read_keys(ld, node, path, ROUTE_KEYS, out, sizeof *out));
    fl_yaml_node_t *v = fl__yaml_get(ld, node, "path");
    if (out->path[0] != '/') return FAIL(ld, v, "%s.path: must start with '/'", path);
    out->handler.name = out->path;
    TRY(fl__load_program_objects(ld, node, path, &out->handler));
    if ((v = fl__yaml_get(ld, node, "steps")) != NULL)
        TRY(fl__load_program_steps(ld, v, fl__yaml_child_path(ld, path, "steps"), true,
                                   &out->handler));
    if ((v = fl__yaml_get(ld, node, "responses")) != NULL)
        TRY(parse_responses(ld, v, fl__yaml_child_path(ld, path, "responses"), &out->handler));
    assert(out->handler.name == out->path && out->method != NULL);
    return 0;
}

/* The server section's own keys. */
static const fl_key_t SERVER_KEYS[] = {
    {"spec_version", "\"2.3\" or \"2.4\"", "\"2.3\"", "the ASGI spec version the server announces",
     FL_BY_HAND},
    {"middleware", "list of server middleware", "none", "outermost first", FL_BY_HAND},
    {"routes", "list of routes", "none", "every other request gets 404", FL_BY_HAND},
    {"header_timeout", "duration or forever", "5s",
     "a request head must complete within this of its first byte, else the connection "
     "closes (0: the default)",
     &FL_READ_DURATION_OR_FOREVER, FL_INTO(fl_server_spec_t, header_timeout_ns)},
    {"keep_alive_timeout", "duration or forever", "5s",
     "a connection with no request in progress closes after this long idle, as uvicorn's "
     "timeout_keep_alive (0: the default)",
     &FL_READ_DURATION_OR_FOREVER, FL_INTO(fl_server_spec_t, keep_alive_timeout_ns)},
    {"redirect_slashes", "boolean", "true",
     "as Starlette's Router: a path no route has, but one has with a trailing / added or "
     "removed, gets a 307 to it",
     &FL_READ_BOOL, FL_INTO(fl_server_spec_t, redirect_slashes)},
    FL_KEYS_END,
};

const fl_key_t *fl__server_keys(void) { return SERVER_KEYS; }

/* server.routes: each read even when one before failed. */
static int parse_routes(fl_yaml_reader_t *ld, fl_yaml_node_t *v, fl_server_spec_t *out,
                        bool *failed) {
    assert(ld != NULL && v != NULL && out != NULL && failed != NULL);
    TRY(fl__yaml_expect_sequence(ld, v, "server.routes"));
    out->route_count = fl__yaml_sequence_count(v);
    out->routes = fl_arena_zalloc(ld->arena, (out->route_count + 1) * sizeof *out->routes);
    bool any_failed = false;
    for (size_t i = 0; i < out->route_count; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, v, i);
        TRY(fl__yaml_go_on(
            ld, parse_route(ld, item, fl__yaml_index_path(ld, "server.routes", i), &out->routes[i]),
            &any_failed));
        /* Duplicates are looked for among routes that all loaded. */
        for (size_t j = 0; j < i && !any_failed; j++)
            if (strcmp(out->routes[j].method, out->routes[i].method) == 0 &&
                strcmp(out->routes[j].path, out->routes[i].path) == 0)
                TRY(fl__yaml_go_on(ld,
                                   FAIL(ld, item, "server.routes[%zu]: duplicate route %s %s", i,
                                        out->routes[i].method, out->routes[i].path),
                                   &any_failed));
    }
    *failed = *failed || any_failed;
    assert(out->routes != NULL);
    return 0;
}

int fl__load_server(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_server_spec_t *out) {
    assert(ld != NULL && node != NULL && out != NULL);
    bool failed = false; /* a part failed: the others are read, the section fails */
    TRY(fl__yaml_check_and_read_keys(ld, node, "server", SERVER_KEYS, out, sizeof *out));
    fl_yaml_node_t *v;
    if ((v = fl__yaml_get(ld, node, "spec_version"))) {
        static const char *const versions[] = {"2.3", "2.4", NULL};
        int index;
        TRY(fl__yaml_choice(ld, v, "server.spec_version", "spec version", versions, &index));
        assert(index == 0 || index == 1);
        out->spec_version = versions[index];
    }
    if ((v = fl__yaml_get(ld, node, "middleware"))) {
        TRY(fl__yaml_expect_sequence(ld, v, "server.middleware"));
        out->layer_count = fl__yaml_sequence_count(v);
        out->layers = fl_arena_zalloc(ld->arena, (out->layer_count + 1) * sizeof *out->layers);
        for (size_t i = 0; i < out->layer_count; i++)
            TRY(fl__yaml_go_on(ld,
                               fl_server_layer_item(ld, fl__yaml_sequence_item(ld, v, i),
                                                    fl__yaml_index_path(ld, "server.middleware", i),
                                                    &out->layers[i]),
                               &failed));
    }
    if ((v = fl__yaml_get(ld, node, "routes")))
        TRY(fl__yaml_go_on(ld, parse_routes(ld, v, out, &failed), &failed));
    assert(out->layers != NULL || out->layer_count == 0);
    assert(out->routes != NULL || out->route_count == 0);
    assert(out->spec_version != NULL);
    return failed ? FL_EINVAL : 0;
}
