/* faultline explore FILE: how often a scenario's bug shows, under which
 * policies, and in how many distinct ways.
 *
 * run is the fast CI mode: it stops at the first seed that decides. explore
 * runs every seed of --runs N under each policy (random and pct unless
 * --policy names one) and counts the runs where the bug showed: for a finds
 * file the runs where its named check failed with its faults acting (as
 * run counts a find), for a holds file the runs that failed. It reports the
 * found fraction with a 95% Wilson interval, the first run that found it,
 * and the distinct failure signatures: the failed check with the last
 * protocol events before the run ended, times and ids left out, so two
 * runs that fail the same way share one. For pct it says n (tasks), k
 * (choices, measured by a fifo run of the first seed and used as pct's
 * steps) and the guarantee's bound 1/(n k^(d-1)). */
#include "harness/cli/commands.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "harness/cli/explore_dfs.h"
#include "harness/cli/exploration.h"
#include "harness/cli/options.h"
#include "harness/cli/scenario_files.h"
#include "harness/model/loader.h"
#include "harness/report/replay_command.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

static const char *EXPLORE_USAGE =
    "usage: faultline explore FILE [--policy random|trio|pct|dfs|fifo] [--runs N] [--depth D]\n"
    "                        [--bound K] [--time T] [--jobs N|auto] [--timeout SECONDS]\n"
    "  runs seeds 1..N (default 1000) under each policy (random and pct unless --policy\n"
    "  names one) and reports how often the bug showed: for a finds file the runs where\n"
    "  its named check failed with its faults acting, for a holds file the runs that\n"
    "  failed. Each policy's line gives the found fraction with a 95% interval and the\n"
    "  first run that found it; pct's line gives n tasks, k choices and PCT's bound\n"
    "  1/(n k^(d-1)) a run (--depth D, default 3). Then the distinct failure signatures:\n"
    "  the failed check and the last protocol events before the run ended.\n"
    "  --policy dfs runs every schedule of the file's first seed whose picks delay at most\n"
    "  K tasks in all (--bound K, default 2; --runs N caps the schedules, default 100000):\n"
    "  'all N schedules within bound K hold' is a proof for that seed and bound, and a\n"
    "  failure prints the choice list that replays it.\n"
    "  --time T stops each policy after its share of T seconds of wall time (and --runs N,\n"
    "  default 10000000 then, still caps it): the report says how many runs each made, and\n"
    "  says the same of the same runs; only how many there are depends on the machine.\n"
    "  --jobs N runs the seeds in N worker processes (auto: one per CPU; default 1),\n"
    "  each a consecutive range, for the same report; --timeout bounds a worker's life\n"
    "  (default 600 s). With --time the seeds go out in rounds, so the runs are still\n"
    "  seeds 1..R.\n"
    "  Exit 0 when a finds file's bug was found (or a holds file never failed), else 1.\n";

enum { SIGNATURE_EVENTS = 3, REPLAY_TEXT_MAX = 8192 };

static bool showed_bug(const fl_scenario_t *s, const fl_seed_result_t *r) {
    assert(s != NULL && r != NULL);
    if (s->mode == FL_SCENARIO_FINDS) return r->target_failed && !r->faults_silent;
    return !r->passed;
}

/* A timeline line's event, without its time, task and ids: "fault at->close". */
static bool event_of_line(const char *line, char *out, size_t size) {
    assert(line != NULL && out != NULL && size > 0);
    static const char *const KINDS[] = {"net", "fault", "asgi", "client", "error", "cancel"};
    char time[32], task[64], kind[32];
    int used = 0;
    if (sscanf(line, "%31s %63s %31s %n", time, task, kind, &used) < 3 || time[0] < '0' ||
        time[0] > '9')
        return false;
    bool wanted = false;
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) wanted |= strcmp(kind, KINDS[i]) == 0;
    if (!wanted) return false;
    /* The detail's words, numbers ("#3", "=80") left out. */
    size_t n = (size_t)snprintf(out, size, "%s", kind);
    for (const char *p = line + used; *p != '\0' && *p != '\n' && n + 2 < size;) {
        const char *end = p + strcspn(p, " \n");
        bool number = *p == '#' || *p == '=' || (*p >= '0' && *p <= '9');
        if (!number && end > p) n += (size_t)snprintf(out + n, size - n, " %.*s", (int)(end - p), p);
        p = *end == ' ' ? end + 1 : end;
    }
    return true;
}

