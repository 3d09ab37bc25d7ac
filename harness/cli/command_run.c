/* faultline run: every scenario file under the given paths over its seeds,
 * in this process or in worker processes (faultline run-one FILE, the
 * worker's side, is here too). */
#include "harness/cli/commands.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "harness/cli/failure_schedule.h"
#include "harness/cli/html_output.h"
#include "harness/cli/last_failed.h"
#include "harness/cli/options.h"
#include "harness/cli/output_dir.h"
#include "harness/cli/progress.h"
#include "harness/cli/run_summary.h"
#include "harness/cli/scenario_files.h"
#include "harness/cli/selection.h"
#include "harness/cli/trace_failures.h"
#include "harness/cli/worker_protocol.h"
#include "harness/cli/workers.h"
#include "harness/model/loader.h"
#include "harness/report/outcome.h"
#include "harness/run/runner.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/status.h"

static const char *RUN_USAGE =
    "usage: faultline run PATH... [--seeds A..B] [--policy fifo|random|trio|pct|replay] "
    "[--schedule S]\n"
    "                    [--junit FILE] [--json FILE] [--jobs N|auto] [--timeout SECONDS]\n"
    "                    [--shard K/N] [--trace-failures DIR] [--marks] [--require-marks]\n"
    "                    [--matrix] [--self-check P%] [--html DIR] [--seed N]\n"
    "                    [-k EXPR] [--tag T]... [-x] [--lf | --ff] [-q] [-v]\n"
    "  runs every scenario file under PATH (directories are searched for *.yaml) for every\n"
    "  seed; prints one line per scenario and the command that replays each failure.\n"
    "  Options may come anywhere; a value follows its option or an '=' (--seeds=1..5);\n"
    "  '--' ends them.\n"
    "  --seeds A..B (or one seed N) replaces every file's own range; --seed N is --seeds N.\n"
    "  Selection, as pytest's: -k EXPR keeps the files whose path or scenario name holds\n"
    "  the expression's words (ignoring case; with and, or, not and parentheses, e.g.\n"
    "  -k 'sse and not fixed'); --tag T keeps those tagged T (repeatable: any of them).\n"
    "  Each run records the files that failed in .faultline/lastfailed here: --lf runs only\n"
    "  those (all, when none failed), --ff runs them first. -x stops after the first file\n"
    "  that fails. -q prints no line for a file that held; -v prints each scenario's name.\n"
    "  --jobs N runs the scenarios in N worker processes (auto: one per CPU); a worker that\n"
    "  crashes is reported CRASHED, one that runs longer than --timeout (default 300)\n"
    "  seconds is killed and reported TIMEOUT. The default is one worker per CPU; with\n"
    "  --jobs 1 every scenario runs in this process, one after another, with no limit.\n"
    "  --schedule S (a choice list as replay prints it, e.g. 0*12.2.1) runs every seed under\n"
    "  the replay policy with that schedule; --policy replay needs one.\n"
    "  --shard K/N runs the K-th of N interleaved shares of the files (in path order):\n"
    "  file i (from 0) when i mod N = K-1, so N machines with K = 1..N run each file once;\n"
    "  `faultline merge` turns their --json files back into this run's reports.\n"
    "  --junit FILE writes a JUnit XML report: a testsuite per folder, a testcase per file\n"
    "  with its time, <failure> when its checks failed, <error> when it was invalid, crashed\n"
    "  or timed out, and properties seed, seeds, mode, policy, schedule, trace_hash, replay.\n"
    "  --json FILE writes one JSON object per file: file, name, mode, passed, invalid,\n"
    "  crashed, timed_out, seeds_run, seed (null: none), seed_first, seed_last, policy,\n"
    "  schedule, trace_hash, duration_s, message, replay. Times are wall-clock seconds, in\n"
    "  the reports only: the runs and their trace hashes never see them. Each also has\n"
    "  marks and matrix.\n"
    "  --trace-failures DIR runs each failing seed again in this process and writes its Chrome\n"
    "  trace-event JSON (open it in ui.perfetto.dev) to DIR/<path>.seed-N.json, the path with\n"
    "  '/' as '_'; DIR is made if missing.\n"
    "  --marks prints the coverage marks the run hit and lists those it never hit;\n"
    "  --require-marks fails (exit 1) when a mark was never hit and its row in\n"
    "  sim/runtime/mark_table.h gives no reason. --matrix prints the fault x protocol-state\n"
    "  matrix: for each state an end of a connection was in when a fault acted, and each\n"
    "  action, the seeds that reached it and the error kinds the client saw.\n"
    "  --self-check P% runs that share of the passing seeds twice and fails the file if a\n"
    "  trace hash differs (nondeterminism); every failing or finding seed is run twice.\n"
    "  --html DIR writes DIR/index.html: the summary, a row per file, each failure with its\n"
    "  replay command, trace hash and a sequence diagram of its seed (run again here), the\n"
    "  marks and the matrix; one self-contained page (DIR is made if missing).\n"
    "exit codes: 0 every scenario held or found; 1 one failed, crashed or timed out;\n"
    "  2 a usage error, an invalid scenario file, an unreadable path or a report file that\n"
    "  cannot be written (a missing report directory is refused before anything runs; a\n"
    "  write that fails at the end leaves every scenario run and the other report written);\n"
    "  5 no scenario file matched (none under the paths, or none in this --shard);\n"
    "  4 out of memory (a worker that runs out is its file's crash: exit 1).\n";

