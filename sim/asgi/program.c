/* Program steps: see program.h. */
#include "sim/asgi/program.h"

#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "sim/asgi/apps_internal.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/runtime.h"
#include "sim/runtime/event.h"

enum { RECEIVES_MAX = 1 << 20, REPEATS_MAX = 1 << 20 };

bool fl__program_is_step(fl_scripted_step_kind_t kind) {
    assert((unsigned)kind <= FL_SCRIPTED_RELEASE); /* validate_step refuses other kinds */
    return kind >= FL_SCRIPTED_CHECKPOINT && kind <= FL_SCRIPTED_RELEASE;
}

bool fl__program_has_blocks(fl_scripted_step_kind_t kind) {
    assert((unsigned)kind <= FL_SCRIPTED_RELEASE); /* validate_step refuses other kinds */
    return (kind >= FL_SCRIPTED_SHIELD && kind <= FL_SCRIPTED_TASK_GROUP) ||
           kind == FL_SCRIPTED_SPAWN || kind == FL_SCRIPTED_REPEAT ||
           kind == FL_SCRIPTED_WAIT_FOR || kind == FL_SCRIPTED_MATCH;
}

static fl_error_t *runtime_error(fl_program_t *p, const char *what, const char *name) {
    assert(p != NULL && p->world != NULL && p->name != NULL);
    assert(what != NULL && name != NULL);
    return fl_error_new(fl_world_arena(p->world), FL_ERR_RUNTIME_ERROR, "%s: %s '%s'", p->name,
                        what, name);
}

/* --- a call's frame: its channels and kept messages ------------------------------ */

fl_program_frame_t *fl__program_frame_create(fl_world_t *world, const fl_scripted_channel_t *specs,
                                             size_t count) {
    assert(world != NULL && (specs != NULL || count == 0) && count <= FL_SCRIPTED_CHANNELS_MAX);
    fl_program_frame_t *frame = fl_arena_zalloc(fl_world_arena(world), sizeof *frame);
    frame->specs = specs;
    frame->channel_count = count;
    for (size_t i = 0; i < count; i++) {
        const fl_scripted_channel_t *spec = &specs[i];
        assert(spec->name != NULL); /* validate_channels refuses a nameless one */
        if (spec->kind == FL_OBJECT_EVENT)
            frame->channels[i] = fl_event_create(world, spec->name);
        else if (spec->kind == FL_OBJECT_SEMAPHORE)
            frame->channels[i] = fl_semaphore_create(world, spec->capacity, spec->name);
        else
            frame->channels[i] = fl_channel_create(world, spec->capacity, spec->name);
        assert(frame->channels[i] != NULL); /* the capacity was validated */
    }
    return frame;
}

static void *find_object(const fl_program_t *p, const char *name, fl_scripted_object_kind_t kind) {
    assert(p != NULL && p->frame != NULL && name != NULL);
    assert(p->frame->channel_count <= FL_SCRIPTED_CHANNELS_MAX);
    for (size_t i = 0; i < p->frame->channel_count; i++)
        if (p->frame->specs[i].kind == kind && strcmp(p->frame->specs[i].name, name) == 0) {
            assert(p->frame->channels[i] != NULL); /* fl__program_frame_create made each */
            return p->frame->channels[i];
        }
    return NULL;
}

static fl_channel_t *find_channel(const fl_program_t *p, const char *name) {
    return find_object(p, name, FL_OBJECT_CHANNEL);
}

/* set and wait of an event, acquire and release of a semaphore. */
static fl_error_t *sync_step(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && step != NULL && step->channel != NULL);
    assert(step->kind >= FL_SCRIPTED_EVENT_SET && step->kind <= FL_SCRIPTED_RELEASE);
    bool event = step->kind == FL_SCRIPTED_EVENT_SET || step->kind == FL_SCRIPTED_EVENT_WAIT;
    void *object = find_object(p, step->channel, event ? FL_OBJECT_EVENT : FL_OBJECT_SEMAPHORE);
    if (object == NULL)
        return runtime_error(p, event ? "no event named" : "no semaphore named", step->channel);
    fl_arena_t *arena = fl_world_arena(p->world);
    switch (step->kind) {
    case FL_SCRIPTED_EVENT_SET: fl_event_set(p->world, object); return NULL;
    case FL_SCRIPTED_EVENT_WAIT:
        return fl_error_from_status(arena, fl_event_wait(p->world, object), step->channel);
    case FL_SCRIPTED_ACQUIRE:
        return fl_error_from_status(arena, fl_semaphore_acquire(p->world, object, FL_TIME_NEVER),
                                    step->channel);
    case FL_SCRIPTED_RELEASE: fl_semaphore_release(p->world, object); return NULL;
    default: break;
    }
    FL_UNREACHABLE();
}

