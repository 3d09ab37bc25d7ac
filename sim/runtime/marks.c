#include "sim/runtime/marks.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

uint64_t fl__mark_hits[FL_MARK_COUNT];

typedef struct mark_row {
    const char *name;
    const char *doc;
    const char *unreached;
} mark_row_t;

static const mark_row_t MARKS[FL_MARK_COUNT] = {
#define FL__MARK_ROW(id, name, doc, unreached) [FL_MARK_##id] = {name, doc, unreached},
    FL_MARK_TABLE(FL__MARK_ROW)
#undef FL__MARK_ROW
};

static const mark_row_t *row_of(fl_mark_t mark) {
    assert((unsigned)mark < FL_MARK_COUNT);
    assert(MARKS[mark].name != NULL && MARKS[mark].doc != NULL);
    return &MARKS[mark];
}

const char *fl_mark_name(fl_mark_t mark) { return row_of(mark)->name; }
const char *fl_mark_doc(fl_mark_t mark) { return row_of(mark)->doc; }
const char *fl_mark_unreached_reason(fl_mark_t mark) { return row_of(mark)->unreached; }

bool fl_mark_from_name(const char *name, fl_mark_t *out) {
    assert(name != NULL && out != NULL);
    for (unsigned m = 0; m < FL_MARK_COUNT; m++)
        if (strcmp(MARKS[m].name, name) == 0) {
            *out = (fl_mark_t)m;
            return true;
        }
    return false;
}

uint64_t fl_mark_hits(fl_mark_t mark) {
    assert((unsigned)mark < FL_MARK_COUNT);
    return fl__mark_hits[mark];
}

void fl_marks_clear(void) {
    memset(fl__mark_hits, 0, sizeof fl__mark_hits);
    assert(fl__mark_hits[0] == 0 && fl__mark_hits[FL_MARK_COUNT - 1] == 0);
}
