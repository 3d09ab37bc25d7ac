/* The client section: timeouts, middleware layers, tasks and their steps. */
#include "harness/model/load_sections.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

#include "client/knobs.h"
#include "client/retry.h"
#include "harness/model/kinds.h"
#include "harness/run/step_kinds.h"
#include "harness/world/layer_kinds.h"

/* Every timeout is a duration or forever, httpx's 5s unless given. */
#define TIMEOUT_KEY(name, doc, member)                                                             \
    {                                                                                              \
        name, "duration or forever", "5s", doc, &FL_READ_DURATION_OR_FOREVER,                      \
            FL_INTO(fl_timeouts_t, member)                                                         \
    }

static const fl_key_t TIMEOUT_KEYS[] = {
    TIMEOUT_KEY("connect", "the connect timeout (0: the client default)", connect_ns),
    TIMEOUT_KEY("read", "the read timeout", read_ns),
    TIMEOUT_KEY("write", "the write timeout", write_ns),
    TIMEOUT_KEY("pool", "the pool checkout timeout", pool_ns),
    FL_KEYS_END,
};

const fl_key_t *fl__timeout_keys(void) { return TIMEOUT_KEYS; }

#undef TIMEOUT_KEY

/* budget: true | false | {ttl, min_retries_per_second, percent_can_retry}
 * (a mapping turns the budget on; unset keys keep httpware's defaults). */
static int parse_budget(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                        fl_client_layer_t *out) {
    assert(ld != NULL && node != NULL && path != NULL && out != NULL);
    assert(out->kind == FL_CLIENT_LAYER_RETRY);
    if (node->type == YAML_SCALAR_NODE) return fl__yaml_bool(ld, node, path, &out->budget);
    static const fl_key_t keys[] = {
        {"ttl", "duration", "10s", "how long a deposit counts", FL_BY_HAND},
        {"min_retries_per_second", "integer", "10",
         "retries allowed per second whatever the deposits", FL_BY_HAND},
        {"percent_can_retry", "integer 0..1000", "20", "retries allowed per 100 deposits",
         FL_BY_HAND},
        FL_KEYS_END,
    };
    if (node->type != YAML_MAPPING_NODE)
        return FAIL(ld, node, "%s: expected true, false or a mapping", path);
    TRY(fl__yaml_check_keys(ld, node, path, keys));
    out->budget = true;
    fl_retry_budget_options_t *o = &out->budget_options;
    fl_yaml_node_t *v;
    if ((v = fl__yaml_get(ld, node, "ttl"))) {
        TRY(fl__yaml_duration(ld, v, fl__yaml_child_path(ld, path, "ttl"), &o->ttl_ns));
        if (o->ttl_ns <= 0 || o->ttl_ns > FL_RETRY_BUDGET_TTL_MAX_NS)
            return FAIL(ld, v, "%s.ttl: must be above 0 and at most 1h", path);
    }
    if ((v = fl__yaml_get(ld, node, "min_retries_per_second"))) {
        int64_t rate;
        TRY(fl__yaml_integer(ld, v, fl__yaml_child_path(ld, path, "min_retries_per_second"), 0,
                             FL_RETRY_BUDGET_MIN_RETRIES_PER_SECOND_MAX, &rate));
        o->min_retries_per_second = (uint32_t)rate;
    }
    if ((v = fl__yaml_get(ld, node, "percent_can_retry"))) {
        int64_t percent;
        TRY(fl__yaml_integer(ld, v, fl__yaml_child_path(ld, path, "percent_can_retry"), 0,
                             FL_RETRY_BUDGET_PERCENT_MAX, &percent));
        o->percent_can_retry = (uint32_t)percent;
    }
    assert(out->budget);
    assert(o->percent_can_retry <= FL_RETRY_BUDGET_PERCENT_MAX);
    return 0;
}

/* retry.methods: the methods retried (httpware's retry_methods), replacing
 * the idempotent defaults; [] retries none. Compared ignoring case. */
static int parse_retry_methods(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                               fl_client_layer_t *out) {
    assert(out != NULL && out->kind == FL_CLIENT_LAYER_RETRY);
    TRY(fl__yaml_string_list(ld, node, path, &out->retry_methods, &out->retry_method_count));
    assert(out->retry_methods != NULL);
    if (out->retry_method_count > FL_RETRY_METHODS_MAX)
        return FAIL(ld, node, "%s: at most %u methods", path, FL_RETRY_METHODS_MAX);
    for (size_t i = 0; i < out->retry_method_count; i++) {
        size_t length = strlen(out->retry_methods[i]);
        if (length == 0 || length > FL_RETRY_METHOD_LENGTH_MAX)
            return FAIL(ld, fl__yaml_sequence_item(ld, node, i), "%s: must be 1..%u characters",
                        fl__yaml_index_path(ld, path, i), FL_RETRY_METHOD_LENGTH_MAX);
    }
    return 0;
}

/* retry.statuses: the response statuses retried, replacing 408 429 502 503
 * 504; [] retries none. */
