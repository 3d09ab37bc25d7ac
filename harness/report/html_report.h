/* The HTML report of `faultline run --html DIR`: DIR/index.html, one page
 * that opens in any browser with nothing fetched (inline CSS, inline SVG,
 * no script), from the same outcomes as JUnit and the JSON lines:
 *
 * - the summary: how many files held (or found), failed, were invalid,
 *   crashed or timed out; the seeds run and the time taken, in total;
 * - a table with a row per file: file, name, mode, verdict, seeds run, the
 *   seed the outcome names, duration, message (a failure's row links to
 *   its section);
 * - a section per failure: its message, the replay command, the trace
 *   hash, and the sequence diagram of its failing seed's run
 *   (sequence_diagram.h), when the caller ran that seed again with its
 *   trace kept;
 * - the coverage marks the run hit with their counts, then those it never
 *   hit (marks_report.h), and the fault x protocol-state matrix
 *   (matrix_report.h), both summed over the outcomes.
 *
 * Every text is escaped for HTML (xml_text.h: its escaping is HTML's too
 * for element content and double-quoted attributes). The bytes are the
 * same for the same outcomes and diagrams, apart from the durations. */
#ifndef FL_HARNESS_HTML_REPORT_H
#define FL_HARNESS_HTML_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/report/outcome.h"

/* What the caller learnt by running a failure's seed again. */
typedef struct fl_html_failure {
    const char *diagram; /* the <svg> element, or NULL: not run again */
    bool has_trace_hash; /* the rerun's trace hash, for an outcome that has none */
    uint64_t trace_hash;
} fl_html_failure_t;

/* Writes the page for count outcomes; failures is NULL (no diagrams) or
 * holds one entry per outcome (read for failed outcomes only). */
void fl_html_report_write(FILE *out, const fl_outcome_t *outcomes,
                          const fl_html_failure_t *failures, size_t count);

/* Writes the page to dir/index.html. Returns 0, or -1 after saying on
 * err why it cannot be written. */
int fl_report_html(const char *dir, const fl_outcome_t *outcomes,
                   const fl_html_failure_t *failures, size_t count, FILE *err);

#endif /* FL_HARNESS_HTML_REPORT_H */
