/* The proxy's HTTP/1.1 tracker on its own: bytes in, protocol events with
 * their offsets out. Every input is checked three ways: whole (against the
 * events it must give), cut in two at every byte of each direction, and
 * fed byte by byte; the cut and the byte-by-byte runs must give the same
 * events at the same absolute offsets as the whole one (a body framed by
 * length or close has one body chunk per feed, so there only the whole
 * run's chunk ends must be among the others'). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/proxy/http_tracker.h"
#include "sim/runtime/status.h"

#define LEN(text) (sizeof(text) - 1)

#define REQUEST_HEAD FL_PROTOCOL_EVENT_PROXY_REQUEST_HEAD
#define REQUEST_DONE FL_PROTOCOL_EVENT_PROXY_REQUEST_DONE
#define RESPONSE_HEAD FL_PROTOCOL_EVENT_PROXY_RESPONSE_HEAD
#define BODY_CHUNK FL_PROTOCOL_EVENT_PROXY_BODY_CHUNK
#define SSE_EVENT FL_PROTOCOL_EVENT_PROXY_SSE_EVENT
#define RESPONSE_DONE FL_PROTOCOL_EVENT_PROXY_RESPONSE_DONE

#define C2S FL_DIRECTION_CLIENT_TO_SERVER
#define S2C FL_DIRECTION_SERVER_TO_CLIENT

enum { RECORDED_MAX = 2048 };

typedef struct recorded {
    fl_protocol_event_t event;
    uint64_t at; /* absolute: bytes of the direction before the event's end */
} recorded_t;

/* What one direction of one run reported. */
typedef struct trace {
    recorded_t events[RECORDED_MAX];
    size_t count;
    uint64_t fed; /* bytes consumed so far */
    int parse_errors;
    char error[256];
} trace_t;

typedef struct run {
    fl_http_tracker_t tracker;
    trace_t c2s, s2c;
} run_t;

/* One connection's bytes. */
typedef struct http_case {
    const char *c2s, *s2c;
    size_t c2s_length, s2c_length; /* 0: strlen */
    bool close;           /* the upstream closes after its bytes */
    bool per_read_chunks; /* a body framed by length or close */
    bool chunks_unlisted; /* the expected events leave the body chunks out */
} http_case_t;

typedef struct expect {
    fl_direction_t direction;
    fl_protocol_event_t event;
    uint64_t at;
} expect_t;

static run_t *run_create(void) {
    run_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    fl_http_tracker_init(&r->tracker);
    return r;
}

static trace_t *trace_of(run_t *r, fl_direction_t direction) {
    return direction == C2S ? &r->c2s : &r->s2c;
}

static void record(trace_t *trace, fl_protocol_event_t event, uint64_t at) {
    assert_true(trace->count < RECORDED_MAX);
    assert_true(trace->count == 0 || trace->events[trace->count - 1].at <= at);
    trace->events[trace->count++] = (recorded_t){.event = event, .at = at};
}

/* One call of fl_http_tracker_feed, its promises checked; returns consumed. */
static size_t feed_once(run_t *r, fl_direction_t direction, const uint8_t *bytes, size_t length) {
    trace_t *trace = trace_of(r, direction);
    fl_http_tracker_event_t events[FL_HTTP_TRACKER_EVENTS_MAX];
    size_t count = SIZE_MAX, consumed = SIZE_MAX;
    char error[256] = "";
    int status = fl_http_tracker_feed(&r->tracker, direction, bytes, length, events, &count,
                                      &consumed, error, sizeof error);
    assert_true(status == 0 || status == FL_EPARSE);
    assert_true(consumed <= length && (consumed > 0 || length == 0));
    assert_true(count <= FL_HTTP_TRACKER_EVENTS_MAX);
    /* A feed stops early only when its events come near filling up. */
    if (consumed < length) assert_true(count >= FL_HTTP_TRACKER_EVENTS_MAX / 2);
    for (size_t i = 0; i < count; i++) {
        assert_true(events[i].offset <= consumed);
        assert_true(i == 0 || events[i - 1].offset <= events[i].offset);
        assert_int_equal(fl_protocol_event_reporter(events[i].event), FL_REPORTER_PROXY);
        record(trace, events[i].event, trace->fed + events[i].offset);
    }
    if (status == FL_EPARSE) {
        assert_true(error[0] != '\0');
        trace->parse_errors++;
        snprintf(trace->error, sizeof trace->error, "%s", error);
    }
    trace->fed += consumed;
    return consumed;
}

/* Feeds bytes as one read: again and again while the tracker stops early. */
static void feed_read(run_t *r, fl_direction_t direction, const uint8_t *bytes, size_t length) {
    size_t at = 0;
    do at += feed_once(r, direction, bytes + at, length - at);
    while (at < length);
    assert_int_equal(at, length);
}

static void feed_text(run_t *r, fl_direction_t direction, const char *text) {
    feed_read(r, direction, (const uint8_t *)text, strlen(text));
}

static void close_upstream(run_t *r) {
    fl_http_tracker_event_t events[FL_HTTP_TRACKER_CLOSE_EVENTS_MAX];
    size_t count = fl_http_tracker_close(&r->tracker, S2C, events);
    assert_true(count <= FL_HTTP_TRACKER_CLOSE_EVENTS_MAX);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(events[i].offset, 0);
        record(&r->s2c, events[i].event, r->s2c.fed);
    }
}

/* Feeds a direction cut at cut (length: whole), or byte by byte. */
static void feed_cut(run_t *r, fl_direction_t direction, const char *text, size_t length,
                     size_t cut, bool bytewise) {
    const uint8_t *bytes = (const uint8_t *)text;
    if (bytewise) {
        for (size_t i = 0; i < length; i++) feed_read(r, direction, bytes + i, 1);
        return;
    }
    assert_true(cut <= length);
    if (cut > 0) feed_read(r, direction, bytes, cut);
    if (cut < length) feed_read(r, direction, bytes + cut, length - cut);
}

