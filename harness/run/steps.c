#include "harness/run/steps.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "client/sse.h"
#include "harness/model/kinds.h"
#include "harness/run/step_kinds.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

static char *url_for(fl_run_state_t *run, const char *path) {
    assert(run != NULL && run->world != NULL);
    const char *p = path != NULL ? path : "/";
    size_t length = strlen("http://server") + strlen(p) + 1;
    char *url = fl_arena_alloc(fl_world_arena(run->world), length);
    int written = snprintf(url, length, "http://server%s", p);
    assert(written >= 0 && (size_t)written == length - 1);
    (void)written;
    return url;
}

static fl_task_state_t *find_task_state(fl_run_state_t *run, const char *name) {
    assert(run != NULL && name != NULL);
    assert(run->task_count <= FL_RUN_TASKS_MAX);
    for (size_t i = 0; i < run->task_count; i++) {
        assert(run->tasks[i].name != NULL);
        if (strcmp(run->tasks[i].name, name) == 0) return &run->tasks[i];
    }
    return NULL;
}

/* A one-shot stream body over the step's pieces: once given, gone. */
typedef struct pieces_source {
    fl_body_source_t source;
    const char *const *pieces;
    size_t count;
    size_t next;
    size_t fails_at; /* 1-based piece the generator raises at instead; 0: never */
} pieces_source_t;

static fl_error_t *next_piece(void *context, fl_world_t *world, const void **chunk_out,
                              size_t *length_out, bool *done_out) {
    pieces_source_t *g = context;
    assert(g != NULL && world != NULL && chunk_out != NULL && length_out != NULL);
    assert(done_out != NULL && g->pieces != NULL);
    assert(g->next <= g->count + 1); /* the last step past the end is a failed generator's */
    if (g->fails_at != 0 && g->next + 1 == g->fails_at) {
        g->next++; /* a generator that raised is finished: nothing more from it */
        return fl_error_new(fl_world_arena(world), FL_ERR_VALUE_ERROR,
                            "the caller's body generator failed at piece %zu", g->fails_at);
    }
    if (g->next >= g->count) {
        *chunk_out = "";
        *length_out = 0;
        *done_out = true;
        return NULL;
    }
    *chunk_out = g->pieces[g->next];
    *length_out = strlen(g->pieces[g->next]);
    g->next++;
    *done_out = false;
    return NULL;
}

/* The state among states (or their blocks', recursively) of the step
 * with the id, or else of the spec. */
static fl_step_state_t *find_in(fl_step_state_t *states, size_t count, const char *id,
                                const fl_step_t *spec) {
    assert((states != NULL || count == 0) && (id != NULL || spec != NULL));
    for (size_t i = 0; i < count; i++) {
        fl_step_state_t *step = &states[i];
        assert(step->id != NULL && step->spec != NULL);
        if (id != NULL ? strcmp(step->id, id) == 0 : step->spec == spec) return step;
        fl_step_state_t *found = find_in(step->block_states, step->spec->block_count, id, spec);
        if (found == NULL)
            found = find_in(step->handler_states, step->spec->handler_count, id, spec);
        if (found == NULL) found = find_in(step->final_states, step->spec->final_count, id, spec);
        for (size_t c = 0; found == NULL && c < step->spec->child_count; c++)
            found = find_in(step->child_states[c], step->spec->children[c].step_count, id, spec);
        if (found != NULL) return found;
    }
    return NULL;
}

static fl_step_state_t *find_state(fl_run_state_t *run, const char *id, const fl_step_t *spec) {
    assert(run != NULL && run->task_count <= FL_RUN_TASKS_MAX);
    for (size_t t = 0; t < run->task_count; t++) {
        fl_task_state_t *task = &run->tasks[t];
        assert(task->steps != NULL);
        fl_step_state_t *found =
            find_in(task->steps, task->spec != NULL ? task->spec->step_count : 0, id, spec);
        if (found != NULL) return found;
    }
    return NULL;
}

fl_step_state_t *fl__run_find_step(fl_run_state_t *run, const char *id) {
    assert(run != NULL);
    return id != NULL ? find_state(run, id, NULL) : NULL;
}

