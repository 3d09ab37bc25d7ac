#include "harness/cli/trace_failures.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/failure_rerun.h"
#include "harness/cli/output_dir.h"
#include "harness/report/chrome_trace.h"

enum { TRACE_PATH_MAX = 4096 };

int fl_trace_failures_prepare(const char *dir, FILE *err) {
    assert(dir != NULL && err != NULL);
    return fl_output_dir_prepare("--trace-failures", dir, err);
}

static bool kept_byte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_';
}

/* How much of path's end is its .yaml or .yml suffix. */
static size_t suffix_length(const char *path, size_t length) {
    static const char *const suffixes[] = {".yaml", ".yml"};
    assert(path != NULL && strlen(path) == length);
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(suffixes[k]);
        if (length > n && strcmp(path + length - n, suffixes[k]) == 0) return n;
    }
    return 0;
}

char *fl_trace_failure_file_name(const char *path, uint64_t seed, char *out, size_t size) {
    assert(path != NULL && out != NULL && size > 0);
    while (strncmp(path, "./", 2) == 0) path += 2;
    while (path[0] == '/') path++;
    size_t length = strlen(path);
    length -= suffix_length(path, length);
    char tail[48];
    snprintf(tail, sizeof tail, ".seed-%" PRIu64 ".json", seed);
    size_t room = size > strlen(tail) ? size - strlen(tail) - 1 : 0;
    size_t n = 0;
    for (; n < length && n < room; n++) out[n] = kept_byte(path[n]) ? path[n] : '_';
    /* A name that starts with '.' would be hidden. */
    if (n > 0 && out[0] == '.') out[0] = '_';
    snprintf(out + n, size - n, "%s", tail);
    assert(strlen(out) < size);
    return out;
}

static void write_chrome_trace(void *context, fl_world_t *world) {
    assert(context != NULL && world != NULL);
    fl_chrome_trace_write(world, context);
}

/* Runs outcome's failing seed again with its trace kept and writes the
 * trace to file. Returns 0, or 2 after a message (and no file). */
static int trace_one(const fl_outcome_t *r, const char *file, FILE *err) {
    assert(r != NULL && file != NULL && err != NULL);
    FILE *trace = fopen(file, "w");
    if (trace == NULL) {
        fprintf(err, "faultline run: --trace-failures: cannot write %s: %s\n", file,
                strerror(errno));
        return 2;
    }
    int status = fl_failure_rerun(r, "--trace-failures", write_chrome_trace, trace, err);
    if (fclose(trace) != 0 && status == 0) {
        fprintf(err, "faultline run: --trace-failures: cannot write %s: %s\n", file,
                strerror(errno));
        status = 2;
    }
    if (status != 0) remove(file);
    assert(status == 0 || status == 2);
    return status;
}

/* Outcome i's file name; when an earlier traced file has the same one
 * (a/b_c.yaml and a_b/c.yaml), ".file-<i+1>" goes before ".json", so no
 * trace overwrites another. */
static void unique_name(const fl_outcome_t *outcomes, size_t i, char *name, size_t size) {
    assert(outcomes != NULL && fl_failure_rerunnable(&outcomes[i]) && size > 64);
    fl_trace_failure_file_name(outcomes[i].file, fl_outcome_replay_command(&outcomes[i]).seed,
                               name, size);
    char earlier[512];
    for (size_t k = 0; k < i; k++) {
        if (!fl_failure_rerunnable(&outcomes[k])) continue;
        fl_trace_failure_file_name(outcomes[k].file,
                                   fl_outcome_replay_command(&outcomes[k]).seed, earlier,
                                   sizeof earlier);
        if (strcmp(earlier, name) != 0) continue;
        size_t stem = strlen(name) - strlen(".json");
        snprintf(name + stem, size - stem, ".file-%zu.json", i + 1);
        break;
    }
    assert(strlen(name) < size);
}

int fl_trace_failures_write(const char *dir, const fl_outcome_t *outcomes, size_t count, FILE *out,
                            FILE *err) {
    assert(dir != NULL && (outcomes != NULL || count == 0) && out != NULL && err != NULL);
    int status = 0;
    for (size_t i = 0; i < count; i++) {
        const fl_outcome_t *r = &outcomes[i];
        if (r->passed || r->load_error) continue;
        if (!fl_failure_rerunnable(r)) {
            /* Its crash or hang would recur here, in the parent. */
            fprintf(err, "faultline run: --trace-failures: no trace for %s: it did not finish "
                         "(replay it with its run line)\n", r->file);
            continue;
        }
        char name[512], file[TRACE_PATH_MAX];
        unique_name(outcomes, i, name, sizeof name);
        fl_output_dir_file(dir, name, file, sizeof file);
        if (trace_one(r, file, err) != 0) status = 2;
        else fprintf(out, "trace   %s\n", file);
    }
    assert(status == 0 || status == 2);
    return status;
}
