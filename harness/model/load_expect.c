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

FL_NAMED_KEY_READER(READ_LOG_KIND, fl_server_log_kind_t, "log kind", FL_SERVER_LOG_KIND_COUNT,
                    fl_server_log_kind_name);
FL_NAMED_KEY_READER(READ_TRACE_KIND, fl_trace_kind_t, "trace event kind", FL_TRACE_KIND_COUNT,
                    fl_trace_kind_name);

static const fl_key_t WINDOW_KEYS[] = {
    {"min", "duration", "unchecked", "at least this", &FL_READ_DURATION,
     FL_INTO(fl_time_window_t, min_ns)},
    {"max", "duration", "unchecked", "at most this", &FL_READ_DURATION,
     FL_INTO(fl_time_window_t, max_ns)},
    FL_KEYS_END,
};

/* {min, max}: a window of virtual time, at least one end given. */
static int read_window(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, void *field) {
    fl_time_window_t *out = field;
    assert(out != NULL && !out->has_min && !out->has_max); /* unchecked until read */
    TRY(fl__yaml_check_and_read_keys(ld, node, path, WINDOW_KEYS, out, sizeof *out));
    out->has_min = fl__yaml_get(ld, node, "min") != NULL;
    out->has_max = fl__yaml_get(ld, node, "max") != NULL;
    if (!out->has_min && !out->has_max) return FAIL(ld, node, "%s: give min, max or both", path);
    if (out->has_min && out->has_max && out->min_ns > out->max_ns)
        return FAIL(ld, node, "%s: min is above max", path);
    return 0;
}

static const fl_key_reader_t READ_WINDOW = {.read = read_window, .size = sizeof(fl_time_window_t)};

#define INTO(member) FL_INTO(fl_expectation_t, member)
#define EXPECT_NAME(fallback)                                                                      \
    { "name", "string", fallback, "the check's name in reports and finds", FL_BY_HAND }
#define EXPECT_COUNT                                                                               \
    { "count", "integer", "at least one", "exactly this many", &FL_READ_WHOLE, INTO(count) }
#define EXPECT_TEXT(doc)                                                                           \
    { "text", "string", "any", doc, &FL_READ_STRING, INTO(log_text) }

#define FIELD(key) ((v = fl__yaml_get(ld, value, key)) != NULL)
#define SUB(key) fl__yaml_child_path(ld, inner, key)

static const fl_key_t step_keys[] = {
    {"step", "step id", NULL, "the client step judged", &FL_READ_NONEMPTY, INTO(step)},
    EXPECT_NAME("step_<index>"),
    {"status", "integer 100..599", "unchecked", "the response status", &FL_READ_STATUS,
     INTO(status)},
    {"ok", "bool", "false", "expect success", &FL_READ_BOOL, INTO(ok)},
    {"moved_on", "bool", "false", "expect the step's cancel_after to have expired", &FL_READ_BOOL,
     INTO(moved_on)},
    {"error", "error kind", "unchecked", "expect an error of this kind or below",
     &FL_READ_ERROR_KIND, INTO(error_kind)},
    {"message", "string", "unchecked", "a substring of the error's message", &FL_READ_STRING,
     INTO(message)},
    {"note", "string", "unchecked", "a substring of one of its notes", &FL_READ_STRING, INTO(note)},
    {"attempts", "integer", "unchecked", "retry attempts", &FL_READ_UINT32, INTO(attempts)},
    {"events", "integer", "unchecked", "SSE events received", &FL_READ_WHOLE, INTO(events)},
    {"body_bytes", "size", "unchecked", "body bytes read", FL_BY_HAND},
    {"body", "string", "unchecked", "the body read, exactly (a stream's first 64 KiB)",
     &FL_READ_STRING, INTO(body)},
    {"body_contains", "string", "unchecked", "a substring of the body read", &FL_READ_STRING,
     INTO(body_contains)},
    {"headers", "headers", "unchecked", "response headers, each with this value", FL_BY_HAND},
    {"chunks", "integer", "unchecked", "non-empty chunks a stream step read, as reads gave them",
     &FL_READ_WHOLE, INTO(chunks)},
    {"comments", "integer", "unchecked", "SSE comment lines received", &FL_READ_WHOLE,
     INTO(comments)},
    {"pings", "integer", "unchecked", "SSE pings among them (\": ping ...\")", &FL_READ_WHOLE,
     INTO(pings)},
    {"last_event_id", "string", "unchecked", "the last SSE event id received", &FL_READ_STRING,
     INTO(last_event_id)},
    {"note_absent", "string", "unchecked", "no note of the error contains it", &FL_READ_STRING,
     INTO(note_absent)},
    {"cause", "error kind", "unchecked", "the error's chain of causes has this kind (or below)",
     &FL_READ_ERROR_KIND, INTO(cause)},
    {"at", "time window", "unchecked", "when the step ended: {min, max} virtual time", &READ_WINDOW,
     INTO(ended)},
    {"elapsed", "time window", "unchecked", "how long the step took: {min, max}", &READ_WINDOW,
     INTO(elapsed)},
    FL_KEYS_END,
};

