/* The scenario loader: libyaml's document API, then a strict walk of the
 * node tree. Every parse function returns 0 or FL_EINVAL; the first error
 * wins and is formatted with the position of the node it is about. */
#include "harness/model/loader.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "client/retry.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"

/* Bounds on what one scenario may hold: a file is written by hand. */
enum {
    LIST_MAX = 1024,
    HEADERS_MAX = 64,
    FILE_BYTES_MAX = 4 * 1024 * 1024,
};

typedef struct loader {
    fl_arena_t *arena;
    yaml_document_t *document;
    const char *file;
    char *error;
    size_t error_size;
} loader_t;

typedef yaml_node_t node_t;

#define TRY(call)                                                                          \
    do {                                                                                   \
        int fl__status = (call);                                                           \
        if (fl__status != 0) return fl__status;                                            \
    } while (0)

static int fail_at(loader_t *ld, yaml_mark_t mark, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(loader_t *ld, yaml_mark_t mark, const char *format, ...) {
    if (ld->error_size == 0) return FL_EINVAL;
    int used = snprintf(ld->error, ld->error_size, "%s:%zu:%zu: error: ", ld->file,
                        mark.line + 1, mark.column + 1);
    if (used >= 0 && (size_t)used < ld->error_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(ld->error + used, ld->error_size - (size_t)used, format, args);
        va_end(args);
    }
    return FL_EINVAL;
}

#define FAIL(ld, node, ...) fail_at((ld), (node)->start_mark, __VA_ARGS__)

static fl_location_t location(const loader_t *ld, const node_t *node) {
    return (fl_location_t){.file = ld->file,
                           .line = (uint32_t)node->start_mark.line + 1,
                           .column = (uint32_t)node->start_mark.column + 1};
}

static const char *child_path(loader_t *ld, const char *path, const char *key) {
    return path[0] ? fl_arena_printf(ld->arena, "%s.%s", path, key) : key;
}

static const char *index_path(loader_t *ld, const char *path, size_t index) {
    return fl_arena_printf(ld->arena, "%s[%zu]", path, index);
}

static const char *text_of(const node_t *node) { return (const char *)node->data.scalar.value; }

/* A plain empty scalar, "~" or "null": what "key:" with nothing after gives. */
static bool is_null(const node_t *node) {
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *text = text_of(node);
    return text[0] == '\0' || strcmp(text, "~") == 0 || strcmp(text, "null") == 0;
}

static node_t *node_at(loader_t *ld, int index) {
    return yaml_document_get_node(ld->document, index);
}

/* --- mappings ---------------------------------------------------------------------- */

static int expect_mapping(loader_t *ld, node_t *node, const char *path) {
    if (node->type == YAML_MAPPING_NODE || is_null(node)) return 0;
    return FAIL(ld, node, "%s: expected a mapping", path);
}

static int expect_sequence(loader_t *ld, node_t *node, const char *path) {
    if (node->type == YAML_SEQUENCE_NODE) {
        size_t count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
        if (count > LIST_MAX) return FAIL(ld, node, "%s: more than %d items", path, LIST_MAX);
        return 0;
    }
    return FAIL(ld, node, "%s: expected a list", path);
}

static size_t sequence_count(const node_t *node) {
    if (node->type != YAML_SEQUENCE_NODE) return 0;
    return (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
}

static node_t *sequence_item(loader_t *ld, const node_t *node, size_t index) {
    return node_at(ld, node->data.sequence.items.start[index]);
}

static size_t pair_count(const node_t *node) {
    if (node->type != YAML_MAPPING_NODE) return 0;
    return (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
}

/* Refuses keys outside allowed (NULL-terminated), non-scalar keys and
 * duplicates. */
static int check_keys(loader_t *ld, node_t *node, const char *path, const char *const *allowed) {
    TRY(expect_mapping(ld, node, path));
    size_t count = pair_count(node);
    for (size_t i = 0; i < count; i++) {
        node_t *key = node_at(ld, node->data.mapping.pairs.start[i].key);
        if (key->type != YAML_SCALAR_NODE)
            return FAIL(ld, key, "%s: keys must be plain names", path[0] ? path : "scenario");
        bool known = false;
        for (size_t a = 0; allowed[a] != NULL && !known; a++)
            known = strcmp(allowed[a], text_of(key)) == 0;
        if (!known) {
            if (path[0]) return FAIL(ld, key, "unknown key '%s' in %s", text_of(key), path);
            return FAIL(ld, key, "unknown key '%s'", text_of(key));
        }
        for (size_t j = 0; j < i; j++) {
            node_t *earlier = node_at(ld, node->data.mapping.pairs.start[j].key);
            if (strcmp(text_of(earlier), text_of(key)) == 0)
                return FAIL(ld, key, "duplicate key '%s' in %s", text_of(key),
                            path[0] ? path : "scenario");
        }
    }
    return 0;
}

static node_t *get(loader_t *ld, node_t *mapping, const char *key) {
    size_t count = pair_count(mapping);
    for (size_t i = 0; i < count; i++) {
        node_t *k = node_at(ld, mapping->data.mapping.pairs.start[i].key);
        if (k->type == YAML_SCALAR_NODE && strcmp(text_of(k), key) == 0)
            return node_at(ld, mapping->data.mapping.pairs.start[i].value);
    }
    return NULL;
}

static int require(loader_t *ld, node_t *mapping, const char *key, const char *path,
                   node_t **out) {
    *out = get(ld, mapping, key);
    if (*out == NULL)
        return FAIL(ld, mapping, "missing required key '%s' in %s", key,
                    path[0] ? path : "scenario");
    return 0;
}

/* Items like "- retry: {...}": a mapping of exactly one key, whose name is
 * looked up in names (NULL-terminated). */
static int one_key(loader_t *ld, node_t *item, const char *path, const char *what,
                   const char *const *names, int *kind_out, node_t **value_out) {
    if (item->type != YAML_MAPPING_NODE || pair_count(item) != 1)
        return FAIL(ld, item, "%s: expected a one-key mapping naming the %s", path, what);
    node_t *key = node_at(ld, item->data.mapping.pairs.start[0].key);
    if (key->type == YAML_SCALAR_NODE)
        for (int i = 0; names[i] != NULL; i++)
            if (strcmp(names[i], text_of(key)) == 0) {
                *kind_out = i;
                *value_out = node_at(ld, item->data.mapping.pairs.start[0].value);
                return 0;
            }
    return FAIL(ld, key, "%s: unknown %s '%s'", path, what,
                key->type == YAML_SCALAR_NODE ? text_of(key) : "?");
}

/* --- scalars ----------------------------------------------------------------------- */

static int expect_scalar(loader_t *ld, node_t *node, const char *path, const char *what) {
    if (node->type == YAML_SCALAR_NODE) return 0;
    return FAIL(ld, node, "%s: expected %s", path, what);
}

static int parse_string(loader_t *ld, node_t *node, const char *path, const char **out) {
    TRY(expect_scalar(ld, node, path, "a string"));
    *out = fl_arena_strdup(ld->arena, text_of(node));
    return 0;
}

static int parse_nonempty(loader_t *ld, node_t *node, const char *path, const char **out) {
    TRY(parse_string(ld, node, path, out));
    if ((*out)[0] == '\0') return FAIL(ld, node, "%s: must not be empty", path);
    return 0;
}

static int parse_integer(loader_t *ld, node_t *node, const char *path, int64_t min, int64_t max,
                         int64_t *out) {
    TRY(expect_scalar(ld, node, path, "an integer"));
    const char *text = text_of(node);
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (text[0] == '\0' || isspace((unsigned char)text[0]) || *end != '\0' || errno != 0)
        return FAIL(ld, node, "%s: expected an integer, not '%s'", path, text);
    if (value < min || value > max)
        return FAIL(ld, node, "%s: %lld is out of range (%lld..%lld)", path, value,
                    (long long)min, (long long)max);
    *out = value;
    return 0;
}

static int parse_uint32(loader_t *ld, node_t *node, const char *path, uint32_t *out) {
    int64_t value;
    TRY(parse_integer(ld, node, path, 0, UINT32_MAX, &value));
    *out = (uint32_t)value;
    return 0;
}

static int parse_size_count(loader_t *ld, node_t *node, const char *path, size_t *out) {
    int64_t value;
    TRY(parse_integer(ld, node, path, 0, INT32_MAX, &value));
    *out = (size_t)value;
    return 0;
}

static int parse_bool(loader_t *ld, node_t *node, const char *path, bool *out) {
    TRY(expect_scalar(ld, node, path, "true or false"));
    const char *text = text_of(node);
    if (strcmp(text, "true") == 0) *out = true;
    else if (strcmp(text, "false") == 0) *out = false;
    else return FAIL(ld, node, "%s: expected true or false, not '%s'", path, text);
    return 0;
}

/* "1.5s" into a whole number of units: digits, an optional fraction, then a
 * unit from the table. Returns false for anything else or on overflow. */
typedef struct unit {
    const char *suffix;
    int64_t scale;
} unit_t;

static bool parse_scaled(const char *text, const unit_t *units, int64_t *out) {
    const char *p = text;
    if (!isdigit((unsigned char)*p)) return false;
    int64_t whole = 0;
    while (isdigit((unsigned char)*p)) {
        if (whole > (INT64_MAX - 9) / 10) return false;
        whole = whole * 10 + (*p++ - '0');
    }
    int64_t fraction = 0, fraction_scale = 1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return false;
        for (int digits = 0; isdigit((unsigned char)*p); digits++, p++) {
            if (digits >= 9) return false;
            fraction = fraction * 10 + (*p - '0');
            fraction_scale *= 10;
        }
    }
    for (const unit_t *u = units; u->suffix != NULL; u++) {
        if (strcmp(p, u->suffix) != 0) continue;
        if (whole > INT64_MAX / u->scale) return false;
        int64_t result = whole * u->scale;
        /* fraction / fraction_scale of a unit must be a whole number. */
        __int128 part = (__int128)fraction * u->scale;
        if (part % fraction_scale != 0) return false;
        int64_t extra = (int64_t)(part / fraction_scale);
        if (result > INT64_MAX - extra) return false;
        *out = result + extra;
        return true;
    }
    return false;
}

static const unit_t duration_units[] = {
    {"ns", 1},           {"us", 1000},          {"ms", 1000000},
    {"s", 1000000000LL}, {"m", 60000000000LL},  {"h", 3600000000000LL},
    {NULL, 0},
};

static const unit_t size_units[] = {
    {"", 1},           {"B", 1},           {"KB", 1000},       {"KiB", 1024},
    {"MB", 1000000},   {"MiB", 1 << 20},   {"GB", 1000000000}, {"GiB", 1 << 30},
    {NULL, 0},
};

/* A duration; "0" alone is allowed, and "forever" when allow_forever (it
 * gives FL_TIME_NEVER). */
static int parse_duration_ex(loader_t *ld, node_t *node, const char *path, bool allow_forever,
                             int64_t *out) {
    TRY(expect_scalar(ld, node, path, "a duration"));
    const char *text = text_of(node);
    if (strcmp(text, "0") == 0) {
        *out = 0;
        return 0;
    }
    if (allow_forever && strcmp(text, "forever") == 0) {
        *out = FL_TIME_NEVER;
        return 0;
    }
    if (!parse_scaled(text, duration_units, out))
        return FAIL(ld, node, "%s: bad duration '%s': use 250ms, 2s, 1.5s, 3m, or 100us/500ns%s",
                    path, text, allow_forever ? " (or forever)" : "");
    return 0;
}

static int parse_duration(loader_t *ld, node_t *node, const char *path, int64_t *out) {
    return parse_duration_ex(ld, node, path, false, out);
}

static int parse_bytes(loader_t *ld, node_t *node, const char *path, uint64_t *out) {
    TRY(expect_scalar(ld, node, path, "a size"));
    int64_t value;
    if (!parse_scaled(text_of(node), size_units, &value))
        return FAIL(ld, node, "%s: bad size '%s': use bytes (65536), 64KiB or 1MB", path,
                    text_of(node));
    *out = (uint64_t)value;
    return 0;
}

/* A name from a fixed list: the index, or an error listing the choices. */
static int parse_choice(loader_t *ld, node_t *node, const char *path, const char *what,
                        const char *const *names, int *out) {
    TRY(expect_scalar(ld, node, path, "a name"));
    for (int i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], text_of(node)) == 0) {
            *out = i;
            return 0;
        }
    char choices[256] = "";
    size_t used = 0;
    for (int i = 0; names[i] != NULL && used < sizeof choices; i++)
        used += (size_t)snprintf(choices + used, sizeof choices - used, "%s%s", i ? ", " : "",
                                 names[i]);
    return FAIL(ld, node, "%s: unknown %s '%s' (expected one of: %s)", path, what,
                text_of(node), choices);
}