static int parse_retry_statuses(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                                fl_client_layer_t *out) {
    assert(out != NULL && out->kind == FL_CLIENT_LAYER_RETRY);
    TRY(fl__yaml_expect_sequence(ld, node, path));
    size_t count = fl__yaml_sequence_count(node);
    if (count > FL_RETRY_STATUSES_MAX)
        return FAIL(ld, node, "%s: at most %u statuses", path, FL_RETRY_STATUSES_MAX);
    int *statuses = fl_arena_zalloc(ld->arena, (count ? count : 1) * sizeof *statuses);
    for (size_t i = 0; i < count; i++) {
        int64_t status;
        TRY(fl__yaml_integer(ld, fl__yaml_sequence_item(ld, node, i),
                             fl__yaml_index_path(ld, path, i), 100, 599, &status));
        statuses[i] = (int)status;
    }
    assert(count <= FL_RETRY_STATUSES_MAX);
    out->retry_statuses = statuses;
    out->retry_status_count = count;
    return 0;
}

/* --- client middleware, one row each ----------------------------------------------- */

static const fl_key_t RETRY_KEYS[] = {
    {"attempts", "integer 1..100", "3", "attempts in all, the first included", FL_BY_HAND},
    {"base_delay", "duration", "100ms", "the first backoff before full jitter", &FL_READ_DURATION,
     FL_INTO(fl_client_layer_t, base_delay_ns)},
    {"max_delay", "duration", "5s", "the backoff cap, and Retry-After's", &FL_READ_DURATION,
     FL_INTO(fl_client_layer_t, max_delay_ns)},
    {"refuse_streamed_body", "bool", "true",
     "refuse, with a note, to retry a one-shot streamed body", &FL_READ_BOOL,
     FL_INTO(fl_client_layer_t, refuse_streamed_body)},
    {"methods", "list of methods", "[GET, HEAD, OPTIONS, PUT, DELETE, TRACE]",
     "the methods retried ([]: none)", FL_BY_HAND},
    {"statuses", "list of statuses", "[408, 429, 502, 503, 504]", "the statuses retried ([]: none)",
     FL_BY_HAND},
    {"budget", "bool or mapping", "false",
     "a RetryBudget: true for the defaults, or {ttl, min_retries_per_second, percent_can_retry}",
     FL_BY_HAND},
    FL_KEYS_END,
};

/* A retry layer before its keys are read: it refuses a streamed body. */
static const fl_client_layer_t RETRY_DEFAULTS = {.refuse_streamed_body = true};

static int parse_retry_layer(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                             fl_client_layer_t *out) {
    assert(ld != NULL && value != NULL && inner != NULL && out != NULL);
    assert(out->kind == FL_CLIENT_LAYER_RETRY);
    fl_yaml_node_t *v;
#define FIELD(key) ((v = fl__yaml_get(ld, value, key)) != NULL)
#define SUB(key) fl__yaml_child_path(ld, inner, key)
    if (FIELD("attempts")) {
        TRY(fl__yaml_uint32(ld, v, SUB("attempts"), &out->attempts));
        if (out->attempts == 0 || out->attempts > 100)
            return FAIL(ld, v, "%s.attempts: must be 1..100", inner);
    }
    if (FIELD("methods")) TRY(parse_retry_methods(ld, v, SUB("methods"), out));
    if (FIELD("statuses")) TRY(parse_retry_statuses(ld, v, SUB("statuses"), out));
    out->budget_options = fl_retry_budget_options_default();
    if (FIELD("budget")) TRY(parse_budget(ld, v, SUB("budget"), out));
#undef FIELD
#undef SUB
    assert(out->attempts <= 100); /* 0: the default */
    return 0;
}

static const fl_key_t BULKHEAD_KEYS[] = {
    {"max_concurrent", "integer > 0", NULL, "requests in flight at once", &FL_READ_POSITIVE_UINT32,
     FL_INTO(fl_client_layer_t, max_concurrent)},
    {"timeout", "duration", "none", "how long a request waits for a slot (BulkheadFull after)",
     &FL_READ_DURATION, FL_INTO(fl_client_layer_t, timeout_ns)},
    FL_KEYS_END,
};

static int parse_bulkhead_layer(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                                fl_client_layer_t *out) {
    (void)ld, (void)value, (void)inner;
    assert(out != NULL && out->kind == FL_CLIENT_LAYER_BULKHEAD);
    assert(out->max_concurrent > 0 && out->timeout_ns >= 0);
    return 0;
}

/* A scalar value: the deadline. */
static int parse_timeout_layer(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                               fl_client_layer_t *out) {
    assert(out != NULL && out->kind == FL_CLIENT_LAYER_TIMEOUT);
    TRY(fl__yaml_duration(ld, value, inner, &out->timeout_ns));
    if (out->timeout_ns <= 0) return FAIL(ld, value, "%s: must be positive", inner);
    assert(out->timeout_ns > 0);
    return 0;
}

/* One row a kind. */
/* clang-format off */
static const fl_client_layer_row_t CLIENT_LAYERS[] = {
    {{"retry", "httpware's retry middleware, with an optional budget", RETRY_KEYS, &RETRY_DEFAULTS},
     FL_CLIENT_LAYER_RETRY, parse_retry_layer, fl__build_retry_layer},
    {{"bulkhead", "at most N requests in flight", BULKHEAD_KEYS, NULL},
     FL_CLIENT_LAYER_BULKHEAD, parse_bulkhead_layer, fl__build_bulkhead_layer},
    {{"timeout", "a deadline per request (a duration)", NULL, NULL},
     FL_CLIENT_LAYER_TIMEOUT, parse_timeout_layer, fl__build_timeout_layer},
    {{NULL, NULL, NULL, NULL}, 0, NULL, NULL},
};
/* clang-format on */