/* Runs seed again under policy (its timeline into timeline, or none) and
 * returns its choice list (malloc'd). The seed showed the bug before, and
 * does again: a run is a function of its seed. */
static char *rerun_found(const fl_exploration_t *x, const char *policy, uint64_t seed,
                         FILE *timeline) {
    assert(x != NULL && policy != NULL);
    fl_run_config_t config = {.policy = policy, .timeline = timeline, .pct_depth = x->depth,
                              .pct_steps = (uint32_t)x->steps};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("explore");
    fl_run_record_t record;
    fl_scenario_run_recorded(x->scenario, seed, &config, result, &record);
    assert(showed_bug(x->scenario, result)); /* the same seed fails the same way */
    char *schedule = record.schedule;
    record.schedule = NULL;
    fl_run_record_free(&record);
    free(result);
    return schedule;
}

/* The run's signature: the check, then its last protocol events, read back
 * from the seed's timeline (run again with one). Its choice list goes to
 * *schedule where a replay command needs it (else NULL), unless schedule
 * is NULL. */
static void signature_of(const fl_exploration_t *x, const char *policy, uint64_t seed,
                         const char *check, char *out, size_t size, char **schedule) {
    assert(x != NULL && policy != NULL && check != NULL && out != NULL && size > 0);
    char *text = NULL;
    size_t length = 0;
    FILE *timeline = open_memstream(&text, &length);
    if (timeline == NULL) fl__out_of_memory("explore");
    char *choices = rerun_found(x, policy, seed, timeline);
    fclose(timeline);
    if (schedule != NULL && fl_replay_needs_schedule(policy))
        *schedule = choices, choices = NULL;
    else if (schedule != NULL)
        *schedule = NULL;
    free(choices);
    char events[SIGNATURE_EVENTS][160] = {{0}};
    size_t seen = 0;
    const char *end = strstr(text, "\n--- server log");
    for (char *line = text; line != NULL && (end == NULL || line < end);) {
        char event[160];
        if (event_of_line(line, event, sizeof event))
            memcpy(events[seen++ % SIGNATURE_EVENTS], event, sizeof event);
        line = strchr(line, '\n');
        if (line != NULL) line++;
    }
    size_t n = (size_t)snprintf(out, size, "%s", check);
    size_t first = seen > SIGNATURE_EVENTS ? seen - SIGNATURE_EVENTS : 0;
    for (size_t i = first; i < seen && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, "%s%s", i == first ? " after: " : "; ",
                              events[i % SIGNATURE_EVENTS]);
    free(text);
}

char *fl__explore_schedule_of(const fl_exploration_t *x, const char *policy, uint64_t seed) {
    assert(x != NULL && policy != NULL && fl_replay_needs_schedule(policy));
    return rerun_found(x, policy, seed, NULL);
}

void fl__explore_count_signature(fl_exploration_t *x, size_t policy, uint64_t seed,
                                 const char *text, uint64_t count, char *schedule) {
    assert(x != NULL && text != NULL && count >= 1);
    assert(policy < x->policy_count && x->signature_count <= FL_EXPLORE_SIGNATURES_KEPT);
    for (size_t i = 0; i < x->signature_count; i++)
        if (strcmp(x->signatures[i].text, text) == 0) {
            x->signatures[i].count[policy] += count;
            free(schedule);
            return;
        }
    if (x->signature_count == FL_EXPLORE_SIGNATURES_KEPT) {
        x->signatures_dropped += count;
        free(schedule);
        return;
    }
    fl_explore_signature_t *s = &x->signatures[x->signature_count++];
    snprintf(s->text, sizeof s->text, "%s", text);
    s->count[policy] = count;
    s->first_seed = seed;
    s->first_policy = x->tallies[policy].policy;
    s->schedule = schedule;
}