static int parse_error_kind(loader_t *ld, node_t *node, const char *path, bool exception_only,
                            fl_error_kind_t *out) {
    TRY(expect_scalar(ld, node, path, "an error kind name"));
    if (!fl_error_kind_from_name(text_of(node), out))
        return FAIL(ld, node, "%s: unknown error kind '%s'", path, text_of(node));
    if (exception_only && !fl_error_kind_is(*out, FL_ERR_EXCEPTION))
        return FAIL(ld, node, "%s: '%s' is not an Exception", path, text_of(node));
    return 0;
}

static int parse_direction(loader_t *ld, node_t *node, const char *path, fl_direction_t *out) {
    static const char *const names[] = {"c2s", "s2c", NULL};
    int index;
    TRY(parse_choice(ld, node, path, "direction", names, &index));
    *out = index == 0 ? FL_DIRECTION_CLIENT_TO_SERVER : FL_DIRECTION_SERVER_TO_CLIENT;
    return 0;
}

static int parse_side(loader_t *ld, node_t *node, const char *path, fl_side_t *out) {
    static const char *const names[] = {"client", "server", NULL};
    int index;
    TRY(parse_choice(ld, node, path, "side", names, &index));
    *out = index == 0 ? FL_SIDE_CLIENT : FL_SIDE_SERVER;
    return 0;
}

static int parse_string_list(loader_t *ld, node_t *node, const char *path,
                             const char *const **out, size_t *count_out) {
    TRY(expect_sequence(ld, node, path));
    size_t count = sequence_count(node);
    const char **items = fl_arena_zalloc(ld->arena, (count ? count : 1) * sizeof *items);
    for (size_t i = 0; i < count; i++)
        TRY(parse_string(ld, sequence_item(ld, node, i), index_path(ld, path, i), &items[i]));
    *out = items;
    *count_out = count;
    return 0;
}

static int parse_headers(loader_t *ld, node_t *node, const char *path,
                         const fl_asgi_header_t **out, size_t *count_out) {
    TRY(expect_mapping(ld, node, path));
    size_t count = pair_count(node);
    if (count > HEADERS_MAX) return FAIL(ld, node, "%s: more than %d headers", path, HEADERS_MAX);
    fl_asgi_header_t *headers = fl_arena_zalloc(ld->arena, (count ? count : 1) * sizeof *headers);
    for (size_t i = 0; i < count; i++) {
        node_t *key = node_at(ld, node->data.mapping.pairs.start[i].key);
        node_t *value = node_at(ld, node->data.mapping.pairs.start[i].value);
        TRY(parse_nonempty(ld, key, path, &headers[i].name));
        TRY(parse_string(ld, value, child_path(ld, path, headers[i].name), &headers[i].value));
    }
    *out = headers;
    *count_out = count;
    return 0;
}

/* --- top-level scalars ------------------------------------------------------------- */

/* One seed: digits only, within uint64_t. Returns 0, 1 (not a number) or 2
 * (past the largest seed), and the rest of the text in *end. */
static int parse_seed_number(const char *text, uint64_t *out, const char **end) {
    if (!isdigit((unsigned char)text[0])) return 1;
    char *stop = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &stop, 10);
    *end = stop;
    if (errno == ERANGE) return 2;
    *out = value;
    return 0;
}

static int parse_seeds(loader_t *ld, node_t *node, fl_scenario_t *out) {
    TRY(expect_scalar(ld, node, "seeds", "a seed range"));
    const char *text = text_of(node);
    uint64_t first = 0, last = 0;
    const char *rest = text, *second = NULL;
    int problem = parse_seed_number(text, &first, &rest);
    if (problem == 0 && strncmp(rest, "..", 2) == 0) {
        second = rest + 2;
        problem = parse_seed_number(second, &last, &rest);
    } else {
        last = first;
    }
    /* strtoull saturates: a seed past 2^64-1 would silently become it. */
    if (problem == 2)
        return FAIL(ld, node, "seeds: '%.*s' is past the largest seed (%" PRIu64 ")",
                    (int)strcspn(second != NULL ? second : text, "."),
                    second != NULL ? second : text, UINT64_MAX);
    if (problem != 0 || *rest != '\0')
        return FAIL(ld, node, "seeds: bad seed range '%s': use A..B (or one seed)", text);
    if (first > last)
        return FAIL(ld, node, "seeds: the range '%s' is empty: A must be <= B", text);
    out->seed_first = first;
    out->seed_last = last;
    return 0;
}