/* The value of one reference "ID.FIELD" (length bytes at ref). */
static const char *reference_value(fl_run_state_t *run, const char *ref, size_t length) {
    fl_arena_t *arena = fl_world_arena(run->world);
    /* The last dot splits: ids hold dots themselves ("main.0"). */
    const char *dot = NULL;
    for (const char *c = ref; c < ref + length; c++)
        if (*c == '.') dot = c;
    if (dot == NULL) return "";
    const fl_step_state_t *step =
        fl__run_find_step(run, fl_arena_printf(arena, "%.*s", (int)(dot - ref), ref));
    const char *field = fl_arena_printf(arena, "%.*s", (int)(ref + length - dot - 1), dot + 1);
    if (step == NULL) return "";
    if (strcmp(field, "last_event_id") == 0) return step->last_event_id ? step->last_event_id : "";
    if (strcmp(field, "status") == 0) return fl_arena_printf(arena, "%d", step->status);
    if (strcmp(field, "body") == 0)
        return fl_arena_printf(arena, "%.*s", (int)step->body_length,
                               step->body != NULL ? (const char *)step->body : "");
    return "";
}

/* text with each {ID.FIELD} replaced by an earlier result of step ID:
 * last_event_id, status or body (empty when it has none yet); text itself
 * when it names none. In the world's arena. */
static const char *run_expand(fl_run_state_t *run, const char *text) {
    assert(run != NULL);
    if (text == NULL || strchr(text, '{') == NULL) return text;
    fl_arena_t *arena = fl_world_arena(run->world);
    const char *out = "";
    for (const char *p = text; *p != '\0';) {
        const char *open = strchr(p, '{');
        const char *close = open != NULL ? strchr(open, '}') : NULL;
        if (open == NULL || close == NULL) return fl_arena_printf(arena, "%s%s", out, p);
        out = fl_arena_printf(arena, "%s%.*s%s", out, (int)(open - p), p,
                              reference_value(run, open + 1, (size_t)(close - open - 1)));
        p = close + 1;
    }
    return out;
}

static fl_error_t *make_request(fl_run_state_t *run, const fl_step_t *spec,
                                fl_request_t **request_out) {
    assert(run != NULL && spec != NULL && request_out != NULL);
    assert(spec->headers != NULL || spec->header_count == 0);
    fl_arena_t *arena = fl_world_arena(run->world);
    fl_error_t *error = fl_request_create(arena, spec->method ? spec->method : "GET",
                                          url_for(run, spec->path), request_out);
    if (error != NULL) return error;
    fl_request_t *request = *request_out;
    assert(request != NULL && request->headers != NULL);
    for (size_t i = 0; i < spec->header_count; i++)
        fl_headers_add(request->headers, spec->headers[i].name,
                       run_expand(run, spec->headers[i].value));
    if (spec->stream_body != NULL) {
        pieces_source_t *g = fl_arena_zalloc(arena, sizeof *g);
        *g = (pieces_source_t){.source = {next_piece, g},
                               .pieces = spec->stream_body,
                               .count = spec->stream_piece_count,
                               .fails_at = spec->stream_body_fails_at};
        fl_request_set_stream(request, &g->source);
    } else if (spec->body != NULL) {
        fl_request_set_body(arena, request, spec->body, strlen(spec->body));
    }
    return NULL;
}

/* A fresh state: what a step that never ran reads. */
static void clear_state(fl_step_state_t *step) {
    assert(step != NULL && step->spec != NULL && step->id != NULL);
    fl_step_state_t kept = {.spec = step->spec,
                            .id = step->id,
                            .connected = step->connected,
                            .received = step->received,
                            .block_states = step->block_states,
                            .handler_states = step->handler_states,
                            .final_states = step->final_states,
                            .child_states = step->child_states,
                            .spawned_running = step->spawned_running,
                            .last_event_id = step->last_event_id};
    *step = kept;
    step->body_bytes = -1;
    step->events = -1;
}

static fl_error_t *run_block(fl_run_state_t *run, fl_step_state_t *states, size_t count);

/* Records a response or an error (a StatusError carries its response). */
static void record(fl_step_state_t *step, fl_error_t *error, const fl_response_t *response) {
    assert(step != NULL && step->ran);
    assert(error != NULL || response != NULL); /* a send gives one or the other */
    step->error = error;

    if (error != NULL && error->http_status != 0) step->status = error->http_status;
    if (error != NULL && fl_error_is(error, FL_ERR_STATUS_ERROR) && error->payload != NULL)
        response = error->payload;
    if (response != NULL) {
        step->status = response->status;
        step->headers = response->headers;
        if (response->body_read || !response->streamed) {
            step->body_bytes = (int64_t)response->body_length;
            step->body = response->body;
            step->body_length = response->body_length;
        }
    }
    assert(step->status == 0 || (step->status >= 100 && step->status <= 599));
}

