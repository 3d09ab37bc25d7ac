/* The client's response parser on its own: bytes in, a response (status,
 * version, headers, body) or a condition out, with no world, pool or task.
 * The headers go into an arena the test owns, as a fuzz harness's would. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/response_parser.h"
#include "tests/support/mutated_bytes.h"

enum { BODY_MAX = 4096 };

typedef struct fixture {
    fl_arena_t arena;
    fl_headers_t *headers;
    fl_response_parser_t parser;
    char body[BODY_MAX]; /* what the parser handed out, in order */
    size_t body_length;
    size_t body_calls;
} fixture_t;

static void keep_body(void *context, const char *data, size_t length) {
    fixture_t *f = context;
    assert_true(f->body_length + length <= sizeof f->body);
    memcpy(f->body + f->body_length, data, length);
    f->body_length += length;
    f->body_calls++;
}

/* A fresh parser (and headers, and body) with these limits; returns it.
 * The fixture's parser starts zeroed, which release accepts. */
static fl_response_parser_t *restart(fixture_t *f, size_t header_bytes_max, size_t body_bytes_max,
                                     bool head_request) {
    fl_response_parser_release(&f->parser);
    f->headers = fl_headers_create(&f->arena);
    f->body_length = f->body_calls = 0;
    fl_response_parser_init(&f->parser, &(fl_response_parser_config_t){
                                            .header_bytes_max = header_bytes_max,
                                            .body_bytes_max = body_bytes_max,
                                            .head_request = head_request,
                                            .headers = f->headers,
                                            .body = keep_body,
                                            .body_context = f,
                                        });
    return &f->parser;
}

/* One fixture for the group: each test starts its parser with restart,
 * and the arena keeps every test's headers until the group ends. */
static int group_setup(void **state) {
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    fl_arena_init(&f->arena);
    *state = f;
    return 0;
}

static int group_teardown(void **state) {
    fixture_t *f = *state;
    fl_response_parser_release(&f->parser);
    fl_arena_destroy(&f->arena);
    free(f);
    return 0;
}

static fl_response_parse_result_t feed_text(fl_response_parser_t *parser, const char *text) {
    return fl_response_parser_feed(parser, text, strlen(text));
}

/* Feeds text one byte at a time; returns FAILED at the first failure, with
 * the index of the byte that failed in *at_out. */
static fl_response_parse_result_t feed_bytewise(fl_response_parser_t *parser, const char *text,
                                                size_t *at_out) {
    size_t length = strlen(text);
    for (size_t i = 0; i < length; i++) {
        if (fl_response_parser_feed(parser, text + i, 1) == FL_RESPONSE_PARSE_FAILED) {
            if (at_out) *at_out = i;
            return FL_RESPONSE_PARSE_FAILED;
        }
    }
    return FL_RESPONSE_PARSE_OK;
}

static void expect_failure(const fl_response_parser_t *parser, fl_client_condition_t condition,
                           const char *detail) {
    assert_int_equal(fl_response_parser_condition(parser), condition);
    if (detail == NULL)
        assert_null(fl_response_parser_detail(parser));
    else
        assert_string_equal(fl_response_parser_detail(parser), detail);
}

static const char CHUNKED_RESPONSE[] = "HTTP/1.1 201 Created\r\n"
                                       "Content-Type: text/plain\r\n"
                                       "Transfer-Encoding: chunked\r\n"
                                       "\r\n"
                                       "5\r\nhello\r\n"
                                       "7;ext=1\r\n, world\r\n"
                                       "0\r\nX-Trailer: t\r\n\r\n";

/* What every way of feeding CHUNKED_RESPONSE must give: the trailer is
 * parsed and not taken for a header. */