static int parse_network(loader_t *ld, node_t *node, fl_simnet_options_t *out) {
    static const char *const keys[] = {"latency", "jitter",  "bandwidth", "buffer",
                                       "segmentation", "backlog", NULL};
    TRY(check_keys(ld, node, "network", keys));
    node_t *v;
    if ((v = get(ld, node, "latency"))) TRY(parse_duration(ld, v, "network.latency", &out->latency_ns));
    if ((v = get(ld, node, "jitter")))
        TRY(parse_duration(ld, v, "network.jitter", &out->latency_jitter_ns));
    if ((v = get(ld, node, "bandwidth")))
        TRY(parse_bytes(ld, v, "network.bandwidth", &out->bytes_per_second));
    if ((v = get(ld, node, "buffer"))) {
        uint64_t bytes;
        TRY(parse_bytes(ld, v, "network.buffer", &bytes));
        if (bytes == 0) return FAIL(ld, v, "network.buffer: must be positive");
        out->buffer_bytes = (size_t)bytes;
    }
    if ((v = get(ld, node, "segmentation")))
        TRY(parse_bool(ld, v, "network.segmentation", &out->segmentation));
    if ((v = get(ld, node, "backlog"))) {
        TRY(parse_size_count(ld, v, "network.backlog", &out->backlog));
        if (out->backlog == 0) return FAIL(ld, v, "network.backlog: must be positive");
    }
    return 0;
}

/* --- the server -------------------------------------------------------------------- */

static int parse_server_layer(loader_t *ld, node_t *item, const char *path,
                              fl_server_layer_t *out) {
    static const char *const kinds[] = {"base_http", "server_errors", "exception_handler", NULL};
    int kind;
    node_t *value;
    TRY(one_key(ld, item, path, "server middleware", kinds, &kind, &value));
    out->kind = (fl_server_layer_kind_t)kind;
    out->at = location(ld, item);
    const char *inner = child_path(ld, path, kinds[kind]);
    switch (out->kind) {
    case FL_LAYER_BASE_HTTP:
        TRY(expect_scalar(ld, value, inner, "a version name"));
        if (!fl_base_middleware_version_from_name(text_of(value), &out->version))
            return FAIL(ld, value,
                        "%s: unknown version '%s' (expected one of: 0.20, shield-start, 0.21, "
                        "0.38)",
                        inner, text_of(value));
        return 0;
    case FL_LAYER_SERVER_ERRORS: {
        static const char *const keys[] = {NULL};
        return check_keys(ld, value, inner, keys);
    }
    case FL_LAYER_EXCEPTION_HANDLER: {
        static const char *const keys[] = {"error", "status", "body", NULL};
        TRY(check_keys(ld, value, inner, keys));
        out->handles = FL_ERR_EXCEPTION;
        out->status = 500;
        node_t *v;
        if ((v = get(ld, value, "error")))
            TRY(parse_error_kind(ld, v, child_path(ld, inner, "error"), false, &out->handles));
        if ((v = get(ld, value, "status"))) {
            int64_t status;
            TRY(parse_integer(ld, v, child_path(ld, inner, "status"), 100, 599, &status));
            out->status = (int)status;
        }
        if ((v = get(ld, value, "body"))) TRY(parse_string(ld, v, child_path(ld, inner, "body"), &out->body));
        return 0;
    }
    }
    return 0;
}

static int parse_status(loader_t *ld, node_t *node, const char *path, int *out) {
    int64_t status;
    TRY(parse_integer(ld, node, path, 100, 599, &status));
    *out = (int)status;
    return 0;
}

static int parse_respond(loader_t *ld, node_t *value, const char *path, fl_scripted_step_t *out) {
    static const char *const keys[] = {"status", "body", "media_type", "headers", "background",
                                       NULL};
    TRY(check_keys(ld, value, path, keys));
    node_t *v;
    if ((v = get(ld, value, "status"))) TRY(parse_status(ld, v, child_path(ld, path, "status"), &out->status));
    if ((v = get(ld, value, "body"))) TRY(parse_string(ld, v, child_path(ld, path, "body"), &out->body));
    if ((v = get(ld, value, "media_type")))
        TRY(parse_string(ld, v, child_path(ld, path, "media_type"), &out->media_type));
    if ((v = get(ld, value, "headers")))
        TRY(parse_headers(ld, v, child_path(ld, path, "headers"), &out->headers, &out->header_count));
    if ((v = get(ld, value, "background"))) {
        static const char *const background_keys[] = {"name", "duration", NULL};
        const char *inner = child_path(ld, path, "background");
        TRY(check_keys(ld, v, inner, background_keys));
        node_t *w;
        TRY(require(ld, v, "name", inner, &w));
        TRY(parse_nonempty(ld, w, child_path(ld, inner, "name"), &out->background_name));
        if ((w = get(ld, v, "duration")))
            TRY(parse_duration(ld, w, child_path(ld, inner, "duration"), &out->background_ns));
    }
    return 0;
}

static int parse_variant(loader_t *ld, node_t *node, const char *path, fl_streaming_variant_t *out) {
    static const char *const names[] = {"task-group", "spec-aware", "no-listener", NULL};
    int index;
    TRY(parse_choice(ld, node, path, "streaming variant", names, &index));
    static const fl_streaming_variant_t variants[] = {
        FL_STREAMING_TASK_GROUP, FL_STREAMING_SPEC_AWARE, FL_STREAMING_NO_LISTENER};
    *out = variants[index];
    return 0;
}

static int parse_stream(loader_t *ld, node_t *value, const char *path, fl_scripted_step_t *out) {
    static const char *const keys[] = {"status",  "chunks",       "interval", "text",
                                       "sse",     "ping",         "fail_at",  "fail_error",
                                       "fail_message", "variant", "cleanup",  "publish",
                                       "headers", "media_type",   NULL};
    TRY(check_keys(ld, value, path, keys));
    fl_scripted_stream_t *s = &out->stream;
    s->chunk_count = 1;
    s->fail_kind = FL_ERR_VALUE_ERROR;
    node_t *v;
#define FIELD(key) ((v = get(ld, value, key)) != NULL)
#define SUB(key) child_path(ld, path, key)
    if (FIELD("status")) TRY(parse_status(ld, v, SUB("status"), &out->status));
    if (FIELD("headers")) TRY(parse_headers(ld, v, SUB("headers"), &out->headers, &out->header_count));
    if (FIELD("media_type")) TRY(parse_string(ld, v, SUB("media_type"), &out->media_type));
    if (FIELD("chunks")) TRY(parse_size_count(ld, v, SUB("chunks"), &s->chunk_count));
    if (FIELD("interval")) TRY(parse_duration(ld, v, SUB("interval"), &s->interval_ns));
    if (FIELD("text")) TRY(parse_string(ld, v, SUB("text"), &s->chunk_text));
    if (FIELD("sse")) TRY(parse_bool(ld, v, SUB("sse"), &s->sse));
    if (FIELD("ping")) TRY(parse_duration(ld, v, SUB("ping"), &s->ping_interval_ns));
    if (FIELD("fail_at")) {
        TRY(parse_size_count(ld, v, SUB("fail_at"), &s->fail_at_chunk));
        if (s->fail_at_chunk > s->chunk_count)
            return FAIL(ld, v, "%s: fail_at %zu is past the last chunk (%zu)", path,
                        s->fail_at_chunk, s->chunk_count);
    }
    if (FIELD("fail_error")) TRY(parse_error_kind(ld, v, SUB("fail_error"), true, &s->fail_kind));
    if (FIELD("fail_message")) TRY(parse_string(ld, v, SUB("fail_message"), &s->fail_message));
    if (FIELD("variant")) TRY(parse_variant(ld, v, SUB("variant"), &s->variant));
    if (FIELD("cleanup")) {
        TRY(expect_scalar(ld, v, SUB("cleanup"), "a cleanup name"));
        if (!fl_scripted_cleanup_from_name(text_of(v), &s->cleanup))
            return FAIL(ld, v,
                        "%s: unknown cleanup '%s' (expected one of: none, plain, shielded, "
                        "spawned)",
                        SUB("cleanup"), text_of(v));
    }
    if (FIELD("publish")) TRY(parse_duration(ld, v, SUB("publish"), &s->publish_ns));
#undef FIELD
#undef SUB
    return 0;
}

static const char *const handler_step_names[] = {"sleep", "read_body", "raise", "respond",
                                                 "stream", NULL};

static int parse_handler_step(loader_t *ld, node_t *item, const char *path,
                              fl_scripted_step_t *out) {
    int kind;
    node_t *value;
    TRY(one_key(ld, item, path, "handler step", handler_step_names, &kind, &value));
    static const fl_scripted_step_kind_t kinds[] = {FL_SCRIPTED_SLEEP, FL_SCRIPTED_READ_BODY,
                                                    FL_SCRIPTED_RAISE, FL_SCRIPTED_RESPOND,
                                                    FL_SCRIPTED_STREAM};
    out->kind = kinds[kind];
    const char *inner = child_path(ld, path, handler_step_names[kind]);
    switch (out->kind) {
    case FL_SCRIPTED_SLEEP: return parse_duration(ld, value, inner, &out->duration_ns);
    case FL_SCRIPTED_READ_BODY: {
        static const char *const keys[] = {"bytes", NULL};
        TRY(check_keys(ld, value, inner, keys));
        node_t *v = get(ld, value, "bytes");
        if (v == NULL) return 0;
        uint64_t bytes;
        TRY(parse_bytes(ld, v, child_path(ld, inner, "bytes"), &bytes));
        out->read_bytes = (size_t)bytes;
        return 0;
    }
    case FL_SCRIPTED_RAISE: {
        static const char *const keys[] = {"error", "message", NULL};
        TRY(check_keys(ld, value, inner, keys));
        out->error_kind = FL_ERR_VALUE_ERROR;
        node_t *v;
        if ((v = get(ld, value, "error")))
            TRY(parse_error_kind(ld, v, child_path(ld, inner, "error"), true, &out->error_kind));
        if ((v = get(ld, value, "message")))
            TRY(parse_string(ld, v, child_path(ld, inner, "message"), &out->error_message));
        return 0;
    }
    case FL_SCRIPTED_RESPOND: return parse_respond(ld, value, inner, out);
    case FL_SCRIPTED_STREAM: return parse_stream(ld, value, inner, out);
    }
    return 0;
}

