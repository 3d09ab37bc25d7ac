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

/* The options, in the order of options.c's rows: row i is option i. */
typedef enum fl_option_id {
    FL_OPT_SEEDS,
    FL_OPT_SEED,
    FL_OPT_POLICY,
    FL_OPT_SCHEDULE,
    FL_OPT_JUNIT,
    FL_OPT_JSON,
    FL_OPT_TRACE,
    FL_OPT_JOBS,
    FL_OPT_TIMEOUT,
    FL_OPT_SHARD,
    FL_OPT_TRACE_FAILURES,
    FL_OPT_MARKS,         /* a flag: no value */
    FL_OPT_REQUIRE_MARKS, /* a flag */
    FL_OPT_MATRIX,        /* a flag */
    FL_OPT_RUNS,
    FL_OPT_DEPTH,
    FL_OPT_COVERAGE_TRACEFILE, /* repeatable: each adds one */
    FL_OPT_COVERAGE_OUT,
    FL_OPT_SELF_CHECK,
    FL_OPT_BOUND,
    FL_OPT_OUT,
    FL_OPT_HTML,
    FL_OPT_TIME,
    FL_OPT_KEYWORD,      /* -k EXPR */
    FL_OPT_TAG,          /* repeatable */
    FL_OPT_EXIT_FIRST,   /* -x, a flag */
    FL_OPT_LAST_FAILED,  /* --lf, a flag */
    FL_OPT_FAILED_FIRST, /* --ff, a flag */
    FL_OPT_QUIET,        /* -q, a flag */
    FL_OPT_VERBOSE,      /* -v, a flag */
    FL_OPT_LISTEN,
    FL_OPT_DURATION,
    FL_OPT_LOG_LEVEL,
    FL_OPT_LOG_JSON, /* a flag */
    FL_OPT_GRACEFUL_TIMEOUT,
    FL_OPT_UPSTREAM,
    FL_OPT_LOG,
    FL_OPT_ALLOW_REMOTE, /* a flag */
    FL_OPT_ADMIN,
    FL_OPT_COUNT
} fl_option_id_t;

/* A set of options, a bit each. */
typedef uint64_t fl_option_set_t;
#define FL_OPT_BIT(id) ((fl_option_set_t)1 << (id))
_Static_assert(FL_OPT_COUNT < 64, "an option set is 64 bits, the last for FL_PATHS_OPTIONAL");

/* Not an option: in a command's set, it may be given no path at all. */
#define FL_PATHS_OPTIONAL ((fl_option_set_t)1 << 63)

/* What each command takes. */
#define FL_ACCEPTS_SELECTION                                                                       \
    (FL_OPT_BIT(FL_OPT_KEYWORD) | FL_OPT_BIT(FL_OPT_TAG) | FL_OPT_BIT(FL_OPT_LAST_FAILED) |        \
     FL_OPT_BIT(FL_OPT_FAILED_FIRST))
#define FL_ACCEPTS_RUN                                                                             \
    (FL_OPT_BIT(FL_OPT_SEEDS) | FL_OPT_BIT(FL_OPT_SEED) | FL_OPT_BIT(FL_OPT_POLICY) |              \
     FL_OPT_BIT(FL_OPT_SCHEDULE) | FL_OPT_BIT(FL_OPT_JUNIT) | FL_OPT_BIT(FL_OPT_JSON) |            \
     FL_OPT_BIT(FL_OPT_JOBS) | FL_OPT_BIT(FL_OPT_TIMEOUT) | FL_OPT_BIT(FL_OPT_SHARD) |             \
     FL_OPT_BIT(FL_OPT_TRACE_FAILURES) | FL_OPT_BIT(FL_OPT_MARKS) |                                \
     FL_OPT_BIT(FL_OPT_REQUIRE_MARKS) | FL_OPT_BIT(FL_OPT_MATRIX) |                                \
     FL_OPT_BIT(FL_OPT_SELF_CHECK) | FL_OPT_BIT(FL_OPT_HTML) | FL_ACCEPTS_SELECTION |              \
     FL_OPT_BIT(FL_OPT_EXIT_FIRST) | FL_OPT_BIT(FL_OPT_QUIET) | FL_OPT_BIT(FL_OPT_VERBOSE))
