/* The shared options, one row each. See options.h. */
#include "harness/cli/options.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/workers.h"
#include "harness/real/serve_log.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

/* Digits only. strtoull alone would take leading spaces and a sign, and
 * wrap a negative number around: --seed " -1" once replayed seed 2^64-1. */
static bool parse_u64(const char *text, uint64_t *out) {
    assert(out != NULL);
    if (text == NULL || !isdigit((unsigned char)text[0])) return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0') return false;
    *out = v;
    return true;
}

static bool parse_range(const char *text, uint64_t *first, uint64_t *last) {
    assert(text != NULL && first != NULL && last != NULL);
    const char *dots = strstr(text, "..");
    if (dots == NULL) {
        if (!parse_u64(text, first)) return false;
        *last = *first;
        return true;
    }
    char head[32];
    size_t n = (size_t)(dots - text);
    if (n == 0 || n >= sizeof head) return false;
    memcpy(head, text, n);
    head[n] = '\0';
    return parse_u64(head, first) && parse_u64(dots + 2, last) && *first <= *last;
}

/* K/N with 1 <= K <= N <= 1024. */
static bool parse_shard(const char *text, unsigned *index_out, unsigned *count_out) {
    assert(index_out != NULL && count_out != NULL);
    if (text == NULL) return false;
    const char *slash = strchr(text, '/');
    if (slash == NULL || slash == text) return false;
    char head[32];
    size_t n = (size_t)(slash - text);
    if (n >= sizeof head) return false;
    memcpy(head, text, n);
    head[n] = '\0';
    uint64_t k, total;
    if (!parse_u64(head, &k) || !parse_u64(slash + 1, &total)) return false;
    if (k == 0 || total == 0 || k > total || total > 1024) return false;
    *index_out = (unsigned)(k - 1);
    *count_out = (unsigned)total;
    return true;
}

static bool parse_jobs(const char *text, unsigned *out) {
    assert(out != NULL);
    uint64_t n;
    if (text != NULL && strcmp(text, "auto") == 0) {
        *out = fl_workers_default_count();
        assert(*out >= 1); /* fl_workers_default_count's promise */
        return true;
    }
    if (!parse_u64(text, &n) || n == 0 || n > FL_OPTIONS_JOBS_MAX) return false;
    *out = (unsigned)n;
    return true;
}

/* One option: its name, its short letter (0: none), its id, and a hint
 * for a command that does not take it. */
typedef struct option_row {
    const char *name;
    char letter;
    fl_option_id_t id;
    const char *takes; /* what its value is, for messages */
    const char *hint;  /* appended when a command does not take it, or NULL */
} option_row_t;

/* The options that take no value. */
static const fl_option_set_t FLAG_OPTIONS =
    FL_OPT_BIT(FL_OPT_MARKS) | FL_OPT_BIT(FL_OPT_REQUIRE_MARKS) | FL_OPT_BIT(FL_OPT_MATRIX) |
    FL_OPT_BIT(FL_OPT_EXIT_FIRST) | FL_OPT_BIT(FL_OPT_LAST_FAILED) |
    FL_OPT_BIT(FL_OPT_FAILED_FIRST) | FL_OPT_BIT(FL_OPT_QUIET) | FL_OPT_BIT(FL_OPT_VERBOSE) |
    FL_OPT_BIT(FL_OPT_LOG_JSON) | FL_OPT_BIT(FL_OPT_ALLOW_REMOTE);

