/* The scenario commands: see commands.h. */
#include "harness/commands.h"

#include <dirent.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "harness/json.h"
#include "harness/loader.h"
#include "harness/runner.h"
#include "harness/workers.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/status.h"

/* Bounds: a suite is a few hundred files, not an unbounded walk. */
enum { FILES_MAX = 4096, DEPTH_MAX = 16 };

typedef struct file_list {
    char *paths[FILES_MAX];
    size_t count;
    bool overflow;
} file_list_t;

static bool ends_with(const char *text, const char *suffix) {
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static int compare_paths(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_file(file_list_t *list, const char *path) {
    if (list->count == FILES_MAX) {
        list->overflow = true;
        return;
    }
    list->paths[list->count++] = strdup(path);
}

/* Collects *.yaml and *.yml files under path (sorted per directory, so the
 * order never depends on the file system). */
static int collect(file_list_t *list, const char *path, int depth, FILE *err) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(err, "%s: error: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        add_file(list, path);
        return 0;
    }
    if (depth > DEPTH_MAX) {
        fprintf(err, "%s: error: directories nested too deep\n", path);
        return -1;
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(err, "%s: error: cannot open directory: %s\n", path, strerror(errno));
        return -1;
    }
    char *names[FILES_MAX];
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && count < FILES_MAX) {
        if (entry->d_name[0] == '.') continue;
        names[count++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], compare_paths);
    int status = 0;
    for (size_t i = 0; i < count; i++) {
        char child[4096];
        snprintf(child, sizeof child, "%s%s%s", path, ends_with(path, "/") ? "" : "/", names[i]);
        struct stat child_st;
        if (stat(child, &child_st) == 0 && S_ISDIR(child_st.st_mode)) {
            if (collect(list, child, depth + 1, err) != 0) status = -1;
        } else if (ends_with(names[i], ".yaml") || ends_with(names[i], ".yml")) {
            add_file(list, child);
        }
        free(names[i]);
    }
    return status;
}

static void free_files(file_list_t *list) {
    for (size_t i = 0; i < list->count; i++) free(list->paths[i]);
    list->count = 0;
}

/* --- options ------------------------------------------------------------------------ */

typedef struct options {
    const char *paths[256];
    size_t path_count;
    const char *policy;
    bool has_seeds;
    uint64_t seed_first, seed_last;
    bool has_seed;
    uint64_t seed;
    const char *schedule;
    const char *junit;
    const char *json;
    const char *trace;  /* replay: Chrome trace-event JSON goes here */
    unsigned jobs;            /* 0: --jobs not given (in-process) */
    unsigned shard_index, shard_count; /* run: --shard K/N (index K-1); count 0: no sharding */
    uint64_t timeout_seconds; /* per scenario, with workers only */
} options_t;

static bool parse_u64(const char *text, uint64_t *out) {
    if (text == NULL || *text == '\0') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || text[0] == '-') return false;
    *out = v;
    return true;
}

