/* The client's behaviour knobs: mechanisms that live in C (the pool, the
 * transport) with a known buggy variant, each one row that a scenario file
 * can turn on by name (client: {knobs: [...]}), as a base_http version is
 * chosen. Off, the client behaves as httpx does. */
#ifndef FL_CLIENT_KNOBS_H
#define FL_CLIENT_KNOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum fl_client_knob {
    /* A stream closed while its task is being cancelled, its body not read
     * to the end, goes back to the pool as if it were finished: the next
     * request on the connection reads the rest of the old response
     * (http4s-netty before its PR #999). Off: the connection is closed. */
    FL_KNOB_REUSE_CANCELLED_STREAM,
    /* A freed connection is handed straight to the first request waiting
     * for a slot; one cancelled in the step it is handed one drops it
     * without giving it back, so the slot stays taken for good and later
     * requests wait out the pool timeout (httpcore issue #1093). Off: a
     * freed connection goes to the pool, and whoever runs takes it. */
    FL_KNOB_LEAK_SLOT_OF_CANCELLED_WAITER,
    FL_CLIENT_KNOB_COUNT
} fl_client_knob_t;

typedef struct fl_client_knob_row {
    const char *name; /* what scenario files write */
    fl_client_knob_t knob;
    const char *doc;
} fl_client_knob_row_t;

/* The table (count in *count_out), and one knob's bit in a knob set. */
const fl_client_knob_row_t *fl_client_knob_rows(size_t *count_out);
bool fl_client_knob_from_name(const char *name, fl_client_knob_t *knob_out);

static inline uint32_t fl_client_knob_bit(fl_client_knob_t knob) {
    return (uint32_t)1 << (unsigned)knob;
}

#endif /* FL_CLIENT_KNOBS_H */
