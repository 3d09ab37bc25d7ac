/* The scenario loader: libyaml's document API, then a strict walk of the
 * node tree, one section parser per top-level key (model/load_*.c). The
 * first error wins and is formatted with the position of the node it is
 * about. */
#include "harness/model/loader.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/error_kinds.h"
#include "harness/model/load_sections.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"

/* --- top-level scalars ------------------------------------------------------------- */

/* One seed: digits only, within uint64_t. Returns 0, 1 (not a number) or 2
 * (past the largest seed), and the rest of the text in *end. */
static int parse_seed_number(const char *text, uint64_t *out, const char **end) {
    assert(text != NULL && out != NULL && end != NULL);
    if (!isdigit((unsigned char)text[0])) return 1;
    char *stop = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &stop, 10);
    *end = stop;
    assert(stop > text); /* at least the one digit checked above */
    if (errno == ERANGE) return 2;
    *out = value;
    return 0;
}

static int parse_seeds(fl_yaml_reader_t *ld, fl_yaml_node_t *node, fl_scenario_t *out) {
    assert(ld != NULL && node != NULL && out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, "seeds", "a seed range"));
    const char *text = fl__yaml_text(node);
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
    if (first > last) return FAIL(ld, node, "seeds: the range '%s' is empty: A must be <= B", text);
    assert(first <= last);
    out->seed_first = first;
    out->seed_last = last;
    return 0;
}

static const fl_key_t NETWORK_KEYS[] = {
    {"latency", "duration", "1ms", "one way, per segment", &FL_READ_DURATION,
     FL_INTO(fl_simnet_options_t, latency_ns)},
    {"jitter", "duration", "0", "plus a seeded uniform [0, jitter]", &FL_READ_DURATION,
     FL_INTO(fl_simnet_options_t, latency_jitter_ns)},
    {"bandwidth", "size per second", "unlimited", "bytes per second per direction", &FL_READ_BYTES,
     FL_INTO(fl_simnet_options_t, bytes_per_second)},
    {"buffer", "size > 0", "64KiB", "per direction; writes block when full", &FL_READ_POSITIVE_SIZE,
     FL_INTO(fl_simnet_options_t, buffer_bytes)},
    {"segmentation", "bool", "true", "reads return seeded random splits", &FL_READ_BOOL,
     FL_INTO(fl_simnet_options_t, segmentation)},
    {"backlog", "integer > 0", "128", "connections waiting to be accepted", &FL_READ_POSITIVE_COUNT,
     FL_INTO(fl_simnet_options_t, backlog)},
    FL_KEYS_END,
};

const fl_key_t *fl__network_keys(void) { return NETWORK_KEYS; }

/* --- the scenario ------------------------------------------------------------------ */

static void set_defaults(fl_scenario_t *out, const char *file) {
    assert(out != NULL && file != NULL);
    memset(out, 0, sizeof *out);
    out->file = file;
    out->mode = FL_SCENARIO_HOLDS;
    out->seed_first = 1;
    out->seed_last = 200;
    out->policy = "random";
    out->time_limit_ns = 3600LL * 1000000000LL;
    out->network = fl_simnet_options_default();
    out->server.spec_version = "2.3";
    out->server.redirect_slashes = true; /* Starlette's Router default */
    assert(out->seed_first <= out->seed_last && out->time_limit_ns > 0);
}

