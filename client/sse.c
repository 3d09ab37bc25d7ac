#include "client/sse.h"
#include "client/error_kinds.h"
#include "client/mapping.h"

#include <stdlib.h>
#include <assert.h>
#include <string.h>

#include "sim/runtime/cancel.h"
#include "sim/runtime/channel.h"
#include "sim/runtime/status.h"
#include "sim/runtime/taskgroup.h"
#include "sim/runtime/marks.h"

/* --- parsing ------------------------------------------------------------------------ */

enum { SSE_LINE_MAX = 64 * 1024 };

struct fl_sse_parser {
    fl_arena_t *arena;
    fl_sse_dispatch_fn dispatch;
    void *context;
    char line[SSE_LINE_MAX];
    size_t line_length;
    bool skip_lf; /* the last line ended with CR: a following LF is part of it */
    bool overlong; /* a line was longer than SSE_LINE_MAX - 1: the stream is refused */
    char *data;   /* malloc'd while an event is being built */
    size_t data_length;
    char *event; /* arena */
    char *id;
    bool has_retry;
    int64_t retry_ms;
    uint64_t comments; /* comment lines seen */
    uint64_t pings;    /* of them, sse-starlette's pings (": ping ...") */
};

fl_sse_parser_t *fl_sse_parser_create(fl_arena_t *arena, fl_sse_dispatch_fn dispatch,
                                      void *context) {
    fl_client_error_kinds_add();
    /* Not zalloc: the line buffer is large and only ever read up to
     * line_length; clearing it was a twentieth of an SSE scenario run. */
    fl_sse_parser_t *p = fl_arena_alloc(arena, sizeof *p);
    p->arena = arena;
    p->dispatch = dispatch;
    p->context = context;
    p->line_length = 0;
    p->comments = 0;
    p->pings = 0;
    p->skip_lf = false;
    p->overlong = false;
    p->data = NULL;
    p->data_length = 0;
    p->event = NULL;
    p->id = NULL;
    p->has_retry = false;
    p->retry_ms = 0;
    return p;
}

static void append_data(fl_sse_parser_t *p, const char *value, size_t length) {
    /* Lines of one event's data are joined with "\n". */
    size_t extra = length + (p->data != NULL ? 1 : 0);
    char *grown = realloc(p->data, p->data_length + extra + 1);
    if (grown == NULL) fl__out_of_memory("sse data");
    if (p->data != NULL) grown[p->data_length++] = '\n';
    memcpy(grown + p->data_length, value, length);
    p->data_length += length;
    grown[p->data_length] = '\0';
    p->data = grown;
}

static void dispatch_event(fl_sse_parser_t *p) {
    if (p->data != NULL) {
        fl_sse_message_t *m = fl_arena_zalloc(p->arena, sizeof *m);
        m->event = p->event != NULL ? p->event : "message";
        m->data = fl_arena_strdup(p->arena, p->data);
        m->id = p->id;
        m->has_retry = p->has_retry;
        m->retry_ms = p->retry_ms;
        p->dispatch(p->context, m);
    }
    free(p->data);
    p->data = NULL;
    p->data_length = 0;
    p->event = NULL;
    p->has_retry = false;
}