/* merge reads the shards' --json files (the paths) and writes the reports run would. */
#define FL_ACCEPTS_MERGE                                                                           \
    (FL_OPT_BIT(FL_OPT_JUNIT) | FL_OPT_BIT(FL_OPT_JSON) | FL_OPT_BIT(FL_OPT_MARKS) |               \
     FL_OPT_BIT(FL_OPT_REQUIRE_MARKS) | FL_OPT_BIT(FL_OPT_MATRIX) |                                \
     FL_OPT_BIT(FL_OPT_COVERAGE_TRACEFILE) | FL_OPT_BIT(FL_OPT_COVERAGE_OUT) |                     \
     FL_OPT_BIT(FL_OPT_HTML))
#define FL_ACCEPTS_RUN_ONE                                                                         \
    (FL_OPT_BIT(FL_OPT_SEEDS) | FL_OPT_BIT(FL_OPT_POLICY) | FL_OPT_BIT(FL_OPT_SCHEDULE) |          \
     FL_OPT_BIT(FL_OPT_SELF_CHECK))
#define FL_ACCEPTS_SHRINK                                                                          \
    (FL_OPT_BIT(FL_OPT_SEED) | FL_OPT_BIT(FL_OPT_POLICY) | FL_OPT_BIT(FL_OPT_SCHEDULE) |           \
     FL_OPT_BIT(FL_OPT_DEPTH) | FL_OPT_BIT(FL_OPT_OUT))
#define FL_ACCEPTS_EXPLORE                                                                         \
    (FL_OPT_BIT(FL_OPT_POLICY) | FL_OPT_BIT(FL_OPT_RUNS) | FL_OPT_BIT(FL_OPT_DEPTH) |              \
     FL_OPT_BIT(FL_OPT_BOUND) | FL_OPT_BIT(FL_OPT_TIME) | FL_OPT_BIT(FL_OPT_JOBS) |                \
     FL_OPT_BIT(FL_OPT_TIMEOUT))
/* explore-one: a worker's side of explore --jobs. */
#define FL_ACCEPTS_EXPLORE_ONE                                                                     \
    (FL_OPT_BIT(FL_OPT_POLICY) | FL_OPT_BIT(FL_OPT_DEPTH) | FL_OPT_BIT(FL_OPT_SEEDS))
#define FL_ACCEPTS_REPLAY                                                                          \
    (FL_OPT_BIT(FL_OPT_SEED) | FL_OPT_BIT(FL_OPT_POLICY) | FL_OPT_BIT(FL_OPT_SCHEDULE) |           \
     FL_OPT_BIT(FL_OPT_TRACE) | FL_OPT_BIT(FL_OPT_DEPTH))
#define FL_ACCEPTS_SERVE                                                                           \
    (FL_OPT_BIT(FL_OPT_LISTEN) | FL_OPT_BIT(FL_OPT_DURATION) | FL_OPT_BIT(FL_OPT_LOG_LEVEL) |      \
     FL_OPT_BIT(FL_OPT_LOG_JSON) | FL_OPT_BIT(FL_OPT_GRACEFUL_TIMEOUT))
/* proxy: its one path, the fault file, is optional. */
#define FL_ACCEPTS_PROXY                                                                           \
    (FL_OPT_BIT(FL_OPT_LISTEN) | FL_OPT_BIT(FL_OPT_UPSTREAM) | FL_OPT_BIT(FL_OPT_ADMIN) |          \
     FL_OPT_BIT(FL_OPT_LOG) | FL_OPT_BIT(FL_OPT_SEED) | FL_OPT_BIT(FL_OPT_ALLOW_REMOTE) |          \
     FL_OPT_BIT(FL_OPT_DURATION) | FL_PATHS_OPTIONAL)
/* check and list select as run does. */
#define FL_ACCEPTS_FILES_ONLY FL_ACCEPTS_SELECTION

enum {
    FL_OPTIONS_PATHS_MAX = 256,
    FL_OPTIONS_TRACEFILES_MAX = 256,
    FL_OPTIONS_TIMEOUT_DEFAULT_S = 300,
    FL_OPTIONS_JOBS_MAX = 1024,
    FL_OPTIONS_TAGS_MAX = 16,
};

