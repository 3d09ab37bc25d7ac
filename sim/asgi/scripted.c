/* Scripted handlers: see scripted.h. */
#include "sim/asgi/scripted.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/asgi/apps_internal.h"
#include "sim/asgi/program.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/runtime.h"

enum { BODY_RECEIVES_MAX = 1 << 20 };

typedef struct scripted_handler {
    fl_asgi_app_t app;
    const char *name;
    fl_scripted_step_t *steps; /* arena copies */
    size_t step_count;
    fl_scripted_step_t *responses; /* in turn; arena copies */
    size_t response_count;
    const fl_scripted_channel_t *channels; /* made anew for each call */
    size_t channel_count;
    uint64_t calls; /* calls so far: which response is this call's */
} scripted_handler_t;

/* The endpoint's async generator, one per call. It keeps a copy of the
 * scope because a spawned cleanup may outlive the cycle's scope. */
typedef struct generator {
    fl_body_iterator_t body;
    fl_sse_source_t source;
    const fl_scripted_stream_t *config;
    const char *name;
    fl_asgi_scope_t scope;
    size_t produced;
} generator_t;

/* --- cleanup on cancellation ---------------------------------------------- */

static int publish(generator_t *generator, fl_world_t *world) {
    assert(generator != NULL && generator->name != NULL);
    /* validate_stream refused negative durations; only a cleanup publishes. */
    assert(generator->config->publish_ns >= 0 &&
           generator->config->cleanup != FL_SCRIPTED_CLEANUP_NONE);
    int status = fl_sleep(world, generator->config->publish_ns);
    if (status == FL_OK)
        FL__APP_LOG(&generator->scope, FL_SERVER_LOG_CLEANUP_COMPLETED, "%s: published",
                    generator->name);
    return status;
}

static fl_error_t *publish_task(fl_world_t *world, void *arg) {
    assert(arg != NULL);
    assert(((generator_t *)arg)->config->cleanup == FL_SCRIPTED_CLEANUP_SPAWNED);
    return fl_error_from_status(fl_world_arena(world), publish(arg, world), "publish");
}

static void publish_shielded(generator_t *generator, fl_world_t *world) {
    assert(generator->config->cleanup == FL_SCRIPTED_CLEANUP_SHIELDED);
    fl_cancel_scope_t shield;
    fl_scope_enter(world, &shield, FL_TIME_NEVER, FL_SCOPE_SHIELD);
    int status = publish(generator, world);
    fl_scope_exit(world, &shield, status);
}

static void run_cleanup(generator_t *generator, fl_world_t *world) {
    fl_scripted_cleanup_t cleanup = generator->config->cleanup;
    /* validate_stream refused a cleanup outside the enum: the switch covers it. */
    assert(cleanup >= FL_SCRIPTED_CLEANUP_NONE && cleanup <= FL_SCRIPTED_CLEANUP_SPAWNED);
    assert(generator->produced > 0); /* cancelled only in the sleep before a later chunk */
    if (cleanup == FL_SCRIPTED_CLEANUP_NONE) return;
    FL__APP_LOG(&generator->scope, FL_SERVER_LOG_CLEANUP_STARTED, "%s: %s cleanup",
                generator->name, fl_scripted_cleanup_name(cleanup));
    switch (cleanup) {
    case FL_SCRIPTED_CLEANUP_NONE: break;
    /* Its result is Cancelled again: the scope is still cancelled. */
    case FL_SCRIPTED_CLEANUP_PLAIN: (void)publish(generator, world); break;
    case FL_SCRIPTED_CLEANUP_SHIELDED: publish_shielded(generator, world); break;
    case FL_SCRIPTED_CLEANUP_SPAWNED:
        fl_spawn(world, "cleanup publish", publish_task, generator);
        break;
    }
}