int fl__explore_range(fl_exploration_t *x, size_t index, uint64_t first, uint64_t last,
                      uint64_t deadline_ns, FILE *err) {
    assert(x != NULL && index < x->policy_count && first >= 1 && first <= last && err != NULL);
    fl_explore_tally_t *t = &x->tallies[index];
    const fl_scenario_t *s = x->scenario;
    fl_run_config_t config = {.policy = t->policy, .pct_depth = x->depth,
                              .pct_steps = (uint32_t)x->steps};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("explore");
    uint64_t runs_before = t->runs;
    for (uint64_t seed = first; seed <= last; seed++) {
        /* The clock decides where the seeds stop, never what a run does. */
        if (deadline_ns != 0 && seed > first && uv_hrtime() >= deadline_ns) break;
        if (fl_scenario_run_seed(s, seed, &config, result) != FL_OK) {
            fprintf(err, "faultline explore: seed %" PRIu64 ": cannot run: %s\n", seed,
                    result->message);
            free(result);
            return 2;
        }
        t->runs++;
        if (result->tasks > t->max_tasks) t->max_tasks = result->tasks;
        if (result->choices > t->max_choices) t->max_choices = result->choices;
        if (!showed_bug(s, result)) continue;
        t->found++;
        if (t->first_found == 0) t->first_found = seed;
        char text[FL_EXPLORE_SIGNATURE_TEXT_MAX];
        const char *check = s->mode == FL_SCENARIO_FINDS ? s->finds : result->failed_check;
        char *schedule = NULL;
        signature_of(x, t->policy, seed, check, text, sizeof text,
                     x->keep_schedules ? &schedule : NULL);
        fl__explore_count_signature(x, index, seed, text, 1, schedule);
    }
    assert(t->found <= t->runs && t->runs - runs_before <= last - first + 1);
    assert(t->runs - runs_before == last - first + 1 || deadline_ns != 0);
    free(result);
    return 0;
}

/* The 95% Wilson score interval of found in runs. */
static void wilson(uint64_t found, uint64_t runs, double *low, double *high) {
    assert(runs > 0 && found <= runs);
    const double z = 1.959964;
    double n = (double)runs, p = (double)found / n;
    double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    double half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
    *low = centre - half < 0 ? 0 : centre - half;
    *high = centre + half > 1 ? 1 : centre + half;
}

static void print_tally(const fl_exploration_t *x, const fl_explore_tally_t *t, FILE *out) {
    assert(x != NULL && t != NULL && t->runs >= 1 && t->found <= t->runs);
    double low, high;
    wilson(t->found, t->runs, &low, &high);
    char name[32], first[32] = "-";
    if (strcmp(t->policy, "pct") == 0)
        snprintf(name, sizeof name, "pct d=%u", x->depth);
    else
        snprintf(name, sizeof name, "%s", t->policy);
    if (t->first_found > 0) snprintf(first, sizeof first, "%" PRIu64, t->first_found);
    fprintf(out, "  %-10s %7" PRIu64 "/%-7" PRIu64 " %6.1f%%   %5.1f%%..%5.1f%%   %s\n", name,
            t->found, t->runs, 100.0 * (double)t->found / (double)t->runs, 100 * low, 100 * high,
            first);
    if (strcmp(t->policy, "pct") != 0) return;
    double bound = 1.0 / ((double)t->max_tasks * pow((double)x->steps, (double)x->depth - 1));
    fprintf(out, "             n = %zu tasks, k = %zu choices: a bug of depth %u shows with "
                 "probability >= 1/(n k^%u) = %.3g a run\n",
            t->max_tasks, x->steps, x->depth, x->depth - 1, bound);
}

/* The signatures' lines: the first FL_EXPLORE_SIGNATURES_SHOWN, then how
 * many runs the others had. */
static void print_signatures(const fl_exploration_t *x, const char *path, FILE *out) {
    assert(x != NULL && path != NULL && x->signature_count <= FL_EXPLORE_SIGNATURES_KEPT);
    if (x->signature_count == 0) return;
    fprintf(out, "signatures (the check, then the last protocol events before the run ended):\n");
    uint64_t unlisted = x->signatures_dropped;
    for (size_t i = 0; i < x->signature_count; i++) {
        const fl_explore_signature_t *sig = &x->signatures[i];
        if (i >= FL_EXPLORE_SIGNATURES_SHOWN) {
            for (size_t p = 0; p < x->policy_count; p++) unlisted += sig->count[p];
            continue;
        }
        fprintf(out, "  %s\n   ", sig->text);
        for (size_t p = 0; p < x->policy_count; p++)
            fprintf(out, " %s %" PRIu64, x->tallies[p].policy, sig->count[p]);
        fl_replay_command_t command = {.file = path, .seed = sig->first_seed,
                                       .policy = sig->first_policy, .schedule = sig->schedule};
        char replay[REPLAY_TEXT_MAX];
        fprintf(out, "; first seed %" PRIu64 ": %s\n", sig->first_seed,
                fl_replay_command_format(&command, replay, sizeof replay));
    }
    if (unlisted > 0) fprintf(out, "  (%" PRIu64 " runs of further signatures not listed)\n", unlisted);
}

