/* The handler's program steps (sim/asgi/program.h): one parse function and
 * key table each, as rows of the handler steps table (model/load_server.c)
 * name them. Steps that hold blocks read them with fl__load_handler_steps,
 * so a block is a list of handler steps like any other. */
#include "harness/model/load_sections.h"

#include <assert.h>
#include <string.h>

#include "sim/runtime/channel.h"
#include "sim/runtime/status.h"

#define INTO(member) FL_INTO(fl_scripted_step_t, member)

const fl_key_t FL__NO_KEYS[] = {FL_KEYS_END};

/* checkpoint: {} and cancel_group: {}: no keys, nothing to read. */
int fl__parse_checkpoint_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                              fl_scripted_step_t *out) {
    (void)ld, (void)value, (void)path;
    assert(out != NULL);
    assert(out->kind == FL_SCRIPTED_CHECKPOINT || out->kind == FL_SCRIPTED_CANCEL_GROUP);
    return 0;
}

/* log: TEXT: an entry of the server log (kind "log"). */
int fl__parse_log_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                       fl_scripted_step_t *out) {
    assert(out != NULL);
    assert(out->kind == FL_SCRIPTED_LOG || out->kind == FL_SCRIPTED_LOG_IF_CANCELLED);
    int status = fl__yaml_nonempty(ld, value, path, &out->text);
    assert(status != 0 || out->text != NULL);
    return status;
}

FL_NAMED_KEY_READER(READ_MESSAGE_TYPE, fl_asgi_message_type_t, "ASGI message type",
                    FL_ASGI_RESPONSE_BODY + 1, fl_asgi_message_type_name);

const fl_key_t FL__SEND_KEYS[] = {
    {"type", "ASGI message type", "with message: its own",
     "http.response.start or http.response.body", &READ_MESSAGE_TYPE, INTO(message)},
    {"status", "integer 100..599", "200", "start: the status", &FL_READ_STATUS, INTO(status)},
    {"headers", "headers", "none", "start: the headers", FL_BY_HAND},
    {"body", "string", "empty", "body: the bytes", &FL_READ_STRING, INTO(body)},
    {"more_body", "bool", "false", "body: more body messages follow", &FL_READ_BOOL,
     INTO(more_body)},
    {"message", "slot name", "none", "send a kept message as it is (alone: no other key)",
     &FL_READ_NONEMPTY, INTO(slot)},
    {"body_from", "slot name", "none", "body: the body of a kept message", &FL_READ_NONEMPTY,
     INTO(body_from)},
    FL_KEYS_END,
};

/* send: {type, ...}: await send(message), a response message of the app's
 * making, sent as it is (the server judges it, as uvicorn does). */
int fl__parse_send_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                        fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_SEND);
    assert(ld != NULL && value != NULL && path != NULL);
    if (out->slot != NULL) {
        if (fl__yaml_pair_count(value) != 1)
            return FAIL(ld, value, "%s: message sends a kept message alone: no other key", path);
        return 0;
    }
    fl_yaml_node_t *type = fl__yaml_get(ld, value, "type");
    if (type == NULL) return FAIL(ld, value, "missing required key 'type' in %s", path);
    bool start = out->message == FL_ASGI_RESPONSE_START;
    if (!start && out->message != FL_ASGI_RESPONSE_BODY)
        return FAIL(ld, type, "%s.type: an app sends http.response.start or http.response.body",
                    path);
    fl_yaml_node_t *v = fl__yaml_get(ld, value, "headers");
    if (v != NULL)
        TRY(fl__yaml_response_headers(ld, v, fl__yaml_child_path(ld, path, "headers"),
                                      &out->headers, &out->header_count));
    assert(out->header_count <= HEADERS_MAX); /* fl__yaml_headers refuses more */
    bool has_body = out->body != NULL || out->body_from != NULL;
    const char *misplaced = start ? (has_body ? "body" : NULL)
                                  : (out->status != 0 ? "status"
                                     : v != NULL      ? "headers"
                                                      : NULL);
    if (misplaced != NULL)
        return FAIL(ld, value, "%s: %s does not belong in %s", path, misplaced,
                    fl_asgi_message_type_name(out->message));
    if (out->body != NULL && out->body_from != NULL)
        return FAIL(ld, value, "%s: give body or body_from, not both", path);
    return 0;
}