static size_t length_of(const char *text, size_t length) {
    return text == NULL ? 0 : length > 0 ? length : strlen(text);
}

/* The requests first, then the responses (so HEAD is known), then the close. */
static run_t *run_case(const http_case_t *c, size_t c2s_cut, size_t s2c_cut, bool bytewise) {
    run_t *r = run_create();
    size_t c2s_length = length_of(c->c2s, c->c2s_length);
    size_t s2c_length = length_of(c->s2c, c->s2c_length);
    if (c2s_length > 0) feed_cut(r, C2S, c->c2s, c2s_length, c2s_cut, bytewise);
    if (s2c_length > 0) feed_cut(r, S2C, c->s2c, s2c_length, s2c_cut, bytewise);
    if (c->close) close_upstream(r);
    return r;
}

static void print_trace(const char *what, const trace_t *t) {
    print_error("%s: %zu events, %d parse errors\n", what, t->count, t->parse_errors);
    for (size_t i = 0; i < t->count; i++)
        print_error("  %s at %" PRIu64 "\n", fl_protocol_event_name(t->events[i].event),
                    t->events[i].at);
}

static bool chunk_at(const trace_t *t, uint64_t at) {
    for (size_t i = 0; i < t->count; i++)
        if (t->events[i].event == BODY_CHUNK && t->events[i].at == at) return true;
    return false;
}

/* The events other than (per_read_chunks) body chunks, in order. */
static size_t compared_events(const trace_t *t, bool per_read_chunks, recorded_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++)
        if (!per_read_chunks || t->events[i].event != BODY_CHUNK) out[n++] = t->events[i];
    return n;
}

/* per_read_chunks: body chunks are left out, but the whole run's must be
 * among the split run's (each ends a body's bytes in a feed, and the split
 * run has a feed end there too) unless whole_chunks_vary: a feed stopped
 * by full events adds chunk ends of its own. */
static bool same_trace(const trace_t *whole, const trace_t *split, bool per_read_chunks,
                       bool whole_chunks_vary) {
    static recorded_t a[RECORDED_MAX], b[RECORDED_MAX];
    size_t na = compared_events(whole, per_read_chunks, a);
    size_t nb = compared_events(split, per_read_chunks, b);
    if (na != nb || whole->parse_errors != split->parse_errors) return false;
    if (strcmp(whole->error, split->error) != 0) return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].event != b[i].event || a[i].at != b[i].at) return false;
    for (size_t i = 0; per_read_chunks && !whole_chunks_vary && i < whole->count; i++)
        if (whole->events[i].event == BODY_CHUNK && !chunk_at(split, whole->events[i].at))
            return false;
    return true;
}

static void assert_same_runs(const http_case_t *c, const run_t *whole, const run_t *split,
                             const char *how, size_t cut) {
    if (same_trace(&whole->c2s, &split->c2s, c->per_read_chunks, c->chunks_unlisted) &&
        same_trace(&whole->s2c, &split->s2c, c->per_read_chunks, c->chunks_unlisted))
        return;
    print_error("fed %s (cut at %zu) gives other events than whole\n", how, cut);
    print_trace("whole c2s", &whole->c2s);
    print_trace("split c2s", &split->c2s);
    print_trace("whole s2c", &whole->s2c);
    print_trace("split s2c", &split->s2c);
    fail();
}

static void assert_listed_events(const trace_t *t, fl_direction_t direction,
                                 const expect_t *expected, size_t expected_count,
                                 bool chunks_unlisted) {
    static recorded_t got[RECORDED_MAX];
    size_t got_count = compared_events(t, chunks_unlisted, got);
    size_t j = 0;
    bool same = true;
    for (size_t i = 0; i < expected_count; i++) {
        if (expected[i].direction != direction) continue;
        same = same && j < got_count && got[j].event == expected[i].event &&
               got[j].at == expected[i].at;
        j++;
    }
    if (same && j == got_count) return;
    print_error("expected in %s:\n", fl_direction_name(direction));
    for (size_t i = 0; i < expected_count; i++)
        if (expected[i].direction == direction)
            print_error("  %s at %" PRIu64 "\n", fl_protocol_event_name(expected[i].event),
                        expected[i].at);
    print_trace("got", t);
    fail();
}

static void assert_trace_is(const trace_t *t, fl_direction_t direction, const expect_t *expected,
                            size_t expected_count) {
    assert_listed_events(t, direction, expected, expected_count, false);
}

/* The whole run gives exactly expected (no parse errors unless
 * parse_errors says); every other split gives the same. Returns the whole
 * run (the caller frees it) for more checks. */
static run_t *check_case_with_errors(const http_case_t *c, const expect_t *expected,
                                     size_t expected_count, int parse_errors) {
    size_t c2s_length = length_of(c->c2s, c->c2s_length);
    size_t s2c_length = length_of(c->s2c, c->s2c_length);
    run_t *whole = run_case(c, c2s_length, s2c_length, false);
    assert_listed_events(&whole->c2s, C2S, expected, expected_count, c->chunks_unlisted);
    assert_listed_events(&whole->s2c, S2C, expected, expected_count, c->chunks_unlisted);
    assert_int_equal(whole->c2s.parse_errors + whole->s2c.parse_errors, parse_errors);
    for (size_t cut = 0; cut < c2s_length; cut++) {
        run_t *split = run_case(c, cut, s2c_length, false);
        assert_same_runs(c, whole, split, "c2s in two", cut);
        free(split);
    }
    for (size_t cut = 0; cut < s2c_length; cut++) {
        run_t *split = run_case(c, c2s_length, cut, false);
        assert_same_runs(c, whole, split, "s2c in two", cut);
        free(split);
    }
    run_t *bytewise = run_case(c, 0, 0, true);
    assert_same_runs(c, whole, bytewise, "byte by byte", 0);
    free(bytewise);
    return whole;
}

