/* The mock server's request parser: see request_parser.h. llhttp calls the
 * callbacks below; they keep the request's text in scratch, hold it to the
 * limits and turn it into the sink's events. */
#include "sim/asgi/request_parser.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

static fl_request_parser_t *parser_of(llhttp_t *llhttp) {
    assert(llhttp != NULL && llhttp->data != NULL);
    return llhttp->data;
}

static int refuse_because(fl_request_parser_t *p, int status, const char *reason) {
    assert(status == 400 || status == 413 || status == 414 || status == 431 || status == 501);
    assert(reason != NULL);
    assert(p->refusal_status == 0); /* parsing stops at the first refusal */
    p->refusal_status = status;
    p->refusal_reason = reason;
    return -1; /* llhttp: stop with HPE_USER */
}

static int refuse(fl_request_parser_t *p, int status) {
    assert(status == 413 || status == 414 || status == 431);
    return refuse_because(p, status, "limit");
}

/* The head's bytes so far as h11 would hold them, the request line and
 * each header line in their plain form ("GET /a HTTP/1.1\r\n", "Name:
 * value\r\n"): what scratch holds (the target, each "\0" name "\0"
 * value) plus the method and a space, the version and its line end once
 * past the target, and for each header the two bytes its ": " and line
 * end have over its two separators. Whitespace before a value (which
 * llhttp skips) is not counted, nor the blank line that ends the head. */
static size_t header_bytes_used(const fl_request_parser_t *p) {
    assert(p->scratch.length <= p->scratch.capacity);
    static const size_t VERSION_LINE = sizeof " HTTP/1.1\r\n" - 1;
    const char *method = llhttp_method_name((llhttp_method_t)p->llhttp.method);
    size_t used = p->scratch.length + strlen(method) + 1 + 2 * p->header_count;
    if (p->header_state != FL_REQUEST_AT_URL) used += VERSION_LINE;
    assert(used >= p->scratch.length);
    return used;
}

static int on_message_begin(llhttp_t *llhttp) {
    fl_request_parser_t *p = parser_of(llhttp);
    /* The previous request was resumed past (the parser was paused). */
    assert(!p->paused && p->refusal_status == 0);
    p->scratch.length = 0;
    p->header_state = FL_REQUEST_AT_URL;
    p->header_count = 0;
    p->body_received = 0;
    p->discarding_body = false;
    if (p->sink.begin != NULL) p->sink.begin(p->sink.context);
    return 0;
}

/* The limit is h11's (16 KiB by default) on the head counted as
 * header_bytes_used does; the scratch it bounds is smaller still. */
static int append_scratch(fl_request_parser_t *p, const char *at, size_t length) {
    assert(at != NULL || length == 0);
    /* Past the limit in the request target, it is the target that is too
     * long (RFC 9112 §3: 414); in the headers, they are too large (431). */
    if (header_bytes_used(p) + length > p->limits.header_bytes_max)
        return refuse(p, p->header_state == FL_REQUEST_AT_URL ? 414 : 431);
    fl_byte_buffer_append(&p->scratch, at, length);
    assert(header_bytes_used(p) <= p->limits.header_bytes_max);
    return 0;
}

static int on_url(llhttp_t *llhttp, const char *at, size_t length) {
    fl_request_parser_t *p = parser_of(llhttp);
    /* The url comes first. */
    assert(p->header_state == FL_REQUEST_AT_URL && p->header_count == 0);
    return append_scratch(p, at, length);
}

static int on_header_field(llhttp_t *llhttp, const char *at, size_t length) {
    fl_request_parser_t *p = parser_of(llhttp);
    assert(p->header_count <= FL_REQUEST_HEADERS_MAX);
    if (p->header_state != FL_REQUEST_AT_FIELD) {
        if (p->header_count == FL_REQUEST_HEADERS_MAX) return refuse(p, 431);
        fl_byte_buffer_append(&p->scratch, "", 1); /* end the url or the previous value */
        p->header_name_at[p->header_count++] = p->scratch.length;
        p->header_state = FL_REQUEST_AT_FIELD;
    }
    assert(p->header_count > 0 && p->header_count <= FL_REQUEST_HEADERS_MAX);
    return append_scratch(p, at, length);
}

/* RFC 9112 §5.1: no whitespace between a header name and its colon (a
 * server must answer 400); h11 refuses any in the name, a token. llhttp
 * refuses a tab but lets spaces into the name ("Foo : y" gives "Foo "),
 * so the name, complete here, is checked. */
static int on_header_field_complete(llhttp_t *llhttp) {
    fl_request_parser_t *p = parser_of(llhttp);
    assert(p->header_state == FL_REQUEST_AT_FIELD && p->header_count > 0);
    size_t at = p->header_name_at[p->header_count - 1];
    assert(at <= p->scratch.length);
    for (const char *c = p->scratch.data + at; c < p->scratch.data + p->scratch.length; c++)
        if (*c == ' ' || *c == '\t') return refuse_because(p, 400, "whitespace in a header name");
    return 0;
}

