/* The -d @FILE body: see upload_file.h.
 *
 * read(2) rather than stdio: stdio reads ahead by a buffer, and the point
 * is to take no byte past the limit's first one. */
#include "harness/real/upload_file.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/real/refuse.h"

enum { FIRST_CAPACITY = 64 * 1024 };

static int too_large(const char *path, uint64_t bytes_max, char *error, size_t error_size) {
    return fl__refuse(error, error_size, "-d @%s: larger than %llu bytes", path,
                      (unsigned long long)bytes_max);
}

/* Grows *bytes so that it holds at least one byte more than length, but
 * never more than bytes_max + 1: the one past the limit proves it exceeded. */
static bool grow(unsigned char **bytes, size_t *capacity, size_t length, uint64_t bytes_max) {
    assert(bytes != NULL && capacity != NULL && length == *capacity);
    assert((uint64_t)length <= bytes_max);
    uint64_t wanted = *capacity ? (uint64_t)*capacity * 2 : FIRST_CAPACITY;
    if (wanted > bytes_max + 1) wanted = bytes_max + 1;
    unsigned char *grown = realloc(*bytes, (size_t)wanted);
    if (grown == NULL) return false;
    *bytes = grown;
    *capacity = (size_t)wanted;
    assert(*capacity > length);
    return true;
}

/* Reads fd to EOF into *bytes_out, refusing at the first byte past the limit. */
static int read_bounded(int fd, const char *path, uint64_t bytes_max, unsigned char **bytes_out,
                        size_t *length_out, char *error, size_t error_size) {
    unsigned char *bytes = malloc(1); /* never NULL, even for an empty file */
    size_t length = 0, capacity = 0;
    int status = bytes != NULL ? 0 : fl__refuse(error, error_size, "-d @%s: out of memory", path);
    while (status == 0) {
        if (length > bytes_max) {
            status = too_large(path, bytes_max, error, error_size);
            break;
        }
        if (length == capacity && !grow(&bytes, &capacity, length, bytes_max)) {
            status = fl__refuse(error, error_size, "-d @%s: out of memory", path);
            break;
        }
        ssize_t n = read(fd, bytes + length, capacity - length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) status = fl__refuse(error, error_size, "-d @%s: %s", path, strerror(errno));
        if (n <= 0) break;
        length += (size_t)n;
    }
    if (status != 0) {
        free(bytes);
        return status;
    }
    assert(bytes != NULL && (uint64_t)length <= bytes_max);
    *bytes_out = bytes;
    *length_out = length;
    return 0;
}

int fl_upload_file_read(const char *path, uint64_t bytes_max, unsigned char **bytes_out,
                        size_t *length_out, char *error, size_t error_size) {
    assert(path != NULL && bytes_out != NULL && length_out != NULL);
    assert(bytes_max < SIZE_MAX);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fl__refuse(error, error_size, "-d @%s: %s", path, strerror(errno));
    struct stat info;
    int status;
    /* A regular file says its size: one too large is refused unread. */
    if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && (uint64_t)info.st_size > bytes_max)
        status = too_large(path, bytes_max, error, error_size);
    else
        status = read_bounded(fd, path, bytes_max, bytes_out, length_out, error, error_size);
    close(fd);
    return status;
}