static const fl_asgi_message_t *kept(const fl_program_t *p, const char *slot) {
    assert(p != NULL && p->frame != NULL && slot != NULL);
    assert(p->frame->slot_count <= FL_SCRIPTED_SLOTS_MAX);
    for (size_t i = 0; i < p->frame->slot_count; i++)
        if (strcmp(p->frame->slot_names[i], slot) == 0) {
            assert(p->frame->slots[i] != NULL); /* keep keeps a message, never NULL */
            return p->frame->slots[i];
        }
    return NULL;
}

static fl_error_t *keep(fl_program_t *p, const char *slot, fl_asgi_message_t *message) {
    assert(p != NULL && slot != NULL && message != NULL);
    fl_program_frame_t *frame = p->frame;
    assert(frame != NULL && frame->slot_count <= FL_SCRIPTED_SLOTS_MAX);
    for (size_t i = 0; i < frame->slot_count; i++)
        if (strcmp(frame->slot_names[i], slot) == 0) {
            frame->slots[i] = message;
            return NULL;
        }
    if (frame->slot_count == FL_SCRIPTED_SLOTS_MAX)
        return runtime_error(p, "too many kept messages, at", slot);
    frame->slot_names[frame->slot_count] = slot;
    frame->slots[frame->slot_count++] = message;
    return NULL;
}

static fl_error_t *run_block(fl_program_t *p, const fl_scripted_block_t *block);
static fl_error_t *wait_for(fl_program_t *p, const fl_scripted_step_t *step);
static fl_error_t *match(fl_program_t *p, const fl_scripted_step_t *step);

/* --- one await each ------------------------------------------------------------- */

/* await send(message): a kept message as it is, a start with its status
 * and headers, or a body (its own text, or a kept message's body). */
static fl_error_t *send_message(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && step != NULL && step->kind == FL_SCRIPTED_SEND);
    assert(step->header_count <= FL_RESPONSE_HEADERS_MAX); /* validate_step refuses more */
    const char *slot = step->slot != NULL ? step->slot : step->body_from;
    const fl_asgi_message_t *from = slot != NULL ? kept(p, slot) : NULL;
    if (slot != NULL && from == NULL) return runtime_error(p, "no message kept as", slot);
    if (step->slot != NULL) return fl_asgi_send(p->world, p->send, from);
    assert(step->message == FL_ASGI_RESPONSE_START || step->message == FL_ASGI_RESPONSE_BODY);
    fl_asgi_message_t message;
    if (step->message == FL_ASGI_RESPONSE_START)
        message =
            fl_asgi_start(step->status ? step->status : 200, step->headers, step->header_count);
    else if (from != NULL)
        message = fl_asgi_body(from->body, from->body_length, step->more_body);
    else
        message = fl_asgi_body(step->body ? step->body : "", step->body ? strlen(step->body) : 0,
                               step->more_body);
    return fl_asgi_send(p->world, p->send, &message);
}

/* await receive(); with until_disconnect, again until http.disconnect. */
static fl_error_t *receive_messages(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && p->frame != NULL && step != NULL);
    assert(step->kind == FL_SCRIPTED_RECEIVE);
    for (size_t i = 0; i < RECEIVES_MAX; i++) {
        fl_asgi_message_t message;
        memset(&message, 0, sizeof message);
        fl_error_t *error = fl_asgi_receive(p->world, p->receive, &message);
        if (error != NULL) return error;
        if (step->until_disconnect && message.type != FL_ASGI_HTTP_DISCONNECT) continue;
        if (step->slot == NULL) return NULL;
        return keep(p, step->slot, fl_asgi_message_copy(fl_world_arena(p->world), &message));
    }
    return runtime_error(p, "receive", "too many messages");
}