FL_LAYER_TABLE(fl_client_layer, "client middleware", fl_client_layer_row_t, fl_client_layer_kind_t,
               fl_client_layer_t, CLIENT_LAYERS)

#define FIELD(key) ((v = fl__yaml_get(ld, value, key)) != NULL)
#define SUB(key) fl__yaml_child_path(ld, inner, key)

/* --- client steps, one row each ------------------------------------------------------ */

/* The keys every step with a target has, read into its fl_step_t. */
#define STEP_ID                                                                                    \
    {                                                                                              \
        "id", "string", "<task>.<index>", "what expectations call the step", &FL_READ_NONEMPTY,    \
            FL_INTO(fl_step_t, id)                                                                 \
    }
#define STEP_METHOD                                                                                \
    {                                                                                              \
        "method", "string", "GET", "the request method", &FL_READ_NONEMPTY,                        \
            FL_INTO(fl_step_t, method)                                                             \
    }
#define STEP_PATH                                                                                  \
    {                                                                                              \
        "path", "string", NULL, "the path on the server, starting with /", &FL_READ_NONEMPTY,      \
            FL_INTO(fl_step_t, path)                                                               \
    }
#define STEP_HEADERS                                                                               \
    { "headers", "headers", "none", "request headers", FL_BY_HAND }
#define STEP_CANCEL_AFTER                                                                          \
    {                                                                                              \
        "cancel_after", "duration", "0", "a move_on scope around the step (0: none)",              \
            &FL_READ_DURATION, FL_INTO(fl_step_t, cancel_after_ns)                                 \
    }

/* What every step with a target checks once its keys are read: the path
 * starts with '/'; with_method, the method defaults to GET and headers
 * are read. */
static int parse_target(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                        bool with_method, fl_step_t *out) {
    assert(ld != NULL && value != NULL && inner != NULL && out != NULL);
    assert(out->path != NULL); /* a required key: read with the others */
    fl_yaml_node_t *v;
    if (out->path[0] != '/')
        return FAIL(ld, fl__yaml_get(ld, value, "path"), "%s: must start with '/'", SUB("path"));
    if (with_method && out->method == NULL) out->method = "GET";
    if (with_method && FIELD("headers"))
        TRY(fl__yaml_headers(ld, v, SUB("headers"), &out->headers, &out->header_count));
    assert(!with_method || out->method != NULL);
    return 0;
}

static const fl_key_t REQUEST_KEYS[] = {
    STEP_ID,
    STEP_METHOD,
    STEP_PATH,
    {"body", "string", "none", "a bytes body", &FL_READ_STRING, FL_INTO(fl_step_t, body)},
    {"stream_body", "list of strings", "none",
     "the pieces of a one-shot streamed body (not with body)", FL_BY_HAND},
    {"stream_body_fails_at", "integer", "0",
     "the generator raises ValueError instead of giving piece k (1-based)", FL_BY_HAND},
    STEP_HEADERS,
    STEP_CANCEL_AFTER,
    FL_KEYS_END,
};

static int parse_stream_body(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                             fl_step_t *out) {
    assert(out != NULL && out->kind == FL_STEP_REQUEST);
    fl_yaml_node_t *v;
    if (FIELD("stream_body")) {
        if (out->body != NULL)
            return FAIL(ld, v, "%s: give either body or stream_body, not both", inner);
        TRY(fl__yaml_string_list(ld, v, SUB("stream_body"), &out->stream_body,
                                 &out->stream_piece_count));
    }
    if (FIELD("stream_body_fails_at")) {
        TRY(fl__yaml_count(ld, v, SUB("stream_body_fails_at"), &out->stream_body_fails_at));
        if (out->stream_body == NULL)
            return FAIL(ld, v, "%s: needs a stream_body", SUB("stream_body_fails_at"));
        if (out->stream_body_fails_at == 0 ||
            out->stream_body_fails_at > out->stream_piece_count + 1)
            return FAIL(ld, v,
                        "%s: must be 1..%zu (a piece of the stream_body, or just after the last)",
                        SUB("stream_body_fails_at"), out->stream_piece_count + 1);
    }
    assert(out->body == NULL || out->stream_body == NULL);
    assert(out->stream_body_fails_at <= out->stream_piece_count + 1);
    return 0;
}

static int parse_request_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                              fl_step_t *out) {
    assert(out != NULL && out->kind == FL_STEP_REQUEST);
    TRY(parse_target(ld, value, inner, true, out));
    return parse_stream_body(ld, value, inner, out);
}

static const fl_key_t STREAM_KEYS[] = {
    STEP_ID,
    STEP_METHOD,
    STEP_PATH,
    STEP_HEADERS,
    {"read_chunks", "integer", "0", "chunks to read before closing (0: to the end)", &FL_READ_COUNT,
     FL_INTO(fl_step_t, read_chunks)},
    {"raise_after", "integer", "0", "the caller raises ValueError inside the block after n chunks",
     FL_BY_HAND},
    {"steps", "list of client steps", "none",
     "run while the response is open, after read_chunks chunks; then it closes", FL_BY_HAND},
    STEP_CANCEL_AFTER,
    FL_KEYS_END,
};

static int parse_stream_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                             fl_step_t *out) {
    assert(out != NULL && out->kind == FL_STEP_STREAM);
    fl_yaml_node_t *v;
    TRY(parse_target(ld, value, inner, true, out));
    if (FIELD("steps"))
        TRY(fl__load_client_steps(ld, v, SUB("steps"), out->id, &out->block, &out->block_count));
    if (FIELD("raise_after")) {
        TRY(fl__yaml_count(ld, v, SUB("raise_after"), &out->raise_after));
        if (out->raise_after == 0) return FAIL(ld, v, "%s: must be at least 1", SUB("raise_after"));
        assert(out->raise_after >= 1);
    }
    return 0;
}

