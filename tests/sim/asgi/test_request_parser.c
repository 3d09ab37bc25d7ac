/* The server's request parser on its own: bytes in, events out, with no
 * world, pool or acceptor task. A recording sink writes the events as a
 * transcript ("begin|head GET /a 1.1 keep-alive [host: x]|body hello|
 * complete|"), so that a request fed whole, split at every byte or fed a
 * byte at a time can be compared as text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/asgi/request_parser.h"
#include "tests/support/mutated_bytes.h"

enum { TRANSCRIPT_MAX = 16384 };

typedef struct recorder {
    fl_request_parser_t *parser;
    char transcript[TRANSCRIPT_MAX];
    size_t length;
    bool in_body; /* the last event was body bytes: more are appended to it */
    size_t body_bytes;
    size_t heads;
    size_t completes;
    int head_refusal; /* the last head's refusal_status */
} recorder_t;

static void record(recorder_t *r, const char *text, size_t length) {
    assert_true(r->length + length < sizeof r->transcript);
    memcpy(r->transcript + r->length, text, length);
    r->length += length;
    r->transcript[r->length] = '\0';
}

static void record_text(recorder_t *r, const char *text) { record(r, text, strlen(text)); }

static void end_body(recorder_t *r) {
    if (r->in_body) record_text(r, "|");
    r->in_body = false;
}

static void on_begin(void *context) {
    recorder_t *r = context;
    end_body(r);
    record_text(r, "begin|");
}

static void on_head(void *context, const fl_request_head_t *head) {
    recorder_t *r = context;
    end_body(r);
    char line[512];
    snprintf(line, sizeof line, "head %s %s %s%s", head->method, head->target, head->http_version,
             head->keep_alive ? " keep-alive" : "");
    record_text(r, line);
    for (size_t i = 0; i < head->header_count; i++) {
        const char *name, *value;
        fl_request_parser_header(r->parser, i, &name, &value);
        snprintf(line, sizeof line, " [%s: %s]", name, value);
        record_text(r, line);
    }
    if (head->refusal_status != 0) {
        snprintf(line, sizeof line, " refused %d", head->refusal_status);
        record_text(r, line);
    }
    record_text(r, "|");
    r->heads++;
    r->head_refusal = head->refusal_status;
}

static void on_body(void *context, const char *data, size_t length) {
    recorder_t *r = context;
    if (!r->in_body) record_text(r, "body ");
    r->in_body = true;
    record(r, data, length);
    r->body_bytes += length;
}

static void on_complete(void *context) {
    recorder_t *r = context;
    end_body(r);
    record_text(r, "complete|");
    r->completes++;
}

/* A parser with these limits whose events go to r (both zeroed first). */
static void start(fl_request_parser_t *parser, recorder_t *r, size_t header_bytes_max,
                  size_t body_bytes_max) {
    memset(r, 0, sizeof *r);
    r->parser = parser;
    fl_request_parser_init(parser, &(fl_request_limits_t){header_bytes_max, body_bytes_max},
                           &(fl_request_sink_t){r, on_begin, on_head, on_body, on_complete});
}

static int feed_text(fl_request_parser_t *parser, const char *text) {
    return fl_request_parser_feed(parser, text, strlen(text));
}

/* Feeds text one byte at a time; returns the first refusal (0: none), and
 * at which byte it came in *at_out. */
static int feed_bytewise(fl_request_parser_t *parser, const char *text, size_t *at_out) {
    size_t length = strlen(text);
    for (size_t i = 0; i < length; i++) {
        int refusal = fl_request_parser_feed(parser, text + i, 1);
        if (refusal != 0) {
            if (at_out) *at_out = i;
            return refusal;
        }
    }
    return 0;
}

static const char CHUNKED_POST[] = "POST /upload?name=a%20b HTTP/1.1\r\n"
                                   "Host: example\r\n"
                                   "X-Empty:\r\n"
                                   "Transfer-Encoding: chunked\r\n"
                                   "\r\n"
                                   "5\r\nhello\r\n"
                                   "7;ext=1\r\n, world\r\n"
                                   "0\r\n\r\n";

static const char CHUNKED_POST_EVENTS[] =
    "begin|head POST /upload?name=a%20b 1.1 keep-alive [Host: example] [X-Empty: ] "
    "[Transfer-Encoding: chunked]|body hello, world|complete|";

