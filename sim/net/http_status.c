/* HTTP reason phrases: see http_status.h. */
#include "sim/net/http_status.h"

#include <assert.h>
#include <stddef.h>

typedef struct status_row {
    int status;
    const char *phrase;
} status_row_t;

/* RFC 9110's names are documentation in the header; only the wire's are kept. */
static const status_row_t ROWS[] = {
#define FL__HTTP_STATUS_ROW(code, phrase, rfc9110_phrase) {code, phrase},
    FL_HTTP_STATUSES(FL__HTTP_STATUS_ROW)
#undef FL__HTTP_STATUS_ROW
};

const char *fl_http_reason_phrase(int status) {
    /* The rows are in ascending order: a binary search, bounded by the count. */
    size_t low = 0, high = sizeof ROWS / sizeof ROWS[0];
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        assert(middle == 0 || ROWS[middle - 1].status < ROWS[middle].status);
        if (ROWS[middle].status == status) return ROWS[middle].phrase;
        if (ROWS[middle].status < status)
            low = middle + 1;
        else
            high = middle;
    }
    assert(low <= sizeof ROWS / sizeof ROWS[0]);
    return "";
}
