/* explore --jobs N: a policy's seeds in worker processes, counted as one
 * pass over them would count them (exploration.h).
 *
 * Each worker is `faultline explore-one FILE --policy P --depth D --seeds
 * A..B` on a consecutive range and prints what it counted:
 *
 *   explore-one tally RUNS FOUND FIRST_FOUND MAX_TASKS MAX_CHOICES
 *   explore-one signature FIRST_SEED COUNT TEXT       (in first-seed order)
 *
 * The parent merges the workers' lines in range order, so the signatures
 * keep the order of their first seed and the counts are those of one pass:
 * the report is the report of --jobs 1 (unless a worker meets more than
 * FL_EXPLORE_SIGNATURES_KEPT signatures, whose rarest it cannot list).
 *
 * Without --time one round splits seeds 1..runs into N ranges. With --time
 * the seeds go out in rounds of N ranges, each round larger while the
 * budget allows: the clock decides only how many rounds start, so the
 * seeds run are always 1..R and the report says what R was. */
#include "harness/cli/exploration.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "harness/cli/workers.h"
#include "sim/runtime/arena.h"

enum {
    ARGV_PER_JOB = 12,
    /* The first round's seeds a worker; later rounds double while the
     * budget allows. */
    ROUND_SEEDS_FIRST = 64,
};

static const char TALLY_TAG[] = "explore-one tally ";
static const char SIGNATURE_TAG[] = "explore-one signature ";

int fl__explore_one(const fl_scenario_t *s, const char *policy, uint32_t depth, uint64_t first,
                    uint64_t last, FILE *out, FILE *err) {
    assert(s != NULL && policy != NULL && first >= 1 && first <= last && out != NULL);
    fl_exploration_t *x = calloc(1, sizeof *x);
    if (x == NULL) fl__out_of_memory("explore-one");
    x->scenario = s;
    x->depth = depth;
    x->steps = fl__explore_measure_steps(s);
    x->tallies[x->policy_count++].policy = policy;
    int status = fl__explore_range(x, 0, first, last, 0, err);
    if (status == 0) {
        const fl_explore_tally_t *t = &x->tallies[0];
        fprintf(out, "%s%" PRIu64 " %" PRIu64 " %" PRIu64 " %zu %zu\n", TALLY_TAG, t->runs,
                t->found, t->first_found, t->max_tasks, t->max_choices);
        for (size_t i = 0; i < x->signature_count; i++)
            fprintf(out, "%s%" PRIu64 " %" PRIu64 " %s\n", SIGNATURE_TAG,
                    x->signatures[i].first_seed, x->signatures[i].count[0], x->signatures[i].text);
        if (x->signatures_dropped > 0)
            fprintf(out, "%s0 %" PRIu64 " \n", SIGNATURE_TAG, x->signatures_dropped);
    }
    free(x);
    return status;
}

/* Adds one worker's lines to tally index of x. Returns false when the
 * output is not what explore-one prints. */
static bool merge_output(fl_exploration_t *x, size_t index, const char *output) {
    assert(x != NULL && index < x->policy_count && output != NULL);
    fl_explore_tally_t *t = &x->tallies[index];
    bool tally_seen = false;
    for (const char *line = output; *line != '\0';) {
        const char *end = strchr(line, '\n');
        if (end == NULL) return false;
        uint64_t runs, found, first_found, seed, count;
        size_t tasks, choices;
        int used = 0;
        if (strncmp(line, TALLY_TAG, sizeof TALLY_TAG - 1) == 0 &&
            sscanf(line + sizeof TALLY_TAG - 1, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %zu %zu",
                   &runs, &found, &first_found, &tasks, &choices) == 5) {
            t->runs += runs;
            t->found += found;
            if (t->first_found == 0) t->first_found = first_found;
            if (tasks > t->max_tasks) t->max_tasks = tasks;
            if (choices > t->max_choices) t->max_choices = choices;
            tally_seen = true;
        } else if (strncmp(line, SIGNATURE_TAG, sizeof SIGNATURE_TAG - 1) == 0 &&
                   sscanf(line + sizeof SIGNATURE_TAG - 1, "%" SCNu64 " %" SCNu64 " %n", &seed,
                          &count, &used) == 2 && used > 0) {
            const char *text = line + sizeof SIGNATURE_TAG - 1 + used;
            char signature[FL_EXPLORE_SIGNATURE_TEXT_MAX];
            snprintf(signature, sizeof signature, "%.*s", (int)(end - text), text);
            if (seed == 0) {
                x->signatures_dropped += count; /* the worker could not keep them */
            } else {
                fl__explore_count_signature(x, index, seed, signature, count, NULL);
            }
        } else {
            return false;
        }
        line = end + 1;
    }
    return tally_seen;
}

