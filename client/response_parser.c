/* The client's response parser: see response_parser.h. llhttp calls the
 * callbacks below; they collect the head, hold it and the body to the
 * limits, and stop the parse (returning -1) with a condition when
 * something is refused. */
#include "client/response_parser.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

static fl_response_parser_t *parser_of(llhttp_t *llhttp) {
    assert(llhttp != NULL && llhttp->data != NULL);
    return llhttp->data;
}

/* Stops the parse: feed reports condition (the detail, if any, is set). */
static int refuse(fl_response_parser_t *p, fl_client_condition_t condition) {
    assert(condition < FL_CLIENT_CONDITION_COUNT);
    p->failed = true;
    p->condition = condition;
    return -1;
}

/* A refusal that names what was wrong. */
static int refuse_with_detail(fl_response_parser_t *p, const char *detail) {
    assert(detail != NULL && detail[0] != '\0');
    snprintf(p->detail_text, sizeof p->detail_text, "%s", detail);
    p->detail = p->detail_text;
    return refuse(p, FL_CLIENT_PARSE_ERROR);
}

static int on_message_begin(llhttp_t *llhttp) {
    fl_response_parser_t *p = parser_of(llhttp);
    p->informational = false;
    p->field.length = p->value.length = 0;
    return 0;
}

static int count_header_bytes(fl_response_parser_t *p, size_t length) {
    p->header_bytes += length;
    if (p->header_bytes > p->config.header_bytes_max) return refuse(p, FL_CLIENT_HEADERS_TOO_LARGE);
    return 0;
}

static int on_header_field(llhttp_t *llhttp, const char *at, size_t length) {
    fl_response_parser_t *p = parser_of(llhttp);
    fl_byte_buffer_append(&p->field, at, length);
    return count_header_bytes(p, length);
}

static int on_header_value(llhttp_t *llhttp, const char *at, size_t length) {
    fl_response_parser_t *p = parser_of(llhttp);
    fl_byte_buffer_append(&p->value, at, length);
    return count_header_bytes(p, length);
}

static int on_header_value_complete(llhttp_t *llhttp) {
    fl_response_parser_t *p = parser_of(llhttp);
    fl_byte_buffer_append(&p->field, "", 1);
    fl_byte_buffer_append(&p->value, "", 1);
    /* A name or value fl_headers_add refuses (not a token, a NUL) is
     * dropped, as it always was: llhttp has checked the syntax. */
    if (!p->headers_done) (void)fl_headers_add(p->config.headers, p->field.data, p->value.data);
    p->field.length = p->value.length = 0;
    return 0;
}

/* An interim response (100 Continue, 103 Early Hints) is skipped, its
 * headers dropped, up to FL_RESPONSE_INTERIM_MAX of them: past that, an
 * endless stream of them would keep the exchange reading forever within
 * every timeout. */
static int skip_interim(fl_response_parser_t *p) {
    p->interim_responses++;
    if (p->interim_responses > FL_RESPONSE_INTERIM_MAX) {
        char detail[64];
        snprintf(detail, sizeof detail, "too many interim responses (more than %d)",
                 FL_RESPONSE_INTERIM_MAX);
        return refuse_with_detail(p, detail);
    }
    p->informational = true;
    fl_headers_t *headers = p->config.headers;
    while (fl_headers_count(headers) > 0) fl_headers_remove(headers, fl_headers_name(headers, 0));
    assert(fl_headers_count(headers) == 0);
    return 0;
}

static int on_headers_complete(llhttp_t *llhttp) {
    fl_response_parser_t *p = parser_of(llhttp);
    int status = llhttp->status_code;
    if (status < FL_RESPONSE_STATUS_MIN || status > FL_RESPONSE_STATUS_MAX) {
        /* llhttp lets "HTTP/1.1 \n" (status 0) and "HTTP/1.1 2 " through. */
        char detail[64];
        snprintf(detail, sizeof detail, "status code %d is not %d..%d", status,
                 FL_RESPONSE_STATUS_MIN, FL_RESPONSE_STATUS_MAX);
        return refuse_with_detail(p, detail);
    }
    if (status < 200 && status != 101) return skip_interim(p);
    p->status = status;
    p->http_version = llhttp->http_minor == 0 ? "1.0" : "1.1";
    p->headers_done = true;
    p->chunked = (llhttp->flags & F_CHUNKED) != 0;
    p->content_length = (llhttp->flags & F_CONTENT_LENGTH) ? (int64_t)llhttp->content_length : -1;
    assert(p->status >= FL_RESPONSE_STATUS_MIN && p->status <= FL_RESPONSE_STATUS_MAX);
    return p->config.head_request ? 1 : 0; /* llhttp: 1 is "no body", as a HEAD response has */
}

static int on_body(llhttp_t *llhttp, const char *at, size_t length) {
    fl_response_parser_t *p = parser_of(llhttp);
    if (p->informational) return 0;
    p->body_received += length;
    if (p->body_received > p->config.body_bytes_max) return refuse(p, FL_CLIENT_BODY_TOO_LARGE);
    if (p->config.body != NULL) p->config.body(p->config.body_context, at, length);
    return 0;
}

