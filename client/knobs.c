#include "client/knobs.h"

#include <assert.h>
#include <string.h>

static const fl_client_knob_row_t KNOBS[FL_CLIENT_KNOB_COUNT] = {
    {"reuse_cancelled_stream", FL_KNOB_REUSE_CANCELLED_STREAM,
     "a stream cancelled mid-body returns its connection to the pool (http4s-netty before #999)"},
    {"leak_slot_of_cancelled_waiter", FL_KNOB_LEAK_SLOT_OF_CANCELLED_WAITER,
     "a request cancelled as a freed connection is handed to it keeps the slot (httpcore #1093)"},
};

_Static_assert(FL_CLIENT_KNOB_COUNT <= 32, "a knob set is 32 bits");

const fl_client_knob_row_t *fl_client_knob_rows(size_t *count_out) {
    assert(count_out != NULL);
    *count_out = FL_CLIENT_KNOB_COUNT;
    for (size_t i = 0; i < FL_CLIENT_KNOB_COUNT; i++) assert(KNOBS[i].knob == (fl_client_knob_t)i);
    return KNOBS;
}

bool fl_client_knob_from_name(const char *name, fl_client_knob_t *knob_out) {
    assert(name != NULL && knob_out != NULL);
    for (size_t i = 0; i < FL_CLIENT_KNOB_COUNT; i++) {
        assert(KNOBS[i].name != NULL); /* every knob has a row */
        if (strcmp(KNOBS[i].name, name) == 0) {
            assert(KNOBS[i].knob == (fl_client_knob_t)i); /* the table is in enum order */
            *knob_out = KNOBS[i].knob;
            return true;
        }
    }
    return false;
}