static void print_report(const fl_exploration_t *x, uint64_t runs, uint64_t time_ns,
                         const char *path, FILE *out) {
    const fl_scenario_t *s = x->scenario;
    assert(s != NULL && x->policy_count >= 1);
    const char *mode = s->mode == FL_SCENARIO_FINDS ? "finds" : "holds";
    if (time_ns == 0) {
        fprintf(out, "explore %s: %s, %" PRIu64 " runs a policy (seeds 1..%" PRIu64 ")\n", path,
                mode, runs, runs);
    } else {
        fprintf(out, "explore %s: %s, --time %" PRIu64 " s shared by the policies:", path, mode,
                time_ns / UINT64_C(1000000000));
        for (size_t i = 0; i < x->policy_count; i++)
            fprintf(out, "%s %s %" PRIu64 " runs (seeds 1..%" PRIu64 ")", i > 0 ? "," : "",
                    x->tallies[i].policy, x->tallies[i].runs, x->tallies[i].runs);
        fputc('\n', out);
    }
    fprintf(out, "  %-10s %-15s %7s   %-14s   %s\n", "policy",
            s->mode == FL_SCENARIO_FINDS ? "found" : "failed", "share", "95% interval",
            "first at run");
    for (size_t i = 0; i < x->policy_count; i++) print_tally(x, &x->tallies[i], out);
    print_signatures(x, path, out);
}

size_t fl__explore_measure_steps(const fl_scenario_t *s) {
    assert(s != NULL);
    fl_run_config_t config = {.policy = "fifo"};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("explore");
    fl_scenario_run_seed(s, 1, &config, result);
    size_t steps = result->choices > 0 ? result->choices : 1;
    free(result);
    return steps;
}

/* Runs every policy's seeds, here or in workers. Returns 0 or 2. */
static int explore_policies(fl_exploration_t *x, const fl_options_t *o, uint64_t runs,
                            FILE *err) {
    assert(x != NULL && o != NULL && runs >= 1);
    uint64_t time_ns = o->time_seconds * UINT64_C(1000000000);
    const char *exe = getenv("FAULTLINE_WORKER_EXE");
    int status = 0;
    for (size_t i = 0; i < x->policy_count && status == 0; i++) {
        uint64_t share_ns = time_ns / x->policy_count;
        if (o->jobs > 1) {
            status = fl__explore_in_workers(x, i, runs, share_ns, o->jobs,
                                            o->timeout_seconds * 1000, exe, o->paths[0], err);
        } else {
            uint64_t deadline_ns = share_ns > 0 ? uv_hrtime() + share_ns : 0;
            status = fl__explore_range(x, i, 1, runs, deadline_ns, err);
        }
    }
    /* Workers count signatures without schedules: the shown ones that a
     * replay command needs are made here, one run each. */
    for (size_t i = 0; i < x->signature_count && i < FL_EXPLORE_SIGNATURES_SHOWN && status == 0; i++) {
        fl_explore_signature_t *sig = &x->signatures[i];
        if (sig->schedule == NULL && fl_replay_needs_schedule(sig->first_policy))
            sig->schedule = fl__explore_schedule_of(x, sig->first_policy, sig->first_seed);
    }
    return status;
}

