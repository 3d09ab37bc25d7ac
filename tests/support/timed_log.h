/* A log of what tasks saw, each entry with the virtual time and a status,
 * for tests that assert both order and timing of events. */
#ifndef FL_TEST_TIMED_LOG_H
#define FL_TEST_TIMED_LOG_H

#include <stdint.h>

#include "sim/runtime/world.h"

enum { TIMED_LOG_MAX = 64, TIMED_LOG_ENTRY = 40 };

typedef struct timed_entry {
    char text[TIMED_LOG_ENTRY];
    int64_t at_ns;
    int status;
} timed_entry_t;

typedef struct timed_log {
    timed_entry_t entries[TIMED_LOG_MAX];
    int count;
} timed_log_t;

/* Appends an entry stamped with the world's time now. */
void timed_log_add(timed_log_t *log, fl_world_t *world, int status, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* The entries' texts joined with ",", for one readable comparison (static
 * buffer, overwritten by each call). */
const char *timed_log_text(const timed_log_t *log);

#endif /* FL_TEST_TIMED_LOG_H */
