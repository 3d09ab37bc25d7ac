/* The command-line options the scenario commands share, one row each in
 * options.c. Each command names the set it takes; a known option given to
 * a command that does not take it is an error with a hint, never silently
 * ignored (`run --seed 3` once ran every seed). */
#ifndef FL_HARNESS_OPTIONS_H
#define FL_HARNESS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/run/runner.h"

typedef enum fl_option_id {
    FL_OPT_SEEDS = 1u << 0,
    FL_OPT_SEED = 1u << 1,
    FL_OPT_POLICY = 1u << 2,
    FL_OPT_SCHEDULE = 1u << 3,
    FL_OPT_JUNIT = 1u << 4,
    FL_OPT_JSON = 1u << 5,
    FL_OPT_TRACE = 1u << 6,
    FL_OPT_JOBS = 1u << 7,
    FL_OPT_TIMEOUT = 1u << 8,
    FL_OPT_SHARD = 1u << 9,
    FL_OPT_TRACE_FAILURES = 1u << 10,
    FL_OPT_MARKS = 1u << 11,         /* a flag: no value */
    FL_OPT_REQUIRE_MARKS = 1u << 12, /* a flag: no value */
    FL_OPT_MATRIX = 1u << 13,        /* a flag: no value */
    FL_OPT_RUNS = 1u << 14,
    FL_OPT_DEPTH = 1u << 15,
    FL_OPT_COVERAGE_TRACEFILE = 1u << 16, /* repeatable: each adds one */
    FL_OPT_COVERAGE_OUT = 1u << 17,
    FL_OPT_SELF_CHECK = 1u << 18,
    FL_OPT_BOUND = 1u << 19,
    FL_OPT_OUT = 1u << 20,
    FL_OPT_HTML = 1u << 21,
    FL_OPT_TIME = 1u << 22,
    FL_OPT_LISTEN = 1u << 23,
    FL_OPT_DURATION = 1u << 24,
    FL_OPT_LOG_LEVEL = 1u << 25,
    FL_OPT_LOG_JSON = 1u << 26,      /* a flag: no value */
    FL_OPT_GRACEFUL_TIMEOUT = 1u << 27,
    FL_OPT_LAST = FL_OPT_GRACEFUL_TIMEOUT,
} fl_option_id_t;

/* What each command takes. */
enum {
    FL_ACCEPTS_RUN = FL_OPT_SEEDS | FL_OPT_POLICY | FL_OPT_SCHEDULE | FL_OPT_JUNIT | FL_OPT_JSON |
                     FL_OPT_JOBS | FL_OPT_TIMEOUT | FL_OPT_SHARD | FL_OPT_TRACE_FAILURES |
                     FL_OPT_MARKS | FL_OPT_REQUIRE_MARKS | FL_OPT_MATRIX | FL_OPT_SELF_CHECK |
                     FL_OPT_HTML,
    /* merge reads the shards' --json files (the paths) and writes the reports run would. */
    FL_ACCEPTS_MERGE = FL_OPT_JUNIT | FL_OPT_JSON | FL_OPT_MARKS | FL_OPT_REQUIRE_MARKS |
                       FL_OPT_MATRIX | FL_OPT_COVERAGE_TRACEFILE | FL_OPT_COVERAGE_OUT |
                       FL_OPT_HTML,
    FL_ACCEPTS_RUN_ONE = FL_OPT_SEEDS | FL_OPT_POLICY | FL_OPT_SCHEDULE | FL_OPT_SELF_CHECK,
    FL_ACCEPTS_SHRINK = FL_OPT_SEED | FL_OPT_POLICY | FL_OPT_SCHEDULE | FL_OPT_DEPTH | FL_OPT_OUT,
    FL_ACCEPTS_EXPLORE = FL_OPT_POLICY | FL_OPT_RUNS | FL_OPT_DEPTH | FL_OPT_BOUND | FL_OPT_TIME |
                         FL_OPT_JOBS | FL_OPT_TIMEOUT,
    /* explore-one: a worker's side of explore --jobs. */
    FL_ACCEPTS_EXPLORE_ONE = FL_OPT_POLICY | FL_OPT_DEPTH | FL_OPT_SEEDS,
    FL_ACCEPTS_REPLAY = FL_OPT_SEED | FL_OPT_POLICY | FL_OPT_SCHEDULE | FL_OPT_TRACE | FL_OPT_DEPTH,
    FL_ACCEPTS_SERVE = FL_OPT_LISTEN | FL_OPT_DURATION | FL_OPT_LOG_LEVEL | FL_OPT_LOG_JSON |
                       FL_OPT_GRACEFUL_TIMEOUT,
    FL_ACCEPTS_FILES_ONLY = 0,
};

