/* Requests and responses: creation and its errors, bytes and stream bodies,
 * the streaming-body marker, and reading a response's body. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "client/message.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/error.h"

static int arena_setup(void **state) {
    static fl_arena_t arena;
    fl_arena_init(&arena);
    *state = &arena;
    return 0;
}

static int arena_teardown(void **state) {
    fl_arena_destroy(*state);
    return 0;
}

/* --- creation ------------------------------------------------------------- */

typedef struct create_case {
    const char *method;
    const char *url;
    const char *host;
    unsigned port;
    const char *target;
} create_case_t;

static const create_case_t create_cases[] = {
    {"GET", "http://example.com/", "example.com", 80, "/"},
    {"POST", "http://127.0.0.1:8000/upload?x=1", "127.0.0.1", 8000, "/upload?x=1"},
    {"HEAD", "http://[::1]:9/h", "::1", 9, "/h"},
    {"PROPFIND", "http://h", "h", 80, "/"},
    {"M-SEARCH", "http://h/*", "h", 80, "/*"},
    /* A method is any token; upper case is a convention, not a rule. */
    {"get", "http://h/", "h", 80, "/"},
    {"X!#$%&'*+-.^_`|~9", "http://h/", "h", 80, "/"},
};

static void test_create_builds_a_fresh_request(void **state) {
    fl_arena_t *arena = *state;
    for (size_t i = 0; i < sizeof create_cases / sizeof create_cases[0]; i++) {
        const create_case_t *c = &create_cases[i];
        fl_request_t *request = NULL;
        fl_error_t *error = fl_request_create(arena, c->method, c->url, &request);
        if (error != NULL) fail_msg("%s %s: %s", c->method, c->url, error->message);
        assert_non_null(request);
        assert_string_equal(request->method, c->method);
        assert_string_equal(request->url.host, c->host);
        assert_int_equal(request->url.port, c->port);
        assert_string_equal(fl_url_target(arena, &request->url), c->target);
        assert_non_null(request->headers);
        assert_int_equal(fl_headers_count(request->headers), 0);
        assert_null(request->body);
        assert_int_equal(request->body_length, 0);
        assert_null(request->stream);
        assert_false(request->streaming_body);
        assert_int_equal(request->attempt, 1);
    }
}

/* The method and URL are copies; each request has headers of its own. */
static void test_create_copies_and_separates(void **state) {
    fl_arena_t *arena = *state;
    char method[8] = "PUT";
    char url[32] = "http://h/one";
    fl_request_t *first = NULL, *second = NULL;
    assert_null(fl_request_create(arena, method, url, &first));
    strcpy(method, "DELETE");
    strcpy(url, "http://h/two");
    assert_null(fl_request_create(arena, method, url, &second));
    assert_string_equal(first->method, "PUT");
    assert_string_equal(first->url.path, "/one");
    assert_string_equal(second->method, "DELETE");
    assert_string_equal(second->url.path, "/two");

    assert_ptr_not_equal(first->headers, second->headers);
    assert_true(fl_headers_add(first->headers, "X-First", "1"));
    assert_int_equal(fl_headers_count(second->headers), 0);
}

typedef struct create_error_case {
    const char *method;
    const char *url;
    fl_error_kind_t kind;
    const char *message; /* a part of it */
} create_error_case_t;