static char *dup_text(const char *text) {
    if (text == NULL) return NULL;
    char *copy = strdup(text);
    if (copy == NULL) fl__out_of_memory("run");
    return copy;
}

/* What the outcome knows before anything runs: the file and the options. */
static void start_outcome(fl_outcome_t *r, const char *path, const fl_options_t *o) {
    assert(r != NULL && path != NULL && o != NULL);
    assert(!o->has_seeds || o->seed_first <= o->seed_last); /* parse_range's */
    memset(r, 0, sizeof *r);
    r->file = dup_text(path);
    r->policy = dup_text(o->policy);
    r->schedule = o->schedule;
    r->has_seeds = o->has_seeds;
    r->seed_first = o->seed_first;
    r->seed_last = o->seed_last;
}

/* The runner's result into r. The outcome names a seed when one decided
 * it: the failing seed, the seed where a find was made, or the seed whose
 * world could not be built (an empty range runs none). The trace hash is
 * that seed's when the runner's detail is that seed's run: a faults-fired
 * failure over many seeds names the first, but its detail is the last. */
static void take_result(fl_outcome_t *r, const fl_scenario_result_t *result, int status) {
    assert(r != NULL && result != NULL && r->message == NULL);
    assert(status == FL_OK || !result->passed); /* a run that could not be made did not pass */
    bool decided_by_a_seed = status != FL_OK || result->passed == r->finds;
    r->passed = result->passed;
    r->seeds_run = result->seeds_run;
    r->has_seed = result->seeds_run > 0 && decided_by_a_seed;
    r->seed = r->has_seed ? result->seed : 0;
    r->has_trace_hash = r->has_seed && status == FL_OK && result->detail.seed == result->seed;
    r->trace_hash = r->has_trace_hash ? result->detail.trace_hash : 0;
    r->message = dup_text(result->message);
    assert(!r->has_trace_hash || r->has_seed);
}

/* Loads path and runs it here: fills r's result. Loads once: the worker's
 * side (run-one) and the in-process run both come here. On a load error
 * prints the error to err, except in a worker, where it travels in the
 * result line. */
