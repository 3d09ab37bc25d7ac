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
    "                        [--bound K] [--time T]\n"
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
    "  Exit 0 when a finds file's bug was found (or a holds file never failed), else 1.\n";

enum { SIGNATURES_MAX = 32, SIGNATURE_EVENTS = 3, SIGNATURE_TEXT_MAX = 512, POLICIES_MAX = 2,
       REPLAY_TEXT_MAX = 8192 };

typedef struct signature {
    char text[SIGNATURE_TEXT_MAX];
    uint64_t count[POLICIES_MAX];
    uint64_t first_seed;
    const char *first_policy; /* the policy first_seed ran under */
    char *schedule;           /* malloc'd: first_seed's choice list where its replay command
                                 needs it (pct: its seed replays only with explore's k), or NULL */
} signature_t;

typedef struct policy_tally {
    const char *policy;
    uint64_t runs, found, first_found; /* first_found: the run (from 1), 0: none */
    size_t max_tasks, max_choices;
} policy_tally_t;

typedef struct exploration {
    const fl_scenario_t *scenario;
    uint32_t depth;
    size_t steps; /* pct's k */
    policy_tally_t tallies[POLICIES_MAX];
    size_t policy_count;
    signature_t signatures[SIGNATURES_MAX];
    size_t signature_count;
    uint64_t signatures_dropped; /* runs whose signature did not fit */
    uint64_t time_ns;            /* --time: the wall-clock budget, shared by the policies
                                    (0: none); it only decides how many seeds run */
} exploration_t;

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

/* The run's signature: the check, then its last protocol events, read back
 * from the seed's timeline (run again with one). */
static void signature_of(exploration_t *x, const char *policy, uint64_t seed,
                         const char *check, char *out, size_t size, char **schedule) {
    assert(x != NULL && policy != NULL && check != NULL && out != NULL && size > 0);
    char *text = NULL;
    size_t length = 0;
    FILE *timeline = open_memstream(&text, &length);
    if (timeline == NULL) fl__out_of_memory("explore");
    fl_run_config_t config = {.policy = policy, .timeline = timeline, .pct_depth = x->depth,
                              .pct_steps = (uint32_t)x->steps};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("explore");
    fl_run_record_t record;
    fl_scenario_run_recorded(x->scenario, seed, &config, result, &record);
    assert(showed_bug(x->scenario, result)); /* the same seed fails the same way */
    fclose(timeline);
    *schedule = NULL;
    if (fl_replay_needs_schedule(policy)) *schedule = record.schedule, record.schedule = NULL;
    fl_run_record_free(&record);
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
    free(result);
    free(text);
}

/* Counts the run's signature; a new one keeps schedule (taken: freed
 * when not kept). */
static void count_signature(exploration_t *x, size_t policy, uint64_t seed, const char *text,
                            char *schedule) {
    assert(policy < x->policy_count && x->signature_count <= SIGNATURES_MAX);
    for (size_t i = 0; i < x->signature_count; i++)
        if (strcmp(x->signatures[i].text, text) == 0) {
            x->signatures[i].count[policy]++;
            free(schedule);
            return;
        }
    if (x->signature_count == SIGNATURES_MAX) {
        x->signatures_dropped++;
        free(schedule);
        return;
    }
    signature_t *s = &x->signatures[x->signature_count++];
    snprintf(s->text, sizeof s->text, "%s", text);
    s->count[policy] = 1;
    s->first_seed = seed;
    s->first_policy = x->tallies[policy].policy;
    s->schedule = schedule;
}

/* Runs seeds 1..runs under the tally's policy. Returns 0, or 2 when a
 * world cannot be built. */