static bool parse_range(const char *text, uint64_t *first, uint64_t *last) {
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

static const char *RUN_USAGE =
    "usage: faultline run PATH... [--seeds A..B] [--policy fifo|random|trio|replay] "
    "[--schedule S]\n"
    "                    [--junit FILE] [--json FILE] [--jobs N|auto] [--timeout SECONDS]\n"
    "                    [--shard K/N]\n"
    "  runs every scenario file under PATH (directories are searched for *.yaml) for every\n"
    "  seed; prints one line per scenario and the command that replays each failure.\n"
    "  --jobs N runs the scenarios in N worker processes (auto: one per CPU); a worker that\n"
    "  crashes is reported CRASHED, one that runs longer than --timeout (default 300)\n"
    "  seconds is killed and reported TIMEOUT. The default is one worker per CPU; with\n"
    "  --jobs 1 every scenario runs in this process, one after another, with no limit.\n"
    "  --schedule S (a choice list as replay prints it, e.g. 0*12.2.1) runs every seed under\n"
    "  the replay policy with that schedule; --policy replay needs one.\n"
    "  --shard K/N runs the K-th of N interleaved shares of the files (in path order):\n"
    "  file i (from 0) when i mod N = K-1, so N machines with K = 1..N run each file once.\n";

enum { TIMEOUT_SECONDS_DEFAULT = 300, JOBS_MAX = 1024 };

static bool parse_jobs(const char *text, unsigned *out) {
    uint64_t n;
    if (text != NULL && strcmp(text, "auto") == 0) {
        *out = fl_workers_default_count();
        return true;
    }
    if (!parse_u64(text, &n) || n == 0 || n > JOBS_MAX) return false;
    *out = (unsigned)n;
    return true;
}

static bool wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

/* The options the commands share, one row each: each command accepts a
 * set of them, and a known option given to a command that does not take
 * it is an error, never silently ignored (`run --seed 3` once ran every
 * seed). */
typedef enum option_id {
    OPT_SEEDS = 1u << 0,
    OPT_SEED = 1u << 1,
    OPT_POLICY = 1u << 2,
    OPT_SCHEDULE = 1u << 3,
    OPT_JUNIT = 1u << 4,
    OPT_JSON = 1u << 5,
    OPT_TRACE = 1u << 6,
    OPT_JOBS = 1u << 7,
    OPT_TIMEOUT = 1u << 8,
    OPT_SHARD = 1u << 9,
} option_id_t;

typedef struct option_row {
    const char *name;
    option_id_t id;
    const char *hint; /* appended when a command does not take it, or NULL */
} option_row_t;

static const option_row_t OPTION_ROWS[] = {
    {"--seeds", OPT_SEEDS, " (replay runs one seed: --seed N)"},
    {"--seed", OPT_SEED, " (it is replay's; to run one seed here, use --seeds N or --seeds N..N)"},
    {"--policy", OPT_POLICY, NULL},
    {"--schedule", OPT_SCHEDULE, NULL},
    {"--junit", OPT_JUNIT, NULL},
    {"--json", OPT_JSON, NULL},
    {"--trace", OPT_TRACE, " (Chrome traces come from replay --trace FILE, one seed)"},
    {"--jobs", OPT_JOBS, NULL},
    {"--timeout", OPT_TIMEOUT, NULL},
    {"--shard", OPT_SHARD, NULL},
};

enum {
    ACCEPTS_RUN = OPT_SEEDS | OPT_POLICY | OPT_SCHEDULE | OPT_JUNIT | OPT_JSON | OPT_JOBS |
                  OPT_TIMEOUT | OPT_SHARD,
    ACCEPTS_RUN_ONE = OPT_SEEDS | OPT_POLICY | OPT_SCHEDULE,
    ACCEPTS_REPLAY = OPT_SEED | OPT_POLICY | OPT_SCHEDULE | OPT_TRACE,
    ACCEPTS_FILES_ONLY = 0,
};

static const option_row_t *find_option(const char *name) {
    for (size_t i = 0; i < sizeof OPTION_ROWS / sizeof OPTION_ROWS[0]; i++)
        if (strcmp(OPTION_ROWS[i].name, name) == 0) return &OPTION_ROWS[i];
    return NULL;
}

/* Reads one option's value into o; returns 0, or 2 after a message. */
static int parse_option_value(const option_row_t *row, const char *value, options_t *o,
                              const char *command, const char *usage, FILE *err) {
    const char *shown = value ? value : "";
    switch (row->id) {
    case OPT_SEEDS:
        if (value == NULL || !parse_range(value, &o->seed_first, &o->seed_last)) {
            fprintf(err, "faultline %s: --seeds takes A..B with A <= B (or one seed N), got '%s'\n%s",
                    command, shown, usage);
            return 2;
        }
        o->has_seeds = true;
        return 0;
    case OPT_SEED:
        if (!parse_u64(value, &o->seed)) {
            fprintf(err, "faultline %s: --seed takes a number, got '%s'\n%s", command, shown, usage);
            return 2;
        }
        o->has_seed = true;
        return 0;
    case OPT_POLICY:
        if (value == NULL || !fl_policy_name_valid(value)) {
            fprintf(err, "faultline %s: unknown policy '%s' (fifo, random, trio, replay)\n%s",
                    command, shown, usage);
            return 2;
        }
        o->policy = value;
        return 0;
    case OPT_SCHEDULE:
    case OPT_JUNIT:
    case OPT_JSON:
    case OPT_TRACE:
        if (value == NULL) {
            fprintf(err, "faultline %s: %s needs a value\n%s", command, row->name, usage);
            return 2;
        }
        if (row->id == OPT_SCHEDULE) o->schedule = value;
        else if (row->id == OPT_TRACE) o->trace = value;
        else if (row->id == OPT_JUNIT) o->junit = value;
        else o->json = value;
        return 0;
    case OPT_JOBS:
        if (!parse_jobs(value, &o->jobs)) {
            fprintf(err, "faultline %s: --jobs takes 1..%d or auto, got '%s'\n%s", command,
                    JOBS_MAX, shown, usage);
            return 2;
        }
        return 0;
    case OPT_TIMEOUT:
        if (!parse_u64(value, &o->timeout_seconds) || o->timeout_seconds == 0 ||
            o->timeout_seconds > UINT64_MAX / 1000) {
            fprintf(err, "faultline %s: --timeout takes a number of seconds > 0, got '%s'\n%s",
                    command, shown, usage);
            return 2;
        }
        return 0;
    case OPT_SHARD:
        if (!parse_shard(value, &o->shard_index, &o->shard_count)) {
            fprintf(err, "faultline %s: --shard takes K/N with 1 <= K <= N, got '%s'\n%s",
                    command, shown, usage);
            return 2;
        }
        return 0;
    }
    assert(!"every option row is handled");
    return 2;
}

/* Parses a command's options (accepts: the option_id_t bits it takes);
 * returns 0, or 2 after a message. */
static int parse_options(int argc, char **argv, options_t *o, const char *usage, unsigned accepts,
                         FILE *err) {
    assert(argc >= 1 && argv != NULL && o != NULL && usage != NULL);
    memset(o, 0, sizeof *o);
    o->timeout_seconds = TIMEOUT_SECONDS_DEFAULT;
    const char *command = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const option_row_t *row = find_option(a);
        if (row != NULL && !(accepts & row->id)) {
            fprintf(err, "faultline %s: %s is not an option of %s%s\n%s", command, a, command,
                    row->hint ? row->hint : "", usage);
            return 2;
        }
        if (row != NULL) {
            int status = parse_option_value(row, i + 1 < argc ? argv[i + 1] : NULL, o, command,
                                            usage, err);
            if (status != 0) return status;
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(err, "faultline %s: unknown option '%s'\n%s", command, a, usage);
            return 2;
        } else if (o->path_count < sizeof o->paths / sizeof o->paths[0]) {
            o->paths[o->path_count++] = a;
        } else {
            fprintf(err, "faultline %s: more than %zu paths: give directories instead\n", command,
                    sizeof o->paths / sizeof o->paths[0]);
            return 2;
        }
    }
    if (o->path_count == 0) {
        fprintf(err, "faultline %s: no scenario file or directory given\n%s", argv[0], usage);
        return 2;
    }
    /* A schedule means the replay policy; the replay policy needs one. */
    if (o->schedule != NULL && o->policy != NULL && strcmp(o->policy, "replay") != 0) {
        fprintf(err, "faultline %s: --schedule runs the replay policy, not '%s'\n%s", argv[0],
                o->policy, usage);
        return 2;
    }
    if (o->schedule != NULL) {
        o->policy = "replay";
        char problem[256];
        uint32_t *choices = NULL;
        size_t choice_count = 0;
        if (fl_schedule_parse(o->schedule, &choices, &choice_count, problem, sizeof problem) !=
            FL_OK) {
            fprintf(err, "faultline %s: --schedule: %s\n%s", argv[0], problem, usage);
            return 2;
        }
        free(choices);
    }
    if (o->policy != NULL && strcmp(o->policy, "replay") == 0 && o->schedule == NULL) {
        fprintf(err, "faultline %s: --policy replay needs --schedule S (the choice list to "
                     "replay)\n%s", argv[0], usage);
        return 2;
    }
    return 0;
}

