/* Program steps: the handler steps that nest and speak raw ASGI, as a
 * scenario file writes a new bug's mechanism in anyio's and ASGI's own
 * vocabulary (DESIGN.md §7, "Programs"):
 *
 *   checkpoint, log, send, receive       one await each
 *   shield, move_on_after, fail_after    a cancel scope around a block
 *   try (except, finally)                Python's try statement
 *   task_group                           children, each its own task
 *
 * Every step runs on the handler's task (a task group's children on their
 * own), so each await is a real checkpoint with the runtime's anyio
 * semantics. Internal to sim/asgi: scripted.c runs a handler's steps and
 * hands the program kinds here; the blocks call back into it. */
#ifndef FL_ASGI_PROGRAM_H
#define FL_ASGI_PROGRAM_H

#include "sim/asgi/asgi.h"
#include "sim/asgi/scripted.h"
#include "sim/runtime/channel.h"
#include "sim/runtime/taskgroup.h"

struct scripted_handler;

/* One running program: what its steps see. A task group's child runs a
 * copy, on its own task. */
/* What one call of a program shares among its tasks: its channels and the
 * messages its steps keep by name. */
typedef struct fl_program_frame {
    const fl_scripted_channel_t *specs;
    size_t channel_count;
    void *channels[FL_SCRIPTED_CHANNELS_MAX]; /* an fl_channel_t, fl_event_t or fl_semaphore_t */
    const char *slot_names[FL_SCRIPTED_SLOTS_MAX];
    fl_asgi_message_t *slots[FL_SCRIPTED_SLOTS_MAX];
    size_t slot_count;
} fl_program_frame_t;

/* A frame for one call: channels made, no message kept yet. */
fl_program_frame_t *fl__program_frame_create(fl_world_t *world, const fl_scripted_channel_t *specs,
                                             size_t count);

typedef struct fl_program {
    struct scripted_handler *handler; /* NULL in a middleware program */
    const char *name; /* the handler's, for messages and child task names */
    fl_world_t *world;
    const fl_asgi_scope_t *scope;
    fl_asgi_receive_t receive;
    fl_asgi_send_t send;
    fl_asgi_app_t *response; /* set by a response step (top level only) */
    fl_program_frame_t *frame;
    fl_taskgroup_t *group;   /* the innermost task group: spawn and cancel_group use it */
    fl_asgi_app_t *inner;    /* a middleware program's app, which call_app calls */
    uint64_t call;           /* which call of the handler this is, from 1 (0: a middleware) */
} fl_program_t;

/* Runs steps in order until one raises (its error is returned) or a
 * response step gives the response (program->response). In scripted.c. */
fl_error_t *fl__program_run_steps(fl_program_t *program, const fl_scripted_step_t *steps,
                                  size_t count);

/* Runs one program step (a kind from FL_SCRIPTED_CHECKPOINT on). */
fl_error_t *fl__program_step(fl_program_t *program, const fl_scripted_step_t *step);

/* A middleware program's app (scripted.c validates and copies the spec). */
fl_asgi_app_t *fl__program_middleware_new(fl_world_t *world, fl_asgi_app_t *app, const char *name,
                                          const fl_scripted_step_t *steps, size_t step_count,
                                          const fl_scripted_channel_t *channels,
                                          size_t channel_count);

/* Whether kind is a program step, and whether it holds blocks. */
bool fl__program_is_step(fl_scripted_step_kind_t kind);
bool fl__program_has_blocks(fl_scripted_step_kind_t kind);

#endif /* FL_ASGI_PROGRAM_H */
