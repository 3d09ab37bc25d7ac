/* faultline run --trace-failures DIR: one Chrome trace per failing seed,
 * named after the file and the seed, in a directory made on demand; a
 * directory that cannot be made is exit 2 before anything runs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/cli/commands.h"
#include "harness/cli/trace_failures.h"
#include "harness/json/json.h"
#include "sim/runtime/arena.h"
#include "tests/support/scratch.h"

static char dir[SCRATCH_DIR_MAX];

/* Fails at its first seed too: the server answers 503, a 200 was wanted. */
static const char UNAVAILABLE[] =
    "name: an unavailable server\n"
    "seeds: 2..3\n"
    "server:\n  routes:\n    - path: /hello\n      steps:\n        - respond: {status: 503}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: call, path: /hello}\n"
    "expect:\n  - step: {step: call, status: 200}\n";

static int setup(void **state) {
    *state = dir;
    scratch_make(dir, "traces");
    scratch_use_worker_exe();
    return 0;
}

/* Runs fl_cli_run on words; the output in out_text, the errors in err_text. */
static int run(const char *const *words, int count, char *out_text, char *err_text, size_t size) {
    return scratch_capture(fl_cli_run, words, count, out_text, err_text, size);
}

static size_t files_in(const char *path) {
    DIR *d = opendir(path);
    assert_non_null(d);
    size_t count = 0;
    for (struct dirent *entry; (entry = readdir(d)) != NULL;)
        if (entry->d_name[0] != '.') count++;
    closedir(d);
    return count;
}

/* The file parses as a trace that names the client task. */
static void assert_trace(const char *path) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 20];
    size_t length = fread(text, 1, sizeof text, f);
    fclose(f);
    assert_true(length > 0 && length < sizeof text);
    fl_arena_t arena;
    fl_arena_init(&arena);
    const fl_json_value_t *root = NULL;
    char error[256];
    assert_int_equal(fl_json_parse(&arena, text, length, &root, error, sizeof error), 0);
    assert_non_null(fl_json_get(root, "traceEvents"));
    assert_non_null(strstr(text, "\"name\":\"t2 main\""));
    assert_non_null(strstr(text, "\"ph\":\"X\""));
    fl_arena_destroy(&arena);
}

static void check_run_traces(const char *jobs) {
    scratch_write(dir, "holds.yaml", SCRATCH_HOLDS);
    scratch_write(dir, "wrong.yaml", SCRATCH_WRONG_STATUS);
    scratch_write(dir, "unavailable.yaml", UNAVAILABLE);
    char traces[160], out[8192], err[8192];
    snprintf(traces, sizeof traces, "%s/traces-%s/nested", dir, jobs);
    const char *words[] = {"run", dir, "--jobs", jobs, "--trace-failures", traces};
    assert_int_equal(run(words, 6, out, err, sizeof out), 1);
    assert_int_equal(files_in(traces), 2); /* the held file has none */
    char name[256], path[512];
    fl_trace_failure_file_name(dir, 4, name, sizeof name);
    /* dir/wrong.yaml fails at its first seed, 4. */
    snprintf(path, sizeof path, "%s/%.*s_wrong.seed-4.json", traces,
             (int)(strlen(name) - strlen(".seed-4.json")), name);
    assert_trace(path);
    assert_non_null(strstr(out, path)); /* run says where it is */
    snprintf(path, sizeof path, "%s/%.*s_unavailable.seed-2.json", traces,
             (int)(strlen(name) - strlen(".seed-4.json")), name);
    assert_trace(path);
}

static void test_one_trace_per_failing_seed_here(void **state) {
    (void)state;
    check_run_traces("1");
}

/* With workers the seeds run elsewhere; the traces are made here. */
static void test_one_trace_per_failing_seed_with_workers(void **state) {
    (void)state;
    if (getenv("FAULTLINE_WORKER_EXE") == NULL) {
        print_message("build/faultline not found: run from the repository root after `make`\n");
        skip();
    }
    check_run_traces("2");
}

/* A worker that crashed is not run again here, where it would crash run
 * itself: it is named instead, and no file is written for it. */