static void load_and_run(const char *path, const fl_options_t *o, bool in_worker, fl_outcome_t *r,
                         FILE *err) {
    assert(path != NULL && o != NULL && r != NULL && (in_worker || err != NULL));
    assert(r->file != NULL && r->name == NULL); /* start_outcome's */
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    if (fl_scenario_load_file(&arena, path, &s, error, sizeof error) != FL_OK) {
        if (!in_worker) fprintf(err, "%s\n", error);
        r->load_error = true;
        r->message = dup_text(error);
        fl_arena_destroy(&arena);
        return;
    }
    assert(s.name != NULL && s.policy != NULL && s.seed_first <= s.seed_last);
    r->name = dup_text(s.name);
    r->finds = s.mode == FL_SCENARIO_FINDS;
    if (r->policy == NULL) r->policy = dup_text(s.policy);
    if (!o->has_seeds) r->seed_first = s.seed_first, r->seed_last = s.seed_last;
    /* The test hook of run-one (see run_one_command). */
    const char *crash_on = getenv("FAULTLINE_TEST_CRASH_ON");
    if (in_worker && crash_on != NULL && strcmp(crash_on, s.name) == 0) abort();
    fl_run_config_t config = fl_options_run_config(o);
    fl_scenario_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("run");
    fl_marks_clear(); /* the process's counts: this file's alone */
    int status = fl_scenario_run(&s, &config, result);
    take_result(r, result, status);
    memcpy(r->marks, fl__mark_hits, sizeof r->marks);
    r->matrix = result->matrix;
    /* A held scenario ran every seed; a finds one stopped where it found. */
    assert(result->seeds_run >= 1 || !r->passed);
    free(result);
    fl_arena_destroy(&arena);
}

/* load_and_run, timed. The duration is the wall-clock of a monotonic clock
 * (uv_hrtime) and goes into the outcome's duration_ns only, which the
 * reports alone read: the run itself never sees it. */
static void run_scenario(const char *path, const fl_options_t *o, bool in_worker, fl_outcome_t *r,
                         FILE *err) {
    assert(path != NULL && o != NULL && r != NULL);
    uint64_t started_ns = uv_hrtime();
    start_outcome(r, path, o);
    load_and_run(path, o, in_worker, r, err);
    r->duration_ns = uv_hrtime() - started_ns;
    assert(r->file != NULL && r->message != NULL);
}

/* faultline run-one FILE [--seeds A..B] [--policy P] [--schedule S]: the
 * worker's side. It prints its result line (worker_protocol.h) and exits 0
 * (held or found), 1 (failed) or 2 (invalid); the load error travels in
 * the line, so the parent prints it once, in order.

   Test hook: when the environment variable FAULTLINE_TEST_CRASH_ON equals a
   scenario's name, run-one calls abort() for that scenario after loading
   it, so tests can make a worker crash deterministically. Only run-one
   reads it; `run` without workers never crashes on purpose. */
static int run_one_command(const fl_options_t *o, FILE *out, FILE *err) {
    assert(o != NULL && out != NULL && err != NULL);
    if (o->path_count != 1) {
        fprintf(err, "faultline run-one: exactly one FILE is needed\n");
        return 2;
    }
    fl_outcome_t r;
    run_scenario(o->paths[0], o, true, &r, err);
    /* Only the parent's worker_failed says CRASHED or TIMEOUT. */
    assert(r.ending == FL_ENDING_RAN && r.file != NULL);
    fl_worker_result_write(out, &r);
    int code = r.load_error ? 2 : r.passed ? 0 : 1;
    fl_outcome_free(&r);
    return code;
}

/* --- worker processes ------------------------------------------------------------

   `faultline run --jobs N` spawns, per scenario file, the faultline binary
   itself as `faultline run-one FILE [--seeds A..B] [--policy P]`, and reads
   the result line it prints; a worker that dies or prints none is CRASHED.

   The binary to spawn is named by the environment variable
   FAULTLINE_WORKER_EXE; harness/main.c sets it to the running binary
   (/proc/self/exe) unless it is already set, so a test that calls
   fl_cli_run in its own process points it at build/faultline. Without it,
   --jobs N > 1 is refused: re-executing a test binary would run its tests. */

