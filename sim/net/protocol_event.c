#include "sim/net/protocol_event.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sim/runtime/assume.h"

static const char *const event_names[FL_PROTOCOL_EVENT_COUNT] = {
#define FL__PROTOCOL_EVENT_NAME(id, name, reporter, where) [FL_PROTOCOL_EVENT_##id] = name,
    FL_PROTOCOL_EVENTS(FL__PROTOCOL_EVENT_NAME)
#undef FL__PROTOCOL_EVENT_NAME
};

static const char *const event_wheres[FL_PROTOCOL_EVENT_COUNT] = {
#define FL__PROTOCOL_EVENT_WHERE(id, name, reporter, where) [FL_PROTOCOL_EVENT_##id] = where,
    FL_PROTOCOL_EVENTS(FL__PROTOCOL_EVENT_WHERE)
#undef FL__PROTOCOL_EVENT_WHERE
};

static const fl_event_reporter_t event_reporters[FL_PROTOCOL_EVENT_COUNT] = {
#define FL__PROTOCOL_EVENT_REPORTER(id, name, reporter, where) [FL_PROTOCOL_EVENT_##id] = reporter,
    FL_PROTOCOL_EVENTS(FL__PROTOCOL_EVENT_REPORTER)
#undef FL__PROTOCOL_EVENT_REPORTER
};

fl_event_reporter_t fl_protocol_event_reporter(fl_protocol_event_t event) {
    assert(event < FL_PROTOCOL_EVENT_COUNT);
    return event_reporters[event];
}

const char *fl_protocol_event_name(fl_protocol_event_t event) {
    assert(event < FL_PROTOCOL_EVENT_COUNT);
    return event_names[event];
}

const char *fl_protocol_event_where(fl_protocol_event_t event) {
    assert(event < FL_PROTOCOL_EVENT_COUNT);
    return event_wheres[event];
}

bool fl_protocol_event_from_name(const char *name, fl_protocol_event_t *event_out) {
    if (name == NULL) return false;
    for (int e = 0; e < FL_PROTOCOL_EVENT_COUNT; e++) {
        /* Reporters pass the table's own strings: a pointer match is the
         * common case, and the name compare is for everyone else. */
        if (event_names[e] != name && strcmp(event_names[e], name) != 0) continue;
        if (event_out != NULL) *event_out = (fl_protocol_event_t)e;
        return true;
    }
    return false;
}

/* Every row when only_reporter is false, else the rows of reporter. */
static char *list_events(bool only_reporter, fl_event_reporter_t reporter, char *out,
                         size_t capacity) {
    assert(out != NULL && capacity > 0);
    size_t used = 0;
    out[0] = '\0';
    for (int e = 0; e < FL_PROTOCOL_EVENT_COUNT && used < capacity; e++) {
        if (only_reporter && event_reporters[e] != reporter) continue;
        int n = snprintf(out + used, capacity - used, "%s%s", used > 0 ? ", " : "", event_names[e]);
        if (FL_NEVER(n < 0)) break; /* "%s" cannot fail to format */
        used += (size_t)n;
    }
    /* A list cut short says so: a reader must not take the names it shows
     * for all of them. */
    if (used >= capacity && capacity > 3) memcpy(out + capacity - 4, "...", 4);
    assert(strlen(out) < capacity);
    return out;
}

char *fl_protocol_event_list(char *out, size_t capacity) {
    return list_events(false, FL_REPORTER_SERVER, out, capacity);
}

char *fl_protocol_event_list_by(fl_event_reporter_t reporter, char *out, size_t capacity) {
    assert(reporter == FL_REPORTER_SERVER || reporter == FL_REPORTER_PROXY);
    return list_events(true, reporter, out, capacity);
}