static int parse_route(loader_t *ld, node_t *node, const char *path, fl_route_t *out) {
    static const char *const keys[] = {"method", "path", "steps", NULL};
    TRY(check_keys(ld, node, path, keys));
    out->at = location(ld, node);
    out->method = "GET";
    node_t *v;
    if ((v = get(ld, node, "method"))) TRY(parse_nonempty(ld, v, child_path(ld, path, "method"), &out->method));
    TRY(require(ld, node, "path", path, &v));
    TRY(parse_nonempty(ld, v, child_path(ld, path, "path"), &out->path));
    if (out->path[0] != '/') return FAIL(ld, v, "%s.path: must start with '/'", path);
    out->handler.name = out->path;
    if ((v = get(ld, node, "steps")) == NULL) return 0;
    const char *steps_path = child_path(ld, path, "steps");
    TRY(expect_sequence(ld, v, steps_path));
    size_t count = sequence_count(v);
    if (count > FL_SCRIPTED_STEPS_MAX)
        return FAIL(ld, v, "%s: more than %d steps", steps_path, FL_SCRIPTED_STEPS_MAX);
    fl_scripted_step_t *steps = fl_arena_zalloc(ld->arena, (count ? count : 1) * sizeof *steps);
    for (size_t i = 0; i < count; i++) {
        node_t *item = sequence_item(ld, v, i);
        if (i > 0 && (steps[i - 1].kind == FL_SCRIPTED_RESPOND ||
                      steps[i - 1].kind == FL_SCRIPTED_STREAM))
            return FAIL(ld, item, "%s: a step after the response step", index_path(ld, steps_path, i));
        TRY(parse_handler_step(ld, item, index_path(ld, steps_path, i), &steps[i]));
    }
    out->handler.steps = steps;
    out->handler.step_count = count;
    return 0;
}

static int parse_server(loader_t *ld, node_t *node, fl_server_spec_t *out) {
    static const char *const keys[] = {"spec_version", "middleware", "routes", NULL};
    TRY(check_keys(ld, node, "server", keys));
    node_t *v;
    if ((v = get(ld, node, "spec_version"))) {
        static const char *const versions[] = {"2.3", "2.4", NULL};
        int index;
        TRY(parse_choice(ld, v, "server.spec_version", "spec version", versions, &index));
        out->spec_version = versions[index];
    }
    if ((v = get(ld, node, "middleware"))) {
        TRY(expect_sequence(ld, v, "server.middleware"));
        out->layer_count = sequence_count(v);
        out->layers = fl_arena_zalloc(ld->arena, (out->layer_count + 1) * sizeof *out->layers);
        for (size_t i = 0; i < out->layer_count; i++)
            TRY(parse_server_layer(ld, sequence_item(ld, v, i),
                                   index_path(ld, "server.middleware", i), &out->layers[i]));
    }
    if ((v = get(ld, node, "routes"))) {
        TRY(expect_sequence(ld, v, "server.routes"));
        out->route_count = sequence_count(v);
        out->routes = fl_arena_zalloc(ld->arena, (out->route_count + 1) * sizeof *out->routes);
        for (size_t i = 0; i < out->route_count; i++) {
            node_t *item = sequence_item(ld, v, i);
            TRY(parse_route(ld, item, index_path(ld, "server.routes", i), &out->routes[i]));
            for (size_t j = 0; j < i; j++)
                if (strcmp(out->routes[j].method, out->routes[i].method) == 0 &&
                    strcmp(out->routes[j].path, out->routes[i].path) == 0)
                    return FAIL(ld, item, "server.routes[%zu]: duplicate route %s %s", i,
                                out->routes[i].method, out->routes[i].path);
        }
    }
    return 0;
}

/* --- the client -------------------------------------------------------------------- */

static int parse_timeouts(loader_t *ld, node_t *node, fl_timeouts_t *out) {
    static const char *const keys[] = {"connect", "read", "write", "pool", NULL};
    TRY(check_keys(ld, node, "client.timeouts", keys));
    node_t *v;
    if ((v = get(ld, node, "connect")))
        TRY(parse_duration_ex(ld, v, "client.timeouts.connect", true, &out->connect_ns));
    if ((v = get(ld, node, "read"))) TRY(parse_duration_ex(ld, v, "client.timeouts.read", true, &out->read_ns));
    if ((v = get(ld, node, "write")))
        TRY(parse_duration_ex(ld, v, "client.timeouts.write", true, &out->write_ns));
    if ((v = get(ld, node, "pool"))) TRY(parse_duration_ex(ld, v, "client.timeouts.pool", true, &out->pool_ns));
    return 0;
}

/* budget: true | false | {ttl, min_retries_per_second, percent_can_retry}
 * (a mapping turns the budget on; unset keys keep httpware's defaults). */
static int parse_budget(loader_t *ld, node_t *node, const char *path, fl_client_layer_t *out) {
    if (node->type == YAML_SCALAR_NODE) return parse_bool(ld, node, path, &out->budget);
    static const char *const keys[] = {"ttl", "min_retries_per_second", "percent_can_retry", NULL};
    if (node->type != YAML_MAPPING_NODE)
        return FAIL(ld, node, "%s: expected true, false or a mapping", path);
    TRY(check_keys(ld, node, path, keys));
    out->budget = true;
    fl_retry_budget_options_t *o = &out->budget_options;
    node_t *v;
    if ((v = get(ld, node, "ttl"))) {
        TRY(parse_duration(ld, v, child_path(ld, path, "ttl"), &o->ttl_ns));
        if (o->ttl_ns <= 0 || o->ttl_ns > FL_RETRY_BUDGET_TTL_MAX_NS)
            return FAIL(ld, v, "%s.ttl: must be above 0 and at most 1h", path);
    }
    if ((v = get(ld, node, "min_retries_per_second"))) {
        int64_t rate;
        TRY(parse_integer(ld, v, child_path(ld, path, "min_retries_per_second"), 0,
                          FL_RETRY_BUDGET_MIN_RETRIES_PER_SECOND_MAX, &rate));
        o->min_retries_per_second = (uint32_t)rate;
    }
    if ((v = get(ld, node, "percent_can_retry"))) {
        int64_t percent;
        TRY(parse_integer(ld, v, child_path(ld, path, "percent_can_retry"), 0,
                          FL_RETRY_BUDGET_PERCENT_MAX, &percent));
        o->percent_can_retry = (uint32_t)percent;
    }
    return 0;
}

/* retry.methods: the methods retried (httpware's retry_methods), replacing
 * the idempotent defaults; [] retries none. Compared ignoring case. */
static int parse_retry_methods(loader_t *ld, node_t *node, const char *path,
                               fl_client_layer_t *out) {
    TRY(parse_string_list(ld, node, path, &out->retry_methods, &out->retry_method_count));
    if (out->retry_method_count > FL_RETRY_METHODS_MAX)
        return FAIL(ld, node, "%s: at most %u methods", path, FL_RETRY_METHODS_MAX);
    for (size_t i = 0; i < out->retry_method_count; i++) {
        size_t length = strlen(out->retry_methods[i]);
        if (length == 0 || length > FL_RETRY_METHOD_LENGTH_MAX)
            return FAIL(ld, sequence_item(ld, node, i), "%s: must be 1..%u characters",
                        index_path(ld, path, i), FL_RETRY_METHOD_LENGTH_MAX);
    }
    return 0;
}

/* retry.statuses: the response statuses retried, replacing 408 429 502 503
 * 504; [] retries none. */
static int parse_retry_statuses(loader_t *ld, node_t *node, const char *path,
                                fl_client_layer_t *out) {
    TRY(expect_sequence(ld, node, path));
    size_t count = sequence_count(node);
    if (count > FL_RETRY_STATUSES_MAX)
        return FAIL(ld, node, "%s: at most %u statuses", path, FL_RETRY_STATUSES_MAX);
    int *statuses = fl_arena_zalloc(ld->arena, (count ? count : 1) * sizeof *statuses);
    for (size_t i = 0; i < count; i++) {
        int64_t status;
        TRY(parse_integer(ld, sequence_item(ld, node, i), index_path(ld, path, i), 100, 599,
                          &status));
        statuses[i] = (int)status;
    }
    out->retry_statuses = statuses;
    out->retry_status_count = count;
    return 0;
}

