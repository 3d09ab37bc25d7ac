/* The handler's program steps (sim/asgi/program.h): one parse function and
 * key table each, as rows of the handler steps table (model/load_server.c)
 * name them. Steps that hold blocks read them with fl__load_handler_steps,
 * so a block is a list of handler steps like any other. */
#include "harness/model/load_sections.h"

#include <assert.h>
#include <string.h>

#include "sim/runtime/status.h"

#define INTO(member) FL_INTO(fl_scripted_step_t, member)

const fl_key_t FL__NO_KEYS[] = {FL_KEYS_END};

/* checkpoint: {}: one await of checkpoint(). */
int fl__parse_checkpoint_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                              fl_scripted_step_t *out) {
    (void)ld, (void)value, (void)path;
    assert(out != NULL && out->kind == FL_SCRIPTED_CHECKPOINT);
    return 0;
}

/* log: TEXT: an entry of the server log (kind "log"). */
int fl__parse_log_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                       fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_LOG);
    return fl__yaml_nonempty(ld, value, path, &out->text);
}

FL_NAMED_KEY_READER(READ_MESSAGE_TYPE, fl_asgi_message_type_t, "ASGI message type",
                    FL_ASGI_RESPONSE_BODY + 1, fl_asgi_message_type_name);

const fl_key_t FL__SEND_KEYS[] = {
    {"type", "ASGI message type", NULL, "http.response.start or http.response.body",
     &READ_MESSAGE_TYPE, INTO(message)},
    {"status", "integer 100..599", "200", "start: the status", &FL_READ_STATUS, INTO(status)},
    {"headers", "headers", "none", "start: the headers", FL_BY_HAND},
    {"body", "string", "empty", "body: the bytes", &FL_READ_STRING, INTO(body)},
    {"more_body", "bool", "false", "body: more body messages follow", &FL_READ_BOOL,
     INTO(more_body)},
    FL_KEYS_END,
};

/* send: {type, ...}: await send(message), a response message of the app's
 * making, sent as it is (the server judges it, as uvicorn does). */
int fl__parse_send_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                        fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_SEND);
    TRY(fl__yaml_read_keys(ld, value, path, FL__SEND_KEYS, out, sizeof *out));
    bool start = out->message == FL_ASGI_RESPONSE_START;
    if (!start && out->message != FL_ASGI_RESPONSE_BODY)
        return FAIL(ld, fl__yaml_get(ld, value, "type"),
                    "%s.type: an app sends http.response.start or http.response.body", path);
    fl_yaml_node_t *v = fl__yaml_get(ld, value, "headers");
    if (v != NULL)
        TRY(fl__yaml_headers(ld, v, fl__yaml_child_path(ld, path, "headers"), &out->headers,
                             &out->header_count));
    const char *misplaced = start ? (out->body != NULL ? "body" : NULL)
                                  : (out->status != 0 ? "status"
                                     : v != NULL      ? "headers"
                                                      : NULL);
    if (misplaced != NULL)
        return FAIL(ld, value, "%s: %s does not belong in %s", path, misplaced,
                    fl_asgi_message_type_name(out->message));
    return 0;
}

const fl_key_t FL__RECEIVE_KEYS[] = {
    {"until", "ASGI message type", "the next message", "receive until this one: http.disconnect",
     &READ_MESSAGE_TYPE, INTO(message)},
    FL_KEYS_END,
};

/* receive: {} or {until: http.disconnect}. */
int fl__parse_receive_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                           fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_RECEIVE);
    TRY(fl__yaml_read_keys(ld, value, path, FL__RECEIVE_KEYS, out, sizeof *out));
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
    out->role = role;
    return fl__load_handler_steps(ld, node, path, false, &out->steps, &out->step_count);
}

static fl_scripted_block_t *blocks(fl_yaml_reader_t *ld, size_t count) {
    assert(ld != NULL && count >= 1 && count <= FL_SCRIPTED_BLOCKS_MAX);
    return fl_arena_zalloc(ld->arena, count * sizeof(fl_scripted_block_t));
}

/* shield: [steps]: the steps in a shielded cancel scope. */
int fl__parse_shield_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                          fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_SHIELD);
    fl_scripted_block_t *body = blocks(ld, 1);
    TRY(parse_block(ld, value, path, FL_BLOCK_BODY, body));
    out->blocks = body;
    out->block_count = 1;
    return 0;
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
    TRY(fl__yaml_read_keys(ld, value, path, FL__TIMED_KEYS, out, sizeof *out));
    fl_yaml_node_t *steps;
    TRY(fl__yaml_require(ld, value, "steps", path, &steps));
    fl_scripted_block_t *body = blocks(ld, 1);
    TRY(parse_block(ld, steps, fl__yaml_child_path(ld, path, "steps"), FL_BLOCK_BODY, body));
    out->blocks = body;
    out->block_count = 1;
    return 0;
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
    out->blocks = all;
    out->block_count = count;
    return 0;
}

static const fl_key_t CHILD_KEYS[] = {
    {"name", "string", "<handler> child <i>", "the child task's name", &FL_READ_NONEMPTY,
     FL_INTO(fl_scripted_block_t, name)},
    {"steps", "list of handler steps", NULL, "what the child runs", FL_BY_HAND},
    FL_KEYS_END,
};

const fl_key_t FL__TASK_GROUP_KEYS[] = {
    {"children", "list of {name, steps}", NULL, "each runs as its own task in the group",
     FL_BY_HAND},
    {"cancel_on_first_done", "bool", "false",
     "the first child to end cancels the others (StreamingResponse's wrap)", &FL_READ_BOOL,
     INTO(cancel_on_first_done)},
    FL_KEYS_END,
};

/* task_group: {children: [{name, steps}], cancel_on_first_done}. */
int fl__parse_task_group_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *path,
                              fl_scripted_step_t *out) {
    assert(out != NULL && out->kind == FL_SCRIPTED_TASK_GROUP);
    TRY(fl__yaml_read_keys(ld, value, path, FL__TASK_GROUP_KEYS, out, sizeof *out));
    fl_yaml_node_t *list;
    TRY(fl__yaml_require(ld, value, "children", path, &list));
    const char *list_path = fl__yaml_child_path(ld, path, "children");
    TRY(fl__yaml_expect_sequence(ld, list, list_path));
    size_t count = fl__yaml_sequence_count(list);
    if (count == 0 || count > FL_SCRIPTED_BLOCKS_MAX)
        return FAIL(ld, list, "%s: 1..%d children", list_path, FL_SCRIPTED_BLOCKS_MAX);
    fl_scripted_block_t *children = blocks(ld, count);
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, list, i);
        const char *item_path = fl__yaml_index_path(ld, list_path, i);
        TRY(fl__yaml_check_and_read_keys(ld, item, item_path, CHILD_KEYS, &children[i],
                                         sizeof children[i]));
        fl_yaml_node_t *steps;
        TRY(fl__yaml_require(ld, item, "steps", item_path, &steps));
        TRY(parse_block(ld, steps, fl__yaml_child_path(ld, item_path, "steps"), FL_BLOCK_CHILD,
                        &children[i]));
    }
    out->blocks = children;
    out->block_count = count;
    return 0;
}

#undef INTO
