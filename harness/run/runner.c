/* The runner: builds one world from a scenario, runs it, checks it. See
 * runner.h for the conventions. */
#include "harness/run/runner.h"

#include "harness/report/chrome_trace.h"
#include "harness/check/invariants.h"
#include "harness/world/scenario_app.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "client/budget.h"
#include "client/bulkhead.h"
#include "client/retry.h"
#include "client/sse.h"
#include "client/timeout.h"
#include "sim/asgi/errors_middleware.h"
#include "sim/asgi/router.h"
#include "sim/asgi/server.h"
#include "sim/runtime/runtime.h"

enum { RUN_TASKS_MAX = 64, RUN_LAYERS_MAX = 16, RUN_DEFAULT_SEED_LAST = 200 };

/* One step's outcome, kept while the world lives. */
typedef struct step_state {
    const fl_step_t *spec;
    const char *id;
    bool ran;
    bool moved_on;          /* its cancel_after scope expired */
    fl_error_t *error;
    int status;
    int64_t body_bytes;
    uint32_t attempts;
    int64_t events;
    /* SSE with receive_in: the hand-off between the owner and the receiver */
    fl_event_t *connected;
    fl_event_t *received;
    fl_sse_session_t *session;
} step_state_t;

typedef struct run run_t;

typedef struct task_state {
    run_t *run;
    const char *name;
    const fl_client_task_t *spec;  /* NULL: a receiver with no steps */
    step_state_t *steps;
    fl_task_t *task;
    bool done;
} task_state_t;

struct run {
    const fl_scenario_t *scenario;
    fl_world_t *world;
    fl_net_t *net;
    fl_asgi_server_t *server;
    fl_client_t *client;
    fl_retry_budget_t *budgets[RUN_LAYERS_MAX];
    size_t budget_count;
    task_state_t tasks[RUN_TASKS_MAX];
    size_t task_count;
    size_t tasks_done;
};

/* --- small helpers ------------------------------------------------------------------ */

static void copy_text(char *to, size_t capacity, const char *from) {
    snprintf(to, capacity, "%s", from != NULL ? from : "");
}

/* Captures what print(arg, stream) writes, truncated into to. */
static void capture(char *to, size_t capacity, void (*print)(void *arg, FILE *out), void *arg) {
    char *text = NULL;
    size_t length = 0;
    FILE *stream = open_memstream(&text, &length);
    if (stream == NULL) {
        copy_text(to, capacity, "(out of memory)");
        return;
    }
    print(arg, stream);
    fclose(stream);
    copy_text(to, capacity, text);
    free(text);
}

static void print_server_log(void *arg, FILE *out) { fl_server_log_print(arg, out); }
static void print_hang(void *arg, FILE *out) { fl_world_print_hang(arg, out); }

static char *url_for(run_t *run, const char *path) {
    const char *p = path != NULL ? path : "/";
    size_t length = strlen("http://server") + strlen(p) + 1;
    char *url = fl_arena_alloc(fl_world_arena(run->world), length);
    snprintf(url, length, "http://server%s", p);
    return url;
}

static task_state_t *find_task_state(run_t *run, const char *name) {
    for (size_t i = 0; i < run->task_count; i++)
        if (strcmp(run->tasks[i].name, name) == 0) return &run->tasks[i];
    return NULL;
}

/* --- the server ----------------------------------------------------------------------- */

static int build_server(run_t *run, char *error, size_t error_size) {
    const fl_server_spec_t *spec = &run->scenario->server;
    fl_world_t *w = run->world;
    fl_asgi_app_t *app = fl_scenario_server_app(w, spec, error, error_size);
    if (app == NULL) return FL_EINVAL;
    fl_asgi_server_options_t options = {.spec_version = spec->spec_version};
    run->server = fl_asgi_server_create(w, run->net, app, &options, error, error_size);
    if (run->server == NULL) return FL_EINVAL;
    int status = fl_asgi_server_listen(run->server, "server", 80);
    if (status != FL_OK) snprintf(error, error_size, "server cannot listen on server:80");
    return status;
}

/* --- the client ------------------------------------------------------------------------ */

static fl_middleware_t *build_layer(run_t *run, const fl_client_layer_t *layer, char *error,
                                    size_t error_size) {
    fl_world_t *w = run->world;
    switch (layer->kind) {
    case FL_CLIENT_LAYER_RETRY: {
        fl_retry_options_t options = fl_retry_options_default();
        if (layer->attempts != 0) options.max_attempts = layer->attempts;
        if (layer->base_delay_ns != 0) options.base_delay_ns = layer->base_delay_ns;
        if (layer->max_delay_ns != 0) options.max_delay_ns = layer->max_delay_ns;
        options.refuse_streamed_body = layer->refuse_streamed_body;
        options.retry_methods = layer->retry_methods; /* NULL: the defaults */
        options.retry_method_count = layer->retry_method_count;
        options.retry_statuses = layer->retry_statuses;
        options.retry_status_count = layer->retry_status_count;
        if (layer->budget) {
            if (run->budget_count == RUN_LAYERS_MAX) return NULL;
            /* Options all zero (a scenario built in C that only says budget):
             * httpware's defaults. */
            const fl_retry_budget_options_t *budget_options =
                layer->budget_options.ttl_ns != 0 ? &layer->budget_options : NULL;
            options.budget = fl_retry_budget_create(w, budget_options, error, error_size);
            if (options.budget == NULL) return NULL;
            run->budgets[run->budget_count++] = options.budget;
        }
        return fl_retry_create(w, &options, error, error_size);
    }
    case FL_CLIENT_LAYER_BULKHEAD: {
        fl_bulkhead_options_t options = fl_bulkhead_options_default();
        options.max_concurrent = layer->max_concurrent;
        if (layer->timeout_ns != 0) options.acquire_timeout_ns = layer->timeout_ns;
        return fl_bulkhead_create(w, &options, error, error_size);
    }
    case FL_CLIENT_LAYER_TIMEOUT:
        return fl_timeout_create(w, &(fl_timeout_options_t){.timeout_ns = layer->timeout_ns}, error,
                                 error_size);
    }
    snprintf(error, error_size, "unknown client layer");
    return NULL;
}

