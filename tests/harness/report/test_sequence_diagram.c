/* The sequence diagram (harness/report/sequence_diagram.c): lanes for the
 * client's tasks, the connections and the server's tasks, in that order;
 * the events that matter drawn, the scheduler's business left out; text
 * escaped; a long trace cut with a note; the same events, the same bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/sequence_diagram.h"

/* t1 accepts (the server), t2 is the client, t3 the server's connection. */
static const fl_trace_event_t EVENTS[] = {
    {0, FL_TRACE_SPAWN, 1, 0, 0, "server"},
    {0, FL_TRACE_SPAWN, 2, 0, 0, "main"},
    {0, FL_TRACE_RUN, 1, 0, 0, NULL},
    {0, FL_TRACE_BLOCK, 1, 1, 0, "accept"},
    {0, FL_TRACE_RUN, 2, 0, 0, NULL},
    {1000, FL_TRACE_NET, 2, 1, 80, "connect"},
    {1000, FL_TRACE_BLOCK, 2, 8, 0, "read"},
    {1000, FL_TRACE_TIMER, 0, 0, 1000, NULL},
    {1000, FL_TRACE_RUN, 1, 0, 0, NULL},
    {1000, FL_TRACE_SPAWN, 3, 1, 0, "http-connection"},
    {1000, FL_TRACE_BLOCK, 1, 1, 0, "accept"},
    {1000, FL_TRACE_RUN, 3, 0, 0, NULL},
    {2000, FL_TRACE_ASGI, 3, 1, 0, "request GET /a?x=<1>&y"},
    {2000, FL_TRACE_FAULT, 3, 1, 1, "fault #1 bytes->reset"},
    {2000, FL_TRACE_DONE, 3, 0, 0, NULL},
    {2000, FL_TRACE_ERROR, 2, 0, 0, "ReadError"},
};
static const char *const NAMES[] = {NULL, "server", "main", "http-connection"};

static char *draw(const fl_trace_event_t *events, size_t count, uint32_t tasks,
                  const char *const *names, size_t *not_drawn) {
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    assert_non_null(out);
    *not_drawn = fl_sequence_diagram_write(out, events, count, tasks, names);
    assert_int_equal(fclose(out), 0);
    return text;
}

static void test_lanes_go_client_network_server(void **state) {
    (void)state;
    size_t not_drawn;
    char *svg = draw(EVENTS, sizeof EVENTS / sizeof EVENTS[0], 3, NAMES, &not_drawn);
    assert_int_equal(not_drawn, 0);
    assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sequence\"", 56) == 0);
    const char *client = strstr(svg, "<title>t2 main</title>");
    const char *conn = strstr(svg, "<title>conn #1</title>");
    const char *server = strstr(svg, "<title>t1 server</title>");
    const char *connection = strstr(svg, "<title>t3 http-connection</title>");
    assert_true(client != NULL && conn != NULL && server != NULL && connection != NULL);
    assert_true(client < conn && conn < server && server < connection);
    assert_null(strstr(svg, "<title>scheduler</title>")); /* no drawn event lacks a task */
    assert_non_null(strstr(svg, "</svg>\n"));
    free(svg);
}

static void test_only_the_events_that_matter_are_drawn(void **state) {
    (void)state;
    size_t not_drawn;
    char *svg = draw(EVENTS, sizeof EVENTS / sizeof EVENTS[0], 3, NAMES, &not_drawn);
    size_t rows = 0;
    for (const char *p = svg; (p = strstr(p, "<g class=\"event\">")) != NULL; p++) rows++;
    assert_int_equal(rows, 8); /* 3 spawns, net, asgi, fault, done, error */
    assert_non_null(strstr(svg, "fault: fault #1 bytes-&gt;reset =1  [t3 http-connection -&gt; "
                                "conn #1]"));
    assert_non_null(strstr(svg, "asgi: request GET /a?x=&lt;1&gt;&amp;y  [t3 http-connection]"));
    assert_non_null(strstr(svg, "<polygon")); /* the fault's diamond */
    assert_null(strstr(svg, "block:"));
    assert_null(strstr(svg, "timer"));
    assert_non_null(strstr(svg, ">0.000002000</text>"));
    free(svg);
}

/* More drawable events than rows: the failures stay, the network goes. */
static void test_a_long_trace_is_cut_with_a_note(void **state) {
    (void)state;
    size_t count = FL_SEQUENCE_DIAGRAM_ROWS_MAX + 50;
    fl_trace_event_t *events = calloc(count, sizeof *events);
    assert_non_null(events);
    events[0] = (fl_trace_event_t){0, FL_TRACE_SPAWN, 1, 0, 0, "main"};
    for (size_t i = 1; i < count - 1; i++)
        events[i] = (fl_trace_event_t){(int64_t)i, FL_TRACE_NET, 1, 1, 1, "write c2s"};
    events[count - 1] = (fl_trace_event_t){(int64_t)count, FL_TRACE_FAULT, 1, 1, 1, "the fault"};
    const char *names[] = {NULL, "main"};
    size_t not_drawn;
    char *svg = draw(events, count, 1, names, &not_drawn);
    assert_int_equal(not_drawn, 50);
    assert_non_null(strstr(svg, "50 more events not drawn"));
    assert_non_null(strstr(svg, "fault: the fault"));
    assert_non_null(strstr(svg, "spawn: main"));
    free(svg);
    free(events);
}

static void test_the_same_events_give_the_same_bytes(void **state) {
    (void)state;
    size_t a, b;
    char *first = draw(EVENTS, sizeof EVENTS / sizeof EVENTS[0], 3, NAMES, &a);
    char *second = draw(EVENTS, sizeof EVENTS / sizeof EVENTS[0], 3, NAMES, &b);
    assert_string_equal(first, second);
    free(first);
    free(second);
}

static void test_an_empty_trace_says_so(void **state) {
    (void)state;
    const char *names[] = {NULL};
    size_t not_drawn;
    char *svg = draw(NULL, 0, 0, names, &not_drawn);
    assert_int_equal(not_drawn, 0);
    assert_non_null(strstr(svg, "no events kept"));
    free(svg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lanes_go_client_network_server),
        cmocka_unit_test(test_only_the_events_that_matter_are_drawn),
        cmocka_unit_test(test_a_long_trace_is_cut_with_a_note),
        cmocka_unit_test(test_the_same_events_give_the_same_bytes),
        cmocka_unit_test(test_an_empty_trace_says_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
