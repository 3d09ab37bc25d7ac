/* The record of last run's failures (last_failed.h): a text file, one
 * path per line, in the order the run gave them. */
#include "harness/cli/last_failed.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/runtime/out_of_memory.h"

enum { PATH_BYTES_MAX = 4096 };

static void add_path(fl_last_failed_t *record, const char *path) {
    assert(record != NULL && path != NULL && path[0] != '\0');
    if (record->count == FL_LAST_FAILED_MAX || fl_last_failed_has(record, path)) return;
    char *copy = strdup(path);
    if (copy == NULL) fl__out_of_memory("last failed");
    record->paths[record->count++] = copy;
}

void fl_last_failed_read(fl_last_failed_t *record) {
    assert(record != NULL);
    record->count = 0;
    FILE *in = fopen(FL_LAST_FAILED_FILE, "r");
    if (in == NULL) return; /* no record yet: nothing failed before */
    char line[PATH_BYTES_MAX + 2];
    while (fgets(line, sizeof line, in) != NULL) {
        size_t n = strcspn(line, "\n");
        /* A line longer than a path can be is no path of ours: skip it whole. */
        if (line[n] != '\n' && !feof(in)) {
            int c;
            while ((c = fgetc(in)) != EOF && c != '\n') continue;
            continue;
        }
        line[n] = '\0';
        if (n > 0) add_path(record, line);
    }
    fclose(in);
    assert(record->count <= FL_LAST_FAILED_MAX);
}

bool fl_last_failed_has(const fl_last_failed_t *record, const char *path) {
    assert(record != NULL && path != NULL);
    for (size_t i = 0; i < record->count; i++)
        if (strcmp(record->paths[i], path) == 0) return true;
    return false;
}

static bool outcome_failed(const fl_outcome_t *outcome) {
    return outcome->ending != FL_ENDING_RAN || outcome->load_error || !outcome->passed;
}

/* Through a temporary file of this process's own, so that a run killed
 * mid-write, or two runs ending at once, leave a whole record. */
static bool write_record(const fl_last_failed_t *record) {
    if (mkdir(FL_LAST_FAILED_DIR, 0777) != 0 && errno != EEXIST) return false;
    char temporary[64];
    snprintf(temporary, sizeof temporary, "%s.%ld.new", FL_LAST_FAILED_FILE, (long)getpid());
    FILE *out = fopen(temporary, "w");
    if (out == NULL) return false;
    for (size_t i = 0; i < record->count; i++) fprintf(out, "%s\n", record->paths[i]);
    bool written = fflush(out) == 0 && !ferror(out);
    written = fclose(out) == 0 && written;
    if (written && rename(temporary, FL_LAST_FAILED_FILE) == 0) return true;
    remove(temporary);
    return false;
}

void fl_last_failed_update(const fl_outcome_t *outcomes, size_t count, FILE *err) {
    assert(outcomes != NULL || count == 0);
    assert(err != NULL);
    fl_last_failed_t *old = calloc(1, sizeof *old), *now = calloc(1, sizeof *now);
    if (old == NULL || now == NULL) fl__out_of_memory("last failed");
    fl_last_failed_read(old);
    /* What ran now decides for its files; the others keep their record. */
    for (size_t i = 0; i < count; i++)
        if (outcome_failed(&outcomes[i])) add_path(now, outcomes[i].file);
    for (size_t i = 0; i < old->count; i++) {
        bool ran = false;
        for (size_t j = 0; j < count && !ran; j++)
            ran = strcmp(outcomes[j].file, old->paths[i]) == 0;
        if (!ran) add_path(now, old->paths[i]);
    }
    if (!write_record(now))
        fprintf(err,
                "faultline: note: cannot write %s (%s): --lf and --ff will not know this "
                "run's failures\n",
                FL_LAST_FAILED_FILE, strerror(errno));
    fl_last_failed_free(old);
    fl_last_failed_free(now);
    free(old);
    free(now);
}

void fl_last_failed_free(fl_last_failed_t *record) {
    assert(record != NULL && record->count <= FL_LAST_FAILED_MAX);
    for (size_t i = 0; i < record->count; i++) free(record->paths[i]);
    record->count = 0;
}