static int on_message_complete(llhttp_t *llhttp) {
    fl_response_parser_t *p = parser_of(llhttp);
    if (p->informational) return 0; /* the final response follows */
    p->message_done = true;
    return HPE_PAUSED;
}

/* Constant, so parsers share it: llhttp only reads it. */
static const llhttp_settings_t settings = {
    .on_message_begin = on_message_begin,
    /* Each header is added whole, once its value is complete. */
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void fl_response_parser_init(fl_response_parser_t *parser,
                             const fl_response_parser_config_t *config) {
    assert(parser != NULL && config != NULL && config->headers != NULL);
    assert(config->header_bytes_max > 0 && config->body_bytes_max > 0);
    *parser = (fl_response_parser_t){.config = *config, .content_length = -1};
    llhttp_init(&parser->llhttp, HTTP_RESPONSE, &settings);
    parser->llhttp.data = parser;
    assert(!parser->headers_done && !parser->failed && parser->content_length == -1);
}

void fl_response_parser_release(fl_response_parser_t *parser) {
    assert(parser != NULL);
    fl_byte_buffer_free(&parser->field);
    fl_byte_buffer_free(&parser->value);
}

fl_response_parse_result_t fl_response_parser_feed(fl_response_parser_t *parser, const char *data,
                                                   size_t length) {
    assert(parser != NULL && (data != NULL || length == 0));
    fl_response_parser_t *p = parser;
    p->any_bytes = true;
    if (p->failed) return FL_RESPONSE_PARSE_FAILED; /* final: nothing more is parsed */
    if (p->message_done) {
        /* Paused at the end of the response: whatever comes is past it. */
        if (length > 0) p->leftover = true;
        return FL_RESPONSE_PARSE_OK;
    }
    llhttp_errno_t err = llhttp_execute(&p->llhttp, data, length);
    if (err == HPE_OK) return FL_RESPONSE_PARSE_OK;
    if (err == HPE_PAUSED) {
        assert(p->message_done);
        size_t used = (size_t)(llhttp_get_error_pos(&p->llhttp) - data);
        if (used < length) p->leftover = true;
        return FL_RESPONSE_PARSE_OK;
    }
    if (!p->failed) {
        /* llhttp's own refusal: the response is malformed. */
        p->failed = true;
        p->condition = FL_CLIENT_PARSE_ERROR;
        p->detail = llhttp_get_error_reason(&p->llhttp);
    }
    assert(p->failed);
    return FL_RESPONSE_PARSE_FAILED;
}

/* Fails with condition and (NULL or) detail. */
static fl_response_parse_result_t end_early(fl_response_parser_t *p,
                                            fl_client_condition_t condition, const char *detail) {
    p->condition = condition;
    p->detail = detail;
    return FL_RESPONSE_PARSE_FAILED;
}

fl_response_parse_result_t fl_response_parser_finish(fl_response_parser_t *parser) {
    assert(parser != NULL);
    fl_response_parser_t *p = parser;
    /* A close-delimited body ends here: finish runs on_message_complete,
     * whose pause llhttp reports as HPE_PAUSED. */
    llhttp_errno_t finished = llhttp_finish(&p->llhttp);
    if ((finished == HPE_OK || finished == HPE_PAUSED) && p->message_done)
        return FL_RESPONSE_PARSE_OK;
    if (!p->any_bytes) return end_early(p, FL_CLIENT_EOF_BEFORE_RESPONSE, NULL);
    if (!p->headers_done)
        return end_early(p, FL_CLIENT_PARSE_ERROR, "the response head was cut short");
    if (p->chunked) return end_early(p, FL_CLIENT_EOF_MID_CHUNK, NULL);
    snprintf(p->detail_text, sizeof p->detail_text, "received %" PRIu64 " bytes, expected %" PRId64,
             p->body_received, p->content_length);
    return end_early(p, FL_CLIENT_EOF_SHORT_BODY, p->detail_text);
}

fl_client_condition_t fl_response_parser_condition(const fl_response_parser_t *parser) {
    assert(parser != NULL && parser->condition < FL_CLIENT_CONDITION_COUNT);
    return parser->condition;
}

const char *fl_response_parser_detail(const fl_response_parser_t *parser) {
    assert(parser != NULL);
    return parser->detail;
}

bool fl_response_parser_headers_done(const fl_response_parser_t *parser) {
    assert(parser != NULL);
    return parser->headers_done;
}

bool fl_response_parser_message_done(const fl_response_parser_t *parser) {
    assert(parser != NULL);
    assert(!parser->message_done || parser->headers_done); /* a response has a head first */
    return parser->message_done;
}

bool fl_response_parser_leftover(const fl_response_parser_t *parser) {
    assert(parser != NULL);
    return parser->leftover;
}

int fl_response_parser_status(const fl_response_parser_t *parser) {
    assert(parser != NULL && parser->headers_done);
    return parser->status;
}

const char *fl_response_parser_http_version(const fl_response_parser_t *parser) {
    assert(parser != NULL && parser->headers_done && parser->http_version != NULL);
    return parser->http_version;
}

bool fl_response_parser_keep_alive(const fl_response_parser_t *parser) {
    assert(parser != NULL);
    return llhttp_should_keep_alive(&parser->llhttp) != 0;
}