static const option_row_t OPTION_ROWS[] = {
    {"--seeds", 0, FL_OPT_SEEDS, "A..B with A <= B (or one seed N)",
     " (replay runs one seed: --seed N)"},
    {"--seed", 0, FL_OPT_SEED, "a number", " (run, replay, shrink and proxy take it)"},
    {"--policy", 0, FL_OPT_POLICY, "fifo, random, trio, pct or replay", NULL},
    {"--schedule", 0, FL_OPT_SCHEDULE, "a choice list as replay prints it", NULL},
    {"--junit", 0, FL_OPT_JUNIT, "a file to write", NULL},
    {"--json", 0, FL_OPT_JSON, "a file to write", NULL},
    {"--trace", 0, FL_OPT_TRACE, "a file to write",
     " (Chrome traces come from replay --trace FILE, one seed, or from run --trace-failures DIR)"},
    {"--jobs", 0, FL_OPT_JOBS, "1..1024 or auto", NULL},
    {"--timeout", 0, FL_OPT_TIMEOUT, "a number of seconds > 0", NULL},
    {"--shard", 0, FL_OPT_SHARD, "K/N with 1 <= K <= N <= 1024", NULL},
    {"--trace-failures", 0, FL_OPT_TRACE_FAILURES, "a directory to write traces into",
     " (it is run's; replay writes one seed's trace with --trace FILE)"},
    {"--marks", 0, FL_OPT_MARKS, "no value", NULL},
    {"--require-marks", 0, FL_OPT_REQUIRE_MARKS, "no value", NULL},
    {"--matrix", 0, FL_OPT_MATRIX, "no value", NULL},
    {"--runs", 0, FL_OPT_RUNS, "a number of runs, 1..10000000",
     " (explore's; run takes --seeds A..B)"},
    {"--depth", 0, FL_OPT_DEPTH, "pct's depth, 1..16", NULL},
    {"--coverage-tracefile", 0, FL_OPT_COVERAGE_TRACEFILE, "a gcovr JSON tracefile (repeatable)",
     " (it is merge's: faultline merge SHARD.jsonl... --coverage-tracefile F --coverage-out DIR)"},
    {"--coverage-out", 0, FL_OPT_COVERAGE_OUT, "a directory for the merged coverage reports",
     " (it is merge's)"},
    {"--self-check", 0, FL_OPT_SELF_CHECK, "a share of the passing seeds, 0%..100% (e.g. 5%)",
     NULL},
    {"--bound", 0, FL_OPT_BOUND, "a delay bound, 0..64", NULL},
    {"--out", 0, FL_OPT_OUT, "a file to write", " (it is shrink's)"},
    {"--html", 0, FL_OPT_HTML, "a directory to write index.html into",
     " (it is run's: faultline run PATH --html DIR writes DIR/index.html)"},
    {"--time", 0, FL_OPT_TIME, "a number of seconds, 1..86400", " (it is explore's)"},
    {"--keyword", 'k', FL_OPT_KEYWORD, "a name expression: words, and, or, not, ( )",
     " (run, check and list select with it)"},
    {"--tag", 0, FL_OPT_TAG, "a tag (repeatable: any of them selects)",
     " (run, check and list select with it)"},
    {"--exitfirst", 'x', FL_OPT_EXIT_FIRST, "no value", " (it is run's)"},
    {"--lf", 0, FL_OPT_LAST_FAILED, "no value", " (run, check and list select with it)"},
    {"--ff", 0, FL_OPT_FAILED_FIRST, "no value", " (run, check and list select with it)"},
    {"--quiet", 'q', FL_OPT_QUIET, "no value", " (it is run's)"},
    {"--verbose", 'v', FL_OPT_VERBOSE, "no value", " (it is run's)"},
    {"--listen", 0, FL_OPT_LISTEN, "HOST:PORT", " (serve and proxy take it)"},
    {"--duration", 0, FL_OPT_DURATION, "whole seconds, 1..31536000", " (serve and proxy take it)"},
    {"--log-level", 0, FL_OPT_LOG_LEVEL, "critical, error, warning, info, debug or trace",
     " (it is serve's)"},
    {"--log-json", 0, FL_OPT_LOG_JSON, "no value", " (it is serve's)"},
    {"--timeout-graceful-shutdown", 0, FL_OPT_GRACEFUL_TIMEOUT, "whole seconds, 0..86400",
     " (it is serve's)"},
    {"--upstream", 0, FL_OPT_UPSTREAM, "HOST:PORT", " (it is proxy's)"},
    {"--log", 0, FL_OPT_LOG, "a file to write", " (it is proxy's; serve takes --log-level)"},
    {"--allow-remote", 0, FL_OPT_ALLOW_REMOTE, "no value", " (it is proxy's)"},
    {"--admin", 0, FL_OPT_ADMIN, "HOST:PORT", " (it is proxy's)"},
};
enum { OPTION_ROW_COUNT = sizeof OPTION_ROWS / sizeof OPTION_ROWS[0] };
_Static_assert((int)OPTION_ROW_COUNT == (int)FL_OPT_COUNT, "a row per option");

