/* faultline check and faultline list: what the scenario files under the
 * given paths are, without running them. */
#include "harness/cli/commands.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "harness/model/loader.h"
#include "harness/cli/options.h"
#include "harness/cli/scenario_files.h"
#include "harness/cli/selection.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"

/* What to do with each file that loads (never called for one that does not). */
typedef void on_scenario_fn(const char *path, const fl_scenario_t *s, FILE *out);

/* Parses the command's options, loads every scenario file under its paths
 * and hands each to on_scenario; a file that does not load has its error
 * printed. Returns -1 on a usage error (the message printed), else what
 * collecting the files gave (0, or 2), with the number of files and of
 * those that did not load. */
static int for_each_file(int argc, char **argv, const char *usage, on_scenario_fn *on_scenario,
                         FILE *out, FILE *err, size_t *count_out, size_t *bad_out) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    assert(usage != NULL && on_scenario != NULL && count_out != NULL && bad_out != NULL);
    *count_out = *bad_out = 0;
    fl_options_t o;
    if (fl_options_parse(argc, argv, &o, usage, FL_ACCEPTS_FILES_ONLY, err) != 0) return -1;
    assert(o.path_count >= 1 && o.path_count <= FL_OPTIONS_PATHS_MAX);
    if (fl_selection_check(&o, argv[0], err) != 0) return -1;
    fl_file_list_t *files = calloc(1, sizeof *files);
    if (files == NULL) fl__out_of_memory("check");
    int status = fl_files_collect(files, o.paths, o.path_count, err);
    assert((status == 0 || status == 2) && files->count <= FL_FILES_MAX);
    fl_selection_report_t selection;
    if (fl_selection_wanted(&o)) fl_files_select(files, &o, &selection);
    for (size_t i = 0; i < files->count; i++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t s;
        /* Every error of a file at once, as a compiler reports them: up
         * to FL_YAML_ERRORS_MAX lines of at most a few hundred bytes. */
        char error[8192];
        size_t errors;
        if (fl_scenario_check_file(&arena, files->paths[i], &s, error, sizeof error, &errors) !=
            FL_OK) {
            fprintf(err, "%s\n", error);
            if (errors > 1) fprintf(err, "%s: %zu errors\n", files->paths[i], errors);
            (*bad_out)++;
        } else {
            on_scenario(files->paths[i], &s, out);
        }
        fl_arena_destroy(&arena);
    }
    assert(*bad_out <= files->count);
    *count_out = files->count;
    fl_files_free(files);
    free(files);
    return status;
}

static void print_ok(const char *path, const fl_scenario_t *s, FILE *out) {
    (void)s;
    assert(path != NULL && out != NULL);
    assert(s != NULL); /* for_each_file hands over loaded scenarios only */
    fprintf(out, "ok      %s\n", path);
}

static void print_line(const char *path, const fl_scenario_t *s, FILE *out) {
    assert(path != NULL && s != NULL && out != NULL);
    /* What the loader guarantees of a scenario it loaded. */
    assert(s->mode == FL_SCENARIO_HOLDS || s->mode == FL_SCENARIO_FINDS);
    assert(s->name != NULL && s->policy != NULL && s->seed_first <= s->seed_last);
    fprintf(out, "%-48s %-6s seeds %" PRIu64 "..%" PRIu64 " %-7s %s\n", path,
            s->mode == FL_SCENARIO_FINDS ? "finds" : "holds", s->seed_first, s->seed_last,
            s->policy, s->name);
}

/* check and list differ in what they say of each file and at the end. */
typedef struct file_command {
    const char *usage;
    on_scenario_fn *on_scenario;
    bool summary; /* "N files: V valid, I invalid" at the end */
} file_command_t;

static int run_file_command(const file_command_t *command, int argc, char **argv, FILE *out,
                            FILE *err) {
    assert(command != NULL && command->usage != NULL && command->on_scenario != NULL);
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) return fputs(command->usage, out), 0;
    size_t count, bad;
    int status =
        for_each_file(argc, argv, command->usage, command->on_scenario, out, err, &count, &bad);
    assert(bad <= count && (status != -1 || count == 0));
    if (status < 0) return 2; /* a usage error, already printed */
    if (command->summary)
        fprintf(out, "%zu files: %zu valid, %zu invalid\n", count, count - bad, bad);
    return bad > 0 || status != 0 ? 2 : 0;
}

/* The selection options both take, after each one's synopsis. */
#define SELECTION_SYNOPSIS " PATH... [-k EXPR] [--tag T]... [--lf | --ff]\n"

static const file_command_t CHECK = {"usage: faultline check" SELECTION_SYNOPSIS
                                     "  validates scenario files (selected as run selects them), reporting each\n"
                                     "  file's every error, one a line\n",
                                     print_ok, true};
static const file_command_t LIST = {"usage: faultline list" SELECTION_SYNOPSIS
                                    "  one line per scenario (selected as run selects them)\n",
                                    print_line, false};

int fl_cli_check(int argc, char **argv, FILE *out, FILE *err) {
    return run_file_command(&CHECK, argc, argv, out, err);
}

int fl_cli_list(int argc, char **argv, FILE *out, FILE *err) {
    return run_file_command(&LIST, argc, argv, out, err);
}