/* --- channels ------------------------------------------------------------------ */

static fl_error_t *channel_step(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && step != NULL && step->channel != NULL);
    assert(step->kind >= FL_SCRIPTED_CHANNEL_SEND && step->kind <= FL_SCRIPTED_CLOSE);
    fl_channel_t *channel = find_channel(p, step->channel);
    if (channel == NULL) return runtime_error(p, "no channel named", step->channel);
    fl_arena_t *arena = fl_world_arena(p->world);
    if (step->kind == FL_SCRIPTED_CLOSE) {
        if (step->close_receive)
            fl_channel_close_receive(p->world, channel);
        else
            fl_channel_close_send(p->world, channel);
        return NULL;
    }
    assert(step->slot != NULL);
    if (step->kind == FL_SCRIPTED_CHANNEL_SEND) {
        const fl_asgi_message_t *message = kept(p, step->slot);
        if (message == NULL) return runtime_error(p, "no message kept as", step->slot);
        int status = fl_channel_send(p->world, channel, fl_asgi_message_copy(arena, message));
        return fl_error_from_status(arena, status, step->channel);
    }
    assert(step->kind == FL_SCRIPTED_CHANNEL_RECEIVE);
    void *item = NULL;
    int status = fl_channel_receive(p->world, channel, &item);
    if (status != FL_OK) return fl_error_from_status(arena, status, step->channel);
    assert(item != NULL);
    return keep(p, step->slot, item);
}

/* call_app's send into a channel: the stream carries a copy, as
 * send_stream.send does; shield_start sends the start shielded (#1710). */
typedef struct channel_send {
    fl_channel_t *channel;
    bool shield_start;
} channel_send_t;

static fl_error_t *send_into_channel(void *context, fl_world_t *world,
                                     const fl_asgi_message_t *message) {
    channel_send_t *into = context;
    assert(into != NULL && into->channel != NULL && message != NULL);
    assert(world != NULL);
    fl_arena_t *arena = fl_world_arena(world);
    fl_cancel_scope_t shield;
    bool shielded = into->shield_start && message->type == FL_ASGI_RESPONSE_START;
    if (shielded) fl_scope_enter(world, &shield, FL_TIME_NEVER, FL_SCOPE_SHIELD);
    int status = fl_channel_send(world, into->channel, fl_asgi_message_copy(arena, message));
    fl_error_t *error = fl_error_from_status(arena, status, "send_stream.send");
    return shielded ? fl_scope_exit_error(world, &shield, error) : error;
}

/* await app(scope, receive, send): the inner app, sending to the program's
 * send or into a channel. */
static fl_error_t *call_app(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && p->scope != NULL && step != NULL);
    assert(step->kind == FL_SCRIPTED_CALL_APP);
    if (p->inner == NULL) return runtime_error(p, "outside a middleware", "call_app");
    fl_asgi_send_t send = p->send;
    if (step->channel != NULL) {
        channel_send_t *into = fl_arena_zalloc(fl_world_arena(p->world), sizeof *into);
        into->channel = find_channel(p, step->channel);
        if (into->channel == NULL) return runtime_error(p, "no channel named", step->channel);
        into->shield_start = step->shield_start;
        send = (fl_asgi_send_t){.call = send_into_channel, .context = into};
    }
    return fl_asgi_call(p->inner, p->world, p->scope, p->receive, send);
}

/* --- blocks ------------------------------------------------------------------------- */

static fl_error_t *run_block(fl_program_t *p, const fl_scripted_block_t *block) {
    assert(p != NULL && block != NULL && (block->steps != NULL || block->step_count == 0));
    assert(block->step_count <= FL_SCRIPTED_STEPS_MAX); /* validate_steps refuses more */
    fl_error_t *error = fl__program_run_steps(p, block->steps, block->step_count);
    assert(p->response == NULL); /* a response step stands at the top level only */
    return error;
}

