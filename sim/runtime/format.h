/* printf for the hot paths.
 *
 * Every run formats log lines, SSE events, chunk sizes and HTTP heads, and
 * glibc's vsnprintf costs a stream set-up per call (a tenth of a scenario
 * run was spent there). fl_vformat keeps vsnprintf's contract and handles
 * the conversions those paths use itself:
 *
 *   %%  %c  %s  %.*s  %d %i %u %x  with no length, l, ll, z or j
 *
 * Any other conversion, flag, width or precision anywhere in the format
 * hands the whole call to vsnprintf, so the output is always what
 * vsnprintf would give.
 */
#ifndef FL_FORMAT_H
#define FL_FORMAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* vsnprintf's contract: writes at most size bytes including the NUL (none
 * when size is 0) and returns the length the whole text has, or a negative
 * number when the format cannot be formatted. */
int fl_vformat(char *buffer, size_t size, const char *format, va_list args);

int fl_format(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* An error message: prefix ("file:3:7: error: "), then the formatted
 * text, cut to size bytes with its NUL (nothing when size is 0). */
void fl_vformat_after(char *buffer, size_t size, const char *prefix, const char *format,
                      va_list args);

/* Whether fl_vformat formats this format itself (for the tests). */
bool fl_format_is_native(const char *format);

#endif /* FL_FORMAT_H */
