/* faultline check and faultline list: what the scenario files under the
 * given paths are, without running them. */
#include "harness/cli/commands.h"

#include <inttypes.h>

#include "harness/model/loader.h"
#include "harness/cli/options.h"
#include "harness/cli/scenario_files.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"

int fl_cli_check(int argc, char **argv, FILE *out, FILE *err) {
    fl_options_t o;
    static const char *usage = "usage: faultline check PATH...\n  validates scenario files\n";
    if (fl_options_wants_help(argc, argv)) return fputs(usage, out), 0;
    int status = fl_options_parse(argc, argv, &o, usage, FL_ACCEPTS_FILES_ONLY, err);
    if (status != 0) return status;
    fl_file_list_t files = {0};
    status = fl_files_collect(&files, o.paths, o.path_count, err);
    size_t bad = 0;
    for (size_t i = 0; i < files.count; i++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t scenario;
        char error[1024];
        if (fl_scenario_load_file(&arena, files.paths[i], &scenario, error, sizeof error) != FL_OK) {
            fprintf(err, "%s\n", error);
            bad++;
        } else {
            fprintf(out, "ok      %s\n", files.paths[i]);
        }
        fl_arena_destroy(&arena);
    }
    fprintf(out, "%zu files: %zu valid, %zu invalid\n", files.count, files.count - bad, bad);
    fl_files_free(&files);
    return bad > 0 || status != 0 ? 2 : 0;
}

int fl_cli_list(int argc, char **argv, FILE *out, FILE *err) {
    fl_options_t o;
    static const char *usage = "usage: faultline list PATH...\n  one line per scenario\n";
    if (fl_options_wants_help(argc, argv)) return fputs(usage, out), 0;
    int status = fl_options_parse(argc, argv, &o, usage, FL_ACCEPTS_FILES_ONLY, err);
    if (status != 0) return status;
    fl_file_list_t files = {0};
    status = fl_files_collect(&files, o.paths, o.path_count, err);
    for (size_t i = 0; i < files.count; i++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t s;
        char error[1024];
        if (fl_scenario_load_file(&arena, files.paths[i], &s, error, sizeof error) != FL_OK) {
            fprintf(err, "%s\n", error);
            status = 2;
        } else {
            fprintf(out, "%-48s %-6s seeds %" PRIu64 "..%" PRIu64 " %-7s %s\n", files.paths[i],
                    s.mode == FL_SCENARIO_FINDS ? "finds" : "holds", s.seed_first, s.seed_last,
                    s.policy, s.name);
        }
        fl_arena_destroy(&arena);
    }
    fl_files_free(&files);
    return status;
}
