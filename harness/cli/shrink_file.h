/* faultline shrink's output file (shrink_file.c says how it is made). */
#ifndef FL_HARNESS_SHRINK_FILE_H
#define FL_HARNESS_SHRINK_FILE_H

#include <stdint.h>
#include <stdio.h>

#include "harness/run/shrink.h"

/* Writes source_path's text as r shrank it (its faults, tasks and steps
 * dropped, triggers moved, seeds: r->seed and r's network) to out_path,
 * with a comment naming source_path and origin_seed, the seed asked for.
 * Returns 0, or 2 after a message on err. */
int fl_shrink_file_write(const char *source_path, const char *out_path, uint64_t origin_seed,
                         const fl_shrink_result_t *r, FILE *err);

#endif /* FL_HARNESS_SHRINK_FILE_H */
