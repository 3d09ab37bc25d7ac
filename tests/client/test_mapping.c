/* The mapping table (client/mapping.c) read directly: each condition's kind
 * and message as the X-macro list states them, fl_client_map's detail
 * suffix, the StatusError subclass of every status code, and each row's
 * coverage mark (a row without a mark fails to build). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "client/mapping.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/marks.h"

typedef struct condition_row {
    fl_client_condition_t condition;
    fl_error_kind_t kind;
    const char *message;
} condition_row_t;

static const condition_row_t CONDITION_ROWS[] = {
#define ROW(id, kind, message) {FL_CLIENT_##id, FL_ERR_##kind, message},
    FL_CLIENT_CONDITIONS(ROW)
#undef ROW
};

static void test_each_condition_has_its_kind_and_message(void **state) {
    (void)state;
    size_t count = sizeof CONDITION_ROWS / sizeof CONDITION_ROWS[0];
    assert_int_equal(count, FL_CLIENT_CONDITION_COUNT);
    for (size_t i = 0; i < count; i++) {
        const condition_row_t *row = &CONDITION_ROWS[i];
        assert_int_equal(fl_client_condition_kind(row->condition), row->kind);
        assert_string_equal(fl_client_condition_message(row->condition), row->message);
        /* Every mapped error is one the caller can catch as a client error. */
        assert_true(fl_error_kind_is(row->kind, FL_ERR_CLIENT_ERROR));
    }
    assert_int_equal(fl_client_condition_kind(FL_CLIENT_READ_TIMER), FL_ERR_READ_TIMEOUT);
    assert_string_equal(fl_client_condition_message(FL_CLIENT_EOF_BEFORE_RESPONSE),
                        "Server disconnected without sending a response.");
}

static void test_map_appends_the_detail_only_when_given(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_error_t *plain = fl_client_map(&arena, FL_CLIENT_CONNECT_REFUSED, NULL);
    assert_int_equal(plain->kind, FL_ERR_CONNECT_ERROR);
    assert_string_equal(plain->message, "connection refused");
    fl_error_t *empty = fl_client_map(&arena, FL_CLIENT_CONNECT_REFUSED, "");
    assert_string_equal(empty->message, "connection refused");
    fl_error_t *detailed = fl_client_map(&arena, FL_CLIENT_HOST_NOT_FOUND, "nowhere:80");
    assert_int_equal(detailed->kind, FL_ERR_CONNECT_ERROR);
    assert_string_equal(detailed->message, "name or service not known: nowhere:80");
    fl_arena_destroy(&arena);
}

typedef struct status_row {
    int status;
    fl_error_kind_t kind;
} status_row_t;

static void test_each_status_has_its_subclass(void **state) {
    (void)state;
    static const status_row_t rows[] = {
        {400, FL_ERR_BAD_REQUEST},        {401, FL_ERR_UNAUTHORIZED},
        {403, FL_ERR_FORBIDDEN},          {404, FL_ERR_NOT_FOUND},
        {409, FL_ERR_CONFLICT},           {422, FL_ERR_UNPROCESSABLE_ENTITY},
        {429, FL_ERR_RATE_LIMITED},       {500, FL_ERR_INTERNAL_SERVER},
        {502, FL_ERR_BAD_GATEWAY},        {503, FL_ERR_SERVICE_UNAVAILABLE},
        {504, FL_ERR_GATEWAY_TIMEOUT},
        /* No subclass of their own: the class of their hundred. */
        {405, FL_ERR_CLIENT_STATUS_ERROR}, {418, FL_ERR_CLIENT_STATUS_ERROR},
        {499, FL_ERR_CLIENT_STATUS_ERROR}, {501, FL_ERR_SERVER_STATUS_ERROR},
        {599, FL_ERR_SERVER_STATUS_ERROR},
        /* Outside 4xx and 5xx (the client never raises these, but the
           function still answers): the StatusError root. */
        {200, FL_ERR_STATUS_ERROR},        {399, FL_ERR_STATUS_ERROR},
        {600, FL_ERR_STATUS_ERROR},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fl_error_kind_t kind = fl_client_status_kind(rows[i].status);
        if (kind != rows[i].kind)
            fail_msg("status %d: %s, expected %s", rows[i].status, fl_error_kind_name(kind),
                     fl_error_kind_name(rows[i].kind));
        assert_true(fl_error_kind_is(kind, FL_ERR_STATUS_ERROR));
    }
    assert_true(fl_error_kind_is(fl_client_status_kind(404), FL_ERR_CLIENT_STATUS_ERROR));
    assert_true(fl_error_kind_is(fl_client_status_kind(503), FL_ERR_SERVER_STATUS_ERROR));
}

static void test_the_mapping_counts_each_row(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_marks_clear();
    fl_client_map(&arena, FL_CLIENT_EOF_MID_CHUNK, NULL);
    fl_error_t *error = fl_client_map(&arena, FL_CLIENT_BODY_TOO_LARGE, "detail");
    assert_int_equal(error->kind, fl_client_condition_kind(FL_CLIENT_BODY_TOO_LARGE));
    assert_string_equal(error->message, "response body exceeds the limit: detail");
    assert_int_equal(fl_mark_hits(FL_MARK_MAP_EOF_MID_CHUNK), 1);
    assert_int_equal(fl_mark_hits(FL_MARK_MAP_BODY_TOO_LARGE), 1);
    assert_int_equal(fl_mark_hits(FL_MARK_MAP_EOF_SHORT_BODY), 0);
    fl_arena_destroy(&arena);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_mapping_counts_each_row),
        cmocka_unit_test(test_each_condition_has_its_kind_and_message),
        cmocka_unit_test(test_map_appends_the_detail_only_when_given),
        cmocka_unit_test(test_each_status_has_its_subclass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