const fl_key_t FL__RECEIVE_KEYS[] = {
    {"until", "ASGI message type", "the next message", "receive until this one: http.disconnect",
     &READ_MESSAGE_TYPE, INTO(message)},
    {"as", "slot name", "not kept", "keep the (last) message received under this name",
     &FL_READ_NONEMPTY, INTO(slot)},
    FL_KEYS_END,
};

/* receive: {} or {until: http.disconnect}. */
int fl__parse_receive_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                           fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_RECEIVE);
    assert(ld != NULL && value != NULL && path != NULL);
    fl_yaml_node_t *until = fl__yaml_get(ld, value, "until");
    if (until != NULL && out->message != FL_ASGI_HTTP_DISCONNECT)
        return FAIL(ld, until, "%s.until: only http.disconnect is waited for", path);
    out->until_disconnect = until != NULL;
    return 0;
}

/* One block of role at path, its steps read from node. */
static int parse_block(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                       fl_scripted_block_role_t role, fl_scripted_block_t *out) {
    assert(ld != NULL && node != NULL && path != NULL && out != NULL);
    assert((unsigned)role <= FL_BLOCK_DEFAULT && out->steps == NULL && out->step_count == 0);
    out->role = role;
    int status = fl__load_handler_steps(ld, node, path, false, &out->steps, &out->step_count);
    assert(status != 0 || (out->step_count <= FL_SCRIPTED_STEPS_MAX &&
                           (out->steps != NULL || out->step_count == 0)));
    return status;
}

static fl_scripted_block_t *blocks(fl_yaml_reader_t *ld, size_t count) {
    assert(ld != NULL && count >= 1 && count <= FL_SCRIPTED_BLOCKS_MAX);
    assert(ld->arena != NULL);
    return fl_arena_zalloc(ld->arena, count * sizeof(fl_scripted_block_t));
}

static int set_blocks(fl_scripted_step_t *out, const fl_scripted_block_t *all, size_t count) {
    assert(out != NULL && all != NULL && count >= 1 && count <= FL_SCRIPTED_BLOCKS_MAX);
    assert(out->blocks == NULL && out->block_count == 0); /* a step's blocks are set once */
    for (size_t i = 0; i < count; i++)
        assert((unsigned)all[i].role <= FL_BLOCK_DEFAULT &&
               all[i].step_count <= FL_SCRIPTED_STEPS_MAX);
    out->blocks = all;
    out->block_count = count;
    return 0;
}

/* The one body block a step reads from its required steps key. */
static int parse_body(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                      fl_scripted_step_t *out) {
    assert(ld != NULL && value != NULL && path != NULL && out != NULL);
    assert(out->kind == FL_SCRIPTED_MOVE_ON_AFTER || out->kind == FL_SCRIPTED_FAIL_AFTER ||
           out->kind == FL_SCRIPTED_REPEAT || out->kind == FL_SCRIPTED_WAIT_FOR);
    fl_yaml_node_t *steps;
    TRY(fl__yaml_require(ld, value, "steps", path, &steps));
    fl_scripted_block_t *body = blocks(ld, 1);
    TRY(parse_block(ld, steps, fl__yaml_child_path(ld, path, "steps"), FL_BLOCK_BODY, body));
    return set_blocks(out, body, 1);
}

/* shield: [steps]: the steps in a shielded cancel scope. */
int fl__parse_shield_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                          fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_SHIELD);
    assert(ld != NULL && value != NULL && path != NULL);
    fl_scripted_block_t *body = blocks(ld, 1);
    TRY(parse_block(ld, value, path, FL_BLOCK_BODY, body));
    return set_blocks(out, body, 1);
}