/* Keeps file i when i mod count = index, in order. */
static void keep_shard(file_list_t *files, unsigned index, unsigned count) {
    size_t kept = 0;
    for (size_t i = 0; i < files->count; i++) {
        if (i % count == index)
            files->paths[kept++] = files->paths[i];
        else
            free(files->paths[i]);
    }
    files->count = kept;
}

static int collect_all(const options_t *o, file_list_t *files, FILE *err) {
    int status = 0;
    for (size_t i = 0; i < o->path_count; i++)
        if (collect(files, o->paths[i], 0, err) != 0) status = 2;
    if (files->overflow) {
        fprintf(err, "faultline: more than %d scenario files: the rest are not read\n", FILES_MAX);
        status = 2;
    }
    return status;
}

/* --- check and list ------------------------------------------------------------------- */

int fl_cli_check(int argc, char **argv, FILE *out, FILE *err) {
    options_t o;
    static const char *usage = "usage: faultline check PATH...\n  validates scenario files\n";
    if (wants_help(argc, argv)) return fputs(usage, out), 0;
    int status = parse_options(argc, argv, &o, usage, ACCEPTS_FILES_ONLY, err);
    if (status != 0) return status;
    file_list_t files = {0};
    status = collect_all(&o, &files, err);
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
    free_files(&files);
    return bad > 0 || status != 0 ? 2 : 0;
}

int fl_cli_list(int argc, char **argv, FILE *out, FILE *err) {
    options_t o;
    static const char *usage = "usage: faultline list PATH...\n  one line per scenario\n";
    if (wants_help(argc, argv)) return fputs(usage, out), 0;
    int status = parse_options(argc, argv, &o, usage, ACCEPTS_FILES_ONLY, err);
    if (status != 0) return status;
    file_list_t files = {0};
    status = collect_all(&o, &files, err);
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
    free_files(&files);
    return status;
}

/* --- run -------------------------------------------------------------------------------- */

/* How a scenario ended when it ran in a worker process (workers.h). */
typedef enum ending {
    ENDING_RAN,     /* the run finished and reported its result */
    ENDING_CRASHED, /* the worker died (a signal) or exited without a result */
    ENDING_TIMEOUT, /* the worker outlived --timeout and was killed */
} ending_t;

