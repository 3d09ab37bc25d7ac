#include "harness/report/reports.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "harness/json/json.h"
#include "harness/report/outcome_json.h"

enum { REPLAY_TEXT_MAX = 8192 };

/* XML text and attribute escaping for JUnit reports. */
static void xml_text(FILE *f, const char *text) {
    assert(f != NULL && text != NULL);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs("&#10;", f); break;
        default:
            if (*p < 0x20 && *p != '\t')
                fputc('?', f); /* not allowed in XML 1.0 */
            else
                fputc(*p, f);
        }
    }
}

static void junit_case(FILE *f, const fl_outcome_t *r) {
    assert(f != NULL && r != NULL && r->file != NULL);
    fprintf(f, "  <testcase classname=\"");
    xml_text(f, r->file);
    fprintf(f, "\" name=\"");
    xml_text(f, r->name ? r->name : r->file);
    fprintf(f, "\">");
    if (!r->passed) {
        fprintf(f, "<failure message=\"");
        xml_text(f, r->message ? r->message : "failed");
        fprintf(f, "\">replay: ");
        char text[REPLAY_TEXT_MAX];
        fl_replay_command_t command = fl_outcome_replay_command(r);
        xml_text(f, fl_replay_command_format(&command, text, sizeof text));
        fprintf(f, "</failure>");
    }
    fprintf(f, "</testcase>\n");
}

/* The report's file, or NULL after saying why it cannot be written. */
static FILE *open_report(const char *path, FILE *err) {
    FILE *f = fopen(path, "w");
    if (f == NULL) fprintf(err, "faultline run: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

void fl_report_junit(const char *path, const fl_outcome_t *outcomes, size_t count, FILE *err) {
    assert(path != NULL && (outcomes != NULL || count == 0));
    assert(err != NULL);
    FILE *f = open_report(path, err);
    if (f == NULL) return;
    size_t failures = 0;
    for (size_t i = 0; i < count; i++) failures += !outcomes[i].passed;
    assert(failures <= count);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuite name=\"faultline\" tests=\"%zu\" failures=\"%zu\">\n", count, failures);
    for (size_t i = 0; i < count; i++) junit_case(f, &outcomes[i]);
    fprintf(f, "</testsuite>\n");
    fclose(f);
}

static void jsonl_line(FILE *f, const fl_outcome_t *r) {
    assert(f != NULL && r != NULL && r->file != NULL);
    fl_json_writer_t w;
    fl_json_init(&w, f);
    fl_outcome_json_write(&w, r);
    assert(fl_json_complete(&w));
    fputc('\n', f);
}

void fl_report_jsonl(const char *path, const fl_outcome_t *outcomes, size_t count, FILE *err) {
    assert(path != NULL && (outcomes != NULL || count == 0));
    assert(err != NULL);

    FILE *f = open_report(path, err);
    if (f == NULL) return;
    for (size_t i = 0; i < count; i++) jsonl_line(f, &outcomes[i]);
    fclose(f);
}
