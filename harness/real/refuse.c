#include "harness/real/refuse.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

int fl__refuse(char *error, size_t error_size, const char *format, ...) {
    assert(format != NULL);
    if (error != NULL && error_size > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(error, error_size, format, args);
        va_end(args);
    }
    return -1;
}