static int explore_file(const fl_options_t *o, const fl_scenario_t *s, FILE *out, FILE *err) {
    fl_exploration_t *x = calloc(1, sizeof *x);
    if (x == NULL) fl__out_of_memory("explore");
    x->scenario = s;
    x->depth = o->depth > 0 ? o->depth : FL_PCT_DEPTH_DEFAULT;
    assert(x->depth >= 1 && x->depth <= FL_PCT_DEPTH_MAX); /* --depth's range */
    x->steps = fl__explore_measure_steps(s);
    x->keep_schedules = o->jobs <= 1;
    if (o->policy != NULL) {
        x->tallies[x->policy_count++].policy = o->policy;
    } else {
        x->tallies[x->policy_count++].policy = "random";
        x->tallies[x->policy_count++].policy = "pct";
    }
    uint64_t runs = o->runs > 0 ? o->runs : o->time_seconds > 0 ? 10000000 : 1000;
    int status = explore_policies(x, o, runs, err);
    if (status == 0)
        print_report(x, runs, o->time_seconds * UINT64_C(1000000000), o->paths[0], out);
    bool any = false;
    for (size_t i = 0; i < x->policy_count; i++) any |= x->tallies[i].found > 0;
    for (size_t i = 0; i < x->signature_count; i++) free(x->signatures[i].schedule);
    free(x);
    if (status != 0) return status;
    return (s->mode == FL_SCENARIO_FINDS) == any ? FL_EXIT_HELD : FL_EXIT_FAILED;
}

/* The options explore refuses together, or without what they need.
 * Returns 0, or 2 after a message. */
static int check_explore_options(const fl_options_t *o, FILE *err) {
    assert(o != NULL && err != NULL);
    bool dfs = o->policy != NULL && strcmp(o->policy, "dfs") == 0;
    const char *exe = getenv("FAULTLINE_WORKER_EXE");
    const char *problem = NULL;
    if (o->path_count != 1)
        problem = "exactly one FILE is needed";
    else if (o->policy != NULL && strcmp(o->policy, "replay") == 0)
        problem = "replay plays one schedule back; explore needs a policy that explores (random, "
                  "trio, pct or fifo)";
    else if (dfs && o->time_seconds > 0)
        problem = "dfs enumerates schedules to a bound; its cap is --runs N, not --time";
    else if (dfs && o->jobs > 1)
        problem = "dfs enumerates one seed's schedules in one process; --jobs is for random, "
                  "trio, pct and fifo";
    else if (o->jobs > 1 && (exe == NULL || *exe == '\0'))
        /* Re-executing whatever binary called us (a test binary) would not
         * explore: only the faultline binary sets this by itself. */
        problem = "--jobs needs the faultline binary to run workers: set FAULTLINE_WORKER_EXE";
    if (problem == NULL) return 0;
    fprintf(err, "faultline explore: %s\n", problem);
    if (o->path_count != 1) fl_options_print_synopsis(err, "explore", EXPLORE_USAGE);
    return FL_EXIT_ERROR;
}

/* explore-one FILE --policy P [--depth D] --seeds A..B: a worker's side
 * of explore --jobs. */
static int explore_one_file(const fl_options_t *o, const fl_scenario_t *s, FILE *out, FILE *err) {
    assert(o != NULL && s != NULL);
    if (o->policy == NULL || !o->has_seeds) {
        fprintf(err, "faultline explore-one: --policy and --seeds are needed\n");
        return FL_EXIT_ERROR;
    }
    uint32_t depth = o->depth > 0 ? o->depth : FL_PCT_DEPTH_DEFAULT;
    return fl__explore_one(s, o->policy, depth, o->seed_first, o->seed_last, out, err);
}

int fl_cli_explore(int argc, char **argv, FILE *out, FILE *err) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) return fputs(EXPLORE_USAGE, out), 0;
    bool worker = strcmp(argv[0], "explore-one") == 0;
    fl_options_t o;
    int status = fl_options_parse(argc, argv, &o, EXPLORE_USAGE,
                                  worker ? FL_ACCEPTS_EXPLORE_ONE : FL_ACCEPTS_EXPLORE, err);
    if (status != 0) return status;
    if (check_explore_options(&o, err) != 0) return FL_EXIT_ERROR;
    fl_arena_t arena;
    fl_scenario_t s;
    if (fl_files_load_one(o.paths[0], &arena, &s, err) != 0) return FL_EXIT_ERROR;
    if (worker)
        status = explore_one_file(&o, &s, out, err);
    else if (o.policy != NULL && strcmp(o.policy, "dfs") == 0)
        status = fl__explore_dfs(&s, o.paths[0], o.has_bound ? o.bound : FL_DFS_BOUND_DEFAULT,
                                 o.runs > 0 ? o.runs : FL_DFS_SCHEDULES_DEFAULT, out, err);
    else
        status = explore_file(&o, &s, out, err);
    fl_arena_destroy(&arena);
    return status;
}