static const fl_key_t ROOT_KEYS[] = {
    {"name", "string", NULL, "shown in reports", &FL_READ_NONEMPTY, FL_INTO(fl_scenario_t, name)},
    {"tags", "list of strings", "[]", "for selecting scenarios", FL_BY_HAND},
    {"mode", "holds or finds", "holds",
     "holds: every seed passes; finds: the finds check fails in some seed", FL_BY_HAND},
    {"finds", "expectation name", "none", "with mode finds: the check that must fail", FL_BY_HAND},
    {"seeds", "A..B or one seed", "1..200", "the seed range, inclusive", FL_BY_HAND},
    {"policy", "fifo, random or trio", "random", "the scheduler's policy", FL_BY_HAND},
    {"time_limit", "duration", "1h", "virtual time per run", &FL_READ_POSITIVE_DURATION,
     FL_INTO(fl_scenario_t, time_limit_ns)},
    {"network", "mapping", "see network", "the simulated network", FL_BY_HAND},
    {"server", "mapping", "no routes", "the mock ASGI server", FL_BY_HAND},
    {"client", "mapping", NULL, "the client and its tasks", FL_BY_HAND},
    {"faults", "list of faults", "[]", "the fault plan", FL_BY_HAND},
    {"expect", "list of expectations", "[]", "the expectations", FL_BY_HAND},
    FL_KEYS_END,
};

const fl_key_t *fl__root_keys(void) { return ROOT_KEYS; }

static int parse_head(fl_yaml_reader_t *ld, fl_yaml_node_t *root, fl_scenario_t *out) {
    assert(ld != NULL && root != NULL && out != NULL);
    assert(root->type == YAML_MAPPING_NODE);
    fl_yaml_node_t *v;
    TRY(fl__yaml_read_keys(ld, root, "", ROOT_KEYS, out, sizeof *out));
    if ((v = fl__yaml_get(ld, root, "tags")))
        TRY(fl__yaml_string_list(ld, v, "tags", &out->tags, &out->tag_count));
    if ((v = fl__yaml_get(ld, root, "mode"))) {
        static const char *const modes[] = {"holds", "finds", NULL};
        int mode;
        TRY(fl__yaml_choice(ld, v, "mode", "mode", modes, &mode));
        out->mode = mode == 0 ? FL_SCENARIO_HOLDS : FL_SCENARIO_FINDS;
    }
    if ((v = fl__yaml_get(ld, root, "seeds"))) TRY(parse_seeds(ld, v, out));
    if ((v = fl__yaml_get(ld, root, "policy"))) {
        static const char *const policies[] = {"fifo", "random", "trio", NULL};
        int policy;
        TRY(fl__yaml_choice(ld, v, "policy", "policy", policies, &policy));
        out->policy = policies[policy];
        assert(out->policy != NULL);
    }
    if ((v = fl__yaml_get(ld, root, "network")))
        TRY(fl__yaml_check_and_read_keys(ld, v, "network", NETWORK_KEYS, &out->network,
                                         sizeof out->network));
    assert(out->network.buffer_bytes > 0 && out->network.backlog > 0);
    assert(out->name != NULL && out->name[0] != '\0');
    assert(out->seed_first <= out->seed_last && out->time_limit_ns > 0);
    return 0;
}

/* finds: is required in finds mode, refused in holds mode, and names an
 * expectation. */
static int parse_finds(fl_yaml_reader_t *ld, fl_yaml_node_t *root, fl_scenario_t *out) {
    assert(ld != NULL && root != NULL && out != NULL);
    assert(out->expectations != NULL || out->expectation_count == 0);
    fl_yaml_node_t *v = fl__yaml_get(ld, root, "finds");
    if (out->mode == FL_SCENARIO_HOLDS) {
        if (v != NULL) return FAIL(ld, v, "finds: only meaningful with mode: finds");
        return 0;
    }
    TRY(fl__yaml_require(ld, root, "finds", "", &v));
    TRY(fl__yaml_nonempty(ld, v, "finds", &out->finds));
    assert(out->mode == FL_SCENARIO_FINDS);
    for (size_t i = 0; i < out->expectation_count; i++) {
        assert(out->expectations[i].name != NULL);
        if (strcmp(out->expectations[i].name, out->finds) == 0) return 0;
    }
    return FAIL(ld, v, "finds: no expectation is named '%s'", out->finds);
}

/* The sections after the client, which name its tasks and steps: read
 * only when the client loaded, else their errors could be consequences. */