/* `except CancelledError: <cleanup>; raise`. */
static fl_error_t *on_cancelled(generator_t *generator, fl_world_t *world) {
    assert(generator->produced > 0 && generator->produced <= generator->config->chunk_count);
    /* Cancelled in the sleep before a chunk: one was still to come. */
    assert(generator->produced < generator->config->chunk_count);
    FL__APP_LOG(&generator->scope, FL_SERVER_LOG_NOTE, "%s: generator cancelled after %zu chunks",
                generator->name, generator->produced);
    run_cleanup(generator, world);
    return fl_error_from_status(fl_world_arena(world), FL_ECANCELLED, generator->name);
}

/* --- the generator ----------------------------------------------------------- */

static const char *chunk_text(generator_t *generator, fl_world_t *world, size_t index) {
    const fl_scripted_stream_t *config = generator->config;
    if (config->chunk_text != NULL) return config->chunk_text;
    return fl_arena_printf(fl_world_arena(world), config->sse ? "chunk %zu" : "chunk %zu\n", index);
}

static fl_error_t *chunk_error(generator_t *generator, fl_world_t *world, size_t index) {
    const fl_scripted_stream_t *config = generator->config;
    assert(index > 0 && index == config->fail_at_chunk && index <= config->chunk_count);
    /* validate_stream: a failing chunk raises an Exception, never Cancelled. */
    assert(fl_error_kind_is(config->fail_kind, FL_ERR_EXCEPTION));
    fl_arena_t *arena = fl_world_arena(world);
    if (config->fail_message != NULL)
        return fl_error_new(arena, config->fail_kind, "%s", config->fail_message);
    return fl_error_new(arena, config->fail_kind, "chunk %zu failed", index);
}

static fl_error_t *produce(generator_t *generator, fl_world_t *world, const char **text_out,
                           bool *done_out) {
    const fl_scripted_stream_t *config = generator->config;
    assert(text_out != NULL && done_out != NULL);
    assert(generator->produced <= config->chunk_count);
    assert(config->fail_at_chunk <= config->chunk_count && config->interval_ns >= 0);
    if (generator->produced == config->chunk_count) {
        *done_out = true;
        return NULL;
    }
    if (generator->produced > 0) {
        int status = fl_sleep(world, config->interval_ns);
        if (status == FL_ECANCELLED) return on_cancelled(generator, world);
        if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "sleep");
    }
    size_t index = generator->produced + 1;
    if (config->fail_at_chunk == index) return chunk_error(generator, world, index);
    generator->produced = index;
    *text_out = chunk_text(generator, world, index);
    assert(*text_out != NULL);
    return NULL;
}

static fl_error_t *body_next(fl_body_iterator_t *self, fl_world_t *world, const void **chunk_out,
                             size_t *length_out, bool *done_out) {
    generator_t *generator = (generator_t *)self;
    assert(chunk_out != NULL && length_out != NULL && done_out != NULL);
    assert(!generator->config->sse); /* build_stream hands SSE streams the source */
    const char *text = NULL;
    fl_error_t *error = produce(generator, world, &text, done_out);
    if (error != NULL || *done_out) return error;
    *chunk_out = text;
    *length_out = strlen(text);
    return NULL;
}

static fl_error_t *source_next(fl_sse_source_t *self, fl_world_t *world,
                               fl_sse_event_t *event_out, bool *done_out) {
    generator_t *generator = (generator_t *)((char *)self - offsetof(generator_t, source));
    assert(event_out != NULL && done_out != NULL);
    assert(generator->config->sse && generator->source.next == source_next);
    const char *text = NULL;
    fl_error_t *error = produce(generator, world, &text, done_out);
    if (error != NULL || *done_out) return error;
    *event_out = (fl_sse_event_t){.data = text};
    if (generator->config->sse_ids)
        event_out->id = fl_arena_printf(fl_world_arena(world), "%zu", generator->produced);
    return NULL;
}

/* --- steps ------------------------------------------------------------------------ */

static fl_error_t *background_sleep(void *arg, fl_world_t *world) {
    const fl_scripted_step_t *step = arg;
    /* add_background registers only a named task; validate_step refused a negative sleep. */
    assert(step != NULL && step->background_name != NULL && step->background_ns >= 0);
    assert(step->kind == FL_SCRIPTED_RESPOND || step->kind == FL_SCRIPTED_STREAM);
    return fl_error_from_status(fl_world_arena(world), fl_sleep(world, step->background_ns),
                                "background");
}