/* A file's line, as the options want it: none for one that held under -q;
 * its scenario's name under it with -v. */
static void print_outcome(const fl_outcome_t *r, const fl_options_t *o, FILE *out) {
    assert(r != NULL && o != NULL && out != NULL);
    if (o->quiet && r->passed) return;
    fl_outcome_print(r, out);
    if (o->verbose && r->name != NULL) fprintf(out, "        %s\n", r->name);
}

/* State shared with the workers' completion callback: results are printed
 * in file order, each as soon as every earlier file's result is in. */
typedef struct pool_state {
    fl_outcome_t *outcomes;
    fl_worker_job_t *jobs;
    bool *ready; /* per file: its outcome is final */
    size_t count;
    size_t printed;
    const fl_options_t *options;
    fl_arena_t *strings; /* the failures' schedules */
    FILE *out, *err;
    bool stopped; /* -x: a failure was printed; nothing after it is */
    fl_progress_t progress;
} pool_state_t;

/* A worker that did not report: why, in the outcome. */
static void worker_failed(fl_outcome_t *r, const fl_worker_job_t *job) {
    assert(r != NULL && job != NULL && r->ending == FL_ENDING_RAN);
    assert(job->end == FL_WORKER_EXITED || job->end == FL_WORKER_SIGNALED ||
           job->end == FL_WORKER_TIMED_OUT || job->end == FL_WORKER_SPAWN_FAILED);
    /* on_child_exit says SIGNALED only for a signal. */
    assert(job->end != FL_WORKER_SIGNALED || job->term_signal != 0);
    char text[160];
    if (job->end == FL_WORKER_TIMED_OUT) {
        r->ending = FL_ENDING_TIMEOUT;
        snprintf(text, sizeof text, "timed out: killed after the --timeout limit");
    } else if (job->end == FL_WORKER_SPAWN_FAILED) {
        r->ending = FL_ENDING_CRASHED;
        r->exit_status = -1;
        snprintf(text, sizeof text, "cannot start the worker: %s", uv_strerror(job->spawn_error));
    } else {
        r->ending = FL_ENDING_CRASHED;
        r->term_signal = job->term_signal;
        r->exit_status = job->exit_status;
        if (job->term_signal != 0)
            snprintf(text, sizeof text, "crashed (signal %d)", job->term_signal);
        else if (job->exit_status == FL_EXIT_OUT_OF_MEMORY) /* the worker's clean OOM error */
            snprintf(text, sizeof text, "out of memory in the worker (exit %d)",
                     FL_EXIT_OUT_OF_MEMORY);
        else
            snprintf(text, sizeof text, "worker exited %" PRId64 " without a result",
                     job->exit_status);
    }
    r->passed = false;
    free(r->message);
    r->message = dup_text(text);
}

static void finish_outcome(fl_outcome_t *r, const fl_worker_job_t *job, FILE *err) {
    assert(r != NULL && job != NULL && job->output != NULL && err != NULL);
    assert(r->ending == FL_ENDING_RAN && job->output_length <= FL_WORKER_OUTPUT_MAX);
    /* on_handle_closed ends every output with a NUL the reader stops at. */
    assert(job->output[job->output_length] == '\0');
    /* The worker's whole life, which a crash or a timeout has too. */
    r->duration_ns = job->duration_ns;
    bool reported = job->end == FL_WORKER_EXITED && fl_worker_result_read(job->output, r);
    if (!reported) {
        worker_failed(r, job);
        return;
    }
    if (r->load_error) fprintf(err, "%s\n", r->message);
}