/* Each test's parser and recorder: setup starts them with roomy limits,
 * teardown releases the parser (whatever state it was left in). */
typedef struct fixture {
    fl_request_parser_t parser;
    recorder_t recorder;
} fixture_t;

static int setup(void **state) {
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    start(&f->parser, &f->recorder, 4096, 4096);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    fl_request_parser_release(&f->parser);
    free(f);
    return 0;
}

/* A fresh parser with these limits in the fixture; returns it. */
static fl_request_parser_t *restart(fixture_t *f, size_t header_bytes_max, size_t body_bytes_max) {
    fl_request_parser_release(&f->parser);
    start(&f->parser, &f->recorder, header_bytes_max, body_bytes_max);
    return &f->parser;
}

static void test_a_request_becomes_its_events(void **state) {
    fixture_t *f = *state;
    assert_int_equal(feed_text(&f->parser, CHUNKED_POST), 0);
    assert_string_equal(f->recorder.transcript, CHUNKED_POST_EVENTS);
    assert_true(fl_request_parser_paused(&f->parser));
    assert_int_equal(fl_request_parser_pending(&f->parser), 0);
    /* No bytes are no news, paused or not. */
    assert_int_equal(fl_request_parser_feed(&f->parser, NULL, 0), 0);
    assert_int_equal(fl_request_parser_pending(&f->parser), 0);
}

