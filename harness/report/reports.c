/* JSON lines (the JUnit writer is junit.c). */
#include "harness/report/reports.h"

#include <assert.h>

#include "harness/json/json.h"
#include "harness/report/outcome_json.h"
#include "harness/report/report_file.h"

/* One line an outcome: its JSON object, whole. */
static void write_jsonl(FILE *f, const fl_outcome_t *outcomes, size_t count) {
    assert(f != NULL && (outcomes != NULL || count == 0));
    for (size_t i = 0; i < count; i++) {
        assert(outcomes[i].file != NULL);
        fl_json_writer_t w;
        fl_json_init(&w, f);
        fl_outcome_json_write(&w, &outcomes[i]);
        assert(fl_json_complete(&w));
        fputc('\n', f);
    }
}

int fl_report_jsonl(const char *path, const fl_outcome_t *outcomes, size_t count, FILE *err) {
    assert(path != NULL && (outcomes != NULL || count == 0));
    assert(err != NULL);
    return fl__report_write(path, outcomes, count, write_jsonl, err);
}
