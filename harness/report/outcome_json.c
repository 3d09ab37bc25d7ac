#include "harness/report/outcome_json.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/marks_report.h"
#include "harness/report/matrix_report.h"
#include "sim/runtime/arena.h"

typedef enum member_type {
    MEMBER_STRING,   /* a char * (NULL written as null: "name" before the file loaded) */
    MEMBER_BOOL,
    MEMBER_UINT,     /* a uint64_t */
    MEMBER_MODE,     /* the bool finds, written "finds" or "holds" */
    MEMBER_SEED,     /* a uint64_t, null unless the bool at present_offset is true */
    MEMBER_HASH,     /* the same, as 16 hex digits: what replay prints after "trace hash" */
    MEMBER_DURATION, /* duration_ns, written in seconds with 6 decimals */
    MEMBER_REPLAY,   /* computed: the outcome's replay command */
} member_type_t;

typedef struct member {
    const char *key;
    member_type_t type;
    size_t offset;         /* of the field in fl_outcome_t */
    size_t present_offset; /* MEMBER_SEED and MEMBER_HASH: of the bool that says it is known */
    bool read;             /* read back by the worker's parent (which knows the rest itself) */
} member_t;

#define AT(field) offsetof(fl_outcome_t, field)

/* In the order a line shows them; crashed and timed_out, which the ending
 * gives, go after invalid. Not read back: the file, the schedule (the
 * parent's own --schedule), the duration (the parent times the worker's
 * whole life, crash or not) and the replay command (made from the rest). */
static const member_t MEMBERS[] = {
    {"file", MEMBER_STRING, AT(file), 0, false},
    {"name", MEMBER_STRING, AT(name), 0, true},
    {"mode", MEMBER_MODE, AT(finds), 0, true},
    {"passed", MEMBER_BOOL, AT(passed), 0, true},
    {"invalid", MEMBER_BOOL, AT(load_error), 0, true},
    {"seeds_run", MEMBER_UINT, AT(seeds_run), 0, true},
    {"seed", MEMBER_SEED, AT(seed), AT(has_seed), true},
    {"seed_first", MEMBER_UINT, AT(seed_first), 0, true},
    {"seed_last", MEMBER_UINT, AT(seed_last), 0, true},
    {"policy", MEMBER_STRING, AT(policy), 0, true},
    {"schedule", MEMBER_STRING, AT(schedule), 0, false},
    {"trace_hash", MEMBER_HASH, AT(trace_hash), AT(has_trace_hash), true},
    {"duration_s", MEMBER_DURATION, AT(duration_ns), 0, false},
    {"message", MEMBER_STRING, AT(message), 0, true},
    {"replay", MEMBER_REPLAY, 0, 0, false},
};

#undef AT

enum {
    MEMBER_COUNT = sizeof MEMBERS / sizeof MEMBERS[0],
    ENDING_AFTER = 4,
    HASH_DIGITS = 16,
    REPLAY_TEXT_MAX = 8192,
};

static void write_string_member(fl_json_writer_t *w, const char *key, const char *text) {
    assert(w != NULL && key != NULL);
    /* message is always a string: "" when there is nothing to say. */
    if (text == NULL && strcmp(key, "message") == 0) text = "";
    if (text != NULL)
        fl_json_string(w, text);
    else
        fl_json_null(w);
}

/* A seed or a hash, or null when the outcome does not know it. */
static void write_optional_member(fl_json_writer_t *w, const fl_outcome_t *outcome,
                                  const member_t *m) {
    assert(w != NULL && outcome != NULL && m != NULL);
    assert(m->type == MEMBER_SEED || m->type == MEMBER_HASH);
    uint64_t value = *(const uint64_t *)((const char *)outcome + m->offset);
    if (!*(const bool *)((const char *)outcome + m->present_offset)) {
        fl_json_null(w);
    } else if (m->type == MEMBER_SEED) {
        fl_json_uint(w, value);
    } else {
        char hex[HASH_DIGITS + 1];
        snprintf(hex, sizeof hex, "%016" PRIx64, value);
        fl_json_string(w, hex);
    }
}

static void write_member(fl_json_writer_t *w, const fl_outcome_t *outcome, const member_t *m) {
    assert(w != NULL && outcome != NULL && m != NULL);
    assert(m->key != NULL && (unsigned)m->type <= MEMBER_REPLAY && m->offset < sizeof *outcome);
    const char *field = (const char *)outcome + m->offset;
    fl_json_key(w, m->key);
    switch (m->type) {
    case MEMBER_STRING: write_string_member(w, m->key, *(char *const *)field); return;
    case MEMBER_UINT: fl_json_uint(w, *(const uint64_t *)field); return;
    case MEMBER_BOOL: fl_json_bool(w, *(const bool *)field); return;
    case MEMBER_MODE: fl_json_string(w, *(const bool *)field ? "finds" : "holds"); return;
    case MEMBER_SEED:
    case MEMBER_HASH: write_optional_member(w, outcome, m); return;
    case MEMBER_DURATION: /* microseconds, as seconds: a duration fits an int64 */
        fl_json_decimal(w, (int64_t)(*(const uint64_t *)field / 1000), 6);
        return;
    case MEMBER_REPLAY: {
        char text[REPLAY_TEXT_MAX];
        fl_replay_command_t command = fl_outcome_replay_command(outcome);
        fl_json_string(w, fl_replay_command_format(&command, text, sizeof text));
        return;
    }
    }
    assert(!"every member type is written");
}

