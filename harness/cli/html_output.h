/* faultline run --html DIR: DIR/index.html (html_report.h), with a
 * sequence diagram for each failure that ran to a verdict. Like
 * --trace-failures (trace_failures.h), each such failure's seed runs again
 * here with its trace kept (failure_rerun.h), and its diagram is drawn
 * while the world lives; a file that crashed or timed out is not run
 * again, and its section says so. */
#ifndef FL_HARNESS_HTML_OUTPUT_H
#define FL_HARNESS_HTML_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "harness/report/outcome.h"

/* Makes DIR (and its parents) before anything runs. Returns 0, or 2 after
 * a message on err. */
int fl_html_output_prepare(const char *dir, FILE *err);

/* Draws every failure's diagram and writes dir/index.html, printing
 * "html    DIR/index.html" on out. Returns 0, or 2 when the page could not
 * be written or a failure could not be run again (said on err; the page
 * is still written, that failure without its diagram). */
int fl_html_output_write(const char *dir, const fl_outcome_t *outcomes, size_t count, FILE *out,
                         FILE *err);

#endif /* FL_HARNESS_HTML_OUTPUT_H */