static void check_case(const http_case_t *c, const expect_t *expected, size_t expected_count) {
    free(check_case_with_errors(c, expected, expected_count, 0));
}

#define COUNT(array) (sizeof(array) / sizeof(array)[0])

/* --- messages, keep-alive and pipelining -------------------------------------------- */

#define GET_A "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
#define POST_HEAD "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"
#define POST_BODY "abc"
#define GET_C "GET /c HTTP/1.1\r\nHost: x\r\n\r\n"
#define HEAD_A "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n"

#define OK_HEAD_5 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
#define OK_HEAD_2 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
#define EMPTY_OK "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

static void test_a_request_and_its_response_end_where_their_bytes_end(void **state) {
    (void)state;
    http_case_t c = {.c2s = GET_A, .s2c = OK_HEAD_5 "hello", .per_read_chunks = true};
    const size_t end = LEN(OK_HEAD_5 "hello");
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(GET_A)},  {C2S, REQUEST_DONE, LEN(GET_A)},
        {S2C, RESPONSE_HEAD, LEN(OK_HEAD_5)}, {S2C, BODY_CHUNK, end},
        {S2C, RESPONSE_DONE, end},
    };
    check_case(&c, expected, COUNT(expected));
}

static void test_pipelined_requests_are_followed_and_answered_in_order(void **state) {
    (void)state;
    const size_t post_head = LEN(GET_A POST_HEAD), post_end = LEN(GET_A POST_HEAD POST_BODY);
    const size_t r1 = LEN(OK_HEAD_2 "ok"), r2_head = r1 + LEN(CHUNKED_HEAD);
    const size_t r2 = r2_head + LEN("2\r\nhi\r\n0\r\n\r\n");
    http_case_t c = {
        .c2s = GET_A POST_HEAD POST_BODY GET_C,
        .s2c = OK_HEAD_2 "ok" CHUNKED_HEAD "2\r\nhi\r\n0\r\n\r\n" EMPTY_OK,
        .per_read_chunks = true,
    };
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(GET_A)},
        {C2S, REQUEST_DONE, LEN(GET_A)},
        {C2S, REQUEST_HEAD, post_head},
        {C2S, REQUEST_DONE, post_end},
        {C2S, REQUEST_HEAD, post_end + LEN(GET_C)},
        {C2S, REQUEST_DONE, post_end + LEN(GET_C)},
        {S2C, RESPONSE_HEAD, LEN(OK_HEAD_2)},
        {S2C, BODY_CHUNK, r1},
        {S2C, RESPONSE_DONE, r1},
        {S2C, RESPONSE_HEAD, r2_head},
        {S2C, BODY_CHUNK, r2_head + LEN("2\r\nhi\r\n")},
        {S2C, RESPONSE_DONE, r2},
        {S2C, RESPONSE_HEAD, r2 + LEN(EMPTY_OK)},
        {S2C, RESPONSE_DONE, r2 + LEN(EMPTY_OK)},
    };
    run_t *whole = check_case_with_errors(&c, expected, COUNT(expected), 0);
    assert_int_equal(whole->tracker.request.messages, 3);
    assert_int_equal(whole->tracker.response.messages, 3);
    assert_false(fl_http_tracker_response_pending(&whole->tracker));
    free(whole);
}

/* Without being told of HEAD, llhttp would read the next response's head
 * as the first one's five bytes of body. */
static void test_a_response_to_head_has_no_body(void **state) {
    (void)state;
    const size_t second = LEN(OK_HEAD_5) + LEN(CHUNKED_HEAD);
    const size_t end = LEN(OK_HEAD_5 CHUNKED_HEAD OK_HEAD_2 "ok");
    http_case_t c = {
        .c2s = HEAD_A HEAD_A GET_A,
        .s2c = OK_HEAD_5 CHUNKED_HEAD OK_HEAD_2 "ok",
        .per_read_chunks = true,
    };
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(HEAD_A)},
        {C2S, REQUEST_DONE, LEN(HEAD_A)},
        {C2S, REQUEST_HEAD, LEN(HEAD_A HEAD_A)},
        {C2S, REQUEST_DONE, LEN(HEAD_A HEAD_A)},
        {C2S, REQUEST_HEAD, LEN(HEAD_A HEAD_A GET_A)},
        {C2S, REQUEST_DONE, LEN(HEAD_A HEAD_A GET_A)},
        {S2C, RESPONSE_HEAD, LEN(OK_HEAD_5)},
        {S2C, RESPONSE_DONE, LEN(OK_HEAD_5)},
        {S2C, RESPONSE_HEAD, second},
        {S2C, RESPONSE_DONE, second},
        {S2C, RESPONSE_HEAD, second + LEN(OK_HEAD_2)},
        {S2C, BODY_CHUNK, end},
        {S2C, RESPONSE_DONE, end},
    };
    check_case(&c, expected, COUNT(expected));
}

#define NO_CONTENT "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"
#define NOT_MODIFIED "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"

static void test_204_and_304_have_no_body_whatever_their_headers_say(void **state) {
    (void)state;
    const size_t third = LEN(NO_CONTENT NOT_MODIFIED OK_HEAD_2);
    http_case_t c = {
        .c2s = GET_A GET_A GET_A,
        .s2c = NO_CONTENT NOT_MODIFIED OK_HEAD_2 "ok",
        .per_read_chunks = true,
    };
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(GET_A)},
        {C2S, REQUEST_DONE, LEN(GET_A)},
        {C2S, REQUEST_HEAD, 2 * LEN(GET_A)},
        {C2S, REQUEST_DONE, 2 * LEN(GET_A)},
        {C2S, REQUEST_HEAD, 3 * LEN(GET_A)},
        {C2S, REQUEST_DONE, 3 * LEN(GET_A)},
        {S2C, RESPONSE_HEAD, LEN(NO_CONTENT)},
        {S2C, RESPONSE_DONE, LEN(NO_CONTENT)},
        {S2C, RESPONSE_HEAD, LEN(NO_CONTENT NOT_MODIFIED)},
        {S2C, RESPONSE_DONE, LEN(NO_CONTENT NOT_MODIFIED)},
        {S2C, RESPONSE_HEAD, third},
        {S2C, BODY_CHUNK, third + 2},
        {S2C, RESPONSE_DONE, third + 2},
    };
    check_case(&c, expected, COUNT(expected));
}