static void expect_chunked_response(const fixture_t *f) {
    const fl_response_parser_t *parser = &f->parser;
    assert_true(fl_response_parser_message_done(parser));
    assert_int_equal(fl_response_parser_status(parser), 201);
    assert_string_equal(fl_response_parser_http_version(parser), "1.1");
    assert_int_equal(fl_headers_count(f->headers), 2);
    assert_string_equal(fl_headers_get(f->headers, "content-type"), "text/plain");
    assert_int_equal(f->body_length, 12);
    assert_memory_equal(f->body, "hello, world", 12);
    assert_true(fl_response_parser_keep_alive(parser));
    assert_false(fl_response_parser_leftover(parser));
}

static void test_a_response_is_parsed_and_the_parser_pauses_at_its_end(void **state) {
    fixture_t *f = *state;
    fl_response_parser_t *parser = restart(f, 4096, 4096, false);
    /* The head in three pieces, the body in two. */
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\n"), FL_RESPONSE_PARSE_OK);
    assert_int_equal(feed_text(parser, "Content-Length: 5\r\n"), FL_RESPONSE_PARSE_OK);
    assert_false(fl_response_parser_headers_done(parser));
    assert_int_equal(feed_text(parser, "X-A: b\r\n\r\nhel"), FL_RESPONSE_PARSE_OK);
    assert_true(fl_response_parser_headers_done(parser));
    assert_false(fl_response_parser_message_done(parser));
    assert_int_equal(fl_response_parser_status(parser), 200);
    assert_string_equal(fl_headers_get(f->headers, "x-a"), "b");
    assert_int_equal(feed_text(parser, "lo"), FL_RESPONSE_PARSE_OK);
    assert_true(fl_response_parser_message_done(parser));
    assert_memory_equal(f->body, "hello", 5);
    assert_false(fl_response_parser_leftover(parser));
    /* The connection could carry another request; at its end, this
     * response is complete. */
    assert_true(fl_response_parser_keep_alive(parser));
    assert_int_equal(fl_response_parser_finish(parser), FL_RESPONSE_PARSE_OK);
}

/* Wherever the network splits a response, the parser sees the same one. */
static void test_a_response_split_at_every_byte_parses_as_whole(void **state) {
    fixture_t *f = *state;
    size_t length = strlen(CHUNKED_RESPONSE);
    for (size_t split = 1; split < length; split++) {
        fl_response_parser_t *parser = restart(f, 4096, 4096, false);
        assert_int_equal(fl_response_parser_feed(parser, CHUNKED_RESPONSE, split),
                         FL_RESPONSE_PARSE_OK);
        assert_int_equal(fl_response_parser_feed(parser, CHUNKED_RESPONSE + split, length - split),
                         FL_RESPONSE_PARSE_OK);
        expect_chunked_response(f);
    }
    assert_int_equal(feed_bytewise(restart(f, 4096, 4096, false), CHUNKED_RESPONSE, NULL),
                     FL_RESPONSE_PARSE_OK);
    expect_chunked_response(f);
}

/* Feeds a response whose status HTTP does not have: refused, with why. */
static void expect_status_refused(fixture_t *f, const char *bytes, const char *detail) {
    fl_response_parser_t *parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, bytes), FL_RESPONSE_PARSE_FAILED);
    expect_failure(parser, FL_CLIENT_PARSE_ERROR, detail);
    assert_false(fl_response_parser_headers_done(parser));
}

/* llhttp takes a status of one or two digits; HTTP has three, 100..599. */
static void test_statuses_outside_100_to_599_are_refused(void **state) {
    fixture_t *f = *state;
    expect_status_refused(f, "HTTP/1.1 \r\n\r\n", "status code 0 is not 100..599");
    expect_status_refused(f, "HTTP/1.1 \n\n", "status code 0 is not 100..599");
    expect_status_refused(f, "HTTP/1.1 2 \r\nContent-Length: 0\r\n\r\n",
                          "status code 2 is not 100..599");
    expect_status_refused(f, "HTTP/1.1 99 Low\r\nContent-Length: 0\r\n\r\n",
                          "status code 99 is not 100..599");
    expect_status_refused(f, "HTTP/1.1 600 High\r\nContent-Length: 0\r\n\r\n",
                          "status code 600 is not 100..599");
    fl_response_parser_t *parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, "HTTP/1.1 599 Edge\r\nContent-Length: 0\r\n\r\n"),
                     FL_RESPONSE_PARSE_OK);
    assert_int_equal(fl_response_parser_status(parser), 599);
}