static int parse_step_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                  const fl_client_spec_t *client, fl_expectation_t *out) {
    assert(client != NULL && out != NULL && inner != NULL);
    assert(out->kind == FL_EXPECT_STEP);
    fl_yaml_node_t *v;
    const fl_step_t *step = fl__client_find_step(client, out->step);
    if (step == NULL)
        return FAIL(ld, fl__yaml_get(ld, value, "step"), "%s: no step has the id '%s'", SUB("step"),
                    out->step);
    if (out->moved_on && step->cancel_after_ns <= 0)
        return FAIL(ld, fl__yaml_get(ld, value, "moved_on"),
                    "%s: step '%s' has no cancel_after to expire", SUB("moved_on"), out->step);
    out->has_error = fl__yaml_get(ld, value, "error") != NULL;
    out->has_cause = fl__yaml_get(ld, value, "cause") != NULL;
    if (FIELD("headers"))
        TRY(fl__yaml_headers(ld, v, SUB("headers"), &out->headers, &out->header_count));
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
    EXPECT_NAME("server_<index>"),
    {"log", "log kind", "error", "the kind of server log entry", &READ_LOG_KIND, INTO(log_kind)},
    EXPECT_TEXT("a substring of the entry"),
    {"cycle", "integer", "any", "the request cycle, 1 = the first", &FL_READ_UINT32, INTO(cycle)},
    EXPECT_COUNT,
    {"bodies_differ", "bool", "false", "the server received different bodies across cycles",
     &FL_READ_BOOL, INTO(bodies_differ)},
    {"at", "time window", "any", "only entries logged within it: {min, max} virtual time",
     &READ_WINDOW, INTO(ended)},
    FL_KEYS_END,
};

/* A server expectation before its keys are read: about error entries. */
static const fl_expectation_t SERVER_DEFAULTS = {.log_kind = FL_SERVER_LOG_ERROR};

static int parse_server_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                    const fl_client_spec_t *client, fl_expectation_t *out) {
    (void)ld, (void)value, (void)inner;
    assert(client != NULL && out->kind == FL_EXPECT_SERVER && out->count >= -1);
    assert((int)out->log_kind >= 0 && (int)out->log_kind < FL_SERVER_LOG_KIND_COUNT);
    return 0;
}

static const fl_key_t hang_keys[] = {
    EXPECT_NAME("hang_<index>"),
    {"hang", "bool", "true", "the run hangs (or not)", &FL_READ_BOOL, INTO(hang)},
    {"task", "task name", "any", "a task the hang report must name", &FL_READ_NONEMPTY,
     INTO(blocked_task)},
    FL_KEYS_END,
};

/* A hang expectation before its keys are read: the run hangs. */
static const fl_expectation_t HANG_DEFAULTS = {.hang = true};

static int parse_hang_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                  const fl_client_spec_t *client, fl_expectation_t *out) {
    assert(client != NULL && out != NULL && inner != NULL);
    assert(out->kind == FL_EXPECT_HANG);
    if (out->blocked_task != NULL && fl__client_find_task(client, out->blocked_task) == NULL)
        return FAIL(ld, fl__yaml_get(ld, value, "task"), "%s: no task is named '%s'", SUB("task"),
                    out->blocked_task);
    assert(out->blocked_task == NULL || out->blocked_task[0] != '\0');
    return 0;
}

static const fl_key_t budget_keys[] = {
    EXPECT_NAME("budget_<index>"),
    {"withdrawals", "integer", NULL, "retry budget withdrawals in all", &FL_READ_WHOLE,
     INTO(withdrawals)},
    FL_KEYS_END,
};

static int parse_budget_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                    const fl_client_spec_t *client, fl_expectation_t *out) {
    (void)client;
    assert(out != NULL && inner != NULL);
    (void)ld, (void)value;
    assert(out->kind == FL_EXPECT_BUDGET);
    return 0; /* withdrawals, its one key, is read with the row's keys */
}

static const fl_key_t trace_keys[] = {
    EXPECT_NAME("trace_<index>"),
    {"event", "trace event kind", NULL, "the kind of trace event", &READ_TRACE_KIND,
     INTO(trace_kind)},
    EXPECT_TEXT("a substring of the event's detail"),
    EXPECT_COUNT,
    {"at", "time window", "any", "only events within it: {min, max} virtual time", &READ_WINDOW,
     INTO(ended)},
    {"line", "string", "any", "a substring of the event's line as the timeline prints it",
     &FL_READ_STRING, INTO(trace_line)},
    FL_KEYS_END,
};