static int parse_client_layer(loader_t *ld, node_t *item, const char *path,
                              fl_client_layer_t *out) {
    static const char *const kinds[] = {"retry", "bulkhead", "timeout", NULL};
    int kind;
    node_t *value;
    TRY(one_key(ld, item, path, "client middleware", kinds, &kind, &value));
    out->kind = (fl_client_layer_kind_t)kind;
    out->at = location(ld, item);
    const char *inner = child_path(ld, path, kinds[kind]);
    node_t *v;
    switch (out->kind) {
    case FL_CLIENT_LAYER_RETRY: {
        static const char *const keys[] = {"attempts", "base_delay", "max_delay",
                                           "refuse_streamed_body", "methods", "statuses",
                                           "budget", NULL};
        TRY(check_keys(ld, value, inner, keys));
        out->refuse_streamed_body = true;
        if ((v = get(ld, value, "attempts"))) {
            TRY(parse_uint32(ld, v, child_path(ld, inner, "attempts"), &out->attempts));
            if (out->attempts == 0 || out->attempts > 100)
                return FAIL(ld, v, "%s.attempts: must be 1..100", inner);
        }
        if ((v = get(ld, value, "base_delay")))
            TRY(parse_duration(ld, v, child_path(ld, inner, "base_delay"), &out->base_delay_ns));
        if ((v = get(ld, value, "max_delay")))
            TRY(parse_duration(ld, v, child_path(ld, inner, "max_delay"), &out->max_delay_ns));
        if ((v = get(ld, value, "refuse_streamed_body")))
            TRY(parse_bool(ld, v, child_path(ld, inner, "refuse_streamed_body"),
                           &out->refuse_streamed_body));
        if ((v = get(ld, value, "methods")))
            TRY(parse_retry_methods(ld, v, child_path(ld, inner, "methods"), out));
        if ((v = get(ld, value, "statuses")))
            TRY(parse_retry_statuses(ld, v, child_path(ld, inner, "statuses"), out));
        out->budget_options = fl_retry_budget_options_default();
        if ((v = get(ld, value, "budget"))) TRY(parse_budget(ld, v, child_path(ld, inner, "budget"), out));
        return 0;
    }
    case FL_CLIENT_LAYER_BULKHEAD: {
        static const char *const keys[] = {"max_concurrent", "timeout", NULL};
        TRY(check_keys(ld, value, inner, keys));
        TRY(require(ld, value, "max_concurrent", inner, &v));
        TRY(parse_uint32(ld, v, child_path(ld, inner, "max_concurrent"), &out->max_concurrent));
        if (out->max_concurrent == 0) return FAIL(ld, v, "%s.max_concurrent: must be positive", inner);
        if ((v = get(ld, value, "timeout")))
            TRY(parse_duration(ld, v, child_path(ld, inner, "timeout"), &out->timeout_ns));
        return 0;
    }
    case FL_CLIENT_LAYER_TIMEOUT:
        TRY(parse_duration(ld, value, inner, &out->timeout_ns));
        if (out->timeout_ns <= 0) return FAIL(ld, value, "%s: must be positive", inner);
        return 0;
    }
    return 0;
}

static const char *const client_step_names[] = {"request", "stream", "sse", "sleep", "cancel",
                                                NULL};

static int parse_client_step(loader_t *ld, node_t *item, const char *path, const char *task,
                             size_t index, fl_step_t *out) {
    int kind;
    node_t *value;
    TRY(one_key(ld, item, path, "step", client_step_names, &kind, &value));
    out->kind = (fl_step_kind_t)kind;
    out->at = location(ld, item);
    out->owner_check = true;
    out->id = fl_arena_printf(ld->arena, "%s.%zu", task, index);
    const char *inner = child_path(ld, path, client_step_names[kind]);
    if (out->kind == FL_STEP_SLEEP) return parse_duration(ld, value, inner, &out->duration_ns);
    static const char *const request_keys[] = {"id", "method", "path", "body", "stream_body",
                                               "stream_body_fails_at", "headers", "cancel_after",
                                               NULL};
    static const char *const stream_keys[] = {"id", "method", "path", "headers", "read_chunks",
                                              "raise_after", "cancel_after", NULL};
    static const char *const sse_keys[] = {"id", "path", "receive", "owner_check", "receive_in",
                                           "cancel_after", NULL};
    static const char *const cancel_keys[] = {"id", "task", "after", NULL};
    const char *const *keys[] = {request_keys, stream_keys, sse_keys, NULL, cancel_keys};
    TRY(check_keys(ld, value, inner, keys[kind]));
    node_t *v;
#define FIELD(key) ((v = get(ld, value, key)) != NULL)
#define SUB(key) child_path(ld, inner, key)
    if (FIELD("id")) TRY(parse_nonempty(ld, v, SUB("id"), &out->id));
    if (out->kind == FL_STEP_CANCEL) {
        TRY(require(ld, value, "task", inner, &v));
        TRY(parse_nonempty(ld, v, SUB("task"), &out->target_task));
        if (FIELD("after")) TRY(parse_duration(ld, v, SUB("after"), &out->duration_ns));
        return 0;
    }
    if (out->kind != FL_STEP_SSE) {
        out->method = "GET";
        if (FIELD("method")) TRY(parse_nonempty(ld, v, SUB("method"), &out->method));
        if (FIELD("headers")) TRY(parse_headers(ld, v, SUB("headers"), &out->headers, &out->header_count));
    }
    TRY(require(ld, value, "path", inner, &v));
    TRY(parse_nonempty(ld, v, SUB("path"), &out->path));
    if (out->path[0] != '/') return FAIL(ld, v, "%s: must start with '/'", SUB("path"));
    if (FIELD("cancel_after")) TRY(parse_duration(ld, v, SUB("cancel_after"), &out->cancel_after_ns));
    if (FIELD("body")) TRY(parse_string(ld, v, SUB("body"), &out->body));
    if (FIELD("stream_body")) {
        if (out->body != NULL)
            return FAIL(ld, v, "%s: give either body or stream_body, not both", inner);
        TRY(parse_string_list(ld, v, SUB("stream_body"), &out->stream_body, &out->stream_piece_count));
    }
    if (FIELD("stream_body_fails_at")) {
        TRY(parse_size_count(ld, v, SUB("stream_body_fails_at"), &out->stream_body_fails_at));
        if (out->stream_body == NULL)
            return FAIL(ld, v, "%s: needs a stream_body", SUB("stream_body_fails_at"));
        if (out->stream_body_fails_at == 0 || out->stream_body_fails_at > out->stream_piece_count + 1)
            return FAIL(ld, v, "%s: must be 1..%zu (a piece of the stream_body, or just after the last)",
                        SUB("stream_body_fails_at"), out->stream_piece_count + 1);
    }
    if (FIELD("read_chunks")) TRY(parse_size_count(ld, v, SUB("read_chunks"), &out->read_chunks));
    if (FIELD("raise_after")) {
        TRY(parse_size_count(ld, v, SUB("raise_after"), &out->raise_after));
        if (out->raise_after == 0) return FAIL(ld, v, "%s: must be at least 1", SUB("raise_after"));
    }
    if (FIELD("receive")) TRY(parse_size_count(ld, v, SUB("receive"), &out->receive_count));
    if (FIELD("owner_check")) TRY(parse_bool(ld, v, SUB("owner_check"), &out->owner_check));
    if (FIELD("receive_in")) TRY(parse_nonempty(ld, v, SUB("receive_in"), &out->receive_in));
#undef FIELD
#undef SUB
    return 0;
}

static int parse_task(loader_t *ld, node_t *node, const char *path, fl_client_task_t *out) {
    static const char *const keys[] = {"name", "steps", NULL};
    TRY(check_keys(ld, node, path, keys));
    out->at = location(ld, node);
    node_t *v;
    TRY(require(ld, node, "name", path, &v));
    TRY(parse_nonempty(ld, v, child_path(ld, path, "name"), &out->name));
    TRY(require(ld, node, "steps", path, &v));
    const char *steps_path = child_path(ld, path, "steps");
    TRY(expect_sequence(ld, v, steps_path));
    out->step_count = sequence_count(v);
    if (out->step_count == 0) return FAIL(ld, v, "%s: a task needs at least one step", steps_path);
    out->steps = fl_arena_zalloc(ld->arena, out->step_count * sizeof *out->steps);
    for (size_t i = 0; i < out->step_count; i++)
        TRY(parse_client_step(ld, sequence_item(ld, v, i), index_path(ld, steps_path, i),
                              out->name, i, &out->steps[i]));
    return 0;
}

static const fl_client_task_t *find_task(const fl_client_spec_t *client, const char *name) {
    for (size_t i = 0; i < client->task_count; i++)
        if (strcmp(client->tasks[i].name, name) == 0) return &client->tasks[i];
    return NULL;
}

