#include "harness/report/html_report.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/marks_report.h"
#include "harness/report/matrix_report.h"
#include "harness/report/report_file.h"
#include "harness/report/xml_text.h"
#include "sim/net/fault.h"
#include "sim/net/net.h"
#include "sim/runtime/arena.h"

enum { REPLAY_TEXT_MAX = 8192, PATH_TEXT_MAX = 4096 };

/* The page's look: inline, so that the file needs nothing else. */
static const char STYLE[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#202124;background:#fff}\n"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #dadce0}\n"
    "table{border-collapse:collapse;margin:.5em 0}\n"
    "th,td{border:1px solid #dadce0;padding:2px 8px;text-align:left;vertical-align:top}\n"
    "th{background:#f1f3f4}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "code,pre{font-family:monospace}pre{white-space:pre-wrap;background:#f8f9fa;padding:6px}\n"
    ".held,.found{color:#188038;font-weight:bold}\n"
    ".failed,.not-found,.crashed,.timeout,.invalid{color:#d93025;font-weight:bold}\n"
    ".failure{border-left:4px solid #d93025;padding-left:1em;margin:1.5em 0}\n"
    ".diagram{overflow-x:auto;border:1px solid #dadce0}\n"
    ".muted{color:#5f6368}\n";

static void text(FILE *out, const char *s) {
    assert(out != NULL);
    fl_xml_text(out, s != NULL ? s : "");
}

/* The verdict's word, which is also its CSS class. */
static const char *verdict_of(const fl_outcome_t *r) {
    assert(r != NULL && r->file != NULL);
    if (r->load_error) return "invalid";
    if (r->ending == FL_ENDING_CRASHED) return "crashed";
    if (r->ending == FL_ENDING_TIMEOUT) return "timeout";
    if (r->finds) return r->passed ? "found" : "not-found";
    return r->passed ? "held" : "failed";
}

/* Wall-clock nanoseconds as seconds with 6 decimals, exactly. */
static void format_duration(uint64_t ns, char *out, size_t size) {
    assert(out != NULL && size > 0);
    uint64_t us = ns / 1000;
    snprintf(out, size, "%" PRIu64 ".%06" PRIu64 " s", us / 1000000, us % 1000000);
}

static void write_head(FILE *out) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>faultline run</title>\n<style>\n", out);
    fputs(STYLE, out);
    fputs("</style>\n</head>\n<body>\n<h1>faultline run</h1>\n", out);
    assert(strstr(STYLE, "http") == NULL); /* nothing fetched */
}

static void summary_row(FILE *out, const char *name, const char *css, uint64_t value) {
    fprintf(out, "<tr><th>%s</th><td class=\"num%s%s\">%" PRIu64 "</td></tr>\n", name,
            css != NULL && value > 0 ? " " : "", css != NULL && value > 0 ? css : "", value);
}

static void write_summary(FILE *out, const fl_outcome_t *outcomes, size_t count) {
    uint64_t held = 0, failed = 0, invalid = 0, crashed = 0, timeout = 0, seeds = 0, ns = 0;
    for (size_t i = 0; i < count; i++) {
        const char *v = verdict_of(&outcomes[i]);
        if (outcomes[i].passed) held++;
        else if (strcmp(v, "invalid") == 0) invalid++;
        else if (strcmp(v, "crashed") == 0) crashed++;
        else if (strcmp(v, "timeout") == 0) timeout++;
        else failed++;
        seeds += outcomes[i].seeds_run;
        ns += outcomes[i].duration_ns;
    }
    assert(held + failed + invalid + crashed + timeout == count);
    char duration[48];
    format_duration(ns, duration, sizeof duration);
    fputs("<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\">\n", out);
    summary_row(out, "scenarios", NULL, count);
    summary_row(out, "held or found", "held", held);
    summary_row(out, "failed", "failed", failed);
    summary_row(out, "invalid", "invalid", invalid);
    summary_row(out, "crashed", "crashed", crashed);
    summary_row(out, "timed out", "timeout", timeout);
    summary_row(out, "seeds run", NULL, seeds);
    fprintf(out, "<tr><th>time (wall clock, summed)</th><td class=\"num\">%s</td></tr>\n"
                 "</table>\n", duration);
}

static void write_result_row(FILE *out, const fl_outcome_t *r, size_t i) {
    const char *verdict = verdict_of(r);
    char duration[48];
    format_duration(r->duration_ns, duration, sizeof duration);
    fputs("<tr><td><code>", out);
    text(out, r->file);
    fputs("</code></td><td>", out);
    text(out, r->name);
    fprintf(out, "</td><td>%s</td><td class=\"%s\">", r->finds ? "finds" : "holds", verdict);
    if (!r->passed) fprintf(out, "<a href=\"#failure-%zu\">%s</a>", i + 1, verdict);
    else fputs(verdict, out);
    fprintf(out, "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">", r->seeds_run);
    if (r->has_seed) fprintf(out, "%" PRIu64, r->seed);
    fprintf(out, "</td><td class=\"num\">%s</td><td>", duration);
    text(out, r->message);
    fputs("</td></tr>\n", out);
    assert(verdict != NULL);
}

static void write_results(FILE *out, const fl_outcome_t *outcomes, size_t count) {
    fputs("<h2 id=\"results\">Scenarios</h2>\n<table class=\"results\">\n<tr><th>file</th>"
          "<th>name</th><th>mode</th><th>verdict</th><th>seeds run</th><th>seed</th>"
          "<th>duration</th><th>message</th></tr>\n", out);
    for (size_t i = 0; i < count; i++) write_result_row(out, &outcomes[i], i);
    fputs("</table>\n", out);
    assert(outcomes != NULL || count == 0);
}

/* The trace hash to show: the outcome's, else the rerun's; "" if none. */
static void trace_hash_text(const fl_outcome_t *r, const fl_html_failure_t *f, char *out,
                            size_t size) {
    assert(r != NULL && out != NULL && size >= 17);
    out[0] = '\0';
    if (r->has_trace_hash) snprintf(out, size, "%016" PRIx64, r->trace_hash);
    else if (f != NULL && f->has_trace_hash) snprintf(out, size, "%016" PRIx64, f->trace_hash);
}

/* Why a failure has no diagram. */
static const char *no_diagram_reason(const fl_outcome_t *r) {
    if (r->load_error) return "the file does not load: no seed ran";
    if (r->ending != FL_ENDING_RAN)
        return "it did not finish: its crash or hang would recur in the run process, so its "
               "seed was not run again; replay it with the command above";
    return "its seed was not run again with the trace kept";
}

static void write_failure(FILE *out, const fl_outcome_t *r, const fl_html_failure_t *f,
                          size_t i) {
    assert(r != NULL && !r->passed);
    char replay[REPLAY_TEXT_MAX], hash[32];
    fl_replay_command_t command = fl_outcome_replay_command(r);
    fl_replay_command_format(&command, replay, sizeof replay);
    trace_hash_text(r, f, hash, sizeof hash);
    fprintf(out, "<section class=\"failure\" id=\"failure-%zu\">\n<h3><span class=\"%s\">%s"
                 "</span> <code>", i + 1, verdict_of(r), verdict_of(r));
    text(out, r->file);
    fputs("</code> ", out);
    text(out, r->name);
    fputs("</h3>\n<pre class=\"message\">", out);
    text(out, r->message);
    fputs("</pre>\n<table>\n<tr><th>replay</th><td><code class=\"replay\">", out);
    text(out, replay);
    fputs("</code></td></tr>\n", out);
    if (r->has_seed) fprintf(out, "<tr><th>seed</th><td>%" PRIu64 "</td></tr>\n", r->seed);
    if (hash[0] != '\0')
        fprintf(out, "<tr><th>trace hash</th><td><code class=\"trace-hash\">%s</code></td></tr>\n",
                hash);
    fputs("</table>\n", out);
    if (f != NULL && f->diagram != NULL) {
        fputs("<div class=\"diagram\">\n", out);
        fputs(f->diagram, out); /* already markup, escaped by sequence_diagram.c */
        fputs("</div>\n", out);
    } else {
        fprintf(out, "<p class=\"muted\">No sequence diagram: %s.</p>\n", no_diagram_reason(r));
    }
    fputs("</section>\n", out);
}

static void write_failures(FILE *out, const fl_outcome_t *outcomes,
                           const fl_html_failure_t *failures, size_t count) {
    size_t failed = 0;
    for (size_t i = 0; i < count; i++) failed += !outcomes[i].passed;
    fprintf(out, "<h2 id=\"failures\">Failures (%zu)</h2>\n", failed);
    if (failed == 0) fputs("<p>None: every scenario held or found its bug.</p>\n", out);
    for (size_t i = 0; i < count; i++)
        if (!outcomes[i].passed)
            write_failure(out, &outcomes[i], failures != NULL ? &failures[i] : NULL, i);
    assert(failed <= count);
}

static void write_marks(FILE *out, const fl_outcome_t *outcomes, size_t count) {
    uint64_t hits[FL_MARK_COUNT];
    fl_marks_sum_outcomes(outcomes, count, hits);
    size_t hit = fl_marks_hit_count(hits);
    fprintf(out, "<h2 id=\"marks\">Coverage marks: %zu of %d hit</h2>\n<table class=\"marks\">\n"
                 "<tr><th>hits</th><th>mark</th><th>what reaching it means</th></tr>\n",
            hit, FL_MARK_COUNT);
    for (unsigned m = 0; m < FL_MARK_COUNT; m++) {
        if (hits[m] == 0) continue;
        fprintf(out, "<tr><td class=\"num\">%" PRIu64 "</td><td><code>%s</code></td><td>",
                hits[m], fl_mark_name((fl_mark_t)m));
        text(out, fl_mark_doc((fl_mark_t)m));
        fputs("</td></tr>\n", out);
    }
    fprintf(out, "</table>\n<h3>Never hit: %zu</h3>\n<table class=\"never-hit\">\n"
                 "<tr><th>mark</th><th>what reaching it means</th><th>known unreached</th></tr>\n",
            (size_t)FL_MARK_COUNT - hit);
    for (unsigned m = 0; m < FL_MARK_COUNT; m++) {
        if (hits[m] > 0) continue;
        fprintf(out, "<tr><td><code>%s</code></td><td>", fl_mark_name((fl_mark_t)m));
        text(out, fl_mark_doc((fl_mark_t)m));
        fputs("</td><td>", out);
        text(out, fl_mark_unreached_reason((fl_mark_t)m));
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void html_cell(FILE *out, const char *action, uint64_t seeds) {
    (void)action;
    assert(out != NULL);
    if (seeds == 0)
        fputs("<td class=\"num muted\">.</td>", out);
    else
        fprintf(out, "<td class=\"num\">%" PRIu64 "</td>", seeds);
}

static const fl_matrix_table_format_t HTML_TABLE = {"<th>%s</th>", "<tr><th>%s</th><th>%s</th>",
                                                    html_cell, "</tr>\n"};

static void write_matrix_table(FILE *out, const fl_fault_matrix_t *matrix) {
    fputs("<table class=\"matrix\">\n<tr><th>side</th><th>state \\ action</th>", out);
    fl_matrix_table_write(matrix, &HTML_TABLE, out);
    fputs("</table>\n", out);
}

static void write_matrix_cells(FILE *out, const fl_fault_matrix_t *matrix) {
    fputs("<table class=\"matrix-cells\">\n<tr><th>state</th><th>action</th><th>seeds</th>"
          "<th>error kinds the client saw</th></tr>\n", out);
    for (int s = 0; s < FL_PROTOCOL_STATE_COUNT; s++)
        for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++) {
            const fl_fault_matrix_cell_t *cell = &matrix->cells[s][a];
            if (cell->hits == 0 || !fl_matrix_action_has_column((fl_fault_action_kind_t)a))
                continue;
            fl_protocol_state_t state = (fl_protocol_state_t)s;
            char errors[1024];
            fl_matrix_cell_errors(cell, errors, sizeof errors);
            fprintf(out, "<tr><td>%s %s</td><td>%s</td><td class=\"num\">%" PRIu64 "</td><td>",
                    fl_side_name(fl_protocol_state_side(state)), fl_protocol_state_name(state),
                    fl_fault_action_name((fl_fault_action_kind_t)a), cell->seeds);
            text(out, errors[0] != '\0' ? errors : "no error");
            fputs("</td></tr>\n", out);
        }
    fputs("</table>\n", out);
}

static void write_matrix(FILE *out, const fl_outcome_t *outcomes, size_t count) {
    fl_fault_matrix_t *total = malloc(sizeof *total);
    if (total == NULL) fl__out_of_memory("html report");
    fl_matrix_sum_outcomes(outcomes, count, total);
    size_t cells = 0, reached = fl_matrix_cells_reached(total, &cells);
    fprintf(out, "<h2 id=\"matrix\">Fault x protocol state: %zu of %zu cells reached</h2>\n"
                 "<p class=\"muted\">Each cell: the seeds in which a fault's action met that "
                 "state of an end of a connection.</p>\n", reached, cells);
    write_matrix_table(out, total);
    if (reached > 0) write_matrix_cells(out, total);
    free(total);
    assert(reached <= cells);
}

void fl_html_report_write(FILE *out, const fl_outcome_t *outcomes,
                          const fl_html_failure_t *failures, size_t count) {
    assert(out != NULL && (outcomes != NULL || count == 0));
    write_head(out);
    write_summary(out, outcomes, count);
    write_results(out, outcomes, count);
    write_failures(out, outcomes, failures, count);
    write_marks(out, outcomes, count);
    write_matrix(out, outcomes, count);
    fputs("<p class=\"muted\">Written by <code>faultline run --html</code>. Times are wall "
          "clock and vary from run to run; everything else is the same for the same run.</p>\n"
          "</body>\n</html>\n", out);
}

int fl_report_html(const char *dir, const fl_outcome_t *outcomes,
                   const fl_html_failure_t *failures, size_t count, FILE *err) {
    assert(dir != NULL && dir[0] != '\0' && err != NULL);
    char path[PATH_TEXT_MAX];
    snprintf(path, sizeof path, "%s%sindex.html", dir, dir[strlen(dir) - 1] == '/' ? "" : "/");
    FILE *f = fl__report_open(path, err);
    if (f == NULL) return -1;
    fl_html_report_write(f, outcomes, failures, count);
    return fl__report_close(f, path, err);
}
