#include "tests/support/asgi_app_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void at_init(at_harness_t *harness, const char *policy, uint64_t seed) {
    memset(harness, 0, sizeof *harness);
    fl_world_options_t options = {.seed = seed, .policy = policy};
    char error[256];
    harness->world = fl_world_create(&options, error, sizeof error);
    if (harness->world == NULL) {
        fprintf(stderr, "at_init: %s\n", error);
        abort();
    }
    harness->log = fl_server_log_create(harness->world);
    harness->scope = (fl_asgi_scope_t){
        .type = "http", .spec_version = "2.3", .http_version = "1.1", .method = "GET",
        .path = "/", .query_string = "", .client_host = "127.0.0.1", .client_port = 50000,
        .connection_id = 1, .cycle_id = 1, .log = harness->log,
    };
}

void at_destroy(at_harness_t *harness) {
    fl_world_destroy(harness->world);
    harness->world = NULL;
}

static void push(at_harness_t *harness, fl_asgi_message_t message) {
    if (harness->incoming_count == AT_INCOMING_MAX) abort();
    harness->incoming[harness->incoming_count++] = message;
}

void at_push_request(at_harness_t *harness, const char *body, bool more_body) {
    push(harness, (fl_asgi_message_t){.type = FL_ASGI_HTTP_REQUEST,
                                      .body = (const unsigned char *)body,
                                      .body_length = body ? strlen(body) : 0,
                                      .more_body = more_body});
}

void at_push_disconnect(at_harness_t *harness) {
    push(harness, (fl_asgi_message_t){.type = FL_ASGI_HTTP_DISCONNECT});
}

void at_disconnect_after_chunks(at_harness_t *harness, size_t chunks) {
    harness->when_empty = AT_EMPTY_GATE;
    harness->disconnect_after_chunks = chunks;
    harness->gate = fl_event_create(harness->world, "client disconnect");
}

static fl_error_t *status_error(fl_world_t *world, int status, const char *context) {
    return fl_error_from_status(fl_world_arena(world), status, context);
}

static fl_error_t *wait_when_empty(at_harness_t *harness, fl_world_t *world) {
    switch (harness->when_empty) {
    case AT_EMPTY_DISCONNECT: return NULL;
    case AT_EMPTY_BLOCK: return status_error(world, fl_sleep_forever(world), "receive");
    case AT_EMPTY_GATE: return status_error(world, fl_event_wait(world, harness->gate), "receive");
    }
    return NULL;
}

static fl_error_t *harness_receive(void *context, fl_world_t *world, fl_asgi_message_t *out) {
    at_harness_t *harness = context;
    harness->receive_count++;
    int status = harness->receive_without_checkpoint ? fl_checkpoint_if_cancelled(world)
                                                     : fl_checkpoint(world);
    if (status != FL_OK) return status_error(world, status, "receive");
    if (harness->incoming_next < harness->incoming_count) {
        *out = harness->incoming[harness->incoming_next++];
        if (out->type == FL_ASGI_HTTP_DISCONNECT) harness->disconnected = true;
        return NULL;
    }
    fl_error_t *error = wait_when_empty(harness, world);
    if (error != NULL) return error;
    harness->disconnected = true;
    *out = (fl_asgi_message_t){.type = FL_ASGI_HTTP_DISCONNECT};
    return NULL;
}

static void record(at_harness_t *harness, const fl_asgi_message_t *message) {
    if (harness->sent_count == AT_SENT_MAX) abort();
    fl_world_t *world = harness->world;
    harness->sent[harness->sent_count++] = fl_asgi_message_copy(fl_world_arena(world), message);
    int64_t value = message->type == FL_ASGI_RESPONSE_START ? message->status
                                                            : (int64_t)message->body_length;
    fl_server_log_add(harness->log, FL_SERVER_LOG_MESSAGE_SENT, 1, value, "%s%s",
                      fl_asgi_message_type_name(message->type),
                      message->type == FL_ASGI_RESPONSE_BODY && !message->more_body ? " final"
                                                                                     : "");
    if (message->type != FL_ASGI_RESPONSE_BODY || !message->more_body) return;
    harness->chunks_sent++;
    if (harness->gate != NULL && harness->chunks_sent == harness->disconnect_after_chunks)
        fl_event_set(world, harness->gate);
}

static fl_error_t *harness_send(void *context, fl_world_t *world,
                                const fl_asgi_message_t *message) {
    at_harness_t *harness = context;
    int status = fl_checkpoint(world);
    if (status != FL_OK) return status_error(world, status, "send");
    if ((harness->disconnected && harness->spec24_raise) ||
        harness->fail_send_at == harness->sent_count + 1)
        return fl_error_new(fl_world_arena(world), FL_ERR_OS_ERROR, "client disconnected");
    record(harness, message);
    return NULL;
}

static fl_error_t *app_task(fl_world_t *world, void *arg) {
    at_harness_t *harness = arg;
    fl_asgi_receive_t receive = {.call = harness_receive, .context = harness};
    fl_asgi_send_t send = {.call = harness_send, .context = harness};
    harness->app_error = fl_asgi_call(harness->app, world, &harness->scope, receive, send);
    harness->app_done = true;
    harness->app_done_ns = fl_now(world);
    return NULL;
}

fl_run_outcome_t at_run(at_harness_t *harness, fl_asgi_app_t *app) {
    harness->app = app;
    fl_spawn(harness->world, "app", app_task, harness);
    return fl_world_run(harness->world);
}

size_t at_count_sent(const at_harness_t *harness, fl_asgi_message_type_t type) {
    size_t count = 0;
    for (size_t i = 0; i < harness->sent_count; i++) count += harness->sent[i]->type == type;
    return count;
}

const char *at_body_text(const at_harness_t *harness) {
    size_t length = 0;
    for (size_t i = 0; i < harness->sent_count; i++) length += harness->sent[i]->body_length;
    char *text = fl_arena_alloc(fl_world_arena(harness->world), length + 1);
    size_t at = 0;
    for (size_t i = 0; i < harness->sent_count; i++) {
        const fl_asgi_message_t *m = harness->sent[i];
        if (m->body_length > 0) memcpy(text + at, m->body, m->body_length);
        at += m->body_length;
    }
    text[at] = '\0';
    return text;
}

size_t at_log_index(const at_harness_t *harness, fl_server_log_kind_t kind, const char *text) {
    for (size_t i = 0; i < fl_server_log_count(harness->log); i++) {
        const fl_server_log_entry_t *entry = fl_server_log_entry(harness->log, i);
        if (entry->kind == kind && (text == NULL || strstr(entry->text, text) != NULL)) return i;
    }
    return SIZE_MAX;
}

size_t at_log_count(const at_harness_t *harness, fl_server_log_kind_t kind, const char *text) {
    return fl_server_log_matches(harness->log, kind, 0, text);
}

const char *at_sent_header(const at_harness_t *harness, size_t index, const char *name) {
    if (index >= harness->sent_count) return NULL;
    const fl_asgi_message_t *m = harness->sent[index];
    return fl_asgi_header_get(m->headers, m->header_count, name);
}