/* --- bodies ------------------------------------------------------------------------- */

/* "the body bytes of one read": each feed's end within the body. */
static void test_a_length_body_has_a_body_chunk_per_feed(void **state) {
    (void)state;
    run_t *r = run_create();
    feed_text(r, C2S, GET_A GET_A);
    feed_text(r, S2C, OK_HEAD_5 "he");
    feed_text(r, S2C, "ll");
    feed_text(r, S2C, "o" OK_HEAD_2 "o");
    feed_text(r, S2C, "k");
    const size_t head = LEN(OK_HEAD_5), first = LEN(OK_HEAD_5 "hello");
    expect_t expected[] = {
        {S2C, RESPONSE_HEAD, head},
        {S2C, BODY_CHUNK, head + 2},
        {S2C, BODY_CHUNK, head + 4},
        {S2C, BODY_CHUNK, first}, /* where the body ends, not the feed */
        {S2C, RESPONSE_DONE, first},
        {S2C, RESPONSE_HEAD, first + LEN(OK_HEAD_2)},
        {S2C, BODY_CHUNK, first + LEN(OK_HEAD_2) + 1},
        {S2C, BODY_CHUNK, first + LEN(OK_HEAD_2) + 2},
        {S2C, RESPONSE_DONE, first + LEN(OK_HEAD_2) + 2},
    };
    assert_trace_is(&r->s2c, S2C, expected, COUNT(expected));
    free(r);
}

#define CHUNK_1 "3\r\nabc\r\n"
#define CHUNK_2 "2;ext=1\r\nde\r\n"
#define LAST_CHUNK "0\r\nTrailer: x\r\n\r\n"

static void test_a_chunked_body_has_a_body_chunk_after_each_chunks_crlf(void **state) {
    (void)state;
    const size_t head = LEN(CHUNKED_HEAD);
    http_case_t c = {.c2s = GET_A, .s2c = CHUNKED_HEAD CHUNK_1 CHUNK_2 LAST_CHUNK};
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(GET_A)},
        {C2S, REQUEST_DONE, LEN(GET_A)},
        {S2C, RESPONSE_HEAD, head},
        {S2C, BODY_CHUNK, head + LEN(CHUNK_1)},
        {S2C, BODY_CHUNK, head + LEN(CHUNK_1 CHUNK_2)},
        {S2C, RESPONSE_DONE, head + LEN(CHUNK_1 CHUNK_2 LAST_CHUNK)},
    };
    check_case(&c, expected, COUNT(expected));
}

#define CLOSE_DELIMITED "HTTP/1.1 200 OK\r\n\r\n"

static void test_a_close_delimited_body_ends_at_the_close(void **state) {
    (void)state;
    const size_t end = LEN(CLOSE_DELIMITED "abc");
    http_case_t c = {.c2s = GET_A, .s2c = CLOSE_DELIMITED "abc", .close = true,
                     .per_read_chunks = true};
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(GET_A)},        {C2S, REQUEST_DONE, LEN(GET_A)},
        {S2C, RESPONSE_HEAD, LEN(CLOSE_DELIMITED)}, {S2C, BODY_CHUNK, end},
        {S2C, RESPONSE_DONE, end},
    };
    run_t *whole = check_case_with_errors(&c, expected, COUNT(expected), 0);
    /* Closed: nothing more is followed. */
    fl_http_tracker_event_t events[FL_HTTP_TRACKER_CLOSE_EVENTS_MAX];
    assert_int_equal(fl_http_tracker_close(&whole->tracker, S2C, events), 0);
    free(whole);
}

static void test_a_close_before_a_length_body_ends_ends_no_response(void **state) {
    (void)state;
    run_t *r = run_create();
    feed_text(r, C2S, GET_A);
    feed_text(r, S2C, OK_HEAD_5 "hel");
    fl_http_tracker_event_t events[FL_HTTP_TRACKER_CLOSE_EVENTS_MAX];
    assert_int_equal(fl_http_tracker_close(&r->tracker, C2S, events), 0); /* never delimits */
    assert_int_equal(fl_http_tracker_close(&r->tracker, S2C, events), 0);
    assert_true(fl_http_tracker_response_started(&r->tracker));
    free(r);
}

/* --- interim responses -------------------------------------------------------------- */

#define CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"
#define EARLY_HINTS "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
#define EXPECTING "POST /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"

static void test_interim_responses_are_not_response_heads(void **state) {
    (void)state;
    const size_t final_head = LEN(CONTINUE EARLY_HINTS OK_HEAD_2);
    const size_t head_answer = final_head + 2 + LEN(CONTINUE OK_HEAD_5);
    http_case_t c = {
        .c2s = EXPECTING "hi" HEAD_A,
        .s2c = CONTINUE EARLY_HINTS OK_HEAD_2 "ok" CONTINUE OK_HEAD_5,
        .per_read_chunks = true,
    };
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(EXPECTING)},
        {C2S, REQUEST_DONE, LEN(EXPECTING "hi")},
        {C2S, REQUEST_HEAD, LEN(EXPECTING "hi" HEAD_A)},
        {C2S, REQUEST_DONE, LEN(EXPECTING "hi" HEAD_A)},
        {S2C, RESPONSE_HEAD, final_head},
        {S2C, BODY_CHUNK, final_head + 2},
        {S2C, RESPONSE_DONE, final_head + 2},
        /* the 100 before it does not take the HEAD request's place */
        {S2C, RESPONSE_HEAD, head_answer},
        {S2C, RESPONSE_DONE, head_answer},
    };
    check_case(&c, expected, COUNT(expected));
}