static int on_header_value(llhttp_t *llhttp, const char *at, size_t length) {
    fl_request_parser_t *p = parser_of(llhttp);
    /* llhttp gives a value only after its field. */
    assert(p->header_count > 0 && p->header_state != FL_REQUEST_AT_URL);
    if (p->header_state != FL_REQUEST_AT_VALUE) {
        fl_byte_buffer_append(&p->scratch, "", 1);
        p->header_value_at[p->header_count - 1] = p->scratch.length;
        p->header_state = FL_REQUEST_AT_VALUE;
    }
    assert(p->header_value_at[p->header_count - 1] > p->header_name_at[p->header_count - 1]);
    return append_scratch(p, at, length);
}

/* A declared length past the limit is refused before a byte of its body,
 * as h11 does. The flag, not the value, says a length was given: the
 * largest value (2^64 - 1) is a length too, and used to pass as "none",
 * leaving the app waiting for a body that could never be held. */
static bool declared_length_too_large(const fl_request_parser_t *p) {
    const llhttp_t *llhttp = &p->llhttp;
    return (llhttp->flags & F_CONTENT_LENGTH) && !(llhttp->flags & F_CHUNKED) &&
           llhttp->content_length > p->limits.body_bytes_max;
}

/* How many headers of this name (any case) the current request has. */
static size_t header_occurrences(const fl_request_parser_t *p, const char *name) {
    assert(name != NULL);
    size_t count = 0;
    for (size_t i = 0; i < p->header_count; i++)
        if (strcasecmp(p->scratch.data + p->header_name_at[i], name) == 0) count++;
    assert(count <= p->header_count);
    return count;
}

static const char *header_value_at(const fl_request_parser_t *p, size_t index) {
    assert(index < p->header_count);
    return p->header_value_at[index] ? p->scratch.data + p->header_value_at[index] : "";
}

/* h11 takes one transfer coding only: a single Transfer-Encoding header
 * whose value is "chunked" (any case, spaces around). True when the
 * request has another ("gzip", "gzip, chunked", "chunked, ", ...) or two
 * such headers, some of which llhttp would accept. */
static bool unsupported_transfer_coding(const fl_request_parser_t *p) {
    size_t headers = 0;
    bool chunked = false;
    for (size_t i = 0; i < p->header_count; i++) {
        if (strcasecmp(p->scratch.data + p->header_name_at[i], "transfer-encoding") != 0) continue;
        const char *value = header_value_at(p, i);
        size_t from = strspn(value, " \t"), to = strlen(value);
        while (to > from && (value[to - 1] == ' ' || value[to - 1] == '\t')) to--;
        chunked = to - from == 7 && strncasecmp(value + from, "chunked", 7) == 0;
        headers++;
    }
    assert(headers <= p->header_count);
    return headers > 1 || (headers == 1 && !chunked);
}

/* The request's own refusals, once its head is complete: 0 or a status,
 * with the reason in *reason. */
static int refusal_of_head(const fl_request_parser_t *p, const char **reason) {
    const llhttp_t *llhttp = &p->llhttp;
    size_t hosts = header_occurrences(p, "host");
    /* RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request
     * without Host, and h11 does; 1.0 knew no Host, so it may go without. */
    if (llhttp->http_major == 1 && llhttp->http_minor == 1 && hosts == 0) {
        *reason = "missing Host header";
        return 400;
    }
    /* RFC 9112 §3.2: more than one Host is a 400, in any version (h11). */
    if (hosts > 1) {
        *reason = "duplicate Host header";
        return 400;
    }
    /* RFC 9112 §6.1: a transfer coding the server does not know is a 501. */
    if (unsupported_transfer_coding(p)) {
        *reason = "unsupported Transfer-Encoding";
        return 501;
    }
    return 0;
}

static int on_headers_complete(llhttp_t *llhttp) {
    fl_request_parser_t *p = parser_of(llhttp);
    /* A refused field stops the parser before it gets here. */
    assert(!p->paused && p->refusal_status == 0);
    /* Past the url only once a header field began. */
    assert(p->header_state == FL_REQUEST_AT_URL || p->header_count > 0);
    fl_byte_buffer_append(&p->scratch, "", 1); /* end the url or the last value */
    const char *reason = NULL;
    int refusal = refusal_of_head(p, &reason);
    if (refusal != 0) return refuse_because(p, refusal, reason);
    fl_request_head_t head = {
        .method = llhttp_method_name((llhttp_method_t)llhttp->method),
        .target = p->scratch.data,
        .http_version = llhttp->http_minor == 0 ? "1.0" : "1.1",
        .keep_alive = llhttp_should_keep_alive(llhttp) != 0,
        .header_count = p->header_count,
        .refusal_status = declared_length_too_large(p) ? 413 : 0,
    };
    if (p->sink.head != NULL) p->sink.head(p->sink.context, &head);
    if (head.refusal_status != 0) return refuse(p, head.refusal_status);
    return 0;
}

