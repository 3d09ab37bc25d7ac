/* faultline shrink FILE --seed N [--policy P | --schedule S] [--out FILE]:
 * a failing run cut down to what makes it fail (harness/run/shrink.h), as
 * a scenario file and a choice list that `replay` and `run` take. */
#include "harness/cli/commands.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/options.h"
#include "harness/cli/scenario_files.h"
#include "harness/cli/shrink_file.h"
#include "harness/model/loader.h"
#include "harness/run/shrink.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

static const char *SHRINK_USAGE =
    "usage: faultline shrink FILE --seed N [--policy P | --schedule S] [--out FILE]\n"
    "  cuts the failing run of seed N (under the file's policy, P, or the schedule S) down\n"
    "  to what makes the same check fail: it drops the faults the failure does not need,\n"
    "  turns segmentation, jitter and latency off where it can (trying the file's other\n"
    "  seeds where N no longer fails), cuts client tasks and steps, moves fault triggers\n"
    "  earlier, and sets to 0, deletes or lowers every choice of the run's choice list\n"
    "  (scheduler picks and the network's draws) it can. It writes\n"
    "  the shrunk scenario (default FILE's name with .shrunk.yaml) and prints its choice\n"
    "  list, the replay command, the events before and after, and what is essential: the\n"
    "  faults kept and the choices that are not 0.\n";

static void print_essential(const fl_scenario_t *s, const fl_shrink_result_t *r, FILE *out) {
    assert(s != NULL && r != NULL && out != NULL);
    fprintf(out, "essential: %zu fault%s, %zu choice%s not 0\n", r->faults_kept,
            r->faults_kept == 1 ? "" : "s", r->nonzero_after, r->nonzero_after == 1 ? "" : "s");
    for (size_t i = 0; i < s->fault_count; i++)
        if (r->fault_kept[i] && s->faults[i].spec.label != NULL)
            fprintf(out, "  fault %s\n", s->faults[i].spec.label);
        else if (r->fault_kept[i]) /* as the trace names a fault without a label */
            fprintf(out, "  fault #%zu (line %u)\n", i + 1, (unsigned)s->faults[i].at.line);
    for (size_t i = 0; i < r->choice_count; i++)
        if (r->choices[i] != 0) fprintf(out, "  choice %zu = %u\n", i + 1, r->choices[i]);
}

static char *default_out(const char *path) {
    size_t n = strlen(path);
    const char *suffix = n > 5 && strcmp(path + n - 5, ".yaml") == 0 ? ".yaml" : "";
    char *out = malloc(n + 16);
    if (out == NULL) fl__out_of_memory("shrink");
    snprintf(out, n + 16, "%.*s.shrunk.yaml", (int)(n - strlen(suffix)), path);
    return out;
}

static int report(const char *path, const char *out_path, uint64_t seed, const fl_scenario_t *s,
                  const fl_shrink_result_t *r, FILE *out, FILE *err) {
    if (fl_shrink_file_write(path, out_path, seed, r, err) != 0) return FL_EXIT_ERROR;
    fl_arena_t arena;
    fl_arena_init(&arena);
    const char *schedule = fl_schedule_format(&arena, r->choices, r->choice_count);
    fprintf(out, "shrunk %s seed %" PRIu64 " (check %s): %zu events -> %zu events, "
                 "%zu of %zu faults, %zu -> %zu choices not 0, in %" PRIu64 " runs\n",
            path, seed, r->check, r->events_before, r->events_after, r->faults_kept,
            r->faults_before, r->nonzero_before, r->nonzero_after, r->runs);
    if (r->tasks_cut + r->steps_cut + r->triggers_moved > 0)
        fprintf(out, "cut %zu client task%s and %zu step%s, moved %zu trigger%s earlier\n",
                r->tasks_cut, r->tasks_cut == 1 ? "" : "s", r->steps_cut,
                r->steps_cut == 1 ? "" : "s", r->triggers_moved, r->triggers_moved == 1 ? "" : "s");
    if (r->seed != seed)
        fprintf(out, "the simpler scenario fails at seed %" PRIu64 " (seed %" PRIu64
                     " no longer does): the shrunk file runs it\n", r->seed, seed);
    print_essential(s, r, out);
    fprintf(out, "wrote %s\n  replay: faultline replay %s --seed %" PRIu64 " --schedule %s\n"
                 "  trace hash %016" PRIx64 "\n",
            out_path, out_path, r->seed, schedule, r->trace_hash);
    fl_arena_destroy(&arena);
    return FL_EXIT_HELD;
}

int fl_cli_shrink(int argc, char **argv, FILE *out, FILE *err) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) return fputs(SHRINK_USAGE, out), 0;
    fl_options_t o;
    int status = fl_options_parse(argc, argv, &o, SHRINK_USAGE, FL_ACCEPTS_SHRINK, err);
    if (status != 0) return status;
    if (o.path_count != 1 || !o.has_seed) {
        fprintf(err, "faultline shrink: one FILE and --seed N are needed\n");
        fl_options_print_synopsis(err, "shrink", SHRINK_USAGE);
        return FL_EXIT_ERROR;
    }
    fl_arena_t arena;
    fl_scenario_t s;
    if (fl_files_load_one(o.paths[0], &arena, &s, err) != 0) return FL_EXIT_ERROR;
    char error[1024];
    fl_run_config_t config = {.policy = o.schedule ? "replay" : o.policy, .schedule = o.schedule,
                              .pct_depth = o.depth};
    fl_shrink_result_t result;
    char *out_path = o.out != NULL ? strdup(o.out) : default_out(o.paths[0]);
    if (out_path == NULL) fl__out_of_memory("shrink");
    if (fl_shrink(&s, o.seed, &config, &result, error, sizeof error) != FL_OK) {
        fprintf(err, "faultline shrink: %s: %s\n", o.paths[0], error);
        status = FL_EXIT_FAILED;
    } else {
        status = report(o.paths[0], out_path, o.seed, &s, &result, out, err);
    }
    fl_shrink_result_free(&result);
    free(out_path);
    fl_arena_destroy(&arena);
    return status;
}
