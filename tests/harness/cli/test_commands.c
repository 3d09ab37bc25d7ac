/* The scenario commands' exit codes and output: check, list, run and replay,
 * on scenario files the test writes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <assert.h>
#include <signal.h>

#include "harness/cli/commands.h"
#include "tests/support/child_process.h"
#include "tests/support/junit_reader.h"
#include "tests/support/scratch.h"

static char dir[SCRATCH_DIR_MAX];

static const char HOLDS[] =
    "name: hello holds\n"
    "seeds: 1..20\n"
    "server:\n  routes:\n    - path: /hello\n      steps:\n        - respond: {status: 200, body: hi}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: call, path: /hello}\n"
    "expect:\n  - step: {step: call, status: 200}\n";

static int setup(void **state) {
    *state = dir;
    scratch_make(dir, "cli");
    return 0;
}

/* Runs a command with argv built from words; returns the exit code, with
 * the output (to_err false) or the error stream (to_err true) in text and
 * the other one dropped. */
static int run_capturing(int (*fn)(int, char **, FILE *, FILE *), const char *const *words,
                         int count, bool to_err, char *text, size_t size) {
    return scratch_capture(fn, words, count, to_err ? NULL : text, to_err ? text : NULL, size);
}

/* The output in out_text. */
static int run_command(int (*fn)(int, char **, FILE *, FILE *), const char *const *words,
                       int count, char *out_text, size_t size) {
    return run_capturing(fn, words, count, false, out_text, size);
}

static int run_command_err(int (*fn)(int, char **, FILE *, FILE *), const char *const *words,
                           int count, char *err_text, size_t size);

static void test_check_reports_invalid_files_with_exit_2(void **state) {
    (void)state;
    scratch_write(dir, "good.yaml", HOLDS);
    scratch_write(dir, "bad.yaml", SCRATCH_BROKEN);
    char good[128], bad[128], text[4096];
    snprintf(good, sizeof good, "%s/good.yaml", dir);
    snprintf(bad, sizeof bad, "%s/bad.yaml", dir);
    const char *ok_words[] = {"check", good};
    assert_int_equal(run_command(fl_cli_check, ok_words, 2, text, sizeof text), 0);
    assert_non_null(strstr(text, "1 valid, 0 invalid"));
    const char *bad_words[] = {"check", bad};
    assert_int_equal(run_command(fl_cli_check, bad_words, 2, text, sizeof text), 2);
    assert_non_null(strstr(text, "0 valid, 1 invalid"));
}

/* check reports a file's every error, one a line, and how many. */
static void test_check_reports_every_error_of_a_file(void **state) {
    (void)state;
    scratch_write(dir, "two_mistakes.yaml",
                  "name: t\nserver:\n  routes:\n    - path: nope\n      responses: "
                  "[{respond: {}}]\nclient:\n  tasks:\n    - name: main\n      steps:\n"
                  "        - sleep: {duration: 1parsec}\n");
    char path[128], text[8192];
    snprintf(path, sizeof path, "%s/two_mistakes.yaml", dir);
    const char *words[] = {"check", path};
    assert_int_equal(run_command_err(fl_cli_check, words, 2, text, sizeof text), 2);
    assert_non_null(strstr(text, "two_mistakes.yaml:4:13: error: server.routes[0].path"));
    assert_non_null(strstr(text, "two_mistakes.yaml:10:18: error: client.tasks[0].steps[0].sleep"));
    assert_non_null(strstr(text, "two_mistakes.yaml: 2 errors\n"));
}

/* A directory holding more entries than the cap on scenario files, nearly
 * all of them other files, is read whole: its one scenario is found, and
 * nothing is said to be cut off. */