/* The step's request, or NULL with the step's error set when it cannot be
 * built. */
static fl_request_t *prepare_request(fl_run_state_t *run, fl_step_state_t *step) {
    fl_request_t *request;
    fl_error_t *error = make_request(run, step->spec, &request);
    if (error == NULL) return request;
    step->error = error;
    return NULL;
}

void fl__run_request_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec->kind == FL_STEP_REQUEST);
    fl_request_t *request = prepare_request(run, step);
    if (request == NULL) return;
    fl_response_t *response = NULL;
    assert(run->client != NULL);
    fl_error_t *error = fl_client_send(run->world, run->client, request, &response);
    record(step, error, error == NULL ? response : NULL);
    step->attempts = request->attempt;
}

void fl__run_stream_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec->kind == FL_STEP_STREAM);
    fl_world_t *w = run->world;
    fl_request_t *request = prepare_request(run, step);
    if (request == NULL) return;
    fl_response_t *response = NULL;
    fl_error_t *error = fl_client_stream(w, run->client, request, &response);
    step->attempts = request->attempt;
    if (error != NULL) {
        record(step, error, NULL);
        return;
    }
    assert(response != NULL); /* a stream without an error has its response */
    step->status = response->status;
    step->headers = response->headers;
    step->body_bytes = 0;
    unsigned char *kept = fl_arena_alloc(fl_world_arena(w), FL_RUN_BODY_KEPT_MAX);
    step->body = kept;
    size_t chunks = 0;
    for (;;) {
        assert(step->body_bytes >= 0);
        if (step->spec->read_chunks != 0 && chunks >= step->spec->read_chunks) break;
        if (step->spec->block_count > 0 && chunks >= step->spec->read_chunks) break;
        if (step->spec->raise_after != 0 && chunks >= step->spec->raise_after) {
            /* The caller's own error inside `async with client.stream()`:
             * it leaves the block as it is, and the block's exit closes the
             * response (and with it the connection: the body is unread). */
            step->error = fl_error_new(fl_world_arena(w), FL_ERR_VALUE_ERROR,
                                       "the caller raised after %zu chunks", chunks);
            break;
        }
        const unsigned char *chunk;
        size_t length;
        bool done = false;
        error = fl_response_next_chunk(w, response, &chunk, &length, &done);
        if (error != NULL) {
            step->error = error;
            break;
        }
        step->body_bytes += (int64_t)length;
        size_t room = FL_RUN_BODY_KEPT_MAX - step->body_length;
        if (length > 0 && room > 0)
            memcpy(kept + step->body_length, chunk, length < room ? length : room);
        step->body_length += length < room ? length : room;
        if (done) break;
        if (length > 0) chunks++;
    }
    step->chunks = chunks;
    /* The block runs while the response is open, as code inside
     * `async with client.stream(...)`; leaving it closes the response. */
    if (step->error == NULL && step->spec->block_count > 0)
        step->error = run_block(run, step->block_states, step->spec->block_count);
    fl_response_close(w, response);
}

/* Receives up to the step's receive_count events (0: until the end). */
static void receive_events(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->session != NULL);
    assert(step->spec->kind == FL_STEP_SSE && step->events >= 0);
    for (;;) {
        if (step->spec->receive_count != 0 && (size_t)step->events >= step->spec->receive_count)
            return;
        fl_sse_message_t *message;
        fl_error_t *error = fl_sse_receive(run->world, step->session, &message);
        if (error != NULL) {
            step->error = error;
            return;
        }
        assert(message != NULL);
        if (message->end) return;
        step->events++;
        if (message->id != NULL)
            step->last_event_id = fl_arena_strdup(fl_world_arena(run->world), message->id);
    }
}