/* getopt_long's value for a row: its letter, or a number past every
 * letter for an option that has none. */
enum { LONG_ONLY_BASE = 256 };

static int getopt_value(size_t row) {
    assert(row < OPTION_ROW_COUNT);
    /* Row i is option i, in fl_option_id_t's order. */
    assert(OPTION_ROWS[row].id == (fl_option_id_t)row && OPTION_ROWS[row].takes != NULL);
    assert(strncmp(OPTION_ROWS[row].name, "--", 2) == 0);
    return OPTION_ROWS[row].letter != 0 ? OPTION_ROWS[row].letter : LONG_ONLY_BASE + (int)row;
}

static const option_row_t *row_of_value(int value) {
    for (size_t i = 0; i < OPTION_ROW_COUNT; i++)
        if (getopt_value(i) == value) return &OPTION_ROWS[i];
    return NULL;
}

static bool is_flag(const option_row_t *row) {
    assert(row != NULL);
    return (FLAG_OPTIONS & FL_OPT_BIT(row->id)) != 0;
}

/* getopt_long's tables from the rows: the long options, and the letters
 * (":" first, so that a missing value is told from an unknown option). */
static void getopt_tables(struct option *longs, char *letters, size_t letters_size) {
    assert(longs != NULL && letters != NULL && letters_size > 2 * OPTION_ROW_COUNT + 1);
    size_t used = 0;
    letters[used++] = ':';
    for (size_t i = 0; i < OPTION_ROW_COUNT; i++) {
        const option_row_t *row = &OPTION_ROWS[i];
        longs[i] = (struct option){row->name + 2, is_flag(row) ? no_argument : required_argument,
                                   NULL, getopt_value(i)};
        if (row->letter == 0) continue;
        letters[used++] = row->letter;
        if (!is_flag(row)) letters[used++] = ':';
    }
    longs[OPTION_ROW_COUNT] = (struct option){NULL, 0, NULL, 0};
    assert(used < letters_size);
    letters[used] = '\0';
}

/* "5%" or "5" (up to three decimals): per million of the seeds. */
static bool parse_share(const char *value, uint32_t *per_million) {
    assert(per_million != NULL);
    /* strtod would take spaces, signs, "inf", "nan" and hexadecimal: a share starts with
     * a digit. */
    if (value == NULL || !isdigit((unsigned char)value[0])) return false;
    char *end;
    errno = 0;
    double percent = strtod(value, &end);
    if (end == value || errno != 0 || (*end != '\0' && strcmp(end, "%") != 0)) return false;
    if (!(percent >= 0.0 && percent <= 100.0)) return false;
    *per_million = (uint32_t)(percent * 10000.0 + 0.5);
    assert(*per_million <= 1000000);
    return true;
}

/* explore --time: whole seconds, a second to a day. */
static bool parse_time_budget(const char *value, uint64_t *seconds) {
    return parse_u64(value, seconds) && *seconds >= 1 && *seconds <= 86400;
}

/* After a usage error's message: the command's synopsis (the usage text's
 * first line and the option lines that continue it, not the description
 * after them) and where the whole help is. */
void fl_options_print_synopsis(FILE *err, const char *command, const char *usage) {
    assert(err != NULL && command != NULL && usage != NULL);
    const char *line = usage;
    for (bool first = true; *line != '\0'; first = false) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        size_t indent = strspn(line, " ");
        if (!first && (indent >= length || (line[indent] != '[' && line[indent] != '-'))) break;
        fprintf(err, "%.*s\n", (int)length, line);
        if (end == NULL) break;
        line = end + 1;
    }
    fprintf(err, "Try 'faultline %s --help' for more.\n", command);
}

/* A number in min..max (within 32 bits). */
static bool parse_u32_within(const char *text, uint64_t min, uint64_t max, uint32_t *out) {
    assert(min <= max && max <= UINT32_MAX && out != NULL);
    uint64_t n;
    if (!parse_u64(text, &n) || n < min || n > max) return false;
    *out = (uint32_t)n;
    return true;
}

/* The options of run's selection and output, and serve's: as
 * read_option_value, for the ids from FL_OPT_KEYWORD on. */
