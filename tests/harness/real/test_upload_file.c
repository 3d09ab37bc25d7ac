/* The -d @FILE reader: a file within the limit is read whole; one past it
 * is refused, a regular file before reading, a pipe or a device at the
 * first byte past the limit, the rest of it left unread (what an endless
 * source such as /dev/zero needs). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/real/upload_file.h"

enum { LIMIT = 1000, PIPE_BYTES = 10000 }; /* PIPE_BYTES fits a pipe's buffer */

static int read_upload(const char *path, uint64_t limit, unsigned char **bytes, size_t *length,
                       char *error, size_t error_size) {
    *bytes = NULL;
    *length = 0;
    return fl_upload_file_read(path, limit, bytes, length, error, error_size);
}

static void test_a_file_within_the_limit_is_read_whole(void **state) {
    (void)state;
    char path[] = "/tmp/faultline-upload-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static char data[LIMIT];
    memset(data, 'u', sizeof data);
    assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
    close(fd);
    unsigned char *bytes;
    size_t length;
    char error[256] = "";
    assert_int_equal(read_upload(path, LIMIT, &bytes, &length, error, sizeof error), 0);
    assert_int_equal(length, LIMIT);
    assert_memory_equal(bytes, data, LIMIT);
    free(bytes);
    assert_int_equal(read_upload(path, LIMIT - 1, &bytes, &length, error, sizeof error), -1);
    assert_non_null(strstr(error, "larger than 999 bytes"));
    unlink(path);
}

static void test_an_empty_file_is_an_empty_body(void **state) {
    (void)state;
    unsigned char *bytes;
    size_t length;
    assert_int_equal(read_upload("/dev/null", LIMIT, &bytes, &length, NULL, 0), 0);
    assert_non_null(bytes);
    assert_int_equal(length, 0);
    free(bytes);
}

/* /dev/zero never ends: refused at once (a small limit keeps the test fast). */
static void test_dev_zero_is_refused_past_the_limit(void **state) {
    (void)state;
    unsigned char *bytes = NULL;
    size_t length;
    char error[256] = "";
    assert_int_equal(read_upload("/dev/zero", LIMIT, &bytes, &length, error, sizeof error), -1);
    assert_non_null(strstr(error, "-d @/dev/zero: larger than 1000 bytes"));
}

/* A pipe holding PIPE_BYTES: the reader takes LIMIT + 1 of them, no more. */
static void test_a_pipe_is_read_no_further_than_the_limit(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    static char data[PIPE_BYTES];
    memset(data, 'p', sizeof data);
    assert_int_equal(write(fds[1], data, sizeof data), (ssize_t)sizeof data);
    close(fds[1]);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    unsigned char *bytes = NULL;
    size_t length;
    char error[256] = "";
    assert_int_equal(read_upload(path, LIMIT, &bytes, &length, error, sizeof error), -1);
    assert_non_null(strstr(error, "larger than 1000 bytes"));
    size_t left = 0;
    ssize_t n;
    while ((n = read(fds[0], data, sizeof data)) > 0) left += (size_t)n;
    close(fds[0]);
    assert_int_equal(left, PIPE_BYTES - (LIMIT + 1));
}

static void test_a_missing_file_is_named(void **state) {
    (void)state;
    unsigned char *bytes;
    size_t length;
    char error[256] = "";
    assert_int_equal(read_upload("/nonexistent/upload", LIMIT, &bytes, &length, error, sizeof error),
                     -1);
    assert_non_null(strstr(error, "-d @/nonexistent/upload: "));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_file_within_the_limit_is_read_whole),
        cmocka_unit_test(test_an_empty_file_is_an_empty_body),
        cmocka_unit_test(test_dev_zero_is_refused_past_the_limit),
        cmocka_unit_test(test_a_pipe_is_read_no_further_than_the_limit),
        cmocka_unit_test(test_a_missing_file_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
