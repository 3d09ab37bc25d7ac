/* Which of the collected scenario files a command takes, as pytest
 * selects tests: -k EXPR over each file's path and scenario name
 * (keyword_expression.h), --tag T over its tags (any of those given), and
 * --lf / --ff over the files that failed last time (last_failed.h). A
 * file that does not load is kept, so that its error is still reported. */
#ifndef FL_HARNESS_SELECTION_H
#define FL_HARNESS_SELECTION_H

#include <stddef.h>
#include <stdio.h>

#include "harness/cli/options.h"
#include "harness/cli/scenario_files.h"

typedef struct fl_selection_report {
    size_t deselected; /* files left out by -k, --tag or --lf */
    size_t failed_last_time; /* of those kept, how many --lf/--ff found in the record */
} fl_selection_report_t;

/* True when o asks for any selection. */
bool fl_selection_wanted(const fl_options_t *o);

/* 0 when the selection options are well formed, else 2 after a message
 * on err (a malformed -k expression), before anything is collected. */
int fl_selection_check(const fl_options_t *o, const char *command, FILE *err);

/* Keeps the files of list the options select, in their order, but with
 * --ff the ones that failed last time first. The options passed
 * fl_selection_check first (-k's expression parses). Each file is loaded
 * here for its name and tags, and again by whoever runs it: a worker
 * process loads its own, and a load costs far less than a run. */
void fl_files_select(fl_file_list_t *list, const fl_options_t *o, fl_selection_report_t *report);

#endif /* FL_HARNESS_SELECTION_H */