typedef struct outcome {
    char *file;
    char *name;
    bool finds;
    bool passed;
    bool load_error;
    uint64_t seeds_run;
    uint64_t seed;
    char *message;
    char *policy;
    const char *schedule;           /* --schedule (argv's), with the replay policy; or NULL */
    uint64_t seed_first, seed_last; /* the range run, for the crash's replay command */
    ending_t ending;
    int term_signal;                /* crashed by a signal: which; else 0 */
    int64_t exit_status;            /* crashed without a signal: the exit code */
} outcome_t;

/* XML text and attribute escaping for JUnit reports. */
static void xml_text(FILE *f, const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs("&#10;", f); break;
        default:
            if (*p < 0x20 && *p != '\t') fputc('?', f); /* not allowed in XML 1.0 */
            else fputc(*p, f);
        }
    }
}

/* " --schedule S" when the run replayed a schedule: without it the printed
 * command would not run the same schedule. */
static void print_schedule(FILE *f, const outcome_t *r, bool xml) {
    if (r->schedule == NULL) return;
    fputs(" --schedule ", f);
    if (xml) xml_text(f, r->schedule);
    else fputs(r->schedule, f);
}

/* The command that replays a crash or a timeout: no seed is known, so it
 * runs the same range in one process, where the crash happens again. */
static void print_run_replay(FILE *f, const outcome_t *r, bool xml) {
    fputs("faultline run ", f);
    if (xml) xml_text(f, r->file);
    else fputs(r->file, f);
    fprintf(f, " --seeds %" PRIu64 "..%" PRIu64 " --policy ", r->seed_first, r->seed_last);
    const char *policy = r->policy ? r->policy : "random";
    if (xml) xml_text(f, policy);
    else fputs(policy, f);
    print_schedule(f, r, xml);
}

static void write_junit(const char *path, outcome_t *outcomes, size_t count, FILE *err) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(err, "faultline run: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    size_t failures = 0;
    for (size_t i = 0; i < count; i++) failures += !outcomes[i].passed;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuite name=\"faultline\" tests=\"%zu\" failures=\"%zu\">\n", count, failures);
    for (size_t i = 0; i < count; i++) {
        outcome_t *r = &outcomes[i];
        fprintf(f, "  <testcase classname=\"");
        xml_text(f, r->file);
        fprintf(f, "\" name=\"");
        xml_text(f, r->name ? r->name : r->file);
        fprintf(f, "\">");
        if (!r->passed) {
            fprintf(f, "<failure message=\"");
            xml_text(f, r->message ? r->message : "failed");
            fprintf(f, "\">replay: ");
            if (r->ending != ENDING_RAN) {
                print_run_replay(f, r, true);
            } else {
                fprintf(f, "faultline replay ");
                xml_text(f, r->file);
                fprintf(f, " --seed %" PRIu64 " --policy ", r->seed);
                xml_text(f, r->policy ? r->policy : "random");
                print_schedule(f, r, true);
            }
            fprintf(f, "</failure>");
        }
        fprintf(f, "</testcase>\n");
    }
    fprintf(f, "</testsuite>\n");
    fclose(f);
}

static void write_jsonl(const char *path, outcome_t *outcomes, size_t count, FILE *err) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(err, "faultline run: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    for (size_t i = 0; i < count; i++) {
        outcome_t *r = &outcomes[i];
        fl_json_writer_t w;
        fl_json_init(&w, f);
        fl_json_object_begin(&w);
        fl_json_key(&w, "file");
        fl_json_string(&w, r->file);
        fl_json_key(&w, "name");
        fl_json_string(&w, r->name ? r->name : "");
        fl_json_key(&w, "mode");
        fl_json_string(&w, r->finds ? "finds" : "holds");
        fl_json_key(&w, "passed");
        fl_json_bool(&w, r->passed);
        fl_json_key(&w, "invalid");
        fl_json_bool(&w, r->load_error);
        fl_json_key(&w, "crashed");
        fl_json_bool(&w, r->ending == ENDING_CRASHED);
        fl_json_key(&w, "timed_out");
        fl_json_bool(&w, r->ending == ENDING_TIMEOUT);
        fl_json_key(&w, "seeds_run");
        fl_json_uint(&w, r->seeds_run);
        fl_json_key(&w, "seed");
        fl_json_uint(&w, r->seed);
        fl_json_key(&w, "message");
        fl_json_string(&w, r->message ? r->message : "");
        fl_json_object_end(&w);
        fputc('\n', f);
    }
    fclose(f);
}

/* Loads path and fills what the outcome knows before the run: file, name,
 * mode, policy and seed range. On a load error prints the error and
 * returns false (print_outcome prints the INVALID line). */