const fl_key_t FL__TIMED_KEYS[] = {
    {"duration", "duration", NULL, "the deadline, from when the block starts", &FL_READ_DURATION,
     INTO(duration_ns)},
    {"steps", "list of handler steps", NULL, "the block", FL_BY_HAND},
    FL_KEYS_END,
};

/* move_on_after / fail_after: {duration, steps}. */
int fl__parse_timed_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                         fl_scripted_step_t *out) {
    assert(out != NULL);
    assert(out->kind == FL_SCRIPTED_MOVE_ON_AFTER || out->kind == FL_SCRIPTED_FAIL_AFTER);
    return parse_body(ld, value, path, out);
}

static const fl_key_t EXCEPT_KEYS[] = {
    {"error", "error kind", NULL, "the kind caught, with the kinds below it", &FL_READ_ERROR_KIND,
     FL_INTO(fl_scripted_block_t, error)},
    {"steps", "list of handler steps", NULL, "what handles it", FL_BY_HAND},
    FL_KEYS_END,
};

const fl_key_t FL__TRY_KEYS[] = {
    {"steps", "list of handler steps", NULL, "the body", FL_BY_HAND},
    {"except", "list of {error, steps}", "none", "handlers, the first that matches runs",
     FL_BY_HAND},
    {"finally", "list of handler steps", "none", "runs however the body ended", FL_BY_HAND},
    FL_KEYS_END,
};

/* The except list's handlers, into out from out[0]; their count. */
static int parse_excepts(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                         fl_scripted_block_t *out, size_t room, size_t *count_out) {
    assert(ld != NULL && node != NULL && path != NULL && out != NULL && count_out != NULL);
    assert(room <= FL_SCRIPTED_BLOCKS_MAX - 2); /* the body and a finally stay */
    TRY(fl__yaml_expect_sequence(ld, node, path));
    size_t count = fl__yaml_sequence_count(node);
    if (count > room) return FAIL(ld, node, "%s: more than %zu handlers", path, room);
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, node, i);
        const char *item_path = fl__yaml_index_path(ld, path, i);
        TRY(fl__yaml_check_and_read_keys(ld, item, item_path, EXCEPT_KEYS, &out[i], sizeof out[i]));
        fl_yaml_node_t *steps;
        TRY(fl__yaml_require(ld, item, "steps", item_path, &steps));
        TRY(parse_block(ld, steps, fl__yaml_child_path(ld, item_path, "steps"), FL_BLOCK_EXCEPT,
                        &out[i]));
    }
    *count_out = count;
    return 0;
}

/* try: {steps, except: [{error, steps}], finally: steps}. */
int fl__parse_try_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                       fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_TRY);
    assert(ld != NULL && value != NULL && path != NULL);
    fl_scripted_block_t *all = blocks(ld, FL_SCRIPTED_BLOCKS_MAX);
    fl_yaml_node_t *v;
    TRY(fl__yaml_require(ld, value, "steps", path, &v));
    TRY(parse_block(ld, v, fl__yaml_child_path(ld, path, "steps"), FL_BLOCK_BODY, &all[0]));
    size_t count = 1, excepts = 0;
    if ((v = fl__yaml_get(ld, value, "except")) != NULL)
        TRY(parse_excepts(ld, v, fl__yaml_child_path(ld, path, "except"), &all[1],
                          FL_SCRIPTED_BLOCKS_MAX - 2, &excepts));
    count += excepts;
    if ((v = fl__yaml_get(ld, value, "finally")) != NULL)
        TRY(parse_block(ld, v, fl__yaml_child_path(ld, path, "finally"), FL_BLOCK_FINALLY,
                        &all[count++]));
    if (count == 1) return FAIL(ld, value, "%s: give except, finally or both", path);
    assert(count <= FL_SCRIPTED_BLOCKS_MAX);
    return set_blocks(out, all, count);
}

const fl_key_t FL__CHILD_KEYS[] = {
    {"name", "string", "<handler> child <i>", "the child task's name", &FL_READ_NONEMPTY,
     FL_INTO(fl_scripted_block_t, name)},
    {"steps", "list of handler steps", NULL, "what the child runs", FL_BY_HAND},
    FL_KEYS_END,
};