static void test_a_crash_is_named_not_rerun(void **state) {
    (void)state;
    if (getenv("FAULTLINE_WORKER_EXE") == NULL) {
        print_message("build/faultline not found: run from the repository root after `make`\n");
        skip();
    }
    scratch_write(dir, "wrong.yaml", SCRATCH_WRONG_STATUS);
    char file[160], traces[200], out[8192], err[8192];
    snprintf(file, sizeof file, "%s/wrong.yaml", dir);
    snprintf(traces, sizeof traces, "%s/traces", dir);
    setenv("FAULTLINE_TEST_CRASH_ON", "hello expects the wrong status", 1);
    const char *words[] = {"run", file, "--jobs", "2", "--trace-failures", traces};
    int code = run(words, 6, out, err, sizeof out);
    unsetenv("FAULTLINE_TEST_CRASH_ON");
    assert_int_equal(code, 1);
    assert_non_null(strstr(out, "CRASHED"));
    assert_non_null(strstr(err, "no trace for"));
    assert_int_equal(files_in(traces), 0);
}

/* a/b_c.yaml and a_b/c.yaml give the same name: both traces are kept. */
static void test_files_with_one_name_are_kept_apart(void **state) {
    (void)state;
    char sub[160], traces[160], out[8192], err[8192];
    snprintf(sub, sizeof sub, "%s/a", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/a_b", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    scratch_write(dir, "a/b_c.yaml", SCRATCH_WRONG_STATUS);
    scratch_write(dir, "a_b/c.yaml", SCRATCH_WRONG_STATUS);
    snprintf(traces, sizeof traces, "%s/traces", dir);
    const char *words[] = {"run", dir, "--jobs", "1", "--trace-failures", traces};
    assert_int_equal(run(words, 6, out, err, sizeof out), 1);
    assert_int_equal(files_in(traces), 2);
    assert_non_null(strstr(out, "_a_b_c.seed-4.json\n"));
    assert_non_null(strstr(out, "_a_b_c.seed-4.file-2.json\n"));
}

static void test_a_directory_that_cannot_be_made_is_exit_2(void **state) {
    (void)state;
    scratch_write(dir, "wrong.yaml", SCRATCH_WRONG_STATUS);
    char file[160], traces[200], out[8192], err[8192];
    snprintf(file, sizeof file, "%s/wrong.yaml", dir);
    /* Under a regular file: refused even for root, who may write anywhere. */
    snprintf(traces, sizeof traces, "%s/wrong.yaml/traces", dir);
    const char *words[] = {"run", file, "--jobs", "1", "--trace-failures", traces};
    assert_int_equal(run(words, 6, out, err, sizeof out), 2);
    assert_non_null(strstr(err, "--trace-failures"));
    assert_non_null(strstr(err, "cannot make the directory"));
    assert_null(strstr(out, "FAILED")); /* nothing ran */
}

static void test_file_names_come_from_the_path_and_seed(void **state) {
    (void)state;
    char name[128];
    assert_string_equal(fl_trace_failure_file_name("scenarios/shield/v020_finds.yaml", 3, name,
                                                   sizeof name),
                        "scenarios_shield_v020_finds.seed-3.json");
    assert_string_equal(fl_trace_failure_file_name("./a b/c.yml", 12, name, sizeof name),
                        "a_b_c.seed-12.json");
    assert_string_equal(fl_trace_failure_file_name("/tmp/x.yaml", 1, name, sizeof name),
                        "tmp_x.seed-1.json");
    assert_string_equal(fl_trace_failure_file_name(".hidden/x.yaml", 2, name, sizeof name),
                        "_hidden_x.seed-2.json");
    /* Too long a path is cut, the seed kept. */
    char small[24];
    assert_string_equal(fl_trace_failure_file_name("abcdefghijklmnopqrstuvwxyz.yaml", 7, small,
                                                   sizeof small),
                        "abcdefghijk.seed-7.json");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_trace_per_failing_seed_here, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_one_trace_per_failing_seed_with_workers, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_a_crash_is_named_not_rerun, setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_files_with_one_name_are_kept_apart, setup,
                                        scratch_teardown),
        cmocka_unit_test_setup_teardown(test_a_directory_that_cannot_be_made_is_exit_2, setup,
                                        scratch_teardown),
        cmocka_unit_test(test_file_names_come_from_the_path_and_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
