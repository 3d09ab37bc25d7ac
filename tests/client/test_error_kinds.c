/* The client's error kinds: added to the runtime's tree by the client
 * itself, numbered after the runtime's, httpware's shape with httpx's leaf
 * names, every name unique and round-tripping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "client/error_kinds.h"

static void test_kind_is_follows_the_tree(void **state) {
    (void)state;
    assert_true(fl_error_kind_is(FL_ERR_READ_TIMEOUT, FL_ERR_READ_TIMEOUT));
    assert_true(fl_error_kind_is(FL_ERR_READ_TIMEOUT, FL_ERR_TIMEOUT_ERROR));
    assert_true(fl_error_kind_is(FL_ERR_READ_TIMEOUT, FL_ERR_CLIENT_ERROR));
    assert_true(fl_error_kind_is(FL_ERR_READ_TIMEOUT, FL_ERR_EXCEPTION));
    assert_false(fl_error_kind_is(FL_ERR_READ_TIMEOUT, FL_ERR_TRANSPORT_ERROR));
    assert_false(fl_error_kind_is(FL_ERR_READ_TIMEOUT, FL_ERR_READ_ERROR));
    assert_false(fl_error_kind_is(FL_ERR_READ_TIMEOUT, FL_ERR_CONNECT_TIMEOUT));
    /* isinstance goes one way: a parent is not an instance of its child. */
    assert_false(fl_error_kind_is(FL_ERR_TIMEOUT_ERROR, FL_ERR_READ_TIMEOUT));
    assert_true(fl_error_kind_is(FL_ERR_CONNECT_ERROR, FL_ERR_NETWORK_ERROR));
    assert_true(fl_error_kind_is(FL_ERR_CONNECT_ERROR, FL_ERR_TRANSPORT_ERROR));
    assert_true(fl_error_kind_is(FL_ERR_NOT_FOUND, FL_ERR_CLIENT_STATUS_ERROR));
    assert_false(fl_error_kind_is(FL_ERR_NOT_FOUND, FL_ERR_SERVER_STATUS_ERROR));
    assert_true(fl_error_kind_is(FL_ERR_CLIENT_DISCONNECT, FL_ERR_OS_ERROR));
    assert_false(fl_error_kind_is(FL_ERR_CLIENT_DISCONNECT, FL_ERR_CLIENT_ERROR));
}

static void test_the_client_adds_its_kinds_after_the_runtimes(void **state) {
    (void)state;
    assert_true(fl_error_kind_known(FL_ERR_RUNTIME_KINDS_END - 1));
    fl_client_error_kinds_add();
    fl_client_error_kinds_add(); /* idempotent */
    assert_int_equal(FL_ERR_CLIENT_ERROR, FL_ERR_RUNTIME_KINDS_END);
    assert_true((int)FL_ERR_CLIENT_KINDS_END <= (int)FL_ERR_KIND_COUNT);
    for (int k = FL_ERR_RUNTIME_KINDS_END; k < FL_ERR_CLIENT_KINDS_END; k++) {
        fl_error_kind_t kind = (fl_error_kind_t)k;
        assert_true(fl_error_kind_known(kind));
        assert_true(fl_error_kind_is(kind, FL_ERR_CLIENT_ERROR));
        const char *name = fl_error_kind_name(kind);
        fl_error_kind_t found = 0;
        assert_true(fl_error_kind_from_name(name, &found));
        assert_int_equal(found, kind);
        for (int j = 0; j < k; j++) assert_string_not_equal(name, fl_error_kind_name((fl_error_kind_t)j));
    }
    assert_false(fl_error_kind_known(FL_ERR_CLIENT_KINDS_END));
    assert_string_equal(fl_error_kind_name(FL_ERR_READ_TIMEOUT), "ReadTimeout");
}

int main(void) {
    fl_client_error_kinds_add();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_is_follows_the_tree),
        cmocka_unit_test(test_the_client_adds_its_kinds_after_the_runtimes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