/* --- server-sent events ------------------------------------------------------------- */

#define SSE_HEAD "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
#define EVENT_LF "data: a\n: a comment in an event\n\n"
#define PING ": ping\n\n\n"
#define EVENT_CRLF "event: x\r\ndata: b\r\n\r\n"
#define EVENT_CR "id: 1\rdata: c\r\r"
#define EVENT_LAST "data: d\n\n"

static void test_sse_events_end_at_their_blank_lines(void **state) {
    (void)state;
    const size_t h = LEN(SSE_HEAD), end = LEN(SSE_HEAD EVENT_LF PING EVENT_CRLF EVENT_CR EVENT_LAST);
    http_case_t c = {
        .c2s = GET_A,
        .s2c = SSE_HEAD EVENT_LF PING EVENT_CRLF EVENT_CR EVENT_LAST,
        .close = true,
        .per_read_chunks = true,
    };
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(GET_A)},
        {C2S, REQUEST_DONE, LEN(GET_A)},
        {S2C, RESPONSE_HEAD, h},
        {S2C, SSE_EVENT, h + LEN(EVENT_LF)},
        /* a comment alone, and a blank line more, are no events */
        {S2C, SSE_EVENT, h + LEN(EVENT_LF PING EVENT_CRLF)}, /* after the LF of CRLF */
        {S2C, SSE_EVENT, h + LEN(EVENT_LF PING EVENT_CRLF EVENT_CR)},
        {S2C, SSE_EVENT, end},
        {S2C, BODY_CHUNK, end},
        {S2C, RESPONSE_DONE, end},
    };
    check_case(&c, expected, COUNT(expected));
}

#define SSE_CHUNKED_HEAD \
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
#define SC1 "9\r\ndata: a\n\n\r\n"         /* an event that is the whole chunk */
#define SC2 "10\r\ndata: b\n\ndata: c\r\n" /* one inside, one begun */
#define SC3 "2\r\n\n\n\r\n"                 /* which ends here */
#define SC4 "8\r\ndata: d\r\r\n"            /* CRLF cut by the chunks... */
#define SC5 "3\r\n\n\r\n\r\n"               /* ...is one line end */
#define SC6 "9\r\ndata: e\r\r\r\n"          /* a blank line's CR ends the chunk */
#define SC7 "1\r\n\n\r\n"                   /* and its LF comes in the next */
#define SC_END "0\r\n\r\n"

static void test_sse_events_in_chunks_wait_for_the_chunks_crlf(void **state) {
    (void)state;
    const size_t h = LEN(SSE_CHUNKED_HEAD);
    const size_t c1 = h + LEN(SC1), c2 = c1 + LEN(SC2), c3 = c2 + LEN(SC3), c4 = c3 + LEN(SC4);
    const size_t c5 = c4 + LEN(SC5), c6 = c5 + LEN(SC6), c7 = c6 + LEN(SC7);
    http_case_t c = {.c2s = GET_A, .s2c = SSE_CHUNKED_HEAD SC1 SC2 SC3 SC4 SC5 SC6 SC7 SC_END};
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(GET_A)},
        {C2S, REQUEST_DONE, LEN(GET_A)},
        {S2C, RESPONSE_HEAD, h},
        {S2C, SSE_EVENT, c1},
        {S2C, BODY_CHUNK, c1},
        {S2C, SSE_EVENT, c1 + LEN("10\r\ndata: b\n\n")},
        {S2C, BODY_CHUNK, c2},
        {S2C, SSE_EVENT, c3},
        {S2C, BODY_CHUNK, c3},
        {S2C, BODY_CHUNK, c4},
        {S2C, SSE_EVENT, c5},
        {S2C, BODY_CHUNK, c5},
        {S2C, SSE_EVENT, c6},
        {S2C, BODY_CHUNK, c6},
        {S2C, BODY_CHUNK, c7},
        {S2C, RESPONSE_DONE, c7 + LEN(SC_END)},
    };
    check_case(&c, expected, COUNT(expected));
}

#define TYPED(type) "HTTP/1.1 200 OK\r\n" type "\r\nContent-Length: 9\r\n\r\ndata: a\n\n"
#define SSE_PARAMS TYPED("Content-Type: Text/Event-Stream ; charset=utf-8")
#define SSE_LONG_PARAMS \
    TYPED("content-type: text/event-stream;a=0123456789012345678901234567890123456789")
#define PLAIN TYPED("Content-Type: text/plain")
#define LONGER_TYPE TYPED("Content-Type: text/event-streams")
#define OTHER_HEADER TYPED("X-Content-Type: text/event-stream")

static void test_only_event_stream_bodies_are_scanned(void **state) {
    (void)state;
    const size_t r1 = LEN(SSE_PARAMS), r2 = r1 + LEN(SSE_LONG_PARAMS), r3 = r2 + LEN(PLAIN);
    const size_t r4 = r3 + LEN(LONGER_TYPE), r5 = r4 + LEN(OTHER_HEADER);
    http_case_t c = {.s2c = SSE_PARAMS SSE_LONG_PARAMS PLAIN LONGER_TYPE OTHER_HEADER,
                     .per_read_chunks = true};
    expect_t expected[] = {
        {S2C, RESPONSE_HEAD, r1 - 9}, {S2C, SSE_EVENT, r1},     {S2C, BODY_CHUNK, r1},
        {S2C, RESPONSE_DONE, r1},     {S2C, RESPONSE_HEAD, r2 - 9}, {S2C, SSE_EVENT, r2},
        {S2C, BODY_CHUNK, r2},        {S2C, RESPONSE_DONE, r2}, {S2C, RESPONSE_HEAD, r3 - 9},
        {S2C, BODY_CHUNK, r3},        {S2C, RESPONSE_DONE, r3}, {S2C, RESPONSE_HEAD, r4 - 9},
        {S2C, BODY_CHUNK, r4},        {S2C, RESPONSE_DONE, r4}, {S2C, RESPONSE_HEAD, r5 - 9},
        {S2C, BODY_CHUNK, r5},        {S2C, RESPONSE_DONE, r5},
    };
    check_case(&c, expected, COUNT(expected));
}

