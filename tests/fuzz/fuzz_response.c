/* libFuzzer target: the client's HTTP/1.1 response parser
 * (client/response_parser.h), fed bytes with no world.
 *
 * The first byte picks the case: HEAD or not, small or large limits, and
 * where the stream is split in two. Oracles beyond "no crash":
 * - a response taken has a status in 100..599 and version 1.0 or 1.1;
 * - the body handed out never exceeds the body limit, and a HEAD response
 *   has none; the headers kept never exceed the header limit;
 * - the same bytes give the same outcome whole or split (status, headers,
 *   condition, and the body of a response taken), as bytes cut by a network
 *   anywhere must; how much of a refused body was handed out before the
 *   refusal depends on the cut, as it must, and so may whether bytes both
 *   malformed and past a limit are refused as one or the other;
 * - a failed feed is final: more bytes fail the same way. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/response_parser.h"

typedef struct outcome {
    fl_response_parse_result_t result;
    fl_client_condition_t condition;
    bool headers_done;
    bool message_done;
    bool leftover;
    int status;
    size_t header_count;
    size_t header_bytes;
    uint64_t body_length;
    uint64_t body_hash; /* FNV-1a of the body handed out */
} outcome_t;

static void fail(const char *what) {
    fprintf(stderr, "fuzz_response: %s\n", what);
    abort();
}

static void take_body(void *context, const char *data, size_t length) {
    outcome_t *o = context;
    for (size_t i = 0; i < length; i++) o->body_hash = (o->body_hash ^ (uint8_t)data[i]) * 0x100000001b3ull;
    o->body_length += length;
}

static void read_outcome(const fl_response_parser_t *p, const fl_headers_t *headers,
                         fl_response_parse_result_t result, outcome_t *o) {
    o->result = result;
    o->condition = result == FL_RESPONSE_PARSE_FAILED ? fl_response_parser_condition(p) : 0;
    o->headers_done = fl_response_parser_headers_done(p);
    o->message_done = fl_response_parser_message_done(p);
    o->leftover = fl_response_parser_leftover(p);
    o->status = o->headers_done ? fl_response_parser_status(p) : 0;
    o->header_count = fl_headers_count(headers);
    o->header_bytes = 0;
    for (size_t i = 0; i < o->header_count; i++)
        o->header_bytes += strlen(fl_headers_name(headers, i)) + strlen(fl_headers_value(headers, i));
}

static void check_outcome(const fl_response_parser_t *p, const outcome_t *o,
                          const fl_response_parser_config_t *config) {
    if (o->headers_done) {
        if (o->status < FL_RESPONSE_STATUS_MIN || o->status > FL_RESPONSE_STATUS_MAX)
            fail("a response taken with a status outside 100..599");
        const char *version = fl_response_parser_http_version(p);
        if (strcmp(version, "1.0") != 0 && strcmp(version, "1.1") != 0)
            fail("a response taken with a version other than 1.0 or 1.1");
    }
    if (o->body_length > config->body_bytes_max) fail("a body past its limit was handed out");
    if (config->head_request && o->body_length > 0) fail("a HEAD response handed out a body");
    if (o->header_bytes > config->header_bytes_max) fail("headers past their limit were kept");
    if (o->result == FL_RESPONSE_PARSE_FAILED &&
        fl_response_parser_condition(p) >= FL_CLIENT_CONDITION_COUNT)
        fail("a failure without a condition");
}

/* Feeds data[0..split) then the rest, then ends the stream. */
static void parse(fl_arena_t *arena, const fl_response_parser_config_t *base, const char *data,
                  size_t size, size_t split, outcome_t *o) {
    memset(o, 0, sizeof *o);
    o->body_hash = 0xcbf29ce484222325ull;
    fl_response_parser_config_t config = *base;
    config.headers = fl_headers_create(arena);
    config.body = take_body;
    config.body_context = o;
    fl_response_parser_t parser;
    fl_response_parser_init(&parser, &config);
    fl_response_parse_result_t result = fl_response_parser_feed(&parser, data, split);
    if (result == FL_RESPONSE_PARSE_OK)
        result = fl_response_parser_feed(&parser, data + split, size - split);
    bool feed_failed = result == FL_RESPONSE_PARSE_FAILED;
    if (result == FL_RESPONSE_PARSE_OK && !fl_response_parser_message_done(&parser))
        result = fl_response_parser_finish(&parser);
    read_outcome(&parser, config.headers, result, o);
    check_outcome(&parser, o, &config);
    if (feed_failed) {
        fl_client_condition_t condition = fl_response_parser_condition(&parser);
        if (fl_response_parser_feed(&parser, "HTTP/1.1 200 OK\r\n\r\n", 19) !=
                FL_RESPONSE_PARSE_FAILED ||
            fl_response_parser_condition(&parser) != condition)
            fail("a failed parser took more bytes");
    }
    fl_response_parser_release(&parser);
}

/* Bytes that are both malformed and past a limit may be refused for either
 * reason, by where they were cut: a limit is counted as callbacks hand
 * bytes over, and a cut hands a token's first part over before llhttp sees
 * the malformed byte that, whole, it meets first. Either refusal is right. */
static int refused_for_either_reason(const outcome_t *a, const outcome_t *b) {
    if (a->result != FL_RESPONSE_PARSE_FAILED || b->result != FL_RESPONSE_PARSE_FAILED) return 0;
    fl_client_condition_t x = a->condition, y = b->condition;
    bool x_limit = x == FL_CLIENT_HEADERS_TOO_LARGE || x == FL_CLIENT_BODY_TOO_LARGE;
    bool y_limit = y == FL_CLIENT_HEADERS_TOO_LARGE || y == FL_CLIENT_BODY_TOO_LARGE;
    return (x == FL_CLIENT_PARSE_ERROR && y_limit) || (y == FL_CLIENT_PARSE_ERROR && x_limit);
}

static int same_outcome(const outcome_t *a, const outcome_t *b) {
    if (refused_for_either_reason(a, b)) return 1;
    return a->result == b->result && a->condition == b->condition &&
           a->headers_done == b->headers_done && a->message_done == b->message_done &&
           a->status == b->status && a->header_count == b->header_count &&
           a->header_bytes == b->header_bytes &&
           (a->result == FL_RESPONSE_PARSE_FAILED ||
            (a->body_length == b->body_length && a->body_hash == b->body_hash));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint8_t pick = data[0];
    const char *bytes = (const char *)data + 1;
    size--;
    fl_response_parser_config_t config = {
        .header_bytes_max = (pick & 2) ? 64 : 64 * 1024,
        .body_bytes_max = (pick & 4) ? 16 : 64 * 1024 * 1024,
        .head_request = (pick & 1) != 0,
    };
    size_t split = size > 0 ? ((size_t)pick * 2654435761u) % (size + 1) : 0;
    fl_arena_t arena;
    fl_arena_init(&arena);
    outcome_t whole, pieces;
    parse(&arena, &config, bytes, size, size, &whole);
    parse(&arena, &config, bytes, size, split, &pieces);
    if (!same_outcome(&whole, &pieces)) {
        fprintf(stderr, "fuzz_response: whole: result %d condition %d status %d; split at %zu: "
                "result %d condition %d status %d\n", whole.result, whole.condition, whole.status,
                split, pieces.result, pieces.condition, pieces.status);
        fail("the same bytes split in two gave another outcome");
    }
    fl_arena_destroy(&arena);
    return 0;
}