static int parse_after_client(fl_yaml_reader_t *ld, fl_yaml_node_t *root, fl_scenario_t *out,
                              bool head_failed, bool *failed) {
    assert(ld != NULL && root != NULL && out != NULL && failed != NULL);
    fl_yaml_node_t *v;
    if ((v = fl__yaml_get(ld, root, "faults")))
        TRY(fl__yaml_go_on(ld, fl__load_faults(ld, v, out), failed));
    bool expect_failed = false;
    if ((v = fl__yaml_get(ld, root, "expect")))
        TRY(fl__yaml_go_on(ld, fl__load_expectations(ld, v, out), &expect_failed));
    assert(out->fault_count <= FL_SCENARIO_FAULTS_MAX);
    *failed = *failed || expect_failed;
    /* finds names an expectation and depends on the mode: not judged
     * over a list with a hole or a mode that did not load. */
    if (!expect_failed && !head_failed) TRY(fl__yaml_go_on(ld, parse_finds(ld, root, out), failed));
    return 0;
}

static int parse_root(fl_yaml_reader_t *ld, fl_yaml_node_t *root, fl_scenario_t *out) {
    assert(ld != NULL && root != NULL && out != NULL);
    if (root->type != YAML_MAPPING_NODE) return FAIL(ld, root, "scenario: expected a mapping");
    bool failed = false, head_failed = false, client_failed = false;
    TRY(fl__yaml_go_on(ld, fl__yaml_check_keys(ld, root, "", ROOT_KEYS), &failed));
    TRY(fl__yaml_go_on(ld, parse_head(ld, root, out), &head_failed));
    fl_yaml_node_t *v;
    if ((v = fl__yaml_get(ld, root, "server")))
        TRY(fl__yaml_go_on(ld, fl__load_server(ld, v, &out->server), &failed));
    int client_status = fl__yaml_require(ld, root, "client", "", &v);
    if (client_status == 0) client_status = fl__load_client(ld, v, &out->client);
    TRY(fl__yaml_go_on(ld, client_status, &client_failed));
    if (!client_failed) TRY(parse_after_client(ld, root, out, head_failed, &failed));
    assert(client_failed || out->client.tasks != NULL || out->client.task_count == 0);
    return failed || head_failed || client_failed ? FL_EINVAL : 0;
}

int fl__yaml_load_text(fl_arena_t *arena, const char *file, const char *text, size_t length,
                       const char *what, fl_yaml_root_fn *parse, void *context,
                       fl_yaml_errors_t *errors, char *error, size_t error_size) {
    assert(arena != NULL && file != NULL && text != NULL && what != NULL && parse != NULL);
    assert(error != NULL || error_size == 0);
    if (error_size > 0) error[0] = '\0';
    fl_yaml_reader_t ld = {
        .arena = arena, .file = file, .error = error, .error_size = error_size, .errors = errors};
    TRY(fl__yaml_check_shape(&ld, text, length));
    yaml_parser_t parser;
    yaml_document_t document;
    if (!yaml_parser_initialize(&parser)) fl__out_of_memory("yaml_parser_initialize");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
    if (!yaml_parser_load(&parser, &document)) {
        int status = fl__yaml_fail_syntax(&ld, &parser, text, length);
        yaml_parser_delete(&parser);
        return status;
    }
    ld.document = &document;
    fl_yaml_node_t *root = yaml_document_get_root_node(&document);
    int status = root == NULL ? fl__yaml_fail_at(&ld, (yaml_mark_t){0}, "the %s is empty", what)
                              : parse(&ld, root, context);
    yaml_document_delete(&document);
    yaml_parser_delete(&parser);
    assert(status == 0 || status == FL_EINVAL);
    assert(ld.nodes_visited <= NODES_MAX);
    return status;
}

static int parse_scenario(fl_yaml_reader_t *ld, fl_yaml_node_t *root, void *context) {
    return parse_root(ld, root, context);
}