static int build_client(run_t *run, char *error, size_t error_size) {
    const fl_client_spec_t *spec = &run->scenario->client;
    if (spec->layer_count > RUN_LAYERS_MAX) {
        snprintf(error, error_size, "too many client layers (at most %d)", RUN_LAYERS_MAX);
        return FL_EINVAL;
    }
    fl_middleware_t **chain =
        fl_arena_zalloc(fl_world_arena(run->world), (spec->layer_count + 1) * sizeof *chain);
    for (size_t i = 0; i < spec->layer_count; i++) {
        chain[i] = build_layer(run, &spec->layers[i], error, error_size);
        if (chain[i] == NULL) return FL_EINVAL;
    }
    fl_client_options_t options = {.net = run->net,
                                   .timeouts = spec->timeouts,
                                   .max_connections = spec->max_connections,
                                   .middleware = chain,
                                   .middleware_count = spec->layer_count};
    run->client = fl_client_create(run->world, &options, error, error_size);
    return run->client != NULL ? FL_OK : FL_EINVAL;
}

/* --- steps --------------------------------------------------------------------------------- */

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

static fl_error_t *make_request(run_t *run, const fl_step_t *spec, fl_request_t **request_out) {
    fl_arena_t *arena = fl_world_arena(run->world);
    fl_error_t *error = fl_request_create(arena, spec->method ? spec->method : "GET",
                                          url_for(run, spec->path), request_out);
    if (error != NULL) return error;
    fl_request_t *request = *request_out;
    for (size_t i = 0; i < spec->header_count; i++)
        fl_headers_add(request->headers, spec->headers[i].name, spec->headers[i].value);
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

/* Records a response or an error (a StatusError carries its response). */
static void record(step_state_t *step, fl_error_t *error, const fl_response_t *response) {
    step->error = error;
    if (error != NULL && error->http_status != 0) step->status = error->http_status;
    if (error != NULL && fl_error_is(error, FL_ERR_STATUS_ERROR) && error->payload != NULL)
        response = error->payload;
    if (response != NULL) {
        step->status = response->status;
        if (response->body_read || !response->streamed) step->body_bytes = (int64_t)response->body_length;
    }
}

static void run_request(run_t *run, step_state_t *step) {
    fl_request_t *request;
    fl_error_t *error = make_request(run, step->spec, &request);
    if (error != NULL) {
        step->error = error;
        return;
    }
    fl_response_t *response = NULL;
    error = fl_client_send(run->world, run->client, request, &response);
    record(step, error, error == NULL ? response : NULL);
    step->attempts = request->attempt;
}

static void run_stream(run_t *run, step_state_t *step) {
    fl_world_t *w = run->world;
    fl_request_t *request;
    fl_error_t *error = make_request(run, step->spec, &request);
    if (error != NULL) {
        step->error = error;
        return;
    }
    fl_response_t *response = NULL;
    error = fl_client_stream(w, run->client, request, &response);
    step->attempts = request->attempt;
    if (error != NULL) {
        record(step, error, NULL);
        return;
    }
    step->status = response->status;
    step->body_bytes = 0;
    size_t chunks = 0;
    for (;;) {
        if (step->spec->read_chunks != 0 && chunks >= step->spec->read_chunks) break;
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
        if (done) break;
        if (length > 0) chunks++;
    }
    fl_response_close(w, response);
}

/* Receives up to the step's receive_count events (0: until the end). */
static void receive_events(run_t *run, step_state_t *step) {
    for (;;) {
        if (step->spec->receive_count != 0 && (size_t)step->events >= step->spec->receive_count)
            return;
        fl_sse_message_t *message;
        fl_error_t *error = fl_sse_receive(run->world, step->session, &message);
        if (error != NULL) {
            step->error = error;
            return;
        }
        if (message->end) return;
        step->events++;
    }
}

static void run_sse(run_t *run, step_state_t *step) {
    fl_world_t *w = run->world;
    fl_sse_options_t options = {.no_owner_check = !step->spec->owner_check};
    step->events = 0;
    fl_error_t *error =
        fl_sse_connect(w, run->client, url_for(run, step->spec->path), &options, &step->session);
    if (step->spec->receive_in != NULL) fl_event_set(w, step->connected);
    if (error != NULL) {
        step->error = error;
        step->session = NULL;
        return;
    }
    if (step->spec->receive_in == NULL) {
        receive_events(run, step);
    } else {
        /* The other task receives; this one waits for it, and is where a
         * cancellation lands (story 4: A's scope is cancelled here). */
        int status = fl_event_wait(w, step->received);
        if (status != FL_OK && step->error == NULL)
            step->error = fl_error_from_status(fl_world_arena(w), status, "waiting for the receiver");
    }
    fl_error_t *closing = fl_sse_close(w, step->session);
    if (step->error == NULL) step->error = closing;
}

static void run_step(run_t *run, step_state_t *step) {
    fl_world_t *w = run->world;
    const fl_step_t *spec = step->spec;
    step->ran = true;
    fl_cancel_scope_t scope;
    bool scoped = spec->cancel_after_ns > 0 &&
                  (spec->kind == FL_STEP_REQUEST || spec->kind == FL_STEP_STREAM ||
                   spec->kind == FL_STEP_SSE);
    if (scoped) fl_scope_enter_move_on_after(w, &scope, spec->cancel_after_ns);
    switch (spec->kind) {
    case FL_STEP_REQUEST: run_request(run, step); break;
    case FL_STEP_STREAM: run_stream(run, step); break;
    case FL_STEP_SSE: run_sse(run, step); break;
    case FL_STEP_SLEEP: {
        int status = fl_sleep(w, spec->duration_ns);
        if (status != FL_OK) step->error = fl_error_from_status(fl_world_arena(w), status, "sleep");
        break;
    }
    case FL_STEP_CANCEL: {
        int status = fl_sleep(w, spec->duration_ns);
        if (status != FL_OK) {
            step->error = fl_error_from_status(fl_world_arena(w), status, "cancel delay");
            break;
        }
        fl_task_t *target = fl_world_find_task(w, spec->target_task);
        if (target != NULL) fl_task_cancel(w, target);
        break;
    }
    }
    if (scoped) {
        bool expired = scope.cancel_called;
        step->error = fl_scope_exit_error(w, &scope, step->error);
        if (expired && step->error == NULL) step->moved_on = true;
    }
}

/* A receiver's duties: every SSE step of another task that names it. */
static void serve_receives(run_t *run, task_state_t *self) {
    for (size_t t = 0; t < run->task_count; t++) {
        task_state_t *owner = &run->tasks[t];
        if (owner->spec == NULL) continue;
        for (size_t i = 0; i < owner->spec->step_count; i++) {
            step_state_t *step = &owner->steps[i];
            if (step->spec->kind != FL_STEP_SSE || step->spec->receive_in == NULL ||
                strcmp(step->spec->receive_in, self->name) != 0)
                continue;
            if (fl_event_wait(run->world, step->connected) == FL_OK && step->session != NULL)
                receive_events(run, step);
            fl_event_set(run->world, step->received);
        }
    }
}

static fl_error_t *client_task(fl_world_t *w, void *arg) {
    task_state_t *self = arg;
    run_t *run = self->run;
    assert(run->world == w);
    if (self->spec != NULL)
        for (size_t i = 0; i < self->spec->step_count; i++) run_step(run, &self->steps[i]);
    serve_receives(run, self);
    self->done = true;
    run->tasks_done++;
    /* The last client task ends the run's other work, so a run whose client
     * is done ends COMPLETED rather than as a hang of idle server tasks. */
    if (run->tasks_done == run->task_count) {
        fl_client_close(w, run->client);
        fl_asgi_server_stop(run->server);
    }
    return NULL;
}

static int add_task(run_t *run, const char *name, const fl_client_task_t *spec, char *error,
                    size_t error_size) {
    if (run->task_count == RUN_TASKS_MAX) {
        snprintf(error, error_size, "too many client tasks (at most %d)", RUN_TASKS_MAX);
        return FL_EINVAL;
    }
    fl_arena_t *arena = fl_world_arena(run->world);
    task_state_t *task = &run->tasks[run->task_count++];
    *task = (task_state_t){.run = run, .name = name, .spec = spec};
    size_t count = spec != NULL ? spec->step_count : 0;
    task->steps = fl_arena_zalloc(arena, (count + 1) * sizeof *task->steps);
    for (size_t i = 0; i < count; i++) {
        step_state_t *step = &task->steps[i];
        step->spec = &spec->steps[i];
        step->id = step->spec->id;
        if (step->id == NULL) {
            char id[160];
            snprintf(id, sizeof id, "%s.%zu", name, i + 1);
            step->id = fl_arena_strdup(arena, id);
        }
        step->body_bytes = -1;
        step->events = -1;
        if (step->spec->kind == FL_STEP_SSE && step->spec->receive_in != NULL) {
            step->connected = fl_event_create(run->world, "sse connected");
            step->received = fl_event_create(run->world, "sse received");
        }
    }
    return FL_OK;
}

static int build_tasks(run_t *run, char *error, size_t error_size) {
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
    for (size_t i = 0; i < run->task_count; i++)
        run->tasks[i].task = fl_spawn(run->world, run->tasks[i].name, client_task, &run->tasks[i]);
    return FL_OK;
}

/* --- checks ------------------------------------------------------------------------------- */

typedef struct checker {
    run_t *run;
    fl_seed_result_t *result;
    FILE *timeline;
    bool hang_expected_set;
} checker_t;

static step_state_t *find_step(run_t *run, const char *id) {
    for (size_t t = 0; t < run->task_count; t++) {
        task_state_t *task = &run->tasks[t];
        size_t count = task->spec != NULL ? task->spec->step_count : 0;
        for (size_t i = 0; i < count; i++)
            if (id != NULL && strcmp(task->steps[i].id, id) == 0) return &task->steps[i];
    }
    return NULL;
}

/* "ReadError: connection reset", "status 200", "cancelled by cancel_after". */
static void describe_outcome(const step_state_t *step, char *out, size_t capacity) {
    if (!step->ran)
        snprintf(out, capacity, "a step that never ran");
    else if (step->moved_on)
        snprintf(out, capacity, "cancelled by its cancel_after");
    else if (step->error != NULL)
        snprintf(out, capacity, "%s: %s", fl_error_kind_name(step->error->kind), step->error->message);
    else if (step->status != 0)
        snprintf(out, capacity, "status %d", step->status);
    else
        snprintf(out, capacity, "success");
}

/* Returns true when the step expectation holds; else writes why. */
static bool check_step(run_t *run, const fl_expectation_t *e, char *why, size_t capacity) {
    step_state_t *step = find_step(run, e->step);
    if (step == NULL) {
        snprintf(why, capacity, "step %s: no such step", e->step ? e->step : "(none)");
        return false;
    }
    char got[320];
    describe_outcome(step, got, sizeof got);
    bool failed = step->error != NULL || step->moved_on || !step->ran;
    if (e->ok && failed) {
        snprintf(why, capacity, "step %s: expected success, got %s", step->id, got);
        return false;
    }
    if (e->moved_on && !step->moved_on) {
        snprintf(why, capacity, "step %s: expected its cancel_after to expire, got %s", step->id, got);
        return false;
    }
    if (e->status != 0 && (step->status != e->status || !step->ran)) {
        snprintf(why, capacity, "step %s: expected status %d, got %s", step->id, e->status, got);
        return false;
    }
    if (e->has_error && !fl_error_is(step->error, e->error_kind)) {
        snprintf(why, capacity, "step %s: expected %s, got %s", step->id,
                 fl_error_kind_name(e->error_kind), got);
        return false;
    }
    if (e->message != NULL && (step->error == NULL || strstr(step->error->message, e->message) == NULL)) {
        snprintf(why, capacity, "step %s: expected an error message containing \"%s\", got %s",
                 step->id, e->message, got);
        return false;
    }
    if (e->note != NULL && !fl_error_has_note(step->error, e->note)) {
        snprintf(why, capacity, "step %s: expected a note containing \"%s\", got %s", step->id,
                 e->note, got);
        return false;
    }
    if (e->attempts != 0 && step->attempts != e->attempts) {
        snprintf(why, capacity, "step %s: expected %" PRIu32 " attempts, got %" PRIu32 " (%s)",
                 step->id, e->attempts, step->attempts, got);
        return false;
    }
    if (e->events >= 0 && step->events != e->events) {
        snprintf(why, capacity, "step %s: expected %" PRId64 " events, got %" PRId64 " (%s)",
                 step->id, e->events, step->events < 0 ? 0 : step->events, got);
        return false;
    }
    if (e->body_bytes >= 0 && step->body_bytes != e->body_bytes) {
        snprintf(why, capacity, "step %s: expected %" PRId64 " body bytes, got %" PRId64 " (%s)",
                 step->id, e->body_bytes, step->body_bytes < 0 ? 0 : step->body_bytes, got);
        return false;
    }
    return true;
}

/* Whether some route's app received bodies of different sizes in two
 * cycles (see runner.h). Cycles are numbered from 1, in order. */
static bool bodies_differ(const fl_server_log_t *log) {
    size_t count = fl_server_log_count(log);
    for (size_t i = 0; i < count; i++) {
        const fl_server_log_entry_t *a = fl_server_log_entry(log, i);
        if (a->kind != FL_SERVER_LOG_REQUEST) continue;
        int64_t a_bytes = 0;
        for (size_t k = 0; k < count; k++) {
            const fl_server_log_entry_t *b = fl_server_log_entry(log, k);
            if (b->kind == FL_SERVER_LOG_BODY_RECEIVED && b->cycle == a->cycle) a_bytes += b->value;
        }
        for (size_t j = i + 1; j < count; j++) {
            const fl_server_log_entry_t *c = fl_server_log_entry(log, j);
            if (c->kind != FL_SERVER_LOG_REQUEST || strcmp(c->text, a->text) != 0) continue;
            int64_t c_bytes = 0;
            for (size_t k = 0; k < count; k++) {
                const fl_server_log_entry_t *b = fl_server_log_entry(log, k);
                if (b->kind == FL_SERVER_LOG_BODY_RECEIVED && b->cycle == c->cycle) c_bytes += b->value;
            }
            if (c_bytes != a_bytes) return true;
        }
    }
    return false;
}

/* An expectation's count: exactly e->count, or at least one when unset. */
static bool count_matches(const fl_expectation_t *e, size_t n) {
    return e->count < 0 ? n > 0 : (int64_t)n == e->count;
}

static void describe_count(const fl_expectation_t *e, char *out, size_t capacity) {
    if (e->count < 0)
        snprintf(out, capacity, "at least one");
    else
        snprintf(out, capacity, "%" PRId64, e->count);
}

static bool check_server(run_t *run, const fl_expectation_t *e, char *why, size_t capacity) {
    fl_server_log_t *log = fl_asgi_server_log(run->server);
    if (e->bodies_differ) {
        if (bodies_differ(log)) return true;
        snprintf(why, capacity, "server: expected different bodies across attempts, every one was the same");
        return false;
    }
    size_t n = fl_server_log_matches(log, e->log_kind, e->cycle, e->log_text);
    bool ok = count_matches(e, n);
    if (!ok) {
        char wanted[32];
        describe_count(e, wanted, sizeof wanted);
        char where[32] = "";
        if (e->cycle != 0) snprintf(where, sizeof where, " in cycle %u", e->cycle);
        snprintf(why, capacity, "server: expected %s %s entries%s containing \"%s\", got %zu", wanted,
                 fl_server_log_kind_name(e->log_kind), where, e->log_text ? e->log_text : "", n);
    }
    return ok;
}

/* Trace events of a kind whose detail contains the text. The run keeps its
 * trace records when the scenario has a trace expectation. */
static bool check_trace(run_t *run, const fl_expectation_t *e, char *why, size_t capacity) {
    size_t count = 0, n = 0;
    const fl_trace_event_t *events = fl_trace_events(fl_world_trace(run->world), &count);
    for (size_t i = 0; i < count; i++) {
        if (events[i].kind != e->trace_kind) continue;
        if (e->log_text != NULL &&
            (events[i].detail == NULL || strstr(events[i].detail, e->log_text) == NULL))
            continue;
        n++;
    }
    bool ok = count_matches(e, n);
    if (!ok) {
        char wanted[32];
        describe_count(e, wanted, sizeof wanted);
        snprintf(why, capacity, "trace: expected %s %s events containing \"%s\", got %zu", wanted,
                 fl_trace_kind_name(e->trace_kind), e->log_text ? e->log_text : "", n);
    }
    return ok;
}

static bool check_hang(const fl_seed_result_t *result, const fl_expectation_t *e, char *why,
                       size_t capacity) {
    if (result->client_blocked != e->hang) {
        snprintf(why, capacity, "hang: expected %s, the run ended %s%s", e->hang ? "a hang" : "no hang",
                 fl_run_outcome_name(result->outcome),
                 result->client_blocked ? " with client tasks blocked" : "");
        return false;
    }
    if (e->hang && e->blocked_task != NULL) {
        char needle[160];
        snprintf(needle, sizeof needle, "'%s' blocked", e->blocked_task);
        if (strstr(result->hang_report, needle) == NULL) {
            snprintf(why, capacity, "hang: expected task %s blocked, the report names others",
                     e->blocked_task);
            return false;
        }
    }
    return true;
}

static bool check_budget(run_t *run, const fl_expectation_t *e, char *why, size_t capacity) {
    int64_t withdrawals = 0;
    for (size_t i = 0; i < run->budget_count; i++)
        withdrawals += (int64_t)fl_retry_budget_stats(run->world, run->budgets[i]).withdrawals_total;
    if (run->budget_count == 0) {
        snprintf(why, capacity, "budget: the client has no retry budget");
        return false;
    }
    if (withdrawals == e->withdrawals) return true;
    snprintf(why, capacity, "budget: expected %" PRId64 " withdrawals, got %" PRId64, e->withdrawals,
             withdrawals);
    return false;
}

/* Records one check's verdict (and writes it to the timeline). */
static void verdict(checker_t *c, const char *name, bool ok, const char *why) {
    fl_seed_result_t *result = c->result;
    const fl_scenario_t *s = c->run->scenario;
    result->checks_run++;
    if (c->timeline != NULL) fprintf(c->timeline, "check %-28s %s%s%s\n", name, ok ? "ok" : "FAILED",
                                     ok ? "" : ": ", ok ? "" : why);
    if (ok) return;
    if (result->checks_failed++ == 0) {
        copy_text(result->failed_check, sizeof result->failed_check, name);
        copy_text(result->message, sizeof result->message, why);
    }
    if (s->mode == FL_SCENARIO_FINDS && s->finds != NULL && strcmp(s->finds, name) == 0 &&
        !result->target_failed) {
        result->target_failed = true;
        copy_text(result->target_message, sizeof result->target_message, why);
    }
}

/* The cycle rules as the wire saw them. The server refuses to break them,
 * so a failure here is a server bug, not an app's. */
static void check_cycles(checker_t *c) {
    char second_start[FL_RUN_MESSAGE_MAX], after_completion[FL_RUN_MESSAGE_MAX];
    fl_server_log_check_cycles(fl_asgi_server_log(c->run->server), second_start,
                               sizeof second_start, after_completion, sizeof after_completion);
    verdict(c, "one-start-per-cycle", second_start[0] == '\0', second_start);
    verdict(c, "nothing-after-completion", after_completion[0] == '\0', after_completion);
}

/* Tasks and connections left over when the run ended. A run whose client
 * is done stops the server, so every task should finish (the run ends
 * COMPLETED) and every connection end be closed. When a hang is expected
 * the client itself is blocked and nothing is shut down: not checked. */
static void check_leaks(checker_t *c, bool hang_expected) {
    const fl_seed_result_t *result = c->result;
    char why[FL_RUN_MESSAGE_MAX] = "";
    bool tasks_left = !hang_expected && result->outcome == FL_RUN_HANG && !result->client_blocked;
    if (tasks_left)
        snprintf(why, sizeof why, "the client finished, other tasks stayed blocked:\n%.560s",
                 result->hang_report);
    verdict(c, "no-leaked-tasks", !tasks_left, why);
    bool closed = fl_invariant_no_leaked_connections(c->run->net, result->outcome, hang_expected,
                                                     why, sizeof why);
    verdict(c, "no-leaked-connections", closed, why);
}

/* "fault 'LABEL' (faults[i] at FILE:LINE:COL)", for messages. */
static void describe_fault(const fl_scenario_t *s, size_t index, char *out, size_t capacity) {
    const fl_scenario_fault_t *fault = &s->faults[index];
    char label[96];
    if (fault->spec.label != NULL)
        copy_text(label, sizeof label, fault->spec.label);
    else
        snprintf(label, sizeof label, "fault #%zu %s->%s", index + 1,
                 fl_fault_trigger_name(fault->spec.trigger.kind),
                 fl_fault_action_name(fault->spec.action.kind));
    snprintf(out, capacity, "fault '%s' (faults[%zu] at %s:%u:%u)", label, index,
             fault->at.file ? fault->at.file : s->file, fault->at.line, fault->at.column);
}

/* A fault that never acted tested nothing: a certain fault (probability 1)
 * must act in every seed, unless the file says it may not. Faults of lower
 * probability are judged over the whole range (fl_scenario_run). Records
 * which faults acted in the result. */
static void check_faults_fired(checker_t *c) {
    const fl_scenario_t *s = c->run->scenario;
    assert(s->fault_count <= FL_SCENARIO_FAULTS_MAX);
    char why[FL_RUN_MESSAGE_MAX] = "";
    size_t silent = 0;
    for (size_t i = 0; i < s->fault_count; i++) {
        if (fl_simnet_fault_applied(c->run->net, (uint32_t)(i + 1)) > 0) {
            c->result->faults_fired |= UINT64_C(1) << i;
            continue;
        }
        if (s->faults[i].may_not_fire || s->faults[i].spec.trigger.probability < 1.0) continue;
        if (silent++ == 0) {
            char fault[256];
            describe_fault(s, i, fault, sizeof fault);
            snprintf(why, sizeof why, "%s never fired in seed %" PRIu64
                     " (mark it may_not_fire: true if that is meant)", fault, c->result->seed);
        }
    }
    c->result->faults_silent = silent > 0;
    verdict(c, "faults-fired", silent == 0, why);
}

static void run_checks(checker_t *c) {
    run_t *run = c->run;
    const fl_scenario_t *s = run->scenario;
    fl_seed_result_t *result = c->result;
    bool hang_expected = false;
    for (size_t i = 0; i < s->expectation_count; i++) {
        const fl_expectation_t *e = &s->expectations[i];
        char name[FL_RUN_NAME_MAX];
        if (e->name != NULL)
            copy_text(name, sizeof name, e->name);
        else
            snprintf(name, sizeof name, "expectation %zu", i + 1);
        char why[FL_RUN_MESSAGE_MAX] = "";
        bool ok = false;
        switch (e->kind) {
        case FL_EXPECT_STEP: ok = check_step(run, e, why, sizeof why); break;
        case FL_EXPECT_SERVER: ok = check_server(run, e, why, sizeof why); break;
        case FL_EXPECT_HANG:
            hang_expected = hang_expected || e->hang;
            ok = check_hang(result, e, why, sizeof why);
            break;
        case FL_EXPECT_BUDGET: ok = check_budget(run, e, why, sizeof why); break;
        case FL_EXPECT_TRACE: ok = check_trace(run, e, why, sizeof why); break;
        }
        verdict(c, name, ok, why);
    }
    char why[FL_RUN_MESSAGE_MAX] = "";
    size_t violations = fl_world_violation_count(run->world);
    if (violations > 0)
        snprintf(why, sizeof why, "%zu runtime violations, the first: %s", violations,
                 fl_world_violation(run->world, 0));
    verdict(c, "no-violations", violations == 0, why);
    bool unexpected = result->client_blocked && !hang_expected;
    if (unexpected) {
        snprintf(why, sizeof why, "the run hangs with client tasks blocked:\n%.560s", result->hang_report);
    }
    verdict(c, "no-unexpected-hang", !unexpected, why);
    bool limit = result->outcome == FL_RUN_TIME_LIMIT || result->outcome == FL_RUN_STEP_LIMIT;
    if (limit) snprintf(why, sizeof why, "the run hit the %s", fl_run_outcome_name(result->outcome));
    verdict(c, "no-limit", !limit, why);
    check_faults_fired(c);
    check_cycles(c);
    check_leaks(c, hang_expected);
    const fl_task_t *unobserved = NULL;
    size_t unobserved_count = fl_world_unobserved_errors(run->world, &unobserved);
    if (unobserved_count > 0)
        snprintf(why, sizeof why, "%zu task errors nobody observed, the first: task %u (%s): %s: %s",
                 unobserved_count, fl_task_id(unobserved), fl_task_name(unobserved),
                 fl_error_kind_name(fl_task_error((fl_task_t *)unobserved)->kind),
                 fl_task_error((fl_task_t *)unobserved)->message);
    verdict(c, "task-errors-observed", unobserved_count == 0, why);
}

/* --- one seed -------------------------------------------------------------------------------- */

static bool has_trace_expectation(const fl_scenario_t *s) {
    for (size_t i = 0; i < s->expectation_count; i++)
        if (s->expectations[i].kind == FL_EXPECT_TRACE) return true;
    return false;
}

static const char *policy_of(const fl_scenario_t *s, const fl_run_config_t *config) {
    if (config != NULL && config->policy != NULL) return config->policy;
    return s->policy != NULL ? s->policy : "random";
}

static int build_world(run_t *run, char *error, size_t error_size) {
    const fl_scenario_t *s = run->scenario;
    fl_fault_plan_t *plan = fl_fault_plan_create(fl_world_arena(run->world));
    for (size_t i = 0; i < s->fault_count; i++)
        if (fl_fault_plan_add(plan, &s->faults[i].spec, error, error_size) != FL_OK)
            return FL_EINVAL;
    fl_simnet_options_t network = s->network;
    if (network.buffer_bytes == 0) network = fl_simnet_options_default();
    run->net = fl_simnet_create(run->world, &network, plan, error, error_size);
    if (run->net == NULL) return FL_EINVAL;
    int status = build_server(run, error, error_size);
    if (status == FL_OK) status = build_client(run, error, error_size);
    if (status == FL_OK) status = build_tasks(run, error, error_size);
    return status;
}

/* The timeline's head goes out before the world is built: the trace then
 * streams under it event by event (fl_world_set_trace_stream), so a run that
 * dies on an assertion has printed its timeline up to the crash. */
static void write_timeline_head(const fl_scenario_t *s, uint64_t seed, FILE *out,
                                const char *policy) {
    fprintf(out, "scenario %s  seed %" PRIu64 "  policy %s\n", s->name ? s->name : "(unnamed)",
            seed, policy);
    fprintf(out, "--- trace\n");
    fflush(out);
}

static void write_timeline(run_t *run, fl_seed_result_t *result, FILE *out) {
    fprintf(out, "trace hash %016" PRIx64 "\n", fl_world_trace_hash(run->world));
    fprintf(out, "--- server log\n%s", result->server_log);
    fprintf(out, "--- outcome %s%s\n", fl_run_outcome_name(result->outcome),
            result->client_blocked ? " (client tasks blocked)" : "");
    if (result->outcome == FL_RUN_HANG) fprintf(out, "%s", result->hang_report);
    fprintf(out, "--- checks\n");
}

int fl_scenario_run_seed(const fl_scenario_t *scenario, uint64_t seed,
                         const fl_run_config_t *config, fl_seed_result_t *result) {
    assert(scenario != NULL && result != NULL);
    /* Everything but the two large texts, which only need to read empty:
     * clearing 20 KiB per seed showed in the profile of short runs. */
    memset(result, 0, offsetof(fl_seed_result_t, server_log));
    result->server_log[0] = '\0';
    result->hang_report[0] = '\0';
    result->seed = seed;
    const char *policy = policy_of(scenario, config);
    FILE *timeline = config != NULL ? config->timeline : NULL;
    fl_world_options_t options = {
        .seed = seed,
        .policy = policy,
        .schedule = config != NULL ? config->schedule : NULL,
        .time_limit_ns = scenario->time_limit_ns,
        .keep_trace = timeline != NULL || has_trace_expectation(scenario) ||
                      (config != NULL && (config->keep_trace || config->chrome_trace != NULL)),
    };
    char error[FL_RUN_MESSAGE_MAX] = "";
    fl_world_t *world = fl_world_create(&options, error, sizeof error);
    if (world == NULL) {
        copy_text(result->failed_check, sizeof result->failed_check, "setup");
        copy_text(result->message, sizeof result->message, error);
        return FL_EINVAL;
    }
    /* The run's state is large (the task table): it lives on the heap for
     * the run, never in the world's arena where it would outlive nothing. */
    run_t *run = calloc(1, sizeof *run);
    if (run == NULL) abort();
    run->scenario = scenario;
    run->world = world;
    if (timeline != NULL) {
        write_timeline_head(scenario, seed, timeline, policy);
        fl_world_set_trace_stream(world, timeline);
    }
    int status = build_world(run, error, sizeof error);
    if (status != FL_OK) {
        copy_text(result->failed_check, sizeof result->failed_check, "setup");
        copy_text(result->message, sizeof result->message, error);
        free(run);
        fl_world_destroy(world);
        return FL_EINVAL;
    }
    result->outcome = fl_world_run(world);
    fl_world_set_trace_stream(world, NULL);
    result->trace_hash = fl_world_trace_hash(world);
    result->client_blocked = result->outcome == FL_RUN_HANG && run->tasks_done < run->task_count;
    if (result->outcome == FL_RUN_HANG)
        capture(result->hang_report, sizeof result->hang_report, print_hang, world);
    /* The server log's text is for people: captured when a timeline is
     * written or a check failed, not on every passing seed (printing it
     * was near a tenth of a short run). */
    bool log_captured = timeline != NULL;
    if (log_captured)
        capture(result->server_log, sizeof result->server_log, print_server_log,
                fl_asgi_server_log(run->server));
    if (timeline != NULL) write_timeline(run, result, timeline);
    checker_t checker = {.run = run, .result = result, .timeline = timeline};
    run_checks(&checker);
    result->passed = result->checks_failed == 0;
    if (!log_captured && (result->checks_failed > 0 || result->target_failed))
        capture(result->server_log, sizeof result->server_log, print_server_log,
                fl_asgi_server_log(run->server));
    if (timeline != NULL)
        fprintf(timeline, "--- %s\ntrace hash %016" PRIx64 "\n", result->passed ? "passed" : "FAILED",
                result->trace_hash);
    if (config != NULL && config->chrome_trace != NULL) fl_chrome_trace_write(world, config->chrome_trace);
    free(run);
    fl_world_destroy(world);
    return FL_OK;
}

/* --- a whole scenario -------------------------------------------------------------------------- */

/* The faults that must act in at least one seed of the range, as a bit
 * mask over the scenario's faults (those of probability 1 must act in each
 * seed: check_faults_fired). */
static uint64_t faults_required_some_seed(const fl_scenario_t *s) {
    uint64_t mask = 0;
    for (size_t i = 0; i < s->fault_count; i++)
        if (!s->faults[i].may_not_fire && s->faults[i].spec.trigger.probability < 1.0)
            mask |= UINT64_C(1) << i;
    return mask;
}

/* Holds, after every seed passed: a fault of lower probability that acted
 * in none of them was never tested. Returns false (with the message) then. */
static bool range_faults_fired(const fl_scenario_t *s, uint64_t fired, uint64_t first,
                               uint64_t last, fl_scenario_result_t *result) {
    uint64_t silent = faults_required_some_seed(s) & ~fired;
    if (silent == 0) return true;
    size_t index = 0;
    while (!(silent & (UINT64_C(1) << index))) index++;
    char fault[256];
    describe_fault(s, index, fault, sizeof fault);
    result->seed = first;
    snprintf(result->message, sizeof result->message,
             "faults-fired: %s (probability %g) never fired in seeds %" PRIu64 "..%" PRIu64
             " (more seeds, a higher probability, or may_not_fire: true)",
             fault, s->faults[index].spec.trigger.probability, first, last);
    return false;
}

int fl_scenario_run(const fl_scenario_t *scenario, const fl_run_config_t *config,
                    fl_scenario_result_t *result) {
    assert(scenario != NULL && result != NULL);
    memset(result, 0, sizeof *result);
    uint64_t first = scenario->seed_first, last = scenario->seed_last;
    if (first == 0 && last == 0) first = 1, last = RUN_DEFAULT_SEED_LAST;
    if (config != NULL && config->has_seed_range) first = config->seed_first, last = config->seed_last;
    if (last < first) {
        snprintf(result->message, sizeof result->message, "empty seed range %" PRIu64 "..%" PRIu64,
                 first, last);
        return FL_EINVAL;
    }
    bool finds = scenario->mode == FL_SCENARIO_FINDS;
    uint64_t fired = 0;
    uint64_t found_without_faults = 0;
    /* The loop is bounded by the range; a seed at UINT64_MAX ends it too. */
    for (uint64_t seed = first;; seed++) {
        int status = fl_scenario_run_seed(scenario, seed, config, &result->detail);
        result->seeds_run++;
        if (status != FL_OK) {
            result->seed = seed;
            snprintf(result->message, sizeof result->message, "seed %" PRIu64 ": cannot run: %s",
                     seed, result->detail.message);
            return status;
        }
        fired |= result->detail.faults_fired;
        /* A bug shown in a seed where its faults did not act was not shown
         * by them: that seed does not count as a find. */
        bool faults_acted = !result->detail.faults_silent;
        if (finds && result->detail.target_failed && !faults_acted) found_without_faults++;
        if (finds && result->detail.target_failed && faults_acted) {
            result->passed = true;
            result->seed = seed;
            snprintf(result->message, sizeof result->message, "found at seed %" PRIu64 ": %s", seed,
                     result->detail.target_message);
            return FL_OK;
        }
        if (!finds && !result->detail.passed) {
            result->seed = seed;
            snprintf(result->message, sizeof result->message, "failed at seed %" PRIu64 ": %s", seed,
                     result->detail.message);
            return FL_OK;
        }
        if (seed == last) break;
    }
    const char *seeds_word = result->seeds_run == 1 ? "seed" : "seeds";
    if (finds && found_without_faults > 0)
        snprintf(result->message, sizeof result->message,
                 "%s not found in %" PRIu64 " %s (it failed in %" PRIu64
                 " where a fault never fired: see faults-fired)",
                 scenario->finds ? scenario->finds : "(no check named)", result->seeds_run,
                 seeds_word, found_without_faults);
    else if (finds)
        snprintf(result->message, sizeof result->message, "%s not found in %" PRIu64 " %s",
                 scenario->finds ? scenario->finds : "(no check named)", result->seeds_run,
                 seeds_word);
    else if (!range_faults_fired(scenario, fired, first, last, result))
        return FL_OK;
    else
        snprintf(result->message, sizeof result->message, "held over %" PRIu64 " %s (%" PRIu64
                 "..%" PRIu64 ")", result->seeds_run, seeds_word, first, last);
    result->passed = !finds;
    return FL_OK;
}