/* Whether an LF follows a blank line's CR, and so belongs to the event,
 * only the next byte says: when it is in the next feed, the event ends at
 * offset 0 of that feed (where the last one ended), or 1 after an LF. */
static void test_an_event_ended_by_a_cr_at_a_feeds_end_is_reported_by_the_next(void **state) {
    (void)state;
    run_t *r = run_create();
    feed_text(r, S2C, SSE_HEAD "data: a\r\r");
    assert_int_equal(r->s2c.count, 2); /* the head, the body chunk: no event yet */
    assert_int_equal(r->s2c.events[1].event, BODY_CHUNK);
    fl_http_tracker_event_t events[FL_HTTP_TRACKER_EVENTS_MAX];
    size_t count, consumed;
    char error[64];
    assert_int_equal(fl_http_tracker_feed(&r->tracker, S2C, (const uint8_t *)"data: b\r\n\r", 10,
                                          events, &count, &consumed, error, sizeof error),
                     0);
    assert_int_equal(count, 2); /* the event, where the last feed ended; the body chunk */
    assert_int_equal(events[0].event, SSE_EVENT);
    assert_int_equal(events[0].offset, 0);
    assert_int_equal(events[1].event, BODY_CHUNK);
    assert_int_equal(fl_http_tracker_feed(&r->tracker, S2C, (const uint8_t *)"\n", 1, events,
                                          &count, &consumed, error, sizeof error),
                     0);
    assert_int_equal(count, 2); /* the event, after the LF; the body chunk */
    assert_int_equal(events[0].event, SSE_EVENT);
    assert_int_equal(events[0].offset, 1);
    feed_text(r, S2C, "data: c\r\r");
    fl_http_tracker_event_t closing[FL_HTTP_TRACKER_CLOSE_EVENTS_MAX];
    assert_int_equal(fl_http_tracker_close(&r->tracker, S2C, closing), 2);
    assert_int_equal(closing[0].event, SSE_EVENT);
    assert_int_equal(closing[1].event, RESPONSE_DONE);
    free(r);
}

/* The same stream, checked at every split: a CR-ended event at the end of
 * the stream is reported by the close. */
static void test_a_stream_ending_in_a_cr_event_splits_alike(void **state) {
    (void)state;
    const size_t h = LEN(SSE_HEAD), end = LEN(SSE_HEAD "data: a\r\rdata: b\r\n\rdata: c\r\r");
    http_case_t c = {.s2c = SSE_HEAD "data: a\r\rdata: b\r\n\rdata: c\r\r", .close = true,
                     .per_read_chunks = true};
    expect_t expected[] = {
        {S2C, RESPONSE_HEAD, h},
        {S2C, SSE_EVENT, h + LEN("data: a\r\r")},
        {S2C, SSE_EVENT, h + LEN("data: a\r\rdata: b\r\n\r")},
        {S2C, BODY_CHUNK, end},
        {S2C, SSE_EVENT, end},
        {S2C, RESPONSE_DONE, end},
    };
    check_case(&c, expected, COUNT(expected));
}

#define SSE_LENGTH_HEAD \
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 9\r\n\r\n"

/* The body's end says no LF follows: the event ends with the response. */
static void test_a_length_body_ending_in_a_cr_event_reports_it_at_its_end(void **state) {
    (void)state;
    const size_t end = LEN(SSE_LENGTH_HEAD "data: a\r\r");
    http_case_t c = {.s2c = SSE_LENGTH_HEAD "data: a\r\r" EMPTY_OK, .per_read_chunks = true};
    expect_t expected[] = {
        {S2C, RESPONSE_HEAD, LEN(SSE_LENGTH_HEAD)}, {S2C, SSE_EVENT, end},
        {S2C, BODY_CHUNK, end},                     {S2C, RESPONSE_DONE, end},
        {S2C, RESPONSE_HEAD, end + LEN(EMPTY_OK)},  {S2C, RESPONSE_DONE, end + LEN(EMPTY_OK)},
    };
    check_case(&c, expected, COUNT(expected));
}

/* --- Upgrade and CONNECT ------------------------------------------------------------ */

#define UPGRADE_REQUEST \
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
#define SWITCHING \
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
#define FRAMES "\x81\x05hello\x88\x00GET / HTTP/1.1\r\n\r\n"

static void test_an_upgrade_leaves_both_directions_opaque(void **state) {
    (void)state;
    http_case_t c = {.c2s = UPGRADE_REQUEST FRAMES, .s2c = SWITCHING FRAMES OK_HEAD_2 "ok"};
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(UPGRADE_REQUEST)},
        {C2S, REQUEST_DONE, LEN(UPGRADE_REQUEST)},
        {S2C, RESPONSE_HEAD, LEN(SWITCHING)},
        {S2C, RESPONSE_DONE, LEN(SWITCHING)},
    };
    check_case(&c, expected, COUNT(expected));
}

/* A 101 that llhttp would take for an interim response (no Connection:
 * upgrade) switches protocols all the same. */