static void test_a_crowded_directory_is_read_whole(void **state) {
    (void)state;
    char sub[128], name[64], text[4096];
    snprintf(sub, sizeof sub, "%s/crowded", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    for (int i = 0; i < 4200; i++) {
        snprintf(name, sizeof name, "crowded/note_%04d.txt", i);
        scratch_write(dir, name, "not a scenario\n");
    }
    scratch_write(dir, "crowded/zz_good.yaml", HOLDS);
    const char *words[] = {"check", sub};
    assert_int_equal(run_command(fl_cli_check, words, 2, text, sizeof text), 0);
    assert_non_null(strstr(text, "1 files: 1 valid, 0 invalid"));
    assert_null(strstr(text, "more than"));
}

static void test_run_exit_codes(void **state) {
    (void)state;
    scratch_write(dir, "holds.yaml", HOLDS);
    scratch_write(dir, "fails.yaml", SCRATCH_FAILS);
    char holds[128], fails[128], text[8192];
    snprintf(holds, sizeof holds, "%s/holds.yaml", dir);
    snprintf(fails, sizeof fails, "%s/fails.yaml", dir);
    const char *held_words[] = {"run", holds};
    assert_int_equal(run_command(fl_cli_run, held_words, 2, text, sizeof text), 0);
    assert_non_null(strstr(text, "held"));
    const char *fail_words[] = {"run", fails, "--seeds", "1..5"};
    assert_int_equal(run_command(fl_cli_run, fail_words, 4, text, sizeof text), 1);
    assert_non_null(strstr(text, "FAILED"));
    /* Every failure comes with the one command that replays it. */
    char replay[256];
    snprintf(replay, sizeof replay, "replay: faultline replay %s --seed 1 --policy random", fails);
    assert_non_null(strstr(text, replay));
    const char *usage_words[] = {"run", holds, "--jobs", "2"};
    assert_int_equal(run_command(fl_cli_run, usage_words, 4, text, sizeof text), 2);
    const char *no_path[] = {"run"};
    assert_int_equal(run_command(fl_cli_run, no_path, 1, text, sizeof text), 2);
}

static void test_run_writes_reports(void **state) {
    (void)state;
    scratch_write(dir, "holds.yaml", HOLDS);
    char holds[128], junit[128], json[128], text[4096];
    snprintf(holds, sizeof holds, "%s/holds.yaml", dir);
    snprintf(junit, sizeof junit, "%s/junit.xml", dir);
    snprintf(json, sizeof json, "%s/results.jsonl", dir);
    const char *words[] = {"run", holds, "--junit", junit, "--json", json};
    assert_int_equal(run_command(fl_cli_run, words, 6, text, sizeof text), 0);
    char report[4096] = {0};
    FILE *f = fopen(junit, "r");
    assert_non_null(f);
    size_t n = fread(report, 1, sizeof report - 1, f);
    fclose(f);
    report[n] = '\0';
    assert_non_null(strstr(report, "<testsuites name=\"faultline\" tests=\"1\" failures=\"0\" "
                                   "errors=\"0\" skipped=\"0\" time=\""));
    f = fopen(json, "r");
    assert_non_null(f);
    n = fread(report, 1, sizeof report - 1, f);
    fclose(f);
    report[n] = '\0';
    assert_non_null(strstr(report, "\"passed\":true"));
    assert_non_null(strstr(report, "\"name\":\"hello holds\""));
    /* The line is the outcome's one JSON form: the range and policy too. */
    assert_non_null(strstr(report, "\"mode\":\"holds\""));
    assert_non_null(strstr(report, "\"seeds_run\":20,\"seed\":null,\"seed_first\":1,"
                                   "\"seed_last\":20,\"policy\":\"random\",\"schedule\":null,"
                                   "\"trace_hash\":null,\"duration_s\":"));
    char replay[256];
    snprintf(replay, sizeof replay,
             "\"replay\":\"faultline replay %s --seed 1 --policy random\",\"marks\":{",
             holds);
    assert_non_null(strstr(report, replay));
}

/* Reads a whole small file into text. */
static void read_text_file(const char *path, char *text, size_t size) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, size - 1, f);
    fclose(f);
    text[n] = '\0';
}

/* The trace hash replay prints for seed of path, as 16 hex digits. */
static void replay_trace_hash(const char *path, const char *seed, char hash[17]) {
    static char text[65536];
    const char *words[] = {"replay", path, "--seed", seed};
    run_command(fl_cli_replay, words, 4, text, sizeof text);
    const char *at = strstr(text, "trace hash ");
    assert_non_null(at);
    memcpy(hash, at + strlen("trace hash "), 16);
    hash[16] = '\0';
}

/* A run over two folders: a JUnit suite per folder that junitparser reads,
 * the failing seed's trace hash as replay prints it, an invalid file as an
 * error; and the times the reports carry never reach the text output,
 * which is the same bytes run after run. */