/* One round: seeds first..last in up to jobs consecutive ranges. Returns
 * 0, or 2 after a message. */
static int run_round(fl_exploration_t *x, size_t index, uint64_t first, uint64_t last,
                     unsigned jobs, uint64_t timeout_ms, const char *exe, const char *path,
                     FILE *err) {
    assert(x != NULL && first >= 1 && first <= last && jobs >= 1 && exe != NULL && path != NULL);
    uint64_t seeds = last - first + 1;
    size_t count = seeds < jobs ? (size_t)seeds : jobs;
    fl_worker_job_t *workers = calloc(count, sizeof *workers);
    char **argvs = calloc(count * ARGV_PER_JOB, sizeof *argvs);
    char (*ranges)[48] = calloc(count, sizeof *ranges);
    char depth[16];
    if (workers == NULL || argvs == NULL || ranges == NULL) fl__out_of_memory("explore");
    snprintf(depth, sizeof depth, "%u", x->depth);
    for (size_t j = 0; j < count; j++) {
        uint64_t a = first + seeds * j / count, b = first + seeds * (j + 1) / count - 1;
        snprintf(ranges[j], sizeof ranges[j], "%" PRIu64 "..%" PRIu64, a, b);
        char **argv = &argvs[j * ARGV_PER_JOB];
        const char *words[] = {exe,      "explore-one", path, "--policy", x->tallies[index].policy,
                               "--depth", depth,        "--seeds", ranges[j], NULL};
        memcpy(argv, words, sizeof words);
        workers[j].argv = argv;
    }
    int status = fl_workers_run(workers, count, jobs, timeout_ms, NULL, NULL) == 0 ? 0 : 2;
    if (status != 0) fprintf(err, "faultline explore: cannot start the worker processes\n");
    for (size_t j = 0; j < count && status == 0; j++) {
        const fl_worker_job_t *w = &workers[j];
        if (w->end != FL_WORKER_EXITED || w->exit_status != 0 || w->output_truncated ||
            !merge_output(x, index, w->output)) {
            fprintf(err, "faultline explore: the worker for seeds %s of %s failed (%s)\n",
                    ranges[j], path,
                    w->end == FL_WORKER_TIMED_OUT ? "it outlived --timeout"
                    : w->end == FL_WORKER_SIGNALED ? "a signal ended it"
                    : w->end == FL_WORKER_SPAWN_FAILED ? "it could not be started"
                                                       : "its output is not explore-one's");
            status = 2;
        }
    }
    for (size_t j = 0; j < count; j++) fl_worker_job_release(&workers[j]);
    free(ranges);
    free(argvs);
    free(workers);
    return status;
}

int fl__explore_in_workers(fl_exploration_t *x, size_t index, uint64_t runs, uint64_t time_ns,
                           unsigned jobs, uint64_t timeout_ms, const char *exe, const char *path,
                           FILE *err) {
    assert(x != NULL && index < x->policy_count && runs >= 1 && jobs > 1);
    assert(exe != NULL && *exe != '\0' && path != NULL && err != NULL);
    if (time_ns == 0) return run_round(x, index, 1, runs, jobs, timeout_ms, exe, path, err);
    /* The clock decides where the rounds stop, never what a run does. */
    uint64_t start_ns = uv_hrtime(), deadline_ns = start_ns + time_ns;
    uint64_t next = 1, per_worker = ROUND_SEEDS_FIRST;
    while (next <= runs) {
        uint64_t round_start_ns = uv_hrtime();
        uint64_t last = next + per_worker * jobs - 1;
        if (last > runs || last < next) last = runs;
        int status = run_round(x, index, next, last, jobs, timeout_ms, exe, path, err);
        if (status != 0) return status;
        uint64_t now_ns = uv_hrtime(), took_ns = now_ns - round_start_ns;
        next = last + 1;
        /* Another round of twice the seeds takes about twice as long; one
         * of the same size that would not end in time does not start. */
        if (now_ns >= deadline_ns || took_ns > deadline_ns - now_ns) break;
        if (2 * took_ns <= deadline_ns - now_ns) per_worker *= 2;
    }
    assert(x->tallies[index].runs == next - 1);
    return 0;
}