void fl__run_sse_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec->kind == FL_STEP_SSE);
    fl_world_t *w = run->world;
    fl_sse_options_t options = {.no_owner_check = !step->spec->owner_check,
                                .last_event_id = run_expand(run, step->spec->last_event_id)};
    step->events = 0;
    fl_error_t *error =
        fl_sse_connect(w, run->client, url_for(run, step->spec->path), &options, &step->session);
    if (step->spec->receive_in != NULL) fl_event_set(w, step->connected);
    if (error != NULL) {
        step->error = error;
        step->session = NULL;
        return;
    }
    assert(step->session != NULL);
    if (step->spec->receive_in == NULL) {
        receive_events(run, step);
    } else {
        /* The other task receives; this one waits for it, and is where a
         * cancellation lands (story 4: A's scope is cancelled here). */
        int status = fl_event_wait(w, step->received);
        if (status != FL_OK && step->error == NULL)
            step->error =
                fl_error_from_status(fl_world_arena(w), status, "waiting for the receiver");
    }
    fl_sse_comments(step->session, &step->comments, &step->pings);
    fl_error_t *closing = fl_sse_close(w, step->session);
    if (step->error == NULL) step->error = closing;
}

void fl__run_sleep_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec->kind == FL_STEP_SLEEP);
    fl_world_t *w = run->world;
    assert(step->spec->duration_ns >= 0 && step->error == NULL);
    int status = fl_sleep(w, step->spec->duration_ns);
    if (status != FL_OK) step->error = fl_error_from_status(fl_world_arena(w), status, "sleep");
}

void fl__run_cancel_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec->kind == FL_STEP_CANCEL);
    fl_world_t *w = run->world;
    assert(step->spec->target_task != NULL && step->spec->duration_ns >= 0);
    int status = fl_sleep(w, step->spec->duration_ns);
    if (status != FL_OK) {
        step->error = fl_error_from_status(fl_world_arena(w), status, "cancel delay");
        return;
    }
    fl_task_t *target = fl_world_find_task(w, step->spec->target_task);
    if (target != NULL) fl_task_cancel(w, target);
}

/* Runs one step by its row, inside a move_on scope when it has a
 * cancel_after and its kind takes one. */
static void run_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec != NULL);
    assert(!step->ran && step->error == NULL); /* each step runs once */
    fl_world_t *w = run->world;
    const fl_step_t *spec = step->spec;
    const fl_client_step_row_t *row = fl_client_step_row(spec->kind);
    assert(row->kind == spec->kind && row->run != NULL);
    step->ran = true;
    step->started_ns = fl_now(w);
    fl_cancel_scope_t scope;
    bool scoped = spec->cancel_after_ns > 0 && row->scoped;
    if (scoped) fl_scope_enter_move_on_after(w, &scope, spec->cancel_after_ns);
    row->run(run, step);
    if (scoped) {
        bool expired = scope.cancel_called;
        step->error = fl_scope_exit_error(w, &scope, step->error);
        if (expired && step->error == NULL) step->moved_on = true;
    }
    step->ended_ns = fl_now(w);
    assert(step->ended_ns >= step->started_ns);
}

/* A block's steps in order, until one fails: its error is the block's.
 * Each runs afresh (a repeat runs a block again). */
static fl_error_t *run_block(fl_run_state_t *run, fl_step_state_t *states, size_t count) {
    assert(run != NULL && (states != NULL || count == 0));
    for (size_t i = 0; i < count; i++) {
        clear_state(&states[i]);
        run_step(run, &states[i]);
        if (states[i].error != NULL) return states[i].error;
    }
    return NULL;
}

enum { REPEAT_ROUNDS_MAX = 1000 };

void fl__run_repeat_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec->kind == FL_STEP_REPEAT);
    const fl_step_t *spec = step->spec;
    assert(spec->times > 0 || spec->until_ok || spec->has_until_error); /* the loader's rule */
    uint32_t limit = spec->times > 0 ? spec->times : REPEAT_ROUNDS_MAX;
    fl_error_t *error = NULL;
    for (step->rounds = 0; step->rounds < limit;) {
        step->rounds++;
        error = run_block(run, step->block_states, spec->block_count);
        if (error == NULL && spec->until_ok) break;
        if (error != NULL && spec->has_until_error && fl_error_is(error, spec->until_error)) {
            error = NULL;
            break;
        }
        if (error != NULL && !spec->until_ok) break; /* a round that fails ends the loop */
        if (fl_error_is_cancelled(error)) break;
    }
    if (error == NULL && spec->times == 0 && step->rounds == limit)
        error = fl_error_new(fl_world_arena(run->world), FL_ERR_RUNTIME_ERROR,
                             "repeat: no end after %u rounds", limit);
    step->error = error;
}