static void test_run_junit_has_a_suite_per_folder(void **state) {
    (void)state;
    char suites[128], one[160], two[160], fails[192], junit[160], json[160];
    snprintf(suites, sizeof suites, "%s/suites", dir);
    snprintf(one, sizeof one, "%s/one", suites);
    snprintf(two, sizeof two, "%s/two", suites);
    assert_int_equal(mkdir(suites, 0700), 0);
    assert_int_equal(mkdir(one, 0700), 0);
    assert_int_equal(mkdir(two, 0700), 0);
    scratch_write(dir, "suites/one/a_holds.yaml", HOLDS);
    scratch_write(dir, "suites/one/b_fails.yaml", SCRATCH_FAILS);
    scratch_write(dir, "suites/two/bad.yaml", SCRATCH_BROKEN);
    snprintf(fails, sizeof fails, "%s/b_fails.yaml", one);
    snprintf(junit, sizeof junit, "%s/junit.xml", dir);
    snprintf(json, sizeof json, "%s/results.jsonl", dir);
    const char *words[] = {"run", suites, "--jobs", "1", "--junit", junit, "--json", json};
    static char first[16384], second[16384], read_back[65536], line[1024];
    assert_int_equal(run_command(fl_cli_run, words, 8, first, sizeof first), 2);
    assert_int_equal(run_command(fl_cli_run, words, 8, second, sizeof second), 2);
    assert_string_equal(first, second);
    assert_null(strstr(first, "time"));

    assert_int_equal(junit_read(junit, read_back, sizeof read_back), 0);
    snprintf(line, sizeof line, "suite %s tests=2 failures=1 errors=0 skipped=0 time=", one);
    assert_non_null(strstr(read_back, line));
    snprintf(line, sizeof line, "suite %s tests=1 failures=0 errors=1 skipped=0 time=", two);
    assert_non_null(strstr(read_back, line));
    assert_non_null(strstr(read_back, "testsuites tests=3 failures=1 errors=1 skipped=0 time="));
    assert_null(strstr(read_back, "MISMATCH"));
    assert_null(strstr(read_back, "time=missing"));
    snprintf(line, sizeof line, "case %s | %s/bad.yaml | %s/bad.yaml | classname=%s | time=", two,
             two, two, two);
    assert_non_null(strstr(read_back, line));
    assert_non_null(strstr(read_back, "| error invalid\n"));
    assert_non_null(strstr(read_back, "| hello expects the wrong status | classname="));
    assert_non_null(strstr(read_back, "| failure failed\n"));
    char hash[17];
    replay_trace_hash(fails, "1", hash);
    snprintf(line, sizeof line, "property %s | trace_hash=%s\n", fails, hash);
    assert_non_null(strstr(read_back, line));
    snprintf(line, sizeof line, "property %s | seed=1\n", fails);
    assert_non_null(strstr(read_back, line));

    /* The JSON lines say the same: the hash, and no seed for the invalid file. */
    read_text_file(json, read_back, sizeof read_back);
    snprintf(line, sizeof line, "\"seed\":1,\"seed_first\":1,\"seed_last\":20,\"policy\":\"random\","
             "\"schedule\":null,\"trace_hash\":\"%s\",\"duration_s\":", hash);
    assert_non_null(strstr(read_back, line));
    assert_non_null(strstr(read_back, "\"invalid\":true,\"crashed\":false,\"timed_out\":false,"
                                      "\"seeds_run\":0,\"seed\":null,"));
}

/* Exit 5 when no scenario file matched: a folder with none, a folder of
 * other files, a shard that got none. The reports are still written, empty.
 * A path that cannot be read is an error (2), not "nothing matched". */
static void test_run_exits_5_when_nothing_matched(void **state) {
    (void)state;
    char empty[128], notes[128], single[128], junit[160], text[8192];
    static char read_back[4096];
    snprintf(empty, sizeof empty, "%s/empty", dir);
    snprintf(notes, sizeof notes, "%s/notes", dir);
    snprintf(single, sizeof single, "%s/single", dir);
    snprintf(junit, sizeof junit, "%s/empty.xml", dir);
    assert_int_equal(mkdir(empty, 0700), 0);
    assert_int_equal(mkdir(notes, 0700), 0);
    assert_int_equal(mkdir(single, 0700), 0);
    scratch_write(dir, "notes/readme.txt", "not a scenario\n");
    scratch_write(dir, "single/holds.yaml", HOLDS);

    const char *nothing[] = {"run", empty, "--junit", junit};
    assert_int_equal(run_command_err(fl_cli_run, nothing, 4, text, sizeof text), 5);
    assert_non_null(strstr(text, "no scenario files (*.yaml, *.yml) under "));
    assert_int_equal(junit_read(junit, read_back, sizeof read_back), 0);
    assert_non_null(strstr(read_back, "testsuites tests=0 failures=0 errors=0 skipped=0"));
    const char *other_files[] = {"run", notes};
    assert_int_equal(run_command_err(fl_cli_run, other_files, 2, text, sizeof text), 5);
    const char *empty_shard[] = {"run", single, "--shard", "2/2"};
    assert_int_equal(run_command_err(fl_cli_run, empty_shard, 4, text, sizeof text), 5);
    assert_non_null(strstr(text, "shard 2/2 has no files: the paths hold 1 scenario file"));
    const char *full_shard[] = {"run", single, "--shard", "1/2"};
    assert_int_equal(run_command(fl_cli_run, full_shard, 4, text, sizeof text), 0);

    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such-folder", dir);
    const char *unreadable[] = {"run", missing};
    assert_int_equal(run_command_err(fl_cli_run, unreadable, 2, text, sizeof text), 2);
    const char *unreadable_and_empty[] = {"run", missing, empty};
    assert_int_equal(run_command_err(fl_cli_run, unreadable_and_empty, 3, text, sizeof text), 2);
    const char *help[] = {"run", "--help"};
    assert_int_equal(run_command(fl_cli_run, help, 2, text, sizeof text), 0);
    assert_non_null(strstr(text, "5 no scenario file matched"));
    assert_non_null(strstr(text, "report file that\n  cannot be written"));
}