/* shield, move_on_after, fail_after: the body inside a cancel scope. */
static fl_error_t *scoped(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && step != NULL && step->duration_ns >= 0);
    assert(step->kind >= FL_SCRIPTED_SHIELD && step->kind <= FL_SCRIPTED_FAIL_AFTER);
    assert(step->block_count == 1 && step->blocks[0].role == FL_BLOCK_BODY);
    fl_cancel_scope_t scope;
    if (step->kind == FL_SCRIPTED_SHIELD)
        fl_scope_enter(p->world, &scope, FL_TIME_NEVER, FL_SCOPE_SHIELD);
    else if (step->kind == FL_SCRIPTED_MOVE_ON_AFTER)
        fl_scope_enter_move_on_after(p->world, &scope, step->duration_ns);
    else
        fl_scope_enter_fail_after(p->world, &scope, step->duration_ns);
    fl_error_t *error = run_block(p, &step->blocks[0]);
    return fl_scope_exit_error(p->world, &scope, error);
}

/* try: the body; the first except whose kind the error is handles it (its
 * own error, if any, is the new one); finally runs however it ended, and an
 * error of its own replaces the one in flight, as in Python. */
static fl_error_t *try_block(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && step != NULL && step->kind == FL_SCRIPTED_TRY);
    assert(step->block_count >= 2 && step->blocks[0].role == FL_BLOCK_BODY);
    fl_error_t *error = run_block(p, &step->blocks[0]);
    const fl_scripted_block_t *final = NULL;
    bool handled = false;
    for (size_t i = 1; i < step->block_count; i++) {
        const fl_scripted_block_t *block = &step->blocks[i];
        assert(block->role == FL_BLOCK_EXCEPT || block->role == FL_BLOCK_FINALLY);
        if (block->role == FL_BLOCK_FINALLY) {
            assert(i + 1 == step->block_count); /* the loader puts it last */
            final = block;
        } else if (!handled && error != NULL && fl_error_is(error, block->error)) {
            handled = true;
            error = run_block(p, block);
        }
    }
    if (final == NULL) return error;
    fl_error_t *final_error = run_block(p, final);
    return final_error != NULL ? final_error : error;
}

/* repeat: the body times times, or until it raises the kind (which ends
 * the loop quietly, as `async for` ends at EndOfStream). */
static fl_error_t *repeat(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && step != NULL && step->kind == FL_SCRIPTED_REPEAT);
    assert(step->block_count == 1 && step->blocks[0].role == FL_BLOCK_BODY);
    for (uint32_t i = 0; i < REPEATS_MAX && (step->times == 0 || i < step->times); i++) {
        fl_error_t *error = run_block(p, &step->blocks[0]);
        if (error == NULL) continue;
        return step->times == 0 && fl_error_is(error, step->error_kind) ? NULL : error;
    }
    return step->times == 0 ? runtime_error(p, "repeat", "no end after a million rounds") : NULL;
}

/* --- task groups --------------------------------------------------------------- */

typedef struct child {
    fl_program_t program;
    const fl_scripted_block_t *block;
    bool cancel_group_when_done;
} child_t;

static fl_error_t *child_main(fl_world_t *world, void *arg) {
    child_t *child = arg;
    assert(child != NULL && child->program.world == world && child->block->role == FL_BLOCK_CHILD);
    assert(child->program.group != NULL && child->program.response == NULL);
    fl_error_t *error = run_block(&child->program, child->block);
    if (child->cancel_group_when_done)
        fl_scope_cancel(world, fl_taskgroup_scope(child->program.group));
    return error;
}

/* tg.start_soon(block): a child of the program's innermost group, running
 * a copy of the program that shares its frame. */
static void spawn_child(fl_program_t *p, const fl_scripted_block_t *block, size_t index,
                        bool cancel_group_when_done) {
    assert(p != NULL && p->group != NULL && block != NULL && block->role == FL_BLOCK_CHILD);
    assert(p->frame != NULL && block->step_count <= FL_SCRIPTED_STEPS_MAX);
    fl_arena_t *arena = fl_world_arena(p->world);
    child_t *child = fl_arena_zalloc(arena, sizeof *child);
    *child =
        (child_t){.program = *p, .block = block, .cancel_group_when_done = cancel_group_when_done};
    child->program.response = NULL;
    const char *name = block->name;
    if (name == NULL) name = fl_arena_printf(arena, "%s child %zu", p->name, index);
    fl_task_t *task = fl_taskgroup_spawn(p->group, name, child_main, child);
    assert(task != NULL); /* the group is open while its opener runs */
}

