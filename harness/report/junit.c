/* The JUnit XML report: see reports.h for its shape.
 *
 * The layout follows what junitparser, Jenkins, GitLab and GitHub's test
 * reporters read: times in seconds on every case and suite, errors apart
 * from failures (a file that never ran a check is not a failed check), and
 * the facts a reader needs to reproduce a case as properties, so they are
 * machine-readable rather than buried in a message. */
#include "harness/report/reports.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/report_file.h"
#include "harness/report/xml_text.h"
#include "sim/runtime/arena.h"

enum { REPLAY_TEXT_MAX = 8192, NS_PER_US = 1000, US_PER_S = 1000000 };

/* What a case adds to its suite's counts. */
typedef struct tally {
    size_t tests, failures, errors;
    uint64_t time_us; /* the sum of the cases' times as written, so the sums add up */
} tally_t;

/* The folders of the files, each once, in the order its first file comes;
 * folder_of[i] is outcome i's. */
typedef struct folders {
    char **names; /* malloc'd */
    size_t count;
    size_t *folder_of;
} folders_t;

/* A file's folder: its path up to the last '/', "." for none ("/" for a
 * file at the root). malloc'd. */
static char *folder_name(const char *file) {
    assert(file != NULL);
    const char *slash = strrchr(file, '/');
    size_t length = slash == NULL ? 0 : slash == file ? 1 : (size_t)(slash - file);
    char *name = slash == NULL ? strdup(".") : strndup(file, length);
    if (name == NULL) fl__out_of_memory("junit");
    assert(name[0] != '\0');
    return name;
}

static void folders_make(folders_t *folders, const fl_outcome_t *outcomes, size_t count) {
    assert(folders != NULL && (outcomes != NULL || count == 0));
    size_t n = count ? count : 1;
    folders->names = calloc(n, sizeof *folders->names);
    folders->folder_of = calloc(n, sizeof *folders->folder_of);
    if (folders->names == NULL || folders->folder_of == NULL) fl__out_of_memory("junit");
    folders->count = 0;
    /* Quadratic in the folders, which are few; the files are bounded by
     * FL_FILES_MAX. */
    for (size_t i = 0; i < count; i++) {
        char *name = folder_name(outcomes[i].file);
        size_t f = 0;
        while (f < folders->count && strcmp(folders->names[f], name) != 0) f++;
        if (f == folders->count)
            folders->names[folders->count++] = name;
        else
            free(name);
        folders->folder_of[i] = f;
    }
    assert(folders->count <= count);
}

static void folders_free(folders_t *folders) {
    assert(folders != NULL && (folders->names != NULL || folders->count == 0));
    for (size_t f = 0; f < folders->count; f++) free(folders->names[f]);
    free(folders->names);
    free(folders->folder_of);
}

/* The element a case that did not pass carries, and its type attribute;
 * NULL for a case that passed. */
static const char *problem_element(const fl_outcome_t *r, const char **type) {
    assert(r != NULL && type != NULL);
    assert(r->ending == FL_ENDING_RAN || !r->passed); /* a worker that did not report failed */
    *type = NULL;
    if (r->load_error) *type = "invalid";
    else if (r->ending == FL_ENDING_CRASHED) *type = "crashed";
    else if (r->ending == FL_ENDING_TIMEOUT) *type = "timeout";
    else if (!r->passed) *type = "failed";
    if (*type == NULL) return NULL;
    return strcmp(*type, "failed") == 0 ? "failure" : "error";
}

static uint64_t case_time_us(const fl_outcome_t *r) {
    assert(r != NULL);
    return r->duration_ns / NS_PER_US;
}

static void write_seconds(FILE *f, uint64_t time_us) {
    assert(f != NULL);
    fprintf(f, "%" PRIu64 ".%06" PRIu64, time_us / US_PER_S, time_us % US_PER_S);
}

static void tally_add(tally_t *t, const fl_outcome_t *r) {
    assert(t != NULL && r != NULL);
    const char *type;
    const char *element = problem_element(r, &type);
    t->tests++;
    if (element != NULL && strcmp(element, "failure") == 0) t->failures++;
    if (element != NULL && strcmp(element, "error") == 0) t->errors++;
    t->time_us += case_time_us(r);
    assert(t->failures + t->errors <= t->tests);
}

/* The counts every suite element carries, and its time. */
static void write_counts(FILE *f, const tally_t *t) {
    assert(f != NULL && t != NULL);
    fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"", t->tests,
            t->failures, t->errors);
    write_seconds(f, t->time_us);
    fputc('"', f);
}

