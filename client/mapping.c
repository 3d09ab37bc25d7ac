#include "client/mapping.h"
#include "client/error_kinds.h"

#include <assert.h>

#include "sim/runtime/marks.h"

static const fl_error_kind_t kinds[FL_CLIENT_CONDITION_COUNT] = {
#define FL__CLIENT_CONDITION_KIND(id, kind, message) [FL_CLIENT_##id] = FL_ERR_##kind,
    FL_CLIENT_CONDITIONS(FL__CLIENT_CONDITION_KIND)
#undef FL__CLIENT_CONDITION_KIND
};

static const char *const messages[FL_CLIENT_CONDITION_COUNT] = {
#define FL__CLIENT_CONDITION_MESSAGE(id, kind, message) [FL_CLIENT_##id] = message,
    FL_CLIENT_CONDITIONS(FL__CLIENT_CONDITION_MESSAGE)
#undef FL__CLIENT_CONDITION_MESSAGE
};

/* Each row's coverage mark: a condition added without one fails to build. */
static const fl_mark_t marks[FL_CLIENT_CONDITION_COUNT] = {
#define FL__CLIENT_CONDITION_MARK(id, kind, message) [FL_CLIENT_##id] = FL_MARK_MAP_##id,
    FL_CLIENT_CONDITIONS(FL__CLIENT_CONDITION_MARK)
#undef FL__CLIENT_CONDITION_MARK
};

fl_error_kind_t fl_client_condition_kind(fl_client_condition_t condition) {
    fl_client_error_kinds_add();
    assert(condition < FL_CLIENT_CONDITION_COUNT);
    return kinds[condition];
}

const char *fl_client_condition_message(fl_client_condition_t condition) {
    assert(condition < FL_CLIENT_CONDITION_COUNT);
    return messages[condition];
}

fl_error_t *fl_client_map(fl_arena_t *arena, fl_client_condition_t condition, const char *detail) {
    fl_client_error_kinds_add();
    assert(condition < FL_CLIENT_CONDITION_COUNT);
    fl__mark_hits[marks[condition]]++;
    if (detail != NULL && detail[0] != '\0')
        return fl_error_new(arena, kinds[condition], "%s: %s", messages[condition], detail);
    return fl_error_new(arena, kinds[condition], "%s", messages[condition]);
}

fl_error_kind_t fl_client_status_kind(int status) {
    fl_client_error_kinds_add();
    switch (status) {
    case 400: return FL_ERR_BAD_REQUEST;
    case 401: return FL_ERR_UNAUTHORIZED;
    case 403: return FL_ERR_FORBIDDEN;
    case 404: return FL_ERR_NOT_FOUND;
    case 409: return FL_ERR_CONFLICT;
    case 422: return FL_ERR_UNPROCESSABLE_ENTITY;
    case 429: return FL_ERR_RATE_LIMITED;
    case 500: return FL_ERR_INTERNAL_SERVER;
    case 502: return FL_ERR_BAD_GATEWAY;
    case 503: return FL_ERR_SERVICE_UNAVAILABLE;
    case 504: return FL_ERR_GATEWAY_TIMEOUT;
    default: break;
    }
    if (status >= 400 && status < 500) return FL_ERR_CLIENT_STATUS_ERROR;
    if (status >= 500 && status < 600) return FL_ERR_SERVER_STATUS_ERROR;
    return FL_ERR_STATUS_ERROR;
}
