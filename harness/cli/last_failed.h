/* The files that failed in the last run, remembered under .faultline/ in
 * the current directory (as pytest keeps .pytest_cache/) so that --lf
 * reruns them and --ff runs them first. A file that failed, did not load,
 * crashed or timed out is recorded; one that held is dropped; files the
 * run did not take keep what they had. */
#ifndef FL_HARNESS_LAST_FAILED_H
#define FL_HARNESS_LAST_FAILED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/report/outcome.h"

#define FL_LAST_FAILED_DIR ".faultline"
#define FL_LAST_FAILED_FILE ".faultline/lastfailed"

/* The recorded paths, one per line, bounded; NULL-free. */
enum { FL_LAST_FAILED_MAX = 4096 };
typedef struct fl_last_failed {
    char *paths[FL_LAST_FAILED_MAX]; /* malloc'd */
    size_t count;
} fl_last_failed_t;

/* Reads the record (empty when there is none). */
void fl_last_failed_read(fl_last_failed_t *record);

bool fl_last_failed_has(const fl_last_failed_t *record, const char *path);

/* Updates the record with a run's outcomes and writes it back; says on err
 * (and goes on) when it cannot be written. */
void fl_last_failed_update(const fl_outcome_t *outcomes, size_t count, FILE *err);

void fl_last_failed_free(fl_last_failed_t *record);

#endif /* FL_HARNESS_LAST_FAILED_H */