static bool load_outcome(const char *path, const options_t *o, fl_arena_t *arena,
                         fl_scenario_t *s, outcome_t *r, FILE *err) {
    char error[1024];
    r->file = strdup(path);
    if (fl_scenario_load_file(arena, path, s, error, sizeof error) != FL_OK) {
        fprintf(err, "%s\n", error);
        r->load_error = true;
        r->message = strdup(error);
        return false;
    }
    r->name = strdup(s->name);
    r->finds = s->mode == FL_SCENARIO_FINDS;
    r->policy = strdup(o->policy ? o->policy : s->policy);
    r->schedule = o->schedule;
    r->seed_first = o->has_seeds ? o->seed_first : s->seed_first;
    r->seed_last = o->has_seeds ? o->seed_last : s->seed_last;
    return true;
}

/* Prints the line of a scenario that ran (or crashed, or timed out), and
 * for a failure the command that replays it. */
static void print_outcome(const outcome_t *r, FILE *out) {
    if (r->load_error) {
        fprintf(out, "INVALID %s\n", r->file);
        return;
    }
    if (r->ending == ENDING_CRASHED) {
        if (r->term_signal != 0)
            fprintf(out, "CRASHED %s (signal %d)\n", r->file, r->term_signal);
        else
            fprintf(out, "CRASHED %s (exit %" PRId64 ", no result)\n", r->file, r->exit_status);
    } else if (r->ending == ENDING_TIMEOUT) {
        fprintf(out, "TIMEOUT %s\n", r->file);
    } else if (r->passed && r->finds) {
        fprintf(out, "found   %-48s at seed %" PRIu64 "\n", r->file, r->seed);
        return;
    } else if (r->passed) {
        fprintf(out, "held    %-48s %" PRIu64 " seed%s\n", r->file, r->seeds_run,
                r->seeds_run == 1 ? "" : "s");
        return;
    } else {
        fprintf(out, "FAILED  %-48s %s\n", r->file, r->message ? r->message : "");
        fprintf(out, "        replay: ");
        /* Not found in finds mode names no seed: any seed shows the run. */
        fprintf(out, "faultline replay %s --seed %" PRIu64 " --policy %s", r->file,
                r->seed ? r->seed : r->seed_first, r->policy ? r->policy : "random");
        print_schedule(out, r, false);
        fputc('\n', out);
        return;
    }
    fprintf(out, "        replay: ");
    print_run_replay(out, r, false);
    fputc('\n', out);
}

static fl_run_config_t run_config(const options_t *o) {
    fl_run_config_t config = {.policy = o->policy, .schedule = o->schedule};
    if (o->has_seeds) {
        config.has_seed_range = true;
        config.seed_first = o->seed_first;
        config.seed_last = o->seed_last;
    }
    return config;
}

/* Loads and runs one scenario in this process: fills r. */
static void run_in_process(const char *path, const options_t *o, outcome_t *r, FILE *err) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    if (!load_outcome(path, o, &arena, &s, r, err)) {
        fl_arena_destroy(&arena);
        return;
    }
    fl_run_config_t config = run_config(o);
    fl_scenario_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("run");
    fl_scenario_run(&s, &config, result);
    r->passed = result->passed;
    r->seeds_run = result->seeds_run;
    r->seed = result->seed;
    r->message = strdup(result->message);
    free(result);
    fl_arena_destroy(&arena);
}

/* --- run in worker processes ------------------------------------------------------------

   `faultline run --jobs N` spawns, per scenario file, the faultline binary
   itself as `faultline run-one FILE [--seeds A..B] [--policy P]`. run-one
   runs the scenario and prints one line, a JSON object that starts with
   RESULT_TAG (the fields: passed, seeds_run, seed, then message last), and
   exits 0 (held or found), 1 (failed) or 2 (invalid). The parent parses
   that line; a worker that dies or prints none is CRASHED.

   The binary to spawn is named by the environment variable
   FAULTLINE_WORKER_EXE; harness/main.c sets it to the running binary
   (/proc/self/exe) unless it is already set, so a test that calls
   fl_cli_run in its own process points it at build/faultline. Without it,
   --jobs N > 1 is refused: re-executing a test binary would run its tests.

   Test hook: when the environment variable FAULTLINE_TEST_CRASH_ON equals a
   scenario's name, run-one calls abort() for that scenario after loading
   it, so tests can make a worker crash deterministically. Only run-one
   reads it; `run` without workers never crashes on purpose. */

static const char RESULT_TAG[] = "{\"faultline_run_one\":1,";

/* The value after "key": in line, or NULL. Scalar keys are written before
 * the one free-text field (message), so the first match is the key. */
static const char *json_value(const char *line, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(line, pattern);
    return at ? at + strlen(pattern) : NULL;
}

