/* The expect section: the expectations a scenario states. */
#include "harness/model/load_sections.h"

#include "harness/check/expectations.h"
#include "harness/model/kinds.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

static int parse_log_kind(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                          fl_server_log_kind_t *out) {
    assert(out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, path, "a log kind"));
    assert(node->type == YAML_SCALAR_NODE);
    for (int k = 0; k < FL_SERVER_LOG_KIND_COUNT; k++)
        if (strcmp(fl_server_log_kind_name((fl_server_log_kind_t)k), fl__yaml_text(node)) == 0) {
            *out = (fl_server_log_kind_t)k;
            return 0;
        }
    return FAIL(ld, node, "%s: unknown log kind '%s'", path, fl__yaml_text(node));
}

static int parse_trace_kind(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                            fl_trace_kind_t *out) {
    assert(out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, path, "a trace event kind"));
    assert(node->type == YAML_SCALAR_NODE);
    for (int k = 0; k < FL_TRACE_KIND_COUNT; k++)
        if (strcmp(fl_trace_kind_name((fl_trace_kind_t)k), fl__yaml_text(node)) == 0) {
            *out = (fl_trace_kind_t)k;
            return 0;
        }
    return FAIL(ld, node, "%s: unknown trace event kind '%s'", path, fl__yaml_text(node));
}

#define FIELD(key) ((v = fl__yaml_get(ld, value, key)) != NULL)
#define SUB(key) fl__yaml_child_path(ld, inner, key)

static const fl_key_t step_keys[] = {
    {"step", "step id", NULL, "the client step judged"},
    {"name", "string", "step_<index>", "the check's name in reports and finds"},
    {"status", "integer 100..599", "unchecked", "the response status"},
    {"ok", "bool", "false", "expect success"},
    {"moved_on", "bool", "false", "expect the step's cancel_after to have expired"},
    {"error", "error kind", "unchecked", "expect an error of this kind or below"},
    {"message", "string", "unchecked", "a substring of the error's message"},
    {"note", "string", "unchecked", "a substring of one of its notes"},
    {"attempts", "integer", "unchecked", "retry attempts"},
    {"events", "integer", "unchecked", "SSE events received"},
    {"body_bytes", "size", "unchecked", "body bytes read"},
    {NULL, NULL, NULL, NULL},
};

static int parse_step_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                  const fl_client_spec_t *client, fl_expectation_t *out) {
    fl_yaml_node_t *v;
    assert(client != NULL && out != NULL && inner != NULL);
    assert(out->kind == FL_EXPECT_STEP);
    TRY(fl__yaml_require(ld, value, "step", inner, &v));
    TRY(fl__yaml_nonempty(ld, v, SUB("step"), &out->step));
    if (fl__client_find_step(client, out->step) == NULL)
        return FAIL(ld, v, "%s: no step has the id '%s'", SUB("step"), out->step);
    if (FIELD("status")) TRY(fl__yaml_status(ld, v, SUB("status"), &out->status));
    if (FIELD("ok")) TRY(fl__yaml_bool(ld, v, SUB("ok"), &out->ok));
    if (FIELD("moved_on")) {
        TRY(fl__yaml_bool(ld, v, SUB("moved_on"), &out->moved_on));
        const fl_step_t *step = fl__client_find_step(client, out->step);
        assert(step != NULL); /* found just above */
        if (out->moved_on && step->cancel_after_ns <= 0)
            return FAIL(ld, v, "%s: step '%s' has no cancel_after to expire", SUB("moved_on"),
                        out->step);
    }
    if (FIELD("error")) {
        TRY(fl__yaml_error_kind(ld, v, SUB("error"), false, &out->error_kind));
        out->has_error = true;
    }
    if (FIELD("message")) TRY(fl__yaml_string(ld, v, SUB("message"), &out->message));
    if (FIELD("note")) TRY(fl__yaml_string(ld, v, SUB("note"), &out->note));
    if (FIELD("attempts")) TRY(fl__yaml_uint32(ld, v, SUB("attempts"), &out->attempts));
    if (FIELD("events")) TRY(fl__yaml_integer(ld, v, SUB("events"), 0, INT32_MAX, &out->events));
    if (FIELD("body_bytes")) {
        uint64_t bytes;
        TRY(fl__yaml_bytes(ld, v, SUB("body_bytes"), &bytes));
        out->body_bytes = (int64_t)bytes;
    }
    if (out->ok && out->has_error)
        return FAIL(ld, value, "%s: ok: true and an error contradict each other", inner);
    if (out->moved_on && (out->ok || out->has_error || out->status != 0))
        return FAIL(ld, value, "%s: moved_on: true and ok, error or status contradict each other",
                    inner);
    assert(out->step != NULL && !(out->ok && out->has_error));
    return 0;
}