static const fl_key_t SSE_KEYS[] = {
    STEP_ID,
    {"path", "string", NULL, "the event stream's path", &FL_READ_NONEMPTY,
     FL_INTO(fl_step_t, path)},
    {"receive", "integer", "0", "events to receive (0: until the end)", &FL_READ_COUNT,
     FL_INTO(fl_step_t, receive_count)},
    {"owner_check", "bool", "true", "fail fast with TaskContextError when another task reads",
     &FL_READ_BOOL, FL_INTO(fl_step_t, owner_check)},
    {"receive_in", "task name", "none", "receive from that task instead of this one",
     &FL_READ_NONEMPTY, FL_INTO(fl_step_t, receive_in)},
    {"last_event_id", "string", "none",
     "sent as Last-Event-ID; {ID.last_event_id} is an earlier step's last id", &FL_READ_STRING,
     FL_INTO(fl_step_t, last_event_id)},
    STEP_CANCEL_AFTER,
    FL_KEYS_END,
};

static int parse_sse_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                          fl_step_t *out) {
    assert(out != NULL && out->kind == FL_STEP_SSE);
    assert(out->method == NULL && out->header_count == 0); /* an SSE step has neither */
    return parse_target(ld, value, inner, false, out);
}

/* A scalar value: how long. */
static int parse_sleep_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                            fl_step_t *out) {
    assert(out != NULL && out->kind == FL_STEP_SLEEP);
    return fl__yaml_duration(ld, value, inner, &out->duration_ns);
}

static const fl_key_t CANCEL_KEYS[] = {
    STEP_ID,
    {"task", "task name", NULL, "the task to cancel", &FL_READ_NONEMPTY,
     FL_INTO(fl_step_t, target_task)},
    {"after", "duration", "0", "how long to wait first", &FL_READ_DURATION,
     FL_INTO(fl_step_t, duration_ns)},
    FL_KEYS_END,
};

static int parse_cancel_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                             fl_step_t *out) {
    (void)ld, (void)value, (void)inner;
    assert(out != NULL && out->kind == FL_STEP_CANCEL);
    assert(out->target_task != NULL && out->duration_ns >= 0); /* its keys are all read */
    return 0;
}

static const fl_key_t REPEAT_KEYS[] = {
    STEP_ID,
    {"times", "integer > 0", "none", "rounds at most", &FL_READ_POSITIVE_UINT32,
     FL_INTO(fl_step_t, times)},
    {"until_ok", "bool", "false", "stop after a round in which every step succeeded", &FL_READ_BOOL,
     FL_INTO(fl_step_t, until_ok)},
    {"until_error", "error kind", "none", "stop, quietly, at a round failing with this kind",
     &FL_READ_ERROR_KIND, FL_INTO(fl_step_t, until_error)},
    {"steps", "list of client steps", NULL, "one round; its first failing step ends it",
     FL_BY_HAND},
    FL_KEYS_END,
};

/* repeat: {times | until_ok | until_error, steps}: a reconnect loop. */
static int parse_repeat_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                             fl_step_t *out) {
    assert(out != NULL && out->kind == FL_STEP_REPEAT);
    fl_yaml_node_t *v;
    out->has_until_error = FIELD("until_error");
    if (out->times == 0 && !out->until_ok && !out->has_until_error)
        return FAIL(ld, value, "%s: give times, until_ok or until_error", inner);
    TRY(fl__yaml_require(ld, value, "steps", inner, &v));
    return fl__load_client_steps(ld, v, SUB("steps"), out->id, &out->block, &out->block_count);
}

static const fl_key_t EXCEPT_KEYS[] = {
    {"error", "error kind", NULL, "the kind handled, with the kinds below it", &FL_READ_ERROR_KIND,
     FL_INTO(fl_step_t, except_error)},
    {"steps", "list of client steps", NULL, "what handles it", FL_BY_HAND},
    FL_KEYS_END,
};

static const fl_key_t TRY_KEYS[] = {
    STEP_ID,
    {"steps", "list of client steps", NULL, "the body; its first failing step ends it", FL_BY_HAND},
    {"except", "{error, steps}", "none", "the handler of the body's error", FL_BY_HAND},
    {"finally", "list of client steps", "none", "runs however the body ended", FL_BY_HAND},
    FL_KEYS_END,
};

/* try: {steps, except: {error, steps}, finally}: the step fails with what
 * is left unhandled. */
static int parse_try_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                          fl_step_t *out) {
    assert(out != NULL && out->kind == FL_STEP_TRY);
    fl_yaml_node_t *v;
    TRY(fl__yaml_require(ld, value, "steps", inner, &v));
    TRY(fl__load_client_steps(ld, v, SUB("steps"), out->id, &out->block, &out->block_count));
    if (FIELD("except")) {
        const char *path = SUB("except");
        TRY(fl__yaml_check_and_read_keys(ld, v, path, EXCEPT_KEYS, out, sizeof *out));
        out->has_except = true;
        fl_yaml_node_t *steps;
        TRY(fl__yaml_require(ld, v, "steps", path, &steps));
        TRY(fl__load_client_steps(ld, steps, fl__yaml_child_path(ld, path, "steps"), out->id,
                                  &out->handler, &out->handler_count));
    }
    if (FIELD("finally"))
        TRY(fl__load_client_steps(ld, v, SUB("finally"), out->id, &out->final, &out->final_count));
    if (!out->has_except && out->final_count == 0 && fl__yaml_get(ld, value, "finally") == NULL)
        return FAIL(ld, value, "%s: give except, finally or both", inner);
    return 0;
}