typedef struct group_child {
    fl_run_state_t *run;
    fl_step_state_t *states;
    size_t count;
    bool *running; /* a spawned task's: cleared when it ends */
} group_child_t;

static fl_error_t *group_child_main(fl_world_t *world, void *arg) {
    group_child_t *child = arg;
    assert(child != NULL && child->run->world == world);
    fl_error_t *error = run_block(child->run, child->states, child->count);
    if (child->running != NULL) *child->running = false;
    return error;
}

/* async with create_task_group() as tg: each child's steps as a task of
 * its own; the step waits for all, and fails with the group's error (a
 * child's failure cancels the others, as anyio's does). */
void fl__run_group_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec->kind == FL_STEP_GROUP);
    const fl_step_t *spec = step->spec;
    assert(spec->child_count > 0 && step->child_states != NULL);
    fl_arena_t *arena = fl_world_arena(run->world);
    fl_taskgroup_t *group = fl_taskgroup_open(run->world, step->id);
    for (size_t c = 0; c < spec->child_count; c++) {
        group_child_t *child = fl_arena_zalloc(arena, sizeof *child);
        *child = (group_child_t){run, step->child_states[c], spec->children[c].step_count, NULL};
        fl_task_t *task =
            fl_taskgroup_spawn(group, spec->children[c].name, group_child_main, child);
        assert(task != NULL); /* the group is open */
    }
    step->open_group = group; /* for spawn steps inside it */
    step->error = fl_error_collapse(fl_taskgroup_close(group, NULL));
    step->open_group = NULL;
}

/* tg.start_soon(...): the task joins the group the loader resolved, which
 * is running (a spawn is inside it), and the step goes on at once. One
 * task a spawn step at a time: its states are the step's own. */
void fl__run_spawn_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec->kind == FL_STEP_SPAWN);
    const fl_step_t *spec = step->spec;
    assert(spec->into != NULL && spec->child_count == 1 && step->child_states != NULL);
    fl_step_state_t *group = find_state(run, NULL, spec->into);
    assert(group != NULL && group->open_group != NULL); /* lexically inside it */
    if (step->spawned_running) {
        step->error = fl_error_new(fl_world_arena(run->world), FL_ERR_RUNTIME_ERROR,
                                   "spawn: task '%s' is still running", spec->children[0].name);
        return;
    }
    group_child_t *child = fl_arena_zalloc(fl_world_arena(run->world), sizeof *child);
    *child = (group_child_t){run, step->child_states[0], spec->children[0].step_count,
                             &step->spawned_running};
    fl_task_t *task =
        fl_taskgroup_spawn(group->open_group, spec->children[0].name, group_child_main, child);
    assert(task != NULL); /* the group is open while it runs */
    step->spawned_running = true;
}

void fl__run_try_step(fl_run_state_t *run, fl_step_state_t *step) {
    assert(run != NULL && step != NULL && step->spec->kind == FL_STEP_TRY);
    const fl_step_t *spec = step->spec;
    fl_error_t *error = run_block(run, step->block_states, spec->block_count);
    if (error != NULL && spec->has_except && fl_error_is(error, spec->except_error))
        error = run_block(run, step->handler_states, spec->handler_count);
    fl_error_t *final = run_block(run, step->final_states, spec->final_count);
    step->error = final != NULL ? final : error;
}

/* A receiver's duties: every SSE step of another task that names it. */
static void serve_receives(fl_run_state_t *run, fl_task_state_t *self) {
    assert(run != NULL && self != NULL && self->run == run && self->name != NULL);
    assert(run->task_count <= FL_RUN_TASKS_MAX);
    for (size_t t = 0; t < run->task_count; t++) {
        fl_task_state_t *owner = &run->tasks[t];
        if (owner->spec == NULL) continue;
        for (size_t i = 0; i < owner->spec->step_count; i++) {
            fl_step_state_t *step = &owner->steps[i];
            if (step->spec->kind != FL_STEP_SSE || step->spec->receive_in == NULL ||
                strcmp(step->spec->receive_in, self->name) != 0)
                continue;
            assert(step->connected != NULL && step->received != NULL);
            if (fl_event_wait(run->world, step->connected) == FL_OK && step->session != NULL)
                receive_events(run, step);
            fl_event_set(run->world, step->received);
        }
    }
}

