/* The table of protocol events: names round-trip, unknown names are
 * refused, the list names every row, and each row says where it fires. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "sim/net/protocol_event.h"

static void test_names_round_trip(void **state) {
    (void)state;
    for (int e = 0; e < FL_PROTOCOL_EVENT_COUNT; e++) {
        fl_protocol_event_t found = FL_PROTOCOL_EVENT_COUNT;
        const char *name = fl_protocol_event_name((fl_protocol_event_t)e);
        assert_true(fl_protocol_event_from_name(name, &found));
        assert_int_equal(found, e);
        assert_true(strlen(fl_protocol_event_where((fl_protocol_event_t)e)) > 20);
        /* The prefix says who reports it. */
        fl_event_reporter_t reporter = fl_protocol_event_reporter((fl_protocol_event_t)e);
        assert_true(strncmp(name, reporter == FL_REPORTER_PROXY ? "proxy." : "server.",
                            reporter == FL_REPORTER_PROXY ? 6 : 7) == 0);
    }
    assert_string_equal(fl_protocol_event_name(FL_PROTOCOL_EVENT_SERVER_RESPONSE_START),
                        "server.response_start");
    assert_string_equal(fl_protocol_event_name(FL_PROTOCOL_EVENT_SERVER_BODY_CHUNK),
                        "server.body_chunk");
}

static void test_unknown_names_are_refused(void **state) {
    (void)state;
    const char *unknown[] = {"server.respons_start", "", "server.response_start ",
                             "SERVER.RESPONSE_START", "client.headers_received"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        assert_false(fl_protocol_event_from_name(unknown[i], NULL));
    assert_false(fl_protocol_event_from_name(NULL, NULL));
}

static void test_list_names_every_row(void **state) {
    (void)state;
    char list[256];
    assert_string_equal(fl_protocol_event_list(list, sizeof list),
                        "server.response_start, server.body_chunk, proxy.request_head, "
                        "proxy.request_done, proxy.response_head, proxy.body_chunk, "
                        "proxy.sse_event, proxy.response_done");
    assert_string_equal(fl_protocol_event_list_by(FL_REPORTER_SERVER, list, sizeof list),
                        "server.response_start, server.body_chunk");
    assert_string_equal(fl_protocol_event_list_by(FL_REPORTER_PROXY, list, sizeof list),
                        "proxy.request_head, proxy.request_done, proxy.response_head, "
                        "proxy.body_chunk, proxy.sse_event, proxy.response_done");
    /* Truncated, still a string, and marked as cut. */
    char small[8];
    assert_string_equal(fl_protocol_event_list(small, sizeof small), "serv...");
    char tiny[3];
    assert_int_equal(strlen(fl_protocol_event_list(tiny, sizeof tiny)), sizeof tiny - 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_unknown_names_are_refused),
        cmocka_unit_test(test_list_names_every_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
