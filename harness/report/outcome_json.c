#include "harness/report/outcome_json.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/marks_report.h"
#include "harness/report/matrix_report.h"
#include "sim/runtime/arena.h"

typedef enum member_type {
    MEMBER_STRING, /* a char * (NULL written as null: "name" before the file loaded) */
    MEMBER_BOOL,
    MEMBER_UINT, /* a uint64_t */
    MEMBER_MODE, /* the bool finds, written "finds" or "holds" */
} member_type_t;

typedef struct member {
    const char *key;
    member_type_t type;
    size_t offset; /* of the field in fl_outcome_t */
    bool read;     /* read back: the reader knows the file itself */
} member_t;

#define AT(field) offsetof(fl_outcome_t, field)

/* In the order a line shows them; crashed and timed_out, which the ending
 * gives, go after invalid. */
static const member_t MEMBERS[] = {
    {"file", MEMBER_STRING, AT(file), false},
    {"name", MEMBER_STRING, AT(name), true},
    {"mode", MEMBER_MODE, AT(finds), true},
    {"passed", MEMBER_BOOL, AT(passed), true},
    {"invalid", MEMBER_BOOL, AT(load_error), true},
    {"seeds_run", MEMBER_UINT, AT(seeds_run), true},
    {"seed", MEMBER_UINT, AT(seed), true},
    {"seed_first", MEMBER_UINT, AT(seed_first), true},
    {"seed_last", MEMBER_UINT, AT(seed_last), true},
    {"policy", MEMBER_STRING, AT(policy), true},
    {"message", MEMBER_STRING, AT(message), true},
};

#undef AT

enum { MEMBER_COUNT = sizeof MEMBERS / sizeof MEMBERS[0], ENDING_AFTER = 4 };

static void write_member(fl_json_writer_t *w, const fl_outcome_t *outcome, const member_t *m) {
    assert(w != NULL && outcome != NULL && m != NULL);
    assert(m->key != NULL && (unsigned)m->type <= MEMBER_MODE && m->offset < sizeof *outcome);
    const char *field = (const char *)outcome + m->offset;
    fl_json_key(w, m->key);
    if (m->type == MEMBER_STRING) {
        const char *text = *(char *const *)field;
        /* message is always a string: "" when there is nothing to say. */
        if (text == NULL && strcmp(m->key, "message") == 0) text = "";
        if (text != NULL)
            fl_json_string(w, text);
        else
            fl_json_null(w);
    } else if (m->type == MEMBER_UINT) {
        fl_json_uint(w, *(const uint64_t *)field);
    } else {
        bool value = *(const bool *)field;
        if (m->type == MEMBER_MODE)
            fl_json_string(w, value ? "finds" : "holds");
        else
            fl_json_bool(w, value);
    }
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

/* One member into read (a copy of the outcome); strings are borrowed from
 * the parsed document until the caller copies them. */
static bool read_member(const fl_json_value_t *object, const member_t *m, fl_outcome_t *read) {
    assert(object != NULL && m != NULL && read != NULL);
    assert(m->read); /* the reader reads only the members marked so */
    assert(m->key != NULL && (unsigned)m->type <= MEMBER_MODE && m->offset < sizeof *read);
    char *field = (char *)read + m->offset;
    const fl_json_value_t *value = fl_json_get(object, m->key);
    if (value == NULL) return false;
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