const fl_key_t FL__TASK_GROUP_KEYS[] = {
    {"children", "list of {name, steps}", "none", "each runs as its own task in the group",
     FL_BY_HAND},
    {"steps", "list of handler steps", "none",
     "the opener's body, after the children start: spawn and cancel_group mean this group",
     FL_BY_HAND},
    {"lone_error_bare", "bool", "false",
     "a lone error comes out bare, as anyio 3 raised it (else in a GroupError, as anyio 4)",
     &FL_READ_BOOL, INTO(lone_error_bare)},
    {"cancel_on_first_done", "bool", "false",
     "the first child to end cancels the others (StreamingResponse's wrap)", &FL_READ_BOOL,
     INTO(cancel_on_first_done)},
    FL_KEYS_END,
};

/* A child block: {name, steps}. */
static int parse_child(fl_yaml_reader_t *ld, fl_yaml_node_t *item, const char *path,
                       fl_scripted_block_t *out) {
    assert(ld != NULL && item != NULL && path != NULL && out != NULL);
    TRY(fl__yaml_check_and_read_keys(ld, item, path, FL__CHILD_KEYS, out, sizeof *out));
    fl_yaml_node_t *steps;
    TRY(fl__yaml_require(ld, item, "steps", path, &steps));
    return parse_block(ld, steps, fl__yaml_child_path(ld, path, "steps"), FL_BLOCK_CHILD, out);
}

/* task_group: {children: [{name, steps}], steps, cancel_on_first_done}. */
int fl__parse_task_group_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                              fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_TASK_GROUP);
    assert(ld != NULL && value != NULL && path != NULL);
    fl_yaml_node_t *list = fl__yaml_get(ld, value, "children");
    fl_yaml_node_t *body = fl__yaml_get(ld, value, "steps");
    if (list == NULL && body == NULL)
        return FAIL(ld, value, "%s: give children, steps or both", path);
    const char *list_path = fl__yaml_child_path(ld, path, "children");
    size_t count = 0;
    if (list != NULL) {
        TRY(fl__yaml_expect_sequence(ld, list, list_path));
        count = fl__yaml_sequence_count(list);
        if ((count == 0 && body == NULL) || count + (body != NULL) > FL_SCRIPTED_BLOCKS_MAX)
            return FAIL(ld, list, "%s: 1..%d children", list_path,
                        FL_SCRIPTED_BLOCKS_MAX - (body != NULL));
    }
    fl_scripted_block_t *all = blocks(ld, count + (body != NULL));
    for (size_t i = 0; i < count; i++)
        TRY(parse_child(ld, fl__yaml_sequence_item(ld, list, i),
                        fl__yaml_index_path(ld, list_path, i), &all[i]));
    if (body != NULL)
        TRY(parse_block(ld, body, fl__yaml_child_path(ld, path, "steps"), FL_BLOCK_BODY,
                        &all[count++]));
    return set_blocks(out, all, count);
}

/* spawn: {name, steps}: a child of the innermost task group. */
int fl__parse_spawn_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                         fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_SPAWN);
    assert(ld != NULL && value != NULL && path != NULL);
    fl_scripted_block_t *child = blocks(ld, 1);
    TRY(parse_child(ld, value, path, child));
    return set_blocks(out, child, 1);
}

const fl_key_t FL__REPEAT_KEYS[] = {
    {"times", "integer > 0", "until_error", "rounds", &FL_READ_POSITIVE_UINT32, INTO(times)},
    {"until_error", "error kind", "none", "stop quietly when a round raises this kind",
     &FL_READ_ERROR_KIND, INTO(error_kind)},
    {"steps", "list of handler steps", NULL, "one round", FL_BY_HAND},
    FL_KEYS_END,
};

/* repeat: {times | until_error, steps}. */
int fl__parse_repeat_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                          fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_REPEAT);
    assert(ld != NULL && value != NULL && path != NULL);
    bool until = fl__yaml_get(ld, value, "until_error") != NULL;
    if (until == (out->times > 0)) return FAIL(ld, value, "%s: give times or until_error", path);
    return parse_body(ld, value, path, out);
}