/* The scenario's defaults, and its file name in the arena (out->file). */
static const char *begin_scenario(fl_arena_t *arena, const char *name, fl_scenario_t *out) {
    assert(arena != NULL && name != NULL && out != NULL);
    fl_client_error_kinds_add(); /* files name the client's kinds too */
    set_defaults(out, fl_arena_strdup(arena, name));
    return out->file;
}

/* Loads length bytes of text (a NUL byte among them is refused). */
static int load_text(fl_arena_t *arena, const char *name, const char *text, size_t length,
                     fl_scenario_t *out, char *error, size_t error_size) {
    assert(arena != NULL && name != NULL && text != NULL && out != NULL);
    const char *file = begin_scenario(arena, name, out);
    return fl__yaml_load_text(arena, file, text, length, "scenario", parse_scenario, out, NULL,
                              error, error_size);
}

int fl_scenario_load_string(fl_arena_t *arena, const char *name, const char *yaml,
                            fl_scenario_t *out, char *error, size_t error_size) {
    assert(yaml != NULL);
    return load_text(arena, name, yaml, strlen(yaml), out, error, error_size);
}

int fl_scenario_load_bytes(fl_arena_t *arena, const char *name, const char *text, size_t length,
                           fl_scenario_t *out, char *error, size_t error_size) {
    assert(text != NULL && text[length] == '\0');
    return load_text(arena, name, text, length, out, error, error_size);
}

/* What a file is: a regular file, for a FIFO or a device named *.yaml
 * would block a command forever or read without end. Returns NULL, or why
 * the file cannot be a scenario. */
static const char *not_regular(const struct stat *info) {
    assert(info != NULL);
    if (S_ISREG(info->st_mode)) return NULL;
    if (S_ISDIR(info->st_mode)) return "is a directory, not a scenario file";
    if (S_ISFIFO(info->st_mode)) return "is a FIFO, not a regular file";
    return "is not a regular file";
}

/* Reads path's bytes into text (FILE_BYTES_MAX + 1 of room): stat before
 * the open, which does not block (O_NONBLOCK), and fstat after it, so the
 * file read is the regular file checked. Returns NULL and *length, or why
 * it could not be read (errno's text in reason when there is one). */
static const char *read_scenario_bytes(const char *path, char *text, size_t *length,
                                       const char **reason) {
    assert(path != NULL && text != NULL && length != NULL && reason != NULL);
    struct stat info;
    *reason = NULL;
    *length = 0;
    if (stat(path, &info) != 0) return *reason = strerror(errno), "cannot open";
    if (not_regular(&info) != NULL) return not_regular(&info);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return *reason = strerror(errno), "cannot open";
    const char *problem = NULL;
    if (fstat(fd, &info) != 0) problem = "cannot read the file";
    else problem = not_regular(&info);
    /* Each read returns at least a byte or ends the loop; at most FILE_BYTES_MAX + 1 in all. */
    while (problem == NULL && *length <= FILE_BYTES_MAX) {
        ssize_t got = read(fd, text + *length, FILE_BYTES_MAX + 1 - *length);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) problem = "cannot read the file", *reason = strerror(errno);
        if (got <= 0) break;
        *length += (size_t)got;
    }
    close(fd);
    assert(*length <= FILE_BYTES_MAX + 1);
    if (problem == NULL && *length > FILE_BYTES_MAX) problem = "the file is larger than 4 MiB";
    return problem;
}