static void process_line(fl_sse_parser_t *p, char *line, size_t length) {
    if (length == 0) {
        dispatch_event(p);
        return;
    }
    if (line[0] == ':') { /* a comment, a ping */
        p->comments++;
        if (length >= 6 && memcmp(line, ": ping", 6) == 0) p->pings++;
        return;
    }
    char *colon = memchr(line, ':', length);
    size_t name_length = colon ? (size_t)(colon - line) : length;
    const char *value = colon ? colon + 1 : "";
    size_t value_length = colon ? length - name_length - 1 : 0;
    if (value_length > 0 && *value == ' ') {
        value++;
        value_length--;
    }
    if (name_length == 4 && memcmp(line, "data", 4) == 0) {
        append_data(p, value, value_length);
    } else if (name_length == 5 && memcmp(line, "event", 5) == 0) {
        p->event = fl_arena_printf(p->arena, "%.*s", (int)value_length, value);
    } else if (name_length == 2 && memcmp(line, "id", 2) == 0) {
        if (memchr(value, '\0', value_length) == NULL)
            p->id = fl_arena_printf(p->arena, "%.*s", (int)value_length, value);
    } else if (name_length == 5 && memcmp(line, "retry", 5) == 0) {
        int64_t ms = 0;
        size_t i = 0;
        for (; i < value_length && value[i] >= '0' && value[i] <= '9' && ms < INT64_MAX / 10; i++)
            ms = ms * 10 + (value[i] - '0');
        if (i == value_length && value_length > 0) {
            p->has_retry = true;
            p->retry_ms = ms;
        }
    }
    /* Any other field is ignored, as the spec says. */
}

void fl_sse_parser_discard(fl_sse_parser_t *p) {
    assert(p != NULL);
    free(p->data);
    p->data = NULL;
    p->data_length = 0;
}

bool fl_sse_parser_feed(fl_sse_parser_t *p, const char *data, size_t length) {
    assert(p != NULL && (data != NULL || length == 0));
    for (size_t i = 0; i < length && !p->overlong; i++) {
        char c = data[i];
        if (p->skip_lf) {
            p->skip_lf = false;
            if (c == '\n') continue;
        }
        if (c == '\r' || c == '\n') {
            p->skip_lf = c == '\r';
            process_line(p, p->line, p->line_length);
            p->line_length = 0;
            continue;
        }
        /* A line is never cut to fit: its event would arrive as if whole. */
        if (p->line_length == SSE_LINE_MAX - 1) {
            p->overlong = true;
            fl_sse_parser_discard(p);
            break;
        }
        p->line[p->line_length++] = c;
    }
    assert(p->line_length < SSE_LINE_MAX);
    return !p->overlong;
}

/* --- the session --------------------------------------------------------------------- */

struct fl_sse_session {
    fl_client_t *client;
    fl_response_t *response;
    fl_channel_t *messages;
    fl_taskgroup_t *group;
    fl_task_t *owner;
    bool check_owner;
    bool closed;
    fl_sse_parser_t *parser;
    /* events parsed from the current chunk, waiting to be sent */
    fl_sse_message_t **ready;
    size_t ready_count;
    size_t ready_capacity;
};

static fl_sse_message_t end_message = {.end = true};

static void collect(void *context, const fl_sse_message_t *message) {
    fl_sse_session_t *s = context;
    if (s->ready_count == s->ready_capacity) {
        size_t capacity = s->ready_capacity ? s->ready_capacity * 2 : 8;
        fl_sse_message_t **grown = realloc(s->ready, capacity * sizeof *grown);
        if (grown == NULL) fl__out_of_memory("sse events");
        s->ready = grown;
        s->ready_capacity = capacity;
    }
    s->ready[s->ready_count++] = (fl_sse_message_t *)message;
}

/* The reader: chunks in, events out. Its last act sends "end", NOT
 * shielded, as the SDK's reader does: that send is the checkpoint a
 * cancellation of the connecting task's scope hits. */
