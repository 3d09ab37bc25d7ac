/* Program steps: see program.h. */
#include "sim/asgi/program.h"

#include <assert.h>
#include <string.h>

#include "sim/asgi/apps_internal.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/runtime.h"

enum { RECEIVES_MAX = 1 << 20 };

bool fl__program_is_step(fl_scripted_step_kind_t kind) {
    return kind >= FL_SCRIPTED_CHECKPOINT && kind <= FL_SCRIPTED_TASK_GROUP;
}

bool fl__program_has_blocks(fl_scripted_step_kind_t kind) {
    return kind >= FL_SCRIPTED_SHIELD && kind <= FL_SCRIPTED_TASK_GROUP;
}

/* --- one await each ------------------------------------------------------------- */

/* await send(message): a start with its status and headers, or a body. */
static fl_error_t *send_message(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(step->kind == FL_SCRIPTED_SEND);
    assert(step->message == FL_ASGI_RESPONSE_START || step->message == FL_ASGI_RESPONSE_BODY);
    fl_asgi_message_t message;
    if (step->message == FL_ASGI_RESPONSE_START)
        message =
            fl_asgi_start(step->status ? step->status : 200, step->headers, step->header_count);
    else
        message = fl_asgi_body(step->body ? step->body : "", step->body ? strlen(step->body) : 0,
                               step->more_body);
    return fl_asgi_send(p->world, p->send, &message);
}

/* await receive(); with until_disconnect, again until http.disconnect. */
static fl_error_t *receive_messages(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(step->kind == FL_SCRIPTED_RECEIVE);
    for (size_t i = 0; i < RECEIVES_MAX; i++) {
        fl_asgi_message_t message;
        memset(&message, 0, sizeof message);
        fl_error_t *error = fl_asgi_receive(p->world, p->receive, &message);
        if (error != NULL) return error;
        if (!step->until_disconnect || message.type == FL_ASGI_HTTP_DISCONNECT) return NULL;
    }
    return fl_error_new(fl_world_arena(p->world), FL_ERR_RUNTIME_ERROR,
                        "%s: receive: too many messages", p->name);
}

/* --- blocks ------------------------------------------------------------------------- */

static fl_error_t *run_block(fl_program_t *p, const fl_scripted_block_t *block) {
    assert(p != NULL && block != NULL && (block->steps != NULL || block->step_count == 0));
    fl_error_t *error = fl__program_run_steps(p, block->steps, block->step_count);
    assert(p->response == NULL); /* a response step stands at the top level only */
    return error;
}

/* shield, move_on_after, fail_after: the body inside a cancel scope. */
static fl_error_t *scoped(fl_program_t *p, const fl_scripted_step_t *step) {
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

typedef struct child {
    fl_program_t program;
    const fl_scripted_block_t *block;
    fl_taskgroup_t *group;
    bool cancel_group_when_done;
} child_t;

static fl_error_t *child_main(fl_world_t *world, void *arg) {
    child_t *child = arg;
    assert(child != NULL && child->program.world == world && child->block->role == FL_BLOCK_CHILD);
    fl_error_t *error = run_block(&child->program, child->block);
    if (child->cancel_group_when_done) fl_scope_cancel(world, fl_taskgroup_scope(child->group));
    return error;
}

/* async with create_task_group() as tg: each child block is started with
 * tg.start_soon; the group's errors come back as a GroupError. */
static fl_error_t *task_group(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(step->block_count >= 1);
    fl_arena_t *arena = fl_world_arena(p->world);
    fl_taskgroup_t *group = fl_taskgroup_open(p->world, p->name);
    for (size_t i = 0; i < step->block_count; i++) {
        child_t *child = fl_arena_zalloc(arena, sizeof *child);
        *child = (child_t){.program = *p,
                           .block = &step->blocks[i],
                           .group = group,
                           .cancel_group_when_done = step->cancel_on_first_done};
        child->program.response = NULL;
        const char *name = step->blocks[i].name;
        if (name == NULL) name = fl_arena_printf(arena, "%s child %zu", p->name, i + 1);
        fl_task_t *task = fl_taskgroup_spawn(group, name, child_main, child);
        assert(task != NULL); /* the group is open */
    }
    return fl_taskgroup_close(group, NULL);
}

fl_error_t *fl__program_step(fl_program_t *p, const fl_scripted_step_t *step) {
    assert(p != NULL && p->world != NULL && p->scope != NULL && step != NULL);
    assert(fl__program_is_step(step->kind));
    assert(fl__program_has_blocks(step->kind) == (step->block_count > 0));
    fl_arena_t *arena = fl_world_arena(p->world);
    switch (step->kind) {
    case FL_SCRIPTED_CHECKPOINT:
        return fl_error_from_status(arena, fl_checkpoint(p->world), p->name);
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
    default: break;
    }
    FL_UNREACHABLE(); /* the handler's own kinds run in scripted.c */
}