static bool read_late_option_value(fl_option_id_t id, const char *value, fl_options_t *o) {
    assert(o != NULL && id >= FL_OPT_KEYWORD && id < FL_OPT_COUNT);
    switch (id) {
    case FL_OPT_KEYWORD: return (o->keyword = value) != NULL && *value != '\0';
    case FL_OPT_TAG:
        /* Repeatable, as --coverage-tracefile. */
        if (value == NULL || *value == '\0' || o->tag_count == FL_OPTIONS_TAGS_MAX) return false;
        o->tags[o->tag_count++] = value;
        return true;
    case FL_OPT_EXIT_FIRST: return (o->exit_first = true);
    case FL_OPT_LAST_FAILED: return (o->last_failed = true);
    case FL_OPT_FAILED_FIRST: return (o->failed_first = true);
    case FL_OPT_QUIET: return (o->quiet = true);
    case FL_OPT_VERBOSE: return (o->verbose = true);
    case FL_OPT_LISTEN: return (o->listen = value) != NULL;
    case FL_OPT_DURATION:
        return parse_u64(value, &o->duration_seconds) && o->duration_seconds >= 1 &&
               o->duration_seconds <= 31536000;
    case FL_OPT_LOG_LEVEL: return (o->log_level = value) != NULL && fl_log_level_valid(value);
    case FL_OPT_LOG_JSON: return (o->log_json = true);
    case FL_OPT_GRACEFUL_TIMEOUT:
        return (o->has_graceful_timeout = parse_u64(value, &o->graceful_timeout_seconds) &&
                                          o->graceful_timeout_seconds <= 86400);
    case FL_OPT_UPSTREAM: return (o->upstream = value) != NULL && *value != '\0';
    case FL_OPT_LOG: return (o->log = value) != NULL && *value != '\0';
    case FL_OPT_ALLOW_REMOTE: return (o->allow_remote = true);
    case FL_OPT_ADMIN: return (o->admin = value) != NULL && *value != '\0';
    default: break;
    }
    assert(!"every option row is handled");
    return false;
}

/* Reads one option's value into o; false when the value is not one. */
static bool read_option_value(fl_option_id_t id, const char *value, fl_options_t *o) {
    assert(o != NULL);
    if (id >= FL_OPT_KEYWORD) return read_late_option_value(id, value, o);
    switch (id) {
    case FL_OPT_SEEDS:
        if (value == NULL || !parse_range(value, &o->seed_first, &o->seed_last)) return false;
        assert(o->seed_first <= o->seed_last); /* start_outcome and the runner rely on it */
        o->has_seeds = true;
        return true;
    case FL_OPT_SEED:
        if (!parse_u64(value, &o->seed)) return false;
        o->has_seed = true;
        return true;
    case FL_OPT_POLICY:
        if (value == NULL || !fl_policy_name_valid(value)) return false;
        o->policy = value;
        return true;
    case FL_OPT_SCHEDULE: return (o->schedule = value) != NULL;
    case FL_OPT_TRACE: return (o->trace = value) != NULL;
    case FL_OPT_JUNIT: return (o->junit = value) != NULL;
    case FL_OPT_JSON: return (o->json = value) != NULL;
    case FL_OPT_JOBS: return parse_jobs(value, &o->jobs);
    case FL_OPT_TIMEOUT:
        return parse_u64(value, &o->timeout_seconds) && o->timeout_seconds != 0 &&
               o->timeout_seconds <= UINT64_MAX / 1000;
    case FL_OPT_SHARD: return parse_shard(value, &o->shard_index, &o->shard_count);
    case FL_OPT_TRACE_FAILURES: return (o->trace_failures = value) != NULL && *value != '\0';
    case FL_OPT_MARKS: return (o->marks = true);
    case FL_OPT_REQUIRE_MARKS: return (o->require_marks = true);
    case FL_OPT_MATRIX: return (o->matrix = true);
    case FL_OPT_RUNS: return parse_u64(value, &o->runs) && o->runs >= 1 && o->runs <= 10000000;
    case FL_OPT_DEPTH: return parse_u32_within(value, 1, FL_PCT_DEPTH_MAX, &o->depth);
    case FL_OPT_COVERAGE_TRACEFILE:
        /* Repeatable: a full list is refused as a bad value (the message says what it takes). */
        if (value == NULL || *value == '\0' ||
            o->coverage_tracefile_count == FL_OPTIONS_TRACEFILES_MAX)
            return false;
        o->coverage_tracefiles[o->coverage_tracefile_count++] = value;
        return true;
    case FL_OPT_COVERAGE_OUT: return (o->coverage_out = value) != NULL && *value != '\0';
    case FL_OPT_OUT: return (o->out = value) != NULL && *value != '\0';
    case FL_OPT_BOUND: return (o->has_bound = parse_u32_within(value, 0, 64, &o->bound));
    case FL_OPT_SELF_CHECK:
        return parse_share(value, &o->self_check_per_million) && (o->self_check = value) != NULL;
    case FL_OPT_HTML: return (o->html = value) != NULL && *value != '\0';
    case FL_OPT_TIME: return parse_time_budget(value, &o->time_seconds);
    default: break;
    }
    assert(!"every option row is handled");
    return false;
}