static void add_background(fl_world_t *world, fl_asgi_response_t *response,
                           const fl_scripted_step_t *step) {
    if (step->background_name == NULL) return;
    bool added = fl_asgi_response_add_background(world, response, step->background_name,
                                            background_sleep, (void *)step);
    assert(added);
    (void)added;
}

/* A step that leaves the status out (0) means 200, as Response does. */
static int status_of(const fl_scripted_step_t *step) {
    assert(step->kind == FL_SCRIPTED_RESPOND || step->kind == FL_SCRIPTED_STREAM);
    return step->status != 0 ? step->status : 200;
}

static fl_asgi_app_t *build_plain(fl_world_t *world, const fl_scripted_step_t *step) {
    assert(step->kind == FL_SCRIPTED_RESPOND);
    assert(step->header_count <= FL_RESPONSE_HEADERS_MAX); /* validate_step */
    const char *body = step->body != NULL ? step->body : "";
    const char *media_type = step->media_type != NULL ? step->media_type : "text/plain";
    fl_asgi_response_t *response = fl_asgi_response_create(world, status_of(step), step->headers,
                                                 step->header_count, media_type, body,
                                                 strlen(body));
    add_background(world, response, step);
    return fl_asgi_response_app(response);
}

static fl_asgi_app_t *build_stream(scripted_handler_t *handler, fl_world_t *world,
                                   const fl_asgi_scope_t *scope, const fl_scripted_step_t *step) {
    assert(step->kind == FL_SCRIPTED_STREAM);
    assert(step->header_count <= FL_RESPONSE_HEADERS_MAX); /* validate_step */
    generator_t *generator = fl_arena_zalloc(fl_world_arena(world), sizeof *generator);
    *generator = (generator_t){.body = {.next = body_next}, .source = {.next = source_next},
                               .config = &step->stream, .name = handler->name, .scope = *scope};
    fl_streaming_response_t *response;
    if (step->stream.sse)
        response = fl_sse_response_create(world, status_of(step), &generator->source,
                                          step->stream.ping_interval_ns);
    else
        response = fl_streaming_response_create(world, status_of(step), step->headers,
                                                step->header_count, step->media_type,
                                                &generator->body, step->stream.variant);
    add_background(world, &response->base, step);
    return fl_asgi_response_app(&response->base);
}

/* await request.body(): a disconnect raises ClientDisconnect. */
static fl_error_t *read_body(const char *name, fl_world_t *world, const fl_asgi_scope_t *scope,
                             fl_asgi_receive_t receive, size_t limit) {
    assert(name != NULL && scope != NULL && receive.call != NULL);
    size_t total = 0;
    for (size_t i = 0; i < BODY_RECEIVES_MAX; i++) {
        fl_asgi_message_t message;
        memset(&message, 0, sizeof message);
        fl_error_t *error = fl_asgi_receive(world, receive, &message);
        if (error != NULL) return error;
        if (message.type == FL_ASGI_HTTP_DISCONNECT)
            return fl_error_new(fl_world_arena(world), FL_ERR_CLIENT_DISCONNECT,
                                "client disconnected while the body was read");
        if (message.type != FL_ASGI_HTTP_REQUEST) continue;
        assert(message.body != NULL || message.body_length == 0);
        total += message.body_length;
        if (message.more_body && (limit == 0 || total < limit)) continue;
        FL__APP_LOG(scope, FL_SERVER_LOG_NOTE, "%s: read %zu bytes", name, total);
        return NULL;
    }
    return fl_error_new(fl_world_arena(world), FL_ERR_RUNTIME_ERROR, "body: too many messages");
}