void fl_outcome_json_write(fl_json_writer_t *w, const fl_outcome_t *outcome) {
    assert(w != NULL && outcome != NULL);
    assert(ENDING_AFTER < MEMBER_COUNT && strcmp(MEMBERS[ENDING_AFTER].key, "invalid") == 0);
    size_t depth = w->depth;
    fl_json_object_begin(w);
    for (size_t i = 0; i < MEMBER_COUNT; i++) {
        write_member(w, outcome, &MEMBERS[i]);
        if (i != ENDING_AFTER) continue;
        fl_json_key(w, "crashed");
        fl_json_bool(w, outcome->ending == FL_ENDING_CRASHED);
        fl_json_key(w, "timed_out");
        fl_json_bool(w, outcome->ending == FL_ENDING_TIMEOUT);
    }
    fl_json_key(w, "marks");
    fl_marks_json_write(w, outcome->marks);
    fl_json_key(w, "matrix");
    fl_matrix_json_write(w, &outcome->matrix);
    fl_json_object_end(w);
    assert(w->depth == depth);
}

/* Exactly 16 hex digits into *out. */
static bool parse_hash(const char *text, uint64_t *out) {
    assert(out != NULL);
    if (text == NULL || strlen(text) != HASH_DIGITS) return false;
    uint64_t value = 0;
    /* strlen said 16: no NUL among them for strchr to find. */
    for (size_t i = 0; i < HASH_DIGITS; i++) {
        const char *digits = "0123456789abcdef", *at = strchr(digits, text[i]);
        if (at == NULL) return false;
        value = value << 4 | (uint64_t)(at - digits);
    }
    *out = value;
    return true;
}

/* A seed or a hash: null leaves it unknown. */
static bool read_optional_member(const fl_json_value_t *object, const member_t *m,
                                 fl_outcome_t *read) {
    assert(object != NULL && m != NULL && read != NULL);
    assert(m->type == MEMBER_SEED || m->type == MEMBER_HASH);
    const fl_json_value_t *value = fl_json_get(object, m->key);
    uint64_t *field = (uint64_t *)((char *)read + m->offset);
    bool *present = (bool *)((char *)read + m->present_offset);
    if (value == NULL) return false;
    *present = value->type != FL_JSON_NULL;
    *field = 0;
    if (!*present) return true;
    if (m->type == MEMBER_HASH) return parse_hash(fl_json_get_string(object, m->key), field);
    return fl_json_get_u64(object, m->key, field);
}

/* One member into read (a copy of the outcome); strings are borrowed from
 * the parsed document until the caller copies them. */
static bool read_member(const fl_json_value_t *object, const member_t *m, fl_outcome_t *read) {
    assert(object != NULL && m != NULL && read != NULL);
    assert(m->read); /* the reader reads only the members marked so */
    assert(m->key != NULL && (unsigned)m->type <= MEMBER_HASH && m->offset < sizeof *read);
    char *field = (char *)read + m->offset;
    const fl_json_value_t *value = fl_json_get(object, m->key);
    if (value == NULL) return false;
    if (m->type == MEMBER_SEED || m->type == MEMBER_HASH)
        return read_optional_member(object, m, read);
    if (m->type == MEMBER_UINT) return fl_json_get_u64(object, m->key, (uint64_t *)field);
    if (m->type == MEMBER_BOOL) return fl_json_get_bool(object, m->key, (bool *)field);
    const char *text = fl_json_get_string(object, m->key);
    if (m->type == MEMBER_MODE) {
        if (text == NULL || (strcmp(text, "finds") != 0 && strcmp(text, "holds") != 0))
            return false;
        *(bool *)field = strcmp(text, "finds") == 0;
        return true;
    }
    if (text == NULL && value->type != FL_JSON_NULL) return false;
    *(const char **)field = text;
    return true;
}

static char *copy_or_null(const char *text) {
    if (text == NULL) return NULL;
    char *copy = strdup(text);
    if (copy == NULL) fl__out_of_memory("outcome");
    return copy;
}

bool fl_outcome_json_read(const fl_json_value_t *object, fl_outcome_t *outcome) {
    assert(outcome != NULL);
    if (object == NULL || object->type != FL_JSON_OBJECT) return false;
    fl_outcome_t read = *outcome;
    for (size_t i = 0; i < MEMBER_COUNT; i++)
        if (MEMBERS[i].read && !read_member(object, &MEMBERS[i], &read)) return false;
    if (read.message == NULL) return false;
    memset(read.marks, 0, sizeof read.marks);
    if (!fl_marks_json_add(fl_json_get(object, "marks"), read.marks)) return false;
    memset(&read.matrix, 0, sizeof read.matrix);
    if (!fl_matrix_json_add(fl_json_get(object, "matrix"), &read.matrix)) return false;
    char *name = copy_or_null(read.name), *policy = copy_or_null(read.policy);
    char *message = copy_or_null(read.message);
    free(outcome->name);
    free(outcome->policy);
    free(outcome->message);
    read.name = name, read.policy = policy, read.message = message;
    *outcome = read;
    assert(outcome->message != NULL);
    return true;
}