static const fl_key_t CHILD_KEYS[] = {
    {"name", "string", NULL, "the child task's name (cancel steps and faults may name it)",
     &FL_READ_NONEMPTY, FL_INTO(fl_client_child_t, name)},
    {"steps", "list of client steps", NULL, "what it runs; its first failing step ends it",
     FL_BY_HAND},
    FL_KEYS_END,
};

static const fl_key_t GROUP_KEYS[] = {
    STEP_ID,
    {"children", "list of {name, steps}", NULL, "each runs as its own task in the group",
     FL_BY_HAND},
    FL_KEYS_END,
};

/* group: {children: [{name, steps}]}: a task group in a client task. */
static int parse_group_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                            fl_step_t *out) {
    assert(out != NULL && out->kind == FL_STEP_GROUP);
    fl_yaml_node_t *v;
    TRY(fl__yaml_require(ld, value, "children", inner, &v));
    const char *list_path = SUB("children");
    TRY(fl__yaml_expect_sequence(ld, v, list_path));
    size_t count = fl__yaml_sequence_count(v);
    if (count == 0 || count > FL_RUN_GROUP_CHILDREN_MAX)
        return FAIL(ld, v, "%s: 1..%d children", list_path, FL_RUN_GROUP_CHILDREN_MAX);
    fl_client_child_t *children = fl_arena_zalloc(ld->arena, count * sizeof *children);
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *item = fl__yaml_sequence_item(ld, v, i);
        const char *item_path = fl__yaml_index_path(ld, list_path, i);
        TRY(fl__yaml_check_and_read_keys(ld, item, item_path, CHILD_KEYS, &children[i],
                                         sizeof children[i]));
        fl_yaml_node_t *steps;
        TRY(fl__yaml_require(ld, item, "steps", item_path, &steps));
        TRY(fl__load_client_steps(ld, steps, fl__yaml_child_path(ld, item_path, "steps"),
                                  children[i].name, &children[i].steps, &children[i].step_count));
    }
    out->children = children;
    out->child_count = count;
    return 0;
}

static const fl_key_t SPAWN_KEYS[] = {
    STEP_ID,
    {"name", "string", NULL, "the new task's name", FL_BY_HAND},
    {"steps", "list of client steps", NULL, "what it runs; its first failing step ends it",
     FL_BY_HAND},
    {"into", "step id", "the nearest", "the enclosing group it joins", &FL_READ_NONEMPTY,
     FL_INTO(fl_step_t, into_id)},
    FL_KEYS_END,
};

/* spawn: {name, steps, into}: tg.start_soon from inside a running group:
 * the step starts the task and goes on; the group waits for it, and its
 * failure fails the group. Its group is found when the file is checked. */
static int parse_spawn_step(fl_yaml_reader_t *ld, fl_yaml_node_t *value, const char *inner,
                            fl_step_t *out) {
    assert(out != NULL && out->kind == FL_STEP_SPAWN);
    fl_client_child_t *child = fl_arena_zalloc(ld->arena, sizeof *child);
    fl_yaml_node_t *v;
    TRY(fl__yaml_require(ld, value, "name", inner, &v));
    TRY(fl__yaml_nonempty(ld, v, SUB("name"), &child->name));
    TRY(fl__yaml_require(ld, value, "steps", inner, &v));
    TRY(fl__load_client_steps(ld, v, SUB("steps"), child->name, &child->steps, &child->step_count));
    if (child->step_count == 0) return FAIL(ld, v, "%s: at least one step", SUB("steps"));
    out->children = child;
    out->child_count = 1;
    return 0;
}

#undef FIELD
#undef SUB
#undef STEP_ID
#undef STEP_METHOD
#undef STEP_PATH
#undef STEP_HEADERS
#undef STEP_CANCEL_AFTER

/* One row a kind. */
/* clang-format off */
static const fl_client_step_row_t CLIENT_STEPS[] = {
    {{"request", "a request through the middleware chain, body read whole", REQUEST_KEYS, NULL},
     FL_STEP_REQUEST, true, parse_request_step, fl__run_request_step},
    {{"stream", "stream(): read chunks, then close", STREAM_KEYS, NULL},
     FL_STEP_STREAM, true, parse_stream_step, fl__run_stream_step},
    {{"sse", "an SSE session: connect, receive, close", SSE_KEYS, NULL},
     FL_STEP_SSE, true, parse_sse_step, fl__run_sse_step},
    {{"sleep", "sleep (a duration)", NULL, NULL},
     FL_STEP_SLEEP, false, parse_sleep_step, fl__run_sleep_step},
    {{"cancel", "cancel another task, after a delay", CANCEL_KEYS, NULL},
     FL_STEP_CANCEL, false, parse_cancel_step, fl__run_cancel_step},
    {{"repeat", "the steps again: times, until_ok or until_error", REPEAT_KEYS, NULL},
     FL_STEP_REPEAT, false, parse_repeat_step, fl__run_repeat_step},
    {{"try", "the steps, an except handler, and finally", TRY_KEYS, NULL},
     FL_STEP_TRY, false, parse_try_step, fl__run_try_step},
    {{"group", "a task group: each child's steps as a task of its own", GROUP_KEYS, NULL},
     FL_STEP_GROUP, false, parse_group_step, fl__run_group_step},
    {{"spawn", "start_soon: one more task in an enclosing running group", SPAWN_KEYS, NULL},
     FL_STEP_SPAWN, false, parse_spawn_step, fl__run_spawn_step},
    {{NULL, NULL, NULL, NULL}, 0, false, NULL, NULL},
};
/* clang-format on */