static void print_ready(pool_state_t *state) {
    assert(state != NULL && state->out != NULL && state->ready != NULL);
    assert(state->printed <= state->count);
    while (!state->stopped && state->printed < state->count && state->ready[state->printed]) {
        const fl_outcome_t *r = &state->outcomes[state->printed++];
        fl_progress_clear(&state->progress);
        print_outcome(r, state->options, state->out);
        state->stopped = state->options->exit_first && !r->passed;
    }
    assert(state->stopped || state->printed == state->count || !state->ready[state->printed]);
    fflush(state->out);
}

static bool on_job_done(void *user, size_t index) {
    pool_state_t *state = user;
    assert(state != NULL && index < state->count);
    assert(!state->ready[index] && index >= state->printed); /* each job ends once */
    finish_outcome(&state->outcomes[index], &state->jobs[index], state->err);
    fl_failure_schedule_fill(&state->outcomes[index], state->options, state->strings);
    state->ready[index] = true;
    print_ready(state);
    fl_progress_done(&state->progress, &state->outcomes[index]);
    return !state->stopped;
}

/* A worker's argv: exe run-one FILE --seeds R --policy P --schedule S
 * --self-check P% NULL. */
enum { ARGV_PER_JOB = 12 };

static void worker_argv(char **argv, const char *exe, const char *path, const fl_options_t *o,
                        char *seeds) {
    assert(argv != NULL && exe != NULL && path != NULL && o != NULL);
    assert(!o->has_seeds || seeds != NULL);
    int a = 0;
    argv[a++] = (char *)exe;
    argv[a++] = "run-one";
    argv[a++] = (char *)path;
    if (o->has_seeds) {
        argv[a++] = "--seeds";
        argv[a++] = seeds;
    }
    if (o->policy != NULL) {
        argv[a++] = "--policy";
        argv[a++] = (char *)o->policy;
    }
    if (o->schedule != NULL) {
        argv[a++] = "--schedule";
        argv[a++] = (char *)o->schedule;
    }
    if (o->self_check != NULL) {
        argv[a++] = "--self-check";
        argv[a++] = (char *)o->self_check;
    }
    argv[a] = NULL;
    assert(a < ARGV_PER_JOB);
}

/* Runs every file in worker processes of exe, one job per file; fills
 * outcomes and prints them in file order. Returns 0, or 2 when the
 * workers' loop cannot be made (the message is printed). */
static int run_in_workers(const fl_file_list_t *files, const fl_options_t *o, const char *exe,
                          fl_outcome_t *outcomes, fl_arena_t *strings, size_t *reported, FILE *out,
                          FILE *err) {
    assert(files != NULL && o != NULL && exe != NULL && outcomes != NULL);
    /* options.c bounds --timeout so that the milliseconds fit. */
    assert(o->jobs > 1 && o->timeout_seconds > 0 && o->timeout_seconds <= UINT64_MAX / 1000);
    size_t count = files->count, n = count ? count : 1;
    fl_worker_job_t *jobs = calloc(n, sizeof *jobs);
    char **argvs = calloc(n * ARGV_PER_JOB, sizeof *argvs);
    bool *ready = calloc(n, sizeof *ready);
    if (jobs == NULL || argvs == NULL || ready == NULL) fl__out_of_memory("run");
    char seeds[64];
    snprintf(seeds, sizeof seeds, "%" PRIu64 "..%" PRIu64, o->seed_first, o->seed_last);
    for (size_t i = 0; i < count; i++) {
        start_outcome(&outcomes[i], files->paths[i], o);
        worker_argv(&argvs[i * ARGV_PER_JOB], exe, files->paths[i], o, seeds);
        jobs[i].argv = &argvs[i * ARGV_PER_JOB];
    }
    pool_state_t state = {.outcomes = outcomes,
                          .jobs = jobs,
                          .ready = ready,
                          .count = count,
                          .options = o,
                          .strings = strings,
                          .out = out,
                          .err = err};
    fl_progress_start(&state.progress, err, count);
    int status =
        fl_workers_run(jobs, count, o->jobs, o->timeout_seconds * 1000, on_job_done, &state);
    if (status != 0) {
        fprintf(err, "faultline run: cannot start workers: %s\n", uv_strerror(status));
        status = 2;
    }
    fl_progress_clear(&state.progress);
    /* Once the loop ran, every job has ended and every outcome is printed,
     * up to the first failure with -x. */
    assert(status != 0 || state.stopped || state.printed == count);
    *reported = state.printed;
    for (size_t j = 0; j < count; j++) {
        assert(status != 0 || ready[j] || jobs[j].end == FL_WORKER_NOT_STARTED);
        fl_worker_job_release(&jobs[j]);
    }
    free(jobs);
    free(argvs);
    free(ready);
    return status;
}

