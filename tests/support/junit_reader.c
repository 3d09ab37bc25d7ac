#include "tests/support/junit_reader.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

int junit_read(const char *path, char *text, size_t size) {
    assert_non_null(path);
    assert_true(size > 1);
    if (system("/usr/bin/python3 -c 'import junitparser' 2>/dev/null") != 0)
        fail_msg("python3-junitparser is missing: make deps installs it");
    char command[1024];
    snprintf(command, sizeof command, "/usr/bin/python3 tests/support/read_junit.py '%s' 2>&1",
             path);
    FILE *reader = popen(command, "r");
    assert_non_null(reader);
    size_t length = fread(text, 1, size - 1, reader);
    text[length] = '\0';
    /* Drain what did not fit, so the reader never dies of a closed pipe. */
    char rest[4096];
    while (fread(rest, 1, sizeof rest, reader) > 0) continue;
    int status = pclose(reader);
    assert_true(status != -1 && WIFEXITED(status));
    return WEXITSTATUS(status);
}