static const fl_kind_table_t CLIENT_STEP_TABLE = FL_KIND_TABLE("step", CLIENT_STEPS);

FL_KIND_ROWS(fl_client_step, fl_client_step_row_t, CLIENT_STEPS)
FL_KIND_ROW(fl_client_step, fl_client_step_row_t, fl_step_kind_t, CLIENT_STEPS)

static int parse_client_step(fl_yaml_reader_t *ld, fl_yaml_node_t *item, const char *path,
                             const char *task, size_t index, fl_step_t *out) {
    assert(task != NULL && out != NULL);
    /* What a step holds unless its keys say otherwise (steps have no row
     * defaults: the id depends on where the step stands). */
    out->owner_check = true;
    out->id = fl_arena_printf(ld->arena, "%s.%zu", task, index);
    fl_kind_item_t it;
    TRY(fl__yaml_kind_item(ld, item, path, &CLIENT_STEP_TABLE, out, sizeof *out, &it));
    const fl_client_step_row_t *row = &CLIENT_STEPS[it.index];
    assert(row == fl_client_step_row(row->kind)); /* a row's kind is its index */
    assert(row->head.defaults == NULL);
    out->kind = row->kind;
    out->at = it.at;
    assert(out->id != NULL && out->id[0] != '\0');
    return row->parse(ld, it.value, it.path, out);
}

int fl__load_client_steps(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                          const char *prefix, const fl_step_t **steps_out, size_t *count_out) {
    assert(ld != NULL && node != NULL && path != NULL && prefix != NULL);
    assert(steps_out != NULL && count_out != NULL);
    TRY(fl__yaml_expect_sequence(ld, node, path));
    size_t count = fl__yaml_sequence_count(node);
    assert(count <= LIST_MAX); /* the reader bounds every list */
    /* Blocks are read inside their step: a depth bound keeps a hostile
     * file from nesting the loader off its stack. */
    if (ld->depth >= FL_SCENARIO_STEP_DEPTH_MAX)
        return FAIL(ld, node, "%s: blocks nested deeper than %d", path, FL_SCENARIO_STEP_DEPTH_MAX);
    ld->depth++;
    fl_step_t *steps = fl_arena_zalloc(ld->arena, (count ? count : 1) * sizeof *steps);
    int status = 0;
    bool failed = false; /* a step failed: the others are read, the list fails */
    for (size_t i = 0; i < count && status == 0; i++)
        status = fl__yaml_go_on(ld,
                                parse_client_step(ld, fl__yaml_sequence_item(ld, node, i),
                                                  fl__yaml_index_path(ld, path, i), prefix, i,
                                                  &steps[i]),
                                &failed);
    ld->depth--;
    TRY(status);
    if (failed) return FL_EINVAL;
    *steps_out = steps;
    *count_out = count;
    return 0;
}

static const fl_key_t TASK_KEYS[] = {
    {"name", "string", NULL, "the task's name, unique", FL_BY_HAND},
    {"steps", "list of client steps", NULL, "run in order, at least one", FL_BY_HAND},
    FL_KEYS_END,
};

const fl_key_t *fl__task_keys(void) { return TASK_KEYS; }

static int parse_task(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                      fl_client_task_t *out) {
    assert(out != NULL);
    TRY(fl__yaml_check_keys(ld, node, path, TASK_KEYS));
    out->at = fl__yaml_location(ld, node);
    fl_yaml_node_t *v;
    TRY(fl__yaml_require(ld, node, "name", path, &v));
    TRY(fl__yaml_nonempty(ld, v, fl__yaml_child_path(ld, path, "name"), &out->name));
    TRY(fl__yaml_require(ld, node, "steps", path, &v));
    const char *steps_path = fl__yaml_child_path(ld, path, "steps");
    const fl_step_t *steps;
    TRY(fl__load_client_steps(ld, v, steps_path, out->name, &steps, &out->step_count));
    out->steps = (fl_step_t *)steps; /* the loader's own: read, then only read */
    if (out->step_count == 0) return FAIL(ld, v, "%s: a task needs at least one step", steps_path);
    assert(out->name != NULL && out->step_count > 0 && out->step_count <= LIST_MAX);
    return 0;
}

const fl_client_task_t *fl__client_find_task(const fl_client_spec_t *client, const char *name) {
    assert(client != NULL && name != NULL);
    assert(client->tasks != NULL || client->task_count == 0);
    for (size_t i = 0; i < client->task_count; i++) {
        assert(client->tasks[i].name != NULL);
        if (strcmp(client->tasks[i].name, name) == 0) return &client->tasks[i];
    }
    return NULL;
}