/* --- the command ------------------------------------------------------------------ */

/* Runs the files one after another here; returns how many ran (fewer
 * than all after a failure with -x). */
static size_t run_here(const fl_file_list_t *files, const fl_options_t *o, fl_outcome_t *outcomes,
                       fl_arena_t *strings, FILE *out, FILE *err) {
    assert(files != NULL && o != NULL && outcomes != NULL && out != NULL && err != NULL);
    assert(o->jobs <= 1 && files->count <= FL_FILES_MAX);
    fl_progress_t progress;
    fl_progress_start(&progress, err, files->count);
    for (size_t i = 0; i < files->count; i++) {
        run_scenario(files->paths[i], o, false, &outcomes[i], err);
        assert(outcomes[i].ending == FL_ENDING_RAN);
        fl_failure_schedule_fill(&outcomes[i], o, strings);
        fl_progress_clear(&progress);
        print_outcome(&outcomes[i], o, out);
        fl_progress_done(&progress, &outcomes[i]);
        if (o->exit_first && !outcomes[i].passed) {
            fl_progress_clear(&progress);
            return i + 1;
        }
    }
    fl_progress_clear(&progress);
    return files->count;
}

/* The files to run, collected and sharded; says on err when none matched.
 * Returns 0, 2 when a path could not be read (what could is kept), or 5
 * when nothing matched, as pytest does: a CI job that ran nothing has not
 * passed. */
static int collect_files(fl_file_list_t *files, const fl_options_t *o, FILE *out, FILE *err) {
    assert(files != NULL && o != NULL && err != NULL && files->count == 0);
    int status = fl_files_collect(files, o->paths, o->path_count, err);
    assert(status == 0 || status == 2);
    if (fl_selection_wanted(o)) {
        size_t collected = files->count;
        fl_selection_report_t report;
        fl_files_select(files, o, &report);
        fprintf(out, "selected %zu of %zu scenario files (%zu deselected", files->count, collected,
                report.deselected);
        if (o->last_failed || o->failed_first)
            fprintf(out, "; %zu failed last time%s", report.failed_last_time,
                    o->last_failed && report.failed_last_time == 0 ? ": running all" : "");
        fprintf(out, ")\n");
        if (files->count == 0 && collected > 0) {
            fprintf(err, "faultline run: the selection left no scenario file\n");
            return FL_EXIT_NOTHING_MATCHED;
        }
    }
    size_t found = files->count;
    if (o->shard_count > 0) fl_files_keep_shard(files, o->shard_index, o->shard_count);
    assert(files->count <= found && files->count <= FL_FILES_MAX);
    if (status != 0 || files->count > 0) return status;
    if (found > 0)
        fprintf(err,
                "faultline run: shard %u/%u has no files: the paths hold %zu scenario "
                "file%s, fewer than the %u shards\n",
                o->shard_index + 1, o->shard_count, found, found == 1 ? "" : "s", o->shard_count);
    else
        fprintf(err, "faultline run: no scenario files (*.yaml, *.yml) under %s%s\n", o->paths[0],
                o->path_count > 1 ? " and the other paths given" : "");
    return FL_EXIT_NOTHING_MATCHED;
}

/* The worker count: --jobs, else one per CPU from the faultline binary
 * (FAULTLINE_WORKER_EXE set), else this process. Returns 0 or 2. */