int fl__yaml_load_file(fl_arena_t *arena, const char *path, const char *what,
                       fl_yaml_root_fn *parse, void *context, fl_yaml_errors_t *errors,
                       char *error, size_t error_size) {
    assert(arena != NULL && path != NULL && what != NULL && parse != NULL);
    assert(error != NULL || error_size == 0);
    char *text = malloc(FILE_BYTES_MAX + 1);
    if (text == NULL) fl__out_of_memory("fl__yaml_load_file");
    size_t length;
    const char *reason;
    errno = 0;
    const char *problem = read_scenario_bytes(path, text, &length, &reason);
    bool missing = problem != NULL && errno == ENOENT;
    int status;
    if (problem != NULL) {
        /* The file itself, not a place in it: no line and column. */
        if (error_size > 0)
            snprintf(error, error_size, "%s: error: %s%s%s", path, problem,
                     reason ? ": " : "", reason ? reason : "");
        status = missing ? FL_ENOTFOUND : FL_EINVAL;
    } else {
        text[length] = '\0';
        status = fl__yaml_load_text(arena, path, text, length, what, parse, context, errors,
                                    error, error_size);
    }
    free(text);
    assert(status == 0 || status == FL_EINVAL || status == FL_ENOTFOUND);
    return status;
}

/* A scenario file, every error collected into errors (NULL: the first). */
static int load_file(fl_arena_t *arena, const char *path, fl_yaml_errors_t *errors,
                     fl_scenario_t *out, char *error, size_t error_size) {
    assert(arena != NULL && path != NULL && out != NULL);
    const char *file = begin_scenario(arena, path, out);
    int status =
        fl__yaml_load_file(arena, file, "scenario", parse_scenario, out, errors, error, error_size);
    /* This loader's callers know one failure: a file that is missing is
     * one that cannot be loaded. */
    return status == FL_ENOTFOUND ? FL_EINVAL : status;
}

int fl_scenario_load_file(fl_arena_t *arena, const char *path, fl_scenario_t *out, char *error,
                          size_t error_size) {
    return load_file(arena, path, NULL, out, error, error_size);
}

/* The recorded errors into error, one a line, as many as fit whole, and a
 * last line that counts the rest. */
static void write_errors(const fl_yaml_errors_t *errors, char *error, size_t error_size) {
    assert(errors != NULL && errors->count > 0 && error != NULL && error_size > 0);
    size_t used = 0, written = 0;
    error[0] = '\0';
    for (; written < errors->count; written++) {
        size_t length = strlen(errors->lines[written]);
        /* The last line's room: "\n(and N more errors)". */
        if (used + length + 1 + 40 >= error_size && written > 0) break;
        used += (size_t)snprintf(error + used, error_size - used, "%s%s", written ? "\n" : "",
                                 errors->lines[written]);
        if (used >= error_size) return; /* the first alone did not fit: cut, as load_file does */
    }
    size_t rest = errors->count - written + errors->more;
    if (rest > 0)
        snprintf(error + used, error_size - used, "\n(and %zu more error%s)", rest,
                 rest == 1 ? "" : "s");
}

int fl_scenario_check_file(fl_arena_t *arena, const char *path, fl_scenario_t *out, char *error,
                           size_t error_size, size_t *error_count) {
    assert(error != NULL && error_size > 0 && error_count != NULL);
    fl_yaml_errors_t errors = {.count = 0};
    int status = load_file(arena, path, &errors, out, error, error_size);
    assert(status == 0 || status == FL_EINVAL);
    *error_count = status == 0 ? 0 : errors.count + errors.more;
    /* A file that cannot be read, or YAML that does not parse, fails before
     * any part: its one message is in error already. */
    if (status != 0 && errors.count == 0) *error_count = 1;
    if (status != 0 && errors.count > 0) write_errors(&errors, error, error_size);
    assert(status == 0 || *error_count > 0);
    return status;
}

int fl_scenario_plan_faults(fl_arena_t *arena, fl_scenario_t *s, char *error, size_t error_size) {
    assert(arena != NULL && s != NULL && (s->faults != NULL || s->fault_count == 0));
    fl_fault_plan_t *plan = fl_fault_plan_create(arena);
    for (size_t i = 0; i < s->fault_count; i++)
        if (fl_fault_plan_add(plan, &s->faults[i].spec, error, error_size) != FL_OK)
            return FL_EINVAL;
    assert(s->fault_count <= FL_SCENARIO_FAULTS_MAX);
    s->fault_plan = plan;
    return FL_OK;
}