static fl_error_t *run_step(fl_program_t *p, const fl_scripted_step_t *step) {
    /* fl__program_run_steps stops at the first response: no step runs after one. */
    assert(p != NULL && p->response == NULL && step != NULL);
    /* What validate_step refused never reaches a running step. */
    assert(step->duration_ns >= 0 && step->background_ns >= 0);
    assert(step->kind != FL_SCRIPTED_RAISE || fl_error_kind_is(step->error_kind, FL_ERR_EXCEPTION));
    scripted_handler_t *handler = p->handler;
    fl_world_t *world = p->world;
    fl_arena_t *arena = fl_world_arena(world);
    switch (step->kind) {
    case FL_SCRIPTED_SLEEP:
        return fl_error_from_status(arena, fl_sleep(world, step->duration_ns), p->name);
    case FL_SCRIPTED_READ_BODY: return read_body(p->name, world, p->scope, p->receive, step->read_bytes);
    case FL_SCRIPTED_RAISE:
        return fl_error_new(arena, step->error_kind, "%s",
                            step->error_message ? step->error_message : "scripted error");
    case FL_SCRIPTED_RESPOND:
        assert(handler != NULL); /* a middleware program has no response step */
        p->response = build_plain(world, step);
        return NULL;
    case FL_SCRIPTED_STREAM: p->response = build_stream(handler, world, p->scope, step); return NULL;
    default: return fl__program_step(p, step);
    }
}

fl_error_t *fl__program_run_steps(fl_program_t *p, const fl_scripted_step_t *steps,
                                  size_t count) {
    assert(p != NULL && (steps != NULL || count == 0) && count <= FL_SCRIPTED_STEPS_MAX);
    size_t i = 0;
    for (; i < count && p->response == NULL; i++) {
        fl_error_t *error = run_step(p, &steps[i]);
        if (error != NULL) return error;
    }
    /* validate: a response step is the last, so a response ends the steps. */
    assert(p->response == NULL || i == count);
    return NULL;
}

static fl_error_t *handler_call(fl_asgi_app_t *self, fl_world_t *world,
                                const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                                fl_asgi_send_t send) {
    assert(self != NULL && self->call == handler_call && scope != NULL);
    scripted_handler_t *handler = (scripted_handler_t *)self;
    assert(handler->step_count <= FL_SCRIPTED_STEPS_MAX);
    FL__APP_LOG(scope, FL_SERVER_LOG_HANDLER, "%s", handler->name);
    fl_program_t program = {
        .handler = handler,
        .name = handler->name,
        .world = world,
        .scope = scope,
        .receive = receive,
        .send = send,
        .frame = fl__program_frame_create(world, handler->channels, handler->channel_count)};
    uint64_t call = handler->calls++;
    program.call = call + 1;
    fl_error_t *error = fl__program_run_steps(&program, handler->steps, handler->step_count);
    if (error == NULL && program.response == NULL && handler->response_count > 0) {
        size_t last = handler->response_count - 1;
        error = run_step(&program, &handler->responses[call < last ? call : last]);
        assert(error != NULL || program.response != NULL); /* a response step answers */
    }
    if (error != NULL || program.response == NULL) return error;
    return fl_asgi_call(program.response, world, scope, receive, send);
}

/* --- building -------------------------------------------------------------------- */