/* A channel name the program declared; else an error listing them. */
static int check_object(fl_yaml_reader_t *ld, fl_yaml_node_t *at, const char *path,
                        const char *name, fl_scripted_object_kind_t kind) {
    assert(ld != NULL && at != NULL && name != NULL && (unsigned)kind <= FL_OBJECT_SEMAPHORE);
    assert(ld->channel_count <= FL_SCRIPTED_CHANNELS_MAX &&
           (ld->channels != NULL || ld->channel_count == 0));
    static const char *const plural[] = {"channels", "events", "semaphores and locks"};
    fl_name_list_t names = {.used = 0};
    for (size_t i = 0; i < ld->channel_count; i++) {
        if (ld->channels[i].kind != kind) continue;
        if (strcmp(ld->channels[i].name, name) == 0) return 0;
        fl__name_list_add(&names, ", ", ld->channels[i].name);
    }
    if (names.used == 0) fl__name_list_add(&names, "", "none");
    return FAIL(ld, at, "%s: no %s named '%s' (the program's %s: %s)", path,
                kind == FL_OBJECT_CHANNEL ? "channel"
                : kind == FL_OBJECT_EVENT ? "event"
                                          : "semaphore",
                name, plural[kind], names.text);
}

static int check_channel(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                         const char *name) {
    assert(ld != NULL && value != NULL && path != NULL && name != NULL);
    return check_object(ld, fl__yaml_get(ld, value, "channel"),
                        fl__yaml_child_path(ld, path, "channel"), name, FL_OBJECT_CHANNEL);
}

/* set, wait, acquire, release: NAME, an event or a semaphore of the program. */
int fl__parse_sync_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                        fl_scripted_step_t *out) {
    assert(out != NULL && out->kind >= FL_SCRIPTED_EVENT_SET && out->kind <= FL_SCRIPTED_RELEASE);
    TRY(fl__yaml_nonempty(ld, value, path, &out->channel));
    assert(out->channel != NULL);
    bool event = out->kind == FL_SCRIPTED_EVENT_SET || out->kind == FL_SCRIPTED_EVENT_WAIT;
    return check_object(ld, value, path, out->channel,
                        event ? FL_OBJECT_EVENT : FL_OBJECT_SEMAPHORE);
}

const fl_key_t FL__CHANNEL_SEND_KEYS[] = {
    {"channel", "channel name", NULL, "a channel of the program's", &FL_READ_NONEMPTY,
     INTO(channel)},
    {"message", "slot name", NULL, "the kept message to send (a copy goes)", &FL_READ_NONEMPTY,
     INTO(slot)},
    FL_KEYS_END,
};

const fl_key_t FL__CHANNEL_RECEIVE_KEYS[] = {
    {"channel", "channel name", NULL, "a channel of the program's", &FL_READ_NONEMPTY,
     INTO(channel)},
    {"as", "slot name", NULL, "keep the message under this name", &FL_READ_NONEMPTY, INTO(slot)},
    FL_KEYS_END,
};

const fl_key_t FL__CLOSE_KEYS[] = {
    {"channel", "channel name", NULL, "a channel of the program's", &FL_READ_NONEMPTY,
     INTO(channel)},
    {"end", "send or receive", "send", "which end closes", FL_BY_HAND},
    FL_KEYS_END,
};

const fl_key_t FL__CALL_APP_KEYS[] = {
    {"channel", "channel name", "none: the program's send",
     "the app's send puts each message into this channel", &FL_READ_NONEMPTY, INTO(channel)},
    {"shield_start", "bool", "false", "with channel: the start goes in inside a shielded scope",
     &FL_READ_BOOL, INTO(shield_start)},
    FL_KEYS_END,
};

/* channel_send, channel_receive, close and call_app: the channel they name
 * among the program's. */