static const fl_key_t server_keys[] = {
    {"name", "string", "server_<index>", "the check's name in reports and finds"},
    {"log", "log kind", "error", "the kind of server log entry"},
    {"text", "string", "any", "a substring of the entry"},
    {"cycle", "integer", "any", "the request cycle, 1 = the first"},
    {"count", "integer", "at least one", "exactly this many"},
    {"bodies_differ", "bool", "false", "the server received different bodies across cycles"},
    {NULL, NULL, NULL, NULL},
};

static int parse_server_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                    const fl_client_spec_t *client, fl_expectation_t *out) {
    fl_yaml_node_t *v;
    (void)client;
    assert(out != NULL && inner != NULL);
    assert(out->kind == FL_EXPECT_SERVER && out->count == -1);
    out->log_kind = FL_SERVER_LOG_ERROR;
    if (FIELD("log")) TRY(parse_log_kind(ld, v, SUB("log"), &out->log_kind));
    if (FIELD("text")) TRY(fl__yaml_string(ld, v, SUB("text"), &out->log_text));
    if (FIELD("count")) TRY(fl__yaml_integer(ld, v, SUB("count"), 0, INT32_MAX, &out->count));
    if (FIELD("cycle")) TRY(fl__yaml_uint32(ld, v, SUB("cycle"), &out->cycle));
    if (FIELD("bodies_differ"))
        TRY(fl__yaml_bool(ld, v, SUB("bodies_differ"), &out->bodies_differ));
    assert((int)out->log_kind >= 0 && (int)out->log_kind < FL_SERVER_LOG_KIND_COUNT);
    return 0;
}

static const fl_key_t hang_keys[] = {
    {"name", "string", "hang_<index>", "the check's name in reports and finds"},
    {"hang", "bool", "true", "the run hangs (or not)"},
    {"task", "task name", "any", "a task the hang report must name"},
    {NULL, NULL, NULL, NULL},
};

static int parse_hang_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                  const fl_client_spec_t *client, fl_expectation_t *out) {
    fl_yaml_node_t *v;
    assert(client != NULL && out != NULL && inner != NULL);
    assert(out->kind == FL_EXPECT_HANG);
    out->hang = true;
    if (FIELD("hang")) TRY(fl__yaml_bool(ld, v, SUB("hang"), &out->hang));
    if (FIELD("task")) {
        TRY(fl__yaml_nonempty(ld, v, SUB("task"), &out->blocked_task));
        if (fl__client_find_task(client, out->blocked_task) == NULL)
            return FAIL(ld, v, "%s: no task is named '%s'", SUB("task"), out->blocked_task);
    }
    assert(out->blocked_task == NULL || out->blocked_task[0] != '\0');
    return 0;
}

static const fl_key_t budget_keys[] = {
    {"name", "string", "budget_<index>", "the check's name in reports and finds"},
    {"withdrawals", "integer", NULL, "retry budget withdrawals in all"},
    {NULL, NULL, NULL, NULL},
};

static int parse_budget_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                    const fl_client_spec_t *client, fl_expectation_t *out) {
    fl_yaml_node_t *v;
    (void)client;
    assert(out != NULL && inner != NULL);
    assert(out->kind == FL_EXPECT_BUDGET);
    TRY(fl__yaml_require(ld, value, "withdrawals", inner, &v));
    return fl__yaml_integer(ld, v, SUB("withdrawals"), 0, INT32_MAX, &out->withdrawals);
}

static const fl_key_t trace_keys[] = {
    {"name", "string", "trace_<index>", "the check's name in reports and finds"},
    {"event", "trace event kind", NULL, "the kind of trace event"},
    {"text", "string", "any", "a substring of the event's detail"},
    {"count", "integer", "at least one", "exactly this many"},
    {NULL, NULL, NULL, NULL},
};

static int parse_trace_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                   const fl_client_spec_t *client, fl_expectation_t *out) {
    fl_yaml_node_t *v;
    (void)client;
    assert(out != NULL && inner != NULL);
    assert(out->kind == FL_EXPECT_TRACE && out->count == -1);
    TRY(fl__yaml_require(ld, value, "event", inner, &v));
    TRY(parse_trace_kind(ld, v, SUB("event"), &out->trace_kind));
    if (FIELD("text")) TRY(fl__yaml_string(ld, v, SUB("text"), &out->log_text));
    if (FIELD("count")) TRY(fl__yaml_integer(ld, v, SUB("count"), 0, INT32_MAX, &out->count));
    assert((int)out->trace_kind >= 0 && (int)out->trace_kind < FL_TRACE_KIND_COUNT);
    return 0;
}

