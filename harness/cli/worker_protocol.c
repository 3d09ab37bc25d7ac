#include "harness/cli/worker_protocol.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "harness/json/json.h"
#include "sim/runtime/arena.h"

static const char RESULT_TAG[] = "{\"faultline_run_one\":1,";

void fl_worker_result_write(FILE *out, const fl_outcome_t *r) {
    assert(out != NULL && r != NULL);
    fl_json_writer_t w;
    fl_json_init(&w, out);
    fl_json_object_begin(&w);
    fl_json_key(&w, "faultline_run_one");
    fl_json_uint(&w, 1);
    fl_json_key(&w, "result");
    fl_json_object_begin(&w);
    fl_json_key(&w, "passed");
    fl_json_bool(&w, r->passed);
    fl_json_key(&w, "invalid");
    fl_json_bool(&w, r->load_error);
    fl_json_key(&w, "finds");
    fl_json_bool(&w, r->finds);
    fl_json_key(&w, "seeds_run");
    fl_json_uint(&w, r->seeds_run);
    fl_json_key(&w, "seed");
    fl_json_uint(&w, r->seed);
    fl_json_key(&w, "seed_first");
    fl_json_uint(&w, r->seed_first);
    fl_json_key(&w, "seed_last");
    fl_json_uint(&w, r->seed_last);
    fl_json_key(&w, "name");
    fl_json_string(&w, r->name);
    fl_json_key(&w, "policy");
    fl_json_string(&w, r->policy);
    fl_json_key(&w, "message");
    fl_json_string(&w, r->message ? r->message : "");
    fl_json_object_end(&w);
    fl_json_object_end(&w);
    assert(fl_json_complete(&w));
    fputc('\n', out);
    fflush(out);
}

/* A string member copied to the heap; NULL when missing or null. */
static char *dup_member(const fl_json_value_t *object, const char *key) {
    assert(object != NULL && key != NULL);
    const char *text = fl_json_get_string(object, key);
    if (text == NULL) return NULL;
    char *copy = strdup(text);
    if (copy == NULL) fl__out_of_memory("worker result");
    return copy;
}

static bool read_fields(const fl_json_value_t *result, fl_outcome_t *r) {
    assert(r != NULL);
    if (result == NULL || result->type != FL_JSON_OBJECT) return false;
    fl_outcome_t read = *r;
    if (!fl_json_get_bool(result, "passed", &read.passed) ||
        !fl_json_get_bool(result, "invalid", &read.load_error) ||
        !fl_json_get_bool(result, "finds", &read.finds) ||
        !fl_json_get_u64(result, "seeds_run", &read.seeds_run) ||
        !fl_json_get_u64(result, "seed", &read.seed) ||
        !fl_json_get_u64(result, "seed_first", &read.seed_first) ||
        !fl_json_get_u64(result, "seed_last", &read.seed_last) ||
        fl_json_get_string(result, "message") == NULL)
        return false;
    /* What the outcome held before (the options' policy) is replaced by
     * what the worker ran under. */
    free(r->message);
    free(r->name);
    free(r->policy);
    read.message = dup_member(result, "message");
    read.name = dup_member(result, "name");
    read.policy = dup_member(result, "policy");
    *r = read;
    return true;
}

bool fl_worker_result_read(const char *output, fl_outcome_t *r) {
    assert(output != NULL && r != NULL);
    const char *line = output;
    while ((line = strstr(line, RESULT_TAG)) != NULL && line != output && line[-1] != '\n') line++;
    if (line == NULL) return false;
    size_t length = strcspn(line, "\n");
    fl_arena_t arena;
    fl_arena_init(&arena);
    const fl_json_value_t *value;
    bool ok = fl_json_parse(&arena, line, length, &value, NULL, 0) == 0 &&
              read_fields(fl_json_get(value, "result"), r);
    fl_arena_destroy(&arena);
    return ok;
}