/* Interim responses are skipped with their headers, sixteen of them; the
 * seventeenth is refused. */
static void test_sixteen_interim_responses_are_skipped_and_seventeen_refused(void **state) {
    fixture_t *f = *state;
    for (int interim = FL_RESPONSE_INTERIM_MAX; interim <= FL_RESPONSE_INTERIM_MAX + 1; interim++) {
        fl_response_parser_t *parser = restart(f, 4096, 4096, false);
        fl_response_parse_result_t result = FL_RESPONSE_PARSE_OK;
        for (int i = 0; i < interim && result == FL_RESPONSE_PARSE_OK; i++)
            result = feed_text(parser, i % 2 ? "HTTP/1.1 100 Continue\r\n\r\n"
                                             : "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
        if (result == FL_RESPONSE_PARSE_OK)
            result =
                feed_text(parser, "HTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 0\r\n\r\n");
        if (interim > FL_RESPONSE_INTERIM_MAX) {
            assert_int_equal(result, FL_RESPONSE_PARSE_FAILED);
            expect_failure(parser, FL_CLIENT_PARSE_ERROR,
                           "too many interim responses (more than 16)");
            continue;
        }
        assert_int_equal(result, FL_RESPONSE_PARSE_OK);
        assert_int_equal(fl_response_parser_status(parser), 200);
        assert_null(fl_headers_get(f->headers, "link")); /* the interim ones' are dropped */
        assert_string_equal(fl_headers_get(f->headers, "x-final"), "1");
        assert_int_equal(fl_headers_count(f->headers), 2);
    }
}

/* The header limit counts names and values: "X-Abc" and "12345" are 10. */
static void test_headers_over_the_limit_are_refused(void **state) {
    fixture_t *f = *state;
    const char *response = "HTTP/1.1 204 No Content\r\nX-Abc: 12345\r\n\r\n";
    assert_int_equal(feed_text(restart(f, 10, 4096, false), response), FL_RESPONSE_PARSE_OK);
    assert_true(fl_response_parser_message_done(&f->parser));
    assert_int_equal(feed_text(restart(f, 9, 4096, false), response), FL_RESPONSE_PARSE_FAILED);
    expect_failure(&f->parser, FL_CLIENT_HEADERS_TOO_LARGE, NULL);
    size_t at = 0;
    assert_int_equal(feed_bytewise(restart(f, 9, 4096, false), response, &at),
                     FL_RESPONSE_PARSE_FAILED);
    assert_int_equal(at, strlen("HTTP/1.1 204 No Content\r\nX-Abc: 1234"));
}

/* The body limit holds as the bytes arrive, whatever the framing: the byte
 * past it fails the parse and is not handed out. */
static void test_a_body_over_the_limit_is_refused_as_it_arrives(void **state) {
    fixture_t *f = *state;
    const char *by_length = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    assert_int_equal(feed_text(restart(f, 4096, 5, false), by_length), FL_RESPONSE_PARSE_OK);
    assert_int_equal(feed_text(restart(f, 4096, 4, false), by_length), FL_RESPONSE_PARSE_FAILED);
    expect_failure(&f->parser, FL_CLIENT_BODY_TOO_LARGE, NULL);
    assert_int_equal(f->body_length, 0); /* one span of five bytes, refused whole */

    size_t at = 0;
    assert_int_equal(feed_bytewise(restart(f, 4096, 4, false), by_length, &at),
                     FL_RESPONSE_PARSE_FAILED);
    assert_int_equal(at, strlen(by_length) - 1);
    assert_int_equal(f->body_length, 4);

    assert_int_equal(feed_text(restart(f, 4096, 11, false), CHUNKED_RESPONSE),
                     FL_RESPONSE_PARSE_FAILED);
    expect_failure(&f->parser, FL_CLIENT_BODY_TOO_LARGE, NULL);
    assert_int_equal(f->body_length, 5); /* the first chunk only */
    assert_int_equal(feed_bytewise(restart(f, 4096, 11, false), CHUNKED_RESPONSE, &at),
                     FL_RESPONSE_PARSE_FAILED);
    assert_int_equal(f->body_length, 11);
    assert_int_equal(at, strlen(CHUNKED_RESPONSE) - strlen("d\r\n0\r\nX-Trailer: t\r\n\r\n"));
}

/* A response to HEAD has no body, whatever its Content-Length says. */
static void test_a_head_response_ends_with_its_head(void **state) {
    fixture_t *f = *state;
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    /* To another method, the same head waits for its hundred bytes. */
    fl_response_parser_t *parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, head), FL_RESPONSE_PARSE_OK);
    assert_false(fl_response_parser_message_done(parser));
    parser = restart(f, 4096, 4096, true);
    assert_int_equal(feed_text(parser, head), FL_RESPONSE_PARSE_OK);
    assert_true(fl_response_parser_message_done(parser));
    assert_int_equal(f->body_calls, 0);
    assert_int_equal(fl_response_parser_finish(parser), FL_RESPONSE_PARSE_OK);
}

