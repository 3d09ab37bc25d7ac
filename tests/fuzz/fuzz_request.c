/* libFuzzer target: the mock server's HTTP/1.1 request parser
 * (sim/asgi/request_parser.h), fed bytes with no world.
 *
 * The first byte picks small or large limits and where the stream is split
 * in two; each complete request is answered at once (the parser resumed),
 * as the server does when a cycle ends. Oracles beyond "no crash":
 * - a head has a method, a version of 1.0 or 1.1, at most 100 headers, and
 *   its target and headers within the header limit;
 * - no request's body handed out exceeds the body limit;
 * - a refusal is 400, 413, 414, 431 or 501, and final: more bytes give it
 *   again;
 * - the same bytes give the same events whole or split: heads, refusals,
 *   and each complete request's body as bytes, however it was cut (how much
 *   of a refused body was handed out before the refusal depends on the cut,
 *   as it must: bytes go to the app as they arrive; and bytes both
 *   malformed and past a limit may be refused as either, by the cut). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/asgi/request_parser.h"

typedef struct events {
    fl_request_parser_t *parser;
    const fl_request_limits_t *limits;
    uint64_t hash;         /* FNV-1a of every event, in order */
    uint64_t body_hash;    /* FNV-1a of the current request's body bytes */
    uint64_t body_bytes;   /* of the current request */
    size_t requests;       /* complete */
} events_t;

static void fail(const char *what) {
    fprintf(stderr, "fuzz_request: %s\n", what);
    abort();
}

static void mix_into(uint64_t *hash, const void *data, size_t length) {
    const uint8_t *p = data;
    for (size_t i = 0; i < length; i++) *hash = (*hash ^ p[i]) * 0x100000001b3ull;
}

static void mix(events_t *e, const void *data, size_t length) { mix_into(&e->hash, data, length); }

static void mix_text(events_t *e, const char *text) { mix(e, text, strlen(text) + 1); }

static void on_begin(void *context) {
    events_t *e = context;
    e->body_bytes = 0;
    e->body_hash = 0xcbf29ce484222325ull;
    mix_text(e, "begin");
}

static void on_head(void *context, const fl_request_head_t *head) {
    events_t *e = context;
    if (head->method == NULL || head->method[0] == '\0') fail("a head without a method");
    if (strcmp(head->http_version, "1.0") != 0 && strcmp(head->http_version, "1.1") != 0)
        fail("a head with a version other than 1.0 or 1.1");
    if (head->header_count > FL_REQUEST_HEADERS_MAX) fail("a head with more than 100 headers");
    size_t bytes = strlen(head->target);
    mix_text(e, head->method);
    mix_text(e, head->target);
    mix_text(e, head->http_version);
    for (size_t i = 0; i < head->header_count; i++) {
        const char *name, *value;
        fl_request_parser_header(e->parser, i, &name, &value);
        bytes += strlen(name) + strlen(value);
        mix_text(e, name);
        mix_text(e, value);
    }
    if (bytes > e->limits->header_bytes_max) fail("a head past the header limit was handed out");
    mix(e, &head->refusal_status, sizeof head->refusal_status);
}

static void on_body(void *context, const char *data, size_t length) {
    events_t *e = context;
    e->body_bytes += length;
    if (e->body_bytes > e->limits->body_bytes_max) fail("a body past its limit was handed out");
    mix_into(&e->body_hash, data, length);
}

static void on_complete(void *context) {
    events_t *e = context;
    e->requests++;
    mix(e, &e->body_hash, sizeof e->body_hash);
    mix_text(e, "complete");
}

/* Feeds bytes, answering each complete request at once; returns the
 * refusal status, or 0. */
static int feed(fl_request_parser_t *parser, const char *data, size_t length) {
    int status = fl_request_parser_feed(parser, data, length);
    while (status == 0 && fl_request_parser_paused(parser)) status = fl_request_parser_resume(parser);
    return status;
}

static int parse(const fl_request_limits_t *limits, const char *data, size_t size, size_t split,
                 events_t *e) {
    fl_request_parser_t parser;
    *e = (events_t){.parser = &parser, .limits = limits, .hash = 0xcbf29ce484222325ull};
    fl_request_sink_t sink = {e, on_begin, on_head, on_body, on_complete};
    fl_request_parser_init(&parser, limits, &sink);
    int status = feed(&parser, data, split);
    if (status == 0) status = feed(&parser, data + split, size - split);
    if (status != 0) {
        if (status != 400 && status != 413 && status != 414 && status != 431 && status != 501)
            fail("a refusal other than 400, 413, 414, 431, 501");
        if (feed(&parser, "GET / HTTP/1.1\r\n\r\n", 18) != status) fail("a refusal was not final");
        mix(e, &status, sizeof status);
    }
    fl_request_parser_release(&parser);
    return status;
}

/* Bytes that are both malformed (400, or 501 for a transfer coding) and
 * past a limit may be refused as either, by where they were cut: a limit
 * is counted as callbacks hand bytes over (413, 414 or 431), and a cut
 * hands a token's first part over before llhttp sees the malformed byte
 * that, whole, it meets first. */
static int is_malformed(int status) { return status == 400 || status == 501; }
static int is_past_a_limit(int status) { return status == 413 || status == 414 || status == 431; }
static int refused_for_either_reason(int a, int b) {
    return (is_malformed(a) && is_past_a_limit(b)) || (is_malformed(b) && is_past_a_limit(a));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint8_t pick = data[0];
    const char *bytes = (const char *)data + 1;
    size--;
    fl_request_limits_t limits = {
        .header_bytes_max = (pick & 1) ? 64 : 64 * 1024,
        .body_bytes_max = (pick & 2) ? 16 : 1024 * 1024,
    };
    size_t split = size > 0 ? ((size_t)pick * 2654435761u) % (size + 1) : 0;
    events_t whole, pieces;
    int whole_status = parse(&limits, bytes, size, size, &whole);
    int pieces_status = parse(&limits, bytes, size, split, &pieces);
    if (refused_for_either_reason(whole_status, pieces_status)) return 0;
    if (whole_status != pieces_status || whole.hash != pieces.hash ||
        whole.requests != pieces.requests) {
        fprintf(stderr, "fuzz_request: whole: status %d, %zu requests; split at %zu: status %d, %zu requests\n",
                whole_status, whole.requests, split, pieces_status, pieces.requests);
        fail("the same bytes split in two gave other events");
    }
    return 0;
}