/* async with create_task_group() as tg: each child block is started with
 * tg.start_soon, then the opener runs the body block, if any, with the
 * group as the one spawn and cancel_group mean; the group's errors come
 * back as a GroupError. */
static fl_error_t *task_group(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && step != NULL && step->kind == FL_SCRIPTED_TASK_GROUP);
    assert(step->block_count >= 1 && step->block_count <= FL_SCRIPTED_BLOCKS_MAX);
    fl_program_t opener = *p;
    opener.group = fl_taskgroup_open(p->world, p->name);
    assert(opener.group != NULL);
    const fl_scripted_block_t *body = NULL;
    for (size_t i = 0; i < step->block_count; i++) {
        /* children, then at most one body, last (block_fits) */
        assert(body == NULL &&
               (step->blocks[i].role == FL_BLOCK_CHILD ||
                (step->blocks[i].role == FL_BLOCK_BODY && i + 1 == step->block_count)));
        if (step->blocks[i].role == FL_BLOCK_BODY)
            body = &step->blocks[i];
        else
            spawn_child(&opener, &step->blocks[i], i + 1, step->cancel_on_first_done);
    }
    fl_error_t *error = body != NULL ? run_block(&opener, body) : NULL;
    error = fl_taskgroup_close(opener.group, error);
    return step->lone_error_bare ? fl_error_collapse(error) : error;
}

static fl_error_t *group_step(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && step != NULL);
    assert(step->kind == FL_SCRIPTED_SPAWN || step->kind == FL_SCRIPTED_CANCEL_GROUP);
    bool spawn = step->kind == FL_SCRIPTED_SPAWN;
    if (p->group == NULL)
        return runtime_error(p, "outside a task group", spawn ? "spawn" : "cancel_group");
    if (!spawn) {
        fl_scope_cancel(p->world, fl_taskgroup_scope(p->group));
        return NULL;
    }
    assert(step->block_count == 1);
    spawn_child(p, &step->blocks[0], 1, false);
    return NULL;
}

fl_error_t *fl__program_step(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && p->world != NULL && p->scope != NULL && step != NULL);
    assert(fl__program_is_step(step->kind) && p->frame != NULL);
    assert(fl__program_has_blocks(step->kind) == (step->block_count > 0));
    fl_arena_t *arena = fl_world_arena(p->world);
    switch (step->kind) {
    case FL_SCRIPTED_CHECKPOINT:
        return fl_error_from_status(arena, fl_checkpoint(p->world), p->name);
    case FL_SCRIPTED_LOG_IF_CANCELLED: /* a probe: it logs only what sees a cancellation */
        if (!fl_task_cancel_pending(fl_current_task(p->world))) return NULL;
        FL__APP_LOG(p->scope, FL_SERVER_LOG_PROGRAM, "%s", step->text ? step->text : "");
        return NULL;
    case FL_SCRIPTED_LOG:
        FL__APP_LOG(p->scope, FL_SERVER_LOG_PROGRAM, "%s", step->text ? step->text : "");
        return NULL;
    case FL_SCRIPTED_SEND: return send_message(p, step);
    case FL_SCRIPTED_RECEIVE: return receive_messages(p, step);
    case FL_SCRIPTED_SHIELD:
    case FL_SCRIPTED_MOVE_ON_AFTER:
    case FL_SCRIPTED_FAIL_AFTER: return scoped(p, step);
    case FL_SCRIPTED_TRY: return try_block(p, step);
    case FL_SCRIPTED_TASK_GROUP: return task_group(p, step);
    case FL_SCRIPTED_SPAWN:
    case FL_SCRIPTED_CANCEL_GROUP: return group_step(p, step);
    case FL_SCRIPTED_REPEAT: return repeat(p, step);
    case FL_SCRIPTED_CHANNEL_SEND:
    case FL_SCRIPTED_CHANNEL_RECEIVE:
    case FL_SCRIPTED_CLOSE: return channel_step(p, step);
    case FL_SCRIPTED_CALL_APP: return call_app(p, step);
    case FL_SCRIPTED_WAIT_FOR: return wait_for(p, step);
    case FL_SCRIPTED_MATCH: return match(p, step);
    case FL_SCRIPTED_EVENT_SET:
    case FL_SCRIPTED_EVENT_WAIT:
    case FL_SCRIPTED_ACQUIRE:
    case FL_SCRIPTED_RELEASE: return sync_step(p, step);
    default: break;
    }
    FL_UNREACHABLE(); /* the handler's own kinds run in scripted.c */
}