/* Bytes past the response, in the same read or later, make it leftover:
 * the connection is not reused. */
static void test_bytes_past_the_response_are_leftover(void **state) {
    fixture_t *f = *state;
    fl_response_parser_t *parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"),
                     FL_RESPONSE_PARSE_OK);
    assert_true(fl_response_parser_leftover(parser));
    assert_int_equal(f->body_length, 2);

    parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                     FL_RESPONSE_PARSE_OK);
    assert_false(fl_response_parser_leftover(parser));
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\n"), FL_RESPONSE_PARSE_OK);
    assert_true(fl_response_parser_leftover(parser));
    assert_int_equal(f->body_length, 2); /* not parsed */
}

static void test_http_1_0_and_connection_close_are_not_keep_alive(void **state) {
    fixture_t *f = *state;
    restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(&f->parser, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
                     FL_RESPONSE_PARSE_OK);
    assert_string_equal(fl_response_parser_http_version(&f->parser), "1.0");
    assert_false(fl_response_parser_keep_alive(&f->parser));
    fl_response_parser_t *parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
                                       "Content-Length: 0\r\n\r\n"),
                     FL_RESPONSE_PARSE_OK);
    assert_false(fl_response_parser_keep_alive(parser));
}

/* The connection's end says which premature end it was, or completes a
 * body that had no declared length. */
static void test_the_end_of_the_connection_names_the_premature_end(void **state) {
    fixture_t *f = *state;
    restart(f, 4096, 4096, false);
    assert_int_equal(fl_response_parser_finish(&f->parser), FL_RESPONSE_PARSE_FAILED);
    expect_failure(&f->parser, FL_CLIENT_EOF_BEFORE_RESPONSE, NULL);

    fl_response_parser_t *parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\nContent-Le"), FL_RESPONSE_PARSE_OK);
    assert_int_equal(fl_response_parser_finish(parser), FL_RESPONSE_PARSE_FAILED);
    expect_failure(parser, FL_CLIENT_PARSE_ERROR, "the response head was cut short");

    parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
                     FL_RESPONSE_PARSE_OK);
    assert_int_equal(fl_response_parser_finish(parser), FL_RESPONSE_PARSE_FAILED);
    expect_failure(parser, FL_CLIENT_EOF_SHORT_BODY, "received 3 bytes, expected 10");

    parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "5\r\nhe"),
                     FL_RESPONSE_PARSE_OK);
    assert_int_equal(fl_response_parser_finish(parser), FL_RESPONSE_PARSE_FAILED);
    expect_failure(parser, FL_CLIENT_EOF_MID_CHUNK, NULL);

    parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\n\r\nuntil the end"),
                     FL_RESPONSE_PARSE_OK);
    assert_false(fl_response_parser_message_done(parser));
    assert_int_equal(fl_response_parser_finish(parser), FL_RESPONSE_PARSE_OK);
    assert_true(fl_response_parser_message_done(parser));
    assert_int_equal(f->body_length, strlen("until the end"));
}