/* A report into a directory that does not exist is refused before any
 * scenario runs (exit 2, no run, no other report). A report that cannot be
 * written at the end (here: its path is a directory) gives exit 2 after
 * every scenario ran and the other report was written; whichever of the
 * two it is, and even when every scenario held. */
static void test_run_exits_2_when_a_report_cannot_be_written(void **state) {
    (void)state;
    char sub[128], missing[160], unwritable[160], junit[160], json[160], text[8192];
    static char report[16384];
    snprintf(sub, sizeof sub, "%s/reported", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    scratch_write(dir, "reported/a_holds.yaml", HOLDS);
    scratch_write(dir, "reported/b_fails.yaml", SCRATCH_FAILS);
    snprintf(missing, sizeof missing, "%s/no/such/dir/report", dir);
    snprintf(unwritable, sizeof unwritable, "%s/reported", dir); /* a directory */
    snprintf(junit, sizeof junit, "%s/reported.xml", dir);
    snprintf(json, sizeof json, "%s/reported.jsonl", dir);

    const char *missing_junit[] = {"run", sub, "--junit", missing, "--json", json};
    assert_int_equal(run_command(fl_cli_run, missing_junit, 6, text, sizeof text), 2);
    assert_null(strstr(text, "scenarios:")); /* nothing ran */
    assert_int_equal(access(json, F_OK), -1);
    assert_int_equal(run_command_err(fl_cli_run, missing_junit, 6, text, sizeof text), 2);
    assert_non_null(strstr(text, "faultline run: --junit "));
    assert_non_null(strstr(text, "no/such/dir: No such file or directory"));
    const char *missing_json[] = {"run", sub, "--json", missing};
    assert_int_equal(run_command(fl_cli_run, missing_json, 4, text, sizeof text), 2);
    assert_null(strstr(text, "scenarios:"));
    const char *merge_missing[] = {"merge", json, "--junit", missing};
    assert_int_equal(run_command_err(fl_cli_merge, merge_missing, 4, text, sizeof text), 2);
    assert_non_null(strstr(text, "faultline merge: --junit "));

    const char *bad_junit[] = {"run", sub, "--junit", unwritable, "--json", json};
    assert_int_equal(run_command(fl_cli_run, bad_junit, 6, text, sizeof text), 2);
    assert_non_null(strstr(text, "2 scenarios: 1 held, 1 failed, 0 invalid"));
    read_text_file(json, report, sizeof report);
    assert_non_null(strstr(report, "a_holds.yaml"));
    assert_non_null(strstr(report, "b_fails.yaml"));
    assert_int_equal(run_command_err(fl_cli_run, bad_junit, 6, text, sizeof text), 2);
    assert_non_null(strstr(text, "faultline run: cannot write "));
    assert_non_null(strstr(text, "reported: Is a directory"));

    const char *bad_json[] = {"run", sub, "--junit", junit, "--json", unwritable};
    assert_int_equal(run_command(fl_cli_run, bad_json, 6, text, sizeof text), 2);
    assert_int_equal(junit_read(junit, report, sizeof report), 0);
    assert_non_null(strstr(report, "testsuites tests=2 failures=1 errors=0"));

    char holds[160];
    snprintf(holds, sizeof holds, "%s/a_holds.yaml", sub);
    const char *held_but_unwritten[] = {"run", holds, "--json", unwritable};
    assert_int_equal(run_command(fl_cli_run, held_but_unwritten, 4, text, sizeof text), 2);
    assert_non_null(strstr(text, "1 scenarios: 1 held"));
    const char *written[] = {"run", holds, "--json", json};
    assert_int_equal(run_command(fl_cli_run, written, 4, text, sizeof text), 0);
}

/* A symlink back up the tree once made the walk go round until the depth
 * bound: the same file ran 17 times. Each real file is collected once, and
 * each real directory walked once, whatever the paths that reach them. */
static void test_symlinks_reach_each_real_file_once(void **state) {
    (void)state;
    char sub[128], inner[160], link[192], text[8192];
    snprintf(sub, sizeof sub, "%s/looped", dir);
    snprintf(inner, sizeof inner, "%s/inner", sub);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(mkdir(inner, 0700), 0);
    scratch_write(dir, "looped/inner/a.yaml", HOLDS);
    snprintf(link, sizeof link, "%s/up", inner);
    assert_int_equal(symlink("..", link), 0);
    snprintf(link, sizeof link, "%s/b.yaml", sub);
    assert_int_equal(symlink("inner/a.yaml", link), 0);
    const char *words[] = {"check", sub, sub};
    assert_int_equal(run_command(fl_cli_check, words, 3, text, sizeof text), 0);
    assert_non_null(strstr(text, "1 files: 1 valid, 0 invalid"));
    assert_null(strstr(text, "/up/"));
}

/* A FIFO named *.yaml in a suite once blocked check and run forever: it is
 * an invalid file (exit 2) with a message, and the rest still loads. */
static void test_a_fifo_in_a_suite_is_refused_not_waited_on(void **state) {
    (void)state;
    char sub[128], fifo[160], text[8192];
    snprintf(sub, sizeof sub, "%s/piped", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    scratch_write(dir, "piped/good.yaml", HOLDS);
    snprintf(fifo, sizeof fifo, "%s/pipe.yaml", sub);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(20); /* before the fix the open never returned: fail, do not hang */
    const char *check[] = {"check", sub};
    assert_int_equal(run_command(fl_cli_check, check, 2, text, sizeof text), 2);
    assert_non_null(strstr(text, "2 files: 1 valid, 1 invalid"));
    assert_int_equal(run_command_err(fl_cli_check, check, 2, text, sizeof text), 2);
    assert_non_null(strstr(text, "pipe.yaml: error: is a FIFO, not a regular file"));
    const char *run[] = {"run", sub, "--jobs", "1"};
    assert_int_equal(run_command(fl_cli_run, run, 4, text, sizeof text), 2);
    assert_non_null(strstr(text, "1 held, 0 failed, 1 invalid"));
    alarm(0);
}

/* Every number option takes digits alone: strtoull skipped leading spaces
 * and took a sign, so --seed " -1" replayed seed 2^64-1 and --seeds " 3"
 * or "1.. 3" ran. */
static void test_number_options_take_digits_only(void **state) {
    (void)state;
    scratch_write(dir, "holds.yaml", HOLDS);
    char path[128], text[8192];
    snprintf(path, sizeof path, "%s/holds.yaml", dir);
    static const struct {
        const char *command, *option, *value;
    } bad[] = {
        {"replay", "--seed", " -1"},       {"replay", "--seed", "-1"},
        {"replay", "--seed", "+1"},        {"replay", "--seed", " 1"},
        {"run", "--seeds", " 3"},          {"run", "--seeds", "1.. 3"},
        {"run", "--seeds", " 1..3"},       {"run", "--seeds", "+1..3"},
        {"run", "--jobs", " 2"},           {"run", "--jobs", "+2"},
        {"run", "--timeout", " 5"},        {"run", "--shard", " 1/2"},
        {"run", "--shard", "1/ 2"},        {"run", "--self-check", " 5%"},
        {"run", "--self-check", "+5%"},    {"run", "--self-check", "inf"},
        {"explore", "--runs", " 3"},       {"explore", "--bound", " 1"},
        {"replay", "--depth", " 2"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int (*fn)(int, char **, FILE *, FILE *) =
            strcmp(bad[i].command, "run") == 0      ? fl_cli_run
            : strcmp(bad[i].command, "replay") == 0 ? fl_cli_replay
                                                    : fl_cli_explore;
        const char *words[] = {bad[i].command, path, bad[i].option, bad[i].value,
                               strcmp(bad[i].option, "--seed") == 0 ? "--depth" : "--seed", "1"};
        /* replay needs --seed; the others are given one they refuse first or never read. */
        int count = strcmp(bad[i].command, "replay") == 0 ? 6 : 4;
        char expected[128];
        snprintf(expected, sizeof expected, "%s takes ", bad[i].option);
        int code = run_command_err(fn, words, count, text, sizeof text);
        if (code != 2 || strstr(text, expected) == NULL)
            fail_msg("%s %s '%s': exit %d, \"%.200s\"", bad[i].command, bad[i].option,
                     bad[i].value, code, text);
    }
}

/* --schedule runs the replay policy (and the failure's replay command
 * carries the schedule); --policy replay needs one; --shard K/N splits the
 * files so that the N shares run each file exactly once. */
static void test_run_schedule_and_shard(void **state) {
    (void)state;
    char sub[128], holds[160], fails[160], text[8192];
    snprintf(sub, sizeof sub, "%s/shards", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    scratch_write(dir, "shards/a_holds.yaml", HOLDS);
    scratch_write(dir, "shards/b_fails.yaml", SCRATCH_FAILS);
    snprintf(holds, sizeof holds, "%s/a_holds.yaml", sub);
    snprintf(fails, sizeof fails, "%s/b_fails.yaml", sub);

    const char *first[] = {"run", sub, "--shard", "1/2"};
    assert_int_equal(run_command(fl_cli_run, first, 4, text, sizeof text), 0);
    assert_non_null(strstr(text, "a_holds.yaml"));
    assert_null(strstr(text, "b_fails.yaml"));
    assert_non_null(strstr(text, "1 scenarios: 1 held"));
    const char *second[] = {"run", sub, "--shard", "2/2"};
    assert_int_equal(run_command(fl_cli_run, second, 4, text, sizeof text), 1);
    assert_null(strstr(text, "a_holds.yaml"));
    assert_non_null(strstr(text, "b_fails.yaml"));
    const char *bad_shards[][4] = {{"run", sub, "--shard", "0/2"}, {"run", sub, "--shard", "3/2"},
                                   {"run", sub, "--shard", "2"}, {"run", sub, "--shard", "x/2"}};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(run_command(fl_cli_run, bad_shards[i], 4, text, sizeof text), 2);

    const char *scheduled[] = {"run", fails, "--seeds", "1..2", "--schedule", "0.0"};
    assert_int_equal(run_command(fl_cli_run, scheduled, 6, text, sizeof text), 1);
    char replay[320];
    snprintf(replay, sizeof replay, "replay: faultline replay %s --seed 1 --policy replay --schedule 0.0",
             fails);
    assert_non_null(strstr(text, replay));
    const char *scheduled_holds[] = {"run", holds, "--schedule", "0*40", "--policy", "replay"};
    assert_int_equal(run_command(fl_cli_run, scheduled_holds, 6, text, sizeof text), 0);
    const char *no_schedule[] = {"run", holds, "--policy", "replay"};
    assert_int_equal(run_command(fl_cli_run, no_schedule, 4, text, sizeof text), 2);
    const char *other_policy[] = {"run", holds, "--policy", "fifo", "--schedule", "0"};
    assert_int_equal(run_command(fl_cli_run, other_policy, 6, text, sizeof text), 2);
    const char *bad_schedule[] = {"run", holds, "--schedule", "zero"};
    assert_int_equal(run_command(fl_cli_run, bad_schedule, 4, text, sizeof text), 2);
}

static void test_replay_is_byte_identical(void **state) {
    (void)state;
    scratch_write(dir, "holds.yaml", HOLDS);
    char holds[128];
    snprintf(holds, sizeof holds, "%s/holds.yaml", dir);
    static char first[65536], second[65536];
    const char *words[] = {"replay", holds, "--seed", "7"};
    assert_int_equal(run_command(fl_cli_replay, words, 4, first, sizeof first), 0);
    assert_int_equal(run_command(fl_cli_replay, words, 4, second, sizeof second), 0);
    assert_string_equal(first, second);
    assert_non_null(strstr(first, "trace hash "));
    /* --trace writes Chrome trace-event JSON that a JSON parser accepts. */
    char trace[160], command[512];
    snprintf(trace, sizeof trace, "%s/trace.json", dir);
    const char *trace_words[] = {"replay", holds, "--seed", "7", "--trace", trace};
    assert_int_equal(run_command(fl_cli_replay, trace_words, 6, first, sizeof first), 0);
    snprintf(command, sizeof command,
             "/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
             "n=[e for e in d[\"traceEvents\"] if e[\"ph\"]==\"M\"]; "
             "assert any(\"main\" in e[\"args\"][\"name\"] for e in n); "
             "assert len(d[\"traceEvents\"]) > 20' %s",
             trace);
    assert_int_equal(system(command), 0);
    const char *missing_seed[] = {"replay", holds};
    assert_int_equal(run_command(fl_cli_replay, missing_seed, 2, first, sizeof first), 2);
}

/* As run_command, with the error stream captured instead of the output. */
static int run_command_err(int (*fn)(int, char **, FILE *, FILE *), const char *const *words,
                           int count, char *err_text, size_t size) {
    return run_capturing(fn, words, count, true, err_text, size);
}

/* An option the command does not take is an error naming it, never
 * ignored: `run --seed 3` once ran every seed and held. */
static void test_options_a_command_does_not_take_are_errors(void **state) {
    (void)state;
    scratch_write(dir, "holds.yaml", HOLDS);
    char path[128], text[4096];
    snprintf(path, sizeof path, "%s/holds.yaml", dir);
    const char *run_seed_and_seeds[] = {"run", path, "--seed", "3", "--seeds", "1..2"};
    assert_int_equal(run_command_err(fl_cli_run, run_seed_and_seeds, 6, text, sizeof text), 2);
    assert_non_null(strstr(text, "give --seed N or --seeds A..B, not both"));
    const char *replay_seeds[] = {"replay", path, "--seeds", "1..3"};
    assert_int_equal(run_command_err(fl_cli_replay, replay_seeds, 4, text, sizeof text), 2);
    assert_non_null(strstr(text, "--seeds is not an option of replay"));
    const char *check_jobs[] = {"check", path, "--jobs", "2"};
    assert_int_equal(run_command_err(fl_cli_check, check_jobs, 4, text, sizeof text), 2);
    assert_non_null(strstr(text, "--jobs is not an option of check"));
    const char *list_policy[] = {"list", path, "--policy", "fifo"};
    assert_int_equal(run_command_err(fl_cli_list, list_policy, 4, text, sizeof text), 2);
    const char *replay_junit[] = {"replay", path, "--seed", "1", "--junit", "x.xml"};
    assert_int_equal(run_command_err(fl_cli_replay, replay_junit, 6, text, sizeof text), 2);
    /* One seed on run is --seeds N or --seed N, and it runs that one seed. */
    const char *run_one_seed[] = {"run", path, "--seeds", "3", "--jobs", "1"};
    char out[4096];
    assert_int_equal(run_command(fl_cli_run, run_one_seed, 6, out, sizeof out), 0);
    assert_non_null(strstr(out, " 1 seed\n"));
    const char *run_seed[] = {"run", path, "--seed", "3", "--jobs", "1"};
    assert_int_equal(run_command(fl_cli_run, run_seed, 6, out, sizeof out), 0);
    assert_non_null(strstr(out, " 1 seed\n"));
    /* A seed past 2^64-1 is refused, not saturated. */
    const char *huge[] = {"run", path, "--seeds", "1..99999999999999999999"};
    assert_int_equal(run_command_err(fl_cli_run, huge, 4, text, sizeof text), 2);
    assert_non_null(strstr(text, "--seeds takes A..B"));
}

/* A usage error shows the command's synopsis and where its help is, not
 * the whole help text. */
static void test_a_usage_error_prints_the_synopsis_and_the_help_hint(void **state) {
    (void)state;
    scratch_write(dir, "holds.yaml", HOLDS);
    char path[128], text[4096];
    snprintf(path, sizeof path, "%s/holds.yaml", dir);
    const char *bogus[] = {"run", path, "--bogus"};
    assert_int_equal(run_command_err(fl_cli_run, bogus, 3, text, sizeof text), 2);
    assert_non_null(strstr(text, "faultline run: unknown option '--bogus'\n"
                                 "usage: faultline run PATH... [--seeds A..B]"));
    assert_non_null(strstr(text, "[-q] [-v]\nTry 'faultline run --help' for more.\n"));
    assert_null(strstr(text, "runs every scenario file")); /* the description stays in --help */
    const char *no_seed[] = {"replay", path};
    assert_int_equal(run_command_err(fl_cli_replay, no_seed, 2, text, sizeof text), 2);
    assert_non_null(strstr(text, "Try 'faultline replay --help' for more.\n"));
    assert_null(strstr(text, "prints its timeline"));
}

/* A finds target that fails while its fault stays silent is no find, in
 * replay as in run. */
static void test_replay_of_a_find_without_its_fault(void **state) {
    (void)state;
    static const char finds[] =
        "name: wrong status, silent fault\n"
        "mode: finds\n"
        "finds: wrong\n"
        "seeds: 1..3\n"
        "server:\n  routes:\n    - path: /hello\n      steps:\n        - respond: {status: 200}\n"
        "faults:\n  - trigger: {bytes: 100000, direction: c2s}\n    action: reset\n"
        "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: call, path: /hello}\n"
        "expect:\n  - step: {step: call, name: wrong, status: 201}\n";
    scratch_write(dir, "silent.yaml", finds);
    char path[128], text[16384];
    snprintf(path, sizeof path, "%s/silent.yaml", dir);
    const char *replay[] = {"replay", path, "--seed", "2"};
    assert_int_equal(run_command(fl_cli_replay, replay, 4, text, sizeof text), 1);
    assert_non_null(strstr(text, "check faults-fired                 FAILED"));
    assert_non_null(strstr(text, "the check 'wrong' fails, but a fault never fired (not a find) at "
                                 "seed 2"));
    const char *run[] = {"run", path, "--jobs", "1"};
    assert_int_equal(run_command(fl_cli_run, run, 4, text, sizeof text), 1);
    assert_non_null(strstr(text, "wrong not found in 3 seeds (it failed in 3 where a fault never "
                                 "fired"));
}

/* --- replay of a run that aborts --------------------------------------------- */

/* The crash is injected where the test can put it without touching the
 * product: in the stream replay prints to. The stream passes every write
 * through to the child's stdout, then fails an assertion once the server's
 * response start has been written. That write happens inside a task, in the
 * middle of the run, as a failed assertion in the runtime would: what the
 * test checks is what a dying replay has printed by then. */
static const char CRASH_POINT[] = "sent http.response.start";

static ssize_t crashing_write(void *cookie, const char *bytes, size_t size) {
    (void)cookie;
    for (size_t written = 0; written < size;) {
        ssize_t n = write(STDOUT_FILENO, bytes + written, size - written);
        if (n <= 0) return -1;
        written += (size_t)n;
    }
    assert(memmem(bytes, size, CRASH_POINT, strlen(CRASH_POINT)) == NULL &&
           "crash injected by the test at the response start");
    return (ssize_t)size;
}

static void replay_into_crashing_stream(void *arg) {
    char *path = arg;
    cookie_io_functions_t io = {.write = crashing_write};
    FILE *out = fopencookie(NULL, "w", io);
    if (out == NULL) _exit(127);
    char *argv[] = {"replay", path, "--seed", "7"};
    fl_cli_replay(4, argv, out, stderr);
}

static void test_replay_prints_the_timeline_up_to_an_abort(void **state) {
    (void)state;
    scratch_write(dir, "holds.yaml", HOLDS);
    char holds[128];
    snprintf(holds, sizeof holds, "%s/holds.yaml", dir);
    static char whole[65536];
    const char *words[] = {"replay", holds, "--seed", "7"};
    assert_int_equal(run_command(fl_cli_replay, words, 4, whole, sizeof whole), 0);

    static child_result_t child;
    child_run(replay_into_crashing_stream, holds, &child);
    assert_int_equal(child.signal, SIGABRT);
    assert_non_null(strstr(child.err, "crash injected by the test"));
    /* Everything up to and including the crash point's line is out, byte
     * for byte as the whole replay prints it, and nothing after it. */
    const char *crash_line = strstr(whole, CRASH_POINT);
    assert_non_null(crash_line);
    size_t upto = (size_t)(strchr(crash_line, '\n') + 1 - whole);
    assert_int_equal(strlen(child.out), upto);
    assert_memory_equal(child.out, whole, upto);
    assert_true(strncmp(child.out, "scenario hello holds  seed 7  policy random\n--- trace\n",
                        strlen("scenario hello holds  seed 7  policy random\n--- trace\n")) == 0);
}

static void test_list_names_scenarios(void **state) {
    (void)state;
    scratch_write(dir, "holds.yaml", HOLDS);
    char text[4096];
    const char *words[] = {"list", dir};
    run_command(fl_cli_list, words, 2, text, sizeof text);
    assert_non_null(strstr(text, "hello holds"));
    assert_non_null(strstr(text, "seeds 1..20"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_reports_invalid_files_with_exit_2),
        cmocka_unit_test(test_check_reports_every_error_of_a_file),
        cmocka_unit_test(test_a_crowded_directory_is_read_whole),
        cmocka_unit_test(test_run_exit_codes),
        cmocka_unit_test(test_a_usage_error_prints_the_synopsis_and_the_help_hint),
        cmocka_unit_test(test_run_writes_reports),
        cmocka_unit_test(test_run_junit_has_a_suite_per_folder),
        cmocka_unit_test(test_run_exits_5_when_nothing_matched),
        cmocka_unit_test(test_run_exits_2_when_a_report_cannot_be_written),
        cmocka_unit_test(test_symlinks_reach_each_real_file_once),
        cmocka_unit_test(test_a_fifo_in_a_suite_is_refused_not_waited_on),
        cmocka_unit_test(test_number_options_take_digits_only),
        cmocka_unit_test(test_run_schedule_and_shard),
        cmocka_unit_test(test_replay_is_byte_identical),
        cmocka_unit_test(test_replay_prints_the_timeline_up_to_an_abort),
        cmocka_unit_test(test_list_names_scenarios),
        cmocka_unit_test(test_options_a_command_does_not_take_are_errors),
        cmocka_unit_test(test_replay_of_a_find_without_its_fault),
    };
    return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