static bool json_get_bool(const char *line, const char *key, bool *out) {
    const char *v = json_value(line, key);
    if (v == NULL) return false;
    if (strncmp(v, "true", 4) == 0) *out = true;
    else if (strncmp(v, "false", 5) == 0) *out = false;
    else return false;
    return true;
}

static bool json_get_u64(const char *line, const char *key, uint64_t *out) {
    const char *v = json_value(line, key);
    if (v == NULL || *v < '0' || *v > '9') return false;
    *out = strtoull(v, NULL, 10);
    return true;
}

/* Unescapes the JSON string value of key into a malloc'd string. The
 * writer's escapes only: \" \\ \b \f \n \r \t and \u00XX (\ufffd and other
 * code points above 0xFF come back as '?'). */
static char *json_get_string(const char *line, const char *key) {
    const char *v = json_value(line, key);
    if (v == NULL || *v != '"') return NULL;
    v++;
    size_t length = strlen(v);
    char *text = malloc(length + 1);
    if (text == NULL) fl__out_of_memory("run");
    size_t n = 0;
    for (const char *p = v; *p != '\0' && *p != '"'; p++) {
        if (*p != '\\') {
            text[n++] = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'b': text[n++] = '\b'; break;
        case 'f': text[n++] = '\f'; break;
        case 'n': text[n++] = '\n'; break;
        case 'r': text[n++] = '\r'; break;
        case 't': text[n++] = '\t'; break;
        case 'u': {
            char hex[5] = {0};
            for (int i = 0; i < 4 && p[1] != '\0'; i++) hex[i] = *++p;
            unsigned long code = strtoul(hex, NULL, 16);
            text[n++] = code <= 0xFF ? (char)code : '?';
            break;
        }
        case '\0': p--; break; /* a truncated escape: stop at the end */
        default: text[n++] = *p; break; /* \" \\ \/ */
        }
    }
    text[n] = '\0';
    return text;
}

/* Reads the worker's result line into r; false if there is none. */
static bool parse_result(const char *output, outcome_t *r) {
    const char *line = strstr(output, RESULT_TAG);
    if (line == NULL || (line != output && line[-1] != '\n')) return false;
    bool invalid = false;
    if (!json_get_bool(line, "passed", &r->passed) || !json_get_bool(line, "invalid", &invalid) ||
        !json_get_u64(line, "seeds_run", &r->seeds_run) || !json_get_u64(line, "seed", &r->seed))
        return false;
    char *message = json_get_string(line, "message");
    if (message == NULL) return false;
    r->message = message;
    r->load_error = invalid;
    return true;
}

static void write_result_line(FILE *out, bool passed, bool invalid, uint64_t seeds_run,
                              uint64_t seed, const char *message) {
    fputs(RESULT_TAG, out);
    fl_json_writer_t w;
    /* RESULT_TAG opened the object; the writer writes the rest as a nested
     * value and the closing brace comes from the outer text. */
    fputs("\"result\":", out);
    fl_json_init(&w, out);
    fl_json_object_begin(&w);
    fl_json_key(&w, "passed");
    fl_json_bool(&w, passed);
    fl_json_key(&w, "invalid");
    fl_json_bool(&w, invalid);
    fl_json_key(&w, "seeds_run");
    fl_json_uint(&w, seeds_run);
    fl_json_key(&w, "seed");
    fl_json_uint(&w, seed);
    fl_json_key(&w, "message");
    fl_json_string(&w, message);
    fl_json_object_end(&w);
    fputs("}\n", out);
    fflush(out);
}

/* faultline run-one FILE [--seeds A..B] [--policy P]: the worker's side. */
static int run_one_command(const options_t *o, FILE *out, FILE *err) {
    if (o->path_count != 1) {
        fprintf(err, "faultline run-one: exactly one FILE is needed\n");
        return 2;
    }
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    if (fl_scenario_load_file(&arena, o->paths[0], &s, error, sizeof error) != FL_OK) {
        fprintf(err, "%s\n", error);
        write_result_line(out, false, true, 0, 0, error);
        fl_arena_destroy(&arena);
        return 2;
    }
    const char *crash_on = getenv("FAULTLINE_TEST_CRASH_ON");
    if (crash_on != NULL && strcmp(crash_on, s.name) == 0) abort(); /* the test hook above */
    fl_run_config_t config = run_config(o);
    fl_scenario_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("run-one");
    fl_scenario_run(&s, &config, result);
    write_result_line(out, result->passed, false, result->seeds_run, result->seed,
                      result->message);
    int code = result->passed ? 0 : 1;
    free(result);
    fl_arena_destroy(&arena);
    return code;
}

/* State shared with the workers' completion callback: results are printed
 * in file order, each as soon as every earlier file's result is in. */