static int choose_jobs(fl_options_t *o, const char *exe, FILE *err) {
    assert(o != NULL && err != NULL);
    if (o->jobs == 0 && exe != NULL && *exe != '\0') o->jobs = fl_workers_default_count();
    if (o->jobs > 1 && (exe == NULL || *exe == '\0')) {
        /* Re-executing whatever binary called us (a test binary) would not
         * run a scenario: only the faultline binary sets this by itself. */
        fprintf(err,
                "faultline run: --jobs %u needs the faultline binary to run workers: set "
                "FAULTLINE_WORKER_EXE\n",
                o->jobs);
        return 2;
    }
    assert(o->jobs <= 1 || (exe != NULL && *exe != '\0'));
    return 0;
}

int fl_cli_run(int argc, char **argv, FILE *out, FILE *err) {
    fl_options_t o;
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) return fputs(RUN_USAGE, out), 0;
    bool run_one = strcmp(argv[0], "run-one") == 0;
    int status = fl_options_parse(argc, argv, &o, RUN_USAGE,
                                  run_one ? FL_ACCEPTS_RUN_ONE : FL_ACCEPTS_RUN, err);
    if (status != 0) return status;
    if (run_one) return run_one_command(&o, out, err);
    if (o.has_seed && o.has_seeds) {
        fprintf(err, "faultline run: give --seed N or --seeds A..B, not both\n");
        fl_options_print_synopsis(err, "run", RUN_USAGE);
        return 2;
    }
    if (o.has_seed) /* one seed of every scenario: --seeds N..N */
        o.has_seeds = true, o.seed_first = o.seed_last = o.seed;
    if (fl_selection_check(&o, "run", err) != 0) return 2;
    const char *exe = getenv("FAULTLINE_WORKER_EXE");
    if (choose_jobs(&o, exe, err) != 0) return 2;
    if (o.trace_failures != NULL && fl_trace_failures_prepare(o.trace_failures, err) != 0) return 2;
    if (o.html != NULL && fl_html_output_prepare(o.html, err) != 0) return 2;
    if (o.junit != NULL && fl_output_file_check("run", "--junit", o.junit, err) != 0) return 2;
    if (o.json != NULL && fl_output_file_check("run", "--json", o.json, err) != 0) return 2;
    fl_file_list_t *files = calloc(1, sizeof *files);
    if (files == NULL) fl__out_of_memory("run");
    int collect_status = collect_files(files, &o, out, err);
    fl_outcome_t *outcomes = calloc(files->count ? files->count : 1, sizeof *outcomes);
    if (outcomes == NULL) fl__out_of_memory("run");
    fl_arena_t schedules; /* the outcomes' schedules of pct and dfs failures */
    fl_arena_init(&schedules);
    size_t ran = 0; /* the files whose outcome is reported */
    if (o.jobs > 1)
        status = run_in_workers(files, &o, exe, outcomes, &schedules, &ran, out, err);
    else
        ran = run_here(files, &o, outcomes, &schedules, out, err);
    assert(ran <= files->count);
    if (ran < files->count)
        fprintf(out, "stopped after the first failure (-x): %zu of %zu scenario files run\n", ran,
                files->count);
    if (o.trace_failures != NULL &&
        fl_trace_failures_write(o.trace_failures, outcomes, ran, out, err) != 0)
        status = 2;
    if (status == 0) fl_last_failed_update(outcomes, ran, err);
    int code = fl_run_summarize("run", &o, outcomes, ran, out, err);
    for (size_t i = 0; i < files->count; i++) fl_outcome_free(&outcomes[i]);
    free(outcomes);
    fl_arena_destroy(&schedules);
    fl_files_free(files);
    free(files);
    /* An error outranks "nothing matched", which outranks a failure. */
    if (status != 0 || collect_status == 2 || code == 2) return 2;
    return collect_status != 0 ? collect_status : code;
}