static int on_body(llhttp_t *llhttp, const char *at, size_t length) {
    fl_request_parser_t *p = parser_of(llhttp);
    if (p->discarding_body) return 0;
    assert(at != NULL && !p->paused); /* it pauses only after the body is complete */
    p->body_received += length;
    if (p->body_received > p->limits.body_bytes_max) return refuse(p, 413);
    if (p->sink.body != NULL) p->sink.body(p->sink.context, at, length);
    return 0;
}

static int on_message_complete(llhttp_t *llhttp) {
    fl_request_parser_t *p = parser_of(llhttp);
    assert(!p->paused && p->refusal_status == 0);
    /* One request at a time: the next one waits until resumed. */
    p->paused = true;
    if (p->sink.complete != NULL) p->sink.complete(p->sink.context);
    return HPE_PAUSED;
}

/* Constant, so parsers share it: llhttp only reads it. The header
 * callbacks need no on_header_value_complete: scratch keeps the pairs. */
static const llhttp_settings_t settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void fl_request_parser_init(fl_request_parser_t *parser, const fl_request_limits_t *limits,
                            const fl_request_sink_t *sink) {
    assert(parser != NULL && limits != NULL && sink != NULL);
    assert(limits->header_bytes_max > 0 && limits->body_bytes_max > 0);
    *parser = (fl_request_parser_t){.limits = *limits, .sink = *sink};
    llhttp_init(&parser->llhttp, HTTP_REQUEST, &settings);
    parser->llhttp.data = parser;
    assert(!parser->paused && parser->refusal_status == 0 && parser->pending.length == 0);
}

void fl_request_parser_release(fl_request_parser_t *parser) {
    assert(parser != NULL);
    fl_byte_buffer_free(&parser->scratch);
    fl_byte_buffer_free(&parser->pending);
}

int fl_request_parser_feed(fl_request_parser_t *parser, const char *data, size_t length) {
    assert(parser != NULL && (data != NULL || length == 0));
    fl_request_parser_t *p = parser;
    /* A refusal is final: nothing more is parsed. No bytes change nothing. */
    if (p->refusal_status != 0 || length == 0) return p->refusal_status;
    if (p->paused) {
        fl_byte_buffer_append(&p->pending, data, length);
        return 0;
    }
    llhttp_errno_t err = llhttp_execute(&p->llhttp, data, length);
    if (err == HPE_OK) return 0;
    if (err == HPE_PAUSED) {
        size_t used = (size_t)(llhttp_get_error_pos(&p->llhttp) - data);
        assert(used <= length && p->paused);
        if (used < length) fl_byte_buffer_append(&p->pending, data + used, length - used);
        return 0;
    }
    /* A refusal of ours (a limit) or llhttp's own: a malformed request,
     * or a coding after "chunked", which llhttp refuses before the head is
     * complete: 501, as for any coding but chunked (refusal_of_head). */
    if (p->refusal_status == 0)
        p->refusal_status = err == HPE_INVALID_TRANSFER_ENCODING ? 501 : 400;
    assert(p->refusal_status >= 400 && p->refusal_status <= 501);
    return p->refusal_status;
}

int fl_request_parser_resume(fl_request_parser_t *parser) {
    assert(parser != NULL && parser->paused && parser->refusal_status == 0);
    parser->paused = false;
    llhttp_resume(&parser->llhttp);
    /* Feeding may pause again and keep a new rest: take the old one out. */
    fl_byte_buffer_t pending = parser->pending;
    parser->pending = (fl_byte_buffer_t){0};
    int refusal = 0;
    if (pending.length > 0) refusal = fl_request_parser_feed(parser, pending.data, pending.length);
    fl_byte_buffer_free(&pending);
    return refusal;
}

void fl_request_parser_discard_body(fl_request_parser_t *parser) {
    assert(parser != NULL);
    parser->discarding_body = true;
}

bool fl_request_parser_paused(const fl_request_parser_t *parser) {
    assert(parser != NULL);
    return parser->paused;
}

size_t fl_request_parser_pending(const fl_request_parser_t *parser) {
    assert(parser != NULL);
    return parser->pending.length;
}

void fl_request_parser_header(const fl_request_parser_t *parser, size_t index,
                              const char **name_out, const char **value_out) {
    assert(parser != NULL && name_out != NULL && value_out != NULL);
    assert(index < parser->header_count && index < FL_REQUEST_HEADERS_MAX);
    const fl_request_parser_t *p = parser;
    assert(p->header_name_at[index] < p->scratch.length);
    assert(p->header_value_at[index] < p->scratch.length);
    *name_out = p->scratch.data + p->header_name_at[index];
    /* A header whose value never began (an empty value) has none. */
    *value_out = header_value_at(p, index);
}

const char *fl_request_parser_refusal_reason(const fl_request_parser_t *parser) {
    assert(parser != NULL && parser->refusal_status != 0);
    if (parser->refusal_reason != NULL) return parser->refusal_reason;
    const char *reason = llhttp_get_error_reason(&parser->llhttp);
    return reason != NULL ? reason : "malformed request";
}