static const fl_step_t *find_step(const fl_client_spec_t *client, const char *id) {
    for (size_t t = 0; t < client->task_count; t++)
        for (size_t s = 0; s < client->tasks[t].step_count; s++)
            if (strcmp(client->tasks[t].steps[s].id, id) == 0) return &client->tasks[t].steps[s];
    return NULL;
}

/* Task names and step ids are unique; cancel and receive_in name tasks. */
static int check_client_references(loader_t *ld, const fl_client_spec_t *client) {
    for (size_t t = 0; t < client->task_count; t++) {
        const fl_client_task_t *task = &client->tasks[t];
        if (find_task(client, task->name) != task)
            return fail_at(ld, (yaml_mark_t){.line = task->at.line - 1, .column = task->at.column - 1},
                           "client.tasks[%zu]: duplicate task name '%s'", t, task->name);
        for (size_t s = 0; s < task->step_count; s++) {
            const fl_step_t *step = &task->steps[s];
            yaml_mark_t mark = {.line = step->at.line - 1, .column = step->at.column - 1};
            if (find_step(client, step->id) != step)
                return fail_at(ld, mark, "client.tasks[%zu].steps[%zu]: duplicate step id '%s'", t,
                               s, step->id);
            if (step->target_task != NULL && find_task(client, step->target_task) == NULL)
                return fail_at(ld, mark, "client.tasks[%zu].steps[%zu]: cancel names no task '%s'",
                               t, s, step->target_task);
            if (step->receive_in != NULL && find_task(client, step->receive_in) == NULL)
                return fail_at(ld, mark,
                               "client.tasks[%zu].steps[%zu]: receive_in names no task '%s'", t, s,
                               step->receive_in);
        }
    }
    return 0;
}

static int parse_client(loader_t *ld, node_t *node, fl_client_spec_t *out) {
    static const char *const keys[] = {"timeouts", "max_connections", "middleware", "tasks", NULL};
    TRY(check_keys(ld, node, "client", keys));
    node_t *v;
    if ((v = get(ld, node, "timeouts"))) TRY(parse_timeouts(ld, v, &out->timeouts));
    if ((v = get(ld, node, "max_connections"))) {
        TRY(parse_size_count(ld, v, "client.max_connections", &out->max_connections));
        if (out->max_connections == 0) return FAIL(ld, v, "client.max_connections: must be positive");
    }
    if ((v = get(ld, node, "middleware"))) {
        TRY(expect_sequence(ld, v, "client.middleware"));
        out->layer_count = sequence_count(v);
        out->layers = fl_arena_zalloc(ld->arena, (out->layer_count + 1) * sizeof *out->layers);
        for (size_t i = 0; i < out->layer_count; i++)
            TRY(parse_client_layer(ld, sequence_item(ld, v, i),
                                   index_path(ld, "client.middleware", i), &out->layers[i]));
    }
    TRY(require(ld, node, "tasks", "client", &v));
    TRY(expect_sequence(ld, v, "client.tasks"));
    out->task_count = sequence_count(v);
    if (out->task_count == 0) return FAIL(ld, v, "client.tasks: at least one task is needed");
    out->tasks = fl_arena_zalloc(ld->arena, out->task_count * sizeof *out->tasks);
    for (size_t i = 0; i < out->task_count; i++)
        TRY(parse_task(ld, sequence_item(ld, v, i), index_path(ld, "client.tasks", i),
                       &out->tasks[i]));
    return check_client_references(ld, out);
}

/* --- faults ------------------------------------------------------------------------ */

static int parse_trigger(loader_t *ld, node_t *node, const char *path, fl_fault_trigger_t *out) {
    static const char *const names[] = {"at", "bytes", "event", "connect", NULL};
    TRY(expect_mapping(ld, node, path));
    int kind = -1;
    size_t count = pair_count(node);
    for (size_t i = 0; i < count && kind < 0; i++) {
        node_t *key = node_at(ld, node->data.mapping.pairs.start[i].key);
        if (key->type != YAML_SCALAR_NODE) continue;
        for (int k = 0; names[k] != NULL; k++)
            if (strcmp(names[k], text_of(key)) == 0) kind = k;
    }
    if (kind < 0)
        return FAIL(ld, node, "%s: expected one of at, bytes, event or connect", path);
    fl_fault_trigger_kind_t trigger_kind;
    bool known = fl_fault_trigger_from_name(names[kind], &trigger_kind);
    assert(known);
    (void)known;
    out->kind = trigger_kind;
    static const char *const at_keys[] = {"at", NULL};
    static const char *const bytes_keys[] = {"bytes", "direction", "connection", NULL};
    static const char *const event_keys[] = {"event", "count", "connection", NULL};
    static const char *const connect_keys[] = {"connect", NULL};
    const char *const *keys[] = {at_keys, bytes_keys, event_keys, connect_keys};
    TRY(check_keys(ld, node, path, keys[kind]));
    node_t *v = get(ld, node, names[kind]);
    const char *inner = child_path(ld, path, names[kind]);
    switch (out->kind) {
    case FL_FAULT_TRIGGER_AT: TRY(parse_duration(ld, v, inner, &out->at_ns)); break;
    case FL_FAULT_TRIGGER_BYTES:
        TRY(parse_bytes(ld, v, inner, &out->bytes));
        TRY(require(ld, node, "direction", path, &v));
        TRY(parse_direction(ld, v, child_path(ld, path, "direction"), &out->direction));
        break;
    case FL_FAULT_TRIGGER_EVENT:
        TRY(parse_nonempty(ld, v, inner, &out->event));
        if ((v = get(ld, node, "count"))) TRY(parse_uint32(ld, v, child_path(ld, path, "count"), &out->count));
        break;
    case FL_FAULT_TRIGGER_CONNECT: TRY(parse_uint32(ld, v, inner, &out->connection)); break;
    default: break;
    }
    if ((v = get(ld, node, "connection")))
        TRY(parse_uint32(ld, v, child_path(ld, path, "connection"), &out->connection));
    return 0;
}

static int parse_action(loader_t *ld, node_t *node, const char *path, fl_fault_action_t *out) {
    node_t *name_node = node, *value = NULL;
    if (node->type == YAML_MAPPING_NODE) {
        if (pair_count(node) != 1)
            return FAIL(ld, node, "%s: expected a name or a one-key mapping", path);
        name_node = node_at(ld, node->data.mapping.pairs.start[0].key);
        value = node_at(ld, node->data.mapping.pairs.start[0].value);
    }
    TRY(expect_scalar(ld, name_node, path, "an action name"));
    if (!fl_fault_action_from_name(text_of(name_node), &out->kind))
        return FAIL(ld, name_node, "%s: unknown fault action '%s'", path, text_of(name_node));
    const char *inner = child_path(ld, path, text_of(name_node));
    switch (out->kind) {
    case FL_FAULT_ACTION_STALL:
        if (value == NULL) return FAIL(ld, node, "%s: stall needs a duration ({stall: 1s})", path);
        return parse_duration_ex(ld, value, inner, true, &out->duration_ns);
    case FL_FAULT_ACTION_DELAY:
        if (value == NULL) return FAIL(ld, node, "%s: delay needs a duration ({delay: 50ms})", path);
        return parse_duration(ld, value, inner, &out->duration_ns);
    case FL_FAULT_ACTION_BANDWIDTH:
        if (value == NULL)
            return FAIL(ld, node, "%s: bandwidth needs bytes per second ({bandwidth: 1000})", path);
        return parse_bytes(ld, value, inner, &out->bytes_per_second);
    case FL_FAULT_ACTION_CLOSE:
    case FL_FAULT_ACTION_HALF_CLOSE:
        out->side = FL_SIDE_SERVER;
        return value == NULL ? 0 : parse_side(ld, value, inner, &out->side);
    case FL_FAULT_ACTION_TRUNCATE:
    case FL_FAULT_ACTION_CORRUPT:
        if (value == NULL) return 0;
        out->direction_set = true;
        return parse_direction(ld, value, inner, &out->direction);
    case FL_FAULT_ACTION_CANCEL_TASK:
        if (value == NULL) return FAIL(ld, node, "%s: cancel-task needs a task name", path);
        return parse_nonempty(ld, value, inner, &out->task);
    default:
        if (value != NULL)
            return FAIL(ld, value, "%s: '%s' takes no value", path, text_of(name_node));
        return 0;
    }
}

/* The tasks the world runs besides the client's, by the names their layers
 * spawn them with: what a cancel-task fault may name. A name here that no
 * layer spawns any more is caught at run time too: a cancel-task that finds
 * no live task does not count as fired, so faults-fired fails. */
static const char *const server_task_names[] = {
    "server",          /* the acceptor (sim/asgi/server.c) */
    "http-connection", /* a connection's reader and request cycles */
    "http-writer",     /* a connection's writer */
    "app",             /* the app of the current request cycle */
    "stream_response", /* StreamingResponse's sender (sim/asgi/responses.c) */
    "sse ping",        /* an SSE response's pinger */
    "call_next coro",  /* BaseHTTPMiddleware's inner app (sim/asgi/base_middleware.c) */
    "sse reader",      /* the SSE session client's reader (client/sse.c) */
    NULL,
};