/* --- asyncio.wait_for ------------------------------------------------------------ */

typedef struct wait_for_version_row {
    const char *name;
    fl_wait_for_version_t version;
    bool cancellation_wins; /* a cancellation pending when the inner ends is raised */
} wait_for_version_row_t;

static const wait_for_version_row_t WAIT_FOR_VERSIONS[FL_WAIT_FOR_VERSION_COUNT] = {
    {"3.11", FL_WAIT_FOR_3_11, false},
    {"3.12", FL_WAIT_FOR_3_12, true},
};

const char *fl_wait_for_version_name(fl_wait_for_version_t version) {
    if ((unsigned)version >= FL_WAIT_FOR_VERSION_COUNT) return "unknown";
    assert(WAIT_FOR_VERSIONS[version].version == version);
    return WAIT_FOR_VERSIONS[version].name;
}

typedef struct waited {
    fl_program_t program;
    const fl_scripted_block_t *block;
    fl_event_t *done;
    fl_error_t *error; /* the inner operation's: wait_for raises it */
} waited_t;

static fl_error_t *waited_main(fl_world_t *world, void *arg) {
    waited_t *w = arg;
    assert(w != NULL && w->program.world == world && w->block != NULL);
    assert(w->done != NULL && w->error == NULL && w->program.response == NULL);
    w->error = run_block(&w->program, w->block);
    fl_event_set(world, w->done);
    return NULL; /* the waiter raises the inner error, not the group */
}

/* await asyncio.wait_for(inner, timeout): the inner operation runs as a
 * task of its own while this one waits for it, at most duration_ns
 * (DeadlineExceeded after; 0: no limit). When this task's cancellation and
 * the inner's completion land in the same step, the first wake wins the
 * wait; the version then decides: 3.11 returns the result (the bug), 3.12
 * raises the cancellation. */
static fl_error_t *wait_for(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(step->block_count == 1 && (unsigned)step->wait_for < FL_WAIT_FOR_VERSION_COUNT);
    fl_world_t *world = p->world;
    fl_arena_t *arena = fl_world_arena(world);
    fl_taskgroup_t *group = fl_taskgroup_open(world, "wait_for");
    waited_t *w = fl_arena_zalloc(arena, sizeof *w);
    *w = (waited_t){
        .program = *p, .block = &step->blocks[0], .done = fl_event_create(world, "wait_for done")};
    w->program.response = NULL;
    fl_task_t *task =
        fl_taskgroup_spawn(group, fl_arena_printf(arena, "%s wait_for", p->name), waited_main, w);
    assert(task != NULL);
    fl_cancel_scope_t timeout;
    if (step->duration_ns > 0) fl_scope_enter_fail_after(world, &timeout, step->duration_ns);
    fl_error_t *error = fl_error_from_status(arena, fl_event_wait(world, w->done), "wait_for");
    if (step->duration_ns > 0) error = fl_scope_exit_error(world, &timeout, error);
    if (error == NULL && WAIT_FOR_VERSIONS[step->wait_for].cancellation_wins &&
        fl_task_cancel_pending(fl_current_task(world)))
        error = fl_error_new(arena, FL_ERR_CANCELLED, "wait_for: cancelled as its operation ended");
    if (error != NULL) fl_scope_cancel(world, fl_taskgroup_scope(group)); /* the inner goes too */
    fl_error_t *closed = fl_taskgroup_close(group, NULL);
    assert(closed == NULL || error != NULL || fl_error_is_cancelled(closed));
    return error != NULL ? error : closed != NULL ? closed : w->error;
}

/* --- match -------------------------------------------------------------------------- */