int fl__parse_channel_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                           fl_scripted_step_t *out) {
    assert(out != NULL && out->kind >= FL_SCRIPTED_CHANNEL_SEND &&
           out->kind <= FL_SCRIPTED_CALL_APP);
    fl_yaml_node_t *end = fl__yaml_get(ld, value, "end");
    if (end != NULL) {
        assert(out->kind == FL_SCRIPTED_CLOSE); /* only its keys have end */
        bool receive;
        static const char *const ends[] = {"send", "receive", NULL};
        int index;
        TRY(fl__yaml_choice(ld, end, fl__yaml_child_path(ld, path, "end"), "end", ends, &index));
        assert(index == 0 || index == 1);
        receive = index == 1;
        out->close_receive = receive;
    }
    if (out->kind == FL_SCRIPTED_CALL_APP && out->channel == NULL && out->shield_start)
        return FAIL(ld, value, "%s: shield_start needs a channel", path);
    return out->channel == NULL ? 0 : check_channel(ld, value, path, out->channel);
}

/* The name key a channel and a semaphore share. */
#define OBJECT_NAME_KEY                                                                            \
    {                                                                                              \
        "name", "string", NULL, "what steps call it", &FL_READ_NONEMPTY,                           \
            FL_INTO(fl_scripted_channel_t, name)                                                   \
    }

static const fl_key_t SEMAPHORE_KEYS[] = {
    OBJECT_NAME_KEY,
    {"value", "integer", "0", "its initial value", &FL_READ_COUNT,
     FL_INTO(fl_scripted_channel_t, capacity)},
    FL_KEYS_END,
};

static const fl_key_t CHANNEL_KEYS[] = {
    OBJECT_NAME_KEY,
    {"capacity", "integer", "0", "items it holds (0: each send waits for a receiver)",
     &FL_READ_COUNT, FL_INTO(fl_scripted_channel_t, capacity)},
    FL_KEYS_END,
};

#undef OBJECT_NAME_KEY

static const char *const OBJECT_WORDS[] = {"channel", "event", "semaphore"};

/* One object declaration: a channel or semaphore mapping, or an event's
 * (or a lock's) name alone. */
static int parse_object(fl_yaml_reader_t *ld, fl_yaml_node_t *item, const char *path,
                        fl_scripted_object_kind_t kind, bool lock, fl_scripted_channel_t *out) {
    assert(ld != NULL && item != NULL && path != NULL && out != NULL);
    assert((unsigned)kind <= FL_OBJECT_SEMAPHORE && (!lock || kind == FL_OBJECT_SEMAPHORE));
    out->kind = kind;
    if (kind == FL_OBJECT_EVENT || lock) {
        out->capacity = lock ? 1 : 0;
        return fl__yaml_nonempty(ld, item, path, &out->name);
    }
    TRY(fl__yaml_check_and_read_keys(ld, item, path,
                                     kind == FL_OBJECT_CHANNEL ? CHANNEL_KEYS : SEMAPHORE_KEYS, out,
                                     sizeof *out));
    if (out->capacity > FL_CHANNEL_CAPACITY_MAX)
        return FAIL(ld, item, "%s: at most %zu", path, (size_t)FL_CHANNEL_CAPACITY_MAX);
    return 0;
}

int fl__load_objects(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                     fl_scripted_object_kind_t kind, bool lock, fl_scripted_spec_t *out) {
    assert(ld != NULL && node != NULL && path != NULL && out != NULL);
    assert((unsigned)kind <= FL_OBJECT_SEMAPHORE && (!lock || kind == FL_OBJECT_SEMAPHORE));
    TRY(fl__yaml_expect_sequence(ld, node, path));
    size_t count = fl__yaml_sequence_count(node), had = out->channel_count;
    if (had + count > FL_SCRIPTED_CHANNELS_MAX)
        return FAIL(ld, node, "%s: at most %d named objects in a program", path,
                    FL_SCRIPTED_CHANNELS_MAX);
    fl_scripted_channel_t *all = fl_arena_zalloc(ld->arena, (had + count + 1) * sizeof *all);
    if (had > 0) memcpy(all, out->channels, had * sizeof *all);
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, node, i);
        const char *item_path = fl__yaml_index_path(ld, path, i);
        fl_scripted_channel_t *object = &all[had + i];
        TRY(parse_object(ld, item, item_path, kind, lock, object));
        assert(object->name != NULL && object->capacity <= FL_CHANNEL_CAPACITY_MAX);
        for (size_t j = 0; j < had + i; j++)
            if (all[j].kind == kind && strcmp(all[j].name, object->name) == 0)
                return FAIL(ld, item, "%s: a second %s named '%s'", item_path, OBJECT_WORDS[kind],
                            object->name);
    }
    out->channels = all;
    out->channel_count = had + count;
    return 0;
}