/* The step of steps (or of their blocks) with the id; NULL if none. */
static const fl_step_t *find_in(const fl_step_t *steps, size_t count, const char *id) {
    assert((steps != NULL || count == 0) && id != NULL);
    for (size_t i = 0; i < count; i++) {
        const fl_step_t *step = &steps[i];
        assert(step->id != NULL);
        if (strcmp(step->id, id) == 0) return step;
        const fl_step_t *found = find_in(step->block, step->block_count, id);
        if (found == NULL) found = find_in(step->handler, step->handler_count, id);
        if (found == NULL) found = find_in(step->final, step->final_count, id);
        for (size_t c = 0; found == NULL && c < step->child_count; c++)
            found = find_in(step->children[c].steps, step->children[c].step_count, id);
        if (found != NULL) return found;
    }
    return NULL;
}

const fl_step_t *fl__client_find_step(const fl_client_spec_t *client, const char *id) {
    assert(client != NULL && id != NULL);
    assert(client->tasks != NULL || client->task_count == 0);
    for (size_t t = 0; t < client->task_count; t++) {
        const fl_step_t *found = find_in(client->tasks[t].steps, client->tasks[t].step_count, id);
        if (found != NULL) return found;
    }
    return NULL;
}

/* The groups a step is inside, innermost last. */
typedef struct enclosing_groups {
    const fl_step_t *groups[FL_SCENARIO_STEP_DEPTH_MAX];
    size_t count;
} enclosing_groups_t;

/* A spawn joins the group its into names, or the nearest; it must be
 * inside one, because a group is only running while its children are. */
static int resolve_spawn(fl_yaml_reader_t *ld, yaml_mark_t mark, size_t task, fl_step_t *spawn,
                         const enclosing_groups_t *enclosing) {
    assert(spawn->kind == FL_STEP_SPAWN && spawn->child_count == 1);
    assert(enclosing->count <= FL_SCENARIO_STEP_DEPTH_MAX);
    for (size_t g = enclosing->count; g-- > 0;) {
        const fl_step_t *group = enclosing->groups[g];
        assert(group->kind == FL_STEP_GROUP && group->id != NULL);
        if (spawn->into_id != NULL && strcmp(spawn->into_id, group->id) != 0) continue;
        spawn->into = group;
        return 0;
    }
    if (spawn->into_id != NULL)
        return fl__yaml_fail_at(ld, mark,
                                "client.tasks[%zu]: step '%s': into names no group around it: '%s'",
                                task, spawn->id, spawn->into_id);
    return fl__yaml_fail_at(ld, mark, "client.tasks[%zu]: step '%s': spawn outside any group", task,
                            spawn->id);
}

/* Step ids are unique; cancel names a task; receive_in names a task, and
 * only at a task's top level (its receiver runs after the task's steps);
 * a spawn is inside a group, and joins it. */
static int check_steps(fl_yaml_reader_t *ld, const fl_client_spec_t *client, size_t task,
                       const fl_step_t *steps, size_t count, bool top_level,
                       const enclosing_groups_t *enclosing) {
    for (size_t s = 0; s < count; s++) {
        const fl_step_t *step = &steps[s];
        assert(step->at.line >= 1 && step->at.column >= 1); /* 1-based: the mark below */
        yaml_mark_t mark = {.line = step->at.line - 1, .column = step->at.column - 1};
        if (fl__client_find_step(client, step->id) != step)
            return fl__yaml_fail_at(ld, mark, "client.tasks[%zu]: duplicate step id '%s'", task,
                                    step->id);
        if (step->target_task != NULL && fl__client_find_task(client, step->target_task) == NULL)
            return fl__yaml_fail_at(ld, mark,
                                    "client.tasks[%zu]: step '%s': cancel names no task '%s'", task,
                                    step->id, step->target_task);
        if (step->receive_in != NULL && fl__client_find_task(client, step->receive_in) == NULL)
            return fl__yaml_fail_at(ld, mark,
                                    "client.tasks[%zu]: step '%s': receive_in names no task '%s'",
                                    task, step->id, step->receive_in);
        if (step->receive_in != NULL && !top_level)
            return fl__yaml_fail_at(
                ld, mark, "client.tasks[%zu]: step '%s': receive_in only at a task's top level",
                task, step->id);
        /* The loader's own tree: resolved here, then only read. */
        if (step->kind == FL_STEP_SPAWN)
            TRY(resolve_spawn(ld, mark, task, (fl_step_t *)step, enclosing));
        TRY(check_steps(ld, client, task, step->block, step->block_count, false, enclosing));
        TRY(check_steps(ld, client, task, step->handler, step->handler_count, false, enclosing));
        TRY(check_steps(ld, client, task, step->final, step->final_count, false, enclosing));
        enclosing_groups_t inside = *enclosing;
        if (step->kind == FL_STEP_GROUP) {
            assert(inside.count < FL_SCENARIO_STEP_DEPTH_MAX); /* the loader's depth bound */
            inside.groups[inside.count++] = step;
        }
        for (size_t c = 0; c < step->child_count; c++)
            TRY(check_steps(ld, client, task, step->children[c].steps, step->children[c].step_count,
                            false, &inside));
    }
    return 0;
}

/* Task names and step ids are unique; cancel and receive_in name tasks. */
static int check_client_references(fl_yaml_reader_t *ld, const fl_client_spec_t *client) {
    assert(ld != NULL && client != NULL);
    assert(client->task_count > 0 && client->tasks != NULL);
    for (size_t t = 0; t < client->task_count; t++) {
        const fl_client_task_t *task = &client->tasks[t];
        assert(task->at.line >= 1 && task->at.column >= 1); /* 1-based: the mark below */
        if (fl__client_find_task(client, task->name) != task)
            return fl__yaml_fail_at(
                ld, (yaml_mark_t){.line = task->at.line - 1, .column = task->at.column - 1},
                "client.tasks[%zu]: duplicate task name '%s'", t, task->name);
        const enclosing_groups_t none = {.count = 0};
        TRY(check_steps(ld, client, t, task->steps, task->step_count, true, &none));
    }
    return 0;
}

