#include "harness/cli/worker_protocol.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "harness/json/json.h"
#include "harness/report/outcome_json.h"
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
    fl_outcome_json_write(&w, r);
    fl_json_object_end(&w);
    assert(fl_json_complete(&w));
    fputc('\n', out);
    fflush(out);
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
              fl_outcome_json_read(fl_json_get(value, "result"), r);
    fl_arena_destroy(&arena);
    return ok;
}