#undef FIELD
#undef SUB

/* The expectation kinds, one row each. */
static const fl_expect_kind_row_t EXPECT_KINDS[] = {
    {"step", FL_EXPECT_STEP, "a client step's outcome", step_keys, parse_step_expectation,
     fl__check_step_expectation, false},
    {"server", FL_EXPECT_SERVER, "entries of the server's log", server_keys,
     parse_server_expectation, fl__check_server_expectation, false},
    {"hang", FL_EXPECT_HANG, "the run hangs (or not), naming a blocked task", hang_keys,
     parse_hang_expectation, fl__check_hang_expectation, false},
    {"budget", FL_EXPECT_BUDGET, "retry budget withdrawals", budget_keys, parse_budget_expectation,
     fl__check_budget_expectation, false},
    {"trace", FL_EXPECT_TRACE, "trace events of a kind", trace_keys, parse_trace_expectation,
     fl__check_trace_expectation, true},
    {NULL, 0, NULL, NULL, NULL, NULL, false},
};

enum { EXPECT_KIND_COUNT = sizeof EXPECT_KINDS / sizeof EXPECT_KINDS[0] - 1 };

const fl_expect_kind_row_t *fl_expect_kind_rows(size_t *count_out) {
    assert(count_out != NULL);
    *count_out = EXPECT_KIND_COUNT;
    assert(EXPECT_KINDS[EXPECT_KIND_COUNT].name == NULL);
    return EXPECT_KINDS;
}

const fl_expect_kind_row_t *fl_expect_kind_row(fl_expect_kind_t kind) {
    /* The rows are in the enum's order: a kind is its row's index. */
    assert((size_t)kind < EXPECT_KIND_COUNT);
    assert(EXPECT_KINDS[kind].kind == kind);
    assert(EXPECT_KINDS[kind].parse != NULL && EXPECT_KINDS[kind].check != NULL);
    return &EXPECT_KINDS[kind];
}

static int parse_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *item, const char *path,
                             size_t index, const fl_client_spec_t *client, fl_expectation_t *out) {
    assert(ld != NULL && item != NULL && path != NULL && client != NULL && out != NULL);
    size_t row_index;
    fl_yaml_node_t *value;
    TRY(fl__yaml_one_key(ld, item, path, "expectation", EXPECT_KINDS, sizeof EXPECT_KINDS[0],
                         &row_index, &value));
    assert(row_index < EXPECT_KIND_COUNT);
    const fl_expect_kind_row_t *row = &EXPECT_KINDS[row_index];
    assert(row == fl_expect_kind_row(row->kind)); /* an expectation's kind has its row */
    out->kind = row->kind;
    out->at = fl__yaml_location(ld, item);
    out->events = -1;
    out->body_bytes = -1;
    out->count = -1;
    const char *inner = fl__yaml_child_path(ld, path, row->name);
    TRY(fl__yaml_check_keys(ld, value, inner, row->keys));
    fl_yaml_node_t *v = fl__yaml_get(ld, value, "name");
    if (v != NULL)
        TRY(fl__yaml_nonempty(ld, v, fl__yaml_child_path(ld, inner, "name"), &out->name));
    else
        out->name = fl_arena_printf(ld->arena, "%s_%zu", row->name, index);
    assert(out->name != NULL);
    return row->parse(ld, value, inner, client, out);
}

int fl__load_expectations(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_scenario_t *out) {
    assert(ld != NULL && node != NULL && out != NULL);
    TRY(fl__yaml_expect_sequence(ld, node, "expect"));
    out->expectation_count = fl__yaml_sequence_count(node);
    out->expectations =
        fl_arena_zalloc(ld->arena, (out->expectation_count + 1) * sizeof *out->expectations);
    for (size_t i = 0; i < out->expectation_count; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, node, i);
        fl_expectation_t *e = &out->expectations[i];
        TRY(parse_expectation(ld, item, fl__yaml_index_path(ld, "expect", i), i, &out->client, e));
        assert(e->name != NULL && fl_expect_kind_row(e->kind)->kind == e->kind);
        for (size_t j = 0; j < i; j++)

            if (strcmp(out->expectations[j].name, e->name) == 0)
                return FAIL(ld, item, "expect[%zu]: duplicate expectation name '%s'", i, e->name);
    }
    return 0;
}