typedef struct pool_state {
    outcome_t *outcomes;
    fl_worker_job_t *jobs;
    size_t *job_of;       /* per file: its job index, or SIZE_MAX when not spawned */
    bool *ready;          /* per file: its outcome is final */
    size_t count;
    size_t printed;
    FILE *out;
} pool_state_t;

static void finish_outcome(outcome_t *r, const fl_worker_job_t *job) {
    if (job->end == FL_WORKER_TIMED_OUT) {
        r->ending = ENDING_TIMEOUT;
        r->message = strdup("timed out: killed after the --timeout limit");
    } else if (job->end == FL_WORKER_SPAWN_FAILED) {
        r->ending = ENDING_CRASHED;
        r->exit_status = -1;
        char text[160];
        snprintf(text, sizeof text, "cannot start the worker: %s", uv_strerror(job->spawn_error));
        r->message = strdup(text);
    } else if (job->end == FL_WORKER_SIGNALED || !parse_result(job->output, r)) {
        r->ending = ENDING_CRASHED;
        r->term_signal = job->term_signal;
        r->exit_status = job->exit_status;
        char text[96];
        if (job->term_signal != 0) snprintf(text, sizeof text, "crashed (signal %d)", job->term_signal);
        else snprintf(text, sizeof text, "worker exited %" PRId64 " without a result",
                      job->exit_status);
        r->message = strdup(text);
    }
    if (r->ending != ENDING_RAN) r->passed = false;
}

static void print_ready(pool_state_t *state) {
    while (state->printed < state->count && state->ready[state->printed]) {
        print_outcome(&state->outcomes[state->printed++], state->out);
    }
    fflush(state->out);
}

static void on_job_done(void *user, size_t index) {
    pool_state_t *state = user;
    for (size_t i = 0; i < state->count; i++) {
        if (state->job_of[i] != index) continue;
        finish_outcome(&state->outcomes[i], &state->jobs[index]);
        state->ready[i] = true;
        break;
    }
    print_ready(state);
}

/* A worker's argv: exe run-one FILE --seeds R --policy P --schedule S NULL. */
enum { ARGV_PER_JOB = 10 };

/* Runs every file in worker processes of exe; fills outcomes and prints
 * them in file order. Returns 0, or 2 when the workers' loop cannot be made
 * (the message is printed). */
static int run_in_workers(const file_list_t *files, const options_t *o, const char *exe,
                          outcome_t *outcomes, FILE *out, FILE *err) {
    size_t count = files->count;
    size_t n = count ? count : 1;
    fl_worker_job_t *jobs = calloc(n, sizeof *jobs);
    char **argvs = calloc(n * ARGV_PER_JOB, sizeof *argvs);
    size_t *job_of = calloc(n, sizeof *job_of);
    bool *ready = calloc(n, sizeof *ready);
    if (jobs == NULL || argvs == NULL || job_of == NULL || ready == NULL)
        fl__out_of_memory("run");
    char seeds[64];
    snprintf(seeds, sizeof seeds, "%" PRIu64 "..%" PRIu64, o->seed_first, o->seed_last);
    pool_state_t state = {.outcomes = outcomes, .jobs = jobs, .job_of = job_of, .ready = ready,
                          .count = count, .out = out};
    /* Files that do not load are reported without a worker; they still
     * take their place in the order. */
    size_t job_count = 0;
    for (size_t i = 0; i < count; i++) {
        fl_arena_t arena;
        fl_arena_init(&arena);
        fl_scenario_t s;
        job_of[i] = SIZE_MAX;
        if (!load_outcome(files->paths[i], o, &arena, &s, &outcomes[i], err)) {
            ready[i] = true;
            fl_arena_destroy(&arena);
            continue;
        }
        fl_arena_destroy(&arena);
        char **argv = &argvs[job_count * ARGV_PER_JOB];
        int a = 0;
        argv[a++] = (char *)exe;
        argv[a++] = "run-one";
        argv[a++] = files->paths[i];
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
        argv[a] = NULL;
        jobs[job_count].argv = argv;
        job_of[i] = job_count++;
    }
    int status = fl_workers_run(jobs, job_count, o->jobs, o->timeout_seconds * 1000, on_job_done,
                                &state);
    if (status != 0) {
        fprintf(err, "faultline run: cannot start workers: %s\n", uv_strerror(status));
        status = 2;
    }
    print_ready(&state); /* files at the end that needed no worker */
    for (size_t j = 0; j < job_count; j++) fl_worker_job_release(&jobs[j]);
    free(jobs);
    free(argvs);
    free(job_of);
    free(ready);
    return status;
}

