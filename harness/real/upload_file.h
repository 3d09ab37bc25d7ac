/* The body of `faultline fetch -d @FILE`: a file read whole into memory,
 * refused as soon as it proves larger than a limit, so `-d @/dev/zero` or
 * an endless FIFO costs the limit and no more. */
#ifndef FL_HARNESS_REAL_UPLOAD_FILE_H
#define FL_HARNESS_REAL_UPLOAD_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads the file at path into a malloc'ed buffer that the caller frees
 * (never NULL on success, even for an empty file) and its length. A
 * regular file larger than bytes_max is refused before reading; any other
 * file (a FIFO, a device) is read until EOF, and refused at the first byte
 * past bytes_max, the rest never read. Returns 0, or -1 with a message
 * naming the file in error (if not NULL, capacity error_size). */
int fl_upload_file_read(const char *path, uint64_t bytes_max, unsigned char **bytes_out,
                        size_t *length_out, char *error, size_t error_size);

#endif /* FL_HARNESS_REAL_UPLOAD_FILE_H */
