/* Coverage marks, as FoundationDB's code probes and SQLite's testcase():
 * named points that matter to a suite, counted in every run at the cost of
 * one increment. Where line coverage needs an instrumented build, marks
 * are counted by the build users run, so `faultline run --marks` can say
 * what a suite reached and list what it never did.
 *
 * The counts are the process's, like gcov's: the harness clears them
 * before a scenario file's seeds and reads them after (a worker process
 * runs one file at a time). They never enter a trace or a verdict, so they
 * cannot disturb determinism. The rows are in mark_table.h. */
#ifndef FL_SIM_RUNTIME_MARKS_H
#define FL_SIM_RUNTIME_MARKS_H

#include <stdint.h>

#include "sim/runtime/mark_table.h"

typedef enum fl_mark {
#define FL__MARK_ENUM(id, name, doc, unreached) FL_MARK_##id,
    FL_MARK_TABLE(FL__MARK_ENUM)
#undef FL__MARK_ENUM
        FL_MARK_COUNT
} fl_mark_t;

extern uint64_t fl__mark_hits[FL_MARK_COUNT];

/* Counts a pass through the point the row ID names. */
#define FL_MARK(id) ((void)fl__mark_hits[FL_MARK_##id]++)

const char *fl_mark_name(fl_mark_t mark);
const char *fl_mark_doc(fl_mark_t mark);
/* NULL, or why no shipped suite reaches it. */
const char *fl_mark_unreached_reason(fl_mark_t mark);
/* The mark named name, or false. */
_Bool fl_mark_from_name(const char *name, fl_mark_t *out);

uint64_t fl_mark_hits(fl_mark_t mark);
void fl_marks_clear(void);

#endif /* FL_SIM_RUNTIME_MARKS_H */
