#include "tests/support/scratch.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char SCRATCH_HOLDS[] =
    "name: hello holds\n"
    "seeds: 1..5\n"
    "server:\n  routes:\n    - path: /hello\n      steps:\n        - respond: {status: 200, body: hi}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: call, path: /hello}\n"
    "expect:\n  - step: {step: call, status: 200}\n";

const char SCRATCH_WRONG_STATUS[] =
    "name: hello expects the wrong status\n"
    "seeds: 4..9\n"
    "server:\n  routes:\n    - path: /hello\n      steps:\n        - respond: {status: 200, body: hi}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: call, path: /hello}\n"
    "expect:\n  - step: {step: call, name: wrong, status: 201}\n";

const char SCRATCH_FAILS[] =
    "name: hello expects the wrong status\n"
    "seeds: 1..20\n"
    "server:\n  routes:\n    - path: /hello\n      steps:\n        - respond: {status: 200, body: hi}\n"
    "client:\n  tasks:\n    - name: main\n      steps:\n        - request: {id: call, path: /hello}\n"
    "expect:\n  - step: {step: call, name: wrong, status: 201}\n";

const char SCRATCH_BROKEN[] = "name: broken\nclient:\n  tasks: []\nretires: 3\n";

void scratch_make(char *dir, const char *tag) {
    assert_non_null(dir);
    int n = snprintf(dir, SCRATCH_DIR_MAX, "/tmp/faultline-%s-XXXXXX", tag);
    assert_true(n > 0 && n < SCRATCH_DIR_MAX);
    assert_non_null(mkdtemp(dir));
}

int scratch_remove(const char *dir) {
    char command[SCRATCH_DIR_MAX + 16];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    return system(command) == 0 ? 0 : -1;
}

int scratch_teardown(void **state) {
    assert_non_null(state);
    assert_non_null(*state);
    return scratch_remove(*state);
}

void scratch_write(const char *dir, const char *name, const char *text) {
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < sizeof path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

bool scratch_use_worker_exe(void) {
    char exe[PATH_MAX];
    if (realpath("build/faultline", exe) != NULL && access(exe, X_OK) == 0) {
        setenv("FAULTLINE_WORKER_EXE", exe, 1);
        return true;
    }
    unsetenv("FAULTLINE_WORKER_EXE");
    return false;
}

/* text's stream, or /dev/null when text is NULL. */
static FILE *capture_stream(char *text, size_t size) {
    if (text == NULL) return fopen("/dev/null", "w");
    /* glibc's fmemopen writes no NUL when nothing is written, and leaves
     * the buffer as it was. */
    memset(text, 0, size);
    return fmemopen(text, size, "w");
}

int scratch_capture(scratch_command_fn *fn, const char *const *words, int count, char *out_text,
                    char *err_text, size_t size) {
    char *argv[SCRATCH_WORDS_MAX];
    assert_true(count >= 1 && count <= SCRATCH_WORDS_MAX);
    for (int i = 0; i < count; i++) argv[i] = (char *)words[i];
    FILE *out = capture_stream(out_text, size);
    FILE *err = capture_stream(err_text, size);
    assert_non_null(out);
    assert_non_null(err);
    int code = fn(count, argv, out, err);
    fclose(out);
    fclose(err);
    return code;
}