int fl__load_program_objects(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                             fl_scripted_spec_t *out) {
    assert(ld != NULL && node != NULL && path != NULL && out != NULL);
    static const struct {
        const char *key;
        fl_scripted_object_kind_t kind;
        bool lock;
    } lists[] = {{"channels", FL_OBJECT_CHANNEL, false},
                 {"events", FL_OBJECT_EVENT, false},
                 {"semaphores", FL_OBJECT_SEMAPHORE, false},
                 {"locks", FL_OBJECT_SEMAPHORE, true}};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        fl_yaml_node_t *v = fl__yaml_get(ld, node, lists[i].key);
        if (v != NULL)
            TRY(fl__load_objects(ld, v, fl__yaml_child_path(ld, path, lists[i].key), lists[i].kind,
                                 lists[i].lock, out));
    }
    assert(out->channel_count <= FL_SCRIPTED_CHANNELS_MAX);
    return 0;
}

FL_NAMED_KEY_READER(READ_WAIT_FOR_VERSION, fl_wait_for_version_t, "wait_for version",
                    FL_WAIT_FOR_VERSION_COUNT, fl_wait_for_version_name);

const fl_key_t FL__WAIT_FOR_KEYS[] = {
    {"timeout", "duration", "0: none", "DeadlineExceeded after this long", &FL_READ_DURATION,
     INTO(duration_ns)},
    {"version", "wait_for version", "3.12",
     "3.11: a cancellation in the step the operation ends in is lost (bpo-42130); 3.12: it wins",
     &READ_WAIT_FOR_VERSION, INTO(wait_for)},
    {"steps", "list of handler steps", NULL, "the operation waited for, as a task of its own",
     FL_BY_HAND},
    FL_KEYS_END,
};

/* A wait_for before its keys are read: 3.12's unless version says. */
const fl_scripted_step_t FL__WAIT_FOR_DEFAULTS = {.wait_for = FL_WAIT_FOR_3_12};

/* wait_for: {timeout, version, steps}. */
int fl__parse_wait_for_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                            fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_WAIT_FOR);
    assert((unsigned)out->wait_for < FL_WAIT_FOR_VERSION_COUNT); /* its reader refuses others */
    return parse_body(ld, value, path, out);
}

FL_NAMED_KEY_READER(READ_MATCH_ON, fl_scripted_match_on_t, "match subject", FL_MATCH_ON_COUNT,
                    fl_scripted_match_on_name);

const fl_key_t FL__MATCH_KEYS[] = {
    {"on", "count, method or header", NULL,
     "what of the request: the route's request count (from 1), the method, or a header",
     &READ_MATCH_ON, INTO(match_on)},
    {"header", "string", "with on: header", "the header's name", &FL_READ_NONEMPTY,
     INTO(match_header)},
    {"cases", "list of {value, steps}", NULL, "the first case whose value it is runs", FL_BY_HAND},
    {"default", "list of handler steps", "nothing", "runs when no case matched", FL_BY_HAND},
    FL_KEYS_END,
};

static const fl_key_t CASE_KEYS[] = {
    {"value", "string", NULL, "the value this case matches (a count is written 1, 2, ...)",
     &FL_READ_STRING, FL_INTO(fl_scripted_block_t, value)},
    {"steps", "list of handler steps", NULL, "what runs then", FL_BY_HAND},
    FL_KEYS_END,
};

