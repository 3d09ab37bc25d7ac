/* Saying why a real command refuses its input, for fetch.c and
 * upload_file.c: one message into the caller's buffer, one status.
 * Internal to real/. */
#ifndef FL_HARNESS_REAL_REFUSE_H
#define FL_HARNESS_REAL_REFUSE_H

#include <stddef.h>

/* Formats the message into error (when it is not NULL and error_size > 0,
 * cut to fit) and returns -1, so a caller can `return fl__refuse(...)`. */
int fl__refuse(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* FL_HARNESS_REAL_REFUSE_H */