static void test_any_101_switches_protocols(void **state) {
    (void)state;
    http_case_t c = {.c2s = GET_A FRAMES,
                     .s2c = "HTTP/1.1 101 Switching Protocols\r\n\r\n" FRAMES};
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(GET_A)},
        {C2S, REQUEST_DONE, LEN(GET_A)},
        {S2C, RESPONSE_HEAD, LEN("HTTP/1.1 101 Switching Protocols\r\n\r\n")},
        {S2C, RESPONSE_DONE, LEN("HTTP/1.1 101 Switching Protocols\r\n\r\n")},
    };
    /* The request side is opaque once the 101 is read: its frames are no
     * malformed request. Fed in order: the 101 first. */
    run_t *r = run_create();
    feed_text(r, C2S, GET_A);
    feed_text(r, S2C, c.s2c);
    feed_text(r, C2S, FRAMES);
    assert_trace_is(&r->c2s, C2S, expected, COUNT(expected));
    assert_trace_is(&r->s2c, S2C, expected, COUNT(expected));
    assert_int_equal(r->c2s.parse_errors, 0);
    free(r);
    check_case(&(http_case_t){.c2s = GET_A, .s2c = c.s2c}, expected, COUNT(expected));
}

#define CONNECT_REQUEST "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n"
#define ESTABLISHED "HTTP/1.1 200 Connection Established\r\n\r\n"
#define TLS "\x16\x03\x01\x00\x05hello"

static void test_a_connect_tunnel_is_opaque_after_its_2xx(void **state) {
    (void)state;
    http_case_t c = {.c2s = CONNECT_REQUEST TLS, .s2c = ESTABLISHED TLS, .close = true};
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(CONNECT_REQUEST)},
        {C2S, REQUEST_DONE, LEN(CONNECT_REQUEST)},
        {S2C, RESPONSE_HEAD, LEN(ESTABLISHED)},
        {S2C, RESPONSE_DONE, LEN(ESTABLISHED)},
    };
    check_case(&c, expected, COUNT(expected));
}

#define PROXY_AUTH "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\n"

static void test_a_refused_connect_is_an_ordinary_response(void **state) {
    (void)state;
    http_case_t c = {.c2s = CONNECT_REQUEST, .s2c = PROXY_AUTH "no", .per_read_chunks = true};
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(CONNECT_REQUEST)},
        {C2S, REQUEST_DONE, LEN(CONNECT_REQUEST)},
        {S2C, RESPONSE_HEAD, LEN(PROXY_AUTH)},
        {S2C, BODY_CHUNK, LEN(PROXY_AUTH "no")},
        {S2C, RESPONSE_DONE, LEN(PROXY_AUTH "no")},
    };
    check_case(&c, expected, COUNT(expected));
}

/* --- malformed input ---------------------------------------------------------------- */

#define BAD_REQUEST "GE\x01T / HTTP/1.1\r\n\r\n"
#define BAD_RESPONSE "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"

static void test_malformed_input_is_reported_once_then_passes_as_opaque(void **state) {
    (void)state;
    http_case_t c = {.c2s = GET_A BAD_REQUEST GET_A, .s2c = OK_HEAD_2 "ok" BAD_RESPONSE EMPTY_OK,
                     .per_read_chunks = true};
    expect_t expected[] = {
        {C2S, REQUEST_HEAD, LEN(GET_A)},      {C2S, REQUEST_DONE, LEN(GET_A)},
        {S2C, RESPONSE_HEAD, LEN(OK_HEAD_2)}, {S2C, BODY_CHUNK, LEN(OK_HEAD_2 "ok")},
        {S2C, RESPONSE_DONE, LEN(OK_HEAD_2 "ok")},
    };
    run_t *whole = check_case_with_errors(&c, expected, COUNT(expected), 2);
    assert_int_equal(whole->c2s.parse_errors, 1);
    char wanted[64];
    snprintf(wanted, sizeof wanted, "malformed request at byte %zu: ", LEN(GET_A "GE"));
    assert_true(strncmp(whole->c2s.error, wanted, strlen(wanted)) == 0);
    assert_true(strlen(whole->c2s.error) > strlen(wanted)); /* llhttp's reason follows */
    assert_non_null(strstr(whole->s2c.error, "malformed response at byte"));
    /* Opaque from there: more bytes, even good ones, give nothing. */
    feed_text(whole, C2S, GET_A);
    feed_text(whole, S2C, EMPTY_OK);
    assert_int_equal(whole->c2s.count, 2);
    assert_int_equal(whole->c2s.parse_errors, 1);
    assert_int_equal(whole->s2c.parse_errors, 1);
    free(whole);
}

/* --- full feeds --------------------------------------------------------------------- */

#define TINY_GET "GET / HTTP/1.1\r\n\r\n"

static void test_a_feed_with_more_events_than_fit_stops_and_takes_the_rest_later(void **state) {
    (void)state;
    enum { REQUESTS = 40 };
    char pipeline[REQUESTS * LEN(TINY_GET) + 1] = "";
    for (size_t i = 0; i < REQUESTS; i++) strcat(pipeline, TINY_GET);
    run_t *r = run_create();
    size_t consumed = feed_once(r, C2S, (const uint8_t *)pipeline, strlen(pipeline));
    assert_true(consumed < strlen(pipeline));
    assert_int_equal(consumed % LEN(TINY_GET), 0);
    feed_read(r, C2S, (const uint8_t *)pipeline + consumed, strlen(pipeline) - consumed);
    assert_int_equal(r->c2s.count, 2 * REQUESTS);
    for (size_t i = 0; i < REQUESTS; i++) {
        assert_int_equal(r->c2s.events[2 * i].event, REQUEST_HEAD);
        assert_int_equal(r->c2s.events[2 * i + 1].at, (i + 1) * LEN(TINY_GET));
    }
    free(r);
}

/* A response's end after its head, at the end of a read, is reported by
 * that read whatever the events before it: no byte may come to show it.
 * (A first response of three events puts the last head at every count.) */