static fl_error_t *client_task(fl_world_t *w, void *arg) {
    fl_task_state_t *self = arg;
    fl_run_state_t *run = self->run;
    assert(run->world == w);
    assert(!self->done && run->tasks_done < run->task_count);
    if (self->spec != NULL)
        for (size_t i = 0; i < self->spec->step_count; i++) run_step(run, &self->steps[i]);
    serve_receives(run, self);
    self->done = true;
    run->tasks_done++;
    assert(run->tasks_done <= run->task_count);
    /* The last client task ends the run's other work, so a run whose client
     * is done ends COMPLETED rather than as a hang of idle server tasks. */
    if (run->tasks_done == run->task_count) {
        fl_client_close(w, run->client);
        fl_asgi_server_stop(run->server);
    }
    return NULL;
}

/* The states of count steps (and of their blocks, recursively). */
static fl_step_state_t *init_states(fl_run_state_t *run, const char *task, const fl_step_t *specs,
                                    size_t count) {
    assert(run != NULL && task != NULL && (specs != NULL || count == 0));
    fl_arena_t *arena = fl_world_arena(run->world);
    fl_step_state_t *states = fl_arena_zalloc(arena, (count + 1) * sizeof *states);
    for (size_t i = 0; i < count; i++) {
        fl_step_state_t *step = &states[i];
        const fl_step_t *spec = &specs[i];
        step->spec = spec;
        step->id = spec->id != NULL ? spec->id : fl_arena_printf(arena, "%s.%zu", task, i + 1);
        if (spec->kind == FL_STEP_SSE && spec->receive_in != NULL) {
            step->connected = fl_event_create(run->world, "sse connected");
            step->received = fl_event_create(run->world, "sse received");
        }
        step->block_states = init_states(run, task, spec->block, spec->block_count);
        step->handler_states = init_states(run, task, spec->handler, spec->handler_count);
        step->final_states = init_states(run, task, spec->final, spec->final_count);
        if (spec->child_count > 0) {
            step->child_states = fl_arena_zalloc(arena, spec->child_count * sizeof(void *));
            for (size_t c = 0; c < spec->child_count; c++)
                step->child_states[c] =
                    init_states(run, spec->children[c].name, spec->children[c].steps,
                                spec->children[c].step_count);
        }
        clear_state(step);
        assert(step->id != NULL && !step->ran);
    }
    return states;
}

static int add_task(fl_run_state_t *run, const char *name, const fl_client_task_t *spec,
                    char *error, size_t error_size) {
    assert(run != NULL && name != NULL && error != NULL && error_size > 0);
    assert(run->task_count <= FL_RUN_TASKS_MAX);
    if (run->task_count == FL_RUN_TASKS_MAX) {
        snprintf(error, error_size, "too many client tasks (at most %d)", FL_RUN_TASKS_MAX);
        return FL_EINVAL;
    }
    fl_task_state_t *task = &run->tasks[run->task_count++];
    *task = (fl_task_state_t){.run = run, .name = name, .spec = spec};
    size_t count = spec != NULL ? spec->step_count : 0;
    task->steps = init_states(run, name, spec != NULL ? spec->steps : NULL, count);
    assert(task->steps != NULL && task->spec == spec);
    return FL_OK;
}

int fl__run_spawn_tasks(fl_run_state_t *run, char *error, size_t error_size) {
    assert(run != NULL && run->client != NULL && run->task_count == 0);
    const fl_client_spec_t *spec = &run->scenario->client;
    for (size_t i = 0; i < spec->task_count; i++) {
        int status = add_task(run, spec->tasks[i].name, &spec->tasks[i], error, error_size);
        if (status != FL_OK) return status;
    }
    for (size_t i = 0; i < spec->task_count; i++)
        for (size_t s = 0; s < spec->tasks[i].step_count; s++) {
            const char *receiver = spec->tasks[i].steps[s].receive_in;
            if (spec->tasks[i].steps[s].kind != FL_STEP_SSE || receiver == NULL) continue;
            if (find_task_state(run, receiver) != NULL) continue;
            int status = add_task(run, receiver, NULL, error, error_size);
            if (status != FL_OK) return status;
        }
    assert(run->task_count >= spec->task_count && run->task_count <= FL_RUN_TASKS_MAX);
    for (size_t i = 0; i < run->task_count; i++) {
        run->tasks[i].task = fl_spawn(run->world, run->tasks[i].name, client_task, &run->tasks[i]);
        assert(run->tasks[i].task != NULL);
    }
    return FL_OK;
}
