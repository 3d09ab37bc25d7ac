/* Router: exact path and method, 404 and 405 as Starlette's Router answers,
 * and Starlette's redirect_slashes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sim/asgi/responses.h"
#include "sim/asgi/router.h"
#include "tests/support/asgi_app_test.h"

/* GET /items -> "items", POST /items -> "created", DELETE /admin -> "gone",
 * GET /docs/ -> "docs", GET "/caf\u00e9 au lait/" (a decoded path) -> "cafe". */
static fl_asgi_app_t *routes(fl_world_t *world, bool redirect_slashes) {
    fl_router_t *router = fl_router_create(world);
    if (!redirect_slashes) fl_router_set_redirect_slashes(router, false);
    assert_true(fl_router_add(router, "GET", "/docs/",
                              fl_asgi_response_app(fl_plain_text_response(world, 200, "docs"))));
    assert_true(fl_router_add(router, "GET", "/caf\xc3\xa9 au lait/",
                              fl_asgi_response_app(fl_plain_text_response(world, 200, "cafe"))));
    assert_true(fl_router_add(router, "GET", "/items",
                              fl_asgi_response_app(fl_plain_text_response(world, 200, "items"))));
    assert_true(fl_router_add(router, "POST", "/items",
                              fl_asgi_response_app(fl_plain_text_response(world, 201, "created"))));
    assert_true(fl_router_add(router, "DELETE", "/admin",
                              fl_asgi_response_app(fl_plain_text_response(world, 204, ""))));
    return fl_router_app(router);
}

static at_harness_t run_with(const char *method, const char *path, bool redirect_slashes,
                             const char *host, const char *query) {
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.scope.method = method;
    h.scope.path = path;
    h.scope.query_string = query;
    static fl_asgi_header_t headers[1];
    headers[0] = (fl_asgi_header_t){"host", host};
    h.scope.headers = headers;
    h.scope.header_count = host != NULL ? 1 : 0;
    assert_int_equal(at_run(&h, routes(h.world, redirect_slashes)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(h.sent_count, 2);
    return h;
}

static at_harness_t run(const char *method, const char *path) {
    return run_with(method, path, false, NULL, "");
}

static void test_method_and_path_select_the_route(void **state) {
    (void)state;
    at_harness_t h = run("GET", "/items");
    assert_int_equal(h.sent[0]->status, 200);
    assert_string_equal(at_body_text(&h), "items");
    at_destroy(&h);
    h = run("POST", "/items");
    assert_int_equal(h.sent[0]->status, 201);
    assert_string_equal(at_body_text(&h), "created");
    at_destroy(&h);
}

static void test_head_is_served_by_a_get_route(void **state) {
    (void)state;
    at_harness_t h = run("HEAD", "/items");
    assert_int_equal(h.sent[0]->status, 200);
    at_destroy(&h);
}

static void test_unknown_path_is_404(void **state) {
    (void)state;
    at_harness_t h = run("GET", "/items/");
    assert_int_equal(h.sent[0]->status, 404);
    assert_string_equal(at_body_text(&h), "Not Found");
    assert_string_equal(at_sent_header(&h, 0, "content-type"), "text/plain; charset=utf-8");
    at_destroy(&h);
}

static void test_known_path_with_another_method_is_405(void **state) {
    (void)state;
    at_harness_t h = run("PUT", "/admin");
    assert_int_equal(h.sent[0]->status, 405);
    assert_string_equal(at_body_text(&h), "Method Not Allowed");
    assert_string_equal(at_sent_header(&h, 0, "allow"), "DELETE");
    at_destroy(&h);
    /* The first partial match names the methods: GET /items comes first. */
    h = run("PATCH", "/items");
    assert_int_equal(h.sent[0]->status, 405);
    assert_string_equal(at_sent_header(&h, 0, "allow"), "GET, HEAD");
    at_destroy(&h);
}

/* Starlette 0.26's Router(redirect_slashes=True): no route has the path,
 * one has it with a '/' added or every trailing '/' removed: a 307 to it,
 * with no body, the URL absolute from the Host, the query kept. */
static void test_redirect_slashes_sends_307_to_the_other_ending(void **state) {
    (void)state;
    static const struct {
        const char *path, *host, *query, *location;
    } cases[] = {
        {"/docs", "example.com:8080", "", "http://example.com:8080/docs/"},
        {"/items/", "example.com", "a=%20b", "http://example.com/items?a=%20b"},
        {"/items///", "example.com", "", "http://example.com/items"},
        /* A Host that is not a host name: the path alone (no server address). */
        {"/docs", "bad_host", "x=1", "/docs/?x=1"},
        {"/docs", NULL, "", "/docs/"},
        /* The decoded path, quoted again as RedirectResponse quotes it. */
        {"/caf\xc3\xa9 au lait", "h", "", "http://h/caf%C3%A9%20au%20lait/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        at_harness_t h = run_with("GET", cases[i].path, true, cases[i].host, cases[i].query);
        assert_int_equal(h.sent[0]->status, 307);
        assert_string_equal(at_sent_header(&h, 0, "location"), cases[i].location);
        assert_string_equal(at_sent_header(&h, 0, "content-length"), "0");
        assert_null(at_sent_header(&h, 0, "content-type"));
        assert_string_equal(at_body_text(&h), "");
        at_destroy(&h);
    }
    /* A path match with another method is enough, as in Starlette. */
    at_harness_t h = run_with("DELETE", "/docs", true, "h", "");
    assert_int_equal(h.sent[0]->status, 307);
    at_destroy(&h);
}

/* Only when nothing matches: a full match or a 405 comes first, "/" and a
 * path whose other ending no route has are a 404; off, never a 307. */
static void test_redirect_slashes_only_when_nothing_matches(void **state) {
    (void)state;
    static const struct {
        const char *method, *path;
        int status;
    } cases[] = {
        {"GET", "/docs/", 200}, {"PUT", "/items", 405}, {"GET", "/", 404}, {"GET", "/nowhere", 404},
        {"GET", "/nowhere/", 404},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        at_harness_t h = run_with(cases[i].method, cases[i].path, true, "h", "");
        assert_int_equal(h.sent[0]->status, cases[i].status);
        at_destroy(&h);
    }
    at_harness_t h = run_with("GET", "/docs", false, "h", "");
    assert_int_equal(h.sent[0]->status, 404);
    at_destroy(&h);
}

static void test_route_table_is_bounded(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1};
    fl_world_t *world = fl_world_create(&options, NULL, 0);
    fl_router_t *router = fl_router_create(world);
    fl_asgi_app_t *app = fl_asgi_response_app(fl_plain_text_response(world, 200, "x"));
    for (int i = 0; i < FL_ROUTER_ROUTES_MAX; i++)
        assert_true(fl_router_add(router, "GET", "/", app));
    assert_false(fl_router_add(router, "GET", "/", app));
    fl_world_destroy(world);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_method_and_path_select_the_route),
        cmocka_unit_test(test_head_is_served_by_a_get_route),
        cmocka_unit_test(test_unknown_path_is_404),
        cmocka_unit_test(test_known_path_with_another_method_is_405),
        cmocka_unit_test(test_redirect_slashes_sends_307_to_the_other_ending),
        cmocka_unit_test(test_redirect_slashes_only_when_nothing_matches),
        cmocka_unit_test(test_route_table_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