static void test_events_at_a_reads_end_never_wait_for_more_bytes(void **state) {
    (void)state;
    enum { RESPONSES_MAX = 2 * FL_HTTP_TRACKER_EVENTS_MAX };
    static char pipeline[LEN(OK_HEAD_2 "ok") + RESPONSES_MAX * LEN(EMPTY_OK) + 1];
    for (size_t responses = 1; responses <= RESPONSES_MAX; responses++) {
        strcpy(pipeline, OK_HEAD_2 "ok");
        for (size_t i = 0; i < responses; i++) strcat(pipeline, EMPTY_OK);
        run_t *r = run_create();
        feed_text(r, S2C, pipeline);
        assert_int_equal(r->s2c.count, 3 + 2 * responses);
        assert_int_equal(r->s2c.events[r->s2c.count - 1].event, RESPONSE_DONE);
        assert_int_equal(r->s2c.events[r->s2c.count - 1].at, strlen(pipeline));
        free(r);
    }
}

static void test_an_event_stream_with_many_events_in_one_read_reports_them_all(void **state) {
    (void)state;
    enum { EVENTS = 150 };
    static char stream[LEN(SSE_HEAD) + EVENTS * 3 + 1];
    strcpy(stream, SSE_HEAD);
    for (size_t i = 0; i < EVENTS; i++) strcat(stream, i % 2 ? "x\n\n" : "y\r\r");
    static expect_t expected[EVENTS + 3];
    size_t n = 0;
    expected[n++] = (expect_t){S2C, RESPONSE_HEAD, LEN(SSE_HEAD)};
    for (size_t i = 0; i < EVENTS; i++)
        expected[n++] = (expect_t){S2C, SSE_EVENT, LEN(SSE_HEAD) + 3 * (i + 1)};
    expected[n++] = (expect_t){S2C, RESPONSE_DONE, strlen(stream)};
    /* The read is taken in several feeds, each with its body chunk. */
    http_case_t c = {.s2c = stream, .close = true, .per_read_chunks = true, .chunks_unlisted = true};
    check_case(&c, expected, n);
}

/* --- what the proxy asks ------------------------------------------------------------ */

static void test_responses_owed_and_begun_follow_the_events(void **state) {
    (void)state;
    run_t *r = run_create();
    fl_http_tracker_t *t = &r->tracker;
    assert_false(fl_http_tracker_response_pending(t));
    feed_text(r, C2S, "GET /a HTTP/1.1\r\nHost: x\r\n");
    assert_false(fl_http_tracker_response_pending(t)); /* no request head yet */
    feed_text(r, C2S, "\r\n" HEAD_A);
    assert_true(fl_http_tracker_response_pending(t));
    assert_false(fl_http_tracker_response_started(t));
    feed_text(r, S2C, CONTINUE);
    assert_false(fl_http_tracker_response_started(t)); /* interim */
    feed_text(r, S2C, OK_HEAD_5 "he");
    assert_true(fl_http_tracker_response_started(t));
    feed_text(r, S2C, "llo");
    assert_false(fl_http_tracker_response_started(t));
    assert_true(fl_http_tracker_response_pending(t)); /* the HEAD's */
    feed_text(r, S2C, OK_HEAD_5);
    assert_false(fl_http_tracker_response_started(t));
    assert_false(fl_http_tracker_response_pending(t));
    free(r);
}

/* More HEAD requests waiting than the tracker remembers: it stops
 * following the responses rather than match them wrongly. */
static void test_too_many_waiting_head_requests_leave_the_responses_opaque(void **state) {
    (void)state;
    run_t *r = run_create();
    for (size_t i = 0; i < FL_HTTP_TRACKER_SPECIAL_REQUESTS_MAX; i++) feed_text(r, C2S, HEAD_A);
    feed_text(r, S2C, OK_HEAD_5);
    assert_int_equal(r->s2c.count, 2);
    for (size_t i = 0; i < 2; i++) feed_text(r, C2S, HEAD_A);
    feed_text(r, S2C, OK_HEAD_5);
    assert_int_equal(r->s2c.count, 2);
    assert_int_equal(r->s2c.parse_errors, 0);
    free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_request_and_its_response_end_where_their_bytes_end),
        cmocka_unit_test(test_pipelined_requests_are_followed_and_answered_in_order),
        cmocka_unit_test(test_a_response_to_head_has_no_body),
        cmocka_unit_test(test_204_and_304_have_no_body_whatever_their_headers_say),
        cmocka_unit_test(test_a_length_body_has_a_body_chunk_per_feed),
        cmocka_unit_test(test_a_chunked_body_has_a_body_chunk_after_each_chunks_crlf),
        cmocka_unit_test(test_a_close_delimited_body_ends_at_the_close),
        cmocka_unit_test(test_a_close_before_a_length_body_ends_ends_no_response),
        cmocka_unit_test(test_interim_responses_are_not_response_heads),
        cmocka_unit_test(test_sse_events_end_at_their_blank_lines),
        cmocka_unit_test(test_sse_events_in_chunks_wait_for_the_chunks_crlf),
        cmocka_unit_test(test_only_event_stream_bodies_are_scanned),
        cmocka_unit_test(test_an_event_ended_by_a_cr_at_a_feeds_end_is_reported_by_the_next),
        cmocka_unit_test(test_a_stream_ending_in_a_cr_event_splits_alike),
        cmocka_unit_test(test_a_length_body_ending_in_a_cr_event_reports_it_at_its_end),
        cmocka_unit_test(test_an_upgrade_leaves_both_directions_opaque),
        cmocka_unit_test(test_any_101_switches_protocols),
        cmocka_unit_test(test_a_connect_tunnel_is_opaque_after_its_2xx),
        cmocka_unit_test(test_a_refused_connect_is_an_ordinary_response),
        cmocka_unit_test(test_malformed_input_is_reported_once_then_passes_as_opaque),
        cmocka_unit_test(test_a_feed_with_more_events_than_fit_stops_and_takes_the_rest_later),
        cmocka_unit_test(test_events_at_a_reads_end_never_wait_for_more_bytes),
        cmocka_unit_test(test_an_event_stream_with_many_events_in_one_read_reports_them_all),
        cmocka_unit_test(test_responses_owed_and_begun_follow_the_events),
        cmocka_unit_test(test_too_many_waiting_head_requests_leave_the_responses_opaque),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