static int parse_trace_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                   const fl_client_spec_t *client, fl_expectation_t *out) {
    (void)ld, (void)value, (void)inner;
    assert(client != NULL && out->kind == FL_EXPECT_TRACE && out->count >= -1);
    assert((int)out->trace_kind >= 0 && (int)out->trace_kind < FL_TRACE_KIND_COUNT);
    return 0;
}

#undef FIELD
#undef SUB
#undef INTO
#undef EXPECT_NAME
#undef EXPECT_COUNT
#undef EXPECT_TEXT

/* The expectation kinds, one row each. */
/* clang-format off */
static const fl_expect_kind_row_t EXPECT_KINDS[] = {
    {{"step", "a client step's outcome", step_keys, NULL},
     FL_EXPECT_STEP, parse_step_expectation, fl__check_step_expectation, false},
    {{"server", "entries of the server's log", server_keys, &SERVER_DEFAULTS},
     FL_EXPECT_SERVER, parse_server_expectation, fl__check_server_expectation, false},
    {{"hang", "the run hangs (or not), naming a blocked task", hang_keys, &HANG_DEFAULTS},
     FL_EXPECT_HANG, parse_hang_expectation, fl__check_hang_expectation, false},
    {{"budget", "retry budget withdrawals", budget_keys, NULL},
     FL_EXPECT_BUDGET, parse_budget_expectation, fl__check_budget_expectation, false},
    {{"trace", "trace events of a kind", trace_keys, NULL},
     FL_EXPECT_TRACE, parse_trace_expectation, fl__check_trace_expectation, true},
    {{NULL, NULL, NULL, NULL}, 0, NULL, NULL, false},
};
/* clang-format on */

static const fl_kind_table_t EXPECT_KIND_TABLE = FL_KIND_TABLE("expectation", EXPECT_KINDS);

FL_KIND_ROWS(fl_expect_kind, fl_expect_kind_row_t, EXPECT_KINDS)
FL_KIND_ROW(fl_expect_kind, fl_expect_kind_row_t, fl_expect_kind_t, EXPECT_KINDS)

static int parse_expectation(fl_yaml_reader_t *ld, fl_yaml_node_t *item, const char *path,
                             size_t index, const fl_client_spec_t *client, fl_expectation_t *out) {
    assert(client != NULL && out != NULL);
    fl_kind_item_t it;
    /* Its keys are read below, after what does not come from the row. */
    TRY(fl__yaml_kind_item(ld, item, path, &EXPECT_KIND_TABLE, NULL, 0, &it));
    const fl_expect_kind_row_t *row = &EXPECT_KINDS[it.index];
    assert(row == fl_expect_kind_row(row->kind)); /* an expectation's kind has its row */
    if (row->head.defaults != NULL) *out = *(const fl_expectation_t *)row->head.defaults;
    out->kind = row->kind;
    out->at = it.at;
    out->events = -1;
    out->body_bytes = -1;
    out->chunks = -1;
    out->comments = -1;
    out->pings = -1;
    out->count = -1;
    fl_yaml_node_t *v = fl__yaml_get(ld, it.value, "name");
    if (v != NULL)
        TRY(fl__yaml_nonempty(ld, v, fl__yaml_child_path(ld, it.path, "name"), &out->name));
    else
        out->name = fl_arena_printf(ld->arena, "%s_%zu", row->head.name, index);
    assert(out->name != NULL);
    TRY(fl__yaml_read_keys(ld, it.value, it.path, row->head.keys, out, sizeof *out));
    return row->parse(ld, it.value, it.path, client, out);
}

int fl__load_expectations(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_scenario_t *out) {
    assert(ld != NULL && node != NULL && out != NULL);
    TRY(fl__yaml_expect_sequence(ld, node, "expect"));
    out->expectation_count = fl__yaml_sequence_count(node);
    out->expectations =
        fl_arena_zalloc(ld->arena, (out->expectation_count + 1) * sizeof *out->expectations);
    bool failed = false; /* an item failed: the others are read, the section fails */
    for (size_t i = 0; i < out->expectation_count; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, node, i);
        fl_expectation_t *e = &out->expectations[i];
        bool item_failed = false;
        TRY(fl__yaml_go_on(
            ld, parse_expectation(ld, item, fl__yaml_index_path(ld, "expect", i), i, &out->client, e),
            &item_failed));
        failed = failed || item_failed;
        if (failed) continue; /* names are compared among items that all loaded */
        assert(e->name != NULL && fl_expect_kind_row(e->kind)->kind == e->kind);
        for (size_t j = 0; j < i && !failed; j++)
            if (strcmp(out->expectations[j].name, e->name) == 0)
                TRY(fl__yaml_go_on(ld,
                                   FAIL(ld, item, "expect[%zu]: duplicate expectation name '%s'",
                                        i, e->name),
                                   &failed));
    }
    return failed ? FL_EINVAL : 0;
}