const char *fl_scripted_match_on_name(fl_scripted_match_on_t on) {
    static const char *const names[FL_MATCH_ON_COUNT] = {"count", "method", "header"};
    return (unsigned)on < FL_MATCH_ON_COUNT ? names[on] : "unknown";
}

/* The request's value the match looks at; NULL for a header it lacks. */
static const char *match_value(const fl_program_t *p, const fl_scripted_step_t *step, char *buffer,
                               size_t size) {
    assert(p != NULL && step != NULL && buffer != NULL && size >= 24);
    switch (step->match_on) {
    case FL_MATCH_COUNT: snprintf(buffer, size, "%" PRIu64, p->call); return buffer;
    case FL_MATCH_METHOD: return p->scope->method;
    case FL_MATCH_HEADER:
        assert(step->match_header != NULL);
        for (size_t i = 0; i < p->scope->header_count; i++)
            if (strcasecmp(p->scope->headers[i].name, step->match_header) == 0)
                return p->scope->headers[i].value;
        return NULL;
    default: break;
    }
    FL_UNREACHABLE(); /* validation refuses other values */
}

static fl_error_t *match(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && step != NULL && step->kind == FL_SCRIPTED_MATCH);
    assert(step->block_count >= 1 && step->block_count <= FL_SCRIPTED_BLOCKS_MAX);
    char buffer[32];
    const char *value = match_value(p, step, buffer, sizeof buffer);
    const fl_scripted_block_t *chosen = NULL;
    for (size_t i = 0; i < step->block_count && chosen == NULL; i++) {
        const fl_scripted_block_t *block = &step->blocks[i];
        /* cases with their values, then at most one default, last (block_fits) */
        assert((block->role == FL_BLOCK_CASE && block->value != NULL) ||
               (block->role == FL_BLOCK_DEFAULT && i + 1 == step->block_count));
        if (block->role == FL_BLOCK_DEFAULT ||
            (value != NULL && block->value != NULL && strcmp(block->value, value) == 0))
            chosen = block;
    }
    return chosen != NULL ? run_block(p, chosen) : NULL;
}

/* --- a middleware written as a program ---------------------------------------- */

typedef struct program_middleware {
    fl_asgi_app_t app;
    fl_asgi_app_t *inner;
    const char *name;
    const fl_scripted_step_t *steps;
    size_t step_count;
    const fl_scripted_channel_t *channels;
    size_t channel_count;
} program_middleware_t;

static fl_error_t *program_middleware_call(fl_asgi_app_t *self, fl_world_t *world,
                                           const fl_asgi_scope_t *scope, fl_asgi_receive_t receive,
                                           fl_asgi_send_t send) {
    assert(self != NULL && self->call == program_middleware_call && scope != NULL);
    program_middleware_t *m = (program_middleware_t *)self;
    assert(m->inner != NULL && m->step_count <= FL_SCRIPTED_STEPS_MAX);
    fl_program_t program = {
        .name = m->name,
        .world = world,
        .scope = scope,
        .receive = receive,
        .send = send,
        .frame = fl__program_frame_create(world, m->channels, m->channel_count),
        .inner = m->inner,
    };
    fl_error_t *error = fl__program_run_steps(&program, m->steps, m->step_count);
    assert(program.response == NULL); /* validation refused response steps */
    return error;
}

fl_asgi_app_t *fl__program_middleware_new(fl_world_t *world, fl_asgi_app_t *app, const char *name,
                                          const fl_scripted_step_t *steps, size_t step_count,
                                          const fl_scripted_channel_t *channels,
                                          size_t channel_count) {
    assert(world != NULL && app != NULL && name != NULL);
    assert((steps != NULL || step_count == 0) && step_count <= FL_SCRIPTED_STEPS_MAX);
    assert((channels != NULL || channel_count == 0) && channel_count <= FL_SCRIPTED_CHANNELS_MAX);
    program_middleware_t *m = fl_arena_zalloc(fl_world_arena(world), sizeof *m);
    *m = (program_middleware_t){.app = {.name = name, .call = program_middleware_call},
                                .inner = app,
                                .name = name,
                                .steps = steps,
                                .step_count = step_count,
                                .channels = channels,
                                .channel_count = channel_count};
    return &m->app;
}