static const create_error_case_t create_error_cases[] = {
    {"", "http://h/", FL_ERR_LOCAL_PROTOCOL_ERROR, "Invalid HTTP method ''"},
    {NULL, "http://h/", FL_ERR_LOCAL_PROTOCOL_ERROR, "Invalid HTTP method"},
    {"GE T", "http://h/", FL_ERR_LOCAL_PROTOCOL_ERROR, "Invalid HTTP method 'GE T'"},
    {"GET /evil HTTP/1.1\r\n", "http://h/", FL_ERR_LOCAL_PROTOCOL_ERROR,
     "'GET /evil HTTP/1.1\\x0d\\x0a'"},
    {"G(ET)", "http://h/", FL_ERR_LOCAL_PROTOCOL_ERROR, "'G(ET)'"},
    {"GET:", "http://h/", FL_ERR_LOCAL_PROTOCOL_ERROR, "'GET:'"},
    {"G\xc3\x89T", "http://h/", FL_ERR_LOCAL_PROTOCOL_ERROR, "'G\\xc3\\x89T'"},
    /* URL errors come back as the URL parser gave them. */
    {"GET", "https://h/", FL_ERR_UNSUPPORTED_PROTOCOL,
     "Request URL has an unsupported protocol 'https://'."},
    {"GET", "h/path", FL_ERR_UNSUPPORTED_PROTOCOL, "missing an 'http://' or 'https://' protocol"},
    {"GET", "http://", FL_ERR_INVALID_URL, "Invalid URL 'http://': no host"},
    {"GET", "http://h:0/", FL_ERR_INVALID_URL, "invalid port '0'"},
    {"GET", "", FL_ERR_INVALID_URL, "Invalid URL ''"},
    /* The method is checked first. */
    {"BAD METHOD", "https://h/", FL_ERR_LOCAL_PROTOCOL_ERROR, "'BAD METHOD'"},
};

static void test_create_errors(void **state) {
    fl_arena_t *arena = *state;
    for (size_t i = 0; i < sizeof create_error_cases / sizeof create_error_cases[0]; i++) {
        const create_error_case_t *c = &create_error_cases[i];
        fl_request_t *request = (fl_request_t *)(uintptr_t)1; /* must be cleared */
        fl_error_t *error = fl_request_create(arena, c->method, c->url, &request);
        if (error == NULL) fail_msg("case %zu: created", i);
        if (error->kind != c->kind)
            fail_msg("case %zu: %s, wanted %s", i, fl_error_kind_name(error->kind),
                     fl_error_kind_name(c->kind));
        if (strstr(error->message, c->message) == NULL)
            fail_msg("case %zu: message \"%s\"", i, error->message);
        assert_null(request);
        /* Every one is a TransportError, none a NetworkError: not retried. */
        assert_true(fl_error_is(error, FL_ERR_TRANSPORT_ERROR));
        assert_false(fl_error_is(error, FL_ERR_NETWORK_ERROR));
        if (c->kind == FL_ERR_LOCAL_PROTOCOL_ERROR)
            assert_true(fl_error_is(error, FL_ERR_PROTOCOL_ERROR));
        for (const char *p = error->message; *p != '\0'; p++)
            assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
    }
}

static void test_long_bad_method_is_quoted_in_part(void **state) {
    fl_arena_t *arena = *state;
    char method[300];
    memset(method, 'M', sizeof method);
    method[sizeof method - 2] = ' ';
    method[sizeof method - 1] = '\0';
    fl_request_t *request = NULL;
    fl_error_t *error = fl_request_create(arena, method, "http://h/", &request);
    assert_true(fl_error_is(error, FL_ERR_LOCAL_PROTOCOL_ERROR));
    assert_non_null(strstr(error->message, "MMMM...'"));
    assert_true(strlen(error->message) < 100);
}

/* --- bodies and the streaming-body marker --------------------------------- */

static fl_error_t *no_chunks(void *context, fl_world_t *world, const void **chunk_out,
                             size_t *length_out, bool *done_out) {
    (void)world;
    (*(int *)context)++;
    *chunk_out = "";
    *length_out = 0;
    *done_out = true;
    return NULL;
}

static void test_set_body_copies_and_leaves_the_marker_unset(void **state) {
    fl_arena_t *arena = *state;
    fl_request_t *request = NULL;
    assert_null(fl_request_create(arena, "POST", "http://h/", &request));
    char body[] = "hello\0world";
    fl_request_set_body(arena, request, body, sizeof body - 1);
    memset(body, 'x', sizeof body);
    assert_int_equal(request->body_length, 11);
    assert_memory_equal(request->body, "hello\0world", 11);
    assert_false(request->streaming_body);
    assert_null(request->stream);

    /* Setting again replaces the bytes. */
    fl_request_set_body(arena, request, "abc", 3);
    assert_int_equal(request->body_length, 3);
    assert_memory_equal(request->body, "abc", 3);
    assert_false(request->streaming_body);
}

