/* The shrunk scenario as text: the original file with byte ranges cut out
 * or replaced, never the model written out again, so every line, comment
 * and layout the shrinker did not touch stays as the author wrote it.
 *
 * The shrinker renders each candidate it tries (a client task or step cut,
 * a fault's trigger moved earlier) and loads the text, so the loader's own
 * checks (a step an expectation names, a task a cancel names) refuse a cut
 * that leaves the file meaningless, and the file written at the end is the
 * one the last run loaded. */
#ifndef FL_HARNESS_SHRINK_TEXT_H
#define FL_HARNESS_SHRINK_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/run/shrink.h"

/* A file's text, read whole. */
typedef struct fl_shrink_source {
    char *text; /* malloc'd, NUL-terminated */
    size_t length;
} fl_shrink_source_t;

/* Reads path. Returns 0, or a negative errno. */
int fl_shrink_source_read(const char *path, fl_shrink_source_t *out);
void fl_shrink_source_free(fl_shrink_source_t *source);

/* The shrunk text: source without the faults r dropped, its network and
 * seeds keys, and r's edits; then a comment naming origin and origin_seed,
 * `seeds: r->seed` and r's network. malloc'd; NULL when source does not
 * parse as YAML. */
char *fl_shrink_text_render(const fl_shrink_source_t *source, const char *origin,
                            uint64_t origin_seed, const fl_shrink_result_t *r);

typedef enum fl_shrink_cut_kind {
    FL_SHRINK_CUT_TASK,    /* a whole client task */
    FL_SHRINK_CUT_STEP,    /* one top-level step of a client task */
    FL_SHRINK_CUT_TRIGGER, /* a fault's trigger value, to move earlier */
} fl_shrink_cut_kind_t;

/* One thing the shrinker may try: bytes [start, end) of the source cut
 * out, or, for a trigger, replaced by a smaller number (value lies in
 * [low, value), written with unit after it). */
typedef struct fl_shrink_cut {
    fl_shrink_cut_kind_t kind;
    size_t start, end;
    size_t fault;      /* TRIGGER: which fault (from 0) */
    uint64_t value, low;
    char unit[8];      /* TRIGGER: "ms", "s", "" ... as written */
} fl_shrink_cut_t;

/* The cuts source offers, at most max of them, into cuts: the client's
 * tasks, last first, then each task's top-level steps, last first, then
 * the faults' `at`, `bytes`, `count` and `connect` values. Returns how many. */
size_t fl_shrink_text_cuts(const fl_shrink_source_t *source, fl_shrink_cut_t *cuts, size_t max);

#endif /* FL_HARNESS_SHRINK_TEXT_H */
