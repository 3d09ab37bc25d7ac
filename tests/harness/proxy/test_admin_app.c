/* The proxy's admin API at the ASGI level: each endpoint's status and JSON,
 * the plan changed as the requests say, and every wrong request refused
 * with a status that says why. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "harness/proxy/admin_app.h"
#include "sim/runtime/runtime.h"
#include "tests/support/asgi_app_test.h"

static void fill_stats(void *context, fl_proxy_admin_stats_t *out) {
    const fl_proxy_admin_stats_t *stats = context;
    *out = *stats;
}

typedef struct admin_reply {
    int status;
    const char *body;  /* in the world's arena */
    const char *content_type;
    const char *allow;
} admin_reply_t;

/* One request to a fresh app over faults; the reply's parts. The reply
 * strings live in the harness's world: copied before it is destroyed. */
static admin_reply_t ask(fl_proxy_faults_t *faults, const char *method, const char *path,
                         const char *body, char *text, size_t text_size) {
    static fl_proxy_admin_stats_t stats = {.connections = 7, .open = 2, .requests = 9,
                                           .responses = 8, .c2s_bytes = 1000, .s2c_bytes = 5000};
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.scope.method = method;
    h.scope.path = path;
    at_push_request(&h, body != NULL ? body : "", false);
    fl_asgi_app_t *app = fl_proxy_admin_app(h.world, faults, fill_stats, &stats);
    assert_int_equal(at_run(&h, app), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_true(h.sent_count >= 1 && h.sent[0]->type == FL_ASGI_RESPONSE_START);
    admin_reply_t reply = {.status = h.sent[0]->status};
    snprintf(text, text_size, "%s", at_body_text(&h));
    reply.body = text;
    const char *type = at_sent_header(&h, 0, "content-type");
    const char *allow = at_sent_header(&h, 0, "allow");
    reply.content_type = type != NULL && strcmp(type, "application/json") == 0 ? "json" : NULL;
    reply.allow = allow != NULL ? strdup(allow) : NULL;
    at_destroy(&h);
    return reply;
}

static void test_faults_are_added_listed_and_removed(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
    char text[4096];
    admin_reply_t r = ask(faults, "GET", "/faults", NULL, text, sizeof text);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "[]");
    assert_non_null(r.content_type);

    r = ask(faults, "POST", "/faults",
            "[{\"trigger\": {\"event\": \"proxy.sse_event\", \"count\": 3}, \"action\": \"reset\"},"
            " {\"trigger\": {\"connect\": 2}, \"action\": \"refuse\"}]",
            text, sizeof text);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"ids\":[1,2]}");
    assert_int_equal(fl_proxy_faults_count(faults), 2);

    r = ask(faults, "GET", "/faults", NULL, text, sizeof text);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"id\":1"));
    assert_non_null(strstr(r.body, "proxy.sse_event"));
    assert_non_null(strstr(r.body, "\"id\":2"));

    r = ask(faults, "DELETE", "/faults/1", NULL, text, sizeof text);
    assert_int_equal(r.status, 204);
    assert_string_equal(r.body, "");
    assert_int_equal(fl_proxy_faults_count(faults), 1);
    r = ask(faults, "DELETE", "/faults/1", NULL, text, sizeof text);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "no fault has id 1"));

    r = ask(faults, "POST", "/faults", "{\"trigger\": {\"at\": \"1s\"}, \"action\": \"close\"}",
            text, sizeof text);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"ids\":[3]}"); /* ids are never reused */
    r = ask(faults, "DELETE", "/faults", NULL, text, sizeof text);
    assert_int_equal(r.status, 204);
    assert_int_equal(fl_proxy_faults_count(faults), 0);
    fl_proxy_faults_destroy(faults);
}

static void test_a_bad_fault_is_a_400_that_says_what_is_wrong(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
    char text[4096];
    admin_reply_t r = ask(faults, "POST", "/faults",
                          "[{\"trigger\": {\"connect\": 1}, \"action\": \"refuse\"},"
                          " {\"trigger\": {\"connect\": 1}, \"action\": \"rest\"}]",
                          text, sizeof text);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "{\"error\":\""));
    assert_non_null(strstr(r.body, "unknown fault action 'rest'"));
    assert_int_equal(fl_proxy_faults_count(faults), 0); /* all or none */
    r = ask(faults, "POST", "/faults", "{not json", text, sizeof text);
    assert_int_equal(r.status, 400);
    fl_proxy_faults_destroy(faults);
}

static void test_stats_come_from_the_proxy_and_the_plan(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
    char text[4096];
    uint32_t ids[FL_PROXY_FAULTS_MAX];
    size_t count = 0;
    char error[256];
    const char *one = "{\"trigger\": {\"connect\": 0}, \"action\": \"refuse\"}";
    if (fl_proxy_faults_add_json(faults, one, strlen(one), ids, &count, error, sizeof error) != 0)
        fail_msg("%s", error);
    admin_reply_t r = ask(faults, "GET", "/stats", NULL, text, sizeof text);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"connections\":7,\"open\":2,\"requests\":9,\"responses\":8,"
                                "\"faults\":1,\"faults_fired\":0,\"c2s_bytes\":1000,"
                                "\"s2c_bytes\":5000}");
    fl_proxy_faults_destroy(faults);
}

static void test_wrong_paths_and_methods_are_refused(void **state) {
    (void)state;
    fl_proxy_faults_t *faults = fl_proxy_faults_create(1);
    char text[4096];
    admin_reply_t r = ask(faults, "GET", "/nope", NULL, text, sizeof text);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "no such endpoint: GET /nope"));
    assert_non_null(strstr(r.body, "GET /stats"));
    r = ask(faults, "PUT", "/faults", NULL, text, sizeof text);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET, POST, DELETE");
    free((char *)r.allow);
    r = ask(faults, "GET", "/faults/3", NULL, text, sizeof text);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "DELETE");
    free((char *)r.allow);
    r = ask(faults, "POST", "/stats", NULL, text, sizeof text);
    assert_int_equal(r.status, 405);
    free((char *)r.allow);
    const char *not_ids[] = {"/faults/0", "/faults/x", "/faults/01", "/faults/4294967296",
                             "/faults/1/2", "/faults/"};
    for (size_t i = 0; i < sizeof not_ids / sizeof not_ids[0]; i++) {
        r = ask(faults, "DELETE", not_ids[i], NULL, text, sizeof text);
        assert_int_equal(r.status, 404);
    }
    fl_proxy_faults_destroy(faults);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faults_are_added_listed_and_removed),
        cmocka_unit_test(test_a_bad_fault_is_a_400_that_says_what_is_wrong),
        cmocka_unit_test(test_stats_come_from_the_proxy_and_the_plan),
        cmocka_unit_test(test_wrong_paths_and_methods_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