typedef struct fl_options {
    const char *paths[FL_OPTIONS_PATHS_MAX]; /* borrowed from argv */
    size_t path_count;
    const char *policy; /* NULL: the scenario's; "replay" when a schedule is given */
    bool has_seeds;
    uint64_t seed_first, seed_last; /* --seeds */
    bool has_seed;
    uint64_t seed; /* --seed (replay) */
    const char *schedule;
    const char *junit;
    const char *json;
    const char *trace;                 /* replay: Chrome trace-event JSON goes here */
    const char *trace_failures;        /* run: a directory for a Chrome trace per failing seed */
    unsigned jobs;                     /* 0: --jobs not given */
    unsigned shard_index, shard_count; /* --shard K/N (index K-1); count 0: no sharding */
    uint64_t timeout_seconds;          /* per scenario, with workers only */
    bool marks;                        /* --marks: print the coverage marks the run hit */
    bool require_marks;                /* --require-marks: fail on a mark never hit */
    bool matrix;                       /* --matrix: print the fault x protocol-state matrix */
    uint64_t runs;                     /* explore: runs a policy (0: not given) */
    uint32_t depth;                    /* --depth: pct's d (0: not given) */
    uint32_t self_check_per_million;   /* --self-check P%: passing seeds run twice */
    const char *self_check;            /* its value as given, for the workers' argv */
    uint32_t bound;                    /* explore --policy dfs: the delay bound */
    const char *out;                   /* shrink --out: the file to write */
    bool has_bound;
    const char *coverage_tracefiles[FL_OPTIONS_TRACEFILES_MAX]; /* merge: gcovr JSON, argv's */
    size_t coverage_tracefile_count;
    const char *coverage_out;              /* merge: the directory for gcovr's merged reports */
    const char *html;                      /* run: a directory for the HTML report (index.html) */
    uint64_t time_seconds;                 /* explore --time: a wall-clock budget (0: none) */
    const char *keyword;                   /* -k: a name expression (selection.h), or NULL */
    const char *tags[FL_OPTIONS_TAGS_MAX]; /* --tag: a scenario with any of them is selected */
    size_t tag_count;
    bool exit_first;   /* -x: stop after the first scenario that fails */
    bool last_failed;  /* --lf: only the scenarios that failed last time */
    bool failed_first; /* --ff: those first, then the rest */
    bool quiet;        /* -q: no line for a scenario that held */
    bool verbose;      /* -v: each scenario's name beside its file */
    const char *listen;        /* serve --listen HOST:PORT, as given (serve checks it) */
    uint64_t duration_seconds; /* serve --duration (0: until interrupted) */
    const char *log_level;     /* serve --log-level: uvicorn's level names */
    bool log_json;             /* serve --log-json: one JSON object per line */
    bool has_graceful_timeout;
    uint64_t graceful_timeout_seconds; /* serve --timeout-graceful-shutdown */
    const char *upstream;      /* proxy --upstream HOST:PORT, as given (proxy checks it) */
    const char *log;           /* proxy --log FILE */
    bool allow_remote;         /* proxy --allow-remote: listen beyond loopback */
    const char *admin;         /* proxy --admin HOST:PORT, as given */
} fl_options_t;

/* Parses argv[1..argc) (argv[0] is the command's name) into o with
 * getopt_long: options anywhere among the paths, "--opt value" or
 * "--opt=value", short options (-k EXPR, -x, -q, -v), and "--" before
 * paths that start with '-'. Takes the options in accepts and at least one
 * path (none is fine with FL_PATHS_OPTIONAL); argv's order may change. Returns 0, or 2 after a message and the
 * synopsis on err. */
int fl_options_parse(int argc, char **argv, fl_options_t *o, const char *usage,
                     fl_option_set_t accepts, FILE *err);

/* After a usage error's message: the command's synopsis lines (not the
 * whole help) and the --help hint. */
void fl_options_print_synopsis(FILE *err, const char *command, const char *usage);

/* True when argv holds --help or -h (before a "--"). */
bool fl_options_wants_help(int argc, char **argv);

/* The run configuration the options ask for (policy, schedule, seeds). */
fl_run_config_t fl_options_run_config(const fl_options_t *o);

#endif /* FL_HARNESS_OPTIONS_H */