enum { FL_OPTIONS_PATHS_MAX = 256, FL_OPTIONS_TRACEFILES_MAX = 256, FL_OPTIONS_TIMEOUT_DEFAULT_S = 300, FL_OPTIONS_JOBS_MAX = 1024 };

typedef struct fl_options {
    const char *paths[FL_OPTIONS_PATHS_MAX]; /* borrowed from argv */
    size_t path_count;
    const char *policy;              /* NULL: the scenario's; "replay" when a schedule is given */
    bool has_seeds;
    uint64_t seed_first, seed_last;  /* --seeds */
    bool has_seed;
    uint64_t seed;                   /* --seed (replay) */
    const char *schedule;
    const char *junit;
    const char *json;
    const char *trace;               /* replay: Chrome trace-event JSON goes here */
    const char *trace_failures;      /* run: a directory for a Chrome trace per failing seed */
    unsigned jobs;                   /* 0: --jobs not given */
    unsigned shard_index, shard_count; /* --shard K/N (index K-1); count 0: no sharding */
    uint64_t timeout_seconds;        /* per scenario, with workers only */
    bool marks;                      /* --marks: print the coverage marks the run hit */
    bool require_marks;              /* --require-marks: fail on a mark never hit */
    bool matrix;                     /* --matrix: print the fault x protocol-state matrix */
    uint64_t runs;                   /* explore: runs a policy (0: not given) */
    uint32_t depth;                  /* --depth: pct's d (0: not given) */
    uint32_t self_check_per_million; /* --self-check P%: passing seeds run twice */
    const char *self_check;          /* its value as given, for the workers' argv */
    uint32_t bound;                  /* explore --policy dfs: the delay bound */
    const char *out;                 /* shrink --out: the file to write */
    bool has_bound;
    const char *coverage_tracefiles[FL_OPTIONS_TRACEFILES_MAX]; /* merge: gcovr JSON, argv's */
    size_t coverage_tracefile_count;
    const char *coverage_out;        /* merge: the directory for gcovr's merged reports */
    const char *html;                /* run: a directory for the HTML report (index.html) */
    uint64_t time_seconds;           /* explore --time: a wall-clock budget (0: none) */
    const char *listen;              /* serve --listen HOST:PORT, as given (serve checks it) */
    uint64_t duration_seconds;       /* serve --duration (0: until interrupted) */
    const char *log_level;           /* serve --log-level: uvicorn's level names */
    bool log_json;                   /* serve --log-json: one JSON object per line */
    bool has_graceful_timeout;
    uint64_t graceful_timeout_seconds; /* serve --timeout-graceful-shutdown */
} fl_options_t;

/* Parses argv[1..argc) (argv[0] is the command's name) into o, taking the
 * options in accepts (fl_option_id_t bits) and at least one path. Returns
 * 0, or 2 after a message (and usage) on err. */
int fl_options_parse(int argc, char **argv, fl_options_t *o, const char *usage, unsigned accepts,
                     FILE *err);

/* True when argv holds --help or -h. */
bool fl_options_wants_help(int argc, char **argv);

/* The run configuration the options ask for (policy, schedule, seeds). */
fl_run_config_t fl_options_run_config(const fl_options_t *o);

#endif /* FL_HARNESS_OPTIONS_H */