static int explore_policy(exploration_t *x, size_t index, uint64_t runs, FILE *err) {
    assert(x != NULL && index < x->policy_count && runs >= 1);
    policy_tally_t *t = &x->tallies[index];
    const fl_scenario_t *s = x->scenario;
    fl_run_config_t config = {.policy = t->policy, .pct_depth = x->depth,
                              .pct_steps = (uint32_t)x->steps};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("explore");
    /* The clock decides where the seeds stop, never what a run does. */
    uint64_t deadline_ns = x->time_ns > 0 ? uv_hrtime() + x->time_ns / x->policy_count : 0;
    for (uint64_t seed = 1; seed <= runs; seed++) {
        if (deadline_ns != 0 && seed > 1 && uv_hrtime() >= deadline_ns) break;
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
        char text[SIGNATURE_TEXT_MAX];
        const char *check = s->mode == FL_SCENARIO_FINDS ? s->finds : result->failed_check;
        char *schedule;
        signature_of(x, t->policy, seed, check, text, sizeof text, &schedule);
        count_signature(x, index, seed, text, schedule);
    }
    assert(t->found <= t->runs && t->runs <= runs && (t->runs == runs || x->time_ns > 0));
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

static void print_tally(const exploration_t *x, const policy_tally_t *t, FILE *out) {
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

static void print_report(const exploration_t *x, uint64_t runs, const char *path, FILE *out) {
    const fl_scenario_t *s = x->scenario;
    assert(s != NULL && x->policy_count >= 1 && x->signature_count <= SIGNATURES_MAX);
    const char *mode = s->mode == FL_SCENARIO_FINDS ? "finds" : "holds";
    if (x->time_ns == 0) {
        fprintf(out, "explore %s: %s, %" PRIu64 " runs a policy (seeds 1..%" PRIu64 ")\n", path,
                mode, runs, runs);
    } else {
        fprintf(out, "explore %s: %s, --time %" PRIu64 " s shared by the policies:", path, mode,
                x->time_ns / UINT64_C(1000000000));
        for (size_t i = 0; i < x->policy_count; i++)
            fprintf(out, "%s %s %" PRIu64 " runs (seeds 1..%" PRIu64 ")", i > 0 ? "," : "",
                    x->tallies[i].policy, x->tallies[i].runs, x->tallies[i].runs);
        fputc('\n', out);
    }
    fprintf(out, "  %-10s %-15s %7s   %-14s   %s\n", "policy",
            s->mode == FL_SCENARIO_FINDS ? "found" : "failed", "share", "95% interval",
            "first at run");
    for (size_t i = 0; i < x->policy_count; i++) print_tally(x, &x->tallies[i], out);
    if (x->signature_count == 0) return;
    fprintf(out, "signatures (the check, then the last protocol events before the run ended):\n");
    for (size_t i = 0; i < x->signature_count; i++) {
        const signature_t *sig = &x->signatures[i];
        fprintf(out, "  %s\n   ", sig->text);
        for (size_t p = 0; p < x->policy_count; p++)
            fprintf(out, " %s %" PRIu64, x->tallies[p].policy, sig->count[p]);
        fl_replay_command_t command = {.file = path, .seed = sig->first_seed,
                                       .policy = sig->first_policy, .schedule = sig->schedule};
        char replay[REPLAY_TEXT_MAX];
        fprintf(out, "; first seed %" PRIu64 ": %s\n", sig->first_seed,
                fl_replay_command_format(&command, replay, sizeof replay));
    }
    if (x->signatures_dropped > 0)
        fprintf(out, "  (%" PRIu64 " runs of further signatures not listed)\n",
                x->signatures_dropped);
}

/* pct's k: the choices a fifo run of the first seed makes (at least 1). */
static size_t measure_steps(const fl_scenario_t *s) {
    assert(s != NULL);
    fl_run_config_t config = {.policy = "fifo"};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("explore");
    fl_scenario_run_seed(s, 1, &config, result);
    size_t steps = result->choices > 0 ? result->choices : 1;
    free(result);
    return steps;
}

static int explore_file(const fl_options_t *o, const fl_scenario_t *s, FILE *out, FILE *err) {
    exploration_t *x = calloc(1, sizeof *x);
    if (x == NULL) fl__out_of_memory("explore");
    x->scenario = s;
    x->depth = o->depth > 0 ? o->depth : FL_PCT_DEPTH_DEFAULT;
    assert(x->depth >= 1 && x->depth <= FL_PCT_DEPTH_MAX); /* --depth's range */
    x->steps = measure_steps(s);
    if (o->policy != NULL) {
        x->tallies[x->policy_count++].policy = o->policy;
    } else {
        x->tallies[x->policy_count++].policy = "random";
        x->tallies[x->policy_count++].policy = "pct";
    }
    x->time_ns = o->time_seconds * UINT64_C(1000000000);
    uint64_t runs = o->runs > 0 ? o->runs : o->time_seconds > 0 ? 10000000 : 1000;
    int status = 0;
    for (size_t i = 0; i < x->policy_count && status == 0; i++)
        status = explore_policy(x, i, runs, err);
    if (status == 0) print_report(x, runs, o->paths[0], out);
    bool any = false;
    for (size_t i = 0; i < x->policy_count; i++) any |= x->tallies[i].found > 0;
    for (size_t i = 0; i < x->signature_count; i++) free(x->signatures[i].schedule);
    free(x);
    if (status != 0) return status;
    return (s->mode == FL_SCENARIO_FINDS) == any ? FL_EXIT_HELD : FL_EXIT_FAILED;
}

int fl_cli_explore(int argc, char **argv, FILE *out, FILE *err) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) return fputs(EXPLORE_USAGE, out), 0;
    fl_options_t o;
    int status = fl_options_parse(argc, argv, &o, EXPLORE_USAGE, FL_ACCEPTS_EXPLORE, err);
    if (status != 0) return status;
    if (o.path_count != 1) {
        fprintf(err, "faultline explore: exactly one FILE is needed\n%s", EXPLORE_USAGE);
        return FL_EXIT_ERROR;
    }
    if (o.policy != NULL && strcmp(o.policy, "replay") == 0) {
        fprintf(err, "faultline explore: replay plays one schedule back; explore needs a policy "
                     "that explores (random, trio, pct or fifo)\n");
        return FL_EXIT_ERROR;
    }
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    if (fl_files_load_one(o.paths[0], &arena, &s, err) != 0) {
        fl_arena_destroy(&arena);
        return FL_EXIT_ERROR;
    }
    if (o.policy != NULL && strcmp(o.policy, "dfs") == 0 && o.time_seconds > 0) {
        fprintf(err, "faultline explore: dfs enumerates schedules to a bound; its cap is --runs N, "
                     "not --time\n");
        status = FL_EXIT_ERROR;
    } else if (o.policy != NULL && strcmp(o.policy, "dfs") == 0) {
        status = fl__explore_dfs(&s, o.paths[0], o.has_bound ? o.bound : FL_DFS_BOUND_DEFAULT,
                                 o.runs > 0 ? o.runs : FL_DFS_SCHEDULES_DEFAULT, out, err);
    } else {
        status = explore_file(&o, &s, out, err);
    }
    fl_arena_destroy(&arena);
    return status;
}