static void test_empty_body_and_no_body(void **state) {
    fl_arena_t *arena = *state;
    fl_request_t *request = NULL;
    assert_null(fl_request_create(arena, "PUT", "http://h/", &request));
    /* An empty body is a body: it is sent as Content-Length: 0. */
    fl_request_set_body(arena, request, "", 0);
    assert_non_null(request->body);
    assert_int_equal(request->body_length, 0);
    assert_false(request->streaming_body);
    /* NULL clears it. */
    fl_request_set_body(arena, request, NULL, 0);
    assert_null(request->body);
    assert_int_equal(request->body_length, 0);
    assert_false(request->streaming_body);
}

static void test_set_stream_sets_the_source_and_the_marker(void **state) {
    fl_arena_t *arena = *state;
    fl_request_t *request = NULL;
    assert_null(fl_request_create(arena, "POST", "http://h/up", &request));
    assert_false(request->streaming_body);
    int calls = 0;
    fl_body_source_t source = {.next = no_chunks, .context = &calls};
    fl_request_set_stream(request, &source);
    assert_true(request->streaming_body);
    assert_ptr_equal(request->stream, &source);
    assert_null(request->body);
    assert_int_equal(request->body_length, 0);
    /* The source is the caller's, used as given. */
    const void *chunk = NULL;
    size_t length = 1;
    bool done = false;
    assert_null(request->stream->next(request->stream->context, NULL, &chunk, &length, &done));
    assert_int_equal(calls, 1);
    assert_true(done);
    assert_int_equal(length, 0);
    /* Nothing else about the request changed. */
    assert_string_equal(request->method, "POST");
    assert_string_equal(request->url.path, "/up");
    assert_int_equal(request->attempt, 1);
}

/* --- response bodies ------------------------------------------------------ */

static void test_response_body_of_a_response_read_whole(void **state) {
    fl_arena_t *arena = *state;
    unsigned char bytes[] = "payload";
    fl_response_t response = {.status = 200, .body = bytes, .body_length = 7, .body_read = true};
    const unsigned char *body = NULL;
    size_t length = 0;
    assert_null(fl_response_body(arena, &response, &body, &length));
    assert_ptr_equal(body, bytes);
    assert_int_equal(length, 7);

    /* An empty body (a 204, a HEAD) is read and empty. */
    fl_response_t empty = {.status = 204, .body_read = true};
    body = bytes;
    length = 9;
    assert_null(fl_response_body(arena, &empty, &body, &length));
    assert_null(body);
    assert_int_equal(length, 0);
}

static void test_response_body_of_a_streamed_response(void **state) {
    fl_arena_t *arena = *state;
    fl_response_t response = {.status = 200, .streamed = true, .body_read = false};
    const unsigned char *body = (const unsigned char *)"stale";
    size_t length = 5;
    fl_error_t *error = fl_response_body(arena, &response, &body, &length);
    assert_non_null(error);
    assert_int_equal(error->kind, FL_ERR_RESPONSE_NOT_READ);
    assert_string_equal(error->message,
                        "Attempted to access streaming response content, without having called "
                        "`read()`.");
    assert_true(fl_error_is(error, FL_ERR_STREAM_ERROR));
    assert_true(fl_error_is(error, FL_ERR_CLIENT_ERROR));
    assert_false(fl_error_is(error, FL_ERR_TRANSPORT_ERROR));
    assert_null(body);
    assert_int_equal(length, 0);

    /* Partly read (some chunks, not to the end) is still not read. */
    response.stream_closed = true;
    assert_true(fl_error_is(fl_response_body(arena, &response, &body, &length),
                            FL_ERR_RESPONSE_NOT_READ));

    /* Once read whole, the body is there. */
    unsigned char bytes[] = "streamed";
    response.body = bytes;
    response.body_length = 8;
    response.body_read = true;
    response.stream_consumed = true;
    assert_null(fl_response_body(arena, &response, &body, &length));
    assert_ptr_equal(body, bytes);
    assert_int_equal(length, 8);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_builds_a_fresh_request, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_create_copies_and_separates, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_long_bad_method_is_quoted_in_part, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_set_body_copies_and_leaves_the_marker_unset,
                                        arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_empty_body_and_no_body, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_set_stream_sets_the_source_and_the_marker,
                                        arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_response_body_of_a_response_read_whole, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_response_body_of_a_streamed_response, arena_setup,
                                        arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