static void write_property(FILE *f, const char *name, const char *value) {
    assert(f != NULL && name != NULL && value != NULL);
    fprintf(f, "      <property name=\"%s\" value=\"", name);
    fl_xml_text(f, value);
    fputs("\"/>\n", f);
}

static void write_properties(FILE *f, const fl_outcome_t *r, const char *replay) {
    assert(f != NULL && r != NULL && replay != NULL);
    char text[64];
    fputs("    <properties>\n", f);
    if (r->has_seed) {
        snprintf(text, sizeof text, "%" PRIu64, r->seed);
        write_property(f, "seed", text);
    }
    if (!r->load_error || r->has_seeds) {
        snprintf(text, sizeof text, "%" PRIu64 "..%" PRIu64, r->seed_first, r->seed_last);
        write_property(f, "seeds", text);
    }
    if (!r->load_error) write_property(f, "mode", r->finds ? "finds" : "holds");
    if (r->policy != NULL) write_property(f, "policy", r->policy);
    if (r->schedule != NULL) write_property(f, "schedule", r->schedule);
    if (r->has_trace_hash) {
        snprintf(text, sizeof text, "%016" PRIx64, r->trace_hash);
        write_property(f, "trace_hash", text);
    }
    write_property(f, "replay", replay);
    fputs("    </properties>\n", f);
}

static void write_case(FILE *f, const fl_outcome_t *r, const char *folder) {
    assert(f != NULL && r != NULL && r->file != NULL && folder != NULL);
    char replay[REPLAY_TEXT_MAX];
    fl_replay_command_t command = fl_outcome_replay_command(r);
    fl_replay_command_format(&command, replay, sizeof replay);
    fputs("  <testcase name=\"", f);
    fl_xml_text(f, r->name != NULL ? r->name : r->file);
    /* The folder, as the suite: readers that split a classname at its
     * dots find none in a folder's path, as they would in a file's. */
    fputs("\" classname=\"", f);
    fl_xml_text(f, folder);
    fputs("\" file=\"", f);
    fl_xml_text(f, r->file);
    fputs("\" time=\"", f);
    write_seconds(f, case_time_us(r));
    fputs("\">\n", f);
    write_properties(f, r, replay);
    const char *type, *element = problem_element(r, &type);
    if (element != NULL) {
        const char *message = r->message != NULL && r->message[0] != '\0' ? r->message : type;
        fprintf(f, "    <%s type=\"%s\" message=\"", element, type);
        fl_xml_text(f, message);
        fputs("\">", f);
        fl_xml_text(f, message);
        fputs("&#10;replay: ", f);
        fl_xml_text(f, replay);
        fprintf(f, "</%s>\n", element);
    }
    fputs("  </testcase>\n", f);
}

/* One folder's suite: its counts, then its cases in file order. */
static void write_suite(FILE *f, const fl_outcome_t *outcomes, size_t count,
                        const folders_t *folders, size_t folder) {
    assert(f != NULL && outcomes != NULL && folders != NULL && folder < folders->count);
    tally_t t = {0};
    for (size_t i = 0; i < count; i++)
        if (folders->folder_of[i] == folder) tally_add(&t, &outcomes[i]);
    assert(t.tests >= 1); /* a folder is there because a file is */
    fputs(" <testsuite name=\"", f);
    fl_xml_text(f, folders->names[folder]);
    fputc('"', f);
    write_counts(f, &t);
    fputs(">\n", f);
    for (size_t i = 0; i < count; i++)
        if (folders->folder_of[i] == folder) write_case(f, &outcomes[i], folders->names[folder]);
    fputs(" </testsuite>\n", f);
}

static void write_junit(FILE *f, const fl_outcome_t *outcomes, size_t count) {
    assert(f != NULL && (outcomes != NULL || count == 0));
    folders_t folders;
    folders_make(&folders, outcomes, count);
    assert(folders.count >= 1 || count == 0); /* every file is in a folder */
    tally_t total = {0};
    for (size_t i = 0; i < count; i++) tally_add(&total, &outcomes[i]);
    assert(total.tests == count);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"faultline\"", f);
    write_counts(f, &total);
    fputs(">\n", f);
    for (size_t folder = 0; folder < folders.count; folder++)
        write_suite(f, outcomes, count, &folders, folder);
    fputs("</testsuites>\n", f);
    folders_free(&folders);
}

int fl_report_junit(const char *path, const fl_outcome_t *outcomes, size_t count, FILE *err) {
    assert(path != NULL && (outcomes != NULL || count == 0));
    assert(err != NULL);
    return fl__report_write(path, outcomes, count, write_junit, err);
}