int fl_cli_run(int argc, char **argv, FILE *out, FILE *err) {
    options_t o;
    if (wants_help(argc, argv)) return fputs(RUN_USAGE, out), 0;
    bool run_one = strcmp(argv[0], "run-one") == 0;
    int status = parse_options(argc, argv, &o, RUN_USAGE, run_one ? ACCEPTS_RUN_ONE : ACCEPTS_RUN,
                               err);
    if (status != 0) return status;
    if (run_one) return run_one_command(&o, out, err);
    const char *exe = getenv("FAULTLINE_WORKER_EXE");
    /* From the faultline binary, scenarios run in one worker per CPU unless
     * --jobs says otherwise; called in-process (tests), they run here. */
    if (o.jobs == 0 && exe != NULL && *exe != '\0') o.jobs = fl_workers_default_count();
    if (o.jobs > 1 && (exe == NULL || *exe == '\0')) {
        /* Re-executing whatever binary called us (a test binary) would not
         * run a scenario: only the faultline binary sets this by itself. */
        fprintf(err, "faultline run: --jobs %u needs the faultline binary to run workers: set "
                     "FAULTLINE_WORKER_EXE\n", o.jobs);
        return 2;
    }
    file_list_t files = {0};
    int collect_status = collect_all(&o, &files, err);
    if (o.shard_count > 0) keep_shard(&files, o.shard_index, o.shard_count);
    outcome_t *outcomes = calloc(files.count ? files.count : 1, sizeof *outcomes);
    if (outcomes == NULL) fl__out_of_memory("run");
    if (o.jobs > 1) {
        status = run_in_workers(&files, &o, exe, outcomes, out, err);
    } else {
        bool tty = isatty(fileno(err));
        for (size_t i = 0; i < files.count; i++) {
            if (tty) fprintf(err, "\r[%zu/%zu] %s\033[K", i + 1, files.count, files.paths[i]);
            if (tty) fflush(err);
            if (tty) fprintf(err, "\r\033[K");
            run_in_process(files.paths[i], &o, &outcomes[i], err);
            print_outcome(&outcomes[i], out);
        }
    }
    size_t held = 0, failed = 0, invalid = 0;
    for (size_t i = 0; i < files.count; i++) {
        if (outcomes[i].load_error) invalid++;
        else if (outcomes[i].passed) held++;
        else failed++;
    }
    fprintf(out, "%zu scenarios: %zu held, %zu failed, %zu invalid\n", files.count, held, failed,
            invalid);
    if (o.junit) write_junit(o.junit, outcomes, files.count, err);
    if (o.json) write_jsonl(o.json, outcomes, files.count, err);
    for (size_t i = 0; i < files.count; i++) {
        free(outcomes[i].file);
        free(outcomes[i].name);
        free(outcomes[i].message);
        free(outcomes[i].policy);
    }
    free(outcomes);
    free_files(&files);
    if (status != 0 || invalid > 0 || collect_status != 0) return 2;
    return failed > 0 ? 1 : 0;
}

/* --- replay ----------------------------------------------------------------------------- */

int fl_cli_replay(int argc, char **argv, FILE *out, FILE *err) {
    options_t o;
    static const char *usage =
        "usage: faultline replay FILE --seed N [--policy P] [--schedule S] [--trace FILE]\n"
        "  runs one seed and prints its timeline (virtual time, task, event), the server's\n"
        "  log, the checks and the trace hash; the same seed prints the same bytes.\n"
        "  --trace writes the run as Chrome trace-event JSON (opens in Perfetto).\n";
    if (wants_help(argc, argv)) return fputs(usage, out), 0;
    int status = parse_options(argc, argv, &o, usage, ACCEPTS_REPLAY, err);
    if (status != 0) return status;
    if (!o.has_seed || o.path_count != 1) {
        fprintf(err, "faultline replay: one FILE and --seed N are needed\n%s", usage);
        return 2;
    }
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[1024];
    if (fl_scenario_load_file(&arena, o.paths[0], &s, error, sizeof error) != FL_OK) {
        fprintf(err, "%s\n", error);
        fl_arena_destroy(&arena);
        return 2;
    }
    FILE *trace = NULL;
    if (o.trace != NULL && (trace = fopen(o.trace, "w")) == NULL) {
        fprintf(err, "faultline replay: cannot write %s: %s\n", o.trace, strerror(errno));
        fl_arena_destroy(&arena);
        return 2;
    }
    fl_run_config_t config = {.policy = o.schedule ? "replay" : o.policy,
                              .schedule = o.schedule, .keep_trace = true, .timeline = out,
                              .chrome_trace = trace};
    fl_seed_result_t *result = malloc(sizeof *result);
    if (result == NULL) fl__out_of_memory("replay");
    fl_scenario_run_seed(&s, o.seed, &config, result);
    bool finds = s.mode == FL_SCENARIO_FINDS;
    /* As run counts finds: only where the faults acted. */
    bool found = result->target_failed && !result->faults_silent;
    if (finds)
        fprintf(out, "%s: the check '%s' %s at seed %" PRIu64 "\n", s.name, s.finds,
                found ? "fails (found)"
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
