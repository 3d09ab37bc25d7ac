/* run's progress line: "[12/88] 3400 seeds/s, 1 failed" on standard error
 * while scenarios run, redrawn in place. Only on a terminal: a pipe or a
 * file sees nothing of it. It reads the wall clock for the rate, which is
 * for the eye only (never in a result, a report or a trace). */
#ifndef FL_HARNESS_PROGRESS_H
#define FL_HARNESS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/report/outcome.h"

typedef struct fl_progress {
    FILE *err;
    bool shown;       /* err is a terminal */
    bool drawn;       /* a line is on the screen now */
    size_t total, done, failed;
    uint64_t seeds;
    uint64_t started_ns;
} fl_progress_t;

/* Starts counting total files; shown when err is a terminal. */
void fl_progress_start(fl_progress_t *progress, FILE *err, size_t total);

/* Counts a file that ended and redraws the line. */
void fl_progress_done(fl_progress_t *progress, const fl_outcome_t *outcome);

/* Erases the line before something else is printed (it is redrawn by the
 * next fl_progress_done), and at the end. */
void fl_progress_clear(fl_progress_t *progress);

#endif /* FL_HARNESS_PROGRESS_H */