/* knobs: [name, ...]: a set of client/knobs.h rows; an unknown name's error
 * lists them. */
static int read_knobs(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, void *field) {
    uint32_t *out = field;
    assert(out != NULL && *out == 0);
    const char *const *names;
    size_t count;
    TRY(fl__yaml_string_list(ld, node, path, &names, &count));
    size_t rows_count;
    const fl_client_knob_row_t *rows = fl_client_knob_rows(&rows_count);
    for (size_t i = 0; i < count; i++) {
        fl_client_knob_t knob;
        if (fl_client_knob_from_name(names[i], &knob)) {
            *out |= fl_client_knob_bit(knob);
            continue;
        }
        fl_name_list_t valid = fl__name_list_for(names[i]);
        for (size_t k = 0; k < rows_count; k++) fl__name_list_add(&valid, ", ", rows[k].name);
        return FAIL(ld, fl__yaml_sequence_item(ld, node, i),
                    "%s: unknown client knob '%s' (%sexpected one of: %s)",
                    fl__yaml_index_path(ld, path, i), names[i], fl__name_list_hint(ld, &valid),
                    valid.text);
    }
    return 0;
}

static const fl_key_reader_t READ_KNOBS = {.read = read_knobs, .size = sizeof(uint32_t)};

static const fl_key_t CLIENT_KEYS[] = {
    {"timeouts", "mapping", "httpx's 5s each", "connect, read, write and pool timeouts",
     FL_BY_HAND},
    {"max_connections", "integer > 0", "100", "the pool's connections at most",
     &FL_READ_POSITIVE_COUNT, FL_INTO(fl_client_spec_t, max_connections)},
    {"idle_expiry", "duration > 0", "5s",
     "a pooled connection idle this long is closed at checkout, not reused",
     &FL_READ_POSITIVE_DURATION, FL_INTO(fl_client_spec_t, idle_expiry_ns)},
    {"header_bytes_max", "size > 0", "64KiB", "a response head larger is a RemoteProtocolError",
     &FL_READ_POSITIVE_SIZE, FL_INTO(fl_client_spec_t, header_bytes_max)},
    {"body_bytes_max", "size > 0", "64MiB", "a response body larger is a RemoteProtocolError",
     &FL_READ_POSITIVE_SIZE, FL_INTO(fl_client_spec_t, body_bytes_max)},
    {"knobs", "list of client knobs", "none",
     "buggy variants of the pool and transport to turn on (client/knobs.h)", &READ_KNOBS,
     FL_INTO(fl_client_spec_t, knobs)},
    {"middleware", "list of client middleware", "none", "outermost first", FL_BY_HAND},
    {"tasks", "list of tasks", NULL, "at least one; they start together", FL_BY_HAND},
    FL_KEYS_END,
};

const fl_key_t *fl__client_keys(void) { return CLIENT_KEYS; }

int fl__load_client(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_client_spec_t *out) {
    assert(ld != NULL && node != NULL && out != NULL);
    bool failed = false; /* a part failed: the others are read, the section fails */
    TRY(fl__yaml_check_and_read_keys(ld, node, "client", CLIENT_KEYS, out, sizeof *out));
    fl_yaml_node_t *v;
    if ((v = fl__yaml_get(ld, node, "timeouts")))
        TRY(fl__yaml_check_and_read_keys(ld, v, "client.timeouts", TIMEOUT_KEYS, &out->timeouts,
                                         sizeof out->timeouts));
    if ((v = fl__yaml_get(ld, node, "middleware"))) {
        TRY(fl__yaml_expect_sequence(ld, v, "client.middleware"));
        out->layer_count = fl__yaml_sequence_count(v);
        out->layers = fl_arena_zalloc(ld->arena, (out->layer_count + 1) * sizeof *out->layers);
        for (size_t i = 0; i < out->layer_count; i++)
            TRY(fl__yaml_go_on(ld,
                               fl_client_layer_item(ld, fl__yaml_sequence_item(ld, v, i),
                                                    fl__yaml_index_path(ld, "client.middleware", i),
                                                    &out->layers[i]),
                               &failed));
    }
    TRY(fl__yaml_require(ld, node, "tasks", "client", &v));
    TRY(fl__yaml_expect_sequence(ld, v, "client.tasks"));
    out->task_count = fl__yaml_sequence_count(v);
    if (out->task_count == 0) return FAIL(ld, v, "client.tasks: at least one task is needed");
    assert(out->layers != NULL || out->layer_count == 0);
    out->tasks = fl_arena_zalloc(ld->arena, out->task_count * sizeof *out->tasks);
    for (size_t i = 0; i < out->task_count; i++)
        TRY(fl__yaml_go_on(ld,
                           parse_task(ld, fl__yaml_sequence_item(ld, v, i),
                                      fl__yaml_index_path(ld, "client.tasks", i), &out->tasks[i]),
                           &failed));
    /* References are judged among tasks and steps that all loaded. */
    return failed ? FL_EINVAL : check_client_references(ld, out);
}