static fl_error_t *reader_task(fl_world_t *w, void *arg) {
    fl_sse_session_t *s = arg;
    fl_error_t *error = NULL;
    for (;;) {
        const unsigned char *chunk;
        size_t length;
        bool done;
        error = fl_response_next_chunk(w, s->response, &chunk, &length, &done);
        if (error != NULL || done) break;
        if (!fl_sse_parser_feed(s->parser, (const char *)chunk, length)) {
            error = fl_client_map(fl_world_arena(w), FL_CLIENT_PARSE_ERROR,
                                  "an event-stream line is longer than 65535 bytes");
            s->ready_count = 0; /* the events before it were sent with their chunk */
            break;
        }
        for (size_t i = 0; i < s->ready_count && error == NULL; i++) {
            int status = fl_channel_send(w, s->messages, s->ready[i]);
            if (status != FL_OK)
                error = fl_error_from_status(fl_world_arena(w), status, "sse send");
        }
        s->ready_count = 0;
        if (error != NULL) break;
    }
    free(s->ready);
    s->ready = NULL;
    s->ready_capacity = 0;
    /* A stream that ended inside an event leaves its data unsent: drop it. */
    fl_sse_parser_discard(s->parser);
    int status = fl_channel_send(w, s->messages, &end_message);
    if (error == NULL && status != FL_OK)
        error = fl_error_from_status(fl_world_arena(w), status, "sse end");
    return error;
}

fl_error_t *fl_sse_connect(fl_world_t *world, fl_client_t *client, const char *url,
                           const fl_sse_options_t *options, fl_sse_session_t **session_out) {
    fl_client_error_kinds_add();
    fl_arena_t *arena = fl_world_arena(world);
    fl_request_t *request;
    fl_error_t *error = fl_request_create(arena, "GET", url, &request);
    if (error != NULL) return error;
    fl_headers_set(request->headers, "Accept", "text/event-stream");
    if (options != NULL && options->last_event_id != NULL && options->last_event_id[0] != '\0')
        fl_headers_set(request->headers, "Last-Event-ID", options->last_event_id);
    fl_response_t *response;
    error = fl_client_stream(world, client, request, &response);
    if (error != NULL) return error;
    fl_sse_session_t *s = fl_arena_zalloc(arena, sizeof *s);
    s->client = client;
    s->response = response;
    s->owner = fl_current_task(world);
    s->check_owner = options == NULL || !options->no_owner_check;
    s->messages = fl_channel_create(
        world, 0, options && options->channel_name ? options->channel_name : "sse messages");
    s->parser = fl_sse_parser_create(arena, collect, s);
    s->group = fl_taskgroup_open(world, "sse session");
    fl_taskgroup_spawn(s->group, "sse reader", reader_task, s);
    *session_out = s;
    return NULL;
}

fl_error_t *fl_sse_receive(fl_world_t *world, fl_sse_session_t *s, fl_sse_message_t **out) {
    fl_task_t *current = fl_current_task(world);
    if (s->check_owner && current != s->owner) {
        FL_MARK(SSE_OWNER_CHECK_FAILED);
        fl_error_t *error = fl_error_new(
            fl_world_arena(world), FL_ERR_TASK_CONTEXT_ERROR,
            "SSE session cannot be used across different async tasks: it was connected in "
            "task %u and is read from task %u; each task must connect its own session",
            fl_task_id(s->owner), fl_task_id(current));
        error->task_ids[0] = fl_task_id(s->owner);
        error->task_ids[1] = fl_task_id(current);
        return error;
    }
    void *item;
    int status = fl_channel_receive(world, s->messages, &item);
    if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "sse receive");
    *out = item;
    return NULL;
}

fl_error_t *fl_sse_close(fl_world_t *world, fl_sse_session_t *s) {
    if (s->closed) return NULL;
    s->closed = true;
    fl_scope_cancel(world, fl_taskgroup_scope(s->group));
    fl_error_t *error = fl_taskgroup_close(s->group, NULL);
    fl_response_close(world, s->response);
    return fl_error_collapse(error);
}

void fl_sse_comments(const fl_sse_session_t *session, uint64_t *comments_out, uint64_t *pings_out) {
    assert(session != NULL && comments_out != NULL && pings_out != NULL);
    *comments_out = session->parser->comments;
    *pings_out = session->parser->pings;
    assert(*pings_out <= *comments_out);
}

uint32_t fl_sse_owner(const fl_sse_session_t *s) { return fl_task_id(s->owner); }