/* Reads one option's value into o; returns 0, or 2 after a message that
 * says what the option takes. */
static int parse_option_value(const option_row_t *row, const char *value, fl_options_t *o,
                              const char *command, const char *usage, FILE *err) {
    assert(row != NULL && o != NULL && command != NULL && usage != NULL && err != NULL);
    assert(row >= OPTION_ROWS && row < OPTION_ROWS + OPTION_ROW_COUNT);
    if (read_option_value(row->id, value, o)) return 0;
    if (value == NULL)
        fprintf(err, "faultline %s: %s needs a value (%s)\n", command, row->name, row->takes);
    else
        fprintf(err, "faultline %s: %s takes %s, got '%s'\n", command, row->name, row->takes,
                value);
    fl_options_print_synopsis(err, command, usage);
    return 2;
}

/* A schedule means the replay policy, and the replay policy needs one;
 * the schedule must parse. Returns 0, or 2 after a message. */
static int check_schedule(fl_options_t *o, const char *command, const char *usage, FILE *err) {
    assert(o != NULL && command != NULL && usage != NULL && err != NULL);
    if (o->schedule != NULL && o->policy != NULL && strcmp(o->policy, "replay") != 0) {
        fprintf(err, "faultline %s: --schedule runs the replay policy, not '%s'\n", command,
                o->policy);
        fl_options_print_synopsis(err, command, usage);
        return 2;
    }
    if (o->schedule != NULL) {
        o->policy = "replay";
        char problem[256];
        uint32_t *choices = NULL;
        size_t choice_count = 0;
        if (fl_schedule_parse(o->schedule, &choices, &choice_count, problem, sizeof problem) !=
            FL_OK) {
            fprintf(err, "faultline %s: --schedule: %s\n", command, problem);
            fl_options_print_synopsis(err, command, usage);
            return 2;
        }
        assert(choices != NULL || choice_count == 0);
        free(choices);
    }
    if (o->policy != NULL && strcmp(o->policy, "replay") == 0 && o->schedule == NULL) {
        fprintf(err,
                "faultline %s: --policy replay needs --schedule S (the choice list to "
                "replay)\n",
                command);
        fl_options_print_synopsis(err, command, usage);
        return 2;
    }
    /* A schedule if and only if the replay policy. */
    assert((o->schedule != NULL) == (o->policy != NULL && strcmp(o->policy, "replay") == 0));
    return 0;
}

/* What getopt_long refused ('?' or ':'), said on err. */
static int refused_option(int refusal, int argc, char **argv, const char *command,
                          const char *usage, FILE *err) {
    assert(refusal == '?' || refusal == ':');
    const option_row_t *row = row_of_value(optopt);
    /* A long option's text is the argument getopt_long just passed. */
    const char *given = optind >= 1 && optind <= argc ? argv[optind - 1] : "?";
    if (refusal == ':' && row != NULL)
        fprintf(err, "faultline %s: %s needs a value (%s)\n", command, row->name, row->takes);
    else if (row != NULL && is_flag(row))
        fprintf(err, "faultline %s: %s takes no value, got '%s'\n", command, row->name, given);
    else if (optopt > 0 && optopt < LONG_ONLY_BASE)
        fprintf(err, "faultline %s: unknown option '-%c'\n", command, optopt);
    else
        fprintf(err, "faultline %s: unknown option '%s'\n", command, given);
    fl_options_print_synopsis(err, command, usage);
    return 2;
}