static bool invalid(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static bool invalid(char *error, size_t error_size, const char *format, ...) {
    assert(format != NULL);
    if (error != NULL && error_size > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(error, error_size, format, args);
        va_end(args);
    }
    return false;
}

static bool is_response_step(const fl_scripted_step_t *step) {
    assert(step != NULL);
    return step->kind == FL_SCRIPTED_RESPOND || step->kind == FL_SCRIPTED_STREAM;
}

static bool validate_stream(const fl_scripted_stream_t *stream, size_t index, char *error,
                            size_t error_size) {
    assert(stream != NULL && index < FL_SCRIPTED_STEPS_MAX); /* validate checked the count */
    if (stream->cleanup < FL_SCRIPTED_CLEANUP_NONE || stream->cleanup > FL_SCRIPTED_CLEANUP_SPAWNED)
        return invalid(error, error_size, "step %zu: unknown cleanup %d", index, (int)stream->cleanup);
    if (stream->variant != FL_STREAMING_TASK_GROUP && stream->variant != FL_STREAMING_SPEC_AWARE &&
        stream->variant != FL_STREAMING_NO_LISTENER)
        return invalid(error, error_size, "step %zu: unknown streaming variant %d", index,
                       (int)stream->variant);
    if (stream->interval_ns < 0 || stream->publish_ns < 0)
        return invalid(error, error_size, "step %zu: negative duration", index);
    if (stream->fail_at_chunk > stream->chunk_count)
        return invalid(error, error_size, "step %zu: fail_at_chunk %zu past %zu chunks", index,
                       stream->fail_at_chunk, stream->chunk_count);
    if (stream->fail_at_chunk > 0 && !fl_error_kind_is(stream->fail_kind, FL_ERR_EXCEPTION))
        return invalid(error, error_size, "step %zu: fail_kind is not an Exception", index);
    return true;
}

static bool validate_steps(const fl_scripted_step_t *steps, size_t count, int depth,
                           char *error, size_t error_size);

/* A step's blocks: as many as its kind has, in the order it runs them. */
/* Block b of step has the role its kind gives that place: a try's body,
 * excepts and a last finally; a task group's children and a last body (the
 * opener's); one child for spawn; one body for the rest. */
static bool block_fits(const fl_scripted_step_t *step, size_t b) {
    assert(step != NULL && b < step->block_count);
    fl_scripted_block_role_t role = step->blocks[b].role;
    bool last = b + 1 == step->block_count;
    switch (step->kind) {
    case FL_SCRIPTED_TRY:
        return b == 0 ? role == FL_BLOCK_BODY
                      : role == FL_BLOCK_EXCEPT || (role == FL_BLOCK_FINALLY && last);
    case FL_SCRIPTED_TASK_GROUP: return role == FL_BLOCK_CHILD || (role == FL_BLOCK_BODY && last);
    case FL_SCRIPTED_SPAWN: return b == 0 && role == FL_BLOCK_CHILD;
    case FL_SCRIPTED_MATCH:
        return (role == FL_BLOCK_CASE && step->blocks[b].value != NULL) ||
               (role == FL_BLOCK_DEFAULT && last);
    default: return b == 0 && role == FL_BLOCK_BODY;
    }
}

static bool validate_blocks(const fl_scripted_step_t *step, size_t index, int depth, char *error,
                            size_t error_size) {
    assert(step != NULL && fl__program_has_blocks(step->kind));
    if (step->block_count == 0 || step->block_count > FL_SCRIPTED_BLOCKS_MAX || step->blocks == NULL)
        return invalid(error, error_size, "step %zu: 1..%d blocks", index, FL_SCRIPTED_BLOCKS_MAX);
    if (depth >= FL_SCRIPTED_DEPTH_MAX)
        return invalid(error, error_size, "step %zu: blocks nested deeper than %d", index,
                       FL_SCRIPTED_DEPTH_MAX);
    for (size_t b = 0; b < step->block_count; b++) {
        const fl_scripted_block_t *block = &step->blocks[b];
        if (!block_fits(step, b))
            return invalid(error, error_size, "step %zu: block %zu out of place", index, b);
        for (size_t i = 0; i < block->step_count; i++)
            if (block->steps[i].kind == FL_SCRIPTED_RESPOND ||
                block->steps[i].kind == FL_SCRIPTED_STREAM)
                return invalid(error, error_size, "step %zu: a response step inside a block",
                               index);
        if (!validate_steps(block->steps, block->step_count, depth + 1, error, error_size))
            return false;
    }
    if (step->kind == FL_SCRIPTED_TRY && step->block_count < 2)
        return invalid(error, error_size, "step %zu: try needs an except or a finally", index);
    return true;
}

static bool validate_step(const fl_scripted_step_t *step, size_t index, int depth, char *error,
                          size_t error_size) {
    assert(step != NULL && index < FL_SCRIPTED_STEPS_MAX); /* validate checked the count */
    /* Refused here, so that running a step never meets a kind it lacks. */
    if (step->kind < FL_SCRIPTED_SLEEP || step->kind > FL_SCRIPTED_RELEASE)
        return invalid(error, error_size, "step %zu: unknown step kind %d", index, (int)step->kind);
    if (step->duration_ns < 0 || step->background_ns < 0)
        return invalid(error, error_size, "step %zu: negative duration", index);
    if (step->header_count > FL_RESPONSE_HEADERS_MAX)
        return invalid(error, error_size, "step %zu: too many headers", index);
    if (step->kind == FL_SCRIPTED_RAISE && !fl_error_kind_is(step->error_kind, FL_ERR_EXCEPTION))
        return invalid(error, error_size, "step %zu: error_kind is not an Exception", index);
    if (step->kind == FL_SCRIPTED_SEND && step->slot == NULL &&
        step->message != FL_ASGI_RESPONSE_START && step->message != FL_ASGI_RESPONSE_BODY)
        return invalid(error, error_size, "step %zu: send sends a response message", index);
    if (step->kind == FL_SCRIPTED_STREAM)
        return validate_stream(&step->stream, index, error, error_size);
    bool named = step->kind == FL_SCRIPTED_CHANNEL_SEND || step->kind == FL_SCRIPTED_CHANNEL_RECEIVE ||
                 step->kind == FL_SCRIPTED_CLOSE;
    bool sync = step->kind >= FL_SCRIPTED_EVENT_SET && step->kind <= FL_SCRIPTED_RELEASE;
    if (sync && step->channel == NULL)
        return invalid(error, error_size, "step %zu: names no event or semaphore", index);
    if (named && (step->channel == NULL || (step->kind != FL_SCRIPTED_CLOSE && step->slot == NULL)))
        return invalid(error, error_size, "step %zu: a channel step names a channel and a slot",
                       index);
    if (step->kind == FL_SCRIPTED_MATCH &&
        ((unsigned)step->match_on >= FL_MATCH_ON_COUNT ||
         (step->match_on == FL_MATCH_HEADER) != (step->match_header != NULL)))
        return invalid(error, error_size, "step %zu: a match on count, method or a header", index);
    if (step->kind == FL_SCRIPTED_WAIT_FOR && (unsigned)step->wait_for >= FL_WAIT_FOR_VERSION_COUNT)
        return invalid(error, error_size, "step %zu: unknown wait_for version %d", index,
                       (int)step->wait_for);
    if (fl__program_has_blocks(step->kind))
        return validate_blocks(step, index, depth, error, error_size);
    if (step->block_count != 0) return invalid(error, error_size, "step %zu: blocks", index);
    return true;
}

static bool validate_steps(const fl_scripted_step_t *steps, size_t count, int depth,
                           char *error, size_t error_size) {
    assert(steps != NULL || count == 0);
    if (count > FL_SCRIPTED_STEPS_MAX)
        return invalid(error, error_size, "%zu steps (at most %d)", count, FL_SCRIPTED_STEPS_MAX);
    for (size_t i = 0; i < count; i++) {
        if (!validate_step(&steps[i], i, depth, error, error_size)) return false;
        if (is_response_step(&steps[i]) && i + 1 < count)
            return invalid(error, error_size, "step %zu: steps after a response", i + 1);
    }
    return true;
}

static bool validate_channels(const fl_scripted_spec_t *spec, char *error, size_t error_size) {
    assert(spec != NULL);
    if (spec->channel_count > FL_SCRIPTED_CHANNELS_MAX ||
        (spec->channel_count > 0 && spec->channels == NULL))
        return invalid(error, error_size, "at most %d channels", FL_SCRIPTED_CHANNELS_MAX);
    for (size_t i = 0; i < spec->channel_count; i++)
        if (spec->channels[i].name == NULL || spec->channels[i].capacity > FL_CHANNEL_CAPACITY_MAX)
            return invalid(error, error_size, "channel %zu: a name and a capacity up to %zu", i,
                           (size_t)FL_CHANNEL_CAPACITY_MAX);
    return true;
}

static bool validate(const fl_scripted_spec_t *spec, char *error, size_t error_size) {
    assert(spec != NULL && (spec->steps != NULL || spec->step_count == 0));
    if (!validate_channels(spec, error, error_size)) return false;
    if (!validate_steps(spec->steps, spec->step_count, 0, error, error_size)) return false;
    if (spec->response_count == 0) return true;
    if (spec->response_count > FL_SCRIPTED_STEPS_MAX || spec->responses == NULL)
        return invalid(error, error_size, "1..%d responses in turn", FL_SCRIPTED_STEPS_MAX);
    if (spec->step_count > 0 && is_response_step(&spec->steps[spec->step_count - 1]))
        return invalid(error, error_size, "steps that respond, and responses in turn");
    for (size_t i = 0; i < spec->response_count; i++) {
        if (!is_response_step(&spec->responses[i]))
            return invalid(error, error_size, "response %zu: not a response step", i);
        if (!validate_step(&spec->responses[i], i, 0, error, error_size)) return false;
    }
    return true;
}

static fl_asgi_header_t *copy_headers(fl_arena_t *arena, const fl_asgi_header_t *headers,
                                      size_t count) {
    assert(arena != NULL && count <= FL_RESPONSE_HEADERS_MAX); /* validate_step */
    if (count == 0) return NULL;
    assert(headers != NULL);
    fl_asgi_header_t *copy = fl_arena_alloc(arena, count * sizeof *copy);
    for (size_t i = 0; i < count; i++)
        copy[i] = (fl_asgi_header_t){fl_arena_strdup(arena, headers[i].name),
                                     fl_arena_strdup(arena, headers[i].value)};
    return copy;
}

static fl_scripted_step_t *copy_steps(fl_arena_t *arena, const fl_scripted_step_t *steps,
                                      size_t count);

static const fl_scripted_block_t *copy_blocks(fl_arena_t *arena, const fl_scripted_block_t *blocks,
                                              size_t count) {
    assert(arena != NULL && count <= FL_SCRIPTED_BLOCKS_MAX); /* validate_blocks */
    if (count == 0) return NULL;
    fl_scripted_block_t *copy = fl_arena_alloc(arena, count * sizeof *copy);
    for (size_t b = 0; b < count; b++) {
        copy[b] = blocks[b];
        copy[b].name = fl_arena_strdup(arena, blocks[b].name);
        copy[b].value = fl_arena_strdup(arena, blocks[b].value);
        copy[b].steps = copy_steps(arena, blocks[b].steps, blocks[b].step_count);
    }
    return copy;
}

static void copy_step(fl_arena_t *arena, fl_scripted_step_t *copy, const fl_scripted_step_t *step) {
    assert(arena != NULL && copy != NULL && step != NULL && copy != step);
    *copy = *step;
    copy->error_message = fl_arena_strdup(arena, step->error_message);
    copy->headers = copy_headers(arena, step->headers, step->header_count);
    copy->media_type = fl_arena_strdup(arena, step->media_type);
    copy->body = fl_arena_strdup(arena, step->body);
    copy->background_name = fl_arena_strdup(arena, step->background_name);
    copy->stream.chunk_text = fl_arena_strdup(arena, step->stream.chunk_text);
    copy->stream.fail_message = fl_arena_strdup(arena, step->stream.fail_message);
    copy->text = fl_arena_strdup(arena, step->text);
    copy->channel = fl_arena_strdup(arena, step->channel);
    copy->slot = fl_arena_strdup(arena, step->slot);
    copy->body_from = fl_arena_strdup(arena, step->body_from);
    copy->match_header = fl_arena_strdup(arena, step->match_header);
    copy->blocks = copy_blocks(arena, step->blocks, step->block_count);
    /* The copy owns its strings: none still points into the caller's spec. */
    assert(copy->headers == NULL || copy->headers != step->headers);
    assert(copy->body == NULL || copy->body != step->body);
}

static fl_scripted_step_t *copy_steps(fl_arena_t *arena, const fl_scripted_step_t *steps,
                                      size_t count) {
    assert(arena != NULL && (steps != NULL || count == 0) && count <= FL_SCRIPTED_STEPS_MAX);
    fl_scripted_step_t *copy = fl_arena_alloc(arena, (count + 1) * sizeof *copy);
    for (size_t i = 0; i < count; i++) copy_step(arena, &copy[i], &steps[i]);
    return copy;
}

static const fl_scripted_channel_t *copy_channels(fl_arena_t *arena,
                                                 const fl_scripted_channel_t *channels,
                                                 size_t count) {
    assert(arena != NULL && count <= FL_SCRIPTED_CHANNELS_MAX); /* validate_channels */
    if (count == 0) return NULL;
    fl_scripted_channel_t *copy = fl_arena_alloc(arena, count * sizeof *copy);
    for (size_t i = 0; i < count; i++)
        copy[i] = (fl_scripted_channel_t){fl_arena_strdup(arena, channels[i].name),
                                          channels[i].capacity, channels[i].kind};
    return copy;
}

/* A step list with no response step anywhere (a middleware program). */
static bool responds_nowhere(const fl_scripted_step_t *steps, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (is_response_step(&steps[i])) return false;
    return true;
}

fl_asgi_app_t *fl_program_middleware_create(fl_world_t *world, fl_asgi_app_t *app,
                                            const fl_scripted_spec_t *spec, char *error,
                                            size_t error_size) {
    assert(world != NULL && app != NULL && spec != NULL);
    if (!validate(spec, error, error_size)) return NULL;
    if (spec->response_count > 0 || !responds_nowhere(spec->steps, spec->step_count))
        return invalid(error, error_size, "a middleware program does not respond itself: "
                                          "call_app calls the app that does"),
               NULL;
    fl_arena_t *arena = fl_world_arena(world);
    const char *name = fl_arena_strdup(arena, spec->name != NULL ? spec->name : "program");
    return fl__program_middleware_new(world, app, name,
                                      copy_steps(arena, spec->steps, spec->step_count),
                                      spec->step_count,
                                      copy_channels(arena, spec->channels, spec->channel_count),
                                      spec->channel_count);
}

fl_asgi_app_t *fl_scripted_handler_create(fl_world_t *world, const fl_scripted_spec_t *spec,
                                          char *error, size_t error_size) {
    assert(spec != NULL && (spec->steps != NULL || spec->step_count == 0));
    if (!validate(spec, error, error_size)) return NULL;
    fl_arena_t *arena = fl_world_arena(world);
    scripted_handler_t *handler = fl_arena_zalloc(arena, sizeof *handler);
    handler->name = fl_arena_strdup(arena, spec->name != NULL ? spec->name : "scripted");
    handler->app = (fl_asgi_app_t){.name = handler->name, .call = handler_call};
    handler->steps = copy_steps(arena, spec->steps, spec->step_count);
    handler->responses = copy_steps(arena, spec->responses, spec->response_count);
    handler->response_count = spec->response_count;
    handler->channels = copy_channels(arena, spec->channels, spec->channel_count);
    handler->channel_count = spec->channel_count;
    handler->step_count = spec->step_count;
    assert(handler->step_count <= FL_SCRIPTED_STEPS_MAX);
    return &handler->app;
}

const char *fl_scripted_cleanup_name(fl_scripted_cleanup_t cleanup) {
    switch (cleanup) {
    case FL_SCRIPTED_CLEANUP_NONE: return "none";
    case FL_SCRIPTED_CLEANUP_PLAIN: return "plain";
    case FL_SCRIPTED_CLEANUP_SHIELDED: return "shielded";
    case FL_SCRIPTED_CLEANUP_SPAWNED: return "spawned";
    }
    return "unknown";
}

bool fl_scripted_cleanup_from_name(const char *name, fl_scripted_cleanup_t *cleanup_out) {
    assert(name != NULL && cleanup_out != NULL);
    for (int i = FL_SCRIPTED_CLEANUP_NONE; i <= FL_SCRIPTED_CLEANUP_SPAWNED; i++) {
        if (strcmp(name, fl_scripted_cleanup_name((fl_scripted_cleanup_t)i)) != 0) continue;
        *cleanup_out = (fl_scripted_cleanup_t)i;
        return true;
    }
    return false;
}
