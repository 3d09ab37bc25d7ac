/* faultline replay: one seed, its whole timeline. */
#include "harness/cli/commands.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "harness/cli/options.h"
#include "harness/cli/scenario_files.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"

int fl_cli_replay(int argc, char **argv, FILE *out, FILE *err) {
    fl_options_t o;
    static const char *usage =
        "usage: faultline replay FILE --seed N [--policy P] [--depth D] [--schedule S]\n"
        "                        [--trace FILE]\n"
        "  runs one seed and prints its timeline (virtual time, task, event), the server's\n"
        "  log, the checks and the trace hash; the same seed prints the same bytes.\n"
        "  --trace writes the run as Chrome trace-event JSON (opens in Perfetto).\n";
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) return fputs(usage, out), 0;
    int status = fl_options_parse(argc, argv, &o, usage, FL_ACCEPTS_REPLAY, err);
    if (status != 0) return status;
    if (!o.has_seed || o.path_count != 1) {
        fprintf(err, "faultline replay: one FILE and --seed N are needed\n");
        fl_options_print_synopsis(err, "replay", usage);
        return 2;
    }
    fl_arena_t arena;
    fl_scenario_t s;
    if (fl_files_load_one(o.paths[0], &arena, &s, err) != 0) return 2;
    FILE *trace = NULL;
    if (o.trace != NULL && (trace = fopen(o.trace, "w")) == NULL) {
        fprintf(err, "faultline replay: cannot write %s: %s\n", o.trace, strerror(errno));
        fl_arena_destroy(&arena);
        return 2;
    }
    fl_run_config_t config = {.policy = o.schedule ? "replay" : o.policy,
                              .schedule = o.schedule,
                              .keep_trace = true,
                              .timeline = out,
                              .chrome_trace = trace,
                              .pct_depth = o.depth};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("replay");
    fl_scenario_run_seed(&s, o.seed, &config, result);
    assert(result->seed == o.seed && result->checks_failed <= result->checks_run);
    assert(!result->passed || result->failed_check[0] == '\0');
    bool finds = s.mode == FL_SCENARIO_FINDS;
    assert(!finds || s.finds != NULL); /* the loader requires it in finds mode */
    /* As run counts finds: only where the faults acted. */
    bool found = result->target_failed && !result->faults_silent;
    if (finds)
        fprintf(out, "%s: the check '%s' %s at seed %" PRIu64 "\n", s.name, s.finds,
                found                   ? "fails (found)"
                : result->target_failed ? "fails, but a fault never fired (not a find)"
                                        : "holds (not found)",
                o.seed);
    else
        fprintf(out, "%s: seed %" PRIu64 " %s%s%s\n", s.name, o.seed,
                result->passed ? "held" : "FAILED: ", result->passed ? "" : result->failed_check,
                result->passed ? "" : "");
    if (!finds && !result->passed) fprintf(out, "  %s\n", result->message);
    int code = finds ? (found ? 0 : 1) : (result->passed ? 0 : 1);
    if (trace != NULL) fclose(trace);
    free(result);
    fl_arena_destroy(&arena);
    return code;
}
