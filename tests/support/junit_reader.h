/* Reads a JUnit report back with a real consumer: tests/support/read_junit.py
 * run by /usr/bin/python3 over Debian's python3-junitparser, which prints
 * what it read one fact a line (the script's comment gives the lines).
 * Tests assert on those lines, so a report that a CI system would misread
 * fails them, not only one that differs from a string. */
#ifndef FL_TEST_JUNIT_READER_H
#define FL_TEST_JUNIT_READER_H

#include <stddef.h>

/* Reads the report at path into text (NUL-terminated, truncated to fit);
 * returns the reader's exit status (0: read). A missing junitparser is a
 * failed test that says to run `make deps`. */
int junit_read(const char *path, char *text, size_t size);

#endif /* FL_TEST_JUNIT_READER_H */
