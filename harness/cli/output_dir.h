/* A directory that `faultline run` writes reports into (--trace-failures
 * DIR, --html DIR): made with its missing parents, and checked before
 * anything runs, so a run of many minutes never ends on "cannot write". */
#ifndef FL_HARNESS_OUTPUT_DIR_H
#define FL_HARNESS_OUTPUT_DIR_H

#include <stddef.h>
#include <stdio.h>

/* Makes dir and its missing parents. Returns 0, or 2 after a message on
 * err ("faultline run: OPTION DIR: ...") when dir cannot be made or is not
 * a writable directory. */
int fl_output_dir_prepare(const char *option, const char *dir, FILE *err);

/* A report file (--junit FILE, --json FILE) is written after every
 * scenario ran: its directory must exist and be writable before anything
 * runs. Returns 0, or 2 after a message on err ("faultline COMMAND: OPTION
 * FILE: ..."). The file itself is neither made nor truncated here. */
int fl_output_file_check(const char *command, const char *option, const char *file, FILE *err);

/* dir/name into out (NUL-terminated, truncated to fit), with one '/'
 * between them whether or not dir ends with one. Returns out. */
char *fl_output_dir_file(const char *dir, const char *name, char *out, size_t size);

#endif /* FL_HARNESS_OUTPUT_DIR_H */
