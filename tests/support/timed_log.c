#include "tests/support/timed_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void timed_log_add(timed_log_t *log, fl_world_t *world, int status, const char *format, ...) {
    if (log->count == TIMED_LOG_MAX) abort();
    timed_entry_t *e = &log->entries[log->count++];
    va_list args;
    va_start(args, format);
    vsnprintf(e->text, sizeof e->text, format, args);
    va_end(args);
    e->at_ns = fl_now(world);
    e->status = status;
}

const char *timed_log_text(const timed_log_t *log) {
    static char joined[TIMED_LOG_MAX * (TIMED_LOG_ENTRY + 1)];
    size_t length = 0;
    joined[0] = '\0';
    for (int i = 0; i < log->count; i++)
        length += (size_t)snprintf(joined + length, sizeof joined - length, "%s%s", i ? "," : "",
                                   log->entries[i].text);
    return joined;
}