/* The connection ends after such a request: there is no second one. */
static void test_http_1_0_and_connection_close_are_not_keep_alive(void **state) {
    fixture_t *f = *state;
    assert_int_equal(feed_text(&f->parser, "GET /old HTTP/1.0\r\n\r\n"), 0);
    assert_string_equal(f->recorder.transcript, "begin|head GET /old 1.0|complete|");
    fl_request_parser_t *parser = restart(f, 4096, 4096);
    assert_int_equal(feed_text(parser, "HEAD /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                     0);
    assert_string_equal(f->recorder.transcript,
                        "begin|head HEAD /x 1.1 [Host: x] [Connection: close]|complete|");
}

/* Wherever the network splits a request, the parser sees the same one. */
static void test_a_request_split_at_every_byte_parses_as_whole(void **state) {
    fixture_t *f = *state;
    size_t length = strlen(CHUNKED_POST);
    for (size_t split = 1; split < length; split++) {
        fl_request_parser_t *parser = restart(f, 4096, 4096);
        assert_int_equal(fl_request_parser_feed(parser, CHUNKED_POST, split), 0);
        assert_int_equal(fl_request_parser_feed(parser, CHUNKED_POST + split, length - split), 0);
        if (strcmp(f->recorder.transcript, CHUNKED_POST_EVENTS) != 0)
            fail_msg("split at %zu: %s", split, f->recorder.transcript);
    }
    assert_int_equal(feed_bytewise(restart(f, 4096, 4096), CHUNKED_POST, NULL), 0);
    assert_string_equal(f->recorder.transcript, CHUNKED_POST_EVENTS);
}

/* Pipelined requests: the parser pauses after each complete one and keeps
 * what follows, fed in the same read or later, until resumed. */
static void test_pipelined_requests_pause_and_resume(void **state) {
    fixture_t *f = *state;
    fl_request_parser_t *parser = &f->parser;
    const char *second = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    char both[128];
    snprintf(both, sizeof both, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n%s", second);
    assert_int_equal(feed_text(parser, both), 0);
    assert_string_equal(f->recorder.transcript,
                        "begin|head GET /a 1.1 keep-alive [Host: x]|complete|");
    assert_true(fl_request_parser_paused(parser));
    assert_int_equal(fl_request_parser_pending(parser), strlen(second));
    /* Bytes that arrive while paused wait too, unparsed. */
    assert_int_equal(feed_text(parser, "GET /c HTTP/1.1\r\n"), 0);
    assert_int_equal(f->recorder.completes, 1);
    assert_int_equal(fl_request_parser_pending(parser), strlen(second) + 17);
    assert_int_equal(fl_request_parser_resume(parser), 0);
    assert_int_equal(f->recorder.completes, 2);
    assert_true(fl_request_parser_paused(parser));
    assert_int_equal(fl_request_parser_pending(parser), 17);
    assert_int_equal(fl_request_parser_resume(parser), 0);
    assert_false(fl_request_parser_paused(parser)); /* /c's head is not complete */
    assert_int_equal(feed_text(parser, "Host: x\r\n\r\n"), 0);
    assert_string_equal(f->recorder.transcript,
                        "begin|head GET /a 1.1 keep-alive [Host: x]|complete|"
                        "begin|head GET /b 1.1 keep-alive [Host: x]|complete|"
                        "begin|head GET /c 1.1 keep-alive [Host: x]|complete|");
}

/* A header with no value in a later request is empty, not what an earlier
 * request's header at the same place said. */
static void test_an_empty_value_is_empty_in_a_later_request(void **state) {
    fixture_t *f = *state;
    assert_int_equal(
        feed_text(&f->parser, "GET /first HTTP/1.1\r\nHost: x\r\nA: long value here\r\n\r\n"), 0);
    assert_int_equal(fl_request_parser_resume(&f->parser), 0);
    f->recorder.length = 0;
    assert_int_equal(feed_text(&f->parser, "GET / HTTP/1.1\r\nHost: x\r\nZ:\r\n\r\n"), 0);
    assert_string_equal(f->recorder.transcript,
                        "begin|head GET / 1.1 keep-alive [Host: x] [Z: ]|complete|");
}

/* A malformed request is a 400 with llhttp's reason; the refusal is
 * final, whatever comes after. */
static void test_a_malformed_request_is_400_and_stays_refused(void **state) {
    fixture_t *f = *state;
    fl_request_parser_t *parser = &f->parser;
    assert_int_equal(feed_text(parser, "GET / HTTP/1.1\r\nBad Header\r\n\r\n"), 400);
    const char *reason = fl_request_parser_refusal_reason(parser);
    assert_non_null(reason);
    assert_true(strlen(reason) > 0 && strcmp(reason, "limit") != 0);
    size_t events = f->recorder.length;
    assert_int_equal(feed_text(parser, "GET / HTTP/1.1\r\n\r\n"), 400);
    assert_int_equal(fl_request_parser_feed(parser, "\x00\xff garbage", 10), 400);
    assert_int_equal(fl_request_parser_feed(parser, NULL, 0), 400);
    assert_int_equal(f->recorder.length, events); /* nothing more was parsed */
    assert_int_equal(f->recorder.heads, 0);
}

/* RFC 9112 §3.2: HTTP/1.1 without Host is refused before its head event,
 * whatever the case of the name; HTTP/1.0, which had no Host, is not. */
static void test_http_1_1_without_host_is_400(void **state) {
    fixture_t *f = *state;
    fl_request_parser_t *parser = &f->parser;
    assert_int_equal(feed_text(parser, "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"), 400);
    assert_string_equal(fl_request_parser_refusal_reason(parser), "missing Host header");
    assert_int_equal(f->recorder.heads, 0);
    parser = restart(f, 4096, 4096);
    assert_int_equal(feed_text(parser, "GET / HTTP/1.1\r\n\r\n"), 400);
    parser = restart(f, 4096, 4096);
    assert_int_equal(feed_text(parser, "GET / HTTP/1.1\r\nhOsT: x\r\n\r\n"), 0);
    assert_int_equal(f->recorder.completes, 1);
    parser = restart(f, 4096, 4096);
    assert_int_equal(feed_text(parser, "GET / HTTP/1.0\r\n\r\n"), 0);
    assert_int_equal(f->recorder.completes, 1);
}

/* RFC 9112 §6.1: Content-Length with Transfer-Encoding is a smuggling
 * shape; llhttp refuses it in either order, as long as none of its lenient
 * flags is set (none is: checked here too). No body is handed out. */
static void test_content_length_with_transfer_encoding_is_400(void **state) {
    fixture_t *f = *state;
    assert_int_equal(f->parser.llhttp.lenient_flags, 0);
    static const char *const requests[] = {
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
        "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    };
    for (size_t i = 0; i < 2; i++) {
        fl_request_parser_t *parser = restart(f, 4096, 4096);
        assert_int_equal(feed_text(parser, requests[i]), 400);
        assert_string_not_equal(fl_request_parser_refusal_reason(parser), "limit");
        assert_int_equal(f->recorder.body_bytes, 0);
        assert_int_equal(f->recorder.completes, 0);
    }
}

/* RFC 9112 §5.1: whitespace before the colon is a 400, as is a space
 * inside the name (not a token), fed whole or a byte at a time. */
static void test_whitespace_in_a_header_name_is_400(void **state) {
    fixture_t *f = *state;
    static const char *const requests[] = {
        "GET / HTTP/1.1\r\nHost: x\r\nFoo : y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nFoo\t: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nFo o: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nFoo  :\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
        assert_int_equal(feed_text(restart(f, 4096, 4096), requests[i]), 400);
        assert_int_equal(f->recorder.heads, 0);
        assert_int_equal(feed_bytewise(restart(f, 4096, 4096), requests[i], NULL), 400);
        assert_int_equal(f->recorder.heads, 0);
    }
    assert_string_equal(fl_request_parser_refusal_reason(&f->parser),
                        "whitespace in a header name");
    /* Whitespace after the colon is the value's, and fine. */
    assert_int_equal(feed_text(restart(f, 4096, 4096), "GET / HTTP/1.1\r\nHost: \t x\r\n\r\n"), 0);
    assert_int_equal(f->recorder.completes, 1);
}

/* llhttp knows its methods by name and HTTP/1.0 and 1.1 only: an unknown
 * method (a valid token) and HTTP/1.2 are 400 (h11 takes both; see
 * docs/SERVER.md). */
static void test_an_unknown_method_and_http_1_2_are_400(void **state) {
    fixture_t *f = *state;
    assert_int_equal(feed_text(restart(f, 4096, 4096), "FOO / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    assert_int_equal(f->recorder.heads, 0);
    assert_int_equal(feed_text(restart(f, 4096, 4096), "GET / HTTP/1.2\r\nHost: x\r\n\r\n"), 400);
    assert_int_equal(f->recorder.heads, 0);
}

/* The header limit counts the head as h11 holds it, its lines in their
 * plain form: "GET / HTTP/1.1\r\n", "Host: h\r\n", "A: xxx\r\n" are 33
 * bytes when the last value is in (the blank line is not counted). */
static void test_header_bytes_over_the_limit_are_431(void **state) {
    fixture_t *f = *state;
    const char *request = "GET / HTTP/1.1\r\nHost: h\r\nA: xxx\r\n\r\n";
    assert_int_equal(feed_text(restart(f, 33, 4096), request), 0);
    assert_int_equal(f->recorder.completes, 1);

    assert_int_equal(feed_text(restart(f, 32, 4096), request), 431);
    assert_string_equal(fl_request_parser_refusal_reason(&f->parser), "limit");
    assert_int_equal(f->recorder.heads, 0);
    /* Whitespace before a value is not counted, nor is its absence. */
    assert_int_equal(feed_text(restart(f, 33, 4096),
                               "GET / HTTP/1.1\r\nHost:    h\r\nA:xxx\r\n\r\n"), 0);

    /* A byte at a time, the refusal comes with the byte past the limit:
     * the last 'x'. */
    size_t at = 0;
    assert_int_equal(feed_bytewise(restart(f, 32, 4096), request, &at), 431);
    assert_int_equal(at, strlen("GET / HTTP/1.1\r\nHost: h\r\nA: xx"));
}

/* Past the limit while still in the request target, it is the target
 * that is too long: 414 (RFC 9112 §3), whole or a byte at a time. "GET "
 * and the 11-byte target are 15 bytes. */
static void test_a_target_over_the_limit_is_414(void **state) {
    fixture_t *f = *state;
    const char *request = "GET /abcdefghij HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_int_equal(feed_text(restart(f, 14, 4096), request), 414);
    assert_string_equal(fl_request_parser_refusal_reason(&f->parser), "limit");
    assert_int_equal(f->recorder.heads, 0);
    size_t at = 0;
    assert_int_equal(feed_bytewise(restart(f, 14, 4096), request, &at), 414);
    assert_int_equal(at, strlen("GET /abcdefghi"));
    /* The same target within the limit, the headers past it: 431; the
     * whole head (26 + 9 bytes) within it: taken. */
    assert_int_equal(feed_text(restart(f, 15, 4096), request), 431);
    assert_int_equal(feed_text(restart(f, 34, 4096), request), 431);
    assert_int_equal(feed_text(restart(f, 35, 4096), request), 0);
}

/* RFC 9112 §3.2: more than one Host is a 400 (h11 refuses it), the same
 * value or not, in either version; before the head event. */
static void test_a_duplicate_host_is_400(void **state) {
    fixture_t *f = *state;
    static const char *const requests[] = {
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: a\r\nX: y\r\nHOST: b\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
        assert_int_equal(feed_text(restart(f, 4096, 4096), requests[i]), 400);
        assert_string_equal(fl_request_parser_refusal_reason(&f->parser), "duplicate Host header");
        assert_int_equal(f->recorder.heads, 0);
    }
}

/* h11 takes one Transfer-Encoding header, "chunked"; any other coding
 * (alone, before it, after it, an empty item) or a second header is
 * refused: 501, RFC 9112 §6.1's status (uvicorn answers 400). The name and
 * the coding in any case, with spaces around, are fine. */
static void test_a_transfer_coding_other_than_chunked_is_501(void **state) {
    fixture_t *f = *state;
    static const char *const codings[] = {
        "Transfer-Encoding: gzip\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: chunked, gzip\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked,\r\nTransfer-Encoding: identity\r\n",
        "Transfer-Encoding: , chunked\r\n",
        "Transfer-Encoding: chunked, \r\n",
    };
    for (size_t i = 0; i < sizeof codings / sizeof *codings; i++) {
        char request[256];
        snprintf(request, sizeof request, "POST / HTTP/1.1\r\nHost: x\r\n%s\r\n0\r\n\r\n",
                 codings[i]);
        assert_int_equal(feed_text(restart(f, 4096, 4096), request), 501);
        assert_int_equal(f->recorder.completes, 0);
    }
    const char *fine = "POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding:  Chunked \r\n\r\n"
                       "3\r\nabc\r\n0\r\n\r\n";
    assert_int_equal(feed_text(restart(f, 4096, 4096), fine), 0);
    assert_int_equal(f->recorder.body_bytes, 3);
    assert_int_equal(f->recorder.completes, 1);
}

static void test_more_than_100_headers_are_431(void **state) {
    fixture_t *f = *state;
    for (int count = FL_REQUEST_HEADERS_MAX; count <= FL_REQUEST_HEADERS_MAX + 1; count++) {
        char request[4096];
        /* Host is one of them. */
        size_t at = (size_t)snprintf(request, sizeof request, "GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 1; i < count; i++)
            at += (size_t)snprintf(request + at, sizeof request - at, "H%d: v\r\n", i);
        snprintf(request + at, sizeof request - at, "\r\n");
        int expected = count > FL_REQUEST_HEADERS_MAX ? 431 : 0;
        assert_int_equal(feed_text(restart(f, 65536, 4096), request), expected);
        assert_int_equal(f->recorder.heads, expected ? 0 : 1);
    }
}

/* A declared length past the limit is refused once the head is in, before
 * a byte of the body: the head event says so, and nothing follows. */
static void test_a_declared_length_over_the_limit_is_413_at_the_head(void **state) {
    fixture_t *f = *state;
    const char *fits = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789";
    const char *over = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n0123456789X";
    assert_int_equal(feed_text(restart(f, 4096, 10), fits), 0);
    assert_int_equal(f->recorder.body_bytes, 10);
    assert_int_equal(f->recorder.completes, 1);

    assert_int_equal(feed_text(restart(f, 4096, 10), over), 413);
    assert_int_equal(f->recorder.head_refusal, 413);
    assert_int_equal(f->recorder.body_bytes, 0);
    assert_int_equal(f->recorder.completes, 0);
    assert_string_equal(fl_request_parser_refusal_reason(&f->parser), "limit");

    /* The largest length there is is a length too. */
    assert_int_equal(
        feed_text(restart(f, 4096, 10),
                  "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\n"),
        413);

    size_t at = 0;
    assert_int_equal(feed_bytewise(restart(f, 4096, 10), over, &at), 413);
    assert_int_equal(at, strlen(over) - 12); /* the head's last byte */
    assert_int_equal(f->recorder.body_bytes, 0);
}

/* A chunked body declares no length: the limit is held as its bytes
 * arrive, and the refusal comes with the byte past it. */
static void test_a_chunked_body_over_the_limit_is_413_as_it_arrives(void **state) {
    fixture_t *f = *state;
    const char *head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    char request[256];
    snprintf(request, sizeof request, "%s8\r\n01234567\r\n3\r\n89X\r\n0\r\n\r\n", head);
    assert_int_equal(feed_text(restart(f, 4096, 11), request), 0);
    assert_int_equal(f->recorder.body_bytes, 11);

    assert_int_equal(feed_text(restart(f, 4096, 10), request), 413);
    assert_int_equal(f->recorder.body_bytes, 8); /* the chunk past the limit is not handed out */
    assert_int_equal(f->recorder.completes, 0);

    size_t at = 0;
    assert_int_equal(feed_bytewise(restart(f, 4096, 10), request, &at), 413);
    assert_int_equal(f->recorder.body_bytes, 10);
    assert_int_equal(at, strlen(head) + strlen("8\r\n01234567\r\n3\r\n89"));
}

/* A body nobody waits for any more is parsed and dropped: not handed out,
 * not held to the limit; its end is still reported. */
static void test_a_discarded_body_is_dropped_and_not_counted(void **state) {
    fixture_t *f = *state;
    fl_request_parser_t *parser = restart(f, 4096, 4);
    const char *head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_int_equal(feed_text(parser, head), 0);
    assert_int_equal(feed_text(parser, "2\r\nab\r\n"), 0);
    fl_request_parser_discard_body(parser);
    assert_int_equal(feed_text(parser, "8\r\n01234567\r\n0\r\n\r\n"), 0);
    assert_string_equal(f->recorder.transcript, "begin|head POST / 1.1 keep-alive [Host: x] "
                                                "[Transfer-Encoding: chunked]|body ab|complete|");
    /* The next request is held to the limit again. */
    assert_int_equal(fl_request_parser_resume(parser), 0);
    assert_int_equal(feed_text(parser, head), 0);
    assert_int_equal(feed_text(parser, "5\r\n01234\r\n"), 413);
}

/* What a fuzz harness does: arbitrary bytes, with no sink at all, into
 * parsers created and released without a world. Mutated requests reach
 * deep states; each feed ends in 0 or a refusal, never a crash, and
 * resuming or not after a pause both hold. */
static void test_arbitrary_bytes_never_crash_the_parser(void **state) {
    (void)state;
    mutator_t mutator = {.state = 0x9e3779b97f4a7c15u};
    for (int round = 0; round < 3000; round++) {
        char bytes[sizeof CHUNKED_POST];
        size_t length = mutator_damaged_copy(&mutator, CHUNKED_POST, bytes, 1 + round % 4);
        fl_request_parser_t parser;
        fl_request_parser_init(&parser, &(fl_request_limits_t){64, 8}, &(fl_request_sink_t){0});
        for (size_t at = 0, piece; at < length; at += piece) {
            piece = mutator_piece(&mutator, length - at);
            int refusal = fl_request_parser_feed(&parser, bytes + at, piece);
            assert_true(refusal == 0 || refusal == 400 || refusal == 413 || refusal == 431);
            /* Half the time the pipelined rest is parsed too. */
            if (fl_request_parser_paused(&parser) && round % 2 == 0)
                (void)fl_request_parser_resume(&parser);
        }
        fl_request_parser_release(&parser);
    }
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        TEST(test_a_request_becomes_its_events),
        TEST(test_http_1_0_and_connection_close_are_not_keep_alive),
        TEST(test_a_request_split_at_every_byte_parses_as_whole),
        TEST(test_pipelined_requests_pause_and_resume),
        TEST(test_an_empty_value_is_empty_in_a_later_request),
        TEST(test_a_malformed_request_is_400_and_stays_refused),
        TEST(test_http_1_1_without_host_is_400),
        TEST(test_content_length_with_transfer_encoding_is_400),
        TEST(test_whitespace_in_a_header_name_is_400),
        TEST(test_an_unknown_method_and_http_1_2_are_400),
        TEST(test_header_bytes_over_the_limit_are_431),
        TEST(test_more_than_100_headers_are_431),
        TEST(test_a_declared_length_over_the_limit_is_413_at_the_head),
        TEST(test_a_chunked_body_over_the_limit_is_413_as_it_arrives),
        TEST(test_a_target_over_the_limit_is_414),
        TEST(test_a_duplicate_host_is_400),
        TEST(test_a_transfer_coding_other_than_chunked_is_501),
        TEST(test_a_discarded_body_is_dropped_and_not_counted),
        TEST(test_arbitrary_bytes_never_crash_the_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
