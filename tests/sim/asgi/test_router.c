/* Router: exact path and method, 404 and 405 as Starlette's Router answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sim/asgi/responses.h"
#include "sim/asgi/router.h"
#include "tests/support/asgi_app_test.h"

/* GET /items -> "items", POST /items -> "created", DELETE /admin -> "gone". */
static fl_asgi_app_t *routes(fl_world_t *world) {
    fl_router_t *router = fl_router_create(world);
    assert_true(fl_router_add(router, "GET", "/items",
                              fl_asgi_response_app(fl_plain_text_response(world, 200, "items"))));
    assert_true(fl_router_add(router, "POST", "/items",
                              fl_asgi_response_app(fl_plain_text_response(world, 201, "created"))));
    assert_true(fl_router_add(router, "DELETE", "/admin",
                              fl_asgi_response_app(fl_plain_text_response(world, 204, ""))));
    return fl_router_app(router);
}

static at_harness_t run(const char *method, const char *path) {
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.scope.method = method;
    h.scope.path = path;
    assert_int_equal(at_run(&h, routes(h.world)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(h.sent_count, 2);
    return h;
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
        cmocka_unit_test(test_route_table_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