/* match: {on, header, cases: [{value, steps}], default}. */
int fl__parse_match_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                         fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_MATCH);
    assert(ld != NULL && value != NULL && path != NULL);
    assert((unsigned)out->match_on < FL_MATCH_ON_COUNT); /* its reader refuses others */
    if ((out->match_on == FL_MATCH_HEADER) != (out->match_header != NULL))
        return FAIL(ld, value, "%s: header names the header of on: header, and only it", path);
    fl_yaml_node_t *list, *fallback = fl__yaml_get(ld, value, "default");
    TRY(fl__yaml_require(ld, value, "cases", path, &list));
    const char *list_path = fl__yaml_child_path(ld, path, "cases");
    TRY(fl__yaml_expect_sequence(ld, list, list_path));
    size_t count = fl__yaml_sequence_count(list);
    if (count == 0 || count + (fallback != NULL) > FL_SCRIPTED_BLOCKS_MAX)
        return FAIL(ld, list, "%s: 1..%d cases", list_path,
                    FL_SCRIPTED_BLOCKS_MAX - (fallback != NULL));
    fl_scripted_block_t *all = blocks(ld, count + (fallback != NULL));
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, list, i);
        const char *item_path = fl__yaml_index_path(ld, list_path, i);
        TRY(fl__yaml_check_and_read_keys(ld, item, item_path, CASE_KEYS, &all[i], sizeof all[i]));
        fl_yaml_node_t *steps;
        TRY(fl__yaml_require(ld, item, "steps", item_path, &steps));
        TRY(parse_block(ld, steps, fl__yaml_child_path(ld, item_path, "steps"), FL_BLOCK_CASE,
                        &all[i]));
    }
    if (fallback != NULL)
        TRY(parse_block(ld, fallback, fl__yaml_child_path(ld, path, "default"), FL_BLOCK_DEFAULT,
                        &all[count++]));
    return set_blocks(out, all, count);
}

int fl__load_program_steps(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                           bool top_level, fl_scripted_spec_t *out) {
    assert(ld != NULL && out != NULL && ld->channels == NULL && ld->channel_count == 0);
    ld->channels = out->channels;
    ld->channel_count = out->channel_count;
    int status = fl__load_handler_steps(ld, node, path, top_level, &out->steps, &out->step_count);
    assert(status != 0 || out->step_count <= FL_SCRIPTED_STEPS_MAX);
    assert(ld->channels == out->channels); /* the steps read the program's objects */
    ld->channels = NULL;
    ld->channel_count = 0;
    return status;
}

const fl_key_t FL__PROGRAM_KEYS[] = {
    {"name", "string", NULL, "the middleware's name, in messages and child task names",
     &FL_READ_NONEMPTY, FL_INTO(fl_server_layer_t, program.name)},
    {"channels", "list of {name, capacity}", "none", "its channels, made anew for each call",
     FL_BY_HAND},
    {"events", "list of names", "none", "its events (anyio.Event), made anew for each call",
     FL_BY_HAND},
    {"semaphores", "list of {name, value}", "none", "its semaphores, made anew for each call",
     FL_BY_HAND},
    {"locks", "list of names", "none", "its locks (semaphores of value 1)", FL_BY_HAND},
    {"steps", "list of handler steps", NULL, "what each call runs; call_app calls the app inside",
     FL_BY_HAND},
    FL_KEYS_END,
};

/* program: {name, channels, steps}: a middleware written as a program. */
int fl__parse_program_layer(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                            fl_server_layer_t *out) {
    assert(out != NULL && out->kind == FL_LAYER_PROGRAM);
    assert(ld != NULL && value != NULL && path != NULL);
    assert(out->program.name != NULL); /* a required key */
    TRY(fl__load_program_objects(ld, value, path, &out->program));
    fl_yaml_node_t *v;
    TRY(fl__yaml_require(ld, value, "steps", path, &v));
    return fl__load_program_steps(ld, v, fl__yaml_child_path(ld, path, "steps"), false,
                                  &out->program);
}

#undef INTO
