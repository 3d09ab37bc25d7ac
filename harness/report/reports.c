/* JSON lines (the JUnit writer is junit.c). */
#include "harness/report/reports.h"

#include <assert.h>

#include "harness/json/json.h"
#include "harness/report/outcome_json.h"
#include "harness/report/report_file.h"

static void jsonl_line(FILE *f, const fl_outcome_t *r) {
    assert(f != NULL && r != NULL && r->file != NULL);
    fl_json_writer_t w;
    fl_json_init(&w, f);
    fl_outcome_json_write(&w, r);
    assert(fl_json_complete(&w));
    fputc('\n', f);
}

int fl_report_jsonl(const char *path, const fl_outcome_t *outcomes, size_t count, FILE *err) {
    assert(path != NULL && (outcomes != NULL || count == 0));
    assert(err != NULL);
    FILE *f = fl__report_open(path, err);
    if (f == NULL) return -1;
    for (size_t i = 0; i < count; i++) jsonl_line(f, &outcomes[i]);
    return fl__report_close(f, path, err);
}