/* The paths after the options: at least one, at most FL_OPTIONS_PATHS_MAX. */
static int take_paths(int first, int argc, char **argv, fl_options_t *o, const char *command,
                      const char *usage, bool optional, FILE *err) {
    assert(first >= 1 && first <= argc && o->path_count == 0);
    if (argc - first > FL_OPTIONS_PATHS_MAX) {
        fprintf(err, "faultline %s: more than %d paths: give directories instead\n", command,
                FL_OPTIONS_PATHS_MAX);
        return 2;
    }
    for (int i = first; i < argc; i++) o->paths[o->path_count++] = argv[i];
    if (o->path_count > 0 || optional) return 0;
    /* merge's paths are the shards' results; every other command's, scenarios. */
    fprintf(err, "faultline %s: no %s given\n", command,
            strcmp(command, "merge") == 0 ? "shard's --json file" : "scenario file or directory");
    fl_options_print_synopsis(err, command, usage);
    return 2;
}

int fl_options_parse(int argc, char **argv, fl_options_t *o, const char *usage,
                     fl_option_set_t accepts, FILE *err) {
    assert(argc >= 1 && argv != NULL && o != NULL && usage != NULL && err != NULL);
    /* options' bits only, and the paths' */
    assert((accepts & ~(FL_OPT_BIT(FL_OPT_COUNT) - 1) & ~FL_PATHS_OPTIONAL) == 0);
    memset(o, 0, sizeof *o);
    o->timeout_seconds = FL_OPTIONS_TIMEOUT_DEFAULT_S;
    const char *command = argv[0];
    struct option longs[OPTION_ROW_COUNT + 1];
    char letters[2 * OPTION_ROW_COUNT + 2];
    getopt_tables(longs, letters, sizeof letters);
    /* 0 resets getopt_long's state, which a test's repeated calls need;
     * the messages are ours. */
    optind = 0;
    opterr = 0;
    int value;
    while ((value = getopt_long(argc, argv, letters, longs, NULL)) != -1) {
        if (value == '?' || value == ':')
            return refused_option(value, argc, argv, command, usage, err);
        const option_row_t *row = row_of_value(value);
        assert(row != NULL); /* getopt_long gives only the values of the tables */
        if (!(accepts & FL_OPT_BIT(row->id))) {
            fprintf(err, "faultline %s: %s is not an option of %s%s\n", command, row->name, command,
                    row->hint ? row->hint : "");
            fl_options_print_synopsis(err, command, usage);
            return 2;
        }
        int status = parse_option_value(row, is_flag(row) ? NULL : optarg, o, command, usage, err);
        if (status != 0) return status;
    }
    assert(optind >= 1 && optind <= argc);
    int status =
        take_paths(optind, argc, argv, o, command, usage, (accepts & FL_PATHS_OPTIONAL) != 0, err);
    if (status != 0) return status;
    assert(o->path_count <= FL_OPTIONS_PATHS_MAX);
    assert(o->path_count > 0 || (accepts & FL_PATHS_OPTIONAL));
    return check_schedule(o, command, usage, err);
}

bool fl_options_wants_help(int argc, char **argv) {
    assert(argc >= 1 && argv != NULL);
    for (int i = 1; i < argc; i++) {
        assert(argv[i] != NULL);
        if (strcmp(argv[i], "--") == 0) return false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    }
    return false;
}

fl_run_config_t fl_options_run_config(const fl_options_t *o) {
    assert(o != NULL);
    /* As fl_options_parse leaves them: check_schedule and parse_range's. */
    assert(o->schedule == NULL || (o->policy != NULL && strcmp(o->policy, "replay") == 0));
    assert(!o->has_seeds || o->seed_first <= o->seed_last);
    fl_run_config_t config = {.policy = o->policy,
                              .schedule = o->schedule,
                              .pct_depth = o->depth,
                              .self_check_per_million = o->self_check_per_million};
    if (o->has_seeds) {
        config.has_seed_range = true;
        config.seed_first = o->seed_first;
        config.seed_last = o->seed_last;
    }
    return config;
}