static bool is_server_task(const char *name) {
    for (size_t i = 0; server_task_names[i] != NULL; i++)
        if (strcmp(server_task_names[i], name) == 0) return true;
    return false;
}

/* A cancel-task naming no task would never fire: refused with the names. */
static int check_cancel_target(loader_t *ld, node_t *node, const char *path,
                               const fl_client_spec_t *client, const char *target) {
    if (find_task(client, target) != NULL || is_server_task(target)) return 0;
    char names[512];
    size_t used = 0;
    names[0] = '\0';
    for (size_t i = 0; i < client->task_count && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 client->tasks[i].name);
    for (size_t i = 0; server_task_names[i] != NULL && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
                                 i ? ", " : "; the server's: ", server_task_names[i]);
    return FAIL(ld, node, "%s: cancel-task names no task '%s' (the client's tasks: %s)", path,
                target, names);
}

static int parse_fault(loader_t *ld, node_t *node, const char *path, fl_fault_plan_t *plan,
                       const fl_client_spec_t *client, fl_scenario_fault_t *fault) {
    static const char *const keys[] = {"trigger", "action", "connection",   "direction",
                                       "probability", "repeat", "label", "may_not_fire", NULL};
    TRY(check_keys(ld, node, path, keys));
    fault->at = location(ld, node);
    fl_fault_spec_t *out = &fault->spec;
    node_t *v;
    TRY(require(ld, node, "trigger", path, &v));
    TRY(parse_trigger(ld, v, child_path(ld, path, "trigger"), &out->trigger));
    TRY(require(ld, node, "action", path, &v));
    TRY(parse_action(ld, v, child_path(ld, path, "action"), &out->action));
    if (out->action.kind == FL_FAULT_ACTION_CANCEL_TASK)
        TRY(check_cancel_target(ld, v, child_path(ld, path, "action"), client, out->action.task));
    if ((v = get(ld, node, "connection")))
        TRY(parse_uint32(ld, v, child_path(ld, path, "connection"), &out->action.connection));
    if ((v = get(ld, node, "direction"))) {
        TRY(parse_direction(ld, v, child_path(ld, path, "direction"), &out->action.direction));
        out->action.direction_set = true;
    }
    out->trigger.probability = 1.0;
    if ((v = get(ld, node, "probability"))) {
        TRY(expect_scalar(ld, v, child_path(ld, path, "probability"), "a number"));
        char *end = NULL;
        double p = strtod(text_of(v), &end);
        if (text_of(v)[0] == '\0' || *end != '\0' || isnan(p))
            return FAIL(ld, v, "%s.probability: expected a number, not '%s'", path, text_of(v));
        if (!(p > 0.0 && p <= 1.0))
            return FAIL(ld, v, "%s.probability: must be above 0 and at most 1", path);
        out->trigger.probability = p;
    }
    if ((v = get(ld, node, "repeat"))) TRY(parse_bool(ld, v, child_path(ld, path, "repeat"), &out->trigger.repeat));
    if ((v = get(ld, node, "label"))) TRY(parse_string(ld, v, child_path(ld, path, "label"), &out->label));
    if ((v = get(ld, node, "may_not_fire")))
        TRY(parse_bool(ld, v, child_path(ld, path, "may_not_fire"), &fault->may_not_fire));
    char message[256];
    if (fl_fault_plan_add(plan, out, message, sizeof message) != 0)
        return FAIL(ld, node, "%s: %s", path, message);
    return 0;
}

static int parse_faults(loader_t *ld, node_t *node, fl_scenario_t *out) {
    TRY(expect_sequence(ld, node, "faults"));
    fl_fault_plan_t *plan = fl_fault_plan_create(ld->arena);
    out->fault_count = sequence_count(node);
    if (out->fault_count > FL_SCENARIO_FAULTS_MAX)
        return FAIL(ld, node, "faults: %zu faults, at most %d in one scenario", out->fault_count,
                    FL_SCENARIO_FAULTS_MAX);
    out->faults = fl_arena_zalloc(ld->arena, (out->fault_count + 1) * sizeof *out->faults);
    for (size_t i = 0; i < out->fault_count; i++)
        TRY(parse_fault(ld, sequence_item(ld, node, i), index_path(ld, "faults", i), plan,
                        &out->client, &out->faults[i]));
    return 0;
}

/* --- expectations ------------------------------------------------------------------ */

static const char *const expect_names[] = {"step", "server", "hang", "budget", "trace", NULL};

static int parse_log_kind(loader_t *ld, node_t *node, const char *path, fl_server_log_kind_t *out) {
    TRY(expect_scalar(ld, node, path, "a log kind"));
    for (int k = 0; k < FL_SERVER_LOG_KIND_COUNT; k++)
        if (strcmp(fl_server_log_kind_name((fl_server_log_kind_t)k), text_of(node)) == 0) {
            *out = (fl_server_log_kind_t)k;
            return 0;
        }
    return FAIL(ld, node, "%s: unknown log kind '%s'", path, text_of(node));
}

static int parse_trace_kind(loader_t *ld, node_t *node, const char *path, fl_trace_kind_t *out) {
    TRY(expect_scalar(ld, node, path, "a trace event kind"));
    for (int k = 0; k < FL_TRACE_KIND_COUNT; k++)
        if (strcmp(fl_trace_kind_name((fl_trace_kind_t)k), text_of(node)) == 0) {
            *out = (fl_trace_kind_t)k;
            return 0;
        }
    return FAIL(ld, node, "%s: unknown trace event kind '%s'", path, text_of(node));
}

static int parse_expect_fields(loader_t *ld, node_t *value, const char *inner,
                               const fl_client_spec_t *client, fl_expectation_t *out) {
    node_t *v;
#define FIELD(key) ((v = get(ld, value, key)) != NULL)
#define SUB(key) child_path(ld, inner, key)
    switch (out->kind) {
    case FL_EXPECT_STEP: {
        TRY(require(ld, value, "step", inner, &v));
        TRY(parse_nonempty(ld, v, SUB("step"), &out->step));
        if (find_step(client, out->step) == NULL)
            return FAIL(ld, v, "%s: no step has the id '%s'", SUB("step"), out->step);
        if (FIELD("status")) TRY(parse_status(ld, v, SUB("status"), &out->status));
        if (FIELD("ok")) TRY(parse_bool(ld, v, SUB("ok"), &out->ok));
        if (FIELD("moved_on")) {
            TRY(parse_bool(ld, v, SUB("moved_on"), &out->moved_on));
            const fl_step_t *step = find_step(client, out->step);
            if (out->moved_on && step->cancel_after_ns <= 0)
                return FAIL(ld, v, "%s: step '%s' has no cancel_after to expire", SUB("moved_on"),
                            out->step);
        }
        if (FIELD("error")) {
            TRY(parse_error_kind(ld, v, SUB("error"), false, &out->error_kind));
            out->has_error = true;
        }
        if (FIELD("message")) TRY(parse_string(ld, v, SUB("message"), &out->message));
        if (FIELD("note")) TRY(parse_string(ld, v, SUB("note"), &out->note));
        if (FIELD("attempts")) TRY(parse_uint32(ld, v, SUB("attempts"), &out->attempts));
        if (FIELD("events")) TRY(parse_integer(ld, v, SUB("events"), 0, INT32_MAX, &out->events));
        if (FIELD("body_bytes")) {
            uint64_t bytes;
            TRY(parse_bytes(ld, v, SUB("body_bytes"), &bytes));
            out->body_bytes = (int64_t)bytes;
        }
        if (out->ok && out->has_error)
            return FAIL(ld, value, "%s: ok: true and an error contradict each other", inner);
        if (out->moved_on && (out->ok || out->has_error || out->status != 0))
            return FAIL(ld, value, "%s: moved_on: true and ok, error or status contradict each other",
                        inner);
        return 0;
    }
    case FL_EXPECT_SERVER:
        out->log_kind = FL_SERVER_LOG_ERROR;
        if (FIELD("log")) TRY(parse_log_kind(ld, v, SUB("log"), &out->log_kind));
        if (FIELD("text")) TRY(parse_string(ld, v, SUB("text"), &out->log_text));
        if (FIELD("count")) TRY(parse_integer(ld, v, SUB("count"), 0, INT32_MAX, &out->count));
        if (FIELD("cycle")) TRY(parse_uint32(ld, v, SUB("cycle"), &out->cycle));
        if (FIELD("bodies_differ")) TRY(parse_bool(ld, v, SUB("bodies_differ"), &out->bodies_differ));
        return 0;
    case FL_EXPECT_HANG:
        out->hang = true;
        if (FIELD("hang")) TRY(parse_bool(ld, v, SUB("hang"), &out->hang));
        if (FIELD("task")) {
            TRY(parse_nonempty(ld, v, SUB("task"), &out->blocked_task));
            if (find_task(client, out->blocked_task) == NULL)
                return FAIL(ld, v, "%s: no task is named '%s'", SUB("task"), out->blocked_task);
        }
        return 0;
    case FL_EXPECT_BUDGET:
        TRY(require(ld, value, "withdrawals", inner, &v));
        return parse_integer(ld, v, SUB("withdrawals"), 0, INT32_MAX, &out->withdrawals);
    case FL_EXPECT_TRACE:
        TRY(require(ld, value, "event", inner, &v));
        TRY(parse_trace_kind(ld, v, SUB("event"), &out->trace_kind));
        if (FIELD("text")) TRY(parse_string(ld, v, SUB("text"), &out->log_text));
        if (FIELD("count")) TRY(parse_integer(ld, v, SUB("count"), 0, INT32_MAX, &out->count));
        return 0;
    }
#undef FIELD
#undef SUB
    return 0;
}