/* A failure is final: a well-formed response after it is refused the same
 * way, and nothing of it is parsed. */
static void test_a_failed_parse_stays_failed(void **state) {
    fixture_t *f = *state;
    fl_response_parser_t *parser = restart(f, 4096, 4096, false);
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n"),
                     FL_RESPONSE_PARSE_FAILED);
    assert_int_equal(fl_response_parser_condition(parser), FL_CLIENT_PARSE_ERROR);
    const char *detail = fl_response_parser_detail(parser);
    assert_non_null(detail); /* llhttp's reason */
    assert_int_equal(feed_text(parser, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                     FL_RESPONSE_PARSE_FAILED);
    assert_string_equal(fl_response_parser_detail(parser), detail);
    assert_false(fl_response_parser_headers_done(parser));
}

/* What a fuzz harness does: mutated responses, no body callback, a parser
 * created, fed, finished and released with no world; each call ends in OK
 * or FAILED, never a crash. */
static void test_arbitrary_bytes_never_crash_the_parser(void **state) {
    fixture_t *f = *state;
    mutator_t mutator = {.state = 0x2545f4914f6cdd1du};
    for (int round = 0; round < 3000; round++) {
        char bytes[sizeof CHUNKED_RESPONSE];
        size_t length = mutator_damaged_copy(&mutator, CHUNKED_RESPONSE, bytes, 1 + round % 4);
        fl_response_parser_t parser;
        fl_response_parser_init(&parser, &(fl_response_parser_config_t){
                                             .header_bytes_max = 48,
                                             .body_bytes_max = 8,
                                             .head_request = round % 5 == 0,
                                             .headers = fl_headers_create(&f->arena),
                                         });
        size_t failed_at = SIZE_MAX;
        for (size_t at = 0, piece; at < length; at += piece) {
            piece = mutator_piece(&mutator, length - at);
            if (fl_response_parser_feed(&parser, bytes + at, piece) == FL_RESPONSE_PARSE_FAILED &&
                failed_at == SIZE_MAX)
                failed_at = at;
            /* Once failed, failed for good. */
            assert_true(failed_at == SIZE_MAX ||
                        fl_response_parser_feed(&parser, "x", 1) == FL_RESPONSE_PARSE_FAILED);
        }
        (void)fl_response_parser_finish(&parser);
        fl_response_parser_release(&parser);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_response_is_parsed_and_the_parser_pauses_at_its_end),
        cmocka_unit_test(test_a_response_split_at_every_byte_parses_as_whole),
        cmocka_unit_test(test_statuses_outside_100_to_599_are_refused),
        cmocka_unit_test(test_sixteen_interim_responses_are_skipped_and_seventeen_refused),
        cmocka_unit_test(test_headers_over_the_limit_are_refused),
        cmocka_unit_test(test_a_body_over_the_limit_is_refused_as_it_arrives),
        cmocka_unit_test(test_a_head_response_ends_with_its_head),
        cmocka_unit_test(test_bytes_past_the_response_are_leftover),
        cmocka_unit_test(test_http_1_0_and_connection_close_are_not_keep_alive),
        cmocka_unit_test(test_the_end_of_the_connection_names_the_premature_end),
        cmocka_unit_test(test_a_failed_parse_stays_failed),
        cmocka_unit_test(test_arbitrary_bytes_never_crash_the_parser),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
