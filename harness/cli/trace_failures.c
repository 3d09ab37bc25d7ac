#include "harness/cli/trace_failures.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/model/loader.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"

enum { TRACE_PATH_MAX = 4096 };

/* mkdir -p: each missing prefix of dir, in order. */
static int make_directories(const char *dir) {
    assert(dir != NULL && dir[0] != '\0');
    char path[TRACE_PATH_MAX];
    size_t length = strlen(dir);
    if (length >= sizeof path) return errno = ENAMETOOLONG, -1;
    memcpy(path, dir, length + 1);
    for (size_t i = 1; i <= length; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        char kept = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) return -1;
        path[i] = kept;
    }
    assert(strcmp(path, dir) == 0);
    return 0;
}

int fl_trace_failures_prepare(const char *dir, FILE *err) {
    assert(dir != NULL && err != NULL);
    struct stat info;
    if (dir[0] == '\0' || make_directories(dir) != 0 || stat(dir, &info) != 0) {
        fprintf(err, "faultline run: --trace-failures %s: cannot make the directory: %s\n", dir,
                strerror(dir[0] == '\0' ? ENOENT : errno));
        return 2;
    }
    if (!S_ISDIR(info.st_mode)) {
        fprintf(err, "faultline run: --trace-failures %s: not a directory\n", dir);
        return 2;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        fprintf(err, "faultline run: --trace-failures %s: cannot write there: %s\n", dir,
                strerror(errno));
        return 2;
    }
    return 0;
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

/* Runs outcome's failing seed again with its trace kept and writes the
 * trace to file. Returns 0, or 2 after a message. */
static int trace_one(const fl_outcome_t *r, const char *file, FILE *err) {
    assert(r != NULL && file != NULL && err != NULL);
    fl_replay_command_t command = fl_outcome_replay_command(r);
    assert(!command.whole_run && !command.check_only); /* only runs with a verdict come here */
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    int status = 0;
    FILE *trace = NULL;
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("trace failures");
    if (fl_scenario_load_file(&arena, r->file, &s, error, sizeof error) != FL_OK) {
        fprintf(err, "faultline run: --trace-failures: %s no longer loads: %s\n", r->file, error);
        status = 2;
    } else if ((trace = fopen(file, "w")) == NULL) {
        fprintf(err, "faultline run: --trace-failures: cannot write %s: %s\n", file,
                strerror(errno));
        status = 2;
    } else {
        fl_run_config_t config = {.policy = command.policy, .schedule = command.schedule,
                                  .keep_trace = true, .chrome_trace = trace};
        int ran = fl_scenario_run_seed(&s, command.seed, &config, result);
        assert(result->seed == command.seed);
        if (ran != FL_OK) {
            fprintf(err, "faultline run: --trace-failures: %s seed %" PRIu64 " cannot run: %s\n",
                    r->file, command.seed, result->message);
            status = 2;
        }
        if (fclose(trace) != 0 && status == 0) {
            fprintf(err, "faultline run: --trace-failures: cannot write %s: %s\n", file,
                    strerror(errno));
            status = 2;
        }
        if (status != 0) remove(file);
    }
    free(result);
    fl_arena_destroy(&arena);
    return status;
}

/* Whether outcome r has a trace to write: it failed, and ran to a verdict. */
static bool traced(const fl_outcome_t *r) {
    assert(r != NULL && r->file != NULL);
    return !r->passed && !r->load_error && r->ending == FL_ENDING_RAN;
}

/* Outcome i's file name; when an earlier traced file has the same one
 * (a/b_c.yaml and a_b/c.yaml), ".file-<i+1>" goes before ".json", so no
 * trace overwrites another. */
static void unique_name(const fl_outcome_t *outcomes, size_t i, char *name, size_t size) {
    assert(outcomes != NULL && traced(&outcomes[i]) && size > 64);
    fl_trace_failure_file_name(outcomes[i].file, fl_outcome_replay_command(&outcomes[i]).seed,
                               name, size);
    char earlier[512];
    for (size_t k = 0; k < i; k++) {
        if (!traced(&outcomes[k])) continue;
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
        if (!traced(r)) {
            /* Its crash or hang would recur here, in the parent. */
            fprintf(err, "faultline run: --trace-failures: no trace for %s: it did not finish "
                         "(replay it with its run line)\n", r->file);
            continue;
        }
        char name[512], file[TRACE_PATH_MAX];
        unique_name(outcomes, i, name, sizeof name);
        snprintf(file, sizeof file, "%s%s%s", dir,
                 dir[strlen(dir) - 1] == '/' ? "" : "/", name);
        if (trace_one(r, file, err) != 0) status = 2;
        else fprintf(out, "trace   %s\n", file);
    }
    assert(status == 0 || status == 2);
    return status;
}