static int parse_expectation(loader_t *ld, node_t *item, const char *path, size_t index,
                             const fl_client_spec_t *client, fl_expectation_t *out) {
    static const char *const step_keys[] = {"step", "name", "status", "ok", "moved_on", "error", "message",
                                            "note", "attempts", "events", "body_bytes", NULL};
    static const char *const server_keys[] = {"name", "log", "text", "cycle", "count",
                                              "bodies_differ", NULL};
    static const char *const hang_keys[] = {"name", "hang", "task", NULL};
    static const char *const budget_keys[] = {"name", "withdrawals", NULL};
    static const char *const trace_keys[] = {"name", "event", "text", "count", NULL};
    static const char *const *const keys[] = {step_keys, server_keys, hang_keys, budget_keys,
                                              trace_keys};
    int kind;
    node_t *value;
    TRY(one_key(ld, item, path, "expectation", expect_names, &kind, &value));
    out->kind = (fl_expect_kind_t)kind;
    out->at = location(ld, item);
    out->events = -1;
    out->body_bytes = -1;
    out->count = -1;
    const char *inner = child_path(ld, path, expect_names[kind]);
    TRY(check_keys(ld, value, inner, keys[kind]));
    node_t *v = get(ld, value, "name");
    if (v != NULL) TRY(parse_nonempty(ld, v, child_path(ld, inner, "name"), &out->name));
    else out->name = fl_arena_printf(ld->arena, "%s_%zu", expect_names[kind], index);
    return parse_expect_fields(ld, value, inner, client, out);
}

static int parse_expectations(loader_t *ld, node_t *node, fl_scenario_t *out) {
    TRY(expect_sequence(ld, node, "expect"));
    out->expectation_count = sequence_count(node);
    out->expectations =
        fl_arena_zalloc(ld->arena, (out->expectation_count + 1) * sizeof *out->expectations);
    for (size_t i = 0; i < out->expectation_count; i++) {
        node_t *item = sequence_item(ld, node, i);
        fl_expectation_t *e = &out->expectations[i];
        TRY(parse_expectation(ld, item, index_path(ld, "expect", i), i, &out->client, e));
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->expectations[j].name, e->name) == 0)
                return FAIL(ld, item, "expect[%zu]: duplicate expectation name '%s'", i, e->name);
    }
    return 0;
}

/* --- the scenario ------------------------------------------------------------------ */

static void set_defaults(fl_scenario_t *out, const char *file) {
    memset(out, 0, sizeof *out);
    out->file = file;
    out->mode = FL_SCENARIO_HOLDS;
    out->seed_first = 1;
    out->seed_last = 200;
    out->policy = "random";
    out->time_limit_ns = 3600LL * 1000000000LL;
    out->network = fl_simnet_options_default();
    out->server.spec_version = "2.3";
}

static int parse_head(loader_t *ld, node_t *root, fl_scenario_t *out) {
    node_t *v;
    TRY(require(ld, root, "name", "", &v));
    TRY(parse_nonempty(ld, v, "name", &out->name));
    if ((v = get(ld, root, "tags"))) TRY(parse_string_list(ld, v, "tags", &out->tags, &out->tag_count));
    if ((v = get(ld, root, "mode"))) {
        static const char *const modes[] = {"holds", "finds", NULL};
        int mode;
        TRY(parse_choice(ld, v, "mode", "mode", modes, &mode));
        out->mode = mode == 0 ? FL_SCENARIO_HOLDS : FL_SCENARIO_FINDS;
    }
    if ((v = get(ld, root, "seeds"))) TRY(parse_seeds(ld, v, out));
    if ((v = get(ld, root, "policy"))) {
        static const char *const policies[] = {"fifo", "random", "trio", NULL};
        int policy;
        TRY(parse_choice(ld, v, "policy", "policy", policies, &policy));
        out->policy = policies[policy];
    }
    if ((v = get(ld, root, "time_limit"))) {
        TRY(parse_duration(ld, v, "time_limit", &out->time_limit_ns));
        if (out->time_limit_ns <= 0) return FAIL(ld, v, "time_limit: must be positive");
    }
    if ((v = get(ld, root, "network"))) TRY(parse_network(ld, v, &out->network));
    return 0;
}

/* finds: is required in finds mode, refused in holds mode, and names an
 * expectation. */
static int parse_finds(loader_t *ld, node_t *root, fl_scenario_t *out) {
    node_t *v = get(ld, root, "finds");
    if (out->mode == FL_SCENARIO_HOLDS) {
        if (v != NULL) return FAIL(ld, v, "finds: only meaningful with mode: finds");
        return 0;
    }
    TRY(require(ld, root, "finds", "", &v));
    TRY(parse_nonempty(ld, v, "finds", &out->finds));
    for (size_t i = 0; i < out->expectation_count; i++)
        if (strcmp(out->expectations[i].name, out->finds) == 0) return 0;
    return FAIL(ld, v, "finds: no expectation is named '%s'", out->finds);
}

static int parse_root(loader_t *ld, node_t *root, fl_scenario_t *out) {
    static const char *const keys[] = {"name",       "tags",    "mode",   "finds",
                                       "seeds",      "policy",  "time_limit", "network",
                                       "server",     "client",  "faults", "expect", NULL};
    if (root->type != YAML_MAPPING_NODE) return FAIL(ld, root, "scenario: expected a mapping");
    TRY(check_keys(ld, root, "", keys));
    TRY(parse_head(ld, root, out));
    node_t *v;
    if ((v = get(ld, root, "server"))) TRY(parse_server(ld, v, &out->server));
    TRY(require(ld, root, "client", "", &v));
    TRY(parse_client(ld, v, &out->client));
    if ((v = get(ld, root, "faults"))) TRY(parse_faults(ld, v, out));
    if ((v = get(ld, root, "expect"))) TRY(parse_expectations(ld, v, out));
    return parse_finds(ld, root, out);
}

int fl_scenario_load_string(fl_arena_t *arena, const char *name, const char *yaml,
                            fl_scenario_t *out, char *error, size_t error_size) {
    assert(arena != NULL && name != NULL && yaml != NULL && out != NULL);
    if (error_size > 0) error[0] = '\0';
    const char *file = fl_arena_strdup(arena, name);
    set_defaults(out, file);
    loader_t ld = {.arena = arena, .file = file, .error = error, .error_size = error_size};
    yaml_parser_t parser;
    yaml_document_t document;
    if (!yaml_parser_initialize(&parser)) fl__out_of_memory("yaml_parser_initialize");
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, strlen(yaml));
    if (!yaml_parser_load(&parser, &document)) {
        int status = fail_at(&ld, parser.problem_mark, "YAML syntax: %s%s%s",
                             parser.problem ? parser.problem : "malformed document",
                             parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return status;
    }
    ld.document = &document;
    node_t *root = yaml_document_get_root_node(&document);
    int status = root == NULL ? fail_at(&ld, (yaml_mark_t){0}, "the scenario is empty")
                              : parse_root(&ld, root, out);
    yaml_document_delete(&document);
    yaml_parser_delete(&parser);
    return status;
}

int fl_scenario_load_file(fl_arena_t *arena, const char *path, fl_scenario_t *out, char *error,
                          size_t error_size) {
    assert(arena != NULL && path != NULL && out != NULL);
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        if (error_size > 0)
            snprintf(error, error_size, "%s:1:1: error: cannot open: %s", path, strerror(errno));
        return FL_EINVAL;
    }
    char *text = malloc(FILE_BYTES_MAX + 1);
    if (text == NULL) fl__out_of_memory("fl_scenario_load_file");
    size_t length = fread(text, 1, FILE_BYTES_MAX + 1, in);
    bool failed = ferror(in) != 0;
    fclose(in);
    int status;
    if (failed || length > FILE_BYTES_MAX) {
        if (error_size > 0)
            snprintf(error, error_size, "%s:1:1: error: %s", path,
                     failed ? "cannot read the file" : "the file is larger than 4 MiB");
        status = FL_EINVAL;
    } else {
        text[length] = '\0';
        status = fl_scenario_load_string(arena, path, text, out, error, error_size);
    }
    free(text);
    return status;
}
